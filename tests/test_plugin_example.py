"""examples/plugin is a real package: installed with pip, its check is listed and runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(REPO / "examples" / "plugin"),
        ],
        check=True,
        capture_output=True,
    )
    return target


def run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from iacguard.cli import main; sys.argv[0] = 'iacguard'; main()"
    # Run outside the source tree: `python -c` puts the current folder first on sys.path, and
    # the repository's iacguard/ folder is not the installed package.
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=site,
        env={**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_installed_plugin_is_listed_and_runs(plugin_site: Path) -> None:
    listed = run(plugin_site, "checks", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    checks = {c["id"]: c for c in json.loads(listed.stdout)["checks"]}
    assert checks["acme-sagemaker-endpoint-kms"]["provider"] == "acme-iacguard-checks"
    assert checks["aws-iam-access-key"]["provider"] == "iacguard"

    plan = REPO / "examples" / "ai-stack" / "plan.json"
    scanned = run(plugin_site, "scan", str(plan), "--format", "json", "--fail-on", "none")
    assert scanned.returncode == 0, scanned.stderr
    found = [f for f in json.loads(scanned.stdout)["findings"] if f["check_id"].startswith("acme-")]
    assert [f["resource"] for f in found] == ["aws_sagemaker_endpoint_configuration.llm"]
    assert found[0]["frameworks"]["nist-csf-2.0"] == ["PR.DS-01"]
