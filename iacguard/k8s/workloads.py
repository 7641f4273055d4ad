"""Workloads: the pod specs of Pods, controllers and AI custom resources, with what each pod
runs as, mounts, requests and exposes.

Pod templates are found in Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
CronJobs, and the AI operators' kinds that embed them: KubeRay RayCluster (head and worker
groups), RayJob and RayService, KServe InferenceService (predictor, transformer, explainer),
Kubeflow Notebook, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JobSet and
LeaderWorkerSet. A pod without ``serviceAccountName`` runs as its namespace's ``default``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from iacguard.k8s.objects import as_dict, as_list, body, namespace, object_name, objects
from iacguard.model.resource import Resource

#: Extended resources that are accelerators.
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915", "aws.amazon.com/neuron")
_CONTROLLERS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
_REPLICA_SPECS = {
    "PyTorchJob": "pytorchReplicaSpecs",
    "TFJob": "tfReplicaSpecs",
    "MPIJob": "mpiReplicaSpecs",
    "XGBoostJob": "xgbReplicaSpecs",
    "PaddleJob": "paddleReplicaSpecs",
}
WORKLOAD_KINDS = (
    "Pod", *_CONTROLLERS, "CronJob", "RayCluster", "RayJob", "RayService",
    "InferenceService", "Notebook", *_REPLICA_SPECS, "JobSet", "LeaderWorkerSet",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PodSpec:
    """One pod template of a workload."""

    workload: Resource
    part: str
    """Which template of the workload (``pod``, ``head``, ``worker:gpu-group``, ``predictor``)."""
    spec: dict[str, Any]
    labels: dict[str, str]
    path: str
    """Where in the object the spec is (``spec.template.spec``)."""

    namespace: str = ""
    """The workload's namespace."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "namespace", namespace(self.workload) or "default")

    @property
    def service_account(self) -> str:
        """The service account the pods run as (``default`` when unset)."""
        for key in ("serviceAccountName", "serviceAccount"):
            value = self.spec.get(key)
            if isinstance(value, str) and value:
                return value
        return "default"

    @property
    def service_account_set(self) -> bool:
        """Whether the spec names its service account (rather than falling back to default)."""
        return any(
            isinstance(self.spec.get(k), str) and self.spec.get(k)
            for k in ("serviceAccountName", "serviceAccount")
        )

    @property
    def containers(self) -> list[dict[str, Any]]:
        """Containers, init containers and ephemeral containers."""
        found: list[dict[str, Any]] = []
        for key in ("initContainers", "containers", "ephemeralContainers"):
            found.extend(as_dict(c) for c in as_list(self.spec.get(key)))
        model = self.spec.get("model")
        if self.workload.type == "InferenceService" and isinstance(model, dict):
            # KServe's model form: the serving runtime's container gets these resources
            found.append({"name": "kserve-container", **model})
        return found

    @property
    def gpus(self) -> dict[str, str]:
        """Accelerators requested or limited, by container: ``{"vllm": "nvidia.com/gpu: 1"}``."""
        found: dict[str, str] = {}
        for container in self.containers:
            resources = as_dict(container.get("resources"))
            for section in ("limits", "requests"):
                for key, amount in as_dict(resources.get(section)).items():
                    if str(key) in GPU_RESOURCES:
                        found[str(container.get("name", "?"))] = f"{key}: {amount}"
        return found

    @property
    def host_access(self) -> list[str]:
        """Privileged containers, host namespaces and hostPath volumes, each described."""
        found: list[str] = []
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if self.spec.get(key) is True:
                found.append(f"{key}: true")
        for container in self.containers:
            context = as_dict(container.get("securityContext"))
            name = container.get("name", "?")
            if context.get("privileged") is True:
                found.append(f"container {name} privileged")
            added = [str(c) for c in as_list(as_dict(context.get("capabilities")).get("add"))]
            risky = [
                c for c in added if c.upper() in ("SYS_ADMIN", "ALL", "NET_ADMIN", "SYS_PTRACE")
            ]
            if risky:
                found.append(f"container {name} adds capabilities {', '.join(risky)}")
        for volume in as_list(self.spec.get("volumes")):
            host = as_dict(as_dict(volume).get("hostPath"))
            if host:
                found.append(
                    f"hostPath volume {as_dict(volume).get('name', '?')}: {host.get('path')}"
                )
        return found

    @property
    def secrets(self) -> list[str]:
        """Secrets the pods read: environment variables and volumes."""
        found: list[str] = []
        for container in self.containers:
            for env in as_list(container.get("env")):
                ref = as_dict(as_dict(as_dict(env).get("valueFrom")).get("secretKeyRef"))
                if ref.get("name"):
                    found.append(f"env {as_dict(env).get('name')} from secret {ref['name']}")
            for source in as_list(container.get("envFrom")):
                ref = as_dict(as_dict(source).get("secretRef"))
                if ref.get("name"):
                    found.append(f"envFrom secret {ref['name']}")
        for item in as_list(self.spec.get("volumes")):
            volume = as_dict(item)
            secret = as_dict(volume.get("secret"))
            if secret.get("secretName"):
                found.append(f"volume {volume.get('name')} from secret {secret['secretName']}")
            for source in as_list(as_dict(volume.get("projected")).get("sources")):
                name = as_dict(as_dict(source).get("secret")).get("name")
                if name:
                    found.append(f"projected volume {volume.get('name')} from secret {name}")
        return found

    @property
    def automount(self) -> bool | None:
        """``automountServiceAccountToken`` of the pod spec (``None`` when unset)."""
        value = self.spec.get("automountServiceAccountToken")
        return value if isinstance(value, bool) else None

    @property
    def images(self) -> list[str]:
        """Container images."""
        return [str(c["image"]) for c in self.containers if isinstance(c.get("image"), str)]


