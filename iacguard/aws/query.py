"""``iacguard query``: can an identity perform an action on a resource, decided from the plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.aws.evaluate import Decision, PolicySource, Request, evaluate
from iacguard.aws.identities import AwsIdentity
from iacguard.aws.policy import resolve_policy
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Resource
from iacguard.model.values import Unknown

#: Resource types whose policy is a resource-based policy: (resource type, attribute with its
#: name or ARN, ARN prefix built from it, policy-holding type, attribute naming the resource,
#: attribute holding the policy). A resource's own ``policy`` attribute counts too.
_RESOURCE_POLICIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("aws_s3_bucket", "bucket", "arn:aws:s3:::", "aws_s3_bucket_policy", "bucket"),
    ("aws_kms_key", "arn", "", "aws_kms_key_policy", "key_id"),
    ("aws_secretsmanager_secret", "arn", "", "aws_secretsmanager_secret_policy", "secret_arn"),
    ("aws_ecr_repository", "arn", "", "aws_ecr_repository_policy", "repository"),
    ("aws_sqs_queue", "arn", "", "aws_sqs_queue_policy", "queue_url"),
    ("aws_sns_topic", "arn", "", "aws_sns_topic_policy", "arn"),
)

BASE_ASSUMPTIONS = (
    "no service control policy, resource control policy or session policy applies "
    "(none is in the inputs)",
    "the identity and the resource are in the same account unless their ARNs say otherwise",
)


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """A decision with what it assumed about everything outside the inputs."""

    identity: AwsIdentity
    request: Request
    decision: Decision
    assumptions: tuple[str, ...]
    resource_policies: tuple[str, ...]
    """Addresses of the resource policies that took part."""


def _resource_for(index: ScanIndex, arn: str) -> tuple[Resource | None, str | None]:
    """The planned resource an ARN names, and its type's policy holder type."""
    for type_, attribute, prefix, _holder, _ in _RESOURCE_POLICIES:
        for resource in index.planned(type_):
            value = resource.get(attribute)
            if isinstance(value, str) and value:
                base = prefix + value
                if arn == base or (type_ == "aws_s3_bucket" and arn.startswith(base + "/")):
                    return resource, type_
            # NOTE: a secret's ARN is its name plus a random 6-character suffix, so a secret
            # whose ARN is known only after apply is still recognised by its name.
            name = resource.get("name")
            if type_ == "aws_secretsmanager_secret" and isinstance(name, str) and name:
                tail = arn.split(":secret:", 1)[-1] if ":secret:" in arn else ""
                if tail[: len(name)] == name and len(tail) == len(name) + 7:
                    return resource, type_
    return None, None


def resource_policy_sources(index: ScanIndex, arn: str) -> tuple[list[PolicySource], list[str]]:
    """Resource-based policies of the resource ``arn`` names, and assumptions made."""
    if arn == "*":
        return [], ["resource policies are not considered for '*' (any resource)"]
    resource, type_ = _resource_for(index, arn)
    if resource is None:
        assumption = f"{arn} is not in the inputs: it has no resource policy of its own"
        if arn.startswith("arn:aws:kms:") or ":kms:" in arn:
            assumption = (
                f"{arn} is not in the inputs: it has the default key policy, so the account's "
                "IAM policies decide"
            )
        return [], [assumption]
    sources: list[PolicySource] = []
    own = resource.get("policy")
    configured = resource.configured
    # A ``policy`` the configuration does not set is the provider's read back of a separate
    # policy resource (or of none): only a written one counts here.
    written = configured is None or "policy" in configured
    if own and written and not (isinstance(own, Unknown) and not own.references):
        sources.append(_source(index, resource, own, resource.address))
    for spec in _RESOURCE_POLICIES:
        if spec[0] != type_:
            continue
        for holder in index.pointing_at(resource, spec[4], spec[3]):
            sources.append(_source(index, holder, holder.get("policy"), holder.address))
    return sources, []


def _source(index: ScanIndex, holder: Resource, value: Any, address: str) -> PolicySource:
    document, marker = resolve_policy(index, holder, value)
    if document is not None:
        return PolicySource("resource", address, document, "resource policy")
    return PolicySource("resource", address, marker, "resource policy known only after apply")


def answer_query(
    index: ScanIndex, identity: AwsIdentity, action: str, resource: str = "*"
) -> QueryAnswer:
    """Decide whether ``identity`` may perform ``action`` on ``resource``."""
    sources: list[PolicySource] = list(identity.policies)
    if identity.boundary is not None:
        sources.append(identity.boundary)
    resource_sources, assumptions = resource_policy_sources(index, resource)
    sources.extend(resource_sources)
    principal_account = identity.account or caller_account(index)
    resource_account = _account(resource)
    if principal_account is None and resource_account is not None:
        # The identity's account is known only after apply (its ARN is computed): assume the
        # account the plan runs in, and say so.
        assumptions.append(
            f"{identity.address} is in account {resource_account}, the resource's account "
            "(its ARN is known only after apply)"
        )
        principal_account = resource_account
    request = Request(
        action=action,
        resource=resource,
        principal_arn=identity.arn,
        principal_account=principal_account,
        resource_account=resource_account,
    )
    decision = evaluate(request, sources)
    return QueryAnswer(
        identity=identity,
        request=request,
        decision=decision,
        assumptions=tuple(assumptions) + BASE_ASSUMPTIONS,
        resource_policies=tuple(s.source for s in resource_sources),
    )


def caller_account(index: ScanIndex) -> str | None:
    """The account the plan runs in, from ``data.aws_caller_identity`` when it was read."""
    for data in index.of_type("aws_caller_identity"):
        value = data.get("account_id")
        if isinstance(value, str) and value:
            return value
    return None


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def close_matches(identities: Sequence[AwsIdentity], query: str, limit: int = 5) -> list[str]:
    """Identity names a user may have meant."""
    import difflib

    names = [i.address for i in identities] + [i.name for i in identities if i.name]
    return difflib.get_close_matches(query, names, n=limit, cutoff=0.4)
