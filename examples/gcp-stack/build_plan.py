#!/usr/bin/env python3
"""Write plan.json for the acme-ml GCP example: the JSON that `terraform show
-json` prints for a saved plan of main.tf (format_version 1.2), generated
rather than hand-kept.

Stdlib only and deterministic: running it twice gives byte-identical output.

Every resource is declared ONCE below (`R`), as its full planned value (and,
for the one resource that already exists, its prior value) with the markers
of examples/_plan_builder.py:

  U / UL / UM   value known only after apply (primitive / list or set / map or
                object): omitted from "after", true in after_unknown.
  S(value)      sensitive value: printed, and true in after_sensitive.

and every configuration block once (`cfg`), with the references Terraform
lists for each expression that reads another object (`r`), constants (`c`)
and function calls of literals (`e`). examples/_plan_builder.py, shared with
examples/ai-stack/build_plan.py, derives resource_changes, planned_values,
prior_state, configuration, output_changes and relevant_attributes from them.

The attribute sets follow the hashicorp/google 6.14 schemas as far as they
could be established without the provider (see README.md, "How plan.json is
made"). Object attributes and map keys are written in Terraform's order
(sorted) by `_terraform_order`, so declarations need not be.

Usage:  python examples/gcp-stack/build_plan.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _plan_builder import UL, UM, Plan, S, U, c, r  # noqa: E402

TERRAFORM_VERSION = "1.10.3"
TIMESTAMP = "2025-01-14T10:22:41Z"
PROJECT = "acme-ml-prod"
PROJECT_NUMBER = "123456789012"
REGION = "us-central1"
WORKLOAD_POOL = f"{PROJECT}.svc.id.goog"
CI_POOL = f"projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/ci"

PROVIDERS = {"google": "registry.terraform.io/hashicorp/google"}

# Schema versions of the resource types used (hashicorp/google 6.14); every
# other type is 0.
SCHEMA_VERSIONS = {
    "google_container_cluster": 2,
    "google_container_node_pool": 1,
    "google_storage_bucket": 3,
}

LABELS = {"environment": "prod", "managed-by": "terraform", "team": "ml-platform"}


def labels(data_class: str | None = None) -> dict:
    """local.labels, merged with a data_class label as the data stores use."""
    return {**LABELS, "data_class": data_class} if data_class else dict(LABELS)


def tf_labels(data_class: str | None = None) -> dict:
    """terraform_labels / effective_labels of a new resource: the configured
    labels and the attribution label provider 6.x adds on creation."""
    return {**labels(data_class), "goog-terraform-provisioned": "true"}


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

PLAN = Plan(terraform_version=TERRAFORM_VERSION, timestamp=TIMESTAMP, providers=PROVIDERS,
            schema_versions=SCHEMA_VERSIONS, default_provider="google")


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

def service_account(account_id: str, display_name: str, description: str) -> dict:
    """A new google_service_account: email, name, member, unique_id and id are
    only known after apply."""
    return {
        "account_id": account_id,
        "create_ignore_already_exists": None,
        "description": description,
        "disabled": False,
        "display_name": display_name,
        "email": U,
        "id": U,
        "member": U,
        "name": U,
        "project": U,
        "timeouts": None,
        "unique_id": U,
    }


def iam_member(role: str, member: Any, condition: dict | None = None, **parent: Any) -> dict:
    """A google_*_iam_member: the parent's attributes, role, member, condition."""
    return {
        **parent,
        "condition": [condition] if condition else [],
        "etag": U,
        "id": U,
        "member": member,
        "role": role,
    }


def iam_binding(role: str, members: list, **parent: Any) -> dict:
    """A google_*_iam_binding (authoritative for its role)."""
    return {**parent, "condition": [], "etag": U, "id": U, "members": members, "role": role}


def new_bucket(name: str, data_class: str, *, public_access_prevention: Any) -> dict:
    """A new google_storage_bucket, versioned and encrypted with the bucket key."""
    return {
        "autoclass": [],
        "cors": [],
        "custom_placement_config": [],
        "default_event_based_hold": None,
        "effective_labels": tf_labels(data_class),
        "enable_object_retention": None,
        # google_kms_crypto_key.buckets.id: unknown until the key exists.
        "encryption": [{"default_kms_key_name": U}],
        "force_destroy": False,
        "hierarchical_namespace": [],
        "id": U,
        "labels": labels(data_class),
        "lifecycle_rule": [],
        "location": "US-CENTRAL1",  # the schema's StateFunc upper-cases it
        "logging": [],
        "name": name,
        "project": U,
        "project_number": U,
        "public_access_prevention": public_access_prevention,
        "requester_pays": None,
        "retention_policy": [],
        "rpo": U,
        "self_link": U,
        "soft_delete_policy": UL,
        "storage_class": "STANDARD",
        "terraform_labels": tf_labels(data_class),
        "time_created": U,
        "timeouts": None,
        "uniform_bucket_level_access": True,
        "updated": U,
        "url": U,
        "versioning": [{"enabled": True}],
        "website": UL,
    }


def node_config(**configured: Any) -> dict:
    """node_config of a new google_container_node_pool: what the block sets, the
    rest as the provider plans it (computed attributes unknown)."""
    return {
        "advanced_machine_features": [],
        "boot_disk_kms_key": None,
        "confidential_nodes": UL,
        "containerd_config": [],
        "disk_size_gb": U,
        "disk_type": U,
        "effective_taints": UL,
        "enable_confidential_storage": None,
        "ephemeral_storage_local_ssd_config": [],
        "fast_socket": [],
        "gcfs_config": [],
        "guest_accelerator": UL,
        "gvnic": [],
        "host_maintenance_policy": [],
        "image_type": U,
        "kubelet_config": [],
        "labels": UM,
        "linux_node_config": [],
        "local_nvme_ssd_block_config": [],
        "local_ssd_count": U,
        "local_ssd_encryption_mode": None,
        "logging_variant": U,
        "machine_type": U,
        "max_run_duration": None,
        "metadata": UM,
        "min_cpu_platform": U,
        "node_group": None,
        "oauth_scopes": UL,
        "preemptible": False,
        "reservation_affinity": [],
        "resource_labels": None,
        "resource_manager_tags": None,
        "secondary_boot_disks": [],
        "service_account": U,
        "shielded_instance_config": UL,
        "sole_tenant_config": [],
        "spot": False,
        "storage_pools": None,
        "tags": None,
        "taint": [],
        "workload_metadata_config": UL,
        **configured,
    }


