"""Report formats for pipelines: SARIF 2.1.0, JUnit XML, GitLab Code Quality, and the
Markdown size limit; ``--output [FORMAT:]PATH`` writes them all from one run.

Golden files (``tests/golden/formats/``) hold each format of the AI-stack example; rewrite them
with ``pytest --update-golden``, never silently.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_report_markdown import assert_well_formed, size

from iacguard.report import RENDERERS, SUFFIXES, OutputFormat, parse_output, render
from iacguard.report.codequality import SEVERITIES as CODEQUALITY_SEVERITIES
from iacguard.report.markdown import GITHUB_COMMENT_LIMIT
from iacguard.report.model import Report
from iacguard.report.sarif import FINGERPRINT_KEY, LEVELS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden" / "formats"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
EXAMPLE = "examples/ai-stack"

ARTIFACTS = {
    "markdown": "report.md",
    "sarif": "report.sarif",
    "junit": "report.xml",
    "gitlab-codequality": "gl-code-quality.json",
    "json": "report.json",
}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One scan of the example (run from the repository root, so paths are relative) writing
    every artifact a pipeline needs: format → text."""
    import subprocess

    from conftest import iacguard_executable

    out = tmp_path_factory.mktemp("artifacts")
    outputs = [
        "--output",
        str(out / ARTIFACTS["markdown"]),
        "--output",
        str(out / ARTIFACTS["sarif"]),
        "--output",
        str(out / ARTIFACTS["junit"]),
        "--output",
        f"gitlab-codequality:{out / ARTIFACTS['gitlab-codequality']}",
        "--output",
        str(out / ARTIFACTS["json"]),
    ]
    completed = subprocess.run(
        [iacguard_executable(), "scan", EXAMPLE, *outputs, "--format", "sarif"],
        capture_output=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr  # the example's flaws trip the gate
    found = {name: (out / file).read_text("utf-8") for name, file in ARTIFACTS.items()}
    found["stdout"] = completed.stdout.decode("utf-8")
    return found


@pytest.fixture(scope="module")
def example_report(example_run: dict[str, str]) -> Report:
    return Report.model_validate_json(example_run["json"])


# -- the registry and the option ---------------------------------------------------------------


def test_every_format_the_cli_offers_has_a_renderer(run_cli: Any) -> None:
    assert set(RENDERERS) == set(OutputFormat)
    help_text = run_cli("scan", "--help").stdout
    for fmt in OutputFormat:
        assert fmt.value in help_text
    # every format can be named in --output, and the suffixes name the file formats
    for fmt in OutputFormat:
        assert parse_output(f"{fmt.value}:out/x") == (fmt, "out/x")
    assert set(SUFFIXES.values()) == set(OutputFormat) - {OutputFormat.GITLAB_CODEQUALITY}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("report.sarif", (OutputFormat.SARIF, "report.sarif")),
        ("out/junit.XML", (OutputFormat.JUNIT, "out/junit.XML")),
        ("report.md", (OutputFormat.MARKDOWN, "report.md")),
        ("gitlab-codequality:gl-code-quality.json", (OutputFormat.GITLAB_CODEQUALITY,
                                                     "gl-code-quality.json")),
        ("sarif:C:\\out\\scan.txt", (OutputFormat.SARIF, "C:\\out\\scan.txt")),
        ("C:\\out\\scan.sarif", (OutputFormat.SARIF, "C:\\out\\scan.sarif")),
    ],
)  # fmt: skip
def test_output_values(value: str, expected: tuple[OutputFormat, str]) -> None:
    assert parse_output(value) == expected


def test_an_unknown_output_is_a_one_line_usage_error(run_cli: Any, tmp_path: Path) -> None:
    for value in ("report.pdf", "nosuffix", "sarif:"):
        result = run_cli("scan", ROOT / EXAMPLE / "plan.json", "--output", tmp_path / value)
        assert result.returncode == 2, value
        assert result.stderr.count("\n") == 1 and "--output" in result.stderr, result.stderr


