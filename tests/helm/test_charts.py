"""Helm charts as a user scans them: the example chart (examples/charts/llm-serving) with its
default and production values, ``--set``, release name and namespace, the ``inputs[]`` entry,
``identities`` and ``query`` on a chart, a packaged chart, errors, secrets in values, and the
``helm template`` renderer against the embedded Helm SDK."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from iacguard.inputs import HelmOptions, load_inputs
from iacguard.inputs.helm import Renderer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHART_NAME = "examples/charts/llm-serving"
CHART = REPO / CHART_NAME
PROD = f"{CHART_NAME}/values-prod.yaml"
RELEASE = ("--release-name", "acme", "--release-namespace", "inference")

DEPLOYMENT = "k8s:Deployment/inference/acme-llm-serving"
DEPLOYMENT_TEMPLATE = f"{CHART_NAME}/templates/deployment.yaml"
SUBCHART_TEMPLATES = f"{CHART_NAME}/charts/vector-db/templates/"
EXPOSED = "k8s-ai-workload-exposed-unauthenticated"
TOKEN_MOUNTED = "k8s-exposed-workload-token-mounted"
SERVICE = "k8s:Service/inference/acme-llm-serving"
PATH_CHECK = "exposed-workload-reaches-crown-jewel"
# the public Service leads to the Secrets of its namespace: the chart binds its aggregated
# reader ClusterRole, one of whose parts reads Secrets
PROD_HIGH = {(EXPOSED, DEPLOYMENT), (TOKEN_MOUNTED, DEPLOYMENT), (PATH_CHECK, SERVICE)}
ACCOUNT = "k8s:ServiceAccount/inference/vllm"

# AWS's documented example keys (fake, shaped like real ones), as the aws-uploader fixture's
# values.yaml holds them.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

RunCli = Callable[..., subprocess.CompletedProcess[str]]
Run = subprocess.CompletedProcess[str]


def example_objects(release: str, namespace: str, vector_db: bool = True) -> set[str]:
    """Every object address the example chart renders for a release."""
    main = {
        f"k8s:ClusterRole/{release}-llm-serving-reader",
        f"k8s:ClusterRole/{release}-llm-serving-reader-secrets",
        f"k8s:Deployment/{namespace}/{release}-llm-serving",
        f"k8s:Role/{namespace}/{release}-llm-serving",
        f"k8s:RoleBinding/{namespace}/{release}-llm-serving",
        f"k8s:RoleBinding/{namespace}/{release}-llm-serving-view",
        f"k8s:Service/{namespace}/{release}-llm-serving",
        f"k8s:ServiceAccount/{namespace}/vllm",
    }
    subchart = {
        f"k8s:Service/{namespace}/{release}-vector-db",
        f"k8s:StatefulSet/{namespace}/{release}-vector-db",
    }
    return main | subchart if vector_db else main


ALL_OBJECTS = example_objects("acme", "inference")
VECTOR_DB = ALL_OBJECTS - example_objects("acme", "inference", vector_db=False)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _describe(run: Run) -> str:
    return (
        f"{' '.join(map(str, run.args))} exited {run.returncode}\n"
        f"--- stdout ---\n{run.stdout[:3000]}\n--- stderr ---\n{run.stderr[:3000]}"
    )


def _no_traceback(run: Run) -> None:
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream, _describe(run)
        assert "internal error" not in stream, _describe(run)


def _report(run: Run, exit_code: int) -> Any:
    """The JSON report of a run that exited ``exit_code`` (0 or 1) without complaint."""
    _no_traceback(run)
    assert run.returncode == exit_code, _describe(run)
    assert run.stderr == "", _describe(run)
    return json.loads(run.stdout)


def _one_line_error(run: Run) -> str:
    """The single stderr line of a run that failed with exit 2 and printed nothing else."""
    _no_traceback(run)
    assert run.returncode == 2, _describe(run)
    assert run.stdout == "", _describe(run)
    lines = run.stderr.splitlines()
    assert len(lines) == 1, _describe(run)
    assert lines[0].startswith("iacguard: error: "), _describe(run)
    return lines[0]


def _addresses(report: Any) -> set[str]:
    return {r["address"] for r in report["resources"]}


def _high(report: Any) -> set[tuple[str, str]]:
    return {
        (f["check_id"], f["resource"])
        for f in report["findings"]
        if f["severity"] in ("high", "critical")
    }


def _scan(run_cli: RunCli, *args: str | Path, cwd: Path = REPO) -> Run:
    return run_cli("scan", "--format", "json", *args, cwd=cwd)


def _objects(spec: str | Path, **options: Any) -> dict[str, Any]:
    """Address → loaded resource of every object of the inputs, rendered in-process."""
    loaded = load_inputs([str(spec)], HelmOptions(**options))
    return {r.address: r for doc in loaded.documents for r in doc.resources}


def _bodies(spec: str | Path, **options: Any) -> dict[str, Any]:
    """Address → object body (as loaded, credentials masked)."""
    return {address: r.after for address, r in _objects(spec, **options).items()}


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in-process loads from the repository, so input names are as a user types them."""
    monkeypatch.chdir(REPO)
    return REPO


