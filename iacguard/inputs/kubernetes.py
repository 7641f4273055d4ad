"""Kubernetes manifests: YAML streams (or JSON) of objects, one :class:`Resource` per object.

A stream is split into its documents at ``---`` / ``...`` lines (YAML ends a document there
even inside a block scalar), and each document is parsed on its own: a malformed document is
reported with its index and line and does not hide the others. ``List`` kinds (``kubectl get
-o yaml``) are flattened into their items. Every object keeps its file, line and position
(``/3`` for the fourth document, ``/3/items/0`` for an item of it).

Objects become resources addressed by their graph node id (``k8s:Deployment/ml/vllm``,
``k8s:ClusterRole/view``), of the type of their kind, planned as ``create`` (a manifest is
what will be applied). Secret ``data`` and ``stringData`` values are masked at load, like any
value that looks like a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from iacguard.inputs.manifest_kinds import is_cluster_scoped
from iacguard.model.document import InputDocument, InputKind
from iacguard.model.resource import (
    Action,
    ProviderFamily,
    Resource,
    SkippedResource,
    SourceLocation,
)
from iacguard.model.values import Sensitive
from iacguard.redaction import is_secret_name, mask_credentials

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ManifestLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loading, with timestamps left as text (objects must stay JSON values)."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

#: Values a document may expand to through its aliases (a real manifest: a few thousand).
MAX_EXPANDED = 200_000
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[A-Za-z0-9_.-]+", re.MULTILINE)

_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Document:
    index: int
    line: int
    """1-based line of the document's first line in the file."""
    text: str


def split_documents(text: str) -> list[_Document]:
    """The documents of a YAML stream, with their first lines; empty ones are dropped."""
    documents: list[_Document] = []
    start, line, index = 0, 1, 0
    for marker in _DOCUMENT_MARKER.finditer(text):
        chunk = text[start : marker.start()]
        if chunk.strip() and (start > 0 or _has_content(chunk)):
            # comments before the first marker (a license header) are the stream's prefix,
            # not a document (after a marker, even an empty document counts, as in YAML)
            documents.append(_Document(index, line, chunk))
            index += 1
        # a "--- " line may carry the document's first content after the marker
        rest = marker.group()[3:].strip()
        line += chunk.count("\n") + 1
        start = marker.end() + 1
        if rest and not rest.startswith("#") and marker.group().startswith("---"):
            start = marker.start() + 3
            line -= 1
    tail = text[start:]
    if tail.strip():
        documents.append(_Document(index, line, tail))
    return documents


def _has_content(chunk: str) -> bool:
    return any(
        stripped and not stripped.startswith(("#", "%"))
        for stripped in (raw.strip() for raw in chunk.splitlines())
    )


def looks_like_manifest(text: str) -> bool:
    """A YAML stream whose first object (found quickly) has ``apiVersion`` and ``kind``."""
    # kubectl writes a List's own "kind: List" at the end of the dump: look at the whole text
    return bool(re.search(r"^apiVersion\s*:", text[:65536], re.MULTILINE)) and bool(
        re.search(r"^kind\s*:", text, re.MULTILINE)
    )


