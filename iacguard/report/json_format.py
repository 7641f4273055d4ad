"""The JSON report: the report model serialised deterministically."""

from __future__ import annotations

import json

from iacguard.report.model import Report


def render_json(report: Report) -> str:
    """Serialise a report. The same report always gives the same bytes."""
    data = report.model_dump(mode="json", by_alias=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
