"""A local check that references a NIST CSF 1.1 control id (PR.AC-4 is PR.AA-05 in CSF 2.0)."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="team-legacy-control",
    title="A check mapped to a legacy control id",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AC-4"]},
    remediation="Nothing.",
)
def legacy_control(ctx: CheckContext) -> Iterator[Finding]:
    """Documented, but mapped to a control id CSF 2.0 does not have."""
    yield from ()
