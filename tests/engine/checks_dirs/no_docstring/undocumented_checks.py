"""A local check without a docstring (a check's docstring is its documentation)."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="team-undocumented-check",
    title="A check without documentation",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Nothing.",
)
def undocumented(ctx: CheckContext) -> Iterator[Finding]:
    yield from ()
