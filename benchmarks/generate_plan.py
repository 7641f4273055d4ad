#!/usr/bin/env python3
"""Generate a large ``terraform show -json`` plan by cloning the stack of a source plan.

    python benchmarks/generate_plan.py --source PLAN.json --count 10000 \\
        --out benchmarks/out/plan-10k.json

The output holds exactly ``--count`` resource changes. Copy 0 is the source stack as it is;
copy ``k`` (k >= 1) renames every root-level object with the suffix ``_c{k}``: module calls
(``module.eks`` -> ``module.eks_c3``), root resources and data sources (``aws_iam_role.r`` ->
``aws_iam_role.r_c3``) and root outputs. Everything that names one of them is renamed with it,
so the plan stays consistent:

* ``resource_changes`` / ``resource_drift`` / ``deferred_changes``: ``address``,
  ``previous_address``, ``module_address`` and, for root resources, ``name``;
* ``planned_values`` and ``prior_state``: ``root_module.resources`` (``address``, ``name``,
  ``depends_on``), ``child_modules`` (``address``, recursively) and ``outputs``;
* ``configuration``: root resources (``address``, ``name``), ``module_calls`` keys, root
  outputs, non-root ``provider_config`` keys and ``provider_config_key`` values, and every
  ``references`` / ``depends_on`` string of the root scope that points at a renamed object;
* ``output_changes``, ``relevant_attributes`` and ``checks``.

Root input variables, locals and root provider configurations are shared by all copies, as
they would be if one configuration instantiated the stack several times. Expressions inside
child modules are relative to the module and are shared unchanged.

The last copy is trimmed to the first ``r`` resource changes of the source (in source order)
so the total is exactly ``--count``; its planned values and prior state keep only those
instances (its configuration is complete, as for blocks whose ``count`` dropped to 0).

Standard library only. Deterministic: the same source and count give the same bytes.
"""

from __future__ import annotations

import argparse
import codecs
import json
import math
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent.joinpath(
    "shared", "corpus", "plans", "cyse7125__eks_irsa_podidentity_helm_v1.2.json"
)

Json = Any


def default_out(count: int) -> Path:
    """``benchmarks/out/plan-10k.json`` for 10,000; ``plan-2500.json`` for 2,500."""
    name = f"plan-{count // 1000}k.json" if count % 1000 == 0 else f"plan-{count}.json"
    return REPO_ROOT / "benchmarks" / "out" / name


Renamer = Callable[[str], str]


# --------------------------------------------------------------------------- reading / writing


def decode(data: bytes) -> str:
    """Bytes of a plan to text: UTF-8 with or without BOM, UTF-16 with or without BOM."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith(codecs.BOM_UTF16_LE):
        return data[2:].decode("utf-16-le")
    if data.startswith(codecs.BOM_UTF16_BE):
        return data[2:].decode("utf-16-be")
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        return data.decode("utf-16-be")
    return data.decode("utf-8")


def read_plan(path: Path) -> dict[str, Json]:
    document = json.loads(decode(path.read_bytes()))
    if not isinstance(document, dict) or "format_version" not in document:
        raise SystemExit(f"{path}: not a `terraform show -json` plan (no format_version)")
    changes = document.get("resource_changes")
    if not isinstance(changes, list) or not changes:
        raise SystemExit(f"{path}: the plan has no resource_changes to clone")
    return document


def dump_like_terraform(document: Json) -> str:
    """Compact one-line JSON as Go's encoding/json writes it (``terraform show -json``).

    Go escapes ``<``, ``>``, ``&``, U+2028 and U+2029 and writes other characters as UTF-8.
    In compact JSON those characters can only occur inside strings, so replacing them in the
    whole text is safe.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text + "\n"


# --------------------------------------------------------------------------- addresses


def _step_end(address: str, start: int) -> int:
    """Index just past the instance key ``[...]`` that may start at ``start``."""
    n = len(address)
    if start >= n or address[start] != "[":
        return start
    j = start + 1
    if j < n and address[j] == '"':
        j += 1
        while j < n and address[j] != '"':
            j += 2 if address[j] == "\\" else 1
        j += 1
    while j < n and address[j] != "]":
        j += 1
    return min(j + 1, n)


