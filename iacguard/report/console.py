"""The human-readable console report (``--format text``), drawn with rich."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from iacguard.report.model import Report, path_line

_SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
_ACTION_STYLE = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "delete": "red",
    "forget": "red",
    "read": "cyan",
    "no-op": "dim",
}
#: CIS AWS versions are all in the report; the console shows the newest to stay readable.
_LATEST_CIS_AWS = "7.0.0"
#: Rows shown per section before "... and N more" (the JSON report has everything).
_MAX_ROWS = 25


_IDENTITY_WORDS = (
    "iam",
    "policy",
    "role",
    "principal",
    "member",
    "identity",
    "service_account",
    "trust",
    "binding",
    "annotations",
    "oidc",
    "permission",
)


def _identity_relevant(address: str, path: str) -> bool:
    """True for values that decide who can do what: policies, roles, trust, members."""
    text = f"{address} {path}".lower()
    return any(word in text for word in _IDENTITY_WORDS)


def _more(table: Table, shown: int, total: int, columns: int) -> None:
    if total > shown:
        table.add_row(*([f"… and {total - shown} more (see --format json)"] + [""] * (columns - 1)))


def build_console_report(report: Report) -> Group:
    """Return the rich renderable of a report."""
    parts: list[object] = []
    summary = report.summary
    head = Text()
    head.append(f"iacguard {report.tool.version}", style="bold")
    head.append(
        f"  {len(report.inputs)} input{'s' if len(report.inputs) != 1 else ''}, "
        f"{summary.resources} resources"
        + (f", {summary.skipped} skipped" if summary.skipped else "")
    )
    parts.append(head)

    inputs = Table(title="Inputs", title_justify="left", expand=False)
    for column in ("input", "kind", "format", "terraform", "changes", "analysed", "skipped"):
        inputs.add_column(column, overflow="fold")
    for item in report.inputs:
        inputs.add_row(
            escape(item.path),
            item.kind,
            item.format_version or "-",
            item.terraform_version or "-",
            str(item.resource_changes),
            str(item.analysed)
            + (
                f" +{item.data_sources_read_during_plan} data"
                if item.data_sources_read_during_plan
                else ""
            ),
            str(len(item.skipped)),
        )
    parts.append(inputs)
    for item in report.inputs:
        for warning in item.warnings:
            parts.append(Text(f"warning: {item.path}: {warning}", style="yellow"))

    actions = list(summary.by_action)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    if report.resources is not None:
        for resource in report.resources:
            row = counts[resource.provider]
            row[resource.action] = row.get(resource.action, 0) + 1
        table = Table(title="Resources by provider and action", title_justify="left")
        table.add_column("provider")
        for action in actions:
            table.add_column(action, justify="right", style=_ACTION_STYLE.get(action, ""))
        table.add_column("total", justify="right", style="bold")
        for provider in sorted(counts):
            row = counts[provider]
            table.add_row(
                provider, *(str(row.get(a, 0) or "") for a in actions), str(sum(row.values()))
            )
        parts.append(table)

        classified = [r for r in report.resources if r.classification is not None]
        if classified:
            table = Table(title="AI stack resources", title_justify="left")
            for column in ("class", "address", "action", "why"):
                table.add_column(column, overflow="fold")
            classified.sort(
                key=lambda r: (
                    r.classification.resource_class if r.classification else "",
                    r.address,
                )
            )
            for resource in classified[:_MAX_ROWS]:
                assert resource.classification is not None
                table.add_row(
                    resource.classification.resource_class,
                    escape(resource.address),
                    Text(resource.action, style=_ACTION_STYLE.get(resource.action, "")),
                    escape(resource.classification.reason),
                )
            _more(table, min(len(classified), _MAX_ROWS), len(classified), 4)
            parts.append(table)

        unknown = [(r.address, u) for r in report.resources for u in r.unknown]
        identity = [(a, u) for a, u in unknown if _identity_relevant(a, u.path)]
        if identity:
            grouped: dict[str, tuple[list[str], set[str]]] = {}
            for address, value in identity:
                paths, origins = grouped.setdefault(address, ([], set()))
                paths.append(value.path)
                origins.update(value.origins or value.sources or value.references)
            lines = Text("Identity and policy values known only after apply\n", style="bold")
            for shown, (address, (paths, origins)) in enumerate(grouped.items()):
                if shown == _MAX_ROWS:
                    lines.append(f"  … and {len(grouped) - shown} more (see --format json)\n")
                    break
                lines.append(f"  {address}", style="bold")
                lines.append(f"  {', '.join(dict.fromkeys(paths))}\n")
                lines.append(f"      depends on {', '.join(sorted(origins))}\n", style="dim")
            parts.append(lines)
        if len(unknown) > len(identity):
            parts.append(
                Text(
                    f"{len(unknown) - len(identity)} other values come from resources not yet "
                    "created (see --format json).",
                    style="dim",
                )
            )
    else:
        line = ", ".join(f"{n} {a}" for a, n in summary.by_action.items())
        parts.append(Text(f"Resources by action: {line}"))

    skipped = [(i.path, s) for i in report.inputs for s in i.skipped]
    if skipped:
        table = Table(title="Skipped resources", title_justify="left")
        for column in ("input", "address", "reason"):
            table.add_column(column, overflow="fold")
        for path, entry in skipped:
            table.add_row(escape(path), escape(entry.address), escape(entry.reason))
        parts.append(table)
    if report.ignored_files:
        table = Table(title="Files not read", title_justify="left")
        table.add_column("file", overflow="fold")
        table.add_column("reason", overflow="fold")
        for ignored in report.ignored_files:
            table.add_row(escape(ignored.path), escape(ignored.reason))
        parts.append(table)

    if report.findings:
        parts.append(Text("Findings", style="bold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=10, no_wrap=True)
        grid.add_column(overflow="fold")
        for finding in report.findings:
            if finding.suppressed:
                label = Text("suppressed", style="dim")
            else:
                label = Text(finding.severity.upper(), style=_SEVERITY_STYLE[finding.severity])
            body = Text()
            body.append(finding.check_id, style="bold")
            body.append(f"  {finding.resource}\n{finding.message}")
            if finding.confidence != "high":
                body.append(f" (confidence {finding.confidence})", style="dim")
            if finding.suppressed:
                body.append(f"\nsuppressed: {finding.suppression_reason}", style="dim")
            else:
                mapped = " · ".join(
                    f"{framework} {', '.join(controls)}"
                    for framework, controls in finding.frameworks.items()
                    if not framework.startswith("cis-aws-foundations-")
                    or framework.endswith(_LATEST_CIS_AWS)
                )
                body.append(f"\n{mapped}", style="dim")
            grid.add_row(label, body)
        parts.append(grid)
    else:
        parts.append(Text("No findings.", style="green"))

    if report.external_access:
        table = Table(title="Who outside the account gets in", title_justify="left")
        for column in ("resource", "principal", "actions", "policy"):
            table.add_column(column, overflow="fold")
        for grant in report.external_access[:_MAX_ROWS]:
            principal = "anyone (*)" if grant.principal == "*" else grant.principal
            if grant.conditional:
                principal += " (under conditions)"
            table.add_row(
                escape(grant.resource),
                escape(principal),
                escape(", ".join(grant.actions)),
                escape(grant.source + (f" {grant.sid}" if grant.sid else "")),
            )
        _more(table, min(len(report.external_access), _MAX_ROWS), len(report.external_access), 4)
        parts.append(table)
    if report.paths:
        table = Table(
            title=f"Paths from entry points to crown jewels ({len(report.paths)})",
            title_justify="left",
        )
        for column in ("jewel", "path", "answer"):
            table.add_column(column, overflow="fold")
        for found in report.paths[:_MAX_ROWS]:
            table.add_row(
                escape(found.jewel or ""),
                escape(path_line(found)),
                "yes" if found.decision == "allowed" else "maybe",
            )
        _more(table, min(len(report.paths), _MAX_ROWS), len(report.paths), 3)
        parts.append(table)
    if report.blast_radius:
        table = Table(title="Blast radius", title_justify="left")
        for column in ("identity or workload", "crown jewels", "reaches"):
            table.add_column(column, overflow="fold")
        for radius in report.blast_radius[:_MAX_ROWS]:
            classes = ", ".join(f"{n} {c}" for c, n in radius.by_class.items())
            table.add_row(
                escape(radius.id),
                f"{radius.count} ({classes})",
                escape(", ".join(radius.reaches[:3])),
            )
        _more(table, min(len(report.blast_radius), _MAX_ROWS), len(report.blast_radius), 3)
        parts.append(table)
    if report.diff is not None:
        parts.extend(_diff_parts(report))
    if report.errors:
        table = Table(title="Checks that failed to run", title_justify="left")
        table.add_column("check", style="bold red")
        table.add_column("error", overflow="fold")
        for error in report.errors:
            table.add_row(error.check_id, escape(error.message))
        parts.append(table)
    for waiver in report.waivers:
        if waiver.status == "expired":
            parts.append(
                Text(
                    f"waiver expired on {waiver.expires}: {waiver.check} on {waiver.resource} "
                    f"({waiver.findings} finding{'s' if waiver.findings != 1 else ''} no longer "
                    "suppressed)",
                    style="yellow",
                )
            )
        elif waiver.status == "unused":
            parts.append(
                Text(f"waiver matched nothing: {waiver.check} on {waiver.resource}", style="dim")
            )

    counts_line = ", ".join(f"{n} {s}" for s, n in summary.findings.items() if n) or "none"
    verdict = Text()
    if summary.gate.tripped:
        verdict.append("FAIL", style="bold red")
    else:
        verdict.append("PASS", style="bold green")
    verdict.append(
        f"  findings: {counts_line}"
        + (f"; {summary.suppressed} suppressed" if summary.suppressed else "")
        + f"; {summary.checks_run} checks ran"
        + (f", {summary.check_errors} failed" if summary.check_errors else "")
        + f"  (--fail-on {summary.gate.fail_on}"
        + (
            f", --fail-on-new {summary.gate.fail_on_new})"
            if summary.gate.fail_on_new != "none"
            else ")"
        )
    )
    parts.append(verdict)
    for reason in summary.gate.reasons:
        parts.append(Text(f"  {reason}", style="red"))
    return Group(*parts)  # type: ignore[arg-type]


def _diff_parts(report: Report) -> list[object]:
    """The privilege diff: its one line, what it adds (most severe first) and the paths it
    opens or closes."""
    diff = report.diff
    assert diff is not None
    parts: list[object] = [
        Text(f"Change against {diff.prior_text}: ", style="bold").append(diff.summary, style="")
    ]
    if diff.added:
        table = Table(title="What the change adds", title_justify="left")
        table.add_column("severity", style="bold")
        table.add_column("addition", overflow="fold")
        for item in diff.added[:_MAX_ROWS]:
            table.add_row(item.severity, escape(item.text))
        if len(diff.added) > _MAX_ROWS:  # in the wide column, so the severities stay narrow
            table.add_row("", f"… and {len(diff.added) - _MAX_ROWS} more (see --format json)")
        parts.append(table)
    moved = [("opened", p) for p in diff.paths.opened] + [("closed", p) for p in diff.paths.closed]
    if moved:
        table = Table(title="Paths the change opens or closes", title_justify="left")
        for column in ("", "path", "answer"):
            table.add_column(column, overflow="fold")
        for what, found in moved[:_MAX_ROWS]:
            table.add_row(
                what,
                escape(path_line(found)),
                "yes" if found.decision == "allowed" else "maybe",
            )
        _more(table, min(len(moved), _MAX_ROWS), len(moved), 3)
        parts.append(table)
    return parts


def render_text(report: Report, width: int = 120, color: bool = False) -> str:
    """Render the console report to a string (for files and tests)."""
    buffer = StringIO()
    console = Console(
        file=buffer, width=width, color_system="standard" if color else None, highlight=False
    )
    console.print(build_console_report(report))
    return buffer.getvalue()
