#!/usr/bin/env python3
"""Measure ``iacguard scan PLAN --format json`` on a large generated plan.

    python benchmarks/run_scan.py [--plan benchmarks/out/plan-10k.json] [--runs 5]

Three kinds of measurement, each in fresh processes so caches and heaps never carry over:

1. The command line, as a user runs it: ``iacguard scan PLAN --format json > /dev/null`` and the
   same with ``--no-resources``, plus ``iacguard version`` as the start-up baseline. Wall time is
   the median of ``--runs`` runs; peak RSS is the child's ``ru_maxrss`` as returned by
   ``os.wait4`` for that child alone (what ``/usr/bin/time -v`` reports as "Maximum resident
   set size").
2. An in-process breakdown, one fresh worker process per run (median of ``--runs``): reading and
   ``json.loads`` of the plan alone, ``iacguard.inputs.load_inputs`` (read + parse + normalise;
   normalise is the difference), ``iacguard.scan.scan`` + ``build_report`` (classification and
   report model) and ``iacguard.report.json_format.render_json``.
3. One more worker under ``tracemalloc`` (slow, so never timed): the Python-heap peak during
   each stage and the memory still held after it, and the source lines holding the most memory
   once the plan is loaded.

Targets, at 10,000 resource changes: load + model + JSON (the in-process total) under 2 s, and
the peak RSS of ``iacguard scan --format json`` under 300 MB. Exits 1 when either is missed.
``--profile`` adds a cProfile listing of one in-process run. Standard library only (plus
iacguard itself, imported by the workers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# This script's folder is on sys.path when it runs as a script.
from generate_plan import default_out

REPO_ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

STAGES = [
    ("parse", "read + decode + `json.loads` (alone)"),
    ("load_inputs", "`load_inputs` (read + parse + normalise)"),
    ("normalise", "  ↳ normalise (`load_inputs` - parse)"),
    ("scan", "`scan` (classify, run checks)"),
    ("build_report", "`build_report` (report model)"),
    ("render_json", "`render_json`"),
]
EXTRA_STAGES = [
    ("setup", "config + check discovery (not in the total)"),
    ("build_report_no_resources", "`build_report(include_resources=False)`"),
    ("render_json_no_resources", "`render_json` of it"),
]
TOTAL_STAGES = ("load_inputs", "scan", "build_report", "render_json")


# --------------------------------------------------------------------------- worker (in-process)


def _maxrss_bytes(usage: Any) -> int:
    # Linux reports KiB, macOS bytes.
    return int(usage.ru_maxrss) * (1 if sys.platform == "darwin" else 1024)


def worker(plan: str, mode: str, top: int) -> dict[str, Any]:
    """One pass over the stages in this (fresh) process. ``mode``: time, trace or profile."""
    import gc
    import resource

    import iacguard
    from iacguard.findings import FailOn
    from iacguard.inputs import load_inputs
    from iacguard.inputs.source import decode_text, read_inputs
    from iacguard.report.json_format import render_json
    from iacguard.scan import build_report, scan

    result: dict[str, Any] = {
        "rss_after_import": _maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF)),
        "iacguard_path": str(Path(iacguard.__file__).resolve().parent),
    }
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    trace: dict[str, dict[str, int]] = {}
    tracemalloc: Any = None
    if mode == "trace":
        import tracemalloc

        tracemalloc.start(1)

    def stage(name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        if tracemalloc is not None:
            tracemalloc.reset_peak()
        start, start_cpu = time.perf_counter(), time.process_time()
        value = func(*args, **kwargs)
        seconds[name] = time.perf_counter() - start
        cpu[name] = time.process_time() - start_cpu
        if tracemalloc is not None:
            current, peak = tracemalloc.get_traced_memory()
            trace[name] = {"peak": peak, "current": current}
        return value

    def parse_only() -> Any:
        raws, _ = read_inputs([plan])
        return json.loads(decode_text(raws[0]))

    document = stage("parse", parse_only)
    del document
    gc.collect()
    # The stages run as `iacguard scan` runs them: without the cyclic garbage collector, which
    # the command turns off for the scan (iacguard/cli.py, docs/performance.md).
    gc.disable()

    # ``scan`` as the command line calls it: with the configuration found from the current
    # folder and the discovered checks (iacguard versions before the check engine take only
    # the loaded inputs).
    import inspect

    run: Any
    if "checks" in inspect.signature(scan).parameters:
        from iacguard.config import find_and_load_config
        from iacguard.engine import discover_checks

        def setup() -> tuple[Any, Any]:
            return find_and_load_config(None), discover_checks([])

        settings, checks = stage("setup", setup)

        def run(loaded: Any) -> Any:
            return scan(loaded, settings, checks)

    else:
        seconds["setup"] = cpu["setup"] = 0.0
        trace["setup"] = {"peak": 0, "current": 0}

        scan_loaded_only: Any = scan

        def run(loaded: Any) -> Any:
            return scan_loaded_only(loaded)

    profiler = None
    if mode == "profile":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    loaded = stage("load_inputs", load_inputs, [plan])
    if tracemalloc is not None and top:
        snapshot = tracemalloc.take_snapshot()
        result["top_after_load"] = [
            {"where": str(s.traceback[0]), "bytes": s.size, "count": s.count}
            for s in snapshot.statistics("lineno")[:top]
        ]
        del snapshot
    scanned = stage("scan", run, loaded)
    report = stage("build_report", build_report, scanned, FailOn.HIGH, include_resources=True)
    text = stage("render_json", render_json, report)
    if profiler is not None:
        profiler.disable()
    result["report_bytes"] = len(text.encode("utf-8"))
    del text, report
    small = stage(
        "build_report_no_resources", build_report, scanned, FailOn.HIGH, include_resources=False
    )
    stage("render_json_no_resources", render_json, small)
    seconds["normalise"] = seconds["load_inputs"] - seconds["parse"]
    cpu["normalise"] = cpu["load_inputs"] - cpu["parse"]
    result["seconds"] = seconds
    result["cpu"] = cpu
    result["trace"] = trace
    result["resources"] = sum(len(d.resources) for d in loaded.documents)
    result["resource_changes"] = sum(d.resource_changes for d in loaded.documents)
    result["findings"] = len(scanned.findings)
    result["rss_peak"] = _maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF))
    if profiler is not None:
        import io
        import pstats

        for order in ("tottime", "cumulative"):
            buffer = io.StringIO()
            stats = pstats.Stats(profiler, stream=buffer)
            stats.sort_stats(order).print_stats(top or 30)
            result[f"profile_{order}"] = buffer.getvalue()
    return result


# --------------------------------------------------------------------------- parent


def run_child(
    argv: list[str], stdout: Any = subprocess.DEVNULL
) -> tuple[float, float, int, int, str]:
    """Run a command; return wall seconds, CPU seconds, its own peak RSS in bytes, exit code
    and standard error. ``os.wait4`` returns the resource usage of that one child."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=errors, cwd=REPO_ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        return (
            wall,
            usage.ru_utime + usage.ru_stime,
            _maxrss_bytes(usage),
            process.returncode,
            errors.read().decode(errors="replace"),
        )


