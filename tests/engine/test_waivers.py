"""Waivers in the configuration file accept the findings of a check on matching resources, for
a reason, until an optional expiry date; the report says what each waiver did."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from iacguard.config import Config, WaiverSettings
from iacguard.engine.suppression import Waiver
from iacguard.inputs import load_inputs
from iacguard.scan import scan

from .plans import access_key, notebook, plan, write_plan
from .reports import RunCli, describe, one_line_error, scan_json

TODAY = date.today()
REASON = "legacy batch uploader, replaced by IRSA in Q3"


@pytest.fixture
def flawed_plan(tmp_path: Path) -> Path:
    """Three access keys (high) and a notebook with root access (medium)."""
    return write_plan(
        tmp_path / "plan.json",
        plan(
            access_key("legacy_a"),
            access_key("legacy_b"),
            access_key("batch"),
            notebook("research", direct_internet_access="Enabled"),
        ),
    )


def write_waivers(folder: Path, *entries: str) -> Path:
    """A configuration file whose ``waivers`` are the YAML mappings ``entries``."""
    body = "".join("  - " + entry.strip().replace("\n", "\n    ") + "\n" for entry in entries)
    path = folder / "iacguard.yaml"
    path.write_text("waivers:\n" + body, encoding="utf-8")
    return path


def test_waiver_with_a_reason_suppresses(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(access_key("batch")))
    config = write_waivers(
        tmp_path,
        f"check: aws-iam-access-key\nresource: aws_iam_access_key.batch\nreason: {REASON}",
    )
    outcome = scan_json(run_cli, path, "--config", config, cwd=tmp_path)
    found = outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")
    assert found["suppressed"] is True
    assert found["suppressed_by"] == "waiver"
    assert found["suppression_reason"] == REASON
    summary = outcome.report["summary"]
    assert summary["suppressed"] == 1
    assert summary["findings"]["high"] == 0
    assert outcome.exit_code == 0
    assert outcome.report["waivers"] == [
        {
            "check": "aws-iam-access-key",
            "resource": "aws_iam_access_key.batch",
            "reason": REASON,
            "expires": None,
            "status": "active",
            "findings": 1,
        }
    ]


def test_waiver_until_a_future_date_suppresses_and_says_until_when(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    until = (TODAY + timedelta(days=30)).isoformat()
    config = write_waivers(
        tmp_path, f"check: aws-iam-access-key\nreason: {REASON}\nexpires: {until}"
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    keys = outcome.findings("aws-iam-access-key")
    assert len(keys) == 3
    for found in keys:
        assert found["suppressed_by"] == "waiver"
        assert REASON in found["suppression_reason"]
        assert until in found["suppression_reason"]
    (waiver,) = outcome.report["waivers"]
    assert waiver["status"] == "active"
    assert waiver["expires"] == until
    assert waiver["findings"] == 3


def test_waiver_is_valid_through_its_expiry_day(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_waivers(
        tmp_path, f"check: aws-iam-access-key\nreason: {REASON}\nexpires: {TODAY.isoformat()}"
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert outcome.report["waivers"][0]["status"] == "active"
    assert all(f["suppressed"] for f in outcome.findings("aws-iam-access-key"))


def test_expired_waiver_does_not_suppress(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    expired = (TODAY - timedelta(days=1)).isoformat()
    config = write_waivers(
        tmp_path,
        f"check: aws-iam-access-key\nresource: aws_iam_access_key.batch\n"
        f"reason: {REASON}\nexpires: {expired}",
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    found = outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")
    assert found["suppressed"] is False
    assert found["suppressed_by"] is None
    assert "expired" in found["message"]
    assert expired in found["message"]
    other = outcome.finding("aws-iam-access-key", "aws_iam_access_key.legacy_a")
    assert "expired" not in other["message"]
    assert outcome.report["waivers"] == [
        {
            "check": "aws-iam-access-key",
            "resource": "aws_iam_access_key.batch",
            "reason": REASON,
            "expires": expired,
            "status": "expired",
            "findings": 1,
        }
    ]
    assert outcome.report["summary"]["suppressed"] == 0
    assert outcome.exit_code == 1


def test_expired_waiver_is_shown_on_the_console(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    expired = (TODAY - timedelta(days=10)).isoformat()
    config = write_waivers(
        tmp_path, f"check: aws-iam-access-key\nreason: {REASON}\nexpires: {expired}"
    )
    result = run_cli("scan", flawed_plan, "--config", config, cwd=tmp_path)
    assert result.returncode == 1, describe(result)
    assert f"expired on {expired}" in result.stdout


def test_unused_waiver_is_reported(run_cli: RunCli, tmp_path: Path, flawed_plan: Path) -> None:
    config = write_waivers(
        tmp_path,
        f"check: aws-iam-access-key\nresource: aws_iam_access_key.retired\nreason: {REASON}",
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert outcome.report["waivers"][0]["status"] == "unused"
    assert outcome.report["waivers"][0]["findings"] == 0
    assert outcome.report["summary"]["suppressed"] == 0
    assert outcome.exit_code == 1


def test_resource_glob_waives_only_matching_resources(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_waivers(
        tmp_path,
        f"check: aws-iam-access-key\nresource: 'aws_iam_access_key.legacy_*'\nreason: {REASON}",
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    suppressed = {f["resource"] for f in outcome.findings("aws-iam-access-key") if f["suppressed"]}
    assert suppressed == {"aws_iam_access_key.legacy_a", "aws_iam_access_key.legacy_b"}
    assert ("aws-iam-access-key", "aws_iam_access_key.batch") in outcome.active()
    assert outcome.report["waivers"][0]["findings"] == 2


def test_check_glob_waives_every_matching_check(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_waivers(
        tmp_path,
        f"check: 'aws-sagemaker-notebook-*'\n"
        f"resource: aws_sagemaker_notebook_instance.research\nreason: {REASON}",
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    notebooks = [f for f in outcome.findings() if f["resource"].startswith("aws_sagemaker")]
    assert {f["check_id"] for f in notebooks} == {
        "aws-sagemaker-notebook-root-access",
        "aws-sagemaker-notebook-direct-internet",
    }
    assert all(f["suppressed_by"] == "waiver" for f in notebooks)
    assert outcome.report["waivers"][0]["findings"] == 2


def test_waiver_for_an_exact_address_with_an_instance_key(run_cli: RunCli, tmp_path: Path) -> None:
    # Users copy addresses from `terraform plan`; `for_each` and `count` instances carry
    # brackets, which must match themselves, not be read as a glob character class.
    path = write_plan(
        tmp_path / "plan.json", plan(access_key('batch["prod"]'), access_key("ci[0]"))
    )
    config = write_waivers(
        tmp_path,
        "check: aws-iam-access-key\nresource: 'aws_iam_access_key.batch[\"prod\"]'\n"
        f"reason: {REASON}",
        f"check: aws-iam-access-key\nresource: 'aws_iam_access_key.ci[0]'\nreason: {REASON}",
    )
    outcome = scan_json(run_cli, path, "--config", config, cwd=tmp_path)
    assert [(w["resource"], w["status"]) for w in outcome.report["waivers"]] == [
        ('aws_iam_access_key.batch["prod"]', "active"),
        ("aws_iam_access_key.ci[0]", "active"),
    ]
    assert outcome.active() == []


def test_first_valid_waiver_wins_over_an_expired_one(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    expired = (TODAY - timedelta(days=1)).isoformat()
    config = write_waivers(
        tmp_path,
        f"check: aws-iam-access-key\nreason: old exception\nexpires: {expired}",
        f"check: aws-iam-access-key\nresource: aws_iam_access_key.batch\nreason: {REASON}",
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    batch = outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")
    assert batch["suppressed_by"] == "waiver"
    assert batch["suppression_reason"] == REASON
    assert (
        "expired" in outcome.finding("aws-iam-access-key", "aws_iam_access_key.legacy_a")["message"]
    )
    assert [w["status"] for w in outcome.report["waivers"]] == ["expired", "active"]


@pytest.mark.parametrize(
    "entry",
    [
        "check: aws-iam-access-key\nresource: aws_iam_access_key.batch",
        "check: aws-iam-access-key\nreason: ''",
        "check: aws-iam-access-key\nreason: '   '",
    ],
    ids=["missing", "empty", "blank"],
)
def test_waiver_without_a_reason_names_the_setting(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path, entry: str
) -> None:
    config = write_waivers(tmp_path, entry)
    result = run_cli("scan", flawed_plan, "--config", config, cwd=tmp_path)
    one_line_error(result, str(config), "waivers.0.reason")


@pytest.mark.parametrize(
    "expires",
    ["'2025-13-01'", "2025-13-01", "next week"],
    ids=["quoted", "unquoted", "words"],
)
def test_waiver_with_a_malformed_date_is_one_line(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path, expires: str
) -> None:
    # Unquoted, 2025-13-01 looks like a YAML timestamp: YAML itself fails to build the date.
    config = write_waivers(
        tmp_path, f"check: aws-iam-access-key\nreason: {REASON}\nexpires: {expires}"
    )
    result = run_cli("scan", flawed_plan, "--config", config, cwd=tmp_path)
    line = one_line_error(result, str(config))
    assert "expires" in line or f"{config}:3:" in line


def test_waiver_check_glob_matching_no_check_is_an_error(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_waivers(tmp_path, f"check: 'gcp-nothing-*'\nreason: {REASON}")
    result = run_cli("scan", flawed_plan, "--config", config, cwd=tmp_path)
    one_line_error(result, "waivers[0].check", "'gcp-nothing-*'")


# The Python API: expiry is decided against the day of the scan.


def test_expiry_is_inclusive_of_the_last_day() -> None:
    waiver = Waiver(check="aws-iam-access-key", resource="*", reason=REASON, expires=TODAY)
    assert not waiver.expired(TODAY)
    assert waiver.expired(TODAY + timedelta(days=1))
    assert not Waiver(check="x", resource="*", reason=REASON).expired(date(2999, 1, 1))


@pytest.mark.parametrize(
    ("today", "status", "suppressed"),
    [
        (date(2025, 6, 29), "active", True),
        (date(2025, 6, 30), "active", True),
        (date(2025, 7, 1), "expired", False),
    ],
)
def test_scan_on_a_given_day(tmp_path: Path, today: date, status: str, suppressed: bool) -> None:
    from iacguard.engine import discover_checks

    path = write_plan(tmp_path / "plan.json", plan(access_key("batch")))
    config = Config(
        waivers=[
            WaiverSettings(check="aws-iam-access-key", reason=REASON, expires=date(2025, 6, 30))
        ]
    )
    result = scan(load_inputs([str(path)]), config, discover_checks(), today=today)
    (finding,) = result.findings
    assert finding.suppressed is suppressed
    assert ("waiver expired on 2025-06-30" in finding.message) is not suppressed
    (used,) = result.engine.waivers
    assert used.status == status
    assert used.findings == 1
