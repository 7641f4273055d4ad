"""Turn a check's cases file into real ``terraform show -json`` plan documents.

A cases file (``tests/checks/cases/<check-id>.yaml``) is a YAML list of resource changes in a
compact form; a line ``# NOT OK: why`` or ``# OK: why`` marks the *next* ``- address:`` entry
as a case (the check must fire on it, or must not). Entries without a marker are context the
cases need (a bucket policy, a public access block, a data source feeding a policy).

A file may hold several YAML documents separated by ``---``: each is a separate plan, scanned
on its own. Checks that look at a whole stack (is invocation logging configured *anywhere*?)
need one plan per situation.

Keys of an entry:

``address``
    The instance address (``module.team["ml"].aws_iam_role_policy.this``); type, name, module
    address, mode and index are derived from it.
``actions``
    Terraform's action list, default ``[create]``. Data sources default to ``[read]`` (read
    during apply, in ``resource_changes``) when some value is unknown, and otherwise are read
    during planning: they appear only in ``prior_state``, as Terraform writes them.
``before`` / ``after``
    Attribute values. Unknown attributes are left out of ``after`` as Terraform does, whatever
    the entry says. For ``no-op`` a missing ``before`` is ``after`` and the other way round.
``after_unknown``, ``after_sensitive``, ``before_sensitive``
    Terraform's marker trees. ``id`` is unknown on every create unless ``after`` sets it.
``module_address``, ``index``, ``mode``
    Override what the address says (they must agree with it).
``provider``
    Short provider name; default from the type prefix (``aws``, ``google``, ``azurerm``,
    ``azuread``, ``kubernetes``).
``object``
    A Kubernetes object (``apiVersion``, ``kind``, ``metadata``...), for an entry whose
    address is the object's graph node id (``k8s:Deployment/ml/vllm``,
    ``k8s:ClusterRole/view``). Such entries are written to a manifest file scanned with the
    plan, not into the plan.
``references``
    Attribute path → references written in the resource's own module (``bucket:
    [aws_s3_bucket.training.id]``, ``inline_policy.0.policy: [data.x.y.json]``). They become the
    configuration expressions Terraform records, every prefix of the traversal included.

The plan has the shape of Terraform 1.9 (format 1.2): ``planned_values``, ``resource_changes``
with full change objects sorted as Terraform sorts them, ``prior_state``, and ``configuration``
with provider configs, resource blocks, expressions and ``module_calls``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.8"

PROVIDER_SOURCES = {
    "aws": "registry.terraform.io/hashicorp/aws",
    "google": "registry.terraform.io/hashicorp/google",
    "google-beta": "registry.terraform.io/hashicorp/google-beta",
    "azurerm": "registry.terraform.io/hashicorp/azurerm",
    "azuread": "registry.terraform.io/hashicorp/azuread",
    "kubernetes": "registry.terraform.io/hashicorp/kubernetes",
    "time": "registry.terraform.io/hashicorp/time",
    "random": "registry.terraform.io/hashicorp/random",
}

ENTRY_KEYS = frozenset(
    {
        "object",
        "address",
        "actions",
        "before",
        "after",
        "after_unknown",
        "after_sensitive",
        "before_sensitive",
        "module_address",
        "index",
        "provider",
        "mode",
        "references",
    }
)

_VALID_ACTIONS = (
    ["create"],
    ["update"],
    ["delete"],
    ["no-op"],
    ["read"],
    ["forget"],
    ["delete", "create"],
    ["create", "delete"],
)

#: Attributes a provider computes: never written in configuration even when ``after`` knows them.
_COMPUTED = frozenset({"id", "arn", "tags_all", "unique_id", "self_link", "create_date"})

_MARKER_RE = re.compile(r"^\s*#\s*(NOT OK|OK)\s*:\s*(.*?)\s*$")
_LOOSE_MARKER_RE = re.compile(r"^\s*#\s*(NOT OK|OK)\b")
_COMMENT_RE = re.compile(r"^\s*#\s?(.*?)\s*$")
_ENTRY_RE = re.compile(r"^-\s+address\s*:\s*(.+?)\s*$")
_ITEM_RE = re.compile(r"^-(\s|$)")
_SEPARATOR_RE = re.compile(r"^---\s*$")
_ADDRESS_PART_RE = re.compile(
    r'([A-Za-z_][A-Za-z0-9_-]*)(\[(?:"(?:[^"\\]|\\.)*"|-?\d+)\])?(?:\.|$)'
)


class CasesError(ValueError):
    """A cases file is malformed (bad marker placement, unknown key, bad address...)."""


# --------------------------------------------------------------------------------------------
# Cases files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One marked entry: the check must fire on it (NOT OK) or must not (OK)."""

    address: str
    fires: bool
    """True for ``# NOT OK``: the check must report a finding on this address."""
    reason: str
    line: int
    """Line of the entry in the cases file (1-based)."""
    plan: int
    """Number of the plan (YAML document) in the file, 1-based."""

    def describe(self) -> str:
        """``NOT OK line 12: an active key for a batch user``."""
        return f"{'NOT OK' if self.fires else 'OK'} (line {self.line}): {self.reason}"


