"""Shortest paths from entry points to crown jewels, and the blast radius of a node.

A breadth-first search from each entry point over Yes and Maybe edges (Yes first, so among
paths of the same length a certain one wins). A path answers ``allowed`` when every hop is
Yes, ``unknown`` when one is Maybe; edges that answer No are not in the graph.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from iacguard.graph.model import JEWEL_ORDER, Edge, IdentityGraph, Node
from iacguard.model.values import Tristate

#: The hops of the longest path searched (exposure, workload, account, a few roles, a jewel).
MAX_HOPS = 12
_RANK = {name: position for position, name in enumerate(JEWEL_ORDER)}
_ACCESS_RANK = {
    "cluster-admin": 0,
    "permissions-management": 0,
    "write-data": 1,
    "read-secrets": 2,
    "decrypt": 3,
    "read-data": 4,
}


@dataclass(frozen=True, slots=True)
class Path:
    """One shortest path from an entry point to a crown jewel."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    decision: Tristate = field(init=False, compare=False, repr=False)
    """Yes when every hop is Yes, else Maybe (computed once: diffs compare it often)."""

    def __post_init__(self) -> None:
        certain = all(e.answer is Tristate.YES for e in self.edges)
        object.__setattr__(self, "decision", Tristate.YES if certain else Tristate.MAYBE)

    @property
    def source(self) -> Node:
        return self.nodes[0]

    @property
    def target(self) -> Node:
        return self.nodes[-1]

    @property
    def access(self) -> str | None:
        """How the last hop reaches the jewel (``write-data``...)."""
        return self.edges[-1].access if self.edges else None

    def rank(self) -> tuple[Any, ...]:
        """Most serious first: by jewel, access, certainty, length."""
        return (
            _RANK.get(self.target.jewel or "", len(_RANK)),
            _ACCESS_RANK.get(self.access or "", 9),
            self.decision is not Tristate.YES,
            len(self.edges),
            self.source.id,
            self.target.id,
        )

    def text(self) -> str:
        """``Service inference/vllm → Deployment inference/vllm → ... → write-data on ...``."""
        parts = [_short(self.nodes[0])]
        for edge, node in zip(self.edges, self.nodes[1:], strict=True):
            if edge.kind == "grants":
                parts.append(f"{edge.access or 'access'} on {_short(node)}")
            else:
                parts.append(_short(node))
        maybe = "" if self.decision is Tristate.YES else " (maybe)"
        return " → ".join(parts) + maybe

    def as_json(self) -> dict[str, Any]:
        """``from``, ``to``, ``decision``, ``entry``, ``jewel``, ``access`` and ``hops`` (each
        hop: the node, and the edge leading to the next one with its evidence)."""
        hops: list[dict[str, Any]] = []
        for position, node in enumerate(self.nodes):
            hop = node.as_json()
            if position < len(self.edges):
                hop["edge"] = self.edges[position].as_json()
            hops.append(hop)
        return {
            "from": self.source.id,
            "to": self.target.id,
            "decision": self.decision.value,
            "entry": self.source.entry,
            "jewel": self.target.jewel,
            "access": self.access,
            "hops": hops,
        }


def _short(node: Node) -> str:
    if node.id.startswith("k8s:") and node.kind not in ("cluster-admin",):
        return f"{node.kind} {node.id.removeprefix('k8s:').split('/', 1)[-1]}"
    if node.kind in ("ci-subject", "aws-principal", "iam-control", "cluster-admin"):
        return node.label
    name = node.id.split("/", 1)[-1]
    return f"{node.kind} {name}"


def reach(graph: IdentityGraph, start: str, max_hops: int = MAX_HOPS) -> dict[str, Path]:
    """Every crown jewel reachable from ``start``, each with one shortest path (searched once
    per graph)."""
    key = (start, max_hops)
    found: dict[str, Path] | None = graph.reached.get(key)
    if found is None:
        found = graph.reached[key] = _reach(graph, start, max_hops)
    return found