# --------------------------------------------------------------------------------------------
# 1. The example chart: default values against values-prod.yaml
# --------------------------------------------------------------------------------------------


def test_default_values_have_no_high_finding(run_cli: RunCli) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE), 0)
    assert _addresses(report) == ALL_OBJECTS
    assert _high(report) == set()
    assert report["summary"]["findings"]["critical"] == 0
    assert report["summary"]["findings"]["high"] == 0
    assert report["summary"]["gate"]["tripped"] is False
    assert report["errors"] == []


def test_prod_values_expose_the_api_and_mount_the_token(run_cli: RunCli) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE, "--helm-values", PROD), 1)
    assert _addresses(report) == ALL_OBJECTS
    assert _high(report) == PROD_HIGH
    assert report["summary"]["gate"]["tripped"] is True
    for finding in report["findings"]:
        if finding["check_id"] in (EXPOSED, TOKEN_MOUNTED):
            assert finding["location"]["path"] == DEPLOYMENT_TEMPLATE
            assert finding["location"]["address"] == DEPLOYMENT
    [exposed] = [f for f in report["findings"] if f["check_id"] == EXPOSED]
    assert "type LoadBalancer, internet-facing" in exposed["message"]


def test_subchart_findings_point_into_the_vendored_subchart(run_cli: RunCli) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE), 0)
    located = {f["resource"]: f["location"]["path"] for f in report["findings"]}
    assert located["k8s:StatefulSet/inference/acme-vector-db"] == (
        f"{SUBCHART_TEMPLATES}statefulset.yaml"
    )


def test_every_object_keeps_the_template_it_came_from(in_repo: Path) -> None:
    objects = _objects(CHART_NAME, release_name="acme", release_namespace="inference")
    paths = {address: r.source.path for address, r in objects.items()}
    templates = f"{CHART_NAME}/templates/"
    assert paths == {
        "k8s:ClusterRole/acme-llm-serving-reader": f"{templates}rbac.yaml",
        "k8s:ClusterRole/acme-llm-serving-reader-secrets": f"{templates}rbac.yaml",
        DEPLOYMENT: f"{templates}deployment.yaml",
        "k8s:Role/inference/acme-llm-serving": f"{templates}rbac.yaml",
        "k8s:RoleBinding/inference/acme-llm-serving": f"{templates}rbac.yaml",
        "k8s:RoleBinding/inference/acme-llm-serving-view": f"{templates}rbac.yaml",
        "k8s:Service/inference/acme-llm-serving": f"{templates}service.yaml",
        ACCOUNT: f"{templates}serviceaccount.yaml",
        "k8s:Service/inference/acme-vector-db": f"{SUBCHART_TEMPLATES}service.yaml",
        "k8s:StatefulSet/inference/acme-vector-db": f"{SUBCHART_TEMPLATES}statefulset.yaml",
    }
    # rbac.yaml holds five objects: each has its own document of the template.
    pointers = sorted(r.source.pointer or "" for r in objects.values() if "rbac" in r.source.path)
    assert pointers == ["/0", "/1", "/2", "/3", "/4"]


def test_parent_values_reach_the_subchart(in_repo: Path) -> None:
    def storage(values: tuple[Path, ...]) -> Any:
        objects = _objects(CHART_NAME, values=values)
        statefulset = objects["k8s:StatefulSet/default/release-name-vector-db"].after
        [claim] = statefulset["spec"]["volumeClaimTemplates"]
        return claim["spec"]["resources"]["requests"]["storage"]

    assert storage(()) == "20Gi"
    assert storage((Path(PROD),)) == "200Gi"


# --------------------------------------------------------------------------------------------
# 2. --set, release name and namespace, the order of values files
# --------------------------------------------------------------------------------------------


