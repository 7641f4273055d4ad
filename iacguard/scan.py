"""The scan pipeline: load → normalise → classify → (check) → report model.

Takes data and returns data; the CLI does the reading of options and the writing of files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from iacguard.about import data_versions, tool_version
from iacguard.aws.query import caller_account
from iacguard.aws.resource_policies import ExternalGrant, external_access
from iacguard.config import Config
from iacguard.engine.check import Check
from iacguard.engine.context import GraphScope, ScanIndex
from iacguard.engine.runner import EngineResult, run_checks, select_checks
from iacguard.findings import SEVERITY_ORDER, FailOn, Finding, Severity, gate_reasons
from iacguard.graph import IdentityGraph, Path, blast_radius, build_graph, find_paths
from iacguard.graph.diff import (
    added_items,
    gate_trips,
    has_prior_world,
    identity_summaries,
    prior_resources,
    privilege_diff,
)
from iacguard.inputs import LoadResult
from iacguard.model.classification import Classification, ResourceClass, classify_all
from iacguard.model.document import InputKind
from iacguard.model.resource import ACTION_ORDER, Resource
from iacguard.model.values import Unknown, format_path
from iacguard.report.model import (
    BlastRadiusOut,
    CheckErrorOut,
    CheckOut,
    ClassificationOut,
    DiffOut,
    ExternalAccessOut,
    FindingOut,
    GateOut,
    IdentitySummaryOut,
    IgnoredFileOut,
    InputOut,
    LocationOut,
    PathOut,
    Report,
    ResourceOut,
    SkippedResourceOut,
    SummaryOut,
    ToolInfo,
    UnknownOut,
    WaiverOut,
)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything a scan found, before it is rendered."""

    loaded: LoadResult
    classifications: Mapping[str, Classification]
    engine: EngineResult
    external_access: tuple[ExternalGrant, ...] = ()
    paths: tuple[dict[str, Any], ...] = ()
    """Shortest paths from entry points to crown jewels (JSON form)."""
    blast_radius: tuple[dict[str, Any], ...] = ()
    """Identities and workloads on those paths, with everything they reach."""
    diff: dict[str, Any] | None = None
    """The privilege diff against the world before, when there is one (JSON form)."""
    checks: tuple[Check, ...] = ()
    """The checks that ran."""
    identities: tuple[dict[str, Any], ...] = ()
    """Every identity with a capability, and its classes."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, suppressed ones included."""
        return self.engine.findings


def scan(
    loaded: LoadResult,
    config: Config,
    checks: Sequence[Check],
    baseline: frozenset[str] = frozenset(),
    baseline_name: str = "",
    today: date | None = None,
    scope: GraphScope | None = None,
    fail_on_new: FailOn = FailOn.NONE,
    diff: bool = True,
) -> ScanResult:
    """Classify the loaded resources and run the selected checks over them, and (with
    ``diff``) compare the world the plans leave with the world before them (when their state
    holds resources, or when ``fail_on_new`` asks and the world before is empty)."""
    resources = [r for doc in loaded.documents for r in doc.resources]
    classifications = classify_all(resources, config.classification)
    index = ScanIndex(resources, classifications, scope)
    selected = select_checks(checks, config)
    engine = run_checks(selected, index, config, baseline, baseline_name, today)
    grants = external_access(index, caller_account(index))
    graph = build_graph(index)
    paths = find_paths(graph, limit=SCAN_PATH_LIMIT)
    found = None
    prior = "state" if diff and has_prior_world(resources) else None
    if prior is None and fail_on_new is not FailOn.NONE:
        plans = [d for d in loaded.documents if d.kind is InputKind.TERRAFORM_PLAN]
        prior = "empty" if plans else None
    if prior is not None:
        old = prior_resources(resources)
        old_index = ScanIndex(old, classify_all(old, config.classification), scope)
        found = privilege_diff(old_index, index, graph, prior)
    ran = set(engine.checks_run)
    return ScanResult(
        loaded,
        classifications,
        engine,
        tuple(grants),
        tuple(p.as_json() for p in paths),
        tuple(_blast(graph, paths)),
        found,
        tuple(c for c in selected if c.id in ran),
        tuple(identity_summaries(index, graph)),
    )


