"""What a check sees: the scan's resources, indexed, and a finding builder bound to the check."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from iacguard.config import Config
from iacguard.engine.check import Check
from iacguard.findings import Confidence, Finding, Location, Severity
from iacguard.model.address import module_names, module_prefix, split_address
from iacguard.model.classification import Classification
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Sensitive, Unknown

#: Attributes that identify a resource to others that point at it (bucket policies name their
#: bucket by name or id, attachments their role by name, ARNs are used everywhere).
_IDENTIFYING_ATTRIBUTES = (
    "id",
    "arn",
    "name",
    "bucket",
    "function_name",
    "self_link",
    "email",
    "unique_id",
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GraphScope:
    """What the inputs may not say and the user can: the AWS account of roles whose ARN is
    known only after apply (``--aws-account-id``), and the EKS cluster that the manifests and
    charts among the inputs run in (``--cluster``)."""

    aws_account_id: str | None = None
    cluster: str | None = None
    provider_accounts: tuple[str, ...] = ()
    """The accounts the plans' ``aws`` provider configurations pin."""
    gcp_projects: tuple[str, ...] = ()
    """The default projects of the plans' ``google`` provider configurations."""


class ScanIndex:
    """The resources of all inputs of a scan, indexed for checks. Built once per scan."""

    def __init__(
        self,
        resources: Sequence[Resource],
        classifications: Mapping[str, Classification],
        scope: GraphScope | None = None,
    ) -> None:
        self.resources: tuple[Resource, ...] = tuple(resources)
        self.scope = scope or GraphScope()
        self.classifications = classifications
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._identifiers: dict[str, list[Resource]] | None = None
        self._reverse: dict[tuple[str, tuple[str, ...]], dict[int, list[Resource]]] = {}
        self._by_config: dict[str, list[Resource]] = defaultdict(list)
        self._position: dict[int, int] = {}
        self._planned: dict[tuple[str, ...], tuple[Resource, ...]] = {}
        self._memo: dict[str, Any] = {}
        for position, resource in enumerate(self.resources):
            self._by_type[resource.type].append(resource)
            self._by_config[resource.config_address].append(resource)
            self._position[id(resource)] = position

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """What ``build`` returns, built once per scan and shared by every check that asks
        with the same ``key`` (the AWS identities with their summaries, for instance)."""
        if key not in self._memo:
            self._memo[key] = build()
        found: T = self._memo[key]
        return found

    def of_type(self, *types: str) -> list[Resource]:
        """Every resource of these types, whatever its action, in input order."""
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        found = [r for t in dict.fromkeys(types) for r in self._by_type.get(t, ())]
        return sorted(found, key=lambda r: self._position[id(r)])

    def planned(self, *types: str) -> list[Resource]:
        """Managed resources of these types that will exist after apply (memoised)."""
        found = self._planned.get(types)
        if found is None:
            found = tuple(
                r
                for r in self.of_type(*types)
                if r.mode == "managed" and r.action not in (Action.DELETE, Action.FORGET)
            )
            self._planned[types] = found
        return list(found)

    def by_config_address(self, config_address: str) -> list[Resource]:
        """Every instance of one resource block."""
        return list(self._by_config.get(config_address, ()))

    def targets(self, child: Resource, attribute: str) -> list[Resource]:
        """The resources ``child.attribute`` names: through configuration references to their
        block when the expression has any, else by a known value equal to one of their
        identifiers (id, ARN, name...)."""
        found: dict[int, Resource] = {}
        references = child.references.get(attribute, ())
        child_module = module_prefix(module_names(child.module_address))
        for reference in references:
            target = _reference_target(reference)
            if target is None:
                continue
            block, key = target
            for resource in self._by_config.get(block, ()):
                if key is not None and _instance_key(resource.index) != key:
                    continue
                # A reference made inside a module instance names the resources of that same
                # instance (module.team["ml"] cannot see module.team["ops"]'s resources).
                same_module = module_prefix(module_names(resource.module_address)) == child_module
                if same_module and resource.module_address != child.module_address:
                    continue
                found[id(resource)] = resource
        value = child.get(attribute)
        if isinstance(value, Unknown) and not found:
            # A reference through a module variable or output (``var.role.arn`` inside the
            # module): the resources the value was traced to at load.
            for source in value.sources:
                target = _reference_target(source)
                if target is not None:
                    for resource in self._by_config.get(target[0], ()):
                        if target[1] is None or _instance_key(resource.index) == target[1]:
                            found[id(resource)] = resource
        if references:
            # The configuration says which block it means; a value match could only add
            # same-named resources of other stacks.
            return list(found.values())
        if isinstance(value, str) and value:
            for resource in self._identifier_index().get(value, ()):
                found[id(resource)] = resource
        return list(found.values())

    def points_to(self, child: Resource, attribute: str, target: Resource) -> bool:
        """True when ``child.attribute`` names ``target`` (see :meth:`targets`)."""
        return any(t is target for t in self.targets(child, attribute))

    def related(self, child: Resource, attribute: str, *target_types: str) -> list[Resource]:
        """The planned resources of ``target_types`` that ``child.attribute`` names."""
        return [
            t
            for t in self.targets(child, attribute)
            if t.type in target_types
            and t.mode == "managed"
            and t.action not in (Action.DELETE, Action.FORGET)
        ]

    def pointing_at(self, target: Resource, attribute: str, *child_types: str) -> list[Resource]:
        """The planned resources of ``child_types`` whose ``attribute`` names ``target``: the
        policies, ACLs and blocks attached to a bucket, the settings targeting an account.

        Built once per (attribute, child types) as a reverse index, so checks stay linear.
        """
        key = (attribute, child_types)
        reverse = self._reverse.get(key)
        if reverse is None:
            reverse = defaultdict(list)
            for child in self.planned(*child_types):
                for named in self.targets(child, attribute):
                    reverse[id(named)].append(child)
            self._reverse[key] = reverse
        return list(reverse.get(id(target), ()))

    def _identifier_index(self) -> dict[str, list[Resource]]:
        if self._identifiers is None:
            index: dict[str, list[Resource]] = defaultdict(list)
            for resource in self.resources:
                if resource.mode == "managed":
                    for identifier in _identifiers(resource):
                        index[identifier].append(resource)
            self._identifiers = index
        return self._identifiers