def _template(value: Any) -> tuple[dict[str, Any], dict[str, str]] | None:
    template = as_dict(value)
    spec = template.get("spec")
    if not isinstance(spec, dict):
        return None
    raw = as_dict(as_dict(template.get("metadata")).get("labels"))
    return spec, {str(k): str(v) for k, v in raw.items()}


def _with_labels(
    found: tuple[dict[str, Any], dict[str, str]] | None, extra: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]] | None:
    """A template with the labels its operator adds to the pods."""
    if found is None:
        return None
    return found[0], {**found[1], **extra}


def pod_specs(resource: Resource) -> Iterator[PodSpec]:
    """Every pod template of one workload object."""
    value = body(resource)
    spec = as_dict(value.get("spec"))
    metadata = as_dict(value.get("metadata"))
    kind = resource.type

    def make(part: str, found: tuple[dict[str, Any], dict[str, str]] | None, path: str):  # type: ignore[no-untyped-def]
        if found is not None:
            yield PodSpec(resource, part, found[0], found[1], path)

    if kind == "Pod":
        raw = as_dict(as_dict(value.get("metadata")).get("labels"))
        yield PodSpec(resource, "pod", spec, {str(k): str(v) for k, v in raw.items()}, "spec")
    elif kind == "Notebook":
        # the Kubeflow controller runs the template's pod spec in a StatefulSet whose pods
        # carry the Notebook's own labels plus statefulset and notebook-name (the template's
        # metadata is not used)
        notebook = _template(spec.get("template"))
        if notebook is not None:
            own = {str(k): str(v) for k, v in as_dict(metadata.get("labels")).items()}
            labels = {
                **own,
                "statefulset": object_name(resource),
                "notebook-name": object_name(resource),
            }
            yield PodSpec(resource, "pod", notebook[0], labels, "spec.template.spec")
    elif kind in _CONTROLLERS:
        yield from make("pod", _template(spec.get("template")), "spec.template.spec")
    elif kind == "CronJob":
        job = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
        yield from make(
            "pod", _template(job.get("template")), "spec.jobTemplate.spec.template.spec"
        )
    elif kind in ("RayCluster", "RayJob", "RayService"):
        cluster = spec
        prefix = "spec"
        if kind == "RayJob":
            cluster, prefix = as_dict(spec.get("rayClusterSpec")), "spec.rayClusterSpec"
        elif kind == "RayService":
            cluster, prefix = as_dict(spec.get("rayClusterConfig")), "spec.rayClusterConfig"
        head = as_dict(cluster.get("headGroupSpec"))
        ray = {"ray.io/cluster": object_name(resource)}
        yield from make(
            "head",
            _with_labels(
                _template(head.get("template")),
                {**ray, "ray.io/node-type": "head", "ray.io/group": "headgroup"},
            ),
            f"{prefix}.headGroupSpec.template.spec",
        )
        for position, item in enumerate(as_list(cluster.get("workerGroupSpecs"))):
            group = as_dict(item)
            name = group.get("groupName", position)
            yield from make(
                f"worker:{name}",
                _with_labels(
                    _template(group.get("template")),
                    {**ray, "ray.io/node-type": "worker", "ray.io/group": str(name)},
                ),
                f"{prefix}.workerGroupSpecs[{position}].template.spec",
            )
    elif kind == "InferenceService":
        for part in ("predictor", "transformer", "explainer"):
            component = spec.get(part)
            if isinstance(component, dict):
                # KServe labels the pods of each component
                labels = {
                    **{str(k): str(v) for k, v in as_dict(metadata.get("labels")).items()},
                    **{str(k): str(v) for k, v in as_dict(component.get("labels")).items()},
                    "serving.kserve.io/inferenceservice": object_name(resource),
                    "component": part,
                }
                yield PodSpec(resource, part, component, labels, f"spec.{part}")
    elif kind in _REPLICA_SPECS:
        replicas = as_dict(spec.get(_REPLICA_SPECS[kind]))
        for role, replica in replicas.items():
            yield from make(
                str(role).lower(),
                _template(as_dict(replica).get("template")),
                f"spec.{_REPLICA_SPECS[kind]}.{role}.template.spec",
            )
    elif kind == "JobSet":
        for position, item in enumerate(as_list(spec.get("replicatedJobs"))):
            job = as_dict(item)
            inner = as_dict(as_dict(job.get("template")).get("spec"))
            yield from make(
                f"job:{job.get('name', position)}",
                _template(inner.get("template")),
                f"spec.replicatedJobs[{position}].template.spec.template.spec",
            )
    elif kind == "LeaderWorkerSet":
        templates = as_dict(spec.get("leaderWorkerTemplate"))
        for part, key in (("leader", "leaderTemplate"), ("worker", "workerTemplate")):
            yield from make(
                part, _template(templates.get(key)), f"spec.leaderWorkerTemplate.{key}.spec"
            )