@dataclass(frozen=True)
class CasePlan:
    """One YAML document of a cases file: the entries of one plan and the cases among them."""

    number: int
    entries: tuple[dict[str, Any], ...]
    cases: tuple[Case, ...]

    @property
    def not_ok(self) -> set[str]:
        """Addresses the check must fire on."""
        return {c.address for c in self.cases if c.fires}

    @property
    def ok(self) -> set[str]:
        """Addresses the check must not fire on."""
        return {c.address for c in self.cases if not c.fires}

    @property
    def plan_entries(self) -> tuple[dict[str, Any], ...]:
        """Entries of the plan (not Kubernetes objects)."""
        return tuple(e for e in self.entries if "object" not in e)

    @property
    def objects(self) -> list[dict[str, Any]]:
        """Kubernetes objects, in file order, for the manifest stream."""
        return [e["object"] for e in self.entries if "object" in e]

    def document(self) -> dict[str, Any]:
        """The plan, as ``terraform show -json`` prints it."""
        return build_plan(self.plan_entries)

    def manifest(self) -> str | None:
        """The Kubernetes objects as a YAML stream, or None when there are none."""
        objects = self.objects
        if not objects:
            return None
        return yaml.safe_dump_all(objects, sort_keys=False, explicit_start=True)


@dataclass(frozen=True)
class CasesFile:
    """A parsed cases file."""

    path: Path
    plans: tuple[CasePlan, ...]

    @property
    def cases(self) -> tuple[Case, ...]:
        """Every case of every plan, in file order."""
        return tuple(c for p in self.plans for c in p.cases)


def read_cases(path: Path) -> CasesFile:
    """Parse a cases file: its YAML documents and the markers of their entries."""
    text = path.read_text(encoding="utf-8")
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise CasesError(f"{path}: not YAML: {exc}") from None
    try:
        markers = parse_markers(text)
    except CasesError as exc:
        raise CasesError(f"{path}: {exc}") from None
    if len(markers) != len(documents):
        raise CasesError(f"{path}: {len(documents)} YAML documents, {len(markers)} with entries")
    plans = []
    seen: dict[str, Case] = {}
    for number, (document, entry_markers) in enumerate(zip(documents, markers, strict=True), 1):
        if not isinstance(document, list):
            raise CasesError(f"{path}: plan {number} is not a YAML list of entries")
        if len(document) != len(entry_markers):
            raise CasesError(
                f"{path}: plan {number} has {len(document)} entries but {len(entry_markers)} "
                "lines starting with '- address:' (every entry must start with its address)"
            )
        cases = []
        for entry, (address, marker, line) in zip(document, entry_markers, strict=True):
            if not isinstance(entry, dict) or entry.get("address") != address:
                raise CasesError(f"{path}:{line}: entry does not start with address {address!r}")
            unknown_keys = set(entry) - ENTRY_KEYS
            if unknown_keys:
                raise CasesError(f"{path}:{line}: unknown keys {sorted(unknown_keys)}")
            if "object" in entry and entry["address"] != object_node_id(entry["object"]):
                raise CasesError(
                    f"{path}:{line}: a Kubernetes object's address is its node id: "
                    f"{object_node_id(entry['object'])}"
                )
            if marker is not None:
                kind, reason = marker
                case = Case(address, kind == "NOT OK", reason, line, number)
                if address in seen:
                    raise CasesError(
                        f"{path}:{line}: {address} is already a case (line {seen[address].line}); "
                        "use distinct addresses so findings and snapshots name one case"
                    )
                seen[address] = case
                cases.append(case)
        plans.append(CasePlan(number, tuple(document), tuple(cases)))
    return CasesFile(path, tuple(plans))


