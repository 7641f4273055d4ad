"""Measure the identity graph: loading the inputs, building the graph, and the path search
(every entry point to every crown jewel), each in a fresh process, median of ``--runs``.

    python benchmarks/run_paths.py                    # plan-10k.json + manifests-5k.yaml
    python benchmarks/run_paths.py --plan benchmarks/out/plan-ai-stack-10k.json

Target: the path search (graph built from the inputs, then every path) under 2 seconds.
Exits 1 when the median of build + search misses ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"

_WORKER = """
import json, sys, time
from iacguard.engine.context import ScanIndex
from iacguard.graph import build_graph, find_paths
from iacguard.inputs import load_inputs
from iacguard.model.classification import classify_all
start = time.perf_counter()
loaded = load_inputs(sys.argv[1:])
resources = [r for doc in loaded.documents for r in doc.resources]
index = ScanIndex(resources, classify_all(resources))
loaded_at = time.perf_counter()
graph = build_graph(index)
built_at = time.perf_counter()
paths = find_paths(graph)
done = time.perf_counter()
print(json.dumps({
    "load": loaded_at - start, "build": built_at - loaded_at, "search": done - built_at,
    "nodes": len(graph.nodes), "edges": graph.edge_count(), "entries": len(graph.entries()),
    "jewels": len(graph.jewels()), "paths": len(paths), "resources": len(resources),
}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=OUT / "plan-10k.json")
    parser.add_argument("--manifests", type=Path, default=OUT / "manifests-5k.yaml")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    if not args.plan.exists():
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "generate_plan.py"),
                "--out",
                str(args.plan),
            ],
            check=True,
        )
    if not args.manifests.exists():
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "generate_manifests.py"),
                "--out",
                str(args.manifests),
            ],
            check=True,
        )
    runs = []
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", _WORKER, str(args.plan), str(args.manifests)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(done.stdout))
    first = runs[0]
    print(f"inputs: {args.plan.name} + {args.manifests.name} ({first['resources']} resources)")
    print(
        f"graph: {first['nodes']} nodes, {first['edges']} edges built, {first['entries']} entry "
        f"points, {first['jewels']} crown jewels, {first['paths']} paths"
    )
    print("| stage | median s |\n| --- | --- |")
    for stage in ("load", "build", "search"):
        print(f"| {stage} | {statistics.median(r[stage] for r in runs):.2f} |")
    total = statistics.median(r["build"] + r["search"] for r in runs)
    print(f"| build + search | {total:.2f} |")
    return 0 if total < args.max_seconds else 1


if __name__ == "__main__":
    sys.exit(main())
