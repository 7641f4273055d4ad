"""`iacguard identities`: who can become each AWS identity and what it can do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "ai-stack" / "plan.json"
IRSA_PLAN = (
    REPO.parent / "shared" / "corpus" / "plans" / "cyse7125__eks_irsa_podidentity_helm_v1.2.json"
)


def _identities(run_cli: Any, plan: Path) -> dict[str, dict[str, Any]]:
    result = run_cli("identities", plan, "--format", "json")
    assert result.returncode == 0, result.stderr
    return {i["address"]: i for i in json.loads(result.stdout)["identities"]}


def _classes(identity: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["class"]: c for c in identity["capabilities"]["classes"]}


def test_every_identity_has_ids_trust_and_capabilities(run_cli: Any) -> None:
    identities = _identities(run_cli, PLAN)
    # 8 AWS identities, and the 2 service accounts the plan's kubernetes_* resources create
    assert len(identities) == 10
    assert sorted(i["address"] for i in identities.values() if i["provider"] == "kubernetes") == [
        "kubernetes_service_account_v1.support_agent",
        "kubernetes_service_account_v1.vllm",
    ]
    agent = identities["module.agent_irsa.aws_iam_role.this"]
    assert agent["id"] == "aws:iam_role/acme-ml-support-agent"
    assert agent["provider"] == "aws" and agent["kind"] == "role"
    (trust,) = agent["trusted_by"]
    assert trust["provider"] == "eks"
    assert trust["subjects"] == ["system:serviceaccount:agents:support-agent"]
    classes = _classes(agent)
    # s3:* includes bucket policy writes: permissions management; the rest as the README says
    assert {
        "read-secrets",
        "pass-role",
        "write-data",
        "read-data",
        "permissions-management",
    } <= set(classes)
    assert classes["read-secrets"]["answer"] == "allowed"
    assert classes["read-secrets"]["resources"] == ["*"]


def test_admin_role_is_full_admin_and_trusts_every_repository(run_cli: Any) -> None:
    ci = _identities(run_cli, PLAN)["aws_iam_role.ci_deploy"]
    classes = _classes(ci)
    assert next(iter(classes)) == "full-admin"  # most severe first
    assert classes["full-admin"]["sources"] == [
        "aws-managed:arn:aws:iam::aws:policy/AdministratorAccess"
    ]
    assert ci["trusted_by"][0]["subjects"] == ["repo:acme/*"]


def test_grants_reaching_unknown_resources_are_maybe(run_cli: Any) -> None:
    inference = _identities(run_cli, PLAN)["module.inference_irsa.aws_iam_role.this"]
    classes = _classes(inference)
    # kms:Decrypt on the key created by this plan: its ARN is known only after apply
    assert classes["decrypt"]["answer"] == "unknown"
    assert "(known after apply)" in classes["decrypt"]["resources"]
    assert classes["read-data"]["answer"] == "allowed"
    # the feedback logger's one write: a prefix of the training data, nothing wider
    assert classes["write-data"]["resources"] == ["arn:aws:s3:::acme-ml-training-data/feedback/*"]


def test_text_output(run_cli: Any) -> None:
    result = run_cli("identities", PLAN)
    assert result.returncode == 0, result.stderr
    assert "aws:iam_role/acme-ml-github-deploy  (aws_iam_role.ci_deploy)" in result.stdout
    assert "can full-admin [critical]" in result.stdout
    assert "subjects system:serviceaccount:inference:vllm" in result.stdout


def test_bad_input_is_exit_2(run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{")
    result = run_cli("identities", bad)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.corpus
def test_corpus_irsa_roles_show_their_subjects(run_cli: Any) -> None:
    if not IRSA_PLAN.is_file():
        pytest.skip("../shared/corpus is not present")
    role = _identities(run_cli, IRSA_PLAN)["module.iam.aws_iam_role.ebs_csi_role"]
    oidc = [t for t in role["trusted_by"] if t["kind"] == "oidc"]
    assert oidc[0]["subjects"] == ["system:serviceaccount:kube-system:ebs-csi-controller-sa"]
    assert oidc[0]["principal"] == "module.iam.aws_iam_openid_connect_provider.oidc_provider"
    assert oidc[0]["answer"] == "allowed"


@pytest.mark.parametrize(
    "args",
    [
        ("identities", "--format", "json"),
        ("identities",),
        ("query", "--identity", "aws_iam_role.ci_deploy", "--action", "secretsmanager:*"),
    ],
)
def test_canaries_never_printed(run_cli: Any, args: tuple[str, ...]) -> None:
    result = run_cli(args[0], PLAN, *args[1:])
    assert result.returncode == 0, result.stderr
    for canary in ("IACGUARD-CANARY-SECRET-7f3a9c", "IACGUARD-CANARY-DBPASS-41d2"):
        assert canary not in result.stdout + result.stderr


def _escalations(identity: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["method"], e["actions"][-1]["action"]): e for e in identity["escalations"]}


def test_pass_role_with_sagemaker_names_the_roles_it_could_pass(run_cli: Any) -> None:
    identities = _identities(run_cli, PLAN)
    risks = _escalations(identities["aws_iam_role.ci_deploy"])
    training = risks[("pass-role", "sagemaker:CreateTrainingJob")]
    assert training["answer"] == "allowed"
    # only roles that trust SageMaker can be passed to it
    assert training["targets"] == ["aws_iam_role.sagemaker_execution"]
    assert risks[("pass-role", "bedrock:CreateAgent")]["targets"] == ["aws_iam_role.bedrock_agent"]
    keys = risks[("create-access-key", "iam:CreateAccessKey")]
    assert keys["targets"] == ["aws_iam_user.legacy_batch_uploader"]


def test_agent_can_pass_the_sagemaker_role_to_a_training_job(run_cli: Any) -> None:
    identities = _identities(run_cli, PLAN)
    agent = identities["module.agent_irsa.aws_iam_role.this"]
    risks = _escalations(agent)
    # iam:PassRole on * plus sagemaker:CreateTrainingJob: the job runs as the execution role
    assert set(risks) == {("pass-role", "sagemaker:CreateTrainingJob")}
    training = risks[("pass-role", "sagemaker:CreateTrainingJob")]
    assert training["answer"] == "allowed"
    assert training["targets"] == ["aws_iam_role.sagemaker_execution"]
    # the path of statements behind it
    assert [(s["action"], s["statement"]) for s in training["statements"]] == [
        ("iam:PassRole", "AgentPassRole"),
        ("sagemaker:CreateTrainingJob", "AgentFineTune"),
    ]
    assert {s["policy"] for s in training["statements"]} == {
        "module.agent_irsa.aws_iam_role_policy.this"
    }
    # no IAM writes, no roles trusting it: nothing else
    assert identities["module.inference_irsa.aws_iam_role.this"]["escalations"] == []
    assert identities["aws_iam_role.bedrock_agent"]["escalations"] == []


def test_restricted_pass_role_is_evaluated_per_role(run_cli: Any) -> None:
    identities = _identities(run_cli, PLAN)
    risks = _escalations(identities["aws_iam_role.sagemaker_execution"])
    training = risks[("pass-role", "sagemaker:CreateTrainingJob")]
    # AmazonSageMakerFullAccess passes roles only under an iam:PassedToService condition
    assert training["answer"] == "unknown"
    assert training["actions"][0] == {"action": "iam:PassRole", "answer": "unknown"}
