"""IAM policies that grant everything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.aws.policy import PolicyDocument, Statement, resolve_policy
from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.resource import Resource

#: AWS managed policies equivalent to `*` on `*`.
ADMIN_POLICY_ARNS = {
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
    "arn:aws-cn:iam::aws:policy/AdministratorAccess",
}

_INLINE_POLICY_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
)
_ATTACHMENT_TYPES = (
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
)


def _all(values: tuple[Any, ...] | None) -> bool:
    return values is not None and any(isinstance(v, str) and v in ("*", "*:*") for v in values)


def _admin_statements(document: PolicyDocument) -> list[Statement]:
    """Allow statements granting every action on every resource, or on every resource but
    those a NotResource names (still IAM, so still admin in practice)."""
    return [
        s
        for s in document.statements
        if s.effect == "Allow"
        and _all(s.actions)
        and (_all(s.resources) or (s.resources is None and s.not_resources is not None))
    ]


def _holder(resource: Resource) -> str:
    """Who an attachment gives the policy to, as far as the plan knows."""
    for attribute in ("role", "user", "group"):
        value = resource.get(attribute)
        if isinstance(value, str) and value:
            return f"{attribute} {value}"
    holders = []
    for attribute in ("roles", "users", "groups"):  # aws_iam_policy_attachment
        values = resource.get(attribute)
        if isinstance(values, list):
            names = [v for v in values if isinstance(v, str)]
            if names:
                holders.append(f"{attribute} {', '.join(sorted(names))}")
    return "; ".join(holders) if holders else f"the identities of {resource.address}"


@check(
    id="aws-iam-admin-wildcard",
    title='IAM policy grants every action on every resource ("*" on "*")',
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    inspects=(*_INLINE_POLICY_TYPES, *_ATTACHMENT_TYPES, "aws_iam_role"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-aws-foundations": ["admin-wildcard"],
    },
    remediation=(
        "Grant the actions and resources the identity needs (start from CloudTrail or IAM "
        "Access Analyzer's generated policy); never `Action: *` on `Resource: *` or "
        "AdministratorAccess for a workload or CI role."
    ),
)
def aws_iam_admin_wildcard(ctx: CheckContext) -> Iterator[Finding]:
    """A policy statement that allows `*` on `*`, or the AWS managed `AdministratorAccess`
    policy attached to an identity.

    Whoever obtains the identity (a compromised pod, an agent steered by prompt injection, a
    CI job from a fork) controls the whole account: IAM included, so the access outlives the
    incident. Conditions on the statement narrow it only as much as they say; such findings
    are reported with medium confidence.

    Before:

    ```json
    {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ```

    After: the specific actions on the specific ARNs the workload uses.
    """
    for resource in ctx.planned(*_INLINE_POLICY_TYPES):
        document, _ = resolve_policy(ctx.index, resource, resource.get("policy"))
        if document is not None:
            yield from _statement_findings(ctx, resource, document, "policy")
    for role in ctx.planned("aws_iam_role"):
        blocks = role.get("inline_policy")
        for position, block in enumerate(blocks if isinstance(blocks, list) else []):
            if isinstance(block, dict):
                document, _ = resolve_policy(ctx.index, role, block.get("policy"))
                if document is not None:
                    yield from _statement_findings(
                        ctx, role, document, f"inline_policy[{position}]"
                    )
        arns = role.get("managed_policy_arns")
        for arn in arns if isinstance(arns, list) else []:
            if arn in ADMIN_POLICY_ARNS:
                yield _managed(ctx, role, arn, f"role {role.get('name') or role.address}")
    for attachment in ctx.planned(*_ATTACHMENT_TYPES):
        arn = attachment.get("policy_arn")
        if isinstance(arn, str) and arn in ADMIN_POLICY_ARNS:
            yield _managed(ctx, attachment, arn, _holder(attachment))


def _managed(ctx: CheckContext, resource: Resource, arn: str, holder: str) -> Finding:
    return ctx.finding(
        resource,
        f"AdministratorAccess is attached to {holder}"
        + (" (new in this change)" if resource.action.value in ("create", "replace") else ""),
        evidence=[{"kind": "managed-policy", "policy_arn": arn, "grants": "* on *"}],
        key=arn,
    )


def _statement_findings(
    ctx: CheckContext, resource: Resource, document: PolicyDocument, where: str
) -> Iterator[Finding]:
    for statement in _admin_statements(document):
        label = statement.sid or f"Statement[{statement.index}]"
        conditional = bool(statement.conditions)
        scope = "every resource"
        if statement.not_resources is not None:
            scope = "every resource except those its NotResource names"
        yield ctx.finding(
            resource,
            f"{where} {label} allows every action on {scope}"
            + (" under conditions" if conditional else ""),
            evidence=[{"kind": "statement", "where": where, "statement": statement.as_evidence()}],
            confidence=(
                Confidence.MEDIUM if conditional or statement.not_resources is not None else None
            ),
            key=f"{where}/{statement.index}",
        )
