"""A local check that takes the id of a built-in check."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="aws-iam-access-key",
    title="Access key (team version)",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Use roles.",
)
def shadow_access_key(ctx: CheckContext) -> Iterator[Finding]:
    """The team's own version of a built-in check."""
    yield from ()
