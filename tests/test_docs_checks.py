"""docs/checks.md is generated from the registered checks and must not be stale."""

from __future__ import annotations

from pathlib import Path

from iacguard.engine import discover_checks
from iacguard.engine.docs import render_checks_reference
from iacguard.frameworks import load_catalog

PAGE = Path(__file__).resolve().parents[1] / "docs" / "checks.md"


def test_checks_reference_is_current(update_golden: bool) -> None:
    builtin = [c for c in discover_checks() if c.provider == "iacguard"]
    generated = render_checks_reference(builtin, load_catalog())
    if update_golden:
        PAGE.write_text(generated, encoding="utf-8")
    assert PAGE.read_text(encoding="utf-8") == generated, (
        "docs/checks.md is stale: run `pytest --update-golden tests/test_docs_checks.py`"
    )


def test_every_builtin_check_has_a_documented_section() -> None:
    page = PAGE.read_text(encoding="utf-8")
    for item in discover_checks():
        if item.provider == "iacguard":
            assert f"\n## {item.id}\n" in page
            assert item.remediation in page
