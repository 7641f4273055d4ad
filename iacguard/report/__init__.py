"""Renderers of the report model, one per output format."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from iacguard.report.console import render_text
from iacguard.report.json_format import render_json
from iacguard.report.markdown import render_markdown
from iacguard.report.model import Report


class OutputFormat(StrEnum):
    """Formats ``scan`` can write. Every member has a renderer (a test proves it)."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


RENDERERS: dict[OutputFormat, Callable[[Report], str]] = {
    OutputFormat.TEXT: render_text,
    OutputFormat.JSON: render_json,
    OutputFormat.MARKDOWN: render_markdown,
}

#: File suffix → format, for ``--output PATH``.
SUFFIXES: dict[str, OutputFormat] = {
    ".json": OutputFormat.JSON,
    ".txt": OutputFormat.TEXT,
    ".md": OutputFormat.MARKDOWN,
    ".markdown": OutputFormat.MARKDOWN,
}


def format_for_path(suffix: str) -> OutputFormat | None:
    """The format an ``--output`` file's suffix asks for, or ``None`` if unknown."""
    return SUFFIXES.get(suffix.lower())


__all__ = ["RENDERERS", "SUFFIXES", "OutputFormat", "Report", "format_for_path"]
