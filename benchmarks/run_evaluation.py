"""Time AWS policy evaluation for every IAM identity of a large plan.

    python benchmarks/run_evaluation.py [--plan benchmarks/out/plan-10k.json]

Loads the plan (not timed), then times identity resolution (policies, attachments, groups,
boundaries, managed policies) and the evaluation of a set of requests for every identity,
as ``iacguard query`` evaluates them. Target at 10,000 resource changes: under 1.5 s.
Standard library only (plus an installed iacguard). Runs without the cyclic garbage
collector, as the command line does.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path

REQUESTS = (
    ("s3:GetObject", "arn:aws:s3:::acme-ml-training-data/part-0.parquet"),
    ("s3:PutObject", "arn:aws:s3:::acme-ml-model-artifacts/model.bin"),
    ("secretsmanager:GetSecretValue", "*"),
    ("iam:PassRole", "*"),
    ("iam:CreatePolicyVersion", "*"),
    ("sts:AssumeRole", "*"),
    ("kms:Decrypt", "*"),
    ("bedrock:InvokeModel", "*"),
)


def main() -> int:
    """Measure and print a Markdown table; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan", default="benchmarks/out/plan-10k.json")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=1.5)
    args = parser.parse_args()

    from iacguard.aws.identities import IdentityResolver
    from iacguard.aws.query import answer_query
    from iacguard.engine.context import ScanIndex
    from iacguard.inputs import load_inputs
    from iacguard.model.classification import classify_all

    gc.disable()
    loaded = load_inputs([args.plan])
    resources = [r for d in loaded.documents for r in d.resources]
    classes = classify_all(resources)
    resolve_times, evaluate_times = [], []
    counts = {}
    for _ in range(args.runs):
        index = ScanIndex(resources, classes)  # fresh: no cache carried between runs
        start = time.perf_counter()
        identities = IdentityResolver(index).identities()
        resolved = time.perf_counter()
        decisions = {"allowed": 0, "unknown": 0, "denied": 0}
        for identity in identities:
            for action, resource in REQUESTS:
                answer = answer_query(index, identity, action, resource)
                decisions[answer.decision.decision.value] += 1
        done = time.perf_counter()
        resolve_times.append(resolved - start)
        evaluate_times.append(done - resolved)
        counts = {"identities": len(identities), **decisions}
    resolve = statistics.median(resolve_times)
    evaluate = statistics.median(evaluate_times)
    total = resolve + evaluate
    print(
        f"Plan `{Path(args.plan).name}`: {len(resources):,} resources, "
        f"{counts['identities']:,} IAM identities, {len(REQUESTS)} requests each "
        f"({counts['allowed']:,} allowed, {counts['unknown']:,} unknown, "
        f"{counts['denied']:,} denied). Median of {args.runs}."
    )
    print()
    print("| Stage | Seconds |")
    print("|---|---:|")
    print(f"| resolve identities and their policies | {resolve:.3f} |")
    print(f"| evaluate {len(REQUESTS)} requests per identity | {evaluate:.3f} |")
    print(f"| **total** (target < {args.max_seconds} s) | **{total:.3f}** |")
    return 0 if total < args.max_seconds else 1


if __name__ == "__main__":
    raise SystemExit(main())
