"""ACME's iacguard checks: an example of a third-party check plugin."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.values import Unknown


@check(
    id="acme-sagemaker-endpoint-kms",
    title="SageMaker endpoint volumes are not encrypted with a customer managed key",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    inspects=("aws_sagemaker_endpoint_configuration",),
    frameworks={"nist-csf-2.0": ["PR.DS-01"], "owasp-llm-top10-2025": ["LLM02"]},
    remediation="Set `kms_key_arn` to a customer managed KMS key ACME's key policy governs.",
)
def sagemaker_endpoint_kms(ctx: CheckContext) -> Iterator[Finding]:
    """ACME policy: model-serving volumes hold model weights and cached prompts, so they are
    encrypted with a customer managed KMS key whose key policy ACME controls.

    Before: an `aws_sagemaker_endpoint_configuration` without `kms_key_arn`.
    After: `kms_key_arn = aws_kms_key.models.arn`.
    """
    for config in ctx.planned("aws_sagemaker_endpoint_configuration"):
        key = config.get("kms_key_arn")
        if key is None or key == "":
            yield ctx.finding(
                config,
                "Endpoint volumes use the AWS managed key",
                evidence=[{"kind": "attribute", "kms_key_arn": key}],
            )
        elif isinstance(key, Unknown) and not key.references:
            yield ctx.finding(
                config,
                "kms_key_arn is computed by the provider; it may be the AWS managed key",
                evidence=[{"kind": "attribute", "kms_key_arn": key}],
                confidence=Confidence.LOW,
            )


CHECKS = [sagemaker_endpoint_kms]
