"""Checks on the identity graph across layers: what an exposed workload or an agent reaches
through the identities it runs as, and identities whose place in the graph is the risk (one
role for CI and for workloads, pods falling back to the node's role)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iacguard.checks.kubernetes import ai_workload_reason

from iacguard.aws.view import aws_view
from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.gcp.capabilities import held_classes
from iacguard.gcp.evaluate import gcp_view
from iacguard.graph import Edge, IdentityGraph, Node, Path, build_graph, reach
from iacguard.k8s.identities import k8s_view
from iacguard.model.classification import ResourceClass
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate

_WORKLOADS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Pod",
    "Job",
    "CronJob",
    "Notebook",
    "InferenceService",
    "RayCluster",
    "RayService",
)
_EXPOSURE = ("Service", "Ingress", "HTTPRoute", "GRPCRoute")
_AI_DATA = {
    "training-data",
    "model-artifacts",
    "model-registry",
    "feature-store",
    "vector-store",
    "prompt-config",
}
#: Edges along which an identity becomes another (no grants).
_IDENTITY_EDGES = {
    "runs-as",
    "federates-to",
    "runs-on",
    "inherits-node-role",
    "can-assume",
    "can-escalate",
}


def _resource(ctx: CheckContext, node: Node) -> Resource | None:
    """The resource of the inputs a graph node stands for."""
    found: dict[str, Resource] = ctx.index.memo(
        "graph-resources",
        lambda: {
            **{r.address: r for r in ctx.index.resources},
            **k8s_view(ctx.index).by_address,
        },
    )
    return found.get(node.address or node.id)


def _and(*answers: Tristate) -> Tristate:
    if Tristate.NO in answers:
        return Tristate.NO
    return Tristate.MAYBE if Tristate.MAYBE in answers else Tristate.YES


def _lower(severity: Severity) -> Severity:
    order = list(Severity)
    return order[min(order.index(severity) + 1, len(order) - 1)]


def _path_severity(path: Path, internet: bool) -> Severity:
    """By what the path reaches and how; one level lower when a hop is a Maybe."""
    jewel, access = path.target.jewel, path.access
    if jewel in ("iam-control", "cluster-admin"):
        severity = Severity.CRITICAL
    elif access == "write-data" and jewel in {*_AI_DATA, "terraform-state"}:
        severity = Severity.CRITICAL if internet else Severity.HIGH
    elif access in ("read-secrets", "decrypt", "write-data") or jewel in (
        "terraform-state",
        "secrets",
    ):
        severity = Severity.HIGH if internet else Severity.MEDIUM
    else:
        severity = Severity.MEDIUM if internet else Severity.LOW
    return severity if path.decision is Tristate.YES else _lower(severity)


def _path_evidence(path: Path) -> dict[str, Any]:
    """A path, compactly: its hops in one line, and what the last hop grants
    (``iacguard paths --from ID --to ID`` shows every edge's evidence)."""
    last = path.edges[-1]
    grant = last.evidence[0] if last.evidence else {}
    return {
        "kind": "path",
        "path": path.text(),
        "decision": path.decision.value,
        "actions": grant.get("actions", [])[:5],
        "resources": grant.get("resources", [])[:3],
        "policies": grant.get("policies", [])[:3],
    }


def _worst(paths: list[Path], internet: bool) -> tuple[Severity, Path]:
    ranked = sorted(paths, key=lambda p: (_path_severity(p, internet).rank, p.rank()))
    return _path_severity(ranked[0], internet), ranked[0]


# --------------------------------------------------------------------------------------------
# Exposed workloads reaching crown jewels
# --------------------------------------------------------------------------------------------


@check(
    id="exposed-workload-reaches-crown-jewel",
    title="An exposed workload reaches data, secrets or control through its identities",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_EXPOSURE, *_WORKLOADS, "aws_sagemaker_notebook_instance", "aws_iam_role"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06", "LLM04"],
        "mitre-atlas": ["AML.T0049", "AML.T0012"],
    },
    remediation=(
        "Cut the path at its weakest hop: put the workload behind authentication or an "
        "internal load balancer, give it a service account of its own, and scope the role it "
        "becomes to the objects it needs (read the model artifacts; write nothing it trains "
        "on)."
    ),
)
def exposed_workload_reaches_crown_jewel(ctx: CheckContext) -> Iterator[Finding]:
    """A Service of type LoadBalancer or NodePort, an Ingress or Gateway route, a hostPort,
    or a SageMaker notebook with direct internet access leads, through the workload it
    exposes, the service account the pods run as, the AWS role that account becomes (EKS IRSA
    or Pod Identity, or the node's role) and the roles that one can assume, to a crown jewel:
    training data, model artifacts, feature and vector stores, secrets, keys, Terraform state,
    the IAM control plane or cluster admin.

    One finding per entry point, with the most serious path in the message and up to three
    paths in the evidence (the hops, and the actions and statements of the last one). Critical for
    control of the account or the cluster, or writing AI data or Terraform state from the
    internet; high for secrets, keys and other writes (medium from the private network only:
    an internal load balancer, a NodePort); medium for reads (low from the network). A path
    with a Maybe hop is one level lower.

    Before: the internet-facing vLLM Service, its pods' IRSA role allowed `s3:PutObject` on
    `acme-training-data/feedback/*`.
    After: the feedback goes to a queue a separate, internal job drains into the bucket.
    """
    graph = build_graph(ctx.index)
    for entry in graph.entries():
        reason = entry.entry or ""
        if not reason.startswith(("internet:", "network:", "notebook with direct internet")):
            continue
        paths = list(reach(graph, entry.id).values())
        resource = _resource(ctx, entry)
        if not paths or resource is None:
            continue
        internet = not reason.startswith("network:")
        severity, worst = _worst(paths, internet)
        count = len(paths)
        ranked = sorted(paths, key=lambda p: (_path_severity(p, internet).rank, p.rank()))
        yield ctx.finding(
            resource,
            f"{entry.id} ({reason}) reaches {count} crown jewel{'' if count == 1 else 's'}; "
            f"worst: {worst.text()}",
            evidence=[_path_evidence(p) for p in ranked[:3]],
            severity=severity,
            key=entry.id,
        )


