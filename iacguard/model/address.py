"""Terraform resource addresses: ``module.a["k"].module.b[0].aws_iam_role.this["x"]``.

Instance keys may be quoted strings holding dots, brackets and escaped quotes, so addresses are
tokenised, never split on ``.``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class AddressPart:
    """One step of an address: a name and the instance key written after it, if any."""

    name: str
    key: str | None
    """The key as written between the brackets (``0`` or ``"prod"``), or ``None``."""


@lru_cache(maxsize=65536)
def split_address(address: str) -> tuple[AddressPart, ...]:
    """Split an address into dot-separated names with their optional instance keys.

    >>> [p.name for p in split_address('module.a["x.y"].aws_s3_bucket.b[0]')]
    ['module', 'a', 'aws_s3_bucket', 'b']
    """
    parts: list[AddressPart] = []
    i, n = 0, len(address)
    while i < n:
        start = i
        while i < n and address[i] not in ".[":
            i += 1
        name = address[start:i]
        key: str | None = None
        if i < n and address[i] == "[":
            j = i + 1
            if j < n and address[j] == '"':
                j += 1
                while j < n and address[j] != '"':
                    j += 2 if address[j] == "\\" else 1
                j += 1
            while j < n and address[j] != "]":
                j += 1
            key = address[i + 1 : j]
            i = j + 1
        parts.append(AddressPart(name, key))
        if i < n and address[i] == ".":
            i += 1
    return tuple(parts)


def module_names(module_address: str | None) -> tuple[str, ...]:
    """Return the module call names of a module address, without instance keys.

    ``module.a["x"].module.b`` gives ``("a", "b")``; the root module gives ``()``.
    """
    if not module_address:
        return ()
    parts = split_address(module_address)
    return tuple(
        parts[i + 1].name for i in range(0, len(parts) - 1, 2) if parts[i].name == "module"
    )


@lru_cache(maxsize=16384)
def module_prefix(names: tuple[str, ...]) -> str:
    """Return the configuration address prefix of a module path: ``module.a.module.b.``."""
    return "".join(f"module.{name}." for name in names)


def config_address(module_address: str | None, mode: str, type_: str, name: str) -> str:
    """Return the configuration address of a resource instance: no instance keys anywhere.

    This is the address of the ``resource`` block that produced the instance and the key under
    which the plan's ``configuration`` section describes it.
    """
    local = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    return module_prefix(module_names(module_address)) + local


def referenced_object(reference: str) -> str | None:
    """Return the object a configuration reference names, without attribute or instance key.

    ``aws_iam_role.r[0].arn`` gives ``aws_iam_role.r``; ``data.x.y.json`` gives ``data.x.y``;
    ``var.v`` gives ``var.v``; ``module.m.out`` gives ``module.m.out``. References to
    ``count``, ``each``, ``path``, ``self`` and ``terraform`` name nothing and give ``None``.
    """
    parts = split_address(reference)
    if not parts:
        return None
    head = parts[0].name
    if head in {"count", "each", "path", "self", "terraform"}:
        return None
    if head in {"var", "local"}:
        return f"{head}.{parts[1].name}" if len(parts) > 1 else None
    if head == "module":
        if len(parts) >= 3:
            return f"module.{parts[1].name}.{parts[2].name}"
        return f"module.{parts[1].name}" if len(parts) > 1 else None
    if head == "data":
        return f"data.{parts[1].name}.{parts[2].name}" if len(parts) >= 3 else None
    return f"{head}.{parts[1].name}" if len(parts) >= 2 else None


@lru_cache(maxsize=4096)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for char in pattern:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def address_matches(address: str, pattern: str) -> bool:
    """Match an address against a glob where only ``*`` and ``?`` are wildcards.

    Brackets are literal, so a pattern copied from ``terraform plan`` output
    (``aws_iam_access_key.ci["prod"]``, ``module.m[0].x``) matches that exact address.
    """
    return address == pattern or _glob_regex(pattern).match(address) is not None