def test_set_disables_the_subchart(run_cli: RunCli) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE, "--set", "vectorDb.enabled=false"), 0)
    assert _addresses(report) == ALL_OBJECTS - VECTOR_DB
    removed = {"k8s:Service/inference/acme-vector-db", "k8s:StatefulSet/inference/acme-vector-db"}
    assert removed == VECTOR_DB


@pytest.mark.parametrize(
    "sets",
    [
        ("--set", "service.type=LoadBalancer", "--set", "apiKey.enabled=false"),
        ("--set", "service.type=LoadBalancer,apiKey.enabled=false"),
    ],
    ids=["two-flags", "comma-separated"],
)
def test_set_reproduces_the_exposure(run_cli: RunCli, sets: tuple[str, ...]) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE, *sets), 1)
    # The token stays unmounted (automountToken: false by default): only the exposure fires.
    assert _high(report) == {(EXPOSED, DEPLOYMENT)}
    [finding] = [f for f in report["findings"] if f["check_id"] == EXPOSED]
    assert finding["location"]["path"] == DEPLOYMENT_TEMPLATE


def test_set_of_one_value_alone_does_not_expose(run_cli: RunCli) -> None:
    # A LoadBalancer in front of a server that checks its API key is not "unauthenticated".
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE, "--set", "service.type=LoadBalancer"), 0)
    assert _high(report) == set()


@pytest.mark.parametrize(
    ("flags", "release", "namespace"),
    [
        ((), "release-name", "default"),
        (("--release-name", "chat"), "chat", "default"),
        (("--release-namespace", "serving"), "release-name", "serving"),
        (("--release-name", "chat", "--release-namespace", "serving"), "chat", "serving"),
    ],
    ids=["helm-template-defaults", "name", "namespace", "both"],
)
def test_release_name_and_namespace_change_addresses(
    run_cli: RunCli, flags: tuple[str, ...], release: str, namespace: str
) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *flags), 0)
    assert _addresses(report) == example_objects(release, namespace)


def test_release_namespace_moves_the_prod_finding(run_cli: RunCli) -> None:
    run = _scan(
        run_cli, CHART_NAME, "--release-name", "chat", "--release-namespace", "serving",
        "--helm-values", PROD,
    )  # fmt: skip
    report = _report(run, 1)
    deployment = "k8s:Deployment/serving/chat-llm-serving"
    service = "k8s:Service/serving/chat-llm-serving"
    assert _high(report) == {
        (EXPOSED, deployment),
        (TOKEN_MOUNTED, deployment),
        (PATH_CHECK, service),
    }


@pytest.fixture
def internal_lb(tmp_path: Path) -> Path:
    """A values file that makes the load balancer internal (no internet exposure)."""
    path = tmp_path / "internal.yaml"
    path.write_text(
        "service:\n  annotations:\n"
        "    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\n",
        encoding="utf-8",
    )
    return path


def test_later_values_files_win(run_cli: RunCli, internal_lb: Path) -> None:
    last_internal = _scan(
        run_cli, CHART_NAME, *RELEASE, "--helm-values", PROD, "--helm-values", internal_lb
    )
    assert _high(_report(last_internal, 0)) == set()
    last_prod = _scan(
        run_cli, CHART_NAME, *RELEASE, "--helm-values", internal_lb, "--helm-values", PROD
    )
    assert _high(_report(last_prod, 1)) == PROD_HIGH


def test_set_wins_over_values_files(run_cli: RunCli) -> None:
    run = _scan(
        run_cli, CHART_NAME, *RELEASE, "--helm-values", PROD, "--set", "service.type=ClusterIP"
    )
    assert _high(_report(run, 0)) == set()


def test_escaped_dots_in_set_reach_the_annotation(run_cli: RunCli) -> None:
    # The same as the internal.yaml values file, in Helm's --set syntax.
    key = r"service.annotations.service\.beta\.kubernetes\.io/aws-load-balancer-scheme"
    run = _scan(run_cli, CHART_NAME, *RELEASE, "--helm-values", PROD, "--set", f"{key}=internal")
    assert _high(_report(run, 0)) == set()


# --------------------------------------------------------------------------------------------
# 3. The inputs[] entry, identities and query on a chart
# --------------------------------------------------------------------------------------------


def test_inputs_entry_of_a_chart(run_cli: RunCli) -> None:
    report = _report(_scan(run_cli, CHART_NAME, *RELEASE, "--renderer", "embedded"), 0)
    [entry] = report["inputs"]
    assert entry["path"] == CHART_NAME
    assert entry["kind"] == "helm-chart"
    assert entry["format_version"] == "0.3.0"
    assert entry["terraform_version"] == "embedded Helm SDK"
    assert entry["resource_changes"] == 10
    assert entry["analysed"] == 10
    assert entry["skipped"] == []
    assert entry["errors"] == []
    assert report["ignored_files"] == []


