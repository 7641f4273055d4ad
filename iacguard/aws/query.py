"""``iacguard query``: can an identity perform an action on a resource, decided from the plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iacguard.aws.evaluate import Decision, PolicySource, Request, evaluate
from iacguard.aws.identities import AwsIdentity
from iacguard.aws.resource_policies import policies_of, resource_for_arn
from iacguard.engine.context import ScanIndex

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


def resource_policy_sources(index: ScanIndex, arn: str) -> tuple[list[PolicySource], list[str]]:
    """Resource-based policies of the resource ``arn`` names, and assumptions made."""
    if arn == "*":
        return [], ["resource policies are not considered for '*' (any resource)"]
    resource = resource_for_arn(index, arn)
    if resource is None:
        assumption = f"{arn} is not in the inputs: it has no resource policy of its own"
        if ":kms:" in arn:
            assumption = (
                f"{arn} is not in the inputs: it has the default key policy, so the account's "
                "IAM policies decide"
            )
        return [], [assumption]
    return policies_of(index, resource), []


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
    """The account the plan runs in, from ``data.aws_caller_identity`` when it was read, else
    the one account the ``aws`` provider configuration pins, else ``--aws-account-id``."""
    for data in index.of_type("aws_caller_identity"):
        value = data.get("account_id")
        if isinstance(value, str) and value:
            return value
    if len(index.scope.provider_accounts) == 1:
        return index.scope.provider_accounts[0]
    return index.scope.aws_account_id


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def close_matches(identities: Sequence[AwsIdentity], query: str, limit: int = 5) -> list[str]:
    """Identity names a user may have meant."""
    import difflib

    names = [i.address for i in identities] + [i.name for i in identities if i.name]
    return difflib.get_close_matches(query, names, n=limit, cutoff=0.4)
