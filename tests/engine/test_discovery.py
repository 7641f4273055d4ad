"""Built-in checks come through the ``iacguard.checks`` entry point, like any plugin, and the
``checks`` commands show what was discovered."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

from iacguard.engine import Check, discover_checks
from iacguard.engine.check import CHECK_ID_RE
from iacguard.frameworks import load_catalog

from .reports import RunCli, describe, one_line_error

CHECK_FIELDS = {
    "id",
    "title",
    "severity",
    "confidence",
    "inspects",
    "frameworks",
    "remediation",
    "provider",
    "docs",
}


def builtin_entry_point_checks() -> list[Check]:
    """The checks the ``iacguard`` entry point of the ``iacguard.checks`` group names."""
    (builtin,) = [e for e in entry_points(group="iacguard.checks") if e.name == "iacguard"]
    assert builtin.value == "iacguard.checks:CHECKS"
    loaded = builtin.load()
    assert all(isinstance(c, Check) for c in loaded)
    return list(loaded)


def listed_checks(run_cli: RunCli, tmp_path: Path, *args: str) -> list[dict[str, object]]:
    result = run_cli("checks", "list", "--format", "json", *args, cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    assert result.stderr == "", describe(result)
    document = json.loads(result.stdout)
    assert set(document) == {"checks"}
    checks: list[dict[str, object]] = document["checks"]
    return checks


def test_builtin_checks_are_registered_through_the_entry_point_group() -> None:
    discovered = discover_checks()
    from_entry_point = builtin_entry_point_checks()
    assert {c.id for c in discovered} == {c.id for c in from_entry_point}
    assert all(c.provider == "iacguard" for c in discovered)


def test_discovered_checks_are_sorted_unique_and_documented() -> None:
    discovered = discover_checks()
    ids = [c.id for c in discovered]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    for item in discovered:
        assert CHECK_ID_RE.match(item.id), item.id
        assert item.title and item.remediation and item.docs, item.id
        assert item.inspects, item.id
        assert item.frameworks, item.id


def test_checks_list_json_lists_every_builtin_check(run_cli: RunCli, tmp_path: Path) -> None:
    checks = listed_checks(run_cli, tmp_path)
    ids = [c["id"] for c in checks]
    assert ids == sorted(ids)
    assert set(ids) == {c.id for c in builtin_entry_point_checks()}
    by_id = {c.id: c for c in discover_checks()}
    for entry in checks:
        assert set(entry) == CHECK_FIELDS, entry["id"]
        assert entry["provider"] == "iacguard"
        item = by_id[str(entry["id"])]
        assert entry["title"] == item.title
        assert entry["severity"] == item.severity.value
        assert entry["confidence"] == item.confidence.value
        assert entry["inspects"] == list(item.inspects)
        assert entry["frameworks"] == {k: list(v) for k, v in item.frameworks.items()}
        assert entry["remediation"] == item.remediation
        assert entry["docs"] == item.docs and item.docs


def test_checks_list_json_describes_a_known_check(run_cli: RunCli, tmp_path: Path) -> None:
    entry = {c["id"]: c for c in listed_checks(run_cli, tmp_path)}["aws-iam-access-key"]
    assert entry["severity"] == "high"
    assert entry["confidence"] == "high"
    assert entry["inspects"] == ["aws_iam_access_key"]
    frameworks = entry["frameworks"]
    assert isinstance(frameworks, dict)
    assert frameworks["nist-csf-2.0"] == ["PR.AA-01", "PR.AA-05"]
    assert "aws_iam_access_key" in str(entry["docs"])


def test_checks_list_text_shows_ids_and_providers(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("checks", "list", cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    for item in discover_checks():
        assert item.id in result.stdout
    assert "iacguard" in result.stdout


def test_checks_show_prints_docs_and_framework_titles(run_cli: RunCli, tmp_path: Path) -> None:
    (item,) = [c for c in discover_checks() if c.id == "aws-sagemaker-notebook-root-access"]
    result = run_cli("checks", "show", item.id, cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    assert result.stdout.startswith(f"{item.id}: {item.title}\n")
    assert item.docs in result.stdout
    assert item.remediation in result.stdout
    assert "provided by iacguard" in result.stdout
    catalog = load_catalog()
    for framework_id, controls in item.frameworks.items():
        for control_id in controls:
            title = catalog.frameworks[framework_id].controls[control_id].title
            assert f"{framework_id} {control_id}: {title}" in result.stdout


def test_checks_show_json_matches_checks_list(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("checks", "show", "aws-iam-access-key", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    listed = {c["id"]: c for c in listed_checks(run_cli, tmp_path)}
    assert json.loads(result.stdout) == listed["aws-iam-access-key"]


def test_checks_show_unknown_id_suggests_the_closest(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("checks", "show", "aws-iam-acces-key", cwd=tmp_path)
    line = one_line_error(result, "'aws-iam-acces-key'")
    assert "did you mean 'aws-iam-access-key'?" in line


def test_checks_show_unknown_id_without_a_close_match(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_line_error(run_cli("checks", "show", "zzz", cwd=tmp_path), "'zzz'")
    assert "did you mean" not in line
