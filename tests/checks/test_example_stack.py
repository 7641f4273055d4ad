"""End to end: the installed CLI scans the example AI stack and finds its deliberate flaws."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "ai-stack" / "plan.json"
MANIFESTS = REPO / "examples" / "ai-stack" / "k8s"

RunCli = Callable[..., subprocess.CompletedProcess[str]]

#: (check id, resource) the example must produce; None matches any resource.
EXPECTED: tuple[tuple[str, str | None], ...] = (
    ("ai-storage-public", "aws_s3_bucket.training_data"),
    ("aws-iam-admin-wildcard", "aws_iam_role_policy_attachment.ci_deploy"),
    ("aws-iam-access-key", "aws_iam_access_key.legacy_batch_uploader"),
    ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research"),
    ("aws-sagemaker-notebook-direct-internet", "aws_sagemaker_notebook_instance.research"),
    ("aws-bedrock-invocation-logging", None),
    ("aws-oidc-trust-wildcard-subject", "aws_iam_role.ci_deploy"),
    ("aws-admin-equivalent-identity", "aws_iam_role.ci_deploy"),
    ("aws-secrets-wildcard-read", "module.agent_irsa.aws_iam_role.this"),
    ("aws-ai-data-wildcard-access", "module.agent_irsa.aws_iam_role.this"),
    ("aws-pass-role-escalation", "module.agent_irsa.aws_iam_role.this"),
    ("aws-ai-role-controls-infrastructure", "aws_iam_role.sagemaker_execution"),
    # the agent's service account is created by Terraform (with its IRSA annotation)
    ("k8s-secrets-readable-cluster-wide", "kubernetes_service_account_v1.support_agent"),
    ("k8s-ai-workload-exposed-unauthenticated", "k8s:Deployment/inference/vllm"),
    ("k8s-ai-workload-exposed-unauthenticated", "k8s:Notebook/research/llm-research"),
    ("k8s-exposed-workload-token-mounted", "k8s:Notebook/research/llm-research"),
    ("k8s-gpu-workload-host-access", "k8s:Notebook/research/llm-research"),
    ("k8s-workload-default-service-account", "k8s:Notebook/research/llm-research"),
    ("k8s-ml-tool-auth-disabled", "k8s:Notebook/research/llm-research"),
    # the plan's helm_release of the local chart, rendered with its values
    ("k8s-ai-workload-exposed-unauthenticated", "k8s:Deployment/inference/acme-llm-serving"),
    # the identity graph: flaws 13 + 19, 2 + 4, and the notebook on the node's role
    ("exposed-workload-reaches-crown-jewel", "k8s:Service/inference/vllm"),
    ("ai-workload-writes-ai-data", "k8s:Deployment/inference/vllm"),
    ("ai-workload-writes-ai-data", "k8s:Deployment/agents/support-agent"),
    ("agent-identity-changes-infrastructure", "k8s:Deployment/agents/support-agent"),
    ("k8s-workload-node-identity", "k8s:Notebook/research/llm-research"),
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of a default scan of the example (exit code checked)."""
    beside = Path(sys.executable).parent / "iacguard"
    executable = str(beside) if beside.exists() else shutil.which("iacguard")
    assert executable, "the iacguard console script is not installed"
    cwd = tmp_path_factory.mktemp("cwd")  # no configuration file of the repository applies
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    env.pop("IACGUARD_DEBUG", None)
    completed = subprocess.run(
        [executable, "scan", str(PLAN), str(MANIFESTS), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    data: dict[str, Any] = json.loads(completed.stdout)
    return data


def _find(report: dict[str, Any], check_id: str, resource: str | None) -> dict[str, Any]:
    for finding in report["findings"]:
        if finding["check_id"] == check_id and resource in (None, finding["resource"]):
            return dict(finding)
    found = sorted((f["check_id"], f["resource"]) for f in report["findings"])
    pytest.fail(f"no {check_id} finding on {resource or 'any resource'}; found {found}")


def test_example_scan_fails_the_default_gate_without_check_errors(
    report: dict[str, Any],
) -> None:
    assert report["errors"] == []
    assert report["summary"]["gate"]["tripped"] is True
    assert report["summary"]["checks_run"] >= 12


@pytest.mark.parametrize(("check_id", "resource"), EXPECTED, ids=[f"{c}:{r}" for c, r in EXPECTED])
def test_example_has_the_finding(
    report: dict[str, Any], check_id: str, resource: str | None
) -> None:
    finding = _find(report, check_id, resource)
    frameworks = finding["frameworks"]
    assert frameworks.get("nist-csf-2.0"), f"{check_id}: not mapped to NIST CSF 2.0"
    if resource is not None and resource.startswith("k8s:"):
        assert finding["location"]["path"].startswith((str(MANIFESTS), str(REPO / "examples")))
        assert finding["location"]["line"], finding["location"]
    else:
        assert finding["location"]["pointer"].startswith("/resource_changes/")
    if finding["severity"] in ("critical", "high"):
        assert any(c.startswith("PR.") for c in frameworks["nist-csf-2.0"]), frameworks
        assert any(re.fullmatch(r"NHI\d+", c) for c in frameworks.get("owasp-nhi-2025", ())), (
            f"{check_id}: no OWASP NHI id in {frameworks}"
        )
        assert any(
            re.fullmatch(r"ASI\d+", c) for c in frameworks.get("owasp-agentic-top10-2026", ())
        ), f"{check_id}: no OWASP agentic (ASI) id in {frameworks}"


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("none", 0)])
def test_example_fail_on_threshold(
    run_cli: RunCli, tmp_path: Path, fail_on: str, code: int
) -> None:
    completed = run_cli("scan", PLAN, "--format", "json", "--fail-on", fail_on, cwd=tmp_path)
    assert completed.returncode == code, completed.stderr
    assert json.loads(completed.stdout)["summary"]["gate"]["fail_on"] == fail_on


