"""Third-party plugins register checks through the ``iacguard.checks`` entry-point group of a
real installed package; a plugin that fails to load or breaks the rules stops the run with one
line naming its package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .plans import access_key, plan, write_plan
from .plugin_package import DISTRIBUTION, install_plugin
from .reports import RunCli, describe, one_line_error, scan_json


def site_env(site: Path) -> dict[str, str]:
    """Environment that makes the plugin installed in ``site`` importable."""
    return {"PYTHONPATH": str(site)}


def test_plugin_check_is_listed_with_its_distribution(run_cli: RunCli, tmp_path: Path) -> None:
    site = install_plugin(tmp_path, "acme_good.py")
    result = run_cli("checks", "list", "--format", "json", cwd=tmp_path, env=site_env(site))
    assert result.returncode == 0, describe(result)
    checks = json.loads(result.stdout)["checks"]
    ids = [c["id"] for c in checks]
    assert ids == sorted(ids)
    providers = {c["id"]: c["provider"] for c in checks}
    assert providers.pop("acme-access-key-owner-tag") == DISTRIBUTION
    assert set(providers.values()) == {"iacguard"}
    (entry,) = [c for c in checks if c["id"] == "acme-access-key-owner-tag"]
    assert entry["docs"].startswith("ACME policy: every access key names the team")
    assert entry["frameworks"] == {"nist-csf-2.0": ["PR.AA-01"], "owasp-nhi-2025": ["NHI7"]}


def test_plugin_is_absent_without_its_site(run_cli: RunCli, tmp_path: Path) -> None:
    install_plugin(tmp_path, "acme_good.py")
    result = run_cli("checks", "list", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    assert "acme-access-key-owner-tag" not in {c["id"] for c in json.loads(result.stdout)["checks"]}


def test_plugin_check_is_shown_and_runs_in_scan(run_cli: RunCli, tmp_path: Path) -> None:
    site = install_plugin(tmp_path, "acme_good.py")
    shown = run_cli("checks", "show", "acme-access-key-owner-tag", cwd=tmp_path, env=site_env(site))
    assert shown.returncode == 0, describe(shown)
    assert f"provided by {DISTRIBUTION}" in shown.stdout
    assert "owasp-nhi-2025 NHI7: " in shown.stdout

    path = write_plan(
        tmp_path / "plan.json",
        plan(access_key("batch"), access_key("tagged", tags={"Owner": "data-platform"})),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path, env=site_env(site))
    assert outcome.active() == [
        ("acme-access-key-owner-tag", "aws_iam_access_key.batch"),
        ("aws-iam-access-key", "aws_iam_access_key.batch"),
        ("aws-iam-access-key", "aws_iam_access_key.tagged"),
    ]
    found = outcome.finding("acme-access-key-owner-tag", "aws_iam_access_key.batch")
    assert found["message"] == "Access key has no Owner tag"
    assert found["severity"] == "low"


def test_plugin_check_id_without_its_prefix_names_the_package(
    run_cli: RunCli, tmp_path: Path
) -> None:
    site = install_plugin(tmp_path, "acme_bad_prefix.py")
    for command in (("checks", "list"), ("checks", "show", "aws-iam-access-key")):
        result = run_cli(*command, cwd=tmp_path, env=site_env(site))
        line = one_line_error(result, f"'{DISTRIBUTION}'", "'team-access-key-owner-tag'")
        assert "'acme-'" in line


def test_plugin_failing_to_import_names_the_package(run_cli: RunCli, tmp_path: Path) -> None:
    site = install_plugin(tmp_path, "acme_import_error.py")
    path = write_plan(tmp_path / "plan.json", plan(access_key("batch")))
    for args in (("checks", "list"), ("scan", path)):
        result = run_cli(*args, cwd=tmp_path, env=site_env(site))
        line = one_line_error(result, f"'{DISTRIBUTION}'", "acme_internal_sdk")
        assert "ModuleNotFoundError" in line or "ImportError" in line


def test_plugin_reusing_a_builtin_id_names_both_providers(run_cli: RunCli, tmp_path: Path) -> None:
    site = install_plugin(tmp_path, "acme_shadow.py", entry_name="aws")
    result = run_cli("checks", "list", cwd=tmp_path, env=site_env(site))
    line = one_line_error(result, "'aws-iam-access-key'", "iacguard", DISTRIBUTION)
    assert "duplicate" in line


def test_plugin_cannot_pass_its_checks_off_as_builtin(run_cli: RunCli, tmp_path: Path) -> None:
    # A third-party package whose entry point is named like the built-in one: its checks must
    # not be reported as provided by iacguard, nor escape the prefix rule.
    site = install_plugin(tmp_path, "acme_good.py", entry_name="iacguard")
    result = run_cli("checks", "list", "--format", "json", cwd=tmp_path, env=site_env(site))
    if result.returncode == 0:
        providers = {c["id"]: c["provider"] for c in json.loads(result.stdout)["checks"]}
        pytest.fail(
            f"check acme-access-key-owner-tag of package {DISTRIBUTION!r}, registered under the "
            f"entry-point name 'iacguard', was accepted with provider "
            f"{providers.get('acme-access-key-owner-tag')!r}"
        )
    one_line_error(result, f"'{DISTRIBUTION}'")