#: Kinds without a namespace, for the node ids of cases' objects.
_CLUSTER_KINDS = {
    "ClusterRole", "ClusterRoleBinding", "Namespace", "Node", "PersistentVolume",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "StorageClass",
    "PriorityClass", "CustomResourceDefinition",
}  # fmt: skip


def object_node_id(value: Any) -> str:
    """``k8s:KIND/NAMESPACE/NAME`` (``default`` when unset), ``k8s:KIND/NAME`` if cluster-wide."""
    if not isinstance(value, dict):
        raise CasesError("object: not a mapping")
    kind = value.get("kind")
    metadata = value.get("metadata") or {}
    name = metadata.get("name")
    if kind in _CLUSTER_KINDS:
        return f"k8s:{kind}/{name}"
    return f"k8s:{kind}/{metadata.get('namespace') or 'default'}/{name}"


def parse_markers(text: str) -> list[list[tuple[str, tuple[str, str] | None, int]]]:
    """Per YAML document, per entry: ``(address, (kind, reason) or None, line)``.

    Line-based: a ``# NOT OK: why`` / ``# OK: why`` comment applies to the next line starting
    with ``- address:``; comment lines right after a marker continue its reason. A marker with
    nothing after it, two markers in a row and a marker left at the end of a document are
    errors, so that no case is silently dropped.
    """
    documents: list[list[tuple[str, tuple[str, str] | None, int]]] = [[]]
    pending: tuple[str, str, int] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if _SEPARATOR_RE.match(line):
            if pending is not None:
                raise CasesError(f"line {pending[2]}: marker before the end of a document")
            if documents[-1]:
                documents.append([])
            continue
        marker = _MARKER_RE.match(line)
        if marker is not None:
            if not marker.group(2):
                raise CasesError(f"line {number}: a marker says why: '# {marker.group(1)}: why'")
            if pending is not None:
                raise CasesError(f"line {number}: two markers for one entry (line {pending[2]})")
            pending = (marker.group(1), marker.group(2), number)
            continue
        if _LOOSE_MARKER_RE.match(line):
            raise CasesError(f"line {number}: malformed marker (write '# OK: why')")
        continued = _COMMENT_RE.match(line)
        if continued is not None:
            if pending is not None and continued.group(1):
                # A comment right after a marker goes on explaining it.
                pending = (pending[0], f"{pending[1]} {continued.group(1)}", pending[2])
            continue
        entry = _ENTRY_RE.match(line)
        if entry is not None:
            address = yaml.safe_load(entry.group(1))
            if not isinstance(address, str):
                raise CasesError(f"line {number}: address is not a string")
            documents[-1].append((address, (pending[0], pending[1]) if pending else None, number))
            pending = None
        elif _ITEM_RE.match(line):
            raise CasesError(f"line {number}: an entry must start with '- address:'")
    if pending is not None:
        raise CasesError(f"line {pending[2]}: marker at the end of the file applies to nothing")
    return [d for d in documents if d]


