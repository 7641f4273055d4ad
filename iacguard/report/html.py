"""The HTML report (``--format html``, ``--output report.html``): one self-contained page.

Everything is inline: styles, a small script, and the identity graph as SVG drawn here (no
fonts, scripts, styles or images from anywhere else, so it works offline and from disk). The
page reads in full with JavaScript off; the script only adds the findings filters. It prints
with every section open.

Sections: the verdict and counts; the privilege diff (when there is a world before); the
identity graph (entry points → workloads → identities → crown jewels, from the paths, at most
:data:`GRAPH_NODES` nodes, the most serious paths first, with a note of what is left out);
identities and their blast radius; the findings, filterable by severity, framework, provider and
identity, each with its evidence and remediation; and the framework view, control by control.

Every value goes through Jinja's autoescaping; nothing from the inputs is ever markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Final

import jinja2

from iacguard.findings import SEVERITY_ORDER
from iacguard.frameworks import load_catalog
from iacguard.report.model import FindingOut, PathOut, Report

#: Nodes drawn at most; beyond, the most serious paths are kept and the rest counted.
GRAPH_NODES: Final = 50

_WORKLOAD_KINDS: Final = {
    "Deployment", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob", "Notebook",
    "InferenceService", "RayCluster", "RayService", "aws_sagemaker_notebook_instance",
    "aws_sagemaker_model", "aws_bedrockagent_agent", "aws_lambda_function",
}  # fmt: skip
_ENTRY_KINDS: Final = {"Service", "Ingress", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute"}
_COLUMNS: Final = ("Entry points", "Workloads", "Identities", "Crown jewels")


@dataclass
class _Node:
    id: str
    kind: str
    column: int
    label: str
    entry: str | None = None
    jewel: str | None = None
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Graph:
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    paths_drawn: int = 0
    paths_left: int = 0
    width: int = 0
    height: int = 0


def _column(index: int, last: int, kind: str, hop: dict[str, Any]) -> int:
    if index == last or hop.get("jewel"):
        return 3
    if kind in ("ci-subject", "aws-principal", "gcp-principal"):
        return 0
    if index == 0 and (hop.get("entry") or kind in _ENTRY_KINDS):
        return 0 if kind in _ENTRY_KINDS or kind in ("ci-subject", "aws-principal") else 1
    if kind in _ENTRY_KINDS:
        return 0
    if kind in _WORKLOAD_KINDS:
        return 1
    return 2


def _label(node_id: str) -> str:
    short = node_id.split(":", 1)[-1]
    return short if len(short) <= 38 else "…" + short[-37:]  # what a 250-pixel box holds


def build_graph(paths: list[PathOut], limit: int = GRAPH_NODES) -> _Graph:
    """The nodes and edges of the most serious paths, within ``limit`` nodes, laid out in the
    four columns."""
    graph = _Graph()
    for path in paths:
        hops = path.hops
        new = [h["id"] for h in hops if h["id"] not in graph.nodes]
        if len(graph.nodes) + len(new) > limit:
            graph.paths_left += 1
            continue
        graph.paths_drawn += 1
        previous: str | None = None
        for index, hop in enumerate(hops):
            node = graph.nodes.get(hop["id"])
            if node is None:
                column = _column(index, len(hops) - 1, hop.get("kind", ""), hop)
                node = graph.nodes[hop["id"]] = _Node(
                    hop["id"], hop.get("kind", ""), column, _label(hop["id"]),
                    hop.get("entry"), hop.get("jewel"),
                )  # fmt: skip
            if previous is not None:
                edge = hops[index - 1].get("edge") or {}
                key = (previous, node.id)
                found = graph.edges.setdefault(
                    key, {"kind": edge.get("kind", ""), "answer": edge.get("answer", "")}
                )
                if edge.get("answer") == "allowed":
                    found["answer"] = "allowed"
            previous = node.id
    columns: list[list[_Node]] = [[] for _ in _COLUMNS]
    for node in graph.nodes.values():
        columns[node.column].append(node)
    row_height, column_width, top = 34, 290, 40
    for position, members in enumerate(columns):
        members.sort(key=lambda n: n.id)
        for row, node in enumerate(members):
            node.x = 20 + position * column_width
            node.y = top + row * row_height
    graph.width = 20 + len(_COLUMNS) * column_width
    graph.height = top + max((len(c) for c in columns), default=1) * row_height + 10
    return graph


def _edge_path(source: _Node, target: _Node) -> str:
    """An SVG path between two boxes: a curve from the right side of one to the left side of
    the next column's, or, within a column (a role that becomes another), an arc out to the
    right so it crosses no box."""
    if source.column == target.column:
        x = source.x + 250
        y1, y2 = source.y + 12, target.y + 12
        bulge = x + 18 + min(abs(y2 - y1) / 6, 24)
        return f"M{x:g},{y1:g} C{bulge:g},{y1:g} {bulge:g},{y2:g} {x:g},{y2:g}"
    x1, y1 = source.x + 250, source.y + 12
    x2, y2 = target.x, target.y + 12
    if x2 < x1:  # back to an earlier column: leave from the left side, arrive on the right
        x1, x2 = source.x, target.x + 250
    middle = (x1 + x2) / 2
    return f"M{x1:g},{y1:g} C{middle:g},{y1:g} {middle:g},{y2:g} {x2:g},{y2:g}"


def _svg_data(graph: _Graph) -> dict[str, Any]:
    return {
        "width": graph.width,
        "height": graph.height,
        "columns": [{"x": 20 + i * 290, "title": t} for i, t in enumerate(_COLUMNS)],
        "nodes": list(graph.nodes.values()),
        "edges": [
            {
                "d": _edge_path(graph.nodes[a], graph.nodes[b]),
                "kind": data["kind"],
                "maybe": data["answer"] != "allowed",
                "title": f"{a} {data['kind']} {b}",
            }
            for (a, b), data in sorted(graph.edges.items())
        ],
        "drawn": graph.paths_drawn,
        "left": graph.paths_left,
    }


def _provider(finding: FindingOut) -> str:
    resource = finding.resource
    if resource.startswith("k8s:") or finding.check_id.startswith("k8s-"):
        return "kubernetes"
    for prefix, name in (("aws", "aws"), ("google", "gcp"), ("gcp", "gcp"), ("azure", "azure"),
                         ("kubernetes", "kubernetes"), ("helm", "kubernetes")):  # fmt: skip
        if resource.startswith(prefix) or finding.check_id.startswith(prefix):
            return name
    return "other"


def _identity(finding: FindingOut) -> str:
    """The identity a finding is about: the resource itself, or the first identity named in
    its evidence."""
    for item in finding.evidence:
        for key in ("identity", "role", "service_account", "principal"):
            value = item.get(key)
            if isinstance(value, str):
                return value
    return finding.resource


def _framework_view(report: Report) -> list[dict[str, Any]]:
    """Framework → control → findings (unsuppressed), in the catalog's order and words."""
    catalog = load_catalog()
    titles = {f.id: f"{f.name} ({f.version})" for f in catalog.frameworks.values()}
    controls = {
        (f.id, c.id): c.title for f in catalog.frameworks.values() for c in f.controls.values()
    }
    found: dict[str, dict[str, list[int]]] = {}
    for position, finding in enumerate(report.findings):
        if finding.suppressed:
            continue
        for framework, ids in finding.frameworks.items():
            for control in ids:
                found.setdefault(framework, {}).setdefault(control, []).append(position)
    return [
        {
            "id": framework,
            "title": titles.get(framework, framework),
            "controls": [
                {
                    "id": control,
                    "title": controls.get((framework, control), ""),
                    "findings": found[framework][control][:CONTROL_FINDINGS],
                    "more": max(len(found[framework][control]) - CONTROL_FINDINGS, 0),
                }
                for control in sorted(found[framework])
            ],
        }
        for framework in sorted(found)
    ]


