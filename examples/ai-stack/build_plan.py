#!/usr/bin/env python3
"""Write plan.json for the acme-ml example: the JSON that `terraform show -json`
prints for a saved plan (format_version 1.2), generated rather than hand-kept.

Stdlib only and deterministic: running it twice gives byte-identical output.

Every resource is declared ONCE below, as its full planned value (and, for
resources that already exist, its prior value) with two kinds of markers:

  U / UL / UM   value known only after apply (primitive / list or set / map or
                object); Terraform omits such attributes from "after", puts
                null for them inside lists, and sets them true in after_unknown.
  S(value)      sensitive value; Terraform still prints the value in "after",
                "before", planned_values and prior_state, and marks it true in
                after_sensitive / before_sensitive / sensitive_values.

From those declarations (`R`, and the configuration blocks `cfg`), the
provider-independent examples/_plan_builder.py, shared with
examples/gcp-stack/build_plan.py, derives so that they cannot disagree:
resource_changes (after, after_unknown, after_sensitive, before_sensitive),
planned_values, prior_state (with depends_on), configuration (expressions with
Terraform's reference-prefix lists), output_changes and relevant_attributes.

The AWS attribute sets follow hashicorp/aws 5.100.0 schemas; they were checked
against a real offline `terraform plan -refresh=false` of main.tf (see
README.md). The kubernetes_* entries follow hashicorp/kubernetes 2.33.

Usage:  python examples/ai-stack/build_plan.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _plan_builder import UL, Plan, S, U, c, e, jsonencode, r  # noqa: E402

TERRAFORM_VERSION = "1.9.8"
TIMESTAMP = "2024-11-05T09:14:27Z"
ACCOUNT = "111122223333"
REGION = "us-east-1"

PROVIDERS = {
    "aws": "registry.terraform.io/hashicorp/aws",
    "kubernetes": "registry.terraform.io/hashicorp/kubernetes",
    "helm": "registry.terraform.io/hashicorp/helm",
}

# Schema versions of the resource types used (hashicorp/aws 5.100.0,
# hashicorp/kubernetes 2.33); every other type is 0.
SCHEMA_VERSIONS = {"aws_eks_cluster": 1, "aws_db_instance": 2}

TAGS = {"Environment": "prod", "ManagedBy": "terraform", "Project": "acme-ml"}


def tags(data_class: str) -> dict:
    """local.common_tags merged with a DataClass tag, as the buckets use."""
    return {"DataClass": data_class, **TAGS}


def _fake_ca_bundle() -> str:
    """Deterministic stand-in for the cluster CA (base64 of a PEM block)."""
    raw, h = b"", b"acme-ml-eks-ca"
    while len(raw) < 700:
        h = hashlib.sha256(h).digest()
        raw += h
    body = base64.b64encode(raw[:700]).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    return base64.b64encode(pem.encode()).decode()


CA_DATA = _fake_ca_bundle()


# ---------------------------------------------------------------------------
# IAM policy JSON as the functions/providers render it
# ---------------------------------------------------------------------------

def iam_normalized(doc: dict) -> str:
    """How aws_iam_role_policy stores a policy: Version first, statements' keys sorted."""
    stmts = [json.loads(json.dumps(s, sort_keys=True)) for s in doc["Statement"]]
    return json.dumps({"Version": doc["Version"], "Statement": stmts}, separators=(",", ":"))


def _one_or_list(items: list):
    return items[0] if len(items) == 1 else items


def policy_document(statements: list[dict]) -> dict:
    """Values of a data.aws_iam_policy_document that was read during plan.

    Each statement: sid, actions, resources, principals [(type, [ids])],
    conditions [(test, variable, [values])]; effect is always Allow here.
    """
    doc_statements, schema_statements = [], []
    for st in statements:
        out = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = "Allow"
        out["Action"] = _one_or_list(st["actions"])
        if st.get("resources"):
            out["Resource"] = _one_or_list(st["resources"])
        principals = st.get("principals", [])
        if principals:
            if principals[0][0] == "*":
                out["Principal"] = "*"
            else:
                out["Principal"] = {t: _one_or_list(ids) for t, ids in principals}
        conditions = st.get("conditions", [])
        if conditions:
            cond: dict = {}
            for test, variable, values in conditions:
                cond.setdefault(test, {})[variable] = _one_or_list(values)
            out["Condition"] = cond
        doc_statements.append(out)
        schema_statements.append({
            "actions": sorted(st["actions"]),
            "condition": [{"test": t, "values": list(vals), "variable": var} for t, var, vals in conditions],
            "effect": "Allow",
            "not_actions": [],
            "not_principals": [],
            "not_resources": [],
            "principals": [{"identifiers": list(ids), "type": t} for t, ids in principals],
            "resources": sorted(st.get("resources", [])),
            "sid": st.get("sid", ""),
        })
    doc = {"Version": "2012-10-17", "Statement": doc_statements}
    pretty = json.dumps(doc, indent=2)
    return {
        "id": str(zlib.crc32(pretty.encode())),
        "json": pretty,
        "minified_json": json.dumps(doc, separators=(",", ":")),
        "override_json": None,
        "override_policy_documents": None,
        "policy_id": None,
        "source_json": None,
        "source_policy_documents": None,
        "statement": schema_statements,
        "version": "2012-10-17",
    }


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

PLAN = Plan(terraform_version=TERRAFORM_VERSION, timestamp=TIMESTAMP, providers=PROVIDERS,
            schema_versions=SCHEMA_VERSIONS, default_provider="aws")

# R(address, action, *, before=, after=, changes=, reason=, previous_address=,
# replace_paths=, deps=) declares one resource instance; cfg(address, expressions,
# *, depends_on=, for_each=, provider=) one configuration block.
R = PLAN.resource
cfg = PLAN.block


CANONICAL_USER_ID = "0b6d1a9e4f2c7b3a8e5d0c9f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
GITHUB_OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"

# Inline policy of the CI role before this change (removed: aws_iam_role_policy.ci_ecr_push).
ECR_PUSH_POLICY = jsonencode({
    "Statement": [
        {"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*", "Sid": "EcrLogin"},
        {
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:CompleteLayerUpload",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            "Effect": "Allow",
            "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/acme-ml/*",
            "Sid": "EcrPush",
        },
    ],
    "Version": "2012-10-17",
})


def github_trust(sub_condition: dict) -> str:
    """Trust policy of acme-ml-github-deploy (jsonencode in main.tf)."""
    return jsonencode({
        "Statement": [{
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": sub_condition,
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB_OIDC_ARN},
        }],
        "Version": "2012-10-17",
    })


# Before: one repository, one branch.
CI_TRUST_BEFORE = github_trust({"StringEquals": {
    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    "token.actions.githubusercontent.com:sub": "repo:acme/ml-platform:ref:refs/heads/main",
}})
# After (FLAW): any repository and any ref of the acme organisation.
CI_TRUST_AFTER = github_trust({
    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
})


def existing_bucket(name: str, data_class: str, *, versioned: bool = False) -> dict:
    """Refreshed state of an aws_s3_bucket created before this change (SSE-S3 default)."""
    return {
        "acceleration_status": "",
        "acl": None,
        "arn": f"arn:aws:s3:::{name}",
        "bucket": name,
        "bucket_domain_name": f"{name}.s3.amazonaws.com",
        "bucket_prefix": "",
        "bucket_regional_domain_name": f"{name}.s3.{REGION}.amazonaws.com",
        "cors_rule": [],
        "force_destroy": False,
        "grant": [{"id": CANONICAL_USER_ID, "permissions": ["FULL_CONTROL"], "type": "CanonicalUser", "uri": ""}],
        "hosted_zone_id": "Z3AQBSTGFYJSTF",
        "id": name,
        "lifecycle_rule": [],
        "logging": [],
        "object_lock_configuration": [],
        "object_lock_enabled": False,
        "policy": "",
        "region": REGION,
        "replication_configuration": [],
        "request_payer": "BucketOwner",
        "server_side_encryption_configuration": [{"rule": [{
            "apply_server_side_encryption_by_default": [{"kms_master_key_id": "", "sse_algorithm": "AES256"}],
            "bucket_key_enabled": False,
        }]}],
        "tags": tags(data_class),
        "tags_all": tags(data_class),
        "timeouts": None,
        "versioning": [{"enabled": versioned, "mfa_delete": False}],
        "website": [],
        "website_domain": None,
        "website_endpoint": None,
    }


