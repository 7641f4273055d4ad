"""The provider-independent half of the example plan generators.

`examples/ai-stack/build_plan.py` and `examples/gcp-stack/build_plan.py` declare
resources; this module turns the declarations into the JSON that
`terraform show -json` prints for a saved plan (format_version 1.2). Stdlib
only and deterministic: the same declarations always give the same bytes.

A generator declares, on one `Plan`:

- every resource instance ONCE (`Plan.resource`), as its full planned value
  and, for resources that already exist, its prior value, with two kinds of
  markers:

    U / UL / UM   value known only after apply (primitive / list or set / map
                  or object); Terraform omits such attributes from "after",
                  puts null for them inside lists, and sets them true in
                  after_unknown.
    S(value)      sensitive value; Terraform still prints the value in
                  "after", "before", planned_values and prior_state, and marks
                  it true in after_sensitive / before_sensitive /
                  sensitive_values.

- the configuration blocks (`Plan.block`, with the expression helpers `r`,
  `c` and `e`), module calls, locals, variables and outputs;
- the data sources read during planning (`Plan.prior_data`: prior_state only).

From those the plan derives, so that they cannot disagree: resource_changes
(after, after_unknown, after_sensitive, before_sensitive), planned_values,
prior_state (with depends_on), configuration (expressions with Terraform's
reference-prefix lists), output_changes and relevant_attributes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------
# Value markers and the derivations Terraform applies to planned values
# ---------------------------------------------------------------------------


class _Unknown:
    def __init__(self, kind: str) -> None:
        self.kind = kind  # "primitive" | "list" | "map"

    def __repr__(self) -> str:
        return {"primitive": "U", "list": "UL", "map": "UM"}[self.kind]


U = _Unknown("primitive")
UL = _Unknown("list")
UM = _Unknown("map")


class S:
    """A sensitive value (the value itself is still written, as Terraform does)."""

    def __init__(self, value: Any) -> None:
        self.value = value


_OMIT = object()


def unmark(v: Any) -> Any:
    """The value with sensitive markers removed (must be wholly known)."""
    if isinstance(v, S):
        return unmark(v.value)
    if isinstance(v, _Unknown):
        raise ValueError("unknown value where a known one is required")
    if isinstance(v, dict):
        return {k: unmark(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unmark(x) for x in v]
    return v


def omit_unknowns(v: Any) -> Any:
    """Terraform's omitUnknowns: drop unknown attributes, null unknown list items."""
    if isinstance(v, S):
        return omit_unknowns(v.value)
    if isinstance(v, _Unknown):
        return _OMIT
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            r = omit_unknowns(x)
            if r is not _OMIT:
                out[k] = r
        return out
    if isinstance(v, list):
        return [None if (r := omit_unknowns(x)) is _OMIT else r for x in v]
    return v


def wholly_known(v: Any) -> bool:
    """True when no part of the value is unknown."""
    if isinstance(v, S):
        return wholly_known(v.value)
    if isinstance(v, _Unknown):
        return False
    if isinstance(v, dict):
        return all(wholly_known(x) for x in v.values())
    if isinstance(v, list):
        return all(wholly_known(x) for x in v)
    return True


def unknown_as_bool(v: Any) -> Any:
    """Terraform's unknownAsBool (the after_unknown skeleton)."""
    if isinstance(v, S):
        return unknown_as_bool(v.value)
    if isinstance(v, _Unknown):
        return True
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            b = unknown_as_bool(x)
            if b is not False:
                out[k] = b
        return out
    if isinstance(v, list):
        return [unknown_as_bool(x) for x in v]
    return False


def sensitive_as_bool(v: Any) -> Any:
    """Terraform's SensitiveAsBool (after_sensitive / sensitive_values skeleton)."""
    if isinstance(v, S):
        return True
    if isinstance(v, _Unknown):
        return {"primitive": False, "list": [], "map": {}}[v.kind]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            b = sensitive_as_bool(x)
            if b is not False:
                out[k] = b
        return out
    if isinstance(v, list):
        return [sensitive_as_bool(x) for x in v]
    return False