def _name_end(address: str, start: int) -> int:
    i = start
    while i < len(address) and address[i] not in ".[":
        i += 1
    return i


def root_object(address: str) -> tuple[str, int] | None:
    """The root-level object an absolute address or reference starts with.

    Returns its key (``module.NAME``, ``TYPE.NAME`` or ``data.TYPE.NAME``) and the index where
    its name ends, so a suffix can be inserted there. ``None`` for ``var.x`` style references
    is not decided here: callers only rename keys they know.
    """
    if address.startswith("module."):
        end = _name_end(address, len("module."))
        return address[:end], end
    first = _name_end(address, 0)
    if first >= len(address) or address[first] != ".":
        return None
    if address[:first] in ("data", "ephemeral"):
        second = _name_end(address, first + 1)
        if second >= len(address) or address[second] != ".":
            return None
        end = _name_end(address, second + 1)
    else:
        end = _name_end(address, first + 1)
    return address[:end], end


class Copy:
    """Renaming rules of one copy of the stack."""

    def __init__(self, index: int, root_objects: set[str], root_outputs: set[str]) -> None:
        self.index = index
        self.suffix = f"_c{index}" if index else ""
        self.root_objects = root_objects
        self.root_outputs = root_outputs

    def address(self, address: Any) -> Any:
        """Rename an absolute address, module address or root-scope reference."""
        if not self.suffix or not isinstance(address, str):
            return address
        found = root_object(address)
        if found is None or found[0] not in self.root_objects:
            return address
        end = found[1]
        return address[:end] + self.suffix + address[end:]

    def name(self, name: Any) -> Any:
        return name + self.suffix if self.suffix and isinstance(name, str) else name

    def output(self, name: str) -> str:
        return name + self.suffix if name in self.root_outputs else name

    def provider_key(self, key: Any) -> Any:
        """``module.db:helm`` -> ``module.db_c1:helm``; old-style ``db:aws`` -> ``db_c1:aws``.

        Keys are opaque to Terraform's readers; renaming them the same way everywhere keeps
        whatever matching the source plan had. Root provider keys (no ``:``) are shared.
        """
        if not self.suffix or not isinstance(key, str) or ":" not in key:
            return key
        scope, provider = key.rsplit(":", 1)
        if scope.startswith("module."):
            return f"{self.address(scope)}:{provider}"
        return f"{scope}{self.suffix}:{provider}"


# --------------------------------------------------------------------------- the source stack


def _walk_modules(module: Any) -> Iterable[dict[str, Json]]:
    if isinstance(module, dict):
        yield module
        for child in module.get("child_modules") or ():
            yield from _walk_modules(child)


def _local_address(entry: dict[str, Json]) -> str | None:
    address = entry.get("address")
    if not isinstance(address, str):
        return None
    found = root_object(address)
    return found[0] if found else None


def root_names(plan: dict[str, Json]) -> tuple[set[str], set[str]]:
    """Root objects the copies rename (``module.x``, ``type.name``, ``data.type.name``) and
    root output names."""
    objects: set[str] = set()
    configuration = plan.get("configuration") or {}
    root = configuration.get("root_module") or {}
    for resource in root.get("resources") or ():
        key = _local_address(resource)
        if key:
            objects.add(key)
    for call in root.get("module_calls") or {}:
        objects.add(f"module.{call}")
    for section in ("resource_changes", "resource_drift"):
        for change in plan.get(section) or ():
            if not isinstance(change, dict):
                continue
            for field in ("address", "previous_address"):
                found = root_object(change.get(field) or "")
                if found:
                    objects.add(found[0])
    for section in ("planned_values", "prior_state"):
        values = plan.get(section) or {}
        if section == "prior_state":
            values = values.get("values") or {}
        for module in _walk_modules(values.get("root_module")):
            for resource in module.get("resources") or ():
                key = _local_address(resource)
                if key:
                    objects.add(key)
            if isinstance(module.get("address"), str):
                found = root_object(module["address"])
                if found:
                    objects.add(found[0])
    outputs: set[str] = set(root.get("outputs") or {})
    outputs |= set(plan.get("output_changes") or {})
    outputs |= set((plan.get("planned_values") or {}).get("outputs") or {})
    return objects, outputs


