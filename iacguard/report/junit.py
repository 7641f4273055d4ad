"""JUnit XML (``--format junit``, ``--output report.xml``): for GitLab's and Jenkins' test
reports.

One ``<testsuite>`` per check that ran, one ``<testcase>`` per check and resource it inspects
(``classname`` the check, ``name`` the resource): a finding is a ``<failure>`` (its
severity as ``type``, its message, location, evidence and remediation as text), a suppressed
finding a ``<skipped>`` with the reason, and a resource without findings passes. A check that
failed to run is one ``<error>`` case. Without the resource list (``--no-resources``), a
check without findings is one passing case.

The shape is the common denominator GitLab, Jenkins and the Ant schema read: ``testsuites``
with ``name``, ``tests``, ``failures``, ``errors``, ``skipped`` and ``time``; each suite with
the same counts; cases with ``classname``, ``name``, ``file`` and ``time``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Final

from iacguard.report.model import FindingOut, Report

#: XML 1.0 forbids these characters even as references; they are shown as ``\\uXXXX``.
_FORBIDDEN: Final = {c: f"\\u{c:04x}" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}


def _clean(text: str) -> str:
    return text.translate(_FORBIDDEN)


def _failure_text(finding: FindingOut) -> str:
    lines = [
        finding.message,
        "",
        f"Resource: {finding.resource}",
        f"Location: {finding.location.path}"
        + (f":{finding.location.line}" if finding.location.line else "")
        + (f" ({finding.location.pointer})" if finding.location.pointer else ""),
        f"Severity: {finding.severity} (confidence {finding.confidence})",
    ]
    for name, controls in finding.frameworks.items():
        lines.append(f"{name}: {', '.join(controls)}")
    if finding.evidence:
        lines += ["", "Evidence:", json.dumps(finding.evidence, indent=2, ensure_ascii=False)]
    lines += ["", f"Remediation: {finding.remediation}", f"Fingerprint: {finding.fingerprint}"]
    return _clean("\n".join(lines))


def build_junit(report: Report) -> ET.Element:
    """The ``<testsuites>`` element of a report."""
    by_check: dict[str, dict[str, list[FindingOut]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        by_check[finding.check_id][finding.resource].append(finding)
    types: dict[str, list[str]] = defaultdict(list)
    for item in report.resources or []:
        types[item.type].append(item.address)
    inputs = {item.address: item.input for item in report.resources or []}
    errors = {error.check_id: error.message for error in report.errors}
    check_ids = sorted({c.id for c in report.checks} | set(by_check) | set(errors))
    inspects = {c.id: c.inspects for c in report.checks}
    titles = {c.id: c.title for c in report.checks}

    root = ET.Element("testsuites", {"name": "iacguard"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check_id in check_ids:
        suite = ET.SubElement(root, "testsuite", {"name": check_id})
        if check_id in titles:
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(
                properties, "property", {"name": "title", "value": _clean(titles[check_id])}
            )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if check_id in errors:
            case = ET.SubElement(
                suite, "testcase", {"classname": check_id, "name": "(check)", "time": "0"}
            )
            error = ET.SubElement(case, "error", {"message": _clean(errors[check_id])})
            error.text = _clean(errors[check_id])
            counts["tests"] += 1
            counts["errors"] += 1
        found = by_check.get(check_id, {})
        resources = set(found)
        for type_ in inspects.get(check_id, ()):
            resources.update(types.get(type_, ()))
        if not resources and check_id not in errors:
            resources.add("(no resource inspected)" if report.resources is not None else "(all)")
        for resource in sorted(resources):
            findings = found.get(resource, [])
            path = findings[0].location.path if findings else inputs.get(resource)
            attributes = {"classname": check_id, "name": _clean(resource), "time": "0"}
            if path:
                attributes["file"] = _clean(path)
            case = ET.SubElement(suite, "testcase", attributes)
            counts["tests"] += 1
            active = [f for f in findings if not f.suppressed]
            if active:
                worst = active[0]
                failure = ET.SubElement(
                    case,
                    "failure",
                    {"message": _clean(f"{worst.title}: {worst.message}"), "type": worst.severity},
                )
                failure.text = "\n\n----\n\n".join(_failure_text(f) for f in active)
                counts["failures"] += 1
            elif findings:
                reasons = sorted(
                    {f"{f.suppressed_by}: {f.suppression_reason or '-'}" for f in findings}
                )
                ET.SubElement(
                    case, "skipped", {"message": _clean("suppressed (" + "; ".join(reasons) + ")")}
                )
                counts["skipped"] += 1
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", str(counts["errors"]))
        suite.set("skipped", str(counts["skipped"]))
        suite.set("time", "0")
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    return root


def render_junit(report: Report) -> str:
    """JUnit XML text, indented; the same report gives the same bytes."""
    root = build_junit(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
