"""Build the identity graph of a scan across AWS and Kubernetes.

Layers, joined by the edges that cross them:

- exposure: Ingresses and Gateway routes → Services → workloads (``routes-to``, ``exposes``);
- workloads → the identity they run as (``runs-as``): a pod's service account, a SageMaker
  notebook's or model's execution role, a Bedrock agent's role, a Lambda function's role;
- service accounts → AWS roles (``federates-to``: EKS IRSA and Pod Identity, see
  :mod:`iacguard.k8s.federation`), or → the node role (``inherits-node-role``) when the pods
  have no cloud identity of their own and the instance metadata service is reachable;
- CI subjects (GitHub Actions, GitLab CI, Terraform Cloud) and external principals → the roles
  whose trust policies admit them;
- identity → identity: ``sts:AssumeRole`` (``can-assume``), pass-role and Kubernetes
  create-pods / exec / impersonate escalations (``can-escalate``);
- identity → crown jewel (``grants``): data stores and model artifacts (read or write),
  secrets, keys, the IAM control plane (permissions management or administrator), cluster
  admin and the Secrets of a namespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from typing import Any

from iacguard.aws.capabilities import CapabilityGrant
from iacguard.aws.evaluate import resource_matches
from iacguard.aws.identities import AwsIdentity
from iacguard.aws.policy import PolicyDocument
from iacguard.aws.resource_policies import policies_of
from iacguard.aws.stores import (
    SECRET_SERVICES,
    STORE_SERVICES,
    data_actions,
    plan_region,
    secret_arn,
    store_arns,
)
from iacguard.aws.view import AwsView, aws_view
from iacguard.engine.context import ScanIndex
from iacguard.graph.azure import AzureLayer
from iacguard.graph.ci import ci_scope
from iacguard.graph.gcp import GcpLayer
from iacguard.graph.model import Edge, IdentityGraph, Node
from iacguard.k8s.federation import federations
from iacguard.k8s.identities import KubernetesView, ServiceAccount, k8s_view
from iacguard.k8s.objects import as_dict, as_list, namespace, object_name
from iacguard.model.classification import ResourceClass
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Tristate, Unknown

#: Resource classes that make a resource a crown jewel.
JEWEL_CLASSES = {
    ResourceClass.TRAINING_DATA,
    ResourceClass.MODEL_ARTIFACTS,
    ResourceClass.MODEL_REGISTRY,
    ResourceClass.FEATURE_STORE,
    ResourceClass.VECTOR_STORE,
    ResourceClass.PROMPT_CONFIG,
    ResourceClass.TERRAFORM_STATE,
    ResourceClass.SECRETS,
    ResourceClass.ENCRYPTION_KEY,
}
#: Capability classes that reach jewels, with the IAM services of the jewels they reach.
_ACCESS_SERVICES = {
    "write-data": tuple(sorted(set(STORE_SERVICES.values()))),
    "read-data": tuple(sorted(set(STORE_SERVICES.values()))),
    "read-secrets": ("secretsmanager", "ssm"),
    "decrypt": ("kms",),
}
#: The strongest access is the one an edge shows.
_ACCESS_ORDER = ("write-data", "read-secrets", "decrypt", "read-data")
#: AWS resources that run as a role: type → attribute naming the role, and what runs.
_AWS_RUNS_AS = {
    "aws_sagemaker_notebook_instance": "role_arn",
    "aws_sagemaker_model": "execution_role_arn",
    "aws_sagemaker_pipeline": "role_arn",
    "aws_bedrockagent_agent": "agent_resource_role_arn",
    "aws_lambda_function": "role",
    "aws_eks_node_group": "node_role_arn",
}
#: Resource classes of workloads that are entry points whether exposed or not.
_ENTRY_CLASSES = {ResourceClass.AGENT: "agent", ResourceClass.NOTEBOOK: "notebook"}
#: Kubernetes escalation methods that make one account another.
_BECOMES = {"create-pods", "exec", "impersonate", "token-request"}
_CI_PROVIDERS = {
    "github-actions": "github",
    "gitlab": "gitlab",
    "terraform-cloud": "terraform-cloud",
}
_AGENT_WORDS = {"agent", "agents", "mcp", "langgraph", "autogen", "crewai"}
_TOKENS = re.compile(r"[^a-z0-9]+")


def object_node_id(resource: Resource) -> str:
    """``k8s:KIND/NS/NAME`` (``k8s:KIND/NAME`` cluster-wide) of a Kubernetes object, also of
    one a plan's ``kubernetes_*`` resource creates."""
    if resource.address.startswith("k8s:"):
        return resource.address
    ns = namespace(resource)
    name = object_name(resource)
    return f"k8s:{resource.type}/{ns}/{name}" if ns else f"k8s:{resource.type}/{name}"


