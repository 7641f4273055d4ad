"""An ACME test plugin whose check id lacks the plugin's ``acme-`` prefix."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="team-access-key-owner-tag",
    title="IAM access key has no Owner tag",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"]},
    remediation="Tag every access key with its owner.",
)
def access_key_owner_tag(ctx: CheckContext) -> Iterator[Finding]:
    """Documented, but its id does not start with ``acme-``."""
    yield from ()


CHECKS = [access_key_owner_tag]
