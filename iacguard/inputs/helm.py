"""Helm charts: rendered offline into manifests, then loaded like any manifest.

A chart is a folder with a ``Chart.yaml``, or a packaged ``.tgz``. It is rendered with the
values given (``--helm-values FILE``, repeatable, then ``--set KEY=VALUE``, Helm's syntax), as
release ``--release-name`` (default ``release-name``, as ``helm template``) in namespace
``--release-namespace`` (default ``default``). The renderer is a ``helm`` binary when one is on
PATH (or ``--helm-binary PATH``), else the embedded Helm SDK (helm-python-sdk, Helm v4);
``--renderer embedded|binary`` chooses. Every rendered object keeps the template it came from
as its location (``mychart/templates/deployment.yaml``).

A template error is one clear error naming the chart and the template; a chart whose
dependencies are not vendored under ``charts/`` says which and is not rendered, without
stopping the other inputs.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from iacguard.errors import InputError
from iacguard.inputs.kubernetes import load_manifests
from iacguard.model.document import InputDocument, InputKind
from iacguard.model.resource import Resource, SkippedResource
from iacguard.redaction import redact_text

Renderer = Literal["auto", "embedded", "binary"]


@dataclass(frozen=True, slots=True)
class HelmOptions:
    """How charts among the inputs are rendered."""

    values: tuple[Path, ...] = ()
    sets: tuple[str, ...] = ()
    release_name: str = "release-name"
    release_namespace: str = "default"
    renderer: Renderer = "auto"
    helm_binary: str | None = None


class ChartNotRendered(Exception):
    """A chart that cannot be rendered but does not stop the other inputs (missing
    dependencies): it is listed as not read, with the reason."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A chart's rendered templates: template path (``chart/templates/x.yaml``) → text."""

    chart: str
    version: str
    templates: dict[str, str]
    renderer: str


def is_chart_folder(path: Path) -> bool:
    """A folder holding a ``Chart.yaml``."""
    return (path / "Chart.yaml").is_file()


def is_chart_archive(path: Path, data: bytes) -> bool:
    """A packaged chart: a gzip tarball named ``.tgz`` or ``.tar.gz``."""
    name = path.name.lower()
    return name.endswith((".tgz", ".tar.gz")) and data.startswith(b"\x1f\x8b")


def load_chart(
    name: str,
    path: Path,
    options: HelmOptions,
    values: dict[str, Any] | None = None,
    display: str | None = None,
) -> InputDocument:
    """Render a chart folder or archive and load the objects of every template. ``values``
    replaces the values of ``options`` (a ``helm_release``'s own); ``display`` names the
    input (default: ``name``)."""
    with tempfile.TemporaryDirectory(prefix="iacguard-chart-") as scratch:
        folder = path
        if path.is_file():
            folder = _extract(name, path, Path(scratch))
        _check_dependencies(name, folder)
        if values is None:
            values = _values(name, options)
        rendered = _render(name, folder, values, options)
    resources: list[Resource] = []
    skipped: list[SkippedResource] = []
    errors: list[str] = []
    base = path if path.is_dir() else path.parent
    for template, text in sorted(rendered.templates.items()):
        if template.endswith("NOTES.txt") or not text.strip():
            continue
        source = _template_path(name, base, rendered.chart, template, path.is_dir())
        document = load_manifests(source, text, options.release_namespace)
        resources.extend(document.resources)
        skipped.extend(document.skipped)
        errors.extend(f"{source}: {e}" for e in document.errors)
    return InputDocument(
        path=display or name,
        kind=InputKind.HELM_CHART,
        format_version=rendered.version,
        tool_version=rendered.renderer,
        resources=tuple(resources),
        skipped=tuple(skipped),
        resource_changes=len(resources) + len(skipped),
        errors=tuple(errors),
    )


