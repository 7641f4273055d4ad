"""The Azure layer of the identity graph.

- nodes: managed identities (``azure:user_assigned_identity/NAME``, system-assigned ones,
  ``azure:kubelet_identity/CLUSTER``), service principals, CI subjects of federated identity
  credentials (entry points), the RBAC control plane of the subscription
  (``azure:rbac/SUBSCRIPTION``) and the classified storage, Key Vaults and secrets;
- ``grants``: an identity's strongest access to each jewel, decided by
  :class:`~iacguard.azure.evaluate.AzureView` with the data action that gives it (blob write
  or read, ``secrets/getSecret``), or through the storage account's keys (``listKeys``) when
  shared keys are allowed; permissions management on the subscription;
- ``federates-to`` from Kubernetes service accounts (AKS Workload Identity) and CI subjects;
  pods without workload identity ``runs-on`` the cluster, which leads to its kubelet identity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iacguard.azure.evaluate import AzurePrincipal, AzureTarget, AzureView, azure_view
from iacguard.azure.federation import aks_federations, credentials, kubelet_reachable
from iacguard.azure.rbac import AzureGrant
from iacguard.graph.ci import ci_scope
from iacguard.graph.model import Edge, Node
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Tristate

if TYPE_CHECKING:
    from iacguard.graph.build import _Builder

_BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
#: Jewel types → access class → (data action, whether it is a data action).
AZURE_ACCESS: dict[str, dict[str, tuple[str, bool]]] = {
    "azurerm_storage_container": {
        "write-data": (f"{_BLOB}/write", True),
        "read-data": (f"{_BLOB}/read", True),
    },
    "azurerm_storage_account": {
        "write-data": (f"{_BLOB}/write", True),
        "read-data": (f"{_BLOB}/read", True),
    },
    "azurerm_key_vault": {
        "read-secrets": ("Microsoft.KeyVault/vaults/secrets/getSecret/action", True),
        "decrypt": ("Microsoft.KeyVault/vaults/keys/decrypt/action", True),
    },
    "azurerm_key_vault_secret": {
        "read-secrets": ("Microsoft.KeyVault/vaults/secrets/getSecret/action", True),
    },
}
_LIST_KEYS = "Microsoft.Storage/storageAccounts/listKeys/action"
#: Compute that runs as its managed identities.
_RUNS_AS = (
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_linux_web_app",
    "azurerm_container_app",
    "azurerm_machine_learning_compute_cluster",
    "azurerm_machine_learning_compute_instance",
    "azurerm_machine_learning_workspace",
)


def azure_node_id(resource: Resource) -> str:
    """``azure:TYPE/NAME`` of an Azure resource."""
    name = resource.get("name")
    kind = resource.type.removeprefix("azurerm_")
    return f"azure:{kind}/{name if isinstance(name, str) and name else resource.address}"


class AzureLayer:
    """Adds the Azure nodes and edges to a graph being built."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder
        self.graph = builder.graph
        self.index = builder.index
        self.view: AzureView = azure_view(builder.index)
        self.jewels: list[tuple[Node, Resource, AzureTarget]] = []
        self.control: Node | None = None
        self._relevance: dict[int, bool] = {}
        self._accounts: dict[str, Resource | None] = {}

    def add_nodes(self) -> None:
        """Jewels, identities, CI subjects."""
        for resource in self.index.resources:
            if (
                resource.type not in AZURE_ACCESS
                or resource.mode != "managed"
                or resource.action in (Action.DELETE, Action.FORGET)
            ):
                continue
            found = self.index.classifications.get(resource.address)
            if found is None or found.resource_class not in self.builder.jewel_classes:
                continue
            node_id = azure_node_id(resource)
            taken = self.graph.nodes.get(node_id)
            if taken is not None and taken.address != resource.address:
                node_id = f"azure:{resource.type.removeprefix('azurerm_')}/{resource.address}"
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
        if not (self.view.rbac.grants or self.view.identities or self.jewels):
            return
        subscription = self.view.rbac.subscription
        self.control = self.graph.add(
            Node(
                f"azure:rbac/{subscription or '(subscription)'}",
                "iam-control",
                f"role assignments of subscription {subscription or '(unknown)'}",
                jewel="iam-control",
                why="writing role assignments controls every identity and resource of the "
                "subscription",
            )
        )
        for principal in self.view.identities:
            self.graph.add(
                Node(
                    principal.node_id,
                    principal.kind,
                    principal.label,
                    principal.resource.address if principal.resource is not None else None,
                )
            )
            self.graph.lazy[principal.node_id] = _Lazy(self, principal)
        self._workloads()
        for credential in credentials(self.index):
            if credential.provider in ("aks", "oidc") or credential.identity is None:
                continue
            subject = credential.subject or "(known after apply)"
            shown = subject.removeprefix("repo:") if credential.provider == "github" else subject
            admits = ci_scope(credential.provider, subject)
            source = self.graph.add(
                Node(
                    f"ci:{credential.provider}/{shown}",
                    "ci-subject",
                    f"{credential.provider} OIDC subject {subject}",
                    entry=f"CI: {credential.provider} OIDC sub {subject} ("
                    + ", ".join(f"{k} {v}" for k, v in admits.items())
                    + f"; federated credential {credential.resource.address})",
                )
            )
            self.graph.link(
                Edge(
                    source.id,
                    credential.identity.node_id,
                    "federates-to",
                    Tristate.YES,
                    f"{credential.resource.address} trusts {credential.issuer} sub {subject}",
                    evidence=(
                        {
                            "credential": credential.resource.address,
                            "subject": subject,
                            "admits": admits,
                        },
                    ),
                )
            )

    def _workloads(self) -> None:
        """Compute that runs as an identity: ``runs-as`` to its system-assigned identity and
        to the user-assigned identities it lists."""
        by_resource = {
            (p.resource.address, p.kind): p for p in self.view.identities if p.resource is not None
        }
        for resource in self.index.planned(*_RUNS_AS):
            found = [by_resource.get((resource.address, "system_assigned"))]
            identity = resource.get("identity")
            block = identity[0] if isinstance(identity, list) and identity else None
            if isinstance(block, dict):
                for target in self.index.targets(resource, "identity"):
                    found.append(by_resource.get((target.address, "user_assigned")))
            identities = [p for p in found if p is not None]
            if not identities:
                continue
            classified = self.index.classifications.get(resource.address)
            entry = (
                "notebook"
                if classified is not None and str(classified.resource_class) == "notebook"
                else None
            )
            node = self.graph.add(
                Node(
                    azure_node_id(resource),
                    resource.type,
                    resource.address,
                    resource.address,
                    entry=entry,
                )
            )
            for principal in identities:
                self.graph.link(
                    Edge(
                        node.id,
                        principal.node_id,
                        "runs-as",
                        Tristate.YES,
                        f"its {principal.kind.replace('_', '-')} identity",
                    )
                )

    def federations(self) -> dict[str, list[Edge]]:
        """AKS Workload Identity edges by Kubernetes account node."""
        found: dict[str, list[Edge]] = {}
        for edge in aks_federations(self.index):
            if edge.answer is Tristate.NO:
                continue
            found.setdefault(edge.account, []).append(
                Edge(
                    edge.account,
                    edge.target.node_id,
                    "federates-to",
                    edge.answer,
                    f"aks-workload-identity: {edge.why}",
                    evidence=(edge.as_json(),),
                )
            )
        return found

    def node_pools(self) -> list[tuple[str, str, Tristate, str]]:
        """(cluster name, cluster node id, answer, why) of the AKS clusters whose kubelet
        identity pods without workload identity reach."""
        found = []
        for cluster in self.index.planned("azurerm_kubernetes_cluster"):
            name = cluster.get("name")
            label = name if isinstance(name, str) else cluster.address
            node = self.graph.add(
                Node(
                    f"azure:aks_cluster/{label}",
                    cluster.type,
                    f"the nodes of {label}",
                    cluster.address,
                )
            )
            kubelet = f"azure:kubelet_identity/{label}"
            answer, why = kubelet_reachable(cluster)
            own = self._own_kubelet(cluster)
            if own is not None:
                # bring-your-own kubelet identity: the nodes run as that user-assigned identity
                kubelet = own.node_id
                why += f"; the kubelet identity is {own.address}"
            self.graph.link(Edge(node.id, kubelet, "inherits-node-role", answer, why))
            found.append((label, node.id, Tristate.YES, ""))
        return found

    def _own_kubelet(self, cluster: Resource) -> AzurePrincipal | None:
        """The user-assigned identity a cluster's ``kubelet_identity`` block names, if any."""
        linked = [
            t
            for t in self.index.targets(cluster, "kubelet_identity")
            if t.type == "azurerm_user_assigned_identity"
        ]
        if len(linked) != 1:
            return None
        return next(
            (
                p
                for p in self.view.identities
                if p.resource is linked[0] and p.kind == "user_assigned"
            ),
            None,
        )

    def edges(self, principal: AzurePrincipal) -> list[Edge]:
        """Grants to jewels and to the RBAC control plane."""
        edges: list[Edge] = []
        for node, resource, target in self._reachable(principal):
            for access, (action, data) in AZURE_ACCESS[resource.type].items():
                decision = self.view.decide(principal, action, target, data)
                why = ""
                if decision.answer is not Tristate.YES and access in ("write-data", "read-data"):
                    keys = self._keys(principal, resource, target)
                    if keys is not None:
                        decision, why = keys
                if decision.answer is Tristate.NO:
                    continue
                edges.append(
                    Edge(
                        principal.node_id,
                        node.id,
                        "grants",
                        decision.answer,
                        access=access,
                        explain=_Explain(action, why, decision.matches[:3]),
                    )
                )
                if decision.answer is Tristate.YES:
                    break  # a Maybe of a stronger access does not hide a Yes of a weaker one
        if self.control is not None:
            subscription = self.view.rbac.subscription
            decision = self.view.decide(
                principal,
                "Microsoft.Authorization/roleAssignments/write",
                AzureTarget(f"/subscriptions/{subscription}" if subscription else "*"),
                False,
            )
            if decision.answer is not Tristate.NO:
                first = decision.matches[0]
                edges.append(
                    Edge(
                        principal.node_id,
                        self.control.id,
                        "grants",
                        decision.answer,
                        f"Microsoft.Authorization/roleAssignments/write through "
                        f"{first.grant.role} on {first.grant.scope.text()}",
                        access="permissions-management",
                        evidence=tuple(m.as_json() for m in decision.matches[:3]),
                    )
                )
        return edges

    def _reachable(self, principal: AzurePrincipal) -> list[tuple[Node, Resource, AzureTarget]]:
        """The jewels some assignment of the principal may reach: those under one of its
        scopes (every jewel when a scope is known only after apply)."""
        grants = [g for g in self.view.candidates(principal) if self._relevant(g)]
        if not grants:
            return []
        if any(g.scope.id is None or g.scope.kind in ("root", "management_group") for g in grants):
            return self.jewels
        prefixes = tuple({g.scope.id for g in grants if g.scope.id})
        targets = {id(g.scope.target) for g in grants if g.scope.target is not None}
        found = []
        for jewel in self.jewels:
            _node, resource, target = jewel
            account = self._account_of(resource)
            if (
                id(resource) in targets
                or (account is not None and id(account) in targets)
                or any(target.id == p or target.id.startswith(p + "/") for p in prefixes)
                or not target.id.startswith("/subscriptions/")  # its id is not known
            ):
                found.append(jewel)
        return found

    def _relevant(self, grant: AzureGrant) -> bool:
        """Can the grant's role give any access a jewel edge shows (cached per role)?"""
        definition = grant.definition
        if definition is None:
            return True
        key = id(definition)
        found = self._relevance.get(key)
        if found is None:
            probes = [(a, d) for accesses in AZURE_ACCESS.values() for a, d in accesses.values()]
            probes.append((_LIST_KEYS, False))
            found = any(definition.grants(a, d) is not Tristate.NO for a, d in probes)
            self._relevance[key] = found
        return found

    def _account_of(self, resource: Resource) -> Resource | None:
        """The storage account of a container (its keys and assignments reach it)."""
        if resource.type != "azurerm_storage_container":
            return None
        if resource.address in self._accounts:
            return self._accounts[resource.address]
        parents = [
            t
            for key in ("storage_account_id", "storage_account_name")
            for t in self.index.targets(resource, key)
            if t.type == "azurerm_storage_account"
        ]
        found = parents[0] if len(parents) == 1 else None
        self._accounts[resource.address] = found
        return found

    def _keys(self, principal: AzurePrincipal, resource: Resource, target: AzureTarget) -> Any:
        """Data access through the storage account's keys: ``listKeys`` on an account that
        allows shared-key authorization."""
        account = (
            self._account_of(resource) if resource.type != "azurerm_storage_account" else resource
        )
        if account is None:
            return None
        if account.get("shared_access_key_enabled") is False:
            return None
        decision = self.view.decide(principal, _LIST_KEYS, self.view.target_of(account), False)
        if decision.answer is Tristate.NO:
            return None
        return decision, (
            f"{_LIST_KEYS} on {account.address}, whose shared keys give full data access"
        )


class _Explain:
    """The reason and evidence of a grant edge, rendered when the edge is shown (a stress
    plan has a million grants; a report shows a few hundred)."""

    __slots__ = ("action", "matches", "why")

    def __init__(self, action: str, why: str, matches: tuple[Any, ...]) -> None:
        self.action = action
        self.why = why
        self.matches = matches

    def __call__(self) -> tuple[str, tuple[dict[str, Any], ...]]:
        first = self.matches[0].grant
        why = self.why or f"{self.action} through {first.role} on {first.scope.text()}"
        return why, tuple(m.as_json() for m in self.matches)


class _Lazy:
    __slots__ = ("layer", "principal")

    def __init__(self, layer: AzureLayer, principal: AzurePrincipal) -> None:
        self.layer = layer
        self.principal = principal

    def __call__(self) -> list[Edge]:
        return self.layer.edges(self.principal)
