#!/usr/bin/env python3
"""Write plan.json for the acme-ml Azure example: the JSON that `terraform show
-json` prints for a saved plan of main.tf (format_version 1.2), generated
rather than hand-kept.

Stdlib only and deterministic: running it twice gives byte-identical output.

Every resource is declared ONCE below (`R`), as its full planned value (and,
for the resources that already exist, their prior value) with the markers of
examples/_plan_builder.py:

  U / UL / UM   value known only after apply (primitive / list or set / map or
                object): omitted from "after", true in after_unknown.
  S(value)      sensitive value: printed, and true in after_sensitive.

and every configuration block once (`cfg`), with the references Terraform
lists for each expression that reads another object (`r`), constants (`c`)
and function calls of literals (`e`). examples/_plan_builder.py, shared with
examples/ai-stack/build_plan.py and examples/gcp-stack/build_plan.py, derives
resource_changes, planned_values, prior_state, configuration, output_changes
and relevant_attributes from them.

The attribute sets follow the hashicorp/azurerm 4.14 and hashicorp/azuread 3.0
schemas as far as they could be established without the providers (see
README.md, "How plan.json is made"). Object attributes and map keys are
written in Terraform's order (sorted) by `_terraform_order`, so declarations
need not be.

Usage:  python examples/azure-stack/build_plan.py
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _plan_builder import UL, UM, Plan, S, U, c, r  # noqa: E402

TERRAFORM_VERSION = "1.10.3"
TIMESTAMP = "2025-01-21T09:14:37Z"

SUBSCRIPTION_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TENANT_ID = "11111111-2222-3333-4444-555555555555"
LOCATION = "eastus2"
RESOURCE_GROUP = "rg-acme-ml-prod"

SUBSCRIPTION_SCOPE = f"/subscriptions/{SUBSCRIPTION_ID}"
RG_ID = f"{SUBSCRIPTION_SCOPE}/resourceGroups/{RESOURCE_GROUP}"
TFSTATE_ACCOUNT_ID = f"{RG_ID}/providers/Microsoft.Storage/storageAccounts/stacmemltfstate"
TFSTATE_CONTAINER_ID = f"{TFSTATE_ACCOUNT_ID}/blobServices/default/containers/tfstate"

# The platform administrator who runs the plan (az login): the Azure CLI's
# client id and the administrator's object id.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ADMIN_OBJECT_ID = "6d5a4c3b-2e1f-4a0b-9c8d-7e6f5a4b3c2d"
AKS_ADMIN_GROUP_ID = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

# Built-in role AcrPull (same GUID in every subscription).
ACR_PULL_ROLE_ID = (
    f"{SUBSCRIPTION_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/"
    "7f951dda-4ed3-4680-a7ca-43fe172d538d"
)

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"

CANARY = "IACGUARD-CANARY-AZURE-OPENAI-5c1a2b"

PROVIDERS = {
    "azurerm": "registry.terraform.io/hashicorp/azurerm",
    "azuread": "registry.terraform.io/hashicorp/azuread",
}

# Schema versions of the resource types used (azurerm 4.14, azuread 3.0);
# every other type is 0.
SCHEMA_VERSIONS = {
    "azurerm_application_insights": 1,
    "azurerm_container_registry": 2,
    "azurerm_key_vault": 2,
    "azurerm_kubernetes_cluster": 2,
    "azurerm_kubernetes_cluster_node_pool": 1,
    "azurerm_log_analytics_workspace": 3,
    "azurerm_role_definition": 1,
    "azurerm_storage_account": 4,
    "azurerm_storage_container": 1,
    "azurerm_user_assigned_identity": 1,
    "azuread_application": 2,
    "azuread_application_password": 1,
    "azuread_service_principal": 1,
}

TAGS = {"environment": "prod", "managed-by": "terraform", "team": "ml-platform"}


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

PLAN = Plan(terraform_version=TERRAFORM_VERSION, timestamp=TIMESTAMP, providers=PROVIDERS,
            schema_versions=SCHEMA_VERSIONS, default_provider="azurerm")


def _terraform_order(value: Any) -> Any:
    """Object attributes and map keys sorted, as Terraform prints them; marked
    values and expressions keep their identity."""
    if isinstance(value, S):
        return S(_terraform_order(value.value))
    if isinstance(value, dict) and not ("references" in value or "constant_value" in value):
        return {k: _terraform_order(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_terraform_order(v) for v in value]
    return value


def R(address: str, action: str, *, before: Any = None, after: Any = None, **kwargs: Any) -> None:
    """Declare one resource instance."""
    PLAN.resource(address, action, before=_terraform_order(before),
                  after=_terraform_order(after), **kwargs)


def cfg(address: str, expressions: dict | None = None, **kwargs: Any) -> dict:
    """One configuration block."""
    return PLAN.block(address, _terraform_order(expressions) if expressions else None, **kwargs)


# ---------------------------------------------------------------------------
# Shapes shared by several resources
# ---------------------------------------------------------------------------

def user_assigned_identity(name: str) -> dict:
    """A new azurerm_user_assigned_identity: client_id, principal_id (the object
    id that role assignments name), tenant_id and id are known after apply."""
    return {
        "client_id": U,
        "id": U,
        "location": LOCATION,
        "name": name,
        "principal_id": U,
        "resource_group_name": RESOURCE_GROUP,
        "tags": TAGS,
        "tenant_id": U,
        "timeouts": None,
    }


def federated_credential(name: str, issuer: Any, subject: str) -> dict:
    """A new azurerm_federated_identity_credential (parent_id is the identity's
    id, unknown until the identity exists)."""
    return {
        "audience": [TOKEN_EXCHANGE_AUDIENCE],
        "id": U,
        "issuer": issuer,
        "name": name,
        "parent_id": U,
        "resource_group_name": RESOURCE_GROUP,
        "subject": subject,
        "timeouts": None,
    }


def role_assignment(scope: Any, principal_id: Any, *, role_name: str | None = None,
                    role_id: Any = None, condition: str | None = None,
                    skip_aad_check: bool | None = None) -> dict:
    """A new azurerm_role_assignment. Exactly one of role_definition_name and
    role_definition_id is configured; the provider computes the other (unknown
    in the plan). name (a GUID), principal_type and, without a condition,
    condition_version are computed too."""
    return {
        "condition": condition,
        "condition_version": "2.0" if condition else U,
        "delegated_managed_identity_resource_id": None,
        "description": None,
        "id": U,
        "name": U,
        "principal_id": principal_id,
        "principal_type": U,
        "role_definition_id": role_id if role_id is not None else U,
        "role_definition_name": role_name if role_name is not None else U,
        "scope": scope,
        "skip_service_principal_aad_check": U if skip_aad_check is None else skip_aad_check,
        "timeouts": None,
    }


def new_container(name: str, access_type: str) -> dict:
    """A new azurerm_storage_container of a new account (storage_account_id is
    unknown, so are the ids: both `id` and `resource_manager_id` are the
    container's resource manager id when storage_account_id is used)."""
    return {
        "container_access_type": access_type,
        "default_encryption_scope": U,
        "encryption_scope_override_enabled": True,
        "has_immutability_policy": U,
        "has_legal_hold": U,
        "id": U,
        "metadata": UM,
        "name": name,
        "resource_manager_id": U,
        "storage_account_id": U,
        "storage_account_name": U,
        "timeouts": None,
    }


def _endpoints(account: str | None) -> dict:
    """The primary_* / secondary_* endpoint attributes of a storage account:
    unknown for a new account (account None); for the existing zone-redundant
    state account, the primary endpoints and empty secondary ones."""
    services = ("blob", "dfs", "file", "queue", "table", "web")
    internet = ("blob", "dfs", "file", "web")
    out: dict[str, Any] = {}
    for tier in ("primary", "secondary"):
        for svc in services:
            names = [f"{tier}_{svc}_endpoint", f"{tier}_{svc}_host",
                     f"{tier}_{svc}_microsoft_endpoint", f"{tier}_{svc}_microsoft_host"]
            if svc in internet:
                names += [f"{tier}_{svc}_internet_endpoint", f"{tier}_{svc}_internet_host"]
            for n in names:
                out[n] = U if account is None else ""
        out[f"{tier}_location"] = U if account is None else ""
    if account is not None:
        for svc in services:
            host = (f"{account}.z20.web.core.windows.net" if svc == "web"
                    else f"{account}.{svc}.core.windows.net")
            out[f"primary_{svc}_host"] = host
            out[f"primary_{svc}_endpoint"] = f"https://{host}/"
        out["primary_location"] = LOCATION
    return out


def storage_account_defaults() -> dict:
    """The attributes of an azurerm_storage_account that both accounts leave at
    the provider's defaults."""
    return {
        "account_kind": "StorageV2",
        "azure_files_authentication": [],
        "cross_tenant_replication_enabled": False,
        "custom_domain": [],
        "customer_managed_key": [],
        "dns_endpoint_type": "Standard",
        "https_traffic_only_enabled": True,
        "identity": [],
        "immutability_policy": [],
        "infrastructure_encryption_enabled": False,
        "is_hns_enabled": False,
        "local_user_enabled": True,
        "location": LOCATION,
        "min_tls_version": "TLS1_2",
        "nfsv3_enabled": False,
        "public_network_access_enabled": True,
        "queue_encryption_key_type": "Service",
        "resource_group_name": RESOURCE_GROUP,
        "sas_policy": [],
        "sftp_enabled": False,
        "static_website": [],
        "table_encryption_key_type": "Service",
        "timeouts": None,
    }


def key_vault(name: str, *, rbac: bool, purge_protection: bool, retention_days: int) -> dict:
    """A new azurerm_key_vault. access_policy is Optional+Computed (set by
    separate azurerm_key_vault_access_policy resources): unknown."""
    return {
        "access_policy": UL,
        "contact": [],
        "enable_rbac_authorization": rbac,
        "enabled_for_deployment": None,
        "enabled_for_disk_encryption": None,
        "enabled_for_template_deployment": None,
        "id": U,
        "location": LOCATION,
        "name": name,
        "network_acls": UL,
        "public_network_access_enabled": True,
        "purge_protection_enabled": purge_protection,
        "resource_group_name": RESOURCE_GROUP,
        "sku_name": "standard",
        "soft_delete_retention_days": retention_days,
        "tags": TAGS,
        "tenant_id": TENANT_ID,
        "timeouts": None,
        "vault_uri": U,
    }


def key_vault_secret(name: str, value: Any) -> dict:
    """A new azurerm_key_vault_secret (value is sensitive in the schema)."""
    return {
        "content_type": "text/plain",
        "expiration_date": None,
        "id": U,
        "key_vault_id": U,
        "name": name,
        "not_before_date": None,
        "resource_id": U,
        "resource_versionless_id": U,
        "tags": None,
        "timeouts": None,
        "value": S(value),
        "version": U,
        "versionless_id": U,
    }


def access_policy(object_id: Any, secret_permissions: list[str]) -> dict:
    """A new azurerm_key_vault_access_policy with secret permissions only."""
    return {
        "application_id": None,
        "certificate_permissions": None,
        "id": U,
        "key_permissions": None,
        "key_vault_id": U,
        "object_id": object_id,
        "secret_permissions": secret_permissions,
        "storage_permissions": None,
        "tenant_id": TENANT_ID,
        "timeouts": None,
    }


def new_identity_block(type_: str, identity_ids: Any = None) -> list:
    """The `identity` block of a new resource: principal_id and tenant_id are
    computed (unknown)."""
    return [{"identity_ids": identity_ids, "principal_id": U, "tenant_id": U, "type": type_}]


# ---------------------------------------------------------------------------
# Resource instances. Order does not matter: output is sorted as Terraform
# sorts it.
# ---------------------------------------------------------------------------

# --- Resource group (created by the bootstrap apply) ---------------------------

R("azurerm_resource_group.ml", "no-op", before={
    "id": RG_ID,
    "location": LOCATION,
    "managed_by": "",
    "name": RESOURCE_GROUP,
    "tags": TAGS,
    "timeouts": None,
})

# --- Managed identities and federation ------------------------------------------

R("azurerm_user_assigned_identity.inference", "create", after=user_assigned_identity("id-inference"))
R("azurerm_user_assigned_identity.agent", "create", after=user_assigned_identity("id-agent"))
R("azurerm_user_assigned_identity.trainer", "create", after=user_assigned_identity("id-trainer"))
R("azurerm_user_assigned_identity.deployer", "create", after=user_assigned_identity("id-deployer"))

# The issuer is the new cluster's oidc_issuer_url: unknown.
R("azurerm_federated_identity_credential.inference_vllm", "create", after=federated_credential(
    "aks-inference-vllm", U, "system:serviceaccount:inference:vllm"))
R("azurerm_federated_identity_credential.agent_support_agent", "create", after=federated_credential(
    "aks-agents-support-agent", U, "system:serviceaccount:agents:support-agent"))
# FLAW 3: any pull request's workflow.
R("azurerm_federated_identity_credential.deployer_github", "create", after=federated_credential(
    "github-ml-infra", GITHUB_ISSUER, "repo:acme/ml-infra:pull_request"))

# --- AKS ------------------------------------------------------------------------

R("azurerm_kubernetes_cluster.aks", "create", after={
    "aci_connector_linux": [],
    "api_server_access_profile": [],
    "auto_scaler_profile": UL,
    "automatic_upgrade_channel": None,
    "azure_active_directory_role_based_access_control": [{
        "admin_group_object_ids": [AKS_ADMIN_GROUP_ID],
        "azure_rbac_enabled": True,
        "tenant_id": U,
    }],
    "azure_policy_enabled": None,
    "confidential_computing": [],
    "cost_analysis_enabled": None,
    "current_kubernetes_version": U,
    "custom_ca_trust_certificates_base64": None,
    "default_node_pool": [{
        "auto_scaling_enabled": True,
        "capacity_reservation_group_id": None,
        "fips_enabled": None,
        "gpu_instance": None,
        "host_encryption_enabled": None,
        "host_group_id": None,
        "kubelet_config": [],
        "kubelet_disk_type": U,
        "linux_os_config": [],
        "max_count": 3,
        "max_pods": U,
        "min_count": 1,
        "name": "system",
        "node_count": U,
        "node_labels": UM,
        "node_network_profile": [],
        "node_public_ip_enabled": None,
        "node_public_ip_prefix_id": None,
        "only_critical_addons_enabled": None,
        "orchestrator_version": U,
        "os_disk_size_gb": U,
        "os_disk_type": "Managed",
        "os_sku": U,
        "pod_subnet_id": None,
        "proximity_placement_group_id": None,
        "scale_down_mode": "Delete",
        "snapshot_id": None,
        "tags": None,
        "temporary_name_for_rotation": None,
        "type": "VirtualMachineScaleSets",
        "ultra_ssd_enabled": False,
        "upgrade_settings": [],
        "vm_size": "Standard_D4s_v5",
        "vnet_subnet_id": None,
        "workload_runtime": U,
        "zones": None,
    }],
    "disk_encryption_set_id": None,
    "dns_prefix": "aks-acme-ml",
    "dns_prefix_private_cluster": None,
    "edge_zone": None,
    "fqdn": U,
    "http_application_routing_enabled": None,
    "http_application_routing_zone_name": U,
    "http_proxy_config": [],
    "id": U,
    # The control plane's system-assigned identity.
    "identity": new_identity_block("SystemAssigned"),
    "image_cleaner_enabled": None,
    "image_cleaner_interval_hours": None,
    "ingress_application_gateway": [],
    "key_management_service": [],
    "key_vault_secrets_provider": [],
    "kube_admin_config": S(UL),
    "kube_admin_config_raw": S(U),
    "kube_config": S(UL),
    "kube_config_raw": S(U),
    # Optional+Computed and not configured: AKS creates the kubelet identity
    # (aks-acme-ml-agentpool in the node resource group); its client_id,
    # object_id and user_assigned_identity_id are all unknown.
    "kubelet_identity": UL,
    "kubernetes_version": "1.30",
    "linux_profile": [],
    "local_account_disabled": True,
    "location": LOCATION,
    "maintenance_window": [],
    "maintenance_window_auto_upgrade": [],
    "maintenance_window_node_os": [],
    "microsoft_defender": [],
    "monitor_metrics": [],
    "name": "aks-acme-ml",
    "network_profile": [{
        "dns_service_ip": U,
        "ip_versions": UL,
        "load_balancer_profile": UL,
        "load_balancer_sku": "standard",
        "nat_gateway_profile": UL,
        "network_data_plane": "cilium",
        "network_mode": U,
        "network_plugin": "azure",
        "network_plugin_mode": "overlay",
        "network_policy": "cilium",
        "outbound_type": "loadBalancer",
        "pod_cidr": U,
        "pod_cidrs": UL,
        "service_cidr": U,
        "service_cidrs": UL,
    }],
    "node_os_upgrade_channel": "NodeImage",
    "node_resource_group": U,
    "node_resource_group_id": U,
    "oidc_issuer_enabled": True,
    "oidc_issuer_url": U,
    "oms_agent": [],
    "open_service_mesh_enabled": None,
    "portal_fqdn": U,
    "private_cluster_enabled": False,
    "private_cluster_public_fqdn_enabled": False,
    "private_dns_zone_id": U,
    "private_fqdn": U,
    "resource_group_name": RESOURCE_GROUP,
    "role_based_access_control_enabled": True,
    "run_command_enabled": True,
    "service_mesh_profile": [],
    "service_principal": [],
    "sku_tier": "Standard",
    "storage_profile": [],
    "support_plan": "KubernetesOfficial",
    "tags": TAGS,
    "timeouts": None,
    "upgrade_override": [],
    "web_app_routing": [],
    "windows_profile": UL,
    "workload_autoscaler_profile": [],
    "workload_identity_enabled": True,
})

R("azurerm_kubernetes_cluster_node_pool.gpu", "create", after={
    "auto_scaling_enabled": True,
    "capacity_reservation_group_id": None,
    "eviction_policy": None,
    "fips_enabled": None,
    "gpu_instance": None,
    "host_encryption_enabled": None,
    "host_group_id": None,
    "id": U,
    "kubelet_config": [],
    "kubelet_disk_type": U,
    "kubernetes_cluster_id": U,
    "linux_os_config": [],
    "max_count": 4,
    "max_pods": U,
    "min_count": 0,
    "mode": "User",
    "name": "gpu",
    "node_count": U,
    "node_labels": {"workload": "gpu"},
    "node_network_profile": [],
    "node_public_ip_enabled": None,
    "node_public_ip_prefix_id": None,
    "node_taints": ["nvidia.com/gpu=present:NoSchedule"],
    "orchestrator_version": U,
    "os_disk_size_gb": U,
    "os_disk_type": "Managed",
    "os_sku": U,
    "os_type": "Linux",
    "pod_subnet_id": None,
    "priority": "Regular",
    "proximity_placement_group_id": None,
    "scale_down_mode": "Delete",
    "snapshot_id": None,
    "spot_max_price": -1,
    "tags": TAGS,
    "temporary_name_for_rotation": None,
    "timeouts": None,
    "ultra_ssd_enabled": False,
    "upgrade_settings": [],
    "vm_size": "Standard_NC24ads_A100_v4",
    "vnet_subnet_id": None,
    "windows_profile": [],
    "workload_runtime": U,
    "zones": None,
})

R("azurerm_container_registry.ml", "create", after={
    "admin_enabled": False,
    "admin_password": S(U),
    "admin_username": U,
    "anonymous_pull_enabled": None,
    "data_endpoint_enabled": None,
    "encryption": UL,
    "export_policy_enabled": True,
    "georeplications": [],
    "id": U,
    "identity": [],
    "location": LOCATION,
    "login_server": U,
    "name": "acracmeml",
    "network_rule_bypass_option": "AzureServices",
    "network_rule_set": UL,
    "public_network_access_enabled": True,
    "quarantine_policy_enabled": None,
    "resource_group_name": RESOURCE_GROUP,
    "retention_policy_in_days": None,
    "sku": "Premium",
    "tags": TAGS,
    "timeouts": None,
    "trust_policy_enabled": False,
    "zone_redundancy_enabled": False,
})

# --- Azure OpenAI and monitoring -------------------------------------------------

# FLAW 4: local_auth_enabled (API keys) and public_network_access_enabled.
R("azurerm_cognitive_account.openai", "create", after={
    "custom_question_answering_search_service_id": None,
    "custom_question_answering_search_service_key": S(None),
    "custom_subdomain_name": "oai-acme-ml",
    "customer_managed_key": [],
    "dynamic_throttling_enabled": None,
    "endpoint": U,
    "fqdns": None,
    "id": U,
    "identity": [],
    "kind": "OpenAI",
    "local_auth_enabled": True,
    "location": LOCATION,
    "metrics_advisor_aad_client_id": None,
    "metrics_advisor_aad_tenant_id": None,
    "metrics_advisor_super_user_name": None,
    "metrics_advisor_website_name": None,
    "name": "oai-acme-ml",
    "network_acls": [],
    "outbound_network_access_restricted": False,
    "primary_access_key": S(U),
    "public_network_access_enabled": True,
    "qna_runtime_endpoint": None,
    "resource_group_name": RESOURCE_GROUP,
    "secondary_access_key": S(U),
    "sku_name": "S0",
    "storage": [],
    "tags": TAGS,
    "timeouts": None,
})

R("azurerm_cognitive_deployment.gpt4o", "create", after={
    "cognitive_account_id": U,
    "dynamic_throttling_enabled": None,
    "id": U,
    "model": [{"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"}],
    "name": "gpt-4o",
    "rai_policy_name": "Microsoft.DefaultV2",
    "sku": [{"capacity": 50, "family": None, "name": "GlobalStandard", "size": None, "tier": None}],
    "timeouts": None,
    "version_upgrade_option": "OnceNewDefaultVersionAvailable",
})

R("azurerm_log_analytics_workspace.ml", "create", after={
    "allow_resource_only_permissions": True,
    "cmk_for_query_forced": None,
    "daily_quota_gb": -1,
    "data_collection_rule_id": None,
    "id": U,
    "identity": [],
    "immediate_data_purge_on_30_days_enabled": None,
    "internet_ingestion_enabled": True,
    "internet_query_enabled": True,
    "local_authentication_disabled": False,
    "location": LOCATION,
    "name": "log-acme-ml",
    "primary_shared_key": S(U),
    "reservation_capacity_in_gb_per_day": None,
    "resource_group_name": RESOURCE_GROUP,
    "retention_in_days": 90,
    "secondary_shared_key": S(U),
    "sku": "PerGB2018",
    "tags": TAGS,
    "timeouts": None,
    "workspace_id": U,
})

R("azurerm_application_insights.ml", "create", after={
    "app_id": U,
    "application_type": "other",
    "connection_string": S(U),
    "daily_data_cap_in_gb": U,
    "daily_data_cap_notifications_disabled": U,
    "disable_ip_masking": False,
    "force_customer_storage_for_profiler": False,
    "id": U,
    "instrumentation_key": S(U),
    "internet_ingestion_enabled": True,
    "internet_query_enabled": True,
    "local_authentication_disabled": False,
    "location": LOCATION,
    "name": "appi-acme-ml",
    "resource_group_name": RESOURCE_GROUP,
    "retention_in_days": 90,
    "sampling_percentage": 100,
    "tags": TAGS,
    "timeouts": None,
    "workspace_id": U,
})

R("azurerm_monitor_diagnostic_setting.openai", "create", after={
    "enabled_log": [{"category": None, "category_group": "allLogs", "retention_policy": []}],
    "eventhub_authorization_rule_id": None,
    "eventhub_name": None,
    "id": U,
    "log_analytics_destination_type": U,
    "log_analytics_workspace_id": U,
    "metric": [{"category": "AllMetrics", "enabled": True, "retention_policy": []}],
    "name": "openai-to-log-analytics",
    "partner_solution_id": None,
    "storage_account_id": None,
    "target_resource_id": U,
    "timeouts": None,
})

# --- Storage -----------------------------------------------------------------------

# FLAW 6: allow_nested_items_to_be_public = true.
R("azurerm_storage_account.training", "create", after={
    **storage_account_defaults(),
    **_endpoints(None),
    "access_tier": U,
    "account_replication_type": "ZRS",
    "account_tier": "Standard",
    "allow_nested_items_to_be_public": True,
    "allowed_copy_scope": None,
    "blob_properties": [{
        "change_feed_enabled": False,
        "change_feed_retention_in_days": None,
        "container_delete_retention_policy": [],
        "cors_rule": [],
        "default_service_version": U,
        "delete_retention_policy": [{"days": 30, "permanent_delete_enabled": False}],
        "last_access_time_enabled": False,
        "restore_policy": [],
        "versioning_enabled": True,
    }],
    "default_to_oauth_authentication": False,
    "edge_zone": None,
    "id": U,
    "large_file_share_enabled": U,
    "name": "stacmemltrain",
    "network_rules": UL,
    "primary_access_key": S(U),
    "primary_blob_connection_string": S(U),
    "primary_connection_string": S(U),
    "queue_properties": UL,
    "routing": UL,
    "secondary_access_key": S(U),
    "secondary_blob_connection_string": S(U),
    "secondary_connection_string": S(U),
    "share_properties": UL,
    "shared_access_key_enabled": True,
    "tags": TAGS,
})

R("azurerm_storage_container.training_data", "create", after=new_container("training-data", "private"))
# FLAW 6: anonymous read of every blob.
R("azurerm_storage_container.model_artifacts", "create", after=new_container("model-artifacts", "blob"))

# The state account, created by the bootstrap apply. Its keys are placeholders
# (see README.md, "Known simplifications"); they are sensitive like real keys.
TFSTATE_KEY1 = "IACGUARD-PLACEHOLDER-TFSTATE-KEY1"
TFSTATE_KEY2 = "IACGUARD-PLACEHOLDER-TFSTATE-KEY2"
R("azurerm_storage_account.tfstate", "no-op", before={
    **storage_account_defaults(),
    **_endpoints("stacmemltfstate"),
    "access_tier": "Hot",
    "account_replication_type": "ZRS",
    "account_tier": "Standard",
    "allow_nested_items_to_be_public": False,
    "allowed_copy_scope": "",
    "blob_properties": [{
        "change_feed_enabled": False,
        "change_feed_retention_in_days": 0,
        "container_delete_retention_policy": [{"days": 30}],
        "cors_rule": [],
        "default_service_version": "",
        "delete_retention_policy": [{"days": 30, "permanent_delete_enabled": False}],
        "last_access_time_enabled": False,
        "restore_policy": [],
        "versioning_enabled": True,
    }],
    "default_to_oauth_authentication": True,
    "edge_zone": "",
    "id": TFSTATE_ACCOUNT_ID,
    "large_file_share_enabled": False,
    "name": "stacmemltfstate",
    "network_rules": [{
        "bypass": ["AzureServices"],
        "default_action": "Allow",
        "ip_rules": [],
        "private_link_access": [],
        "virtual_network_subnet_ids": [],
    }],
    "primary_access_key": S(TFSTATE_KEY1),
    "primary_blob_connection_string": S(
        "DefaultEndpointsProtocol=https;BlobEndpoint=https://stacmemltfstate.blob.core.windows.net/;"
        f"AccountName=stacmemltfstate;AccountKey={TFSTATE_KEY1}"),
    "primary_connection_string": S(
        f"DefaultEndpointsProtocol=https;AccountName=stacmemltfstate;AccountKey={TFSTATE_KEY1};"
        "EndpointSuffix=core.windows.net"),
    "queue_properties": [],
    "routing": [],
    "secondary_access_key": S(TFSTATE_KEY2),
    "secondary_blob_connection_string": S(""),
    "secondary_connection_string": S(
        f"DefaultEndpointsProtocol=https;AccountName=stacmemltfstate;AccountKey={TFSTATE_KEY2};"
        "EndpointSuffix=core.windows.net"),
    "share_properties": [],
    "shared_access_key_enabled": False,
    "tags": {**TAGS, "data_class": "terraform-state"},
})

R("azurerm_storage_container.tfstate", "no-op", before={
    "container_access_type": "private",
    "default_encryption_scope": "$account-encryption-key",
    "encryption_scope_override_enabled": True,
    "has_immutability_policy": False,
    "has_legal_hold": False,
    "id": TFSTATE_CONTAINER_ID,
    "metadata": {},
    "name": "tfstate",
    "resource_manager_id": TFSTATE_CONTAINER_ID,
    "storage_account_id": TFSTATE_ACCOUNT_ID,
    "storage_account_name": "stacmemltfstate",
    "timeouts": None,
})

# --- Key Vaults and secrets ------------------------------------------------------------

R("azurerm_key_vault.ml", "create",
  after=key_vault("kv-acme-ml", rbac=True, purge_protection=True, retention_days=90))
R("azurerm_key_vault.legacy", "create",
  after=key_vault("kv-acme-legacy", rbac=False, purge_protection=False, retention_days=7))

# The canary: var.openai_api_key, printed and marked sensitive.
R("azurerm_key_vault_secret.openai_api_key", "create", after=key_vault_secret("openai-api-key", CANARY))
# The uploader's client secret, generated by Entra ID at apply: unknown and sensitive.
R("azurerm_key_vault_secret.uploader_client_secret", "create",
  after=key_vault_secret("batch-uploader-client-secret", U))

R("azurerm_key_vault_access_policy.legacy_terraform", "create", after=access_policy(
    ADMIN_OBJECT_ID, ["Get", "List", "Set", "Delete", "Recover", "Purge"]))
# FLAW 5: the agent's principal_id is unknown; its reference says who it is.
R("azurerm_key_vault_access_policy.legacy_agent", "create", after=access_policy(U, ["Get", "List"]))

# --- Azure Machine Learning ---------------------------------------------------------------

R("azurerm_machine_learning_workspace.mlw", "create", after={
    "application_insights_id": U,
    "container_registry_id": U,
    "description": None,
    "discovery_url": U,
    "encryption": [],
    "feature_store": [],
    "friendly_name": None,
    "high_business_impact": None,
    "id": U,
    "identity": new_identity_block("UserAssigned", [U]),
    "image_build_compute_name": None,
    "key_vault_id": U,
    "kind": "Default",
    "location": LOCATION,
    "managed_network": UL,
    "name": "mlw-acme",
    "primary_user_assigned_identity": U,
    "public_network_access_enabled": True,
    "resource_group_name": RESOURCE_GROUP,
    "serverless_compute": [],
    "sku_name": "Basic",
    "storage_account_id": U,
    "tags": TAGS,
    "timeouts": None,
    "v1_legacy_mode_enabled": False,
    "workspace_id": U,
})

R("azurerm_machine_learning_compute_cluster.gpu", "create", after={
    "description": None,
    "id": U,
    "identity": new_identity_block("SystemAssigned"),
    "local_auth_enabled": True,
    "location": LOCATION,
    "machine_learning_workspace_id": U,
    "name": "gpu-cluster",
    "node_public_ip_enabled": True,
    "scale_settings": [{
        "max_node_count": 2,
        "min_node_count": 0,
        "scale_down_nodes_after_idle_duration": "PT15M",
    }],
    "ssh": [],
    "ssh_public_access_enabled": U,
    "subnet_resource_id": None,
    "tags": TAGS,
    "timeouts": None,
    "vm_priority": "Dedicated",
    "vm_size": "Standard_NC24ads_A100_v4",
})

# --- Legacy batch uploader (azuread) ---------------------------------------------------------

R("azuread_application.uploader", "create", after={
    "api": UL,
    "app_role": [],
    "app_role_ids": UM,
    "client_id": U,
    "description": None,
    "device_only_auth_enabled": None,
    "disabled_by_microsoft": U,
    "display_name": "acme-ml-batch-uploader",
    "fallback_public_client_enabled": None,
    "feature_tags": UL,
    "group_membership_claims": None,
    "id": U,
    "identifier_uris": None,
    "logo_image": None,
    "logo_url": U,
    "marketing_url": None,
    "notes": None,
    "oauth2_permission_scope_ids": UM,
    "oauth2_post_response_required": None,
    "object_id": U,
    "optional_claims": [],
    "owners": [ADMIN_OBJECT_ID],
    "password": [],
    "prevent_duplicate_names": False,
    "privacy_statement_url": None,
    "public_client": [],
    "publisher_domain": U,
    "required_resource_access": [],
    "service_management_reference": None,
    "sign_in_audience": "AzureADMyOrg",
    "single_page_application": [],
    "support_url": None,
    "tags": UL,
    "template_id": U,
    "terms_of_service_url": None,
    "timeouts": None,
    "web": [],
})

R("azuread_service_principal.uploader", "create", after={
    "account_enabled": True,
    "alternative_names": None,
    "app_role_assignment_required": False,
    "app_role_ids": UM,
    "app_roles": UL,
    "application_tenant_id": U,
    "client_id": U,
    "description": None,
    "display_name": U,
    "feature_tags": UL,
    "features": UL,
    "homepage_url": U,
    "id": U,
    "login_url": None,
    "logout_url": U,
    "notes": None,
    "notification_email_addresses": None,
    "oauth2_permission_scope_ids": UM,
    "oauth2_permission_scopes": UL,
    "object_id": U,
    "owners": [ADMIN_OBJECT_ID],
    "preferred_single_sign_on_mode": None,
    "redirect_uris": UL,
    "saml_metadata_url": U,
    "saml_single_sign_on": [],
    "service_principal_names": UL,
    "sign_in_audience": U,
    "tags": UL,
    "timeouts": None,
    "type": U,
    "use_existing": None,
})

# FLAW 9: the client secret (value generated by Entra ID: unknown, sensitive).
R("azuread_application_password.uploader", "create", after={
    "application_id": U,
    "display_name": "batch-uploader",
    "end_date": "2026-12-31T00:00:00Z",
    "id": U,
    "key_id": U,
    "rotate_when_changed": None,
    "start_date": U,
    "timeouts": None,
    "value": S(U),
})

# --- Custom role ----------------------------------------------------------------------------

# Scoped to the (existing) resource group: scope and assignable_scopes are known;
# role_definition_id (a GUID chosen at apply) and role_definition_resource_id are not.
R("azurerm_role_definition.ml_data_reader", "create", after={
    "assignable_scopes": [RG_ID],
    "description": "Read the training data and model artifacts",
    "id": U,
    "name": "ml-data-reader",
    "permissions": [{
        "actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"],
        "data_actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
        "not_actions": None,
        "not_data_actions": None,
    }],
    "role_definition_id": U,
    "role_definition_resource_id": U,
    "scope": RG_ID,
    "timeouts": None,
})