def aws_node_id(resource: Resource) -> str:
    """``aws:TYPE/NAME`` of an AWS resource (its address when it has no name yet)."""
    for key in ("bucket", "name", "function_name", "notebook_instance_name", "agent_name"):
        value = resource.get(key)
        if isinstance(value, str) and value:
            return f"aws:{resource.type.removeprefix('aws_')}/{value}"
    return f"aws:{resource.type.removeprefix('aws_')}/{resource.address}"


def build_graph(index: ScanIndex) -> IdentityGraph:
    """The identity graph of the scan (memoised)."""
    return index.memo("identity-graph", lambda: _Builder(index).build())


class _Builder:
    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.aws: AwsView = aws_view(index)
        self.k8s: KubernetesView = k8s_view(index)
        self.graph = IdentityGraph()
        self.account = self.aws.context.account
        self.region = plan_region(index)
        self.identity_ids: dict[str, str] = {}
        self._objects: dict[str, Resource] | None = None
        self.stores: list[tuple[Node, str, list[str]]] = []
        """(jewel, IAM service, ARNs) of the AWS data stores, secrets and keys."""
        self.by_service: dict[str, list[int]] = {}
        self.resources_by_address: dict[str, Resource] = {}
        self._matched: dict[tuple[str, str], list[tuple[int, Tristate]]] = {}
        self._policies: dict[str, bool] = {}
        self.jewel_classes = JEWEL_CLASSES
        self.gcp = GcpLayer(self)
        self.azure = AzureLayer(self)

    # -- nodes ---------------------------------------------------------------------------

    def build(self) -> IdentityGraph:
        self._jewels()
        self._aws_identities()
        self.gcp.add_nodes()
        self.azure.add_nodes()
        self._kubernetes()
        self._aws_workloads()
        for edges in self.graph.edges.values():
            edges.sort(key=lambda e: (e.answer is not Tristate.YES, e.target, e.kind))
        return self.graph

    def _jewels(self) -> None:
        for resource in self.index.resources:
            if resource.mode != "managed" or resource.action in (Action.DELETE, Action.FORGET):
                continue
            found = self.index.classifications.get(resource.address)
            if found is None or found.resource_class not in JEWEL_CLASSES:
                continue
            if resource.type.startswith("aws_"):
                service = STORE_SERVICES.get(resource.type) or SECRET_SERVICES.get(resource.type)
                if service is None:
                    continue  # a jewel no AWS action names by ARN (a version, a data source)
                node = self.graph.add(
                    Node(
                        self._unique(aws_node_id(resource), resource),
                        resource.type,
                        resource.address,
                        resource.address,
                        jewel=str(found.resource_class),
                        why=found.reason,
                    )
                )
                if resource.type in STORE_SERVICES:
                    arns = store_arns(resource)
                else:
                    arn = secret_arn(resource, self.account, self.region)
                    arns = [arn] if arn else []
                self.by_service.setdefault(service, []).append(len(self.stores))
                self.stores.append((node, service, arns))
                self.resources_by_address[resource.address] = resource
            # Kubernetes Secrets are reached per namespace (see _k8s_grants)
        self.iam_control = Node(
            f"aws:iam/{self.account or '*'}",
            "iam-control",
            f"the IAM control plane of account {self.account or '(unknown)'}",
            jewel="iam-control",
            why="changing permissions controls every identity and resource of the account",
        )
        self.cluster_admin = Node(
            "k8s:cluster-admin",
            "cluster-admin",
            "cluster-admin",
            jewel="cluster-admin",
            why="every verb on every resource of the cluster",
        )

    def _unique(self, node_id: str, resource: Resource) -> str:
        """The node id, or when another resource already has it (the same role or bucket
        name in two inputs), one made from the Terraform address."""
        taken = self.graph.nodes.get(node_id)
        if taken is None or taken.address == resource.address:
            return node_id
        kind = node_id.split(":", 1)[0]
        return f"{kind}:{resource.type.removeprefix('aws_')}/{resource.address}"

    def _aws_identities(self) -> None:
        for identity in self.aws.identities:
            if identity.kind == "group":
                continue
            node = self.graph.add(
                Node(
                    self._unique(identity.node_id, identity.resource),
                    identity.resource.type,
                    identity.address,
                    identity.address,
                )
            )
            self.identity_ids[identity.address] = node.id
        for identity in self.aws.identities:
            node_id = self.identity_ids.get(identity.address)
            if node_id is None:
                continue
            self.graph.lazy[node_id] = _Lazy(self, identity)
            if identity.kind == "role":
                self._trust(identity, node_id)

    def _trust(self, role: AwsIdentity, node_id: str) -> None:
        """Entry points that the role's trust policy admits: CI subjects and principals
        outside the account."""
        for principal in self.aws.trust(role):
            if principal.kind == "oidc" and principal.provider in _CI_PROVIDERS:
                provider = _CI_PROVIDERS[principal.provider]
                subjects = principal.subjects or ("*",)
                for subject in subjects:
                    shown = subject.removeprefix("repo:") if provider == "github" else subject
                    admits = ci_scope(provider, subject)
                    source = self.graph.add(
                        Node(
                            f"ci:{provider}/{shown}",
                            "ci-subject",
                            f"{provider} OIDC subject {subject}",
                            entry=f"CI: {provider} OIDC sub {subject} ("
                            + ", ".join(f"{k} {v}" for k, v in admits.items())
                            + ")",
                        )
                    )
                    self.graph.link(
                        Edge(
                            source.id,
                            node_id,
                            "federates-to",
                            principal.decision,
                            f"the trust policy admits {provider} OIDC sub {subject}",
                            evidence=(
                                {
                                    "provider": principal.principal,
                                    "subjects": list(principal.subjects),
                                    "audiences": list(principal.audiences),
                                    "admits": admits,
                                },
                            ),
                        )
                    )
            elif principal.kind in ("any", "aws") and self._external(principal.principal):
                everyone = principal.principal == "*"
                source = self.graph.add(
                    Node(
                        "aws:principal/*" if everyone else f"aws:account/{principal.principal}",
                        "aws-principal",
                        "any AWS principal" if everyone else principal.principal,
                        entry="anyone (Principal *)"
                        if everyone
                        else f"outside the account: {principal.principal}",
                    )
                )
                self.graph.link(
                    Edge(
                        source.id,
                        node_id,
                        "trusted-by",
                        principal.decision,
                        principal.why or "the trust policy admits it",
                        evidence=({"conditions": principal.conditions},)
                        if principal.conditions
                        else (),
                    )
                )

    def _external(self, principal: str) -> bool:
        if principal == "*":
            return True
        parts = principal.split(":")
        account = parts[4] if principal.startswith("arn:") and len(parts) > 4 else principal
        if not (account.isdigit() and len(account) == 12):
            return False
        return self.account is None or account != self.account

    # -- Kubernetes ----------------------------------------------------------------------

    def _kubernetes(self) -> None:
        k8s = self.k8s
        federated: dict[str, list[Edge]] = {}
        for edge in federations(self.index):
            target = self.identity_ids.get(edge.role)
            if target is None:
                continue
            federated.setdefault(edge.account, []).append(
                Edge(
                    edge.account,
                    target,
                    "federates-to",
                    edge.answer,
                    f"{edge.via}: {edge.why}",
                    evidence=(edge.as_json(),),
                )
            )
        for account_id, edges in [
            *self.gcp.federations().items(),
            *self.azure.federations().items(),
        ]:
            federated.setdefault(account_id, []).extend(edges)
        node_pools = self._node_pools()
        gke_pools = self.gcp.node_pools() + self.azure.node_pools()
        if gke_pools:
            node_pools = self._with_gke(node_pools, gke_pools)
        for account in k8s.sorted_accounts():
            node = self.graph.add(
                Node(
                    account.node_id,
                    "ServiceAccount",
                    account.username,
                    account.resource.address if account.resource is not None else None,
                )
            )
            own = [e for e in federated.get(node.id, []) if e.answer is not Tristate.NO]
            for link in own:
                self.graph.link(link)
            if account.pods and not any(e.answer is Tristate.YES for e in own):
                for inherited in self._inherits(account, node_pools):
                    self.graph.link(inherited)
            self.graph.lazy[account.node_id] = _LazyAccount(self, account)
        for node_id in sorted(set(federated) - {a.node_id for a in k8s.accounts.values()}):
            # an IRSA subject or Pod Identity association naming an account the inputs do not
            # define: its pods, wherever they are defined, become the role
            self.graph.add(
                Node(
                    node_id,
                    "ServiceAccount",
                    node_id.removeprefix("k8s:ServiceAccount/") + " (not in the inputs)",
                )
            )
            for link in federated[node_id]:
                self.graph.link(link)
        for pod in k8s.pods:
            workload = pod.workload
            workload_id = object_node_id(workload)
            entry = self._workload_entry(workload)
            self.graph.add(
                Node(
                    workload_id,
                    workload.type,
                    workload_id.removeprefix("k8s:"),
                    workload.address,
                    entry=entry,
                )
            )
            account_id = f"k8s:ServiceAccount/{pod.namespace}/{pod.service_account}"
            mounted = pod.automount
            self.graph.link(
                Edge(
                    workload_id,
                    account_id,
                    "runs-as",
                    Tristate.YES,
                    f"{pod.part} runs as service account {pod.service_account}"
                    + (" (token not mounted)" if mounted is False else ""),
                )
            )
            for exposure in k8s.exposed(pod):
                self._exposure(exposure, workload_id)

    def _workload_entry(self, workload: Resource) -> str | None:
        """``agent`` or ``notebook`` for workloads that act on untrusted input themselves:
        classified so, or named or labelled as an agent."""
        classified = self.index.classifications.get(workload.address)
        if classified is not None and classified.resource_class in _ENTRY_CLASSES:
            return _ENTRY_CLASSES[classified.resource_class]
        labels = as_dict(as_dict(as_dict(workload.values).get("metadata")).get("labels"))
        words = {object_name(workload), *(str(v) for v in labels.values())}
        tokens = {t for w in words for t in _TOKENS.split(w.lower()) if t}
        if tokens & _AGENT_WORDS:
            return "agent (named or labelled as one)"
        return None

    def _exposure(self, exposure: Any, workload_id: str) -> None:
        chain = [object_node_id(self.k8s.by_address[a]) if a in self.k8s.by_address else a
                 for a in exposure.via]  # fmt: skip
        entry = f"{exposure.scope}: {exposure.why}"
        first = chain[0]
        resource = self.k8s.by_address.get(exposure.via[0])
        self.graph.add(
            Node(
                first,
                resource.type if resource is not None else "workload",
                first.removeprefix("k8s:"),
                exposure.via[0],
                entry=entry,
            )
        )
        hops = [*chain, workload_id] if chain[-1] != workload_id else chain
        for source, target in pairwise(hops):
            if source == target:
                continue
            kind = "exposes" if target == workload_id else "routes-to"
            if target != workload_id:
                found = self._object(target)
                self.graph.add(
                    Node(
                        target,
                        found.type if found is not None else "Service",
                        target.removeprefix("k8s:"),
                        found.address if found is not None else None,
                    )
                )
            self.graph.link(Edge(source, target, kind, Tristate.YES, exposure.why))

    def _object(self, node_id: str) -> Resource | None:
        if self._objects is None:
            self._objects = {object_node_id(r): r for r in self.k8s.objects}
        return self._objects.get(node_id)

    def _node_pools(self) -> list[tuple[str, Tristate, str]]:
        """The clusters whose nodes the inputs' pods may run on, as graph nodes leading to
        their node groups' roles (``inherits-node-role``: No when the launch template requires
        IMDSv2 with a hop limit of 1): (cluster node, answer, why) for the pods' ``runs-on``
        edge. One node per cluster name, so that every pod does not link to every node group.
        """
        clusters = sorted(
            {c.get("name") for c in self.index.planned("aws_eks_cluster")} - {None}, key=str
        )
        chosen = self.index.scope.cluster
        pools: dict[str, Node] = {}
        for group in self.index.planned("aws_eks_node_group"):
            cluster = group.get("cluster_name")
            name = cluster if isinstance(cluster, str) else "(known after apply)"
            if chosen is not None and isinstance(cluster, str) and cluster != chosen:
                continue  # another cluster's nodes (--cluster)
            pool = pools.get(name)
            if pool is None:
                pool = pools[name] = self.graph.add(
                    Node(f"aws:eks_cluster/{name}", "aws_eks_cluster", f"the nodes of {name}")
                )
            answer, why = self._imds(group)
            for role in self.index.related(group, "node_role_arn", "aws_iam_role"):
                target = self.identity_ids.get(role.address)
                if target is not None:
                    self.graph.link(
                        Edge(
                            pool.id,
                            target,
                            "inherits-node-role",
                            answer,
                            f"{group.address}: {why}",
                        )
                    )
        found: list[tuple[str, Tristate, str]] = []
        for name, pool in sorted(pools.items()):
            if chosen is not None:
                answer = Tristate.YES if name == chosen else Tristate.MAYBE
                why = (
                    f"--cluster {chosen}"
                    if name == chosen
                    else "a node group whose cluster is known only after apply "
                    f"(--cluster {chosen})"
                )
            elif len(clusters) > 1 or len(pools) > 1:
                answer = Tristate.MAYBE
                why = (
                    f"one of {max(len(clusters), len(pools))} EKS clusters in the inputs: "
                    "--cluster says which one runs the pods"
                )
            else:
                answer, why = Tristate.YES, f"the only EKS cluster of the inputs, {name}"
            found.append((pool.id, answer, why))
        return found

    def _with_gke(
        self,
        eks: list[tuple[str, Tristate, str]],
        gke: list[tuple[str, str, Tristate, str]],
    ) -> list[tuple[str, Tristate, str]]:
        """The EKS clusters' node entries and the GKE clusters', with one answer for which
        cluster the pods run in."""
        chosen = self.index.scope.cluster
        found = list(eks)
        for name, node_id, _answer, _why in gke:
            if chosen is not None:
                if name != chosen:
                    continue
                found.append((node_id, Tristate.YES, f"--cluster {chosen}"))
            elif len(eks) + len(gke) > 1:
                found.append(
                    (
                        node_id,
                        Tristate.MAYBE,
                        f"one of {len(eks) + len(gke)} clusters in the inputs: --cluster says "
                        "which one runs the pods",
                    )
                )
            else:
                found.append((node_id, Tristate.YES, f"the only cluster of the inputs, {name}"))
        if len(found) > 1 and chosen is None:
            found = [(n, Tristate.MAYBE if a is Tristate.YES else a, w) for n, a, w in found]
        return found

    def _imds(self, group: Resource) -> tuple[Tristate, str]:
        templates = self.index.related(
            group, "launch_template", "aws_launch_template"
        ) or self.index.targets(group, "launch_template")
        if not templates:
            return Tristate.YES, (
                "no launch template: managed node groups allow 2 metadata hops, pods reach "
                "the node's credentials"
            )
        for template in templates:
            options = as_list(template.get("metadata_options"))
            block = as_dict(options[0]) if options else {}
            hops = block.get("http_put_response_hop_limit")
            tokens = block.get("http_tokens")
            if isinstance(hops, Unknown) or isinstance(tokens, Unknown):
                return Tristate.MAYBE, f"{template.address} metadata options known after apply"
            if hops == 1 and tokens == "required":
                return Tristate.NO, (
                    f"{template.address} requires IMDSv2 with a hop limit of 1: pods cannot "
                    "reach the node's credentials"
                )
            return Tristate.YES, (
                f"{template.address} sets hop limit {hops if hops is not None else 'default'}"
                f", http_tokens {tokens or 'default'}: pods reach the node's credentials"
            )
        return Tristate.MAYBE, "launch template not found"

    def _inherits(
        self, account: ServiceAccount, node_pools: list[tuple[str, Tristate, str]]
    ) -> Iterable[Edge]:
        for target, answer, why in node_pools:
            yield Edge(
                account.node_id,
                target,
                "runs-on",
                answer,
                f"its pods have no cloud identity of their own and run on these nodes ({why})",
            )

    def k8s_edges(self, account: ServiceAccount) -> list[Edge]:
        """What the account's RBAC reaches: cluster admin, Secrets, other accounts."""
        k8s = self.k8s
        edges: list[Edge] = []
        for kclass in k8s.classes(account):
            if kclass.name == "cluster-admin":
                self.graph.add(self.cluster_admin)
                edges.append(
                    Edge(
                        account.node_id,
                        self.cluster_admin.id,
                        "grants",
                        kclass.answer,
                        "bound to every verb on every resource",
                        access="cluster-admin",
                        evidence=tuple(
                            {
                                "binding": g.binding.node_id,
                                "role": f"{g.binding.role_kind}/{g.binding.role_name}",
                            }
                            for g in kclass.grants[:3]
                        ),
                    )
                )
            elif kclass.name == "read-secrets":
                scopes = sorted(
                    {g.namespace or "*" for g in kclass.grants}, key=lambda n: (n != "*", n)
                )
                for scope in ["*"] if "*" in scopes else scopes:
                    node = self.graph.add(
                        Node(
                            f"k8s:Secret/{scope}/*",
                            "Secret",
                            "every Secret of the cluster"
                            if scope == "*"
                            else f"every Secret in namespace {scope}",
                            jewel="secrets",
                            why="Kubernetes Secrets hold service account tokens, credentials "
                            "and keys",
                        )
                    )
                    edges.append(
                        Edge(
                            account.node_id,
                            node.id,
                            "grants",
                            kclass.answer,
                            ", ".join(kclass.probes),
                            access="read-secrets",
                            evidence=tuple(
                                {
                                    "binding": g.binding.node_id,
                                    "role": f"{g.binding.role_kind}/{g.binding.role_name}",
                                }
                                for g in kclass.grants[:3]
                            ),
                        )
                    )
        for escalation in k8s.escalations(account):
            if escalation.method == "escalate-bind":
                self.graph.add(self.cluster_admin)
                edges.append(
                    Edge(
                        account.node_id,
                        self.cluster_admin.id,
                        "grants",
                        escalation.answer,
                        f"escalate-bind: {escalation.why}",
                        access="permissions-management",
                    )
                )
                continue
            if escalation.method not in _BECOMES:
                continue
            for target in escalation.targets[:200]:
                edges.append(
                    Edge(
                        account.node_id,
                        target,
                        "can-escalate",
                        escalation.answer,
                        f"{escalation.method}: {escalation.why}",
                    )
                )
        return edges

    # -- AWS workloads -------------------------------------------------------------------

    def _aws_workloads(self) -> None:
        for type_, attribute in _AWS_RUNS_AS.items():
            for resource in self.index.planned(type_):
                classified = self.index.classifications.get(resource.address)
                entry = (
                    _ENTRY_CLASSES.get(classified.resource_class)
                    if classified is not None
                    else None
                )
                if (
                    type_ == "aws_sagemaker_notebook_instance"
                    and resource.get("direct_internet_access") != "Disabled"
                ):
                    entry = "notebook with direct internet access"
                node = self.graph.add(
                    Node(aws_node_id(resource), type_, resource.address, resource.address,
                         entry=entry)
                )  # fmt: skip
                for role in self.index.related(resource, attribute, "aws_iam_role"):
                    target = self.identity_ids.get(role.address)
                    if target is not None:
                        self.graph.link(
                            Edge(
                                node.id,
                                target,
                                "runs-as",
                                Tristate.YES,
                                f"{attribute} names the role",
                            )
                        )

    # -- AWS grants (lazy) ---------------------------------------------------------------

    def aws_edges(self, identity: AwsIdentity) -> list[Edge]:
        source = self.identity_ids[identity.address]
        edges: list[Edge] = []
        for assume in self.aws.assume_edges(identity):
            target = self.identity_ids.get(assume.target)
            if target is not None:
                edges.append(
                    Edge(
                        source,
                        target,
                        "can-assume",
                        assume.answer,
                        assume.why,
                        evidence=({"principal": assume.principal, "via": assume.via},),
                    )
                )
        for escalation in self.aws.escalations(identity):
            why = f"{escalation.method}: {escalation.why}"
            evidence = tuple(escalation.statements[:3])
            for target_address, answer in escalation.target_answers_all():
                target = self.identity_ids.get(target_address)
                if target is not None and target != source:
                    edges.append(Edge(source, target, "can-escalate", answer, why,
                                      evidence=evidence))  # fmt: skip
        summary = self.aws.summary(identity)
        admin = self.aws.admin(identity)
        control: list[tuple[Tristate, str, tuple[dict[str, Any], ...]]] = []
        if admin is not None:
            control.append((admin.answer, f"administrator ({admin.why})", admin.evidence[:3]))
        permissions = summary.grant("permissions-management")
        if permissions is not None and any(a.startswith("iam:") for a in permissions.actions):
            iam = sorted(a for a in permissions.actions if a.startswith("iam:"))
            control.append(
                (
                    Tristate.MAYBE if permissions.conditional else Tristate.YES,
                    f"{len(iam)} IAM permissions-management actions ({', '.join(iam[:3])}...)",
                    ({"actions": iam[:10], "policies": sorted(permissions.sources)},),
                )
            )
        if control:
            answer, why, evidence = min(control, key=lambda c: c[0] is not Tristate.YES)
            self.graph.add(self.iam_control)
            edges.append(
                Edge(
                    source,
                    self.iam_control.id,
                    "grants",
                    answer,
                    why,
                    access="permissions-management",
                    evidence=tuple(evidence),
                )
            )
        edges.extend(self._store_edges(identity, summary.grant))
        return edges

    def _matching(self, pattern: str, service: str) -> list[tuple[int, Tristate]]:
        """The stores of ``service`` a Resource pattern reaches (cached: statements are
        shared by the identities holding one policy)."""
        key = (pattern, service)
        found = self._matched.get(key)
        if found is None:
            found = []
            for position in self.by_service.get(service, ()):
                result = _matches(pattern, self.stores[position][2])
                if result is not Tristate.NO:
                    found.append((position, result))
            self._matched[key] = found
        return found

    def _store_edges(self, identity: AwsIdentity, grant_of: Any) -> list[Edge]:
        """The strongest access the identity has to each store, secret and key (the actions
        and statements behind it are gathered only when an edge is explained)."""
        # store → access → surest answer
        reached: dict[int, dict[str, Tristate]] = {}
        for access in _ACCESS_ORDER:
            grant: CapabilityGrant | None = grant_of(access)
            if grant is None:
                continue
            for scope in grant.scopes:
                for service in _ACCESS_SERVICES[access]:
                    if service not in self.by_service or not _service_actions(
                        scope.actions, service
                    ):
                        continue
                    for pattern in scope.resources:
                        for position, result in self._matching(pattern, service):
                            accesses = reached.setdefault(position, {})
                            if accesses.get("write-data") is Tristate.YES and access == "read-data":
                                continue  # the edge shows the stronger access
                            answer = Tristate.MAYBE if scope.conditional else result
                            if accesses.get(access) is not Tristate.YES:
                                accesses[access] = answer
        edges: list[Edge] = []
        denies = _has_denies(identity)
        source = self.identity_ids[identity.address]
        for position in sorted(reached):
            node, _service, arns = self.stores[position]
            for access in _ACCESS_ORDER:
                surest = reached[position].get(access)
                if surest is None:
                    continue
                if denies or self._has_policy(node):
                    actions = self._grant_detail(identity, grant_of, position, access)[0]
                    surest = self._confirm(identity, surest, actions, arns)
                if surest is Tristate.NO:
                    continue
                edges.append(
                    Edge(
                        source,
                        node.id,
                        "grants",
                        surest,
                        access=access,
                        explain=_Explain(self, identity, grant_of, position, access),
                    )
                )
                break
        return edges

    def _grant_detail(
        self, identity: AwsIdentity, grant_of: Any, position: int, access: str
    ) -> tuple[list[str], list[str], list[str]]:
        """The actions, Resource patterns and policies by which the identity has ``access``
        to one store."""
        actions: set[str] = set()
        patterns: set[str] = set()
        policies: set[str] = set()
        grant: CapabilityGrant | None = grant_of(access)
        for scope in grant.scopes if grant is not None else ():
            for service in _ACCESS_SERVICES[access]:
                mine = _service_actions(scope.actions, service)
                if not mine:
                    continue
                for pattern in scope.resources:
                    if any(p == position for p, _ in self._matching(pattern, service)):
                        actions.update(mine)
                        patterns.add(pattern)
                        policies.add(scope.source)
        return sorted(actions), sorted(patterns), sorted(policies)

    def explain_grant(
        self, identity: AwsIdentity, grant_of: Any, position: int, access: str
    ) -> tuple[str, tuple[dict[str, Any], ...]]:
        """The reason and evidence of a grant edge."""
        actions, patterns, policies = self._grant_detail(identity, grant_of, position, access)
        more = f" and {len(actions) - 3} more" if len(actions) > 3 else ""
        why = f"{access}: {', '.join(actions[:3])}{more} on {', '.join(patterns[:2])}"
        evidence = {
            "actions": actions[:10],
            "action_count": len(actions),
            "resources": patterns[:10],
            "policies": policies,
        }
        return why, (evidence,)

    def _has_policy(self, node: Node) -> bool:
        """Whether a resource policy of the inputs may take away what the identity's
        policies grant to the store."""
        found = self._policies.get(node.id)
        if found is None:
            resource = self.resources_by_address.get(node.address or "")
            # an Allow of a resource policy only adds; a Deny, or a policy not known before
            # apply, can take away
            found = resource is not None and any(
                not isinstance(source.document, PolicyDocument)
                or any(st.effect != "Allow" for st in source.document.statements)
                for source in policies_of(self.index, resource)
            )
            self._policies[node.id] = found
        return found

    def _confirm(
        self, identity: AwsIdentity, answer: Tristate, actions: list[str], arns: list[str]
    ) -> Tristate:
        """Ask the evaluator on a concrete ARN, so Deny statements and resource policies the
        summary does not weigh take part."""
        concrete = [a for a in arns if "*" not in a and "?" not in a]
        if not concrete or not actions:
            return answer
        results = {
            self.aws.context.decide(identity, action, concrete[-1]) for action in actions[:5]
        }
        if results == {Tristate.NO}:
            # the object ARN sample may miss a prefix the policy names: keep the summary's
            # answer unless a Deny decided it
            return Tristate.NO if not any(_is_object(a) for a in arns) else answer
        return answer


