"""Resource-based policies of the resources in a plan, and who outside the account they let in.

S3 bucket policies, KMS key policies, Secrets Manager, ECR, SQS and SNS policies (on the
resource itself or in their ``*_policy`` resources), and Lambda permissions
(``aws_lambda_permission``, each a statement of the function's policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from iacguard.aws.evaluate import PolicySource
from iacguard.aws.policy import PolicyDocument, Statement, resolve_policy
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Resource
from iacguard.model.values import Unknown

#: (resource type, attribute with its name or ARN, ARN prefix built from it, policy-holding
#: type, attribute of the holder naming the resource).
RESOURCE_POLICY_TYPES: tuple[tuple[str, str, str, str, str], ...] = (
    ("aws_s3_bucket", "bucket", "arn:aws:s3:::", "aws_s3_bucket_policy", "bucket"),
    ("aws_kms_key", "arn", "", "aws_kms_key_policy", "key_id"),
    ("aws_secretsmanager_secret", "arn", "", "aws_secretsmanager_secret_policy", "secret_arn"),
    ("aws_ecr_repository", "arn", "", "aws_ecr_repository_policy", "repository"),
    ("aws_sqs_queue", "arn", "", "aws_sqs_queue_policy", "queue_url"),
    ("aws_sns_topic", "arn", "", "aws_sns_topic_policy", "arn"),
    ("aws_lambda_function", "arn", "", "aws_lambda_permission", "function_name"),
)
_ACCOUNT_RE = re.compile(r"^(?:\d{12}|arn:aws[a-z-]*:iam::(\d{12}):.*)$")


def resource_for_arn(index: ScanIndex, arn: str) -> Resource | None:
    """The planned resource an ARN names (a bucket for its objects too), if in the inputs."""
    for type_, attribute, prefix, _holder, _ in RESOURCE_POLICY_TYPES:
        for resource in index.planned(type_):
            value = resource.get(attribute)
            if isinstance(value, str) and value:
                base = prefix + value
                if arn == base or (type_ == "aws_s3_bucket" and arn.startswith(base + "/")):
                    return resource
            name = resource.get("name") or resource.get("function_name")
            if isinstance(name, str) and name and _named_by(type_, name, arn):
                return resource
    return None


def _named_by(type_: str, name: str, arn: str) -> bool:
    # NOTE: a secret's ARN is its name plus "-" and 6 random characters; a function's ARN ends
    # in ":function:NAME" (optionally ":QUALIFIER"). Both are recognised by name when the ARN
    # is known only after apply.
    if type_ == "aws_secretsmanager_secret" and ":secret:" in arn:
        tail = arn.split(":secret:", 1)[1]
        return tail[: len(name)] == name and len(tail) == len(name) + 7
    if type_ == "aws_lambda_function" and ":function:" in arn:
        return arn.split(":function:", 1)[1].split(":", 1)[0] == name
    return False


def policies_of(index: ScanIndex, resource: Resource) -> list[PolicySource]:
    """Every resource-based policy that applies to ``resource``."""
    sources: list[PolicySource] = []
    own = resource.get("policy")
    configured = resource.configured
    # A ``policy`` the configuration does not set is the provider's read back of a separate
    # policy resource (or of none): only a written one counts.
    written = configured is None or "policy" in configured
    if own and written and not (isinstance(own, Unknown) and not own.references):
        sources.append(_source(index, resource, own, resource.address))
    for type_, _attribute, _prefix, holder_type, link in RESOURCE_POLICY_TYPES:
        if type_ != resource.type:
            continue
        for holder in index.pointing_at(resource, link, holder_type):
            if holder_type == "aws_lambda_permission":
                sources.append(_lambda_permission(holder))
            else:
                sources.append(_source(index, holder, holder.get("policy"), holder.address))
    return sources


def _source(index: ScanIndex, holder: Resource, value: Any, address: str) -> PolicySource:
    document, marker = resolve_policy(index, holder, value)
    if document is not None:
        return PolicySource("resource", address, document, "resource policy")
    return PolicySource("resource", address, marker, "resource policy known only after apply")


def _lambda_permission(permission: Resource) -> PolicySource:
    """An ``aws_lambda_permission`` as the statement AWS adds to the function's policy."""
    principal = permission.get("principal")
    if isinstance(principal, Unknown) or not isinstance(principal, str):
        return PolicySource(
            "resource",
            permission.address,
            principal if isinstance(principal, Unknown) else None,
            "Lambda permission whose principal is known only after apply",
        )
    if principal == "*":
        principals: Any = "*"
    elif principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
        principals = {"Service": (principal,)}
    else:
        principals = {"AWS": (principal,)}
    conditions: dict[str, Any] = {}
    source_arn = permission.get("source_arn")
    if source_arn is not None:
        conditions["ArnLike"] = {"AWS:SourceArn": source_arn}
    source_account = permission.get("source_account")
    if source_account is not None:
        conditions["StringEquals"] = {"AWS:SourceAccount": source_account}
    statement = Statement(
        effect="Allow",
        actions=(permission.get("action"),),
        resources=("*",),
        principals=principals,
        conditions=conditions,
        sid=permission.get("statement_id")
        if isinstance(permission.get("statement_id"), str)
        else None,
    )
    return PolicySource(
        "resource", permission.address, PolicyDocument((statement,)), "Lambda permission"
    )


