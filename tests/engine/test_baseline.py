"""Baselines: ``--create-baseline`` records the current unsuppressed findings by fingerprint;
``--baseline`` reports them suppressed so only new findings count. Fingerprints depend on the
check, the resource address and the finding's key, never on where the input file is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from iacguard.about import tool_version
from iacguard.findings import Confidence, Finding, Location, Severity

from .plans import EXAMPLE_PLAN, access_key, k8s_secret, notebook, plan, write_plan
from .reports import RunCli, describe, one_line_error, scan_json

ADOPTED = (
    access_key("batch"),
    notebook("research"),
    k8s_secret("creds", annotations={"iacguard.io/ignore": "k8s-secret-cloud-credentials"}),
)


def fingerprints(findings: list[dict[str, object]]) -> dict[tuple[object, object], object]:
    return {(f["check_id"], f["resource"]): f["fingerprint"] for f in findings}


def test_create_baseline_records_unsuppressed_findings(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(*ADOPTED))
    baseline = tmp_path / "b.json"
    outcome = scan_json(run_cli, path, "--create-baseline", baseline, cwd=tmp_path)
    assert outcome.exit_code == 1  # creating a baseline does not hide today's findings
    document = json.loads(baseline.read_text("utf-8"))
    assert document["iacguard_baseline"] == 1
    assert document["tool_version"] == tool_version()
    active = [f for f in outcome.findings() if not f["suppressed"]]
    assert len(active) == 2  # the inline-ignored secret is not recorded
    assert document["findings"] == sorted(
        (
            {"fingerprint": f["fingerprint"], "check_id": f["check_id"], "resource": f["resource"]}
            for f in active
        ),
        key=lambda e: (e["check_id"], e["resource"], e["fingerprint"]),
    )


def test_baseline_suppresses_recorded_findings(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(*ADOPTED))
    baseline = tmp_path / "b.json"
    scan_json(run_cli, path, "--create-baseline", baseline, cwd=tmp_path)
    outcome = scan_json(run_cli, path, "--baseline", baseline, cwd=tmp_path)
    assert outcome.exit_code == 0
    assert outcome.active() == []
    by_baseline = [f for f in outcome.findings() if f["suppressed_by"] == "baseline"]
    assert {(f["check_id"], f["resource"]) for f in by_baseline} == {
        ("aws-iam-access-key", "aws_iam_access_key.batch"),
        ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research"),
    }
    assert all(str(baseline) in f["suppression_reason"] for f in by_baseline)
    secret = outcome.finding("k8s-secret-cloud-credentials", "kubernetes_secret.creds")
    assert secret["suppressed_by"] == "inline"
    summary = outcome.report["summary"]
    assert summary["suppressed"] == 3
    assert set(summary["findings"].values()) == {0}
    assert outcome.gate == {
        "fail_on": "high",
        "fail_on_new": "none",
        "tripped": False,
        "reasons": [],
    }


def test_only_new_findings_count_after_a_baseline(run_cli: RunCli, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    before = write_plan(tmp_path / "before.json", plan(*ADOPTED))
    scan_json(run_cli, before, "--create-baseline", baseline, cwd=tmp_path)
    after = write_plan(tmp_path / "after.json", plan(*ADOPTED, access_key("new_uploader")))
    outcome = scan_json(run_cli, after, "--baseline", baseline, "--fail-on", "low", cwd=tmp_path)
    assert outcome.active() == [("aws-iam-access-key", "aws_iam_access_key.new_uploader")]
    assert outcome.report["summary"]["findings"] == {
        "critical": 0,
        "high": 1,
        "medium": 0,
        "low": 0,
        "info": 0,
    }
    assert outcome.report["summary"]["suppressed"] == 3
    assert outcome.exit_code == 1
    assert outcome.gate["reasons"] == ["1 high finding"]


def test_baseline_of_the_example_stack(run_cli: RunCli, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    first = scan_json(run_cli, EXAMPLE_PLAN, "--create-baseline", baseline, cwd=tmp_path)
    assert first.exit_code == 1
    recorded = json.loads(baseline.read_text("utf-8"))["findings"]
    assert len(recorded) == len(first.active()) > 0
    second = scan_json(
        run_cli, EXAMPLE_PLAN, "--baseline", baseline, "--fail-on", "low", cwd=tmp_path
    )
    assert second.active() == []
    assert second.exit_code == 0


def test_fingerprints_are_stable_across_runs(run_cli: RunCli, tmp_path: Path) -> None:
    first = scan_json(run_cli, EXAMPLE_PLAN, cwd=tmp_path)
    second = scan_json(run_cli, EXAMPLE_PLAN, cwd=tmp_path)
    assert fingerprints(first.findings()) == fingerprints(second.findings())
    assert len(set(fingerprints(first.findings()).values())) == len(first.findings())


def test_fingerprints_do_not_depend_on_the_input_path(run_cli: RunCli, tmp_path: Path) -> None:
    here = write_plan(tmp_path / "plan.json", plan(*ADOPTED))
    elsewhere = tmp_path / "environments" / "prod" / "tfplan.json"
    elsewhere.parent.mkdir(parents=True)
    shutil.copy(here, elsewhere)
    first = scan_json(run_cli, here, cwd=tmp_path)
    moved = scan_json(run_cli, elsewhere, cwd=tmp_path)
    relative = scan_json(run_cli, Path("environments/prod/tfplan.json"), cwd=tmp_path)
    assert moved.findings()[0]["location"]["path"] != first.findings()[0]["location"]["path"]
    assert fingerprints(first.findings()) == fingerprints(moved.findings())
    assert fingerprints(first.findings()) == fingerprints(relative.findings())
    stdin = run_cli("scan", "-", "--format", "json", input=here.read_text("utf-8"), cwd=tmp_path)
    assert stdin.returncode == 1, describe(stdin)
    assert fingerprints(json.loads(stdin.stdout)["findings"]) == fingerprints(first.findings())


def test_baseline_applies_to_the_plan_at_another_path(run_cli: RunCli, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    ci = write_plan(tmp_path / "ci" / "plan.json", plan(*ADOPTED))
    scan_json(run_cli, ci, "--create-baseline", baseline, cwd=tmp_path)
    laptop = write_plan(tmp_path / "laptop" / "tfplan.json", plan(*ADOPTED))
    outcome = scan_json(run_cli, laptop, "--baseline", baseline, cwd=tmp_path)
    assert outcome.active() == []
    assert outcome.exit_code == 0


def test_fingerprint_is_check_resource_and_key() -> None:
    def finding(**changes: object) -> Finding:
        fields: dict[str, object] = {
            "check_id": "aws-iam-access-key",
            "title": "t",
            "severity": Severity.HIGH,
            "confidence": Confidence.HIGH,
            "resource": "aws_iam_access_key.batch",
            "location": Location(path="plan.json", pointer="/resource_changes/0"),
            "message": "m",
            "remediation": "r",
        }
        fields.update(changes)
        return Finding(**fields)  # type: ignore[arg-type]

    base = finding().fingerprint
    assert len(base) == 32
    assert finding(location=Location(path="other/plan.json", line=7)).fingerprint == base
    assert finding(message="changed", severity=Severity.LOW).fingerprint == base
    assert finding(key="statement/1").fingerprint != base
    assert finding(resource="aws_iam_access_key.ci").fingerprint != base
    assert finding(check_id="aws-iam-admin-wildcard").fingerprint != base


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        '{"iacguard_baseline": 2, "findings": []}',
        '{"findings": []}',
        '{"iacguard_baseline": 1, "findings": {}}',
    ],
    ids=["malformed", "list", "future-format", "no-format", "findings-not-a-list"],
)
def test_malformed_baseline_is_one_line(run_cli: RunCli, tmp_path: Path, text: str) -> None:
    path = write_plan(tmp_path / "plan.json", plan(*ADOPTED))
    baseline = tmp_path / "b.json"
    baseline.write_text(text, encoding="utf-8")
    result = run_cli("scan", path, "--baseline", baseline, cwd=tmp_path)
    one_line_error(result, "--baseline", str(baseline))


def test_missing_baseline_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(*ADOPTED))
    result = run_cli("scan", path, "--baseline", tmp_path / "missing.json", cwd=tmp_path)
    one_line_error(result, "missing.json")


def test_unwritable_baseline_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", plan(*ADOPTED))
    target = tmp_path / "no-such-folder" / "b.json"
    result = run_cli("scan", path, "--create-baseline", target, cwd=tmp_path)
    one_line_error(result, "--create-baseline", str(target))