#: Findings linked per control in the framework view (the findings filter shows them all).
CONTROL_FINDINGS: Final = 100
#: Evidence shown per finding, in characters (the JSON report has all of it).
EVIDENCE_CHARS: Final = 2000


def _evidence(finding: FindingOut) -> str:
    text = json.dumps(finding.evidence, indent=1, ensure_ascii=False)
    if len(text) <= EVIDENCE_CHARS:
        return text
    return (
        text[:EVIDENCE_CHARS]
        + f"\n… ({len(text) - EVIDENCE_CHARS:,} more characters in the JSON report)"
    )


def render_html(report: Report) -> str:
    """The page; the same report gives the same bytes."""
    template_text = files("iacguard.templates").joinpath("report.html.j2").read_text("utf-8")
    environment = jinja2.Environment(
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
    )
    template = environment.from_string(template_text)
    findings = [
        {
            "index": position,
            "finding": finding,
            "provider": _provider(finding),
            "identity": _identity(finding),
            "frameworks": " ".join(
                f"{name}:{control}" for name, ids in finding.frameworks.items() for control in ids
            ),
            "evidence": _evidence(finding),
        }
        for position, finding in enumerate(report.findings)
    ]
    active = [f for f in report.findings if not f.suppressed]
    return template.render(
        report=report,
        severities=[s.value for s in SEVERITY_ORDER],
        findings=findings,
        providers=sorted({_provider(f) for f in active}),
        identities=sorted({_identity(f) for f in active}),
        frameworks=sorted({name for f in active for name in f.frameworks}),
        framework_view=_framework_view(report),
        blast={b.id: b for b in report.blast_radius},
        graph=_svg_data(build_graph(report.paths)),
    )
