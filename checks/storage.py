"""Storage holding AI data (training data, model artifacts, features, embeddings) open to the
public."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.aws.policy import resolve_policy
from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.gcp.iam import policy_bindings
from iacguard.model.classification import ResourceClass
from iacguard.model.resource import Resource

#: Classes whose storage must never be public.
AI_DATA_CLASSES = {
    ResourceClass.TRAINING_DATA,
    ResourceClass.MODEL_ARTIFACTS,
    ResourceClass.MODEL_REGISTRY,
    ResourceClass.FEATURE_STORE,
    ResourceClass.VECTOR_STORE,
    ResourceClass.PROMPT_CONFIG,
    ResourceClass.TERRAFORM_STATE,
}
_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
_PUBLIC_MEMBERS = {"allUsers", "allAuthenticatedUsers"}
_ALL_USERS_URIS = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


def _is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in (ids or ()) for ids in principal.values())
    return False


def _blocks(ctx: CheckContext, bucket: Resource) -> dict[str, bool]:
    """Which public-access protections apply to a bucket (bucket or account level)."""
    found = {"policy": False, "acl": False}
    candidates = ctx.pointing_at(bucket, "bucket", "aws_s3_bucket_public_access_block")
    candidates += ctx.planned("aws_s3_account_public_access_block")
    for block in candidates:
        if block.get("block_public_policy") is True or block.get("restrict_public_buckets") is True:
            found["policy"] = True
        if block.get("block_public_acls") is True or block.get("ignore_public_acls") is True:
            found["acl"] = True
    return found


def _aws_exposures(ctx: CheckContext, bucket: Resource) -> list[dict[str, Any]]:
    blocks = _blocks(ctx, bucket)
    exposures: list[dict[str, Any]] = []
    policies = [
        (p, p.get("policy")) for p in ctx.pointing_at(bucket, "bucket", "aws_s3_bucket_policy")
    ]
    if bucket.get("policy"):
        policies.append((bucket, bucket.get("policy")))
    if not blocks["policy"]:
        for holder, value in policies:
            document, _ = resolve_policy(ctx.index, holder, value)
            for statement in document.statements if document else ():
                if statement.effect == "Allow" and _is_public_principal(statement.principals):
                    exposures.append(
                        {
                            "kind": "statement",
                            "source": holder.address,
                            "statement": statement.as_evidence(),
                            "conditional": bool(statement.conditions),
                        }
                    )
    if not blocks["acl"]:
        acls = ctx.pointing_at(bucket, "bucket", "aws_s3_bucket_acl")
        values = [(a.address, a.get("acl")) for a in acls] + [(bucket.address, bucket.get("acl"))]
        for source, acl in values:
            if isinstance(acl, str) and acl in _PUBLIC_ACLS:
                exposures.append(
                    {"kind": "acl", "source": source, "acl": acl, "conditional": False}
                )
        for acl in acls:
            for policy in acl.get("access_control_policy") or []:
                for grant in (policy.get("grant") or []) if isinstance(policy, dict) else []:
                    for grantee in grant.get("grantee") or [] if isinstance(grant, dict) else []:
                        if isinstance(grantee, dict) and grantee.get("uri") in _ALL_USERS_URIS:
                            exposures.append(
                                {
                                    "kind": "acl-grant",
                                    "source": acl.address,
                                    "grantee": grantee.get("uri"),
                                    "permission": grant.get("permission"),
                                    "conditional": False,
                                }
                            )
    return exposures


def _gcp_exposures(ctx: CheckContext, bucket: Resource) -> list[dict[str, Any]]:
    exposures: list[dict[str, Any]] = []
    grants = ctx.pointing_at(
        bucket, "bucket", "google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"
    )
    for grant in grants:
        members = grant.get("members")
        members = members if isinstance(members, list) else [grant.get("member")]
        public = sorted(m for m in members if isinstance(m, str) and m in _PUBLIC_MEMBERS)
        if public:
            exposures.append(
                {
                    "kind": "iam-binding",
                    "source": grant.address,
                    "role": grant.get("role"),
                    "members": public,
                    "conditional": bool(grant.get("condition")),
                }
            )
    for policy in ctx.pointing_at(bucket, "bucket", "google_storage_bucket_iam_policy"):
        for binding in policy_bindings(ctx.index, policy):
            members = binding.get("members")
            public = sorted(
                m for m in (members if isinstance(members, list) else []) if m in _PUBLIC_MEMBERS
            )
            if public:
                exposures.append(
                    {
                        "kind": "iam-policy",
                        "source": policy.address,
                        "role": binding.get("role"),
                        "members": public,
                        "conditional": bool(binding.get("condition")),
                    }
                )
    return exposures


def _azure_exposure(ctx: CheckContext, container: Resource) -> list[dict[str, Any]]:
    access = container.get("container_access_type")
    if not (isinstance(access, str) and access in ("blob", "container")):
        return []
    # NOTE: an account with allow_nested_items_to_be_public = false refuses public containers.
    accounts = ctx.related(
        container, "storage_account_id", "azurerm_storage_account"
    ) + ctx.related(container, "storage_account_name", "azurerm_storage_account")
    if any(a.get("allow_nested_items_to_be_public") is False for a in accounts):
        return []
    return [
        {
            "kind": "container-access",
            "container_access_type": access,
            "accounts": [a.address for a in accounts],
            "conditional": False,
        }
    ]


@check(
    id="ai-storage-public",
    title="Storage holding AI data is open to the public",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    inspects=(
        "aws_s3_bucket",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_acl",
        "aws_s3_bucket_public_access_block",
        "google_storage_bucket",
        "google_storage_bucket_iam_member",
        "google_storage_bucket_iam_binding",
        "google_storage_bucket_iam_policy",
        "azurerm_storage_container",
        "azurerm_storage_account",
    ),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI6"],
        "owasp-agentic-top10-2026": ["ASI06"],
        "owasp-llm-top10-2025": ["LLM02", "LLM04"],
        "mitre-atlas": ["AML.T0010.002", "AML.T0035"],
        "cis-aws-foundations": ["principal-star"],
    },
    remediation=(
        "Remove the public grant (bucket policy `Principal: *`, public ACL, `allUsers` member, "
        "public container access) and block public access on the bucket and account; share "
        "data with named principals or presigned URLs."
    ),
)
def ai_storage_public(ctx: CheckContext) -> Iterator[Finding]:
    """A bucket or container classified as training data, model artifacts, features,
    embeddings, prompts or Terraform state that anyone on the internet can read (or write).

    Public training data invites poisoning and leaks what the model learnt from; public model
    artifacts give away the model (and, if writable, let anyone replace it); public Terraform
    state hands out every secret of the stack. A public grant under conditions (a VPC endpoint,
    an organisation id) is reported with low confidence.

    Before: an `aws_s3_bucket_policy` allowing `s3:GetObject` to `Principal: "*"` on the
    training data bucket, with its public access block disabled.
    After: no public statement, and `aws_s3_bucket_public_access_block` with all four settings
    `true`.
    """
    candidates = ctx.planned("aws_s3_bucket", "google_storage_bucket", "azurerm_storage_container")
    for store in candidates:
        found = ctx.classification(store)
        if found is None or found.resource_class not in AI_DATA_CLASSES:
            continue
        if store.type == "aws_s3_bucket":
            exposures = _aws_exposures(ctx, store)
        elif store.type == "google_storage_bucket":
            exposures = _gcp_exposures(ctx, store)
        else:
            exposures = _azure_exposure(ctx, store)
        if not exposures:
            continue
        conditional = all(e["conditional"] for e in exposures)
        name = store.get("bucket") or store.get("name") or store.address
        yield ctx.finding(
            store,
            f"{found.resource_class.value} storage {name} is public"
            + (" to principals matching a condition" if conditional else ""),
            evidence=[
                {
                    "kind": "classification",
                    "class": found.resource_class.value,
                    "reason": found.reason,
                },
                *exposures,
            ],
            confidence=Confidence.LOW if conditional else None,
        )
