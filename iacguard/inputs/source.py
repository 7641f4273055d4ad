"""Reading inputs: files, folders and standard input, with their text encodings.

This is the only module that reads files named by the user. It turns bytes into text
(UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, as Windows PowerShell writes redirected
output) and says what kind of input the text is, without interpreting it further.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from iacguard.errors import InputError

STDIN = "-"
STDIN_NAME = "<stdin>"

#: Zip archives start with these bytes; a binary Terraform plan file is a zip archive.
_ZIP_MAGIC = b"PK\x03\x04"

#: Folders never searched for inputs.
_IGNORED_DIRS = {".git", ".terraform", "node_modules", "__pycache__", ".venv", "venv", ".tox"}

_JSON_SUFFIXES = {".json"}
_YAML_SUFFIXES = {".yaml", ".yml"}
_BINARY_PLAN_SUFFIXES = {".tfplan", ".plan"}
_HCL_SUFFIXES = {".tf"}


@dataclass(frozen=True, slots=True)
class RawInput:
    """The bytes of one input and the name to show for it."""

    name: str
    """How the user named it: a path as given, or ``<stdin>``."""
    data: bytes
    path: Path | None
    """The file on disk, ``None`` for standard input."""
    from_folder: bool = False
    """Found by searching a folder rather than named directly."""
    chart: bool = False
    """A Helm chart folder (``data`` is empty: the chart is read where it is)."""

    @property
    def suffix(self) -> str:
        """Lower-case file suffix, or ``""``."""
        return self.path.suffix.lower() if self.path else ""

    @property
    def is_zip(self) -> bool:
        """True when the bytes are a zip archive (a binary Terraform plan)."""
        return self.data.startswith(_ZIP_MAGIC)


@dataclass(frozen=True, slots=True)
class IgnoredFile:
    """A file found in a folder that iacguard does not read, with the reason."""

    path: str
    reason: str


def read_inputs(specs: list[str]) -> tuple[list[RawInput], list[IgnoredFile]]:
    """Read every input the user named. Folders are searched for the inputs they hold.

    Returns the inputs in the order named (folder contents sorted by path) and the files of
    folders that were passed over, each with the reason.
    """
    if not specs:
        raise InputError("(no input)", "no input given: name a plan JSON, a folder or - for stdin")
    raws: list[RawInput] = []
    ignored: list[IgnoredFile] = []
    for spec in specs:
        if spec == STDIN:
            raws.append(RawInput(STDIN_NAME, sys.stdin.buffer.read(), None))
            continue
        path = Path(spec)
        if path.is_dir() and (path / "Chart.yaml").is_file():
            raws.append(RawInput(spec, b"", path, chart=True))
        elif path.is_dir():
            found, passed = _search_folder(path)
            if not found and not passed:
                raise InputError(spec, "folder holds no input iacguard reads")
            raws.extend(found)
            ignored.extend(passed)
        elif path.exists():
            raws.append(RawInput(spec, _read_bytes(path, spec), path))
        else:
            raise InputError(spec, "no such file or folder")
    return raws, ignored


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except IsADirectoryError:  # pragma: no cover - checked by the caller
        raise InputError(name, "is a folder") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or type(exc).__name__}") from None


def _walk(folder: Path, charts: list[Path] | None = None) -> Iterator[Path]:
    """Files below ``folder``; Helm chart folders (with a ``Chart.yaml``) are not entered:
    their templates are not YAML until rendered. They are added to ``charts``."""
    for root, dirs, files in os.walk(folder):
        if "Chart.yaml" in files and charts is not None:
            charts.append(Path(root))
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_DIRS and not d.startswith("."))
        for file in sorted(files):
            yield Path(root) / file


def _search_folder(folder: Path) -> tuple[list[RawInput], list[IgnoredFile]]:
    found: list[RawInput] = []
    passed: list[IgnoredFile] = []
    hcl: dict[Path, int] = {}
    charts: list[Path] = []
    for path in _walk(folder, charts):
        suffix = path.suffix.lower()
        name = str(path)
        if suffix in _JSON_SUFFIXES | _BINARY_PLAN_SUFFIXES | _YAML_SUFFIXES:
            found.append(RawInput(name, _read_bytes(path, name), path, from_folder=True))
        elif path.name.lower().endswith((".tgz", ".tar.gz")):
            # a packaged Helm chart (anything else in a tarball is passed over when read)
            found.append(RawInput(name, _read_bytes(path, name), path, from_folder=True))
        elif suffix in _HCL_SUFFIXES:
            hcl[path.parent] = hcl.get(path.parent, 0) + 1
    for chart in charts:
        found.append(RawInput(str(chart), b"", chart, from_folder=True, chart=True))
    # One entry per Terraform folder, not one per file: the folder is the unit HCL comes in.
    for parent, count in sorted(hcl.items()):
        passed.append(
            IgnoredFile(
                f"{parent}{os.sep}*.tf",
                f"{count} Terraform HCL file{'s' if count != 1 else ''}: HCL is not read yet, "
                "scan `terraform show -json` output instead",
            )
        )
    return found, passed


def decode_text(raw: RawInput) -> str:
    """Decode the bytes of an input as text.

    UTF-8 (with or without BOM) and UTF-16 (with BOM, or without BOM when the NUL pattern of
    ASCII text shows its byte order) are accepted. Anything else is binary data.
    """
    data = raw.data
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith(codecs.BOM_UTF16_LE):
        encoding, body = "utf-16-le", data[2:]
    elif data.startswith(codecs.BOM_UTF16_BE):
        encoding, body = "utf-16-be", data[2:]
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encoding, body = "utf-16-le", data
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        encoding, body = "utf-16-be", data
    else:
        encoding, body = "utf-8", data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            raw.name, f"binary data, not text ({encoding} decoding fails)", f"byte {exc.start}"
        ) from None
    if "\x00" in text:
        nul = text.index("\x00")
        raise InputError(raw.name, "binary data, not text (NUL character)", f"byte {nul}")
    return text
