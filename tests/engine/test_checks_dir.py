"""``--checks-dir DIR`` loads the checks defined in the Python files of DIR, validated like
built-in ones: a file that fails to import, a duplicate id, a malformed id, a missing
docstring or a legacy framework control stop the run with one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iacguard.engine import PluginError, discover_checks

from .plans import notebook, plan, write_plan
from .reports import RunCli, describe, one_line_error, scan_json

CHECKS_DIRS = Path(__file__).resolve().parent / "checks_dirs"
LOCAL = CHECKS_DIRS / "local"
LOCAL_FILE = LOCAL / "team_checks.py"


def test_local_check_is_listed_with_its_file_as_provider(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("checks", "list", "--format", "json", "--checks-dir", LOCAL, cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    checks = json.loads(result.stdout)["checks"]
    ids = [c["id"] for c in checks]
    assert ids == sorted(ids)
    (entry,) = [c for c in checks if c["id"] == "team-notebook-owner-tag"]
    assert entry["provider"] == str(LOCAL_FILE)
    assert entry["severity"] == "low"
    assert entry["inspects"] == ["aws_sagemaker_notebook_instance"]
    assert entry["frameworks"] == {"nist-csf-2.0": ["PR.AA-05"]}
    assert entry["docs"].startswith("A notebook without an `Owner` tag")
    assert {c["provider"] for c in checks if c["id"] != entry["id"]} == {"iacguard"}


def test_local_check_is_shown(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(
        "checks", "show", "team-notebook-owner-tag", "--checks-dir", LOCAL, cwd=tmp_path
    )
    assert result.returncode == 0, describe(result)
    assert f"provided by {LOCAL_FILE}" in result.stdout
    assert "nobody answers for the code that runs on it" in result.stdout


def test_local_check_findings_appear_in_scan(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(
            notebook("research", root_access="Disabled"),
            notebook("owned", root_access="Disabled", tags={"Owner": "ml-platform"}),
        ),
    )
    outcome = scan_json(run_cli, path, "--checks-dir", LOCAL, "--fail-on", "low", cwd=tmp_path)
    assert outcome.active() == [
        ("team-notebook-owner-tag", "aws_sagemaker_notebook_instance.research")
    ]
    found = outcome.finding("team-notebook-owner-tag", "aws_sagemaker_notebook_instance.research")
    assert found["severity"] == "low"
    assert found["message"] == "Notebook has no Owner tag"
    assert found["title"] == "SageMaker notebook has no Owner tag"
    assert found["frameworks"] == {"nist-csf-2.0": ["PR.AA-05"]}
    assert found["location"]["path"] == str(path)
    assert outcome.exit_code == 1
    assert outcome.gate["reasons"] == ["1 low finding"]


def test_local_check_does_not_run_without_checks_dir(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(notebook("research", root_access="Disabled")))
    outcome = scan_json(run_cli, path, "--fail-on", "low", cwd=tmp_path)
    assert outcome.findings() == []
    assert outcome.exit_code == 0


def test_checks_dir_adds_to_the_builtin_count(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(notebook("research")))
    plain = scan_json(run_cli, path, cwd=tmp_path)
    extended = scan_json(run_cli, path, "--checks-dir", LOCAL, cwd=tmp_path)
    assert extended.report["summary"]["checks_run"] == plain.report["summary"]["checks_run"] + 1


@pytest.mark.parametrize("command", [("checks", "list"), ("scan",)], ids=["list", "scan"])
def test_file_raising_on_import_stops_the_run(
    run_cli: RunCli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = write_plan(tmp_path / "plan.json", plan(notebook("research")))
    inputs = [path] if command == ("scan",) else []
    broken = CHECKS_DIRS / "import_error"
    result = run_cli(*command, *inputs, "--checks-dir", broken, cwd=tmp_path)
    line = one_line_error(result, str(broken / "broken_checks.py"))
    assert "RuntimeError" in line
    assert "team owner table is missing" in line


def test_duplicate_of_a_builtin_id_names_both_providers(run_cli: RunCli, tmp_path: Path) -> None:
    folder = CHECKS_DIRS / "duplicate_id"
    result = run_cli("checks", "list", "--checks-dir", folder, cwd=tmp_path)
    line = one_line_error(
        result, "'aws-iam-access-key'", "iacguard", str(folder / "shadow_checks.py")
    )
    assert "duplicate" in line


def test_duplicate_between_two_checks_dirs_names_both_files(
    run_cli: RunCli, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "team_checks.py").write_text(LOCAL_FILE.read_text("utf-8"), encoding="utf-8")
    result = run_cli("checks", "list", "--checks-dir", LOCAL, "--checks-dir", copy, cwd=tmp_path)
    line = one_line_error(result, "'team-notebook-owner-tag'", str(LOCAL_FILE))
    assert str(copy / "team_checks.py") in line


@pytest.mark.parametrize(
    ("folder", "names"),
    [
        ("bad_id", ["'BadId'", "kebab-case"]),
        ("no_docstring", ["'team-undocumented-check'", "docstring"]),
        ("legacy_framework", ["'team-legacy-control'", "PR.AC-4", "PR.AA-05"]),
    ],
)
def test_malformed_check_stops_the_run_naming_it(
    run_cli: RunCli, tmp_path: Path, folder: str, names: list[str]
) -> None:
    source = next((CHECKS_DIRS / folder).glob("*.py"))
    for command in (("checks", "list"), ("checks", "show", "aws-iam-access-key")):
        result = run_cli(*command, "--checks-dir", CHECKS_DIRS / folder, cwd=tmp_path)
        one_line_error(result, *names, str(source))
    path = write_plan(tmp_path / "plan.json", plan(notebook("research")))
    result = run_cli("scan", path, "--checks-dir", CHECKS_DIRS / folder, cwd=tmp_path)
    one_line_error(result, *names)


def test_missing_checks_dir_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("checks", "list", "--checks-dir", tmp_path / "nowhere", cwd=tmp_path)
    one_line_error(result, "nowhere")


def test_private_files_of_a_checks_dir_are_not_loaded(tmp_path: Path) -> None:
    (tmp_path / "_helpers.py").write_text("raise RuntimeError('not a checks file')\n")
    (tmp_path / "notes.txt").write_text("not Python\n")
    (tmp_path / "team_checks.py").write_text(LOCAL_FILE.read_text("utf-8"), encoding="utf-8")
    ids = [c.id for c in discover_checks([tmp_path])]
    assert "team-notebook-owner-tag" in ids


def test_api_reports_the_same_errors_as_plugin_errors() -> None:
    for folder in ("import_error", "duplicate_id", "bad_id", "no_docstring", "legacy_framework"):
        with pytest.raises(PluginError) as caught:
            discover_checks([CHECKS_DIRS / folder])
        assert "\n" not in caught.value.one_line()
