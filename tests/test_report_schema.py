"""The JSON report has a versioned schema, shipped as a file and kept in step with the code."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema

from iacguard.report import RENDERERS, SUFFIXES, OutputFormat
from iacguard.report.model import SCHEMA_VERSION, report_json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "iacguard" / "report" / "report.schema.json"


def shipped_schema() -> dict[str, Any]:
    return json.loads(files("iacguard.report").joinpath("report.schema.json").read_text("utf-8"))


def test_shipped_schema_matches_the_model(update_golden: bool) -> None:
    generated = json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n"
    if update_golden:
        SCHEMA_FILE.write_text(generated, encoding="utf-8")
    assert shipped_schema() == json.loads(generated), (
        "report.schema.json is stale: run pytest --update-golden and bump SCHEMA_VERSION "
        "if the change is not backwards compatible"
    )


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(shipped_schema())


def test_schema_version_is_pinned_in_the_schema() -> None:
    assert shipped_schema()["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_every_output_format_has_a_renderer_and_a_suffix_or_a_name() -> None:
    assert set(RENDERERS) == set(OutputFormat)
    # Code Quality is JSON too: it is named (gitlab-codequality:PATH), never guessed
    assert set(SUFFIXES.values()) == set(OutputFormat) - {OutputFormat.GITLAB_CODEQUALITY}


def test_example_report_validates(run_cli: Any, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "ai-stack" / "plan.json"
    out = tmp_path / "report.json"
    result = run_cli("scan", example, "--output", out, "--format", "json")
    assert result.returncode == 1, result.stderr  # the example's deliberate flaws trip the gate
    jsonschema.validate(json.loads(out.read_text("utf-8")), shipped_schema())
    assert out.read_text("utf-8") == result.stdout
