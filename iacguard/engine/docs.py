"""The checks reference (``docs/checks.md``), generated from the registered checks so that
code and documentation cannot drift. A test fails when the committed page is stale."""

from __future__ import annotations

from collections.abc import Sequence

from iacguard.engine.check import Check
from iacguard.frameworks import Catalog, Control


def mapped_controls(item: Check, catalog: Catalog) -> list[Control]:
    """The catalog controls a check maps to, by framework id then in the check's order."""
    return [
        catalog.frameworks[framework_id].controls[control_id]
        for framework_id, controls in sorted(item.frameworks.items())
        for control_id in controls
    ]


def render_checks_reference(checks: Sequence[Check], catalog: Catalog) -> str:
    """Markdown page documenting every check: metadata, frameworks, docs, remediation."""
    lines = [
        "# Checks",
        "",
        "<!-- Generated from the registered checks by `pytest --update-golden`; do not edit. -->",
        "",
        f"{len(checks)} checks. Each section's anchor is the check id; "
        "`iacguard checks show ID` prints the same text.",
        "",
        "| id | severity | title |",
        "|---|---|---|",
    ]
    lines += [f"| [`{c.id}`](#{c.id}) | {c.severity.value} | {c.title} |" for c in checks]
    for item in checks:
        lines += [
            "",
            f"## {item.id}",
            "",
            f"**{item.title}**",
            "",
            f"- Severity: {item.severity.value}; confidence: {item.confidence.value}",
            f"- Inspects: {', '.join(f'`{t}`' for t in item.inspects)}",
            f"- Provided by: {item.provider}",
            "- Frameworks:",
        ]
        for control in mapped_controls(item, catalog):
            framework = catalog.frameworks[control.framework]
            lines.append(
                f"  - {framework.name} {framework.version} `{control.id}`: {control.title}"
            )
        lines += ["", item.docs, "", f"**Remediation.** {item.remediation}"]
    return "\n".join(lines) + "\n"
