"""Kubernetes service accounts: who they are, which workloads run as them, what RBAC lets them
do (capability classes of ARCHITECTURE.md) and how they could escalate.

:func:`k8s_view` memoises on the scan's :class:`~iacguard.engine.context.ScanIndex`, like the
AWS view: checks and commands share one resolution.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from iacguard.engine.context import ScanIndex
from iacguard.k8s.objects import as_dict, body, metadata, namespace, objects
from iacguard.k8s.rbac import Grant, RbacModel, Request, build_rbac, grant_allows
from iacguard.k8s.terraform import objects_of_plan
from iacguard.k8s.workloads import ExposureIndex, PodSpec, all_pod_specs
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate, Unknown

#: Probes: (class, verb, API group, resource[/subresource]) a grant is tested against. A class
#: is held when some grant allows one of its probes.
CLASS_PROBES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "permissions-management": (
        ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
        ("escalate", "rbac.authorization.k8s.io", "roles"),
        ("bind", "rbac.authorization.k8s.io", "clusterroles"),
        ("bind", "rbac.authorization.k8s.io", "roles"),
        ("impersonate", "", "users"),
        ("impersonate", "", "groups"),
        ("impersonate", "", "serviceaccounts"),
        ("create", "rbac.authorization.k8s.io", "rolebindings"),
        ("create", "rbac.authorization.k8s.io", "clusterrolebindings"),
        ("create", "rbac.authorization.k8s.io", "roles"),
        ("create", "rbac.authorization.k8s.io", "clusterroles"),
        ("update", "rbac.authorization.k8s.io", "roles"),
        ("update", "rbac.authorization.k8s.io", "clusterroles"),
        ("patch", "rbac.authorization.k8s.io", "clusterroles"),
        ("update", "rbac.authorization.k8s.io", "rolebindings"),
        ("patch", "rbac.authorization.k8s.io", "rolebindings"),
        ("update", "rbac.authorization.k8s.io", "clusterrolebindings"),
        ("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("update", "certificates.k8s.io", "certificatesigningrequests/approval"),
        ("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    ),
    "assume-identity": (
        ("create", "", "serviceaccounts/token"),
        ("impersonate", "", "serviceaccounts"),
        ("impersonate", "", "users"),
        ("create", "", "pods"),
        ("create", "", "pods/exec"),
        ("get", "", "pods/exec"),
    ),
    "read-secrets": (
        ("get", "", "secrets"),
        ("list", "", "secrets"),
        ("watch", "", "secrets"),
    ),
    "write-data": (
        ("create", "", "secrets"),
        ("update", "", "secrets"),
        ("update", "", "configmaps"),
        ("create", "", "configmaps"),
        ("delete", "", "persistentvolumeclaims"),
        ("update", "", "persistentvolumeclaims"),
    ),
    "modify-infrastructure": (
        ("create", "apps", "deployments"),
        ("patch", "apps", "deployments"),
        ("update", "apps", "deployments"),
        ("create", "apps", "daemonsets"),
        ("patch", "apps", "daemonsets"),
        ("create", "", "services"),
        ("patch", "", "services"),
        ("delete", "", "pods"),
        ("patch", "", "nodes"),
        ("create", "", "namespaces"),
        ("create", "networking.k8s.io", "ingresses"),
        ("delete", "networking.k8s.io", "networkpolicies"),
    ),
    "run-compute": (
        ("create", "", "pods"),
        ("create", "", "pods/exec"),
        ("get", "", "pods/exec"),
        ("create", "", "pods/attach"),
        ("create", "apps", "deployments"),
        ("create", "batch", "jobs"),
        ("create", "batch", "cronjobs"),
        ("get", "", "nodes/proxy"),
        ("create", "", "nodes/proxy"),
        ("create", "ray.io", "rayclusters"),
        ("create", "ray.io", "rayjobs"),
    ),
    "read-data": (
        ("get", "", "configmaps"),
        ("list", "", "configmaps"),
        ("get", "", "pods/log"),
        ("get", "", "persistentvolumeclaims"),
    ),
    "list": (
        ("list", "", "pods"),
        ("list", "", "services"),
        ("list", "", "namespaces"),
        ("list", "", "nodes"),
    ),
}
_SEVERITY = {
    "cluster-admin": "critical",
    "permissions-management": "critical",
    "assume-identity": "high",
    "read-secrets": "high",
    "write-data": "high",
    "modify-infrastructure": "high",
    "run-compute": "medium",
    "read-data": "medium",
    "list": "low",
}

#: Escalation methods: (probes, why). A method is open when some grant allows a probe.
ESCALATIONS: dict[str, tuple[tuple[tuple[str, str, str], ...], str]] = {
    "cluster-admin": ((("*", "*", "*"),), "every verb on every resource"),
    "create-pods": (
        (
            ("create", "", "pods"),
            ("patch", "", "pods"),
            ("update", "", "pods/ephemeralcontainers"),
            ("create", "apps", "deployments"),
            ("patch", "apps", "deployments"),
            ("create", "apps", "replicasets"),
            ("update", "apps", "deployments"),
            ("create", "apps", "statefulsets"),
            ("create", "apps", "daemonsets"),
            ("create", "batch", "jobs"),
            ("create", "batch", "cronjobs"),
            ("create", "ray.io", "rayclusters"),
            ("create", "ray.io", "rayjobs"),
            ("create", "kubeflow.org", "notebooks"),
            ("create", "kubeflow.org", "pytorchjobs"),
            ("create", "serving.kserve.io", "inferenceservices"),
            ("create", "ray.io", "rayservices"),
            ("create", "jobset.x-k8s.io", "jobsets"),
            ("create", "sparkoperator.k8s.io", "sparkapplications"),
        ),
        "can start pods (directly, through controllers or AI operators) running as any service "
        "account of the namespace",
    ),
    "exec": (
        (("create", "", "pods/exec"), ("get", "", "pods/exec"), ("create", "", "pods/attach")),
        "can exec into pods and take their service account tokens and cloud credentials",
    ),
    "escalate-bind": (
        (
            ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
            ("escalate", "rbac.authorization.k8s.io", "roles"),
            ("bind", "rbac.authorization.k8s.io", "clusterroles"),
            ("bind", "rbac.authorization.k8s.io", "roles"),
        ),
        "can grant roles with more than it holds (escalate, bind)",
    ),
    "rbac-write": (
        tuple(
            (verb, "rbac.authorization.k8s.io", resource)
            for verb in ("create", "update", "patch")
            for resource in ("rolebindings", "clusterrolebindings", "roles", "clusterroles")
        ),
        "can write Roles and RoleBindings: bound by escalation prevention to what it holds, "
        "but able to hand those rights to any account",
    ),
    "impersonate": (
        (
            ("impersonate", "", "users"),
            ("impersonate", "", "groups"),
            ("impersonate", "", "serviceaccounts"),
        ),
        "can act as other users, groups or service accounts",
    ),
    "token-request": (
        (("create", "", "serviceaccounts/token"),),
        "can mint tokens for service accounts",
    ),
    "read-secrets": (
        (("get", "", "secrets"), ("list", "", "secrets")),
        "can read secrets, service account tokens among them",
    ),
    "node-proxy": (
        (("get", "", "nodes/proxy"), ("create", "", "nodes/proxy")),
        "can reach the kubelet API of nodes (exec in any pod of the node)",
    ),
    "csr-approval": (
        (("update", "certificates.k8s.io", "certificatesigningrequests/approval"),),
        "can approve certificate requests (client certificates for any identity)",
    ),
    "webhook-config": (
        (
            ("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
            ("update", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
            ("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ),
        "can register mutating webhooks that rewrite every pod created",
    ),
}


_RANK = {Tristate.NO: 0, Tristate.MAYBE: 1, Tristate.YES: 2}


def _and(*values: Tristate) -> Tristate:
    return min(values, key=_RANK.__getitem__)


#: Annotations and labels that give a service account a cloud identity (EKS IRSA, GKE and
#: Azure Workload Identity): becoming it yields cloud credentials.
CLOUD_IDENTITY_KEYS = (
    "eks.amazonaws.com/role-arn",
    "iam.gke.io/gcp-service-account",
    "azure.workload.identity/client-id",
)


def _cloud_identity(account: ServiceAccount) -> str | None:
    if account.resource is None:
        return None
    metadata = as_dict(body(account.resource).get("metadata"))
    for field_name in ("annotations", "labels"):
        values = as_dict(metadata.get(field_name))
        for key in CLOUD_IDENTITY_KEYS:
            value = values.get(key)
            if isinstance(value, str) and value:
                return f"{key}={value}"
            if isinstance(value, Unknown):
                origins = ", ".join(value.origins or value.sources or value.references)
                return f"{key}=(known after apply{': ' + origins if origins else ''})"
    return None


@lru_cache(maxsize=8192)
def _request(probe: tuple[str, str, str], ns: str | None) -> Request:
    verb, group, resource = probe
    base, _, sub = resource.partition("/")
    return Request(verb=verb, resource=base, subresource=sub, api_group=group, namespace=ns)


_ALLOWS: dict[tuple[Any, ...], Tristate] = {}


def _allows(grant: Grant, probe: tuple[str, str, str]) -> Tristate:
    """Whether the grant allows the probe in the grant's own scope. The answer depends only
    on the rule's elements and whether the grant is namespaced: rules written alike (copies
    of a role) share it."""
    rule = grant.rule
    key = (
        rule.verbs, rule.api_groups, rule.resources, rule.resource_names,
        rule.non_resource_urls, grant.namespace is None, probe,
    )  # fmt: skip
    found = _ALLOWS.get(key)
    if found is None:
        if probe == ("*", "*", "*"):
            full = "*" in rule.verbs and "*" in rule.api_groups and "*" in rule.resources
            found = Tristate.YES if full and grant.namespace is None else Tristate.NO
        else:
            found = grant_allows(grant, _request(probe, grant.namespace))
        _ALLOWS[key] = found
    return found


@dataclass(frozen=True, slots=True)
class KClass:
    """A capability class of a service account, with the grants behind it."""

    name: str
    grants: tuple[Grant, ...]
    answer: Tristate
    probes: tuple[str, ...]
    """The requests it allows (``create pods``)."""

    def as_json(self) -> dict[str, Any]:
        """JSON, in the shape of the AWS capability classes."""
        namespaces = sorted({g.namespace or "*" for g in self.grants})
        return {
            "class": self.name,
            "severity": _SEVERITY.get(self.name, "medium"),
            "answer": self.answer.value,
            "action_count": len(self.probes),
            "actions": list(self.probes),
            "resources": namespaces,
            "sources": sorted({g.binding.address or g.binding.node_id for g in self.grants}),
            "rules": [g.as_json() for g in self.grants[:10]],
        }


@dataclass(frozen=True, slots=True)
class KEscalation:
    """One way a service account could gain more than it holds."""

    method: str
    answer: Tristate
    grants: tuple[Grant, ...]
    namespaces: tuple[str, ...]
    """Where it applies (``*``: cluster-wide)."""
    targets: tuple[str, ...]
    why: str

    def as_json(self) -> dict[str, Any]:
        """JSON, in the shape of the AWS escalations."""
        return {
            "method": self.method,
            "answer": self.answer.value,
            "actions": [],
            "namespaces": list(self.namespaces),
            "targets": list(self.targets),
            "why": self.why,
            "statements": [g.as_json() for g in self.grants[:5]],
        }


@dataclass
class ServiceAccount:
    """A service account: defined in the inputs, or named by a workload or binding."""

    namespace: str
    name: str
    resource: Resource | None = None
    pods: list[PodSpec] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)

    node_id: str = ""
    """``k8s:ServiceAccount/ml/vllm``."""

    def __post_init__(self) -> None:
        self.node_id = f"k8s:ServiceAccount/{self.namespace}/{self.name}"

    @property
    def username(self) -> str:
        """``system:serviceaccount:ml:vllm``, as RBAC and the API server name it."""
        return f"system:serviceaccount:{self.namespace}:{self.name}"

    @property
    def automount(self) -> bool | None:
        """``automountServiceAccountToken`` of the account (``None``: unset, i.e. mounted)."""
        if self.resource is None:
            return None
        value = body(self.resource).get("automountServiceAccountToken")
        return value if isinstance(value, bool) else None


class KubernetesView:
    """The Kubernetes part of a scan: RBAC, workloads, service accounts, exposure."""

    def __init__(self, index: ScanIndex) -> None:
        # manifests and charts, and the objects the plan's kubernetes_* resources create
        resources = [*objects(index.resources), *objects_of_plan(index.resources)]
        self.objects = resources
        self.by_address = {r.address: r for r in resources}
        self.index = index
        self.rbac: RbacModel = build_rbac(resources)
        self.pods = all_pod_specs(resources)
        self.exposure = ExposureIndex.build(resources)
        self.accounts: dict[tuple[str, str], ServiceAccount] = {}
        for resource in objects(resources, "ServiceAccount"):
            ns = namespace(resource) or "default"
            name = str(metadata(resource).get("name") or resource.name)
            self._account(ns, name).resource = resource
        for pod in self.pods:
            self._account(pod.namespace, pod.service_account).pods.append(pod)
        for binding in self.rbac.bindings:
            if binding.address is None:
                continue  # cluster defaults bind system accounts the inputs do not show
            for subject in binding.subjects:
                if subject.kind == "ServiceAccount" and subject.namespace:
                    self._account(subject.namespace, subject.name)
                elif subject.kind == "User" and subject.name.startswith("system:serviceaccount:"):
                    parts = subject.name.split(":")
                    if len(parts) == 4 and parts[2] and parts[3]:
                        self._account(parts[2], parts[3])
        for account in self.accounts.values():
            account.grants = self.rbac.service_account_grants(account.namespace, account.name)
        self._classes: dict[str, list[KClass]] = {}
        self._names: dict[str, frozenset[str]] = {}
        self._scopes: dict[str, dict[str, frozenset[str]]] = {}
        self._target_cache: dict[tuple[Any, ...], list[str]] = {}
        self._clouds: dict[str, str | None] = {}
        self._class_index: dict[str, list[tuple[ServiceAccount, frozenset[str]]]] | None = None
        self._granted: list[ServiceAccount] | None = None
        self._namespaces: dict[str, list[ServiceAccount]] | None = None
        self._escalations: dict[str, list[KEscalation]] = {}

    def _account(self, ns: str, name: str) -> ServiceAccount:
        key = (ns, name)
        if key not in self.accounts:
            self.accounts[key] = ServiceAccount(ns, name)
        return self.accounts[key]

    def sorted_accounts(self) -> list[ServiceAccount]:
        """Service accounts by namespace and name."""
        return [self.accounts[k] for k in sorted(self.accounts)]

    def find(self, text: str) -> ServiceAccount | None:
        """``system:serviceaccount:NS:NAME``, ``k8s:ServiceAccount/NS/NAME`` or ``NS/NAME``."""
        value = text.strip()
        for prefix in ("system:serviceaccount:", "k8s:ServiceAccount/"):
            if value.startswith(prefix):
                value = value[len(prefix) :]
        ns, sep, name = value.replace(":", "/").partition("/")
        if not sep:
            return None
        return self.accounts.get((ns, name))

    def classes(self, account: ServiceAccount) -> list[KClass]:
        """The capability classes the account's grants confer."""
        cached = self._classes.get(account.node_id)
        if cached is not None:
            return cached
        found: list[KClass] = []
        admin = [g for g in account.grants if _allows(g, ("*", "*", "*")) is Tristate.YES]
        if admin:
            found.append(KClass("cluster-admin", tuple(admin), Tristate.YES, ("* on *",)))
        for name, probes in CLASS_PROBES.items():
            behind: list[Grant] = []
            allowed: list[str] = []
            answer = Tristate.NO
            for probe in probes:
                for grant in account.grants:
                    result = _allows(grant, probe)
                    if result is Tristate.NO:
                        continue
                    if grant not in behind:
                        behind.append(grant)
                    text = f"{probe[0]} {probe[2]}"
                    if text not in allowed:
                        allowed.append(text)
                    if result is Tristate.YES:
                        answer = Tristate.YES
                    elif answer is Tristate.NO:
                        answer = Tristate.MAYBE
            if behind:
                found.append(KClass(name, tuple(behind), answer, tuple(allowed)))
        self._classes[account.node_id] = found
        return found

    def class_namespaces(
        self, account: ServiceAccount
    ) -> dict[tuple[str, str], tuple[Tristate, list[str], list[str]]]:
        """(class, namespace or ``*``) → (answer, requests allowed, bindings): where the
        account holds each class, and how surely."""
        found: dict[tuple[str, str], tuple[Tristate, list[str], list[str]]] = {}
        for klass in self.classes(account):
            probes = CLASS_PROBES.get(klass.name, (("*", "*", "*"),))
            for grant in klass.grants:
                key = (klass.name, grant.namespace or "*")
                answer, allowed, bindings = found.get(key, (Tristate.NO, [], []))
                for probe in probes:
                    result = _allows(grant, probe)
                    if result is Tristate.NO:
                        continue
                    if result is Tristate.YES or answer is Tristate.NO:
                        answer = result
                    text = f"{probe[0]} {probe[2]}"
                    if text not in allowed:
                        allowed.append(text)
                binding = grant.binding.address or grant.binding.node_id
                if binding not in bindings:
                    bindings.append(binding)
                found[key] = (answer, allowed, bindings)
        return found

    def _class_scopes(self, account: ServiceAccount) -> dict[str, frozenset[str]]:
        """Class → namespaces where the account holds it (``*``: every namespace)."""
        found = self._scopes.get(account.node_id)
        if found is None:
            scopes: dict[str, set[str]] = {}
            for klass in self.classes(account):
                for grant in klass.grants:
                    scopes.setdefault(klass.name, set()).add(grant.namespace or "*")
            found = self._scopes[account.node_id] = {k: frozenset(v) for k, v in scopes.items()}
        return found

    def _targets(
        self, method: str, account: ServiceAccount, namespaces: tuple[str, ...]
    ) -> list[str]:
        """The accounts it could become (in ``namespaces``) that can do something it cannot,
        or have a cloud identity; shared by accounts holding the same rights (copies)."""
        own = self._class_scopes(account)
        key = (method, namespaces, tuple(sorted(own.items())))
        found = self._target_cache.get(key)
        if found is None:
            scope = (
                self._with_grants()
                if "*" in namespaces
                else [a for ns in namespaces for a in self._by_namespace().get(ns, ())]
            )
            exceeding = self._exceeding(own)
            found = self._target_cache[key] = sorted(
                other.node_id
                for other in scope
                # exec takes the token of a running pod: only accounts pods run as
                if (method != "exec" or other.pods)
                and (other.node_id in exceeding or self._cloud(other) is not None)
            )
        return found

    def _exceeding(self, own: dict[str, frozenset[str]]) -> set[str]:
        """Accounts that hold a class somewhere ``own`` does not (through an index of the
        accounts by class: a cluster-wide class of ``own`` rules its holders out at once)."""
        if self._class_index is None:
            index: dict[str, list[tuple[ServiceAccount, frozenset[str]]]] = {}
            for other in self._with_grants():
                for name, namespaces in self._class_scopes(other).items():
                    index.setdefault(name, []).append((other, namespaces))
            self._class_index = index
        found: set[str] = set()
        for name, holders in self._class_index.items():
            mine = own.get(name)
            if mine is not None and "*" in mine:
                continue
            for other, namespaces in holders:
                if mine is None or "*" in namespaces or not namespaces <= mine:
                    found.add(other.node_id)
        return found

    def _cloud(self, account: ServiceAccount) -> str | None:
        if account.node_id not in self._clouds:
            self._clouds[account.node_id] = _cloud_identity(account)
        return self._clouds[account.node_id]

    def _paired(self, account: ServiceAccount) -> Tristate:
        """bind with a write of RoleBindings, or escalate with a write of Roles."""
        group = "rbac.authorization.k8s.io"

        def any_of(probes: list[tuple[str, str, str]]) -> Tristate:
            results = [_allows(g, p) for g in account.grants for p in probes]
            return max(results, key=_RANK.__getitem__, default=Tristate.NO)

        bind = any_of([("bind", group, "clusterroles"), ("bind", group, "roles")])
        bindings = any_of(
            [(v, group, r) for v in ("create", "update", "patch")
             for r in ("rolebindings", "clusterrolebindings")]
        )  # fmt: skip
        escalate = any_of([("escalate", group, "clusterroles"), ("escalate", group, "roles")])
        roles = any_of(
            [
                (v, group, r)
                for v in ("create", "update", "patch")
                for r in ("roles", "clusterroles")
            ]
        )
        return max(_and(bind, bindings), _and(escalate, roles), key=_RANK.__getitem__)

    def _class_names(self, account: ServiceAccount) -> frozenset[str]:
        found = self._names.get(account.node_id)
        if found is None:
            found = self._names[account.node_id] = frozenset(c.name for c in self.classes(account))
        return found

    def _with_grants(self) -> list[ServiceAccount]:
        if self._granted is None:
            self._granted = [a for a in self.sorted_accounts() if a.grants]
        return self._granted

    def _by_namespace(self) -> dict[str, list[ServiceAccount]]:
        if self._namespaces is None:
            self._namespaces = {}
            for account in self._with_grants():
                self._namespaces.setdefault(account.namespace, []).append(account)
        return self._namespaces

    def escalations(self, account: ServiceAccount) -> list[KEscalation]:
        """Escalation methods open to the account, with where and toward whom (memoised)."""
        cached = self._escalations.get(account.node_id)
        if cached is not None:
            return cached
        found: list[KEscalation] = []
        for method, (probes, why) in ESCALATIONS.items():
            behind = [
                g for g in account.grants if any(_allows(g, p) is not Tristate.NO for p in probes)
            ]
            if not behind:
                continue
            answer = (
                Tristate.YES
                if any(_allows(g, p) is Tristate.YES for g in behind for p in probes)
                else Tristate.MAYBE
            )
            if method == "escalate-bind":
                # bind is useful only with a write of bindings, escalate with one of roles
                paired = self._paired(account)
                if paired is Tristate.NO:
                    continue
                answer = _and(answer, paired)
            namespaces = sorted({g.namespace or "*" for g in behind})
            targets: list[str] = []
            if method in ("create-pods", "exec", "token-request", "impersonate"):
                targets = [
                    t
                    for t in self._targets(method, account, tuple(namespaces))
                    if t != account.node_id
                ]
            found.append(
                KEscalation(method, answer, tuple(behind), tuple(namespaces), tuple(targets), why)
            )
        self._escalations[account.node_id] = found
        return found

    def exposed(self, pod: PodSpec) -> list[Any]:
        """How a pod is exposed (see :meth:`ExposureIndex.exposure`)."""
        return self.exposure.exposure(pod)


