"""The identity graph in documents: ``iacguard paths``, the blast radius that ``identities``
shows per identity and workload, and the paths section of the scan report."""

from __future__ import annotations

from typing import Any

from iacguard.graph.model import IdentityGraph
from iacguard.graph.paths import Path, blast_radius

#: Paths printed per entry point in text (JSON has them all).
TEXT_PATHS = 50


def paths_json(graph: IdentityGraph, paths: list[Path]) -> dict[str, Any]:
    """``{"paths": [...], "entry_points": n, "crown_jewels": n, "notes": [...]}``."""
    return {
        "paths": [p.as_json() for p in paths],
        "entry_points": len(graph.entries()),
        "crown_jewels": len(graph.jewels()),
        "notes": list(graph.notes),
    }


def paths_text(document: dict[str, Any]) -> str:
    """One line per path, then its hops with the evidence of each edge."""
    paths = document["paths"]
    lines = [
        f"{len(paths)} path{'s' if len(paths) != 1 else ''} from "
        f"{document['entry_points']} entry points to {document['crown_jewels']} crown jewels"
    ]
    for path in paths[:TEXT_PATHS]:
        maybe = "" if path["decision"] == "allowed" else "  (maybe)"
        lines.append("")
        lines.append(f"{path['from']} → {path['to']}  [{path['jewel']}, {path['access']}]{maybe}")
        lines.append(f"  entry: {path['entry']}")
        for hop in path["hops"]:
            edge = hop.get("edge")
            where = f"  ({hop['address']})" if "address" in hop else ""
            lines.append(f"  {hop['id']}{where}")
            if edge is not None:
                answer = "" if edge["answer"] == "allowed" else " (maybe)"
                lines.append(f"    └ {edge['kind']}{answer}: {edge['why']}")
    if len(paths) > TEXT_PATHS:
        lines.append("")
        lines.append(f"... {len(paths) - TEXT_PATHS} more paths (--format json lists them all)")
    for note in document.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def attach_blast_radius(graph: IdentityGraph, document: dict[str, Any]) -> None:
    """Add ``blast_radius`` to every identity of an ``identities`` document, and the
    workloads (Kubernetes workloads, notebooks, agents, functions) with theirs."""
    for item in document["identities"]:
        if item["id"] in graph.nodes:
            item["blast_radius"] = blast_radius(graph, item["id"])
    workloads = []
    for node in sorted(graph.nodes.values(), key=lambda n: n.id):
        runs_as = [e.target for e in graph.out(node.id) if e.kind == "runs-as"]
        if not runs_as:
            continue
        workloads.append(
            {
                "id": node.id,
                "kind": node.kind,
                "address": node.address,
                "entry": node.entry,
                "runs_as": runs_as,
                "blast_radius": blast_radius(graph, node.id),
            }
        )
    document["workloads"] = workloads


def blast_text(radius: dict[str, Any]) -> str | None:
    """``reaches 4 crown jewels (2 training-data, ...): a, b and 2 more``, or None."""
    if not radius["count"]:
        return None
    classes = ", ".join(f"{n} {c}" for c, n in radius["by_class"].items())
    names = [
        f"{r['id']} ({r['access']}{'' if r['decision'] == 'allowed' else ', maybe'})"
        for r in radius["reaches"][:3]
    ]
    more = f" and {radius['count'] - 3} more" if radius["count"] > 3 else ""
    noun = "crown jewel" if radius["count"] == 1 else "crown jewels"
    return f"reaches {radius['count']} {noun} ({classes}): {', '.join(names)}{more}"
