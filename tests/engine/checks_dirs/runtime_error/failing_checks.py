"""A local check that raises while it runs (its lookup table is missing)."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity

#: Who owns each access key; deliberately empty, so the check fails on the first key.
OWNERS: dict[str, str] = {}


@check(
    id="team-key-owner",
    title="Access key has no registered owner",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Register the key's owner.",
)
def key_owner(ctx: CheckContext) -> Iterator[Finding]:
    """Every access key has an owner in the team's register."""
    for key in ctx.planned("aws_iam_access_key"):
        yield ctx.finding(key, f"Key owned by {OWNERS[key.address]}")
