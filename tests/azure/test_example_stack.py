"""End to end: the installed CLI on the Azure example (AKS + Azure OpenAI + storage) finds its
deliberate flaws, leaves its controls alone, and answers ``identities``, ``query`` and
``paths`` as the example's README says."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from example_stacks import cli_json, findings_of, scan_report

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "examples" / "azure-stack"
PLAN = STACK / "plan.json"
MANIFESTS = STACK / "k8s"
CANARY = "IACGUARD-CANARY-AZURE-OPENAI-5c1a2b"
SUB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
ACCOUNT = (
    f"/subscriptions/{SUB}/resourceGroups/rg-acme-ml-prod/providers/Microsoft.Storage/"
    "storageAccounts/stacmemltrain"
)
BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"

RunCli = Callable[..., subprocess.CompletedProcess[str]]

#: (check id, resource) per flaw of the README.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("exposed-workload-reaches-crown-jewel", "k8s:Service/inference/vllm"),  # 1
    ("ai-workload-writes-ai-data", "k8s:Deployment/inference/vllm"),  # 1
    (
        "azure-privileged-role-on-workload-identity",
        "azurerm_role_assignment.trainer_resource_group",
    ),  # 2
    (
        "azure-privileged-role-on-workload-identity",
        "azurerm_role_assignment.deployer_subscription",
    ),  # 3
    (
        "azure-federated-credential-broad-subject",
        "azurerm_federated_identity_credential.deployer_github",
    ),  # 3
    ("azure-openai-key-auth-or-public", "azurerm_cognitive_account.openai"),  # 4
    ("azure-key-vault-broad-secret-read", "azurerm_role_assignment.agent_key_vault"),  # 5
    ("azure-key-vault-broad-secret-read", "azurerm_key_vault_access_policy.legacy_agent"),  # 5
    ("exposed-workload-reaches-crown-jewel", "k8s:Ingress/agents/support-agent"),  # 5
    ("ai-storage-public", "azurerm_storage_container.model_artifacts"),  # 6
    ("k8s-workload-node-identity", "k8s:Job/training/finetune-support-llm-v4"),  # 7
    ("azure-application-password", "azuread_application_password.uploader"),  # 9
)
#: (check id, resource) the controls must never produce.
CONTROLS: tuple[tuple[str, str], ...] = (
    ("ai-storage-public", "azurerm_storage_container.tfstate"),
    ("ai-storage-public", "azurerm_storage_container.training_data"),
    ("azure-privileged-role-on-workload-identity", "azurerm_role_assignment.inference_openai"),
    ("azure-key-vault-broad-secret-read", "azurerm_role_assignment.terraform_key_vault"),
    (
        "azure-federated-credential-broad-subject",
        "azurerm_federated_identity_credential.inference_vllm",
    ),
    ("azure-openai-diagnostics", "azurerm_cognitive_account.openai"),
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
        "azure:storage_container/training-data",
    )
    [path] = document["paths"]
    assert [h["id"] for h in path["hops"]] == [
        "k8s:Service/inference/vllm",
        "k8s:Deployment/inference/vllm",
        "k8s:ServiceAccount/inference/vllm",
        "azure:user_assigned_identity/id-inference",
        "azure:storage_container/training-data",
    ]
    edges = [h["edge"] for h in path["hops"][:-1]]
    assert [e["kind"] for e in edges] == ["exposes", "runs-as", "federates-to", "grants"]
    assert path["decision"] == "allowed"
    assert path["access"] == "write-data"
    federation = edges[2]["evidence"][0]
    assert federation["via"] == "aks-workload-identity"
    assert federation["credential"] == "azurerm_federated_identity_credential.inference_vllm"
    grant = edges[-1]["evidence"][0]
    assert grant["source"] == "azurerm_role_assignment.inference_training_data"
    assert grant["role"] == "Storage Blob Data Contributor"


def test_query_answers_with_assignments(run_cli: RunCli, tmp_path: Path) -> None:
    def ask(identity: str, action: str, resource: str) -> dict[str, Any]:
        return dict(
            _json(
                run_cli,
                tmp_path,
                "query",
                PLAN,
                "--identity",
                identity,
                "--action",
                action,
                "--resource",
                resource,
            )
        )

    container = f"{ACCOUNT}/blobServices/default/containers/training-data"
    yes = ask("azurerm_user_assigned_identity.inference", f"{BLOBS}/write", f"{container}/blobs/x")
    assert yes["decision"] == "allowed"
    assert yes["identity"]["node_id"] == "azure:user_assigned_identity/id-inference"
    # Contributor reads the storage account keys, but holds no blob data action
    trainer = "azure:user_assigned_identity/id-trainer"
    keys = ask(trainer, "Microsoft.Storage/storageAccounts/listKeys/action", ACCOUNT)
    assert keys["decision"] == "allowed"
    writes = ask(trainer, "Microsoft.Authorization/roleAssignments/write", ACCOUNT)
    assert writes["decision"] == "denied"
    denied = ask(
        "id-inference",
        "Microsoft.KeyVault/vaults/secrets/getSecret/action",
        f"/subscriptions/{SUB}/resourceGroups/rg-acme-ml-prod/providers/"
        "Microsoft.KeyVault/vaults/kv-acme-ml/secrets/openai-api-key",
    )
    assert denied["decision"] == "denied"


def test_query_rejects_unknown_identities_and_malformed_actions(
    run_cli: RunCli, tmp_path: Path
) -> None:
    completed = run_cli(
        "query",
        PLAN,
        "--identity",
        "azure:user_assigned_identity/id-inferenc",
        "--action",
        f"{BLOBS}/read",
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert "no such Azure identity" in completed.stderr
    assert "did you mean" in completed.stderr
    completed = run_cli(
        "query",
        PLAN,
        "--identity",
        "azurerm_user_assigned_identity.inference",
        "--action",
        "storage.objects.get",
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert "an Azure operation is" in completed.stderr


def test_identities_show_federation_and_capabilities(run_cli: RunCli, tmp_path: Path) -> None:
    document = _json(run_cli, tmp_path, "identities", PLAN, MANIFESTS)
    by_id = {i["id"]: i for i in document["identities"]}
    vllm = by_id["k8s:ServiceAccount/inference/vllm"]
    [edge] = [e for e in vllm["federates_to"] if e["via"] == "aks-workload-identity"]
    assert edge["answer"] == "allowed"
    assert edge["role"] == "azurerm_user_assigned_identity.inference"
    deployer = by_id["azure:user_assigned_identity/id-deployer"]
    assert any(
        s["source"].startswith("github: repo:acme/ml-infra") for s in deployer["assumable_by"]
    )
    assert "permissions-management" in deployer["capabilities"]["classes"]
    agent = by_id["azure:user_assigned_identity/id-agent"]
    assert "read-secrets" in agent["capabilities"]["classes"]
    uploader = by_id["azure:service_principal/azuread_service_principal.uploader"]
    assert uploader["credentials"] == ["azuread_application_password.uploader"]
    trainer_pod = by_id["k8s:ServiceAccount/training/trainer"]
    assert trainer_pod["blast_radius"]["count"] >= 1


def test_version_names_the_role_catalog(run_cli: RunCli, tmp_path: Path) -> None:
    document = _json(run_cli, tmp_path, "version")
    assert "2026-11-26" in document["data"]["azure-builtin-roles"]
