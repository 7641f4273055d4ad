"""`iacguard identities` and `iacguard query` on Kubernetes manifests, as a user runs them: the
KubeRay operator's RBAC from the shared corpus and the example AI stack's manifests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_K8S = REPO / "examples" / "ai-stack" / "k8s"
EXAMPLE_PLAN = REPO / "examples" / "ai-stack" / "plan.json"

RunCli = Callable[..., subprocess.CompletedProcess[str]]
Run = subprocess.CompletedProcess[str]

KUBERAY = "k8s:ServiceAccount/default/kuberay-operator"
KUBERAY_USER = "system:serviceaccount:default:kuberay-operator"
KUBERAY_CRB = "k8s:ClusterRoleBinding/kuberay-operator"


def _describe(run: Run) -> str:
    return (
        f"{' '.join(map(str, run.args))} exited {run.returncode}\n"
        f"--- stdout ---\n{run.stdout[:3000]}\n--- stderr ---\n{run.stderr[:3000]}"
    )


def _no_traceback(run: Run) -> None:
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream, _describe(run)
        assert "internal error" not in stream, _describe(run)


def _json(run: Run) -> Any:
    """The JSON output of a successful run."""
    _no_traceback(run)
    assert run.returncode == 0, _describe(run)
    assert run.stderr == "", _describe(run)
    return json.loads(run.stdout)


def _one_line_error(run: Run) -> str:
    _no_traceback(run)
    assert run.returncode == 2, _describe(run)
    assert run.stdout == "", _describe(run)
    lines = run.stderr.splitlines()
    assert len(lines) == 1, _describe(run)
    return lines[0]


@pytest.fixture
def kuberay(corpus: Path) -> Path:
    """The KubeRay operator's RBAC folder of the corpus (the test skips when absent)."""
    folder = corpus / "manifests" / "kuberay-operator-rbac"
    if not folder.is_dir():
        pytest.skip("corpus manifests/kuberay-operator-rbac is not present")
    return folder


# --------------------------------------------------------------------------------------------
# KubeRay operator (corpus)
# --------------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_kuberay_operator_identity(run_cli: RunCli, kuberay: Path) -> None:
    document = _json(run_cli("identities", kuberay, "--format", "json"))
    found = [i for i in document["identities"] if i["id"] == KUBERAY]
    assert len(found) == 1, [i["id"] for i in document["identities"]]
    account = found[0]
    assert account["provider"] == "kubernetes"
    assert account["kind"] == "service-account"
    assert account["name"] == KUBERAY_USER
    assert account["address"] == KUBERAY
    assert account["defined"] is True
    # the subjects name no namespace: the ClusterRoleBinding's is taken as default, the
    # RoleBinding's (itself without namespace, so in default) as the binding's
    assert account["bindings"] == [
        KUBERAY_CRB,
        "k8s:RoleBinding/default/kuberay-operator-leader-election",
    ]
    assert account["unresolved"] == []


@pytest.mark.corpus
def test_kuberay_operator_manages_permissions_and_can_write_rbac(
    run_cli: RunCli, kuberay: Path
) -> None:
    document = _json(run_cli("identities", kuberay, "--format", "json"))
    [account] = [i for i in document["identities"] if i["id"] == KUBERAY]
    classes = {c["class"]: c for c in account["capabilities"]["classes"]}
    management = classes["permissions-management"]
    assert management["answer"] == "allowed"
    assert management["severity"] == "critical"
    assert management["actions"] == ["create rolebindings", "create roles", "update roles"]
    assert management["resources"] == ["*"]
    assert management["sources"] == [KUBERAY_CRB]
    assert "cluster-admin" not in classes
    escalations = {e["method"]: e for e in account["escalations"]}
    assert set(escalations) == {"create-pods", "rbac-write", "read-secrets"}
    rbac_write = escalations["rbac-write"]
    assert rbac_write["answer"] == "allowed"
    assert rbac_write["namespaces"] == ["*"]
    assert {s["binding"] for s in rbac_write["statements"]} == {KUBERAY_CRB}