# -- one run, every artifact -------------------------------------------------------------------


def test_one_scan_writes_every_artifact(example_run: dict[str, str]) -> None:
    assert example_run["stdout"] == example_run["sarif"]  # --format sarif on stdout too
    assert example_run["markdown"].startswith("# iacguard report")
    json.loads(example_run["gitlab-codequality"])
    ET.fromstring(example_run["junit"])


# -- SARIF -------------------------------------------------------------------------------------


def test_sarif_validates_against_the_schema(example_run: dict[str, str]) -> None:
    if not SARIF_SCHEMA.is_file():
        pytest.skip("../shared/schemas is not present")
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    jsonschema.validate(json.loads(example_run["sarif"]), schema)


def test_sarif_rules_results_and_fingerprints(
    example_run: dict[str, str], example_report: Report
) -> None:
    log = json.loads(example_run["sarif"])
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(c.id for c in example_report.checks)
    by_id = {r["id"]: r for r in rules}
    results = run["results"]
    assert len(results) == len(example_report.findings)
    for result, finding in zip(results, example_report.findings, strict=True):
        assert result["ruleId"] == finding.check_id
        assert rules[result["ruleIndex"]]["id"] == finding.check_id
        assert result["level"] == LEVELS[finding.severity]
        assert result["partialFingerprints"][FINGERPRINT_KEY] == finding.fingerprint
        [location] = result["locations"]
        assert location["logicalLocations"][0]["fullyQualifiedName"] == (
            finding.location.address or finding.resource
        )
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": finding.location.path, "uriBaseId": "%SRCROOT%"}
        if finding.location.line:
            assert location["physicalLocation"]["region"]["startLine"] == finding.location.line
        assert ("suppressions" in result) == finding.suppressed
    # a check's rule: severity as GitHub reads it, controls as tags, help from remediation
    rule = by_id["aws-oidc-trust-wildcard-subject"]
    assert rule["properties"]["security-severity"] in {"9.5", "8.0"}
    assert "security" in rule["properties"]["tags"]
    assert any(tag.startswith("nist-csf-2.0/") for tag in rule["properties"]["tags"])
    assert rule["help"]["text"].startswith(
        next(c.remediation for c in example_report.checks if c.id == rule["id"])
    )
    fingerprints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    # the privilege diff travels in the run's properties
    assert run["properties"]["diff"]["new_severity"] == "critical"


def test_sarif_fingerprints_are_stable_across_runs(
    example_run: dict[str, str], run_cli: Any
) -> None:
    again = run_cli("scan", EXAMPLE, "--format", "sarif", cwd=ROOT).stdout
    assert again == example_run["sarif"]


# -- JUnit -------------------------------------------------------------------------------------


def test_junit_has_a_case_per_check_and_resource_and_failures_for_findings(
    example_run: dict[str, str], example_report: Report
) -> None:
    root = ET.fromstring(example_run["junit"])
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert {s.get("name") for s in suites} == {c.id for c in example_report.checks}
    totals: Counter[str] = Counter()
    for suite in suites:
        counts: Counter[str] = Counter()
        for case in suite.findall("testcase"):
            counts["tests"] += 1
            counts["failures"] += len(case.findall("failure"))
            counts["skipped"] += len(case.findall("skipped"))
            counts["errors"] += len(case.findall("error"))
            assert case.get("classname") == suite.get("name")
        for key in ("tests", "failures", "skipped", "errors"):
            assert suite.get(key) == str(counts[key]), (suite.get("name"), key)
            totals[key] += counts[key]
    for key in ("tests", "failures", "skipped", "errors"):
        assert root.get(key) == str(totals[key])
    assert totals["tests"] > totals["failures"] > 0  # passing resources are cases too
    failing = {
        (c.get("classname"), c.get("name"))
        for c in root.iter("testcase")
        if c.find("failure") is not None
    }
    expected = {(f.check_id, f.resource) for f in example_report.findings if not f.suppressed}
    assert failing == expected
    # the failure text carries the message, the evidence and the remediation
    first = next(f for f in example_report.findings if not f.suppressed)
    case = next(
        c
        for c in root.iter("testcase")
        if (c.get("classname"), c.get("name")) == (first.check_id, first.resource)
    )
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == first.severity
    assert first.remediation in (failure.text or "")


