"""The normalised :class:`Resource` every loader produces and every later stage reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from iacguard.model.values import AttributePath, Sensitive, Unknown, get_path, iter_markers


class Action(StrEnum):
    """What the plan will do to a resource instance.

    Terraform's pairs ``["delete", "create"]`` and ``["create", "delete"]`` are both
    :attr:`REPLACE`; :attr:`Resource.actions` keeps the original list and its order.
    """

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    READ = "read"
    NO_OP = "no-op"
    FORGET = "forget"


#: Canonical display order of actions (reports, console).
ACTION_ORDER: tuple[Action, ...] = (
    Action.CREATE,
    Action.UPDATE,
    Action.REPLACE,
    Action.DELETE,
    Action.FORGET,
    Action.READ,
    Action.NO_OP,
)


class ReferenceSource(Protocol):
    """Something that knows the configuration references of resource blocks."""

    def attribute_references_of(self, config_address: str) -> Mapping[str, tuple[str, ...]]:
        """Top-level attribute → absolute references, for a block's configuration address."""
        ...

    def configured_attributes(self, config_address: str) -> frozenset[str] | None:
        """Attributes the configuration sets on a block; ``None`` if the block is unknown."""
        ...


class ProviderFamily(StrEnum):
    """The cloud or platform a resource belongs to, for resolvers that work per family."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    KUBERNETES = "kubernetes"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a resource came from."""

    path: str
    """The input as the user named it (``<stdin>`` for standard input)."""
    pointer: str | None = None
    """JSON pointer of the object inside the input (``/resource_changes/12``), when JSON."""
    line: int | None = None
    """1-based line, where the source has meaningful lines (manifests, HCL)."""


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource instance as it is now and as it will be after apply.

    Attribute trees (``before``, ``after``) are JSON values in which unknown values are
    :class:`~iacguard.model.values.Unknown` and sensitive values are
    :class:`~iacguard.model.values.Sensitive`. They must be treated as read-only.
    """

    address: str
    """The instance address: ``module.a["x"].aws_iam_role.this[0]``."""
    mode: str
    """``managed`` or ``data``."""
    type: str
    """Resource type: ``aws_iam_role``."""
    name: str
    """Name of the resource block: ``this``."""
    provider: str
    """Short provider name: ``aws``, ``google``, ``azurerm``, ``kubernetes``."""
    provider_source: str
    """Provider address as the plan names it: ``registry.terraform.io/hashicorp/aws``."""
    family: ProviderFamily
    """Provider family for per-cloud resolvers."""
    module_address: str
    """Module instance address (``module.a["x"]``), empty for the root module."""
    index: int | str | None
    """``count`` index or ``for_each`` key, if any."""
    action: Action
    """Normalised planned action."""
    actions: tuple[str, ...]
    """Terraform's action list, unchanged (may be empty)."""
    before: Any
    """Attribute tree before the change (``None`` for creates)."""
    after: Any
    """Attribute tree after the change (``None`` for deletes)."""
    config_address: str
    """Address of the resource block: no instance keys (``module.a.aws_iam_role.this``)."""
    source: SourceLocation
    """Where the resource came from."""
    action_reason: str | None = None
    """Terraform's ``action_reason`` (``replace_because_tainted``...)."""
    previous_address: str | None = None
    """Address before a ``moved`` block renamed it."""
    deposed: str | None = None
    """Deposed object key, for changes to a deposed instance of a replaced resource."""
    read_during_plan: bool = False
    """A data source Terraform read while planning (found in ``prior_state``)."""
    references_source: ReferenceSource | None = field(default=None, repr=False, compare=False)
    """Where :attr:`references` come from (the plan's configuration), looked up on demand."""

    @property
    def references(self) -> Mapping[str, tuple[str, ...]]:
        """Top-level attribute → absolute references of its configuration expression."""
        if self.references_source is None:
            return {}
        return self.references_source.attribute_references_of(self.config_address)

    @property
    def configured(self) -> frozenset[str] | None:
        """Attributes the configuration sets (``None``: the plan has no configuration for it)."""
        if self.references_source is None:
            return None
        return self.references_source.configured_attributes(self.config_address)

    @property
    def values(self) -> Any:
        """The attribute tree that matters: ``after``, or ``before`` when it is deleted."""
        return self.before if self.action in (Action.DELETE, Action.FORGET) else self.after

    def get(self, *path: str | int) -> Any:
        """Return the value at ``path`` in :attr:`values` (``None`` when absent)."""
        return get_path(self.values, path)

    def unknown_paths(self) -> list[tuple[AttributePath, Unknown]]:
        """Every unknown value in :attr:`values` with its path, sorted by path."""
        return [(p, m) for p, m in iter_markers(self.values) if isinstance(m, Unknown)]

    def sensitive_paths(self) -> list[AttributePath]:
        """Paths of masked values in :attr:`values`."""
        return [p for p, m in iter_markers(self.values) if isinstance(m, Sensitive)]

    @property
    def is_data(self) -> bool:
        """True for data sources."""
        return self.mode == "data"


@dataclass(frozen=True, slots=True)
class SkippedResource:
    """A resource entry of an input that could not be analysed, with the reason."""

    address: str
    reason: str
    source: SourceLocation
