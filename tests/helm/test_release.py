"""helm_release resources of plans: a local chart is rendered with the release's values and
joined with the plan; a remote one is listed as not read."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacguard.inputs.helm import release_values
from iacguard.model.values import Sensitive, Unknown

RunCli = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "examples" / "ai-stack" / "plan.json"
RELEASE = "examples/ai-stack/plan.json: helm_release.chat_api"


def _json(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def test_release_values_merge_values_then_set_in_order() -> None:
    values, notes = release_values(
        {
            "values": ["a: {b: 1, c: 2}\nlist: [x, y]\n", Unknown()],
            "set": [
                {"name": "a.b", "value": "10", "type": None},
                {"name": "list[1]", "value": "z", "type": None},
                {"name": "annotations.scheme\\.io/x", "value": "p,q", "type": None},
            ],
            "set_list": [{"name": "ports", "value": ["80", "443"]}],
            "set_sensitive": [{"name": "apiKey.value", "value": Sensitive("set_sensitive")}],
        }
    )
    assert values == {
        "a": {"b": 10, "c": 2},
        "list": ["x", "z"],
        "annotations": {"scheme.io/x": "p,q"},
        "ports": [80, 443],
        "apiKey": {"value": "(sensitive)"},
    }
    assert notes == ["values[1] is known only after apply: rendered without it"]


def test_example_release_is_rendered_and_joined_with_the_plan(run_cli: RunCli) -> None:
    run = run_cli("scan", "examples/ai-stack/plan.json", "--format", "json", cwd=REPO)
    assert run.returncode == 1, run.stderr
    report = _json(run)
    inputs = {i["path"]: i for i in report["inputs"]}
    assert inputs[RELEASE]["kind"] == "helm-chart"
    assert inputs[RELEASE]["format_version"] == "0.3.0"
    found = {(f["check_id"], f["resource"]): f for f in report["findings"]}
    exposed = found[
        ("k8s-ai-workload-exposed-unauthenticated", "k8s:Deployment/inference/acme-llm-serving")
    ]
    assert exposed["location"]["path"] == "examples/charts/llm-serving/templates/deployment.yaml"
    # the release's values: a LoadBalancer, the account Terraform creates, no vector database
    addresses = {r["address"] for r in report["resources"]}
    assert "k8s:Service/inference/acme-llm-serving" in addresses
    assert not any("vector-db" in a for a in addresses)
    assert "k8s:ServiceAccount/inference/vllm" not in addresses  # serviceAccount.create=false


def test_release_workload_runs_as_the_account_terraform_creates(run_cli: RunCli) -> None:
    identities = _json(run_cli("identities", PLAN, "--format", "json", cwd=REPO))["identities"]
    vllm = next(i for i in identities if i["id"] == "k8s:ServiceAccount/inference/vllm")
    assert vllm["address"] == "kubernetes_service_account_v1.vllm"
    assert [u["workload"] for u in vllm["used_by"]] == ["k8s:Deployment/inference/acme-llm-serving"]
    assert vllm["cloud_identity"].startswith("eks.amazonaws.com/role-arn=(known after apply")
