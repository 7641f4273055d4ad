"""``iacguard identities``: every AWS identity with who can become it and what it can do."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from iacguard.aws.identities import AwsIdentity
from iacguard.aws.trust import TrustedPrincipal, trusted_by
from iacguard.aws.view import AwsView, aws_view
from iacguard.azure.summary import azure_text
from iacguard.engine.context import ScanIndex
from iacguard.gcp.summary import gcp_text
from iacguard.graph.report import blast_text


def _trust_json(principal: TrustedPrincipal) -> dict[str, Any]:
    return {
        "kind": principal.kind,
        "principal": principal.principal,
        "provider": principal.provider,
        "actions": list(principal.actions),
        "subjects": list(principal.subjects),
        "audiences": list(principal.audiences),
        "conditions": principal.conditions,
        "answer": principal.decision.value,
        "why": principal.why,
    }


def identity_json(
    view: AwsView, identity: AwsIdentity, assumable_by: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One identity: ids, who can become it, capabilities, escalations, unresolved pieces."""
    trusted: list[dict[str, Any]] = []
    trust_unknown: list[str] = []
    if identity.kind == "role":
        principals, trust_unknown = trusted_by(view.index, identity.resource)
        trusted = [_trust_json(p) for p in principals]
    admin = view.admin(identity)
    return {
        "id": identity.node_id,
        "address": identity.address,
        "provider": "aws",
        "kind": identity.kind,
        "name": identity.name,
        "trusted_by": trusted,
        "trust_unknown": trust_unknown,
        "assumable_by": assumable_by or [],
        "can_assume": [e.as_json() for e in view.assume_edges(identity)],
        "groups": list(identity.groups),
        "policies": [
            {"source": p.source, "kind": p.kind, "note": p.note}
            for p in (*identity.policies, *([identity.boundary] if identity.boundary else []))
        ],
        "capabilities": view.summary(identity).as_json(),
        "admin_equivalent": admin.as_json() if admin else None,
        "escalations": [e.as_json() for e in view.escalations(identity)],
        "unresolved": list(identity.unresolved),
    }


def identities_json(index: ScanIndex) -> dict[str, Any]:
    """``{"identities": [...]}`` for every AWS identity of the inputs, by address."""
    view = aws_view(index)
    reverse: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for identity in view.identities:
        for edge in view.assume_edges(identity):
            reverse[edge.target].append(
                {"source": identity.address, "answer": edge.answer.value, "via": edge.via}
            )
    return {"identities": [identity_json(view, i, reverse.get(i.address)) for i in view.identities]}


