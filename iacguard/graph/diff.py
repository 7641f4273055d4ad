"""The privilege diff: what a change gives to whom, from the identity graphs of the world before
and the world after it.

The world before is built from the same plan: every resource the plan changes, deletes or
leaves alone, with its ``before`` values (what the prior state holds); resources the plan
creates are not in it. Kubernetes manifests and charts are the same in both worlds. Or the two
worlds are given explicitly (``iacguard diff --before ... --after ...``).

Compared per identity (AWS roles and users, GCP and Azure identities, Kubernetes service
accounts, CI subjects and outside principals):

- capabilities: each capability class on each resource or scope, with the actions behind it
  (IAM actions, GCP permissions, Azure operations, Kubernetes requests), and for AWS the
  actions per access level;
- trust: who can assume it, federate into it or run as it (the graph's edges into it);
- escalations: the identities it can become (``can-assume``, ``can-escalate``) and control of
  IAM or a cluster;
- reach: the crown jewels it reaches, with the access and the answer (its blast radius);

and per path from an entry point to a crown jewel: opened, closed, or changed. Every item
that is in both worlds with another answer (Maybe become Yes, or the reverse) is ``changed``
with its answer ``before``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from iacguard.aws.capabilities import CAPABILITY_CLASSES
from iacguard.aws.view import aws_view
from iacguard.azure.evaluate import azure_view
from iacguard.azure.summary import role_classes as azure_role_classes
from iacguard.engine.context import ScanIndex
from iacguard.gcp.capabilities import role_classes as gcp_role_classes
from iacguard.gcp.evaluate import gcp_view
from iacguard.graph.build import build_graph
from iacguard.graph.model import IdentityGraph
from iacguard.graph.paths import Path, find_paths, reach
from iacguard.k8s.identities import k8s_view
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Tristate

#: Node kinds that are identities (what a diff is about).
IDENTITY_KINDS = {
    "aws_iam_role",
    "aws_iam_user",
    "google_service_account",
    "user_assigned",
    "system_assigned",
    "kubelet",
    "service_principal",
    "object",
    "ServiceAccount",
    "ci-subject",
    "aws-principal",
    "gcp-principal",
}
#: Edges into an identity that say who can act as it.
TRUST_KINDS = ("trusted-by", "federates-to", "can-assume", "can-escalate", "inherits-node-role",
               "runs-as")  # fmt: skip
#: Edges out of an identity to another identity it can become.
ESCALATION_KINDS = ("can-assume", "can-escalate")
#: Crown jewels whose control is control of everything: reaching them is an escalation.
CONTROL_JEWELS = ("iam-control", "cluster-admin")
SEVERITIES = ("critical", "high", "medium", "low")
CLASS_SEVERITY = dict(CAPABILITY_CLASSES)
#: Access classes, strongest first: a change to a stronger one adds privilege.
_ORDER = {name: rank for rank, (name, _severity) in enumerate(CAPABILITY_CLASSES)}
#: Actions listed per capability or access level (the count says how many there are).
ACTION_SAMPLE = 10
#: Paths listed per change (the counts say how many).
PATHS_LISTED = 1000
#: Trust and escalation edges and reaches listed per identity and change (the counts say how
#: many).
LISTED = 25
#: Additions listed in the document's ``added`` (the gate weighs them all).
ADDED_LISTED = 50

_Capabilities = dict[tuple[str, str], dict[str, Any]]


def prior_resources(resources: list[Resource]) -> list[Resource]:
    """The world before the change: plan resources as the prior state holds them (creates
    left out), manifests and charts unchanged."""
    found: list[Resource] = []
    for resource in resources:
        if resource.address.startswith("k8s:") or resource.read_during_plan:
            found.append(resource)
            continue
        if resource.action in (Action.CREATE, Action.READ):
            continue
        if resource.action is Action.NO_OP:
            found.append(resource)
            continue
        if resource.before is None:
            continue
        found.append(replace(resource, after=resource.before, action=Action.NO_OP))
    return found


def has_prior_world(resources: Iterable[Resource]) -> bool:
    """Does the state behind a plan hold managed resources (a change that is not only
    creates)? A fresh deployment's world before is empty: its diff would be the whole scan."""
    return any(
        not r.address.startswith("k8s:")
        and not r.read_during_plan
        and r.action not in (Action.CREATE, Action.READ)
        for r in resources
    )


