"""The ``configuration`` section of a plan: expressions and the references between them.

Used to say where an unknown value will come from. An IAM role's ``assume_role_policy`` is
unknown at plan time when it is built from ``data.aws_iam_policy_document.irsa.json``, which is
unknown because it references ``aws_iam_openid_connect_provider.eks.arn``: this index follows
such chains through input variables, module calls, module outputs and data sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacguard.model.address import module_prefix, referenced_object
from iacguard.model.values import AttributePath, Unknown

ModulePath = tuple[str, ...]

#: Limit on reference chains followed, so a cyclic or pathological configuration ends.
_MAX_DEPTH = 32


@dataclass(slots=True)
class _Module:
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Local resource address (``aws_iam_role.r``, ``data.x.y``) → expressions."""
    call_expressions: dict[str, Any] = field(default_factory=dict)
    """Arguments of the ``module`` block that calls this module, in the parent's scope."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Output name → expression."""
    sensitive_variables: set[str] = field(default_factory=set)


class ConfigurationIndex:
    """Expressions of every resource block and module of a plan's ``configuration``."""

    def __init__(self, configuration: Any) -> None:
        self._modules: dict[ModulePath, _Module] = {}
        self._cache: dict[tuple[ModulePath, str, bool], tuple[str, ...]] = {}
        self._attribute_cache: dict[str, dict[str, tuple[str, ...]]] = {}
        self._block_path: dict[str, tuple[ModulePath, str]] = {}
        self._unknowns: dict[tuple[ModulePath, str, AttributePath, bool], Unknown] = {}
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        if isinstance(root, dict):
            self._add_module((), root, {})

    def _add_module(self, path: ModulePath, module: dict[str, Any], call: dict[str, Any]) -> None:
        entry = _Module(call_expressions=call)
        prefix = module_prefix(path)
        for resource in module.get("resources") or ():
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                expressions = resource.get("expressions")
                entry.resources[resource["address"]] = (
                    expressions if isinstance(expressions, dict) else {}
                )
                self._block_path[prefix + resource["address"]] = (path, resource["address"])
        outputs = module.get("outputs")
        if isinstance(outputs, dict):
            entry.outputs = outputs
        variables = module.get("variables")
        if isinstance(variables, dict):
            entry.sensitive_variables = {
                name for name, v in variables.items() if isinstance(v, dict) and v.get("sensitive")
            }
        self._modules[path] = entry
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            for name, spec in calls.items():
                if isinstance(spec, dict) and isinstance(spec.get("module"), dict):
                    expressions = spec.get("expressions")
                    self._add_module(
                        (*path, name),
                        spec["module"],
                        expressions if isinstance(expressions, dict) else {},
                    )

    @property
    def root_sensitive_variables(self) -> set[str]:
        """Names of root module variables declared ``sensitive = true``."""
        root = self._modules.get(())
        return set(root.sensitive_variables) if root else set()

    def expressions(self, module: ModulePath, local_address: str) -> dict[str, Any] | None:
        """Return the expressions of a resource block, or ``None`` if not in the configuration."""
        entry = self._modules.get(module)
        return entry.resources.get(local_address) if entry else None

    def configured_attributes(self, config_address: str) -> frozenset[str] | None:
        """Top-level attributes the configuration sets on a block, or ``None`` when the plan
        has no configuration for it. Distinguishes arguments the user wrote from attributes
        the provider reports back (a role's ``inline_policy`` mirror of separate resources)."""
        where = self._block_path.get(config_address)
        if where is None:
            return None
        return frozenset(self.expressions(*where) or ())

    def attribute_references_of(self, config_address: str) -> dict[str, tuple[str, ...]]:
        """:meth:`attribute_references` of a block named by its configuration address."""
        cached = self._attribute_cache.get(config_address)
        if cached is None:
            where = self._block_path.get(config_address)
            cached = self.attribute_references(*where) if where else {}
            self._attribute_cache[config_address] = cached
        return cached

    def attribute_references(
        self, module: ModulePath, local_address: str
    ) -> dict[str, tuple[str, ...]]:
        """Top-level attribute → absolute references of its expression (nested blocks merged)."""
        expressions = self.expressions(module, local_address) or {}
        result: dict[str, tuple[str, ...]] = {}
        for attribute, expression in expressions.items():
            refs = references_of(expression, module)
            if refs:
                result[attribute] = refs
        return result

    def expression_at(
        self, module: ModulePath, local_address: str, path: AttributePath
    ) -> Any | None:
        """Return the expression that sets ``path``, or the nearest enclosing one.

        Nested blocks are lists of objects of expressions; a path into a block instance the
        configuration does not list (dynamic blocks) falls back to the block's last entry.
        ``None`` means the configuration does not set the attribute: the provider computes it.
        """
        node: Any = self.expressions(module, local_address)
        if node is None or not path:
            return None
        for step in path:
            if _is_expression(node):
                return node
            if isinstance(step, str) and isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(step, int) and isinstance(node, list) and node:
                node = node[min(step, len(node) - 1)]
            else:
                return None
        return node

    def unknown_at(
        self, module: ModulePath, local_address: str, path: AttributePath, sensitive: bool
    ) -> Unknown:
        """The :class:`Unknown` for a value known only after apply, with what will produce it.

        Instances of one block (``count``, ``for_each``) share their expressions, so the
        answer is computed once per block and attribute path.
        """
        key = (module, local_address, path, sensitive)
        found = self._unknowns.get(key)
        if found is not None:
            return found
        expression = self.expression_at(module, local_address, path)
        if expression is None:
            found = Unknown(sensitive=sensitive)
        else:
            relative = references_of(expression, ())
            sources: set[str] = set()
            origins: set[str] = set()
            for reference in relative:
                sources.update(self.sources(module, reference))
                origins.update(self.origins(module, reference))
            prefix = module_prefix(module)
            found = Unknown(
                references=tuple(prefix + r for r in relative),
                sources=tuple(sorted(sources)),
                origins=tuple(sorted(origins)),
                sensitive=sensitive,
            )
        self._unknowns[key] = found
        return found

    def sources(self, module: ModulePath, reference: str) -> tuple[str, ...]:
        """Return the resources whose values a reference in ``module`` depends on.

        Follows ``var.x`` to the calling module's argument, ``module.m.out`` into the child's
        output and keeps going while expressions reference variables or outputs. Resources
        and data sources are returned as absolute configuration addresses; root variables and
        locals, which the plan does not describe further, as ``var.x`` / ``module.m.local.y``.
        """
        return self._resolve(module, reference, through_data=False)

    def origins(self, module: ModulePath, reference: str) -> tuple[str, ...]:
        """Like :meth:`sources`, but also follows data sources to what *their* inputs reference.

        A data source is only unknown at plan time because an input of it is; its origins are
        the managed resources (or root variables) that make it so: the trust policy built by
        ``data.aws_iam_policy_document.irsa`` originates in ``aws_iam_openid_connect_provider``.
        """
        return self._resolve(module, reference, through_data=True)

    def _resolve(self, module: ModulePath, reference: str, through_data: bool) -> tuple[str, ...]:
        key = (module, reference, through_data)
        cached = self._cache.get(key)
        if cached is None:
            found: set[str] = set()
            self._follow(module, reference, found, 0, through_data)
            cached = tuple(sorted(found))
            self._cache[key] = cached
        return cached

    def _follow(
        self,
        module: ModulePath,
        reference: str,
        found: set[str],
        depth: int,
        through_data: bool = False,
    ) -> None:
        target = referenced_object(reference)
        if target is None:
            return
        if depth > _MAX_DEPTH:
            found.add(module_prefix(module) + target)
            return
        if through_data and target.startswith("data."):
            refs = _collect_references(self.expressions(module, target))
            refs = [r for r in _most_specific(refs) if referenced_object(r) is not None]
            if not refs:
                found.add(module_prefix(module) + target)
            for ref in refs:
                self._follow(module, ref, found, depth + 1, through_data)
            return
        if target.startswith("var."):
            if not module:
                found.add(target)
                return
            entry = self._modules.get(module)
            argument = entry.call_expressions.get(target[4:]) if entry else None
            refs = _collect_references(argument)
            for ref in _most_specific(refs):
                self._follow(module[:-1], ref, found, depth + 1, through_data)
            return
        if target.startswith("local."):
            found.add(module_prefix(module) + target)
            return
        if target.startswith("module."):
            _, child, *rest = target.split(".")
            child_path = (*module, child)
            child_entry = self._modules.get(child_path)
            if child_entry is None or not rest:
                found.add(module_prefix(module) + target)
                return
            output = child_entry.outputs.get(rest[0])
            expression = output.get("expression") if isinstance(output, dict) else None
            refs = _collect_references(expression)
            if not refs:
                found.add(module_prefix(module) + target)
            for ref in _most_specific(refs):
                self._follow(child_path, ref, found, depth + 1, through_data)
            return
        found.add(module_prefix(module) + target)