# --------------------------------------------------------------------------------------------
# Addresses and references
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """The parts of a resource instance address."""

    module_address: str
    """``module.a["x"].module.b``, empty for the root module."""
    modules: tuple[str, ...]
    """Module call names, without keys: ``("a", "b")``."""
    mode: str
    type: str
    name: str
    index: int | str | None

    @property
    def local(self) -> str:
        """Address of the resource block inside its module: ``data.x.y`` or ``x.y``."""
        return (
            f"data.{self.type}.{self.name}" if self.mode == "data" else f"{self.type}.{self.name}"
        )

    @property
    def config_address(self) -> str:
        """Absolute address of the resource block: no instance keys."""
        return "".join(f"module.{m}." for m in self.modules) + self.local


def parse_address(address: str) -> Address:
    """Split an instance address; instance keys may be quoted strings holding dots."""
    parts: list[tuple[str, str | None]] = []
    position = 0
    while position < len(address):
        match = _ADDRESS_PART_RE.match(address, position)
        if match is None:
            raise CasesError(f"malformed address {address!r} at {address[position:]!r}")
        key = match.group(2)
        parts.append((match.group(1), key[1:-1] if key else None))
        position = match.end()
    module_parts: list[str] = []
    modules: list[str] = []
    while len(parts) >= 2 and parts[0][0] == "module":
        call, key = parts[1]
        modules.append(call)
        module_parts.append(f"module.{call}" + (f"[{key}]" if key is not None else ""))
        if parts[0][1] is not None:
            raise CasesError(f"malformed address {address!r}")
        parts = parts[2:]
    mode = "managed"
    if parts and parts[0][0] == "data":
        mode = "data"
        parts = parts[1:]
    if len(parts) != 2 or parts[0][1] is not None:
        raise CasesError(f"malformed address {address!r}: expected [data.]TYPE.NAME[KEY]")
    (type_, _), (name, key) = parts
    index: int | str | None = None if key is None else json.loads(key)
    return Address(".".join(module_parts), tuple(modules), mode, type_, name, index)


_SUBJECT_HEADS = {"var", "local", "each", "count", "path", "self", "terraform"}


def _traversal(reference: str) -> list[str]:
    return re.findall(r"\[[^\]]*\]|[^.\[\]]+", reference)


def _join(steps: list[str]) -> str:
    out = ""
    for step in steps:
        out += step if step.startswith("[") else (f".{step}" if out else step)
    return out


def expand_reference(reference: str) -> list[str]:
    """Terraform's list for one reference: the reference, each shorter prefix of its
    traversal down to the object, and for an instance the resource itself.

    ``aws_s3_bucket.b["x"].id`` → ``aws_s3_bucket.b["x"].id``, ``aws_s3_bucket.b["x"]``,
    ``aws_s3_bucket.b``; ``module.m.out`` → ``module.m.out``, ``module.m``.
    """
    steps = _traversal(reference)
    head = steps[0]
    if head == "module":
        return [reference, _join(steps[:2])] if len(steps) > 2 else [reference]
    size = 2 if head in _SUBJECT_HEADS else (3 if head == "data" else 2)
    if head not in _SUBJECT_HEADS and len(steps) > size and steps[size].startswith("["):
        size += 1
    subject, rest = steps[:size], steps[size:]
    out = []
    while rest:
        out.append(_join(subject + rest))
        rest = rest[:-1]
    out.append(_join(subject))
    if head not in _SUBJECT_HEADS and subject[-1].startswith("["):
        out.append(_join(subject[:-1]))
    return out


# --------------------------------------------------------------------------------------------
# Value trees
# --------------------------------------------------------------------------------------------


def _omit_unknowns(value: Any, marker: Any) -> Any:
    """Terraform's omitUnknowns: unknown attributes are left out, unknown list items are null."""
    if marker is True:
        return None
    if isinstance(marker, dict) and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            sub = marker.get(key)
            if sub is True:
                continue
            out[key] = _omit_unknowns(item, sub)
        return out
    if isinstance(marker, list) and isinstance(value, list):
        return [
            _omit_unknowns(item, marker[i] if i < len(marker) else None)
            for i, item in enumerate(value)
        ]
    return value


