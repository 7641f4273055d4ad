"""Measure what rendering Helm charts adds to ``iacguard scan``.

Copies ``examples/charts/llm-serving`` (a chart with a vendored subchart) ``--count`` times into
a temporary folder, then times ``iacguard scan FOLDER --format json`` (median of ``--runs``)
against ``iacguard version`` (start-up alone). Target: 20 charts add under 2 seconds.

    python benchmarks/run_charts.py --count 20 --renderer embedded
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "examples" / "charts" / "llm-serving"


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--renderer", default="auto", choices=("auto", "embedded", "binary"))
    parser.add_argument("--iacguard", default=str(Path(sys.executable).parent / "iacguard"))
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="iacguard-charts-") as scratch:
        for number in range(options.count):
            shutil.copytree(CHART, Path(scratch) / f"chart-{number}")
        scan = [options.iacguard, "scan", scratch, "--format", "json", "--fail-on", "none"]
        scan += ["--renderer", options.renderer]
        startup = statistics.median(
            _time([options.iacguard, "version"]) for _ in range(options.runs)
        )
        total = statistics.median(_time(scan) for _ in range(options.runs))
    added = total - startup
    print(
        f"{options.count} charts: scan {total:.2f} s, start-up {startup:.2f} s, "
        f"charts add {added:.2f} s"
    )
    print(f"target: under 2.00 s added for 20 charts: {'met' if added < 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