def jsonencode(obj: Any) -> str:
    """HCL jsonencode(): object keys sorted, no whitespace."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------
# Addresses, actions and resource instances
# ---------------------------------------------------------------------------

ADDRESS = re.compile(
    r"^(?P<module>(?:module\.[A-Za-z0-9_-]+\.)*)(?P<data>data\.)?"
    r'(?P<type>[A-Za-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?P<index>\[(?:"[^"]*"|\d+)\])?$'
)

ACTIONS = {
    "create": ["create"],
    "read": ["read"],
    "no-op": ["no-op"],
    "update": ["update"],
    "delete": ["delete"],
    "replace": ["delete", "create"],
}


class ResourceInstance:
    """One resource instance in the plan.

    action: create | read | no-op | update | delete | replace
    before: prior (refreshed) value, for resources that already exist
    after:  planned value (for no-op it is `before`; for update it is `before`
            with `changes` applied)
    deps:   state dependencies, only for resources no longer in configuration
    """

    def __init__(
        self,
        address: str,
        action: str,
        *,
        provider_name: str,
        schema_version: int,
        before: Any = None,
        after: Any = None,
        changes: dict[str, Any] | None = None,
        reason: str | None = None,
        previous_address: str | None = None,
        replace_paths: list[list[Any]] | None = None,
        deps: list[str] | None = None,
    ) -> None:
        m = ADDRESS.match(address)
        if not m:
            raise ValueError(address)
        self.address = address
        self.module = m["module"][:-1] if m["module"] else ""
        self.mode = "data" if m["data"] else "managed"
        self.type = m["type"]
        self.name = m["name"]
        self.index = json.loads(m["index"][1:-1]) if m["index"] else None
        self.action = action
        self.before = before
        if action == "no-op":
            after = before
        elif action == "update":
            after = {**before, **(changes or {})}
        elif action == "delete":
            after = None
        self.after = after
        self.reason = reason
        self.previous_address = previous_address
        self.replace_paths = replace_paths
        self.deps = deps
        self.provider_name = provider_name
        self.schema_version = schema_version

    @property
    def config_address(self) -> str:
        """Module-qualified address of the configuration block (no index)."""
        local = ("data." if self.mode == "data" else "") + f"{self.type}.{self.name}"
        return f"{self.module}.{local}" if self.module else local

    def sort_key(self) -> tuple[str, bool, str, str, str]:
        """Terraform's order: module, then mode (data before managed), type, name, key."""
        return (
            self.module,
            self.mode != "data",
            self.type,
            self.name,
            "" if self.index is None else str(self.index),
        )


# ---------------------------------------------------------------------------
# Configuration expressions
# ---------------------------------------------------------------------------

SUBJECT_HEADS = {"var", "local", "each", "count", "path", "self", "terraform"}


def _split(ref: str) -> list[str]:
    return re.findall(r"\[[^\]]*\]|[^.\[\]]+", ref)


def _join(tokens: list[str]) -> str:
    out = ""
    for t in tokens:
        out += t if t.startswith("[") else ("." + t if out else t)
    return out


def _subject(tokens: list[str]) -> list[str]:
    """The referenceable object a traversal starts with."""
    head = tokens[0]
    if head in SUBJECT_HEADS or head == "module":
        return tokens[:2]
    n = 3 if head == "data" else 2
    if len(tokens) > n and tokens[n].startswith("["):
        n += 1
    return tokens[:n]


def expand_reference(ref: str) -> list[str]:
    """Terraform's list for one reference: the reference, each shorter prefix of
    its remaining traversal, the object, and (for an instance) the resource or
    (for a module output) the module call."""
    tokens = _split(ref)
    subj = _subject(tokens)
    rem = tokens[len(subj) :]
    out = []
    if tokens[0] == "module":
        return [ref, _join(tokens[:2])] if len(tokens) > 2 else [ref]
    while rem:
        out.append(_join(subj + rem))
        rem = rem[:-1]
    out.append(_join(subj))
    if tokens[0] not in SUBJECT_HEADS and subj[-1].startswith("["):
        out.append(_join(subj[:-1]))
    return out


