"""Generate a large Kubernetes manifest stream by copying real install manifests.

Copies the manifests of ``../shared/corpus/manifests`` (KubeRay operator RBAC, NVIDIA device
plugin, Volcano agent) and the example stack's ``examples/ai-stack/k8s`` until the stream
holds N objects. Copy ``k`` renames every namespace (``ml`` → ``ml-c3``) and every
cluster-scoped name (``ClusterRole/kuberay-operator`` → ``kuberay-operator-c3``), with the
references to them (bindings' roleRef and subjects, ``namespace`` fields), so each copy
resolves like the original. Standard library and PyYAML only.

    python benchmarks/generate_manifests.py --count 5000 --out benchmarks/out/manifests-5k.yaml
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO.parent / "shared" / "corpus" / "manifests", REPO / "examples" / "ai-stack" / "k8s"]
CLUSTER_KINDS = {"ClusterRole", "ClusterRoleBinding", "Namespace"}


def _objects(folder: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(folder.rglob("*.y*ml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(document, dict) and "kind" in document:
                found.append(document)
    return found


def _copy(value: dict[str, Any], suffix: str) -> dict[str, Any]:
    out = copy.deepcopy(value)
    metadata = out.setdefault("metadata", {})
    kind = out.get("kind")
    if kind in CLUSTER_KINDS:
        metadata["name"] = f"{metadata.get('name')}{suffix}"
    else:
        metadata["namespace"] = f"{metadata.get('namespace') or 'default'}{suffix}"
    ref = out.get("roleRef")
    if (
        isinstance(ref, dict)
        and ref.get("kind") == "ClusterRole"
        and not str(ref.get("name", "")).startswith(
            ("system:", "view", "edit", "admin", "cluster-admin")
        )
    ):
        ref["name"] = f"{ref['name']}{suffix}"
    for subject in out.get("subjects") or []:
        if subject.get("kind") == "ServiceAccount":
            subject["namespace"] = f"{subject.get('namespace') or 'default'}{suffix}"
        elif subject.get("kind") == "Group" and str(subject.get("name", "")).startswith(
            "system:serviceaccounts:"
        ):
            subject["name"] = f"{subject['name']}{suffix}"
    aggregation = out.get("aggregationRule")
    if isinstance(aggregation, dict):
        for selector in aggregation.get("clusterRoleSelectors") or []:
            labels = selector.get("matchLabels") or {}
            for key in list(labels):
                if not key.startswith("rbac.authorization.k8s.io/"):
                    labels[f"{key}{suffix}"] = labels.pop(key)
    labels = metadata.get("labels")
    if isinstance(labels, dict):
        for key in list(labels):
            if key.startswith("acme.io/"):
                labels[f"{key}{suffix}"] = labels.pop(key)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "manifests-5k.yaml"))
    options = parser.parse_args(argv)
    base = [o for folder in SOURCES if folder.is_dir() for o in _objects(folder)]
    if not base:
        print("no source manifests found", file=sys.stderr)
        return 2
    out: list[dict[str, Any]] = []
    copy_number = 0
    while len(out) < options.count:
        suffix = f"-c{copy_number}" if copy_number else ""
        for value in base:
            if len(out) >= options.count:
                break
            out.append(_copy(value, suffix) if suffix else value)
        copy_number += 1
    path = Path(options.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(out, sort_keys=False), encoding="utf-8")
    print(f"wrote {path} ({len(out)} objects, {copy_number} copies of {len(base)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