def node_pool(name: str, min_nodes: int, max_nodes: int, config: dict) -> dict:
    """A new google_container_node_pool of google_container_cluster.ml."""
    return {
        "autoscaling": [{
            "location_policy": U,
            "max_node_count": max_nodes,
            "min_node_count": min_nodes,
            "total_max_node_count": None,
            "total_min_node_count": None,
        }],
        "cluster": U,  # google_container_cluster.ml.id
        "id": U,
        "initial_node_count": U,
        "instance_group_urls": UL,
        "location": REGION,
        "managed_instance_group_urls": UL,
        "management": [{"auto_repair": True, "auto_upgrade": True}],
        "max_pods_per_node": U,
        "name": name,
        "name_prefix": U,
        "network_config": UL,
        "node_config": [config],
        "node_count": U,
        "node_locations": UL,
        "operation": U,
        "placement_policy": [],
        "project": PROJECT,
        "queued_provisioning": [],
        "timeouts": None,
        "upgrade_settings": UL,
        "version": U,
    }


def workload_identity_provider(provider_id: str, display_name: str, mapping: dict,
                               issuer: str, condition: str | None,
                               audiences: list[str] | None) -> dict:
    return {
        "attribute_condition": condition,
        "attribute_mapping": mapping,
        "aws": [],
        "description": None,
        "disabled": None,
        "display_name": display_name,
        "id": U,
        "name": U,
        "oidc": [{"allowed_audiences": audiences, "issuer_uri": issuer, "jwks_json": None}],
        "project": PROJECT,
        "saml": [],
        "state": U,
        "timeouts": None,
        "workload_identity_pool_id": "ci",
        "workload_identity_pool_provider_id": provider_id,
        "x509": [],
    }


# ---------------------------------------------------------------------------
# Resource instances. Order does not matter: output is sorted as Terraform
# sorts it.
# ---------------------------------------------------------------------------

# --- Service accounts ---------------------------------------------------------

R("google_service_account.gke_nodes", "create", after=service_account(
    "gke-nodes", "GKE nodes (acme-ml)", "Dedicated node service account of the acme-ml GKE cluster"))
R("google_service_account.inference", "create", after=service_account(
    "inference", "vLLM inference", "Workload Identity of inference/vllm"))
R("google_service_account.agent", "create", after=service_account(
    "agent", "Support agent", "Workload Identity of agents/support-agent"))
R("google_service_account.trainer", "create", after=service_account(
    "trainer", "Fine-tuning jobs", "Runs Vertex AI custom training jobs"))
R("google_service_account.pipeline", "create", after=service_account(
    "pipeline", "ML pipelines", "Vertex AI pipelines, started from GitLab CI"))
R("google_service_account.deployer", "create", after=service_account(
    "deployer", "Terraform deployer", "Runs this configuration from GitHub Actions"))
R("google_service_account.notebook", "create", after=service_account(
    "notebook", "Research notebooks", "Identity of the research Workbench instance"))

# FLAW 4: a user-managed key; private_key is sensitive and only known after apply.
R("google_service_account_key.pipeline", "create", after={
    "id": U,
    "keepers": None,
    "key_algorithm": "KEY_ALG_RSA_2048",
    "name": U,
    "private_key": S(U),
    "private_key_type": "TYPE_GOOGLE_CREDENTIALS_FILE",
    "public_key": U,
    "public_key_data": None,
    "public_key_type": "TYPE_X509_PEM_FILE",
    "service_account_id": U,
    "valid_after": U,
    "valid_before": U,
})

# --- KMS ------------------------------------------------------------------------

R("google_kms_key_ring.ml", "create", after={
    "id": U, "location": REGION, "name": "acme-ml", "project": PROJECT, "timeouts": None,
})

R("google_kms_crypto_key.buckets", "create", after={
    "crypto_key_backend": U,
    "destroy_scheduled_duration": U,
    "effective_labels": tf_labels(),
    "id": U,
    "import_only": U,
    "key_ring": U,
    "labels": labels(),
    "name": "ml-buckets",
    "primary": UL,
    "purpose": "ENCRYPT_DECRYPT",
    "rotation_period": "7776000s",
    "skip_initial_version_creation": False,
    "terraform_labels": tf_labels(),
    "timeouts": None,
    "version_template": UL,
})

# The member is known: data.google_project.this was read while planning.
R("google_kms_crypto_key_iam_member.gcs_buckets", "create", after=iam_member(
    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
    crypto_key_id=U,
))

# --- Buckets ------------------------------------------------------------------

R("google_storage_bucket.training_data", "create",
  after=new_bucket("acme-ml-training-data", "training-data", public_access_prevention="enforced"))

# public_access_prevention is not set: the API's "inherited", known after apply.
R("google_storage_bucket.model_artifacts", "create",
  after=new_bucket("acme-ml-model-artifacts", "model-artifacts", public_access_prevention=U))

# Created by the bootstrap apply; Google-managed encryption.
R("google_storage_bucket.tfstate", "no-op", before={
    "autoclass": [],
    "cors": [],
    "custom_placement_config": [],
    "default_event_based_hold": False,
    "effective_labels": tf_labels("terraform-state"),
    "enable_object_retention": False,
    "encryption": [],
    "force_destroy": False,
    "hierarchical_namespace": [],
    "id": "acme-ml-tfstate",
    "labels": labels("terraform-state"),
    "lifecycle_rule": [],
    "location": "US-CENTRAL1",
    "logging": [],
    "name": "acme-ml-tfstate",
    "project": PROJECT,
    "project_number": int(PROJECT_NUMBER),
    "public_access_prevention": "enforced",
    "requester_pays": False,
    "retention_policy": [],
    "rpo": None,
    "self_link": "https://www.googleapis.com/storage/v1/b/acme-ml-tfstate",
    "soft_delete_policy": [{"effective_time": "2024-09-16T08:41:52.318Z",
                            "retention_duration_seconds": 604800}],
    "storage_class": "STANDARD",
    "terraform_labels": tf_labels("terraform-state"),
    "time_created": "2024-09-16T08:41:52.318Z",
    "timeouts": None,
    "uniform_bucket_level_access": True,
    "updated": "2024-09-16T08:41:53.004Z",
    "url": "gs://acme-ml-tfstate",
    "versioning": [{"enabled": True}],
    "website": [],
})