def _is_object(arn: str) -> bool:
    return arn.startswith("arn:aws:s3:::") and "/" in arn


def _matches(pattern: str, arns: list[str]) -> Tristate:
    """Whether a Resource pattern reaches a store: Yes when it covers the store or names part
    of it (objects under a prefix of that bucket), Maybe when it is unknown or reaches only
    some of its names (``arn:aws:s3:::*sagemaker*``: the objects whose key says sagemaker)."""
    if pattern == "*":
        return Tristate.YES
    if pattern.startswith("(") or pattern.startswith("* except"):
        return Tristate.MAYBE if arns else Tristate.NO
    if not arns:
        return Tristate.MAYBE if any(c in pattern for c in "*?") else Tristate.NO
    results = {resource_matches(pattern, arn) for arn in arns}
    if Tristate.YES in results:
        return Tristate.YES
    if Tristate.MAYBE in results:
        buckets = {a.split("/", 1)[0] + "/" for a in arns if _is_object(a)}
        return Tristate.YES if any(pattern.startswith(b) for b in buckets) else Tristate.MAYBE
    return Tristate.NO


def _service_actions(actions: frozenset[str], service: str) -> tuple[str, ...]:
    """Data actions of a store's service; every action of a secret's or key's service."""
    if service in ("secretsmanager", "ssm", "kms"):
        return _prefixed(actions, service)
    return data_actions(actions, service)