# --------------------------------------------------------------------------------------------
# Inference and agent workloads writing AI data
# --------------------------------------------------------------------------------------------


def _ai_runtime(ctx: CheckContext, graph: IdentityGraph, node: Node) -> str | None:
    """Why a workload serves models or runs an agent, or None."""
    if node.entry and node.entry.startswith("agent"):
        return "an agent"
    resource = _resource(ctx, node)
    if resource is None:
        return None
    found = ctx.classification(resource)
    if found is not None and found.resource_class in (
        ResourceClass.INFERENCE_ENDPOINT,
        ResourceClass.AGENT,
    ):
        return f"{found.resource_class.value} ({found.reason})"
    if resource.type in ("aws_sagemaker_model", "aws_bedrockagent_agent"):
        return resource.type
    for pod in k8s_view(ctx.index).pods:
        if pod.workload is resource:
            why = ai_workload_reason(pod)
            if why is not None and "jupyter" not in why and "notebook" not in why.lower():
                return f"a model server ({why})"
    return None


def _workloads(graph: IdentityGraph) -> list[Node]:
    """Nodes that run as an identity."""
    return [
        graph.nodes[source]
        for source, edges in sorted(graph.edges.items())
        if source in graph.nodes and any(e.kind == "runs-as" for e in edges)
    ]


