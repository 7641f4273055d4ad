"""Kubernetes objects that Terraform creates: ``kubernetes_*`` resources and
``kubernetes_manifest`` of a plan, turned into the objects the cluster will hold.

The ``hashicorp/kubernetes`` provider writes objects in its own schema: snake_case names,
nested blocks as one-element lists (``metadata = [{...}]``, ``spec = [{template = [...]}]``),
singular block names for lists (``container``, ``rule``, ``subject``). They are converted to the
API's shape (``metadata``, ``spec.template.spec.containers``, ``rules``, ``subjects``), so the
manifest model, RBAC resolution and the checks read them like manifests. The object keeps its
Terraform address and location: a finding names ``kubernetes_deployment_v1.vllm``.
``kubernetes_manifest`` holds the object as written (its ``manifest`` attribute).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from iacguard.inputs.kubernetes import mask_named_values
from iacguard.model.resource import Action, ProviderFamily, Resource
from iacguard.model.values import Sensitive, Unknown

#: Provider resource type (without ``_v1``/``_v2``) → (apiVersion, kind).
KINDS: dict[str, tuple[str, str]] = {
    "kubernetes_deployment": ("apps/v1", "Deployment"),
    "kubernetes_stateful_set": ("apps/v1", "StatefulSet"),
    "kubernetes_daemon_set": ("apps/v1", "DaemonSet"),
    "kubernetes_daemonset": ("apps/v1", "DaemonSet"),
    "kubernetes_replication_controller": ("v1", "ReplicationController"),
    "kubernetes_job": ("batch/v1", "Job"),
    "kubernetes_cron_job": ("batch/v1", "CronJob"),
    "kubernetes_pod": ("v1", "Pod"),
    "kubernetes_service": ("v1", "Service"),
    "kubernetes_ingress": ("networking.k8s.io/v1", "Ingress"),
    "kubernetes_service_account": ("v1", "ServiceAccount"),
    "kubernetes_role": ("rbac.authorization.k8s.io/v1", "Role"),
    "kubernetes_cluster_role": ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    "kubernetes_role_binding": ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    "kubernetes_cluster_role_binding": ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    "kubernetes_secret": ("v1", "Secret"),
    "kubernetes_config_map": ("v1", "ConfigMap"),
    "kubernetes_namespace": ("v1", "Namespace"),
}
_CLUSTER_KINDS = {"ClusterRole", "ClusterRoleBinding", "Namespace"}

#: Blocks the provider writes as one-element lists that are single objects in the API.
_SINGLE = {
    "metadata", "spec", "template", "selector", "security_context", "resources", "value_from",
    "secret_key_ref", "config_map_key_ref", "field_ref", "resource_field_ref", "host_path",
    "secret", "config_map", "empty_dir", "persistent_volume_claim", "role_ref",
    "aggregation_rule", "capabilities", "strategy", "job_template", "readiness_probe",
    "liveness_probe", "startup_probe", "http_get", "tcp_socket", "exec", "lifecycle",
    "affinity", "dns_config", "backend", "service", "http", "default_backend", "projected",
    "se_linux_options", "seccomp_profile", "rolling_update", "update_strategy",
    "secret_ref", "config_map_ref", "csi", "nfs", "downward_api", "ephemeral",
}  # fmt: skip
#: Singular block names of the provider → the API's plural field names.
_PLURAL = {
    "container": "containers",
    "init_container": "initContainers",
    "ephemeral_container": "ephemeralContainers",
    "volume": "volumes",
    "volume_mount": "volumeMounts",
    "env_from": "envFrom",
    "port": "ports",
    "toleration": "tolerations",
    "image_pull_secrets": "imagePullSecrets",
    "subject": "subjects",
    "rule": "rules",
    "match_expressions": "matchExpressions",
    "cluster_role_selectors": "clusterRoleSelectors",
    "host_aliases": "hostAliases",
    "topology_spread_constraint": "topologySpreadConstraints",
    "volume_claim_template": "volumeClaimTemplates",
    "path": "paths",
    "items": "items",
    "sources": "sources",
    "non_resource_urls": "nonResourceURLs",
    "api_groups": "apiGroups",
    "resource_names": "resourceNames",
    "load_balancer_source_ranges": "loadBalancerSourceRanges",
    "external_ips": "externalIPs",
}
#: Fields that are free maps in the API: their keys are not converted (labels, limits...).
_MAPS = {"labels", "annotations", "match_labels", "limits", "requests", "selector_map",
         "node_selector", "data", "binary_data", "string_data"}  # fmt: skip


def kubernetes_type(resource_type: str) -> tuple[str, str] | None:
    """(apiVersion, kind) of a provider resource type (``kubernetes_deployment_v1``)."""
    base = re.sub(r"_v\d+$", "", resource_type)
    return KINDS.get(base)


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _convert(key: str | None, value: Any) -> Any:
    """A provider value in the API's shape (keys camelCase, singleton blocks unwrapped)."""
    if isinstance(value, Unknown | Sensitive) or value is None:
        return value
    if isinstance(value, list):
        if key in _SINGLE and value and isinstance(value[0], dict):
            return _convert(None, value[0])  # a one-element block list: the block itself
        return [_convert(None, item) for item in value]
    if isinstance(value, dict):
        if key in _MAPS:
            return dict(value)
        out: dict[str, Any] = {}
        for name, item in value.items():
            if item is None or item in ([], ""):
                continue
            target = _PLURAL.get(name, _camel(name)) if isinstance(item, list) else _camel(name)
            if name == "selector" and isinstance(item, dict):
                target = "selector"  # a Service's selector is a map
                out[target] = dict(item)
                continue
            out[target] = _convert(name, item)
        return out
    return value