def _is_expression(node: Any) -> bool:
    return isinstance(node, dict) and ("references" in node or "constant_value" in node)


def _collect_references(expression: Any) -> list[str]:
    """Every reference string inside an expression tree (nested blocks included)."""
    refs: list[str] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            node_refs = node.get("references")
            if isinstance(node_refs, list):
                refs.extend(r for r in node_refs if isinstance(r, str))
            stack.extend(
                v for k, v in node.items() if k != "references" and isinstance(v, dict | list)
            )
        elif isinstance(node, list):
            stack.extend(node)
    return refs


def _most_specific(refs: list[str]) -> list[str]:
    """Drop references that are prefixes of others Terraform listed with them.

    Terraform lists ``aws_iam_role.r.arn`` together with ``aws_iam_role.r``; keep the first.
    """
    unique = sorted(set(refs))
    keep = []
    for ref in unique:
        if not any(
            other != ref and (other.startswith(ref + ".") or other.startswith(ref + "["))
            for other in unique
        ):
            keep.append(ref)
    return keep


def references_of(expression: Any, module: ModulePath) -> tuple[str, ...]:
    """Absolute, most specific references of an expression in ``module``."""
    prefix = module_prefix(module)
    refs = [r for r in _collect_references(expression) if referenced_object(r) is not None]
    return tuple(prefix + r for r in _most_specific(refs))
