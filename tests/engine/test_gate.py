"""``--fail-on``: exit 1 when an unsuppressed finding is at or above the threshold (default
``high``), 0 otherwise; ``none`` never fails. The threshold may come from the configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from .plans import EXAMPLE_PLAN, access_key, plan, write_plan
from .reports import RunCli, one_line_error, scan_json

SEVERITIES = ("critical", "high", "medium", "low", "info")
THRESHOLDS = ("critical", "high", "medium", "low", "none")

#: One built-in check per severity that fires exactly once on the example stack; ``info`` has
#: no built-in check, so the access-key check is lowered to it.
ONE_FINDING_OF = {
    "critical": ("checks:\n  enable: [ai-storage-public]\n", "ai-storage-public"),
    "high": ("checks:\n  enable: [aws-iam-access-key]\n", "aws-iam-access-key"),
    "medium": (
        "checks:\n  enable: [aws-sagemaker-notebook-root-access]\n",
        "aws-sagemaker-notebook-root-access",
    ),
    "low": (
        "checks:\n  enable: [aws-sagemaker-endpoint-data-capture]\n",
        "aws-sagemaker-endpoint-data-capture",
    ),
    "info": (
        "checks:\n  enable: [aws-iam-access-key]\nseverity:\n  aws-iam-access-key: info\n",
        "aws-iam-access-key",
    ),
}


def trips(severity: str, threshold: str) -> bool:
    """The gate's rule, stated independently of iacguard's code."""
    return threshold != "none" and SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("severity", SEVERITIES)
def test_gate_on_one_finding_of_each_severity(
    run_cli: RunCli, tmp_path: Path, severity: str, threshold: str
) -> None:
    text, check_id = ONE_FINDING_OF[severity]
    config = tmp_path / "iacguard.yaml"
    config.write_text(text, encoding="utf-8")
    outcome = scan_json(
        run_cli, EXAMPLE_PLAN, "--config", config, "--fail-on", threshold, cwd=tmp_path
    )
    (found,) = outcome.findings()
    assert (found["check_id"], found["severity"]) == (check_id, severity)
    expected = trips(severity, threshold)
    assert outcome.exit_code == (1 if expected else 0)
    assert outcome.gate == {
        "fail_on": threshold,
        "fail_on_new": "none",
        "tripped": expected,
        "reasons": [f"1 {severity} finding"] if expected else [],
    }


def test_default_threshold_is_high(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "iacguard.yaml"
    for severity, expected in (("high", 1), ("medium", 0)):
        config.write_text(ONE_FINDING_OF[severity][0], encoding="utf-8")
        outcome = scan_json(run_cli, EXAMPLE_PLAN, "--config", config, cwd=tmp_path)
        assert outcome.gate["fail_on"] == "high"
        assert outcome.exit_code == expected


def test_threshold_from_the_configuration(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "iacguard.yaml"
    config.write_text(ONE_FINDING_OF["medium"][0] + "fail_on: medium\n", encoding="utf-8")
    outcome = scan_json(run_cli, EXAMPLE_PLAN, "--config", config, cwd=tmp_path)
    assert outcome.gate["fail_on"] == "medium"
    assert outcome.exit_code == 1
    overridden = scan_json(
        run_cli, EXAMPLE_PLAN, "--config", config, "--fail-on", "critical", cwd=tmp_path
    )
    assert overridden.gate["fail_on"] == "critical"
    assert overridden.exit_code == 0


def test_reasons_count_every_severity_at_or_above(run_cli: RunCli, tmp_path: Path) -> None:
    outcome = scan_json(run_cli, EXAMPLE_PLAN, "--fail-on", "medium", cwd=tmp_path)
    counts = outcome.report["summary"]["findings"]
    assert outcome.gate["reasons"] == [
        f"{counts[s]} {s} finding{'s' if counts[s] != 1 else ''}"
        for s in ("critical", "high", "medium")
        if counts[s]
    ]
    assert outcome.exit_code == 1


def test_none_never_fails(run_cli: RunCli, tmp_path: Path) -> None:
    outcome = scan_json(run_cli, EXAMPLE_PLAN, "--fail-on", "none", cwd=tmp_path)
    assert outcome.report["summary"]["findings"]["critical"] > 0
    assert outcome.exit_code == 0
    assert outcome.gate == {
        "fail_on": "none",
        "fail_on_new": "none",
        "tripped": False,
        "reasons": [],
    }


def test_threshold_is_case_insensitive(run_cli: RunCli, tmp_path: Path) -> None:
    outcome = scan_json(run_cli, EXAMPLE_PLAN, "--fail-on", "CRITICAL", cwd=tmp_path)
    assert outcome.gate["fail_on"] == "critical"


def test_unknown_threshold_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("scan", EXAMPLE_PLAN, "--fail-on", "severe", cwd=tmp_path)
    one_line_error(result, "--fail-on", "severe")


def test_suppressed_findings_do_not_trip_the_gate(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(access_key("batch", tags={"iacguard:ignore": "aws-iam-access-key"})),
    )
    outcome = scan_json(run_cli, path, "--fail-on", "low", cwd=tmp_path)
    assert outcome.findings()[0]["suppressed"] is True
    assert outcome.exit_code == 0


def test_console_verdict_follows_the_gate(run_cli: RunCli, tmp_path: Path) -> None:
    failed = run_cli("scan", EXAMPLE_PLAN, "--fail-on", "low", cwd=tmp_path)
    assert failed.returncode == 1
    assert "FAIL" in failed.stdout and "--fail-on low" in failed.stdout
    passed = run_cli("scan", EXAMPLE_PLAN, "--fail-on", "none", cwd=tmp_path)
    assert passed.returncode == 0
    assert "PASS" in passed.stdout and "--fail-on none" in passed.stdout