def _reach(graph: IdentityGraph, start: str, max_hops: int) -> dict[str, Path]:
    origin = graph.nodes.get(start)
    if origin is None:
        return {}
    parents: dict[str, Edge | None] = {start: None}
    depth = {start: 0}
    queue = deque([start])
    found: dict[str, Path] = {}
    targets = graph.targets
    while queue:
        current = queue.popleft()
        if depth[current] >= max_hops:
            continue
        edges = graph.out(current)
        if len(edges) > 16:
            # A node with many edges (PassRole on *: every role) is often reached when all
            # its targets are: one C-level containment test instead of a loop over them.
            cached = targets.get(current)
            if cached is None or cached[0] != len(edges):
                cached = targets[current] = (len(edges), frozenset(e.target for e in edges))
            if parents.keys() >= cached[1]:
                continue
        for edge in edges:
            target = edge.target
            if target in parents:
                continue
            parents[target] = edge
            depth[target] = depth[current] + 1
            node = graph.nodes.get(target)
            if node is None:
                continue
            if node.jewel:
                found[target] = _path(graph, parents, target)
                if edge.kind == "grants":
                    continue  # a data store leads nowhere further
            queue.append(target)
    return found


def _path(graph: IdentityGraph, parents: dict[str, Edge | None], end: str) -> Path:
    edges: list[Edge] = []
    current = end
    while (edge := parents[current]) is not None:
        edges.append(edge)
        current = edge.source
    edges.reverse()
    nodes = [graph.nodes[current], *(graph.nodes[e.target] for e in edges)]
    return Path(tuple(nodes), tuple(edges))


def find_paths(
    graph: IdentityGraph,
    sources: list[str] | None = None,
    targets: list[str] | None = None,
    limit: int | None = None,
) -> list[Path]:
    """Shortest paths from entry points (or ``sources``) to crown jewels (or ``targets``),
    most serious first; with ``limit``, the search stops once that many are found (entry
    points in id order)."""
    starts = sources if sources is not None else [n.id for n in graph.entries()]
    wanted = set(targets) if targets is not None else None
    found: list[Path] = []
    for start in starts:
        for target, path in reach(graph, start).items():
            if wanted is None or target in wanted:
                found.append(path)
        if limit is not None and len(found) >= limit:
            break
    if wanted is not None:
        # a target that is not a crown jewel (an identity, a role) is still searched for
        for start in starts:
            found.extend(_to_any(graph, start, wanted - {p.target.id for p in found}))
    return sorted(found, key=Path.rank)


def _to_any(graph: IdentityGraph, start: str, wanted: set[str]) -> list[Path]:
    """Shortest paths from ``start`` to nodes that are not crown jewels."""
    wanted = {w for w in wanted if w in graph.nodes and not graph.nodes[w].jewel}
    if not wanted or start not in graph.nodes:
        return []
    parents: dict[str, Edge | None] = {start: None}
    queue = deque([(start, 0)])
    found: list[Path] = []
    while queue and wanted:
        current, hops = queue.popleft()
        if hops >= MAX_HOPS:
            continue
        for edge in graph.out(current):
            if edge.target in parents:
                continue
            parents[edge.target] = edge
            if edge.target in wanted:
                wanted.discard(edge.target)
                found.append(_path(graph, parents, edge.target))
            queue.append((edge.target, hops + 1))
    return found


def blast_radius(graph: IdentityGraph, start: str, limit: int = 20) -> dict[str, Any]:
    """Everything of value reachable from a node: counted, by class, the first listed."""
    reached = sorted(reach(graph, start).values(), key=Path.rank)
    by_class: dict[str, int] = {}
    for path in reached:
        by_class[path.target.jewel or "?"] = by_class.get(path.target.jewel or "?", 0) + 1
    return {
        "count": len(reached),
        "allowed": sum(1 for p in reached if p.decision is Tristate.YES),
        "by_class": dict(sorted(by_class.items(), key=lambda kv: _RANK.get(kv[0], 99))),
        "reaches": [
            {
                "id": p.target.id,
                "jewel": p.target.jewel,
                "access": p.access,
                "decision": p.decision.value,
                "hops": len(p.edges),
                "via": [n.id for n in p.nodes[1:-1]],
            }
            for p in reached[:limit]
        ],
    }
