"""A check a team keeps next to its Terraform code, loaded with ``--checks-dir``."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity


@check(
    id="team-notebook-owner-tag",
    title="SageMaker notebook has no Owner tag",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_sagemaker_notebook_instance",),
    frameworks={"nist-csf-2.0": ["PR.AA-05"]},
    remediation="Tag the notebook with the team that answers for it (`Owner`).",
)
def notebook_owner_tag(ctx: CheckContext) -> Iterator[Finding]:
    """A notebook without an `Owner` tag: nobody answers for the code that runs on it.

    Before: no `Owner` in `tags`. After: `tags = { Owner = "ml-platform" }`.
    """
    for notebook in ctx.planned("aws_sagemaker_notebook_instance"):
        tags = notebook.get("tags")
        if not isinstance(tags, dict) or "Owner" not in tags:
            yield ctx.finding(notebook, "Notebook has no Owner tag")
