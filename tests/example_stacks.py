"""Helpers of the end-to-end tests of the cloud example stacks (GCP, Azure): run the installed
CLI as a user would, prove the stack's canary never appears, and pick findings."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers_inputs import iacguard_executable

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def cli_json(run_cli: RunCli, cwd: Path, canary: str, *args: str | Path, code: int = 0) -> Any:
    """``iacguard ARGS --format json`` run in ``cwd``: its exit code checked, the canary
    absent from both streams, the JSON parsed."""
    completed = run_cli(*args, "--format", "json", cwd=cwd)
    assert completed.returncode == code, completed.stderr
    assert canary not in completed.stdout + completed.stderr
    return json.loads(completed.stdout)


def scan_report(plan: Path, manifests: Path, canary: str, cwd: Path) -> dict[str, Any]:
    """The JSON report of a default scan of a stack's plan and manifests (exit 1: the stack
    carries deliberate flaws)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    env.pop("IACGUARD_DEBUG", None)
    completed = subprocess.run(
        [iacguard_executable(), "scan", str(plan), str(manifests), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    assert canary not in completed.stdout + completed.stderr
    data: dict[str, Any] = json.loads(completed.stdout)
    return data


def findings_of(report: dict[str, Any], check_id: str, resource: str) -> list[dict[str, Any]]:
    """The findings of one check on one resource."""
    return [
        f for f in report["findings"] if f["check_id"] == check_id and f["resource"] == resource
    ]
