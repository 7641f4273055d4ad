"""The privilege diff: what a change gives to whom, from the identity graphs of the world before
and the world after it.

The world before is built from the same plan: every resource the plan changes, deletes or
leaves alone, with its ``before`` values (what the prior state holds); resources the plan
creates are not in it. Kubernetes manifests and charts are the same in both worlds. Or the two
worlds are given explicitly (``iacguard diff --before ... --after ...``).

Compared per identity (AWS roles and users, GCP and Azure identities, Kubernetes service
accounts, CI subjects and outside principals): the crown jewels it reaches, with the access and
the answer; and per path from an entry point to a crown jewel: opened, closed, or changed
between Maybe and Yes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from iacguard.aws.view import aws_view
from iacguard.azure.evaluate import azure_view
from iacguard.azure.summary import role_classes
from iacguard.engine.context import ScanIndex
from iacguard.gcp.capabilities import held_classes
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


def _key(path: Path) -> tuple[str, str]:
    return (path.source.id, path.target.id)


def _identities(graph: IdentityGraph) -> set[str]:
    return {n.id for n in graph.nodes.values() if n.kind in IDENTITY_KINDS}


def _reaches(graph: IdentityGraph, node: str) -> dict[str, Path]:
    return {p.target.id: p for p in reach(graph, node).values()}


def _reach_json(path: Path) -> dict[str, Any]:
    return {
        "id": path.target.id,
        "jewel": path.target.jewel,
        "access": path.access,
        "decision": path.decision.value,
        "via": [n.id for n in path.nodes[1:-1]],
    }


def privilege_diff(before: ScanIndex, after: ScanIndex) -> dict[str, Any]:
    """``{"identities": [...], "paths": {"opened", "closed", "changed"}, "summary"}``."""
    old, new = build_graph(before), build_graph(after)
    old_ids, new_ids = _identities(old), _identities(new)
    old_classes, new_classes = capability_classes(before), capability_classes(after)
    identities: list[dict[str, Any]] = []
    for node_id in sorted(old_ids | new_ids | old_classes.keys() | new_classes.keys()):
        was = _reaches(old, node_id) if node_id in old_ids else {}
        now = _reaches(new, node_id) if node_id in new_ids else {}
        added = [_reach_json(now[k]) for k in sorted(now.keys() - was.keys())]
        removed = [_reach_json(was[k]) for k in sorted(was.keys() - now.keys())]
        changed = [
            {
                **_reach_json(now[k]),
                "before": was[k].decision.value,
                "access_before": was[k].access,
            }
            for k in sorted(now.keys() & was.keys())
            if now[k].decision is not was[k].decision or now[k].access != was[k].access
        ]
        classes = class_changes(old_classes.get(node_id, {}), new_classes.get(node_id, {}))
        existed = node_id in old_ids or node_id in old_classes
        exists = node_id in new_ids or node_id in new_classes
        status = "added" if not existed else "removed" if not exists else "changed"
        if not (added or removed or changed or any(classes.values())):
            continue  # nothing it can do or reach changed (a new identity that can do nothing)
        graph = new if node_id in new.nodes else old
        node = graph.nodes.get(node_id)
        identities.append(
            {
                "id": node_id,
                "address": node.address if node is not None else None,
                "kind": node.kind if node is not None else None,
                "change": status,
                "classes_added": classes["added"],
                "classes_removed": classes["removed"],
                "classes_changed": classes["changed"],
                "reaches_added": added,
                "reaches_removed": removed,
                "reaches_changed": changed,
            }
        )
    was_paths = {_key(p): p for p in find_paths(old)}
    now_paths = {_key(p): p for p in find_paths(new)}
    paths = {
        "opened": [now_paths[k].as_json() for k in sorted(now_paths.keys() - was_paths.keys())],
        "closed": [was_paths[k].as_json() for k in sorted(was_paths.keys() - now_paths.keys())],
        "changed": [
            {**now_paths[k].as_json(), "before": was_paths[k].decision.value}
            for k in sorted(now_paths.keys() & was_paths.keys())
            if now_paths[k].decision is not was_paths[k].decision
            or now_paths[k].access != was_paths[k].access
        ],
    }
    document: dict[str, Any] = {
        "identities": identities,
        "paths": paths,
        "summary": _summary(identities, paths),
    }
    document["new_severity"] = new_severity(document)
    return document


#: Severity of a new reach, by the access it gives (ARCHITECTURE.md's class severities).
_ACCESS_SEVERITY = {
    "permissions-management": "critical",
    "cluster-admin": "critical",
    "full-admin": "critical",
    "write-data": "high",
    "read-secrets": "high",
    "decrypt": "high",
    "read-data": "medium",
}
SEVERITIES = ("critical", "high", "medium", "low")
#: Access classes, strongest first: a change to a stronger one adds privilege.
_ORDER = {
    name: rank
    for rank, name in enumerate(
        (
            "full-admin",
            "permissions-management",
            "cluster-admin",
            "write-data",
            "read-secrets",
            "decrypt",
            "read-data",
        )
    )
}


def new_severity(document: dict[str, Any]) -> str | None:
    """The most severe thing the change adds: control of IAM or a cluster is critical, a new
    path from an entry point high, other new reaches by their access; ``None`` for nothing."""
    found: set[str] = set()
    for item in document["identities"]:
        for reach_item in item["reaches_added"]:
            found.add(_ACCESS_SEVERITY.get(reach_item["access"] or "", "low"))
        for reach_item in item["reaches_changed"]:
            was, now = reach_item["access_before"] or "", reach_item["access"] or ""
            stronger = _ORDER.get(now, 99) < _ORDER.get(was, 99)
            surer = (
                was == now
                and reach_item["before"] != "allowed"
                and reach_item["decision"] == "allowed"
            )
            if stronger or surer:  # a weaker access, or a Yes become Maybe, adds nothing
                found.add(_ACCESS_SEVERITY.get(now, "low"))
    if document["paths"]["opened"]:
        found.add("high")
    for path in document["paths"]["opened"]:
        if path["jewel"] in ("iam-control", "cluster-admin"):
            found.add("critical")
    return next((s for s in SEVERITIES if s in found), None)


def gate_trips(document: dict[str, Any], threshold: str) -> bool:
    """Does the change add something at or above ``threshold`` (``none`` never trips)?"""
    severity = document.get("new_severity")
    if threshold == "none" or severity is None:
        return False
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


def _summary(identities: list[dict[str, Any]], paths: dict[str, list[Any]]) -> str:
    if not identities and not any(paths.values()):
        return "This change grants and removes nothing that reaches a crown jewel."
    parts = []
    grants = sum(len(i["reaches_added"]) for i in identities)
    removals = sum(len(i["reaches_removed"]) for i in identities)
    if grants:
        parts.append(
            f"grants {grants} new access{'es' if grants != 1 else ''} to crown jewels "
            f"({sum(1 for i in identities if i['reaches_added'])} identities)"
        )
    if removals:
        parts.append(f"removes {removals}")
    for name, verb in (("opened", "opens"), ("closed", "closes")):
        count = len(paths[name])
        if count:
            parts.append(f"{verb} {count} path{'s' if count != 1 else ''} from entry points")
    changed = len(paths["changed"]) + sum(len(i["reaches_changed"]) for i in identities)
    if changed:
        parts.append(
            f"changes the access or the answer (Maybe, Yes) of {changed} reach"
            + ("es" if changed != 1 else "")
        )
    return "This change " + "; ".join(parts) + "."


def diff_text(document: dict[str, Any]) -> str:
    """The human form."""
    lines = [document["summary"]]
    for item in document["identities"]:
        label = {"added": "new identity ", "removed": "removed identity "}.get(item["change"], "")
        lines.append(f"{label}{item['id']}" + (f"  ({item['address']})" if item["address"] else ""))
        for entry in item["classes_added"]:
            maybe = " (maybe)" if entry["answer"] == "unknown" else ""
            lines.append(f"  + can {entry['class']}{maybe}: {', '.join(entry['via'][:3])}")
        for entry in item["classes_removed"]:
            lines.append(f"  - can {entry['class']}")
        for entry in item["classes_changed"]:
            lines.append(f"  ~ can {entry['class']}: {entry['before']} -> {entry['answer']}")
        for reach_item in item["reaches_added"]:
            maybe = " (maybe)" if reach_item["decision"] == "unknown" else ""
            lines.append(f"  + {reach_item['access']} on {reach_item['id']}{maybe}")
        for reach_item in item["reaches_removed"]:
            lines.append(f"  - {reach_item['access']} on {reach_item['id']}")
        for reach_item in item["reaches_changed"]:
            lines.append(
                f"  ~ {reach_item['id']}: {reach_item['access_before']} "
                f"({reach_item['before']}) -> {reach_item['access']} ({reach_item['decision']})"
            )
    for name, sign in (("opened", "+"), ("closed", "-"), ("changed", "~")):
        for path in document["paths"][name]:
            hops = " → ".join(h["id"] for h in path["hops"])
            lines.append(f"{sign} path {hops}  [{path['access']}, {path['decision']}]")
    return "\n".join(lines) + "\n"


def capability_classes(index: ScanIndex) -> dict[str, dict[str, dict[str, Any]]]:
    """Identity node id → capability class → ``{"answer", "via"}`` (actions for AWS and
    Kubernetes, roles on scopes for GCP and Azure), across the providers of the inputs."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    aws = aws_view(index)
    for identity in aws.identities:
        if identity.kind == "group":
            continue
        summary = aws.summary(identity)
        found[identity.node_id] = {
            grant.name: {
                "answer": (Tristate.MAYBE if grant.conditional else Tristate.YES).value,
                "via": sorted(grant.actions)[:5],
            }
            for grant in summary.classes
        }
    gcp = gcp_view(index)
    for principal in gcp.principals():
        if principal.kind == "kubernetes":
            continue
        held = held_classes(gcp, principal)
        found[principal.node_id] = {
            name: {"answer": answer.value, "via": routes[:3]}
            for name, (answer, routes) in held.items()
        }
    azure = azure_view(index)
    for azure_identity in azure.identities:
        classes = role_classes(azure, azure_identity)
        found[azure_identity.node_id] = {
            name: {
                "answer": Tristate.YES.value
                if any(r["answer"] == Tristate.YES.value for r in routes)
                else Tristate.MAYBE.value,
                "via": sorted({f"{r['role']} on {r['scope']}" for r in routes})[:3],
            }
            for name, routes in classes.items()
        }
    k8s = k8s_view(index)
    for account in k8s.accounts.values():
        found[account.node_id] = {
            kclass.name: {"answer": kclass.answer.value, "via": list(kclass.probes[:3])}
            for kclass in k8s.classes(account)
        }
    return found


def class_changes(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Classes added, removed, or whose answer changed, of one identity."""
    return {
        "added": [{"class": n, **after[n]} for n in sorted(after.keys() - before.keys())],
        "removed": [{"class": n, **before[n]} for n in sorted(before.keys() - after.keys())],
        "changed": [
            {"class": n, **after[n], "before": before[n]["answer"]}
            for n in sorted(after.keys() & before.keys())
            if after[n]["answer"] != before[n]["answer"]
        ],
    }