@check(
    id="ai-workload-writes-ai-data",
    title="An inference or agent workload can write training data or model artifacts",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "aws_sagemaker_model", "aws_bedrockagent_agent", "aws_iam_role"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-llm-top10-2025": ["LLM04"],
        "owasp-agentic-top10-2026": ["ASI06"],
        "mitre-atlas": ["AML.T0018"],
    },
    remediation=(
        "Serve models and run agents with read-only access to what they load; write feedback "
        "and logs to a separate bucket or queue that training reads only after review."
    ),
)
def ai_workload_writes_ai_data(ctx: CheckContext) -> Iterator[Finding]:
    """A model server (vLLM, TGI, Triton, KServe, Ray Serve..., a SageMaker model) or an agent
    (a Bedrock agent, a workload named or labelled as one) can write, delete or overwrite
    training data, model artifacts, a model registry, a feature or vector store or prompt
    configuration, through any chain of the identities it runs as.

    The workload handles untrusted input (prompts, documents, tool output); a write path into
    what models are trained on or loaded from turns a prompt injection or a server exploit
    into data poisoning or a backdoored model.

    Before: the vLLM pods' IRSA role may `s3:PutObject` on the training-data bucket.
    After: read-only access to the model artifacts.
    """
    graph = build_graph(ctx.index)
    for node in _workloads(graph):
        why = _ai_runtime(ctx, graph, node)
        resource = _resource(ctx, node)
        if why is None or resource is None:
            continue
        writes = sorted(
            (
                p
                for p in reach(graph, node.id).values()
                if p.access == "write-data" and p.target.jewel in _AI_DATA
            ),
            key=Path.rank,
        )
        if not writes:
            continue
        certain = any(p.decision is Tristate.YES for p in writes)
        names = ", ".join(p.target.id for p in writes[:3])
        yield ctx.finding(
            resource,
            f"{node.id}, {why}, can write {names}: {writes[0].text()}",
            evidence=[_path_evidence(p) for p in writes[:3]],
            severity=Severity.HIGH if certain else Severity.MEDIUM,
            key=node.id,
        )


# --------------------------------------------------------------------------------------------
# One identity for CI and for runtime
# --------------------------------------------------------------------------------------------


@check(
    id="identity-shared-by-ci-and-workloads",
    title="One cloud identity is used by CI pipelines and by running workloads",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role",),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.AA-01"],
        "owasp-nhi-2025": ["NHI9", "NHI8"],
        "owasp-agentic-top10-2026": ["ASI03"],
    },
    remediation=(
        "Give the pipeline and the workload a role each: the deploy role trusts only the "
        "pipeline's OIDC subject, the runtime role only the service account or service."
    ),
)
def identity_shared_by_ci_and_workloads(ctx: CheckContext) -> Iterator[Finding]:
    """A role trusted both by a CI OIDC subject (GitHub Actions, GitLab CI, Terraform Cloud)
    and by a Kubernetes service account (EKS IRSA or Pod Identity) or run by an AWS workload
    (notebook, model, agent, function).

    Build identities hold deployment rights; runtime identities run code that handles
    untrusted input. Sharing one means a compromised pod deploys, and a compromised pipeline
    reads production data as the workload does.

    Before: `deploy` trusts `repo:acme/ml:ref:refs/heads/main` and
    `system:serviceaccount:ml:trainer`.
    After: two roles, each trusting one of them.
    """
    graph = build_graph(ctx.index)
    incoming: dict[str, list[Edge]] = {}
    for edges in graph.edges.values():
        for edge in edges:
            if edge.kind in ("federates-to", "runs-as"):
                incoming.setdefault(edge.target, []).append(edge)
    for target in sorted(incoming):
        node = graph.nodes.get(target)
        if node is None or not node.kind.startswith("aws_iam_"):
            continue
        ci = [e for e in incoming[target] if graph.nodes[e.source].kind == "ci-subject"]
        runtime = [e for e in incoming[target] if graph.nodes[e.source].kind != "ci-subject"]
        resource = _resource(ctx, node)
        if not ci or not runtime or resource is None:
            continue
        certain = any(e.answer is Tristate.YES for e in ci) and any(
            e.answer is Tristate.YES for e in runtime
        )
        yield ctx.finding(
            resource,
            f"{node.id} is assumed by CI ({', '.join(e.source for e in ci[:2])}) and by "
            f"workloads ({', '.join(e.source for e in runtime[:3])})",
            evidence=[
                {"kind": "edge", "from": e.source, "to": e.target, "edge": e.kind, "why": e.why}
                for e in [*ci[:3], *runtime[:3]]
            ],
            severity=Severity.HIGH if certain else Severity.MEDIUM,
        )


