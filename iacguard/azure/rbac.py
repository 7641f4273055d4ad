"""Every Azure RBAC grant of the inputs, at every scope, as the plan will leave it.

Sources: ``azurerm_role_assignment`` (management group, subscription, resource group or
resource scope; built-in roles by name or definition id from the packaged catalog, custom
``azurerm_role_definition``s; conditions kept), and Key Vault access policies
(``azurerm_key_vault_access_policy`` and the ``access_policy`` blocks of ``azurerm_key_vault``)
of vaults that do not use RBAC, as grants of the data actions their permissions stand for.

Scopes are Azure resource ids. A resource the assignment names through a reference (its id
known only after apply) gets its id derived from its type, name, resource group and the
subscription, so that an assignment on a resource group covers the resources in it. Principals
known only after apply (``azurerm_user_assigned_identity.x.principal_id``, a cluster's kubelet
identity, a service principal's object id) are linked through the configuration's references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from iacguard.azure.roles import AzureRoleDefinition, builtin_role, role_id
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Unknown

ScopeKind = Literal["root", "management_group", "subscription", "resource_group", "resource"]

#: Terraform types → (resource provider type path, parent attribute naming the account or
#: vault when the id nests under it).
_PROVIDER_TYPES: dict[str, str] = {
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_key_vault": "Microsoft.KeyVault/vaults",
    "azurerm_cognitive_account": "Microsoft.CognitiveServices/accounts",
    "azurerm_ai_services": "Microsoft.CognitiveServices/accounts",
    "azurerm_ai_foundry": "Microsoft.MachineLearningServices/workspaces",
    "azurerm_machine_learning_workspace": "Microsoft.MachineLearningServices/workspaces",
    "azurerm_kubernetes_cluster": "Microsoft.ContainerService/managedClusters",
    "azurerm_container_registry": "Microsoft.ContainerRegistry/registries",
    "azurerm_user_assigned_identity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azurerm_search_service": "Microsoft.Search/searchServices",
    "azurerm_cosmosdb_account": "Microsoft.DocumentDB/databaseAccounts",
    "azurerm_linux_virtual_machine": "Microsoft.Compute/virtualMachines",
    "azurerm_windows_virtual_machine": "Microsoft.Compute/virtualMachines",
    "azurerm_linux_function_app": "Microsoft.Web/sites",
    "azurerm_windows_function_app": "Microsoft.Web/sites",
    "azurerm_linux_web_app": "Microsoft.Web/sites",
}

#: Key Vault access-policy permissions → the data actions they stand for.
_POLICY_ACTIONS = {
    "secret": {
        "get": "Microsoft.KeyVault/vaults/secrets/getSecret/action",
        "list": "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        "set": "Microsoft.KeyVault/vaults/secrets/setSecret/action",
        "delete": "Microsoft.KeyVault/vaults/secrets/delete",
        "backup": "Microsoft.KeyVault/vaults/secrets/backup/action",
        "restore": "Microsoft.KeyVault/vaults/secrets/restore/action",
        "recover": "Microsoft.KeyVault/vaults/secrets/recover/action",
        "purge": "Microsoft.KeyVault/vaults/deletedSecrets/delete",
    },
    "key": {
        "get": "Microsoft.KeyVault/vaults/keys/read",
        "list": "Microsoft.KeyVault/vaults/keys/read",
        "decrypt": "Microsoft.KeyVault/vaults/keys/decrypt/action",
        "encrypt": "Microsoft.KeyVault/vaults/keys/encrypt/action",
        "unwrapkey": "Microsoft.KeyVault/vaults/keys/unwrap/action",
        "wrapkey": "Microsoft.KeyVault/vaults/keys/wrap/action",
        "sign": "Microsoft.KeyVault/vaults/keys/sign/action",
        "create": "Microsoft.KeyVault/vaults/keys/create/action",
        "delete": "Microsoft.KeyVault/vaults/keys/delete",
    },
    "certificate": {
        "get": "Microsoft.KeyVault/vaults/certificates/read",
        "list": "Microsoft.KeyVault/vaults/certificates/read",
    },
}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an assignment applies: an Azure resource id (lower-cased for comparison), and the
    resource of the inputs it names, when found."""

    kind: ScopeKind
    id: str | None
    target: Resource | None = None
    unknown: str | None = None

    def text(self) -> str:
        """``subscription aaaa...``, ``resource group rg-ml``, ``storageAccounts stml``..."""
        if self.id is None:
            where = self.target.address if self.target is not None else "(known after apply)"
            return f"{self.kind.replace('_', ' ')} {where}"
        if self.kind == "root":
            return "the tenant root (every management group and subscription)"
        parts = self.id.strip("/").split("/")
        if self.kind == "resource" and len(parts) >= 2:
            return f"{parts[-2]} {parts[-1]}"
        return f"{self.kind.replace('_', ' ')} {parts[-1]}"


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """Who an assignment is for: a known object id, or the resource (and which of its
    identities) that will have it."""

    object_id: str | None
    resource: Resource | None = None
    identity: str = ""
    """``user_assigned``, ``system_assigned``, ``kubelet``, ``service_principal``,
    ``current`` (the identity running Terraform), or empty for a known object id."""
    text: str = ""
    principal_type: str | None = None


