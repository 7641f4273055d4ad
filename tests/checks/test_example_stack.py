"""End to end: the installed CLI scans the example AI stack and finds its deliberate flaws."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "ai-stack" / "plan.json"

RunCli = Callable[..., subprocess.CompletedProcess[str]]

#: (check id, resource) the example must produce; None matches any resource.
EXPECTED: tuple[tuple[str, str | None], ...] = (
    ("ai-storage-public", "aws_s3_bucket.training_data"),
    ("aws-iam-admin-wildcard", "aws_iam_role_policy_attachment.ci_deploy"),
    ("aws-iam-access-key", "aws_iam_access_key.legacy_batch_uploader"),
    ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research"),
    ("aws-sagemaker-notebook-direct-internet", "aws_sagemaker_notebook_instance.research"),
    ("aws-bedrock-invocation-logging", None),
    ("aws-oidc-trust-wildcard-subject", "aws_iam_role.ci_deploy"),
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of a default scan of the example (exit code checked)."""
    beside = Path(sys.executable).parent / "iacguard"
    executable = str(beside) if beside.exists() else shutil.which("iacguard")
    assert executable, "the iacguard console script is not installed"
    cwd = tmp_path_factory.mktemp("cwd")  # no configuration file of the repository applies
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    env.pop("IACGUARD_DEBUG", None)
    completed = subprocess.run(
        [executable, "scan", str(PLAN), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    data: dict[str, Any] = json.loads(completed.stdout)
    return data


def _find(report: dict[str, Any], check_id: str, resource: str | None) -> dict[str, Any]:
    for finding in report["findings"]:
        if finding["check_id"] == check_id and resource in (None, finding["resource"]):
            return dict(finding)
    found = sorted((f["check_id"], f["resource"]) for f in report["findings"])
    pytest.fail(f"no {check_id} finding on {resource or 'any resource'}; found {found}")


def test_example_scan_fails_the_default_gate_without_check_errors(
    report: dict[str, Any],
) -> None:
    assert report["errors"] == []
    assert report["summary"]["gate"]["tripped"] is True
    assert report["summary"]["checks_run"] >= 12


@pytest.mark.parametrize(("check_id", "resource"), EXPECTED, ids=[c for c, _ in EXPECTED])
def test_example_has_the_finding(
    report: dict[str, Any], check_id: str, resource: str | None
) -> None:
    finding = _find(report, check_id, resource)
    frameworks = finding["frameworks"]
    assert frameworks.get("nist-csf-2.0"), f"{check_id}: not mapped to NIST CSF 2.0"
    assert finding["location"]["pointer"].startswith("/resource_changes/")
    if finding["severity"] in ("critical", "high"):
        assert "PR.AA-05" in frameworks["nist-csf-2.0"], frameworks
        assert any(re.fullmatch(r"NHI\d+", c) for c in frameworks.get("owasp-nhi-2025", ())), (
            f"{check_id}: no OWASP NHI id in {frameworks}"
        )
        assert any(
            re.fullmatch(r"ASI\d+", c) for c in frameworks.get("owasp-agentic-top10-2026", ())
        ), f"{check_id}: no OWASP agentic (ASI) id in {frameworks}"


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("none", 0)])
def test_example_fail_on_threshold(
    run_cli: RunCli, tmp_path: Path, fail_on: str, code: int
) -> None:
    completed = run_cli("scan", PLAN, "--format", "json", "--fail-on", fail_on, cwd=tmp_path)
    assert completed.returncode == code, completed.stderr
    assert json.loads(completed.stdout)["summary"]["gate"]["fail_on"] == fail_on