def k8s_view(index: ScanIndex) -> KubernetesView:
    """The scan's Kubernetes view, built on first use."""
    return index.memo("k8s-view", lambda: KubernetesView(index))


def _admin_json(view: KubernetesView, account: ServiceAccount) -> dict[str, Any] | None:
    """``cluster-admin`` in the shape of the AWS ``admin_equivalent``."""
    for klass in view.classes(account):
        if klass.name == "cluster-admin":
            binding = klass.grants[0].binding
            return {
                "answer": klass.answer.value,
                "route": "cluster-admin",
                "why": f"every verb on every resource through {binding.address or binding.node_id}",
                "via": [],
            }
    return None


def account_json(view: KubernetesView, account: ServiceAccount) -> dict[str, Any]:
    """One service account in the shape of ``iacguard identities``."""
    automount = account.automount
    return {
        "id": account.node_id,
        "address": account.resource.address if account.resource else None,
        "provider": "kubernetes",
        "kind": "service-account",
        "name": account.username,
        "defined": account.resource is not None,
        "automount_token": automount,
        "trusted_by": [],
        "used_by": [
            {
                "workload": pod.workload.address,
                "part": pod.part,
                "automount_token": pod.automount,
                "gpus": pod.gpus,
                "host_access": pod.host_access,
                "secrets": pod.secrets,
                "images": pod.images,
                "exposed": [
                    {"scope": e.scope, "via": list(e.via), "why": e.why} for e in view.exposed(pod)
                ],
            }
            for pod in account.pods
        ],
        "bindings": sorted({g.binding.address or g.binding.node_id for g in account.grants}),
        "capabilities": {
            "classes": [c.as_json() for c in view.classes(account)],
            "rules": [g.as_json() for g in account.grants],
            "notes": [],
        },
        "admin_equivalent": _admin_json(view, account),
        "cloud_identity": _cloud_identity(account),
        "escalations": [e.as_json() for e in view.escalations(account)],
        "unresolved": [
            f"{b.address or b.node_id}: {why}"
            for b, why in view.rbac.missing
            if any(
                s.kind == "ServiceAccount"
                and s.namespace == account.namespace
                and s.name == account.name
                for s in b.subjects
            )
        ],
    }


