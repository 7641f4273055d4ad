"""Binary plan files (``terraform plan -out tfplan``), converted by the ``terraform`` binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from iacguard.errors import InputError
from iacguard.inputs.source import RawInput
from iacguard.redaction import redact_text

_HOW_TO = (
    "run `terraform show -json PLANFILE > plan.json` in the Terraform folder and scan plan.json"
)


def plan_json_from_binary(raw: RawInput, timeout: float = 600.0) -> bytes:
    """Return ``terraform show -json`` output for a binary plan file.

    Terraform needs the configuration's initialised working directory (providers' schemas) to
    read a binary plan, so it runs in the plan file's folder, or in the current directory for
    a plan read from standard input.
    """
    terraform = shutil.which("terraform")
    if terraform is None:
        raise InputError(
            raw.name, f"binary Terraform plan, and no `terraform` binary on PATH: {_HOW_TO}"
        )
    with tempfile.TemporaryDirectory(prefix="iacguard-") as scratch:
        if raw.path is None:
            plan_path = Path(scratch) / "stdin.tfplan"
            plan_path.write_bytes(raw.data)
            cwd = Path.cwd()
        else:
            plan_path = raw.path.resolve()
            cwd = plan_path.parent
        env = dict(os.environ, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        try:
            completed = subprocess.run(
                [terraform, "show", "-json", "-no-color", str(plan_path)],
                cwd=cwd,
                env=env,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InputError(
                raw.name, f"`terraform show -json` took longer than {timeout:.0f}s"
            ) from None
        except OSError as exc:
            raise InputError(raw.name, f"cannot run terraform: {exc.strerror}") from None
    if completed.returncode != 0:
        message = _first_error_line(completed.stderr.decode("utf-8", "replace"))
        raise InputError(raw.name, f"`terraform show -json` failed: {message}; or {_HOW_TO}")
    return completed.stdout


def _first_error_line(stderr: str) -> str:
    lines = [line.strip(" │╷╵\t") for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    for index, line in enumerate(lines):
        if line.startswith("Error:"):
            detail = line[len("Error:") :].strip()
            if index + 1 < len(lines) and not lines[index + 1].startswith("Error:"):
                detail = f"{detail} ({lines[index + 1]})"
            return redact_text(detail)
    return redact_text(lines[0]) if lines else "no output"
