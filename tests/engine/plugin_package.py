"""Building a tiny third-party plugin package and installing it with pip, offline.

The package has one module, ``acme_checks`` (a copy of a file of ``plugins/``), and registers it
in the ``iacguard.checks`` entry-point group. It is installed with
``pip install --no-deps --target SITE``; running the CLI with ``PYTHONPATH=SITE`` makes
``importlib.metadata`` find the entry point exactly as it would in a virtual environment.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parent / "plugins"
DISTRIBUTION = "acme-checks"

_PYPROJECT = """\
[build-system]
requires = []
build-backend = "wheel_backend"
backend-path = ["."]

[project]
name = "{distribution}"
version = "0.1.0"

[project.entry-points."iacguard.checks"]
{entry_name} = "acme_checks:CHECKS"
"""


def install_plugin(
    workdir: Path,
    checks_module: str,
    *,
    entry_name: str = "acme",
    distribution: str = DISTRIBUTION,
) -> Path:
    """Build a package from ``plugins/CHECKS_MODULE`` and install it; returns the site folder.

    The build uses the in-tree ``plugins/wheel_backend.py`` (standard library only), so it
    works without network access and without setuptools or wheel.
    """
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed in the test environment: cannot install a plugin")
    source = workdir / "package"
    source.mkdir(parents=True)
    shutil.copy(PLUGINS / "wheel_backend.py", source / "wheel_backend.py")
    shutil.copy(PLUGINS / checks_module, source / "acme_checks.py")
    (source / "pyproject.toml").write_text(
        _PYPROJECT.format(distribution=distribution, entry_name=entry_name), encoding="utf-8"
    )
    site = workdir / "site"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--quiet",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (site / "acme_checks.py").is_file()
    return site
