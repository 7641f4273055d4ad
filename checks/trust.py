"""Role trust policies that admit too much."""

from __future__ import annotations

from collections.abc import Iterator

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
