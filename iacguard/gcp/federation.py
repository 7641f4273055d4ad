"""Who becomes a Google service account without a key: Kubernetes service accounts through GKE
Workload Identity, CI jobs through workload identity pools, and pods through their node's
service account when the GKE metadata server does not stand in front of it.

- **GKE Workload Identity**: a Kubernetes service account ``NS/KSA`` of a cluster whose
  workload pool is ``PROJECT.svc.id.goog`` is the principal
  ``serviceAccount:PROJECT.svc.id.goog[NS/KSA]`` (or ``principal://.../subject/ns/NS/sa/KSA``).
  It becomes a Google service account when it holds ``iam.serviceAccounts.getAccessToken`` on
  it (``roles/iam.workloadIdentityUser``). The annotation ``iam.gke.io/gcp-service-account``
  makes the metadata server hand out the account's tokens; without it, code in the pod can
  still exchange its own token, so the grant decides.
- **Workload identity pools** admit CI jobs through their providers (GitHub, GitLab, Terraform
  Cloud issuers); a provider's ``attribute_condition`` says which jobs of the issuer get in.
- **Node service accounts**: pods on a node pool without the GKE metadata server
  (``workload_metadata_config.mode = GCE_METADATA``, or Workload Identity off) get the node's
  service account, limited by the node's OAuth scopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from iacguard.engine.context import ScanIndex
from iacguard.gcp.capabilities import Impersonation, impersonations
from iacguard.gcp.evaluate import GcpView, Principal, gcp_view
from iacguard.gcp.iam import project_of
from iacguard.gcp.members import Member
from iacguard.k8s.identities import ServiceAccount, k8s_view
from iacguard.k8s.objects import annotations_of
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate, Unknown

GKE_ANNOTATION = "iam.gke.io/gcp-service-account"
#: The Compute Engine default service account: ``PROJECT_NUMBER-compute@developer...``.
DEFAULT_COMPUTE = re.compile(r"^[0-9]+-compute@developer\.gserviceaccount\.com$")
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
_ISSUERS = {
    "https://token.actions.githubusercontent.com": "github",
    "https://gitlab.com": "gitlab",
    "https://app.terraform.io": "terraform-cloud",
}


@dataclass(frozen=True, slots=True)
class GkeFederation:
    """A Kubernetes service account can become a Google service account."""

    account: str
    """``k8s:ServiceAccount/NS/NAME``."""
    target: Principal
    answer: Tristate
    why: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON form (the shape of the AWS federation edges)."""
        return {
            "account": self.account,
            "role": self.target.address,
            "role_id": self.target.node_id,
            "via": "gke-workload-identity",
            "answer": self.answer.value,
            "why": self.why,
            **self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """A GKE cluster: its name, and whether Workload Identity is on (its workload pool)."""

    resource: Resource
    name: str
    pool: str | None
    identity: Tristate


def clusters(index: ScanIndex) -> list[Cluster]:
    """The GKE clusters of the inputs."""
    found = []
    for resource in index.planned("google_container_cluster"):
        name = resource.get("name")
        config = resource.get("workload_identity_config")
        pool: str | None = None
        if isinstance(config, list) and config and isinstance(config[0], dict):
            value = config[0].get("workload_pool")
            pool = value if isinstance(value, str) else None
            identity = Tristate.YES if pool else Tristate.MAYBE
        elif isinstance(config, list) or config is None:
            identity = Tristate.NO
        else:
            identity = Tristate.MAYBE
        found.append(
            Cluster(resource, name if isinstance(name, str) else resource.address, pool, identity)
        )
    return found


def _annotation(account: ServiceAccount) -> str | None:
    if account.resource is None:
        return None
    value = annotations_of(account.resource).get(GKE_ANNOTATION, "").strip().lower()
    return value or None


def gke_federations(index: ScanIndex) -> list[GkeFederation]:
    """Every Workload Identity edge the inputs show (memoised)."""
    return index.memo("gke-federations", lambda: _gke(index))


def _gke(index: ScanIndex) -> list[GkeFederation]:
    view = gcp_view(index)
    k8s = k8s_view(index)
    found_clusters = clusters(index)
    project = view.workload_project
    accounts: dict[str, tuple[str, str, ServiceAccount | None]] = {
        a.node_id: (a.namespace, a.name, a) for a in k8s.accounts.values()
    }
    for grant in view.iam.grants:
        member = grant.member
        if member.kind == "kubernetes" and member.account:
            node = f"k8s:ServiceAccount/{member.namespace}/{member.account}"
            accounts.setdefault(node, (member.namespace, member.account, None))
    if not accounts or not (
        view.accounts or any(_annotation(a) for _, _, a in accounts.values() if a)
    ):
        return []
    identity, identity_why = _identity_state(found_clusters)
    edges: list[GkeFederation] = []
    for node_id, (namespace, name, account) in sorted(accounts.items()):
        principal = Principal(
            "kubernetes",
            node_id,
            f"{namespace}/{name}",
            namespace=namespace,
            account=name,
            project=project,
        )
        annotated = _annotation(account) if account is not None else None
        # only the accounts its grants may reach (impersonation is decided once per project
        # for project-wide grants), and the one its annotation names
        reached = {
            e.target.node_id: e
            for e in impersonations(view, principal)
            if e.kind == "token" and e.permission == "iam.serviceAccounts.getAccessToken"
        }
        targets = [e.target for e in reached.values()]
        if annotated and all(t.email != annotated for t in targets):
            named = [a for a in view.accounts if a.email == annotated]
            targets += named
        if annotated and all(t.email != annotated for t in targets):
            targets.append(
                view.principal_of(
                    Member(f"serviceAccount:{annotated}", "serviceAccount", annotated)
                )
            )
        for target in targets:
            edge = _edge(
                principal, target, reached.get(target.node_id), annotated, identity, identity_why
            )
            if edge is not None:
                edges.append(edge)
    return edges


def _identity_state(found: list[Cluster]) -> tuple[Tristate, str]:
    if not found:
        return (
            Tristate.MAYBE,
            "the GKE cluster is not in the inputs: Workload Identity is assumed on",
        )
    states = {c.identity for c in found}
    names = ", ".join(sorted(c.name for c in found))
    if states == {Tristate.YES}:
        return Tristate.YES, f"Workload Identity is on in {names}"
    if states == {Tristate.NO}:
        return Tristate.NO, (
            f"Workload Identity is off in {names}: pods get the node's service account instead"
        )
    return Tristate.MAYBE, f"Workload Identity is on in some of {names} only, or not yet known"


def _edge(
    principal: Principal,
    target: Principal,
    reached: Impersonation | None,
    annotated: str | None,
    identity: Tristate,
    identity_why: str,
) -> GkeFederation | None:
    names_it = annotated is not None and annotated == target.email
    if target.resource is not None:
        answer = reached.answer if reached is not None else Tristate.NO
        matches: tuple[dict[str, Any], ...] = reached.evidence if reached is not None else ()
    else:
        answer, matches = Tristate.MAYBE, ()
    if answer is Tristate.NO and not names_it:
        return None
    evidence: dict[str, Any] = {
        "annotation": annotated,
        "grants": list(matches[:3]),
        "workload_identity": identity_why,
    }
    if answer is Tristate.NO:
        why = (
            f"annotated {GKE_ANNOTATION}: {annotated}, but no grant of the inputs gives "
            f"{principal.label} roles/iam.workloadIdentityUser on it"
        )
    elif target.resource is None:
        why = (
            f"annotated {GKE_ANNOTATION}: {annotated}, an account not in the inputs: whether it "
            "grants roles/iam.workloadIdentityUser is not known"
        )
    elif names_it:
        why = f"annotated {GKE_ANNOTATION} and granted iam.serviceAccounts.getAccessToken on it"
    else:
        why = (
            "granted iam.serviceAccounts.getAccessToken on it (not annotated: code in the pod "
            "can still exchange the pod's token for the account's)"
        )
    if identity is not Tristate.YES:
        answer = (
            identity
            if identity is Tristate.NO
            else (Tristate.MAYBE if answer is not Tristate.NO else answer)
        )
    return GkeFederation(principal.node_id, target, answer, f"{why}; {identity_why}", evidence)


# -- workload identity pools (CI) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolProvider:
    """A provider of a workload identity pool."""

    resource: Resource
    pool: str | None
    """The pool id (``ci``), when known."""
    provider: str
    """``github``, ``gitlab``, ``terraform-cloud``, ``oidc`` (another issuer), ``aws``,
    ``saml``."""
    issuer: str | None
    condition: str | None
    """The ``attribute_condition`` (``None``: every token of the issuer is admitted)."""
    mapping: dict[str, str]

    @property
    def unconditioned(self) -> Tristate:
        """No attribute condition: Yes; a condition known only after apply: Maybe."""
        value = self.resource.get("attribute_condition")
        if isinstance(value, Unknown):
            return Tristate.MAYBE
        return Tristate.YES if not value else Tristate.NO


def pool_providers(index: ScanIndex) -> list[PoolProvider]:
    """Every workload identity pool provider of the inputs."""
    found = []
    pools = {p.address: p for p in index.planned("google_iam_workload_identity_pool")}
    for resource in index.planned("google_iam_workload_identity_pool_provider"):
        pool_value = resource.get("workload_identity_pool_id")
        pool = pool_value if isinstance(pool_value, str) else None
        if pool is None:
            for target in index.targets(resource, "workload_identity_pool_id"):
                if target.address in pools:
                    value = target.get("workload_identity_pool_id")
                    pool = value if isinstance(value, str) else None
        oidc = resource.get("oidc")
        first = oidc[0] if isinstance(oidc, list) and oidc else None
        issuer_value = first.get("issuer_uri") if isinstance(first, dict) else None
        issuer = issuer_value if isinstance(issuer_value, str) else None
        if issuer is not None:
            kind = _ISSUERS.get(issuer.rstrip("/"), "oidc")
        elif resource.get("aws"):
            kind = "aws"
        else:
            kind = "saml" if resource.get("saml") else "oidc"
        condition = resource.get("attribute_condition")
        mapping = resource.get("attribute_mapping")
        found.append(
            PoolProvider(
                resource,
                pool,
                kind,
                issuer,
                condition if isinstance(condition, str) and condition else None,
                {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {},
            )
        )
    return found


def ci_of(member: Member, providers: list[PoolProvider]) -> list[PoolProvider]:
    """The providers of the member's pool whose tokens can carry the member's attribute."""
    found = []
    for provider in providers:
        if provider.pool is not None and provider.pool != member.pool:
            continue
        if provider.resource.get("disabled") is True:
            continue
        if (
            member.attribute in ("*", "subject", "group", "?")
            or f"attribute.{member.attribute}" in provider.mapping
            or not provider.mapping
        ):
            found.append(provider)
    return found


# -- node service accounts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodePool:
    """A GKE node pool (or a cluster's default pool) and the identity its pods may use."""

    resource: Resource
    cluster: str
    name: str
    account: Principal
    default_account: bool
    scopes: tuple[str, ...]
    exposed: Tristate
    """Do pods there reach the node's service account through the metadata server?"""
    why: str
    gpu: bool


def node_pools(index: ScanIndex) -> list[NodePool]:
    """The GKE node pools of the inputs (memoised)."""
    return index.memo("gke-node-pools", lambda: _node_pools(index))


def _default_account(index: ScanIndex, project: str | None, email: str | None = None) -> Principal:
    numbers = [
        d.get("number")
        for d in index.of_type("google_project")
        if d.get("number") is not None and d.get("project_id") in (None, project)
    ]
    number = numbers[0] if len(numbers) == 1 and isinstance(numbers[0], str | int) else None
    if email is None and number:
        email = f"{number}-compute@developer.gserviceaccount.com"
    fallback = f"default-compute@{project or '(project)'}"
    node = f"gcp:service_account/{email or fallback}"
    return Principal(
        "service_account",
        node,
        f"the Compute Engine default service account of {project or 'the project'}",
        email=email,
        project=project,
    )


def _node_pools(index: ScanIndex) -> list[NodePool]:
    view = gcp_view(index)
    by_cluster = {c.resource.address: c for c in clusters(index)}
    found: list[NodePool] = []
    # (resource, node_config block, pool name): the cluster's default pool, its inline
    # node_pool blocks, and the separate google_container_node_pool resources
    candidates: list[tuple[Resource, dict[str, Any], str | None]] = []
    for found_cluster in by_cluster.values():
        inline = found_cluster.resource.get("node_pool")
        blocks = [b for b in inline if isinstance(b, dict)] if isinstance(inline, list) else []
        for block in blocks:
            name = block.get("name")
            candidates.append(
                (
                    found_cluster.resource,
                    _first(block.get("node_config")),
                    name if isinstance(name, str) else None,
                )
            )
        if not blocks and found_cluster.resource.get("remove_default_node_pool") is not True:
            candidates.append(
                (found_cluster.resource, _first(found_cluster.resource.get("node_config")), None)
            )
    for pool in index.planned("google_container_node_pool"):
        candidates.append((pool, _first(pool.get("node_config")), None))
    for resource, node, inline_name in candidates:
        cluster: Cluster | None
        if resource.type == "google_container_cluster":
            cluster = by_cluster[resource.address]
        else:
            owners = [t for t in index.targets(resource, "cluster") if t.address in by_cluster]
            cluster_name = resource.get("cluster")
            cluster = next(iter(by_cluster[o.address] for o in owners), None) or next(
                (c for c in by_cluster.values() if c.name == cluster_name), None
            )
        account, default = _node_account(index, view, resource, node)
        scopes_value = node.get("oauth_scopes")
        listed = scopes_value if isinstance(scopes_value, list) else []
        scopes = tuple(s for s in listed if isinstance(s, str))
        if not scopes:
            scopes = (
                "https://www.googleapis.com/auth/devstorage.read_only",
                "https://www.googleapis.com/auth/logging.write",
                "https://www.googleapis.com/auth/monitoring",
            )
        exposed, why = _metadata(node, cluster)
        accelerators = node.get("guest_accelerator")
        gpu = bool(accelerators) and not isinstance(accelerators, Unknown)
        name = inline_name or resource.get("name")
        found.append(
            NodePool(
                resource,
                cluster.name if cluster is not None else str(resource.get("cluster") or "?"),
                name if isinstance(name, str) else resource.address,
                account,
                default,
                scopes,
                exposed,
                why,
                gpu or isinstance(accelerators, Unknown),
            )
        )
    return found


def _first(value: Any) -> dict[str, Any]:
    """The first block of a one-element block list (``node_config``), or an empty one."""
    first = value[0] if isinstance(value, list) and value else None
    return first if isinstance(first, dict) else {}


def _node_account(
    index: ScanIndex, view: GcpView, resource: Resource, node: dict[str, Any]
) -> tuple[Principal, bool]:
    value = node.get("service_account")
    project = project_of(resource, view.project)
    if isinstance(value, str) and DEFAULT_COMPUTE.match(value.lower()):
        return _default_account(index, project, value.lower()), True
    if isinstance(value, str) and value and value != "default":
        member = Member(f"serviceAccount:{value}", "serviceAccount", value.lower())
        return view.principal_of(member), False
    if isinstance(value, Unknown) and (value.references or value.sources):
        linked = [
            t for t in index.targets(resource, "node_config") if t.type == "google_service_account"
        ]
        account = (
            next((a for a in view.accounts if a.resource is linked[0]), None) if linked else None
        )
        if account is not None:
            return account, False
        return Principal(
            "service_account",
            f"gcp:service_account/{resource.address}.node_config.service_account",
            f"the node service account of {resource.address} ({value.describe()})",
        ), False
    # unset: the provider leaves it to GKE, which uses the Compute Engine default account
    return _default_account(index, project), True


def _metadata(node: dict[str, Any], cluster: Cluster | None) -> tuple[Tristate, str]:
    config = node.get("workload_metadata_config")
    mode = (
        config[0].get("mode")
        if isinstance(config, list) and config and isinstance(config[0], dict)
        else None
    )
    if mode == "GKE_METADATA":
        return Tristate.NO, "the GKE metadata server hides the node's service account"
    if mode == "GCE_METADATA":
        return Tristate.YES, (
            "workload_metadata_config.mode is GCE_METADATA: pods reach the node's metadata "
            "server and its service account"
        )
    configured = mode if isinstance(mode, Unknown) else config
    if isinstance(configured, Unknown) and (configured.references or configured.sources):
        return Tristate.MAYBE, "the node pool's metadata mode is known only after apply"
    # unset (or left to GKE, which the plan shows as unknown): the cluster's default
    if cluster is None:
        return Tristate.MAYBE, "the node pool's cluster is not in the inputs"
    if cluster.identity is Tristate.YES:
        return Tristate.NO, (
            f"Workload Identity is on in {cluster.name}: node pools default to the GKE "
            "metadata server"
        )
    if cluster.identity is Tristate.NO:
        return Tristate.YES, (
            f"Workload Identity is off in {cluster.name}: pods reach the node's metadata "
            "server and its service account"
        )
    return Tristate.MAYBE, f"whether Workload Identity is on in {cluster.name} is not known"
