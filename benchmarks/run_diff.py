#!/usr/bin/env python3
"""Measure ``iacguard diff PLAN`` and ``iacguard scan PLAN`` against a scan without the diff.

    python benchmarks/run_diff.py [--plan benchmarks/out/plan-10k.json] [--runs 3] [MANIFESTS...]

Three commands: ``scan --no-diff`` (a single scan), ``scan`` (which adds the diff when the
plan's state holds resources) and ``diff``. Each runs ``--runs`` times in a fresh process
with ``--format json`` and its output discarded; the figure is the median wall time and the
largest peak RSS (``ru_maxrss`` of the child, from ``os.wait4``). Issue 11's target: a diff
costs at most 2.5 times a single scan of the same inputs (``diff`` and ``scan`` against
``scan --no-diff``). Exits 1 when a ratio is above it. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 2.5


def _iacguard() -> str:
    beside = Path(sys.executable).parent / "iacguard"
    found = str(beside) if beside.exists() else shutil.which("iacguard")
    if found is None:
        sys.exit("iacguard is not installed")
    return found


def _run(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of one run."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(args)} exited {code}")
    return elapsed, usage.ru_maxrss


def _measure(args: list[str], runs: int) -> tuple[float, int]:
    results = [_run(args) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default="benchmarks/out/plan-10k.json")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("manifests", nargs="*", help="manifests or charts scanned with the plan")
    options = parser.parse_args()
    if not Path(options.plan).is_file():
        sys.exit(f"{options.plan}: generate it first (benchmarks/README.md)")
    tool = _iacguard()
    inputs = [options.plan, *options.manifests]
    scan = [tool, "scan", *inputs, "--format", "json", "--fail-on", "none"]
    scan_time, scan_rss = _measure([*scan, "--no-diff"], options.runs)
    both_time, both_rss = _measure(scan, options.runs)
    diff_time, diff_rss = _measure([tool, "diff", *inputs, "--format", "json"], options.runs)
    print(f"inputs: {' '.join(inputs)}  (median of {options.runs} runs)")
    print(f"scan --no-diff  {scan_time:6.2f} s  {scan_rss / 1024:6.0f} MB peak")
    print(f"scan            {both_time:6.2f} s  {both_rss / 1024:6.0f} MB peak  (with the diff)")
    print(f"diff            {diff_time:6.2f} s  {diff_rss / 1024:6.0f} MB peak")
    ratios = (diff_time / scan_time, both_time / scan_time)
    print(f"diff / scan --no-diff = {ratios[0]:.2f}, scan / scan --no-diff = {ratios[1]:.2f} "
          f"(target at most {TARGET_RATIO})")  # fmt: skip
    return 0 if max(ratios) <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
