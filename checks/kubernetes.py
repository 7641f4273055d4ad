"""Kubernetes workloads and RBAC, judged on what each pod's service account can do and what
the pod spec allows (manifests; Helm charts render into the same objects)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.k8s.identities import KubernetesView, ServiceAccount, k8s_view
from iacguard.k8s.objects import annotations_of, as_dict, as_list, body
from iacguard.k8s.rbac import Grant
from iacguard.k8s.workloads import PodSpec
from iacguard.model.values import Tristate

_RBAC = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ServiceAccount")
_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob")


def _grant_evidence(
    grants: list[Grant] | tuple[Grant, ...], limit: int = 5
) -> list[dict[str, Any]]:
    return [{"kind": "rbac-rule", **g.as_json()} for g in grants[:limit]]


def pod_evidence(pod: PodSpec) -> dict[str, Any]:
    """A workload's pod template as finding evidence."""
    return {
        "kind": "workload",
        "workload": pod.workload.address,
        "part": pod.part,
        "path": pod.path,
        "service_account": f"{pod.namespace}/{pod.service_account}",
    }


def _cluster_admin_workload(view: KubernetesView, account: ServiceAccount) -> bool:
    """Reported by k8s-workload-cluster-admin already (pods run as it, it holds `*` on `*`
    cluster-wide): the other RBAC checks would only repeat it."""
    return bool(account.pods) and any(
        c.name == "cluster-admin" and c.answer is Tristate.YES for c in view.classes(account)
    )


def _account_resource(view: KubernetesView, account: ServiceAccount) -> Any:
    """Where a finding about an account goes: the account, else its first workload, else the
    first binding naming it."""
    if account.resource is not None:
        return account.resource
    if account.pods:
        return account.pods[0].workload
    for grant in account.grants:
        if grant.binding.address and grant.binding.address in view.by_address:
            return view.by_address[grant.binding.address]
    return None


# --------------------------------------------------------------------------------------------
# cluster-admin and wildcards
# --------------------------------------------------------------------------------------------


@check(
    id="k8s-workload-cluster-admin",
    title="A workload's service account is bound to cluster-admin or wildcard rights",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    inspects=(*_RBAC, *_WORKLOADS),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-kubernetes": ["5.1.1", "5.1.3"],
    },
    remediation=(
        "Bind the workload's service account to a Role with the verbs and resources it uses, "
        "in its own namespace; keep cluster-admin for people, through groups."
    ),
)
def workload_cluster_admin(ctx: CheckContext) -> Iterator[Finding]:
    """A service account that pods run as holds `cluster-admin`, or a rule with `*` verbs on
    `*` resources (cluster-wide or in a namespace), through any binding: its own, its
    namespace's service accounts group, all service accounts, or all authenticated users.

    Whoever compromises one of its pods (a prompt-injected agent with a shell tool, a model
    server with a deserialisation bug) controls the cluster, and through node credentials
    often the cloud account.

    Before: a ClusterRoleBinding of `cluster-admin` to `ml/trainer`.
    After: a Role in `ml` allowing `create` on `pods` and `get` on `configmaps`.
    """
    view = k8s_view(ctx.index)
    for account in view.sorted_accounts():
        if not account.pods:
            continue
        wide = [
            g
            for g in account.grants
            if "*" in g.rule.verbs and "*" in g.rule.resources and "*" in g.rule.api_groups
        ]
        if not wide:
            continue
        cluster = [g for g in wide if g.namespace is None]
        scope = (
            "the whole cluster" if cluster else ", ".join(sorted({g.namespace or "" for g in wide}))
        )
        target = account.pods[0].workload
        workloads = len({p.workload.address for p in account.pods})
        yield ctx.finding(
            target,
            f"{account.username} (run by {workloads} workload"
            f"{'' if workloads == 1 else 's'}) has every verb on every resource in "
            f"{scope}, through {wide[0].binding.address or wide[0].binding.node_id}",
            evidence=[pod_evidence(p) for p in account.pods[:3]] + _grant_evidence(wide),
            severity=Severity.CRITICAL if cluster else Severity.HIGH,
            key=account.node_id,
        )