# ---------------------------------------------------------------------------
# Resource instances (AWS). Order does not matter: output is sorted as
# Terraform sorts it.
# ---------------------------------------------------------------------------

# Deferred to apply: one statement needs the ARN of the KMS key that is still to be
# created, so json is unknown and module.inference_irsa's inline policy is too.
R("data.aws_iam_policy_document.inference_model_read", "read",
    reason="read_because_config_unknown",
    after={
        "id": U,
        "json": U,
        "minified_json": U,
        "override_json": None,
        "override_policy_documents": None,
        "policy_id": None,
        "source_json": None,
        "source_policy_documents": None,
        "statement": [
            {
                "actions": ["s3:ListBucket"],
                "condition": [],
                "effect": None,
                "not_actions": None,
                "not_principals": [],
                "not_resources": None,
                "principals": [],
                "resources": ["arn:aws:s3:::acme-ml-model-artifacts"],
                "sid": "ListModelArtifacts",
            },
            {
                "actions": ["s3:GetObject"],
                "condition": [],
                "effect": None,
                "not_actions": None,
                "not_principals": [],
                "not_resources": None,
                "principals": [],
                "resources": ["arn:aws:s3:::acme-ml-model-artifacts/*"],
                "sid": "ReadModelArtifacts",
            },
            {
                "actions": ["kms:Decrypt"],
                "condition": [],
                "effect": None,
                "not_actions": None,
                "not_principals": [],
                "not_resources": None,
                "principals": [],
                "resources": [U],
                "sid": "DecryptModelArtifacts",
            },
            {
                "actions": ["s3:PutObject"],
                "condition": [],
                "effect": None,
                "not_actions": None,
                "not_principals": [],
                "not_resources": None,
                "principals": [],
                "resources": ["arn:aws:s3:::acme-ml-training-data/feedback/*"],
                "sid": "WriteFeedback",
            },
        ],
        "version": None,
    },
)

R("aws_bedrockagent_agent.support", "create",
    after={
        "agent_arn": U,
        "agent_collaboration": U,
        "agent_id": U,
        "agent_name": "acme-support-agent",
        "agent_resource_role_arn": U,
        "agent_version": U,
        "customer_encryption_key_arn": None,
        "description": None,
        "foundation_model": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "guardrail_configuration": None,
        "id": U,
        "idle_session_ttl_in_seconds": 600,
        "instruction": "You are Acme's customer support agent. Answer questions about orders and accounts using the tools you are given.",
        "memory_configuration": UL,
        "prepare_agent": True,
        "prepared_at": U,
        "prompt_override_configuration": UL,
        "skip_resource_in_use_check": False,
        "tags": TAGS,
        "tags_all": TAGS,
        "timeouts": None,
    },
)

# password comes from the sensitive variable db_password (canary value).
R("aws_db_instance.training_metadata", "create",
    after={
        "address": U,
        "allocated_storage": 50,
        "allow_major_version_upgrade": None,
        "apply_immediately": False,
        "arn": U,
        "auto_minor_version_upgrade": True,
        "availability_zone": U,
        "backup_retention_period": 7,
        "backup_target": U,
        "backup_window": U,
        "blue_green_update": [],
        "ca_cert_identifier": U,
        "character_set_name": U,
        "copy_tags_to_snapshot": False,
        "custom_iam_instance_profile": None,
        "customer_owned_ip_enabled": None,
        "database_insights_mode": U,
        "db_name": "mlmeta",
        "db_subnet_group_name": "acme-ml-training-metadata",
        "dedicated_log_volume": False,
        "delete_automated_backups": True,
        "deletion_protection": None,
        "domain": None,
        "domain_auth_secret_arn": None,
        "domain_dns_ips": None,
        "domain_fqdn": U,
        "domain_iam_role_name": None,
        "domain_ou": None,
        "enabled_cloudwatch_logs_exports": None,
        "endpoint": U,
        "engine": "postgres",
        "engine_lifecycle_support": U,
        "engine_version": "16.4",
        "engine_version_actual": U,
        "final_snapshot_identifier": "acme-ml-training-metadata-final",
        "hosted_zone_id": U,
        "iam_database_authentication_enabled": None,
        "id": U,
        "identifier": "acme-ml-training-metadata",
        "identifier_prefix": U,
        "instance_class": "db.t4g.medium",
        "iops": U,
        "kms_key_id": U,
        "latest_restorable_time": U,
        "license_model": U,
        "listener_endpoint": UL,
        "maintenance_window": U,
        "manage_master_user_password": None,
        "master_user_secret": UL,
        "master_user_secret_kms_key_id": U,
        "max_allocated_storage": None,
        "monitoring_interval": 0,
        "monitoring_role_arn": U,
        "multi_az": U,
        "nchar_character_set_name": U,
        "network_type": U,
        "option_group_name": U,
        "parameter_group_name": U,
        "password": S("IACGUARD-CANARY-DBPASS-41d2"),
        "password_wo": S(None),
        "password_wo_version": None,
        "performance_insights_enabled": False,
        "performance_insights_kms_key_id": U,
        "performance_insights_retention_period": U,
        "port": U,
        "publicly_accessible": False,
        "replica_mode": U,
        "replicas": UL,
        "replicate_source_db": None,
        "resource_id": U,
        "restore_to_point_in_time": [],
        "s3_import": [],
        "skip_final_snapshot": False,
        "snapshot_identifier": U,
        "status": U,
        "storage_encrypted": True,
        "storage_throughput": U,
        "storage_type": U,
        "tags": TAGS,
        "tags_all": TAGS,
        "timeouts": None,
        "timezone": U,
        "upgrade_storage_config": None,
        "username": "mlmeta_admin",
        "vpc_security_group_ids": UL,
    },
)

R("aws_db_subnet_group.training_metadata", "create",
    after={
        "arn": U,
        "description": "Managed by Terraform",
        "id": U,
        "name": "acme-ml-training-metadata",
        "name_prefix": U,
        "subnet_ids": ["subnet-0a41c7e93b2d5f816", "subnet-0b92d4f17c3e6a025"],
        "supported_network_types": UL,
        "tags": TAGS,
        "tags_all": TAGS,
        "vpc_id": U,
    },
)

R("aws_eks_cluster.this", "no-op",
    before={
        "access_config": [
            {
                "authentication_mode": "API_AND_CONFIG_MAP",
                "bootstrap_cluster_creator_admin_permissions": True,
            },
        ],
        "arn": "arn:aws:eks:us-east-1:111122223333:cluster/acme-ml",
        "bootstrap_self_managed_addons": True,
        "certificate_authority": [{"data": CA_DATA}],
        "cluster_id": None,
        "compute_config": [],
        "created_at": "2024-03-12 09:48:51.316 +0000 UTC",
        "enabled_cluster_log_types": [],
        "encryption_config": [],
        "endpoint": "https://7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D.gr7.us-east-1.eks.amazonaws.com",
        "force_update_version": None,
        "id": "acme-ml",
        "identity": [
            {
                "oidc": [
                    {
                        "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D",
                    },
                ],
            },
        ],
        "kubernetes_network_config": [
            {
                "elastic_load_balancing": [],
                "ip_family": "ipv4",
                "service_ipv4_cidr": "172.20.0.0/16",
                "service_ipv6_cidr": "",
            },
        ],
        "name": "acme-ml",
        "outpost_config": [],
        "platform_version": "eks.20",
        "remote_network_config": [],
        "role_arn": "arn:aws:iam::111122223333:role/acme-ml-eks-cluster",
        "status": "ACTIVE",
        "storage_config": [],
        "tags": TAGS,
        "tags_all": TAGS,
        "timeouts": None,
        "upgrade_policy": [{"support_type": "EXTENDED"}],
        "version": "1.30",
        "vpc_config": [
            {
                "cluster_security_group_id": "sg-0c5e2a9f71d3b8046",
                "endpoint_private_access": False,
                "endpoint_public_access": True,
                "public_access_cidrs": ["0.0.0.0/0"],
                "security_group_ids": [],
                "subnet_ids": ["subnet-0a41c7e93b2d5f816", "subnet-0b92d4f17c3e6a025"],
                "vpc_id": "vpc-0f3a61c2b9d84e571",
            },
        ],
        "zonal_shift_config": [],
    },
)

