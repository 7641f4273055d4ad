"""Azure RBAC from plans: scopes and inheritance, principals known only after apply, custom
roles, conditions, Key Vault access policies, and decisions built on them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from iacguard.azure.evaluate import AzureView
from iacguard.engine.context import ScanIndex
from iacguard.inputs import load_inputs
from iacguard.model.classification import classify_all
from iacguard.model.values import Tristate

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "plan_builder", HERE.parent / "checks" / "plan_builder.py"
)
assert _spec is not None and _spec.loader is not None
plan_builder = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("plan_builder", plan_builder)
_spec.loader.exec_module(plan_builder)

SUB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ml"
BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
CLIENT = {
    "address": "data.azurerm_client_config.current",
    "after": {
        "subscription_id": SUB,
        "tenant_id": "11111111-2222-3333-4444-555555555555",
        "object_id": "99999999-8888-7777-6666-555555555555",
        "client_id": "00000000-0000-0000-0000-000000000001",
        "id": "x",
    },
}
IDENTITY = {
    "address": "azurerm_user_assigned_identity.inference",
    "after": {"name": "id-inference", "resource_group_name": "rg-ml", "location": "eastus2"},
    "after_unknown": {"principal_id": True, "client_id": True, "id": True, "tenant_id": True},
}
ACCOUNT = {
    "address": "azurerm_storage_account.train",
    "after": {"name": "stml", "resource_group_name": "rg-ml", "location": "eastus2"},
    "after_unknown": {"id": True, "primary_access_key": True},
}
CONTAINER = {
    "address": "azurerm_storage_container.training",
    "after": {"name": "training-data", "container_access_type": "private"},
    "after_unknown": {"id": True, "resource_manager_id": True, "storage_account_id": True},
    "references": {"storage_account_id": ["azurerm_storage_account.train.id"]},
}


def assignment(name: str, role: str, scope: str | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "address": f"azurerm_role_assignment.{name}",
        "after": {"role_definition_name": role, **extra},
        "after_unknown": {"principal_id": True, "id": True, "role_definition_id": True},
        "references": {"principal_id": ["azurerm_user_assigned_identity.inference.principal_id"]},
    }
    if scope is None:
        entry["after_unknown"]["scope"] = True
        entry["references"]["scope"] = ["azurerm_storage_container.training.resource_manager_id"]
    else:
        entry["after"]["scope"] = scope
    return entry


def view_of(tmp_path: Path, *entries: dict[str, Any]) -> AzureView:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_builder.build_plan([CLIENT, *entries])))
    loaded = load_inputs([plan])
    resources = [r for doc in loaded.documents for r in doc.resources]
    return AzureView(ScanIndex(resources, classify_all(resources)))


def inference(view: AzureView) -> Any:
    found = view.find("azurerm_user_assigned_identity.inference")
    assert found is not None
    return found


def test_assignment_on_a_container_known_after_apply(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        IDENTITY,
        ACCOUNT,
        CONTAINER,
        assignment("writer", "Storage Blob Data Contributor"),
    )
    who = inference(view)
    blob = view.target(
        f"{RG}/providers/Microsoft.Storage/storageAccounts/stml/blobServices/default/"
        "containers/training-data/blobs/feedback/x.json"
    )
    assert blob.resource is not None
    assert blob.resource.address == "azurerm_storage_container.training"
    decision = view.decide(who, f"{BLOBS}/write", blob, True)
    assert decision.answer is Tristate.YES
    assert "linked through the configuration" in decision.matches[0].why[0]
    other = view.target(
        f"{RG}/providers/Microsoft.Storage/storageAccounts/stml/blobServices/default/"
        "containers/other"
    )
    assert view.decide(who, f"{BLOBS}/write", other, True).answer is Tristate.NO
    # a data role gives no control-plane action
    account = view.target(f"{RG}/providers/Microsoft.Storage/storageAccounts/stml")
    assert view.decide(who, "Microsoft.Storage/storageAccounts/delete", account).answer is (
        Tristate.NO
    )


def test_a_resource_group_assignment_covers_its_resources(tmp_path: Path) -> None:
    view = view_of(tmp_path, IDENTITY, ACCOUNT, assignment("contrib", "Contributor", RG.lower()))
    who = inference(view)
    account = view.target(f"{RG}/providers/Microsoft.Storage/storageAccounts/stml")
    assert view.decide(
        who, "Microsoft.Storage/storageAccounts/listKeys/action", account
    ).answer is (Tristate.YES)
    # Contributor's NotActions: no role assignments
    decision = view.decide(who, "Microsoft.Authorization/roleAssignments/write", account, False)
    assert decision.answer is Tristate.NO
    elsewhere = view.target(f"/subscriptions/{SUB}/resourceGroups/rg-other")
    assert view.decide(who, "Microsoft.Compute/virtualMachines/write", elsewhere).answer is (
        Tristate.NO
    )


def test_conditions_and_unknown_roles_are_maybe(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        IDENTITY,
        ACCOUNT,
        CONTAINER,
        assignment(
            "abac",
            "Storage Blob Data Reader",
            condition="@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/"
            "blobs:path] StringStartsWith 'public/'",
            condition_version="2.0",
        ),
        assignment("odd", "Made Up Role", RG.lower()),
    )
    who = inference(view)
    blob = view.target(
        f"{RG}/providers/Microsoft.Storage/storageAccounts/stml/blobServices/default/"
        "containers/training-data/blobs/x"
    )
    decision = view.decide(who, f"{BLOBS}/read", blob, True)
    assert decision.answer is Tristate.MAYBE
    reasons = " ".join(w for m in decision.matches for w in m.why)
    assert "under the condition" in reasons
    assert "Made Up Role" in reasons


def test_custom_role_definition(tmp_path: Path) -> None:
    role = {
        "address": "azurerm_role_definition.reader",
        "after": {
            "name": "ml-data-reader",
            "scope": f"/subscriptions/{SUB}",
            "permissions": [
                {
                    "actions": ["Microsoft.Storage/storageAccounts/read"],
                    "not_actions": [],
                    "data_actions": [f"{BLOBS}/read"],
                    "not_data_actions": [],
                }
            ],
            "assignable_scopes": [f"/subscriptions/{SUB}"],
        },
        "after_unknown": {
            "id": True,
            "role_definition_id": True,
            "role_definition_resource_id": True,
        },
    }
    entry = assignment("custom", "ml-data-reader", RG.lower())
    view = view_of(tmp_path, IDENTITY, ACCOUNT, CONTAINER, role, entry)
    who = inference(view)
    blob = view.target(
        f"{RG}/providers/Microsoft.Storage/storageAccounts/stml/blobServices/default/"
        "containers/training-data/blobs/x"
    )
    decision = view.decide(who, f"{BLOBS}/read", blob, True)
    assert decision.answer is Tristate.YES
    assert decision.matches[0].grant.definition is not None
    assert decision.matches[0].grant.definition.custom
    assert view.decide(who, f"{BLOBS}/write", blob, True).answer is Tristate.NO


def test_key_vault_access_policies_are_grants_unless_the_vault_uses_rbac(tmp_path: Path) -> None:
    vault = {
        "address": "azurerm_key_vault.legacy",
        "after": {
            "name": "kv-legacy",
            "resource_group_name": "rg-ml",
            "sku_name": "standard",
            "enable_rbac_authorization": False,
        },
        "after_unknown": {"id": True, "vault_uri": True},
    }
    policy = {
        "address": "azurerm_key_vault_access_policy.inference",
        "after": {"secret_permissions": ["Get", "List"], "tenant_id": "t"},
        "after_unknown": {"key_vault_id": True, "object_id": True, "id": True},
        "references": {
            "key_vault_id": ["azurerm_key_vault.legacy.id"],
            "object_id": ["azurerm_user_assigned_identity.inference.principal_id"],
        },
    }
    view = view_of(tmp_path, IDENTITY, vault, policy)
    who = inference(view)
    secret = view.target(f"{RG}/providers/Microsoft.KeyVault/vaults/kv-legacy/secrets/any")
    decision = view.decide(who, "Microsoft.KeyVault/vaults/secrets/getSecret/action", secret, True)
    assert decision.answer is Tristate.YES
    assert decision.matches[0].grant.kind == "access-policy"
    rbac_vault = {**vault, "after": {**vault["after"], "enable_rbac_authorization": True}}
    view = view_of(tmp_path, IDENTITY, rbac_vault, policy)
    decision = view.decide(
        inference(view), "Microsoft.KeyVault/vaults/secrets/getSecret/action", secret, True
    )
    assert decision.answer is Tristate.NO


def test_for_each_assignments_link_to_the_identity_of_the_same_key(tmp_path: Path) -> None:
    identities = [
        {
            "address": f'azurerm_user_assigned_identity.team["{key}"]',
            "after": {"name": f"id-{key}", "resource_group_name": "rg-ml", "location": "eastus2"},
            "after_unknown": {"principal_id": True, "client_id": True, "id": True},
        }
        for key in ("a", "b")
    ]
    assignments = [
        {
            "address": f'azurerm_role_assignment.team["{key}"]',
            "after": {"role_definition_name": role, "scope": RG.lower()},
            "after_unknown": {"principal_id": True, "id": True},
            "references": {
                "principal_id": ["azurerm_user_assigned_identity.team[each.key].principal_id"]
            },
        }
        for key, role in (("a", "Reader"), ("b", "Owner"))
    ]
    view = view_of(tmp_path, *identities, *assignments)
    b = view.find('azurerm_user_assigned_identity.team["b"]')
    assert b is not None
    assert [g.role for g, _a, _w in view.grants_of(b)] == ["Owner"]


def test_rbac_data_roles_do_not_open_a_vault_that_uses_access_policies(tmp_path: Path) -> None:
    vault = {
        "address": "azurerm_key_vault.legacy",
        "after": {
            "name": "kv-legacy",
            "resource_group_name": "rg-ml",
            "sku_name": "standard",
            "enable_rbac_authorization": False,
        },
        "after_unknown": {"id": True},
    }
    entry = assignment("secrets_user", "Key Vault Secrets User", RG.lower())
    view = view_of(tmp_path, IDENTITY, vault, entry)
    secret = view.target(f"{RG}/providers/Microsoft.KeyVault/vaults/kv-legacy/secrets/x")
    action = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
    assert view.decide(inference(view), action, secret, True).answer is Tristate.NO


def test_management_group_assignments_reach_the_subscriptions_the_inputs_put_in_them(
    tmp_path: Path,
) -> None:
    group = "/providers/Microsoft.Management/managementGroups/ml"
    entry = assignment("mg_reader", "Reader", group)
    target = f"{RG}/providers/Microsoft.Storage/storageAccounts/stml"
    view = view_of(tmp_path, IDENTITY, entry)
    decision = view.decide(
        inference(view), "Microsoft.Storage/storageAccounts/read", view.target(target)
    )
    assert decision.answer is Tristate.MAYBE
    link = {
        "address": "azurerm_management_group_subscription_association.ml",
        "after": {"management_group_id": group, "subscription_id": f"/subscriptions/{SUB}"},
        "after_unknown": {"id": True},
    }
    view = view_of(tmp_path, IDENTITY, entry, link)
    decision = view.decide(
        inference(view), "Microsoft.Storage/storageAccounts/read", view.target(target)
    )
    assert decision.answer is Tristate.YES


def _vault(name: str, rbac: bool, **extra: Any) -> dict[str, Any]:
    return {
        "address": f"azurerm_key_vault.{name}",
        "after": {
            "name": f"kv-{name}",
            "resource_group_name": "rg-ml",
            "sku_name": "standard",
            "enable_rbac_authorization": rbac,
            **extra,
        },
        "after_unknown": {"id": True},
    }


def test_each_inline_access_policy_grants_only_its_own_permissions(tmp_path: Path) -> None:
    blocks = [
        {
            "object_id": "00000000-0000-0000-0000-0000000000a1",
            "tenant_id": "t",
            "secret_permissions": ["Get"],
        },
        {
            "object_id": "00000000-0000-0000-0000-0000000000a2",
            "tenant_id": "t",
            "secret_permissions": ["List"],
        },
    ]
    view = view_of(tmp_path, _vault("legacy", False, access_policy=blocks))
    secret = view.target(f"{RG}/providers/Microsoft.KeyVault/vaults/kv-legacy/secrets/x")
    action = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
    for object_id, expected in (("a2", Tristate.NO), ("a1", Tristate.YES), ("a2", Tristate.NO)):
        who = view.find(f"00000000-0000-0000-0000-0000000000{object_id}")
        assert who is not None
        assert view.decide(who, action, secret, True).answer is expected


def test_control_plane_actions_on_an_access_policy_vault_follow_rbac(tmp_path: Path) -> None:
    entry = assignment("kv_contrib", "Key Vault Contributor", RG.lower())
    view = view_of(tmp_path, IDENTITY, _vault("legacy", False), entry)
    vault = view.target(f"{RG}/providers/Microsoft.KeyVault/vaults/kv-legacy")
    action = "Microsoft.KeyVault/vaults/accessPolicies/write"
    assert view.decide(inference(view), action, vault).answer is Tristate.YES


def test_the_tenant_root_scope_covers_everything(tmp_path: Path) -> None:
    view = view_of(tmp_path, IDENTITY, assignment("root", "User Access Administrator", "/"))
    target = view.target(f"/subscriptions/{SUB}")
    action = "Microsoft.Authorization/roleAssignments/write"
    decision = view.decide(inference(view), action, target, False)
    assert decision.answer is Tristate.YES
    assert "tenant root" in decision.matches[0].grant.scope.text()


def test_any_resource_with_a_system_assigned_identity_is_an_identity(tmp_path: Path) -> None:
    app = {
        "address": "azurerm_windows_web_app.app",
        "after": {
            "name": "app-ml",
            "resource_group_name": "rg-ml",
            "identity": [{"type": "SystemAssigned", "identity_ids": []}],
        },
        "after_unknown": {"id": True, "identity": [{"principal_id": True, "tenant_id": True}]},
    }
    owner = {
        "address": "azurerm_role_assignment.app_owner",
        "after": {"role_definition_name": "Owner", "scope": f"/subscriptions/{SUB}"},
        "after_unknown": {"principal_id": True, "id": True},
        "references": {"principal_id": ["azurerm_windows_web_app.app.identity[0].principal_id"]},
    }
    view = view_of(tmp_path, app, owner)
    found = view.find("azure:system_assigned_identity/windows_web_app/app-ml")
    assert found is not None
    assert [g.role for g, _a, _w in view.grants_of(found)] == ["Owner"]


def test_two_identities_of_one_name_stay_apart(tmp_path: Path) -> None:
    twins = [
        {
            "address": f"azurerm_user_assigned_identity.{rg}",
            "after": {"name": "id-app", "resource_group_name": f"rg-{rg}", "location": "eastus2"},
            "after_unknown": {"principal_id": True, "client_id": True, "id": True},
        }
        for rg in ("a", "b")
    ]
    view = view_of(tmp_path, *twins)
    assert len({p.node_id for p in view.identities}) == len(view.identities) == 2


def test_a_bring_your_own_kubelet_identity_is_what_the_nodes_run_as(tmp_path: Path) -> None:
    from iacguard.graph import build_graph

    uami = {
        "address": "azurerm_user_assigned_identity.kubelet",
        "after": {"name": "id-kubelet", "resource_group_name": "rg-ml", "location": "eastus2"},
        "after_unknown": {"principal_id": True, "client_id": True, "id": True},
    }
    cluster = {
        "address": "azurerm_kubernetes_cluster.aks",
        "after": {
            "name": "aks-ml",
            "resource_group_name": "rg-ml",
            "location": "eastus2",
            "oidc_issuer_enabled": True,
            "workload_identity_enabled": True,
        },
        "after_unknown": {"id": True, "kubelet_identity": True, "oidc_issuer_url": True},
        "references": {"kubelet_identity": ["azurerm_user_assigned_identity.kubelet.client_id"]},
    }
    view = view_of(tmp_path, uami, cluster)
    graph = build_graph(view.index)
    targets = {e.target for e in graph.out("azure:aks_cluster/aks-ml")}
    assert targets == {"azure:user_assigned_identity/id-kubelet"}