class _Refs(dict):  # type: ignore[type-arg]
    """{"references": [...]} that remembers the references as written."""

    def __init__(self, refs: tuple[str, ...]) -> None:
        super().__init__(references=[x for ref in refs for x in expand_reference(ref)])
        self.written = list(refs)


def r(*refs: str) -> dict[str, Any]:
    """An expression that references other objects (refs as written in HCL)."""
    return _Refs(refs)


def c(value: Any) -> dict[str, Any]:
    """A constant expression."""
    return {"constant_value": value}


def e() -> dict[str, Any]:
    """A function call without references (e.g. jsonencode of literals, toset)."""
    return {}


def _walk_refs(expr: Any) -> Iterator[str]:
    """Every reference written in an expression tree (nested blocks included)."""
    if isinstance(expr, _Refs):
        yield from expr.written
    elif isinstance(expr, dict):
        for v in expr.values():
            yield from _walk_refs(v)
    elif isinstance(expr, list):
        for v in expr:
            yield from _walk_refs(v)


def _qualify(module: str, addr: str) -> str:
    return f"{module}.{addr}" if module else addr


def _config_resource(addr: str) -> str:
    """Strip an instance key: kubernetes_namespace_v1.workload["x"] -> ...workload."""
    return re.sub(r"\[[^\]]*\]$", "", addr)


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


