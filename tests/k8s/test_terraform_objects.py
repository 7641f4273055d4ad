"""Kubernetes objects that a plan's ``kubernetes_*`` resources create are analysed like
manifests, under their Terraform addresses."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iacguard.engine.context import ScanIndex
from iacguard.inputs import load_inputs
from iacguard.k8s.identities import k8s_view
from iacguard.k8s.terraform import kubernetes_type

RunCli = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[2]
CORPUS_PLAN = (
    REPO.parent / "shared" / "corpus" / "plans" / "dedeveloper__kubernetes_provider_v1.2.json"
)
PROVIDER = "registry.terraform.io/hashicorp/kubernetes"


def _meta(name: str, namespace: str | None = None, **extra: Any) -> list[dict[str, Any]]:
    block: dict[str, Any] = {"name": name, "generate_name": None, "labels": None}
    block["annotations"] = extra.get("annotations")
    if namespace is not None:
        block["namespace"] = namespace
    return [block]


RESOURCES: list[tuple[str, dict[str, Any]]] = [
    (
        "kubernetes_service_account_v1.trainer",
        {
            "metadata": _meta(
                "trainer",
                "ml",
                annotations={
                    "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/trainer"
                },
            ),
            "automount_service_account_token": True,
        },
    ),
    (
        "kubernetes_cluster_role_binding_v1.trainer_admin",
        {
            "metadata": _meta("trainer-admin"),
            "role_ref": [
                {
                    "api_group": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "cluster-admin",
                }
            ],
            "subject": [
                {"kind": "ServiceAccount", "name": "trainer", "namespace": "ml", "api_group": ""}
            ],
        },
    ),
    (
        "kubernetes_role_v1.reader",
        {
            "metadata": _meta("reader", "ml"),
            "rule": [
                {
                    "api_groups": [""],
                    "resources": ["configmaps"],
                    "resource_names": None,
                    "verbs": ["get", "list"],
                }
            ],
        },
    ),
    (
        "kubernetes_deployment_v1.trainer",
        {
            "metadata": _meta("trainer", "ml"),
            "spec": [
                {
                    "replicas": "1",
                    "selector": [{"match_labels": {"app": "trainer"}, "match_expressions": []}],
                    "template": [
                        {
                            "metadata": [{"labels": {"app": "trainer"}, "annotations": None}],
                            "spec": [
                                {
                                    "service_account_name": "trainer",
                                    "automount_service_account_token": True,
                                    "host_network": False,
                                    "container": [
                                        {
                                            "name": "train",
                                            "image": "pytorch/pytorch:2.4.0-cuda12.1",
                                            "resources": [
                                                {
                                                    "limits": {"nvidia.com/gpu": "1"},
                                                    "requests": None,
                                                }
                                            ],
                                            "security_context": [{"privileged": True}],
                                            "env": [
                                                {
                                                    "name": "DB_PASSWORD",
                                                    "value": "hunter2-canary-XYZ",
                                                }
                                            ],
                                        }
                                    ],
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    ),
]


def _plan(path: Path) -> Path:
    changes = []
    for address, after in RESOURCES:
        type_, name = address.split(".")
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_name": PROVIDER,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": after,
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_provider_types_map_to_kinds() -> None:
    assert kubernetes_type("kubernetes_deployment_v1") == ("apps/v1", "Deployment")
    assert kubernetes_type("kubernetes_cluster_role_binding") == (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
    )
    assert kubernetes_type("kubernetes_config_map_v1_data") is None


def test_plan_objects_are_converted_to_the_api_shape(tmp_path: Path) -> None:
    loaded = load_inputs([str(_plan(tmp_path / "plan.json"))])
    index = ScanIndex([r for d in loaded.documents for r in d.resources], {})
    view = k8s_view(index)
    deployment = view.by_address["kubernetes_deployment_v1.trainer"]
    assert deployment.type == "Deployment"
    spec = deployment.after["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == "trainer"
    assert spec["containers"][0]["securityContext"] == {"privileged": True}
    assert spec["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "1"}
    env = spec["containers"][0]["env"][0]
    assert env["name"] == "DB_PASSWORD" and "hunter2-canary-XYZ" not in repr(env["value"])
    role = view.rbac.roles[("Role", "ml", "reader")]
    assert [(r.verbs, r.resources) for r in role.rules] == [(("get", "list"), ("configmaps",))]
    account = view.accounts[("ml", "trainer")]
    assert account.resource is not None
    assert account.resource.address == "kubernetes_service_account_v1.trainer"
    assert [p.workload.address for p in account.pods] == ["kubernetes_deployment_v1.trainer"]
    assert {c.name for c in view.classes(account)} >= {"cluster-admin", "read-secrets"}


def test_findings_name_the_terraform_resources(run_cli: RunCli, tmp_path: Path) -> None:
    _plan(tmp_path / "plan.json")
    run = run_cli("scan", "plan.json", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    found = {(f["check_id"], f["resource"]): f for f in report["findings"]}
    admin = found[("k8s-workload-cluster-admin", "kubernetes_deployment_v1.trainer")]
    assert admin["severity"] == "critical"
    assert admin["location"]["pointer"] == "/resource_changes/3"
    assert ("k8s-gpu-workload-host-access", "kubernetes_deployment_v1.trainer") in found
    identities = json.loads(
        run_cli("identities", "plan.json", "--format", "json", cwd=tmp_path).stdout
    )["identities"]
    trainer = next(i for i in identities if i["id"] == "k8s:ServiceAccount/ml/trainer")
    assert trainer["address"] == "kubernetes_service_account_v1.trainer"
    assert trainer["cloud_identity"] == (
        "eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/trainer"
    )
    assert trainer["admin_equivalent"]["route"] == "cluster-admin"
    assert "hunter2-canary-XYZ" not in run.stdout


@pytest.mark.skipif(not CORPUS_PLAN.is_file(), reason="../shared/corpus is not available")
def test_corpus_kubernetes_provider_plan(run_cli: RunCli, tmp_path: Path) -> None:
    run = run_cli("identities", str(CORPUS_PLAN), "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    identities = json.loads(run.stdout)["identities"]
    account = next(i for i in identities if i["id"] == "k8s:ServiceAccount/demo-app/default")
    assert [u["workload"] for u in account["used_by"]] == ["kubernetes_deployment.demo"]