# --------------------------------------------------------------------------------------------
# The default service account
# --------------------------------------------------------------------------------------------


@check(
    id="k8s-workload-default-service-account",
    title="Workload runs as its namespace's default service account",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    inspects=_WORKLOADS,
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
        "owasp-nhi-2025": ["NHI9"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "cis-kubernetes": ["5.1.5"],
    },
    remediation=(
        "Create a service account for the workload and set `serviceAccountName`; set "
        "`automountServiceAccountToken: false` on the namespace's default account."
    ),
)
def workload_default_service_account(ctx: CheckContext) -> Iterator[Finding]:
    """A pod template without `serviceAccountName` (or naming `default`) runs as its
    namespace's `default` account, which every other such pod shares: any right granted to
    one of them is granted to all, and a token of one is a token of all.

    Medium severity when the default account holds RBAC rights in the inputs (a binding to
    `default`, to the namespace's service accounts, or to all service accounts) and its token
    is mounted.

    Before: no `serviceAccountName`. After: `serviceAccountName: vllm`.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        if pod.service_account != "default":
            continue
        account = view.accounts.get((pod.namespace, "default"))
        rights = bool(account and account.grants)
        # the pod's setting wins over the account's; unset on both means mounted
        mounted = (
            pod.automount
            if pod.automount is not None
            else account is None or account.automount is not False
        )
        evidence: list[dict[str, Any]] = [pod_evidence(pod)]
        evidence.append(
            {"kind": "token", "automount_token": mounted, "explicit": pod.service_account_set}
        )
        if account is not None and account.grants:
            evidence += _grant_evidence(account.grants, 3)
        yield ctx.finding(
            pod.workload,
            f"{pod.part} of {pod.workload.address} runs as {pod.namespace}/default"
            + (" (which holds RBAC rights)" if rights else "")
            + ("" if mounted else ", token not mounted"),
            evidence=evidence,
            severity=Severity.MEDIUM if rights and mounted else None,
            key=pod.part,
        )


# --------------------------------------------------------------------------------------------
# Tokens of exposed workloads
# --------------------------------------------------------------------------------------------


@check(
    id="k8s-exposed-workload-token-mounted",
    title="Exposed workload mounts a service account token with RBAC rights",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "Service", "Ingress", "HTTPRoute", *_RBAC),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.PS-01"],
        "owasp-nhi-2025": ["NHI5", "NHI2"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-kubernetes": ["5.1.6"],
    },
    remediation=(
        "Set `automountServiceAccountToken: false` on the pod (or the account) when it does "
        "not call the Kubernetes API; otherwise reduce the account's rights to what it calls."
    ),
)
def exposed_workload_token(ctx: CheckContext) -> Iterator[Finding]:
    """A workload reachable from outside the cluster (a LoadBalancer or NodePort Service
    selecting its pods, or an Ingress or Gateway route to such a Service) whose pods mount
    their service account's token while that account holds RBAC rights.

    The token is a file in every container: a remote code execution in the inference server
    or an agent that runs shell commands hands it over, with every right of the account.

    Before: default automount. After: `automountServiceAccountToken: false`.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        account = view.accounts.get((pod.namespace, pod.service_account))
        if account is None or not account.grants:
            continue
        if pod.automount is False or (pod.automount is None and account.automount is False):
            continue
        exposed = view.exposed(pod)
        if not exposed:
            continue
        classes = [c.name for c in view.classes(account)]
        internet = any(e.scope == "internet" for e in exposed)
        yield ctx.finding(
            pod.workload,
            f"{pod.workload.address} is exposed ({exposed[0].why}) and mounts the token of "
            f"{account.username}, which can {', '.join(classes[:4]) or 'call the API'}",
            evidence=[
                pod_evidence(pod),
                *[
                    {"kind": "exposure", "scope": e.scope, "via": list(e.via), "why": e.why}
                    for e in exposed
                ],
                *_grant_evidence(account.grants, 3),
            ],
            severity=None if internet else Severity.MEDIUM,
            key=pod.part,
        )


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------


