"""``iacguard identities`` for Google Cloud: every service account and member, who can become
it, what it can do, and the grants that say so."""

from __future__ import annotations

from typing import Any

from iacguard.engine.context import ScanIndex
from iacguard.gcp.capabilities import impersonations, summary
from iacguard.gcp.evaluate import GcpView, Principal, gcp_view
from iacguard.gcp.federation import ci_of, gke_federations, pool_providers
from iacguard.model.values import Tristate


def identities_json(index: ScanIndex) -> list[dict[str, Any]]:
    """One item per GCP principal of the inputs (service accounts first, by id)."""
    view = gcp_view(index)
    principals = [p for p in view.principals() if p.kind != "kubernetes"]
    if not principals:
        return []
    become: dict[str, list[dict[str, Any]]] = {}
    items = []
    for principal in principals:
        edges = impersonations(view, principal)
        for edge in edges:
            become.setdefault(edge.target.node_id, []).append(
                {
                    "source": principal.node_id,
                    "answer": edge.answer.value,
                    "via": f"{edge.kind} ({edge.permission})",
                }
            )
        items.append((principal, edges))
    for federation in gke_federations(index):
        if federation.answer is not Tristate.NO:
            become.setdefault(federation.target.node_id, []).append(
                {
                    "source": federation.account,
                    "answer": federation.answer.value,
                    "via": "gke-workload-identity",
                }
            )
    keys = _keys(index, view)
    found = [
        _identity(view, principal, edges, become.get(principal.node_id, []), keys)
        for principal, edges in items
    ]
    found.sort(key=lambda i: (i["kind"] != "service_account", i["id"]))
    return found


def _keys(index: ScanIndex, view: GcpView) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in index.planned("google_service_account_key"):
        for target in index.targets(key, "service_account_id"):
            found.setdefault(target.address, []).append(key.address)
    return found


def _identity(
    view: GcpView,
    principal: Principal,
    edges: list[Any],
    assumable_by: list[dict[str, Any]],
    keys: dict[str, list[str]],
) -> dict[str, Any]:
    kind = principal.kind if principal.member is None else principal.member.kind
    held = summary(view, principal)
    unresolved = sorted({g["role_unresolved"] for g in held["grants"] if g.get("role_unresolved")})
    item: dict[str, Any] = {
        "id": principal.node_id,
        "address": principal.address,
        "provider": "gcp",
        "kind": kind,
        "name": principal.label,
        "email": principal.email,
        "project": principal.project,
        "defined": principal.resource is not None,
        "assumable_by": assumable_by,
        "can_assume": [e.as_json() for e in edges],
        "keys": keys.get(principal.address, []),
        "grants": held["grants"],
        "capabilities": {"classes": held["classes"]},
        "unresolved": unresolved,
    }
    if principal.member is not None and principal.member.kind == "pool":
        providers = ci_of(principal.member, pool_providers(view.index))
        item["ci"] = [
            {
                "provider": p.provider,
                "address": p.resource.address,
                "issuer": p.issuer,
                "attribute_condition": p.condition,
            }
            for p in providers
        ]
    return item


def attach_gke(index: ScanIndex, document: dict[str, Any]) -> None:
    """Add the GKE Workload Identity edges to the Kubernetes accounts' ``federates_to``."""
    by_account: dict[str, list[dict[str, Any]]] = {}
    for edge in gke_federations(index):
        by_account.setdefault(edge.account, []).append(edge.as_json())
    for item in document["identities"]:
        if item["provider"] == "kubernetes" and item["id"] in by_account:
            item["federates_to"] = [*item.get("federates_to", []), *by_account[item["id"]]]


def gcp_text(item: dict[str, Any]) -> list[str]:
    """A GCP principal, as text."""
    defined = (
        "" if item["defined"] or item["kind"] != "service_account" else "  (not in the inputs)"
    )
    lines = [f"{item['id']}  ({item['address']}){defined}"]
    for source in item["assumable_by"]:
        maybe = " (maybe)" if source["answer"] == "unknown" else ""
        lines.append(f"  {source['source']} can become it, {source['via']}{maybe}")
    for edge in item["can_assume"]:
        maybe = " (maybe)" if edge["answer"] == "unknown" else ""
        lines.append(f"  can become {edge['target']} ({edge['kind']}: {edge['permission']}){maybe}")
    for key in item["keys"]:
        lines.append(f"  user-managed key {key}")
    for ci in item.get("ci", []):
        condition = ci["attribute_condition"] or "none: every token of the issuer"
        lines.append(
            f"  CI {ci['provider']} via {ci['address']} (attribute condition: {condition})"
        )
    for grant in item["grants"]:
        maybe = {"unknown": " (maybe)"}.get(grant["answer"], "")
        condition = f" if {grant['condition']['expression']}" if "condition" in grant else ""
        lines.append(
            f"  has {grant['role']} on {grant['scope']}{condition}{maybe}  [{grant['source']}]"
        )
        for note in [*grant.get("conflicts", []), *grant["why"]]:
            lines.append(f"    {note}")
    classes = item["capabilities"]["classes"]
    if not classes:
        lines.append("  can: nothing the inputs show")
    for name, routes in classes.items():
        maybe = "" if any(r["answer"] == "allowed" for r in routes) else " (maybe)"
        where = ", ".join(sorted({f"{r['scope']} ({r['role']})" for r in routes})[:3])
        lines.append(f"  can {name}{maybe}: {where}")
    for note in item["unresolved"]:
        lines.append(f"  note: {note}")
    return lines
