"""End to end: the installed CLI on the GCP example (GKE + Vertex AI) finds its deliberate
flaws, leaves its controls alone, and answers ``identities``, ``query`` and ``paths`` as the
example's README says."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from example_stacks import cli_json, findings_of, scan_report

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "examples" / "gcp-stack"
PLAN = STACK / "plan.json"
MANIFESTS = STACK / "k8s"
CANARY = "IACGUARD-CANARY-GCP-OPENAI-9d4e17"

RunCli = Callable[..., subprocess.CompletedProcess[str]]

#: (check id, resource) per flaw of the README.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("exposed-workload-reaches-crown-jewel", "k8s:Service/inference/vllm"),  # 1
    ("ai-workload-writes-ai-data", "k8s:Deployment/inference/vllm"),  # 1
    ("gcp-basic-role-on-service-account", "google_project_iam_member.trainer_editor"),  # 2
    ("ai-storage-public", "google_storage_bucket.model_artifacts"),  # 3
    ("gcp-service-account-key", "google_service_account_key.pipeline"),  # 4
    (
        "gcp-service-account-impersonation-escalation",
        "google_service_account_iam_member.agent_impersonates_deployer",
    ),  # 5
    ("agent-identity-changes-infrastructure", "k8s:Deployment/agents/support-agent"),  # 5
    ("gcp-basic-role-on-service-account", "google_project_iam_member.deployer_owner"),  # 5
    ("gcp-default-compute-account-broad-scope", "google_container_node_pool.gpu"),  # 6
    ("k8s-workload-node-identity", "k8s:Job/training/finetune-support-llm-v4"),  # 6
    (
        "gcp-workload-identity-provider-unconditioned",
        "google_iam_workload_identity_pool_provider.github",
    ),  # 7
    ("exposed-workload-reaches-crown-jewel", "k8s:Ingress/agents/support-agent"),  # 12
)
#: (check id, resource) the controls must never produce.
CONTROLS: tuple[tuple[str, str], ...] = (
    ("gcp-default-compute-account-broad-scope", "google_container_node_pool.system"),
    ("gcp-default-compute-account-broad-scope", "google_container_node_pool.inference"),
    ("ai-storage-public", "google_storage_bucket.tfstate"),
    ("ai-storage-public", "google_storage_bucket.training_data"),
    (
        "gcp-workload-identity-provider-unconditioned",
        "google_iam_workload_identity_pool_provider.gitlab",
    ),
    ("gcp-vertex-endpoint-logging", "google_vertex_ai_endpoint.llm"),
    ("k8s-ai-workload-exposed-unauthenticated", "k8s:Deployment/inference/vllm"),
    ("k8s-workload-node-identity", "k8s:Deployment/inference/vllm"),
    ("k8s-workload-node-identity", "k8s:Deployment/agents/support-agent"),
)


def _json(run_cli: RunCli, tmp_path: Path, *args: str | Path, code: int = 0) -> Any:
    return cli_json(run_cli, tmp_path, CANARY, *args, code=code)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of a default scan of the plan and the manifests."""
    return scan_report(PLAN, MANIFESTS, CANARY, tmp_path_factory.mktemp("cwd"))


_findings = findings_of


def test_every_input_resource_is_analysed(report: dict[str, Any]) -> None:
    assert report["errors"] == []
    assert all(not i["skipped"] for i in report["inputs"]), report["inputs"]


@pytest.mark.parametrize(("check_id", "resource"), EXPECTED, ids=[f"{c}:{r}" for c, r in EXPECTED])
def test_flaw_is_found(report: dict[str, Any], check_id: str, resource: str) -> None:
    found = _findings(report, check_id, resource)
    assert found, sorted((f["check_id"], f["resource"]) for f in report["findings"])
    assert found[0]["frameworks"].get("nist-csf-2.0")


@pytest.mark.parametrize(("check_id", "resource"), CONTROLS, ids=[f"{c}:{r}" for c, r in CONTROLS])
def test_control_is_not_flagged(report: dict[str, Any], check_id: str, resource: str) -> None:
    assert not _findings(report, check_id, resource)


def test_the_exposed_inference_server_writes_training_data_through_workload_identity(
    run_cli: RunCli, tmp_path: Path
) -> None:
    document = _json(
        run_cli,
        tmp_path,
        "paths",
        PLAN,
        MANIFESTS,
        "--from",
        "k8s:Service/inference/vllm",
        "--to",
        "gcp:storage_bucket/acme-ml-training-data",
    )
    [path] = document["paths"]
    assert [h["id"] for h in path["hops"]] == [
        "k8s:Service/inference/vllm",
        "k8s:Deployment/inference/vllm",
        "k8s:ServiceAccount/inference/vllm",
        "gcp:service_account/inference@acme-ml-prod.iam.gserviceaccount.com",
        "gcp:storage_bucket/acme-ml-training-data",
    ]
    edges = [h["edge"] for h in path["hops"][:-1]]
    assert [e["kind"] for e in edges] == ["exposes", "runs-as", "federates-to", "grants"]
    assert path["decision"] == "allowed"
    assert path["access"] == "write-data"
    federation = edges[2]["evidence"][0]
    assert federation["via"] == "gke-workload-identity"
    assert federation["annotation"] == "inference@acme-ml-prod.iam.gserviceaccount.com"
    grant = edges[-1]["evidence"][0]
    assert grant["source"] == "google_storage_bucket_iam_member.inference_training_data"
    assert grant["role"] == "roles/storage.objectAdmin"