# -- one world ---------------------------------------------------------------------------------


class World:
    """What the diff compares of one world: its graph, and per identity its capabilities,
    access levels, trust, escalations and reach."""

    def __init__(self, index: ScanIndex, graph: IdentityGraph | None = None) -> None:
        self.index = index
        self.graph = graph if graph is not None else build_graph(index)
        self.capabilities, self.levels = graph_capabilities(index, self.graph)
        self.identities = {
            n.id for n in self.graph.nodes.values() if n.kind in IDENTITY_KINDS
        } | self.capabilities.keys()
        self._reach: dict[str, dict[str, Path]] = {}
        self._into: dict[str, list[Any]] | None = None
        self._control: set[str] | None = None

    def reaches(self, node_id: str) -> dict[str, Path]:
        """Crown jewel id → the shortest path from the identity."""
        found = self._reach.get(node_id)
        if found is None:
            found = self._reach[node_id] = (
                {p.target.id: p for p in reach(self.graph, node_id).values()}
                if node_id in self.graph.nodes
                else {}
            )
        return found

    def trust(self, node_id: str) -> dict[str, list[Any]]:
        """Source → the edges into the identity that make or let something act as it
        (``can-assume``, ``federates-to``, ``runs-as``...)."""
        edges = [e for e in self.incoming().get(node_id, ()) if e.kind in TRUST_KINDS]
        return _grouped(edges, lambda e: e.source)

    def escalations(self, node_id: str) -> dict[str, list[Any]]:
        """Target → the edges to identities it can become, and to control of IAM or a
        cluster."""
        edges = [
            edge
            for edge in (self.graph.out(node_id) if node_id in self.graph.nodes else ())
            if edge.kind in ESCALATION_KINDS
            or (edge.kind == "grants" and self.graph.nodes[edge.target].jewel in CONTROL_JEWELS)
        ]
        return _grouped(edges, lambda e: e.target)

    def escalation_json(self, target: str, edges: list[Any]) -> dict[str, Any]:
        """The merged edges, with ``to_control``: the target is, or leads to, control."""
        item = _merged_json(target, edges)
        item["to_control"] = self.controls(target, edges)
        return item

    def controls(self, target: str, edges: list[Any]) -> bool:
        """Is the target of these edges control of IAM or a cluster, or does it lead there
        (on any path: one search back from those jewels, for every target at once)?"""
        if self._control is None:
            self.build_all()
            self._control = self.reaching(
                {n.id for n in self.graph.nodes.values() if n.jewel in CONTROL_JEWELS}
            )
        return target in self._control or any(e.kind == "grants" for e in edges)

    def paths(self, entries: set[str]) -> dict[tuple[str, str], Path]:
        """The shortest paths from those of ``entries`` that are entry points here to crown
        jewels, by (entry, jewel)."""
        sources = [n.id for n in self.graph.entries() if n.id in entries]
        return {(p.source.id, p.target.id): p for p in find_paths(self.graph, sources)}

    def build_all(self) -> None:
        """Build every edge left to build (the grants of identities, built when first asked
        for)."""
        for node_id in list(self.graph.lazy):
            self.graph.out(node_id)

    def out_signature(self, node_id: str) -> frozenset[tuple[Any, ...]]:
        """What of a node's edges decides what is reached through it."""
        return frozenset(
            (e.target, e.kind, e.answer, e.access) for e in self.graph.edges.get(node_id, ())
        )

    def incoming(self) -> dict[str, list[Any]]:
        """Node → the edges into it, every edge built (once per world)."""
        if self._into is None:
            self.build_all()
            into: dict[str, list[Any]] = {}
            for edges in self.graph.edges.values():
                for edge in edges:
                    into.setdefault(edge.target, []).append(edge)
            self._into = into
        return self._into

    def reaching(self, nodes: set[str]) -> set[str]:
        """The nodes from which one of ``nodes`` can be reached (``nodes`` included)."""
        into = self.incoming()
        found = set(nodes)
        stack = list(nodes)
        while stack:
            for edge in into.get(stack.pop(), ()):
                if edge.source not in found:
                    found.add(edge.source)
                    stack.append(edge.source)
        return found