def _path(text: str) -> list[str | int]:
    return [int(step) if step.isdigit() else step for step in text.split(".")]


# --------------------------------------------------------------------------------------------
# Building the plan
# --------------------------------------------------------------------------------------------


@dataclass
class _Change:
    address: str
    parsed: Address
    provider: str
    actions: list[str]
    before: Any
    after: Any
    after_unknown: Any
    after_sensitive: Any
    before_sensitive: Any
    references: dict[str, list[str]]
    read_during_plan: bool

    @property
    def provider_name(self) -> str:
        return PROVIDER_SOURCES.get(
            self.provider, f"registry.terraform.io/hashicorp/{self.provider}"
        )

    @property
    def exists_after(self) -> bool:
        return self.actions not in (["delete"], ["forget"])

    def identity(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address}
        if self.parsed.module_address:
            out["module_address"] = self.parsed.module_address
        out.update(mode=self.parsed.mode, type=self.parsed.type, name=self.parsed.name)
        if self.parsed.index is not None:
            out["index"] = self.parsed.index
        out["provider_name"] = self.provider_name
        return out

    def sort_key(self) -> tuple[str, bool, str, str, str]:
        # Terraform orders changes by module, then data before managed, type, name and key.
        index = "" if self.parsed.index is None else str(self.parsed.index)
        return (
            self.parsed.module_address,
            self.parsed.mode != "data",
            self.parsed.type,
            self.parsed.name,
            index,
        )


def _change(entry: dict[str, Any]) -> _Change:
    address = entry["address"]
    parsed = parse_address(address)
    for key, derived in (
        ("module_address", parsed.module_address),
        ("mode", parsed.mode),
        ("index", parsed.index),
    ):
        if key in entry and entry[key] != derived:
            raise CasesError(f"{address}: {key} {entry[key]!r} disagrees with the address")
    provider = entry.get("provider") or parsed.type.split("_", 1)[0]
    after_unknown = copy.deepcopy(entry.get("after_unknown") or {})
    actions = entry.get("actions")
    read_during_plan = False
    if actions is None:
        if parsed.mode == "data":
            actions = ["read"]
            read_during_plan = not after_unknown
        else:
            actions = ["create"]
    if actions not in _VALID_ACTIONS:
        raise CasesError(f"{address}: unsupported action list {actions!r}")
    if parsed.mode == "data" and actions != ["read"]:
        raise CasesError(f"{address}: a data source is read, not {actions!r}")
    before = copy.deepcopy(entry.get("before"))
    after = copy.deepcopy(entry.get("after"))
    if actions in (["delete"], ["forget"]):
        if after is not None:
            raise CasesError(f"{address}: a deleted resource has no 'after'")
        before = before if before is not None else {}
    elif actions == ["no-op"]:
        before = after if before is None else before
        after = before if after is None else after
    elif actions in (["update"], ["delete", "create"], ["create", "delete"]):
        after = after if after is not None else {}
        before = before if before is not None else _omit_unknowns(after, after_unknown)
    else:  # create, read
        if before is not None:
            raise CasesError(f"{address}: {actions[0]} has no 'before'")
        after = after if after is not None else {}
    if (
        actions in (["create"], ["delete", "create"], ["create", "delete"], ["read"])
        and isinstance(after, dict)
        and "id" not in after
        and not read_during_plan
    ):
        after_unknown.setdefault("id", True)
    if after is not None:
        after = _omit_unknowns(after, after_unknown)
    references = {
        str(path): list(refs) if isinstance(refs, list) else [refs]
        for path, refs in (entry.get("references") or {}).items()
    }
    after_sensitive = entry.get("after_sensitive")
    before_sensitive = entry.get("before_sensitive")
    if actions == ["no-op"] and before_sensitive is None:
        before_sensitive = after_sensitive  # the same object, the same markers
    return _Change(
        address=address,
        parsed=parsed,
        provider=provider,
        actions=list(actions),
        before=before,
        after=after,
        after_unknown=after_unknown if after is not None else {},
        after_sensitive=(after_sensitive or {}) if after is not None else False,
        before_sensitive=(before_sensitive or {}) if before is not None else False,
        references=references,
        read_during_plan=read_during_plan,
    )