def test_query_answers_with_grants(run_cli: RunCli, tmp_path: Path) -> None:
    def ask(identity: str, permission: str, resource: str) -> dict[str, Any]:
        return dict(
            _json(
                run_cli,
                tmp_path,
                "query",
                PLAN,
                "--identity",
                identity,
                "--action",
                permission,
                "--resource",
                resource,
            )
        )

    yes = ask(
        "inference@acme-ml-prod.iam.gserviceaccount.com",
        "storage.objects.create",
        "projects/_/buckets/acme-ml-training-data/objects/feedback/2026/11/x.jsonl",
    )
    assert yes["decision"] == "allowed"
    assert yes["identity"]["address"] == "google_service_account.inference"
    # flaw 9: the agent's aiplatform.user grant is contested by the authoritative binding
    contested = ask("google_service_account.agent", "aiplatform.endpoints.predict",
                    "projects/acme-ml-prod")  # fmt: skip
    assert contested["decision"] == "unknown"
    why = " ".join(contested["grants"][0]["why"])
    assert "google_project_iam_binding.aiplatform_users" in why
    # flaw 10: the condition makes it a Maybe, and says so
    conditional = ask(
        "gcp:service_account/notebook@acme-ml-prod.iam.gserviceaccount.com",
        "bigquery.tables.updateData",
        "projects/acme-ml-prod/datasets/features",
    )
    assert conditional["decision"] == "unknown"
    assert conditional["grants"][0]["condition"]["title"] == "until-2027"
    # flaw 11: the custom role, known only after apply, resolved through its reference
    custom = ask("google_service_account.notebook", "bigquery.tables.getData",
                 "projects/acme-ml-prod/datasets/features")  # fmt: skip
    assert custom["decision"] == "allowed"
    assert custom["grants"][0]["role"] == "projects/acme-ml-prod/roles/mlDataReader"
    denied = ask("google_service_account.inference", "secretmanager.versions.access",
                 "projects/acme-ml-prod/secrets/openai-api-key")  # fmt: skip
    assert denied["decision"] == "denied"


def test_query_rejects_an_unknown_principal_and_a_malformed_permission(
    run_cli: RunCli, tmp_path: Path
) -> None:
    typo = "infrence@acme-ml-prod.iam.gserviceaccount.com"
    completed = run_cli("query", PLAN, "--identity", typo, "--action", "storage.objects.get",
                        cwd=tmp_path)  # fmt: skip
    assert completed.returncode == 2
    assert "no such Google Cloud principal" in completed.stderr
    assert "did you mean" in completed.stderr
    completed = run_cli("query", PLAN, "--identity", "google_service_account.inference",
                        "--action", "s3:GetObject", cwd=tmp_path)  # fmt: skip
    assert completed.returncode == 2
    assert "a Google Cloud permission is SERVICE.RESOURCE.VERB" in completed.stderr


def test_identities_show_federation_impersonation_and_keys(run_cli: RunCli, tmp_path: Path) -> None:
    document = _json(run_cli, tmp_path, "identities", PLAN, MANIFESTS)
    by_id = {i["id"]: i for i in document["identities"]}
    vllm = by_id["k8s:ServiceAccount/inference/vllm"]
    [edge] = [e for e in vllm["federates_to"] if e["via"] == "gke-workload-identity"]
    assert edge["answer"] == "allowed"
    assert edge["role"] == "google_service_account.inference"
    deployer = by_id["gcp:service_account/deployer@acme-ml-prod.iam.gserviceaccount.com"]
    sources = {(s["source"], s["answer"]) for s in deployer["assumable_by"]}
    assert ("gcp:service_account/agent@acme-ml-prod.iam.gserviceaccount.com", "allowed") in sources
    assert "full-admin" in deployer["capabilities"]["classes"]
    pipeline = by_id["gcp:service_account/pipeline@acme-ml-prod.iam.gserviceaccount.com"]
    assert pipeline["keys"] == ["google_service_account_key.pipeline"]
    gitlab = [i for i in document["identities"] if i["kind"] == "pool"]
    assert any(
        ci["provider"] == "gitlab" and ci["attribute_condition"] for i in gitlab for ci in i["ci"]
    )
    # pods on the GPU pool get the default compute account (flaw 6); the vLLM pods do not
    trainer = by_id["k8s:ServiceAccount/training/trainer"]
    assert trainer["blast_radius"]["count"] >= 1


def test_version_names_the_role_catalog(run_cli: RunCli, tmp_path: Path) -> None:
    document = _json(run_cli, tmp_path, "version")
    assert "2026-11-26" in document["data"]["gcp-predefined-roles"]