# --------------------------------------------------------------------------------------------
# Exposure
# --------------------------------------------------------------------------------------------

_INTERNAL_LB = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "networking.gke.io/load-balancer-type": ("Internal",),
    "cloud.google.com/load-balancer-type": ("Internal",),
}


@dataclass(frozen=True, slots=True)
class Exposure:
    """How pods are reachable from outside the cluster."""

    scope: str
    """``internet`` or ``network`` (a NodePort or internal load balancer)."""
    via: tuple[str, ...]
    """The objects that expose it (``k8s:Service/ml/vllm``, ``k8s:Ingress/ml/api``)."""
    why: str


def _selects(selector: dict[str, Any], pod_labels: dict[str, str]) -> bool:
    return bool(selector) and all(pod_labels.get(str(k)) == str(v) for k, v in selector.items())


def _lb_scope(service: Resource) -> tuple[str, str]:
    meta = as_dict(body(service).get("metadata"))
    notes = {str(k): str(v) for k, v in as_dict(meta.get("annotations")).items()}
    scheme = notes.get("service.beta.kubernetes.io/aws-load-balancer-scheme")
    if scheme == "internal":
        return "network", "internal load balancer (aws-load-balancer-scheme: internal)"
    for key, values in _INTERNAL_LB.items():
        if notes.get(key) in values:
            return "network", f"internal load balancer ({key})"
    ranges = as_list(as_dict(body(service).get("spec")).get("loadBalancerSourceRanges"))
    if ranges and "0.0.0.0/0" not in ranges:
        return "network", f"load balancer limited to {', '.join(map(str, ranges))}"
    return "internet", "type LoadBalancer" + (
        f", {scheme}" if scheme else ", no loadBalancerSourceRanges"
    )