#: Paths a scan searches for at most (``iacguard paths`` finds them all).
SCAN_PATH_LIMIT = 1000


def _blast(graph: IdentityGraph, paths: list[Path]) -> list[dict[str, Any]]:
    """The blast radius of every identity and workload on a path, the widest first."""
    seen: dict[str, None] = {}
    for path in paths:
        for node in path.nodes[:-1]:
            if node.kind not in _NOT_ACTORS:
                seen.setdefault(node.id, None)
    found = []
    for node_id in seen:
        node = graph.nodes[node_id]
        radius = blast_radius(graph, node_id, limit=10)
        found.append(
            {
                "id": node_id,
                "kind": node.kind,
                "address": node.address if node.address != node_id else None,
                "count": radius["count"],
                "allowed": radius["allowed"],
                "by_class": radius["by_class"],
                "reaches": [r["id"] for r in radius["reaches"]],
            }
        )
    return sorted(found, key=lambda b: (-b["count"], b["id"]))


#: Nodes on a path that do not act themselves (exposure objects, external principals).
_NOT_ACTORS = {"Service", "Ingress", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute",
               "ci-subject", "aws-principal"}  # fmt: skip


def _unknowns(resource: Resource) -> list[UnknownOut]:
    """Unknown values that come from other resources: the ones that explain a Maybe."""
    out = []
    for path, marker in resource.unknown_paths():
        if isinstance(marker, Unknown) and marker.references:
            out.append(
                UnknownOut(
                    path=format_path(path),
                    references=list(marker.references),
                    sources=list(marker.sources),
                    origins=list(marker.origins),
                )
            )
    return out


def _classification(found: Classification | None) -> ClassificationOut | None:
    if found is None:
        return None
    return ClassificationOut(
        resource_class=found.resource_class, rule=found.rule, reason=found.reason
    )


def _finding(finding: Finding) -> FindingOut:
    return FindingOut(
        check_id=finding.check_id,
        title=finding.title,
        severity=finding.severity.value,
        confidence=finding.confidence.value,
        resource=finding.resource,
        location=LocationOut(
            path=finding.location.path,
            address=finding.location.address,
            pointer=finding.location.pointer,
            line=finding.location.line,
        ),
        message=finding.message,
        evidence=[dict(e) for e in finding.evidence],
        remediation=finding.remediation,
        frameworks={k: list(v) for k, v in sorted(finding.frameworks.items())},
        suppressed=finding.suppressed,
        suppressed_by=finding.suppressed_by,
        suppression_reason=finding.suppression_reason,
        fingerprint=finding.fingerprint,
    )


def _new_reasons(document: dict[str, Any] | None, fail_on_new: FailOn) -> list[str]:
    """Why ``--fail-on-new`` trips: what the change adds at or above the threshold."""
    if document is None or not gate_trips(document, fail_on_new.value):
        return []
    threshold = Severity(fail_on_new.value).rank
    counts = Counter(
        item["severity"]
        for item in added_items(document)
        if Severity(item["severity"]).rank <= threshold
    )
    found = ", ".join(f"{counts[s.value]} {s.value}" for s in SEVERITY_ORDER if counts[s.value])
    total = sum(counts.values())
    return [
        f"the change adds {total} addition{'s' if total != 1 else ''} at or above "
        f"{fail_on_new.value} ({found}; --fail-on-new)"
    ]