# --------------------------------------------------------------------------- cloning sections


def clone_change(change: dict[str, Json], copy: Copy) -> dict[str, Json]:
    """A resource change (or drift entry) renamed for a copy; values are shared, not copied."""
    out = dict(change)
    for key in ("address", "previous_address", "module_address"):
        if key in out:
            out[key] = copy.address(out[key])
    if not change.get("module_address") and "name" in out:
        out["name"] = copy.name(out["name"])
    return out


def clone_state_module(
    module: dict[str, Json], copy: Copy, keep: Callable[[str], bool], is_root: bool
) -> dict[str, Json] | None:
    """A ``planned_values`` / ``prior_state`` module renamed for a copy.

    ``keep`` filters resource instances by their new address (the trimmed copy). Child
    modules left empty by the filter are dropped.
    """
    out = dict(module)
    if "address" in out:
        out["address"] = copy.address(out["address"])
    resources = []
    for resource in module.get("resources") or ():
        if not isinstance(resource, dict):
            continue
        new = dict(resource)
        new["address"] = copy.address(resource.get("address"))
        if is_root and "name" in new:
            new["name"] = copy.name(new["name"])
        if isinstance(resource.get("depends_on"), list):
            new["depends_on"] = [copy.address(d) for d in resource["depends_on"]]
        if keep(new["address"]):
            resources.append(new)
    if "resources" in module:
        out["resources"] = resources
    children = []
    for child in module.get("child_modules") or ():
        if isinstance(child, dict):
            new_child = clone_state_module(child, copy, keep, is_root=False)
            if new_child is not None:
                children.append(new_child)
    if "child_modules" in module:
        out["child_modules"] = children
    if not is_root and not resources and not children:
        return None
    return out


