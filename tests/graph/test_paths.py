"""The identity graph across layers: federation edges, paths from entry points to crown
jewels (``iacguard paths``), blast radius in ``iacguard identities``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iacguard.engine.context import ScanIndex
from iacguard.graph import build_graph, find_paths
from iacguard.graph.build import ci_scope
from iacguard.inputs import load_inputs
from iacguard.k8s.federation import federations
from iacguard.model.classification import classify_all
from iacguard.model.values import Tristate
from iacguard.report.markdown import GITLAB_NOTE_LIMIT, render_markdown
from iacguard.report.model import Report

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "examples" / "ai-stack"
PLAN = STACK / "plan.json"
MANIFESTS = STACK / "k8s"
SERVICE = "k8s:Service/inference/vllm"
TRAINING = "aws:s3_bucket/acme-ml-training-data"
CYSE = "cyse7125__eks_irsa_podidentity_helm_v1.2.json"


def _index(*inputs: Path | str) -> ScanIndex:
    loaded = load_inputs([str(i) for i in inputs])
    resources = [r for doc in loaded.documents for r in doc.resources]
    return ScanIndex(resources, classify_all(resources))


def _paths(run_cli: Any, *args: str | Path) -> list[dict[str, Any]]:
    result = run_cli("paths", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    paths: list[dict[str, Any]] = json.loads(result.stdout)["paths"]
    return paths


def test_exposed_inference_service_reaches_training_data(run_cli: Any) -> None:
    paths = _paths(run_cli, PLAN, MANIFESTS, "--from", SERVICE, "--to", TRAINING)
    assert len(paths) == 1
    path = paths[0]
    assert (path["from"], path["to"], path["decision"]) == (SERVICE, TRAINING, "allowed")
    assert path["jewel"] == "training-data"
    assert path["access"] == "write-data"
    hops = path["hops"]
    assert [h["id"] for h in hops] == [
        SERVICE,
        "k8s:Deployment/inference/vllm",
        "k8s:ServiceAccount/inference/vllm",
        "aws:iam_role/acme-ml-inference-vllm",
        TRAINING,
    ]
    assert [h["kind"] for h in hops] == [
        "Service",
        "Deployment",
        "ServiceAccount",
        "aws_iam_role",
        "aws_s3_bucket",
    ]
    assert [h["edge"]["kind"] for h in hops[:-1]] == [
        "exposes",
        "runs-as",
        "federates-to",
        "grants",
    ]
    assert "edge" not in hops[-1]
    # the evidence names the IRSA subject and the statement's resource
    federation = hops[2]["edge"]["evidence"][0]
    assert federation["via"] == "irsa"
    assert federation["subjects"] == ["system:serviceaccount:inference:vllm"]
    grant = hops[3]["edge"]["evidence"][0]
    assert grant["actions"] == ["s3:PutObject"]
    assert grant["resources"] == ["arn:aws:s3:::acme-ml-training-data/feedback/*"]
    assert hops[3]["address"] == "module.inference_irsa.aws_iam_role.this"


def _without_feedback_write(document: dict[str, Any]) -> dict[str, Any]:
    """The example plan with flaw 19 fixed: no WriteFeedback statement in the inference
    role's policy document."""
    removed = 0
    for change in document["resource_changes"]:
        if change["address"] == "data.aws_iam_policy_document.inference_model_read":
            statements = change["change"]["after"]["statement"]
            kept = [s for s in statements if s["sid"] != "WriteFeedback"]
            removed += len(statements) - len(kept)
            change["change"]["after"]["statement"] = kept
    assert removed == 1
    return document


def test_fixing_the_flaw_removes_the_path(run_cli: Any, tmp_path: Path) -> None:
    fixed = tmp_path / "plan.json"
    fixed.write_text(json.dumps(_without_feedback_write(json.loads(PLAN.read_text()))))
    paths = _paths(run_cli, fixed, MANIFESTS, "--from", SERVICE)
    reached = {p["to"]: p for p in paths}
    assert TRAINING not in reached
    # the service still reaches what the role should reach: the model artifacts, read only
    assert reached["aws:s3_bucket/acme-ml-model-artifacts"]["access"] == "read-data"
    assert not _paths(run_cli, fixed, MANIFESTS, "--from", SERVICE, "--to", TRAINING)