R("aws_eks_node_group.gpu", "no-op",
    before={
        "ami_type": "AL2_x86_64_GPU",
        "arn": "arn:aws:eks:us-east-1:111122223333:nodegroup/acme-ml/acme-ml-gpu/a6c7e1d2-3b4f-5a6e-8c9d-0e1f2a3b4c5d",
        "capacity_type": "ON_DEMAND",
        "cluster_name": "acme-ml",
        "disk_size": 100,
        "force_update_version": None,
        "id": "acme-ml:acme-ml-gpu",
        "instance_types": ["g5.2xlarge"],
        "labels": {"workload": "gpu-inference"},
        "launch_template": [],
        "node_group_name": "acme-ml-gpu",
        "node_group_name_prefix": "",
        "node_repair_config": [],
        "node_role_arn": "arn:aws:iam::111122223333:role/acme-ml-eks-node",
        "release_version": "1.30.4-20241024",
        "remote_access": [],
        "resources": [
            {
                "autoscaling_groups": [{"name": "eks-acme-ml-gpu-a6c7e1d2-3b4f-5a6e-8c9d-0e1f2a3b4c5d"}],
                "remote_access_security_group_id": "",
            },
        ],
        "scaling_config": [{"desired_size": 2, "max_size": 4, "min_size": 1}],
        "status": "ACTIVE",
        "subnet_ids": ["subnet-0a41c7e93b2d5f816", "subnet-0b92d4f17c3e6a025"],
        "tags": TAGS,
        "tags_all": TAGS,
        "taint": [{"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "true"}],
        "timeouts": None,
        "update_config": [{"max_unavailable": 1, "max_unavailable_percentage": 0}],
        "version": "1.30",
    },
)

# FLAW: long-lived static credential for a non-human identity.
R("aws_iam_access_key.legacy_batch_uploader", "create",
    after={
        "create_date": U,
        "encrypted_secret": U,
        "encrypted_ses_smtp_password_v4": U,
        "id": U,
        "key_fingerprint": U,
        "pgp_key": None,
        "secret": S(U),
        "ses_smtp_password_v4": S(U),
        "status": "Active",
        "user": "legacy-batch-uploader",
    },
)

# url is known: the cluster already exists, so its issuer is in the prior state.
R("aws_iam_openid_connect_provider.eks", "create",
    after={
        "arn": U,
        "client_id_list": ["sts.amazonaws.com"],
        "id": U,
        "tags": TAGS,
        "tags_all": TAGS,
        "thumbprint_list": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        "url": "https://oidc.eks.us-east-1.amazonaws.com/id/7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D",
    },
)

R("aws_iam_openid_connect_provider.github", "no-op",
    before={
        "arn": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        "client_id_list": ["sts.amazonaws.com"],
        "id": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        "tags": TAGS,
        "tags_all": TAGS,
        "thumbprint_list": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
        "url": "token.actions.githubusercontent.com",
    },
)

R("aws_iam_policy.legacy_batch_uploader", "create",
    after={
        "arn": U,
        "attachment_count": U,
        "description": "Nightly batch upload into the training-data bucket",
        "id": U,
        "name": "legacy-batch-uploader-put",
        "name_prefix": U,
        "path": "/",
        "policy": jsonencode({
            "Statement": [
                {
                    "Action": "s3:PutObject",
                    "Effect": "Allow",
                    "Resource": "arn:aws:s3:::acme-ml-training-data/*",
                    "Sid": "PutTrainingData",
                },
            ],
            "Version": "2012-10-17",
        }),
        "policy_id": U,
        "tags": TAGS,
        "tags_all": TAGS,
    },
)

R("aws_iam_role.bedrock_agent", "create",
    after={
        "arn": U,
        "assume_role_policy": jsonencode({
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
                    "Effect": "Allow",
                    "Principal": {"Service": "bedrock.amazonaws.com"},
                },
            ],
            "Version": "2012-10-17",
        }),
        "create_date": U,
        "description": None,
        "force_detach_policies": False,
        "id": U,
        "inline_policy": UL,
        "managed_policy_arns": UL,
        "max_session_duration": 3600,
        "name": "AmazonBedrockExecutionRoleForAgents_acme-support",
        "name_prefix": U,
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": U,
    },
)

# FLAW: trust widened from one repo/branch to every repository of the org.
R("aws_iam_role.ci_deploy", "update",
    before={
        "arn": "arn:aws:iam::111122223333:role/acme-ml-github-deploy",
        "assume_role_policy": CI_TRUST_BEFORE,
        "create_date": "2024-04-02T16:05:44Z",
        "description": "",
        "force_detach_policies": False,
        "id": "acme-ml-github-deploy",
        "inline_policy": [
            {
                "name": "ci-ecr-push",
                "policy": ECR_PUSH_POLICY,
            },
        ],
        "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        "max_session_duration": 3600,
        "name": "acme-ml-github-deploy",
        "name_prefix": "",
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": "AROARK7PV2QX4GHDEPLOY",
    },
    changes={
        "assume_role_policy": CI_TRUST_AFTER,
    },
)

R("aws_iam_role.eks_cluster", "no-op",
    before={
        "arn": "arn:aws:iam::111122223333:role/acme-ml-eks-cluster",
        "assume_role_policy": jsonencode({
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"Service": "eks.amazonaws.com"},
                },
            ],
            "Version": "2012-10-17",
        }),
        "create_date": "2024-03-12T09:41:07Z",
        "description": "",
        "force_detach_policies": False,
        "id": "acme-ml-eks-cluster",
        "inline_policy": [],
        "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
        "max_session_duration": 3600,
        "name": "acme-ml-eks-cluster",
        "name_prefix": "",
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": "AROARK7PV2QX4EKSCLSTR",
    },
)

R("aws_iam_role.eks_node", "no-op",
    before={
        "arn": "arn:aws:iam::111122223333:role/acme-ml-eks-node",
        "assume_role_policy": jsonencode({
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                },
            ],
            "Version": "2012-10-17",
        }),
        "create_date": "2024-03-12T09:41:07Z",
        "description": "",
        "force_detach_policies": False,
        "id": "acme-ml-eks-node",
        "inline_policy": [],
        "managed_policy_arns": [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ],
        "max_session_duration": 3600,
        "name": "acme-ml-eks-node",
        "name_prefix": "",
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": "AROARK7PV2QX4EKSNODE1",
    },
)

R("aws_iam_role.sagemaker_execution", "create",
    after={
        "arn": U,
        "assume_role_policy": jsonencode({
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"Service": "sagemaker.amazonaws.com"},
                },
            ],
            "Version": "2012-10-17",
        }),
        "create_date": U,
        "description": None,
        "force_detach_policies": False,
        "id": U,
        "inline_policy": UL,
        "managed_policy_arns": UL,
        "max_session_duration": 3600,
        "name": "acme-ml-sagemaker-execution",
        "name_prefix": U,
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": U,
    },
)

# FLAW: the Bedrock agent may invoke every foundation model.
R("aws_iam_role_policy.bedrock_agent", "create",
    after={
        "id": U,
        "name": "bedrock-invoke",
        "name_prefix": U,
        "policy": iam_normalized({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "bedrock:InvokeModel",
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "InvokeAnyModel",
                },
            ],
        }),
        "role": U,
    },
)

