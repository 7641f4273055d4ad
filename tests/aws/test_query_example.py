"""`iacguard query` on the example stack, against answers checked by hand from its policies.

Each case names the statement that decides it (see examples/ai-stack/README.md, flaws 1-3, 6, 8).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

PLAN = Path(__file__).resolve().parents[2] / "examples" / "ai-stack" / "plan.json"
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:acme-ml/openai-api-key-AbCdEf"

CASES = [
    # flaw 1: the agent reads every secret (AgentSecrets: secretsmanager:GetSecretValue on *)
    (
        "module.agent_irsa.aws_iam_role.this",
        "secretsmanager:GetSecretValue",
        SECRET,
        "allowed",
        "module.agent_irsa.aws_iam_role_policy.this",
    ),
    # flaw 2: s3:* on * reaches the training data and the Terraform state
    (
        "acme-ml-support-agent",
        "s3:DeleteObject",
        "arn:aws:s3:::acme-ml-training-data/x.parquet",
        "allowed",
        "module.agent_irsa.aws_iam_role_policy.this",
    ),
    (
        "aws:iam_role/acme-ml-support-agent",
        "s3:GetObject",
        "arn:aws:s3:::acme-ml-tfstate/terraform.tfstate",
        "allowed",
        "module.agent_irsa.aws_iam_role_policy.this",
    ),
    # flaw 3: iam:PassRole on *
    (
        "module.agent_irsa.aws_iam_role.this",
        "iam:PassRole",
        "arn:aws:iam::111122223333:role/acme-ml-sagemaker-execution",
        "allowed",
        "module.agent_irsa.aws_iam_role_policy.this",
    ),
    # the inference role reads model artifacts (statement known from the data source's blocks
    # although the rendered JSON is only known after apply) and nothing else
    (
        "module.inference_irsa.aws_iam_role.this",
        "s3:GetObject",
        "arn:aws:s3:::acme-ml-model-artifacts/llama/model.safetensors",
        "allowed",
        "module.inference_irsa.aws_iam_role_policy.this",
    ),
    (
        "module.inference_irsa.aws_iam_role.this",
        "s3:PutObject",
        "arn:aws:s3:::acme-ml-model-artifacts/llama/model.safetensors",
        "denied",
        None,
    ),
    (
        "module.inference_irsa.aws_iam_role.this",
        "secretsmanager:GetSecretValue",
        SECRET,
        "denied",
        None,
    ),
    # flaw 6: the CI role becomes administrator (the replaced attachment), its old
    # S3 read-only attachment is gone
    (
        "aws_iam_role.ci_deploy",
        "iam:CreateUser",
        "*",
        "allowed",
        "aws-managed:arn:aws:iam::aws:policy/AdministratorAccess",
    ),
    # flaw 8: the legacy user's key can write training data (policy_arn known after apply,
    # linked through the configuration reference)
    (
        "aws_iam_user.legacy_batch_uploader",
        "s3:PutObject",
        "arn:aws:s3:::acme-ml-training-data/batch/1.csv",
        "allowed",
        "aws_iam_policy.legacy_batch_uploader",
    ),
    (
        "aws_iam_user.legacy_batch_uploader",
        "s3:DeleteObject",
        "arn:aws:s3:::acme-ml-training-data/batch/1.csv",
        "denied",
        None,
    ),
    # AWS managed policies resolved from the packaged catalog
    (
        "aws_iam_role.eks_node",
        "ecr:GetAuthorizationToken",
        "*",
        "allowed",
        "aws-managed:arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ),
    # on a training job (on "*", the statement's NotResource leaves it a Maybe)
    (
        "aws_iam_role.sagemaker_execution",
        "sagemaker:CreateTrainingJob",
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/llm-finetune",
        "allowed",
        "aws-managed:arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
    ),
    (
        "aws_iam_role.sagemaker_execution",
        "sagemaker:CreateTrainingJob",
        "*",
        "unknown",
        "aws-managed:arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
    ),
    # flaw 11: Bedrock's role invokes any model, and reads no data
    (
        "aws_iam_role.bedrock_agent",
        "bedrock:InvokeModel",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet",
        "allowed",
        "aws_iam_role_policy.bedrock_agent",
    ),
    ("aws_iam_role.bedrock_agent", "s3:GetObject", "*", "denied", None),
]


@pytest.mark.parametrize(("identity", "action", "resource", "decision", "source"), CASES)
def test_query_answers(
    run_cli: Any, identity: str, action: str, resource: str, decision: str, source: str | None
) -> None:
    result = run_cli(
        "query",
        PLAN,
        "--identity",
        identity,
        "--action",
        action,
        "--resource",
        resource,
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["decision"] == decision, answer["reason"]
    assert answer["assumptions"]
    if decision == "unknown":
        assert answer["unknowns"]
    if source is not None:
        assert answer["statements"][0]["source"] == source
        assert answer["statements"][0]["effect"] == "Allow"
    else:
        assert "no policy allows" in answer["reason"].lower()


def test_text_answer_names_the_deciding_statement(run_cli: Any) -> None:
    result = run_cli(
        "query",
        PLAN,
        "--identity",
        "module.agent_irsa.aws_iam_role.this",
        "--action",
        "secretsmanager:GetSecretValue",
        "--resource",
        SECRET,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Yes:")
    assert "AgentSecrets" in result.stdout
    assert "assumptions:" in result.stdout


def test_unknown_identity_is_exit_2_with_close_matches(run_cli: Any) -> None:
    result = run_cli(
        "query", PLAN, "--identity", "aws_iam_role.ci_deploi", "--action", "s3:GetObject"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "aws_iam_role.ci_deploy" in lines[0]
