"""The Google Cloud layer of the identity graph.

- nodes: service accounts (``gcp:service_account/EMAIL``), CI principals of workload identity
  pools (``ci:github/acme/infra``, entry points), ``allUsers`` / ``allAuthenticatedUsers``
  (entry points), the IAM control plane of each project (``gcp:iam/PROJECT``) and the classified
  data stores, secrets and keys (``gcp:storage_bucket/NAME``...);
- ``grants``: a principal's strongest access to each jewel, decided by
  :class:`~iacguard.gcp.evaluate.GcpView` with the permission that gives it
  (``storage.objects.create`` for write-data...), the grants as evidence;
- ``can-assume`` (access tokens, keys, signatures) and ``can-escalate`` (``actAs``) between
  service accounts; ``federates-to`` from Kubernetes service accounts (GKE Workload Identity)
  and CI principals; ``runs-as`` from Workbench and notebook instances;
- pods without a Google identity of their own ``runs-on`` the GKE cluster, whose node pools
  lead to their service accounts (``inherits-node-role``) unless the GKE metadata server hides
  them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iacguard.gcp.capabilities import impersonations
from iacguard.gcp.evaluate import GcpView, Principal, Target, gcp_view
from iacguard.gcp.federation import (
    CLOUD_PLATFORM,
    PoolProvider,
    ci_of,
    clusters,
    gke_federations,
    node_pools,
    pool_providers,
)
from iacguard.graph.model import Edge, Node
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Tristate

if TYPE_CHECKING:
    from iacguard.graph.build import _Builder

#: Jewel types → access class → the permission that gives it (strongest first).
GCP_ACCESS: dict[str, dict[str, str]] = {
    "google_storage_bucket": {
        "write-data": "storage.objects.create",
        "read-data": "storage.objects.get",
    },
    "google_bigquery_dataset": {
        "write-data": "bigquery.tables.updateData",
        "read-data": "bigquery.tables.getData",
    },
    "google_bigquery_table": {
        "write-data": "bigquery.tables.updateData",
        "read-data": "bigquery.tables.getData",
    },
    "google_secret_manager_secret": {"read-secrets": "secretmanager.versions.access"},
    "google_kms_crypto_key": {"decrypt": "cloudkms.cryptoKeyVersions.useToDecrypt"},
    "google_artifact_registry_repository": {
        "write-data": "artifactregistry.repositories.uploadArtifacts",
        "read-data": "artifactregistry.repositories.downloadArtifacts",
    },
    "google_vertex_ai_dataset": {
        "write-data": "aiplatform.datasets.update",
        "read-data": "aiplatform.datasets.get",
    },
    "google_vertex_ai_featurestore": {
        "write-data": "aiplatform.featurestores.writeFeatures",
        "read-data": "aiplatform.featurestores.readFeatures",
    },
    "google_vertex_ai_featurestore_entitytype": {
        "write-data": "aiplatform.featurestores.writeFeatures",
        "read-data": "aiplatform.featurestores.readFeatures",
    },
}
_NAME_KEYS = ("name", "secret_id", "table_id", "dataset_id", "repository_id", "display_name")
_SCOPE_LIMITS = {
    "https://www.googleapis.com/auth/devstorage.read_only": "read-only Cloud Storage",
    "https://www.googleapis.com/auth/devstorage.read_write": "Cloud Storage",
    "https://www.googleapis.com/auth/devstorage.full_control": "Cloud Storage",
}
#: Workloads that run as a service account: type → how to find it, what makes them entries.
_RUNS_AS = ("google_workbench_instance", "google_notebooks_instance", "google_compute_instance")


def gcp_node_id(resource: Resource) -> str:
    """``gcp:TYPE/NAME`` of a Google resource (its address when it has no name yet)."""
    for key in _NAME_KEYS:
        value = resource.get(key)
        if isinstance(value, str) and value:
            return f"gcp:{resource.type.removeprefix('google_')}/{value}"
    return f"gcp:{resource.type.removeprefix('google_')}/{resource.address}"


class GcpLayer:
    """Adds the GCP nodes and edges to a graph being built."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder
        self.graph = builder.graph
        self.index = builder.index
        self.view: GcpView = gcp_view(builder.index)
        self.jewels: list[tuple[Node, Resource, Target]] = []
        self.controls: dict[str, Node] = {}
        self.ids: dict[str, Principal] = {}
        found = clusters(builder.index)
        identity_off = bool(found) and all(c.identity is Tristate.NO for c in found)
        self.direct_kubernetes = not identity_off and any(
            g.member.gke for g in self.view.iam.grants
        )
        """Some grant names Kubernetes service accounts directly (Workload Identity members)."""

    @property
    def present(self) -> bool:
        """Does the scan hold anything of Google Cloud?"""
        return bool(self.view.iam.grants or self.view.accounts or self.jewels)

    def add_nodes(self) -> None:
        """Jewels and principals (edges of principals are built lazily)."""
        for resource in self.index.resources:
            if (
                resource.type not in GCP_ACCESS
                or resource.mode != "managed"
                or resource.action in (Action.DELETE, Action.FORGET)
            ):
                continue
            found = self.index.classifications.get(resource.address)
            if found is None or found.resource_class not in self.builder.jewel_classes:
                continue
            node_id = gcp_node_id(resource)
            taken = self.graph.nodes.get(node_id)
            if taken is not None and taken.address != resource.address:
                node_id = f"gcp:{resource.type.removeprefix('google_')}/{resource.address}"
            node = self.graph.add(
                Node(
                    node_id,
                    resource.type,
                    resource.address,
                    resource.address,
                    jewel=str(found.resource_class),
                    why=found.reason,
                )
            )
            self.jewels.append((node, resource, self.view.target_of(resource)))
        if not self.present:
            return
        projects = sorted(
            {t.project for _, _, t in self.jewels if t.project}
            | ({self.view.project} if self.view.project else set())
            | {a.project for a in self.view.accounts if a.project}
        )
        for project in projects:
            self.controls[project] = self.graph.add(
                Node(
                    f"gcp:iam/{project}",
                    "iam-control",
                    f"the IAM policy of project {project}",
                    jewel="iam-control",
                    why="setting the project's IAM policy controls every identity and resource "
                    "of it",
                )
            )
        providers = pool_providers(self.index)
        for principal in self.view.principals():
            if principal.kind == "kubernetes":
                continue  # the Kubernetes layer adds the account; its grants come lazily
            member = principal.member
            if member is not None and member.kind == "pool":
                self._ci(principal, providers)
                continue
            if member is not None and member.public:
                self.graph.add(
                    Node(
                        principal.node_id,
                        "gcp-principal",
                        member.text,
                        entry="anyone on the internet"
                        if member.kind == "allUsers"
                        else "anyone with a Google account",
                    )
                )
            elif principal.kind == "service_account":
                self.graph.add(
                    Node(
                        principal.node_id,
                        "google_service_account",
                        principal.label,
                        principal.resource.address if principal.resource is not None else None,
                    )
                )
            else:
                continue
            self.ids[principal.node_id] = principal
            self.graph.lazy[principal.node_id] = _Lazy(self, principal)
        self._workloads()

    def _ci(self, principal: Principal, providers: list[Any]) -> None:
        """One CI entry point per provider of the pool whose tokens can carry the member's
        attribute (``ci:github/acme/infra`` for ``attribute.repository/acme/infra``)."""
        member = principal.member
        assert member is not None
        found: list[PoolProvider | None] = list(ci_of(member, providers))
        if not found:
            if any(p.pool in (None, member.pool) for p in providers):
                return  # the pool's providers are disabled or cannot carry this attribute
            found = [None]  # the pool's providers are not in the inputs
        for provider in found:
            kind = provider.provider if provider is not None else "oidc"
            if member.attribute == "?":
                value, label = f"pool:{member.pool}", "a principal known only after apply"
            elif member.attribute == "*":
                value, label = f"pool:{member.pool}", "any identity of the pool"
            elif member.attribute in ("repository", "subject", "project_path"):
                value, label = (
                    member.attribute_value,
                    f"{member.attribute} {member.attribute_value}",
                )
            else:
                value = f"{member.attribute}:{member.attribute_value}"
                label = f"{member.attribute} {member.attribute_value}"
            condition = (
                "(the pool's providers are not in the inputs)"
                if provider is None
                else provider.condition or "none"
            )
            node = self.graph.add(
                Node(
                    f"ci:{kind}/{value}",
                    "ci-subject",
                    f"{kind} via workload identity pool {member.pool} ({label})",
                    entry=f"CI: {kind} through workload identity pool {member.pool} ({label}; "
                    f"provider attribute condition: {condition})",
                )
            )
            self.ids[node.id] = principal
            self.graph.lazy[node.id] = _Lazy(self, principal, node.id)

    def _workloads(self) -> None:
        for resource in self.index.planned(*_RUNS_AS):
            email, public = _runs_as(resource)
            if email is None:
                continue
            classified = self.index.classifications.get(resource.address)
            entry = None
            if public is not False and resource.type != "google_compute_instance":
                entry = "notebook with a public IP address"
            elif classified is not None and str(classified.resource_class) == "agent":
                entry = "agent"
            node = self.graph.add(
                Node(
                    gcp_node_id(resource),
                    resource.type,
                    resource.address,
                    resource.address,
                    entry=entry,
                )
            )
            target = self._account_node(resource, email)
            if target is not None:
                self.graph.link(
                    Edge(node.id, target, "runs-as", Tristate.YES, "its service account")
                )

    def _account_node(self, resource: Resource, email: str | Any) -> str | None:
        if isinstance(email, str):
            for account in self.view.accounts:
                if account.email == email.lower():
                    return account.node_id
            return None
        linked = {
            t.address
            for key in ("gce_setup", "service_account", "service_account_email")
            for t in self.index.targets(resource, key)
        }
        for account in self.view.accounts:
            if account.resource is not None and account.resource.address in linked:
                return account.node_id
        return None

    # -- Kubernetes ------------------------------------------------------------------------

    def federations(self) -> dict[str, list[Edge]]:
        """GKE Workload Identity edges by Kubernetes account node."""
        found: dict[str, list[Edge]] = {}
        for edge in gke_federations(self.index):
            if edge.answer is Tristate.NO:
                continue
            self.graph.add(
                Node(
                    edge.target.node_id,
                    "google_service_account",
                    edge.target.label,
                    edge.target.address if edge.target.resource is not None else None,
                )
            )
            if edge.target.node_id not in self.ids:
                self.ids[edge.target.node_id] = edge.target
                self.graph.lazy[edge.target.node_id] = _Lazy(self, edge.target)
            found.setdefault(edge.account, []).append(
                Edge(
                    edge.account,
                    edge.target.node_id,
                    "federates-to",
                    edge.answer,
                    f"gke-workload-identity: {edge.why}",
                    evidence=(edge.as_json(),),
                )
            )
        return found

    def node_pools(self) -> list[tuple[str, str, Tristate, str]]:
        """(cluster name, cluster node id, answer, why) of the GKE clusters whose pools pods
        may reach the node service account of."""
        found: dict[str, Node] = {}
        for pool in node_pools(self.index):
            node = found.get(pool.cluster)
            if node is None:
                node = found[pool.cluster] = self.graph.add(
                    Node(
                        f"gcp:gke_cluster/{pool.cluster}",
                        "google_container_cluster",
                        f"the nodes of {pool.cluster}",
                    )
                )
            account = pool.account
            self.graph.add(
                Node(
                    account.node_id,
                    "google_service_account",
                    account.label,
                    account.resource.address if account.resource is not None else None,
                )
            )
            if account.node_id not in self.ids:
                self.ids[account.node_id] = account
                self.graph.lazy[account.node_id] = _Lazy(self, account, scopes=pool.scopes)
            scopes = (
                "every API (cloud-platform scope)"
                if CLOUD_PLATFORM in pool.scopes
                else "scopes " + ", ".join(s.rsplit("/", 1)[-1] for s in pool.scopes)
            )
            self.graph.link(
                Edge(
                    node.id,
                    account.node_id,
                    "inherits-node-role",
                    pool.exposed,
                    f"{pool.resource.address}: {pool.why}; the node's token is limited to {scopes}",
                )
            )
        return [(name, node.id, Tristate.YES, "") for name, node in sorted(found.items())]

    # -- edges of a principal --------------------------------------------------------------

    def edges(self, principal: Principal, source: str, scopes: tuple[str, ...] = ()) -> list[Edge]:
        """Grants to jewels and control, and impersonation, of one principal."""
        edges: list[Edge] = []
        storage_only = bool(scopes) and CLOUD_PLATFORM not in scopes
        for node, resource, target in self.jewels:
            if storage_only and resource.type != "google_storage_bucket":
                continue
            for access, permission in GCP_ACCESS[resource.type].items():
                if (
                    storage_only
                    and access == "write-data"
                    and not any(s.endswith(("read_write", "full_control")) for s in scopes)
                ):
                    continue
                decision = self.view.decide(principal, permission, target)
                if decision.answer is Tristate.NO:
                    continue
                first = decision.matches[0]
                surest = decision.answer is Tristate.YES
                edges.append(
                    Edge(
                        source,
                        node.id,
                        "grants",
                        decision.answer,
                        f"{permission} through {first.grant.role} on {first.grant.scope.text()}",
                        access=access,
                        evidence=tuple(m.as_json() for m in decision.matches[:3]),
                    )
                )
                if surest:
                    break  # a Maybe of a stronger access does not hide a Yes of a weaker one
        if not storage_only:
            for project, control in self.controls.items():
                decision = self.view.decide(
                    principal,
                    "resourcemanager.projects.setIamPolicy",
                    Target(f"projects/{project}", None, project),
                )
                if decision.answer is Tristate.NO:
                    continue
                self.graph.add(control)
                first = decision.matches[0]
                edges.append(
                    Edge(
                        source,
                        control.id,
                        "grants",
                        decision.answer,
                        f"resourcemanager.projects.setIamPolicy through {first.grant.role} on "
                        f"{first.grant.scope.text()}",
                        access="permissions-management",
                        evidence=tuple(m.as_json() for m in decision.matches[:3]),
                    )
                )
            # a Kubernetes account becomes a Google account through its federates-to edges
            becomes = [] if principal.kind == "kubernetes" else impersonations(self.view, principal)
            federated = principal.member is not None and principal.member.kind == "pool"
            for edge in becomes:
                kind = "can-assume" if edge.kind == "token" else "can-escalate"
                if federated and edge.kind == "token":
                    kind = "federates-to"  # workload identity federation: the CI job's token
                edges.append(
                    Edge(
                        source,
                        edge.target.node_id,
                        kind,
                        edge.answer,
                        f"{edge.permission} on the account"
                        + (" (attach it to compute it starts)" if edge.kind == "act-as" else ""),
                        evidence=edge.evidence,
                    )
                )
        return edges