# Removed from main.tf (superseded by AdministratorAccess).
R("aws_iam_role_policy.ci_ecr_push", "delete",
    reason="delete_because_no_resource_config",
    deps=["aws_iam_openid_connect_provider.github", "aws_iam_role.ci_deploy"],
    before={
        "id": "acme-ml-github-deploy:ci-ecr-push",
        "name": "ci-ecr-push",
        "name_prefix": "",
        "policy": ECR_PUSH_POLICY,
        "role": "acme-ml-github-deploy",
    },
)

# FLAW: policy_arn forces replacement: AmazonS3ReadOnlyAccess -> AdministratorAccess.
R("aws_iam_role_policy_attachment.ci_deploy", "replace",
    reason="replace_because_cannot_update",
    replace_paths=[["policy_arn"]],
    before={
        "id": "acme-ml-github-deploy-20240402160545902100000001",
        "policy_arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "role": "acme-ml-github-deploy",
    },
    after={
        "id": U,
        "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess",
        "role": "acme-ml-github-deploy",
    },
)

R("aws_iam_role_policy_attachment.eks_cluster_policy", "no-op",
    before={
        "id": "acme-ml-eks-cluster-20240312094108417300000001",
        "policy_arn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        "role": "acme-ml-eks-cluster",
    },
)

R("aws_iam_role_policy_attachment.eks_node[\"AmazonEC2ContainerRegistryReadOnly\"]", "no-op",
    before={
        "id": "acme-ml-eks-node-20240312094108417300000002",
        "policy_arn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "role": "acme-ml-eks-node",
    },
)

R("aws_iam_role_policy_attachment.eks_node[\"AmazonEKSWorkerNodePolicy\"]", "no-op",
    before={
        "id": "acme-ml-eks-node-20240312094108417300000003",
        "policy_arn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "role": "acme-ml-eks-node",
    },
)

R("aws_iam_role_policy_attachment.eks_node[\"AmazonEKS_CNI_Policy\"]", "no-op",
    before={
        "id": "acme-ml-eks-node-20240312094108417300000004",
        "policy_arn": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "role": "acme-ml-eks-node",
    },
)

R("aws_iam_role_policy_attachment.sagemaker_full_access", "create",
    after={
        "id": U,
        "policy_arn": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
        "role": "acme-ml-sagemaker-execution",
    },
)

R("aws_iam_user.legacy_batch_uploader", "no-op",
    before={
        "arn": "arn:aws:iam::111122223333:user/service/legacy-batch-uploader",
        "force_destroy": False,
        "id": "legacy-batch-uploader",
        "name": "legacy-batch-uploader",
        "path": "/service/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": "AIDARK7PV2QX4LEGACYUP",
    },
)

R("aws_iam_user_policy_attachment.legacy_batch_uploader", "create",
    after={"id": U, "policy_arn": U, "user": "legacy-batch-uploader"},
)

R("aws_kms_alias.model_artifacts", "create",
    after={
        "arn": U,
        "id": U,
        "name": "alias/acme-ml-model-artifacts",
        "name_prefix": U,
        "target_key_arn": U,
        "target_key_id": U,
    },
)

R("aws_kms_key.model_artifacts", "create",
    after={
        "arn": U,
        "bypass_policy_lockout_safety_check": False,
        "custom_key_store_id": None,
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "deletion_window_in_days": 30,
        "description": "acme-ml model artifacts",
        "enable_key_rotation": True,
        "id": U,
        "is_enabled": True,
        "key_id": U,
        "key_usage": "ENCRYPT_DECRYPT",
        "multi_region": U,
        "policy": U,
        "rotation_period_in_days": U,
        "tags": TAGS,
        "tags_all": TAGS,
        "timeouts": None,
        "xks_key_id": None,
    },
)

# Renamed in configuration: moved { from = aws_s3_bucket.models, to = ...model_artifacts }
R("aws_s3_bucket.model_artifacts", "no-op",
    previous_address="aws_s3_bucket.models",
    before=existing_bucket("acme-ml-model-artifacts", "model-artifacts"),
)

R("aws_s3_bucket.tfstate", "no-op",
    before=existing_bucket("acme-ml-tfstate", "terraform-state", versioned=True),
)

R("aws_s3_bucket.training_data", "no-op",
    before=existing_bucket("acme-ml-training-data", "training-data"),
)

