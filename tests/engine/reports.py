"""Running ``iacguard`` as a user would, and reading what it reports.

Every JSON report read here is validated against the schema shipped inside the package, so each
scenario of these tests is also a schema test.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@cache
def report_schema() -> dict[str, Any]:
    """``iacguard/report/report.schema.json`` as the installed package ships it."""
    text = files("iacguard.report").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """What a finished process did, for assertion messages."""
    return (
        f"{' '.join(map(str, result.args))} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[:4000]}\n--- stderr ---\n{result.stderr[:4000]}"
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    """Neither stream shows a Python traceback or an internal error."""
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, describe(result)
        assert "internal error" not in stream, describe(result)


def one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> str:
    """Exit 2 with exactly one ``iacguard: error:`` line naming every one of ``names``."""
    assert_no_traceback(result)
    assert result.returncode == 2, describe(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, describe(result)
    line = lines[0]
    assert line.startswith("iacguard: error: "), describe(result)
    for name in names:
        assert name in line, f"{name!r} not in {line!r}"
    assert result.stdout == "", describe(result)
    return line


@dataclass(frozen=True)
class ScanOutcome:
    """A finished ``iacguard scan --format json`` and its schema-valid report."""

    exit_code: int
    report: dict[str, Any]
    stderr: str

    def findings(self, check_id: str | None = None) -> list[dict[str, Any]]:
        """Findings, suppressed ones included, optionally of one check."""
        found: list[dict[str, Any]] = self.report["findings"]
        return [f for f in found if check_id is None or f["check_id"] == check_id]

    def finding(self, check_id: str, resource: str) -> dict[str, Any]:
        """The one finding of ``check_id`` about ``resource``."""
        found = [f for f in self.findings(check_id) if f["resource"] == resource]
        assert len(found) == 1, f"{check_id} on {resource}: {len(found)} findings"
        return found[0]

    def active(self) -> list[tuple[str, str]]:
        """(check id, resource) of the unsuppressed findings, sorted."""
        return sorted(
            (f["check_id"], f["resource"]) for f in self.findings() if not f["suppressed"]
        )

    @property
    def gate(self) -> dict[str, Any]:
        """``summary.gate`` of the report."""
        gate: dict[str, Any] = self.report["summary"]["gate"]
        return gate


def scan_json(
    run_cli: RunCli, *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> ScanOutcome:
    """Run ``iacguard scan ARGS --format json`` in ``cwd``; the report must match the schema."""
    result = run_cli("scan", *args, "--format", "json", cwd=cwd, env=env)
    assert_no_traceback(result)
    assert result.returncode in (0, 1), describe(result)
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    gate_exit = 1 if report["summary"]["gate"]["tripped"] else 0
    assert result.returncode == gate_exit, describe(result)
    return ScanOutcome(result.returncode, report, result.stderr)