def test_chart_found_inside_a_folder(run_cli: RunCli) -> None:
    # The chart's values files and its subchart are not inputs of their own.
    report = _report(_scan(run_cli, "examples/charts", *RELEASE), 0)
    assert [(i["path"], i["kind"]) for i in report["inputs"]] == [(CHART_NAME, "helm-chart")]
    assert _addresses(report) == ALL_OBJECTS
    assert report["ignored_files"] == []


@pytest.mark.parametrize(
    ("values", "automount"), [((), False), (("--helm-values", PROD), True)], ids=["default", "prod"]
)
def test_identities_lists_the_chart_account(
    run_cli: RunCli, values: tuple[str, ...], automount: bool
) -> None:
    run = run_cli("identities", CHART_NAME, *RELEASE, *values, "--format", "json", cwd=REPO)
    document = _report(run, 0)
    ids = [i["id"] for i in document["identities"]]
    assert ACCOUNT in ids
    [account] = [i for i in document["identities"] if i["id"] == ACCOUNT]
    assert account["name"] == "system:serviceaccount:inference:vllm"
    assert account["address"] == ACCOUNT
    assert account["defined"] is True
    assert account["automount_token"] is automount
    assert [u["workload"] for u in account["used_by"]] == [DEPLOYMENT]


@pytest.mark.parametrize(
    ("identity", "values", "resource", "decision", "role", "binding"),
    [
        (
            "system:serviceaccount:inference:vllm",
            (),
            "configmaps",
            "allowed",
            "k8s:Role/inference/acme-llm-serving",
            "k8s:RoleBinding/inference/acme-llm-serving",
        ),
        ("system:serviceaccount:inference:vllm", (), "secrets", "denied", None, None),
        (
            ACCOUNT,
            ("--helm-values", PROD),
            "secrets",
            "allowed",
            "k8s:ClusterRole/acme-llm-serving-reader-secrets",
            "k8s:RoleBinding/inference/acme-llm-serving-view",
        ),
    ],
    ids=["configmaps-default", "secrets-default", "secrets-prod-through-view"],
)
def test_query_on_a_chart(
    run_cli: RunCli,
    identity: str,
    values: tuple[str, ...],
    resource: str,
    decision: str,
    role: str | None,
    binding: str | None,
) -> None:
    run = run_cli(
        "query", CHART_NAME, *RELEASE, *values, "--identity", identity, "--action", "get",
        "--resource", resource, "--namespace", "inference", "--format", "json", cwd=REPO,
    )  # fmt: skip
    answer = _report(run, 0)
    assert answer["identity"]["address"] == ACCOUNT
    assert answer["decision"] == decision
    assert answer["namespace"] == "inference"
    granting = [s for s in answer["statements"] if resource in s["resources"]]
    if role is None:
        assert granting == []
    else:
        assert (granting[0]["role"], granting[0]["binding"]) == (role, binding)
        assert answer["reason"].startswith(f"Allowed by {binding} ({role}")


# --------------------------------------------------------------------------------------------
# 4. A packaged chart
# --------------------------------------------------------------------------------------------


def _package(chart: Path, archive: Path) -> Path:
    """``helm package``'s layout: a gzip tarball with the chart under its name."""
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(chart, arcname=chart.name)
    return archive


@pytest.mark.parametrize("suffix", [".tgz", ".tar.gz"])
def test_packaged_chart_renders_the_same_objects(
    run_cli: RunCli, tmp_path: Path, suffix: str
) -> None:
    archive = _package(CHART, tmp_path / f"llm-serving-0.3.0{suffix}")
    run = _scan(run_cli, archive.name, *RELEASE, "--helm-values", REPO / PROD, cwd=tmp_path)
    report = _report(run, 1)
    assert _addresses(report) == ALL_OBJECTS
    assert _high(report) == PROD_HIGH
    [entry] = report["inputs"]
    assert (entry["path"], entry["kind"], entry["format_version"]) == (
        archive.name,
        "helm-chart",
        "0.3.0",
    )
    paths = {f["location"]["path"] for f in report["findings"] if f["resource"] == DEPLOYMENT}
    assert paths == {f"{archive.name}:llm-serving/templates/deployment.yaml"}