def test_entry_points_and_jewels_of_the_example() -> None:
    graph = build_graph(_index(PLAN, MANIFESTS))
    entries = {n.id: n.entry for n in graph.entries()}
    assert entries[SERVICE] is not None and entries[SERVICE].startswith("internet:")
    assert entries["k8s:Deployment/agents/support-agent"].startswith("agent")
    assert entries["k8s:Notebook/research/llm-research"] == "notebook"
    assert "wildcard" in entries["ci:github/acme/*"]
    jewels = {n.id: n.jewel for n in graph.jewels()}
    assert jewels[TRAINING] == "training-data"
    assert jewels["aws:s3_bucket/acme-ml-tfstate"] == "terraform-state"
    assert jewels["aws:secretsmanager_secret/acme-ml/openai-api-key"] == "secrets"
    # the CI subject admitted by a wildcard controls the account (flaws 5 and 6 together)
    paths = find_paths(graph, ["ci:github/acme/*"], ["aws:iam/111122223333"])
    assert [p.decision for p in paths] == [Tristate.YES]
    assert [n.id for n in paths[0].nodes] == [
        "ci:github/acme/*",
        "aws:iam_role/acme-ml-github-deploy",
        "aws:iam/111122223333",
    ]


def test_exec_into_inference_pod_yields_its_role() -> None:
    """Flaw 4: the agent's Kubernetes identity can exec into the vLLM pods, whose IRSA role
    then becomes the agent's."""
    graph = build_graph(_index(PLAN, MANIFESTS))
    paths = find_paths(
        graph, ["k8s:ServiceAccount/agents/support-agent"], ["aws:iam_role/acme-ml-inference-vllm"]
    )
    assert len(paths) == 1
    kinds = [e.kind for e in paths[0].edges]
    assert kinds == ["can-escalate", "federates-to"]
    assert paths[0].edges[0].why.startswith(("exec", "create-pods"))