@pytest.mark.corpus
def test_kuberay_operator_may_create_rolebindings_in_any_namespace(
    run_cli: RunCli, kuberay: Path
) -> None:
    answer = _json(
        run_cli(
            "query",
            kuberay,
            "--identity",
            KUBERAY_USER,
            "--action",
            "create",
            "--resource",
            "rolebindings.rbac.authorization.k8s.io",
            "--namespace",
            "ml",
            "--format",
            "json",
        )
    )
    assert answer["decision"] == "allowed"
    assert answer["identity"]["node_id"] == KUBERAY
    assert answer["namespace"] == "ml"
    assert answer["statements"], answer
    for statement in answer["statements"]:
        assert statement["binding"] == KUBERAY_CRB
        assert statement["role"] == "k8s:ClusterRole/kuberay-operator"
        assert statement["namespace"] is None
        assert statement["applies"] == "allowed"
        assert "rolebindings" in statement["resources"]
        assert "create" in statement["verbs"]
    assert answer["reason"].startswith(f"Allowed by {KUBERAY_CRB} ")


@pytest.mark.corpus
def test_kuberay_operator_may_not_escalate_cluster_roles(run_cli: RunCli, kuberay: Path) -> None:
    answer = _json(
        run_cli(
            "query",
            kuberay,
            "--identity",
            KUBERAY_USER,
            "--action",
            "escalate",
            "--resource",
            "clusterroles",
            "--format",
            "json",
        )
    )
    assert answer["decision"] == "denied"
    assert answer["statements"] == []
    assert answer["namespace"] is None


# --------------------------------------------------------------------------------------------
# The example AI stack
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "verb", "resource", "namespace", "decision", "bindings"),
    [
        (
            "system:serviceaccount:agents:support-agent",
            "create",
            "pods/exec",
            "inference",
            "allowed",
            ["k8s:ClusterRoleBinding/support-agent-ops"],
        ),
        (
            "system:serviceaccount:agents:support-agent",
            "delete",
            "pods",
            "inference",
            "denied",
            [],
        ),
        (
            "system:serviceaccount:research:default",
            "get",
            "secrets",
            "research",
            "allowed",
            ["k8s:RoleBinding/research/research-view"],
        ),
        (
            "system:serviceaccount:research:default",
            "get",
            "secrets",
            "agents",
            "denied",
            [],
        ),
        (
            "k8s:ServiceAccount/inference/vllm",
            "get",
            "configmaps",
            "inference",
            "denied",
            [],
        ),
    ],
    ids=[
        "agent-exec-inference",
        "agent-delete-pods",
        "research-secrets-research",
        "research-secrets-agents",
        "vllm-nothing",
    ],
)
def test_example_stack_queries(
    run_cli: RunCli,
    identity: str,
    verb: str,
    resource: str,
    namespace: str,
    decision: str,
    bindings: list[str],
) -> None:
    answer = _json(
        run_cli(
            "query",
            EXAMPLE_K8S,
            "--identity",
            identity,
            "--action",
            verb,
            "--resource",
            resource,
            "--namespace",
            namespace,
            "--format",
            "json",
        )
    )
    assert answer["decision"] == decision
    assert answer["namespace"] == namespace
    assert sorted({s["binding"] for s in answer["statements"]}) == bindings


def test_research_default_reads_secrets_through_the_aggregated_view(run_cli: RunCli) -> None:
    answer = _json(
        run_cli(
            "query",
            EXAMPLE_K8S,
            "--identity",
            "system:serviceaccount:research:default",
            "--action",
            "get",
            "--resource",
            "secrets",
            "--namespace",
            "research",
            "--format",
            "json",
        )
    )
    [statement] = answer["statements"]
    assert statement["role"] == "k8s:ClusterRole/ml-platform-reader-credentials"
    assert statement["binding"] == "k8s:RoleBinding/research/research-view"
    assert statement["subject"] == "Group system:serviceaccounts:research"
    assert statement["namespace"] == "research"
    assert statement["resources"] == ["secrets"]


