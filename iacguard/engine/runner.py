"""Running checks over a scan: selection, isolation of failures, severity overrides and
suppressions."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from iacguard.config import Config
from iacguard.engine.check import Check
from iacguard.engine.context import CheckContext, ScanIndex
from iacguard.engine.suppression import Waiver, WaiverStatus, apply_suppressions
from iacguard.errors import ConfigError
from iacguard.findings import Finding
from iacguard.model.address import address_matches
from iacguard.redaction import redact_text


@dataclass(frozen=True, slots=True)
class CheckError:
    """A check that raised: it is reported as an error of that check, and the scan goes on."""

    check_id: str
    message: str


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What running the checks produced."""

    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    waivers: tuple[WaiverStatus, ...]
    checks_run: tuple[str, ...]


def _unknown_id(kind: str, name: str, known: Sequence[str]) -> ConfigError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigError(f"{kind}: unknown check id {name!r}{hint}")


def select_checks(checks: Sequence[Check], config: Config) -> list[Check]:
    """The checks to run, after validating every check id the configuration names."""
    known = [c.id for c in checks]
    for kind, names in (
        ("checks.enable", config.checks.enable or []),
        ("checks.disable", config.checks.disable),
        ("severity", list(config.severity)),
    ):
        for name in names:
            if name not in known:
                raise _unknown_id(kind, name, known)
    for position, waiver in enumerate(config.waivers):
        if not any(address_matches(k, waiver.check) for k in known):
            raise _unknown_id(f"waivers[{position}].check", waiver.check, known)
    enabled = set(config.checks.enable) if config.checks.enable is not None else set(known)
    return [c for c in checks if c.id in enabled and c.id not in config.checks.disable]


def run_checks(
    checks: Sequence[Check],
    index: ScanIndex,
    config: Config,
    baseline: frozenset[str] = frozenset(),
    baseline_name: str = "",
    today: date | None = None,
) -> EngineResult:
    """Run the checks; a check that raises becomes a :class:`CheckError`, the others go on."""
    findings: list[Finding] = []
    errors: list[CheckError] = []
    for item in checks:
        context = CheckContext(index, item, config)
        try:
            produced = list(item.run(context))
        except (Exception, SystemExit) as exc:
            # Isolate a failing check and report it as such. SystemExit too: a check calling
            # sys.exit() must not end a scan that has findings with exit code 0.
            errors.append(CheckError(item.id, f"{type(exc).__name__}: {redact_text(str(exc))}"))
            continue
        override = config.severity.get(item.id)
        for finding in produced:
            if not isinstance(finding, Finding) or finding.check_id != item.id:
                errors.append(
                    CheckError(item.id, "yielded something that is not a finding of this check")
                )
                break
            findings.append(replace(finding, severity=override) if override else finding)
    waivers = [
        Waiver(check=w.check, resource=w.resource, reason=w.reason, expires=w.expires)
        for w in config.waivers
    ]
    suppressed, statuses = apply_suppressions(
        findings, index.resources, waivers, baseline, baseline_name, today
    )
    return EngineResult(
        tuple(suppressed), tuple(errors), tuple(statuses), tuple(c.id for c in checks)
    )
