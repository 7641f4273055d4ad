"""Role trust policies that admit too much."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.aws.query import caller_account
from iacguard.aws.trust import trusted_by
from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity

#: OIDC providers whose tokens are issued to many parties: without a precise ``sub``, any of
#: them (any repository, any pipeline, any service account of the cluster) becomes the role.
_SUBJECT_GATED = {"github-actions", "gitlab", "terraform-cloud", "eks", "oidc"}


@check(
    id="aws-role-trusts-any-principal",
    title='Role trust policy admits any principal ("*")',
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_policy_document"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.AA-03"],
        "owasp-nhi-2025": ["NHI5", "NHI4"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-aws-foundations": ["principal-star"],
    },
    remediation=(
        "Name the principals that may assume the role (a service, an account with "
        "`sts:ExternalId` or `aws:PrincipalOrgID`, an OIDC provider with `sub` and `aud`)."
    ),
)
def role_trusts_any_principal(ctx: CheckContext) -> Iterator[Finding]:
    """A role whose trust policy allows `Principal: "*"` (or `{"AWS": "*"}`).

    Every AWS principal in every account can then call `sts:AssumeRole` on it; conditions
    narrow it only as much as they say (such findings have medium confidence).

    Before: `"Principal": "*"` in `assume_role_policy`. After: the specific principal.
    """
    for role in ctx.planned("aws_iam_role"):
        for principal in trusted_by(ctx.index, role)[0]:
            if principal.kind != "any":
                continue
            conditional = bool(principal.conditions)
            yield ctx.finding(
                role,
                "Trust policy admits any principal"
                + (" (under conditions)" if conditional else ""),
                evidence=[
                    {
                        "kind": "trust",
                        "principal": "*",
                        "actions": list(principal.actions),
                        "conditions": principal.conditions,
                    }
                ],
                confidence=Confidence.MEDIUM if conditional else None,
                key=principal.sid or "",
            )


@check(
    id="aws-oidc-trust-wildcard-subject",
    title="OIDC trust without a precise subject (any repository, pipeline or service account)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_policy_document", "aws_iam_openid_connect_provider"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.AA-04"],
        "owasp-nhi-2025": ["NHI4", "NHI9"],
        "owasp-agentic-top10-2026": ["ASI03"],
    },
    remediation=(
        "Pin the token's `sub` with StringEquals: `repo:ORG/REPO:ref:refs/heads/main` or "
        "`repo:ORG/REPO:environment:prod` for GitHub, `project_path:GROUP/PROJECT:ref_type:"
        "branch:ref:main` for GitLab, `system:serviceaccount:NAMESPACE:NAME` for EKS; and check "
        "`aud`."
    ),
)
def oidc_trust_wildcard_subject(ctx: CheckContext) -> Iterator[Finding]:
    """A role federated to an OIDC provider (GitHub Actions, GitLab, Terraform Cloud, an EKS
    cluster) whose trust policy does not pin the token's `sub` claim, or pins it with a
    wildcard.

    Every workflow of every repository an organisation pattern matches, including pull
    requests from branches, or every service account of the cluster, can then assume the
    role. This is how CI deploy roles and IRSA roles are most often over-trusted.

    Before: `StringLike token.actions.githubusercontent.com:sub = repo:acme/*`.
    After: `StringEquals token.actions.githubusercontent.com:sub =
    repo:acme/ml-platform:ref:refs/heads/main`.
    """
    for role in ctx.planned("aws_iam_role"):
        for principal in trusted_by(ctx.index, role)[0]:
            if principal.kind != "oidc" or principal.provider not in _SUBJECT_GATED:
                continue
            wildcards = [s for s in principal.subjects if "*" in s or "?" in s]
            if principal.subjects and not wildcards:
                continue
            message = (
                f"{principal.provider} trust with wildcard subject {', '.join(wildcards)}"
                if wildcards
                else f"{principal.provider} trust without a sub condition"
            )
            yield ctx.finding(
                role,
                message,
                evidence=[
                    {
                        "kind": "trust",
                        "provider": principal.provider,
                        "principal": principal.principal,
                        "subjects": list(principal.subjects),
                        "conditions": principal.conditions,
                    }
                ],
                key=principal.principal,
            )


#: Condition keys that tie a cross-account trust to a known caller: the external id a SaaS
#: vendor passes (confused deputy), or the caller's AWS Organization.
_CROSS_ACCOUNT_GUARDS = {
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalarn",
}
#: Operators that require the key to be present and equal to (or like) a value. ``...IfExists``
#: passes when the caller sends no external id at all, ``StringNot...`` and ``Null`` do not
#: pin a value: neither guards anything.
_POSITIVE_OPERATORS = {
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "arnequals",
    "arnlike",
}


def _principal_account(principal: str) -> str | None:
    if principal.isdigit() and len(principal) == 12:
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    return None


def _admits_assume(actions: tuple[str, ...]) -> bool:
    """Whether a trust statement lets the principal assume the role (not only tag sessions)."""
    return not actions or any(
        a.lower() in ("*", "sts:*", "sts:assumerole", "sts:assume*") for a in actions
    )


def _guards(conditions: dict[str, object]) -> list[str]:
    """The condition keys that pin the caller: a guard key under a positive operator, with a
    value that is not just ``*``."""
    found = []
    for operator, keys in conditions.items():
        text = str(operator).lower()
        # ForAllValues passes when the key is absent: it guards nothing
        if text.startswith("forallvalues:") or not isinstance(keys, dict):
            continue
        if text.split(":")[-1] not in _POSITIVE_OPERATORS:
            continue
        for key, values in keys.items():
            listed = values if isinstance(values, list) else [values]
            name = str(key).lower()
            if name == "aws:principalarn":
                # pinned only when the account is named: arn:aws:iam::*:role/* pins nothing
                pinned = [
                    v for v in listed if isinstance(v, str) and _principal_account(v) is not None
                ]
            else:
                pinned = [v for v in listed if isinstance(v, str) and v.strip("*?")]
            if name in _CROSS_ACCOUNT_GUARDS and pinned:
                found.append(str(key))
    return found


@check(
    id="aws-cross-account-trust-unguarded",
    title="Cross-account trust without sts:ExternalId or aws:PrincipalOrgID",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_policy_document"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.AA-03"],
        "owasp-nhi-2025": ["NHI3", "NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
    },
    remediation=(
        "For a third party (a SaaS vendor, a model provider's integration), require the "
        "external id it gives you: `StringEquals sts:ExternalId`. For your own accounts, "
        "require `aws:PrincipalOrgID` (or name the exact role ARN and check `aws:PrincipalArn`)."
    ),
)
def cross_account_trust_unguarded(ctx: CheckContext) -> Iterator[Finding]:
    """A role whose trust policy admits a principal of another AWS account (its root, a role
    or a user there) with no condition tying the caller down: no `sts:ExternalId` (the
    confused-deputy protection for third parties), no `aws:PrincipalOrgID` /
    `aws:PrincipalOrgPaths` (your organization), no `aws:PrincipalArn` naming the account.
    Only positive operators count (`StringEquals`, `StringLike`, `ArnEquals`, `ArnLike`):
    `...IfExists` and `ForAllValues:` pass when the caller sends no value.

    Trusting another account's root delegates the decision to every administrator of that
    account; a vendor's account without an external id can be used by any of the vendor's
    other customers. The plan's own account comes from `data.aws_caller_identity` or the
    role's ARN; when neither is known the finding has low confidence.

    Before: `Principal: {"AWS": "arn:aws:iam::444455556666:root"}`, no condition.
    After: the same with `StringEquals sts:ExternalId = <the vendor's id for you>`.
    """
    caller = caller_account(ctx.index)
    for role in ctx.planned("aws_iam_role"):
        arn = role.get("arn")
        own = _principal_account(arn) if isinstance(arn, str) else None
        own = own or caller
        for principal in trusted_by(ctx.index, role)[0]:
            if principal.kind != "aws" or not _admits_assume(principal.actions):
                continue
            account = _principal_account(principal.principal)
            if account is None or account == own:
                continue
            if _guards(principal.conditions):
                continue
            yield ctx.finding(
                role,
                f"Trust policy admits account {account}"
                + (f" ({principal.principal})" if principal.principal != account else "")
                + " without "
                "sts:ExternalId or aws:PrincipalOrgID"
                + ("" if own else " (this plan's own account is not known)"),
                evidence=[
                    {
                        "kind": "trust",
                        "principal": principal.principal,
                        "account": account,
                        "own_account": own,
                        "actions": list(principal.actions),
                        "conditions": principal.conditions,
                    }
                ],
                confidence=None if own else Confidence.LOW,
                key=principal.principal,
            )
