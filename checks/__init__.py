"""Built-in checks of iacguard, installed as ``iacguard.checks``.

They register through the ``iacguard.checks`` entry-point group (entry point ``iacguard`` →
:data:`CHECKS`), the same way third-party plugins do. Each module holds the checks of one
subject; every check is listed here explicitly, nothing registers itself on import.
"""

from iacguard.checks.azure import (
    federated_credential_broad_subject,
    key_vault_broad_secret_read,
    openai_key_auth_or_public,
    privileged_role_on_workload_identity,
)
from iacguard.checks.credentials import (
    aws_iam_access_key,
    azure_application_password,
    gcp_service_account_key,
    k8s_secret_cloud_credentials,
)
from iacguard.checks.gcp import (
    basic_role_on_service_account,
    default_compute_broad_scope,
    impersonation_escalation,
    provider_unconditioned,
    public_iam_member,
)
from iacguard.checks.iam import aws_iam_admin_wildcard
from iacguard.checks.identities import (
    admin_equivalent_identity,
    ai_data_wildcard_access,
    ai_role_controls_infrastructure,
    identity_exceeds_max_access,
    pass_role_escalation,
    secrets_wildcard_read,
    user_access_key_and_console,
)
from iacguard.checks.kubernetes import (
    ai_workload_exposed_unauthenticated,
    binding_to_missing_role,
    exposed_workload_token,
    gpu_workload_host_access,
    pod_create_exec_rights,
    rbac_escalation_rights,
    rbac_grant_to_everyone,
    secrets_readable_cluster_wide,
    workload_cluster_admin,
    workload_default_service_account,
)
from iacguard.checks.logging import (
    azure_openai_diagnostics,
    bedrock_invocation_logging,
    sagemaker_endpoint_data_capture,
    vertex_endpoint_logging,
)
from iacguard.checks.paths import (
    agent_identity_changes_infrastructure,
    ai_workload_writes_ai_data,
    exposed_workload_reaches_crown_jewel,
    identity_shared_by_ci_and_workloads,
    workload_node_identity,
)
from iacguard.checks.sagemaker import (
    sagemaker_notebook_direct_internet,
    sagemaker_notebook_root_access,
)
from iacguard.checks.storage import ai_storage_public
from iacguard.checks.trust import (
    cross_account_trust_unguarded,
    oidc_trust_wildcard_subject,
    role_trusts_any_principal,
)
from iacguard.checks.workloads import (
    ml_tool_auth_disabled,
    model_server_image_unpinned,
    workload_env_cloud_credentials,
)

from iacguard.engine.check import Check

CHECKS: tuple[Check, ...] = (
    admin_equivalent_identity,
    agent_identity_changes_infrastructure,
    ai_data_wildcard_access,
    ai_role_controls_infrastructure,
    ai_storage_public,
    ai_workload_exposed_unauthenticated,
    ai_workload_writes_ai_data,
    aws_iam_access_key,
    aws_iam_admin_wildcard,
    azure_application_password,
    azure_openai_diagnostics,
    basic_role_on_service_account,
    bedrock_invocation_logging,
    binding_to_missing_role,
    cross_account_trust_unguarded,
    default_compute_broad_scope,
    exposed_workload_reaches_crown_jewel,
    exposed_workload_token,
    federated_credential_broad_subject,
    gcp_service_account_key,
    gpu_workload_host_access,
    identity_exceeds_max_access,
    identity_shared_by_ci_and_workloads,
    impersonation_escalation,
    k8s_secret_cloud_credentials,
    key_vault_broad_secret_read,
    ml_tool_auth_disabled,
    model_server_image_unpinned,
    oidc_trust_wildcard_subject,
    openai_key_auth_or_public,
    pass_role_escalation,
    pod_create_exec_rights,
    privileged_role_on_workload_identity,
    provider_unconditioned,
    public_iam_member,
    rbac_escalation_rights,
    rbac_grant_to_everyone,
    role_trusts_any_principal,
    sagemaker_endpoint_data_capture,
    sagemaker_notebook_direct_internet,
    sagemaker_notebook_root_access,
    secrets_readable_cluster_wide,
    secrets_wildcard_read,
    user_access_key_and_console,
    vertex_endpoint_logging,
    workload_cluster_admin,
    workload_default_service_account,
    workload_env_cloud_credentials,
    workload_node_identity,
)