@dataclass(frozen=True, slots=True)
class AzureGrant:
    """One role given to one principal at one scope, by one Terraform resource."""

    source: Resource
    role: str
    definition: AzureRoleDefinition | None
    principal: PrincipalRef
    scope: Scope
    condition: str | None = None
    role_unresolved: str = ""
    kind: str = "role-assignment"
    """``role-assignment`` or ``access-policy``."""

    @property
    def address(self) -> str:
        """The Terraform address of the resource making the grant."""
        return self.source.address

    def as_json(self) -> dict[str, Any]:
        """Evidence form."""
        found: dict[str, Any] = {
            "source": self.source.address,
            "kind": self.kind,
            "role": self.role,
            "principal": self.principal.text,
            "scope": self.scope.text(),
        }
        if self.scope.id:
            found["scope_id"] = self.scope.id
        if self.condition:
            found["condition"] = self.condition
        if self.role_unresolved:
            found["role_unresolved"] = self.role_unresolved
        return found


@dataclass(slots=True)
class AzureRbac:
    """The grants of a scan, with what could not be read."""

    grants: list[AzureGrant]
    unresolved: list[str]
    subscription: str | None


def azure_rbac(index: ScanIndex) -> AzureRbac:
    """The Azure grants of the scan (memoised)."""
    return index.memo("azure-rbac", lambda: _Collector(index).collect())


def _planned(resource: Resource) -> bool:
    return resource.mode == "managed" and resource.action not in (Action.DELETE, Action.FORGET)


def subscription_of(index: ScanIndex) -> str | None:
    """The subscription the plan runs in: ``data.azurerm_client_config`` or
    ``data.azurerm_subscription``, when read."""
    # the client configuration is the subscription Terraform runs in; an azurerm_subscription
    # data source may read another one, so it counts only when it is the only one
    for data in index.of_type("azurerm_client_config"):
        value = data.get("subscription_id")
        if isinstance(value, str) and value:
            return value.lower()
    found = {
        value.lower()
        for data in index.of_type("azurerm_subscription")
        if isinstance(value := data.get("subscription_id"), str) and value
    }
    return found.pop() if len(found) == 1 else None


def resource_id(resource: Resource, subscription: str | None, index: ScanIndex) -> str | None:
    """The Azure resource id of a resource of the inputs (lower case): known, or derived from
    its name, resource group and the subscription."""
    value = resource.get("resource_manager_id") or resource.get("id")
    if isinstance(value, str) and value.startswith("/subscriptions/"):
        return value.lower()
    name = resource.get("name")
    if not isinstance(name, str) or not name:
        return None
    if resource.type == "azurerm_management_group":
        return f"/providers/microsoft.management/managementgroups/{name}".lower()
    if resource.type == "azurerm_resource_group":
        return (
            f"/subscriptions/{subscription}/resourcegroups/{name}".lower() if subscription else None
        )
    if resource.type == "azurerm_storage_container":
        account = _parent_id(
            resource,
            ("storage_account_id", "storage_account_name"),
            "azurerm_storage_account",
            subscription,
            index,
        )
        return f"{account}/blobservices/default/containers/{name}".lower() if account else None
    if resource.type == "azurerm_key_vault_secret":
        vault = _parent_id(resource, ("key_vault_id",), "azurerm_key_vault", subscription, index)
        return f"{vault}/secrets/{name}".lower() if vault else None
    kind = _PROVIDER_TYPES.get(resource.type)
    group = resource.get("resource_group_name")
    if kind is None or not isinstance(group, str) or not subscription:
        return None
    return f"/subscriptions/{subscription}/resourcegroups/{group}/providers/{kind}/{name}".lower()


