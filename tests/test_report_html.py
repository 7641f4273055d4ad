"""The HTML report: one self-contained page, checked as text and in a real browser (Debian's
``chromium``, headless; those tests skip when no browser is installed, and ``.ci/run`` installs
one).

The example stack's screenshot is saved to the test's temporary folder, and to
``$IACGUARD_SCREENSHOTS`` when that is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, find_chromium
from conftest import iacguard_executable

from iacguard.report import OutputFormat, render
from iacguard.report.model import Report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/ai-stack"


@pytest.fixture(scope="module")
def example_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    out = tmp_path_factory.mktemp("html")
    page, data = out / "report.html", out / "report.json"
    completed = subprocess.run(
        [iacguard_executable(), "scan", EXAMPLE, "-o", str(page), "-o", str(data)],
        capture_output=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    return page, Report.model_validate_json(data.read_text("utf-8"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("no chromium installed (.ci/run installs Debian's)")
    driver = Browser(executable)
    try:
        yield driver
    finally:
        driver.close()


# -- as text -----------------------------------------------------------------------------------


def test_the_page_is_self_contained(example_html: tuple[Path, Report]) -> None:
    text = example_html[0].read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # nothing is fetched: no external script, style, font or image, and the page's policy
    # forbids any
    assert not re.search(r"<(script|img|link|iframe|object|embed)\b[^>]*\b(src|href)=", text)
    assert "@import" not in text and "url(" not in text
    assert "default-src 'none'" in text
    assert len(text.encode()) < 10 * 1024 * 1024


def test_the_page_reads_without_javascript(example_html: tuple[Path, Report]) -> None:
    """Every section and every finding is in the markup; only the filters need the script."""
    text, report = example_html[0].read_text("utf-8"), example_html[1]
    for section in ("verdict", "diff", "graph", "identities", "findings", "frameworks"):
        assert f'id="{section}' in text
    assert text.count('class="finding"') == len(report.findings)
    assert 'class="finding hidden"' not in text
    assert "<svg" in text and "</svg>" in text


def test_identities_show_their_capability_classes(example_html: tuple[Path, Report]) -> None:
    text, report = example_html[0].read_text("utf-8"), example_html[1]
    deploy = next(i for i in report.identities if i.address == "aws_iam_role.ci_deploy")
    assert deploy.classes["full-admin"] == "allowed"
    row = re.search(r"<tr><td><code>aws:iam_role/acme-ml-github-deploy</code>.*?</tr>", text, re.S)
    assert row is not None
    assert "<strong>full-admin</strong>" in row.group(0)
    assert text.count("<tr><td><code>") >= len(report.identities)


def test_the_framework_view_lists_each_control_with_its_findings(
    example_html: tuple[Path, Report],
) -> None:
    text, report = example_html[0].read_text("utf-8"), example_html[1]
    pr_aa_05 = [f for f in report.findings if "PR.AA-05" in f.frameworks.get("nist-csf-2.0", [])]
    assert pr_aa_05
    row = re.search(r'<tr data-control="nist-csf-2.0:PR.AA-05">(.*?)</tr>', text, re.S)
    assert row is not None
    assert row.group(1).count('<a href="#finding-') == len(
        [f for f in pr_aa_05 if not f.suppressed]
    )


def test_input_values_are_escaped(example_html: tuple[Path, Report]) -> None:
    report = example_html[1]
    finding = report.findings[0].model_copy(
        update={"resource": "<script>alert(1)</script>", "message": '"><img src=x onerror=1>'}
    )
    hostile = report.model_copy(update={"findings": [finding, *report.findings[1:]]})
    text = render(hostile, OutputFormat.HTML)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text


# -- in the browser ----------------------------------------------------------------------------


def _visible_rows(browser: Browser) -> int:
    value = browser.evaluate(
        "Array.from(document.querySelectorAll('tr.finding'))"
        ".filter(r => getComputedStyle(r).display !== 'none').length"
    )
    assert isinstance(value, int)
    return value


def _choose(browser: Browser, name: str, value: str) -> None:
    browser.evaluate(
        f"(() => {{ const s = document.getElementById('filter-{name}'); s.value = {value!r};"
        " s.dispatchEvent(new Event('change')); })()"
    )


def test_the_page_loads_without_errors_and_shows_the_summary_and_graph(
    example_html: tuple[Path, Report], browser: Browser, tmp_path: Path
) -> None:
    seconds = browser.open(example_html[0])
    assert browser.errors() == []
    assert seconds < 3
    assert (
        browser.evaluate("document.getElementById('verdict').textContent")
        .strip()
        .startswith("FAIL")
    )
    nodes = browser.evaluate("document.querySelectorAll('#graph g.node').length")
    assert isinstance(nodes, int) and 0 < nodes <= 50
    height = browser.evaluate("document.getElementById('graph').getBoundingClientRect().height")
    assert height > 100
    shot = tmp_path / "ai-stack-report.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000
    target = os.environ.get("IACGUARD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)


def test_filters_change_what_is_shown(example_html: tuple[Path, Report], browser: Browser) -> None:
    report = example_html[1]
    browser.open(example_html[0])
    active = [f for f in report.findings if not f.suppressed]
    assert _visible_rows(browser) == len(active)
    _choose(browser, "severity", "critical")
    assert _visible_rows(browser) == sum(1 for f in active if f.severity == "critical")
    _choose(browser, "severity", "")
    for framework in ("cis-kubernetes", "owasp-agentic-top10-2026"):
        _choose(browser, "framework", framework)
        expected = sum(1 for f in active if framework in f.frameworks)
        assert _visible_rows(browser) == expected
    assert 0 < sum(1 for f in active if "cis-kubernetes" in f.frameworks) < len(active)
    _choose(browser, "framework", "")
    _choose(browser, "provider", "kubernetes")
    kubernetes = _visible_rows(browser)
    assert 0 < kubernetes < len(active)
    _choose(browser, "provider", "")
    assert _visible_rows(browser) == len(active)
    count = browser.evaluate("document.getElementById('filter-count').textContent")
    assert count == f"{len(active)} of {len(report.findings)} shown"
    assert browser.errors() == []


def test_the_page_prints_with_every_section_open(
    example_html: tuple[Path, Report], browser: Browser
) -> None:
    """Printed, the filters hide nothing and every collapsed section opens."""
    browser.open(example_html[0])
    _choose(browser, "severity", "critical")  # a filter left on must not cut the printout
    browser.call("Emulation.setEmulatedMedia", media="print")
    hidden = browser.evaluate(
        "Array.from(document.querySelectorAll('tr.finding'))"
        ".filter(r => getComputedStyle(r).display === 'none').length"
    )
    assert hidden == 0
    assert browser.evaluate("getComputedStyle(document.getElementById('filters')).display") == (
        "none"
    )
    pdf = browser.call("Page.printToPDF", printBackground=False)["data"]
    assert len(pdf) > 10_000
    opened = browser.evaluate("Array.from(document.querySelectorAll('details')).every(d => d.open)")
    assert opened is True  # beforeprint opened them
    browser.call("Emulation.setEmulatedMedia", media="")
    assert browser.errors() == []
