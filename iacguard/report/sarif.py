"""SARIF 2.1.0 (``--format sarif``, ``--output report.sarif``): for GitHub code scanning and
every other SARIF consumer.

One run; its rules are the checks that ran (``report.checks``), its results the findings.

* ``level`` from the severity: critical and high ``error``, medium ``warning``, low and info
  ``note``; ``properties.security-severity`` (GitHub's scale: 9.5, 8.0, 5.5, 3.0, 0.0) ranks
  them in code scanning. Tags carry the framework controls (``nist-csf-2.0/PR.AA-05``).
* A result is located in its input file (relative paths under ``%SRCROOT%``), at its line when
  known, and always by its resource address as a logical location: plan findings point at
  the plan, which has no useful line; the address says which resource.
* ``partialFingerprints["iacguardFingerprint/v1"]`` is the finding's stable fingerprint (check,
  resource, key): code scanning follows a finding across runs and commits by it.
* Suppressed findings stay in, with a ``suppressions`` entry (``inSource`` for an inline
  annotation or tag, ``external`` for a waiver or the baseline) and its justification.
* Checks that failed to run are tool execution notifications, and make the invocation
  unsuccessful.

Everything comes from the report model, whose values are already redacted.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Final
from urllib.parse import quote

from iacguard.report.model import CheckOut, FindingOut, Report

SARIF_VERSION: Final = "2.1.0"
SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY: Final = "iacguardFingerprint/v1"

LEVELS: Final = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
SECURITY_SEVERITY: Final = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}
_PRECISION: Final = {"high": "high", "medium": "medium", "low": "low"}


def _rule_name(check_id: str) -> str:
    """``aws-iam-wildcard-action`` → ``AwsIamWildcardAction`` (SARIF's ``name``)."""
    return "".join(part.capitalize() for part in check_id.split("-"))


def _tags(frameworks: dict[str, list[str]]) -> list[str]:
    return [
        "security",
        *(f"{name}/{control}" for name in frameworks for control in frameworks[name]),
    ]


def _help(check: CheckOut) -> dict[str, str]:
    controls = [f"{name}: {', '.join(ids)}" for name, ids in check.frameworks.items()]
    text = check.remediation + ("\n\nControls: " + "; ".join(controls) if controls else "")
    markdown = check.remediation
    if controls:
        markdown += "\n\n**Controls**\n\n" + "\n".join(f"- {line}" for line in controls)
    return {"text": text, "markdown": markdown}


def _rule(check: CheckOut) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": _rule_name(check.id),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.summary or check.title},
        "help": _help(check),
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "tags": _tags(check.frameworks),
            "security-severity": SECURITY_SEVERITY[check.severity],
            "precision": _PRECISION[check.confidence],
            "problem.severity": LEVELS[check.severity],
            "provider": check.provider,
        },
    }


def _artifact(path: str) -> dict[str, str]:
    """The input as a SARIF artifact location: relative paths under ``%SRCROOT%``."""
    if path in ("-", "<stdin>"):
        return {"uri": "stdin"}
    windows = PureWindowsPath(path)
    if windows.drive or path.startswith("/"):
        posix = windows.as_posix() if windows.drive else path
        return {"uri": "file://" + ("" if posix.startswith("/") else "/") + quote(posix, safe="/:")}
    posix = PurePosixPath(path.replace("\\", "/")).as_posix()
    return {"uri": quote(posix), "uriBaseId": "%SRCROOT%"}


def _location(finding: FindingOut) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(finding.location.path)}
    if finding.location.line:
        physical["region"] = {"startLine": finding.location.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    address = finding.location.address or finding.resource
    if address:
        location["logicalLocations"] = [{"fullyQualifiedName": address, "kind": "resource"}]
    return location


def _result(finding: FindingOut, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "level": LEVELS[finding.severity],
        "kind": "fail",
        "message": {"text": f"{finding.title}: {finding.message}"},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "confidence": finding.confidence,
            "resource": finding.resource,
            "frameworks": finding.frameworks,
            "remediation": finding.remediation,
        },
    }
    if finding.check_id in index:
        result["ruleIndex"] = index[finding.check_id]
    if finding.suppressed:
        suppression: dict[str, Any] = {
            "kind": "inSource" if finding.suppressed_by == "inline" else "external",
            "status": "accepted",
        }
        reason = finding.suppression_reason or finding.suppressed_by
        if reason:
            suppression["justification"] = reason
        result["suppressions"] = [suppression]
    return result


def build_sarif(report: Report) -> dict[str, Any]:
    """The SARIF log of a report, as a JSON-ready dictionary."""
    checks = {c.id: c for c in report.checks}
    for finding in report.findings:  # a finding of a check the report does not describe
        if finding.check_id not in checks:
            checks[finding.check_id] = CheckOut(
                id=finding.check_id,
                title=finding.title,
                severity=finding.severity,
                confidence=finding.confidence,
                inspects=[],
                frameworks=finding.frameworks,
                remediation=finding.remediation,
                summary="",
                provider="unknown",
            )
    rules = [checks[key] for key in sorted(checks)]
    index = {rule.id: position for position, rule in enumerate(rules)}
    notifications = [
        {
            "level": "error",
            "message": {"text": f"check {error.check_id} failed to run: {error.message}"},
            "descriptor": {"id": error.check_id},
        }
        for error in report.errors
    ]
    gate = report.summary.gate
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "iacguard",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": notifications,
            }
        ],
        "originalUriBaseIds": {
            "%SRCROOT%": {
                "description": {"text": "The directory iacguard ran in (inputs are relative)"}
            }
        },
        "results": [_result(f, index) for f in report.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "schema_version": report.schema_version,
            "gate": gate.model_dump(),
            "findings": report.summary.findings,
        },
    }
    if report.diff is not None:
        run["properties"]["diff"] = {
            "summary": report.diff.summary,
            "new_severity": report.diff.new_severity,
        }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0 JSON, indented, keys in a fixed order: the same report gives the same
    bytes."""
    return json.dumps(build_sarif(report), indent=2, ensure_ascii=False) + "\n"
