"""A local check that ends up calling ``sys.exit`` (as some libraries' helpers do)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="team-exits",
    title="Access key is known to the team's inventory",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Register the key.",
)
def exits(ctx: CheckContext) -> Iterator[Finding]:
    """Every access key is in the team's inventory (whose client exits when it is offline)."""
    for _key in ctx.planned("aws_iam_access_key"):
        sys.exit(0)
    yield from ()