@dataclass(frozen=True, slots=True)
class ExternalGrant:
    """One way a principal outside the resource's account (or anyone) gets in."""

    resource: str
    """Address of the resource."""
    principal: str
    """``*`` (anyone), an account id, a principal ARN, or a service."""
    kind: str
    """``public``, ``account``, ``service`` or ``federated``."""
    actions: tuple[str, ...]
    source: str
    """The policy resource holding the statement."""
    sid: str | None
    conditional: bool
    """The statement has conditions: access is limited to requests that meet them."""


def external_access(index: ScanIndex, own_account: str | None) -> list[ExternalGrant]:
    """For every resource with a resource policy: who outside its account gets in.

    ``own_account`` is the plan's account when known (``data.aws_caller_identity``); any
    account named in a policy is then external unless it is that one.
    """
    grants: list[ExternalGrant] = []
    for type_, *_ in RESOURCE_POLICY_TYPES:
        for resource in index.planned(type_):
            for source in policies_of(index, resource):
                document = source.document
                if not isinstance(document, PolicyDocument):
                    continue
                for statement in document.statements:
                    if statement.effect != "Allow":
                        continue
                    for principal, kind in _principals(statement.principals):
                        if kind == "account" and own_account and _account(principal) == own_account:
                            continue
                        grants.append(
                            ExternalGrant(
                                resource=resource.address,
                                principal=principal,
                                kind=kind,
                                actions=tuple(
                                    a for a in (statement.actions or ()) if isinstance(a, str)
                                ),
                                source=source.source,
                                sid=statement.sid,
                                conditional=bool(statement.conditions),
                            )
                        )
    return sorted(grants, key=lambda g: (g.resource, g.source, g.principal, g.sid or ""))


def _principals(value: Any) -> list[tuple[str, str]]:
    if value == "*":
        return [("*", "public")]
    if not isinstance(value, dict):
        return []
    found: list[tuple[str, str]] = []
    for key, identifiers in value.items():
        for identifier in identifiers or ():
            if not isinstance(identifier, str):
                continue
            if key == "AWS":
                found.append((identifier, "public" if identifier == "*" else "account"))
            elif key == "Service":
                found.append((identifier, "service"))
            elif key == "Federated":
                found.append((identifier, "federated"))
            elif key == "CanonicalUser":
                found.append((identifier, "account"))
    return found


def _account(principal: str) -> str | None:
    match = _ACCOUNT_RE.match(principal)
    if match is None:
        return None
    return match.group(1) or principal
