"""The curated Azure built-in role catalog (iacguard/azure/data/builtin_roles.json) and
iacguard.azure.roles, which answers what a role grants."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from iacguard.about import data_versions
from iacguard.azure.roles import (
    DATA_ACTION_PATTERNS,
    AzureRoleDefinition,
    BuiltinRoleCatalogError,
    action_matches,
    builtin_role,
    catalog_roles,
    catalog_version,
    is_data_action,
    load_role_catalog,
    role_id,
    roles_granting,
)
from iacguard.model import catalog_data
from iacguard.model.values import Tristate

YES, MAYBE, NO = Tristate.YES, Tristate.MAYBE, Tristate.NO

REPO = Path(__file__).resolve().parents[2]
DATA_FILE = REPO / "iacguard" / "azure" / "data" / "builtin_roles.json"

REQUIRED_ROLES = (
    "Owner",
    "Contributor",
    "Reader",
    "User Access Administrator",
    "Role Based Access Control Administrator",
    "Storage Blob Data Owner",
    "Storage Blob Data Contributor",
    "Storage Blob Data Reader",
    "Storage Account Contributor",
    "Storage Queue Data Contributor",
    "Key Vault Administrator",
    "Key Vault Secrets User",
    "Key Vault Secrets Officer",
    "Key Vault Crypto User",
    "Key Vault Crypto Officer",
    "Key Vault Reader",
    "Key Vault Contributor",
    "Cognitive Services OpenAI User",
    "Cognitive Services OpenAI Contributor",
    "Cognitive Services User",
    "Cognitive Services Contributor",
    "Azure AI Developer",
    "AzureML Data Scientist",
    "AzureML Compute Operator",
    "Azure Machine Learning Workspace Connection Secrets Reader",
    "AcrPull",
    "AcrPush",
    "Azure Kubernetes Service Cluster Admin Role",
    "Azure Kubernetes Service Cluster User Role",
    "Azure Kubernetes Service RBAC Admin",
    "Azure Kubernetes Service RBAC Cluster Admin",
    "Azure Kubernetes Service RBAC Reader",
    "Azure Kubernetes Service RBAC Writer",
    "Azure Kubernetes Service Contributor Role",
    "Managed Identity Operator",
    "Managed Identity Contributor",
    "Virtual Machine Contributor",
    "Network Contributor",
    "Monitoring Metrics Publisher",
    "Search Index Data Reader",
    "Search Index Data Contributor",
    "Cosmos DB Account Reader Role",
    "DocumentDB Account Contributor",
    "Log Analytics Contributor",
    "Foundry User",
)
"""Every role the brief and the other Azure modules rely on."""

# Identifiers everyone hard-codes in Bicep and Terraform: a typo here would break lookups by id.
WELL_KNOWN_IDS = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "Azure AI Developer": "64702f94-c441-49e6-a78b-ef80e0188fee",
}

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Provider/resource.../verb, where a verb is read, write, delete, action or a wildcard; a few
# data actions end in a bare verb (Microsoft.Insights/Metrics/Write).
OPERATION = re.compile(r"^(\*|[A-Za-z0-9*]+(\.[A-Za-z0-9*]+)*)(/[A-Za-z0-9.*_-]+)+$|^\*$")

BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
SECRET_VALUE = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
CHAT = "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action"
ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


def _role(name: str) -> AzureRoleDefinition:
    role = builtin_role(name)
    assert role is not None, name
    return role


# --- the behaviour others rely on ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "action", "data", "answer"),
    [
        ("Reader", "Microsoft.Storage/storageAccounts/read", False, YES),
        # */read matches reads only; listKeys is an action that hands out the account keys
        ("Reader", "Microsoft.Storage/storageAccounts/listKeys/action", False, NO),
        ("Reader", "Microsoft.Compute/virtualMachines/write", False, NO),
        ("Reader", f"{BLOB}/read", True, NO),
        ("Contributor", "Microsoft.Compute/virtualMachines/write", False, YES),
        ("Contributor", "Microsoft.Storage/storageAccounts/listKeys/action", False, YES),
        ("Contributor", ROLE_ASSIGNMENT_WRITE, False, NO),
        ("Contributor", "Microsoft.Authorization/roleAssignments/delete", False, NO),
        ("Contributor", "Microsoft.Authorization/roleDefinitions/write", False, NO),
        ("Contributor", "Microsoft.Authorization/elevateAccess/action", False, NO),
        ("Contributor", "Microsoft.Authorization/roleAssignments/read", False, YES),
        # Contributor has no data actions: the control-plane "*" does not reach blob contents
        ("Contributor", f"{BLOB}/read", True, NO),
        ("Owner", ROLE_ASSIGNMENT_WRITE, False, YES),
        ("Owner", "Microsoft.Authorization/elevateAccess/action", False, YES),
        ("Owner", f"{BLOB}/read", True, NO),
        ("Owner", SECRET_VALUE, True, NO),
        ("User Access Administrator", ROLE_ASSIGNMENT_WRITE, False, YES),
        ("User Access Administrator", "Microsoft.Compute/virtualMachines/write", False, NO),
        ("Role Based Access Control Administrator", ROLE_ASSIGNMENT_WRITE, False, YES),
        (
            "Role Based Access Control Administrator",
            "Microsoft.Authorization/policyAssignments/write",
            False,
            NO,
        ),
    ],
)
def test_general_and_privileged_roles(role: str, action: str, data: bool, answer: Tristate) -> None:
    assert _role(role).grants(action, data) is answer


@pytest.mark.parametrize(
    ("role", "action", "data", "answer"),
    [
        ("Storage Blob Data Reader", f"{BLOB}/read", True, YES),
        ("Storage Blob Data Reader", f"{BLOB}/write", True, NO),
        ("Storage Blob Data Reader", f"{BLOB}/delete", True, NO),
        (
            "Storage Blob Data Reader",
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
            False,
            YES,
        ),
        ("Storage Blob Data Contributor", f"{BLOB}/write", True, YES),
        ("Storage Blob Data Contributor", f"{BLOB}/modifyPermissions/action", True, NO),
        ("Storage Blob Data Owner", f"{BLOB}/modifyPermissions/action", True, YES),
        ("Storage Blob Data Owner", f"{BLOB}/anyNewOperation/action", True, YES),
        (
            "Storage Account Contributor",
            "Microsoft.Storage/storageAccounts/listKeys/action",
            False,
            YES,
        ),
        ("Storage Account Contributor", f"{BLOB}/read", True, NO),
        (
            "Storage Account Key Operator Service Role",
            "Microsoft.Storage/storageAccounts/listKeys/action",
            False,
            YES,
        ),
        (
            "Storage Queue Data Contributor",
            "Microsoft.Storage/storageAccounts/queueServices/queues/messages/read",
            True,
            YES,
        ),
        (
            "Storage Queue Data Reader",
            "Microsoft.Storage/storageAccounts/queueServices/queues/messages/delete",
            True,
            NO,
        ),
    ],
)
def test_storage_roles(role: str, action: str, data: bool, answer: Tristate) -> None:
    assert _role(role).grants(action, data) is answer


@pytest.mark.parametrize(
    ("role", "action", "data", "answer"),
    [
        ("Key Vault Secrets User", SECRET_VALUE, True, YES),
        ("Key Vault Secrets User", "Microsoft.KeyVault/vaults/secrets/setSecret/action", True, NO),
        (
            "Key Vault Secrets Officer",
            "Microsoft.KeyVault/vaults/secrets/setSecret/action",
            True,
            YES,
        ),
        ("Key Vault Reader", SECRET_VALUE, True, NO),
        ("Key Vault Reader", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", True, YES),
        ("Key Vault Administrator", SECRET_VALUE, True, YES),
        ("Key Vault Administrator", "Microsoft.KeyVault/vaults/keys/decrypt/action", True, YES),
        # the administrator manages the contents, not the vault resource
        ("Key Vault Administrator", "Microsoft.KeyVault/vaults/write", False, NO),
        ("Key Vault Administrator", "Microsoft.KeyVault/vaults/read", False, YES),
        ("Key Vault Crypto User", "Microsoft.KeyVault/vaults/keys/decrypt/action", True, YES),
        ("Key Vault Crypto User", SECRET_VALUE, True, NO),
        ("Key Vault Crypto Officer", "Microsoft.KeyVault/vaults/keys/delete", True, YES),
        ("Key Vault Certificate User", SECRET_VALUE, True, YES),
        # the contributor manages vaults and access policies, but holds no data action
        ("Key Vault Contributor", SECRET_VALUE, True, NO),
        ("Key Vault Contributor", "Microsoft.KeyVault/vaults/accessPolicies/write", False, YES),
        ("Key Vault Contributor", "Microsoft.KeyVault/managedHsms/write", False, NO),
        (
            "Key Vault Contributor",
            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
            False,
            NO,
        ),
    ],
)
def test_key_vault_roles(role: str, action: str, data: bool, answer: Tristate) -> None:
    assert _role(role).grants(action, data) is answer


@pytest.mark.parametrize(
    ("role", "action", "data", "answer"),
    [
        ("Cognitive Services OpenAI User", CHAT, True, YES),
        (
            "Cognitive Services OpenAI User",
            "Microsoft.CognitiveServices/accounts/OpenAI/deployments/embeddings/action",
            True,
            YES,
        ),
        (
            "Cognitive Services OpenAI User",
            "Microsoft.CognitiveServices/accounts/OpenAI/stored-completions/read",
            True,
            NO,
        ),
        (
            "Cognitive Services OpenAI User",
            "Microsoft.CognitiveServices/accounts/deployments/write",
            False,
            NO,
        ),
        (
            "Cognitive Services OpenAI User",
            "Microsoft.CognitiveServices/accounts/listKeys/action",
            False,
            NO,
        ),
        ("Cognitive Services OpenAI Contributor", CHAT, True, YES),
        (
            "Cognitive Services OpenAI Contributor",
            "Microsoft.CognitiveServices/accounts/deployments/write",
            False,
            YES,
        ),
        ("Cognitive Services User", CHAT, True, YES),
        (
            "Cognitive Services User",
            "Microsoft.CognitiveServices/accounts/listkeys/action",
            False,
            YES,
        ),
        # the contributor manages accounts and their keys but calls no model through RBAC
        ("Cognitive Services Contributor", CHAT, True, NO),
        (
            "Cognitive Services Contributor",
            "Microsoft.CognitiveServices/accounts/listKeys/action",
            False,
            YES,
        ),
        ("Azure AI Developer", CHAT, True, YES),
        (
            "Azure AI Developer",
            "Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action",
            False,
            YES,
        ),
        ("Azure AI Developer", "Microsoft.MachineLearningServices/workspaces/write", False, NO),
        (
            "Azure AI Developer",
            "Microsoft.MachineLearningServices/workspaces/listKeys/action",
            False,
            NO,
        ),
        (
            "AzureML Data Scientist",
            "Microsoft.MachineLearningServices/workspaces/jobs/write",
            False,
            YES,
        ),
        (
            "AzureML Data Scientist",
            "Microsoft.MachineLearningServices/workspaces/computes/listKeys/action",
            False,
            NO,
        ),
        (
            "AzureML Data Scientist",
            "Microsoft.MachineLearningServices/workspaces/delete",
            False,
            NO,
        ),
        (
            "AzureML Compute Operator",
            "Microsoft.MachineLearningServices/workspaces/computes/write",
            False,
            YES,
        ),
        (
            "AzureML Compute Operator",
            "Microsoft.MachineLearningServices/workspaces/jobs/write",
            False,
            NO,
        ),
        (
            "Azure Machine Learning Workspace Connection Secrets Reader",
            "Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action",
            False,
            YES,
        ),
        (
            "Search Index Data Reader",
            "Microsoft.Search/searchServices/indexes/documents/read",
            True,
            YES,
        ),
        (
            "Search Index Data Reader",
            "Microsoft.Search/searchServices/indexes/documents/write",
            True,
            NO,
        ),
        (
            "Search Index Data Contributor",
            "Microsoft.Search/searchServices/indexes/documents/write",
            True,
            YES,
        ),
        ("Foundry User", CHAT, True, YES),
    ],
)
def test_ai_roles(role: str, action: str, data: bool, answer: Tristate) -> None:
    assert _role(role).grants(action, data) is answer


@pytest.mark.parametrize(
    ("role", "action", "data", "answer"),
    [
        ("AcrPull", "Microsoft.ContainerRegistry/registries/pull/read", False, YES),
        ("AcrPull", "Microsoft.ContainerRegistry/registries/push/write", False, NO),
        ("AcrPush", "Microsoft.ContainerRegistry/registries/push/write", False, YES),
        (
            "Azure Kubernetes Service Cluster Admin Role",
            "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
            False,
            YES,
        ),
        (
            "Azure Kubernetes Service Cluster User Role",
            "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
            False,
            NO,
        ),
        (
            "Azure Kubernetes Service Contributor Role",
            "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
            False,
            YES,
        ),
        (
            "Azure Kubernetes Service RBAC Reader",
            "Microsoft.ContainerService/managedClusters/pods/read",
            True,
            YES,
        ),
        (
            "Azure Kubernetes Service RBAC Reader",
            "Microsoft.ContainerService/managedClusters/secrets/read",
            True,
            NO,
        ),
        (
            "Azure Kubernetes Service RBAC Writer",
            "Microsoft.ContainerService/managedClusters/secrets/read",
            True,
            YES,
        ),
        (
            "Azure Kubernetes Service RBAC Writer",
            "Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/rolebindings/write",
            True,
            NO,
        ),
        (
            "Azure Kubernetes Service RBAC Admin",
            "Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/rolebindings/write",
            True,
            YES,
        ),
        (
            "Azure Kubernetes Service RBAC Admin",
            "Microsoft.ContainerService/managedClusters/namespaces/write",
            True,
            NO,
        ),
        (
            "Azure Kubernetes Service RBAC Cluster Admin",
            "Microsoft.ContainerService/managedClusters/namespaces/write",
            True,
            YES,
        ),
        # "userAssignedIdentities/*/assign/action" grants ".../userAssignedIdentities/assign/action"
        (
            "Managed Identity Operator",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            False,
            YES,
        ),
        (
            "Managed Identity Operator",
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            False,
            YES,
        ),
        (
            "Managed Identity Operator",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            False,
            NO,
        ),
        (
            "Managed Identity Contributor",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            False,
            YES,
        ),
        (
            "Managed Identity Contributor",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            False,
            NO,
        ),
        (
            "Virtual Machine Contributor",
            "Microsoft.Compute/virtualMachines/runCommand/action",
            False,
            YES,
        ),
        ("Virtual Machine Contributor", "Microsoft.Compute/virtualMachines/login/action", True, NO),
        (
            "Virtual Machine Administrator Login",
            "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
            True,
            YES,
        ),
        (
            "Network Contributor",
            "Microsoft.Network/networkSecurityGroups/securityRules/write",
            False,
            YES,
        ),
        ("Monitoring Metrics Publisher", "Microsoft.Insights/Metrics/Write", True, YES),
        (
            "Log Analytics Contributor",
            "Microsoft.Compute/virtualMachines/extensions/write",
            False,
            YES,
        ),
        (
            "Log Analytics Reader",
            "Microsoft.OperationalInsights/workspaces/sharedKeys/read",
            False,
            NO,
        ),
        (
            "Cosmos DB Account Reader Role",
            "Microsoft.DocumentDB/databaseAccounts/readonlykeys/action",
            False,
            YES,
        ),
        (
            "Cosmos DB Account Reader Role",
            "Microsoft.DocumentDB/databaseAccounts/listKeys/action",
            False,
            NO,
        ),
        (
            "DocumentDB Account Contributor",
            "Microsoft.DocumentDB/databaseAccounts/listKeys/action",
            False,
            YES,
        ),
        ("Cosmos DB Operator", "Microsoft.DocumentDB/databaseAccounts/listKeys/action", False, NO),
        ("Cosmos DB Operator", "Microsoft.DocumentDB/databaseAccounts/write", False, YES),
    ],
)
def test_infrastructure_roles(role: str, action: str, data: bool, answer: Tristate) -> None:
    assert _role(role).grants(action, data) is answer


@pytest.mark.parametrize(
    ("role", "action", "answer"),
    [
        # a known data action is checked on the data plane only: Owner's "*" is control plane
        ("Owner", f"{BLOB}/read", NO),
        ("Contributor", f"{BLOB}/read", NO),
        ("Contributor", SECRET_VALUE, NO),
        ("Contributor", CHAT, NO),
        ("Storage Blob Data Reader", f"{BLOB}/read", YES),
        ("Key Vault Secrets User", SECRET_VALUE, YES),
        ("Cognitive Services OpenAI User", CHAT, YES),
        # other operations are tried on both planes
        ("Reader", "Microsoft.Storage/storageAccounts/read", YES),
        ("Contributor", ROLE_ASSIGNMENT_WRITE, NO),
        ("Key Vault Reader", "Microsoft.KeyVault/vaults/secrets/read", YES),
        ("Monitoring Metrics Publisher", "Microsoft.Insights/Metrics/Write", YES),
    ],
)
def test_plane_decided_from_the_operation(role: str, action: str, answer: Tristate) -> None:
    assert _role(role).grants(action) is answer


def test_operations_are_case_insensitive() -> None:
    assert _role("Reader").grants("MICROSOFT.STORAGE/STORAGEACCOUNTS/READ", False) is YES
    assert _role("Storage Blob Data Reader").grants(f"{BLOB.lower()}/READ", True) is YES
    # Microsoft writes this role's operation in lower case; plans use the documented case
    key_operator = _role("Storage Account Key Operator Service Role")
    assert "Microsoft.Storage/storageAccounts/listkeys/action" in key_operator.actions
    assert key_operator.grants("Microsoft.Storage/storageAccounts/listKeys/action", False) is YES


@pytest.mark.parametrize(
    ("role", "query", "data", "answer"),
    [
        ("Contributor", "Microsoft.Storage/*", False, YES),
        ("Contributor", "Microsoft.Authorization/*", False, YES),  # it reads role assignments
        ("Contributor", "Microsoft.Authorization/*/write", False, NO),
        ("Contributor", "Microsoft.Authorization/roleAssignments/*", False, YES),
        ("Reader", "Microsoft.Storage/*", False, YES),
        ("Reader", "*/write", False, NO),
        ("Reader", "Microsoft.Storage/storageAccounts/*/action", False, NO),
        ("Storage Blob Data Reader", f"{BLOB}/*", True, YES),
        ("Storage Blob Data Reader", "Microsoft.KeyVault/*", True, NO),
        ("Key Vault Secrets User", "Microsoft.KeyVault/vaults/secrets/*", True, YES),
        ("Key Vault Secrets User", "Microsoft.KeyVault/vaults/keys/*", True, NO),
        ("Owner", "*", False, YES),
        ("Owner", "*", True, NO),
        (
            "AzureML Data Scientist",
            "Microsoft.MachineLearningServices/workspaces/*/listKeys/action",
            False,
            YES,
        ),
        (
            "Cognitive Services Contributor",
            "Microsoft.CognitiveServices/accounts/OpenAI/*",
            True,
            NO,
        ),
        (
            "Cognitive Services OpenAI User",
            "Microsoft.CognitiveServices/accounts/OpenAI/*",
            None,
            YES,
        ),
        ("Owner", f"{BLOB}/*", None, NO),
    ],
)
def test_wildcard_query_asks_for_some_matching_operation(
    role: str, query: str, data: bool | None, answer: Tristate
) -> None:
    assert _role(role).grants(query, data) is answer


@pytest.mark.parametrize(
    "role",
    ["Key Vault Data Access Administrator", "Foundry Account Owner", "Foundry Project Manager"],
)
def test_role_assignment_under_an_abac_condition_is_maybe(role: str) -> None:
    definition = _role(role)
    assert definition.grants(ROLE_ASSIGNMENT_WRITE, False) is MAYBE
    assert definition.grants("Microsoft.Authorization/roleAssignments/delete", False) is MAYBE
    # the reads the role holds outside the condition stay Yes
    assert definition.grants("Microsoft.Authorization/roleAssignments/read", False) is YES
    assert definition.grants("Microsoft.Authorization/roleAssignments/*", False) is YES
    assert "condition" in definition.note


def test_empty_operation_is_not_granted() -> None:
    assert _role("Owner").grants("") is NO


# --- lookups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Storage Blob Data Reader",
        "storage blob data reader",
        "  STORAGE BLOB DATA READER ",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        "2A2B9908-6EA1-4AE2-8E65-A410DF84E7D1",
        "/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/"
        "Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        "/providers/Microsoft.Management/managementGroups/mg/providers/"
        "microsoft.authorization/roledefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        # azurerm_role_definition.id: "{role definition resource id}|{scope}"
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
        "roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1|/subscriptions/00000000-0000-"
        "0000-0000-000000000000",
    ],
)
def test_lookup_by_name_guid_and_resource_id(text: str) -> None:
    role = builtin_role(text)
    assert role is not None
    assert role.name == "Storage Blob Data Reader"
    assert role.id == "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


@pytest.mark.parametrize(("name", "guid"), sorted(WELL_KNOWN_IDS.items()))
def test_well_known_identifiers(name: str, guid: str) -> None:
    assert _role(name).id == guid
    assert builtin_role(guid) is _role(name)


@pytest.mark.parametrize(
    ("former", "current"),
    [
        ("Azure AI User", "Foundry User"),
        ("azure ai account owner", "Foundry Account Owner"),
        ("Azure AI Project Manager", "Foundry Project Manager"),
        ("Azure AI Owner", "Foundry Owner"),
    ],
)
def test_former_display_names_still_resolve(former: str, current: str) -> None:
    role = builtin_role(former)
    assert role is not None and role.name == current
    assert role is _role(current)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Storage Blob Data Readers",
        "roles/storage.objectViewer",
        "00000000-0000-0000-0000-000000000000",
        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/"
        "00000000-0000-0000-0000-000000000000",
        "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/"
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    ],
)
def test_unknown_roles_are_not_resolved(text: str) -> None:
    assert builtin_role(text) is None


@pytest.mark.parametrize(
    ("text", "guid"),
    [
        ("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
        (
            "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/"
            "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
            "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
        ),
        ("Owner", None),
        ("8e3af657-a8ff-443c-a75c-2fe8c4bcb63", None),
        ("/providers/Microsoft.Authorization/roleDefinitions/not-a-guid", None),
        (
            "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/"
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            None,
        ),
    ],
)
def test_role_id(text: str, guid: str | None) -> None:
    assert role_id(text) == guid


def test_lookups_are_cached() -> None:
    assert builtin_role("Reader") is builtin_role("reader")
    assert load_role_catalog() is load_role_catalog()


def test_roles_granting() -> None:
    assert roles_granting(SECRET_VALUE, data=True) == {
        "Key Vault Administrator": YES,
        "Key Vault Certificate User": YES,
        "Key Vault Secrets Officer": YES,
        "Key Vault Secrets User": YES,
    }
    assert roles_granting(
        ROLE_ASSIGNMENT_WRITE, ["owner", "Contributor", "Foundry Account Owner", "Custom"], False
    ) == {"Foundry Account Owner": MAYBE, "Owner": YES}


# --- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("*", "Microsoft.Storage/storageAccounts/read", True),
        ("*/read", "Microsoft.Storage/storageAccounts/read", True),
        ("*/read", "Microsoft.Storage/storageAccounts/listKeys/action", False),
        ("*/read", "Microsoft.Storage/storageAccounts/read/extra", False),
        ("Microsoft.Authorization/*", "Microsoft.Authorization/roleAssignments/write", True),
        ("Microsoft.Authorization/*/Write", "microsoft.authorization/roleassignments/write", True),
        ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/read", False),
        ("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/read", True),
        ("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/read", True),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
            True,
        ),
        ("Microsoft.Storage/storageAccounts/*", "Microsoft.Storage/storageAccountsX/read", False),
        ("Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/read", True),
        (
            "Microsoft.Storage/storageAccounts/read",
            "Microsoft.Storage/storageAccounts/readX",
            False,
        ),
        # regular expression characters are literal
        ("Microsoft.Storage/storageAccounts/re?d", "Microsoft.Storage/storageAccounts/read", False),
        (
            "Microsoft.Storage/storageAccounts/[r]ead",
            "Microsoft.Storage/storageAccounts/read",
            False,
        ),
        ("QnAMaker.v2/*", "QnAMakerXv2/read", False),
    ],
)
def test_action_matches(pattern: str, action: str, matches: bool) -> None:
    assert action_matches(pattern, action) is matches


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (f"{BLOB}/read", True),
        (f"{BLOB}/*", True),
        (SECRET_VALUE, True),
        (CHAT, True),
        ("Microsoft.ContainerService/managedClusters/pods/exec/action", True),
        (
            "Microsoft.ContainerService/managedClusters/rbac.authorization.k8s.io/roles/bind/action",
            True,
        ),
        ("Microsoft.Search/searchServices/indexes/documents/read", True),
        ("Microsoft.Compute/virtualMachines/loginAsAdmin/action", True),
        ("Microsoft.Storage/storageAccounts/blobServices/containers/read", False),
        ("Microsoft.Storage/storageAccounts/listKeys/action", False),
        ("Microsoft.KeyVault/vaults/secrets/read", False),
        ("Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action", False),
        ("Microsoft.Storage/*", False),
        ("*", False),
    ],
)
def test_is_data_action(action: str, data: bool) -> None:
    assert is_data_action(action) is data


def test_every_catalog_data_action_is_classified_consistently() -> None:
    # No catalog role allows, as a control-plane action, an operation classified as data.
    problems = [
        f"{role.name}: {action}"
        for role in load_role_catalog().roles.values()
        for action in role.actions
        if "*" not in action and is_data_action(action)
    ]
    assert problems == []
    assert len(DATA_ACTION_PATTERNS) == len(set(DATA_ACTION_PATTERNS))


# --- custom roles and JSON -----------------------------------------------------------------


def test_custom_role_definition() -> None:
    role = AzureRoleDefinition(
        name="Model Trainer",
        id="",
        actions=("Microsoft.MachineLearningServices/workspaces/jobs/*",),
        not_actions=("Microsoft.MachineLearningServices/workspaces/jobs/delete",),
        data_actions=(f"{BLOB}/read",),
        source="azurerm_role_definition.trainer",
        custom=True,
        assignable_scopes=("/subscriptions/s",),
    )
    assert role.grants("Microsoft.MachineLearningServices/workspaces/jobs/write") is YES
    assert role.grants("Microsoft.MachineLearningServices/workspaces/jobs/delete") is NO
    assert role.grants(f"{BLOB}/read") is YES
    assert role.grants(f"{BLOB}/write") is NO
    assert role.as_json() == {
        "name": "Model Trainer",
        "id": "",
        "description": "",
        "actions": ["Microsoft.MachineLearningServices/workspaces/jobs/*"],
        "not_actions": ["Microsoft.MachineLearningServices/workspaces/jobs/delete"],
        "data_actions": [f"{BLOB}/read"],
        "not_data_actions": [],
        "conditional_actions": [],
        "assignable_scopes": ["/subscriptions/s"],
        "source": "azurerm_role_definition.trainer",
        "custom": True,
    }


def test_as_json_of_a_builtin_role() -> None:
    out = _role("Foundry User").as_json()
    assert out["name"] == "Foundry User"
    assert out["id"] == "53ca6127-db72-4b80-b1b0-d745d6d5456d"
    assert out["data_actions"] == ["Microsoft.CognitiveServices/*"]
    assert out["former_names"] == ["Azure AI User"]
    assert out["custom"] is False and out["note"]
    for field in ("actions", "not_actions", "data_actions", "not_data_actions"):
        assert out[field] == sorted(out[field])


# --- the data file ---------------------------------------------------------------------------


def test_catalog_version_names_the_date() -> None:
    version = catalog_version()
    assert version.startswith("2026-11-26 (")
    assert f"({len(catalog_roles())} roles;" in version
    assert "Microsoft's Azure built-in roles reference" in version
    assert data_versions()["azure-builtin-roles"] == version


def test_every_required_role_is_present() -> None:
    missing = [name for name in REQUIRED_ROLES if name not in catalog_roles()]
    assert missing == []


def test_catalog_roles_are_sorted() -> None:
    names = catalog_roles()
    assert list(names) == sorted(names)
    assert len(names) >= len(REQUIRED_ROLES)


def test_file_records_source_date_and_note() -> None:
    data = _data()
    assert (
        data["source"]
        == "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles"
    )
    assert data["retrieved"] == "2026-11-26"
    assert "not exhaustive" in data["note"] and "unresolved" in data["note"]
    assert "Maybe" in data["note"] and "CC BY 4.0" in data["note"]
    assert set(data) == {"source", "retrieved", "note", "roles"}


def test_file_is_pretty_printed_with_sorted_keys() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_every_role_entry_is_well_formed() -> None:
    required = {
        "id",
        "name",
        "description",
        "source",
        "actions",
        "not_actions",
        "data_actions",
        "not_data_actions",
    }
    optional = {"note", "former_names", "conditional_actions"}
    problems: list[str] = []
    ids: set[str] = set()
    for name, entry in _data()["roles"].items():
        if not required <= set(entry) <= required | optional:
            problems.append(f"{name}: unexpected fields {sorted(entry)}")
            continue
        if entry["name"] != name:
            problems.append(f"{name}: name {entry['name']}")
        if not GUID.match(entry["id"]):
            problems.append(f"{name}: id {entry['id']} is not a lower-case GUID")
        if entry["id"] in ids:
            problems.append(f"{name}: duplicate id")
        ids.add(entry["id"])
        if not entry["description"].strip():
            problems.append(f"{name}: no description")
        if not re.fullmatch(
            r"https://learn\.microsoft\.com/azure/role-based-access-control/built-in-roles/"
            r"[a-z-]+",
            entry["source"],
        ):
            problems.append(f"{name}: source {entry['source']}")
        for field in (*sorted(required - {"id", "name", "description", "source"}), *optional):
            values = entry.get(field, [])
            if field == "note":
                continue
            if values != sorted(values) or len(values) != len(set(values)):
                problems.append(f"{name}: {field} not sorted or has duplicates")
            if field != "former_names":
                problems.extend(
                    f"{name}: malformed operation {value}"
                    for value in values
                    if not OPERATION.match(value)
                )
        if not entry["actions"] and not entry["data_actions"]:
            problems.append(f"{name}: grants nothing")
        if "note" in entry and not entry["note"].strip():
            problems.append(f"{name}: empty note")
        for action in entry.get("conditional_actions", []):
            if not any(action_matches(allowed, action) for allowed in entry["actions"]):
                problems.append(f"{name}: conditional {action} is not an allowed action")
    assert problems == []


def test_roles_with_definition_conditions_say_so() -> None:
    conditional = {
        name for name, entry in _data()["roles"].items() if entry.get("conditional_actions")
    }
    assert conditional == {
        "Foundry Account Owner",
        "Foundry Project Manager",
        "Key Vault Data Access Administrator",
    }


def test_loading_is_fast() -> None:
    load_role_catalog.cache_clear()
    start = time.perf_counter()
    load_role_catalog()
    assert time.perf_counter() - start < 0.05


def test_malformed_catalog_is_a_packaging_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class _Resource:
        def __init__(self, text: str) -> None:
            self.text = text

        def joinpath(self, _path: str) -> _Resource:
            return self

        def read_bytes(self) -> bytes:
            return self.text.encode()

    good = {
        "id": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "name": "Owner",
        "description": "d",
        "source": "s",
        "actions": ["*"],
    }
    header = '"source": "x", "retrieved": "y", "note": "z"'
    for text in (
        "not json",
        "[]",
        "{" + header + "}",
        "{" + header + ', "roles": {"Owner": 1}}',
        "{" + header + ', "roles": {"Owner": ' + json.dumps({**good, "actions": "*"}) + "}}",
        "{" + header + ', "roles": {"Owner": ' + json.dumps({**good, "id": "OWNER"}) + "}}",
        "{" + header + ', "roles": {"Owner": ' + json.dumps({**good, "name": "Other"}) + "}}",
        "{"
        + header
        + ', "roles": {"Owner": '
        + json.dumps(good)
        + ', "Twin": '
        + json.dumps({**good, "name": "Twin"})
        + "}}",
        "{"
        + header
        + ', "roles": {"Owner": '
        + json.dumps(good)
        + ', "Twin": '
        + json.dumps(
            {
                **good,
                "name": "Twin",
                "id": "00000000-0000-0000-0000-000000000000",
                "former_names": ["owner"],
            }
        )
        + "}}",
    ):
        monkeypatch.setattr(catalog_data, "files", lambda _package, t=text: _Resource(t))
        load_role_catalog.cache_clear()
        with pytest.raises(BuiltinRoleCatalogError):
            load_role_catalog()
    monkeypatch.undo()
    load_role_catalog.cache_clear()
    assert builtin_role("Reader") is not None