def test_packaged_chart_bodies_equal_the_folder_s(tmp_path: Path) -> None:
    archive = _package(CHART, tmp_path / "llm-serving-0.3.0.tgz")
    options: dict[str, Any] = {
        "values": (REPO / PROD,),
        "release_name": "acme",
        "release_namespace": "inference",
    }
    from_folder = _bodies(CHART, **options)
    assert set(from_folder) == ALL_OBJECTS
    assert _bodies(archive, **options) == from_folder


def test_packaged_chart_subchart_objects_name_the_archive(tmp_path: Path) -> None:
    archive = _package(CHART, tmp_path / "llm-serving-0.3.0.tgz")
    objects = _objects(archive, release_name="acme", release_namespace="inference")
    assert objects["k8s:StatefulSet/inference/acme-vector-db"].source.path == (
        f"{archive}:llm-serving/charts/vector-db/templates/statefulset.yaml"
    )


def test_truncated_archive_is_a_one_line_error(run_cli: RunCli, tmp_path: Path) -> None:
    whole = _package(CHART, tmp_path / "whole.tgz").read_bytes()
    (tmp_path / "cut.tgz").write_bytes(whole[: len(whole) // 2])
    line = _one_line_error(_scan(run_cli, "cut.tgz", cwd=tmp_path))
    assert line.startswith("iacguard: error: cut.tgz: not a readable chart archive"), line


def test_archive_without_a_chart_is_a_one_line_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("not a chart\n", encoding="utf-8")
    _package(tmp_path / "notes", tmp_path / "notes.tgz")
    line = _one_line_error(_scan(run_cli, "notes.tgz", cwd=tmp_path))
    assert line == (
        "iacguard: error: notes.tgz: chart archive without exactly one CHART/Chart.yaml"
    )


# --------------------------------------------------------------------------------------------
# 5. Errors
# --------------------------------------------------------------------------------------------


def test_template_syntax_error_names_the_chart_and_template(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, "broken-syntax", cwd=FIXTURES))
    assert line.startswith("iacguard: error: broken-syntax: chart cannot be rendered"), line
    assert "broken-syntax/templates/configmap.yaml" in line, line


def test_template_execution_error_names_the_template(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, "needs-value", cwd=FIXTURES))
    assert line.startswith("iacguard: error: needs-value: chart cannot be rendered"), line
    assert "needs-value/templates/deployment.yaml" in line, line
    assert "image.tag is required" in line, line
    # Given the value, the same chart renders.
    report = _report(_scan(run_cli, "needs-value", "--set", "image.tag=1.0", cwd=FIXTURES), 0)
    assert _addresses(report) == {"k8s:Deployment/default/release-name-worker"}


def test_chart_error_stops_a_scan_with_other_inputs(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, "broken-syntax", REPO / CHART_NAME, cwd=FIXTURES))
    assert "broken-syntax/templates/configmap.yaml" in line, line


MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
  namespace: apps