# --- BigQuery, Secret Manager, Artifact Registry -----------------------------

R("google_bigquery_dataset.features", "create", after={
    "access": UL,
    "creation_time": U,
    "dataset_id": "features",
    "default_collation": U,
    "default_encryption_configuration": [],
    "default_partition_expiration_ms": None,
    "default_table_expiration_ms": None,
    "delete_contents_on_destroy": False,
    "description": "Offline feature tables of the support models",
    "effective_labels": tf_labels("feature-store"),
    "etag": U,
    "external_dataset_reference": [],
    "friendly_name": "features",
    "id": U,
    "is_case_insensitive": U,
    "labels": labels("feature-store"),
    "last_modified_time": U,
    "location": REGION,
    "max_time_travel_hours": U,
    "project": PROJECT,
    "resource_tags": None,
    "self_link": U,
    "storage_billing_model": U,
    "terraform_labels": tf_labels("feature-store"),
    "timeouts": None,
})

R("google_secret_manager_secret.openai_api_key", "create", after={
    "annotations": None,
    "create_time": U,
    "effective_annotations": UM,
    "effective_labels": tf_labels(),
    "expire_time": U,
    "id": U,
    "labels": labels(),
    "name": U,
    "project": PROJECT,
    "replication": [{"auto": [{"customer_managed_encryption": []}], "user_managed": []}],
    "rotation": [],
    "secret_id": "openai-api-key",
    "terraform_labels": tf_labels(),
    "timeouts": None,
    "topics": [],
    "ttl": None,
    "version_aliases": None,
    "version_destroy_ttl": None,
})

# secret_data comes from the sensitive variable openai_api_key (canary value).
R("google_secret_manager_secret_version.openai_api_key", "create", after={
    "create_time": U,
    "deletion_policy": "DELETE",
    "destroy_time": U,
    "enabled": True,
    "id": U,
    "is_secret_data_base64": False,
    "name": U,
    "secret": U,
    "secret_data": S("IACGUARD-CANARY-GCP-OPENAI-9d4e17"),
    "timeouts": None,
    "version": U,
})

R("google_artifact_registry_repository.models", "create", after={
    "cleanup_policies": [],
    "cleanup_policy_dry_run": None,
    "create_time": U,
    "description": "Model-serving and agent images",
    "docker_config": [],
    "effective_labels": tf_labels(),
    "format": "DOCKER",
    "id": U,
    "kms_key_name": None,
    "labels": labels(),
    "location": REGION,
    "maven_config": [],
    "mode": "STANDARD_REPOSITORY",
    "name": U,
    "project": PROJECT,
    "remote_repository_config": [],
    "repository_id": "models",
    "terraform_labels": tf_labels(),
    "timeouts": None,
    "update_time": U,
    "virtual_repository_config": [],
})

# --- Vertex AI ----------------------------------------------------------------

R("google_vertex_ai_endpoint.llm", "create", after={
    "create_time": U,
    "deployed_models": UL,
    "description": "Support LLM (fine-tuned), online predictions",
    "display_name": "llm-endpoint",
    "effective_labels": tf_labels(),
    "encryption_spec": [],
    "etag": U,
    "id": U,
    "labels": labels(),
    "location": REGION,
    "model_deployment_monitoring_job": U,
    "name": "7341826590",
    "network": None,
    "predict_request_response_logging_config": [{
        "bigquery_destination": [{"output_uri": f"bq://{PROJECT}"}],
        "enabled": True,
        "sampling_rate": 0.1,
    }],
    "private_service_connect_config": [],
    "project": PROJECT,
    "region": None,
    "terraform_labels": tf_labels(),
    "timeouts": None,
    "traffic_split": U,
    "update_time": U,
})

R("google_vertex_ai_dataset.support_conversations", "create", after={
    "create_time": U,
    "display_name": "support-conversations",
    "effective_labels": tf_labels("training-data"),
    "encryption_spec": [],
    "id": U,
    "labels": labels("training-data"),
    "metadata_schema_uri": "gs://google-cloud-aiplatform/schema/dataset/metadata/text_1.0.0.yaml",
    "name": U,
    "project": PROJECT,
    "region": REGION,
    "terraform_labels": tf_labels("training-data"),
    "timeouts": None,
    "update_time": U,
})

R("google_vertex_ai_feature_online_store.features", "create", after={
    "bigtable": [{"auto_scaling": [{
        "cpu_utilization_target": U, "max_node_count": 2, "min_node_count": 1,
    }]}],
    "create_time": U,
    "dedicated_serving_endpoint": UL,
    "effective_labels": tf_labels("feature-store"),
    "etag": U,
    "force_destroy": False,
    "id": U,
    "labels": labels("feature-store"),
    "name": "acme_ml_features",
    "optimized": [],
    "project": PROJECT,
    "region": REGION,
    "state": U,
    "terraform_labels": tf_labels("feature-store"),
    "timeouts": None,
    "update_time": U,
})

# The notebook runs as google_service_account.notebook (email unknown until it
# exists) with an external IP address.
R("google_workbench_instance.research", "create", after={
    "create_time": U,
    "creator": U,
    "desired_state": "ACTIVE",
    "disable_proxy_access": None,
    "effective_labels": tf_labels(),
    "gce_setup": [{
        "accelerator_configs": [{"core_count": "1", "type": "NVIDIA_L4"}],
        "boot_disk": UL,
        "confidential_instance_config": [],
        "container_image": [],
        "data_disks": UL,
        "disable_public_ip": False,
        "enable_ip_forwarding": None,
        "machine_type": "g2-standard-8",
        "metadata": {"idle-timeout-seconds": "10800"},
        "network_interfaces": UL,
        "service_accounts": [{"email": U, "scopes": UL}],
        "shielded_instance_config": UL,
        "tags": UL,
        "vm_image": UL,
    }],
    "health_info": UL,
    "health_state": U,
    "id": U,
    "instance_id": None,
    "instance_owners": ["dana@acme.example"],
    "labels": labels(),
    "location": "us-central1-a",
    "name": "research",
    "project": PROJECT,
    "proxy_uri": U,
    "state": U,
    "terraform_labels": tf_labels(),
    "timeouts": None,
    "update_time": U,
    "upgrade_history": UL,
})

