"""Model invocation logging: the record of what was asked of a model, and by whom."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.resource import Resource
from iacguard.model.values import Unknown

_LOGGING_FRAMEWORKS = {
    "nist-csf-2.0": ["PR.PS-04", "DE.CM-09"],
    "owasp-agentic-top10-2026": ["ASI10"],
    "owasp-llm-top10-2025": ["LLM10"],
    "owasp-agentic-threats-mitigations": ["T8"],
}

_BEDROCK_TYPES = (
    "aws_bedrockagent_agent",
    "aws_bedrock_custom_model",
    "aws_bedrock_provisioned_model_throughput",
    "aws_bedrockagent_knowledge_base",
)


@check(
    id="aws-bedrock-invocation-logging",
    title="Bedrock is used without model invocation logging",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    inspects=(*_BEDROCK_TYPES, "aws_bedrock_model_invocation_logging_configuration"),
    frameworks=_LOGGING_FRAMEWORKS,
    remediation=(
        "Add an `aws_bedrock_model_invocation_logging_configuration` delivering text (and "
        "image/embedding) data to CloudWatch Logs or S3 in each region Bedrock is used."
    ),
)
def bedrock_invocation_logging(ctx: CheckContext) -> Iterator[Finding]:
    """Bedrock agents or models are deployed, and no input configures model invocation logging.

    Without it there is no record of the prompts and responses that went through Bedrock: an
    agent hijacked by prompt injection, or a stolen role invoking models, leaves no trace. The
    setting is per account and region; it may exist outside the scanned inputs, which is why
    the finding has medium confidence (answers are relative to the inputs).

    Before: an `aws_bedrockagent_agent` and no logging configuration.
    After: `aws_bedrock_model_invocation_logging_configuration` with
    `text_data_delivery_enabled = true`.
    """
    enabled_regions: set[str | None] = set()
    for config in ctx.planned("aws_bedrock_model_invocation_logging_configuration"):
        blocks = config.get("logging_config")
        if any(
            isinstance(block, dict) and block.get("text_data_delivery_enabled") is not False
            for block in (blocks if isinstance(blocks, list) and blocks else [{}])
        ):
            enabled_regions.add(_region(config))
    by_region: dict[str | None, list[str]] = {}
    for user in ctx.planned(*_BEDROCK_TYPES):
        by_region.setdefault(_region(user), []).append(user.address)
    for region, names in sorted(by_region.items(), key=lambda item: str(item[0])):
        # NOTE: invocation logging is a per-region setting of the account. A resource whose
        # region is not in the plan (the provider's default) is covered by a configuration
        # whose region is not in the plan either, or by any when only one region is used.
        if region in enabled_regions or (region is None and enabled_regions):
            continue
        if region is not None and None in enabled_regions and len(by_region) == 1:
            continue
        names.sort()
        first = next(r for r in ctx.planned(*_BEDROCK_TYPES) if r.address == names[0])
        where = f" in {region}" if region else ""
        yield ctx.finding(
            first,
            "Bedrock is used"
            + where
            + " by "
            + ", ".join(names[:5])
            + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            + " and no input enables model invocation logging"
            + (" there" if region else ""),
            evidence=[
                {
                    "kind": "missing-resource",
                    "type": "aws_bedrock_model_invocation_logging_configuration",
                    "region": region,
                },
                {"kind": "resources", "addresses": names},
                {"kind": "assumption", "text": "nothing outside the inputs configures logging"},
            ],
            key=region or "",
        )


def _region(resource: Resource) -> str | None:
    """The region a resource says it is in (AWS provider 6 ``region`` argument), if known."""
    value = resource.get("region")
    return value if isinstance(value, str) and value else None


@check(
    id="aws-sagemaker-endpoint-data-capture",
    title="SageMaker endpoint does not capture inference data",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("aws_sagemaker_endpoint_configuration",),
    frameworks=_LOGGING_FRAMEWORKS,
    remediation=(
        "Add a `data_capture_config` block with `enable_capture = true` capturing Input and "
        "Output to an encrypted S3 prefix."
    ),
)
def sagemaker_endpoint_data_capture(ctx: CheckContext) -> Iterator[Finding]:
    """A SageMaker endpoint configuration without data capture.

    Data capture is SageMaker's record of requests and responses of an endpoint: without it,
    abuse of the model (extraction, inference-API exfiltration, prompt injection) cannot be
    investigated.

    Before: no `data_capture_config`. After: `data_capture_config { enable_capture = true ... }`.
    """
    for config in ctx.planned("aws_sagemaker_endpoint_configuration"):
        blocks = config.get("data_capture_config")
        if isinstance(blocks, Unknown):
            continue
        variants = config.get("production_variants")
        if (
            isinstance(variants, list)
            and variants
            and all(isinstance(v, dict) and v.get("serverless_config") for v in variants)
        ):
            continue  # NOTE: Serverless Inference does not support data capture.
        enabled = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("enable_capture") is not False for b in blocks
        )
        if not enabled:
            yield ctx.finding(
                config,
                "Endpoint configuration captures no inference requests or responses",
                evidence=[{"kind": "attribute", "data_capture_config": blocks or []}],
            )


@check(
    id="gcp-vertex-endpoint-logging",
    title="Vertex AI endpoint does not log requests and responses",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=("google_vertex_ai_endpoint",),
    frameworks=_LOGGING_FRAMEWORKS,
    remediation=(
        "Add `predict_request_response_logging_config { enabled = true, bigquery_destination "
        "{ ... } }` to the endpoint."
    ),
)
def vertex_endpoint_logging(ctx: CheckContext) -> Iterator[Finding]:
    """A Vertex AI endpoint without request-response logging.

    Without it, what the deployed model was asked and answered is not recorded.

    Before: no `predict_request_response_logging_config`. After: the block with
    `enabled = true` and a BigQuery destination.
    """
    for endpoint in ctx.planned("google_vertex_ai_endpoint"):
        blocks = endpoint.get("predict_request_response_logging_config")
        if isinstance(blocks, Unknown):
            continue
        enabled = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("enabled") is True for b in blocks
        )
        if not enabled:
            yield ctx.finding(
                endpoint,
                "Endpoint does not log prediction requests and responses",
                evidence=[{"kind": "attribute", "predict_request_response_logging_config": blocks}],
            )


@check(
    id="azure-openai-diagnostics",
    title="Azure OpenAI account has no diagnostic setting",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    inspects=(
        "azurerm_cognitive_account",
        "azurerm_ai_services",
        "azurerm_monitor_diagnostic_setting",
    ),
    frameworks=_LOGGING_FRAMEWORKS,
    remediation=(
        "Add an `azurerm_monitor_diagnostic_setting` with `target_resource_id` set to the "
        "account, enabling the Audit and RequestResponse log categories."
    ),
)
def azure_openai_diagnostics(ctx: CheckContext) -> Iterator[Finding]:
    """An Azure OpenAI (or AI Services) account with no diagnostic setting in the inputs.

    Diagnostic settings are how Azure OpenAI request and audit logs leave the service; without
    one nothing records who called which deployment.

    Before: an `azurerm_cognitive_account` with `kind = "OpenAI"` alone.
    After: plus an `azurerm_monitor_diagnostic_setting` targeting it.
    """
    for account in ctx.planned("azurerm_cognitive_account", "azurerm_ai_services"):
        kind = account.get("kind") if account.type == "azurerm_cognitive_account" else "AIServices"
        if not (isinstance(kind, str) and kind.lower() in {"openai", "aiservices"}):
            continue
        settings = ctx.pointing_at(
            account, "target_resource_id", "azurerm_monitor_diagnostic_setting"
        )
        if any(_sends_request_logs(s) for s in settings):
            continue
        yield ctx.finding(
            account,
            f"{kind} account has no diagnostic setting sending its audit or request logs"
            + (" (only metrics are sent)" if settings else " in the inputs"),
            evidence=[
                {
                    "kind": "missing-resource",
                    "type": "azurerm_monitor_diagnostic_setting",
                    "settings_without_logs": [s.address for s in settings],
                },
                {"kind": "assumption", "text": "nothing outside the inputs targets the account"},
            ],
        )


#: Log categories (and category groups) that record who called the service and what.
_REQUEST_LOG_CATEGORIES = {"audit", "requestresponse", "alllogs"}


def _sends_request_logs(setting: Resource) -> bool:
    for field in ("enabled_log", "log"):
        blocks = setting.get(field)
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict) or block.get("enabled") is False:
                continue
            for key in ("category", "category_group"):
                value = block.get(key)
                if isinstance(value, str) and value.lower() in _REQUEST_LOG_CATEGORIES:
                    return True
    return False
