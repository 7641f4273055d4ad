"""Renderers of the report model, one per output format.

Adding a format is one module (a function from :class:`Report` and :class:`RenderOptions` to
text) and one entry in :data:`RENDERERS` (and in :data:`SUFFIXES` when a file suffix names
it); a test proves every format the CLI offers has a renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from iacguard.report.codequality import render_codequality
from iacguard.report.console import render_text
from iacguard.report.html import render_html
from iacguard.report.json_format import render_json
from iacguard.report.junit import render_junit
from iacguard.report.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from iacguard.report.model import Report
from iacguard.report.sarif import render_sarif


class OutputFormat(StrEnum):
    """Formats ``scan`` can write. Every member has a renderer (a test proves it)."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    JUNIT = "junit"
    GITLAB_CODEQUALITY = "gitlab-codequality"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Options some renderers read."""

    max_chars: int = GITHUB_COMMENT_LIMIT
    """Markdown: the most characters the report may take (a forge's comment limit)."""
    full_report: str | None = None
    """Markdown: where the full report is (named when detail is left out)."""


Renderer = Callable[[Report, RenderOptions], str]

RENDERERS: dict[OutputFormat, Renderer] = {
    OutputFormat.TEXT: lambda report, _options: render_text(report),
    OutputFormat.JSON: lambda report, _options: render_json(report),
    OutputFormat.MARKDOWN: lambda report, options: render_markdown(
        report, options.max_chars, options.full_report
    ),
    OutputFormat.SARIF: lambda report, _options: render_sarif(report),
    OutputFormat.JUNIT: lambda report, _options: render_junit(report),
    OutputFormat.GITLAB_CODEQUALITY: lambda report, _options: render_codequality(report),
    OutputFormat.HTML: lambda report, _options: render_html(report),
}

#: File suffix → format, for ``--output PATH`` (Code Quality is JSON too: name it,
#: ``--output gitlab-codequality:PATH``).
SUFFIXES: dict[str, OutputFormat] = {
    ".json": OutputFormat.JSON,
    ".txt": OutputFormat.TEXT,
    ".md": OutputFormat.MARKDOWN,
    ".markdown": OutputFormat.MARKDOWN,
    ".sarif": OutputFormat.SARIF,
    ".xml": OutputFormat.JUNIT,
    ".html": OutputFormat.HTML,
    ".htm": OutputFormat.HTML,
}


def render(report: Report, fmt: OutputFormat, options: RenderOptions | None = None) -> str:
    """The report in one format."""
    return RENDERERS[fmt](report, options or RenderOptions())


def format_for_path(suffix: str) -> OutputFormat | None:
    """The format an ``--output`` file's suffix asks for, or ``None`` if unknown."""
    return SUFFIXES.get(suffix.lower())


def parse_output(value: str) -> tuple[OutputFormat, str]:
    """``FORMAT:PATH`` or ``PATH`` (the format from its suffix) → (format, path).

    Raises:
        ValueError: with the reason, for an unknown format or suffix, or an empty path.
    """
    name, colon, rest = value.partition(":")
    if colon and name.lower() in {f.value for f in OutputFormat}:
        if not rest:
            raise ValueError(f"{value}: no path after {name}:")
        return OutputFormat(name.lower()), rest
    dot = value.rfind(".")
    suffix = value[dot:] if dot > max(value.rfind("/"), value.rfind("\\")) else ""
    found = format_for_path(suffix)
    if found is None:
        formats = ", ".join(f.value for f in OutputFormat)
        suffixes = ", ".join(SUFFIXES)
        raise ValueError(
            f"{value}: unknown suffix {suffix or '(none)'}; use {suffixes}, or FORMAT:PATH "
            f"with a format of {formats}"
        )
    return found, value


__all__ = [
    "RENDERERS",
    "SUFFIXES",
    "OutputFormat",
    "RenderOptions",
    "Report",
    "format_for_path",
    "parse_output",
    "render",
]