# --- Role assignments ------------------------------------------------------------------------
# principal_id of a new identity is unknown (its reference says which); the
# scope is unknown for a new resource and known for the resource group, the
# subscription and the state account.

TRAINER_CHECKPOINTS_CONDITION = (
    "(\n"
    " (\n"
    "  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})\n"
    "  AND\n"
    "  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'})\n"
    " )\n"
    " OR\n"
    " (\n"
    "  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'model-artifacts'\n"
    "  AND\n"
    "  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'checkpoints/'\n"
    " )\n"
    ")\n"
)

ROLE_ASSIGNMENTS = {
    # FLAW 1
    "inference_training_data": role_assignment(U, U, role_name="Storage Blob Data Contributor"),
    "inference_model_artifacts": role_assignment(U, U, role_name="Storage Blob Data Reader"),
    "inference_openai": role_assignment(U, U, role_name="Cognitive Services OpenAI User"),
    "agent_openai": role_assignment(U, U, role_name="Cognitive Services OpenAI User"),
    # FLAW 5
    "agent_key_vault": role_assignment(U, U, role_name="Key Vault Secrets User"),
    # FLAW 2
    "trainer_resource_group": role_assignment(RG_ID, U, role_name="Contributor"),
    # Note 8: a custom role, known only after apply.
    "trainer_ml_data_reader": role_assignment(U, U, role_id=U),
    # Note 8: a conditional assignment.
    "trainer_checkpoints": role_assignment(U, U, role_name="Storage Blob Data Contributor",
                                           condition=TRAINER_CHECKPOINTS_CONDITION),
    # FLAW 3
    "deployer_subscription": role_assignment(SUBSCRIPTION_SCOPE, U, role_name="Owner"),
    "deployer_tfstate": role_assignment(TFSTATE_ACCOUNT_ID, U, role_name="Storage Blob Data Owner"),
    # FLAW 7
    "kubelet_acr_pull": role_assignment(U, U, role_id=ACR_PULL_ROLE_ID, skip_aad_check=True),
    "kubelet_training_reader": role_assignment(U, U, role_name="Storage Blob Data Reader"),
    "compute_training_data": role_assignment(U, U, role_name="Storage Blob Data Reader"),
    # FLAW 9
    "uploader_training_data": role_assignment(U, U, role_name="Storage Blob Data Contributor"),
    "terraform_key_vault": role_assignment(U, ADMIN_OBJECT_ID, role_name="Key Vault Secrets Officer"),
}

