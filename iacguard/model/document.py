"""What a loader returns for one input: :class:`InputDocument`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from iacguard.model.resource import Resource, SkippedResource


class InputKind(StrEnum):
    """The kinds of input iacguard recognises. Only some are loaded in this version."""

    TERRAFORM_PLAN = "terraform-plan"
    TERRAFORM_BINARY_PLAN = "terraform-binary-plan"
    TERRAFORM_HCL = "terraform-hcl"
    KUBERNETES_MANIFEST = "kubernetes-manifest"
    HELM_CHART = "helm-chart"


@dataclass(frozen=True, slots=True)
class InputDocument:
    """One loaded input, normalised.

    ``resources`` holds every resource change the input describes, plus data sources
    Terraform read while planning. ``len(resources) + len(skipped)`` accounts for every entry
    the input holds: nothing is dropped silently.
    """

    path: str
    """The input as the user named it; ``<stdin>`` for standard input."""
    kind: InputKind
    format_version: str | None
    """The input's own format version (plan ``format_version``)."""
    tool_version: str | None
    """Version of the tool that wrote it (``terraform_version``)."""
    resources: tuple[Resource, ...]
    """Resource changes of the plan, in plan order, then data sources read during plan."""
    skipped: tuple[SkippedResource, ...] = ()
    """Entries that could not be analysed, each with its reason."""
    resource_changes: int = 0
    """How many entries the input's ``resource_changes`` holds."""
    warnings: tuple[str, ...] = ()
    """Things the user should know about this input (a newer minor format version...)."""
    variables: dict[str, object] = field(default_factory=dict)
    """Root module input variable values; sensitive ones masked."""
    aws_accounts: tuple[str, ...] = ()
    """AWS accounts the plan's ``aws`` provider configurations name (``allowed_account_ids``,
    the account of ``assume_role``'s ``role_arn``), when written as constants."""
    gcp_projects: tuple[str, ...] = ()
    """Google Cloud projects the plan's ``google`` provider configurations name as their default
    ``project`` (a constant, or a root variable with a known value)."""
    errors: tuple[str, ...] = ()
    """Parts of the input that could not be read (a malformed document of a manifest stream):
    the rest is loaded, and the command exits 2 after reporting it."""
