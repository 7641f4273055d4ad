"""Shared test fixtures: paths, the corpus, golden files and running the installed CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite golden files (report schema, snapshots) from the current code.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of third-party inputs; the test skips when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def iacguard_executable() -> str:
    """The installed console script of the environment running the tests."""
    beside = Path(sys.executable).parent / "iacguard"
    if beside.exists():
        return str(beside)
    found = shutil.which("iacguard")
    if found is None:
        pytest.fail("the iacguard console script is not installed")
    return found


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``iacguard`` with arguments; returns the completed process."""

    def run(
        *args: str | Path,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160", **(env or {})}
        full_env.pop("IACGUARD_DEBUG", None)
        data = input.encode() if isinstance(input, str) else input
        completed = subprocess.run(
            [iacguard_executable(), *map(str, args)],
            input=data,
            capture_output=True,
            env=full_env,
            cwd=cwd,
            check=False,
            timeout=300,
        )
        return subprocess.CompletedProcess(
            completed.args,
            completed.returncode,
            completed.stdout.decode("utf-8", "replace"),
            completed.stderr.decode("utf-8", "replace"),
        )

    return run


def write_plan(path: Path, document: dict[str, Any]) -> Path:
    """Write a plan fixture as compact JSON, like terraform does."""
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
