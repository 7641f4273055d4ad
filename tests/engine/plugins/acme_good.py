"""The checks of the ACME test plugin (installed as the module ``acme_checks``)."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="acme-access-key-owner-tag",
    title="IAM access key has no Owner tag",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={"nist-csf-2.0": ["PR.AA-01"], "owasp-nhi-2025": ["NHI7"]},
    remediation="Tag every access key with the team that rotates it (`Owner`).",
)
def access_key_owner_tag(ctx: CheckContext) -> Iterator[Finding]:
    """ACME policy: every access key names the team that rotates it.

    Before: no `Owner` tag. After: `tags = { Owner = "data-platform" }`.
    """
    for key in ctx.planned("aws_iam_access_key"):
        tags = key.get("tags")
        if not isinstance(tags, dict) or "Owner" not in tags:
            yield ctx.finding(key, "Access key has no Owner tag")


CHECKS = [access_key_owner_tag]