def run_worker(plan: Path, mode: str, top: int) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out:
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", mode]
        argv += ["--plan", str(plan), "--top", str(top)]
        _, _, rss, code, errors = run_child(argv, stdout=out)
        if code != 0:
            raise SystemExit(f"worker ({mode}) failed with exit code {code}:\n{errors}")
        out.seek(0)
        result: dict[str, Any] = json.loads(out.read())
        result["child_rss_peak"] = rss
        return result


def find_iacguard(given: str | None) -> str:
    if given:
        return given
    beside = Path(sys.executable).parent / "iacguard"
    if beside.exists():
        return str(beside)
    found = shutil.which("iacguard")
    if not found:
        raise SystemExit("iacguard executable not found: pass --iacguard PATH")
    return found


def measure_cli(argv: list[str], runs: int) -> dict[str, Any]:
    walls, cpus, rsss = [], [], []
    for _ in range(runs):
        wall, cpu, rss, code, errors = run_child(argv)
        if code not in (0, 1):  # 1: the --fail-on gate tripped, still a full run
            raise SystemExit(f"{' '.join(argv)} failed with exit code {code}:\n{errors}")
        walls.append(wall)
        cpus.append(cpu)
        rsss.append(rss)
    return {"walls": walls, "cpus": cpus, "rsss": rsss}


