"""Inline suppressions: a tag (``iacguard:ignore``) on a Terraform resource or an annotation
(``iacguard.io/ignore``) on a Kubernetes object names the checks to ignore on that resource.
The finding stays in the report, marked suppressed."""

from __future__ import annotations

from pathlib import Path

import pytest

from .plans import access_key, k8s_secret, notebook, plan, write_plan
from .reports import RunCli, describe, scan_json


def test_tag_suppresses_the_named_check(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(access_key("batch", tags={"iacguard:ignore": "aws-iam-access-key"})),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    found = outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")
    assert found["suppressed"] is True
    assert found["suppressed_by"] == "inline"
    assert "aws-iam-access-key" in found["suppression_reason"]
    assert outcome.report["summary"]["suppressed"] == 1
    assert outcome.report["summary"]["findings"]["high"] == 0
    assert outcome.exit_code == 0


def test_tag_suppresses_only_its_own_resource(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(
            access_key("batch", tags={"iacguard:ignore": "aws-iam-access-key"}),
            access_key("ci"),
        ),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    assert outcome.active() == [("aws-iam-access-key", "aws_iam_access_key.ci")]
    assert outcome.exit_code == 1


def test_tag_naming_another_check_does_not_suppress(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(access_key("batch", tags={"iacguard:ignore": "aws-iam-admin-wildcard"})),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    found = outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")
    assert found["suppressed"] is False
    assert found["suppressed_by"] is None
    assert outcome.exit_code == 1


def test_tag_suppresses_one_of_two_checks_on_a_resource(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(
            notebook(
                "research",
                direct_internet_access="Enabled",
                tags={"iacguard:ignore": "aws-sagemaker-notebook-direct-internet"},
            )
        ),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    assert outcome.active() == [
        ("aws-sagemaker-notebook-root-access", "aws_sagemaker_notebook_instance.research")
    ]
    ignored = outcome.finding(
        "aws-sagemaker-notebook-direct-internet", "aws_sagemaker_notebook_instance.research"
    )
    assert ignored["suppressed_by"] == "inline"


@pytest.mark.parametrize(
    "value",
    [
        "aws-sagemaker-notebook-root-access,aws-sagemaker-notebook-direct-internet",
        "aws-sagemaker-notebook-root-access aws-sagemaker-notebook-direct-internet",
        "aws-sagemaker-notebook-*",
    ],
    ids=["comma", "space", "glob"],
)
def test_tag_may_name_several_checks(run_cli: RunCli, tmp_path: Path, value: str) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(
            notebook("research", direct_internet_access="Enabled", tags={"iacguard:ignore": value})
        ),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    assert outcome.active() == []
    assert len(outcome.findings()) == 2
    assert {f["suppressed_by"] for f in outcome.findings()} == {"inline"}


@pytest.mark.parametrize("key", ["iacguard-ignore", "iacguard_ignore"])
def test_label_spellings_without_a_colon(run_cli: RunCli, tmp_path: Path, key: str) -> None:
    path = write_plan(
        tmp_path / "plan.json", plan(access_key("batch", tags={key: "aws-iam-access-key"}))
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    assert outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")["suppressed"]


def test_kubernetes_annotation_suppresses(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(
            k8s_secret(
                "registry-creds",
                annotations={"iacguard.io/ignore": "k8s-secret-cloud-credentials"},
            ),
            k8s_secret("pipeline-creds"),
        ),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    found = outcome.finding("k8s-secret-cloud-credentials", "kubernetes_secret.registry-creds")
    assert found["suppressed"] is True
    assert found["suppressed_by"] == "inline"
    assert outcome.active() == [
        ("k8s-secret-cloud-credentials", "kubernetes_secret.pipeline-creds")
    ]


def test_kubernetes_annotation_naming_another_check_does_not_suppress(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(k8s_secret("creds", annotations={"iacguard.io/ignore": "aws-iam-access-key"})),
    )
    outcome = scan_json(run_cli, path, cwd=tmp_path)
    assert outcome.active() == [("k8s-secret-cloud-credentials", "kubernetes_secret.creds")]


def test_inline_suppression_comes_before_a_waiver(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(access_key("batch", tags={"iacguard:ignore": "aws-iam-access-key"})),
    )
    config = tmp_path / "iacguard.yaml"
    config.write_text("waivers:\n  - check: aws-iam-access-key\n    reason: legacy\n")
    outcome = scan_json(run_cli, path, "--config", config, cwd=tmp_path)
    assert outcome.finding("aws-iam-access-key", "aws_iam_access_key.batch")["suppressed_by"] == (
        "inline"
    )


def test_console_marks_the_finding_suppressed(run_cli: RunCli, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "plan.json",
        plan(access_key("batch", tags={"iacguard:ignore": "aws-iam-access-key"})),
    )
    result = run_cli("scan", path, cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    assert "suppressed" in result.stdout
    assert "PASS" in result.stdout


def test_annotation_on_a_manifest_object_suppresses(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = tmp_path / "notebook.yaml"
    manifest.write_text(
        """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scratch
  namespace: research
  annotations:
    iacguard.io/ignore: k8s-workload-default-service-account
spec:
  template:
    metadata: {labels: {app: scratch}}
    spec:
      containers: [{name: main, image: busybox:1.36}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: other
  namespace: research
spec:
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: main, image: busybox:1.36}]
""",
        encoding="utf-8",
    )
    outcome = scan_json(run_cli, manifest, cwd=tmp_path)
    found = outcome.finding(
        "k8s-workload-default-service-account", "k8s:Deployment/research/scratch"
    )
    assert found["suppressed"] is True and found["suppressed_by"] == "inline"
    other = outcome.finding("k8s-workload-default-service-account", "k8s:Deployment/research/other")
    assert other["suppressed"] is False