def load_manifests(name: str, text: str, default_namespace: str = "default") -> InputDocument:
    """Load every object of a manifest stream; malformed documents become errors. Namespaced
    objects that name no namespace go to ``default_namespace`` (a chart's release namespace;
    ``default`` for plain manifests, where kubectl's current namespace is not known)."""
    resources: list[Resource] = []
    skipped: list[SkippedResource] = []
    errors: list[str] = []
    documents = split_documents(text.replace("\r\n", "\n"))
    for document in documents:
        try:
            expanded = _expanded_size(document.text)
            if expanded > MAX_EXPANDED:
                # aliases are shared when read but expanded by everything that walks the
                # object: nested ones (a "billion laughs") would take the machine's memory
                errors.append(
                    f"document {document.index + 1} (line {document.line}): YAML aliases "
                    f"expand to more than {MAX_EXPANDED:,} values: not read"
                )
                continue
            node, value = _parse(document.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = document.line + mark.line if mark is not None else document.line
            problem = _problem(exc)
            errors.append(f"document {document.index + 1} (line {line}): malformed YAML: {problem}")
            continue
        except RecursionError:
            errors.append(
                f"document {document.index + 1} (line {document.line}): nested too deeply"
            )
            continue
        if value is None:
            continue  # only comments
        line = document.line + (
            node.start_mark.line if node is not None else _first_line(document.text)
        )
        pointer = f"/{document.index}"
        for found in _objects(value, node, pointer, line, document.line):
            _add(name, found, resources, skipped, default_namespace)
    return InputDocument(
        path=name,
        kind=InputKind.KUBERNETES_MANIFEST,
        format_version=None,
        tool_version=None,
        resources=tuple(resources),
        skipped=tuple(skipped),
        resource_changes=len(resources) + len(skipped),
        errors=tuple(errors),
    )


def load_manifest_json(name: str, document: Any) -> InputDocument:
    """A manifest given as JSON (``kubectl get -o json``): one object or a ``List``."""
    resources: list[Resource] = []
    skipped: list[SkippedResource] = []
    for found in _objects(document, None, "", None, None):
        _add(name, found, resources, skipped)
    return InputDocument(
        path=name,
        kind=InputKind.KUBERNETES_MANIFEST,
        format_version=None,
        tool_version=None,
        resources=tuple(resources),
        skipped=tuple(skipped),
        resource_changes=len(resources) + len(skipped),
    )


def _expanded_size(text: str) -> int:
    """How many values a document holds once its aliases are expanded (0 without anchors:
    composing the node graph costs as much as reading the document, so only then)."""
    if not _ANCHOR.search(text):
        return 0
    node = yaml.compose(text, Loader=_ManifestLoader)
    sizes: dict[int, int] = {}

    def size(current: yaml.Node) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        sizes[id(current)] = 1  # a cycle counts once
        total = 1
        if isinstance(current, yaml.SequenceNode):
            total += sum(size(item) for item in current.value)
        elif isinstance(current, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in current.value)
        sizes[id(current)] = total
        return total

    return size(node) if node is not None else 0


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's value; its node tree only for ``List`` kinds, whose items need their
    own lines (composing nodes first is four times slower than loading)."""
    value = yaml.load(text, Loader=_ManifestLoader)
    node = None
    if isinstance(value, dict) and _is_list(value):
        loader = _ManifestLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    return node, value


_CONTENT = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)


def _first_line(text: str) -> int:
    """0-based line of a document's first content (after comments and blank lines)."""
    found = _CONTENT.search(text)
    return text.count("\n", 0, found.start()) if found else 0


def _problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", None) or "not valid YAML")
    return re.sub(r"'[^']*'|\"[^\"]*\"", "(...)", problem)


@dataclass(frozen=True, slots=True)
class _Found:
    value: Any
    pointer: str
    line: int | None


def _objects(
    value: Any, node: yaml.Node | None, pointer: str, line: int | None, base: int | None
) -> Iterator[_Found]:
    """The objects of one document: itself, or the items of a ``List`` kind."""
    if isinstance(value, dict) and isinstance(value.get("items"), list) and _is_list(value):
        items_node = _child(node, "items")
        for position, item in enumerate(value["items"]):
            item_node = (
                items_node.value[position]
                if isinstance(items_node, yaml.SequenceNode) and position < len(items_node.value)
                else None
            )
            item_line = (
                base + item_node.start_mark.line
                if item_node is not None and base is not None
                else line
            )
            yield _Found(item, f"{pointer}/items/{position}", item_line)
        return
    yield _Found(value, pointer or "/", line)


def _is_list(value: dict[str, Any]) -> bool:
    kind = value.get("kind")
    return isinstance(kind, str) and (kind == "List" or kind.endswith("List"))


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found: yaml.Node = value_node
            return found
    return None


def object_address(kind: str, namespace: str | None, name: str) -> str:
    """The graph node id of an object: ``k8s:Deployment/ml/vllm``, ``k8s:ClusterRole/view``."""
    return f"k8s:{kind}/{namespace}/{name}" if namespace else f"k8s:{kind}/{name}"


def _add(
    path: str,
    found: _Found,
    resources: list[Resource],
    skipped: list[SkippedResource],
    default_namespace: str = "default",
) -> None:
    value = found.value
    location = SourceLocation(path=path, pointer=found.pointer, line=found.line)
    where = f"{path}{found.pointer}"

    def skip(reason: str) -> None:
        skipped.append(SkippedResource(address=where, reason=reason, source=location))

    if not isinstance(value, dict):
        skip("not a Kubernetes object (not a mapping)")
        return
    kind, api_version = value.get("kind"), value.get("apiVersion")
    raw_metadata = value.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    name = metadata.get("name")
    if not name and isinstance(metadata.get("generateName"), str):
        name = f"{metadata['generateName']}*"
    if not isinstance(kind, str) or not isinstance(api_version, str):
        skip("no apiVersion and kind: not a Kubernetes object")
        return
    if not isinstance(name, str) or not name:
        skip(f"{kind} without metadata.name")
        return
    namespace = metadata.get("namespace")
    if is_cluster_scoped(kind, api_version):
        namespace = None
    elif not isinstance(namespace, str) or not namespace:
        # kubectl applies it to the current context's namespace (Helm to the release's)
        namespace = default_namespace
    address = object_address(kind, namespace, name)
    resources.append(
        Resource(
            address=address,
            mode="managed",
            type=kind,
            name=name,
            provider="kubernetes",
            provider_source=api_version,
            family=ProviderFamily.KUBERNETES,
            module_address="",
            index=None,
            action=Action.CREATE,
            actions=("create",),
            before=None,
            after=_masked(kind, value),
            config_address=address,
            source=location,
        )
    )


_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_REFERENCE = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_]*\)")


def _masked(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    """The object with Secret values and credential-looking strings masked."""
    if kind == "Secret":
        value = dict(value)
        for field in ("data", "stringData"):
            entries = value.get(field)
            if isinstance(entries, dict):
                value[field] = {key: Sensitive(f"Kubernetes Secret {field}") for key in entries}
        metadata = value.get("metadata")
        notes = metadata.get("annotations") if isinstance(metadata, dict) else None
        if isinstance(metadata, dict) and isinstance(notes, dict) and _LAST_APPLIED in notes:
            # kubectl keeps the whole object there, values included
            value["metadata"] = {
                **metadata,
                "annotations": {**notes, _LAST_APPLIED: Sensitive("last applied Secret")},
            }
    masked = mask_credentials(mask_named_values(value))
    return masked if isinstance(masked, dict) else value


def mask_named_values(node: Any) -> Any:
    """``{name: AWS_SECRET_ACCESS_KEY, value: ...}`` (container env, args lists of
    operators): the value of an entry whose name says it is a secret is masked."""
    if isinstance(node, dict):
        name, value = node.get("name"), node.get("value")
        out = {k: mask_named_values(v) for k, v in node.items()}
        if (
            isinstance(name, str)
            and isinstance(value, str)
            and value
            and is_secret_name(name)
            and not _REFERENCE.fullmatch(value)  # $(OTHER_VAR): a reference, not a secret
        ):
            out["value"] = Sensitive(f"value of {name}")
        return out
    if isinstance(node, list):
        return [mask_named_values(item) for item in node]
    return node