def machine(iacguard_path: str) -> dict[str, str]:
    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            total_kb = int(meminfo.readline().split()[1])
        info["memory"] = f"{total_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    package = Path(iacguard_path)
    if not package.is_relative_to(REPO_ROOT):
        info["commit"] = f"installed at {package}"
        return info
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "iacguard"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["commit"] = commit + (" + uncommitted changes in iacguard/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


def short_path(text: str) -> str:
    """Shorten file names in profile and tracemalloc output: ``iacguard/...``, ``json/...``."""
    prefixes = [str(REPO_ROOT) + os.sep]
    prefixes += sorted(
        {p + os.sep for p in sys.path if p and os.path.isdir(p)}, key=len, reverse=True
    )
    for prefix in prefixes:
        text = text.replace(prefix, "")
    return text


def fmt_s(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--plan",
        type=Path,
        help="plan to scan (default: benchmarks/out/plan-10k.json, generated when missing)",
    )
    parser.add_argument(
        "--count",
        type=int,
        default=10_000,
        help="resource changes of the default plan (benchmarks/out/plan-COUNT.json)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--iacguard", help="iacguard executable (default: next to this Python)")
    parser.add_argument("--max-seconds", type=float, default=2.0)
    parser.add_argument("--max-mb", type=float, default=300.0)
    parser.add_argument("--top", type=int, default=12, help="allocation sites / profile lines")
    parser.add_argument("--profile", action="store_true", help="add a cProfile listing")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--json-out", type=Path, help="also write every figure as JSON")
    parser.add_argument("--worker", choices=["time", "trace", "profile"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.plan is None:
        args.plan = default_out(args.count)
    if args.worker:
        sys.stdout.write(json.dumps(worker(str(args.plan), args.worker, args.top)))
        return 0

    plan = args.plan.resolve()
    if not plan.exists():
        generator = Path(__file__).resolve().parent / "generate_plan.py"
        if args.plan != default_out(args.count):
            parser.error(f"--plan {args.plan}: no such file")
        print(f"generating {plan} ({args.count} resource changes)...", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(generator), "--count", str(args.count), "--out", str(plan)],
            check=True,
        )
    iacguard = find_iacguard(args.iacguard)
    runs = max(1, args.runs)
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None

    print(f"measuring {plan.name}: command line ({runs} runs each)...", file=sys.stderr)
    cli = {
        "scan --format json": measure_cli([iacguard, "scan", str(plan), "--format", "json"], runs),
        "scan --format json --no-resources": measure_cli(
            [iacguard, "scan", str(plan), "--format", "json", "--no-resources"], runs
        ),
        "version (start-up only)": measure_cli([iacguard, "version"], runs),
    }
    print(f"in-process breakdown ({runs} fresh workers)...", file=sys.stderr)
    workers = [run_worker(plan, "time", 0) for _ in range(runs)]
    traced = None
    if not args.no_trace:
        print("tracemalloc run...", file=sys.stderr)
        traced = run_worker(plan, "trace", args.top)
    profiled = run_worker(plan, "profile", args.top * 2) if args.profile else None

    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    seconds = {name: [w["seconds"][name] for w in workers] for name, _ in STAGES + EXTRA_STAGES}
    cpu_seconds = {name: [w["cpu"][name] for w in workers] for name, _ in STAGES + EXTRA_STAGES}
    cpu_total = statistics.median(sum(w["cpu"][s] for s in TOTAL_STAGES) for w in workers)
    totals = [sum(w["seconds"][s] for s in TOTAL_STAGES) for w in workers]
    total = statistics.median(totals)
    scan_rss = max(cli["scan --format json"]["rsss"])
    time_ok = total < args.max_seconds
    memory_ok = scan_rss < args.max_mb * MB

    first = workers[0]
    lines = []
    info = machine(first["iacguard_path"])
    lines.append(
        f"Plan `{plan.name}`: {plan.stat().st_size / 1e6:.1f} MB, "
        f"{first['resource_changes']:,} resource changes, {first['resources']:,} resources "
        f"analysed, {first['findings']:,} findings; "
        f"JSON report {first['report_bytes'] / 1e6:.1f} MB. "
        f"Python {info['python']} ({info['implementation']}), {info['cpus']} CPUs"
        + (f", {info['memory']} RAM" if "memory" in info else "")
        + (f", {info['cpu']}" if "cpu" in info else "")
        + "."
        + (f" iacguard: `{info['commit']}`." if "commit" in info else "")
        + (
            f" Load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
            " (other processes share the CPUs: compare wall and CPU time)."
            if load_before and load_after
            else ""
        )
    )
    lines.append("")
    lines.append(f"Command line, `iacguard ... > /dev/null`, median of {runs} run(s):")
    lines.append("")
    lines.append(
        "| Command | Wall median (s) | Wall min-max (s) | CPU median (s) "
        "| Peak RSS median (MB) | Peak RSS max (MB) |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, figures in cli.items():
        walls, rsss = figures["walls"], figures["rsss"]
        lines.append(
            f"| `iacguard {name}` | {fmt_s(walls)} | {min(walls):.3f} to {max(walls):.3f} | "
            f"{fmt_s(figures['cpus'])} | "
            f"{statistics.median(rsss) / MB:.0f} | {max(rsss) / MB:.0f} |"
        )
    lines.append("")
    lines.append(f"In-process breakdown, median of {runs} fresh process(es):")
    lines.append("")
    header = "| Stage | Wall median (s) | CPU median (s) | Share of total |"
    rule = "|---|---:|---:|---:|"
    if traced:
        header += " tracemalloc peak in stage (MB) | Held after stage (MB) |"
        rule += "---:|---:|"
    lines.append(header)
    lines.append(rule)
    for name, label in STAGES + EXTRA_STAGES:
        median = statistics.median(seconds[name])
        share = f"{median / total:.0%}" if name in (*TOTAL_STAGES, "parse", "normalise") else ""
        row = f"| {label} | {median:.3f} | {statistics.median(cpu_seconds[name]):.3f} | {share} |"
        if traced:
            t = traced["trace"].get(name)
            row += f" {t['peak'] / MB:.0f} | {t['current'] / MB:.0f} |" if t else " | |"
        lines.append(row)
    lines.append(
        f"| **Total: load + model + JSON** | **{total:.3f}** | **{cpu_total:.3f}** | 100% |"
        + (" | |" if traced else "")
    )
    lines.append("")
    rss_import = statistics.median(w["rss_after_import"] for w in workers)
    rss_peak = statistics.median(w["child_rss_peak"] for w in workers)
    lines.append(
        f"Worker RSS: {rss_import / MB:.0f} MB after imports, {rss_peak / MB:.0f} MB peak (median)."
    )
    lines.append("")
    lines.append("| Target | Measured | Limit | Met |")
    lines.append("|---|---:|---:|:---:|")
    lines.append(
        f"| Time: load + model + JSON (in-process median) | {total:.2f} s | "
        f"{args.max_seconds:.2f} s | {'yes' if time_ok else '**no**'} |"
    )
    lines.append(
        f"| Memory: peak RSS of `iacguard scan --format json` (max of runs) | "
        f"{scan_rss / MB:.0f} MB | {args.max_mb:.0f} MB | {'yes' if memory_ok else '**no**'} |"
    )
    if first["resource_changes"] != 10_000:
        lines.append("")
        lines.append(
            f"Note: the targets are defined at 10,000 resource changes; this plan has "
            f"{first['resource_changes']:,}."
        )
    if traced and traced.get("top_after_load"):
        lines.append("")
        lines.append("Python memory held once the plan is loaded, by line (tracemalloc):")
        lines.append("")
        lines.append("| Allocated at | MB | Blocks |")
        lines.append("|---|---:|---:|")
        for site in traced["top_after_load"]:
            where = short_path(site["where"])
            lines.append(f"| `{where}` | {site['bytes'] / MB:.1f} | {site['count']:,} |")
    print("\n".join(lines))
    if profiled:
        print("\n```\ncProfile, load_inputs → render_json, by own time\n")
        print(short_path(profiled["profile_tottime"].strip()))
        print("\ncProfile, by cumulative time\n")
        print(short_path(profiled["profile_cumulative"].strip()))
        print("```")
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "plan": str(plan),
                    "machine": info,
                    "cli": cli,
                    "workers": workers,
                    "traced": traced,
                    "total_seconds": total,
                    "total_cpu_seconds": cpu_total,
                    "loadavg": [load_before, load_after],
                    "targets": {"time_ok": time_ok, "memory_ok": memory_ok},
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
