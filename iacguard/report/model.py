"""The report model: one structure every renderer (console, JSON, later Markdown, HTML,
SARIF, JUnit) reads. It is also the JSON report's schema, shipped as
``report.schema.json`` and versioned by :data:`SCHEMA_VERSION`.

Compatibility: adding a field is a minor version bump (``1.1``); renaming or removing one, or
changing a meaning, is a major bump (``2.0``).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from iacguard.model.classification import ResourceClass

SCHEMA_VERSION: Final = "1.3"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolInfo(_Model):
    """The tool that wrote the report."""

    name: Literal["iacguard"] = "iacguard"
    version: str = Field(description="iacguard version")
    data: dict[str, str] = Field(
        default_factory=dict, description="Bundled data sets and their versions"
    )


class SkippedResourceOut(_Model):
    """An entry of an input that was not analysed."""

    address: str
    reason: str
    pointer: str | None = Field(None, description="JSON pointer of the entry in the input")


class InputOut(_Model):
    """One input file and what was taken from it."""

    path: str = Field(description="The input as named on the command line; <stdin> for -")
    kind: str = Field(description="terraform-plan, ...")
    format_version: str | None
    terraform_version: str | None
    resource_changes: int = Field(description="Entries in the input's resource_changes")
    analysed: int = Field(description="Resource changes analysed")
    data_sources_read_during_plan: int = Field(
        description="Data sources Terraform read while planning (from prior_state)"
    )
    skipped: list[SkippedResourceOut] = Field(
        description="Entries not analysed, with reasons; analysed + skipped = resource_changes"
    )
    warnings: list[str]
    errors: list[str] = Field(
        default_factory=list,
        description="Parts of the input that could not be read (a malformed document of a "
        "manifest stream, with its index and line); the command exits 2",
    )


class IgnoredFileOut(_Model):
    """A file in a scanned folder that iacguard does not read."""

    path: str
    reason: str


class ClassificationOut(_Model):
    """The class of a resource in the AI stack and the rule that decided it."""

    resource_class: ResourceClass = Field(alias="class", serialization_alias="class")
    rule: Literal["tag", "config", "type", "tag-value", "name", "terraform-name"] = Field(
        description="The kind of rule that decided"
    )
    reason: str

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class UnknownOut(_Model):
    """An attribute known only after apply, and what will produce it."""

    path: str = Field(description="Attribute path, e.g. assume_role_policy")
    references: list[str] = Field(description="Configuration references of its expression")
    sources: list[str] = Field(description="Resources whose values it will be built from")
    origins: list[str] = Field(
        description="Managed resources (or root variables) that must exist before it is known, "
        "following data sources through their own inputs"
    )


class ResourceOut(_Model):
    """A resource of an input, summarised."""

    address: str
    type: str
    mode: Literal["managed", "data"]
    provider: str
    action: str = Field(description="create, update, replace, delete, forget, read or no-op")
    input: str = Field(description="Path of the input it came from")
    previous_address: str | None = None
    classification: ClassificationOut | None = None
    unknown: list[UnknownOut] = Field(
        default_factory=list,
        description="Values known only after apply that come from other resources",
    )


class LocationOut(_Model):
    """Where a finding points."""

    path: str
    address: str | None = None
    pointer: str | None = None
    line: int | None = None


class FindingOut(_Model):
    """One finding of a check."""

    check_id: str
    title: str
    severity: Literal["critical", "high", "medium", "low", "info"]
    confidence: Literal["high", "medium", "low"]
    resource: str
    location: LocationOut
    message: str
    evidence: list[dict[str, Any]]
    remediation: str
    frameworks: dict[str, list[str]] = Field(
        description="Framework id → control ids, e.g. nist-csf-2.0 → [PR.AA-05]"
    )
    suppressed: bool
    suppressed_by: Literal["inline", "waiver", "baseline"] | None = Field(
        None, description="What suppressed it: a tag/annotation, a waiver, or the baseline"
    )
    suppression_reason: str | None = None
    fingerprint: str = Field(
        description="Stable id across runs (check, resource, key); what baselines record"
    )


class IdentitySummaryOut(_Model):
    """An identity and the capability classes it holds."""

    id: str
    address: str | None
    kind: str | None
    classes: dict[str, _Answer] = Field(
        description="Capability class → allowed (some grant is certain) or unknown, strongest first"
    )


class CheckOut(_Model):
    """A check that ran: its metadata (what SARIF rules and JUnit suites are built from)."""

    id: str
    title: str
    severity: Literal["critical", "high", "medium", "low", "info"]
    confidence: Literal["high", "medium", "low"]
    inspects: list[str] = Field(description="Resource types or input kinds it reads")
    frameworks: dict[str, list[str]]
    remediation: str
    summary: str = Field(description="The first paragraph of its documentation")
    provider: str = Field(description="iacguard, or the plugin or checks folder providing it")


class CheckErrorOut(_Model):
    """A check that failed to run; its findings are unknown."""

    check_id: str
    message: str


class WaiverOut(_Model):
    """A configuration waiver and what it did in this scan."""

    check: str
    resource: str
    reason: str
    expires: str | None = Field(None, description="Last day it applies (YYYY-MM-DD)")
    status: Literal["active", "expired", "unused"] = Field(
        description="active: suppressed findings; expired: no longer suppresses; unused: "
        "matched nothing"
    )
    findings: int = Field(description="Findings it suppressed, or would have if not expired")


class ExternalAccessOut(_Model):
    """A resource policy statement letting in someone outside the resource's account."""

    resource: str = Field(description="Address of the resource")
    principal: str = Field(description="'*', an account id, a principal ARN or a service")
    kind: Literal["public", "account", "service", "federated"]
    actions: list[str]
    source: str = Field(description="The policy resource holding the statement")
    sid: str | None = None
    conditional: bool = Field(description="Limited by the statement's conditions")


