"""Reading Kubernetes objects loaded from manifests (resources of the ``kubernetes`` family
whose ``after`` is the object itself)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.inputs.manifest_kinds import api_group
from iacguard.model.resource import Action, ProviderFamily, Resource


def is_object(resource: Resource) -> bool:
    """A Kubernetes object: from a manifest or a chart, or converted from a plan's
    ``kubernetes_*`` resource (its type is the object's kind, its ``after`` the object)."""
    after = resource.after
    return (
        resource.family is ProviderFamily.KUBERNETES
        and isinstance(after, dict)
        and after.get("kind") == resource.type
        and "apiVersion" in after
        and resource.action not in (Action.DELETE, Action.FORGET)
    )


def objects(resources: Iterable[Resource], *kinds: str) -> list[Resource]:
    """The manifest objects of these kinds (all kinds when none is given)."""
    return [r for r in resources if is_object(r) and (not kinds or r.type in kinds)]


def body(resource: Resource) -> dict[str, Any]:
    """The object as written (secret values masked)."""
    value = resource.after
    return value if isinstance(value, dict) else {}


def metadata(resource: Resource) -> dict[str, Any]:
    """``metadata`` of the object."""
    value = body(resource).get("metadata")
    return value if isinstance(value, dict) else {}


def labels(resource: Resource) -> dict[str, str]:
    """``metadata.labels``, string values only."""
    value = metadata(resource).get("labels")
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float | bool)}


def annotations_of(resource: Resource) -> dict[str, str]:
    """``metadata.annotations``, string values only."""
    value = metadata(resource).get("annotations")
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def object_name(resource: Resource) -> str:
    """``metadata.name`` (for an object converted from a plan, the Terraform block name is
    not the object's name)."""
    value = metadata(resource).get("name")
    return value if isinstance(value, str) and value else resource.name


def namespace(resource: Resource) -> str | None:
    """The object's namespace as loaded (``default`` when a namespaced object names none),
    ``None`` for cluster-scoped kinds."""
    if resource.address.startswith("k8s:"):
        parts = resource.address.removeprefix("k8s:").split("/")
        return parts[1] if len(parts) == 3 else None
    value = metadata(resource).get("namespace")
    return value if isinstance(value, str) and value else None


def group_of(resource: Resource) -> str:
    """The object's API group (``apps``; ``""`` for the core group)."""
    return api_group(resource.provider_source)


def as_list(value: Any) -> list[Any]:
    """A YAML list, or nothing."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """A YAML mapping, or nothing."""
    return value if isinstance(value, dict) else {}
