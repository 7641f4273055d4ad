"""Azure built-in roles: what a role grants, from the curated built-in role catalog.

A plan assigns roles by display name (``azurerm_role_assignment.role_definition_name =
"Storage Blob Data Reader"``) or by role definition id (``role_definition_id =
"/subscriptions/SUB/providers/Microsoft.Authorization/roleDefinitions/GUID"``). What a built-in
role grants comes from ``data/builtin_roles.json``, curated by hand from Microsoft's Azure
built-in roles reference (``data/README.md``). ``iacguard version`` shows its date.

A role holds four lists of operation patterns: ``actions`` and ``not_actions`` for the control
plane (Azure Resource Manager), ``data_actions`` and ``not_data_actions`` for the data plane
(blobs, secrets, model inference). Azure matches them case-insensitively, and ``*`` matches any
run of characters, ``/`` included (:func:`action_matches`). An operation is granted when it
matches an allowed pattern of its plane and no excluded pattern of that plane. Every answer is a
:class:`~iacguard.model.values.Tristate`:

* the operation matches a ``not_actions`` (``not_data_actions``) pattern: **No**. Exclusions are
  not denies: another role assignment may still grant the operation, so callers combine the
  answers of all a principal's roles and a single Yes wins;
* it matches an ``actions`` (``data_actions``) pattern and one of the role's
  ``conditional_actions``, which an ABAC condition in the role definition constrains (which
  roles a principal may assign, for example): **Maybe**;
* it matches an allowed pattern: **Yes**;
* otherwise: **No**. A control-plane wildcard never grants a data action: Owner (``*``) reads
  no blob through RBAC, only by listing the account keys, which is a control-plane action.

A role that is not in the catalog (a newer built-in role, a custom role) gives ``None``: its
grants are unknown, and callers report them as Maybe, never as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import product
from types import MappingProxyType
from typing import Any

from iacguard.errors import IacguardError
from iacguard.model.catalog_data import read_catalog, string_list
from iacguard.model.values import Tristate

_DATA_PACKAGE = "iacguard.azure"
_DATA_PATH = "data/builtin_roles.json"

_LIST_FIELDS = (
    "actions",
    "not_actions",
    "data_actions",
    "not_data_actions",
    "conditional_actions",
    "former_names",
)

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_ROLE_DEFINITION_ID = re.compile(
    r"(?:.*/)?providers/Microsoft\.Authorization/roleDefinitions/(?P<guid>[0-9a-f-]{36})/?",
    re.IGNORECASE,
)

#: Operation patterns that are data actions (Azure's ``isDataAction``), used when a caller does
#: not say which plane an operation belongs to. Only namespaces whose every operation is a data
#: action are listed: ``Microsoft.KeyVault/vaults/secrets/read`` is also a control-plane
#: operation, so Key Vault contributes its ``.../action`` verbs only. Operations outside these
#: patterns are tried on both planes (:meth:`AzureRoleDefinition.grants`).
DATA_ACTION_PATTERNS: tuple[str, ...] = (
    # Azure Storage: blobs, files, queue messages and table entities.
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*",
    "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/*",
    "Microsoft.Storage/storageAccounts/fileServices/readFileBackupSemantics/action",
    "Microsoft.Storage/storageAccounts/fileServices/runAsBuiltInFileAdministrator/action",
    "Microsoft.Storage/storageAccounts/fileServices/takeOwnership/action",
    "Microsoft.Storage/storageAccounts/fileServices/writeFileBackupSemantics/action",
    "Microsoft.Storage/storageAccounts/queueServices/queues/messages/*",
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/*",
    # Key Vault: secret values, key operations and certificate operations.
    "Microsoft.KeyVault/vaults/certificates/*/action",
    "Microsoft.KeyVault/vaults/keys/*/action",
    "Microsoft.KeyVault/vaults/secrets/*/action",
    # Azure OpenAI, Foundry and the other Azure AI services' data planes.
    "Microsoft.CognitiveServices/accounts/AIServices/*",
    "Microsoft.CognitiveServices/accounts/ContentSafety/*",
    "Microsoft.CognitiveServices/accounts/CustomVision/*",
    "Microsoft.CognitiveServices/accounts/Face/*",
    "Microsoft.CognitiveServices/accounts/MetricsAdvisor/*",
    "Microsoft.CognitiveServices/accounts/OpenAI/*",
    "Microsoft.CognitiveServices/accounts/QnAMaker.v2/*",
    "Microsoft.CognitiveServices/accounts/QnAMaker/*",
    "Microsoft.CognitiveServices/accounts/SpeechServices/*",
    "Microsoft.CognitiveServices/accounts/TextAnalytics/*",
    # Azure AI Search documents.
    "Microsoft.Search/searchServices/indexes/documents/*",
    # Kubernetes objects of AKS clusters that use Azure RBAC for Kubernetes authorization.
    "Microsoft.ContainerService/managedClusters/*.k8s.io/*",
    "Microsoft.ContainerService/managedClusters/apps/*",
    "Microsoft.ContainerService/managedClusters/autoscaling/*",
    "Microsoft.ContainerService/managedClusters/batch/*",
    "Microsoft.ContainerService/managedClusters/configmaps/*",
    "Microsoft.ContainerService/managedClusters/endpoints/*",
    "Microsoft.ContainerService/managedClusters/events/*",
    "Microsoft.ContainerService/managedClusters/extensions/*",
    "Microsoft.ContainerService/managedClusters/limitranges/*",
    "Microsoft.ContainerService/managedClusters/nodes/*",
    "Microsoft.ContainerService/managedClusters/persistentvolumeclaims/*",
    "Microsoft.ContainerService/managedClusters/persistentvolumes/*",
    "Microsoft.ContainerService/managedClusters/pods/*",
    "Microsoft.ContainerService/managedClusters/policy/*",
    "Microsoft.ContainerService/managedClusters/replicationcontrollers/*",
    "Microsoft.ContainerService/managedClusters/resourcequotas/*",
    "Microsoft.ContainerService/managedClusters/secrets/*",
    "Microsoft.ContainerService/managedClusters/serviceaccounts/*",
    "Microsoft.ContainerService/managedClusters/services/*",
    # Container Registry content, metrics publishing and virtual machine sign-in.
    "Microsoft.ContainerRegistry/registries/quarantinedArtifacts/*",
    "Microsoft.ContainerRegistry/registries/repositories/*",
    "Microsoft.ContainerRegistry/registries/trustedCollections/write",
    "Microsoft.Compute/virtualMachines/login/action",
    "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
    "Microsoft.HybridCompute/machines/login/action",
    "Microsoft.HybridCompute/machines/loginAsAdmin/action",
    "Microsoft.Insights/Metrics/Write",
    "Microsoft.Insights/Telemetry/Write",
)


class BuiltinRoleCatalogError(IacguardError):
    """The packaged built-in role catalog is missing or malformed (a packaging bug)."""


# --- operation patterns ---------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _compiled(pattern: str) -> re.Pattern[str]:
    """*pattern* (lower case) as a regular expression with Azure's wildcard rules."""
    # NOTE: https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions-format
    # "*" matches any run of characters, "/" included. A "/*/" segment also matches a single
    # "/": Managed Identity Operator's "userAssignedIdentities/*/assign/action" is what grants
    # "userAssignedIdentities/assign/action", the one operation the role exists for.
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("/*/", i):
            out.append("/(?:.*/)?")
            i += 3
        elif pattern[i] == "*":
            out.append(".*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """Whether the operation *action* matches the role pattern *pattern*, as Azure matches them.

    Case-insensitive, as Azure resource provider operations are (``Microsoft.Storage/...`` and
    ``microsoft.storage/...`` are one operation). ``*`` matches any run of characters, ``/``
    included, so ``*/read`` matches ``Microsoft.Storage/storageAccounts/read`` and
    ``Microsoft.Authorization/*`` matches ``Microsoft.Authorization/roleAssignments/write``. A
    ``/*/`` segment also matches a single ``/``: ``Microsoft.ManagedIdentity/
    userAssignedIdentities/*/assign/action`` matches ``.../userAssignedIdentities/assign/action``.
    Compiled patterns are cached.
    """
    pattern, action = pattern.lower(), action.lower()
    if "*" not in pattern:
        return pattern == action
    return _compiled(pattern).fullmatch(action) is not None


def _variants(pattern: str) -> Iterator[str]:
    """*pattern* with each ``/*/`` kept or collapsed to ``/``: together they match what it does."""
    pieces = pattern.split("/*/")
    for joins in product(("/*/", "/"), repeat=len(pieces) - 1):
        yield pieces[0] + "".join(
            join + piece for join, piece in zip(joins, pieces[1:], strict=True)
        )


def _walk(first: str, second: str, *, either_star: bool) -> bool:
    """Whether the wildcard strings *first* and *second* (``*`` = any run) can meet.

    With *either_star*, a ``*`` on either side may absorb a symbol of the other side: some
    string matches both (overlap). Without it only *first*'s ``*`` may: every string matching
    *second* matches *first* (containment; sound, a few unusual containments are missed).
    """
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(first) and j == len(second):
            return True
        if i < len(first) and first[i] == "*":
            stack.append((i + 1, j))
            if j < len(second):
                stack.append((i, j + 1))
            continue
        if either_star and j < len(second) and second[j] == "*":
            stack.append((i, j + 1))
            if i < len(first):
                stack.append((i + 1, j))
        if i < len(first) and j < len(second) and first[i] == second[j] != "*":
            stack.append((i + 1, j + 1))
    return False


@lru_cache(maxsize=8192)
def _overlap(first: str, second: str) -> bool:
    """Whether some operation matches both patterns (lower case)."""
    return any(
        _walk(a, b, either_star=True) for a, b in product(_variants(first), _variants(second))
    )


@lru_cache(maxsize=8192)
def _covers(outer: str, inner: str) -> bool:
    """Whether every operation matching *inner* also matches *outer* (lower case; sound)."""
    return all(
        any(_walk(a, b, either_star=False) for a in _variants(outer)) for b in _variants(inner)
    )


def is_data_action(action: str) -> bool:
    """Whether *action* is known to be a data action (it matches :data:`DATA_ACTION_PATTERNS`).

    A wildcard *action* (``Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*``)
    is a data action when every operation it matches is. ``False`` means "not known to be": the
    operation may still be a data action of a namespace the list lacks.
    """
    lowered = action.lower()
    if "*" in lowered:
        return any(_covers(pattern.lower(), lowered) for pattern in DATA_ACTION_PATTERNS)
    return any(action_matches(pattern, lowered) for pattern in DATA_ACTION_PATTERNS)


def _plane_answer(
    action: str,
    allowed: tuple[str, ...],
    excluded: tuple[str, ...],
    conditional: tuple[str, ...],
) -> Tristate:
    """The answer of one plane: *allowed* minus *excluded*, Maybe under *conditional*."""
    lowered = action.lower()
    if "*" in lowered:
        if any(_covers(entry.lower(), lowered) for entry in excluded):
            return Tristate.NO
        if not any(_overlap(entry.lower(), lowered) for entry in allowed):
            return Tristate.NO
        if any(_covers(entry.lower(), lowered) for entry in conditional):
            return Tristate.MAYBE
        return Tristate.YES
    if any(action_matches(entry, lowered) for entry in excluded):
        return Tristate.NO
    if not any(action_matches(entry, lowered) for entry in allowed):
        return Tristate.NO
    if any(action_matches(entry, lowered) for entry in conditional):
        return Tristate.MAYBE
    return Tristate.YES


def _strongest(answers: Iterable[Tristate]) -> Tristate:
    """Yes if any answer is Yes, else Maybe if any is Maybe, else No."""
    found = set(answers)
    for answer in (Tristate.YES, Tristate.MAYBE):
        if answer in found:
            return answer
    return Tristate.NO


# --- role definitions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AzureRoleDefinition:
    """What one Azure role grants: control-plane and data-plane operation patterns."""

    name: str
    """The display name (``Storage Blob Data Reader``); for a custom role, its ``name``."""
    id: str
    """The role's GUID in lower case (``2a2b9908-6ea1-4ae2-8e65-a410df84e7d1``); empty for a
    custom role whose identifier is only known after apply."""
    actions: tuple[str, ...] = ()
    """Control-plane operation patterns the role allows
    (``Microsoft.Compute/virtualMachines/*``)."""
    not_actions: tuple[str, ...] = ()
    """Control-plane patterns subtracted from ``actions``. Not a deny: another role assignment
    may grant them."""
    data_actions: tuple[str, ...] = ()
    """Data-plane operation patterns the role allows
    (``Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read``)."""
    not_data_actions: tuple[str, ...] = ()
    """Data-plane patterns subtracted from ``data_actions``."""
    source: str = ""
    """Where the definition comes from: Microsoft's built-in roles page for the role's category,
    or the Terraform address for a custom role."""
    custom: bool = False
    """A custom role defined in the configuration, not a Microsoft built-in role."""
    assignable_scopes: tuple[str, ...] = ()
    """Scopes the role may be assigned at (custom roles); empty for built-in roles, which are
    assignable everywhere."""
    description: str = ""
    """Microsoft's description of the role (or the custom role's)."""
    conditional_actions: tuple[str, ...] = ()
    """Allowed operations that an ABAC condition in the role definition constrains (which roles
    a ``roleAssignments/write`` may assign): granted Maybe. The ``note`` says what the condition
    allows."""
    note: str = ""
    """A caveat to show with answers that rest on this role (empty for most roles)."""
    former_names: tuple[str, ...] = ()
    """Display names Microsoft gave the role before (``Azure AI User`` for ``Foundry User``);
    plans written earlier still use them."""

    def grants(self, action: str, data: bool | None = None) -> Tristate:
        """Whether the role grants the operation *action*: Yes, Maybe or No.

        *data* says the plane: ``True`` for a data action (checked against ``data_actions``
        minus ``not_data_actions``), ``False`` for a control-plane action (``actions`` minus
        ``not_actions``). ``None`` decides from the operation: a known data action
        (:func:`is_data_action`) is checked on the data plane only, so ``Owner`` does not read
        blobs; any other operation is tried on both planes and the stronger answer wins. Pass
        *data* whenever the caller knows the plane: a namespace that mixes both (Key Vault's
        ``vaults/keys/read``) is otherwise answered Yes by either plane.

        *action* may itself be a wildcard typed by a user (``Microsoft.Storage/*``): the
        question is then whether the role holds **some** operation matching it. Yes when an
        allowed pattern overlaps it, No when an excluded pattern covers all of it or nothing
        overlaps (so Contributor answers No to ``Microsoft.Authorization/*/write`` and Yes to
        ``Microsoft.Authorization/*``, whose reads it holds).
        """
        if not action:
            return Tristate.NO
        if data is None:
            if is_data_action(action):
                return self._data_answer(action)
            return _strongest((self._control_answer(action), self._data_answer(action)))
        return self._data_answer(action) if data else self._control_answer(action)

    def _control_answer(self, action: str) -> Tristate:
        return _plane_answer(action, self.actions, self.not_actions, self.conditional_actions)

    def _data_answer(self, action: str) -> Tristate:
        return _plane_answer(action, self.data_actions, self.not_data_actions, ())

    def as_json(self) -> dict[str, Any]:
        """The definition as plain JSON, with sorted lists, for reports and evidence."""
        out: dict[str, Any] = {
            "name": self.name,
            "id": self.id,
            "description": self.description,
            "actions": sorted(self.actions),
            "not_actions": sorted(self.not_actions),
            "data_actions": sorted(self.data_actions),
            "not_data_actions": sorted(self.not_data_actions),
            "conditional_actions": sorted(self.conditional_actions),
            "assignable_scopes": sorted(self.assignable_scopes),
            "source": self.source,
            "custom": self.custom,
        }
        if self.former_names:
            out["former_names"] = sorted(self.former_names)
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class BuiltinRoleCatalog:
    """Every built-in role iacguard knows, its lookups, and where the data comes from."""

    source: str
    """Microsoft's built-in roles reference the catalog was curated from."""
    retrieved: str
    """The date the catalog was curated (``YYYY-MM-DD``)."""
    note: str
    """What the catalog is and is not (curated, not exhaustive)."""
    roles: Mapping[str, AzureRoleDefinition]
    """Display name → definition, sorted by name."""
    by_id: Mapping[str, AzureRoleDefinition]
    """Lower-case GUID → definition."""
    by_name: Mapping[str, AzureRoleDefinition]
    """Case-folded display name, current or former → definition."""


def _malformed(detail: str) -> BuiltinRoleCatalogError:
    return BuiltinRoleCatalogError(f"the packaged Azure built-in role catalog {detail}")


def _role(name: str, entry: Any) -> AzureRoleDefinition:
    if not isinstance(entry, dict):
        raise _malformed(f"has a malformed entry for {name}")
    lists: dict[str, tuple[str, ...]] = {}
    for field in _LIST_FIELDS:
        values = string_list(entry.get(field, []))
        if values is None:
            raise _malformed(f"has a malformed {field} list for {name}")
        lists[field] = tuple(values)
    guid, source, description = entry.get("id"), entry.get("source"), entry.get("description")
    note = entry.get("note", "")
    if not (
        entry.get("name") == name
        and isinstance(guid, str)
        and _GUID.fullmatch(guid)
        and guid == guid.lower()
        and isinstance(source, str)
        and isinstance(description, str)
        and isinstance(note, str)
    ):
        raise _malformed(f"has a malformed entry for {name}")
    return AzureRoleDefinition(
        name=name,
        id=guid,
        actions=lists["actions"],
        not_actions=lists["not_actions"],
        data_actions=lists["data_actions"],
        not_data_actions=lists["not_data_actions"],
        source=source,
        description=description,
        conditional_actions=lists["conditional_actions"],
        note=note,
        former_names=lists["former_names"],
    )


@cache
def load_role_catalog() -> BuiltinRoleCatalog:
    """The packaged catalog, read once per process (a few milliseconds, then free).

    Raises:
        BuiltinRoleCatalogError: the packaged file is missing or malformed.
    """
    source, retrieved, note, raw_roles = read_catalog(_DATA_PACKAGE, _DATA_PATH, _malformed)
    roles = {name: _role(name, entry) for name, entry in sorted(raw_roles.items())}
    by_id: dict[str, AzureRoleDefinition] = {}
    by_name: dict[str, AzureRoleDefinition] = {}
    for role in roles.values():
        if by_id.setdefault(role.id, role) is not role:
            raise _malformed(f"gives the id {role.id} to two roles")
        for name in (role.name, *role.former_names):
            if by_name.setdefault(name.casefold(), role) is not role:
                raise _malformed(f"gives the name {name} to two roles")
    return BuiltinRoleCatalog(
        source=source,
        retrieved=retrieved,
        note=note,
        roles=MappingProxyType(roles),
        by_id=MappingProxyType(by_id),
        by_name=MappingProxyType(by_name),
    )


def role_id(resource_id_or_guid: str) -> str | None:
    """The role definition GUID in *resource_id_or_guid*, in lower case, or ``None``.

    Accepts a bare GUID, a role definition resource id at any scope
    (``/providers/Microsoft.Authorization/roleDefinitions/GUID``,
    ``/subscriptions/SUB/providers/Microsoft.Authorization/roleDefinitions/GUID``, a management
    group's) and the ``id`` of an ``azurerm_role_definition``, which appends ``|`` and the
    scope.
    """
    text = resource_id_or_guid.strip().split("|", 1)[0]
    if _GUID.fullmatch(text):
        return text.lower()
    match = _ROLE_DEFINITION_ID.fullmatch(text)
    if match is None or not _GUID.fullmatch(match["guid"]):
        return None
    return match["guid"].lower()


def builtin_role(name_or_id: str) -> AzureRoleDefinition | None:
    """The built-in role *name_or_id*, or ``None`` if the catalog does not know it.

    *name_or_id* is a display name in any case (``storage blob data reader``), including a
    former name Microsoft has since changed (``Azure AI User``), a GUID, or a role definition
    resource id (:func:`role_id`). Custom roles and built-in roles the catalog lacks give
    ``None``: the caller must treat their grants as unknown (Maybe), not as empty. The same
    role always gives the same object.
    """
    text = name_or_id.strip()
    if not text:
        return None
    catalog = load_role_catalog()
    guid = role_id(text)
    if guid is not None:
        return catalog.by_id.get(guid)
    return catalog.by_name.get(text.casefold())


def catalog_roles() -> tuple[str, ...]:
    """The display names of every role in the catalog, sorted."""
    return tuple(sorted(load_role_catalog().roles))


def catalog_version() -> str:
    """The catalog's date and size, for ``iacguard version``.

    For example ``2026-11-26 (73 roles; curated from Microsoft's Azure built-in roles
    reference)``.
    """
    catalog = load_role_catalog()
    return (
        f"{catalog.retrieved} ({len(catalog.roles)} roles; curated from Microsoft's Azure "
        "built-in roles reference)"
    )


def roles_granting(
    action: str, names: Iterable[str] | None = None, data: bool | None = None
) -> dict[str, Tristate]:
    """Display name → answer for every catalog role (or every role of *names* the catalog
    knows) that grants *action* Yes or Maybe; roles answering No are left out."""
    catalog = load_role_catalog()
    if names is None:
        chosen = list(catalog.roles.values())
    else:
        found = (builtin_role(name) for name in names)
        chosen = sorted({role for role in found if role is not None}, key=lambda r: r.name)
    answers = {role.name: role.grants(action, data) for role in chosen}
    return {name: answer for name, answer in answers.items() if answer is not Tristate.NO}
