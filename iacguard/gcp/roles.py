"""Google Cloud IAM roles: what a role grants, from the curated predefined-role catalog.

A plan grants roles by name (``google_project_iam_member.role = "roles/storage.objectViewer"``);
what they grant comes from ``data/predefined_roles.json``, curated by hand from Google's IAM
roles and permissions reference (``data/README.md``). ``iacguard version`` shows its date.

A role is a set of exact permissions plus three kinds of wildcard (``*`` matches any run of
characters, dots included): ``patterns`` the role holds in full, ``approximate`` ones it holds
only in part, and ``excluded`` ones it certainly lacks. Every answer is a
:class:`~iacguard.model.values.Tristate`:

* the permission matches an ``excluded`` entry: **No**;
* it is one of ``permissions`` or matches one of ``patterns``: **Yes**;
* it matches one of ``approximate``: **Maybe** (the basic roles, whose exact lists run to
  thousands of permissions);
* otherwise: **No**.

A role that is not in the catalog (a newer predefined role, a custom role) gives ``None``: its
grants are unknown, and callers report them as Maybe, never as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any

from iacguard.errors import IacguardError
from iacguard.model.catalog_data import read_catalog, string_list
from iacguard.model.values import Tristate

_DATA_PACKAGE = "iacguard.gcp"
_DATA_PATH = "data/predefined_roles.json"

_ROLE_LIST_FIELDS = ("permissions", "patterns", "approximate", "excluded")


class RoleCatalogError(IacguardError):
    """The packaged predefined-role catalog is missing or malformed (a packaging bug)."""


@lru_cache(maxsize=8192)
def _compiled(pattern: str) -> re.Pattern[str]:
    """*pattern* as a regular expression: ``*`` is any run of characters, all else literal."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def permission_matches(pattern: str, permission: str) -> bool:
    """Whether *permission* matches *pattern*, in which ``*`` matches any run of characters.

    Case-sensitive, as Google's permission names are (``iam.serviceAccounts.actAs``). A
    pattern without ``*`` matches only itself; ``*`` matches everything, and
    ``storage.objects.*`` matches ``storage.objects.get``. Compiled patterns are cached.
    """
    if "*" not in pattern:
        return pattern == permission
    return _compiled(pattern).fullmatch(permission) is not None


@lru_cache(maxsize=8192)
def _overlap(first: str, second: str) -> bool:
    """Whether some permission matches both wildcard patterns *first* and *second*."""
    # A ``*`` on either side may stand for nothing or absorb one more symbol of the other side
    # (a literal character or the other side's ``*``); literals must agree.
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
        if j < len(second) and second[j] == "*":
            stack.append((i, j + 1))
            if i < len(first):
                stack.append((i + 1, j))
        if i < len(first) and j < len(second) and first[i] == second[j] != "*":
            stack.append((i + 1, j + 1))
    return False


@lru_cache(maxsize=8192)
def _covers(outer: str, inner: str) -> bool:
    """Whether every permission matching *inner* also matches *outer* (sound, not complete).

    A ``*`` of *inner* can only be absorbed by a ``*`` of *outer*, so a ``True`` answer is
    always right; a few containments between unusual patterns are missed.
    """
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(outer) and j == len(inner):
            return True
        if i < len(outer) and outer[i] == "*":
            stack.append((i + 1, j))
            if j < len(inner):
                stack.append((i, j + 1))
        elif i < len(outer) and j < len(inner) and outer[i] == inner[j] != "*":
            stack.append((i + 1, j + 1))
    return False


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    """What one IAM role grants: exact permissions and wildcards, with their precision."""

    name: str
    """``roles/storage.objectAdmin`` for a predefined role; the role id for a custom role
    (``projects/p/roles/trainer``, ``organizations/1/roles/auditor``)."""
    title: str
    """The human title (``Storage Object Admin``)."""
    permissions: frozenset[str]
    """Exact permissions the role holds, in Google's case (``storage.objects.get``)."""
    patterns: tuple[str, ...] = ()
    """Wildcard permissions whose every match the role holds (``aiplatform.*``): Yes."""
    approximate: tuple[str, ...] = ()
    """Wildcard permissions the role holds some of, too many to list (the basic roles): Maybe."""
    excluded: tuple[str, ...] = ()
    """Exact or wildcard permissions the role certainly lacks, even where a pattern or an
    approximation would match: No."""
    source: str = ""
    """Where the definition comes from: Google's roles page for a predefined role, the
    Terraform address for a custom role."""
    complete: bool = True
    """``False`` when the definition is an approximation (it has ``approximate`` entries or is
    known to be partial)."""
    custom: bool = False
    """A custom role defined in the configuration, not a Google predefined role."""
    note: str = ""
    """A caveat to show with answers that rest on this role (empty for most roles)."""

    def grants(self, permission: str) -> Tristate:
        """Whether the role grants *permission*: Yes, Maybe or No.

        An exact permission is No when it matches an ``excluded`` entry, Yes when it is
        listed or matches a pattern, Maybe when it matches an approximation, else No.

        *permission* may itself be a wildcard typed by a user (``storage.objects.*``); the
        question is then whether the role holds **some** permission matching it: Yes when a
        listed permission or a pattern matches it, Maybe when only an approximation does, No
        when an ``excluded`` entry covers all of it or nothing matches.
        """
        if "*" in permission:
            return self._grants_some(permission)
        if any(permission_matches(entry, permission) for entry in self.excluded):
            return Tristate.NO
        if permission in self.permissions or any(
            permission_matches(pattern, permission) for pattern in self.patterns
        ):
            return Tristate.YES
        if any(permission_matches(entry, permission) for entry in self.approximate):
            return Tristate.MAYBE
        return Tristate.NO

    def _grants_some(self, query: str) -> Tristate:
        if any(_covers(entry, query) for entry in self.excluded):
            return Tristate.NO
        if self.matching(query) or any(_overlap(pattern, query) for pattern in self.patterns):
            return Tristate.YES
        if any(_overlap(entry, query) for entry in self.approximate):
            return Tristate.MAYBE
        return Tristate.NO

    def matching(self, pattern: str) -> tuple[str, ...]:
        """The exact permissions of the role that match *pattern*, sorted, for evidence.

        Permissions that an ``excluded`` entry removes are left out. Wildcards the role holds
        (``patterns``) are not expanded: only listed permissions are returned.
        """
        return tuple(
            sorted(
                permission
                for permission in self.permissions
                if permission_matches(pattern, permission)
                and not any(permission_matches(entry, permission) for entry in self.excluded)
            )
        )

    def as_json(self) -> dict[str, Any]:
        """The definition as plain JSON, with sorted lists, for reports and evidence."""
        out: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "permissions": sorted(self.permissions),
            "patterns": list(self.patterns),
            "approximate": list(self.approximate),
            "excluded": list(self.excluded),
            "source": self.source,
            "complete": self.complete,
            "custom": self.custom,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class RoleCatalog:
    """Every predefined role iacguard knows, and where the data comes from."""

    source: str
    """Google's roles and permissions reference the catalog was curated from."""
    retrieved: str
    """The date the catalog was curated (``YYYY-MM-DD``)."""
    note: str
    """What the catalog is and is not (curated, not exhaustive)."""
    roles: Mapping[str, RoleDefinition]
    """Role name (``roles/viewer``) → definition."""