class Plan:
    """The declarations of one plan, and the derivation of its JSON.

    providers maps a resource type's prefix (``aws``, ``google``) to the
    provider's source address; schema_versions gives the schema version of the
    types whose version is not 0; default_provider is the provider_config_key of
    configuration blocks that name none.
    """

    def __init__(
        self,
        *,
        terraform_version: str,
        timestamp: str,
        providers: dict[str, str],
        schema_versions: dict[str, int],
        default_provider: str,
    ) -> None:
        self.terraform_version = terraform_version
        self.timestamp = timestamp
        self.providers = providers
        self.schema_versions = schema_versions
        self.default_provider = default_provider
        self.resources: list[ResourceInstance] = []
        #: Data sources read while planning: address -> values (prior_state only).
        self.prior_data: dict[str, Any] = {}
        self.provider_config: dict[str, Any] = {}
        #: Configuration blocks of the root module (made with `block`).
        self.root_resources: list[dict[str, Any]] = []
        #: name -> {"source", "expressions", "module": {"outputs", "resources", "variables"}}
        self.module_calls: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.root_variables: dict[str, Any] = {}
        #: Values given for the root variables (tfvars, TF_VAR_*); sensitive ones in clear,
        #: as Terraform prints them.
        self.variable_values: dict[str, Any] = {}
        #: name -> expression
        self.root_outputs: dict[str, Any] = {}
        #: name -> (before, after); None before = not in prior state, U after = unknown.
        self.output_values: dict[str, tuple[Any, Any]] = {}

    # -- declarations -------------------------------------------------------

    def provider_of(self, type_: str) -> str:
        """The provider source address of a resource type."""
        return self.providers[type_.split("_", 1)[0]]

    def resource(self, address: str, action: str, **kwargs: Any) -> ResourceInstance:
        """Declare one resource instance (see `ResourceInstance`)."""
        m = ADDRESS.match(address)
        if not m:
            raise ValueError(address)
        res = ResourceInstance(
            address,
            action,
            provider_name=self.provider_of(m["type"]),
            schema_version=self.schema_versions.get(m["type"], 0),
            **kwargs,
        )
        self.resources.append(res)
        return res

    def block(
        self,
        address: str,
        expressions: dict[str, Any] | None = None,
        *,
        depends_on: list[str] | None = None,
        for_each: dict[str, Any] | None = None,
        count: dict[str, Any] | None = None,
        provider: str | None = None,
    ) -> dict[str, Any]:
        """A configuration block, as `configuration.*.resources[]` prints it."""
        m = ADDRESS.match(address)
        if not m:
            raise ValueError(address)
        entry: dict[str, Any] = {
            "address": address,
            "mode": "data" if m["data"] else "managed",
            "type": m["type"],
            "name": m["name"],
            "provider_config_key": provider or self.default_provider,
        }
        if expressions:
            entry["expressions"] = dict(sorted(expressions.items()))
        entry["schema_version"] = self.schema_versions.get(m["type"], 0)
        if count is not None:
            entry["count_expression"] = count
        if for_each is not None:
            entry["for_each_expression"] = for_each
        if depends_on:
            entry["depends_on"] = depends_on
        return entry

    # -- reference resolution (state depends_on, relevant_attributes) --------

    def _config_blocks(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(module path, config entry) for every resource block."""
        for entry in self.root_resources:
            yield "", entry
        for name, call in self.module_calls.items():
            for entry in call["module"]["resources"]:
                yield f"module.{name}", entry

    def _resolve(
        self, module: str, ref: str, seen: set[tuple[str, str]] | None = None
    ) -> Iterator[tuple[str, list[Any]]]:
        """Follow a reference through variables, locals and module outputs down to
        the resources it reads: yields (resource address, attribute path)."""
        seen = set() if seen is None else seen
        key = (module, ref)
        if key in seen:
            return
        seen.add(key)
        tokens = _split(ref)
        head = tokens[0]
        if head == "var":
            if module:
                call = self.module_calls[module.split(".")[1]]
                expr = call["expressions"].get(tokens[1], {})
                for inner in _walk_refs(expr):
                    yield from self._resolve("", inner, seen)
            return
        if head == "local":
            for inner in _walk_refs(self.locals.get(tokens[1], {})):
                yield from self._resolve(module, inner, seen)
            return
        if head == "module":
            out = self.module_calls[tokens[1]]["module"]["outputs"][tokens[2]]["expression"]
            for inner in _walk_refs(out):
                yield from self._resolve(f"module.{tokens[1]}", inner, seen)
            return
        if head in SUBJECT_HEADS:
            return
        subj = _subject(tokens)
        attr: list[Any] = []
        for t in tokens[len(subj) :]:
            if t.startswith("["):
                inner = t[1:-1]
                attr.append(int(inner) if inner.isdigit() else json.loads(inner))
            else:
                attr.append(t)
        yield _qualify(module, _join(subj)), attr

    def _direct_deps(self) -> dict[str, set[str]]:
        deps = {}
        for module, entry in self._config_blocks():
            addr = _qualify(module, entry["address"])
            found = set()
            for ref in _walk_refs(entry.get("expressions", {})):
                for target, _ in self._resolve(module, ref):
                    found.add(_config_resource(target))
            for d in entry.get("depends_on", []):
                found.add(_qualify(module, d))
            deps[addr] = found
        return deps

    def state_dependencies(self, res: ResourceInstance) -> list[str]:
        """depends_on of a resource in prior_state: everything its block reads, transitively."""
        if res.deps is not None:
            return sorted(res.deps)
        direct = self._direct_deps()
        out: set[str] = set()
        todo = list(direct.get(res.config_address, ()))
        while todo:
            d = todo.pop()
            if d not in out:
                out.add(d)
                todo.extend(direct.get(d, ()))
        return sorted(out)

    def relevant_attributes(self) -> list[dict[str, Any]]:
        """Resource attributes that the planned changes read (Terraform lists these so
        that drift in them can be reported)."""
        changing = {res.config_address for res in self.resources if res.action != "no-op"}
        found = {}
        for module, entry in self._config_blocks():
            if _qualify(module, entry["address"]) not in changing:
                continue
            for ref in _walk_refs(entry.get("expressions", {})):
                for target, attr in self._resolve(module, ref):
                    found[(target, json.dumps(attr))] = {"resource": target, "attribute": attr}
        for name, expr in self.root_outputs.items():
            before, after = self.output_values[name]
            if before is not None and before == after:
                continue
            for ref in _walk_refs(expr):
                for target, attr in self._resolve("", ref):
                    found[(target, json.dumps(attr))] = {"resource": target, "attribute": attr}
        return [found[k] for k in sorted(found)]

    # -- assembly -----------------------------------------------------------

    @staticmethod
    def _identity(res: ResourceInstance) -> dict[str, Any]:
        out: dict[str, Any] = {
            "address": res.address,
            "mode": res.mode,
            "type": res.type,
            "name": res.name,
        }
        if res.index is not None:
            out["index"] = res.index
        out["provider_name"] = res.provider_name
        return out

    def _state_entry(
        self,
        address: str,
        mode: str,
        type_: str,
        name: str,
        index: Any,
        provider_name: str,
        value: Any,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"address": address, "mode": mode, "type": type_, "name": name}
        if index is not None:
            out["index"] = index
        out["provider_name"] = provider_name
        out["schema_version"] = self.schema_versions.get(type_, 0)
        values = omit_unknowns(value)
        if values:
            out["values"] = values
        out["sensitive_values"] = sensitive_as_bool(value)
        return out

    @staticmethod
    def _module_tree(
        entries: list[tuple[str, dict[str, Any]]], *, data_first: bool
    ) -> dict[str, Any]:
        """Group (module path, entry) pairs into root_module / child_modules."""

        def order(e: dict[str, Any]) -> Any:
            if data_first:
                return (e["mode"] != "data", e["type"], e["name"], json.dumps(e.get("index")))
            return e["address"]

        root = sorted((e for m, e in entries if not m), key=order)
        children: dict[str, list[dict[str, Any]]] = {}
        for m, e in entries:
            if m:
                children.setdefault(m, []).append(e)
        tree: dict[str, Any] = {}
        if root:
            tree["resources"] = root
        if children:
            tree["child_modules"] = [
                {"resources": sorted(children[m], key=order), "address": m}
                for m in sorted(children)
            ]
        return tree

    def resource_changes(self) -> list[dict[str, Any]]:
        """`resource_changes`, in Terraform's order."""
        out = []
        for res in sorted(self.resources, key=ResourceInstance.sort_key):
            entry: dict[str, Any] = {"address": res.address}
            if res.previous_address:
                entry["previous_address"] = res.previous_address
            if res.module:
                entry["module_address"] = res.module
            entry.update({k: v for k, v in self._identity(res).items() if k != "address"})
            after = res.after
            change = {
                "actions": ACTIONS[res.action],
                "before": None if res.before is None else unmark(res.before),
                "after": None if after is None else omit_unknowns(after),
                "after_unknown": {}
                if after is None or wholly_known(after)
                else unknown_as_bool(after),
                "before_sensitive": False if res.before is None else sensitive_as_bool(res.before),
                "after_sensitive": False if after is None else sensitive_as_bool(after),
            }
            if res.replace_paths:
                change["replace_paths"] = res.replace_paths
            entry["change"] = change
            if res.reason:
                entry["action_reason"] = res.reason
            out.append(entry)
        return out

    def planned_values(self) -> dict[str, Any]:
        """`planned_values`: every instance that will exist after apply."""
        entries = []
        for res in self.resources:
            if res.action == "delete":
                continue
            e = self._state_entry(
                res.address, res.mode, res.type, res.name, res.index, res.provider_name, res.after
            )
            entries.append((res.module, e))
        outputs = {}
        for name in sorted(self.output_values):
            _, after = self.output_values[name]
            outputs[name] = (
                {"sensitive": False}
                if isinstance(after, _Unknown)
                else {"sensitive": False, "type": "string", "value": after}
            )
        out: dict[str, Any] = {}
        if outputs:
            out["outputs"] = outputs
        out["root_module"] = self._module_tree(entries, data_first=False)
        return out

    def prior_state(self) -> dict[str, Any]:
        """`prior_state`: the refreshed state, with the data sources read while planning."""
        entries = []
        for address, values in self.prior_data.items():
            m = ADDRESS.match(address)
            assert m is not None, address
            provider = self.provider_of(m["type"])
            entry = self._state_entry(address, "data", m["type"], m["name"], None, provider, values)
            entries.append(("", entry))
        for res in self.resources:
            if res.before is None:
                continue
            e = self._state_entry(
                res.address, res.mode, res.type, res.name, res.index, res.provider_name, res.before
            )
            deps = self.state_dependencies(res)
            if deps:
                e["depends_on"] = deps
            entries.append((res.module, e))
        # Outputs re-evaluated during the refresh: those whose value is known.
        outputs = {}
        for name in sorted(self.output_values):
            _, after = self.output_values[name]
            if not isinstance(after, _Unknown):
                outputs[name] = {"sensitive": False, "value": after, "type": "string"}
        values: dict[str, Any] = {}
        if outputs:
            values["outputs"] = outputs
        values["root_module"] = self._module_tree(entries, data_first=True)
        return {
            "format_version": "1.0",
            "terraform_version": self.terraform_version,
            "values": values,
        }

    def output_changes(self) -> dict[str, Any]:
        """`output_changes` of the root module's outputs."""
        out = {}
        for name in sorted(self.output_values):
            before, after = self.output_values[name]
            action = "create" if before is None else "no-op" if before == after else "update"
            change: dict[str, Any] = {"actions": [action], "before": before}
            if not isinstance(after, _Unknown):
                change["after"] = after
            change.update(
                {
                    "after_unknown": isinstance(after, _Unknown),
                    "before_sensitive": False,
                    "after_sensitive": False,
                }
            )
            out[name] = change
        return out

    def configuration(self) -> dict[str, Any]:
        """`configuration`: provider configurations and the module tree of blocks."""

        def module_block(mod: dict[str, Any]) -> dict[str, Any]:
            return {
                "outputs": mod["outputs"],
                "resources": sorted(mod["resources"], key=lambda e: e["address"]),
                "variables": mod["variables"],
            }

        root: dict[str, Any] = {}
        if self.root_outputs:
            root["outputs"] = {name: {"expression": x} for name, x in self.root_outputs.items()}
        root["resources"] = sorted(self.root_resources, key=lambda e: e["address"])
        if self.module_calls:
            root["module_calls"] = {
                name: {
                    "source": call["source"],
                    "expressions": call["expressions"],
                    "module": module_block(call["module"]),
                }
                for name, call in sorted(self.module_calls.items())
            }
        if self.root_variables:
            root["variables"] = self.root_variables
        return {"provider_config": self.provider_config, "root_module": root}

    def build(self) -> dict[str, Any]:
        """The whole plan document."""
        plan: dict[str, Any] = {
            "format_version": "1.2",
            "terraform_version": self.terraform_version,
        }
        if self.variable_values:
            plan["variables"] = {
                name: {"value": value} for name, value in sorted(self.variable_values.items())
            }
        plan["planned_values"] = self.planned_values()
        plan["resource_changes"] = self.resource_changes()
        if self.output_values:
            plan["output_changes"] = self.output_changes()
        plan["prior_state"] = self.prior_state()
        plan["configuration"] = self.configuration()
        relevant = self.relevant_attributes()
        if relevant:
            plan["relevant_attributes"] = relevant
        plan.update(
            {"timestamp": self.timestamp, "applyable": True, "complete": True, "errored": False}
        )
        return plan

    def write(self, path: Path) -> None:
        """Write the plan as `json.dumps(..., indent=2)` plus a newline."""
        plan = self.build()
        # Round-trip through json so that shared sub-structures (a module block
        # used by two module calls) are plain data.
        text = json.dumps(json.loads(json.dumps(plan)), indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(plan['resource_changes'])} resource changes)")