class _Lazy:
    __slots__ = ("layer", "principal", "scopes", "source")

    def __init__(
        self,
        layer: GcpLayer,
        principal: Principal,
        source: str | None = None,
        scopes: tuple[str, ...] = (),
    ) -> None:
        self.layer = layer
        self.principal = principal
        self.source = source or principal.node_id
        self.scopes = scopes

    def __call__(self) -> list[Edge]:
        return self.layer.edges(self.principal, self.source, self.scopes)


def _runs_as(resource: Resource) -> tuple[Any, bool | None]:
    """The service account a Workbench, notebook or VM instance runs as (an email, or an unknown
    value), and whether it has a public IP (``None``: not known)."""
    if resource.type == "google_workbench_instance":
        setup = resource.get("gce_setup")
        block = setup[0] if isinstance(setup, list) and setup and isinstance(setup[0], dict) else {}
        accounts = block.get("service_accounts")
        first = accounts[0] if isinstance(accounts, list) and accounts else None
        email = first.get("email") if isinstance(first, dict) else first
        disabled = block.get("disable_public_ip")
        return email, (not disabled) if isinstance(disabled, bool) else True
    if resource.type == "google_notebooks_instance":
        no_public = resource.get("no_public_ip")
        return resource.get("service_account"), (not no_public) if isinstance(
            no_public, bool
        ) else True
    accounts = resource.get("service_account")
    first = accounts[0] if isinstance(accounts, list) and accounts else None
    return (first.get("email") if isinstance(first, dict) else None), None