def test_text_answer_of_a_kubernetes_query(run_cli: RunCli) -> None:
    run = run_cli(
        "query",
        EXAMPLE_K8S,
        "--identity",
        "system:serviceaccount:agents:support-agent",
        "--action",
        "create",
        "--resource",
        "pods/exec",
        "--namespace",
        "inference",
    )
    _no_traceback(run)
    assert run.returncode == 0, _describe(run)
    assert run.stdout.splitlines()[0] == (
        "Yes: system:serviceaccount:agents:support-agent may create pods/exec in inference"
    )


def test_unknown_service_account_is_a_one_line_error(run_cli: RunCli) -> None:
    run = run_cli(
        "query",
        EXAMPLE_K8S,
        "--identity",
        "system:serviceaccount:ml:nobody",
        "--action",
        "get",
        "--resource",
        "pods",
        "--namespace",
        "ml",
        "--format",
        "json",
    )
    assert _one_line_error(run) == (
        "iacguard: error: --identity 'system:serviceaccount:ml:nobody': no such service "
        "account in the inputs (3 service accounts found)"
    )


def test_namespace_with_an_aws_identity_is_a_one_line_error(run_cli: RunCli) -> None:
    identity = "module.agent_irsa.aws_iam_role.this"
    ok = run_cli(
        "query", EXAMPLE_PLAN, "--identity", identity, "--action", "s3:GetObject", "-f", "json"
    )
    assert _json(ok)["identity"]["address"] == identity
    run = run_cli(
        "query",
        EXAMPLE_PLAN,
        "--identity",
        identity,
        "--action",
        "s3:GetObject",
        "--namespace",
        "agents",
        "--format",
        "json",
    )
    assert _one_line_error(run) == (
        "iacguard: error: --namespace applies to Kubernetes identities only"
    )


# --------------------------------------------------------------------------------------------
# The whole corpus of manifests
# --------------------------------------------------------------------------------------------


def _objects_in(path: Path) -> int:
    """Objects of a manifest file, counted independently of iacguard (List kinds flattened)."""
    count = 0
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if document is None:
            continue
        kind = document.get("kind") if isinstance(document, dict) else None
        if isinstance(kind, str) and kind.endswith("List") and "items" in document:
            count += len(document["items"])
        else:
            count += 1
    return count


@pytest.mark.corpus
def test_corpus_manifests_scan_accounts_for_every_object(run_cli: RunCli, corpus: Path) -> None:
    folder = corpus / "manifests"
    if not folder.is_dir():
        pytest.skip("corpus manifests/ is not present")
    run = run_cli("scan", folder, "--format", "json")
    _no_traceback(run)
    assert run.returncode in (0, 1), _describe(run)
    assert run.stderr == "", _describe(run)
    report = json.loads(run.stdout)
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".yaml", ".yml")
    )
    assert sorted(Path(i["path"]) for i in report["inputs"]) == files
    assert report["ignored_files"] == []
    total = 0
    for entry in report["inputs"]:
        assert entry["kind"] == "kubernetes-manifest", entry["path"]
        assert entry["errors"] == [], entry["path"]
        assert entry["analysed"] + len(entry["skipped"]) == entry["resource_changes"], entry
        assert all(s["reason"] for s in entry["skipped"]), entry
        assert entry["resource_changes"] == _objects_in(Path(entry["path"])), entry["path"]
        total += entry["analysed"]
    assert report["summary"]["resources"] == total
    assert len(report["resources"]) == total


def test_a_service_account_named_namespace_slash_name_is_found(run_cli: RunCli) -> None:
    args = ("--action", "get", "--resource", "secrets", "--namespace", "ml", "--format", "json")
    document = _json(run_cli("query", EXAMPLE_K8S, "--identity", "agents/support-agent", *args))
    assert document["identity"]["node_id"] == "k8s:ServiceAccount/agents/support-agent"
    assert document["decision"] == "allowed"