"""


def test_missing_dependency_is_listed_as_not_read(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = tmp_path / "configmap.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    report = _report(_scan(run_cli, "missing-dependency", manifest, cwd=FIXTURES), 0)
    assert [i["path"] for i in report["inputs"]] == [str(manifest)]
    assert _addresses(report) == {"k8s:ConfigMap/apps/plain"}
    [ignored] = report["ignored_files"]
    assert ignored["path"] == "missing-dependency"
    assert "redis (https://charts.bitnami.com/bitnami)" in ignored["reason"]
    assert "not vendored under charts/" in ignored["reason"]
    assert "helm dependency build" in ignored["reason"]


def test_missing_dependency_in_a_searched_folder(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "missing-dependency", tmp_path / "stack" / "missing-dependency")
    (tmp_path / "stack" / "configmap.yaml").write_text(MANIFEST, encoding="utf-8")
    report = _report(_scan(run_cli, "stack", cwd=tmp_path), 0)
    assert [i["path"] for i in report["inputs"]] == [os.path.join("stack", "configmap.yaml")]
    [ignored] = report["ignored_files"]
    assert ignored["path"] == os.path.join("stack", "missing-dependency")
    assert "redis" in ignored["reason"]


def test_missing_dependency_alone_is_a_one_line_error(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, "missing-dependency", cwd=FIXTURES))
    assert line.startswith("iacguard: error: missing-dependency: "), line
    assert "redis (https://charts.bitnami.com/bitnami)" in line, line


def test_file_dependency_outside_charts_is_not_vendored(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "parent" / "templates").mkdir(parents=True)
    (tmp_path / "sibling" / "templates").mkdir(parents=True)
    (tmp_path / "parent" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n"
        "  - name: sibling\n    version: 0.1.0\n    repository: file://../sibling\n",
        encoding="utf-8",
    )
    (tmp_path / "sibling" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: sibling\nversion: 0.1.0\n", encoding="utf-8"
    )
    for chart in ("parent", "sibling"):
        (tmp_path / chart / "templates" / "configmap.yaml").write_text(
            MANIFEST.replace("plain", chart), encoding="utf-8"
        )
    (tmp_path / "configmap.yaml").write_text(MANIFEST, encoding="utf-8")
    report = _report(_scan(run_cli, "parent", "configmap.yaml", cwd=tmp_path), 0)
    assert [i["path"] for i in report["ignored_files"]] == ["parent"]
    assert "sibling" in report["ignored_files"][0]["reason"]
    assert _addresses(report) == {"k8s:ConfigMap/apps/plain"}


def test_renderer_binary_without_helm_is_a_one_line_error(run_cli: RunCli, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    run = run_cli(
        "scan", "--format", "json", CHART_NAME, "--renderer", "binary", env={"PATH": str(empty)},
        cwd=REPO,
    )  # fmt: skip
    line = _one_line_error(run)
    assert line == (
        f"iacguard: error: {CHART_NAME}: --renderer binary: no helm on PATH (or give --helm-binary)"
    )


def test_unknown_renderer_is_a_one_line_error(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, CHART_NAME, "--renderer", "nonsense"))
    assert "--renderer 'nonsense'" in line, line
    assert "auto, embedded or binary" in line, line


def test_helm_binary_that_does_not_exist_is_a_one_line_error(
    run_cli: RunCli, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-helm"
    line = _one_line_error(_scan(run_cli, CHART_NAME, "--helm-binary", missing))
    assert line.startswith(f"iacguard: error: {CHART_NAME}: helm could not run"), line


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("service:\n  type: [LoadBalancer\napiKey: {}\n", "--helm-values: malformed YAML"),
        ("- a\n- b\n", "--helm-values: not a mapping of values"),
    ],
    ids=["malformed-yaml", "not-a-mapping"],
)
def test_bad_values_file_is_a_one_line_error_naming_it(
    run_cli: RunCli, tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "bad-values.yaml").write_text(content, encoding="utf-8")
    run = _scan(run_cli, REPO / CHART_NAME, "--helm-values", "bad-values.yaml", cwd=tmp_path)
    line = _one_line_error(run)
    assert line.startswith("iacguard: error: bad-values.yaml"), line
    assert line.endswith(expected), line


def test_missing_values_file_is_a_one_line_error_naming_it(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, CHART_NAME, "--helm-values", "no-such-values.yaml"))
    assert "no-such-values.yaml" in line, line


def test_set_without_equals_is_a_one_line_error(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, CHART_NAME, "--set", "vectorDb.enabled"))
    assert line == "iacguard: error: --set: 'vectorDb.enabled': key \"enabled\" has no value"


def test_invalid_release_name_is_a_one_line_error(run_cli: RunCli) -> None:
    line = _one_line_error(_scan(run_cli, CHART_NAME, "--release-name", "Bad_Name"))
    assert "Bad_Name" in line, line


def test_objects_without_a_namespace_go_to_the_release_namespace(run_cli: RunCli) -> None:
    # Helm installs them in the release namespace (helm install -n NS, helm template -n NS |
    # kubectl apply -n NS); cluster-scoped kinds stay without one.
    run = _scan(
        run_cli, "namespaceless", "--release-namespace", "inference", "--fail-on", "none",
        cwd=FIXTURES,
    )  # fmt: skip
    report = _report(run, 0)
    assert _addresses(report) == {
        "k8s:ServiceAccount/inference/worker",
        "k8s:ConfigMap/inference/settings",
        "k8s:RoleBinding/inference/worker-edit",
        "k8s:ClusterRole/release-name-reader",
    }
    run = run_cli(
        "identities", "namespaceless", "--release-namespace", "inference", "--format", "json",
        cwd=FIXTURES,
    )  # fmt: skip
    identities = _report(run, 0)["identities"]
    assert [(i["id"], i["defined"], i["bindings"]) for i in identities] == [
        ("k8s:ServiceAccount/inference/worker", True, ["k8s:RoleBinding/inference/worker-edit"])
    ]


# --------------------------------------------------------------------------------------------
# 6. Secrets in values
# --------------------------------------------------------------------------------------------


def _assert_no_secret(run: Run, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in run.stdout, f"{secret!r} printed on stdout"
        assert secret not in run.stderr, f"{secret!r} printed on stderr"


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
def test_secret_values_are_never_printed(run_cli: RunCli, fmt: str) -> None:
    run = run_cli(
        "scan", "aws-uploader", "--release-namespace", "ml", "--format", fmt, cwd=FIXTURES
    )
    _no_traceback(run)
    assert run.returncode == 1, _describe(run)
    _assert_no_secret(run, SECRET_KEY, ACCESS_KEY_ID)


def test_cloud_credentials_in_a_chart_secret_are_found(run_cli: RunCli) -> None:
    run = _scan(run_cli, "aws-uploader", "--release-namespace", "ml", cwd=FIXTURES)
    report = _report(run, 1)
    _assert_no_secret(run, SECRET_KEY, ACCESS_KEY_ID)
    assert _addresses(report) == {
        "k8s:Secret/ml/release-name-aws",
        "k8s:Deployment/ml/release-name-uploader",
    }
    found = [f for f in report["findings"] if f["check_id"] == "k8s-secret-cloud-credentials"]
    assert [(f["resource"], f["location"]["path"]) for f in found] == [
        ("k8s:Secret/ml/release-name-aws", "aws-uploader/templates/secret.yaml")
    ]


def test_secret_given_with_set_is_never_printed(run_cli: RunCli) -> None:
    canary = "cnryHelmSetSecret/0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
    run = _scan(run_cli, "aws-uploader", "--set", f"aws.secretAccessKey={canary}", cwd=FIXTURES)
    _report(run, 1)
    _assert_no_secret(run, canary)


def test_secret_stringdata_is_masked_when_loaded(in_repo: Path) -> None:
    objects = _objects(FIXTURES / "aws-uploader", release_namespace="ml")
    secret = objects["k8s:Secret/ml/release-name-aws"].after
    assert set(secret["stringData"]) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert SECRET_KEY not in repr(secret)
    assert ACCESS_KEY_ID not in repr(secret)


def test_template_error_quoting_a_secret_does_not_print_it(run_cli: RunCli) -> None:
    run = _scan(run_cli, "aws-uploader", "--set", "strict=true", cwd=FIXTURES)
    line = _one_line_error(run)
    assert "aws-uploader/templates/deployment.yaml" in line, line
    _assert_no_secret(run, SECRET_KEY)


# --------------------------------------------------------------------------------------------
# 7. The helm binary renderer against the embedded Helm SDK
# --------------------------------------------------------------------------------------------

PROD_OPTIONS: dict[str, Any] = {
    "values": (CHART / "values-prod.yaml",),
    "release_name": "acme",
    "release_namespace": "inference",
}


def _rendered_with(renderer: Renderer, **options: Any) -> dict[str, Any]:
    objects = _objects(CHART, renderer=renderer, **{**PROD_OPTIONS, **options})
    return {a: (r.source.path, r.source.pointer, r.after) for a, r in objects.items()}


@pytest.mark.skipif(shutil.which("helm") is None, reason="no helm binary on PATH")
def test_helm_binary_renders_what_the_embedded_sdk_renders() -> None:
    embedded = _rendered_with("embedded")
    binary = _rendered_with("binary")
    assert set(embedded) == ALL_OBJECTS
    assert set(binary) == set(embedded)
    for address, (path, _, body) in embedded.items():
        assert binary[address][0] == path, address
        assert binary[address][2] == body, address


@pytest.mark.skipif(shutil.which("helm") is None, reason="no helm binary on PATH")
def test_helm_binary_scan_matches_the_embedded_scan(run_cli: RunCli) -> None:
    reports = [
        _report(_scan(run_cli, CHART_NAME, *RELEASE, "--helm-values", PROD, "--renderer", r), 1)
        for r in ("embedded", "binary")
    ]
    assert _addresses(reports[0]) == _addresses(reports[1]) == ALL_OBJECTS
    assert _high(reports[0]) == _high(reports[1]) == PROD_HIGH
    assert reports[1]["inputs"][0]["terraform_version"].startswith("helm (")


# A stand-in for `helm template RELEASE CHART --namespace NS --values FILE`, for machines
# without helm: it renders with the Helm SDK and prints what helm prints (each object as its own
# document under a `# Source:` comment), so the binary renderer's own work (running helm, cutting
# its output back into templates, naming the objects' files) is tested everywhere.
STAND_IN_HELM = r"""#!PYTHON
import json
import os
import re
import sys