for _name, _value in ROLE_ASSIGNMENTS.items():
    R(f"azurerm_role_assignment.{_name}", "create", after=_value)


# ---------------------------------------------------------------------------
# Data sources read during planning (config fully known): prior_state only
# ---------------------------------------------------------------------------

# NOTE: azurerm 4.x sets the id of data.azurerm_client_config to the base64 of
# "clientConfigs/clientId=...;objectId=...;subscriptionId=...;tenantId=...".
_CLIENT_CONFIG_ID = base64.b64encode(
    f"clientConfigs/clientId={AZURE_CLI_CLIENT_ID};objectId={ADMIN_OBJECT_ID};"
    f"subscriptionId={SUBSCRIPTION_ID};tenantId={TENANT_ID}".encode()
).decode()

PLAN.prior_data = {
    "data.azurerm_client_config.current": _terraform_order({
        "client_id": AZURE_CLI_CLIENT_ID,
        "id": _CLIENT_CONFIG_ID,
        "object_id": ADMIN_OBJECT_ID,
        "subscription_id": SUBSCRIPTION_ID,
        "tenant_id": TENANT_ID,
        "timeouts": None,
    }),
    "data.azurerm_subscription.current": _terraform_order({
        "display_name": "acme-ml-prod",
        "id": SUBSCRIPTION_SCOPE,
        "location_placement_id": "Public_2014-09-01",
        "quota_id": "EnterpriseAgreement_2014-09-01",
        "spending_limit": "Off",
        "state": "Enabled",
        "subscription_id": SUBSCRIPTION_ID,
        "tags": {},
        "tenant_id": TENANT_ID,
        "timeouts": None,
    }),
}


