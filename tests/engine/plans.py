"""Small Terraform plans in the shape ``terraform show -json`` writes, built for one scenario.

Each builder returns one ``resource_changes`` entry; :func:`plan` puts them in a document.
The resources are the simplest ones that make built-in checks fire:

- ``aws_iam_access_key`` (Active) → ``aws-iam-access-key``, high;
- ``aws_sagemaker_notebook_instance`` with ``root_access = "Enabled"`` →
  ``aws-sagemaker-notebook-root-access``, medium (and, with direct internet access enabled,
  ``aws-sagemaker-notebook-direct-internet``, medium);
- ``kubernetes_secret`` holding ``AWS_ACCESS_KEY_ID`` → ``k8s-secret-cloud-credentials``, high.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PLAN = REPO / "examples" / "ai-stack" / "plan.json"

AWS = "registry.terraform.io/hashicorp/aws"
KUBERNETES = "registry.terraform.io/hashicorp/kubernetes"

_ADDRESS = re.compile(r"^(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?:\[(?P<index>.+)\])?$")


def resource_change(
    address: str,
    after: Mapping[str, Any],
    *,
    provider: str = AWS,
    actions: tuple[str, ...] = ("create",),
    after_unknown: Mapping[str, Any] | None = None,
    after_sensitive: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One root-module ``resource_changes`` entry; ``address`` may carry an instance key."""
    parts = _ADDRESS.match(address)
    assert parts is not None, f"not a root-module resource address: {address}"
    entry: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": parts["type"],
        "name": parts["name"],
    }
    if parts["index"] is not None:
        entry["index"] = json.loads(parts["index"])
    entry["provider_name"] = provider
    entry["change"] = {
        "actions": list(actions),
        "before": None,
        "after": dict(after),
        "after_unknown": dict(after_unknown or {"id": True}),
        "before_sensitive": False,
        "after_sensitive": dict(after_sensitive or {}),
    }
    return entry


def access_key(
    name: str, *, user: str = "batch-uploader", tags: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """An active ``aws_iam_access_key`` (``aws-iam-access-key``, high)."""
    after: dict[str, Any] = {"pgp_key": None, "status": "Active", "user": user}
    if tags is not None:
        after["tags"] = dict(tags)
    return resource_change(
        f"aws_iam_access_key.{name}",
        after,
        after_unknown={"id": True, "secret": True, "create_date": True},
        after_sensitive={"secret": True},
    )


def notebook(
    name: str,
    *,
    root_access: str = "Enabled",
    direct_internet_access: str = "Disabled",
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An ``aws_sagemaker_notebook_instance``; by default only root access is flawed
    (``aws-sagemaker-notebook-root-access``, medium)."""
    return resource_change(
        f"aws_sagemaker_notebook_instance.{name}",
        {
            "name": f"acme-{name}",
            "instance_type": "ml.t3.medium",
            "root_access": root_access,
            "direct_internet_access": direct_internet_access,
            "subnet_id": "subnet-0123456789abcdef0",
            "tags": dict(tags or {}),
        },
        after_unknown={"arn": True, "id": True, "role_arn": True, "url": True},
    )


def k8s_secret(name: str, *, annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A ``kubernetes_secret`` holding an AWS key id (``k8s-secret-cloud-credentials``, high)."""
    return resource_change(
        f"kubernetes_secret.{name}",
        {
            "metadata": [{"name": name, "namespace": "ml", "annotations": dict(annotations or {})}],
            "data": {"AWS_ACCESS_KEY_ID": "placeholder-not-a-key"},
            "type": "Opaque",
        },
        provider=KUBERNETES,
        after_sensitive={"data": True},
    )


def plan(*changes: Mapping[str, Any]) -> dict[str, Any]:
    """A plan document (format 1.2) holding ``changes``."""
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": [dict(c) for c in changes],
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def write_plan(path: Path, document: Mapping[str, Any]) -> Path:
    """Write a plan as compact JSON, like terraform does, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
