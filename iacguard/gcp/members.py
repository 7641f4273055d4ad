"""IAM members as Google writes them, parsed: ``serviceAccount:x@p.iam.gserviceaccount.com``,
``user:``, ``group:``, ``domain:``, ``allUsers``, ``allAuthenticatedUsers``, the GKE Workload
Identity forms (``serviceAccount:P.svc.id.goog[NS/KSA]``, ``principal://.../subject/ns/NS/sa/KSA``,
``principalSet://.../namespace/NS``) and workload identity pool principals of CI providers
(``principalSet://.../workloadIdentityPools/POOL/attribute.repository/OWNER/REPO``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

MemberKind = Literal[
    "serviceAccount",
    "user",
    "group",
    "domain",
    "allUsers",
    "allAuthenticatedUsers",
    "kubernetes",
    "pool",
    "convenience",
    "workforce",
    "deleted",
    "unknown",
]

_GKE_LEGACY = re.compile(
    r"^serviceAccount:(?P<pool>[^\[\]]+\.svc\.id\.goog)\[(?P<ns>[^/\]]+)/(?P<sa>[^\]]+)\]$"
)
_POOL = re.compile(
    r"^(?P<form>principal|principalSet)://iam\.googleapis\.com/"
    r"(?P<parent>projects/[^/]+|locations/global/workforcePools)/?"
    r"(?:locations/global/)?workloadIdentityPools/(?P<pool>[^/]+)/(?P<rest>.+)$"
)


@dataclass(frozen=True, slots=True)
class Member:
    """One IAM member."""

    text: str
    """As written (an unknown member: how it will be known)."""
    kind: MemberKind
    value: str = ""
    """The email, domain or principal identifier after the prefix."""
    pool: str = ""
    """The workload identity pool (``acme-ml-prod.svc.id.goog`` for GKE)."""
    namespace: str = ""
    """GKE: the Kubernetes namespace."""
    account: str = ""
    """GKE: the Kubernetes service account name (empty: every account of ``namespace``)."""
    attribute: str = ""
    """Pool principal sets: the attribute (``repository``, ``subject``, ``*`` for the whole
    pool)."""
    attribute_value: str = ""
    references: tuple[str, ...] = ()
    """For a member known only after apply: the configuration's references."""

    @property
    def public(self) -> bool:
        """``allUsers`` or ``allAuthenticatedUsers``: anyone (with a Google account)."""
        return self.kind in ("allUsers", "allAuthenticatedUsers")

    @property
    def gke(self) -> bool:
        """A Kubernetes service account (or every account of a namespace) of a GKE cluster."""
        return self.kind == "kubernetes"


def parse_member(text: str) -> Member:
    """Parse one member string."""
    if text == "allUsers":
        return Member(text, "allUsers")
    if text == "allAuthenticatedUsers":
        return Member(text, "allAuthenticatedUsers")
    legacy = _GKE_LEGACY.match(text)
    if legacy:
        return Member(
            text,
            "kubernetes",
            text.removeprefix("serviceAccount:"),
            pool=legacy["pool"],
            namespace=legacy["ns"],
            account=legacy["sa"],
        )
    pool = _POOL.match(text)
    if pool:
        return _pool_member(text, pool)
    if text.startswith(("principal://", "principalSet://")):
        # workforce pools (people from an external identity provider), Google's own
        # principal://goog/subject/... forms: named principals, not workloads of the inputs
        return Member(text, "workforce", text)
    prefix, _, value = text.partition(":")
    if prefix == "deleted":
        return Member(text, "deleted", value)
    if prefix in ("serviceAccount", "user", "group", "domain"):
        # IAM compares emails case-insensitively (the provider normalises them too)
        normalised = f"{prefix}:{value.lower()}"
        return Member(normalised, prefix, value.lower())  # type: ignore[arg-type]
    if prefix in ("projectOwner", "projectEditor", "projectViewer"):
        return Member(text, "convenience", value)
    return Member(text, "unknown", text)


def _pool_member(text: str, match: re.Match[str]) -> Member:
    rest = match["rest"]
    pool = match["pool"]
    if pool.endswith(".svc.id.goog"):
        # GKE: subject/ns/NS/sa/KSA, or the set namespace/NS (also kubernetes.cluster/...)
        sub = re.match(r"^subject/ns/(?P<ns>[^/]+)/sa/(?P<sa>[^/]+)$", rest)
        if sub and match["form"] == "principal":
            return Member(text, "kubernetes", rest, pool, sub["ns"], sub["sa"])
        ns = re.match(r"^namespace/(?P<ns>[^/]+)$", rest)
        if ns and match["form"] == "principalSet":
            return Member(text, "kubernetes", rest, pool, ns["ns"], "")
        if match["form"] == "principalSet" and rest.startswith(
            ("kubernetes.cluster/", "kubernetes.serviceaccount.uid/", "*")
        ):
            # every account of a cluster (or of the pool), or one account by its uid
            return Member(text, "kubernetes", rest, pool, "*", "")
    if match["form"] == "principal":
        subject = rest.removeprefix("subject/")
        return Member(text, "pool", rest, pool, attribute="subject", attribute_value=subject)
    if rest == "*":
        return Member(text, "pool", rest, pool, attribute="*", attribute_value="*")
    attribute, _, value = rest.partition("/")
    if attribute == "group":
        return Member(text, "pool", rest, pool, attribute="group", attribute_value=value)
    return Member(
        text,
        "pool",
        rest,
        pool,
        attribute=attribute.removeprefix("attribute."),
        attribute_value=value,
    )


def unknown_member(description: str, references: tuple[str, ...]) -> Member:
    """A member Terraform knows only after apply, with the references that will make it."""
    return Member(description, "unknown", "", references=references)