# ---------------------------------------------------------------------------
# Configuration (what `terraform show -json` prints under "configuration")
# ---------------------------------------------------------------------------

PLAN.provider_config = {
    "azuread": {
        "name": "azuread",
        "full_name": PROVIDERS["azuread"],
        "version_constraint": "~> 3.0",
        "expressions": {"tenant_id": c(TENANT_ID)},
    },
    "azurerm": {
        "name": "azurerm",
        "full_name": PROVIDERS["azurerm"],
        "version_constraint": "~> 4.14",
        "expressions": {
            "features": [{}],
            "storage_use_azuread": c(True),
            "subscription_id": c(SUBSCRIPTION_ID),
        },
    },
}

PLAN.locals = {
    "acr_pull_role_definition_id": r("data.azurerm_subscription.current.id"),
    "tags": c(TAGS),
    "token_exchange_audience": c(TOKEN_EXCHANGE_AUDIENCE),
}

PLAN.root_variables = {
    "aks_admin_group_object_id": {
        "description": "Object id of the Entra ID group whose members administer the AKS cluster (Azure RBAC for Kubernetes).",
    },
    "github_repository": {
        "description": "GitHub repository (owner/name) whose Actions workflows deploy this configuration.",
    },
    "location": {
        "default": LOCATION,
        "description": "Azure region of every resource of the platform.",
    },
    "openai_api_key": {
        "description": "OpenAI API key used by the support agent as a fallback model. Supply via TF_VAR_openai_api_key.",
        "sensitive": True,
    },
}