class PathOut(_Model):
    """A shortest path from an entry point to a crown jewel."""

    source: str = Field(alias="from", description="Node id of the entry point")
    to: str = Field(description="Node id of the crown jewel")
    decision: Literal["allowed", "unknown"] = Field(
        description="allowed: every hop is certain; unknown: a hop is a Maybe"
    )
    entry: str | None = Field(description="Why the first node is an entry point")
    jewel: str | None = Field(description="The crown jewel's class")
    access: str | None = Field(description="How the last hop reaches it (write-data...)")
    hops: list[dict[str, Any]] = Field(
        description="Each node (id, kind, address) and the edge to the next (kind, answer, "
        "why, evidence)"
    )


def path_line(path: PathOut) -> str:
    """``k8s:Service/ml/vllm → ... → aws:iam_role/x → write-data on aws:s3_bucket/y``."""
    ids = [hop["id"] for hop in path.hops]
    head = " → ".join(ids[:-1])
    return f"{head} → {path.access or 'access'} on {ids[-1]}"


class BlastRadiusOut(_Model):
    """Everything of value an identity or workload reaches."""

    id: str = Field(description="Node id of the identity or workload")
    kind: str
    address: str | None = None
    count: int = Field(description="Crown jewels reachable")
    allowed: int = Field(description="Of them, reachable for certain")
    by_class: dict[str, int]
    reaches: list[str] = Field(description="The first crown jewels reached, most serious first")


_Answer = Literal["allowed", "unknown"]

#: The world a diff compares with, in words (every renderer says it the same way).
PRIOR_TEXT: Final = {
    "state": "the plan's prior state",
    "inputs": "the --before inputs",
    "empty": "an empty world (a first deployment: every grant is new)",
}


class CapabilityChangeOut(_Model):
    """A capability class on one resource or scope, added, removed or changed."""

    capability_class: str = Field(alias="class", serialization_alias="class")
    resource: str = Field(description="ARN pattern, GCP or Azure scope, Kubernetes namespace")
    severity: str = Field(description="The class's default severity")
    answer: _Answer
    action_count: int
    actions: list[str] = Field(
        description="The first actions (IAM actions, GCP permissions, Azure operations, "
        "Kubernetes requests)"
    )
    patterns: list[str] = Field(
        default_factory=list, description="AWS: the action patterns as written (s3:*)"
    )
    via: list[str] = Field(description="Policies, roles or bindings that give it")
    before: _Answer | None = Field(None, description="For a change: the answer before")
    actions_added: list[str] | None = None
    actions_added_count: int | None = None
    actions_removed: list[str] | None = None
    actions_removed_count: int | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AccessLevelChangeOut(_Model):
    """AWS actions of one access level (Read, Write, Permissions management...) gained or
    lost."""

    level: str
    before: int
    after: int
    added: list[str]
    added_count: int
    removed: list[str]
    removed_count: int


class EdgeChangeOut(_Model):
    """Who can act as an identity (trust), or what it can become (escalation)."""

    id: str = Field(description="Node id at the other end")
    kinds: list[str] = Field(description="Edge kinds: can-assume, federates-to, grants...")
    answer: _Answer
    why: list[str]
    to_control: bool | None = Field(
        None, description="Escalations: the target is, or leads to, control of IAM or a cluster"
    )
    before: _Answer | None = None
    kinds_before: list[str] | None = None


class ReachChangeOut(_Model):
    """A crown jewel an identity reaches."""

    id: str
    jewel: str | None
    access: str | None
    decision: _Answer
    via: list[str]
    before: _Answer | None = None
    access_before: str | None = None


class _Changes(_Model):
    added: list[Any]
    removed: list[Any]
    changed: list[Any]


class CapabilityChangesOut(_Changes):
    added: list[CapabilityChangeOut]
    removed: list[CapabilityChangeOut]
    changed: list[CapabilityChangeOut]


class EdgeChangesOut(_Changes):
    """At most 25 of each, escalations to control first; the counts say how many."""

    added: list[EdgeChangeOut]
    removed: list[EdgeChangeOut]
    changed: list[EdgeChangeOut]
    added_count: int
    removed_count: int
    changed_count: int


class ReachChangesOut(_Changes):
    """At most 25 of each, the strongest access first; the counts say how many."""

    added: list[ReachChangeOut]
    removed: list[ReachChangeOut]
    changed: list[ReachChangeOut]
    added_count: int
    removed_count: int
    changed_count: int


