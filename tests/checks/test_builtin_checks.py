"""Every built-in check against its cases file (``cases/<check-id>.yaml``).

The cases file marks each case ``# NOT OK: why`` (the check must fire on that resource) or
``# OK: why`` (it must not); :mod:`plan_builder` turns it into real ``terraform show -json``
plans, which are loaded and scanned with only that check enabled. The findings are also kept
as a snapshot (``snapshots/<check-id>.json``), rewritten only by ``pytest --update-golden``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from plan_builder import CasePlan, CasesFile, read_cases
from plan_builder import object_node_id as plan_object_id

from iacguard.config import ChecksSettings, Config
from iacguard.engine import Check, discover_checks
from iacguard.findings import Finding
from iacguard.inputs import load_inputs
from iacguard.scan import scan

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
SNAPSHOTS = HERE / "snapshots"

NIST = "nist-csf-2.0"
OWASP = ("owasp-nhi-2025", "owasp-agentic-top10-2026", "owasp-llm-top10-2025")


@cache
def builtin_checks() -> tuple[Check, ...]:
    """The checks iacguard ships, registered through its own entry point."""
    return tuple(c for c in discover_checks() if c.provider == "iacguard")


def builtin_ids() -> list[str]:
    return [c.id for c in builtin_checks()]


def cases_path(check_id: str) -> Path:
    return CASES / f"{check_id}.yaml"


@cache
def cases_of(check_id: str) -> CasesFile:
    path = cases_path(check_id)
    if not path.is_file():
        pytest.fail(
            f"check {check_id} has no cases file: add {path.relative_to(HERE.parents[1])} with "
            "'# OK:' and '# NOT OK:' cases"
        )
    return read_cases(path)


ScanPlan = Callable[[str, CasePlan], tuple[Path, dict[str, Any], list[Finding]]]


@pytest.fixture(scope="module")
def scan_plan(tmp_path_factory: pytest.TempPathFactory) -> ScanPlan:
    """Write one plan of a cases file, load it and run only ``check_id`` over it."""
    folder = tmp_path_factory.mktemp("plans")
    done: dict[tuple[str, int], tuple[Path, dict[str, Any], list[Finding]]] = {}
    checks = builtin_checks()

    def run(check_id: str, plan: CasePlan) -> tuple[Path, dict[str, Any], list[Finding]]:
        key = (check_id, plan.number)
        if key not in done:
            document = plan.document()
            path = folder / f"{check_id}-{plan.number}.json"
            path.write_text(json.dumps(document), encoding="utf-8")
            inputs = [str(path)]
            manifest = plan.manifest()
            if manifest is not None:
                manifest_path = folder / f"{check_id}-{plan.number}.yaml"
                manifest_path.write_text(manifest, encoding="utf-8")
                inputs.append(str(manifest_path))
                document = {**document, "manifest": plan.objects}
            loaded = load_inputs(inputs)
            for loaded_doc in loaded.documents:
                assert not loaded_doc.skipped, f"plan {plan.number}: skipped {loaded_doc.skipped}"
                assert not loaded_doc.warnings, f"plan {plan.number}: {loaded_doc.warnings}"
                assert not loaded_doc.errors, f"plan {plan.number}: {loaded_doc.errors}"
            config = Config(checks=ChecksSettings(enable=[check_id]))
            result = scan(loaded, config, checks)
            assert result.engine.checks_run == (check_id,)
            assert not result.engine.errors, f"{check_id} raised: {result.engine.errors}"
            done[key] = (path, document, list(result.findings))
        return done[key]

    return run


def all_findings(scan_plan: ScanPlan, check_id: str) -> list[tuple[CasePlan, Path, Finding]]:
    out: list[tuple[CasePlan, Path, Finding]] = []
    for plan in cases_of(check_id).plans:
        path, _, findings = scan_plan(check_id, plan)
        out.extend((plan, path, f) for f in findings)
    return out


# --------------------------------------------------------------------------------------------
# Every check has cases
# --------------------------------------------------------------------------------------------


def test_builtin_checks_are_discovered() -> None:
    assert len(builtin_checks()) >= 12


@pytest.mark.parametrize("check_id", builtin_ids())
def test_check_has_ok_and_not_ok_cases(check_id: str) -> None:
    cases = cases_of(check_id).cases
    assert any(c.fires for c in cases), f"{check_id}: no '# NOT OK:' case"
    assert any(not c.fires for c in cases), f"{check_id}: no '# OK:' case"


def test_every_cases_file_and_snapshot_belongs_to_a_check() -> None:
    known = set(builtin_ids())
    stale = sorted(p.name for p in CASES.glob("*.yaml") if p.stem not in known)
    stale += sorted(p.name for p in SNAPSHOTS.glob("*.json") if p.stem not in known)
    assert not stale, f"cases or snapshots of no registered check: {stale}"


# --------------------------------------------------------------------------------------------
# The check fires on exactly the NOT OK cases
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("check_id", builtin_ids())
def test_check_fires_on_exactly_the_not_ok_cases(check_id: str, scan_plan: ScanPlan) -> None:
    problems = []
    for plan in cases_of(check_id).plans:
        _, _, findings = scan_plan(check_id, plan)
        fired = {f.resource for f in findings}
        by_address = {c.address: c for c in plan.cases}
        for address in sorted(plan.not_ok - fired):
            problems.append(f"missed     {address}\n    {by_address[address].describe()}")
        for address in sorted(plan.ok & fired):
            messages = "; ".join(f.message for f in findings if f.resource == address)
            problems.append(
                f"false pos. {address}\n    {by_address[address].describe()}\n"
                f"    finding: {messages}"
            )
        for address in sorted(fired - plan.not_ok - plan.ok):
            messages = "; ".join(f.message for f in findings if f.resource == address)
            problems.append(f"unmarked   {address} (plan {plan.number}) has a finding: {messages}")
    assert not problems, f"{check_id}:\n" + "\n".join(problems)


@pytest.mark.parametrize("check_id", builtin_ids())
def test_findings_are_explained_mapped_and_located(check_id: str, scan_plan: ScanPlan) -> None:
    problems = []
    for plan in cases_of(check_id).plans:
        path, document, findings = scan_plan(check_id, plan)
        for finding in findings:
            where = f"{finding.resource} (plan {plan.number})"
            if not finding.message.strip():
                problems.append(f"{where}: empty message")
            if not finding.evidence:
                problems.append(f"{where}: no evidence")
            if not finding.remediation.strip():
                problems.append(f"{where}: no remediation")
            if NIST not in finding.frameworks:
                problems.append(f"{where}: not mapped to {NIST}")
            if not any(finding.frameworks.get(o) for o in OWASP):
                problems.append(f"{where}: mapped to none of {', '.join(OWASP)}")
            location = finding.location
            manifest = finding.resource.startswith("k8s:")
            expected = str(path.with_suffix(".yaml")) if manifest else str(path)
            if location.path != expected:
                problems.append(f"{where}: location path {location.path!r}")
            if not location.pointer:
                problems.append(f"{where}: no location pointer")
                continue
            if manifest:
                target = resolve_pointer(document["manifest"], location.pointer)
                if not isinstance(target, dict) or plan_object_id(target) != finding.resource:
                    problems.append(f"{where}: pointer {location.pointer} names {target!r:.80}")
                if not location.line:
                    problems.append(f"{where}: no line")
                continue
            target = resolve_pointer(document, location.pointer)
            if not isinstance(target, dict) or target.get("address") != finding.resource:
                problems.append(f"{where}: pointer {location.pointer} names {target!r:.80}")
    assert not problems, f"{check_id}:\n" + "\n".join(problems)


def test_builtin_checks_map_to_nist_and_owasp() -> None:
    lacking = []
    for item in builtin_checks():
        missing = []
        if not item.frameworks.get(NIST):
            missing.append(NIST)
        if not any(item.frameworks.get(o) for o in OWASP):
            missing.append(" or ".join(OWASP))
        if missing:
            lacking.append(f"{item.id}: lacks {', '.join(missing)}")
    print("\n".join(lacking) or "every built-in check maps to NIST CSF 2.0 and an OWASP list")
    assert not lacking, "built-in checks lacking framework mappings:\n" + "\n".join(lacking)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """Follow a JSON pointer (RFC 6901) into a document; ``None`` when it leads nowhere."""
    node = document
    for token in pointer.lstrip("/").split("/") if pointer != "/" else []:
        step = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return None
    return node


# --------------------------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------------------------


def snapshot_of(check_id: str, scan_plan: ScanPlan) -> str:
    rows = [
        (
            plan.number,
            {
                "resource": f.resource,
                "severity": f.severity.value,
                "confidence": f.confidence.value,
                "message": f.message,
                "evidence": [dict(e) for e in f.evidence],
            },
        )
        for plan, _, f in all_findings(scan_plan, check_id)
    ]
    rows.sort(key=lambda r: (r[0], r[1]["resource"], r[1]["message"]))
    return json.dumps([r for _, r in rows], indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("check_id", builtin_ids())
def test_findings_match_the_snapshot(
    check_id: str, scan_plan: ScanPlan, update_golden: bool
) -> None:
    path = SNAPSHOTS / f"{check_id}.json"
    text = snapshot_of(check_id, scan_plan)
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path.name} is missing: run pytest --update-golden"
    assert path.read_text(encoding="utf-8") == text, (
        f"the findings of {check_id} differ from snapshots/{path.name}: review the change, "
        "then run pytest --update-golden"
    )