# terraform.tfvars + TF_VAR_openai_api_key. Terraform prints sensitive variable
# values here in clear text, as it does in real plans.
PLAN.variable_values = {
    "aks_admin_group_object_id": AKS_ADMIN_GROUP_ID,
    "github_repository": "acme/ml-infra",
    "location": LOCATION,
    "openai_api_key": CANARY,
}

PLAN.root_outputs = {
    "agent_client_id": r("azurerm_user_assigned_identity.agent.client_id"),
    "aks_cluster_name": r("azurerm_kubernetes_cluster.aks.name"),
    "aks_oidc_issuer_url": r("azurerm_kubernetes_cluster.aks.oidc_issuer_url"),
    "deployer_client_id": r("azurerm_user_assigned_identity.deployer.client_id"),
    "inference_client_id": r("azurerm_user_assigned_identity.inference.client_id"),
    "key_vault_uri": r("azurerm_key_vault.ml.vault_uri"),
    "openai_endpoint": r("azurerm_cognitive_account.openai.endpoint"),
}

# (before, after): nothing in the prior state; U = known after apply.
PLAN.output_values = {
    "agent_client_id": (None, U),
    "aks_cluster_name": (None, "aks-acme-ml"),
    "aks_oidc_issuer_url": (None, U),
    "deployer_client_id": (None, U),
    "inference_client_id": (None, U),
    "key_vault_uri": (None, U),
    "openai_endpoint": (None, U),
}

