"""Who can assume a role: its trust policy turned into trusted principals with their gates.

Services (``sagemaker.amazonaws.com``, ``pods.eks.amazonaws.com``...), accounts, roles and
users, OIDC providers (EKS IRSA, GitHub Actions, GitLab, Terraform Cloud) with the ``sub`` and
``aud`` values that gate them, SAML providers, and anyone (``*``). When the trust policy is
known only after apply (IRSA roles build it from an ``aws_iam_policy_document`` referencing the
OIDC provider), it is read from the data source's blocks and the unknown parts are traced to
the resources that will produce them; only what still cannot be known is Maybe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from iacguard.aws.policy import UNKNOWN_KEY_PREFIX, PolicyDocument, Statement, resolve_policy
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Resource
from iacguard.model.values import Sensitive, Tristate, Unknown

TrustKind = Literal["service", "aws", "oidc", "saml", "any"]

#: Issuer hosts of well-known OIDC providers → what they are.
OIDC_ISSUERS = {
    "token.actions.githubusercontent.com": "github-actions",
    "gitlab.com": "gitlab",
    "app.terraform.io": "terraform-cloud",
}


@dataclass(frozen=True, slots=True)
class TrustedPrincipal:
    """One principal a role's trust policy admits, and what gates it."""

    kind: TrustKind
    principal: str
    """A service, account id or ARN, an OIDC/SAML provider (ARN, address or issuer), or ``*``."""
    provider: str | None
    """For OIDC: ``eks``, ``github-actions``, ``gitlab``, ``terraform-cloud`` or ``oidc``."""
    actions: tuple[str, ...]
    subjects: tuple[str, ...]
    """Values of the ``sub`` condition (``system:serviceaccount:ns:name``, ``repo:org/x:*``)."""
    audiences: tuple[str, ...]
    conditions: dict[str, Any]
    """The statement's conditions, as written (unknown keys named after their origin)."""
    sid: str | None
    decision: Tristate
    """YES: admitted unconditionally or by conditions read here; MAYBE: something unknown."""
    why: str


def trusted_by(index: ScanIndex, role: Resource) -> tuple[list[TrustedPrincipal], list[str]]:
    """The principals ``role`` trusts, and what about its trust policy is unknown."""
    value = role.get("assume_role_policy")
    document, marker = resolve_policy(index, role, value)
    if document is None:
        if isinstance(marker, Unknown | Sensitive):
            return [], [f"{role.address}: trust policy {marker!r}, and no data source renders it"]
        return [], [f"{role.address}: no readable trust policy"]
    return _principals(index, document), []


def _principals(index: ScanIndex, document: PolicyDocument) -> list[TrustedPrincipal]:
    found: list[TrustedPrincipal] = []
    for statement in document.statements:
        if statement.effect != "Allow":
            continue
        actions = tuple(str(a) for a in statement.actions or () if isinstance(a, str))
        principals = statement.principals
        if principals == "*":
            found.append(_trusted(index, statement, "any", "*", actions))
            continue
        if not isinstance(principals, dict):
            continue
        for key, identifiers in principals.items():
            for identifier in identifiers or ():
                kind: TrustKind
                if key == "Service":
                    kind = "service"
                elif key == "AWS":
                    kind = "any" if identifier == "*" else "aws"
                elif key == "Federated":
                    kind = "saml" if ":saml-provider/" in str(identifier) else "oidc"
                else:
                    continue
                found.append(_trusted(index, statement, kind, identifier, actions))
    return found


def _trusted(
    index: ScanIndex,
    statement: Statement,
    kind: TrustKind,
    identifier: Any,
    actions: tuple[str, ...],
) -> TrustedPrincipal:
    unknown: list[str] = []
    if isinstance(identifier, Unknown):
        origins = identifier.origins or identifier.sources
        principal = ", ".join(origins) if origins else "(known after apply)"
        unknown.append(f"principal known after apply, from {principal}")
    else:
        principal = str(identifier)
    provider = _provider_kind(index, principal) if kind == "oidc" else None
    subjects: list[str] = []
    audiences: list[str] = []
    for operator, keys in (statement.conditions or {}).items():
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            listed = [
                v for v in (values if isinstance(values, list) else [values]) if isinstance(v, str)
            ]
            if str(key).endswith(":sub") or (
                str(key).startswith(UNKNOWN_KEY_PREFIX)
                and any(_looks_like_subject(v) for v in listed)
            ):
                subjects.extend(listed)
            elif str(key).endswith(":aud") or (
                str(key).startswith(UNKNOWN_KEY_PREFIX) and "sts.amazonaws.com" in listed
            ):
                audiences.extend(listed)
            if str(key).startswith(UNKNOWN_KEY_PREFIX):
                unknown.append(f"condition {operator} key known after apply")
    decision = Tristate.YES
    if isinstance(identifier, Unknown):
        origins = identifier.origins or identifier.sources
        providers = [
            r
            for o in origins
            for r in index.by_config_address(o)
            if r.type in ("aws_iam_openid_connect_provider", "aws_iam_saml_provider")
        ]
        if len(origins) == 1 and providers:
            # The ARN is known only after apply, but the provider it names is in the plan:
            # who is trusted is decided, only the ARN's text is not.
            unknown = [f"provider ARN known after apply: the one {origins[0]} creates"] + [
                u for u in unknown if not u.startswith("principal known after apply")
            ]
        else:
            decision = Tristate.MAYBE
    why = "; ".join(unknown) if unknown else "admitted by the trust policy"
    return TrustedPrincipal(
        kind=kind,
        principal=principal,
        provider=provider,
        actions=actions,
        subjects=tuple(subjects),
        audiences=tuple(audiences),
        conditions=dict(statement.conditions or {}),
        sid=statement.sid,
        decision=decision,
        why=why,
    )


def _looks_like_subject(value: str) -> bool:
    return value.startswith(("system:serviceaccount:", "repo:", "project_path:", "organization:"))


def _provider_kind(index: ScanIndex, principal: str) -> str:
    """What an OIDC provider is, from its issuer (ARN or URL) or its resource in the plan."""
    for issuer, kind in OIDC_ISSUERS.items():
        if issuer in principal:
            return kind
    if "oidc.eks." in principal:
        return "eks"
    for provider in index.by_config_address(principal.split(",", maxsplit=1)[0].strip()):
        url = provider.get("url")
        if isinstance(url, str):
            for issuer, kind in OIDC_ISSUERS.items():
                if issuer in url:
                    return kind
            if "oidc.eks." in url:
                return "eks"
        if isinstance(url, Unknown) and any(
            "aws_eks_cluster" in o or "tls_certificate" in o for o in url.origins + url.sources
        ):
            return "eks"
    return "oidc"
