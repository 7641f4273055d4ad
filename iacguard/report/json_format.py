"""The JSON report: the report model serialised deterministically."""

from __future__ import annotations

from iacguard.report.model import Report


def render_json(report: Report) -> str:
    """Serialise a report. The same report always gives the same bytes.

    pydantic's own writer, in Rust, keeps field order and writes UTF-8 as is; it is several
    times faster than ``json.dumps(indent=2)``, which cannot use Python's C encoder.
    """
    return report.model_dump_json(indent=2, by_alias=True) + "\n"