def test_identity_findings_carry_the_deciding_evidence(report: dict[str, Any]) -> None:
    agent = "module.agent_irsa.aws_iam_role.this"
    passing = _find(report, "aws-pass-role-escalation", agent)
    # flaw 3: PassRole on * plus the fine-tune tool's CreateTrainingJob, and the role it passes
    assert "aws_iam_role.sagemaker_execution" in passing["message"]
    escalation = next(e for e in passing["evidence"] if e["kind"] == "escalation")
    assert escalation["targets"] == ["aws_iam_role.sagemaker_execution"]
    assert {"action": "sagemaker:CreateTrainingJob", "answer": "allowed"} in escalation["actions"]
    statements = [e for e in passing["evidence"] if e["kind"] == "statement"]
    assert statements[0]["statement"]["Sid"] == "AgentPassRole"
    assert statements[0]["policy"] == "module.agent_irsa.aws_iam_role_policy.this"
    # flaw 2: s3:* on * reaches the training data, with the classification that decided it
    data = _find(report, "aws-ai-data-wildcard-access", agent)
    stores = {e["store"]: e for e in data["evidence"] if e.get("access") == "write"}
    training = stores["aws_s3_bucket.training_data"]
    assert (training["class"], training["patterns"], training["answer"]) == (
        "training-data",
        ["*"],
        "allowed",
    )
    assert "s3:PutObject" in training["actions"]
    # flaw 6: the CI role is an administrator, shown by AdministratorAccess's statement
    admin = _find(report, "aws-admin-equivalent-identity", "aws_iam_role.ci_deploy")
    assert admin["evidence"][0]["route"] == "direct"
    assert (
        admin["evidence"][1]["policy"] == "aws-managed:arn:aws:iam::aws:policy/AdministratorAccess"
    )
    # correctly scoped identities stay quiet
    quiet = {"module.inference_irsa.aws_iam_role.this", "aws_iam_role.bedrock_agent"}
    assert not [
        (f["check_id"], f["resource"])
        for f in report["findings"]
        if f["resource"] in quiet and f["check_id"].startswith("aws-")
    ]


def test_kubernetes_findings_name_the_binding_rule_and_pod(report: dict[str, Any]) -> None:
    agent = _find(
        report, "k8s-secrets-readable-cluster-wide", "kubernetes_service_account_v1.support_agent"
    )
    rule = next(e for e in agent["evidence"] if e["kind"] == "rbac-rule")
    assert rule["binding"] == "k8s:ClusterRoleBinding/support-agent-ops"
    assert rule["role"] == "k8s:ClusterRole/support-agent-ops"
    assert "secrets" in rule["resources"] and rule["namespace"] is None
    # flaw 15: the notebook's token reads Secrets through the default view role, widened by
    # the platform's ClusterRole labelled aggregate-to-view
    token = _find(
        report, "k8s-exposed-workload-token-mounted", "k8s:Notebook/research/llm-research"
    )
    assert "read-secrets" in token["message"]
    rules = [e for e in token["evidence"] if e["kind"] == "rbac-rule"]
    secret_rule = next(r for r in rules if "secrets" in r["resources"])
    assert secret_rule["role"] == "k8s:ClusterRole/ml-platform-reader-credentials"
    assert secret_rule["binding"] == "k8s:RoleBinding/research/research-view"
    assert secret_rule["namespace"] == "research"
    workload = next(e for e in token["evidence"] if e["kind"] == "workload")
    assert workload["service_account"] == "research/default"


def test_public_inference_path_to_the_training_data(report: dict[str, Any]) -> None:
    """Flaw 19: the path from the internet to the training data is the finding's evidence."""
    finding = _find(report, "exposed-workload-reaches-crown-jewel", "k8s:Service/inference/vllm")
    assert finding["severity"] == "critical"
    texts = [e["path"] for e in finding["evidence"]]
    assert (
        "Service inference/vllm → Deployment inference/vllm → ServiceAccount inference/vllm → "
        "aws_iam_role acme-ml-inference-vllm → write-data on aws_s3_bucket acme-ml-training-data"
    ) in texts
    [write] = [e for e in finding["evidence"] if "acme-ml-training-data" in e["path"]]
    assert write["actions"] == ["s3:PutObject"]
    assert write["resources"] == ["arn:aws:s3:::acme-ml-training-data/feedback/*"]