def _malformed(detail: str) -> RoleCatalogError:
    return RoleCatalogError(f"the packaged GCP predefined-role catalog {detail}")


def _role(name: str, entry: Any) -> RoleDefinition:
    if not isinstance(entry, dict):
        raise _malformed(f"has a malformed entry for {name}")
    lists: dict[str, list[str]] = {}
    for field in _ROLE_LIST_FIELDS:
        values = string_list(entry.get(field, []))
        if values is None:
            raise _malformed(f"has a malformed {field} list for {name}")
        lists[field] = values
    title, source, complete = entry.get("title"), entry.get("source"), entry.get("complete")
    note = entry.get("note", "")
    if not (
        isinstance(title, str)
        and isinstance(source, str)
        and isinstance(complete, bool)
        and isinstance(note, str)
    ):
        raise _malformed(f"has a malformed entry for {name}")
    return RoleDefinition(
        name=name,
        title=title,
        permissions=frozenset(lists["permissions"]),
        patterns=tuple(lists["patterns"]),
        approximate=tuple(lists["approximate"]),
        excluded=tuple(lists["excluded"]),
        source=source,
        complete=complete,
        note=note,
    )


@cache
def load_role_catalog() -> RoleCatalog:
    """The packaged catalog, read once per process (a few milliseconds, then free).

    Raises:
        RoleCatalogError: the packaged file is missing or malformed.
    """
    source, retrieved, note, raw_roles = read_catalog(_DATA_PACKAGE, _DATA_PATH, _malformed)
    roles = {name: _role(name, entry) for name, entry in sorted(raw_roles.items())}
    return RoleCatalog(source=source, retrieved=retrieved, note=note, roles=MappingProxyType(roles))


def predefined_role(name: str) -> RoleDefinition | None:
    """The predefined role *name* (``roles/storage.objectViewer``), or ``None`` if unknown.

    The basic roles are the legacy ``roles/owner``, ``roles/editor`` and ``roles/viewer``;
    the newer ``roles/admin``, ``roles/writer`` and ``roles/reader`` are not in the catalog.
    Custom roles (``projects/p/roles/x``, ``organizations/1/roles/x``) and predefined roles
    the catalog lacks give ``None``: the caller must treat their grants as unknown (Maybe),
    not as empty. The same name always gives the same object.
    """
    return load_role_catalog().roles.get(name)


def catalog_roles() -> tuple[str, ...]:
    """The names of every role in the catalog, sorted."""
    return tuple(sorted(load_role_catalog().roles))


def catalog_version() -> str:
    """The catalog's date and size, for ``iacguard version``.

    For example ``2026-11-26 (90 roles; curated from Google's IAM roles and permissions
    reference)``.
    """
    catalog = load_role_catalog()
    return (
        f"{catalog.retrieved} ({len(catalog.roles)} roles; curated from Google's IAM roles "
        "and permissions reference)"
    )


def roles_granting(permission: str, names: Iterable[str] | None = None) -> dict[str, Tristate]:
    """Role name → answer for every catalog role (or every role of *names* in the catalog)
    that grants *permission* Yes or Maybe; roles answering No are left out."""
    catalog = load_role_catalog().roles
    chosen = sorted(catalog) if names is None else sorted(set(names) & set(catalog))
    answers = {name: catalog[name].grants(permission) for name in chosen}
    return {name: answer for name, answer in answers.items() if answer is not Tristate.NO}