# --- GKE ----------------------------------------------------------------------

R("google_container_cluster.ml", "create", after={
    "addons_config": UL,
    "allow_net_admin": None,
    "authenticator_groups_config": UL,
    "binary_authorization": [],
    "cluster_autoscaling": UL,
    "cluster_ipv4_cidr": U,
    "confidential_nodes": UL,
    "control_plane_endpoints_config": UL,
    "cost_management_config": UL,
    "database_encryption": UL,
    "datapath_provider": U,
    "default_max_pods_per_node": U,
    "default_snat_status": UL,
    "deletion_protection": True,
    "description": None,
    "dns_config": [],
    "effective_labels": tf_labels(),
    "enable_autopilot": None,
    "enable_cilium_clusterwide_network_policy": False,
    "enable_fqdn_network_policy": False,
    "enable_intranode_visibility": U,
    "enable_k8s_beta_apis": [],
    "enable_kubernetes_alpha": False,
    "enable_l4_ilb_subsetting": False,
    "enable_legacy_abac": False,
    "enable_multi_networking": False,
    "enable_shielded_nodes": True,
    "enable_tpu": None,
    "endpoint": U,
    "fleet": [],
    "gateway_api_config": UL,
    "id": U,
    "identity_service_config": UL,
    "initial_node_count": 1,
    "ip_allocation_policy": [{
        "additional_pod_ranges_config": [],
        "cluster_ipv4_cidr_block": U,
        "cluster_secondary_range_name": "pods",
        "pod_cidr_overprovision_config": UL,
        "services_ipv4_cidr_block": U,
        "services_secondary_range_name": "services",
        "stack_type": "IPV4",
    }],
    "label_fingerprint": U,
    "location": REGION,
    "logging_config": UL,
    "logging_service": U,
    "maintenance_policy": [],
    "master_auth": UL,
    "master_authorized_networks_config": [{
        "cidr_blocks": [{"cidr_block": "10.0.0.0/8", "display_name": "acme-corp"}],
        "gcp_public_cidrs_access_enabled": U,
        "private_endpoint_enforcement_enabled": U,
    }],
    "master_version": U,
    "mesh_certificates": UL,
    "min_master_version": None,
    "monitoring_config": UL,
    "monitoring_service": U,
    "name": "acme-ml",
    "network": "acme-ml-vpc",
    "network_policy": [],
    "networking_mode": U,
    "node_config": UL,
    "node_locations": UL,
    "node_pool": UL,
    "node_pool_auto_config": UL,
    "node_pool_defaults": UL,
    "node_version": U,
    "notification_config": UL,
    "operation": U,
    "private_cluster_config": [{
        "enable_private_endpoint": False,
        "enable_private_nodes": True,
        "master_global_access_config": UL,
        "master_ipv4_cidr_block": "172.16.0.0/28",
        "peering_name": U,
        "private_endpoint": U,
        "private_endpoint_subnetwork": None,
        "public_endpoint": U,
    }],
    "private_ipv6_google_access": U,
    "project": U,
    "release_channel": [{"channel": "REGULAR"}],
    "remove_default_node_pool": True,
    "resource_labels": labels(),
    "resource_usage_export_config": [],
    "security_posture_config": UL,
    "self_link": U,
    "service_external_ips_config": UL,
    "services_ipv4_cidr": U,
    "subnetwork": "acme-ml-gke",
    "terraform_labels": tf_labels(),
    "timeouts": None,
    "tpu_ipv4_cidr_block": U,
    "vertical_pod_autoscaling": UL,
    "workload_identity_config": [{"workload_pool": WORKLOAD_POOL}],
})

R("google_container_node_pool.system", "create", after=node_pool("system-pool", 1, 3, node_config(
    labels={"pool": "system"},
    machine_type="e2-standard-4",
    oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
    service_account=U,  # google_service_account.gke_nodes.email
    shielded_instance_config=[{"enable_integrity_monitoring": True, "enable_secure_boot": True}],
    workload_metadata_config=[{"mode": "GKE_METADATA"}],
)))