@check(
    id="k8s-secrets-readable-cluster-wide",
    title="Service account can read Secrets in every namespace",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=_RBAC,
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI5", "NHI2"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM02"],
        "cis-kubernetes": ["5.1.2"],
        "mitre-atlas": ["AML.T0055"],
    },
    remediation=(
        "Bind secret access with a RoleBinding in the namespace that holds the secret, and "
        "name the secrets with `resourceNames`."
    ),
)
def secrets_readable_cluster_wide(ctx: CheckContext) -> Iterator[Finding]:
    """A service account allowed `get`, `list` or `watch` on `secrets` through a
    ClusterRoleBinding: every Secret of every namespace, including other workloads' API keys,
    registry credentials and long-lived service account tokens.

    Aggregation is followed: a ClusterRole labelled `aggregate-to-view` that allows secrets
    gives them to everyone bound to `view`.

    Before: ClusterRoleBinding to a ClusterRole with `secrets: [get, list]`.
    After: RoleBinding in the agent's namespace, `resourceNames: [openai-api-key]`.
    """
    view = k8s_view(ctx.index)
    for account in view.sorted_accounts():
        if _cluster_admin_workload(view, account):
            continue
        reading = [
            g
            for g in account.grants
            if g.namespace is None
            and any(v in g.rule.verbs or "*" in g.rule.verbs for v in ("get", "list", "watch"))
            and ("*" in g.rule.resources or "secrets" in g.rule.resources)
            and ("*" in g.rule.api_groups or "" in g.rule.api_groups)
            and not g.rule.resource_names
        ]
        if not reading:
            continue
        target = _account_resource(view, account)
        if target is None:
            continue
        yield ctx.finding(
            target,
            f"{account.username} can read Secrets in every namespace through "
            f"{reading[0].binding.address or reading[0].binding.node_id} "
            f"({reading[0].binding.role_kind} {reading[0].binding.role_name})",
            evidence=_grant_evidence(reading) + [pod_evidence(p) for p in account.pods[:3]],
            key=account.node_id,
        )


# --------------------------------------------------------------------------------------------
# Escalation rights
# --------------------------------------------------------------------------------------------

_ESCALATION_METHODS = {
    "escalate-bind": "5.1.8",
    "impersonate": "5.1.8",
    "rbac-write": "5.1.8",
    "token-request": "5.1.13",
    "node-proxy": "5.1.10",
    "csr-approval": "5.1.11",
    "webhook-config": "5.1.12",
}