def rename_root_expressions(node: Json, copy: Copy, skip_module: bool = False) -> Json:
    """Rebuild a root-scope configuration tree with renamed ``references`` and ``depends_on``.

    ``skip_module`` leaves the ``module`` body of a module call to :func:`clone_config_module`
    (its expressions are relative to the child module and are not renamed).
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "module" and skip_module:
                out[key] = value
            elif (
                key in ("references", "depends_on")
                and isinstance(value, list)
                and all(isinstance(r, str) for r in value)
            ):
                out[key] = [copy.address(r) for r in value]
            else:
                out[key] = rename_root_expressions(value, copy)
        return out
    if isinstance(node, list):
        return [rename_root_expressions(v, copy) for v in node]
    return node


def clone_config_module(module: dict[str, Json], copy: Copy) -> dict[str, Json]:
    """A child module of the configuration: expressions shared, provider keys renamed."""
    out = dict(module)
    if isinstance(module.get("resources"), list):
        out["resources"] = [
            {**r, "provider_config_key": copy.provider_key(r["provider_config_key"])}
            if isinstance(r, dict) and "provider_config_key" in r
            else r
            for r in module["resources"]
        ]
    if isinstance(module.get("module_calls"), dict):
        out["module_calls"] = {
            name: {**call, "module": clone_config_module(call["module"], copy)}
            if isinstance(call, dict) and isinstance(call.get("module"), dict)
            else call
            for name, call in module["module_calls"].items()
        }
    return out


def clone_configuration(configuration: dict[str, Json], copies: list[Copy]) -> dict[str, Json]:
    """Merge the configuration of every copy into one."""
    out = dict(configuration)
    providers = configuration.get("provider_config")
    if isinstance(providers, dict):
        merged: dict[str, Json] = {}
        for copy in copies:
            for key, spec in providers.items():
                if ":" not in key and copy.index:
                    continue  # root provider configurations are shared by every copy
                new = dict(spec) if isinstance(spec, dict) else spec
                if isinstance(new, dict) and "module_address" in new:
                    new["module_address"] = copy.address(new["module_address"])
                merged[copy.provider_key(key)] = new
        out["provider_config"] = merged
    root = configuration.get("root_module")
    if isinstance(root, dict):
        new_root = dict(root)
        if isinstance(root.get("resources"), list):
            resources = []
            for copy in copies:
                for resource in root["resources"]:
                    new = rename_root_expressions(resource, copy)
                    if isinstance(new, dict):
                        new["address"] = copy.address(resource.get("address"))
                        if "name" in new:
                            new["name"] = copy.name(new["name"])
                        if "provider_config_key" in new:
                            new["provider_config_key"] = copy.provider_key(
                                new["provider_config_key"]
                            )
                    resources.append(new)
            new_root["resources"] = resources
        if isinstance(root.get("module_calls"), dict):
            calls = {}
            for copy in copies:
                for name, call in root["module_calls"].items():
                    new = rename_root_expressions(call, copy, skip_module=True)
                    if isinstance(new, dict) and isinstance(new.get("module"), dict):
                        new["module"] = clone_config_module(new["module"], copy)
                    calls[copy.name(name)] = new
            new_root["module_calls"] = calls
        if isinstance(root.get("outputs"), dict):
            new_root["outputs"] = {
                copy.output(name): rename_root_expressions(spec, copy)
                for copy in copies
                for name, spec in root["outputs"].items()
            }
        out["root_module"] = new_root
    return out


def clone_outputs(outputs: dict[str, Json], copies: list[Copy]) -> dict[str, Json]:
    return {copy.output(name): value for copy in copies for name, value in outputs.items()}


def clone_check(check: dict[str, Json], copy: Copy) -> dict[str, Json] | None:
    """A ``checks`` entry for a copy, or ``None`` when it names a shared root object."""

    def rename(address: Any) -> Any:
        if not isinstance(address, dict):
            return address
        new = dict(address)
        module = address.get("module")
        if module:
            new["module"] = copy.address(module)
            new["to_display"] = copy.address(address.get("to_display"))
        elif address.get("kind") == "output" and address.get("name") in copy.root_outputs:
            new["name"] = copy.output(address["name"])
            new["to_display"] = (
                f"output.{new['name']}" if address.get("to_display") else address.get("to_display")
            )
        else:
            new["to_display"] = copy.address(address.get("to_display"))
            if new["to_display"] != address.get("to_display") and "name" in new:
                new["name"] = copy.name(new["name"])
        return new

    address = check.get("address")
    renamed = rename(address)
    if copy.index and renamed == address:
        return None
    out = dict(check)
    out["address"] = renamed
    if isinstance(check.get("instances"), list):
        out["instances"] = [
            {**i, "address": rename(i.get("address"))} if isinstance(i, dict) else i
            for i in check["instances"]
        ]
    return out


# --------------------------------------------------------------------------- the generator


def generate(source: dict[str, Json], count: int) -> dict[str, Json]:
    """A plan with exactly ``count`` resource changes cloned from ``source``."""
    if count < 1:
        raise SystemExit("--count must be at least 1")
    changes: list[Json] = source["resource_changes"]
    per_copy = len(changes)
    n_copies = math.ceil(count / per_copy)
    last_size = count - (n_copies - 1) * per_copy
    objects, outputs = root_names(source)
    copies = [Copy(k, objects, outputs) for k in range(n_copies)]
    last = copies[-1]
    source_addresses = {c.get("address") for c in changes if isinstance(c, dict)}
    kept = {last.address(c.get("address")) for c in changes[:last_size] if isinstance(c, dict)}
    dropped = {last.address(a) for a in source_addresses} - kept

    def keep_all(address: str) -> bool:
        return True

    def keep_in_last(address: str) -> bool:
        # Instances of the dropped changes go; instances that are not resource changes
        # (data sources read during planning, found only in prior state) stay.
        return address not in dropped

    keeps: dict[int, Callable[[str], bool]] = {
        copy.index: keep_in_last if copy is last and dropped else keep_all for copy in copies
    }

    plan: dict[str, Json] = {}
    for key, value in source.items():
        if key == "resource_changes":
            out: list[Json] = []
            for copy in copies:
                subset = changes[:last_size] if copy is last else changes
                out.extend(clone_change(c, copy) if isinstance(c, dict) else c for c in subset)
            plan[key] = out
        elif key in ("resource_drift",) and isinstance(value, list):
            plan[key] = [
                clone_change(c, copy)
                for copy in copies
                for c in value
                if isinstance(c, dict) and keeps[copy.index](copy.address(c.get("address")))
            ]
        elif key == "deferred_changes" and isinstance(value, list):
            plan[key] = [
                {**d, "resource_change": clone_change(d["resource_change"], copy)}
                for copy in copies
                for d in value
                if isinstance(d, dict)
                and isinstance(d.get("resource_change"), dict)
                and keeps[copy.index](copy.address(d["resource_change"].get("address")))
            ]
        elif key == "planned_values" and isinstance(value, dict):
            plan[key] = _clone_values(value, copies, keeps)
        elif key == "prior_state" and isinstance(value, dict):
            prior = dict(value)
            if isinstance(value.get("values"), dict):
                prior["values"] = _clone_values(value["values"], copies, keeps)
            plan[key] = prior
        elif key == "configuration" and isinstance(value, dict):
            plan[key] = clone_configuration(value, copies)
        elif key == "output_changes" and isinstance(value, dict):
            plan[key] = clone_outputs(value, copies)
        elif key == "relevant_attributes" and isinstance(value, list):
            plan[key] = [
                {**a, "resource": copy.address(a.get("resource"))}
                for copy in copies
                for a in value
                if isinstance(a, dict) and keeps[copy.index](copy.address(a.get("resource")))
            ]
        elif key == "checks" and isinstance(value, list):
            plan[key] = [
                cloned
                for copy in copies
                for check in value
                if isinstance(check, dict) and (cloned := clone_check(check, copy)) is not None
            ]
        else:
            plan[key] = value  # format_version, variables, timestamp...: shared
    _validate(plan, count)
    return plan


def _clone_values(
    values: dict[str, Json],
    copies: list[Copy],
    keeps: dict[int, Callable[[str], bool]],
) -> dict[str, Json]:
    out = dict(values)
    if isinstance(values.get("outputs"), dict):
        out["outputs"] = clone_outputs(values["outputs"], copies)
    root = values.get("root_module")
    if isinstance(root, dict):
        new_root = dict(root)
        resources: list[Json] = []
        children: list[Json] = []
        for copy in copies:
            cloned = clone_state_module(root, copy, keeps[copy.index], is_root=True)
            if cloned is None:
                continue
            resources.extend(cloned.get("resources") or ())
            children.extend(cloned.get("child_modules") or ())
        if "resources" in root:
            new_root["resources"] = resources
        if "child_modules" in root:
            new_root["child_modules"] = children
        out["root_module"] = new_root
    return out


def _validate(plan: dict[str, Json], count: int) -> None:
    changes = plan["resource_changes"]
    if len(changes) != count:
        raise AssertionError(f"generated {len(changes)} resource changes, expected {count}")
    addresses = [(c.get("address"), c.get("deposed")) for c in changes if isinstance(c, dict)]
    if len(set(addresses)) != len(addresses):
        raise SystemExit(
            "cloning produced duplicate addresses: a renamed object collides with an existing "
            "name ending in _c<N>; choose another source plan"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"plan JSON to clone (default: {DEFAULT_SOURCE.relative_to(REPO_ROOT.parent)} "
        "next to the repository)",
    )
    parser.add_argument("--count", type=int, default=10_000, help="resource changes to generate")
    parser.add_argument(
        "--out",
        default=None,
        help="output file, - for standard output "
        "(default: benchmarks/out/plan-10k.json for 10000, plan-COUNT.json otherwise)",
    )
    args = parser.parse_args(argv)
    if not args.source.is_file():
        parser.error(f"--source {args.source}: no such file")
    source = read_plan(args.source)
    plan = generate(source, args.count)
    text = dump_like_terraform(plan)
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.out) if args.out else default_out(args.count)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    per_copy = len(source["resource_changes"])
    print(
        f"{out}: {args.count} resource changes from {math.ceil(args.count / per_copy)} copies of "
        f"{args.source.name} ({per_copy} each), {len(text.encode('utf-8')) / 1e6:.1f} MB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