@lru_cache(maxsize=65536)
def _prefixed(actions: frozenset[str], service: str) -> tuple[str, ...]:
    return tuple(sorted(a for a in actions if a.startswith(service + ":")))


def _has_denies(identity: AwsIdentity) -> bool:
    return any(
        statement.effect != "Allow"
        for source in identity.policies
        if isinstance(source.document, PolicyDocument)
        for statement in source.document.statements
    )


class _LazyAccount:
    """The RBAC edges of one service account, built when a search first reaches it."""

    __slots__ = ("account", "builder")

    def __init__(self, builder: _Builder, account: ServiceAccount) -> None:
        self.builder = builder
        self.account = account

    def __call__(self) -> list[Edge]:
        edges = self.builder.k8s_edges(self.account)
        layer = self.builder.gcp
        if layer.direct_kubernetes:
            principal = layer.view.kubernetes_principal(self.account.namespace, self.account.name)
            edges.extend(layer.edges(principal, self.account.node_id))
        return edges


class _Explain:
    """Works out a grant edge's reason and evidence when it is first read."""

    __slots__ = ("access", "builder", "grant_of", "identity", "position")

    def __init__(
        self, builder: _Builder, identity: AwsIdentity, grant_of: Any, position: int, access: str
    ) -> None:
        self.builder = builder
        self.identity = identity
        self.grant_of = grant_of
        self.position = position
        self.access = access

    def __call__(self) -> tuple[str, tuple[dict[str, Any], ...]]:
        return self.builder.explain_grant(self.identity, self.grant_of, self.position, self.access)


class _Lazy:
    """The edges of one AWS identity, built when a search first reaches it."""

    __slots__ = ("builder", "identity")

    def __init__(self, builder: _Builder, identity: AwsIdentity) -> None:
        self.builder = builder
        self.identity = identity

    def __call__(self) -> list[Edge]:
        return self.builder.aws_edges(self.identity)