import helm_python
import yaml

args = sys.argv[1:]
if os.environ.get("STAND_IN_HELM_ERROR"):
    sys.stderr.write(os.environ["STAND_IN_HELM_ERROR"] + "\n")
    sys.exit(1)
release, chart = args[1], args[2]
namespace = args[args.index("--namespace") + 1]
with open(args[args.index("--values") + 1], encoding="utf-8") as f:
    values = yaml.safe_load(f) or {}
with open(os.environ["STAND_IN_HELM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"args": args, "values": values}) + "\n")
rendered = helm_python.Chart.load(chart).render(
    values, name=release, namespace=namespace, is_install=True
)
for template, text in sorted(rendered.items()):
    if template.endswith("NOTES.txt"):
        continue
    for document in re.split(r"^---[ \t]*$", text, flags=re.MULTILINE):
        if document.strip():
            print("---\n# Source: " + template + "\n" + document.strip())
"""


@pytest.fixture
def stand_in_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A ``helm`` executable in its own folder; its calls are logged to ``helm.log`` beside."""
    folder = tmp_path / "stand-in"
    folder.mkdir()
    helm = folder / "helm"
    helm.write_text(STAND_IN_HELM.replace("PYTHON", sys.executable), encoding="utf-8")
    helm.chmod(0o755)
    monkeypatch.setenv("STAND_IN_HELM_LOG", str(folder / "helm.log"))
    yield helm


def _calls(helm: Path) -> list[dict[str, Any]]:
    log = helm.parent / "helm.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_binary_renderer_runs_helm_template(stand_in_helm: Path) -> None:
    binary = _rendered_with("binary", helm_binary=str(stand_in_helm))
    [call] = _calls(stand_in_helm)
    args = call["args"]
    assert args[:3] == ["template", "acme", str(CHART)]
    assert args[3:5] == ["--namespace", "inference"]
    assert args[5] == "--values"
    assert not Path(args[6]).exists(), "the values file given to helm is left behind"
    assert call["values"]["service"]["type"] == "LoadBalancer"
    assert call["values"]["vector-db"] == {"persistence": {"size": "200Gi"}}
    embedded = _rendered_with("embedded")
    assert set(binary) == set(embedded) == ALL_OBJECTS
    for address, (path, _, body) in embedded.items():
        assert binary[address][0] == path, address
        assert binary[address][2] == body, address


def test_auto_renderer_prefers_helm_on_path(run_cli: RunCli, stand_in_helm: Path) -> None:
    path = f"{stand_in_helm.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    run = run_cli(
        "scan", "--format", "json", CHART_NAME, *RELEASE, "--helm-values", PROD,
        env={"PATH": path}, cwd=REPO,
    )  # fmt: skip
    report = _report(run, 1)
    assert report["inputs"][0]["terraform_version"] == f"helm ({stand_in_helm})"
    assert _addresses(report) == ALL_OBJECTS
    assert _high(report) == PROD_HIGH
    paths = {f["location"]["path"] for f in report["findings"] if f["resource"] == DEPLOYMENT}
    assert paths == {DEPLOYMENT_TEMPLATE}
    assert len(_calls(stand_in_helm)) == 1
    # --renderer embedded does not run it.
    embedded = run_cli(
        "scan", "--format", "json", CHART_NAME, *RELEASE, "--renderer", "embedded",
        env={"PATH": path}, cwd=REPO,
    )  # fmt: skip
    assert _report(embedded, 0)["inputs"][0]["terraform_version"] == "embedded Helm SDK"
    assert len(_calls(stand_in_helm)) == 1


def test_helm_error_is_one_line_naming_the_template(run_cli: RunCli, stand_in_helm: Path) -> None:
    error = (
        'Error: template: llm-serving/templates/service.yaml:14:11: executing "llm-serving/'
        'templates/service.yaml" at <.Values.service.type>: nil pointer evaluating\n'
        "Use --debug flag to render out invalid YAML\n"
    )
    run = run_cli(
        "scan", CHART_NAME, "--helm-binary", stand_in_helm, env={"STAND_IN_HELM_ERROR": error},
        cwd=REPO,
    )  # fmt: skip
    line = _one_line_error(run)
    assert line.startswith(
        f"iacguard: error: {CHART_NAME}: chart cannot be rendered in "
        "llm-serving/templates/service.yaml:14:11: template: "
    ), line