# -- GitLab Code Quality -----------------------------------------------------------------------


def test_codequality_has_the_documented_shape(
    example_run: dict[str, str], example_report: Report
) -> None:
    issues = json.loads(example_run["gitlab-codequality"])
    active = [f for f in example_report.findings if not f.suppressed]
    assert len(issues) == len(active)
    for issue, finding in zip(issues, active, strict=True):
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == finding.check_id
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["severity"] == CODEQUALITY_SEVERITIES[finding.severity]
        assert issue["location"]["path"] == finding.location.path
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)


# -- Markdown within a forge's limit -----------------------------------------------------------


@pytest.mark.parametrize("limit", [GITHUB_COMMENT_LIMIT, 10_000])
def test_example_markdown_truncated_keeps_the_verdict_and_the_diff(
    example_report: Report, limit: int
) -> None:
    text = render_markdown_at(example_report, limit)
    assert size(text) <= limit
    assert_well_formed(text)
    lines = text.splitlines()
    assert lines[2].startswith("❌ **FAIL**")
    assert "## What this change grants or removes" in text
    assert example_report.diff is not None
    for addition in example_report.diff.added[:5]:  # the lead names the most severe additions
        assert f"`{addition.identity}`" in text
    if limit == 10_000:
        assert "> **Not shown, to fit the 10,000-character limit:**" in text


def render_markdown_at(report: Report, limit: int) -> str:
    from iacguard.report import RenderOptions

    return render(report, OutputFormat.MARKDOWN, RenderOptions(max_chars=limit))


def test_max_chars_and_full_report_options(run_cli: Any) -> None:
    url = "https://ci.example/jobs/7/artifacts/report.json"
    text = run_cli(
        "scan", EXAMPLE, "--format", "markdown", "--max-chars", "10000", "--full-report", url,
        cwd=ROOT,
    ).stdout  # fmt: skip
    assert size(text) <= 10_000
    assert "10,000-character limit" in text
    assert f"The full report: `{url}`." in text


def test_markdown_order_verdict_diff_paths_findings(example_run: dict[str, str]) -> None:
    text = render_markdown_at(Report.model_validate_json(example_run["json"]), 1_000_000)
    positions = [
        text.index(heading)
        for heading in (
            "# iacguard report",
            "## What this change grants or removes",
            "## Paths to crown jewels",
            "## Findings",
        )
    ]
    assert positions == sorted(positions)


# -- golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("ai-stack.sarif", "sarif"),
        ("ai-stack.junit.xml", "junit"),
        ("ai-stack.codequality.json", "gitlab-codequality"),
        ("ai-stack.md", "markdown"),
    ],
)
def test_golden(example_run: dict[str, str], name: str, fmt: str, update_golden: bool) -> None:
    path = GOLDEN / name
    text = example_run[fmt]
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run pytest --update-golden"
    assert path.read_text("utf-8") == text, (
        f"{name} differs from the golden file; if the change is intended, run "
        "pytest --update-golden and review the diff"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("plans/plan one.json", {"uri": "plans/plan%20one.json", "uriBaseId": "%SRCROOT%"}),
        ("charts\\llm\\templates\\svc.yaml", {"uri": "charts/llm/templates/svc.yaml",
                                              "uriBaseId": "%SRCROOT%"}),
        ("/ci/work/plan.json", {"uri": "file:///ci/work/plan.json"}),
        ("C:\\work\\plan.json", {"uri": "file:///C:/work/plan.json"}),
        ("<stdin>", {"uri": "stdin"}),
    ],
)  # fmt: skip
def test_sarif_artifact_locations(path: str, expected: dict[str, str]) -> None:
    from iacguard.report.sarif import _artifact

    assert _artifact(path) == expected
