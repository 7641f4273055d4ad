"""Configuration chooses the checks that run (``checks.enable``, ``checks.disable``) and their
severity (``severity``); a check id it names that does not exist stops the run with a
did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engine import discover_checks

from .plans import EXAMPLE_PLAN, access_key, notebook, plan, write_plan
from .reports import RunCli, one_line_error, scan_json

BUILTIN_COUNT = len(discover_checks())


@pytest.fixture
def flawed_plan(tmp_path: Path) -> Path:
    """An access key (high) and a notebook with root access (medium)."""
    return write_plan(tmp_path / "plan.json", plan(access_key("batch"), notebook("research")))


def write_config(folder: Path, text: str, name: str = "iacguard.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_all_checks_run_by_default(run_cli: RunCli, tmp_path: Path, flawed_plan: Path) -> None:
    outcome = scan_json(run_cli, flawed_plan, cwd=tmp_path)
    assert outcome.report["summary"]["checks_run"] == BUILTIN_COUNT
    assert outcome.active() == [
        ("aws-iam-access-key", "aws_iam_access_key.batch"),
        ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research"),
    ]


def test_disabled_check_does_not_run(run_cli: RunCli, tmp_path: Path, flawed_plan: Path) -> None:
    config = write_config(tmp_path, "checks:\n  disable: [aws-iam-access-key]\n")
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert outcome.report["summary"]["checks_run"] == BUILTIN_COUNT - 1
    assert outcome.findings("aws-iam-access-key") == []
    assert outcome.active() == [
        ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research")
    ]
    assert outcome.exit_code == 0  # the only high finding's check is off


def test_enabled_checks_are_the_only_ones_run(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_config(tmp_path, "checks:\n  enable: [aws-sagemaker-notebook-root-access]\n")
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert outcome.report["summary"]["checks_run"] == 1
    assert outcome.active() == [
        ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research")
    ]


def test_disable_wins_over_enable(run_cli: RunCli, tmp_path: Path, flawed_plan: Path) -> None:
    config = write_config(
        tmp_path,
        "checks:\n"
        "  enable: [aws-iam-access-key, aws-sagemaker-notebook-root-access]\n"
        "  disable: [aws-iam-access-key]\n",
    )
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert outcome.report["summary"]["checks_run"] == 1
    assert [c for c, _ in outcome.active()] == ["aws-sagemaker-notebook-root-access"]


def test_default_config_file_in_the_working_folder_is_read(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    write_config(tmp_path, "checks:\n  disable: [aws-iam-access-key]\n", name=".iacguard.yaml")
    outcome = scan_json(run_cli, flawed_plan, cwd=tmp_path)
    assert outcome.findings("aws-iam-access-key") == []


def test_severity_override_raises_a_medium_check_to_critical(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    before = scan_json(run_cli, flawed_plan, "--fail-on", "critical", cwd=tmp_path)
    assert before.exit_code == 0
    config = write_config(tmp_path, "severity:\n  aws-sagemaker-notebook-root-access: critical\n")
    after = scan_json(
        run_cli, flawed_plan, "--config", config, "--fail-on", "critical", cwd=tmp_path
    )
    found = after.finding(
        "aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research"
    )
    assert found["severity"] == "critical"
    assert after.finding("aws-iam-access-key", "aws_iam_access_key.batch")["severity"] == "high"
    assert after.report["summary"]["findings"]["critical"] == 1
    assert after.report["summary"]["findings"]["medium"] == 0
    assert after.exit_code == 1
    assert after.gate["reasons"] == ["1 critical finding"]
    # Reports list the most severe first.
    assert after.findings()[0]["check_id"] == "aws-sagemaker-notebook-root-access"


def test_severity_override_lowers_a_check_below_the_gate(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_config(tmp_path, "severity:\n  aws-iam-access-key: low\n")
    outcome = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")["severity"] == "low"
    assert outcome.exit_code == 0  # default gate: high


def test_severity_override_does_not_change_fingerprints(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_config(tmp_path, "severity:\n  aws-iam-access-key: low\n")
    plain = scan_json(run_cli, flawed_plan, cwd=tmp_path)
    overridden = scan_json(run_cli, flawed_plan, "--config", config, cwd=tmp_path)
    assert sorted(f["fingerprint"] for f in plain.findings()) == sorted(
        f["fingerprint"] for f in overridden.findings()
    )


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("checks:\n  enable: [aws-iam-acess-key]\n", "checks.enable"),
        ("checks:\n  disable: [aws-iam-acess-key]\n", "checks.disable"),
        ("severity:\n  aws-iam-acess-key: low\n", "severity"),
        (
            "waivers:\n  - check: aws-iam-acess-key\n    reason: legacy uploader\n",
            "waivers[0].check",
        ),
    ],
    ids=["enable", "disable", "severity", "waiver"],
)
def test_unknown_check_id_suggests_the_closest(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path, text: str, setting: str
) -> None:
    config = write_config(tmp_path, text)
    result = run_cli("scan", flawed_plan, "--config", config, cwd=tmp_path)
    line = one_line_error(result, setting, "'aws-iam-acess-key'")
    assert "did you mean 'aws-iam-access-key'?" in line


def test_unknown_check_id_without_a_close_match(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_config(tmp_path, "checks:\n  disable: [zzz]\n")
    result = run_cli("scan", EXAMPLE_PLAN, "--config", config, cwd=tmp_path)
    line = one_line_error(result, "checks.disable", "'zzz'")
    assert "did you mean" not in line


def test_config_may_name_a_checks_dir_check(run_cli: RunCli, tmp_path: Path) -> None:
    local = Path(__file__).resolve().parent / "checks_dirs" / "local"
    path = write_plan(tmp_path / "plan.json", plan(notebook("research")))
    config = write_config(tmp_path, "checks:\n  enable: [team-notebook-owner-tag]\n")
    outcome = scan_json(run_cli, path, "--config", config, "--checks-dir", local, cwd=tmp_path)
    assert outcome.active() == [
        ("team-notebook-owner-tag", "aws_sagemaker_notebook_instance.research")
    ]
    # Without the folder, the same configuration names an unknown check.
    result = run_cli("scan", path, "--config", config, cwd=tmp_path)
    one_line_error(result, "checks.enable", "'team-notebook-owner-tag'")


def test_invalid_severity_value_names_the_setting(
    run_cli: RunCli, tmp_path: Path, flawed_plan: Path
) -> None:
    config = write_config(tmp_path, "severity:\n  aws-iam-access-key: severe\n")
    result = run_cli("scan", flawed_plan, "--config", config, cwd=tmp_path)
    one_line_error(result, str(config), "severity.aws-iam-access-key")