def build_report(
    result: ScanResult,
    fail_on: FailOn,
    include_resources: bool = True,
    fail_on_new: FailOn = FailOn.NONE,
) -> Report:
    """Turn a scan result into the report model every renderer reads."""
    documents = result.loaded.documents
    inputs = []
    resources: list[ResourceOut] = []
    by_action: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    for doc in documents:
        read_during_plan = sum(1 for r in doc.resources if r.read_during_plan)
        inputs.append(
            InputOut(
                path=doc.path,
                kind=doc.kind.value,
                format_version=doc.format_version,
                terraform_version=doc.tool_version,
                resource_changes=doc.resource_changes,
                analysed=len(doc.resources) - read_during_plan,
                data_sources_read_during_plan=read_during_plan,
                skipped=[
                    SkippedResourceOut(address=s.address, reason=s.reason, pointer=s.source.pointer)
                    for s in doc.skipped
                ],
                warnings=list(doc.warnings),
                errors=list(doc.errors),
            )
        )
        for resource in doc.resources:
            by_action[resource.action.value] += 1
            by_provider[resource.provider] += 1
            if include_resources:
                resources.append(
                    ResourceOut(
                        address=resource.address,
                        type=resource.type,
                        mode="data" if resource.is_data else "managed",
                        provider=resource.provider,
                        action=resource.action.value,
                        input=doc.path,
                        previous_address=resource.previous_address,
                        classification=_classification(
                            result.classifications.get(resource.address)
                        ),
                        unknown=_unknowns(resource),
                    )
                )
    resources.sort(key=lambda r: (r.address, r.input, r.action))
    findings = sorted(
        result.findings,
        key=lambda f: (f.severity.rank, f.check_id, f.resource, f.location.path),
    )
    active = [f for f in findings if not f.suppressed]
    errors = result.engine.errors
    reasons = gate_reasons(findings, fail_on, [e.check_id for e in errors])
    reasons += _new_reasons(result.diff, fail_on_new)
    class_counts = Counter(c.resource_class for c in result.classifications.values())
    summary = SummaryOut(
        resources=sum(len(d.resources) for d in documents),
        skipped=sum(len(d.skipped) for d in documents),
        by_action={a.value: by_action[a.value] for a in ACTION_ORDER if by_action[a.value]},
        by_provider=dict(sorted(by_provider.items())),
        classified={c.value: class_counts[c] for c in ResourceClass if class_counts[c]},
        findings={s.value: sum(1 for f in active if f.severity is s) for s in SEVERITY_ORDER},
        suppressed=len(findings) - len(active),
        checks_run=len(result.engine.checks_run),
        check_errors=len(errors),
        gate=GateOut(
            fail_on=fail_on.value,
            fail_on_new=fail_on_new.value,
            tripped=bool(reasons),
            reasons=reasons,
        ),
    )
    return Report(
        tool=ToolInfo(version=tool_version(), data=data_versions()),
        inputs=inputs,
        ignored_files=[IgnoredFileOut(path=i.path, reason=i.reason) for i in result.loaded.ignored],
        summary=summary,
        resources=resources if include_resources else None,
        findings=[_finding(f) for f in findings],
        checks=[
            CheckOut(
                id=c.id,
                title=c.title,
                severity=c.severity.value,
                confidence=c.confidence.value,
                inspects=list(c.inspects),
                frameworks={k: list(v) for k, v in sorted(c.frameworks.items())},
                remediation=c.remediation,
                summary=c.summary,
                provider=c.provider,
            )
            for c in sorted(result.checks, key=lambda c: c.id)
        ],
        errors=[CheckErrorOut(check_id=e.check_id, message=e.message) for e in errors],
        waivers=[
            WaiverOut(
                check=w.waiver.check,
                resource=w.waiver.resource,
                reason=w.waiver.reason,
                expires=w.waiver.expires.isoformat() if w.waiver.expires else None,
                status=w.status,
                findings=w.findings,
            )
            for w in result.engine.waivers
        ],
        external_access=[
            ExternalAccessOut(
                resource=g.resource,
                principal=g.principal,
                kind=g.kind,
                actions=list(g.actions),
                source=g.source,
                sid=g.sid,
                conditional=g.conditional,
            )
            for g in result.external_access
        ],
        paths=[PathOut.model_validate(p) for p in result.paths],
        paths_complete=len(result.paths) < SCAN_PATH_LIMIT,
        blast_radius=[BlastRadiusOut.model_validate(b) for b in result.blast_radius],
        identities=[IdentitySummaryOut.model_validate(i) for i in result.identities],
        diff=DiffOut.model_validate(result.diff) if result.diff is not None else None,
    )
