"""Decide whether an Azure principal may perform an action or data action on a resource.

Azure RBAC is additive: a principal may perform an operation on a resource when a role
assignment at the resource's scope or above (resource group, subscription, management group)
gives it a role whose Actions (or DataActions) match the operation and whose NotActions (or
NotDataActions) do not. The answer is Yes, Maybe or No:

- an assignment whose principal, scope or role is known only after apply and cannot be linked
  through the configuration is a Maybe, as is one under an ABAC condition;
- a role that is neither built in (the packaged catalog) nor defined in the inputs is a Maybe;
- a management group assignment reaches a subscription only where the inputs say the
  subscription is in it.

Assumed about everything outside the inputs (every answer lists it): no deny assignment
applies, group memberships are not known (an identity is taken to be in no group), and no
assignment exists outside the inputs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from iacguard.azure.rbac import (
    AzureGrant,
    AzureRbac,
    Scope,
    azure_rbac,
    rbac_vault,
    resource_id,
)
from iacguard.azure.roles import is_data_action
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Tristate, Unknown

BASE_ASSUMPTIONS = (
    "no deny assignment applies (none is read from the inputs)",
    "group memberships are not in the inputs: identities are taken to be in no group",
    "no role assignment exists outside the inputs",
)


@dataclass(frozen=True, slots=True)
class AzurePrincipal:
    """A managed identity (user-assigned, system-assigned, an AKS kubelet identity), a service
    principal, or an object id the inputs name."""

    kind: str
    node_id: str
    label: str
    resource: Resource | None = None
    object_id: str | None = None

    @property
    def address(self) -> str:
        """The Terraform address, or the node id."""
        return self.resource.address if self.resource is not None else self.node_id

    @property
    def key(self) -> tuple[str, str]:
        """What an assignment's principal must name to be this one."""
        if self.resource is not None:
            return (self.resource.address, self.kind)
        return ("object", self.object_id or self.node_id)


@dataclass(frozen=True, slots=True)
class AzureTarget:
    """The resource of a request."""

    id: str
    resource: Resource | None = None


@dataclass(frozen=True, slots=True)
class AzureMatch:
    """One assignment taking part in an answer."""

    grant: AzureGrant
    answer: Tristate
    why: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """Evidence form."""
        return {**self.grant.as_json(), "answer": self.answer.value, "why": list(self.why)}


@dataclass(frozen=True, slots=True)
class AzureDecision:
    """The answer to one request."""

    answer: Tristate
    matches: tuple[AzureMatch, ...] = ()
    assumptions: tuple[str, ...] = field(default=BASE_ASSUMPTIONS)


def _and(*answers: Tristate) -> Tristate:
    if Tristate.NO in answers:
        return Tristate.NO
    return Tristate.MAYBE if Tristate.MAYBE in answers else Tristate.YES


def _display(resource: Resource) -> str:
    """A service principal's display name, else its address."""
    value = resource.get("display_name")
    return value if isinstance(value, str) and value else resource.address


def _name(resource: Resource) -> str:
    value = resource.get("name")
    return value if isinstance(value, str) and value else resource.address


