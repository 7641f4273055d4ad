"""A check that raises while it runs is reported as an error of that check: the other checks
run, the report lists the error, and the gate trips because the check's findings are unknown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iacguard.config import Config
from iacguard.engine import CheckContext, ScanIndex, check, run_checks
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.resource import Resource

from .plans import EXAMPLE_PLAN, access_key, notebook, plan, write_plan
from .reports import RunCli, describe, scan_json

FAILING = Path(__file__).resolve().parent / "checks_dirs" / "runtime_error"


@pytest.fixture
def flawed_plan(tmp_path: Path) -> Path:
    """A high access key, a medium notebook: the failing check raises on the key."""
    return write_plan(tmp_path / "plan.json", plan(access_key("batch"), notebook("research")))


def test_failing_check_is_reported_and_the_scan_goes_on(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    plain = scan_json(run_cli, flawed_plan, cwd=tmp_path)
    outcome = scan_json(run_cli, flawed_plan, "--checks-dir", FAILING, cwd=tmp_path)
    assert outcome.report["errors"] == [
        {"check_id": "team-key-owner", "message": "KeyError: 'aws_iam_access_key.batch'"}
    ]
    summary = outcome.report["summary"]
    assert summary["check_errors"] == 1
    assert summary["checks_run"] == plain.report["summary"]["checks_run"] + 1
    assert outcome.findings("team-key-owner") == []
    assert (
        outcome.active()
        == plain.active()
        == [
            ("aws-iam-access-key", "aws_iam_access_key.batch"),
            ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research"),
        ]
    )


def test_failing_check_trips_the_gate_even_without_findings(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    outcome = scan_json(
        run_cli, flawed_plan, "--checks-dir", FAILING, "--fail-on", "critical", cwd=tmp_path
    )
    assert outcome.report["summary"]["findings"]["critical"] == 0
    assert outcome.exit_code == 1
    assert outcome.gate["tripped"] is True
    (reason,) = outcome.gate["reasons"]
    assert "check" in reason and "failed" in reason


def test_failing_check_adds_its_reason_to_finding_reasons(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    outcome = scan_json(run_cli, flawed_plan, "--checks-dir", FAILING, cwd=tmp_path)
    assert outcome.exit_code == 1
    reasons = outcome.gate["reasons"]
    assert reasons[0] == "1 high finding"
    assert len(reasons) == 2 and "failed" in reasons[1]


def test_no_error_is_reported_when_the_check_does_not_raise(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = write_plan(tmp_path / "plan.json", plan(notebook("research", root_access="Disabled")))
    outcome = scan_json(run_cli, path, "--checks-dir", FAILING, cwd=tmp_path)
    assert outcome.report["errors"] == []
    assert outcome.exit_code == 0


def test_console_report_names_the_failed_check(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    result = run_cli("scan", flawed_plan, "--checks-dir", FAILING, cwd=tmp_path)
    assert result.returncode == 1, describe(result)
    assert "team-key-owner" in result.stdout
    assert "KeyError" in result.stdout
    assert "FAIL" in result.stdout


def test_failing_check_on_the_example_stack(run_cli: RunCli, tmp_path: Path) -> None:
    outcome = scan_json(run_cli, EXAMPLE_PLAN, "--checks-dir", FAILING, cwd=tmp_path)
    assert [e["check_id"] for e in outcome.report["errors"]] == ["team-key-owner"]
    assert outcome.findings("aws-iam-access-key")


def test_check_calling_sys_exit_cannot_end_the_scan_with_success(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    # A check that raises SystemExit(0) must not turn the scan into a silent exit 0 with no
    # report: the gate would pass a plan with a high finding.
    exiting = Path(__file__).resolve().parent / "checks_dirs" / "exit_call"
    result = run_cli("scan", flawed_plan, "--checks-dir", exiting, "--format", "json", cwd=tmp_path)
    assert result.returncode != 0, describe(result)
    assert "team-exits" in result.stdout + result.stderr, describe(result)


# The Python API: the runner isolates failures, whatever the check does wrong.


def _resources(tmp_path: Path) -> list[Resource]:
    from iacguard.inputs import load_inputs

    path = write_plan(tmp_path / "plan.json", plan(access_key("batch")))
    return [r for doc in load_inputs([str(path)]).documents for r in doc.resources]


@check(
    id="test-raises-first",
    title="Raises",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={},
    remediation="None.",
)
def raises_first(ctx: CheckContext) -> Iterator[Finding]:
    """Raises before yielding anything."""
    raise ValueError("bad input shape")


@check(
    id="test-yields-a-string",
    title="Yields a string",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={},
    remediation="None.",
)
def yields_a_string(ctx: CheckContext) -> Iterator[Finding]:
    """Yields something that is not a finding."""
    yield "not a finding"  # type: ignore[misc]


@check(
    id="test-finds-keys",
    title="Finds keys",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={},
    remediation="None.",
)
def finds_keys(ctx: CheckContext) -> Iterator[Finding]:
    """One finding per access key."""
    for key in ctx.planned("aws_iam_access_key"):
        yield ctx.finding(key, "key")


def test_runner_isolates_each_failing_check(tmp_path: Path) -> None:
    index = ScanIndex(_resources(tmp_path), {})
    result = run_checks([raises_first, yields_a_string, finds_keys], index, Config())
    assert [(e.check_id, e.message) for e in result.errors] == [
        ("test-raises-first", "ValueError: bad input shape"),
        ("test-yields-a-string", "yielded something that is not a finding of this check"),
    ]
    assert [(f.check_id, f.resource) for f in result.findings] == [
        ("test-finds-keys", "aws_iam_access_key.batch")
    ]
    assert result.checks_run == ("test-raises-first", "test-yields-a-string", "test-finds-keys")