def _parent_id(
    resource: Resource,
    attributes: tuple[str, ...],
    parent_type: str,
    subscription: str | None,
    index: ScanIndex,
) -> str | None:
    for attribute in attributes:
        value = resource.get(attribute)
        if isinstance(value, str) and value.startswith("/subscriptions/"):
            return value.lower()
        parents = _same_instance(
            resource, [p for p in index.targets(resource, attribute) if p.type == parent_type]
        )
        if len(parents) == 1:
            return resource_id(parents[0], subscription, index)
    return None


def scope_kind(scope_id: str) -> ScopeKind:
    """What an Azure resource id names."""
    if scope_id.strip() == "/":
        return "root"
    parts = scope_id.strip("/").lower().split("/")
    if parts[:3] == ["providers", "microsoft.management", "managementgroups"]:
        return "management_group"
    if len(parts) == 2 and parts[0] == "subscriptions":
        return "subscription"
    if len(parts) == 4 and parts[2] == "resourcegroups":
        return "resource_group"
    return "resource"


class _Collector:
    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.subscription = subscription_of(index)
        self.grants: list[AzureGrant] = []
        self.unresolved: list[str] = []

    def collect(self) -> AzureRbac:
        for assignment in self.index.planned("azurerm_role_assignment"):
            self._assignment(assignment)
        self._access_policies()
        self.grants.sort(key=lambda g: (g.address, g.role))
        return AzureRbac(self.grants, self.unresolved, self.subscription)

    def scope_of(self, resource: Resource, attribute: str) -> Scope:
        """The scope an attribute names: a known id, or the resource it references."""
        value = resource.get(attribute)
        if isinstance(value, str) and value:
            found = self._by_id().get(value.lower())
            return Scope(scope_kind(value), value.lower(), found)
        targets = [
            t
            for t in _same_instance(resource, self.index.targets(resource, attribute))
            if t.mode == "managed" or t.type in ("azurerm_subscription", "azurerm_resource_group")
        ]
        why = value.describe() if isinstance(value, Unknown) else f"no {attribute}"
        for target in targets:
            derived = resource_id(target, self.subscription, self.index)
            if derived is not None or len(targets) == 1:
                kind: ScopeKind = scope_kind(derived) if derived else _kind_of(target)
                return Scope(kind, derived, target, None if derived else why)
        return Scope("resource", None, unknown=why)

    def _by_id(self) -> dict[str, Resource]:
        found: dict[str, Resource] | None = getattr(self, "_ids", None)
        if found is None:
            found = {}
            for resource in self.index.resources:
                if resource.type.startswith("azurerm_") and _planned(resource):
                    derived = resource_id(resource, self.subscription, self.index)
                    if derived:
                        found.setdefault(derived, resource)
            self._ids = found
        return found

    def principal_of(self, resource: Resource, attribute: str) -> PrincipalRef:
        """The principal an attribute (``principal_id``, ``object_id``) names."""
        value = resource.get(attribute)
        kind = resource.get("principal_type")
        principal_type = kind if isinstance(kind, str) else None
        known = value.lower() if isinstance(value, str) and value else None
        references = resource.references.get(attribute, ())
        linked = [
            t for t in self.index.targets(resource, attribute) if _identity_kind(t, references)
        ]
        linked = _same_instance(resource, linked)
        if len(linked) == 1:
            target = linked[0]
            identity = _identity_kind(target, references)
            return PrincipalRef(
                known,
                target,
                identity,
                f"{target.address} ({identity.replace('_', '-')} identity)"
                if identity not in ("service_principal", "current")
                else target.address,
                principal_type,
            )
        if known is not None:
            return PrincipalRef(known, text=known, principal_type=principal_type)
        described = value.describe() if isinstance(value, Unknown) else "(no principal)"
        if len(linked) > 1:
            described = f"one of {', '.join(t.address for t in linked[:4])}"
        return PrincipalRef(None, text=f"({described})", principal_type=principal_type)

    def principal_ref(self, resource: Resource, target: Resource, attribute: str) -> PrincipalRef:
        """The principal ``resource.attribute`` names by referencing ``target``."""
        identity = _identity_kind(target, resource.references.get(attribute, ()))
        return PrincipalRef(
            None,
            target,
            identity,
            f"{target.address} ({identity.replace('_', '-')} identity)"
            if identity not in ("service_principal", "current")
            else target.address,
        )

    def _assignment(self, assignment: Resource) -> None:
        scope = self.scope_of(assignment, "scope")
        principal = self.principal_of(assignment, "principal_id")
        role, definition, unresolved = self._role(assignment)
        condition = assignment.get("condition")
        self.grants.append(
            AzureGrant(
                assignment,
                role,
                definition,
                principal,
                scope,
                condition if isinstance(condition, str) and condition else None,
                unresolved,
            )
        )

    def _role(self, assignment: Resource) -> tuple[str, AzureRoleDefinition | None, str]:
        name = assignment.get("role_definition_name")
        identifier = assignment.get("role_definition_id")
        if isinstance(name, str) and name:
            found = builtin_role(name) or self._custom(name=name)
            if found is None:
                return name, None, f"role {name!r} is neither built in (catalog) nor in the inputs"
            return found.name, found, ""
        if isinstance(identifier, str) and identifier:
            found = builtin_role(identifier) or self._custom(identifier=identifier)
            if found is None:
                return identifier, None, f"role definition {identifier} is not in the catalog"
            return found.name, found, ""
        for target in _same_instance(
            assignment,
            [
                t
                for t in self.index.targets(assignment, "role_definition_id")
                if t.type == "azurerm_role_definition"
            ],
        ):
            found = self._custom(resource=target)
            if found is not None:
                return found.name, found, ""
        value = identifier if isinstance(identifier, Unknown) else name
        described = value.describe() if isinstance(value, Unknown) else "not set"
        return f"({described})", None, f"the role is {described}"

    def _custom(
        self,
        name: str | None = None,
        identifier: str | None = None,
        resource: Resource | None = None,
    ) -> AzureRoleDefinition | None:
        candidates = (
            [resource] if resource is not None else self.index.planned("azurerm_role_definition")
        )
        wanted = role_id(identifier) if identifier else None
        for role in candidates:
            if role.type != "azurerm_role_definition":
                continue
            role_name = role.get("name")
            own = role.get("role_definition_id")
            if name is not None and (
                not isinstance(role_name, str) or role_name.lower() != name.lower()
            ):
                continue
            if wanted is not None and (not isinstance(own, str) or own.lower() != wanted):
                continue
            return _definition(role)
        return None

    def _access_policies(self) -> None:
        for vault in self.index.planned("azurerm_key_vault"):
            if _rbac_vault(vault):
                continue
            blocks = vault.get("access_policy")
            for block in blocks if isinstance(blocks, list) else ():
                if isinstance(block, dict):
                    self._policy(vault, vault, block, "access_policy")
        for policy in self.index.planned("azurerm_key_vault_access_policy"):
            vaults = [
                t
                for t in self.index.targets(policy, "key_vault_id")
                if t.type == "azurerm_key_vault"
            ]
            if vaults and _rbac_vault(vaults[0]):
                self.unresolved.append(
                    f"{policy.address}: the vault uses RBAC authorization, so its access "
                    "policies grant nothing"
                )
                continue
            values = policy.values if isinstance(policy.values, dict) else {}
            self._policy(policy, vaults[0] if vaults else None, values, "object_id")

    def _policy(
        self, source: Resource, vault: Resource | None, block: dict[str, Any], attribute: str
    ) -> None:
        data_actions: set[str] = set()
        for family, actions in _POLICY_ACTIONS.items():
            listed = block.get(f"{family}_permissions")
            for permission in listed if isinstance(listed, list) else ():
                if isinstance(permission, str) and permission.lower() in actions:
                    data_actions.add(actions[permission.lower()])
        if not data_actions:
            return
        if vault is not None:
            scope = Scope("resource", resource_id(vault, self.subscription, self.index), vault)
        else:
            scope = self.scope_of(source, "key_vault_id")
        if attribute == "object_id" or source is not vault:
            principal = self.principal_of(source, "object_id")
        else:
            object_id = block.get("object_id")
            linked = [
                t
                for t in self.index.targets(source, "access_policy")
                if _identity_kind(t, source.references.get("access_policy", ()))
            ]
            if isinstance(object_id, str):
                principal = PrincipalRef(object_id.lower(), text=object_id.lower())
            elif len(linked) == 1:
                # the one identity the vault's access_policy blocks reference
                principal = self.principal_ref(source, linked[0], "access_policy")
            else:
                principal = PrincipalRef(None, text="(known after apply)")
        definition = AzureRoleDefinition(
            name=f"access policy of {vault.address if vault else source.address}",
            id="",
            data_actions=tuple(sorted(data_actions)),
            source=source.address,
            custom=True,
        )
        self.grants.append(
            AzureGrant(source, definition.name, definition, principal, scope, kind="access-policy")
        )