# --------------------------------------------------------------------------------------------
# Pods falling back to the node's identity
# --------------------------------------------------------------------------------------------


@check(
    id="k8s-workload-node-identity",
    title="Pods without a cloud identity of their own use the node's role",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    inspects=(*_WORKLOADS, "aws_eks_node_group", "aws_launch_template"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5", "NHI9"],
        "owasp-agentic-top10-2026": ["ASI03"],
    },
    remediation=(
        "Require IMDSv2 with a hop limit of 1 on the node groups' launch template "
        "(metadata_options: http_tokens = required, http_put_response_hop_limit = 1), and "
        "give each workload that needs AWS its own role through IRSA or EKS Pod Identity."
    ),
)
def workload_node_identity(ctx: CheckContext) -> Iterator[Finding]:
    """Pods whose service account has no IRSA or Pod Identity role reach the instance
    metadata service of their node and get the node group's role, unless the launch template
    requires IMDSv2 with a hop limit of 1 (EKS managed node groups without a launch template
    allow 2 hops).

    Every pod on the node shares those credentials: the ECR pull, CNI and EC2 describe rights
    of a worker node, and whatever else the node role was given. High when the node role
    reaches a crown jewel.

    Before: a node group without a launch template.
    After: `aws_launch_template` with `http_tokens = "required"` and
    `http_put_response_hop_limit = 1`.
    """
    graph = build_graph(ctx.index)
    view = k8s_view(ctx.index)
    for account in view.sorted_accounts():
        if not account.pods:
            continue
        edges = [
            Edge(
                pool.source,
                role.target,
                "inherits-node-role",
                _and(pool.answer, role.answer),
                f"{pool.why}; {role.why}",
            )
            for pool in graph.out(account.node_id)
            if pool.kind == "runs-on"
            for role in graph.out(pool.target)
            if role.kind == "inherits-node-role"
        ]
        if not edges:
            continue
        resource = account.pods[0].workload
        jewels: dict[str, Path] = {}
        for edge in edges:
            for path in reach(graph, edge.target).values():
                jewels.setdefault(path.target.id, path)
        reached = sorted(jewels.values(), key=Path.rank)
        certain = any(e.answer is Tristate.YES for e in edges)
        severity = Severity.HIGH if reached and certain else Severity.MEDIUM
        if not certain:
            severity = _lower(severity)
        roles = ", ".join(e.target for e in edges[:3])
        workloads = len({p.workload.address for p in account.pods})
        reaches = (
            f"; it reaches {len(reached)} crown jewel{'' if len(reached) == 1 else 's'}"
            if reached
            else ""
        )
        yield ctx.finding(
            resource,
            f"{workloads} workload{'' if workloads == 1 else 's'} running as "
            f"{account.username} {'has' if workloads == 1 else 'have'} no cloud identity of "
            f"its own and {'gets' if workloads == 1 else 'get'} the node role {roles} through "
            f"the instance metadata service{reaches}",
            evidence=[
                {"kind": "edge", "from": e.source, "to": e.target, "edge": e.kind, "why": e.why}
                for e in edges[:3]
            ]
            + [_path_evidence(p) for p in reached[:3]],
            severity=severity,
            key=account.node_id,
        )


# --------------------------------------------------------------------------------------------
# Agents that can change infrastructure
# --------------------------------------------------------------------------------------------


def _identities_of(graph: IdentityGraph, start: str) -> list[tuple[str, list[Edge]]]:
    """Every identity reachable from a workload along identity edges, with the way."""
    found: list[tuple[str, list[Edge]]] = []
    seen = {start}
    frontier: list[tuple[str, list[Edge]]] = [(start, [])]
    while frontier:
        current, way = frontier.pop(0)
        for edge in graph.out(current):
            if edge.kind not in _IDENTITY_EDGES or edge.target in seen:
                continue
            seen.add(edge.target)
            found.append((edge.target, [*way, edge]))
            frontier.append((edge.target, [*way, edge]))
    return found