def identities_text(document: dict[str, Any]) -> str:
    """The human form: one block per identity."""
    lines: list[str] = []
    for item in document["identities"]:
        if item["provider"] == "kubernetes":
            lines.extend(_k8s_text(item))
            continue
        if item["provider"] in ("gcp", "azure"):
            lines.extend(gcp_text(item) if item["provider"] == "gcp" else azure_text(item))
            lines.extend(_blast_lines(item))
            lines.append("")
            continue
        lines.append(f"{item['id']}  ({item['address']})")
        for trust in item["trusted_by"]:
            who = trust["principal"] if trust["kind"] != "any" else "anyone (*)"
            provider = f" {trust['provider']}" if trust["provider"] else ""
            subjects = f"  subjects {', '.join(trust['subjects'])}" if trust["subjects"] else ""
            maybe = " (maybe)" if trust["answer"] == "unknown" else ""
            lines.append(f"  trusted by {trust['kind']}{provider} {who}{subjects}{maybe}")
        for note in item["trust_unknown"]:
            lines.append(f"  trust unknown: {note}")
        for source in item["assumable_by"]:
            maybe = " (maybe)" if source["answer"] == "unknown" else ""
            lines.append(f"  assumable by {source['source']} ({source['via']}){maybe}")
        for edge in item["can_assume"]:
            maybe = " (maybe)" if edge["answer"] == "unknown" else ""
            lines.append(f"  can assume {edge['target']} ({edge['via']}){maybe}")
        admin = item["admin_equivalent"]
        if admin:
            maybe = " (maybe)" if admin["answer"] == "unknown" else ""
            lines.append(f"  ADMINISTRATOR-EQUIVALENT{maybe} ({admin['route']}): {admin['why']}")
        classes = item["capabilities"]["classes"]
        if not classes:
            lines.append("  can: nothing the inputs show")
        for grant in classes:
            resources = ", ".join(grant["resources"][:3]) + (
                f" and {len(grant['resources']) - 3} more" if len(grant["resources"]) > 3 else ""
            )
            maybe = " (maybe)" if grant["answer"] == "unknown" else ""
            lines.append(
                f"  can {grant['class']} [{grant['severity']}]{maybe}: "
                f"{grant['action_count']} action{'' if grant['action_count'] == 1 else 's'} "
                f"on {resources}"
            )
        for risk in item["escalations"]:
            maybe = " (maybe)" if risk["answer"] == "unknown" else ""
            actions = ", ".join(a["action"] for a in risk["actions"])
            targets = f" → {', '.join(risk['targets'])}" if risk["targets"] else ""
            lines.append(f"  escalation {risk['method']}{maybe}: {actions}{targets}")
            for statement in risk["statements"]:
                lines.append(
                    f"    {statement['action']} allowed by {statement['policy']} "
                    f"{statement['statement']}"
                )
        lines.extend(_blast_lines(item))
        for note in [*item["unresolved"], *item["capabilities"]["notes"]]:
            lines.append(f"  note: {note}")
        lines.append("")
    if not document["identities"]:
        lines.append("No identities in the inputs.")
    reaching = [w for w in document.get("workloads", []) if w["blast_radius"]["count"]]
    if reaching:
        lines.append("Workloads")
        for workload in reaching:
            entry = f"  entry point: {workload['entry']}" if workload["entry"] else ""
            lines.append(f"  {workload['id']} runs as {', '.join(workload['runs_as'])}{entry}")
            lines.extend("  " + line for line in _blast_lines(workload))
    return "\n".join(lines).rstrip() + "\n"


def _blast_lines(item: dict[str, Any]) -> list[str]:
    radius = item.get("blast_radius")
    shown = blast_text(radius) if radius is not None else None
    return [f"  {shown}"] if shown else []


def _k8s_text(item: dict[str, Any]) -> list[str]:
    """A Kubernetes service account, as text."""
    defined = "" if item["defined"] else "  (not defined in the inputs)"
    lines = [f"{item['id']}  {item['name']}{defined}"]
    for use in item["used_by"]:
        exposed = "; ".join(f"{e['scope']} via {', '.join(e['via'])}" for e in use["exposed"])
        lines.append(
            f"  used by {use['workload']} ({use['part']})"
            + (f"  exposed: {exposed}" if exposed else "")
        )
    for binding in item["bindings"]:
        lines.append(f"  bound by {binding}")
    for edge in item.get("federates_to", []):
        maybe = {"unknown": " (maybe)", "denied": " (no)"}.get(edge["answer"], "")
        lines.append(f"  becomes {edge['role']} ({edge['via']}){maybe}: {edge['why']}")
    classes = item["capabilities"]["classes"]
    if not classes:
        lines.append("  can: nothing the inputs show")
    for grant in classes:
        maybe = " (maybe)" if grant["answer"] == "unknown" else ""
        where = ", ".join("every namespace" if r == "*" else r for r in grant["resources"])
        lines.append(
            f"  can {grant['class']} [{grant['severity']}]{maybe}: "
            f"{', '.join(grant['actions'][:4])} in {where}"
        )
    for risk in item["escalations"]:
        maybe = " (maybe)" if risk["answer"] == "unknown" else ""
        where = ", ".join("every namespace" if n == "*" else n for n in risk["namespaces"])
        targets = f" → {', '.join(risk['targets'][:5])}" if risk["targets"] else ""
        lines.append(f"  escalation {risk['method']}{maybe} in {where}{targets}")
    lines.extend(_blast_lines(item))
    for note in item["unresolved"]:
        lines.append(f"  note: {note}")
    lines.append("")
    return lines