def _state_entry(change: _Change, values: Any, sensitive: Any) -> dict[str, Any]:
    out = {k: v for k, v in change.identity().items() if k != "module_address"}
    out["schema_version"] = 0
    out["values"] = values if values is not None else {}
    out["sensitive_values"] = sensitive if isinstance(sensitive, dict | list) else {}
    return out


def _module_tree(entries: Iterable[tuple[Address, dict[str, Any]]]) -> dict[str, Any]:
    """Group state entries into ``root_module`` with nested ``child_modules``."""
    tree: dict[str, Any] = {"resources": []}
    children: dict[str, dict[str, Any]] = {}

    def node(module_address: str) -> dict[str, Any]:
        if not module_address:
            return tree
        if module_address not in children:
            parent_address = module_address.rsplit(".module.", 1)[0]
            parent = node("" if parent_address == module_address else parent_address)
            child: dict[str, Any] = {"resources": [], "address": module_address}
            parent.setdefault("child_modules", []).append(child)
            children[module_address] = child
        return children[module_address]

    for parsed, entry in entries:
        node(parsed.module_address)["resources"].append(entry)
    return tree


def _constant_expressions(values: Any, sensitive: Any) -> dict[str, Any]:
    """Expressions of the literal arguments of a block: nested blocks (lists of objects) as
    lists of expression objects, everything else as ``constant_value``."""
    out: dict[str, Any] = {}
    if not isinstance(values, dict):
        return out
    for key, value in values.items():
        if key in _COMPUTED or value is None or value in ([], {}):
            continue
        marker = sensitive.get(key) if isinstance(sensitive, dict) else None
        if marker is True:
            continue  # written from a sensitive variable in real configurations
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[key] = [
                _constant_expressions(
                    item, marker[i] if isinstance(marker, list) and i < len(marker) else None
                )
                for i, item in enumerate(value)
            ]
        else:
            out[key] = {"constant_value": value}
    return out


def _set_reference(expressions: dict[str, Any], path: Sequence[str | int], refs: list[str]) -> None:
    expanded: list[str] = []
    for ref in refs:
        expanded.extend(r for r in expand_reference(ref) if r not in expanded)
    node: Any = expressions
    for position, step in enumerate(path):
        last = position == len(path) - 1
        if isinstance(step, int):
            if not isinstance(node, list):
                raise CasesError(f"reference path {path!r}: {step} indexes a non-block")
            while len(node) <= step:
                node.append({})
            if last:
                raise CasesError(f"reference path {path!r} ends in a block index")
            node = node[step]
            continue
        following = path[position + 1] if not last else None
        if last:
            node[step] = {"references": expanded}
        elif isinstance(following, int):
            if not isinstance(node.get(step), list):
                node[step] = []
            node = node[step]
        else:
            if not isinstance(node.get(step), dict) or "constant_value" in node[step]:
                node[step] = {}
            node = node[step]


def _block(changes: list[_Change]) -> dict[str, Any]:
    """The configuration of one resource block, from its instances."""
    first = changes[0]
    parsed = first.parsed
    values = first.after if first.after is not None else first.before
    sensitive = first.after_sensitive if first.after is not None else first.before_sensitive
    expressions = _constant_expressions(values, sensitive)
    for change in changes:
        for path, refs in change.references.items():
            _set_reference(expressions, _path(path), refs)
    block: dict[str, Any] = {
        "address": parsed.local,
        "mode": parsed.mode,
        "type": parsed.type,
        "name": parsed.name,
        "provider_config_key": first.provider,
        "expressions": dict(sorted(expressions.items())),
        "schema_version": 0,
    }
    keys = [c.parsed.index for c in changes if c.parsed.index is not None]
    if any(isinstance(k, str) for k in keys):
        block["for_each_expression"] = {"constant_value": {str(k): str(k) for k in keys}}
    elif keys:
        block["count_expression"] = {"constant_value": max(int(k) for k in keys) + 1}
    return block