class IdentityChangeOut(_Model):
    """What a change does to one identity."""

    id: str
    address: str | None
    kind: str | None
    change: Literal["added", "removed", "changed"]
    capabilities: CapabilityChangesOut
    access_levels: list[AccessLevelChangeOut]
    trust: EdgeChangesOut
    escalations: EdgeChangesOut
    reaches: ReachChangesOut
    blast_radius: dict[Literal["before", "after"], int] = Field(
        description="Crown jewels reached before and after"
    )


class PathChangeOut(PathOut):
    """A path from an entry point to a crown jewel; for a change, its answer and access
    before."""

    before: _Answer | None = None
    access_before: str | None = None


class PathChangesOut(_Model):
    """At most 1,000 of each, the most serious first; the counts say how many."""

    opened: list[PathChangeOut]
    closed: list[PathChangeOut]
    changed: list[PathChangeOut]
    opened_count: int
    closed_count: int
    changed_count: int


class AdditionOut(_Model):
    """One thing the change adds, with its severity."""

    severity: Literal["critical", "high", "medium", "low"]
    kind: Literal["capability", "reach", "escalation", "trust", "path"]
    identity: str = Field(description="Address or node id; for a path, its entry point")
    what: str = Field(
        description="The capability class or access; for escalation and trust, the other end"
    )
    on: str | None = Field(description="The resource, scope or crown jewel")
    actions: list[str] = Field(description="For a capability: the first actions it adds")
    answer: _Answer
    text: str = Field(description="The same in one line")


class DiffOut(_Model):
    """The privilege diff: what the change grants or removes, per identity and path."""

    @property
    def prior_text(self) -> str:
        """What the world before is, in words (``the plan's prior state``...)."""
        return PRIOR_TEXT[self.prior]

    prior: Literal["state", "inputs", "empty"] = Field(
        description="The world before: the plan's prior state, the --before inputs, or empty "
        "(a first deployment, compared when --fail-on-new asks)"
    )
    summary: str = Field(description="One line; says so when nothing changed")
    new_severity: Literal["critical", "high", "medium", "low"] | None = Field(
        description="The most severe thing the change adds (what --fail-on-new gates on)"
    )
    added: list[AdditionOut] = Field(
        description="What the change adds, most severe first (the first 50; the gate weighs "
        "them all)"
    )
    identities: list[IdentityChangeOut]
    paths: PathChangesOut


class GateOut(_Model):
    """The --fail-on and --fail-on-new gates."""

    fail_on: Literal["critical", "high", "medium", "low", "none"]
    fail_on_new: Literal["critical", "high", "medium", "low", "none"] = "none"
    tripped: bool
    reasons: list[str] = Field(
        description="Why it tripped: counts at or above the threshold, and what the change adds "
        "at or above --fail-on-new"
    )


class SummaryOut(_Model):
    """Counts for a glance."""

    resources: int = Field(description="Resources analysed across inputs")
    skipped: int = Field(description="Resource entries skipped across inputs")
    by_action: dict[str, int]
    by_provider: dict[str, int]
    classified: dict[str, int] = Field(description="AI stack class → resources")
    findings: dict[str, int] = Field(description="Unsuppressed findings by severity")
    suppressed: int
    checks_run: int = Field(description="Checks that ran")
    check_errors: int = Field(description="Checks that failed to run")
    gate: GateOut


class Report(_Model):
    """A complete iacguard scan report."""

    schema_version: Literal["1.3"] = SCHEMA_VERSION
    tool: ToolInfo
    inputs: list[InputOut]
    ignored_files: list[IgnoredFileOut]
    summary: SummaryOut
    resources: list[ResourceOut] | None = Field(
        description="Every analysed resource; null when left out with --no-resources"
    )
    findings: list[FindingOut]
    checks: list[CheckOut] = Field(default_factory=list, description="The checks that ran, by id")
    errors: list[CheckErrorOut] = Field(description="Checks that failed to run")
    waivers: list[WaiverOut] = Field(description="Configuration waivers and their status")
    external_access: list[ExternalAccessOut] = Field(
        default_factory=list,
        description="Per resource with a resource policy: who outside its account gets in",
    )
    paths: list[PathOut] = Field(
        default_factory=list,
        description="Shortest paths from entry points to crown jewels, most serious first",
    )
    paths_complete: bool = Field(
        True,
        description="False when the scan stopped searching at 1,000 paths (iacguard paths "
        "lists them all)",
    )
    blast_radius: list[BlastRadiusOut] = Field(
        default_factory=list,
        description="Identities and workloads that reach a crown jewel, the widest first",
    )
    identities: list[IdentitySummaryOut] = Field(
        default_factory=list,
        description="Every identity with a capability, and its capability classes",
    )
    diff: DiffOut | None = Field(
        None,
        description="What the change grants or removes; present whenever a world before "
        "exists (a plan whose state holds resources), with empty lists when nothing "
        "identity-related changed",
    )


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Report` as serialised (aliases applied)."""
    schema = Report.model_json_schema(mode="serialization", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:iacguard:report:{SCHEMA_VERSION}"
    return schema