RG_LOCATION = "azurerm_resource_group.ml.location"
RG_NAME = "azurerm_resource_group.ml.name"
TENANT = "data.azurerm_client_config.current.tenant_id"


def in_rg(**expressions: Any) -> dict:
    """location and resource_group_name from azurerm_resource_group.ml, tags =
    local.tags, plus the block's own expressions."""
    return {
        "location": r(RG_LOCATION),
        "resource_group_name": r(RG_NAME),
        "tags": r("local.tags"),
        **expressions,
    }


def principal(identity: str) -> dict:
    """principal_id = azurerm_user_assigned_identity.NAME.principal_id."""
    return r(f"azurerm_user_assigned_identity.{identity}.principal_id")


def assignment(scope: dict, principal_id: dict, role: str | None = None, **extra: Any) -> dict:
    """The expressions of an azurerm_role_assignment block."""
    out = {"principal_id": principal_id, "scope": scope, **extra}
    if role is not None:
        out["role_definition_name"] = c(role)
    return out


PLAN.root_resources = [
    cfg("data.azurerm_client_config.current"),
    cfg("data.azurerm_subscription.current"),
    cfg("azurerm_resource_group.ml", {
        "location": r("var.location"),
        "name": c(RESOURCE_GROUP),
        "tags": r("local.tags"),
    }),
    # Managed identities and federation
    *(
        cfg(f"azurerm_user_assigned_identity.{name}", in_rg(name=c(f"id-{name}")))
        for name in ("inference", "agent", "trainer", "deployer")
    ),
    cfg("azurerm_federated_identity_credential.inference_vllm", {
        "audience": r("local.token_exchange_audience"),
        "issuer": r("azurerm_kubernetes_cluster.aks.oidc_issuer_url"),
        "name": c("aks-inference-vllm"),
        "parent_id": r("azurerm_user_assigned_identity.inference.id"),
        "resource_group_name": r(RG_NAME),
        "subject": c("system:serviceaccount:inference:vllm"),
    }),
    cfg("azurerm_federated_identity_credential.agent_support_agent", {
        "audience": r("local.token_exchange_audience"),
        "issuer": r("azurerm_kubernetes_cluster.aks.oidc_issuer_url"),
        "name": c("aks-agents-support-agent"),
        "parent_id": r("azurerm_user_assigned_identity.agent.id"),
        "resource_group_name": r(RG_NAME),
        "subject": c("system:serviceaccount:agents:support-agent"),
    }),
    cfg("azurerm_federated_identity_credential.deployer_github", {
        "audience": r("local.token_exchange_audience"),
        "issuer": c(GITHUB_ISSUER),
        "name": c("github-ml-infra"),
        "parent_id": r("azurerm_user_assigned_identity.deployer.id"),
        "resource_group_name": r(RG_NAME),
        "subject": r("var.github_repository"),
    }),
    # AKS
    cfg("azurerm_kubernetes_cluster.aks", in_rg(
        azure_active_directory_role_based_access_control=[{
            "admin_group_object_ids": r("var.aks_admin_group_object_id"),
            "azure_rbac_enabled": c(True),
        }],
        default_node_pool=[{
            "auto_scaling_enabled": c(True),
            "max_count": c(3),
            "min_count": c(1),
            "name": c("system"),
            "vm_size": c("Standard_D4s_v5"),
        }],
        dns_prefix=c("aks-acme-ml"),
        identity=[{"type": c("SystemAssigned")}],
        kubernetes_version=c("1.30"),
        local_account_disabled=c(True),
        name=c("aks-acme-ml"),
        network_profile=[{
            "network_data_plane": c("cilium"),
            "network_plugin": c("azure"),
            "network_plugin_mode": c("overlay"),
            "network_policy": c("cilium"),
        }],
        oidc_issuer_enabled=c(True),
        sku_tier=c("Standard"),
        workload_identity_enabled=c(True),
    )),
    cfg("azurerm_kubernetes_cluster_node_pool.gpu", {
        "auto_scaling_enabled": c(True),
        "kubernetes_cluster_id": r("azurerm_kubernetes_cluster.aks.id"),
        "max_count": c(4),
        "min_count": c(0),
        "name": c("gpu"),
        "node_labels": c({"workload": "gpu"}),
        "node_taints": c(["nvidia.com/gpu=present:NoSchedule"]),
        "tags": r("local.tags"),
        "vm_size": c("Standard_NC24ads_A100_v4"),
    }),
    cfg("azurerm_container_registry.ml", in_rg(
        admin_enabled=c(False), name=c("acracmeml"), sku=c("Premium"),
    )),
    # Azure OpenAI and monitoring
    cfg("azurerm_cognitive_account.openai", in_rg(
        custom_subdomain_name=c("oai-acme-ml"),
        kind=c("OpenAI"),
        local_auth_enabled=c(True),
        name=c("oai-acme-ml"),
        public_network_access_enabled=c(True),
        sku_name=c("S0"),
    )),
    cfg("azurerm_cognitive_deployment.gpt4o", {
        "cognitive_account_id": r("azurerm_cognitive_account.openai.id"),
        "model": [{"format": c("OpenAI"), "name": c("gpt-4o"), "version": c("2024-08-06")}],
        "name": c("gpt-4o"),
        "rai_policy_name": c("Microsoft.DefaultV2"),
        "sku": [{"capacity": c(50), "name": c("GlobalStandard")}],
    }),
    cfg("azurerm_log_analytics_workspace.ml", in_rg(
        name=c("log-acme-ml"), retention_in_days=c(90), sku=c("PerGB2018"),
    )),
    cfg("azurerm_application_insights.ml", in_rg(
        application_type=c("other"),
        name=c("appi-acme-ml"),
        workspace_id=r("azurerm_log_analytics_workspace.ml.id"),
    )),
    cfg("azurerm_monitor_diagnostic_setting.openai", {
        "enabled_log": [{"category_group": c("allLogs")}],
        "log_analytics_workspace_id": r("azurerm_log_analytics_workspace.ml.id"),
        "metric": [{"category": c("AllMetrics")}],
        "name": c("openai-to-log-analytics"),
        "target_resource_id": r("azurerm_cognitive_account.openai.id"),
    }),
    # Storage
    cfg("azurerm_storage_account.training", in_rg(
        account_replication_type=c("ZRS"),
        account_tier=c("Standard"),
        allow_nested_items_to_be_public=c(True),
        blob_properties=[{
            "delete_retention_policy": [{"days": c(30)}],
            "versioning_enabled": c(True),
        }],
        name=c("stacmemltrain"),
    )),
    cfg("azurerm_storage_container.training_data", {
        "container_access_type": c("private"),
        "name": c("training-data"),
        "storage_account_id": r("azurerm_storage_account.training.id"),
    }),
    cfg("azurerm_storage_container.model_artifacts", {
        "container_access_type": c("blob"),
        "name": c("model-artifacts"),
        "storage_account_id": r("azurerm_storage_account.training.id"),
    }),
    cfg("azurerm_storage_account.tfstate", in_rg(
        account_replication_type=c("ZRS"),
        account_tier=c("Standard"),
        allow_nested_items_to_be_public=c(False),
        blob_properties=[{
            "container_delete_retention_policy": [{"days": c(30)}],
            "delete_retention_policy": [{"days": c(30)}],
            "versioning_enabled": c(True),
        }],
        default_to_oauth_authentication=c(True),
        name=c("stacmemltfstate"),
        shared_access_key_enabled=c(False),
        # merge(local.tags, { data_class = "terraform-state" })
        tags=r("local.tags"),
    )),
    cfg("azurerm_storage_container.tfstate", {
        "container_access_type": c("private"),
        "name": c("tfstate"),
        "storage_account_id": r("azurerm_storage_account.tfstate.id"),
    }),
    # Key Vaults and secrets
    cfg("azurerm_key_vault.ml", in_rg(
        enable_rbac_authorization=c(True),
        name=c("kv-acme-ml"),
        purge_protection_enabled=c(True),
        sku_name=c("standard"),
        soft_delete_retention_days=c(90),
        tenant_id=r(TENANT),
    )),
    cfg("azurerm_key_vault_secret.openai_api_key", {
        "content_type": c("text/plain"),
        "key_vault_id": r("azurerm_key_vault.ml.id"),
        "name": c("openai-api-key"),
        "value": r("var.openai_api_key"),
    }, depends_on=["azurerm_role_assignment.terraform_key_vault"]),
    cfg("azurerm_key_vault.legacy", in_rg(
        enable_rbac_authorization=c(False),
        name=c("kv-acme-legacy"),
        purge_protection_enabled=c(False),
        sku_name=c("standard"),
        soft_delete_retention_days=c(7),
        tenant_id=r(TENANT),
    )),
    cfg("azurerm_key_vault_access_policy.legacy_terraform", {
        "key_vault_id": r("azurerm_key_vault.legacy.id"),
        "object_id": r("data.azurerm_client_config.current.object_id"),
        "secret_permissions": c(["Get", "List", "Set", "Delete", "Recover", "Purge"]),
        "tenant_id": r(TENANT),
    }),
    cfg("azurerm_key_vault_access_policy.legacy_agent", {
        "key_vault_id": r("azurerm_key_vault.legacy.id"),
        "object_id": principal("agent"),
        "secret_permissions": c(["Get", "List"]),
        "tenant_id": r(TENANT),
    }),
    cfg("azurerm_key_vault_secret.uploader_client_secret", {
        "content_type": c("text/plain"),
        "key_vault_id": r("azurerm_key_vault.legacy.id"),
        "name": c("batch-uploader-client-secret"),
        "value": r("azuread_application_password.uploader.value"),
    }, depends_on=["azurerm_key_vault_access_policy.legacy_terraform"]),
    # Azure Machine Learning
    cfg("azurerm_machine_learning_workspace.mlw", in_rg(
        application_insights_id=r("azurerm_application_insights.ml.id"),
        container_registry_id=r("azurerm_container_registry.ml.id"),
        identity=[{
            "identity_ids": r("azurerm_user_assigned_identity.trainer.id"),
            "type": c("UserAssigned"),
        }],
        key_vault_id=r("azurerm_key_vault.ml.id"),
        name=c("mlw-acme"),
        primary_user_assigned_identity=r("azurerm_user_assigned_identity.trainer.id"),
        storage_account_id=r("azurerm_storage_account.training.id"),
    )),
    cfg("azurerm_machine_learning_compute_cluster.gpu", {
        "identity": [{"type": c("SystemAssigned")}],
        "location": r(RG_LOCATION),
        "machine_learning_workspace_id": r("azurerm_machine_learning_workspace.mlw.id"),
        "name": c("gpu-cluster"),
        "scale_settings": [{
            "max_node_count": c(2),
            "min_node_count": c(0),
            "scale_down_nodes_after_idle_duration": c("PT15M"),
        }],
        "tags": r("local.tags"),
        "vm_priority": c("Dedicated"),
        "vm_size": c("Standard_NC24ads_A100_v4"),
    }),
    # Legacy batch uploader
    cfg("azuread_application.uploader", {
        "display_name": c("acme-ml-batch-uploader"),
        "owners": r("data.azurerm_client_config.current.object_id"),
    }, provider="azuread"),
    cfg("azuread_service_principal.uploader", {
        "client_id": r("azuread_application.uploader.client_id"),
        "owners": r("data.azurerm_client_config.current.object_id"),
    }, provider="azuread"),
    cfg("azuread_application_password.uploader", {
        "application_id": r("azuread_application.uploader.id"),
        "display_name": c("batch-uploader"),
        "end_date": c("2026-12-31T00:00:00Z"),
    }, provider="azuread"),
    # Custom role
    cfg("azurerm_role_definition.ml_data_reader", {
        "assignable_scopes": r("azurerm_resource_group.ml.id"),
        "description": c("Read the training data and model artifacts"),
        "name": c("ml-data-reader"),
        "permissions": [{
            "actions": c(["Microsoft.Storage/storageAccounts/blobServices/containers/read"]),
            "data_actions": c(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]),
        }],
        "scope": r("azurerm_resource_group.ml.id"),
    }),
    # Role assignments
    cfg("azurerm_role_assignment.inference_training_data", assignment(
        r("azurerm_storage_container.training_data.id"), principal("inference"),
        "Storage Blob Data Contributor")),
    cfg("azurerm_role_assignment.inference_model_artifacts", assignment(
        r("azurerm_storage_container.model_artifacts.id"), principal("inference"),
        "Storage Blob Data Reader")),
    cfg("azurerm_role_assignment.inference_openai", assignment(
        r("azurerm_cognitive_account.openai.id"), principal("inference"),
        "Cognitive Services OpenAI User")),
    cfg("azurerm_role_assignment.agent_openai", assignment(
        r("azurerm_cognitive_account.openai.id"), principal("agent"),
        "Cognitive Services OpenAI User")),
    cfg("azurerm_role_assignment.agent_key_vault", assignment(
        r("azurerm_key_vault.ml.id"), principal("agent"), "Key Vault Secrets User")),
    cfg("azurerm_role_assignment.trainer_resource_group", assignment(
        r("azurerm_resource_group.ml.id"), principal("trainer"), "Contributor")),
    cfg("azurerm_role_assignment.trainer_ml_data_reader", assignment(
        r("azurerm_storage_account.training.id"), principal("trainer"),
        role_definition_id=r("azurerm_role_definition.ml_data_reader.role_definition_resource_id"))),
    cfg("azurerm_role_assignment.trainer_checkpoints", assignment(
        r("azurerm_storage_account.training.id"), principal("trainer"),
        "Storage Blob Data Contributor",
        condition=c(TRAINER_CHECKPOINTS_CONDITION),
        condition_version=c("2.0"))),
    cfg("azurerm_role_assignment.deployer_subscription", assignment(
        r("data.azurerm_subscription.current.id"), principal("deployer"), "Owner")),
    cfg("azurerm_role_assignment.deployer_tfstate", assignment(
        r("azurerm_storage_account.tfstate.id"), principal("deployer"), "Storage Blob Data Owner")),
    cfg("azurerm_role_assignment.kubelet_acr_pull", assignment(
        r("azurerm_container_registry.ml.id"),
        r("azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id"),
        role_definition_id=r("local.acr_pull_role_definition_id"),
        skip_service_principal_aad_check=c(True))),
    cfg("azurerm_role_assignment.kubelet_training_reader", assignment(
        r("azurerm_storage_account.training.id"),
        r("azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id"),
        "Storage Blob Data Reader")),
    cfg("azurerm_role_assignment.compute_training_data", assignment(
        r("azurerm_storage_container.training_data.id"),
        r("azurerm_machine_learning_compute_cluster.gpu.identity[0].principal_id"),
        "Storage Blob Data Reader")),
    cfg("azurerm_role_assignment.uploader_training_data", assignment(
        r("azurerm_storage_container.training_data.resource_manager_id"),
        r("azuread_service_principal.uploader.object_id"),
        "Storage Blob Data Contributor")),
    cfg("azurerm_role_assignment.terraform_key_vault", assignment(
        r("azurerm_key_vault.ml.id"), r("data.azurerm_client_config.current.object_id"),
        "Key Vault Secrets Officer")),
]


def main() -> None:
    PLAN.write(Path(__file__).resolve().parent / "plan.json")


if __name__ == "__main__":
    main()
