"""Findings: what checks report, and the gate that turns them into an exit code.

The checks engine (next version) produces :class:`Finding` objects; reports render them and
:func:`gate_tripped` decides exit code 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is if exploited. Ordered from most to least severe."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, growing as severity falls."""
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER: tuple[Severity, ...] = tuple(Severity)


class Confidence(StrEnum):
    """How sure the check is that the finding is real (a separate axis from severity)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FailOn(StrEnum):
    """The ``--fail-on`` threshold: exit 1 when an unsuppressed finding is at or above it."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Location:
    """The primary place a finding points at."""

    path: str
    """The input file."""
    address: str | None = None
    """Terraform address or Kubernetes object id."""
    pointer: str | None = None
    """JSON pointer inside the input."""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a check, with the evidence that makes it explainable."""

    check_id: str
    title: str
    severity: Severity
    confidence: Confidence
    resource: str
    """Address or id of the resource the finding is about."""
    location: Location
    message: str
    remediation: str
    evidence: tuple[Mapping[str, Any], ...] = ()
    """Statements, bindings, trust links or path steps that decided the finding."""
    frameworks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Framework id → control ids (``nist-csf-2.0`` → ``("PR.AA-05",)``)."""
    suppressed: bool = False
    suppression_reason: str | None = None
    suppressed_by: str | None = None
    """``inline`` (tag or annotation on the resource), ``waiver`` (configuration file) or
    ``baseline``."""
    key: str = ""
    """Distinguishes several findings of one check on one resource (part of the fingerprint)."""

    @property
    def fingerprint(self) -> str:
        """Stable id of the finding across runs: check, resource address and key."""
        digest = hashlib.sha256(f"{self.check_id}\0{self.resource}\0{self.key}".encode())
        return digest.hexdigest()[:32]


def gate_reasons(
    findings: Iterable[Finding], fail_on: FailOn, failed_checks: Sequence[str] = ()
) -> list[str]:
    """Why the ``--fail-on`` gate trips; empty when it does not.

    It trips on an unsuppressed finding at or above the threshold, and on a check that failed
    to run (its findings are unknown, so the gate cannot say the change is clean).
    """
    if fail_on is FailOn.NONE:
        return []
    threshold = Severity(fail_on.value).rank
    reasons = []
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        if not finding.suppressed and finding.severity.rank <= threshold:
            counts[finding.severity] += 1
    for severity, count in counts.items():
        if count:
            reasons.append(f"{count} {severity.value} finding{'s' if count != 1 else ''}")
    if failed_checks:
        reasons.append(
            f"check{'s' if len(failed_checks) != 1 else ''} {', '.join(failed_checks)} "
            "failed to run"
        )
    return reasons


def gate_tripped(
    findings: Iterable[Finding], fail_on: FailOn, failed_checks: Sequence[str] = ()
) -> bool:
    """True when the gate trips (see :func:`gate_reasons`)."""
    return bool(gate_reasons(findings, fail_on, failed_checks))
