"""A minimal in-tree PEP 517 build backend for the test plugin packages.

It needs nothing but the standard library, so ``pip install --no-build-isolation --no-index``
builds the packages offline, whether or not setuptools and wheel are installed. The wheel holds
every top-level module of the project (this file excepted) and a ``.dist-info`` with the
``[project]`` name, version and entry points of ``pyproject.toml``.
"""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path
from typing import Any


def _project() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads(Path("pyproject.toml").read_text("utf-8"))["project"]
    return project


def _dist_info(project: dict[str, Any]) -> tuple[str, dict[str, bytes]]:
    stem = f"{project['name'].replace('-', '_')}-{project['version']}"
    metadata = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items()) + "\n"
        for group, entries in project.get("entry-points", {}).items()
    )
    return stem, {
        f"{stem}.dist-info/METADATA": metadata.encode(),
        f"{stem}.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: wheel_backend\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
        f"{stem}.dist-info/entry_points.txt": entry_points.encode(),
    }


def _record(contents: dict[str, bytes], record_name: str) -> bytes:
    lines = []
    for name, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    lines.append(f"{record_name},,")
    return ("\n".join(lines) + "\n").encode()


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    """No build requirements."""
    return []


def build_wheel(
    wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None
) -> str:
    """Build the wheel into ``wheel_directory`` and return its file name."""
    project = _project()
    stem, contents = _dist_info(project)
    for module in sorted(Path(".").glob("*.py")):
        if module.name != Path(__file__).name:
            contents[module.name] = module.read_bytes()
    record_name = f"{stem}.dist-info/RECORD"
    contents[record_name] = _record(contents, record_name)
    wheel_name = f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w") as wheel:
        for name, data in contents.items():
            wheel.writestr(name, data)
    return wheel_name