def _reference_target(reference: str) -> tuple[str, str | None] | None:
    """The resource block an absolute reference names, and the instance key it writes, if
    any: ``module.m.aws_s3_bucket.b["x"].arn`` → (``module.m.aws_s3_bucket.b``, ``"x"``)."""
    parts = split_address(reference)
    prefix: list[str] = []
    position = 0
    while position + 1 < len(parts) and parts[position].name == "module":
        prefix += ["module", parts[position + 1].name]
        position += 2
    rest = parts[position:]
    if not rest or rest[0].name in {"var", "local", "count", "each", "path", "self", "module"}:
        return None
    if rest[0].name == "data":
        if len(rest) < 3:
            return None
        return ".".join([*prefix, "data", rest[1].name, rest[2].name]), rest[2].key
    if len(rest) < 2:
        return None
    return ".".join([*prefix, rest[0].name, rest[1].name]), rest[1].key


def _instance_key(index: int | str | None) -> str | None:
    """An instance index as Terraform writes it in addresses: ``0`` or ``"name"``."""
    if index is None:
        return None
    return str(index) if isinstance(index, int) else json.dumps(index)


def _identifiers(resource: Resource) -> set[str]:
    values = resource.values
    if not isinstance(values, dict):
        return set()
    found = set()
    for key in _IDENTIFYING_ATTRIBUTES:
        value = values.get(key)
        if isinstance(value, str) and value:
            found.add(value)
    return found


@dataclass(frozen=True, slots=True)
class CheckContext:
    """The view of a scan one check gets: the index, and a finding builder for that check."""

    index: ScanIndex
    check: Check
    config: Config = field(default_factory=Config)
    """The scan's settings (identity limits, classification overrides)."""

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every resource of the scan."""
        return self.index.resources

    def of_type(self, *types: str) -> list[Resource]:
        """See :meth:`ScanIndex.of_type`."""
        return self.index.of_type(*types)

    def planned(self, *types: str) -> list[Resource]:
        """See :meth:`ScanIndex.planned`."""
        return self.index.planned(*types)

    def related(self, child: Resource, attribute: str, *target_types: str) -> list[Resource]:
        """See :meth:`ScanIndex.related`."""
        return self.index.related(child, attribute, *target_types)

    def pointing_at(self, target: Resource, attribute: str, *child_types: str) -> list[Resource]:
        """See :meth:`ScanIndex.pointing_at`."""
        return self.index.pointing_at(target, attribute, *child_types)

    def classification(self, resource: Resource) -> Classification | None:
        """The AI-stack class of a resource, if it has one."""
        return self.index.classifications.get(resource.address)

    def finding(
        self,
        resource: Resource,
        message: str,
        *,
        evidence: Iterable[Mapping[str, Any]] = (),
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        key: str = "",
    ) -> Finding:
        """Build a finding of this check about ``resource``, located where it came from.

        ``key`` distinguishes several findings of one check on one resource (it is part of the
        fingerprint a baseline records). Evidence must be JSON values; masked and unknown values
        in it are rendered as placeholders, never as what they hide.
        """
        if not message:
            raise ValueError(f"check {self.check.id}: a finding needs a message")
        return Finding(
            check_id=self.check.id,
            title=self.check.title,
            severity=severity or self.check.severity,
            confidence=confidence or self.check.confidence,
            resource=resource.address,
            location=Location(
                path=resource.source.path,
                address=resource.address,
                pointer=resource.source.pointer,
                line=resource.source.line,
            ),
            message=message,
            remediation=self.check.remediation,
            evidence=tuple(_jsonable(dict(e)) for e in evidence),
            frameworks=self.check.frameworks,
            key=key,
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Unknown | Sensitive):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
