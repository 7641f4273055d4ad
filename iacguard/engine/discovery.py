"""Finding checks: find → load → validate, sorted for determinism.

Built-in checks and third-party plugins both register in the ``iacguard.checks`` entry-point
group; an entry point names a :class:`~iacguard.engine.check.Check`, a list of them, or a
module holding them. ``--checks-dir`` folders hold Python files whose module-level ``Check``
values are loaded. A plugin that fails to import, a malformed check and a duplicate id stop the
run with an error naming the package.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from dataclasses import replace
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from iacguard.engine.check import CHECK_ID_RE, Check
from iacguard.errors import IacguardError
from iacguard.frameworks import FrameworkError, load_catalog

ENTRY_POINT_GROUP = "iacguard.checks"
BUILTIN_PROVIDER = "iacguard"


class PluginError(IacguardError):
    """A check or plugin cannot be loaded or is malformed."""


def _collect(obj: object, origin: str) -> list[Check]:
    """Checks held by an entry point's object: a Check, an iterable of them, or a module."""
    if isinstance(obj, Check):
        return [obj]
    if isinstance(obj, ModuleType):
        return sorted((v for v in vars(obj).values() if isinstance(v, Check)), key=lambda c: c.id)
    if isinstance(obj, Iterable) and not isinstance(obj, str | bytes):
        items = list(obj)
        bad = [type(i).__name__ for i in items if not isinstance(i, Check)]
        if bad:
            raise PluginError(
                f"{origin}: expected Check objects, found {', '.join(sorted(set(bad)))}"
            )
        return items
    raise PluginError(f"{origin}: names a {type(obj).__name__}, not a Check or a list of checks")


def _distribution(entry: EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    return str(dist.name) if dist is not None else entry.value.split(":", 1)[0]


def _from_entry_points() -> list[Check]:
    found: list[Check] = []
    points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value))
    for entry in points:
        package = _distribution(entry)
        origin = f"plugin {entry.name!r} of package {package!r}"
        try:
            loaded = entry.load()
        except Exception as exc:
            raise PluginError(
                f"{origin} fails to load ({entry.value}): {type(exc).__name__}: {exc}"
            ) from None
        # Built-in means iacguard's own distribution, not merely an entry point so named.
        builtin = entry.name == BUILTIN_PROVIDER and package == BUILTIN_PROVIDER
        if entry.name == BUILTIN_PROVIDER and not builtin:
            raise PluginError(
                f"{origin}: the entry point name {BUILTIN_PROVIDER!r} is reserved for "
                "iacguard's built-in checks"
            )
        provider = BUILTIN_PROVIDER if builtin else package
        for item in _collect(loaded, origin):
            if provider != BUILTIN_PROVIDER and not item.id.startswith(f"{entry.name}-"):
                raise PluginError(
                    f"{origin}: check id {item.id!r} must start with the plugin's prefix "
                    f"{entry.name + '-'!r}"
                )
            found.append(replace(item, provider=provider))
    return found


def _from_folder(folder: Path) -> list[Check]:
    if not folder.is_dir():
        raise PluginError(f"--checks-dir {folder}: no such folder")
    found: list[Check] = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"iacguard_local_checks.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise PluginError(f"{path}: cannot be loaded as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise PluginError(f"{path} fails to load: {type(exc).__name__}: {exc}") from None
        found.extend(replace(c, provider=str(path)) for c in _collect(module, str(path)))
    return found


def _validate(checks: list[Check]) -> list[Check]:
    catalog = load_catalog()
    seen: dict[str, Check] = {}
    valid: list[Check] = []
    for item in checks:
        where = f"check {item.id!r} ({item.provider})"
        if not CHECK_ID_RE.match(item.id):
            raise PluginError(
                f"{where}: id must be kebab-case with a prefix, like 'aws-some-check'"
            )
        if item.id in seen:
            raise PluginError(
                f"duplicate check id {item.id!r}: provided by {seen[item.id].provider} "
                f"and by {item.provider}"
            )
        if not item.title or not item.remediation:
            raise PluginError(f"{where}: a check needs a title and a remediation")
        if not item.docs:
            raise PluginError(f"{where}: a check needs a docstring (it is its documentation)")
        try:
            frameworks = catalog.validate_references(item.frameworks)
        except FrameworkError as exc:
            raise PluginError(f"{where}: {exc.one_line()}") from None
        seen[item.id] = item
        valid.append(replace(item, frameworks=frameworks))
    return sorted(valid, key=lambda c: c.id)


def discover_checks(checks_dirs: Iterable[Path] = ()) -> list[Check]:
    """Every check: entry points (built-ins included) and ``--checks-dir`` folders, sorted by id."""
    found = _from_entry_points()
    for folder in checks_dirs:
        found.extend(_from_folder(folder))
    return _validate(found)