def _affected(old: World, new: World) -> set[str]:
    """Nodes whose reach may differ between the worlds: those that can reach, in either world,
    a node that is only in one of them or whose edges or crown-jewel class differ. Every other
    node sees the same graph beyond it in both worlds, so it reaches the same jewels the same
    way (the search is deterministic): it is not searched again."""
    old.build_all()
    new.build_all()
    changed = set()
    for node_id in old.graph.nodes.keys() | new.graph.nodes.keys():
        was, now = old.graph.nodes.get(node_id), new.graph.nodes.get(node_id)
        if (
            was is None
            or now is None
            or (was.jewel, was.kind, was.entry) != (now.jewel, now.kind, now.entry)
            or old.out_signature(node_id) != new.out_signature(node_id)
        ):
            changed.add(node_id)
    return old.reaching(changed) | new.reaching(changed)


def _grouped(edges: Iterable[Any], other: Callable[[Any], str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for edge in edges:
        found.setdefault(other(edge), []).append(edge)
    return found


def _edge_signature(edges: list[Any]) -> tuple[tuple[str, ...], bool]:
    """The edge kinds (sorted, once each) and whether one is a Yes."""
    if len(edges) == 1:  # the common case, kept cheap
        edge = edges[0]
        return (edge.kind,), edge.answer is Tristate.YES
    return tuple(sorted({e.kind for e in edges})), _certain(edges)


def _certain(edges: list[Any]) -> bool:
    return any(e.answer is Tristate.YES for e in edges)


def _merged_json(other: str, edges: list[Any]) -> dict[str, Any]:
    """One item per identity at the other end: its edge kinds, the surest answer, and why."""
    why: list[str] = []
    for edge in edges:
        if len(why) < 3 and edge.why not in why:
            why.append(edge.why)
    kinds, certain = _edge_signature(edges)
    return {
        "id": other,
        "kinds": list(kinds),
        "answer": (Tristate.YES if certain else Tristate.MAYBE).value,
        "why": why,
    }


def capabilities(
    index: ScanIndex, aws_ids: Mapping[str, str] | None = None
) -> tuple[dict[str, _Capabilities], dict[str, dict[str, frozenset[str]]]]:
    """Identity node id → (capability class, resource or scope) → ``{"answer", "actions",
    "via"}``, across the providers of the inputs; and AWS identity → access level → actions.
    ``aws_ids`` maps AWS identities' addresses to their graph node ids (two roles of one name
    in two inputs are two nodes)."""
    found: dict[str, _Capabilities] = {}
    levels: dict[str, dict[str, frozenset[str]]] = {}
    aws = aws_view(index)
    for identity in aws.identities:
        if identity.kind == "group":
            continue
        summary = aws.summary(identity)
        node_id = (aws_ids or {}).get(identity.address, identity.node_id)
        held: _Capabilities = found.setdefault(node_id, {})
        for grant in summary.classes:
            for scope in grant.scopes:
                answer = Tristate.MAYBE if scope.conditional else Tristate.YES
                for resource in scope.resources or ("*",):
                    _hold(held, (grant.name, resource), answer, scope.actions, scope.source,
                          scope.patterns)  # fmt: skip
        levels[node_id] = {level: grant.actions for level, grant in summary.levels.items()}
    gcp = gcp_view(index)
    for principal in gcp.principals():
        if principal.kind == "kubernetes":
            continue
        held = found.setdefault(principal.node_id, {})
        for gcp_grant, member, _why in gcp.grants_of(principal):
            where = gcp_grant.scope.name or gcp_grant.scope.text()
            for name, (result, probes) in gcp_role_classes(gcp_grant).items():
                if result is Tristate.NO:
                    continue
                answer = Tristate.YES if member is result is Tristate.YES else Tristate.MAYBE
                _hold(held, (name, where), answer, probes, gcp_grant.role)
    azure = azure_view(index)
    for azure_identity in azure.identities:
        held = found.setdefault(azure_identity.node_id, {})
        for name, routes in azure_role_classes(azure, azure_identity).items():
            for route in routes:
                _hold(
                    held,
                    (name, route["scope_id"] or route["scope"]),
                    Tristate(route["answer"]),
                    route["actions"],
                    route["role"],
                )
    k8s = k8s_view(index)
    for account in k8s.accounts.values():
        held = found.setdefault(account.node_id, {})
        for (name, namespace), (answer, allowed, bindings) in k8s.class_namespaces(account).items():
            for binding in bindings:
                _hold(held, (name, f"namespace {namespace}" if namespace != "*" else "cluster"),
                      answer, allowed, binding)  # fmt: skip
    return {k: v for k, v in found.items() if v}, levels


def graph_capabilities(
    index: ScanIndex, graph: IdentityGraph
) -> tuple[dict[str, _Capabilities], dict[str, dict[str, frozenset[str]]]]:
    """:func:`capabilities` keyed by the graph's node ids, built once per index (the scan's
    identity summaries and its diff's world after share them)."""

    def build() -> tuple[dict[str, _Capabilities], dict[str, dict[str, frozenset[str]]]]:
        aws_ids = {
            n.address: n.id
            for n in graph.nodes.values()
            if n.kind in ("aws_iam_role", "aws_iam_user") and n.address
        }
        return capabilities(index, aws_ids)

    return index.memo("graph-capabilities", build)


def identity_summaries(index: ScanIndex, graph: IdentityGraph) -> list[dict[str, Any]]:
    """Per identity of the graph with a capability: its classes, each ``allowed`` when some
    grant of it is certain, else ``unknown``, strongest class first."""
    held, _levels = graph_capabilities(index, graph)
    found = []
    for node_id in sorted(held):
        classes: dict[str, str] = {}
        for (name, _resource), entry in held[node_id].items():
            if entry["answer"] is Tristate.YES or name not in classes:
                classes[name] = entry["answer"].value
        node = graph.nodes.get(node_id)
        found.append(
            {
                "id": node_id,
                "address": node.address if node is not None and node.address != node_id else None,
                "kind": node.kind if node is not None else None,
                "classes": {
                    k: classes[k] for k in sorted(classes, key=lambda c: _ORDER.get(c, 99))
                },
            }
        )
    return found


def _hold(
    held: _Capabilities,
    key: tuple[str, str],
    answer: Tristate,
    actions: Iterable[str],
    via: str,
    patterns: Iterable[str] = (),
) -> None:
    entry = held.get(key)
    if entry is None:
        held[key] = {"answer": answer, "actions": frozenset(actions), "via": {via},
                     "patterns": set(patterns)}  # fmt: skip
        return
    if answer is Tristate.YES:
        entry["answer"] = Tristate.YES
    entry["actions"] = entry["actions"] | frozenset(actions)
    entry["via"].add(via)
    entry["patterns"].update(patterns)


# -- comparing ---------------------------------------------------------------------------------


def privilege_diff(
    before: ScanIndex,
    after: ScanIndex,
    after_graph: IdentityGraph | None = None,
    prior: str = "state",
) -> dict[str, Any]:
    """``{"prior", "summary", "new_severity", "added", "identities": [...], "paths":
    {"opened", "closed", "changed"}}`` (the JSON form of ``iacguard diff``, and the ``diff``
    of a scan report). ``prior`` says what the world before is: ``state``, ``inputs`` or
    ``empty``."""
    old, new = World(before), World(after, after_graph)
    affected = _affected(old, new)
    identities = []
    for node_id in sorted(old.identities | new.identities):
        item = _identity_diff(old, new, node_id, node_id in affected)
        if item is not None:
            identities.append(item)
    was_paths, now_paths = old.paths(affected), new.paths(affected)
    opened = sorted((now_paths[k] for k in now_paths.keys() - was_paths.keys()), key=Path.rank)
    closed = sorted((was_paths[k] for k in was_paths.keys() - now_paths.keys()), key=Path.rank)
    changed = sorted(
        (
            (now_paths[k], was_paths[k])
            for k in now_paths.keys() & was_paths.keys()
            if now_paths[k].decision is not was_paths[k].decision
            or now_paths[k].access != was_paths[k].access
        ),
        key=lambda pair: pair[0].rank(),
    )
    paths: dict[str, Any] = {  # the most serious first, at most PATHS_LISTED of each
        "opened": [p.as_json() for p in opened[:PATHS_LISTED]],
        "closed": [p.as_json() for p in closed[:PATHS_LISTED]],
        "changed": [
            {**now.as_json(), "before": was.decision.value, "access_before": was.access}
            for now, was in changed[:PATHS_LISTED]
        ],
        "opened_count": len(opened),
        "closed_count": len(closed),
        "changed_count": len(changed),
    }
    document: dict[str, Any] = {
        "prior": prior,
        "summary": _summary(identities, paths),
        "new_severity": None,
        "added": [],
        "identities": identities,
        "paths": paths,
    }
    added = added_items(document)
    document["new_severity"] = added[0]["severity"] if added else None
    document["added"] = added[:ADDED_LISTED]
    return document


def _identity_diff(
    old: World, new: World, node_id: str, affected: bool = True
) -> dict[str, Any] | None:
    existed, exists = node_id in old.identities, node_id in new.identities
    was, now = (old.reaches(node_id), new.reaches(node_id)) if affected else ({}, {})
    reaches = _compare(
        was, now, lambda p: (p.decision, p.access), lambda _k, p: _reach_json(p),
        ("decision", "access"), lambda _k, p: _ORDER.get(p.access or "", 99),
    )  # fmt: skip
    capability = _capability_diff(
        old.capabilities.get(node_id, {}), new.capabilities.get(node_id, {})
    )
    levels = _level_diff(old.levels.get(node_id, {}), new.levels.get(node_id, {}))
    trust = _compare(
        old.trust(node_id), new.trust(node_id), _edge_signature, _merged_json,
        ("answer", "kinds"), lambda _k, edges: not _certain(edges),
    )  # fmt: skip
    escalations = _compare(
        old.escalations(node_id), new.escalations(node_id), _edge_signature,
        (old.escalation_json, new.escalation_json), ("answer", "kinds"),
        lambda k, edges: (not new.controls(k, edges), not _certain(edges)),
    )  # fmt: skip
    if not any(
        changes[f"{name}_count"]
        for changes in (reaches, trust, escalations)
        for name in ("added", "removed", "changed")
    ) and not (_any(capability) or levels):
        return None  # nothing it can do, reach or be reached by changed
    node = new.graph.nodes.get(node_id) or old.graph.nodes.get(node_id)
    return {
        "id": node_id,
        "address": node.address if node is not None and node.address != node_id else None,
        "kind": node.kind if node is not None else None,
        "change": "added" if not existed else "removed" if not exists else "changed",
        "capabilities": capability,
        "access_levels": levels,
        "trust": trust,
        "escalations": escalations,
        "reaches": reaches,
        "blast_radius": {
            "before": len(old.reaches(node_id)),
            "after": len(new.reaches(node_id)),
        },
    }


def _any(changes: dict[str, list[Any]]) -> bool:
    return any(changes.values())


_Json = Callable[[Any, Any], dict[str, Any]]


def _compare(
    was: dict[Any, Any],
    now: dict[Any, Any],
    signature: Callable[[Any], Any],
    to_json: _Json | tuple[_Json, _Json],
    fields: tuple[str, ...],
    order: Callable[[Any, Any], Any] | None = None,
) -> dict[str, Any]:
    """Items added, removed, and changed (their ``signature`` differs), with their counts;
    at most :data:`LISTED` of each are listed, first by ``order`` (of a key and its item),
    then by key, and their JSON is built only for those. A changed item carries its old
    ``fields`` as ``FIELD_before`` (``answer`` and ``decision`` as ``before``)."""
    old_json, new_json = to_json if isinstance(to_json, tuple) else (to_json, to_json)
    parts = {
        "added": (now, sorted(now.keys() - was.keys())),
        "removed": (was, sorted(was.keys() - now.keys())),
        "changed": (
            now,
            [k for k in sorted(now.keys() & was.keys()) if signature(now[k]) != signature(was[k])],
        ),
    }
    found: dict[str, Any] = {}
    for name, (items, keys) in parts.items():
        if order is not None:
            keys.sort(key=lambda k, items=items: order(k, items[k]))  # type: ignore[misc]
        found[f"{name}_count"] = len(keys)
        listed = []
        for key in keys[:LISTED]:
            if name == "removed":
                listed.append(old_json(key, was[key]))
                continue
            item = new_json(key, now[key])
            if name == "changed":
                before = old_json(key, was[key])
                for field_name in fields:
                    old_name = (
                        "before"
                        if field_name in ("answer", "decision")
                        else (f"{field_name}_before")
                    )
                    item[old_name] = before[field_name]
            listed.append(item)
        found[name] = listed
    return found


def _reach_json(path: Path) -> dict[str, Any]:
    return {
        "id": path.target.id,
        "jewel": path.target.jewel,
        "access": path.access,
        "decision": path.decision.value,
        "via": [n.id for n in path.nodes[1:-1]],
    }


def _capability_json(key: tuple[str, str], entry: dict[str, Any]) -> dict[str, Any]:
    actions = entry["actions"]
    return {
        "class": key[0],
        "resource": key[1],
        "severity": CLASS_SEVERITY.get(key[0], "medium"),
        "answer": entry["answer"].value,
        "action_count": len(actions),
        "actions": heapq.nsmallest(ACTION_SAMPLE, actions),
        "patterns": sorted(entry["patterns"])[:ACTION_SAMPLE],
        "via": sorted(entry["via"])[:5],
    }


def _capability_diff(was: _Capabilities, now: _Capabilities) -> dict[str, list[dict[str, Any]]]:
    """Per (class, resource): added, removed, or changed (answer, actions added or removed)."""
    changed = []
    for key in sorted(now.keys() & was.keys()):
        old, new = was[key], now[key]
        added, removed = new["actions"] - old["actions"], old["actions"] - new["actions"]
        if old["answer"] is new["answer"] and not added and not removed:
            continue
        item = _capability_json(key, new)
        item["before"] = old["answer"].value
        item["actions_added"] = heapq.nsmallest(ACTION_SAMPLE, added)
        item["actions_added_count"] = len(added)
        item["actions_removed"] = heapq.nsmallest(ACTION_SAMPLE, removed)
        item["actions_removed_count"] = len(removed)
        changed.append(item)
    return {
        "added": [_capability_json(k, now[k]) for k in sorted(now.keys() - was.keys(), key=_rank)],
        "removed": [
            _capability_json(k, was[k]) for k in sorted(was.keys() - now.keys(), key=_rank)
        ],
        "changed": sorted(changed, key=lambda i: _rank((i["class"], i["resource"]))),
    }


def _rank(key: tuple[str, str]) -> tuple[int, str, str]:
    return (_ORDER.get(key[0], len(_ORDER)), key[0], key[1])


def _level_diff(
    was: dict[str, frozenset[str]], now: dict[str, frozenset[str]]
) -> list[dict[str, Any]]:
    """Per AWS access level (``Write``, ``Permissions management``...): actions added and
    removed."""
    found = []
    for level in sorted(was.keys() | now.keys()):
        old, new = was.get(level, frozenset()), now.get(level, frozenset())
        if old == new:
            continue
        added, removed = new - old, old - new
        found.append(
            {
                "level": level,
                "before": len(old),
                "after": len(new),
                "added": heapq.nsmallest(ACTION_SAMPLE, added),
                "added_count": len(added),
                "removed": heapq.nsmallest(ACTION_SAMPLE, removed),
                "removed_count": len(removed),
            }
        )
    return found


# -- severity and gate -------------------------------------------------------------------------


def _stronger(item: dict[str, Any], access: str = "access") -> bool:
    """A changed item that adds: a stronger access, or a Maybe become Yes."""
    was, now = item.get(f"{access}_before") or "", item.get(access) or ""
    if _ORDER.get(now, 99) < _ORDER.get(was, 99):
        return True
    answer = item.get("answer", item.get("decision"))
    return was == now and item["before"] != "allowed" and answer == "allowed"


def added_items(document: dict[str, Any]) -> list[dict[str, Any]]:
    """What the change adds, most severe first (what ``--fail-on-new`` gates on): each with
    its ``severity``, ``kind`` (capability, reach, escalation, trust, path), ``identity``
    (address or node id; a path's entry point), ``what`` (the class, access, other identity),
    ``on`` (the resource or crown jewel), ``actions`` and ``answer``, and ``text``."""
    found: list[dict[str, Any]] = []

    def add(severity: str, kind: str, who: str, what: str, on: str | None, answer: str,
            actions: list[str] | None = None) -> None:  # fmt: skip
        text = {
            "capability": f"{who} can {what} on {on}",
            "reach": f"{who} reaches {on} ({what})",
            "escalation": f"{who} can become or control {what}",
            "trust": f"{what} can act as {who}",
            "path": f"a path from {who} to {on} ({what})",
        }[kind] + _maybe(answer)
        found.append({"severity": severity, "kind": kind, "identity": who, "what": what,
                      "on": on, "actions": actions or [], "answer": answer,
                      "text": text})  # fmt: skip

    for item in document["identities"]:
        who = item["address"] or item["id"]
        caps = item["capabilities"]
        for cap in caps["added"] + [c for c in caps["changed"] if _adds_capability(c)]:
            actions = cap.get("actions_added") or (
                cap["patterns"]
                if cap["patterns"] and cap["action_count"] > ACTION_SAMPLE
                else cap["actions"]
            )
            add(cap["severity"], "capability", who, cap["class"], cap["resource"],
                cap["answer"], actions)  # fmt: skip
        for entry in item["reaches"]["added"] + [
            r for r in item["reaches"]["changed"] if _stronger(r)
        ]:
            add(CLASS_SEVERITY.get(entry["access"] or "", "low"), "reach", who,
                entry["access"] or "access", entry["id"], entry["decision"])  # fmt: skip
        for entry in item["escalations"]["added"] + [
            e for e in item["escalations"]["changed"] if e["answer"] == "allowed"
        ]:
            severity = "critical" if entry["to_control"] else "high"
            add(severity, "escalation", who, entry["id"], None, entry["answer"])
        for entry in item["trust"]["added"]:
            add(CLASS_SEVERITY["assume-identity"], "trust", who, entry["id"], None,
                entry["answer"])  # fmt: skip
    for path in document["paths"]["opened"] + [
        p for p in document["paths"]["changed"] if _stronger(p)
    ]:
        severity = "critical" if path["jewel"] in CONTROL_JEWELS else "high"
        add(severity, "path", path["from"], path["access"] or "access", path["to"],
            path["decision"])  # fmt: skip
    return sorted(found, key=lambda f: (SEVERITIES.index(f["severity"]), f["text"]))


def _adds_capability(item: dict[str, Any]) -> bool:
    return bool(item["actions_added_count"]) or (
        item["before"] != "allowed" and item["answer"] == "allowed"
    )


def gate_trips(document: dict[str, Any] | None, threshold: str) -> bool:
    """Does the change add something at or above ``threshold`` (``none`` never trips)?"""
    severity = document.get("new_severity") if document else None
    if threshold == "none" or severity is None:
        return False
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


# -- text --------------------------------------------------------------------------------------


def _summary(identities: list[dict[str, Any]], paths: dict[str, Any]) -> str:
    if not identities and not any(paths.values()):
        return (
            "This change grants and removes nothing: no identity's permissions, trust or "
            "reach changes."
        )
    parts = []
    new = [i for i in identities if i["change"] == "added"]
    gone = [i for i in identities if i["change"] == "removed"]
    if new:
        parts.append(f"adds {_count(len(new), 'identity', 'identities')}")
    if gone:
        parts.append(f"removes {_count(len(gone), 'identity', 'identities')}")
    granted = sum(len(i["capabilities"]["added"]) for i in identities) + sum(
        1 for i in identities for c in i["capabilities"]["changed"] if _adds_capability(c)
    )
    taken = sum(len(i["capabilities"]["removed"]) for i in identities)
    if granted:
        who = sum(
            1 for i in identities if i["capabilities"]["added"] or i["capabilities"]["changed"]
        )
        parts.append(f"grants {_count(granted, 'capability', 'capabilities')} to "
                     f"{_count(who, 'identity', 'identities')}")  # fmt: skip
    if taken:
        parts.append(f"removes {_count(taken, 'capability', 'capabilities')}")
    escalations = sum(i["escalations"]["added_count"] for i in identities)
    if escalations:
        parts.append(f"adds {_count(escalations, 'escalation', 'escalations')}")
    trust = sum(i["trust"]["added_count"] for i in identities)
    if trust:
        parts.append(f"adds {_count(trust, 'way', 'ways')} to act as an identity "
                     "(trust, federation, assumption)")  # fmt: skip
    reaches = sum(i["reaches"]["added_count"] for i in identities)
    if reaches:
        parts.append(f"gives {_count(reaches, 'new reach', 'new reaches')} of crown jewels")
    for name, verb in (("opened", "opens"), ("closed", "closes")):
        if paths[f"{name}_count"]:
            count = paths[f"{name}_count"]
            parts.append(f"{verb} {_count(count, 'path', 'paths')} from entry points")
    if paths["changed_count"]:
        parts.append(f"changes {_count(paths['changed_count'], 'path', 'paths')}")
    if not parts:
        parts.append("changes only answers (Maybe, Yes) or removals listed below")
    return "This change " + "; ".join(parts) + "."


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def diff_text(document: dict[str, Any]) -> str:
    """The human form."""
    lines = [document["summary"]]
    if document["new_severity"]:
        lines.append(f"Most severe addition: {document['new_severity']}.")
    for item in document["identities"]:
        label = {"added": "new identity ", "removed": "removed identity "}.get(item["change"], "")
        lines.append("")
        lines.append(f"{label}{item['id']}" + (f"  ({item['address']})" if item["address"] else ""))
        lines.extend(_identity_lines(item))
    for name, sign in (("opened", "+"), ("closed", "-"), ("changed", "~")):
        for path in document["paths"][name]:
            if name == "opened" and path is document["paths"]["opened"][0]:
                lines.append("")
            hops = " → ".join(h["id"] for h in path["hops"])
            lines.append(f"{sign} path {hops}  [{path['access']}, {path['decision']}]")
    return "\n".join(lines) + "\n"


def _maybe(answer: str) -> str:
    return " (maybe)" if answer == "unknown" else ""


def _identity_lines(item: dict[str, Any]) -> list[str]:
    lines = []
    caps = item["capabilities"]
    for cap in caps["added"]:
        lines.append(f"  + can {cap['class']} on {cap['resource']}{_maybe(cap['answer'])}: "
                     f"{_actions(cap['actions'], cap['action_count'], cap['patterns'])} "
                     f"[{', '.join(cap['via'])}]")  # fmt: skip
    for cap in caps["removed"]:
        lines.append(f"  - can {cap['class']} on {cap['resource']}")
    for cap in caps["changed"]:
        what = []
        if cap["before"] != cap["answer"]:
            what.append(f"{cap['before']} -> {cap['answer']}")
        if cap["actions_added_count"]:
            what.append("+" + _actions(cap["actions_added"], cap["actions_added_count"]))
        if cap["actions_removed_count"]:
            what.append("-" + _actions(cap["actions_removed"], cap["actions_removed_count"]))
        lines.append(f"  ~ can {cap['class']} on {cap['resource']}: {'; '.join(what)}")
    for level in item["access_levels"]:
        lines.append(f"  ~ access level {level['level']}: {level['before']} -> {level['after']}"
                     " actions")  # fmt: skip
    for sign, name in (("+", "added"), ("-", "removed"), ("~", "changed")):
        for label, part in (("trusted", "trust"), ("escalation", "escalations")):
            for entry in item[part][name]:
                kinds = ", ".join("control of" if k == "grants" else k for k in entry["kinds"])
                was = f" ({entry['before']} -> {entry['answer']})" if name == "changed" else ""
                maybe = _maybe(entry["answer"]) if name == "added" else ""
                lines.append(f"  {sign} {label}: {entry['id']} [{kinds}]{was}{maybe}")
    reaches = item["reaches"]
    for entry in reaches["added"]:
        lines.append(f"  + reaches {entry['id']} ({entry['access']}){_maybe(entry['decision'])}")
    for entry in reaches["removed"]:
        lines.append(f"  - reaches {entry['id']} ({entry['access']})")
    for entry in reaches["changed"]:
        lines.append(f"  ~ reaches {entry['id']}: {entry['access_before']} ({entry['before']})"
                     f" -> {entry['access']} ({entry['decision']})")  # fmt: skip
    radius = item["blast_radius"]
    if radius["before"] != radius["after"]:
        lines.append(f"  blast radius: {radius['before']} -> {radius['after']} crown jewels")
    return lines


def _actions(sample: list[str], count: int, patterns: list[str] | None = None) -> str:
    if patterns and count > len(sample):  # as written: s3:*, *, NotAction ...
        return f"{', '.join(patterns)} ({count} actions)"
    if not sample:
        return "its permissions are not in the inputs" if not count else f"{count} actions"
    more = f" and {count - len(sample)} more" if count > len(sample) else ""
    return ", ".join(sample) + more
