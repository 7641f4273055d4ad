"""The identity graph across layers: exposure, workloads, Kubernetes service accounts, cloud
roles, CI subjects and external principals, and the crown jewels they reach."""

from iacguard.graph.build import build_graph
from iacguard.graph.model import Edge, IdentityGraph, Node
from iacguard.graph.paths import Path, blast_radius, find_paths, reach

__all__ = [
    "Edge",
    "IdentityGraph",
    "Node",
    "Path",
    "blast_radius",
    "build_graph",
    "find_paths",
    "reach",
]