@check(
    id="k8s-rbac-escalation-rights",
    title="Service account can escalate: escalate, bind, impersonate, write RBAC, mint tokens",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=_RBAC,
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-kubernetes": ["5.1.8", "5.1.10", "5.1.11", "5.1.12", "5.1.13"],
    },
    remediation=(
        "Remove `escalate`, `bind` and `impersonate`, and writes to Roles, RoleBindings, "
        "webhook configurations and CSR approvals from workload accounts; an operator that "
        "must create RoleBindings should bind only a fixed role (`resourceNames`) in its own "
        "namespaces."
    ),
)
def rbac_escalation_rights(ctx: CheckContext) -> Iterator[Finding]:
    """A service account allowed one of the ways RBAC lets an identity exceed its own
    rights: `escalate` or `bind` on roles, `impersonate` users, groups or service accounts,
    creating or updating Roles and RoleBindings (an operator that can write RoleBindings can
    hand its rights, and the rights of any role it may bind, to any account), creating
    service account tokens, the kubelet API through `nodes/proxy`, approving certificate
    signing requests, or registering mutating webhooks.

    Critical for `escalate`, `bind` and `impersonate`, which bypass RBAC's escalation
    prevention; high for the others.

    Before: a ClusterRole with `rolebindings: [create]` for an operator.
    After: the operator's RoleBindings created by the installer, or restricted to one role.
    """
    view = k8s_view(ctx.index)
    for account in view.sorted_accounts():
        if _cluster_admin_workload(view, account):
            continue
        risks = [e for e in view.escalations(account) if e.method in _ESCALATION_METHODS]
        if not risks:
            continue
        target = _account_resource(view, account)
        if target is None:
            continue
        methods = [e.method for e in risks]
        critical = {"escalate-bind", "impersonate"} & set(methods)
        yield ctx.finding(
            target,
            f"{account.username} can escalate its privileges: {', '.join(methods)}",
            evidence=[
                {
                    "kind": "escalation",
                    "method": e.method,
                    "answer": e.answer.value,
                    "namespaces": list(e.namespaces),
                    "why": e.why,
                    "rules": [g.as_json() for g in e.grants[:3]],
                }
                for e in risks
            ],
            severity=Severity.CRITICAL if critical else None,
            confidence=None if any(e.answer is Tristate.YES for e in risks) else Confidence.MEDIUM,
            key=account.node_id,
        )


_METHOD_WORDS = {"create-pods": "create pods", "exec": "exec into pods"}


@check(
    id="k8s-pod-create-exec-rights",
    title="Service account can create pods or exec into them where more privileged accounts run",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_RBAC, *_WORKLOADS),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03", "ASI05"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-kubernetes": ["5.1.4"],
    },
    remediation=(
        "Do not give workload accounts `create` on pods, controllers or `pods/exec`; where an "
        "operator must create pods, keep more privileged accounts out of the namespaces it "
        "manages."
    ),
)
def pod_create_exec_rights(ctx: CheckContext) -> Iterator[Finding]:
    """A service account allowed to create pods (directly, or through Deployments and Jobs)
    or to exec into pods, in a namespace where another service account of the inputs holds
    more rights. A pod it creates may name any service account of the namespace and so run
    with its rights; exec hands over the token and cloud credentials of a running pod.

    The finding names the accounts it could become.

    Before: `pods/exec: [create]` cluster-wide for a support agent.
    After: no exec; logs through `pods/log: [get]` in its own namespace.
    """
    view = k8s_view(ctx.index)
    for account in view.sorted_accounts():
        if _cluster_admin_workload(view, account):
            continue
        risks = [
            e
            for e in view.escalations(account)
            if e.method in ("create-pods", "exec") and e.targets
        ]
        if not risks:
            continue
        target = _account_resource(view, account)
        if target is None:
            continue
        targets = sorted({t for e in risks for t in e.targets})
        where = sorted({n for e in risks for n in e.namespaces})
        yield ctx.finding(
            target,
            f"{account.username} can "
            f"{' and '.join(_METHOD_WORDS.get(e.method, e.method) for e in risks)} in "
            f"{', '.join('every namespace' if n == '*' else n for n in where)}, becoming "
            f"{', '.join(targets[:4])}"
            + (f" and {len(targets) - 4} more" if len(targets) > 4 else ""),
            evidence=[
                {
                    "kind": "escalation",
                    "method": e.method,
                    "namespaces": list(e.namespaces),
                    "targets": list(e.targets[:20]),
                    "rules": [g.as_json() for g in e.grants[:3]],
                }
                for e in risks
            ],
            key=account.node_id,
        )


# --------------------------------------------------------------------------------------------
# GPU workloads with host access
# --------------------------------------------------------------------------------------------