class AzureView:
    """The Azure part of a scan: identities, assignments and decisions over them."""

    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.rbac: AzureRbac = azure_rbac(index)
        self.identities = self._identities()
        self._by_key = {p.key: p for p in self.identities}
        self._by_principal: dict[tuple[str, str], list[AzureGrant]] = defaultdict(list)
        self._unlinked: list[AzureGrant] = []
        self._held: dict[tuple[int, str, bool | None], Tristate] = {}
        self._management: dict[str, set[str]] | None = None
        self._policy_vaults: dict[str, bool] = {}
        for grant in self.rbac.grants:
            ref = grant.principal
            if ref.resource is not None:
                self._by_principal[(ref.resource.address, ref.identity)].append(grant)
            elif ref.object_id is not None:
                self._by_principal[("object", ref.object_id)].append(grant)
            else:
                self._unlinked.append(grant)
        self._ids: dict[str, Resource] = {}
        for resource in index.resources:
            if resource.type.startswith("azurerm_") and resource.mode == "managed":
                found = resource_id(resource, self.rbac.subscription, index)
                if found:
                    self._ids.setdefault(found, resource)

    # -- identities --------------------------------------------------------------------

    def _identities(self) -> list[AzurePrincipal]:
        found: list[AzurePrincipal] = []
        names: dict[str, int] = defaultdict(int)
        for resource in self.index.planned("azurerm_user_assigned_identity"):
            names[_name(resource)] += 1

        def unique(prefix: str, resource: Resource) -> str:
            # two identities of one name in two resource groups: their addresses tell apart
            name = _name(resource)
            return f"{prefix}/{name if names[name] <= 1 else resource.address}"

        for resource in self.index.planned("azurerm_user_assigned_identity"):
            object_id = resource.get("principal_id")
            found.append(
                AzurePrincipal(
                    "user_assigned",
                    unique("azure:user_assigned_identity", resource),
                    _name(resource),
                    resource,
                    object_id.lower() if isinstance(object_id, str) else None,
                )
            )
        referenced = {
            (g.principal.resource.address, g.principal.identity)
            for g in self.rbac.grants
            if g.principal.resource is not None
        }
        for resource in self.index.resources:
            if not resource.type.startswith("azurerm_") or not planned(resource):
                continue
            identity = resource.get("identity")
            block = identity[0] if isinstance(identity, list) and identity else None
            kind = block.get("type") if isinstance(block, dict) else None
            system = isinstance(kind, str) and "systemassigned" in kind.lower().replace(" ", "")
            if system or (resource.address, "system_assigned") in referenced:
                object_id = block.get("principal_id") if isinstance(block, dict) else None
                found.append(
                    AzurePrincipal(
                        "system_assigned",
                        f"azure:system_assigned_identity/{resource.type.removeprefix('azurerm_')}"
                        f"/{_name(resource)}",
                        f"the system-assigned identity of {resource.address}",
                        resource,
                        object_id.lower() if isinstance(object_id, str) else None,
                    )
                )
            if resource.type == "azurerm_kubernetes_cluster":
                kubelet = resource.get("kubelet_identity")
                first = kubelet[0] if isinstance(kubelet, list) and kubelet else None
                object_id = first.get("object_id") if isinstance(first, dict) else None
                found.append(
                    AzurePrincipal(
                        "kubelet",
                        f"azure:kubelet_identity/{_name(resource)}",
                        f"the kubelet identity of {resource.address}",
                        resource,
                        object_id.lower() if isinstance(object_id, str) else None,
                    )
                )
        for resource in self.index.planned("azuread_service_principal"):
            object_id = resource.get("object_id")
            found.append(
                AzurePrincipal(
                    "service_principal",
                    f"azure:service_principal/{_display(resource)}",
                    resource.address,
                    resource,
                    object_id.lower() if isinstance(object_id, str) else None,
                )
            )
        known = {p.object_id for p in found if p.object_id}
        current = self._current_object_id()
        for grant in self.rbac.grants:
            object_id = grant.principal.object_id
            if object_id and object_id not in known and grant.principal.resource is None:
                known.add(object_id)
                who = (
                    "the identity running Terraform"
                    if object_id == current
                    else grant.principal.principal_type or "not in the inputs"
                )
                found.append(
                    AzurePrincipal(
                        "object",
                        f"azure:principal/{object_id}",
                        f"{object_id} ({who})",
                        object_id=object_id,
                    )
                )
        return found

    def _current_object_id(self) -> str | None:
        for data in self.index.of_type("azurerm_client_config"):
            value = data.get("object_id")
            if isinstance(value, str) and value:
                return value.lower()
        return None

    def find(self, text: str) -> AzurePrincipal | None:
        """A principal from a node id, a Terraform address, a name or an object id."""
        wanted = text.strip()
        lowered = wanted.lower()
        for principal in self.identities:
            if wanted in (principal.node_id, principal.address, principal.label):
                return principal
            if principal.object_id and lowered == principal.object_id:
                return principal
            if (
                principal.resource is not None
                and principal.kind
                in (
                    "user_assigned",
                    "service_principal",
                )
                and lowered == _name(principal.resource).lower()
            ):
                return principal
        return None

    def candidates(self, principal: AzurePrincipal) -> list[AzureGrant]:
        """The assignments that may name the principal."""
        found = list(self._by_principal.get(principal.key, ()))
        if principal.object_id and principal.resource is not None:
            seen = {id(g) for g in found}
            found += [
                g
                for g in self._by_principal.get(("object", principal.object_id), [])
                if id(g) not in seen
            ]
        return found + self._unlinked

    # -- targets -----------------------------------------------------------------------

    def target(self, text: str) -> AzureTarget:
        """A request's resource from its Azure resource id (a resource of the inputs when one
        has that id or contains it)."""
        wanted = text.strip().lower().rstrip("/")
        if wanted in ("*", ""):
            return AzureTarget("*")
        parts = wanted.split("/")
        for end in range(len(parts), 1, -1):
            found = self._ids.get("/".join(parts[:end]))
            if found is not None:
                return AzureTarget(wanted, found)
        return AzureTarget(wanted)

    def target_of(self, resource: Resource) -> AzureTarget:
        """The target for a resource of the inputs."""
        return AzureTarget(
            resource_id(resource, self.rbac.subscription, self.index) or resource.address,
            resource,
        )

    # -- decisions ---------------------------------------------------------------------

    def decide(
        self,
        principal: AzurePrincipal,
        action: str,
        target: AzureTarget,
        data: bool | None = None,
    ) -> AzureDecision:
        """May ``principal`` perform ``action`` on ``target``?"""
        matches: list[AzureMatch] = []
        data_action = data is True or (data is None and is_data_action(action))
        policies_only = (
            data_action
            and action.lower().startswith("microsoft.keyvault/vaults/")
            and self._access_policy_vault(target)
        )
        for grant in self.candidates(principal):
            if policies_only and grant.kind == "role-assignment":
                continue  # a vault using access policies ignores RBAC data roles
            held = self._holds(grant, action, data)
            if held is Tristate.NO:
                continue
            member, member_why = self._member(grant, principal)
            if member is Tristate.NO:
                continue
            scope, scope_why = self.scope_applies(grant.scope, target)
            if scope is Tristate.NO:
                continue
            why = [*member_why, *scope_why]
            if grant.definition is None:
                why.append(grant.role_unresolved)
            conditional = Tristate.YES
            if grant.condition:
                conditional = Tristate.MAYBE
                why.append(f"under the condition {grant.condition!r}")
            answer = _and(member, held, scope, conditional)
            matches.append(AzureMatch(grant, answer, tuple(w for w in why if w)))
        matches.sort(key=lambda m: (m.answer is not Tristate.YES, m.grant.address))
        if any(m.answer is Tristate.YES for m in matches):
            answer = Tristate.YES
        else:
            answer = Tristate.MAYBE if matches else Tristate.NO
        return AzureDecision(answer, tuple(matches))

    def _access_policy_vault(self, target: AzureTarget) -> bool:
        """Is the target a vault (or in one) that authorizes data access by access policies?"""
        key = target.resource.address if target.resource is not None else target.id
        found = self._policy_vaults.get(key)
        if found is None:
            found = self._policy_vaults[key] = self._access_policy_vault_uncached(target)
        return found

    def _access_policy_vault_uncached(self, target: AzureTarget) -> bool:
        resource = target.resource
        if resource is not None and resource.type == "azurerm_key_vault_secret":
            vaults = self.index.targets(resource, "key_vault_id")
            resource = vaults[0] if vaults else None
        if resource is None or resource.type != "azurerm_key_vault" or rbac_vault(resource):
            return False
        # unknown settings: RBAC roles may count
        return not any(
            isinstance(resource.get(key), Unknown)
            for key in ("rbac_authorization_enabled", "enable_rbac_authorization")
        )

    def _holds(self, grant: AzureGrant, action: str, data: bool | None) -> Tristate:
        """Does the grant's role allow the operation (cached per role and operation)?"""
        definition = grant.definition
        if definition is None:
            return Tristate.MAYBE
        key = (id(definition), action, data)
        found = self._held.get(key)
        if found is None:
            found = self._held[key] = definition.grants(action, data)
        return found

    def _member(self, grant: AzureGrant, principal: AzurePrincipal) -> tuple[Tristate, list[str]]:
        ref = grant.principal
        if ref.object_id is not None and ref.object_id == principal.object_id:
            return Tristate.YES, []
        if ref.resource is not None:
            if principal.resource is ref.resource and principal.kind == ref.identity:
                return Tristate.YES, [
                    f"the principal is {principal.label}, linked through the configuration"
                ]
            return Tristate.NO, []
        if ref.object_id is not None:
            return (Tristate.YES if ref.object_id == principal.object_id else Tristate.NO), []
        return Tristate.MAYBE, [f"the principal is {ref.text}"]

    def scope_applies(self, scope: Scope, target: AzureTarget) -> tuple[Tristate, list[str]]:
        """Does an assignment on ``scope`` reach ``target``?"""
        if target.id == "*":
            return Tristate.YES, []
        if scope.target is not None and target.resource is scope.target:
            return Tristate.YES, []
        if scope.kind == "root" or (scope.id is not None and scope.id.strip() == "/"):
            return Tristate.YES, ["the tenant root scope covers everything"]
        if scope.id is None:
            return Tristate.MAYBE, [
                f"the scope of the assignment is {scope.unknown or 'known after apply'}"
            ]
        if scope.kind == "management_group":
            subscription = "/".join(target.id.split("/")[:3])
            members = self._groups().get(scope.id)
            if members is not None and subscription in members:
                return Tristate.YES, [f"{subscription} is in {scope.text()}"]
            return Tristate.MAYBE, [
                f"whether {target.id} is under management group {scope.id.rsplit('/', 1)[-1]} "
                "is not in the inputs"
            ]
        if target.id.startswith("/subscriptions/"):
            inside = target.id == scope.id or target.id.startswith(scope.id + "/")
            return (Tristate.YES if inside else Tristate.NO), []
        return Tristate.MAYBE, [f"the resource id of {target.id} is known only after apply"]

    def _groups(self) -> dict[str, set[str]]:
        """Management group id → the subscriptions the inputs put in it or its children."""
        if self._management is None:
            direct: dict[str, set[str]] = defaultdict(set)
            children: dict[str, set[str]] = defaultdict(set)
            for group in self.index.planned("azurerm_management_group"):
                name = group.get("name")
                if not isinstance(name, str):
                    continue
                own = f"/providers/microsoft.management/managementgroups/{name}".lower()
                subscriptions = group.get("subscription_ids")
                for sub in subscriptions if isinstance(subscriptions, list) else ():
                    if isinstance(sub, str):
                        direct[own].add(f"/subscriptions/{sub}".lower())
                parent = group.get("parent_management_group_id")
                if isinstance(parent, str):
                    children[parent.lower()].add(own)
            for link in self.index.planned("azurerm_management_group_subscription_association"):
                group_id, sub = link.get("management_group_id"), link.get("subscription_id")
                if isinstance(group_id, str) and isinstance(sub, str):
                    direct[group_id.lower()].add(sub.lower())

            def members(group: str, depth: int = 0) -> set[str]:
                found = set(direct.get(group, ()))
                for child in children.get(group, ()) if depth < 8 else ():
                    found |= members(child, depth + 1)
                return found

            self._management = {g: members(g) for g in {*direct, *children}}
        return self._management

    def grants_of(self, principal: AzurePrincipal) -> list[tuple[AzureGrant, Tristate, list[str]]]:
        """Every assignment that may name the principal."""
        found = []
        for grant in self.candidates(principal):
            answer, why = self._member(grant, principal)
            if answer is Tristate.NO:
                continue
            if grant.condition:
                answer = _and(answer, Tristate.MAYBE)
            found.append((grant, answer, why))
        return found


def azure_view(index: ScanIndex) -> AzureView:
    """The scan's Azure view (memoised)."""
    return index.memo("azure-view", lambda: AzureView(index))


def planned(resource: Resource) -> bool:
    """Will the resource exist after apply?"""
    return resource.mode == "managed" and resource.action not in (Action.DELETE, Action.FORGET)


_ACTION = re.compile(r"^[A-Za-z0-9.]+/[A-Za-z0-9./*{}-]+$")


def valid_action(action: str) -> bool:
    """``Microsoft.Provider/type/.../operation``."""
    return bool(_ACTION.match(action)) and action.lower().startswith("microsoft.")