def _object(resource: Resource) -> dict[str, Any] | None:
    """The API object a provider resource describes, or None if it is not one."""
    if resource.type == "kubernetes_manifest":
        manifest = resource.get("manifest")
        return dict(manifest) if isinstance(manifest, dict) else None
    found = kubernetes_type(resource.type)
    after = resource.after
    if found is None or not isinstance(after, dict):
        return None
    api_version, kind = found
    converted = _convert(None, after)
    if not isinstance(converted, dict):
        return None
    converted.pop("id", None)
    converted.pop("waitForRollout", None)
    converted.pop("waitForLoadBalancer", None)
    converted.pop("timeouts", None)
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, **converted}
    if kind == "ServiceAccount":
        automount = after.get("automount_service_account_token")
        if isinstance(automount, bool):
            obj["automountServiceAccountToken"] = automount
    if kind == "Service" and isinstance(obj.get("spec"), dict):
        spec = obj["spec"]
        if isinstance(after.get("spec"), list) and after["spec"]:
            raw = after["spec"][0]
            if isinstance(raw, dict) and isinstance(raw.get("selector"), dict):
                spec["selector"] = dict(raw["selector"])
    return obj


def objects_of_plan(resources: Sequence[Resource]) -> list[Resource]:
    """The Kubernetes objects the plan's ``kubernetes_*`` resources will create, as resources
    of the ``kubernetes`` family whose ``after`` is the API object and whose type is its kind;
    address and location stay the Terraform resource's."""
    found: list[Resource] = []
    for resource in resources:
        if resource.mode != "managed" or resource.action in (Action.DELETE, Action.FORGET):
            continue
        if not resource.type.startswith("kubernetes_"):
            continue
        obj = _object(resource)
        if obj is None:
            continue
        kind = obj.get("kind")
        api_version = obj.get("apiVersion")
        metadata = obj.get("metadata")
        if not isinstance(kind, str) or not isinstance(api_version, str):
            continue
        if not isinstance(metadata, dict):
            metadata = {}
            obj["metadata"] = metadata
        if kind not in _CLUSTER_KINDS and not isinstance(metadata.get("namespace"), str):
            metadata["namespace"] = "default"
        found.append(
            replace(
                resource,
                type=kind,
                provider_source=api_version,
                family=ProviderFamily.KUBERNETES,
                after=mask_named_values(obj),
                references_source=resource.references_source,
            )
        )
    return found
