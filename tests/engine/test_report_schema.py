"""Reports of engine scenarios validate against the shipped schema: every ``scan_json`` of
these tests validates its report; this module combines every engine feature in one report and
checks that the validation is not vacuous."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .plans import access_key, k8s_secret, notebook, plan, write_plan
from .reports import RunCli, report_schema, scan_json

CHECKS_DIRS = Path(__file__).resolve().parent / "checks_dirs"


@pytest.fixture
def everything(run_cli: RunCli, tmp_path: Path) -> dict[str, Any]:
    """One report with inline, waiver and baseline suppressions, active, expired and unused
    waivers, a local check's finding and a failed check."""
    baseline = tmp_path / "b.json"
    old = write_plan(tmp_path / "old.json", plan(notebook("research")))
    scan_json(run_cli, old, "--create-baseline", baseline, cwd=tmp_path)
    path = write_plan(
        tmp_path / "plan.json",
        plan(
            notebook("research"),
            access_key("legacy", tags={"iacguard:ignore": "aws-iam-access-key"}),
            access_key("batch"),
            access_key("ci"),
            k8s_secret("creds"),
        ),
    )
    expired = (date.today() - timedelta(days=1)).isoformat()
    config = tmp_path / "iacguard.yaml"
    config.write_text(
        "waivers:\n"
        "  - check: aws-iam-access-key\n"
        "    resource: aws_iam_access_key.batch\n"
        "    reason: replaced by IRSA next sprint\n"
        "  - check: aws-iam-access-key\n"
        "    resource: aws_iam_access_key.ci\n"
        "    reason: old exception\n"
        f"    expires: {expired}\n"
        "  - check: k8s-secret-cloud-credentials\n"
        "    resource: kubernetes_secret.other\n"
        "    reason: unused\n",
        encoding="utf-8",
    )
    output = tmp_path / "report.json"
    outcome = scan_json(
        run_cli,
        path,
        "--config",
        config,
        "--baseline",
        baseline,
        "--checks-dir",
        CHECKS_DIRS / "local",
        "--checks-dir",
        CHECKS_DIRS / "runtime_error",
        "--output",
        output,
        cwd=tmp_path,
    )
    assert json.loads(output.read_text("utf-8")) == outcome.report
    return outcome.report


def test_report_with_every_engine_feature_validates(everything: dict[str, Any]) -> None:
    by = {
        (f["check_id"], f["resource"]): (f["suppressed"], f["suppressed_by"])
        for f in everything["findings"]
    }
    assert by[("aws-iam-access-key", "aws_iam_access_key.legacy")] == (True, "inline")
    assert by[("aws-iam-access-key", "aws_iam_access_key.batch")] == (True, "waiver")
    assert by[("aws-iam-access-key", "aws_iam_access_key.ci")] == (False, None)
    assert by[
        ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research")
    ] == (True, "baseline")
    # The baseline was made without the local check: its finding is new.
    assert by[("team-notebook-owner-tag", "aws_sagemaker_notebook_instance.research")] == (
        False,
        None,
    )
    assert [w["status"] for w in everything["waivers"]] == ["active", "expired", "unused"]
    assert [e["check_id"] for e in everything["errors"]] == ["team-key-owner"]
    assert everything["summary"]["check_errors"] == 1


#: Values the engine never writes, and where: the schema must reject each of them.
NEVER_WRITTEN: list[tuple[tuple[str | int, ...], object]] = [
    (("findings", 0, "suppressed_by"), "config"),
    (("waivers", 0, "status"), "stale"),
    (("errors", 0, "check_id"), None),
    (("summary", "check_errors"), "one"),
]


def test_schema_rejects_what_the_engine_never_writes(everything: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(report_schema())
    for path, value in NEVER_WRITTEN:
        broken = copy.deepcopy(everything)
        target: Any = broken
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_report_without_resources_validates(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(access_key("batch")))
    outcome = scan_json(run_cli, path, "--no-resources", cwd=tmp_path)
    assert outcome.report["resources"] is None
