"""SageMaker notebook instances: where people run arbitrary code next to data and models."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.values import Unknown

_NOTEBOOK_FRAMEWORKS = {
    "nist-csf-2.0": ["PR.AA-05", "PR.PS-01"],
    "owasp-nhi-2025": ["NHI5"],
    "owasp-agentic-top10-2026": ["ASI05"],
}


@check(
    id="aws-sagemaker-notebook-root-access",
    title="SageMaker notebook gives its users root",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    inspects=("aws_sagemaker_notebook_instance",),
    frameworks=_NOTEBOOK_FRAMEWORKS,
    remediation='Set `root_access = "Disabled"`; install packages through lifecycle configs.',
)
def sagemaker_notebook_root_access(ctx: CheckContext) -> Iterator[Finding]:
    """A SageMaker notebook instance with root access (`root_access` is `Enabled` by default).

    Root on the instance lets any notebook user, or any code a notebook runs (a malicious
    package, a poisoned model's pickle), change the instance, read every user's files and the
    instance's credentials, and persist across restarts.

    Before: `root_access = "Enabled"` (or unset). After: `root_access = "Disabled"`.
    """
    for notebook in ctx.planned("aws_sagemaker_notebook_instance"):
        value = notebook.get("root_access")
        if value is None or value == "Enabled":
            yield ctx.finding(
                notebook,
                "Notebook users get root on the instance"
                + (" (root_access unset: AWS defaults to Enabled)" if value is None else ""),
                evidence=[{"kind": "attribute", "root_access": value}],
            )
        elif isinstance(value, Unknown):
            yield ctx.finding(
                notebook,
                f"root_access is {value.describe()}: it may be Enabled",
                evidence=[{"kind": "attribute", "root_access": value}],
                confidence=Confidence.LOW,
            )


@check(
    id="aws-sagemaker-notebook-direct-internet",
    title="SageMaker notebook has direct internet access",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    inspects=("aws_sagemaker_notebook_instance",),
    frameworks={**_NOTEBOOK_FRAMEWORKS, "nist-csf-2.0": ["PR.AA-05", "PR.IR-01"]},
    remediation=(
        'Set `direct_internet_access = "Disabled"` and give the notebook a `subnet_id` in a '
        "VPC with the endpoints (S3, SageMaker API) or egress controls it needs."
    ),
)
def sagemaker_notebook_direct_internet(ctx: CheckContext) -> Iterator[Finding]:
    """A SageMaker notebook instance with direct internet access (the default).

    The notebook's role can then be used from code that talks to anywhere: data and model
    artifacts can be sent out, and code pulled in, with no network control in between.

    Before: `direct_internet_access = "Enabled"` (or unset).
    After: `direct_internet_access = "Disabled"` with `subnet_id` and `security_groups`.
    """
    for notebook in ctx.planned("aws_sagemaker_notebook_instance"):
        value = notebook.get("direct_internet_access")
        evidence = [
            {
                "kind": "attribute",
                "direct_internet_access": value,
                "subnet_id": notebook.get("subnet_id"),
            }
        ]
        if value is None or value == "Enabled":
            yield ctx.finding(
                notebook,
                "Notebook reaches the internet directly"
                + (" (unset: AWS defaults to Enabled)" if value is None else ""),
                evidence=evidence,
            )
        elif isinstance(value, Unknown):
            yield ctx.finding(
                notebook,
                f"direct_internet_access is {value.describe()}: it may be Enabled",
                evidence=evidence,
                confidence=Confidence.LOW,
            )