def _template_path(name: str, base: Path, chart: str, template: str, folder: bool) -> str:
    """Where a template is, as the user would open it: ``charts/inference/templates/x.yaml``.
    Helm names templates ``CHART/templates/x.yaml`` (``CHART/charts/SUB/templates/...``)."""
    _, _, inside = template.partition("/")
    if folder:
        return str(Path(name) / inside) if inside else name
    return f"{name}:{template}"


def _extract(name: str, archive: Path, scratch: Path) -> Path:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(scratch, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(name, f"not a readable chart archive: {type(exc).__name__}") from None
    charts = [p.parent for p in sorted(scratch.glob("*/Chart.yaml"))]
    if len(charts) != 1:
        raise InputError(name, "chart archive without exactly one CHART/Chart.yaml")
    return charts[0]


def _chart_file(name: str, folder: Path) -> dict[str, Any]:
    try:
        value = yaml.safe_load((folder / "Chart.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(name, f"cannot read Chart.yaml: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else None
        raise InputError(f"{name}/Chart.yaml", "malformed YAML", where) from None
    if not isinstance(value, dict) or not value.get("name"):
        raise InputError(f"{name}/Chart.yaml", "not a chart (no name)")
    return value


def _check_dependencies(name: str, folder: Path) -> None:
    """Every dependency of ``Chart.yaml`` must be vendored under ``charts/`` (folder or
    ``.tgz``): iacguard never downloads."""
    chart = _chart_file(name, folder)
    missing = []
    for dependency in chart.get("dependencies") or []:
        if not isinstance(dependency, dict) or not dependency.get("name"):
            continue
        wanted = str(dependency.get("alias") or dependency["name"])
        base = str(dependency["name"])
        repository = str(dependency.get("repository") or "")
        # Helm renders only what is under charts/ (a file:// dependency elsewhere is copied
        # there by `helm dependency build`)
        vendored = folder / "charts"
        if (vendored / base / "Chart.yaml").is_file() or (
            vendored / wanted / "Chart.yaml"
        ).is_file():
            continue
        if any(vendored.glob(f"{base}-*.tgz")):
            continue
        missing.append(f"{base} ({repository or 'no repository'})")
    if missing:
        raise ChartNotRendered(
            f"chart dependencies not vendored under charts/: {', '.join(missing)}; run "
            "`helm dependency build` first (iacguard does not download)"
        )


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _merge(
    base: dict[str, Any], override: Mapping[str, Any], into_lists: bool = False
) -> dict[str, Any]:
    """Helm's coalescing of values maps: nested maps merge, anything else replaces. A
    ``--set`` writes into the lists already there (``list[1]=x`` keeps the other items)."""
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            out[key] = _merge(current, value, into_lists)
        elif into_lists and isinstance(value, list) and isinstance(current, list):
            merged = list(current) + [None] * max(0, len(value) - len(current))
            for position, item in enumerate(value):
                if item is None:
                    continue
                if isinstance(item, Mapping) and isinstance(merged[position], dict):
                    merged[position] = _merge(merged[position], item, into_lists)
                else:
                    merged[position] = item
            out[key] = merged
        else:
            out[key] = value
    return out


def _values(name: str, options: HelmOptions) -> dict[str, Any]:
    """The values files in order, then every ``--set``."""
    merged: dict[str, Any] = {}
    for path in options.values:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(str(path), f"--helm-values: cannot read: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else None
            raise InputError(str(path), "--helm-values: malformed YAML", where) from None
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            raise InputError(str(path), "--helm-values: not a mapping of values")
        merged = _merge(merged, loaded)
    for expression in options.sets:
        merged = _merge(merged, parse_set(expression), into_lists=True)
    return merged


_SET_ITEM = re.compile(r"((?:[^,\\]|\\.)+)")


def parse_set(expression: str) -> dict[str, Any]:
    """``--set`` as Helm reads it (``a.b=1,c[0]=x``, ``{a,b}`` lists, ``\\.`` escapes, typed
    numbers, booleans and null): Helm's own parser, from the embedded SDK."""
    try:
        import helm_python  # the native library is loaded only for charts
    except ImportError:  # pragma: no cover - a dependency of iacguard
        return _parse_set_fallback(expression)
    try:
        parsed = helm_python.parse_set_string(expression)
    except helm_python.HelmError as exc:
        raise InputError("--set", f"{expression!r}: {' '.join(str(exc).split())}") from None
    return dict(parsed)


def _parse_set_fallback(expression: str) -> dict[str, Any]:
    """A reading of Helm's ``--set`` syntax for when the SDK cannot be loaded."""
    result: dict[str, Any] = {}
    for item in _split_unescaped(expression, ","):
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InputError("--set", f"{item!r} is not KEY=VALUE")
        _assign(result, _split_unescaped(key, "."), _typed(raw))
    return result


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _typed(raw: str) -> Any:
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    if re.fullmatch(r"-?\d+", raw) and not (len(raw.lstrip("-")) > 1 and raw.lstrip("-")[0] == "0"):
        return int(raw)
    return raw


_INDEXED = re.compile(r"^(.*)\[(\d+)\]$")


def _assign(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = tree
    for position, part in enumerate(path):
        last = position == len(path) - 1
        match = _INDEXED.match(part)
        if match:
            name, index = match.group(1), int(match.group(2))
            listed = node.setdefault(name, [])
            if not isinstance(listed, list):
                listed = node[name] = []
            while len(listed) <= index:
                listed.append({} if not last else None)
            if last:
                listed[index] = value
            else:
                if not isinstance(listed[index], dict):
                    listed[index] = {}
                node = listed[index]
        elif last:
            node[part] = value
        else:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child


# --------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------


def helm_binary(options: HelmOptions) -> str | None:
    """The ``helm`` to run: ``--helm-binary``, else ``helm`` on PATH."""
    if options.helm_binary:
        return options.helm_binary
    return shutil.which("helm")


def _render(name: str, folder: Path, values: dict[str, Any], options: HelmOptions) -> Rendered:
    binary = helm_binary(options) if options.renderer != "embedded" else None
    if options.renderer == "binary" and binary is None:
        raise InputError(name, "--renderer binary: no helm on PATH (or give --helm-binary)")
    if binary is not None:
        return _render_binary(name, folder, values, options, binary)
    return _render_embedded(name, folder, values, options)


def _render_embedded(
    name: str, folder: Path, values: dict[str, Any], options: HelmOptions
) -> Rendered:
    try:
        import helm_python
    except ImportError:  # pragma: no cover - a dependency of iacguard
        raise InputError(
            name, "the embedded Helm renderer (helm-python-sdk) is not installed"
        ) from None
    try:
        helm_python.validate_release_name(options.release_name)
    except helm_python.HelmError as exc:
        raise InputError(
            f"--release-name {options.release_name!r}", " ".join(str(exc).split())
        ) from None
    try:
        chart = helm_python.Chart.load(str(folder))
        templates = chart.render(
            values, name=options.release_name, namespace=options.release_namespace,
            is_install=True,
        )  # fmt: skip
        version = str(chart.version)
        chart_name = str(chart.name)
    except helm_python.HelmError as exc:
        raise InputError(name, _render_error(str(exc), _leaves(values, folder))) from None
    return Rendered(chart_name, version, dict(templates), "embedded Helm SDK")


def _render_binary(
    name: str, folder: Path, values: dict[str, Any], options: HelmOptions, binary: str
) -> Rendered:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as f:
        yaml.safe_dump(values, f)
        values_file = f.name
    try:
        completed = subprocess.run(
            [
                binary,
                "template",
                options.release_name,
                str(folder),
                "--namespace",
                options.release_namespace,
                "--values",
                values_file,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "HELM_NO_PLUGINS": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(name, f"helm could not run: {type(exc).__name__}") from None
    finally:
        Path(values_file).unlink(missing_ok=True)
    if completed.returncode != 0:
        raise InputError(name, _render_error(completed.stderr, _leaves(values, folder)))
    chart = _chart_file(name, folder)
    return Rendered(
        str(chart.get("name")),
        str(chart.get("version", "")),
        dict(_split_sources(completed.stdout)),
        f"helm ({binary})",
    )


_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


def _split_sources(output: str) -> Iterator[tuple[str, str]]:
    """``helm template`` output cut at its ``# Source:`` comments; documents of one template
    are joined again."""
    found: dict[str, list[str]] = {}
    for document in re.split(r"^---[ \t]*$", output, flags=re.MULTILINE):
        match = _SOURCE.search(document)
        if match is None:
            continue
        found.setdefault(match.group(1).strip(), []).append(document)
    for template, parts in found.items():
        yield template, "\n---\n".join(parts)


def _leaves(values: Any, folder: Path) -> set[str]:
    """Every string of the values given and of the chart's own values.yaml: a template's
    ``fail`` message may quote any of them, secrets included."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str) and len(node) >= 4:
            found.add(node)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(values)
    with contextlib.suppress(OSError, UnicodeDecodeError, yaml.YAMLError):
        walk(yaml.safe_load((folder / "values.yaml").read_text(encoding="utf-8")))
    return found


def _render_error(message: str, values: set[str] | None = None) -> str:
    """Helm's error on one line, naming the template, without values it may quote."""
    for value in sorted(values or (), key=len, reverse=True):
        message = message.replace(value, "(a value)")
    text = " ".join(redact_text(message).split())
    text = text.removeprefix("Error: ")
    match = re.search(r"template: ([^:]+(?::\d+)*)", text)
    where = f" in {match.group(1)}" if match else ""
    return f"chart cannot be rendered{where}: {text[:300]}"


# --------------------------------------------------------------------------------------------
# helm_release resources of plans
# --------------------------------------------------------------------------------------------


def release_values(after: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A ``helm_release``'s values: its ``values`` documents in order, then ``set``,
    ``set_list`` and ``set_sensitive`` (masked values render as ``(sensitive)``), and what
    could not be used (values known only after apply)."""
    merged: dict[str, Any] = {}
    notes: list[str] = []
    for position, document in enumerate(after.get("values") or []):
        if not isinstance(document, str):
            notes.append(f"values[{position}] is known only after apply: rendered without it")
            continue
        try:
            loaded = yaml.safe_load(document)
        except yaml.YAMLError:
            notes.append(f"values[{position}] is not YAML: rendered without it")
            continue
        if isinstance(loaded, dict):
            merged = _merge(merged, loaded)
    for field in ("set", "set_list", "set_sensitive"):
        for entry in after.get(field) or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            value = entry.get("value")
            if field == "set_sensitive" or not isinstance(value, str | list):
                if field != "set_sensitive" and value is not None:
                    notes.append(f"{field} {entry['name']} is known only after apply")
                value = "(sensitive)" if field == "set_sensitive" else None
                if value is None:
                    continue
            if isinstance(value, list):
                parts = [str(v).replace(",", "\\,") for v in value]
                expression = f"{entry['name']}={{{','.join(parts)}}}"
            else:
                expression = f"{entry['name']}={str(value).replace(',', chr(92) + ',')}"
            merged = _merge(merged, parse_set(expression), into_lists=True)
    return merged, notes


def local_chart(after: Mapping[str, Any], base: Path) -> Path | None:
    """The chart a ``helm_release`` installs, when it is a folder or archive on disk (no
    ``repository``; a path relative to the root module, where the plan was made)."""
    chart = after.get("chart")
    if not isinstance(chart, str) or after.get("repository"):
        return None
    path = Path(chart) if Path(chart).is_absolute() else Path(os.path.normpath(base / chart))
    if path.is_dir() and is_chart_folder(path):
        return path
    if path.is_file() and path.name.endswith((".tgz", ".tar.gz")):
        return path
    return None