def _same_instance(resource: Resource, targets: list[Resource]) -> list[Resource]:
    """Of several instances a ``for_each``/``count`` reference names, the one with the
    resource's own key (``team["b"]`` → ``identity["b"]``); all of them when none matches
    (the caller then cannot tell which, and says so)."""
    if len(targets) <= 1 or resource.index is None:
        return targets
    same = [t for t in targets if t.index == resource.index]
    return same or targets


def _kind_of(target: Resource) -> ScopeKind:
    """The scope kind of a referenced resource whose id cannot be derived."""
    if target.type in ("azurerm_resource_group", "data.azurerm_resource_group"):
        return "resource_group"
    if target.type in ("azurerm_subscription",):
        return "subscription"
    if target.type == "azurerm_management_group":
        return "management_group"
    return "resource"


def rbac_vault(vault: Resource) -> bool:
    """Does the vault authorize data access by RBAC (not by access policies)?"""
    return _rbac_vault(vault)


def _rbac_vault(vault: Resource) -> bool:
    for key in ("rbac_authorization_enabled", "enable_rbac_authorization"):
        value = vault.get(key)
        if value is True:
            return True
    return False


def _definition(role: Resource) -> AzureRoleDefinition:
    permissions = role.get("permissions")
    block = permissions[0] if isinstance(permissions, list) and permissions else {}
    block = block if isinstance(block, dict) else {}

    def listed(key: str) -> tuple[str, ...]:
        value = block.get(key)
        return (
            tuple(sorted(v for v in value if isinstance(v, str))) if isinstance(value, list) else ()
        )

    scopes = role.get("assignable_scopes")
    name = role.get("name")
    own = role.get("role_definition_id")
    return AzureRoleDefinition(
        name=name if isinstance(name, str) else role.address,
        id=own.lower() if isinstance(own, str) else "",
        actions=listed("actions"),
        not_actions=listed("not_actions"),
        data_actions=listed("data_actions"),
        not_data_actions=listed("not_data_actions"),
        source=role.address,
        custom=True,
        assignable_scopes=tuple(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
    )


def _identity_kind(target: Resource, references: tuple[str, ...]) -> str:
    """Which identity of ``target`` a reference names."""
    mine = [r for r in references if target.config_address in r or target.name in r]
    text = " ".join(mine or references)
    if target.type == "azurerm_user_assigned_identity":
        return "user_assigned"
    if target.type in ("azuread_service_principal", "azuread_application"):
        return "service_principal"
    if target.type == "azurerm_client_config":
        return "current"
    if "kubelet_identity" in text:
        return "kubelet"
    if re.search(r"(^|\.)identity(\[0\]|\.0)?(\.principal_id|$)", text) or re.search(
        r"(^|\.)identity\b", text.replace("_identity", "")
    ):
        # the resource's own identity block; add-on identities (secret_identity,
        # ingress_application_gateway_identity...) are other principals
        return "system_assigned"
    return ""


def is_guid(value: str) -> bool:
    """An Entra object id or role GUID."""
    return bool(_GUID.match(value))
