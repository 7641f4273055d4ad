#!/usr/bin/env python3
"""Measure the HTML report of a plan: its size, and how long Chromium takes to open it.

    python benchmarks/run_html.py [--plan benchmarks/out/plan-10k.json] [--runs 3]

Writes the report with ``iacguard scan PLAN --output report.html``, then opens it ``--runs``
times in headless Chromium (the tests' driver, ``tests/browser.py``; Debian's ``chromium``)
and reports the median time to the load event. Issue 13's targets: under 3 seconds and under
10 MB. Exits 1 when either is missed, 2 when no browser is installed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, find_chromium  # noqa: E402

TARGET_SECONDS = 3.0
TARGET_BYTES = 10 * 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default="benchmarks/out/plan-10k.json")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    executable = find_chromium()
    if executable is None:
        print("no chromium installed", file=sys.stderr)
        return 2
    tool = shutil.which("iacguard") or str(Path(sys.executable).parent / "iacguard")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        subprocess.run(
            [tool, "scan", options.plan, "--output", str(page), "--fail-on", "none"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        size = page.stat().st_size
        times = []
        for _ in range(options.runs):
            browser = Browser(executable)
            try:
                times.append(browser.open(page))
                errors = browser.errors()
            finally:
                browser.close()
            if errors:
                print(f"console errors: {errors[:3]}", file=sys.stderr)
                return 1
    seconds = statistics.median(times)
    print(f"{options.plan}: {size / 1024 / 1024:.2f} MB, opens in {seconds:.2f} s "
          f"(median of {options.runs}; targets {TARGET_SECONDS} s, 10 MB)")  # fmt: skip
    return 0 if seconds < TARGET_SECONDS and size < TARGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
