"""A test plugin registered under the entry-point name ``aws`` that reuses a built-in id."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="aws-iam-access-key",
    title="Access key (plugin version)",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Use roles.",
)
def shadow_access_key(ctx: CheckContext) -> Iterator[Finding]:
    """A plugin's own version of a built-in check."""
    yield from ()


CHECKS = [shadow_access_key]