@dataclass
class ExposureIndex:
    """Services, Ingresses and Gateway routes of the inputs, to answer what exposes a pod."""

    services: list[Resource] = field(default_factory=list)
    by_namespace: dict[str, list[Resource]] = field(default_factory=dict)
    routes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(namespace, service name) → Ingresses and HTTPRoutes sending traffic to it."""
    internal: set[str] = field(default_factory=set)
    """Ingresses that serve only the private network (ALB scheme internal)."""

    @classmethod
    def build(cls, resources: Sequence[Resource]) -> ExposureIndex:
        """Index the inputs' Services and routes."""
        index = cls(services=objects(resources, "Service"))
        for service in index.services:
            index.by_namespace.setdefault(namespace(service) or "default", []).append(service)
        for ingress in objects(resources, "Ingress"):
            ns = namespace(ingress) or "default"
            spec = as_dict(body(ingress).get("spec"))
            backends = [as_dict(spec.get("defaultBackend"))]
            for rule in as_list(spec.get("rules")):
                for path in as_list(as_dict(as_dict(rule).get("http")).get("paths")):
                    backends.append(as_dict(as_dict(path).get("backend")))
            meta = as_dict(body(ingress).get("metadata"))
            notes = {str(k): str(v) for k, v in as_dict(meta.get("annotations")).items()}
            alb = (
                spec.get("ingressClassName") == "alb"
                or notes.get("kubernetes.io/ingress.class") == "alb"
                or "alb.ingress.kubernetes.io/scheme" in notes
            )
            # the AWS Load Balancer Controller makes internal ALBs unless told otherwise
            if alb and notes.get("alb.ingress.kubernetes.io/scheme") != "internet-facing":
                index.internal.add(ingress.address)
            for backend in backends:
                name = as_dict(backend.get("service")).get("name") or backend.get("serviceName")
                if isinstance(name, str):
                    index.routes.setdefault((ns, name), []).append(ingress.address)
        for route in objects(resources, "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute"):
            ns = namespace(route) or "default"
            for rule in as_list(as_dict(body(route).get("spec")).get("rules")):
                for item in as_list(as_dict(rule).get("backendRefs")):
                    ref = as_dict(item)
                    if ref.get("kind", "Service") == "Service" and isinstance(ref.get("name"), str):
                        target = (str(ref.get("namespace") or ns), str(ref["name"]))
                        index.routes.setdefault(target, []).append(route.address)
        return index

    def exposure(self, pod: PodSpec) -> list[Exposure]:
        """How the pod is exposed: Services of type LoadBalancer or NodePort selecting it, and
        Ingresses or Gateway routes sending traffic to a Service selecting it."""
        found: list[Exposure] = []
        for service in self.by_namespace.get(pod.namespace, ()):
            spec = as_dict(body(service).get("spec"))
            if not _selects(as_dict(spec.get("selector")), pod.labels):
                continue
            kind = spec.get("type", "ClusterIP")
            if kind == "LoadBalancer":
                scope, why = _lb_scope(service)
                found.append(Exposure(scope, (service.address,), why))
            elif kind == "NodePort":
                found.append(Exposure("network", (service.address,), "type NodePort"))
            name = str(as_dict(body(service).get("metadata")).get("name", ""))
            found.extend(self._routed(pod.namespace, name, service.address))
        host_ports = [
            f"{c.get('name', '?')}:{as_dict(port).get('hostPort')}"
            for c in pod.containers
            for port in as_list(c.get("ports"))
            if as_dict(port).get("hostPort")
        ]
        if host_ports:
            found.append(
                Exposure(
                    "network",
                    (pod.workload.address,),
                    f"hostPort on the node's address ({', '.join(host_ports)})",
                )
            )
        if pod.workload.type == "Notebook":
            # the Kubeflow controller creates a ClusterIP Service named after the Notebook
            found.extend(
                self._routed(pod.namespace, object_name(pod.workload), pod.workload.address)
            )
        if pod.workload.type in ("RayCluster", "RayService") and pod.part == "head":
            found.extend(self._ray_head(pod))
        return found

    def _ray_head(self, pod: PodSpec) -> list[Exposure]:
        """KubeRay's head Service (``NAME-head-svc``, the dashboard and Jobs API), of the type
        ``headGroupSpec.serviceType`` asks, and the routes to it."""
        spec = as_dict(body(pod.workload).get("spec"))
        if pod.workload.type == "RayService":
            spec = as_dict(spec.get("rayClusterConfig"))
        kind = as_dict(spec.get("headGroupSpec")).get("serviceType", "ClusterIP")
        found: list[Exposure] = []
        if kind == "LoadBalancer":
            found.append(
                Exposure("internet", (pod.workload.address,), "head serviceType LoadBalancer")
            )
        elif kind == "NodePort":
            found.append(Exposure("network", (pod.workload.address,), "head serviceType NodePort"))
        found.extend(
            self._routed(
                pod.namespace, f"{object_name(pod.workload)}-head-svc", pod.workload.address
            )
        )
        return found

    def _routed(self, ns: str, service: str, target: str) -> list[Exposure]:
        """One exposure per route to a Service (internet, or network for internal ones)."""
        return [
            Exposure(
                "network" if route in self.internal else "internet",
                (route, target),
                f"routed by {route} to {target}"
                + (" (internal load balancer)" if route in self.internal else ""),
            )
            for route in self.routes.get((ns, service), [])
        ]


def all_pod_specs(resources: Sequence[Resource]) -> list[PodSpec]:
    """Every pod template of the inputs' workloads, in input order."""
    return [pod for workload in objects(resources, *WORKLOAD_KINDS) for pod in pod_specs(workload)]
