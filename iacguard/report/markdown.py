"""The Markdown report (``--format markdown``): a merge-request comment or a file.

Forges cap the size of a comment (GitHub 65,536 characters, GitLab 1,000,000), so
:func:`render_markdown` never returns more than ``max_chars`` characters. When the whole report
does not fit, it gives up detail in this order of priority, keeping everything of a higher
priority before anything of a lower one, and states at the top exactly what it left out and
where the full report is (``full_report``: a CI artifact's address, say):

1. the heading, verdict and counts, and the privilege diff's line and most severe additions
   (always shown);
2. the privilege diff's paths opened or closed, and trust and escalation per identity;
3. checks that failed to run (they make the gate fail);
4. unsuppressed findings, critical first; the evidence of a severity goes (for that severity
   and every lower one) before any finding does;
5. the privilege diff's capabilities and crown jewels reached per identity (shown right after
   the rest of the diff);
6. paths to crown jewels and the blast radius (shown before the findings);
7. suppressed findings, and the configuration's waivers;
8. AI-stack resources;
9. unknown values (known only after apply);
10. inputs details: inputs, their warnings, skipped resources and files not read.

Characters are counted as UTF-16 code units, which is never fewer than code points, so the
limit holds however a forge counts.

Escaping: text taken from inputs or checks (addresses, messages, reasons, titles) cannot break
the Markdown or inject HTML.

* Addresses, paths, check ids and pointers outside tables are code spans, fenced with more
  backticks than the value contains: exact and copyable, and Markdown, HTML and ``@mentions``
  inside them are inert.
* Everything else (prose, and every table cell) goes through :func:`_text`: ``& < >`` become
  entities, ``|`` becomes ``&#124;`` (a backslash-escaped pipe is read differently by different
  GFM table parsers when the text itself has a backslash before it), Markdown punctuation is
  backslash-escaped, a line-starting ``- + = 1.`` is escaped, a zero-width joiner follows every
  ``@`` so no one is mentioned, the ``:`` of ``://`` and the ``.`` of ``www.`` are escaped so
  GFM does not autolink a URL (it would read the URL raw, escapes included, and offer a link
  taken from an input), and line breaks become ``<br>``. Addresses in table cells are wrapped
  in ``<code>`` around that escaped text.
* A check's title and remediation are its author's prose: their `single backtick` spans are
  kept as code spans (built as above), the rest is escaped like any text. Messages, which
  quote inputs, are escaped whole.
* Control and bidirectional-override characters are shown as ``\\uXXXX``, so nothing is
  hidden or reordered.
* Evidence is JSON in a fenced code block, fenced with more backticks than it contains.

The only HTML the report contains is its own: ``<details>``, ``<summary>``, ``<code>``, ``<br>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic_core import to_jsonable_python

from iacguard.errors import UsageError
from iacguard.findings import SEVERITY_ORDER, Severity
from iacguard.model.classification import ResourceClass
from iacguard.report.model import AdditionOut, FindingOut, Report, path_line

#: Maximum size of a GitHub issue or pull-request comment.
GITHUB_COMMENT_LIMIT: Final = 65_536
#: Maximum size of a GitLab note (merge-request comment).
GITLAB_NOTE_LIMIT: Final = 1_000_000

#: Tables with more rows than this are collapsed in a ``<details>`` block.
_COLLAPSE_ROWS: Final = 10

_SEVERITY_LABEL: Final = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Info",
}
_CLASS_ORDER: Final = {c.value: i for i, c in enumerate(ResourceClass)}

# C0 and C1 controls (tab and line breaks are handled apart) and bidirectional formatting
# characters, which can hide text or show it in another order than it is read.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_PUNCTUATION = re.compile(r"([\\`*\[\]~#$])")
# An underscore between two letters or digits never emphasises (CommonMark's intraword rule),
# so ``aws_iam_role`` stays readable in the raw file; any other underscore is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")
_BACKTICKS = re.compile(r"`+")
_INLINE_CODE = re.compile(r"`([^`\r\n]+)`")
_AUTOLINK = re.compile(r"(?i)(?<=www)\.|:(?=//)")
_ZERO_WIDTH_JOINER: Final = "\u200d"


# --------------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------------


def _size(text: str) -> int:
    """Size as forges may count it: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _visible(value: str) -> str:
    """Show control and bidi characters as ``\\uXXXX`` and tabs as spaces."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value).replace("\t", " ")


def _text(value: str, *, line_start: bool = False) -> str:
    """Escape text from an input for a paragraph, list item, heading or table cell.

    The result is one line: line breaks become ``<br>``. With ``line_start``, text that would
    open a block (a list, a setext heading underline) when it starts a line is escaped too.
    """
    return _escape(_visible(value).strip(), line_start=line_start)


def _escape(text: str, *, line_start: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    # After the punctuation pass, so the entity's '#' is not escaped.
    text = text.replace("|", "&#124;")
    text = text.replace("@", "@" + _ZERO_WIDTH_JOINER)
    # GFM's extended autolinks read a bare URL raw, backslash escapes and entities included:
    # escaping the colon of "://" and the dot of "www." keeps such text plain, exact and
    # unclickable (a link taken from an input is not offered as one).
    text = _AUTOLINK.sub(r"\\\g<0>", text)
    if line_start:
        text = _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return _NEWLINE.sub("<br>", text)


def _prose(value: str) -> str:
    """Like :func:`_text`, but `single backtick` spans become code spans.

    For a check's title and remediation, whose authors mark code that way. Not for table cells
    (a code span cannot hold an escaped pipe the same way in every GFM parser).
    """
    text = _visible(value).strip()
    parts: list[str] = []
    code = ""  # adjacent spans are joined: `a``b` side by side would read as one odd span
    last = 0
    for match in _INLINE_CODE.finditer(text):
        between = text[last : match.start()]
        if between and code:
            parts.append(_code(code))
            code = ""
        parts.append(_escape(between))
        code += match[1]
        last = match.end()
    if code:
        parts.append(_code(code))
    parts.append(_escape(text[last:]))
    return "".join(parts)


def _code(value: str) -> str:
    """A code span holding ``value`` exactly (line breaks become spaces). Not for tables."""
    text = _NEWLINE.sub(" ", _visible(value))
    if not text:
        return "*(empty)*"
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end when both ends have one; pad so it strips ours.
    if text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " " and text.strip()):
        text = f" {text} "
    return f"{fence}{text}{fence}"


def _cell_code(value: str) -> str:
    """An address or path in a table cell: ``<code>`` around escaped text."""
    return f"<code>{_text(value)}</code>" if value.strip() else ""


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |\n"


def _header(*columns: str) -> str:
    return _row(columns) + _row(["---"] * len(columns))


def _fenced(language: str, content: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{content}\n{fence}\n"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _left_out(omitted: int, total: int, singular: str, plural: str) -> str:
    """``3 of 40 high findings``, or ``all 40 high findings`` when none is shown."""
    if omitted < total:
        return f"{omitted} of {total} {plural}"
    if total == 1:
        return f"1 {singular}"
    return f"both {plural}" if total == 2 else f"all {total} {plural}"


def _and_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------------------------
# Budget
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Budget:
    """Characters left. Once something does not fit, nothing after it is taken."""

    remaining: int
    closed: bool = False

    def fits(self, size: int) -> bool:
        return not self.closed and size <= self.remaining

    def take(self, size: int) -> bool:
        if self.fits(size):
            self.remaining -= size
            return True
        self.closed = True
        return False


# --------------------------------------------------------------------------------------------
# Head: heading, verdict, counts
# --------------------------------------------------------------------------------------------


def _head(report: Report) -> str:
    summary = report.summary
    gate = summary.gate
    option = f"(`--fail-on {gate.fail_on}`)"
    if gate.tripped:
        reasons = [_text(r) for r in gate.reasons]
        if not reasons:
            reasons = [_plural(sum(summary.findings.values()), "unsuppressed finding")]
        verdict = f"❌ **FAIL** {option}: {_and_list(reasons)}."
    elif gate.fail_on == "none":
        verdict = f"✅ **PASS** {option}: the gate is off."
    else:
        verdict = f"✅ **PASS** {option}: no unsuppressed findings at or above {gate.fail_on}."

    checks = _plural(summary.checks_run, "check")
    if summary.check_errors:
        checks += f" ({summary.check_errors} failed to run)"
    scanned = [f"{_plural(summary.resources, 'resource')} analysed"]
    if summary.skipped:
        scanned.append(f"{summary.skipped} skipped")
    scanned.append(f"{sum(summary.classified.values())} in the AI stack")
    line = (
        f"iacguard {_text(report.tool.version)} ran {checks} over "
        f"{_plural(len(report.inputs), 'input')}: " + ", ".join(scanned) + "."
    )
    if report.resources is None:
        line += " The resource list was left out of this report (`--no-resources`)."

    counts = (
        _row([*(_SEVERITY_LABEL[s.value] for s in SEVERITY_ORDER), "Suppressed"])
        + _row(["---:"] * (len(SEVERITY_ORDER) + 1))
        + _row(
            [
                *(str(summary.findings.get(s.value, 0)) for s in SEVERITY_ORDER),
                str(summary.suppressed),
            ]
        )
    )
    return f"# iacguard report\n\n{verdict}\n\n{line}\n\n{counts}\n"


def _note(left_out: Sequence[str], max_chars: int, full_report: str | None = None) -> str:
    if not left_out:
        return ""
    where = (
        f"The full report: {_code(full_report)}."
        if full_report
        else "The JSON report (`--format json`) has everything."
    )
    return (
        f"> **Not shown, to fit the {max_chars:,}-character limit:** {_and_list(left_out)}. "
        f"{where}\n\n"
    )


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------


def _rank(finding: FindingOut) -> int:
    return Severity(finding.severity).rank


def _frameworks(frameworks: Mapping[str, Sequence[str]]) -> str:
    parts = []
    for framework, controls in sorted(frameworks.items()):
        ids = ", ".join(_text(c) for c in controls)
        parts.append(f"{_text(framework)}: {ids}" if ids else _text(framework))
    return " · ".join(parts)


def _location(finding: FindingOut) -> str:
    where = finding.location
    text = _code(where.path)
    if where.line is not None:
        text += f" line {where.line}"
    if where.pointer:
        text += f" at {_code(where.pointer)}"
    if where.address and where.address != finding.resource:
        text += f" ({_code(where.address)})"
    return text


def _evidence(evidence: Sequence[Mapping[str, Any]]) -> str:
    # As the JSON report would hold it (sets as lists, dates as text, keys as strings).
    jsonable = to_jsonable_python(list(evidence), fallback=str)
    data = json.dumps(jsonable, indent=2, sort_keys=True, ensure_ascii=False)
    # Controls and bidi characters can only sit in JSON strings: escape them the JSON way.
    data = _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", data)
    return (
        f"<details><summary>Evidence ({_plural(len(evidence), 'item')})</summary>\n\n"
        + _fenced("json", data)
        + "\n</details>\n\n"
    )


def _finding_block(finding: FindingOut, *, with_evidence: bool) -> str:
    """One finding: heading, message, a list of its facts, and its evidence."""
    label = _SEVERITY_LABEL[finding.severity]
    lines = [
        f"#### {label}: {_prose(finding.title) or _code(finding.check_id)}",
        "",
        _text(finding.message, line_start=True) or "*(no message)*",
        "",
        f"- **Check:** {_code(finding.check_id)} · **Confidence:** {finding.confidence}",
    ]
    if finding.frameworks:
        lines.append(f"- **Frameworks:** {_frameworks(finding.frameworks)}")
    lines.append(f"- **Location:** {_location(finding)}")
    if finding.remediation.strip():
        lines.append(f"- **Remediation:** {_prose(finding.remediation)}")
    if finding.evidence and not with_evidence:
        lines.append(
            f"- **Evidence:** {_plural(len(finding.evidence), 'item')}, not shown to fit the "
            "size limit (see the JSON report)."
        )
    block = "\n".join(lines) + "\n\n"
    if finding.evidence and with_evidence:
        block += _evidence(finding.evidence)
    return block


@dataclass(frozen=True, slots=True)
class _FindingsPlan:
    """Unsuppressed findings in priority order, each rendered with and without evidence."""

    ordered: list[FindingOut]
    worst: dict[str, int]
    heading: str
    resource_heading: dict[str, str]
    full: list[str]
    brief: list[str]

    @classmethod
    def of(cls, report: Report) -> _FindingsPlan:
        active = [f for f in report.findings if not f.suppressed]
        worst: dict[str, int] = {}
        for finding in active:
            worst[finding.resource] = min(
                worst.get(finding.resource, len(SEVERITY_ORDER)), _rank(finding)
            )
        ordered = sorted(
            active,
            key=lambda f: (
                _rank(f),
                worst[f.resource],
                f.resource,
                f.check_id,
                f.location.path,
                f.location.pointer or "",
                f.location.line or 0,
                f.message,
            ),
        )
        return cls(
            ordered=ordered,
            worst=worst,
            heading=f"## Findings ({len(active)})\n\n",
            resource_heading={r: f"### {_code(r)}\n\n" for r in worst},
            full=[_finding_block(f, with_evidence=True) for f in ordered],
            brief=[_finding_block(f, with_evidence=False) for f in ordered],
        )

    def layout(self, budget: _Budget) -> tuple[str, list[str]]:
        """Take findings by priority within the budget; the text and what was left out."""
        if not self.ordered:
            return "", []
        full_size = [_size(block) for block in self.full]
        brief_size = [_size(block) for block in self.brief]
        heading_size = {r: _size(h) for r, h in self.resource_heading.items()}
        chosen: dict[int, bool] = {}  # index in ordered → shown with its evidence
        opened: set[str] = set()
        left_out: list[str] = []
        with_evidence = True

        def cost(indices: Sequence[int], full: bool) -> int:
            total = 0 if chosen else _size(self.heading)
            total += sum(
                heading_size[r] for r in {self.ordered[i].resource for i in indices} - opened
            )
            return total + sum((full_size if full else brief_size)[i] for i in indices)

        def choose(indices: Sequence[int], full: bool) -> None:
            for i in indices:
                chosen[i] = full
                opened.add(self.ordered[i].resource)

        for severity in SEVERITY_ORDER:
            group = [i for i, f in enumerate(self.ordered) if f.severity == severity.value]
            if not group:
                continue
            # fits() before take(): a group that does not fit with its evidence may still fit
            # without it, so this failure must not close the budget.
            if with_evidence and budget.fits(cost(group, True)):
                budget.take(cost(group, True))
                choose(group, True)
                continue
            with_evidence = False
            if budget.fits(cost(group, False)):
                budget.take(cost(group, False))
                choose(group, False)
            else:
                for i in group:
                    if not budget.take(cost([i], False)):
                        break
                    choose([i], False)
            shown = [i for i in group if i in chosen]
            noun = (f"{severity.value} finding", f"{severity.value} findings")
            if len(shown) < len(group):
                left_out.append(_left_out(len(group) - len(shown), len(group), *noun))
            no_evidence = sum(1 for i in shown if self.ordered[i].evidence)
            if no_evidence:
                left_out.append(f"the evidence of {_plural(no_evidence, *noun)}")

        if not chosen:
            return "", left_out
        by_resource: dict[str, list[int]] = {}
        for i in sorted(chosen):
            by_resource.setdefault(self.ordered[i].resource, []).append(i)
        parts = [self.heading]
        for resource in sorted(by_resource, key=lambda r: (self.worst[r], r)):
            parts.append(self.resource_heading[resource])
            parts.extend(
                self.full[i] if chosen[i] else self.brief[i] for i in by_resource[resource]
            )
        return "".join(parts), left_out


# --------------------------------------------------------------------------------------------
# Table sections: suppressed findings, AI-stack resources, unknown values, inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    """A table (or list) of a section; ``rows`` are complete lines."""

    lead: str
    header: str
    rows: list[str]
    singular: str
    plural: str


@dataclass(frozen=True, slots=True)
class _Section:
    """A heading, tables taken row by row within the budget, and a closing line."""

    opening: str
    tables: list[_Table]
    closing: str = ""

    def layout(self, budget: _Budget) -> tuple[str, list[str]]:
        """Take rows in order within the budget; the text and what was left out."""
        shown: list[list[str]] = [[] for _ in self.tables]
        opened = False
        for table, rows in zip(self.tables, shown, strict=True):
            for row in table.rows:
                cost = _size(row)
                if not rows:
                    cost += _size(table.lead + table.header) + 1
                if not opened:
                    cost += _size(self.opening) + _size(self.closing)
                if not budget.take(cost):
                    break
                opened = True
                rows.append(row)
        left_out = [
            _left_out(len(table.rows) - len(rows), len(table.rows), table.singular, table.plural)
            for table, rows in zip(self.tables, shown, strict=True)
            if len(rows) < len(table.rows)
        ]
        if not opened:
            return "", left_out
        body = "".join(
            table.lead + table.header + "".join(rows) + "\n"
            for table, rows in zip(self.tables, shown, strict=True)
            if rows
        )
        return self.opening + body + self.closing, left_out


def _collapsible(heading: str, rows: int, summary: str, *, always: bool = False) -> tuple[str, str]:
    """Opening and closing of a section, collapsed when it is long."""
    if always or rows > _COLLAPSE_ROWS:
        return f"{heading}<details><summary>{summary}</summary>\n\n", "</details>\n\n"
    return heading, ""


def _errors_section(report: Report) -> _Section:
    errors = sorted(report.errors, key=lambda e: (e.check_id, e.message))
    rows = [_row([_cell_code(e.check_id), _text(e.message)]) for e in errors]
    heading = (
        f"## Checks that failed to run ({len(rows)})\n\n"
        "Their findings are unknown, so the gate fails.\n\n"
    )
    opening, closing = _collapsible(heading, len(rows), f"Show {_plural(len(rows), 'check')}")
    table = _Table("", _header("Check", "Error"), rows, "check error", "check errors")
    return _Section(opening, [table], closing)


def _suppressed_section(report: Report) -> _Section:
    suppressed = sorted(
        (f for f in report.findings if f.suppressed),
        key=lambda f: (_rank(f), f.resource, f.check_id, f.location.pointer or "", f.message),
    )
    rows = [
        _row(
            [
                _text(f.severity),
                _cell_code(f.check_id),
                _cell_code(f.resource),
                _text(f.suppressed_by or ""),
                _text(f.suppression_reason or "") or "*(no reason given)*",
            ]
        )
        for f in suppressed
    ]
    waivers = [
        _row(
            [
                _cell_code(w.check),
                _cell_code(w.resource),
                _text(w.reason),
                _text(w.expires or "-"),
                _text(w.status),
                str(w.findings),
            ]
        )
        for w in report.waivers
    ]
    summary = f"Show {_plural(len(rows), 'suppressed finding')}"
    if waivers:
        summary += f" and {_plural(len(waivers), 'waiver')}"
    opening, closing = _collapsible(
        f"## Suppressed findings ({len(rows)})\n\n", len(rows), summary, always=True
    )
    tables = [
        _Table(
            "",
            _header("Severity", "Check", "Resource", "By", "Reason"),
            rows,
            "suppressed finding",
            "suppressed findings",
        ),
        _Table(
            "**Waivers**\n\n",
            _header("Check", "Resource", "Reason", "Expires", "Status", "Findings"),
            waivers,
            "waiver",
            "waivers",
        ),
    ]
    return _Section(opening, tables, closing)


def _paths_section(report: Report) -> _Section:
    rows = [
        _row(
            [
                _text(p.jewel or ""),
                _cell_code(path_line(p)),
                _text(p.entry or ""),
                "yes" if p.decision == "allowed" else "maybe",
            ]
        )
        for p in report.paths
    ]
    blast = [
        _row(
            [
                _cell_code(b.id),
                str(b.count),
                _text(", ".join(f"{n} {c}" for c, n in b.by_class.items())),
            ]
        )
        for b in report.blast_radius
    ]
    heading = (
        f"## Paths to crown jewels ({len(rows)})\n\n"
        "Shortest paths from exposed workloads, agents, notebooks, CI subjects and external "
        "principals to data, secrets, keys and control (`iacguard paths` shows each hop's "
        "evidence).\n\n"
    )
    opening, closing = _collapsible(heading, len(rows), f"Show {_plural(len(rows), 'path')}")
    tables = [
        _Table("", _header("Jewel", "Path", "Entry", "Certain"), rows, "path", "paths"),
        _Table(
            "**Blast radius**\n\n",
            _header("Identity or workload", "Crown jewels", "By class"),
            blast,
            "blast radius",
            "blast radii",
        ),
    ]
    return _Section(opening, tables, closing)


#: Additions spelled out under the diff's heading (the tables below list them all).
_LEAD_ITEMS: Final = 5


def _addition(item: AdditionOut) -> str:
    """One addition as a sentence: ``grants `aws_iam_role.x` `s3:PutObject` on `arn...```."""
    who = _code(item.identity)
    maybe = " *(maybe)*" if item.answer == "unknown" else ""
    label = f"**{_SEVERITY_LABEL[item.severity]}**: "
    if item.kind == "capability":
        actions = (
            ", ".join(_code(a) for a in item.actions[:3])
            + (" …" if len(item.actions) > 3 else "")
            + f" ({_text(item.what)})"
            if item.actions
            else _text(item.what) + " (its role's permissions are not in the inputs)"
        )
        return f"{label}grants {who} {actions} on {_code(item.on or '')}{maybe}"
    if item.kind == "reach":
        return f"{label}lets {who} reach {_code(item.on or '')} ({_text(item.what)}){maybe}"
    if item.kind == "escalation":
        return f"{label}lets {who} become or control {_code(item.what)}{maybe}"
    if item.kind == "trust":
        return f"{label}lets {_code(item.what)} act as {who}{maybe}"
    return f"{label}opens a path from {who} to {_code(item.on or '')} ({_text(item.what)}){maybe}"


def _quoted_options(text: str) -> str:
    """``--before`` as code."""
    return re.sub(r"(--[a-z-]+)", r"`\1`", text)


def _diff_head(report: Report) -> str:
    """The diff's heading, its one line and its most severe additions: kept whatever the
    size limit."""
    diff = report.diff
    if diff is None:
        return ""
    lines = [
        "## What this change grants or removes\n\n",
        f"{_text(diff.summary)} *Compared with {_prose(_quoted_options(diff.prior_text))}.*\n\n",
    ]
    for item in diff.added[:_LEAD_ITEMS]:
        lines.append(f"- {_addition(item)}\n")
    if len(diff.added) > _LEAD_ITEMS:
        more = len(diff.added) - _LEAD_ITEMS
        lines.append(f"- … and {_plural(more, 'more addition')} (tables below)\n")
    if diff.added:
        lines.append("\n")
    return "".join(lines)


def _answer(value: str | None) -> str:
    return {"allowed": "yes", "unknown": "maybe"}.get(value or "", "")


def _changed(before: str | None, after: str) -> str:
    return f"{_answer(before)} → {_answer(after)}" if before and before != after else "changed"


def _diff_sections(report: Report) -> tuple[_Section, _Section]:
    """The paths opened, closed or changed, and per identity its trust and escalations; then
    per identity its capabilities and reach, added, removed or changed."""
    diff = report.diff
    if diff is None:
        return _Section("", []), _Section("", [])
    capabilities: list[str] = []
    edges: list[str] = []
    reaches: list[str] = []
    for item in diff.identities:
        who = _cell_code(item.address or item.id)
        if item.change != "changed":
            who += f" ({'new' if item.change == 'added' else 'removed'})"
        caps = item.capabilities
        for change, entries in (("added", caps.added), ("removed", caps.removed)):
            for cap in entries:
                actions = ", ".join(cap.actions[:5]) + (
                    f" and {cap.action_count - 5} more" if cap.action_count > 5 else ""
                )
                if cap.patterns and cap.action_count > 5:
                    actions = f"{', '.join(cap.patterns)} ({cap.action_count} actions)"
                if not cap.actions:
                    actions = f"not known: {', '.join(cap.via)} is not defined in the inputs"
                capabilities.append(_row([who, change, _text(cap.capability_class),
                                          _cell_code(cap.resource), _text(actions),
                                          _answer(cap.answer)]))  # fmt: skip
        for cap in caps.changed:
            what = []
            if cap.actions_added_count:
                what.append("+ " + ", ".join(cap.actions_added or []))
            if cap.actions_removed_count:
                what.append("- " + ", ".join(cap.actions_removed or []))
            capabilities.append(_row([who, _changed(cap.before, cap.answer),
                                      _text(cap.capability_class), _cell_code(cap.resource),
                                      _text("; ".join(what)), _answer(cap.answer)]))  # fmt: skip
        for label, part in (("trusted by", item.trust), ("can become", item.escalations)):
            for change, edge_entries in (("added", part.added), ("removed", part.removed),
                                         ("changed", part.changed)):  # fmt: skip
                for edge in edge_entries:
                    status = _changed(edge.before, edge.answer) if change == "changed" else change
                    kinds = ", ".join("control" if k == "grants" else k for k in edge.kinds)
                    edges.append(_row([who, status, _text(label), _cell_code(edge.id),
                                       _text(kinds), _text("; ".join(edge.why)),
                                       _answer(edge.answer)]))  # fmt: skip
        for change, reach_entries in (("added", item.reaches.added),
                                      ("removed", item.reaches.removed),
                                      ("changed", item.reaches.changed)):  # fmt: skip
            for reach in reach_entries:
                access = reach.access or ""
                if change == "changed" and reach.access_before != reach.access:
                    access = f"{reach.access_before} → {reach.access}"
                status = _changed(reach.before, reach.decision) if change == "changed" else change
                reaches.append(_row([who, status, _text(access), _cell_code(reach.id),
                                     _answer(reach.decision)]))  # fmt: skip
    paths = [
        _row([change, _cell_code(path_line(p)), _text(p.access or ""),
              _changed(p.before, p.decision) if change == "changed" else _answer(p.decision)])
        for change, found in (("opened", diff.paths.opened), ("closed", diff.paths.closed),
                              ("changed", diff.paths.changed))
        for p in found
    ]  # fmt: skip
    main_rows = len(paths) + len(edges)
    opening, closing = _collapsible(
        "", main_rows, f"Show {_plural(main_rows, 'path, trust and escalation change')}"
    )
    main = _Section(
        opening,
        [
            _Table(
                "**Paths from entry points**\n\n",
                _header("Change", "Path", "Access", "Certain"),
                paths,
                "path change",
                "path changes",
            ),
            _Table(
                "**Trust and escalation**\n\n",
                _header("Identity", "Change", "Relation", "Other", "Kinds", "Why", "Certain"),
                edges,
                "trust or escalation change",
                "trust and escalation changes",
            ),
        ],
        closing,
    )
    detail_rows = len(capabilities) + len(reaches)
    opening, closing = _collapsible(
        "", detail_rows, f"Show {_plural(detail_rows, 'capability and reach change')}"
    )
    detail = _Section(
        opening,
        [
            _Table(
                "**Capabilities**\n\n",
                _header("Identity", "Change", "Class", "On", "Actions", "Certain"),
                capabilities,
                "capability change",
                "capability changes",
            ),
            _Table(
                "**Crown jewels reached**\n\n",
                _header("Identity", "Change", "Access", "Crown jewel", "Certain"),
                reaches,
                "reach change",
                "reach changes",
            ),
        ],
        closing,
    )
    return main, detail


def _ai_stack_section(report: Report) -> _Section:
    classified = sorted(
        ((r.classification, r) for r in report.resources or [] if r.classification is not None),
        key=lambda pair: (_CLASS_ORDER[pair[0].resource_class.value], pair[1].address),
    )
    rows = [
        _row(
            [
                _text(c.resource_class.value),
                _cell_code(r.address),
                _text(r.action),
                _text(c.reason),
            ]
        )
        for c, r in classified
    ]
    opening, closing = _collapsible(
        f"## AI-stack resources ({len(rows)})\n\n", len(rows), f"Show {len(rows)} resources"
    )
    table = _Table(
        "",
        _header("Class", "Resource", "Action", "Why"),
        rows,
        "AI-stack resource",
        "AI-stack resources",
    )
    return _Section(opening, [table], closing)


def _unknown_section(report: Report) -> _Section:
    unknown = sorted(
        ((r.address, u) for r in report.resources or [] for u in r.unknown),
        key=lambda pair: (pair[0], pair[1].path),
    )
    rows = [
        _row(
            [
                _cell_code(address),
                _cell_code(value.path),
                ", ".join(
                    _cell_code(o) for o in (value.origins or value.sources or value.references)
                ),
            ]
        )
        for address, value in unknown
    ]
    heading = (
        f"## Unknown values ({len(rows)})\n\n"
        "Known only after apply: they depend on resources that do not exist yet.\n\n"
    )
    opening, closing = _collapsible(heading, len(rows), f"Show {len(rows)} values")
    table = _Table(
        "",
        _header("Resource", "Attribute", "Depends on"),
        rows,
        "unknown value",
        "unknown values",
    )
    return _Section(opening, [table], closing)


def _inputs_section(report: Report) -> _Section:
    inputs = [
        _row(
            [
                _cell_code(i.path),
                _text(i.kind),
                _text(i.format_version or "-"),
                _text(i.terraform_version or "-"),
                str(i.resource_changes),
                str(i.analysed)
                + (
                    f" (+{i.data_sources_read_during_plan} data sources)"
                    if i.data_sources_read_during_plan
                    else ""
                ),
                str(len(i.skipped)),
            ]
        )
        for i in report.inputs
    ]
    warnings = [f"- {_code(i.path)}: {_text(w)}\n" for i in report.inputs for w in i.warnings]
    skipped = [
        _row([_cell_code(i.path), _cell_code(s.address), _text(s.reason)])
        for i in report.inputs
        for s in i.skipped
    ]
    ignored = [
        _row([_cell_code(f.path), _text(f.reason)])
        for f in sorted(report.ignored_files, key=lambda f: f.path)
    ]
    summary = ", ".join(
        [
            _plural(len(inputs), "input"),
            _plural(len(skipped), "skipped resource"),
            _plural(len(ignored), "file") + " not read",
        ]
    )
    opening, closing = _collapsible("## Inputs\n\n", len(inputs), summary, always=True)
    tables = [
        _Table(
            "",
            _header("Input", "Kind", "Format", "Terraform", "Changes", "Analysed", "Skipped"),
            inputs,
            "row of the inputs table",
            "rows of the inputs table",
        ),
        _Table("**Warnings**\n\n", "", warnings, "input warning", "input warnings"),
        _Table(
            "**Skipped resources**\n\n",
            _header("Input", "Resource", "Reason"),
            skipped,
            "skipped resource",
            "skipped resources",
        ),
        _Table(
            "**Files not read**\n\n",
            _header("File", "Reason"),
            ignored,
            "file not read",
            "files not read",
        ),
    ]
    return _Section(opening, tables, closing)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def render_markdown(
    report: Report, max_chars: int = GITHUB_COMMENT_LIMIT, full_report: str | None = None
) -> str:
    """Render a report as Markdown of at most ``max_chars`` characters (UTF-16 code units).

    When the whole report does not fit, lower-priority parts are left out and a note at the top
    names each of them. The same report always gives the same text.

    Raises:
        UsageError: ``max_chars`` is too small even for the verdict and counts.
    """
    head = _head(report) + _diff_head(report)
    diff, diff_detail = _diff_sections(report)
    no_findings = ""
    if not report.findings:
        no_findings = "## Findings\n\nNo findings.\n\n"
    elif all(f.suppressed for f in report.findings):
        no_findings = "## Findings\n\nNo unsuppressed findings.\n\n"
    errors = _errors_section(report)
    findings = _FindingsPlan.of(report)
    paths = _paths_section(report)
    sections = [
        _suppressed_section(report),
        _ai_stack_section(report),
        _unknown_section(report),
        _inputs_section(report),
    ]

    budget_chars = max_chars - _size(head) - _size(no_findings)
    while True:
        budget = _Budget(max(budget_chars, 0))
        # Taken in order of priority, shown in the order of the report.
        diff_text, left_out = diff.layout(budget)
        errors_text, missing = errors.layout(budget)
        left_out += missing
        findings_text, missing = findings.layout(budget)
        left_out += missing
        detail_text, missing = diff_detail.layout(budget)
        left_out += missing
        paths_text, missing = paths.layout(budget)
        left_out += missing
        body = diff_text + detail_text + errors_text + paths_text + no_findings + findings_text
        for section in sections:
            text, missing = section.layout(budget)
            body += text
            left_out += missing
        document = (head + _note(left_out, max_chars, full_report) + body).rstrip("\n") + "\n"
        overflow = _size(document) - max_chars
        if overflow <= 0:
            return document
        if budget_chars <= 0:
            raise UsageError(
                f"a Markdown report of this scan needs at least {_size(document)} characters "
                f"for its verdict and counts; the limit is {max_chars}"
            )
        budget_chars -= overflow
