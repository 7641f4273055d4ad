"""A local check whose id is not kebab-case with a prefix."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="BadId",
    title="A check with a malformed id",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Nothing.",
)
def bad_id(ctx: CheckContext) -> Iterator[Finding]:
    """Documented, but its id is not kebab-case."""
    yield from ()
