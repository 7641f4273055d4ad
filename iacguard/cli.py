"""The ``iacguard`` command line. The only place that prints, writes files and exits.

Exit codes: 0 success, 1 a ``--fail-on`` gate tripped, 2 usage or input error, 3 internal
error (a bug: please report it).
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# typer vendors click since 0.29: its exceptions are how usage errors arrive.
from typer._click import exceptions as _click_exceptions

from iacguard.about import data_versions, tool_version
from iacguard.config import Config, find_and_load_config
from iacguard.errors import IacguardError, UsageError
from iacguard.findings import FailOn
from iacguard.inputs import LoadResult, load_inputs
from iacguard.redaction import redact_text
from iacguard.report import RENDERERS, OutputFormat, format_for_path
from iacguard.report.console import build_console_report
from iacguard.scan import build_report, scan

EXIT_OK = 0
EXIT_GATE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

app = typer.Typer(
    name="iacguard",
    help=(
        "Effective permissions, attack paths and privilege diffs of the non-human identities "
        "in AI stacks, read from Terraform plans before they are applied."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class TextOrJson(StrEnum):
    """``--format`` of commands other than scan."""

    TEXT = "text"
    JSON = "json"


# Shared input arguments and options: every command that reads inputs takes these.
InputsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT...",
        help="Plan JSON (terraform show -json), binary plan, folder, or - for standard input.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (default: .iacguard.yaml or [tool.iacguard] in pyproject.toml).",
        dir_okay=False,
    ),
]


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    _stderr().print(f"iacguard: error: {redact_text(message)}", markup=False)
    return typer.Exit(code)


def _progress(message: str) -> AbstractContextManager[object]:
    """A spinner on standard error, only when a person is watching it."""
    console = _stderr()
    if console.is_terminal and not os.environ.get("CI"):
        return console.status(message, spinner="dots")
    return nullcontext()


def _load(inputs: list[str], config_path: Path | None) -> tuple[LoadResult, Config]:
    config = find_and_load_config(config_path)
    with _progress("Loading inputs…"):
        loaded = load_inputs(inputs)
    return loaded, config


def _stdout_console() -> Console:
    width = None
    if not sys.stdout.isatty():
        width = max(100, shutil.get_terminal_size((120, 40)).columns)
    return Console(width=width, highlight=False)


@app.command("scan")
def scan_command(
    inputs: InputsArg,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format", "-f", help="Report format on standard output.", case_sensitive=False
        ),
    ] = OutputFormat.TEXT,
    output: Annotated[
        list[Path] | None,
        typer.Option(
            "--output",
            "-o",
            help="Also write the report to PATH, format from its suffix (.json, .txt). Repeatable.",
            dir_okay=False,
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when an unsuppressed finding is at or above this severity "
            "[default: high].",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    no_resources: Annotated[
        bool,
        typer.Option("--no-resources", help="Leave the per-resource list out of the report."),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Scan inputs and report what they will deploy, classified, with findings."""
    try:
        targets = []
        for path in output or []:
            fmt = format_for_path(path.suffix)
            if fmt is None:
                raise UsageError(
                    f"--output {path}: unknown suffix {path.suffix or '(none)'}; use .json or .txt"
                )
            targets.append((path, fmt))
        loaded, settings = _load(inputs, config)
        gate = fail_on or settings.fail_on or FailOn.HIGH
        with _progress("Analysing…"):
            result = scan(loaded, settings.classification)
            report = build_report(result, gate, include_resources=not no_resources)
        for path, fmt in targets:
            try:
                path.write_text(RENDERERS[fmt](report), encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--output {path}: cannot write: {exc.strerror}") from None
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    if output_format is OutputFormat.TEXT:
        _stdout_console().print(build_console_report(report))
    else:
        sys.stdout.write(RENDERERS[output_format](report))
        sys.stdout.flush()
    raise typer.Exit(EXIT_GATE if report.summary.gate.tripped else EXIT_OK)


@app.command("version")
def version_command(
    output_format: Annotated[
        TextOrJson, typer.Option("--format", "-f", case_sensitive=False)
    ] = TextOrJson.TEXT,
) -> None:
    """Print the iacguard version and the versions of the data it uses."""
    versions = data_versions()
    if output_format is TextOrJson.JSON:
        import json

        sys.stdout.write(
            json.dumps({"iacguard": tool_version(), "data": versions}, indent=2) + "\n"
        )
        return
    lines = [f"iacguard {tool_version()}"]
    lines += [f"  {name} {value}" for name, value in versions.items()]
    sys.stdout.write("\n".join(lines) + "\n")


def main() -> None:
    """Console-script entry point.

    Usage errors become one line and exit 2; surprises become one line and exit 3.
    """
    try:
        code = app(standalone_mode=False)
    except _click_exceptions.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except _click_exceptions.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        message = " ".join(exc.format_message().split())
        _stderr().print(f"iacguard: error: {message}{hint}", markup=False)
        sys.exit(EXIT_USAGE)
    except _click_exceptions.ClickException as exc:
        _stderr().print(f"iacguard: error: {' '.join(exc.format_message().split())}", markup=False)
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, typer.Abort):
        _stderr().print("iacguard: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        _stderr().print(
            f"iacguard: internal error: {type(exc).__name__}: {redact_text(str(exc))[:300]} "
            "(set IACGUARD_DEBUG=1 for a traceback, and please report it)",
            markup=False,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