def secret_names(values: Iterable[str]) -> list[str]:
    """Names only (for evidence), never values."""
    return sorted(set(values))


def resource_group_hint(resource: str) -> str | None:
    """The API group of a resource named without one (``deployments`` → ``apps``)."""
    return _GROUPS.get(resource.split("/", 1)[0])


_GROUPS: dict[str, str] = {
    **dict.fromkeys(
        (
            "pods", "services", "secrets", "configmaps", "serviceaccounts", "namespaces",
            "nodes", "persistentvolumeclaims", "persistentvolumes", "endpoints", "events",
            "replicationcontrollers", "limitranges", "resourcequotas",
        ),
        "",
    ),
    **dict.fromkeys(("deployments", "statefulsets", "daemonsets", "replicasets"), "apps"),
    **dict.fromkeys(("jobs", "cronjobs"), "batch"),
    **dict.fromkeys(
        ("roles", "rolebindings", "clusterroles", "clusterrolebindings"),
        "rbac.authorization.k8s.io",
    ),
    **dict.fromkeys(("ingresses", "networkpolicies", "ingressclasses"), "networking.k8s.io"),
    "certificatesigningrequests": "certificates.k8s.io",
    "mutatingwebhookconfigurations": "admissionregistration.k8s.io",
    "validatingwebhookconfigurations": "admissionregistration.k8s.io",
    "customresourcedefinitions": "apiextensions.k8s.io",
    "rayclusters": "ray.io",
    "rayjobs": "ray.io",
    "rayservices": "ray.io",
    "inferenceservices": "serving.kserve.io",
    "notebooks": "kubeflow.org",
    "pytorchjobs": "kubeflow.org",
}  # fmt: skip


def as_body(resource: Resource) -> dict[str, Any]:
    """Shortcut used by checks."""
    return as_dict(body(resource))
