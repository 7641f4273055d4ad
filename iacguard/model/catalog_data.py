"""Reading the role catalogs packaged as data (GCP predefined roles, Azure built-in roles): the
common frame of the file, checked the same way for both."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from typing import Any


def read_catalog(
    package: str, path: str, malformed: Callable[[str], Exception]
) -> tuple[str, str, str, dict[str, Any]]:
    """``(source, retrieved, note, roles)`` of a packaged catalog; ``malformed(detail)`` makes
    the error raised when the file is missing or not in that frame."""
    resource = files(package).joinpath(path)
    try:
        data = json.loads(resource.read_bytes())
    except (OSError, ValueError) as exc:
        # ValueError covers JSONDecodeError and UnicodeDecodeError.
        raise malformed(f"cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise malformed("is not a JSON object")
    source, retrieved, note = data.get("source"), data.get("retrieved"), data.get("note")
    roles = data.get("roles")
    if not (isinstance(source, str) and isinstance(retrieved, str) and isinstance(note, str)):
        raise malformed("does not name its source, date and note")
    if not isinstance(roles, dict):
        raise malformed("has no roles")
    return source, retrieved, note, roles


def string_list(value: Any) -> list[str] | None:
    """``value`` when it is a list of strings, else ``None``."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return list(value)
