"""GitLab Code Quality (``--format gitlab-codequality``): the JSON array GitLab shows in merge
requests (``artifacts:reports:codequality``).

One issue per unsuppressed finding, with the fields GitLab documents: ``description``,
``check_name``, ``fingerprint`` (the finding's stable fingerprint, unique per issue),
``severity`` (``info``, ``minor``, ``major``, ``critical``, ``blocker``: iacguard's critical is
a blocker, high critical, medium major, low minor, info info) and ``location.path`` with
``location.lines.begin`` (line 1 when the input gives no line, as GitLab requires one). Also
``type``, ``categories`` and ``content.body`` (the remediation and the controls), which
GitLab accepts and Code Climate defines.
"""

from __future__ import annotations

import json
from typing import Any, Final

from iacguard.report.model import FindingOut, Report

SEVERITIES: Final = {
    "critical": "blocker",
    "high": "critical",
    "medium": "major",
    "low": "minor",
    "info": "info",
}


def _issue(finding: FindingOut) -> dict[str, Any]:
    controls = "; ".join(f"{name}: {', '.join(ids)}" for name, ids in finding.frameworks.items())
    body = finding.remediation + (f"\n\nControls: {controls}" if controls else "")
    return {
        "type": "issue",
        "check_name": finding.check_id,
        "description": f"{finding.title}: {finding.message} ({finding.resource})",
        "content": {"body": body},
        "categories": ["Security"],
        "fingerprint": finding.fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {
            "path": finding.location.path,
            "lines": {"begin": finding.location.line or 1},
        },
    }


def build_codequality(report: Report) -> list[dict[str, Any]]:
    """The Code Quality issues of a report (unsuppressed findings, most severe first)."""
    return [_issue(f) for f in report.findings if not f.suppressed]


def render_codequality(report: Report) -> str:
    """The JSON array, indented; the same report gives the same bytes."""
    return json.dumps(build_codequality(report), indent=2, ensure_ascii=False) + "\n"
