"""The AWS resources that hold data, secrets and keys, the IAM service whose actions reach
them, and the ARNs a policy's ``Resource`` is compared with. Shared by the identity checks and
the identity graph."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from iacguard.aws.actions import resource_types
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Resource

#: Data store types → the IAM service whose actions reach them.
STORE_SERVICES = {
    "aws_s3_bucket": "s3",
    "aws_s3_directory_bucket": "s3express",
    "aws_dynamodb_table": "dynamodb",
    "aws_opensearch_domain": "es",
    "aws_opensearchserverless_collection": "aoss",
    "aws_efs_file_system": "elasticfilesystem",
    "aws_sagemaker_feature_group": "sagemaker",
    "aws_sagemaker_model_package_group": "sagemaker",
}
#: Secret and key types → their IAM service.
SECRET_SERVICES = {
    "aws_secretsmanager_secret": "secretsmanager",
    "aws_ssm_parameter": "ssm",
    "aws_kms_key": "kms",
}


def store_arns(resource: Resource) -> list[str]:
    """The ARNs a data store is known by at plan time (a bucket's objects too)."""
    arn = resource.get("arn")
    if isinstance(arn, str) and arn:
        arns = [arn]
    elif resource.type == "aws_s3_bucket":
        name = resource.get("bucket")
        arns = [f"arn:aws:s3:::{name}"] if isinstance(name, str) and name else []
    else:
        arns = []
    if resource.type == "aws_s3_bucket":
        arns += [f"{a}/*" for a in arns]
    return arns


def plan_region(index: ScanIndex) -> str | None:
    """The region most known ARNs of the inputs name (the provider's, in a one-region plan)."""
    return index.memo("aws-region", lambda: _region(index))


def _region(index: ScanIndex) -> str | None:
    counts: Counter[str] = Counter()
    for resource in index.resources:
        if not resource.type.startswith("aws_"):
            continue
        arn = resource.get("arn")
        if isinstance(arn, str) and arn.count(":") >= 5:
            region = arn.split(":")[3]
            if region:
                counts[region] += 1
    return counts.most_common(1)[0][0] if counts else None


def secret_arn(resource: Resource, account: str | None, region: str | None) -> str | None:
    """The ARN of a secret, parameter or key, or a pattern standing for it when it is known
    only after apply (a secret's ARN is its name plus ``-`` and 6 random characters; a key's
    ARN holds a random id)."""
    arn = resource.get("arn")
    if isinstance(arn, str) and arn:
        return arn
    where = f"{region or '*'}:{account or '*'}"
    name = resource.get("name")
    if resource.type == "aws_secretsmanager_secret" and isinstance(name, str) and name:
        return f"arn:aws:secretsmanager:{where}:secret:{name}-??????"
    if resource.type == "aws_ssm_parameter" and isinstance(name, str) and name:
        return f"arn:aws:ssm:{where}:parameter/{name.lstrip('/')}"
    if resource.type == "aws_kms_key":
        return f"arn:aws:kms:{where}:key/*"
    return None


@lru_cache(maxsize=65536)
def data_actions(actions: frozenset[str], service: str) -> tuple[str, ...]:
    """The actions of a statement that act on the data a store of ``service`` holds: for
    S3, object actions (not bucket settings). Shared statements are filtered once."""
    found = []
    for action in actions:
        if action.split(":", 1)[0] != service:
            continue
        types = resource_types(action)
        if types is None or (("object" in types) if service == "s3" else bool(types)):
            found.append(action)
    return tuple(sorted(found))
