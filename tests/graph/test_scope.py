"""``--aws-account-id`` and ``--cluster``: what the inputs may not say about the identity
graph, on every command that takes inputs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "plan_builder", HERE.parent / "checks" / "plan_builder.py"
)
assert _spec is not None and _spec.loader is not None
plan_builder = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("plan_builder", plan_builder)
_spec.loader.exec_module(plan_builder)

TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":'
    '"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF"},'
    '"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{'
    '"oidc.eks.us-east-1.amazonaws.com/id/ABCDEF:sub":"system:serviceaccount:ml:vllm"}}}]}'
)
NODE_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
    '"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def _inputs(tmp_path: Path, *entries: dict[str, Any]) -> tuple[Path, Path]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_builder.build_plan(list(entries))))
    manifests = tmp_path / "k8s.yaml"
    objects = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "vllm",
                "namespace": "ml",
                "annotations": {
                    "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/vllm-irsa"
                },
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "batch", "namespace": "ml"},
            "spec": {
                "selector": {"matchLabels": {"app": "batch"}},
                "template": {
                    "metadata": {"labels": {"app": "batch"}},
                    "spec": {"containers": [{"name": "batch", "image": "python:3.12"}]},
                },
            },
        },
    ]
    manifests.write_text(yaml.safe_dump_all(objects))
    return plan, manifests


ROLE = {
    "address": "aws_iam_role.vllm",
    "after": {"name": "vllm-irsa", "assume_role_policy": TRUST},
    "after_unknown": {"arn": True, "unique_id": True, "id": True},
}
CALLER = {
    "address": "data.aws_caller_identity.current",
    "after": {"account_id": "111122223333", "arn": "arn:aws:iam::111122223333:user/ci", "id": "x"},
}


def _federation(run_cli: Any, *args: str | Path) -> dict[str, Any]:
    result = run_cli("identities", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    [account] = [i for i in document["identities"] if i["id"] == "k8s:ServiceAccount/ml/vllm"]
    [edge] = account["federates_to"]
    return dict(edge)


def test_annotation_by_name_needs_the_account(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, ROLE)
    edge = _federation(run_cli, plan, manifests)
    assert edge["answer"] == "unknown"
    assert "--aws-account-id" in edge["why"]
    edge = _federation(run_cli, plan, manifests, "--aws-account-id", "111122223333")
    assert edge["answer"] == "allowed"
    assert "annotated arn:aws:iam::111122223333:role/vllm-irsa" in edge["why"]


def test_the_plans_caller_identity_gives_the_account(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, ROLE, CALLER)
    assert _federation(run_cli, plan, manifests)["answer"] == "allowed"


def test_an_annotation_for_another_account_does_not_match(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, ROLE)
    edge = _federation(run_cli, plan, manifests, "--aws-account-id", "444455556666")
    # the trust admits the account, but its annotation names a role in another account
    assert edge["answer"] == "unknown"


def test_a_bad_account_id_is_a_usage_error(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, ROLE)
    for command in ("scan", "query", "identities", "paths"):
        extra = ["--identity", "x", "--action", "s3:GetObject"] if command == "query" else []
        result = run_cli(command, plan, manifests, *extra, "--aws-account-id", "12345")
        assert result.returncode == 2, (command, result.stderr)
        assert "--aws-account-id '12345': an AWS account id is 12 digits" in result.stderr


def _clusters() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for name in ("alpha", "beta"):
        entries += [
            {
                "address": f"aws_eks_cluster.{name}",
                "after": {"name": name, "role_arn": "arn:aws:iam::111122223333:role/eks"},
                "after_unknown": {"arn": True, "id": True},
            },
            {
                "address": f"aws_iam_role.{name}_node",
                "after": {"name": f"{name}-node", "assume_role_policy": NODE_TRUST},
                "after_unknown": {"arn": True, "unique_id": True, "id": True},
            },
            {
                "address": f"aws_eks_node_group.{name}",
                "after": {"cluster_name": name, "node_group_name": "gpu"},
                "after_unknown": {"node_role_arn": True, "arn": True, "id": True},
                "references": {"node_role_arn": [f"aws_iam_role.{name}_node.arn"]},
            },
        ]
    return entries


def _runs_on(run_cli: Any, *args: str | Path) -> dict[str, str]:
    result = run_cli(
        "paths", *args, "--from", "k8s:Deployment/ml/batch", "--to", "aws:iam_role/alpha-node",
        "--to", "aws:iam_role/beta-node", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {p["to"]: p["decision"] for p in json.loads(result.stdout)["paths"]}


def test_several_clusters_make_the_node_role_a_maybe(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, *_clusters())
    assert _runs_on(run_cli, plan, manifests) == {
        "aws:iam_role/alpha-node": "unknown",
        "aws:iam_role/beta-node": "unknown",
    }
    assert _runs_on(run_cli, plan, manifests, "--cluster", "alpha") == {
        "aws:iam_role/alpha-node": "allowed"
    }


def test_an_unknown_cluster_is_a_usage_error(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, *_clusters())
    for command in ("scan", "query", "identities", "paths"):
        extra = ["--identity", "x", "--action", "s3:GetObject"] if command == "query" else []
        result = run_cli(command, plan, manifests, *extra, "--cluster", "gamma")
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip().endswith(
            "--cluster gamma: the inputs hold the clusters alpha, beta"
        ), command


def test_the_providers_pinned_account_gives_the_account(run_cli: Any, tmp_path: Path) -> None:
    plan, manifests = _inputs(tmp_path, ROLE)
    document = json.loads(plan.read_text())
    document["configuration"]["provider_config"]["aws"]["expressions"] = {
        "region": {"constant_value": "us-east-1"},
        "allowed_account_ids": {"constant_value": ["111122223333"]},
    }
    plan.write_text(json.dumps(document))
    edge = _federation(run_cli, plan, manifests)
    assert edge["answer"] == "allowed"
    assert "(account 111122223333)" in edge["why"]
    document["configuration"]["provider_config"]["aws"]["expressions"] = {
        "assume_role": [
            {"role_arn": {"constant_value": "arn:aws:iam::444455556666:role/terraform"}}
        ]
    }
    plan.write_text(json.dumps(document))
    # the plan runs in another account: the annotation names a role outside the inputs
    assert _federation(run_cli, plan, manifests)["answer"] == "unknown"