# Model serving: dedicated node service account, GKE metadata server.
R("google_container_node_pool.inference", "create", after=node_pool("inference-pool", 1, 4, node_config(
    disk_size_gb=200,
    disk_type="pd-ssd",
    guest_accelerator=[{
        "count": 1,
        "gpu_driver_installation_config": [{"gpu_driver_version": "LATEST"}],
        "gpu_partition_size": None,
        "gpu_sharing_config": [],
        "type": "nvidia-l4",
    }],
    labels={"pool": "inference"},
    machine_type="g2-standard-8",
    oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
    service_account=U,  # google_service_account.gke_nodes.email
    shielded_instance_config=[{"enable_integrity_monitoring": True, "enable_secure_boot": True}],
    taint=[{"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "present"}],
    workload_metadata_config=[{"mode": "GKE_METADATA"}],
)))

# FLAW 6: service_account is not set, so the provider plans it as unknown and
# GKE fills in "default" (the Compute Engine default service account).
R("google_container_node_pool.gpu", "create", after=node_pool("gpu-pool", 0, 4, node_config(
    disk_size_gb=200,
    disk_type="pd-ssd",
    guest_accelerator=[{
        "count": 1,
        "gpu_driver_installation_config": [{"gpu_driver_version": "LATEST"}],
        "gpu_partition_size": None,
        "gpu_sharing_config": [],
        "type": "nvidia-l4",
    }],
    labels={"pool": "gpu"},
    machine_type="g2-standard-8",
    oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
    taint=[{"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "present"}],
    workload_metadata_config=[{"mode": "GCE_METADATA"}],
)))

# --- CI: workload identity federation ------------------------------------------

R("google_iam_workload_identity_pool.ci", "create", after={
    "description": "GitHub Actions and GitLab CI",
    "disabled": None,
    "display_name": "CI",
    "id": U,
    "name": U,
    "project": PROJECT,
    "state": U,
    "timeouts": None,
    "workload_identity_pool_id": "ci",
})

# FLAW 7: no attribute_condition.
R("google_iam_workload_identity_pool_provider.github", "create", after=workload_identity_provider(
    "github", "GitHub Actions",
    {"attribute.ref": "assertion.ref", "attribute.repository": "assertion.repository",
     "google.subject": "assertion.sub"},
    "https://token.actions.githubusercontent.com", None, None,
))

R("google_iam_workload_identity_pool_provider.gitlab", "create", after=workload_identity_provider(
    "gitlab", "GitLab CI",
    {"attribute.namespace_path": "assertion.namespace_path",
     "attribute.project_path": "assertion.project_path", "google.subject": "assertion.sub"},
    "https://gitlab.com", 'assertion.namespace_path == "acme"', ["https://gitlab.com"],
))

# The pool's name is only known after apply, so this member is too.
R("google_service_account_iam_member.deployer_github", "create", after=iam_member(
    "roles/iam.workloadIdentityUser", U, service_account_id=U))

R("google_service_account_iam_member.pipeline_gitlab", "create", after=iam_member(
    "roles/iam.workloadIdentityUser",
    f"principalSet://iam.googleapis.com/{CI_POOL}/attribute.project_path/acme/ml-pipelines",
    service_account_id=U))

# --- GKE Workload Identity --------------------------------------------------------

R("google_service_account_iam_member.inference_workload_identity", "create", after=iam_member(
    "roles/iam.workloadIdentityUser", f"serviceAccount:{WORKLOAD_POOL}[inference/vllm]",
    service_account_id=U))

R("google_service_account_iam_member.agent_workload_identity", "create", after=iam_member(
    "roles/iam.workloadIdentityUser", f"serviceAccount:{WORKLOAD_POOL}[agents/support-agent]",
    service_account_id=U))

# --- Project IAM --------------------------------------------------------------------

R("google_project_iam_member.gke_nodes_default", "create", after=iam_member(
    "roles/container.defaultNodeServiceAccount", U, project=PROJECT))

# FLAW 2
R("google_project_iam_member.trainer_editor", "create", after=iam_member(
    "roles/editor", U, project=PROJECT))

# FLAW 5 (with google_service_account_iam_member.agent_impersonates_deployer)
R("google_project_iam_member.deployer_owner", "create", after=iam_member(
    "roles/owner", U, project=PROJECT))

# FLAW 9: authoritative for the role; the agent's member grant below is removed on apply.
R("google_project_iam_binding.aiplatform_users", "create", after=iam_binding(
    "roles/aiplatform.user", [U], project=PROJECT))

R("google_project_iam_member.agent_aiplatform", "create", after=iam_member(
    "roles/aiplatform.user", U, project=PROJECT))

R("google_project_iam_custom_role.ml_data_reader", "create", after={
    "deleted": U,
    "description": "Read training objects and feature tables",
    "id": U,
    "name": U,
    "permissions": ["bigquery.tables.getData", "storage.objects.get", "storage.objects.list"],
    "project": U,
    "role_id": "mlDataReader",
    "stage": "GA",
    "title": "ML data reader",
})

# FLAW 11: the role is the custom role's id, unknown until the role exists.
R("google_project_iam_member.notebook_ml_data_reader", "create", after=iam_member(
    U, U, project=PROJECT))

# --- Resource IAM ------------------------------------------------------------------

# FLAW 1
R("google_storage_bucket_iam_member.inference_training_data", "create", after=iam_member(
    "roles/storage.objectAdmin", U, bucket="acme-ml-training-data"))

R("google_storage_bucket_iam_member.inference_model_artifacts", "create", after=iam_member(
    "roles/storage.objectViewer", U, bucket="acme-ml-model-artifacts"))

# Note 8: a Kubernetes service account as a principal (known: data source and local).
R("google_storage_bucket_iam_member.trainer_ksa_training_data", "create", after=iam_member(
    "roles/storage.objectUser",
    f"principal://iam.googleapis.com/projects/{PROJECT_NUMBER}/locations/global/"
    f"workloadIdentityPools/{WORKLOAD_POOL}/subject/ns/training/sa/trainer",
    bucket="acme-ml-training-data"))

# FLAW 3
R("google_storage_bucket_iam_binding.model_artifacts_public", "create", after=iam_binding(
    "roles/storage.objectViewer", ["allUsers"], bucket="acme-ml-model-artifacts"))

R("google_storage_bucket_iam_member.deployer_tfstate", "create", after=iam_member(
    "roles/storage.objectAdmin", U, bucket="acme-ml-tfstate"))

# FLAW 10 (conditional)
R("google_bigquery_dataset_iam_member.notebook_features", "create", after=iam_member(
    "roles/bigquery.dataEditor", U,
    condition={"description": None,
               "expression": 'request.time < timestamp("2027-01-01T00:00:00Z")',
               "title": "until-2027"},
    dataset_id="features", project=U))

# FLAW 12
R("google_secret_manager_secret_iam_member.agent_openai", "create", after=iam_member(
    "roles/secretmanager.secretAccessor", U, project=U, secret_id="openai-api-key"))

# FLAW 5
R("google_service_account_iam_member.agent_impersonates_deployer", "create", after=iam_member(
    "roles/iam.serviceAccountTokenCreator", U, service_account_id=U))

R("google_artifact_registry_repository_iam_member.gke_nodes_pull", "create", after=iam_member(
    "roles/artifactregistry.reader", U, location=REGION, project=PROJECT, repository=U))


# ---------------------------------------------------------------------------
# Data sources read during planning (config fully known): prior_state only
# ---------------------------------------------------------------------------

# NOTE: the provider reads the project's parent as type and id: a project in a
# folder has folder_id = the folder's number and org_id = "" (the organisation,
# 112233445566, is the folder's parent and does not appear).
PROJECT_LABELS = {"cost-center": "ml-platform", "environment": "prod"}
PLAN.prior_data = {
    "data.google_project.this": _terraform_order({
        "auto_create_network": None,
        "billing_account": "01A2B3-C4D5E6-F7A8B9",
        "deletion_policy": None,
        "effective_labels": PROJECT_LABELS,
        "folder_id": "445566778899",
        "id": f"projects/{PROJECT}",
        "labels": PROJECT_LABELS,
        "name": PROJECT,
        "number": PROJECT_NUMBER,
        "org_id": "",
        "project_id": PROJECT,
        "tags": None,
        "terraform_labels": PROJECT_LABELS,
    }),
}


# ---------------------------------------------------------------------------
# Configuration (what `terraform show -json` prints under "configuration")
# ---------------------------------------------------------------------------

PLAN.provider_config = {
    "google": {
        "name": "google",
        "full_name": PROVIDERS["google"],
        "version_constraint": "~> 6.14",
        "expressions": {"project": c(PROJECT), "region": c(REGION)},
    },
}

PLAN.locals = {
    "labels": c(LABELS),
    "workload_pool": r("data.google_project.this.project_id"),
}

PLAN.root_variables = {
    "cluster_name": {
        "default": "acme-ml",
        "description": "Name of the GKE cluster that runs the inference, agent and training workloads.",
    },
    "github_repository": {
        "description": "GitHub repository (owner/name) whose Actions workflows deploy this configuration.",
    },
    "gitlab_namespace": {
        "default": "acme",
        "description": "GitLab group whose CI jobs may use the workload identity pool.",
    },
    "openai_api_key": {
        "description": "OpenAI API key used by the support agent as a fallback model. Supply via TF_VAR_openai_api_key.",
        "sensitive": True,
    },
}

# terraform.tfvars + TF_VAR_openai_api_key. Terraform prints sensitive variable
# values here in clear text, as it does in real plans.
PLAN.variable_values = {
    "cluster_name": "acme-ml",
    "github_repository": "acme/ml-infra",
    "gitlab_namespace": "acme",
    "openai_api_key": "IACGUARD-CANARY-GCP-OPENAI-9d4e17",
}

PLAN.root_outputs = {
    "agent_service_account": r("google_service_account.agent.email"),
    "cluster_name": r("google_container_cluster.ml.name"),
    "github_workload_identity_provider": r("google_iam_workload_identity_pool_provider.github.name"),
    "inference_service_account": r("google_service_account.inference.email"),
    "llm_endpoint": r("google_vertex_ai_endpoint.llm.id"),
    "workload_pool": r("local.workload_pool"),
}

# (before, after): nothing in the prior state; U = known after apply.
PLAN.output_values = {
    "agent_service_account": (None, U),
    "cluster_name": (None, "acme-ml"),
    "github_workload_identity_provider": (None, U),
    "inference_service_account": (None, U),
    "llm_endpoint": (None, U),
    "workload_pool": (None, WORKLOAD_POOL),
}

SA_EMAIL = "google_service_account.{}.email"
SA_NAME = "google_service_account.{}.name"
PROJECT_ID = "data.google_project.this.project_id"


def sa_ref(name: str) -> dict:
    """"serviceAccount:${google_service_account.NAME.email}"."""
    return r(SA_EMAIL.format(name))


PLAN.root_resources = [
    cfg("data.google_project.this"),
    # Service accounts
    *(
        cfg(f"google_service_account.{name}", {
            "account_id": c(account_id), "description": c(description),
            "display_name": c(display_name),
        })
        for name, account_id, display_name, description in (
            ("gke_nodes", "gke-nodes", "GKE nodes (acme-ml)",
             "Dedicated node service account of the acme-ml GKE cluster"),
            ("inference", "inference", "vLLM inference", "Workload Identity of inference/vllm"),
            ("agent", "agent", "Support agent", "Workload Identity of agents/support-agent"),
            ("trainer", "trainer", "Fine-tuning jobs", "Runs Vertex AI custom training jobs"),
            ("pipeline", "pipeline", "ML pipelines", "Vertex AI pipelines, started from GitLab CI"),
            ("deployer", "deployer", "Terraform deployer",
             "Runs this configuration from GitHub Actions"),
            ("notebook", "notebook", "Research notebooks",
             "Identity of the research Workbench instance"),
        )
    ),
    cfg("google_service_account_key.pipeline", {"service_account_id": r(SA_NAME.format("pipeline"))}),
    # KMS
    cfg("google_kms_key_ring.ml", {"location": c(REGION), "name": c("acme-ml")}),
    cfg("google_kms_crypto_key.buckets", {
        "key_ring": r("google_kms_key_ring.ml.id"),
        "labels": r("local.labels"),
        "name": c("ml-buckets"),
        "purpose": c("ENCRYPT_DECRYPT"),
        "rotation_period": c("7776000s"),
    }),
    cfg("google_kms_crypto_key_iam_member.gcs_buckets", {
        "crypto_key_id": r("google_kms_crypto_key.buckets.id"),
        "member": r("data.google_project.this.number"),
        "role": c("roles/cloudkms.cryptoKeyEncrypterDecrypter"),
    }),
    # Buckets
    cfg("google_storage_bucket.training_data", {
        "encryption": [{"default_kms_key_name": r("google_kms_crypto_key.buckets.id")}],
        "labels": r("local.labels"),
        "location": c(REGION),
        "name": c("acme-ml-training-data"),
        "public_access_prevention": c("enforced"),
        "uniform_bucket_level_access": c(True),
        "versioning": [{"enabled": c(True)}],
    }, depends_on=["google_kms_crypto_key_iam_member.gcs_buckets"]),
    cfg("google_storage_bucket.model_artifacts", {
        "encryption": [{"default_kms_key_name": r("google_kms_crypto_key.buckets.id")}],
        "labels": r("local.labels"),
        "location": c(REGION),
        "name": c("acme-ml-model-artifacts"),
        "uniform_bucket_level_access": c(True),
        "versioning": [{"enabled": c(True)}],
    }, depends_on=["google_kms_crypto_key_iam_member.gcs_buckets"]),
    cfg("google_storage_bucket.tfstate", {
        "labels": r("local.labels"),
        "location": c(REGION),
        "name": c("acme-ml-tfstate"),
        "public_access_prevention": c("enforced"),
        "uniform_bucket_level_access": c(True),
        "versioning": [{"enabled": c(True)}],
    }),
    # BigQuery, Secret Manager, Artifact Registry
    cfg("google_bigquery_dataset.features", {
        "dataset_id": c("features"),
        "description": c("Offline feature tables of the support models"),
        "friendly_name": c("features"),
        "labels": r("local.labels"),
        "location": c(REGION),
    }),
    cfg("google_secret_manager_secret.openai_api_key", {
        "labels": r("local.labels"),
        "replication": [{"auto": [{}]}],
        "secret_id": c("openai-api-key"),
    }),
    cfg("google_secret_manager_secret_version.openai_api_key", {
        "secret": r("google_secret_manager_secret.openai_api_key.id"),
        "secret_data": r("var.openai_api_key"),
    }),
    cfg("google_artifact_registry_repository.models", {
        "description": c("Model-serving and agent images"),
        "format": c("DOCKER"),
        "labels": r("local.labels"),
        "location": c(REGION),
        "repository_id": c("models"),
    }),
    # Vertex AI
    cfg("google_vertex_ai_endpoint.llm", {
        "description": c("Support LLM (fine-tuned), online predictions"),
        "display_name": c("llm-endpoint"),
        "labels": r("local.labels"),
        "location": c(REGION),
        "name": c("7341826590"),
        "predict_request_response_logging_config": [{
            "bigquery_destination": [{"output_uri": r("data.google_project.this.project_id")}],
            "enabled": c(True),
            "sampling_rate": c(0.1),
        }],
    }),
    cfg("google_vertex_ai_dataset.support_conversations", {
        "display_name": c("support-conversations"),
        "labels": r("local.labels"),
        "metadata_schema_uri": c("gs://google-cloud-aiplatform/schema/dataset/metadata/text_1.0.0.yaml"),
        "region": c(REGION),
    }),
    cfg("google_vertex_ai_feature_online_store.features", {
        "bigtable": [{"auto_scaling": [{"max_node_count": c(2), "min_node_count": c(1)}]}],
        "labels": r("local.labels"),
        "name": c("acme_ml_features"),
        "region": c(REGION),
    }),
    cfg("google_workbench_instance.research", {
        "gce_setup": [{
            "accelerator_configs": [{"core_count": c(1), "type": c("NVIDIA_L4")}],
            "disable_public_ip": c(False),
            "machine_type": c("g2-standard-8"),
            "metadata": c({"idle-timeout-seconds": "10800"}),
            "service_accounts": [{"email": sa_ref("notebook")}],
        }],
        "instance_owners": c(["dana@acme.example"]),
        "labels": r("local.labels"),
        "location": c("us-central1-a"),
        "name": c("research"),
    }),
    # GKE
    cfg("google_container_cluster.ml", {
        "deletion_protection": c(True),
        "initial_node_count": c(1),
        "ip_allocation_policy": [{
            "cluster_secondary_range_name": c("pods"),
            "services_secondary_range_name": c("services"),
        }],
        "location": c(REGION),
        "master_authorized_networks_config": [{
            "cidr_blocks": [{"cidr_block": c("10.0.0.0/8"), "display_name": c("acme-corp")}],
        }],
        "name": r("var.cluster_name"),
        "network": c("acme-ml-vpc"),
        "private_cluster_config": [{
            "enable_private_endpoint": c(False),
            "enable_private_nodes": c(True),
            "master_ipv4_cidr_block": c("172.16.0.0/28"),
        }],
        "release_channel": [{"channel": c("REGULAR")}],
        "remove_default_node_pool": c(True),
        "resource_labels": r("local.labels"),
        "subnetwork": c("acme-ml-gke"),
        "workload_identity_config": [{"workload_pool": r("local.workload_pool")}],
    }),
    cfg("google_container_node_pool.system", {
        "autoscaling": [{"max_node_count": c(3), "min_node_count": c(1)}],
        "cluster": r("google_container_cluster.ml.id"),
        "location": r("google_container_cluster.ml.location"),
        "management": [{"auto_repair": c(True), "auto_upgrade": c(True)}],
        "name": c("system-pool"),
        "node_config": [{
            "labels": c({"pool": "system"}),
            "machine_type": c("e2-standard-4"),
            "oauth_scopes": c(["https://www.googleapis.com/auth/cloud-platform"]),
            "service_account": sa_ref("gke_nodes"),
            "shielded_instance_config": [{
                "enable_integrity_monitoring": c(True), "enable_secure_boot": c(True),
            }],
            "workload_metadata_config": [{"mode": c("GKE_METADATA")}],
        }],
    }),
    cfg("google_container_node_pool.inference", {
        "autoscaling": [{"max_node_count": c(4), "min_node_count": c(1)}],
        "cluster": r("google_container_cluster.ml.id"),
        "location": r("google_container_cluster.ml.location"),
        "management": [{"auto_repair": c(True), "auto_upgrade": c(True)}],
        "name": c("inference-pool"),
        "node_config": [{
            "disk_size_gb": c(200),
            "disk_type": c("pd-ssd"),
            "guest_accelerator": [{
                "count": c(1),
                "gpu_driver_installation_config": [{"gpu_driver_version": c("LATEST")}],
                "type": c("nvidia-l4"),
            }],
            "labels": c({"pool": "inference"}),
            "machine_type": c("g2-standard-8"),
            "oauth_scopes": c(["https://www.googleapis.com/auth/cloud-platform"]),
            "service_account": sa_ref("gke_nodes"),
            "shielded_instance_config": [{
                "enable_integrity_monitoring": c(True), "enable_secure_boot": c(True),
            }],
            "taint": [{"effect": c("NO_SCHEDULE"), "key": c("nvidia.com/gpu"), "value": c("present")}],
            "workload_metadata_config": [{"mode": c("GKE_METADATA")}],
        }],
    }),
    cfg("google_container_node_pool.gpu", {
        "autoscaling": [{"max_node_count": c(4), "min_node_count": c(0)}],
        "cluster": r("google_container_cluster.ml.id"),
        "location": r("google_container_cluster.ml.location"),
        "management": [{"auto_repair": c(True), "auto_upgrade": c(True)}],
        "name": c("gpu-pool"),
        "node_config": [{
            "disk_size_gb": c(200),
            "disk_type": c("pd-ssd"),
            "guest_accelerator": [{
                "count": c(1),
                "gpu_driver_installation_config": [{"gpu_driver_version": c("LATEST")}],
                "type": c("nvidia-l4"),
            }],
            "labels": c({"pool": "gpu"}),
            "machine_type": c("g2-standard-8"),
            "oauth_scopes": c(["https://www.googleapis.com/auth/cloud-platform"]),
            "taint": [{"effect": c("NO_SCHEDULE"), "key": c("nvidia.com/gpu"), "value": c("present")}],
            "workload_metadata_config": [{"mode": c("GCE_METADATA")}],
        }],
    }),
    # CI
    cfg("google_iam_workload_identity_pool.ci", {
        "description": c("GitHub Actions and GitLab CI"),
        "display_name": c("CI"),
        "workload_identity_pool_id": c("ci"),
    }),
    cfg("google_iam_workload_identity_pool_provider.github", {
        "attribute_mapping": c({
            "attribute.ref": "assertion.ref",
            "attribute.repository": "assertion.repository",
            "google.subject": "assertion.sub",
        }),
        "display_name": c("GitHub Actions"),
        "oidc": [{"issuer_uri": c("https://token.actions.githubusercontent.com")}],
        "workload_identity_pool_id": r("google_iam_workload_identity_pool.ci.workload_identity_pool_id"),
        "workload_identity_pool_provider_id": c("github"),
    }),
    cfg("google_iam_workload_identity_pool_provider.gitlab", {
        "attribute_condition": r("var.gitlab_namespace"),
        "attribute_mapping": c({
            "attribute.namespace_path": "assertion.namespace_path",
            "attribute.project_path": "assertion.project_path",
            "google.subject": "assertion.sub",
        }),
        "display_name": c("GitLab CI"),
        "oidc": [{
            "allowed_audiences": c(["https://gitlab.com"]),
            "issuer_uri": c("https://gitlab.com"),
        }],
        "workload_identity_pool_id": r("google_iam_workload_identity_pool.ci.workload_identity_pool_id"),
        "workload_identity_pool_provider_id": c("gitlab"),
    }),
    cfg("google_service_account_iam_member.deployer_github", {
        "member": r("google_iam_workload_identity_pool.ci.name", "var.github_repository"),
        "role": c("roles/iam.workloadIdentityUser"),
        "service_account_id": r(SA_NAME.format("deployer")),
    }),
    cfg("google_service_account_iam_member.pipeline_gitlab", {
        "member": c(f"principalSet://iam.googleapis.com/{CI_POOL}/attribute.project_path/acme/ml-pipelines"),
        "role": c("roles/iam.workloadIdentityUser"),
        "service_account_id": r(SA_NAME.format("pipeline")),
    }),
    # GKE Workload Identity
    cfg("google_service_account_iam_member.inference_workload_identity", {
        "member": r("local.workload_pool"),
        "role": c("roles/iam.workloadIdentityUser"),
        "service_account_id": r(SA_NAME.format("inference")),
    }),
    cfg("google_service_account_iam_member.agent_workload_identity", {
        "member": r("local.workload_pool"),
        "role": c("roles/iam.workloadIdentityUser"),
        "service_account_id": r(SA_NAME.format("agent")),
    }),
    # Project IAM
    *(
        cfg(f"google_project_iam_member.{name}", {
            "member": sa_ref(account),
            "project": r(PROJECT_ID),
            "role": c(role),
        })
        for name, role, account in (
            ("gke_nodes_default", "roles/container.defaultNodeServiceAccount", "gke_nodes"),
            ("trainer_editor", "roles/editor", "trainer"),
            ("deployer_owner", "roles/owner", "deployer"),
            ("agent_aiplatform", "roles/aiplatform.user", "agent"),
        )
    ),
    cfg("google_project_iam_binding.aiplatform_users", {
        "members": sa_ref("pipeline"),
        "project": r(PROJECT_ID),
        "role": c("roles/aiplatform.user"),
    }),
    cfg("google_project_iam_custom_role.ml_data_reader", {
        "description": c("Read training objects and feature tables"),
        "permissions": c(["storage.objects.get", "storage.objects.list", "bigquery.tables.getData"]),
        "role_id": c("mlDataReader"),
        "title": c("ML data reader"),
    }),
    cfg("google_project_iam_member.notebook_ml_data_reader", {
        "member": sa_ref("notebook"),
        "project": r(PROJECT_ID),
        "role": r("google_project_iam_custom_role.ml_data_reader.id"),
    }),
    # Resource IAM
    cfg("google_storage_bucket_iam_member.inference_training_data", {
        "bucket": r("google_storage_bucket.training_data.name"),
        "member": sa_ref("inference"),
        "role": c("roles/storage.objectAdmin"),
    }),
    cfg("google_storage_bucket_iam_member.inference_model_artifacts", {
        "bucket": r("google_storage_bucket.model_artifacts.name"),
        "member": sa_ref("inference"),
        "role": c("roles/storage.objectViewer"),
    }),
    cfg("google_storage_bucket_iam_member.trainer_ksa_training_data", {
        "bucket": r("google_storage_bucket.training_data.name"),
        "member": r("data.google_project.this.number", "local.workload_pool"),
        "role": c("roles/storage.objectUser"),
    }),
    cfg("google_storage_bucket_iam_binding.model_artifacts_public", {
        "bucket": r("google_storage_bucket.model_artifacts.name"),
        "members": c(["allUsers"]),
        "role": c("roles/storage.objectViewer"),
    }),
    cfg("google_storage_bucket_iam_member.deployer_tfstate", {
        "bucket": r("google_storage_bucket.tfstate.name"),
        "member": sa_ref("deployer"),
        "role": c("roles/storage.objectAdmin"),
    }),
    cfg("google_bigquery_dataset_iam_member.notebook_features", {
        "condition": [{
            "expression": c('request.time < timestamp("2027-01-01T00:00:00Z")'),
            "title": c("until-2027"),
        }],
        "dataset_id": r("google_bigquery_dataset.features.dataset_id"),
        "member": sa_ref("notebook"),
        "role": c("roles/bigquery.dataEditor"),
    }),
    cfg("google_secret_manager_secret_iam_member.agent_openai", {
        "member": sa_ref("agent"),
        "role": c("roles/secretmanager.secretAccessor"),
        "secret_id": r("google_secret_manager_secret.openai_api_key.secret_id"),
    }),
    cfg("google_service_account_iam_member.agent_impersonates_deployer", {
        "member": sa_ref("agent"),
        "role": c("roles/iam.serviceAccountTokenCreator"),
        "service_account_id": r(SA_NAME.format("deployer")),
    }),
    cfg("google_artifact_registry_repository_iam_member.gke_nodes_pull", {
        "location": r("google_artifact_registry_repository.models.location"),
        "member": sa_ref("gke_nodes"),
        "project": r("google_artifact_registry_repository.models.project"),
        "repository": r("google_artifact_registry_repository.models.name"),
        "role": c("roles/artifactregistry.reader"),
    }),
]


def main() -> None:
    PLAN.write(Path(__file__).resolve().parent / "plan.json")


if __name__ == "__main__":
    main()