def _configuration(changes: list[_Change]) -> dict[str, Any]:
    providers = sorted({c.provider for c in changes})
    root: dict[str, Any] = {"resources": []}
    modules: dict[tuple[str, ...], dict[str, Any]] = {(): root}
    call_keys: dict[tuple[str, ...], set[int | str]] = {}

    def module(path: tuple[str, ...]) -> dict[str, Any]:
        if path not in modules:
            parent = module(path[:-1])
            child: dict[str, Any] = {"resources": []}
            call = {"source": f"./modules/{path[-1]}", "expressions": {}, "module": child}
            parent.setdefault("module_calls", {})[path[-1]] = call
            modules[path] = child
        return modules[path]

    blocks: dict[str, list[_Change]] = {}
    for change in changes:
        blocks.setdefault(change.parsed.config_address, []).append(change)
        for depth, key in enumerate(_module_keys(change.parsed.module_address), 1):
            if key is not None:
                call_keys.setdefault(change.parsed.modules[:depth], set()).add(key)
    for instances in blocks.values():
        module(instances[0].parsed.modules)["resources"].append(_block(instances))
    for path, instance_keys in call_keys.items():
        call = module(path[:-1])["module_calls"][path[-1]]
        if any(isinstance(k, str) for k in instance_keys):
            names = sorted(str(k) for k in instance_keys)
            call["for_each_expression"] = {"constant_value": {k: k for k in names}}
        else:
            call["count_expression"] = {"constant_value": max(int(k) for k in instance_keys) + 1}
    for entry in modules.values():
        entry["resources"].sort(key=lambda b: b["address"])
    return {
        "provider_config": {
            name: {"name": name, "full_name": PROVIDER_SOURCES.get(name, name)}
            for name in providers
        },
        "root_module": root,
    }


def _module_keys(module_address: str) -> list[int | str | None]:
    if not module_address:
        return []
    keys: list[int | str | None] = []
    for match in re.finditer(
        r'module\.[A-Za-z_][A-Za-z0-9_-]*(\[("(?:[^"\\]|\\.)*"|-?\d+)\])?', module_address
    ):
        keys.append(json.loads(match.group(2)) if match.group(2) else None)
    return keys


def build_plan(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A plan document in the shape ``terraform show -json`` prints (format 1.2)."""
    changes = [_change(dict(e)) for e in entries]
    addresses = [c.address for c in changes]
    duplicates = sorted({a for a in addresses if addresses.count(a) > 1})
    if duplicates:
        raise CasesError(f"duplicate addresses in one plan: {duplicates}")
    changes.sort(key=_Change.sort_key)
    in_changes = [c for c in changes if not c.read_during_plan]

    resource_changes = []
    for change in in_changes:
        entry = change.identity()
        entry["change"] = {
            "actions": change.actions,
            "before": change.before,
            "after": change.after,
            "after_unknown": change.after_unknown,
            "before_sensitive": change.before_sensitive,
            "after_sensitive": change.after_sensitive,
        }
        if change.actions == ["read"]:
            entry["action_reason"] = "read_because_config_unknown"
        resource_changes.append(entry)

    planned = [
        (c.parsed, _state_entry(c, c.after, c.after_sensitive))
        for c in in_changes
        if c.exists_after
    ]
    prior = [
        (c.parsed, _state_entry(c, c.after, c.after_sensitive))
        for c in changes
        if c.read_during_plan
    ] + [
        (c.parsed, _state_entry(c, c.before, c.before_sensitive))
        for c in in_changes
        if c.before is not None and c.parsed.mode == "managed"
    ]
    return {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "variables": {},
        "planned_values": {"root_module": _module_tree(planned)},
        "resource_changes": resource_changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": TERRAFORM_VERSION,
            "values": {"root_module": _module_tree(prior)},
        },
        "configuration": _configuration(changes),
        "timestamp": "2025-01-01T00:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