def test_identities_show_blast_radius(run_cli: Any) -> None:
    result = run_cli("identities", PLAN, MANIFESTS, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    by_id = {i["id"]: i for i in document["identities"]}
    radius = by_id["aws:iam_role/acme-ml-inference-vllm"]["blast_radius"]
    reached = {r["id"]: r for r in radius["reaches"]}
    assert reached[TRAINING]["access"] == "write-data"
    assert reached["aws:s3_bucket/acme-ml-model-artifacts"]["access"] == "read-data"
    assert TRAINING in {
        r["id"] for r in by_id["k8s:ServiceAccount/inference/vllm"]["blast_radius"]["reaches"]
    }
    workloads = {w["id"]: w for w in document["workloads"]}
    deployment = workloads["k8s:Deployment/inference/vllm"]
    assert deployment["runs_as"] == ["k8s:ServiceAccount/inference/vllm"]
    assert deployment["blast_radius"]["count"] == radius["count"] + 1  # + its namespace Secrets
    text = run_cli("identities", PLAN, MANIFESTS).stdout
    assert "reaches" in text and "crown jewel" in text


def test_unknown_node_is_a_one_line_error(run_cli: Any) -> None:
    result = run_cli("paths", PLAN, MANIFESTS, "--from", "k8s:Service/inference/vlm")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "k8s:Service/inference/vlm" in result.stderr
    assert "did you mean k8s:Service/inference/vllm" in result.stderr


def test_text_output_shows_hops_and_evidence(run_cli: Any) -> None:
    result = run_cli("paths", PLAN, MANIFESTS, "--from", SERVICE, "--to", TRAINING)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 path from 8 entry points to ")
    assert f"{SERVICE} → {TRAINING}  [training-data, write-data]" in result.stdout
    assert "└ federates-to: irsa: the trust policy admits sub" in result.stdout


# -- the corpus plan with IRSA and Pod Identity ---------------------------------------------


@pytest.fixture
def cyse(corpus: Path) -> Path:
    return corpus / "plans" / CYSE


def test_corpus_irsa_edges_name_the_exact_account(cyse: Path) -> None:
    edges = {(e.account, e.role, e.via): e for e in federations(_index(cyse))}
    ebs = edges[
        (
            "k8s:ServiceAccount/kube-system/ebs-csi-controller-sa",
            "module.iam.aws_iam_role.ebs_csi_role",
            "irsa",
        )
    ]
    # the account is created by the EBS CSI add-on, not by the inputs: whether it carries the
    # role annotation is not known (the Pod Identity association below is certain)
    assert ebs.answer is Tristate.MAYBE
    assert "not in the inputs" in ebs.why
    assert ebs.evidence["cluster"] == "cve-eks"
    assert ebs.evidence["subjects"] == ["system:serviceaccount:kube-system:ebs-csi-controller-sa"]
    assert ebs.evidence["audiences"] == ["sts.amazonaws.com"]
    for role in ("vpc_cni_role", "oidc_iam_role", "eks_pod_identity_role"):
        edge = edges[
            ("k8s:ServiceAccount/kube-system/aws-node", f"module.iam.aws_iam_role.{role}", "irsa")
        ]
        assert edge.answer is Tristate.MAYBE
    irsa = {(a, r) for a, r, v in edges if v == "irsa"}
    assert len(irsa) == 4  # no role admits any other account


def test_corpus_pod_identity_association(cyse: Path) -> None:
    edges = [e for e in federations(_index(cyse)) if e.via == "pod-identity"]
    assert len(edges) == 1
    edge = edges[0]
    assert edge.account == "k8s:ServiceAccount/kube-system/ebs-csi-controller-sa"
    # role_arn = var.ebs_csi_role.arn inside module.eks: traced through the module input
    assert edge.role == "module.iam.aws_iam_role.ebs_csi_role"
    assert edge.answer is Tristate.YES
    assert edge.evidence["association"] == (
        "module.eks.aws_eks_pod_identity_association.pod_identity_association"
    )
    assert edge.evidence["cluster"] == "cve-eks"


def test_scan_report_carries_paths_and_blast_radius(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_cli("scan", PLAN, MANIFESTS, "--format", "json", "-o", out, "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["schema_version"] == "1.3"
    pairs = {(p["from"], p["to"]): p for p in report["paths"]}
    assert pairs[(SERVICE, TRAINING)]["access"] == "write-data"
    # most serious first: control of the account through the CI wildcard
    assert report["paths"][0]["jewel"] == "iam-control"
    radius = {b["id"]: b for b in report["blast_radius"]}
    assert TRAINING in radius["aws:iam_role/acme-ml-inference-vllm"]["reaches"]
    assert radius["k8s:ServiceAccount/inference/vllm"]["address"] == (
        "kubernetes_service_account_v1.vllm"
    )
    console = run_cli("scan", PLAN, MANIFESTS, "--fail-on", "none").stdout
    assert "Paths from entry points to crown jewels" in console
    assert "Blast radius" in console
    # Markdown: the whole report (GitLab's limit; at GitHub's, the privilege diff and the
    # findings come before the paths section)
    markdown = render_markdown(Report.model_validate(report), max_chars=GITLAB_NOTE_LIMIT)
    assert "## Paths to crown jewels (" in markdown
    assert f"{SERVICE} → k8s:Deployment/inference/vllm" in markdown


@pytest.mark.parametrize(
    ("provider", "subject", "admits"),
    [
        (
            "github",
            "repo:acme/infra:ref:refs/heads/main",
            {"repository": "acme/infra", "branch": "main"},
        ),
        ("github", "repo:acme/*", {"repository": "acme/* (a wildcard)", "ref": "any"}),
        (
            "github",
            "repo:acme/ml:environment:prod",
            {"repository": "acme/ml", "environment": "prod"},
        ),
        ("github", "repo:acme/ml:pull_request", {"repository": "acme/ml", "event": "pull_request"}),
        ("github", "*", {"subject": "any"}),
        (
            "gitlab",
            "project_path:acme/ml:ref_type:branch:ref:*",
            {"project": "acme/ml", "ref_type": "branch", "ref": "any"},
        ),
        (
            "terraform-cloud",
            "organization:acme:project:ml:workspace:prod-*:run_phase:apply",
            {
                "organization": "acme",
                "project": "ml",
                "workspace": "prod-* (a wildcard)",
                "run_phase": "apply",
            },
        ),
    ],
)
def test_ci_subjects_say_what_they_admit(
    provider: str, subject: str, admits: dict[str, str]
) -> None:
    assert ci_scope(provider, subject) == admits


def test_one_graph_from_a_plan_and_a_chart(run_cli: Any) -> None:
    """The normal CI call: the chart's Deployment runs as the account whose IRSA role the plan
    creates, so the chart's public Service reaches what that role reaches."""
    chart = REPO / "examples" / "charts" / "llm-serving"
    paths = _paths(
        run_cli, PLAN, chart, "--release-name", "edge", "--release-namespace", "inference",
        "--helm-values", chart / "values-prod.yaml",
        "--from", "k8s:Service/inference/edge-llm-serving", "--to", TRAINING,
    )  # fmt: skip
    assert [p["decision"] for p in paths] == ["allowed"]
    assert [h["id"] for h in paths[0]["hops"]][1:4] == [
        "k8s:Deployment/inference/edge-llm-serving",
        "k8s:ServiceAccount/inference/vllm",
        "aws:iam_role/acme-ml-inference-vllm",
    ]
    assert paths[0]["hops"][0]["kind"] == "Service"