@check(
    id="k8s-gpu-workload-host-access",
    title="GPU workload is privileged or uses the host's namespaces or filesystem",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "RayCluster", "InferenceService", "Notebook", "PyTorchJob"),
    frameworks={
        "nist-csf-2.0": ["PR.PS-01", "PR.IR-01"],
        "owasp-nhi-2025": ["NHI6"],
        "owasp-agentic-top10-2026": ["ASI05"],
        "owasp-llm-top10-2025": ["LLM03"],
        "mitre-atlas": ["AML.T0105"],
    },
    remediation=(
        "Request GPUs through the device plugin (`nvidia.com/gpu` limits) without "
        "`privileged`, host namespaces or hostPath; the NVIDIA container toolkit gives the "
        "container its devices. Keep privileged device plugins in their own namespace."
    ),
)
def gpu_workload_host_access(ctx: CheckContext) -> Iterator[Finding]:
    """A pod that requests accelerators (`nvidia.com/gpu`, `amd.com/gpu`,
    `aws.amazon.com/neuron`...) and runs privileged, adds powerful capabilities, shares the
    host's network, PID or IPC namespace, or mounts a hostPath.

    Training jobs, notebooks and model servers run third-party code and models (pickles,
    custom kernels); on a privileged GPU pod that code is root on a node shared with other
    tenants' workloads and credentials.

    Before: `securityContext.privileged: true` next to `nvidia.com/gpu: 1`.
    After: the GPU limit alone.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        gpus = pod.gpus
        host = pod.host_access
        if not gpus or not host:
            continue
        yield ctx.finding(
            pod.workload,
            f"{pod.part} of {pod.workload.address} requests GPUs and has host access: "
            + "; ".join(host[:3]),
            evidence=[
                pod_evidence(pod),
                {"kind": "gpu", "requests": gpus},
                {"kind": "host-access", "found": host},
            ],
            key=pod.part,
        )


# --------------------------------------------------------------------------------------------
# Exposed AI workloads without authentication
# --------------------------------------------------------------------------------------------

_AI_KINDS = {"Notebook", "InferenceService", "RayCluster", "RayService", "RayJob"}
_AI_IMAGES = re.compile(
    r"vllm|text-generation-inference|tgi|tritonserver|triton|ollama|jupyter|notebook|"
    r"ray-ml|rayproject/ray|sglang|llama\.cpp|llama-cpp|localai|open-webui|comfyui|mlflow|"
    r"kserve|torchserve|tensorflow/serving|lmdeploy",
    re.IGNORECASE,
)
_AUTH_PROXIES = re.compile(r"oauth2-proxy|kube-rbac-proxy|pomerium|authelia|keycloak-gatekeeper")
_AUTH_ANNOTATIONS = (
    "nginx.ingress.kubernetes.io/auth-url",
    "nginx.ingress.kubernetes.io/auth-type",
    "alb.ingress.kubernetes.io/auth-type",  # cognito or oidc; "none" does not count
    "traefik.ingress.kubernetes.io/router.middlewares",
    "konghq.com/plugins",
)


def ai_workload_reason(pod: PodSpec) -> str | None:
    """Why a pod is an AI workload (kind or image), or None."""
    if pod.workload.type in _AI_KINDS:
        return f"kind {pod.workload.type}"
    for image in pod.images:
        if _AI_IMAGES.search(image):
            return f"image {image}"
    return None


def _pod_authentication(pod: PodSpec) -> str | None:
    """Authentication in the pod itself (a proxy sidecar, the server's API key)."""
    for image in pod.images:
        if _AUTH_PROXIES.search(image):
            return f"authenticating proxy sidecar ({image})"
    for container in pod.containers:
        arguments = " ".join(
            str(a) for a in [*as_list(container.get("command")), *as_list(container.get("args"))]
        )
        if re.search(r"--api-key(?:=|\s)(?!''|\"\")\S", arguments):
            return "the server requires an API key (--api-key)"
        for env in as_list(container.get("env")):
            if as_dict(env).get("name") in ("VLLM_API_KEY", "API_KEY", "OPENAI_API_KEY_REQUIRED"):
                return f"the server reads an API key ({as_dict(env).get('name')})"
    return None


def _route_authentication(view: KubernetesView, via: tuple[str, ...]) -> str | None:
    """Authentication on the way in (an ingress annotation), if the inputs show one."""
    for address in via:
        found = view.by_address.get(address)
        if found is not None:
            notes = annotations_of(found)
            for key in _AUTH_ANNOTATIONS:
                if key in notes and notes[key].strip().lower() not in ("none", "", "false"):
                    return f"{address} authenticates ({key})"
    return None


@check(
    id="k8s-ai-workload-exposed-unauthenticated",
    title="Inference server or notebook exposed without authentication in front",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    inspects=(*_WORKLOADS, "Service", "Ingress", "HTTPRoute", "Notebook", "InferenceService"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-03", "PR.IR-01"],
        "owasp-nhi-2025": ["NHI4"],
        "owasp-agentic-top10-2026": ["ASI02"],
        "owasp-llm-top10-2025": ["LLM10"],
        "mitre-atlas": ["AML.T0040", "AML.T0049", "AML.T0034"],
    },
    remediation=(
        "Put an authenticating proxy in front (oauth2-proxy, an ingress with auth-url, an "
        "API gateway), start the server with an API key (vLLM `--api-key`), or keep the "
        "Service ClusterIP and reach it through the agent that owns it."
    ),
)
def ai_workload_exposed_unauthenticated(ctx: CheckContext) -> Iterator[Finding]:
    """A model server (vLLM, TGI, Triton, Ollama, KServe, Ray Serve), notebook (Jupyter,
    Kubeflow) or ML tool reachable from the internet through a LoadBalancer Service or an
    Ingress / Gateway route, with nothing in the inputs that authenticates requests: no
    authenticating sidecar or ingress annotation, no API key in the server's arguments.

    An open LLM endpoint serves anyone's prompts on your GPUs (cost harvesting, model
    extraction, prompt injection into downstream agents); an open notebook is remote code
    execution with the notebook's service account and cloud identity. Medium confidence:
    authentication may live outside the inputs (a WAF, a cloud load balancer listener rule).

    Before: `type: LoadBalancer` selecting vLLM started without `--api-key`.
    After: ClusterIP, and an Ingress with `nginx.ingress.kubernetes.io/auth-url`.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        why = ai_workload_reason(pod)
        if why is None:
            continue
        if _pod_authentication(pod):
            continue
        # every way in from the internet must authenticate: one open door is enough
        exposed = [
            e
            for e in view.exposed(pod)
            if e.scope == "internet" and not _route_authentication(view, e.via)
        ]
        if not exposed:
            continue
        yield ctx.finding(
            pod.workload,
            f"{pod.workload.address} ({why}) is reachable from the internet ({exposed[0].why}) "
            "and nothing in front of it authenticates requests",
            evidence=[
                pod_evidence(pod),
                {"kind": "ai-workload", "why": why, "images": pod.images},
                *[
                    {"kind": "exposure", "scope": e.scope, "via": list(e.via), "why": e.why}
                    for e in exposed
                ],
            ],
            key=pod.part,
        )


def workload_body(pod: PodSpec) -> dict[str, Any]:
    """The workload object (for plugins)."""
    return body(pod.workload)


@check(
    id="k8s-binding-to-missing-role",
    title="RoleBinding or ClusterRoleBinding references a role that exists nowhere",
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    inspects=("RoleBinding", "ClusterRoleBinding"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.PS-01"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
    },
    remediation=(
        "Fix the roleRef (a typo, or a Role in another namespace), or delete the binding: "
        "whoever later creates a role of that name decides what its subjects may do."
    ),
)
def binding_to_missing_role(ctx: CheckContext) -> Iterator[Finding]:
    """A binding whose `roleRef` names a Role or ClusterRole that is neither in the inputs nor
    one of the default roles every cluster has. It grants nothing today, and iacguard cannot
    say what its subjects will be able to do: the role may exist in the cluster outside the
    inputs, or may be created later by anyone allowed to create roles, with any rules (a
    dormant grant). Medium confidence: answers are relative to the inputs.

    Before: `roleRef: {kind: ClusterRole, name: ml-reader}` with no such ClusterRole.
    After: the ClusterRole in the same manifests, or the binding removed.
    """
    view = k8s_view(ctx.index)
    for binding, _ in view.rbac.missing:
        if binding.address is None:
            continue
        resource = view.by_address.get(binding.address)
        if resource is not None:
            yield ctx.finding(
                resource,
                f"{binding.node_id} references {binding.role_kind} {binding.role_name}, which "
                "is neither in the inputs nor a cluster default; it binds "
                + ", ".join(s.text for s in binding.subjects[:4]),
                evidence=[
                    {
                        "kind": "binding",
                        "binding": binding.address,
                        "role_ref": f"{binding.role_kind} {binding.role_name}",
                        "subjects": [s.text for s in binding.subjects],
                    }
                ],
                key=binding.node_id,
            )


#: Subjects that are everyone: every request, every authenticated identity, every service
#: account of the cluster.
_EVERYONE = {
    ("Group", "system:unauthenticated"): "every unauthenticated request",
    ("User", "system:anonymous"): "anonymous requests",
    ("Group", "system:authenticated"): "every authenticated identity",
    ("Group", "system:serviceaccounts"): "every service account of the cluster",
}


@check(
    id="k8s-rbac-grant-to-everyone",
    title="Binding grants rights to anonymous users, all authenticated users or all service "
    "accounts",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.AA-03"],
        "owasp-nhi-2025": ["NHI5", "NHI9"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "cis-kubernetes": ["5.1.1", "5.1.7"],
    },
    remediation=(
        "Bind roles to the service accounts and groups that need them; never to "
        "system:anonymous, system:unauthenticated, system:authenticated or "
        "system:serviceaccounts beyond the discovery roles the cluster grants itself."
    ),
)
def rbac_grant_to_everyone(ctx: CheckContext) -> Iterator[Finding]:
    """A RoleBinding or ClusterRoleBinding of the inputs whose subjects include
    `system:anonymous`, `system:unauthenticated`, `system:authenticated` or
    `system:serviceaccounts`, binding a role with any rule.

    Anonymous and unauthenticated grants are open to anyone who reaches the API server;
    `system:authenticated` includes every service account token, node and cloud identity
    mapped into the cluster (on EKS and GKE, any authenticated cloud principal the cluster
    accepts). Critical when the role holds `*` on `*`, secrets or writes.

    Before: a ClusterRoleBinding of `view` to `system:authenticated`.
    After: the binding to the group of people who need it.
    """
    view = k8s_view(ctx.index)
    for binding in view.rbac.bindings:
        if binding.address is None:
            continue
        everyone = [
            _EVERYONE[(s.kind, s.name)] for s in binding.subjects if (s.kind, s.name) in _EVERYONE
        ]
        role = view.rbac.role(binding) if everyone else None
        if role is None or not role.rules:
            continue
        powerful = [
            r
            for r in role.rules
            if "*" in r.verbs
            or "*" in r.resources
            or "secrets" in r.resources
            or {"create", "update", "patch", "delete"} & set(r.verbs)
        ]
        where = binding.namespace or "the whole cluster"
        resource = view.by_address.get(binding.address)
        if resource is not None:
            yield ctx.finding(
                resource,
                f"{binding.node_id} gives {binding.role_kind} {binding.role_name} to "
                f"{', '.join(everyone)} in {where}",
                evidence=[
                    {
                        "kind": "binding",
                        "binding": binding.address,
                        "subjects": [s.text for s in binding.subjects],
                        "role": role.node_id,
                        "rules": [r.as_json() for r in role.rules[:10]],
                    }
                ],
                severity=Severity.CRITICAL if powerful else None,
                key=binding.node_id,
            )