# FLAW: Principal "*" may read every training-data object.
R("aws_s3_bucket_policy.training_data", "create",
    after={
        "bucket": "acme-ml-training-data",
        "id": U,
        "policy": jsonencode({
            "Statement": [
                {
                    "Action": "s3:GetObject",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Resource": "arn:aws:s3:::acme-ml-training-data/*",
                    "Sid": "PublicRead",
                },
            ],
            "Version": "2012-10-17",
        }),
    },
)

R("aws_s3_bucket_public_access_block.model_artifacts", "create",
    after={
        "block_public_acls": True,
        "block_public_policy": True,
        "bucket": "acme-ml-model-artifacts",
        "id": U,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    },
)

R("aws_s3_bucket_public_access_block.tfstate", "no-op",
    before={
        "block_public_acls": True,
        "block_public_policy": True,
        "bucket": "acme-ml-tfstate",
        "id": "acme-ml-tfstate",
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    },
)

# FLAW: all four public-access protections off.
R("aws_s3_bucket_public_access_block.training_data", "create",
    after={
        "block_public_acls": False,
        "block_public_policy": False,
        "bucket": "acme-ml-training-data",
        "id": U,
        "ignore_public_acls": False,
        "restrict_public_buckets": False,
    },
)

R("aws_s3_bucket_server_side_encryption_configuration.model_artifacts", "create",
    after={
        "bucket": "acme-ml-model-artifacts",
        "expected_bucket_owner": None,
        "id": U,
        "rule": [
            {
                "apply_server_side_encryption_by_default": [{"kms_master_key_id": U, "sse_algorithm": "aws:kms"}],
                "bucket_key_enabled": True,
            },
        ],
    },
)

R("aws_s3_bucket_versioning.tfstate", "no-op",
    before={
        "bucket": "acme-ml-tfstate",
        "expected_bucket_owner": "",
        "id": "acme-ml-tfstate",
        "mfa": None,
        "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}],
    },
)

R("aws_sagemaker_endpoint.llm", "create",
    after={
        "arn": U,
        "deployment_config": [],
        "endpoint_config_name": "acme-ml-llm",
        "id": U,
        "name": "acme-ml-llm",
        "tags": TAGS,
        "tags_all": TAGS,
    },
)

# data_capture_config is empty: endpoint traffic is not captured.
R("aws_sagemaker_endpoint_configuration.llm", "create",
    after={
        "arn": U,
        "async_inference_config": [],
        "data_capture_config": [],
        "id": U,
        "kms_key_arn": None,
        "name": "acme-ml-llm",
        "name_prefix": U,
        "production_variants": [
            {
                "accelerator_type": None,
                "container_startup_health_check_timeout_in_seconds": None,
                "core_dump_config": [],
                "enable_ssm_access": None,
                "inference_ami_version": None,
                "initial_instance_count": 1,
                "initial_variant_weight": 1,
                "instance_type": "ml.g5.2xlarge",
                "managed_instance_scaling": [],
                "model_data_download_timeout_in_seconds": None,
                "model_name": "acme-ml-support-llm",
                "routing_config": [],
                "serverless_config": [],
                "variant_name": "primary",
                "volume_size_in_gb": U,
            },
        ],
        "shadow_production_variants": [],
        "tags": TAGS,
        "tags_all": TAGS,
    },
)

R("aws_sagemaker_model.llm", "create",
    after={
        "arn": U,
        "container": [],
        "enable_network_isolation": None,
        "execution_role_arn": U,
        "id": U,
        "inference_execution_config": UL,
        "name": "acme-ml-support-llm",
        "primary_container": [
            {
                "container_hostname": None,
                "environment": {"HF_MODEL_ID": "/opt/ml/model", "SM_NUM_GPUS": "1"},
                "image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.3.0-tgi2.2.0-gpu-py310-cu121-ubuntu22.04",
                "image_config": [],
                "inference_specification_name": None,
                "mode": "SingleModel",
                "model_data_source": UL,
                "model_data_url": "s3://acme-ml-model-artifacts/llm/support-llm-v3/model.tar.gz",
                "model_package_name": None,
                "multi_model_config": [],
            },
        ],
        "tags": TAGS,
        "tags_all": TAGS,
        "vpc_config": [],
    },
)

# FLAW: root access and direct internet access enabled.
R("aws_sagemaker_notebook_instance.research", "create",
    after={
        "accelerator_types": None,
        "additional_code_repositories": None,
        "arn": U,
        "default_code_repository": None,
        "direct_internet_access": "Enabled",
        "id": U,
        "instance_metadata_service_configuration": [],
        "instance_type": "ml.t3.xlarge",
        "kms_key_id": None,
        "lifecycle_config_name": None,
        "name": "acme-ml-research",
        "network_interface_id": U,
        "platform_identifier": U,
        "role_arn": U,
        "root_access": "Enabled",
        "security_groups": UL,
        "subnet_id": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "url": U,
        "volume_size": 50,
    },
)

R("aws_secretsmanager_secret.openai_api_key", "create",
    after={
        "arn": U,
        "description": "OpenAI API key used by the support agent",
        "force_overwrite_replica_secret": False,
        "id": U,
        "kms_key_id": None,
        "name": "acme-ml/openai-api-key",
        "name_prefix": U,
        "policy": U,
        "recovery_window_in_days": 7,
        "replica": UL,
        "tags": TAGS,
        "tags_all": TAGS,
    },
)

# secret_string comes from the sensitive variable openai_api_key (canary value).
R("aws_secretsmanager_secret_version.openai_api_key", "create",
    after={
        "arn": U,
        "has_secret_string_wo": U,
        "id": U,
        "secret_binary": S(None),
        "secret_id": U,
        "secret_string": S("IACGUARD-CANARY-SECRET-7f3a9c"),
        "secret_string_wo": S(None),
        "secret_string_wo_version": None,
        "version_id": U,
        "version_stages": UL,
    },
)

# IRSA trust policies: deferred because the new OIDC provider's ARN is unknown
# (identifiers [null]); the sub/aud conditions are already known.
R("module.agent_irsa.data.aws_iam_policy_document.irsa", "read",
    reason="read_because_config_unknown",
    after={
        "id": U,
        "json": U,
        "minified_json": U,
        "override_json": None,
        "override_policy_documents": None,
        "policy_id": None,
        "source_json": None,
        "source_policy_documents": None,
        "statement": [
            {
                "actions": ["sts:AssumeRoleWithWebIdentity"],
                "condition": [
                    {
                        "test": "StringEquals",
                        "values": ["sts.amazonaws.com"],
                        "variable": "oidc.eks.us-east-1.amazonaws.com/id/7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D:aud",
                    },
                    {
                        "test": "StringEquals",
                        "values": ["system:serviceaccount:agents:support-agent"],
                        "variable": "oidc.eks.us-east-1.amazonaws.com/id/7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D:sub",
                    },
                ],
                "effect": "Allow",
                "not_actions": None,
                "not_principals": [],
                "not_resources": None,
                "principals": [{"identifiers": [U], "type": "Federated"}],
                "resources": None,
                "sid": None,
            },
        ],
        "version": None,
    },
)

R("module.agent_irsa.aws_iam_role.this", "create",
    after={
        "arn": U,
        "assume_role_policy": U,
        "create_date": U,
        "description": "IRSA role for agents/support-agent",
        "force_detach_policies": False,
        "id": U,
        "inline_policy": UL,
        "managed_policy_arns": UL,
        "max_session_duration": 3600,
        "name": "acme-ml-support-agent",
        "name_prefix": U,
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": U,
    },
)

# FLAW: s3:*, secretsmanager:GetSecretValue and iam:PassRole on "*", with a SageMaker
# training-job action: the agent can pass the SageMaker execution role to a job it starts.
R("module.agent_irsa.aws_iam_role_policy.this", "create",
    after={
        "id": U,
        "name": "acme-ml-support-agent-inline",
        "name_prefix": U,
        "policy": iam_normalized({
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "s3:*", "Effect": "Allow", "Resource": "*", "Sid": "AgentDataAccess"},
                {
                    "Action": "secretsmanager:GetSecretValue",
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "AgentSecrets",
                },
                {
                    "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "AgentInvokeModels",
                },
                {
                    "Action": "iam:PassRole",
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "AgentPassRole",
                },
                {
                    "Action": ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"],
                    "Effect": "Allow",
                    "Resource": "*",
                    "Sid": "AgentFineTune",
                },
            ],
        }),
        "role": "acme-ml-support-agent",
    },
)

R("module.inference_irsa.data.aws_iam_policy_document.irsa", "read",
    reason="read_because_config_unknown",
    after={
        "id": U,
        "json": U,
        "minified_json": U,
        "override_json": None,
        "override_policy_documents": None,
        "policy_id": None,
        "source_json": None,
        "source_policy_documents": None,
        "statement": [
            {
                "actions": ["sts:AssumeRoleWithWebIdentity"],
                "condition": [
                    {
                        "test": "StringEquals",
                        "values": ["sts.amazonaws.com"],
                        "variable": "oidc.eks.us-east-1.amazonaws.com/id/7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D:aud",
                    },
                    {
                        "test": "StringEquals",
                        "values": ["system:serviceaccount:inference:vllm"],
                        "variable": "oidc.eks.us-east-1.amazonaws.com/id/7D2E9A4C1B3F5E6A8C0D2B4F6A8E1C3D:sub",
                    },
                ],
                "effect": "Allow",
                "not_actions": None,
                "not_principals": [],
                "not_resources": None,
                "principals": [{"identifiers": [U], "type": "Federated"}],
                "resources": None,
                "sid": None,
            },
        ],
        "version": None,
    },
)

R("module.inference_irsa.aws_iam_role.this", "create",
    after={
        "arn": U,
        "assume_role_policy": U,
        "create_date": U,
        "description": "IRSA role for inference/vllm",
        "force_detach_policies": False,
        "id": U,
        "inline_policy": UL,
        "managed_policy_arns": UL,
        "max_session_duration": 3600,
        "name": "acme-ml-inference-vllm",
        "name_prefix": U,
        "path": "/",
        "permissions_boundary": None,
        "tags": TAGS,
        "tags_all": TAGS,
        "unique_id": U,
    },
)

R("module.inference_irsa.aws_iam_role_policy.this", "create",
    after={
        "id": U,
        "name": "acme-ml-inference-vllm-inline",
        "name_prefix": U,
        "policy": U,
        "role": "acme-ml-inference-vllm",
    },
)


# --- Kubernetes namespaces and IRSA service accounts --------------------------

for _ns in ("agents", "inference"):
    R(f'kubernetes_namespace_v1.workload["{_ns}"]', "create",
      after={
          "id": U,
          "metadata": [{
              "annotations": None,
              "generate_name": None,
              "generation": U,
              "labels": {"app.kubernetes.io/part-of": "acme-ml"},
              "name": _ns,
              "resource_version": U,
              "uid": U,
          }],
          "timeouts": None,
          "wait_for_default_service_account": False,
      })

for _tf_name, _sa, _ns in (("support_agent", "support-agent", "agents"), ("vllm", "vllm", "inference")):
    R(f"kubernetes_service_account_v1.{_tf_name}", "create",
      after={
          "automount_service_account_token": True,
          "default_secret_name": U,
          "id": U,
          "image_pull_secret": [],
          "metadata": [{
              # module.<x>_irsa.role_arn is unknown until the role exists.
              "annotations": {"eks.amazonaws.com/role-arn": U},
              "generate_name": None,
              "generation": U,
              "labels": None,
              "name": _sa,
              "namespace": _ns,
              "resource_version": U,
              "uid": U,
          }],
          "secret": [],
          "timeouts": None,
      })


# FLAW: the local chart published on the internet without an API key (see main.tf).
CHAT_API_VALUES = (
    'service:\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: '
    '"internet-facing"\n  type: "LoadBalancer"\nserviceAccount:\n  create: false\n  name: '
    '"vllm"\nvectorDb:\n  enabled: false\n'
)
R("helm_release.chat_api", "create",
  after={
      "atomic": False, "chart": "../charts/llm-serving", "cleanup_on_fail": False,
      "create_namespace": False, "dependency_update": False, "description": None,
      "devel": None, "disable_crd_hooks": False, "disable_openapi_validation": False,
      "disable_webhooks": False, "force_update": False, "id": U, "keyring": None,
      "lint": False, "manifest": U, "max_history": 0, "metadata": U, "name": "acme",
      "namespace": "inference", "pass_credentials": False, "postrender": [],
      "recreate_pods": False, "render_subchart_notes": True, "replace": False,
      "repository": None, "repository_ca_file": None, "repository_cert_file": None,
      "repository_key_file": None, "repository_password": None,
      "repository_username": None, "reset_values": False, "reuse_values": False,
      "set": [{"name": "apiKey.enabled", "type": None, "value": "false"}],
      "set_list": [], "set_sensitive": [], "skip_crds": False, "status": "deployed",
      "timeout": 300, "values": [CHAT_API_VALUES], "verify": False, "version": "0.3.0",
      "wait": True, "wait_for_jobs": False,
  })


# ---------------------------------------------------------------------------
# Data sources read during planning (config fully known): prior_state only
# ---------------------------------------------------------------------------

PRIOR_DATA = {
    "data.aws_caller_identity.current": {
        "account_id": ACCOUNT,
        # The plan is produced by the CI pipeline, i.e. by the deploy role.
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/acme-ml-github-deploy/GitHubActions",
        "id": ACCOUNT,
        "user_id": "AROARK7PV2QX4GHDEPLOY:GitHubActions",
    },
    "data.aws_iam_policy_document.bedrock_agent_permissions": policy_document([
        {"sid": "InvokeAnyModel", "actions": ["bedrock:InvokeModel"], "resources": ["*"]},
    ]),
    "data.aws_iam_policy_document.bedrock_agent_trust": policy_document([
        {"actions": ["sts:AssumeRole"],
         "principals": [("Service", ["bedrock.amazonaws.com"])],
         "conditions": [("StringEquals", "aws:SourceAccount", [ACCOUNT])]},
    ]),
    "data.aws_iam_policy_document.sagemaker_assume": policy_document([
        {"actions": ["sts:AssumeRole"], "principals": [("Service", ["sagemaker.amazonaws.com"])]},
    ]),
    "data.aws_iam_policy_document.training_data_public_read": policy_document([
        {"sid": "PublicRead", "actions": ["s3:GetObject"],
         "resources": ["arn:aws:s3:::acme-ml-training-data/*"],
         "principals": [("*", ["*"])]},
    ]),
}


# ---------------------------------------------------------------------------
# Configuration (what `terraform show -json` prints under "configuration")
# ---------------------------------------------------------------------------

PROVIDER_CONFIG = {
    "aws": {
        "name": "aws",
        "full_name": PROVIDERS["aws"],
        "version_constraint": "~> 5.90",
        "expressions": {"region": r("var.region")},
    },
    "helm": {
        "name": "helm",
        "full_name": PROVIDERS["helm"],
        "version_constraint": "~> 2.17",
    },
    "kubernetes": {
        "name": "kubernetes",
        "full_name": PROVIDERS["kubernetes"],
        "version_constraint": "~> 2.33",
        "expressions": {
            "cluster_ca_certificate": r("aws_eks_cluster.this.certificate_authority[0].data"),
            "exec": [{
                "api_version": c("client.authentication.k8s.io/v1beta1"),
                "args": r("aws_eks_cluster.this.name"),
                "command": c("aws"),
            }],
            "host": r("aws_eks_cluster.this.endpoint"),
        },
    },
}

LOCALS = {
    "account_id": r("data.aws_caller_identity.current.account_id"),
    "common_tags": c(TAGS),
    "workload_namespaces": e(),
}

ROOT_VARIABLES = {
    "cluster_name": {"default": "acme-ml", "description": "Name of the EKS cluster that runs the inference and agent workloads."},
    "db_password": {"description": "Master password of the training-metadata database. Supply via TF_VAR_db_password.", "sensitive": True},
    "github_org": {"default": "acme", "description": "GitHub organisation whose Actions workflows may deploy this stack."},
    "openai_api_key": {"description": "OpenAI API key used by the support agent as a fallback model. Supply via TF_VAR_openai_api_key.", "sensitive": True},
    "private_subnet_ids": {"description": "Private subnets for EKS nodes and RDS (managed by the network stack)."},
    "region": {"default": "us-east-1", "description": "AWS region for the acme-ml platform."},
    "vpc_id": {"description": "VPC that hosts the platform (managed by the network stack)."},
}

# Values given for the root variables (terraform.tfvars + TF_VAR_*). Terraform
# prints sensitive variable values here in clear text, as it does in real plans.
VARIABLE_VALUES = {
    "cluster_name": "acme-ml",
    "db_password": "IACGUARD-CANARY-DBPASS-41d2",
    "github_org": "acme",
    "openai_api_key": "IACGUARD-CANARY-SECRET-7f3a9c",
    "private_subnet_ids": ["subnet-0a41c7e93b2d5f816", "subnet-0b92d4f17c3e6a025"],
    "region": REGION,
    "vpc_id": "vpc-0f3a61c2b9d84e571",
}

ROOT_OUTPUTS = {
    "agent_role_arn": r("module.agent_irsa.role_arn"),
    "ci_deploy_role_arn": r("aws_iam_role.ci_deploy.arn"),
    "cluster_name": r("aws_eks_cluster.this.name"),
    "inference_role_arn": r("module.inference_irsa.role_arn"),
    "sagemaker_endpoint_name": r("aws_sagemaker_endpoint.llm.name"),
}

# Output values: (before, after); None before = not in prior state.
OUTPUT_VALUES = {
    "agent_role_arn": (None, U),
    "ci_deploy_role_arn": (f"arn:aws:iam::{ACCOUNT}:role/acme-ml-github-deploy", f"arn:aws:iam::{ACCOUNT}:role/acme-ml-github-deploy"),
    "cluster_name": ("acme-ml", "acme-ml"),
    "inference_role_arn": (None, U),
    "sagemaker_endpoint_name": (None, "acme-ml-llm"),
}

ROOT_RESOURCES = [
    cfg("aws_bedrockagent_agent.support", {
        "agent_name": c("acme-support-agent"),
        "agent_resource_role_arn": r("aws_iam_role.bedrock_agent.arn"),
        "foundation_model": c("anthropic.claude-3-5-sonnet-20240620-v1:0"),
        "idle_session_ttl_in_seconds": c(600),
        "instruction": c("You are Acme's customer support agent. Answer questions about orders and accounts using the tools you are given."),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_db_instance.training_metadata", {
        "allocated_storage": c(50),
        "backup_retention_period": c(7),
        "db_name": c("mlmeta"),
        "db_subnet_group_name": r("aws_db_subnet_group.training_metadata.name"),
        "engine": c("postgres"),
        "engine_version": c("16.4"),
        "final_snapshot_identifier": c("acme-ml-training-metadata-final"),
        "identifier": c("acme-ml-training-metadata"),
        "instance_class": c("db.t4g.medium"),
        "password": r("var.db_password"),
        "skip_final_snapshot": c(False),
        "storage_encrypted": c(True),
        "tags": r("local.common_tags"),
        "username": c("mlmeta_admin"),
    }),
    cfg("aws_db_subnet_group.training_metadata", {
        "name": c("acme-ml-training-metadata"),
        "subnet_ids": r("var.private_subnet_ids"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_eks_cluster.this", {
        "access_config": [{
            "authentication_mode": c("API_AND_CONFIG_MAP"),
            "bootstrap_cluster_creator_admin_permissions": c(True),
        }],
        "name": r("var.cluster_name"),
        "role_arn": r("aws_iam_role.eks_cluster.arn"),
        "tags": r("local.common_tags"),
        "version": c("1.30"),
        "vpc_config": [{
            "endpoint_private_access": c(False),
            "endpoint_public_access": c(True),
            "public_access_cidrs": c(["0.0.0.0/0"]),
            "subnet_ids": r("var.private_subnet_ids"),
        }],
    }, depends_on=["aws_iam_role_policy_attachment.eks_cluster_policy"]),
    cfg("aws_eks_node_group.gpu", {
        "ami_type": c("AL2_x86_64_GPU"),
        "capacity_type": c("ON_DEMAND"),
        "cluster_name": r("aws_eks_cluster.this.name"),
        "disk_size": c(100),
        "instance_types": c(["g5.2xlarge"]),
        "labels": c({"workload": "gpu-inference"}),
        "node_group_name": c("acme-ml-gpu"),
        "node_role_arn": r("aws_iam_role.eks_node.arn"),
        "scaling_config": [{"desired_size": c(2), "max_size": c(4), "min_size": c(1)}],
        "subnet_ids": r("var.private_subnet_ids"),
        "tags": r("local.common_tags"),
        "taint": [{"effect": c("NO_SCHEDULE"), "key": c("nvidia.com/gpu"), "value": c("true")}],
        "update_config": [{"max_unavailable": c(1)}],
    }, depends_on=["aws_iam_role_policy_attachment.eks_node"]),
    cfg("aws_iam_access_key.legacy_batch_uploader", {
        "user": r("aws_iam_user.legacy_batch_uploader.name"),
    }),
    cfg("aws_iam_openid_connect_provider.eks", {
        "client_id_list": c(["sts.amazonaws.com"]),
        "tags": r("local.common_tags"),
        "thumbprint_list": c(["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]),
        "url": r("aws_eks_cluster.this.identity[0].oidc[0].issuer"),
    }),
    cfg("aws_iam_openid_connect_provider.github", {
        "client_id_list": c(["sts.amazonaws.com"]),
        "tags": r("local.common_tags"),
        "thumbprint_list": c(["6938fd4d98bab03faadb97b34396831e3780aea1"]),
        "url": c("https://token.actions.githubusercontent.com"),
    }),
    cfg("aws_iam_policy.legacy_batch_uploader", {
        "description": c("Nightly batch upload into the training-data bucket"),
        "name": c("legacy-batch-uploader-put"),
        "policy": r("aws_s3_bucket.training_data.arn"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_role.bedrock_agent", {
        "assume_role_policy": r("data.aws_iam_policy_document.bedrock_agent_trust.json"),
        "name": c("AmazonBedrockExecutionRoleForAgents_acme-support"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_role.ci_deploy", {
        "assume_role_policy": r("aws_iam_openid_connect_provider.github.arn", "var.github_org"),
        "name": c("acme-ml-github-deploy"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_role.eks_cluster", {
        "assume_role_policy": e(),
        "name": c("acme-ml-eks-cluster"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_role.eks_node", {
        "assume_role_policy": e(),
        "name": c("acme-ml-eks-node"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_role.sagemaker_execution", {
        "assume_role_policy": r("data.aws_iam_policy_document.sagemaker_assume.json"),
        "name": c("acme-ml-sagemaker-execution"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_role_policy.bedrock_agent", {
        "name": c("bedrock-invoke"),
        "policy": r("data.aws_iam_policy_document.bedrock_agent_permissions.json"),
        "role": r("aws_iam_role.bedrock_agent.id"),
    }),
    cfg("aws_iam_role_policy_attachment.ci_deploy", {
        "policy_arn": c("arn:aws:iam::aws:policy/AdministratorAccess"),
        "role": r("aws_iam_role.ci_deploy.name"),
    }),
    cfg("aws_iam_role_policy_attachment.eks_cluster_policy", {
        "policy_arn": c("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"),
        "role": r("aws_iam_role.eks_cluster.name"),
    }),
    # for_each = toset([...]): a function call without references, which
    # Terraform leaves out of the JSON entirely.
    cfg("aws_iam_role_policy_attachment.eks_node", {
        "policy_arn": r("each.key"),
        "role": r("aws_iam_role.eks_node.name"),
    }),
    cfg("aws_iam_role_policy_attachment.sagemaker_full_access", {
        "policy_arn": c("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"),
        "role": r("aws_iam_role.sagemaker_execution.name"),
    }),
    cfg("aws_iam_user.legacy_batch_uploader", {
        "name": c("legacy-batch-uploader"),
        "path": c("/service/"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_iam_user_policy_attachment.legacy_batch_uploader", {
        "policy_arn": r("aws_iam_policy.legacy_batch_uploader.arn"),
        "user": r("aws_iam_user.legacy_batch_uploader.name"),
    }),
    cfg("aws_kms_alias.model_artifacts", {
        "name": c("alias/acme-ml-model-artifacts"),
        "target_key_id": r("aws_kms_key.model_artifacts.key_id"),
    }),
    cfg("aws_kms_key.model_artifacts", {
        "deletion_window_in_days": c(30),
        "description": c("acme-ml model artifacts"),
        "enable_key_rotation": c(True),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_s3_bucket.model_artifacts", {
        "bucket": c("acme-ml-model-artifacts"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_s3_bucket.tfstate", {
        "bucket": c("acme-ml-tfstate"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_s3_bucket.training_data", {
        "bucket": c("acme-ml-training-data"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_s3_bucket_policy.training_data", {
        "bucket": r("aws_s3_bucket.training_data.id"),
        "policy": r("data.aws_iam_policy_document.training_data_public_read.json"),
    }, depends_on=["aws_s3_bucket_public_access_block.training_data"]),
    cfg("aws_s3_bucket_public_access_block.model_artifacts", {
        "block_public_acls": c(True),
        "block_public_policy": c(True),
        "bucket": r("aws_s3_bucket.model_artifacts.id"),
        "ignore_public_acls": c(True),
        "restrict_public_buckets": c(True),
    }),
    cfg("aws_s3_bucket_public_access_block.tfstate", {
        "block_public_acls": c(True),
        "block_public_policy": c(True),
        "bucket": r("aws_s3_bucket.tfstate.id"),
        "ignore_public_acls": c(True),
        "restrict_public_buckets": c(True),
    }),
    cfg("aws_s3_bucket_public_access_block.training_data", {
        "block_public_acls": c(False),
        "block_public_policy": c(False),
        "bucket": r("aws_s3_bucket.training_data.id"),
        "ignore_public_acls": c(False),
        "restrict_public_buckets": c(False),
    }),
    cfg("aws_s3_bucket_server_side_encryption_configuration.model_artifacts", {
        "bucket": r("aws_s3_bucket.model_artifacts.id"),
        "rule": [{
            "apply_server_side_encryption_by_default": [{
                "kms_master_key_id": r("aws_kms_key.model_artifacts.arn"),
                "sse_algorithm": c("aws:kms"),
            }],
            "bucket_key_enabled": c(True),
        }],
    }),
    cfg("aws_s3_bucket_versioning.tfstate", {
        "bucket": r("aws_s3_bucket.tfstate.id"),
        "versioning_configuration": [{"status": c("Enabled")}],
    }),
    cfg("aws_sagemaker_endpoint.llm", {
        "endpoint_config_name": r("aws_sagemaker_endpoint_configuration.llm.name"),
        "name": c("acme-ml-llm"),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_sagemaker_endpoint_configuration.llm", {
        "name": c("acme-ml-llm"),
        "production_variants": [{
            "initial_instance_count": c(1),
            "instance_type": c("ml.g5.2xlarge"),
            "model_name": r("aws_sagemaker_model.llm.name"),
            "variant_name": c("primary"),
        }],
        "tags": r("local.common_tags"),
    }),
    cfg("aws_sagemaker_model.llm", {
        "execution_role_arn": r("aws_iam_role.sagemaker_execution.arn"),
        "name": c("acme-ml-support-llm"),
        "primary_container": [{
            "environment": c({"HF_MODEL_ID": "/opt/ml/model", "SM_NUM_GPUS": "1"}),
            "image": c("763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.3.0-tgi2.2.0-gpu-py310-cu121-ubuntu22.04"),
            "model_data_url": r("aws_s3_bucket.model_artifacts.bucket"),
        }],
        "tags": r("local.common_tags"),
    }),
    cfg("aws_sagemaker_notebook_instance.research", {
        "direct_internet_access": c("Enabled"),
        "instance_type": c("ml.t3.xlarge"),
        "name": c("acme-ml-research"),
        "role_arn": r("aws_iam_role.sagemaker_execution.arn"),
        "root_access": c("Enabled"),
        "tags": r("local.common_tags"),
        "volume_size": c(50),
    }),
    cfg("aws_secretsmanager_secret.openai_api_key", {
        "description": c("OpenAI API key used by the support agent"),
        "name": c("acme-ml/openai-api-key"),
        "recovery_window_in_days": c(7),
        "tags": r("local.common_tags"),
    }),
    cfg("aws_secretsmanager_secret_version.openai_api_key", {
        "secret_id": r("aws_secretsmanager_secret.openai_api_key.id"),
        "secret_string": r("var.openai_api_key"),
    }),
    cfg("data.aws_caller_identity.current"),
    cfg("data.aws_iam_policy_document.bedrock_agent_permissions", {
        "statement": [{
            "actions": c(["bedrock:InvokeModel"]),
            "resources": c(["*"]),
            "sid": c("InvokeAnyModel"),
        }],
    }),
    cfg("data.aws_iam_policy_document.bedrock_agent_trust", {
        "statement": [{
            "actions": c(["sts:AssumeRole"]),
            "condition": [{
                "test": c("StringEquals"),
                "values": r("local.account_id"),
                "variable": c("aws:SourceAccount"),
            }],
            "principals": [{"identifiers": c(["bedrock.amazonaws.com"]), "type": c("Service")}],
        }],
    }),
    cfg("data.aws_iam_policy_document.inference_model_read", {
        "statement": [
            {"actions": c(["s3:ListBucket"]), "resources": r("aws_s3_bucket.model_artifacts.arn"), "sid": c("ListModelArtifacts")},
            {"actions": c(["s3:GetObject"]), "resources": r("aws_s3_bucket.model_artifacts.arn"), "sid": c("ReadModelArtifacts")},
            {"actions": c(["kms:Decrypt"]), "resources": r("aws_kms_key.model_artifacts.arn"), "sid": c("DecryptModelArtifacts")},
            {"actions": c(["s3:PutObject"]), "resources": r("aws_s3_bucket.training_data.arn"), "sid": c("WriteFeedback")},
        ],
    }),
    cfg("data.aws_iam_policy_document.sagemaker_assume", {
        "statement": [{
            "actions": c(["sts:AssumeRole"]),
            "principals": [{"identifiers": c(["sagemaker.amazonaws.com"]), "type": c("Service")}],
        }],
    }),
    cfg("data.aws_iam_policy_document.training_data_public_read", {
        "statement": [{
            "actions": c(["s3:GetObject"]),
            "principals": [{"identifiers": c(["*"]), "type": c("*")}],
            "resources": r("aws_s3_bucket.training_data.arn"),
            "sid": c("PublicRead"),
        }],
    }),
    cfg('kubernetes_namespace_v1.workload', {
        "metadata": [{
            "labels": c({"app.kubernetes.io/part-of": "acme-ml"}),
            "name": r("each.key"),
        }],
    }, for_each=r("local.workload_namespaces"), provider="kubernetes"),
    cfg("kubernetes_service_account_v1.support_agent", {
        "metadata": [{
            "annotations": r("module.agent_irsa.role_arn"),
            "name": c("support-agent"),
            "namespace": r('kubernetes_namespace_v1.workload["agents"].metadata[0].name'),
        }],
    }, provider="kubernetes"),
    cfg("helm_release.chat_api", {
        "chart": c("../charts/llm-serving"),
        "name": c("acme"),
        "namespace": r('kubernetes_namespace_v1.workload["inference"].metadata[0].name'),
        "set": [{"name": c("apiKey.enabled"), "value": c("false")}],
        "values": e(),
    }, provider="helm"),
    cfg("kubernetes_service_account_v1.vllm", {
        "metadata": [{
            "annotations": r("module.inference_irsa.role_arn"),
            "name": c("vllm"),
            "namespace": r('kubernetes_namespace_v1.workload["inference"].metadata[0].name'),
        }],
    }, provider="kubernetes"),
]

# modules/irsa-role (the same module is called twice).
IRSA_MODULE = {
    "outputs": {
        "role_arn": {"expression": r("aws_iam_role.this.arn")},
        "role_name": {"expression": r("aws_iam_role.this.name")},
    },
    "resources": [
        cfg("aws_iam_role.this", {
            "assume_role_policy": r("data.aws_iam_policy_document.irsa.json"),
            "description": r("var.namespace", "var.service_account"),
            "name": r("var.name"),
            "tags": r("var.tags"),
        }),
        cfg("aws_iam_role_policy.this", {
            "name": r("var.name"),
            "policy": r("var.policy_json"),
            "role": r("aws_iam_role.this.name"),
        }),
        cfg("data.aws_iam_policy_document.irsa", {
            "statement": [{
                "actions": c(["sts:AssumeRoleWithWebIdentity"]),
                "condition": [
                    {
                        "test": c("StringEquals"),
                        "values": r("var.namespace", "var.service_account"),
                        "variable": r("var.oidc_provider_url"),
                    },
                    {
                        "test": c("StringEquals"),
                        "values": c(["sts.amazonaws.com"]),
                        "variable": r("var.oidc_provider_url"),
                    },
                ],
                "effect": c("Allow"),
                "principals": [{"identifiers": r("var.oidc_provider_arn"), "type": c("Federated")}],
            }],
        }),
    ],
    "variables": {
        "name": {"description": "Name of the IAM role."},
        "namespace": {"description": "Kubernetes namespace of the workload's service account."},
        "oidc_provider_arn": {"description": "ARN of the cluster's IAM OIDC provider."},
        "oidc_provider_url": {"description": "Issuer URL of the cluster's IAM OIDC provider."},
        "policy_json": {"description": "Inline permission policy attached to the role."},
        "service_account": {"description": "Kubernetes service account allowed to assume the role."},
        "tags": {"default": {}, "description": "Tags applied to the role."},
    },
}

MODULE_CALLS = {
    "agent_irsa": {
        "source": "./modules/irsa-role",
        "expressions": {
            "name": c("acme-ml-support-agent"),
            "namespace": c("agents"),
            "oidc_provider_arn": r("aws_iam_openid_connect_provider.eks.arn"),
            "oidc_provider_url": r("aws_iam_openid_connect_provider.eks.url"),
            "policy_json": e(),  # jsonencode({...}) of literals only
            "service_account": c("support-agent"),
            "tags": r("local.common_tags"),
        },
        "module": IRSA_MODULE,
    },
    "inference_irsa": {
        "source": "./modules/irsa-role",
        "expressions": {
            "name": c("acme-ml-inference-vllm"),
            "namespace": c("inference"),
            "oidc_provider_arn": r("aws_iam_openid_connect_provider.eks.arn"),
            "oidc_provider_url": r("aws_iam_openid_connect_provider.eks.url"),
            "policy_json": r("data.aws_iam_policy_document.inference_model_read.json"),
            "service_account": c("vllm"),
            "tags": r("local.common_tags"),
        },
        "module": IRSA_MODULE,
    },
}


def main() -> None:
    PLAN.provider_config = PROVIDER_CONFIG
    PLAN.locals = LOCALS
    PLAN.root_variables = ROOT_VARIABLES
    PLAN.variable_values = VARIABLE_VALUES
    PLAN.root_outputs = ROOT_OUTPUTS
    PLAN.output_values = OUTPUT_VALUES
    PLAN.root_resources = ROOT_RESOURCES
    PLAN.module_calls = MODULE_CALLS
    PLAN.prior_data = PRIOR_DATA
    PLAN.write(Path(__file__).resolve().parent / "plan.json")


if __name__ == "__main__":
    main()
