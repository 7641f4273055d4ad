"""Nodes and edges of the identity graph, and the graph itself.

Nodes carry the stable ids of ARCHITECTURE.md (``k8s:Service/ml/vllm``,
``aws:iam_role/inference-prod``, ``aws:s3_bucket/acme-training-data``,
``ci:github/acme/infra:ref:refs/heads/main``) with the Terraform address beside them. An entry
point says why it is one; a crown jewel says what it is. Edges carry their Yes / Maybe answer
(edges that answer No are not in the graph: they are reported where they are decided) and the
evidence that decided them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iacguard.model.values import Tristate

#: Edge kinds, in the words of the reports.
EDGE_KINDS = (
    "routes-to",  # Ingress or Gateway route → Service
    "exposes",  # Service → workload
    "runs-as",  # workload → identity
    "federates-to",  # service account or CI subject → cloud role (IRSA, Pod Identity, OIDC)
    "runs-on",  # service account without a cloud identity → the cluster's nodes
    "inherits-node-role",  # the cluster's nodes → node role through the instance metadata
    "can-assume",  # identity → role (sts:AssumeRole admitted by the trust policy)
    "can-escalate",  # identity → identity (pass-role, create pods, exec, impersonate)
    "trusted-by",  # external principal → role
    "grants",  # identity → resource, with the actions
)

#: Crown-jewel classes, most valuable first (the order ranks paths).
JEWEL_ORDER = (
    "iam-control",
    "cluster-admin",
    "terraform-state",
    "secrets",
    "encryption-key",
    "training-data",
    "model-artifacts",
    "model-registry",
    "feature-store",
    "vector-store",
    "prompt-config",
)


@dataclass(slots=True)
class Node:
    """One identity, workload, exposure, external principal or resource."""

    id: str
    kind: str
    """``Service``, ``Deployment``, ``ServiceAccount``, ``aws_iam_role``, ``aws_s3_bucket``,
    ``ci-subject``, ``aws-principal``, ``iam-control``, ``cluster-admin``..."""
    label: str
    address: str | None = None
    entry: str | None = None
    """Why it is an entry point (``internet: type LoadBalancer``, ``agent``...), if it is."""
    jewel: str | None = None
    """Its crown-jewel class, if it is one."""
    why: str | None = None
    """What decided the jewel class."""

    def as_json(self) -> dict[str, Any]:
        """JSON form (what a hop shows)."""
        found: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.address is not None and self.address != self.id:
            found["address"] = self.address
        return found


class Edge:
    """``source`` leads to ``target``.

    The reason and evidence of a grant are worked out when first read (``explain``): a large
    plan has a million grants, and a report shows a few hundred of them."""

    __slots__ = ("_evidence", "_explain", "_why", "access", "answer", "kind", "source", "target")

    def __init__(
        self,
        source: str,
        target: str,
        kind: str,
        answer: Tristate,
        why: str = "",
        access: str | None = None,
        evidence: tuple[dict[str, Any], ...] = (),
        explain: Callable[[], tuple[str, tuple[dict[str, Any], ...]]] | None = None,
    ) -> None:
        self.source = source
        self.target = target
        self.kind = kind
        self.answer = answer
        self.access = access
        """For ``grants``: the capability class (``write-data``, ``read-secrets``...)."""
        self._why = why
        self._evidence = evidence
        self._explain = explain

    def _resolve(self) -> None:
        if self._explain is not None:
            self._why, self._evidence = self._explain()
            self._explain = None

    @property
    def why(self) -> str:
        """Why the edge exists, in a sentence."""
        self._resolve()
        return self._why

    @property
    def evidence(self) -> tuple[dict[str, Any], ...]:
        """The statements, bindings or trust conditions behind it."""
        self._resolve()
        return self._evidence

    def __repr__(self) -> str:
        return f"Edge({self.source!r} -{self.kind}-> {self.target!r}, {self.answer.value})"

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        found: dict[str, Any] = {
            "kind": self.kind,
            "answer": self.answer.value,
            "why": self.why,
        }
        if self.access is not None:
            found["access"] = self.access
        if self.evidence:
            found["evidence"] = list(self.evidence)
        return found


@dataclass
class IdentityGraph:
    """Nodes, edges built at once, and edges built when first asked for (the grants of an
    identity: most identities are never reached from an entry point)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, list[Edge]] = field(default_factory=dict)
    lazy: dict[str, Callable[[], list[Edge]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """What the graph assumed or could not decide, once each."""
    targets: dict[str, tuple[int, frozenset[str]]] = field(default_factory=dict)
    """Per node with many edges: their number and their targets (the search skips a node
    whose targets are all reached)."""
    reached: dict[tuple[str, int], Any] = field(default_factory=dict)
    """Searches already made (start, hops) → jewel → path: the scan's paths, its checks and
    the blast radius ask for the same starts."""

    def add(self, node: Node) -> Node:
        """Add a node, or return the one with that id (entry and jewel facts merge)."""
        found = self.nodes.get(node.id)
        if found is None:
            self.nodes[node.id] = node
            return node
        if found.address is None:
            found.address = node.address
        if node.entry and not found.entry:
            found.entry = node.entry
        if node.jewel and not found.jewel:
            found.jewel, found.why = node.jewel, node.why
        return found

    def link(self, edge: Edge) -> None:
        """Add an edge (No answers are dropped: they lead nowhere)."""
        if edge.answer is Tristate.NO or edge.source == edge.target:
            return
        self.edges.setdefault(edge.source, []).append(edge)

    def out(self, node_id: str) -> list[Edge]:
        """Edges leaving a node: Yes before Maybe, then by target."""
        build = self.lazy.pop(node_id, None)
        if build is not None:
            for edge in build():
                self.link(edge)
            self.edges.setdefault(node_id, []).sort(
                key=lambda e: (e.answer is not Tristate.YES, e.target, e.kind)
            )
        return self.edges.get(node_id, [])

    def entries(self) -> list[Node]:
        """Entry points, by id."""
        return sorted((n for n in self.nodes.values() if n.entry), key=lambda n: n.id)

    def jewels(self) -> list[Node]:
        """Crown jewels, by id."""
        return sorted((n for n in self.nodes.values() if n.jewel), key=lambda n: n.id)

    def edge_count(self) -> int:
        """Edges built so far."""
        return sum(len(v) for v in self.edges.values())