@check(
    id="agent-identity-changes-infrastructure",
    title="An agent's identities can change infrastructure or permissions",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "ServiceAccount", "aws_iam_role"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.PS-01"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03", "ASI02"],
        "owasp-llm-top10-2025": ["LLM06"],
        "mitre-atlas": ["AML.T0053"],
    },
    remediation=(
        "Give agents tools, not infrastructure rights: a role and service account that read "
        "what the tools need, with changes going through a reviewed pipeline."
    ),
)
def agent_identity_changes_infrastructure(ctx: CheckContext) -> Iterator[Finding]:
    """A Kubernetes workload that runs an agent (named or labelled as one, or classified an
    agent) whose identities (its service account, the AWS role or Google service account that
    account becomes, roles and accounts it can assume, impersonate or escalate to, accounts it
    can exec into) can change infrastructure or permissions: Kubernetes `patch`/`update` on
    workloads, RBAC `escalate`/`bind`; AWS modify-infrastructure or permissions-management
    actions; Google roles holding them (`roles/owner`, `roles/editor`, IAM admin roles).

    Agents follow instructions found in prompts and tool output; an identity that can change
    the platform turns a prompt injection into an outage or a takeover. Critical when it can
    change IAM or RBAC.

    Before: the agent's service account may `patch deployments` cluster-wide.
    After: a Role that reads the objects its tools report on.
    """
    graph = build_graph(ctx.index)
    aws = aws_view(ctx.index)
    view = k8s_view(ctx.index)
    accounts = {a.node_id: a for a in view.accounts.values()}
    roles = {i.node_id: i for i in aws.identities}
    gcp = gcp_view(ctx.index)
    google = {a.node_id: a for a in gcp.accounts}
    for node in _workloads(graph):
        if not (node.entry or "").startswith("agent") or not node.id.startswith("k8s:"):
            continue
        resource = _resource(ctx, node)
        if resource is None:
            continue
        powers: list[tuple[Severity, str, list[Edge]]] = []
        for identity, way in _identities_of(graph, node.id):
            maybe = any(e.answer is not Tristate.YES for e in way)
            if identity in accounts:
                for kclass in view.classes(accounts[identity]):
                    if kclass.name in ("modify-infrastructure", "permissions-management"):
                        severity = (
                            Severity.CRITICAL
                            if kclass.name == "permissions-management"
                            else Severity.HIGH
                        )
                        powers.append(
                            (
                                _lower(severity) if maybe else severity,
                                f"{identity}: {kclass.name} ({', '.join(kclass.probes[:3])})",
                                way,
                            )
                        )
            elif identity in google:
                held = held_classes(gcp, google[identity])
                for name in ("permissions-management", "modify-infrastructure"):
                    if name not in held:
                        continue
                    answer, routes = held[name]
                    severity = (
                        Severity.CRITICAL if name == "permissions-management" else Severity.HIGH
                    )
                    if maybe or answer is not Tristate.YES:
                        severity = _lower(severity)
                    powers.append((severity, f"{identity}: {name} ({routes[0]})", way))
            elif identity in roles:
                summary = aws.summary(roles[identity])
                for name in ("permissions-management", "modify-infrastructure"):
                    grant = summary.grant(name)
                    if grant is None:
                        continue
                    iam = any(a.startswith("iam:") for a in grant.actions)
                    severity = (
                        Severity.CRITICAL
                        if name == "permissions-management" and iam
                        else Severity.HIGH
                    )
                    if maybe or grant.conditional:
                        severity = _lower(severity)
                    powers.append(
                        (
                            severity,
                            f"{identity}: {name} ({len(grant.actions)} actions)",
                            way,
                        )
                    )
        if not powers:
            continue
        powers.sort(key=lambda p: (p[0].rank, len(p[2]), p[1]))
        yield ctx.finding(
            resource,
            f"agent {node.id} can change infrastructure or permissions through "
            + "; ".join(p[1] for p in powers[:3]),
            evidence=[
                {
                    "kind": "identity-chain",
                    "power": text,
                    "hops": [node.id, *(e.target for e in way)],
                    "edges": [e.kind for e in way],
                }
                for _, text, way in powers[:5]
            ],
            severity=powers[0][0],
            key=node.id,
        )
