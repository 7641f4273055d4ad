"""Kubernetes manifests load as a user expects: every object of a multi-document stream with its
address, line and position; a malformed document reported without hiding the others; Secret
values never shown; JSON manifests; folders with Helm charts; plain YAML refused."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from iacguard.inputs import load_inputs
from iacguard.inputs.kubernetes import load_manifests
from iacguard.model import InputDocument, Resource, Sensitive
from iacguard.model.document import InputKind
from iacguard.model.resource import Action

# --------------------------------------------------------------------------------------------
# A multi-document stream
# --------------------------------------------------------------------------------------------

# Line numbers matter: the expectations below name them.
STREAM = """\
---
# Rendered for namespace ml by the platform pipeline.
# This document holds only comments.
---
# the inference server
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: ml
  labels: &labels
    app.kubernetes.io/name: vllm
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      serviceAccountName: vllm
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
--- # a cluster-wide role: a comment on the marker line
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: x
rules: []
--- {apiVersion: v1, kind: ServiceAccount, metadata: {name: vllm}}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      namespace: ml
    data:
      released: 2024-05-01
  - apiVersion: v1
    kind: Namespace
    metadata:
      name: ml
...
"""

#: address → (pointer, line) of every object of STREAM.
STREAM_OBJECTS = {
    "k8s:Deployment/ml/vllm": ("/1", 6),
    "k8s:ClusterRole/x": ("/2", 25),
    "k8s:ServiceAccount/default/vllm": ("/3", 30),
    "k8s:ConfigMap/ml/settings": ("/4/items/0", 35),
    "k8s:Namespace/ml": ("/4/items/1", 42),
}


def _load(text: str, name: str = "stack.yaml") -> InputDocument:
    return load_manifests(name, text)


def _by_address(document: InputDocument) -> dict[str, Resource]:
    found = {r.address: r for r in document.resources}
    assert len(found) == len(document.resources), [r.address for r in document.resources]
    return found


RunCli = Callable[..., subprocess.CompletedProcess[str]]
Run = subprocess.CompletedProcess[str]


def _describe(run: Run) -> str:
    return (
        f"{' '.join(map(str, run.args))} exited {run.returncode}\n"
        f"--- stdout ---\n{run.stdout[:3000]}\n--- stderr ---\n{run.stderr[:3000]}"
    )


def assert_no_traceback(run: Run) -> None:
    """Neither stream shows a Python traceback or an internal error."""
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream, _describe(run)
        assert "internal error" not in stream, _describe(run)


def assert_one_line_error(run: Run, *names: str) -> str:
    """Exit 2, one line on stderr naming every one of ``names``, nothing on stdout."""
    assert_no_traceback(run)
    assert run.returncode == 2, _describe(run)
    lines = run.stderr.splitlines()
    assert len(lines) == 1, _describe(run)
    for name in names:
        assert name in lines[0], _describe(run)
    assert run.stdout == "", _describe(run)
    return lines[0]


def _report(run: Run) -> Any:
    """The JSON report of a run that may exit 2 (inputs partly unreadable)."""
    assert_no_traceback(run)
    return json.loads(run.stdout)


def test_stream_objects_have_addresses_pointers_and_lines() -> None:
    document = _load(STREAM)
    assert document.kind is InputKind.KUBERNETES_MANIFEST
    assert document.errors == ()
    assert document.skipped == ()
    assert document.resource_changes == 5
    found = {
        r.address: (r.source.pointer, r.source.line)
        for r in document.resources
        if r.source is not None
    }
    assert found == STREAM_OBJECTS
    for resource in document.resources:
        assert resource.source is not None
        assert resource.source.path == "stack.yaml"


def test_stream_pointers_follow_yaml_document_indexes() -> None:
    # An independent reading: PyYAML's documents, the comment-only one included as None.
    documents = list(yaml.safe_load_all(STREAM))
    assert documents[0] is None
    assert [d["kind"] for d in documents[1:]] == [
        "Deployment",
        "ClusterRole",
        "ServiceAccount",
        "List",
    ]
    resources = _by_address(_load(STREAM))
    for address, (pointer, _) in STREAM_OBJECTS.items():
        source = resources[address].source
        assert source is not None
        index = int(pointer.split("/")[1])
        value = documents[index]
        if "/items/" in pointer:
            value = value["items"][int(pointer.rsplit("/", 1)[1])]
        assert value["metadata"]["name"] == resources[address].name


def test_object_fields_kinds_and_namespaces() -> None:
    resources = _by_address(_load(STREAM))
    deployment = resources["k8s:Deployment/ml/vllm"]
    assert (deployment.type, deployment.name, deployment.provider_source) == (
        "Deployment",
        "vllm",
        "apps/v1",
    )
    assert deployment.provider == "kubernetes"
    assert deployment.mode == "managed"
    assert deployment.action is Action.CREATE
    assert deployment.before is None
    # the cluster-scoped kinds carry no namespace, even the Namespace itself
    assert resources["k8s:ClusterRole/x"].name == "x"
    assert resources["k8s:Namespace/ml"].type == "Namespace"
    # a namespaced object without metadata.namespace is in "default"
    account = resources["k8s:ServiceAccount/default/vllm"]
    assert account.after == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "vllm"},
    }


def test_anchors_and_aliases_are_resolved() -> None:
    deployment = _by_address(_load(STREAM))["k8s:Deployment/ml/vllm"]
    assert isinstance(deployment.after, dict)
    labels = {"app.kubernetes.io/name": "vllm"}
    assert deployment.after["metadata"]["labels"] == labels
    assert deployment.after["spec"]["selector"]["matchLabels"] == labels
    assert deployment.after["spec"]["template"]["metadata"]["labels"] == labels


def test_dates_stay_text() -> None:
    # Objects stay JSON values: YAML timestamps are not turned into dates.
    config_map = _by_address(_load(STREAM))["k8s:ConfigMap/ml/settings"]
    assert isinstance(config_map.after, dict)
    assert config_map.after["data"] == {"released": "2024-05-01"}


def test_stream_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(STREAM, encoding="utf-8")
    run = run_cli("scan", "--format", "json", "--fail-on", "none", "stack.yaml", cwd=tmp_path)
    report = _report(run)
    assert run.returncode == 0, _describe(run)
    assert run.stderr == "", _describe(run)
    assert sorted(r["address"] for r in report["resources"]) == sorted(STREAM_OBJECTS)
    [entry] = report["inputs"]
    assert entry["path"] == "stack.yaml"
    assert entry["kind"] == "kubernetes-manifest"
    assert (entry["resource_changes"], entry["analysed"], entry["skipped"], entry["errors"]) == (
        5,
        5,
        [],
        [],
    )


def test_objects_that_are_not_kubernetes_objects_are_skipped_with_reasons() -> None:
    text = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: good
  namespace: ml
---
- just
- a list
---
kind: ConfigMap
metadata:
  name: no-api-version
---
apiVersion: v1
kind: ConfigMap
metadata:
  namespace: ml
"""
    document = _load(text)
    assert [r.address for r in document.resources] == ["k8s:ServiceAccount/ml/good"]
    assert document.resource_changes == 4
    skipped = [(s.address, s.reason, s.source.pointer, s.source.line) for s in document.skipped]
    assert skipped == [
        ("stack.yaml/1", "not a Kubernetes object (not a mapping)", "/1", 7),
        ("stack.yaml/2", "no apiVersion and kind: not a Kubernetes object", "/2", 10),
        ("stack.yaml/3", "ConfigMap without metadata.name", "/3", 14),
    ]


# --------------------------------------------------------------------------------------------
# Documents whose marker line carries content
# --------------------------------------------------------------------------------------------

MAPPING_ON_MARKER = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: a, namespace: ml}
--- apiVersion: v1
kind: ServiceAccount
metadata: {name: b, namespace: ml}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: c, namespace: ml}
"""


def test_block_mapping_on_the_marker_line_is_a_malformed_document() -> None:
    # "--- key: value" followed by more keys is not YAML (libyaml and kubectl reject it too):
    # that document is an error, the others load.
    document = _load(MAPPING_ON_MARKER)
    assert [r.address for r in document.resources] == [
        "k8s:ServiceAccount/ml/a",
        "k8s:ServiceAccount/ml/c",
    ]
    [error] = document.errors
    assert error.startswith("document 2 (line "), error
    assert "malformed YAML" in error


@pytest.mark.xfail(
    strict=True,
    reason="bug: the error of a document whose block mapping starts on its '---' line names "
    "the line after the marker (line 5, 'did not find expected <document start>') instead of "
    "the marker line 4 where the mapping starts (PyYAML on the whole stream: line 4)",
)
def test_block_mapping_on_the_marker_line_error_names_the_marker_line() -> None:
    [error] = _load(MAPPING_ON_MARKER).errors
    assert error.startswith("document 2 (line 4): malformed YAML: "), error


# --------------------------------------------------------------------------------------------
# A malformed document in the middle
# --------------------------------------------------------------------------------------------

BROKEN = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  namespace: ml
---
apiVersion: v1
kind: ConfigMap
metadata:
\tname: broken
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules: []
"""

BROKEN_ERROR = "document 2 (line 10): malformed YAML: found character that cannot start any token"


def test_malformed_middle_document_is_an_error_and_the_others_load() -> None:
    document = _load(BROKEN, "broken.yaml")
    assert document.errors == (BROKEN_ERROR,)
    found = {
        r.address: (r.source.pointer, r.source.line)
        for r in document.resources
        if r.source is not None
    }
    assert found == {
        "k8s:ServiceAccount/ml/runner": ("/0", 1),
        "k8s:ClusterRole/reader": ("/2", 12),
    }
    assert document.skipped == ()
    assert document.resource_changes == 2


def test_cli_reports_the_malformed_document_and_still_reports_the_rest(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    run = run_cli("scan", "--format", "json", "--fail-on", "none", "broken.yaml", cwd=tmp_path)
    assert run.returncode == 2, _describe(run)
    assert run.stderr.splitlines() == [f"iacguard: error: broken.yaml: {BROKEN_ERROR}"]
    report = _report(run)
    assert sorted(r["address"] for r in report["resources"]) == [
        "k8s:ClusterRole/reader",
        "k8s:ServiceAccount/ml/runner",
    ]
    [entry] = report["inputs"]
    assert entry["errors"] == [BROKEN_ERROR]
    assert (entry["resource_changes"], entry["analysed"]) == (2, 2)


def test_text_scan_of_a_malformed_document_exits_2_with_one_error_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    run = run_cli("scan", "--fail-on", "none", "broken.yaml", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 2, _describe(run)
    assert run.stderr.splitlines() == [f"iacguard: error: broken.yaml: {BROKEN_ERROR}"]
    assert run.stdout != ""


def test_identities_of_a_partly_malformed_file_exit_2_and_list_the_good_accounts(
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    run = run_cli("identities", "--format", "json", "broken.yaml", cwd=tmp_path)
    assert run.returncode == 2, _describe(run)
    assert run.stderr.splitlines() == [f"iacguard: error: broken.yaml: {BROKEN_ERROR}"]
    ids = [i["id"] for i in _report(run)["identities"]]
    assert ids == ["k8s:ServiceAccount/ml/runner"]


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------

# AWS's documented example key: fake, and shaped like a real one.
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SECRET_KEY_B64 = base64.b64encode(SECRET_KEY.encode()).decode()
TOKEN = "cnry-k8s-token-5e1d07b2"
TOKEN_B64 = base64.b64encode(TOKEN.encode()).decode()
CANARIES = (SECRET_KEY, SECRET_KEY_B64, TOKEN, TOKEN_B64)

SECRET_STACK = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: aws-creds
  namespace: ml
type: Opaque
stringData:
  AWS_SECRET_ACCESS_KEY: {SECRET_KEY}
  INFERENCE_TOKEN: {TOKEN}
data:
  aws_secret_access_key: {SECRET_KEY_B64}
  token: {TOKEN_B64}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: trainer
  namespace: ml
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: secret-reader, namespace: ml}}
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["aws-creds"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: secret-reader, namespace: ml}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}}
subjects: [{{kind: ServiceAccount, name: trainer, namespace: ml}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: trainer, namespace: ml}}
spec:
  selector: {{matchLabels: {{app: trainer}}}}
  template:
    metadata: {{labels: {{app: trainer}}}}
    spec:
      serviceAccountName: trainer
      containers:
        - name: trainer
          image: acme/trainer:1.0
          envFrom: [{{secretRef: {{name: aws-creds}}}}]
          env:
            - name: AWS_SECRET_ACCESS_KEY
              valueFrom: {{secretKeyRef: {{name: aws-creds, key: AWS_SECRET_ACCESS_KEY}}}}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata: {{name: listed, namespace: ml}}
    stringData: {{AWS_SECRET_ACCESS_KEY: {SECRET_KEY}}}
"""


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_secret_values_are_masked_at_load() -> None:
    resources = _by_address(_load(SECRET_STACK))
    for address in ("k8s:Secret/ml/aws-creds", "k8s:Secret/ml/listed"):
        secret = resources[address]
        assert isinstance(secret.after, dict)
        for field in ("stringData", "data"):
            for value in (secret.after.get(field) or {}).values():
                assert isinstance(value, Sensitive), (address, field)
    creds = resources["k8s:Secret/ml/aws-creds"]
    assert isinstance(creds.after, dict)
    # the key names stay: checks read them
    assert sorted(creds.after["stringData"]) == ["AWS_SECRET_ACCESS_KEY", "INFERENCE_TOKEN"]
    assert sorted(creds.after["data"]) == ["aws_secret_access_key", "token"]
    for resource in resources.values():
        text = repr(resource) + " ".join(_strings(resource.after))
        for canary in CANARIES:
            assert canary not in text, resource.address


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--format", "json", "--fail-on", "none"),
        ("scan", "--format", "text", "--fail-on", "none"),
        ("scan", "--format", "markdown", "--fail-on", "none"),
        ("identities", "--format", "json"),
        ("identities", "--format", "text"),
        (
            "query",
            "--identity",
            "system:serviceaccount:ml:trainer",
            "--action",
            "get",
            "--resource",
            "secrets",
            "--namespace",
            "ml",
            "--format",
            "json",
        ),
    ],
    ids=["scan-json", "scan-text", "scan-markdown", "identities-json", "identities-text", "query"],
)
def test_secret_values_never_appear_in_any_output(
    run_cli: RunCli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    (tmp_path / "secrets.yaml").write_text(SECRET_STACK, encoding="utf-8")
    run = run_cli(*args, "secrets.yaml", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode in (0, 1), _describe(run)
    assert run.stdout, _describe(run)
    for canary in CANARIES:
        assert canary not in run.stdout, canary
        assert canary not in run.stderr, canary


def test_secret_in_report_file_outputs_is_masked(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "secrets.yaml").write_text(SECRET_STACK, encoding="utf-8")
    run = run_cli(
        "scan", "--fail-on", "none", "-o", "r.json", "-o", "r.md", "secrets.yaml", cwd=tmp_path
    )
    assert run.returncode == 0, _describe(run)
    for name in ("r.json", "r.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "secrets.yaml" in text, name
        for canary in CANARIES:
            assert canary not in text, (name, canary)


def test_malformed_secret_document_error_does_not_quote_the_value(
    run_cli: RunCli, tmp_path: Path
) -> None:
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ml\n"
        f'stringData:\n  AWS_SECRET_ACCESS_KEY: "{SECRET_KEY}\n'
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: ml}\n"
    )
    (tmp_path / "broken-secret.yaml").write_text(text, encoding="utf-8")
    run = run_cli(
        "scan", "--format", "json", "--fail-on", "none", "broken-secret.yaml", cwd=tmp_path
    )
    assert run.returncode == 2, _describe(run)
    [line] = run.stderr.splitlines()
    assert line.startswith("iacguard: error: broken-secret.yaml: document 1 (line "), line
    assert [r["address"] for r in _report(run)["resources"]] == ["k8s:ServiceAccount/ml/a"]
    for canary in CANARIES:
        assert canary not in run.stdout + run.stderr


def test_secret_last_applied_configuration_does_not_keep_the_values() -> None:
    applied = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "aws-creds", "namespace": "ml"},
            "stringData": {"AWS_SECRET_ACCESS_KEY": SECRET_KEY},
        },
        separators=(",", ":"),
    )
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws-creds\n  namespace: ml\n"
        "  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n"
        f"      {applied}\n"
        f"stringData:\n  AWS_SECRET_ACCESS_KEY: {SECRET_KEY}\n"
    )
    [secret] = _load(text).resources
    assert all(SECRET_KEY not in s for s in _strings(secret.after))


# --------------------------------------------------------------------------------------------
# JSON manifests
# --------------------------------------------------------------------------------------------

KUBECTL_LIST: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "List",
    "metadata": {"resourceVersion": ""},
    "items": [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "vllm", "namespace": "inference"},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "vllm-view"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "vllm", "namespace": "inference"}],
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "hf", "namespace": "inference"},
            "data": {"token": TOKEN_B64},
        },
    ],
}


def test_kubectl_json_list_loads(tmp_path: Path) -> None:
    path = tmp_path / "objects.json"
    path.write_text(json.dumps(KUBECTL_LIST, indent=4), encoding="utf-8")
    [document] = load_inputs([str(path)]).documents
    assert document.kind is InputKind.KUBERNETES_MANIFEST
    assert document.errors == ()
    assert document.resource_changes == 3
    found = {
        r.address: (r.source.pointer, r.source.line)
        for r in document.resources
        if r.source is not None
    }
    assert found == {
        "k8s:ServiceAccount/inference/vllm": ("/items/0", None),
        "k8s:ClusterRoleBinding/vllm-view": ("/items/1", None),
        "k8s:Secret/inference/hf": ("/items/2", None),
    }
    secret = _by_address(document)["k8s:Secret/inference/hf"]
    assert isinstance(secret.after, dict)
    assert isinstance(secret.after["data"]["token"], Sensitive)


def test_kubectl_json_single_object_loads(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text(json.dumps(KUBECTL_LIST["items"][0]), encoding="utf-8")
    [document] = load_inputs([str(path)]).documents
    [resource] = document.resources
    assert resource.address == "k8s:ServiceAccount/inference/vllm"
    assert resource.source is not None
    assert resource.source.pointer == "/"


def test_kubectl_json_list_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "objects.json").write_text(json.dumps(KUBECTL_LIST), encoding="utf-8")
    run = run_cli("identities", "--format", "json", "objects.json", cwd=tmp_path)
    assert run.returncode == 0, _describe(run)
    [account] = [i for i in _report(run)["identities"] if i["provider"] == "kubernetes"]
    assert account["id"] == "k8s:ServiceAccount/inference/vllm"
    assert account["bindings"] == ["k8s:ClusterRoleBinding/vllm-view"]
    assert TOKEN_B64 not in run.stdout


# --------------------------------------------------------------------------------------------
# Folders, Helm charts and plain YAML
# --------------------------------------------------------------------------------------------

ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
  namespace: ml
"""


def _folder_with_chart(root: Path) -> Path:
    stack = root / "stack"
    chart = stack / "charts" / "inference"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        "apiVersion: v2\nname: inference\nversion: 0.1.0\n", encoding="utf-8"
    )
    (chart / "values.yaml").write_text("replicas: 2\n", encoding="utf-8")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n",
        encoding="utf-8",
    )
    (stack / "account.yaml").write_text(ACCOUNT, encoding="utf-8")
    (stack / "values.yaml").write_text("region: us-east-1\nreplicas: 3\n", encoding="utf-8")
    return stack


def test_folder_renders_its_helm_chart_and_loads_sibling_manifests(tmp_path: Path) -> None:
    stack = _folder_with_chart(tmp_path)
    loaded = load_inputs([str(stack)])
    by_path = {d.path: d for d in loaded.documents}
    assert list(by_path) == [str(stack / "account.yaml"), str(stack / "charts" / "inference")]
    assert [r.address for r in by_path[str(stack / "account.yaml")].resources] == [
        "k8s:ServiceAccount/ml/runner"
    ]
    chart = by_path[str(stack / "charts" / "inference")]
    assert chart.kind is InputKind.HELM_CHART
    (deployment,) = chart.resources
    assert deployment.address == "k8s:Deployment/default/release-name"
    assert deployment.source.path == str(
        stack / "charts" / "inference" / "templates" / "deployment.yaml"
    )
    assert deployment.after["spec"]["replicas"] == 2  # the chart's own values
    ignored = {i.path: i.reason for i in loaded.ignored}
    assert ignored == {
        str(stack / "values.yaml"): (
            "a YAML document, neither a Kubernetes manifest (no apiVersion and kind) nor a "
            "Terraform plan JSON"
        ),
    }


def test_folder_with_chart_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    _folder_with_chart(tmp_path)
    run = run_cli("scan", "--format", "json", "--fail-on", "none", "stack", cwd=tmp_path)
    report = _report(run)
    assert run.returncode == 0, _describe(run)
    assert sorted(r["address"] for r in report["resources"]) == [
        "k8s:Deployment/default/release-name",
        "k8s:ServiceAccount/ml/runner",
    ]
    assert {i["path"]: i["reason"] for i in report["ignored_files"]} == {
        str(Path("stack") / "values.yaml"): (
            "a YAML document, neither a Kubernetes manifest (no apiVersion and kind) nor a "
            "Terraform plan JSON"
        ),
    }


def test_plain_yaml_named_explicitly_is_a_one_line_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text(
        "replicaCount: 2\nimage:\n  repository: vllm/vllm-openai\n  tag: v0.6.3\n",
        encoding="utf-8",
    )
    run = run_cli("scan", "values.yaml", cwd=tmp_path)
    line = assert_one_line_error(run, "values.yaml")
    assert line == (
        "iacguard: error: values.yaml: a YAML document, neither a Kubernetes manifest "
        "(no apiVersion and kind) nor a Terraform plan JSON"
    )


# --------------------------------------------------------------------------------------------
# Known gaps
# --------------------------------------------------------------------------------------------


def test_crlf_stream_is_split_into_documents(tmp_path: Path) -> None:
    text = ACCOUNT + "---\n" + ACCOUNT.replace("runner", "trainer")
    path = tmp_path / "windows.yaml"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    [document] = load_inputs([str(path)]).documents
    assert document.errors == ()
    assert [r.address for r in document.resources] == [
        "k8s:ServiceAccount/ml/runner",
        "k8s:ServiceAccount/ml/trainer",
    ]


def test_comment_header_before_the_first_marker_is_not_a_document() -> None:
    header = "# Copyright 2024 Acme\n# SPDX-License-Identifier: Apache-2.0\n---\n"
    [account] = _load(header + ACCOUNT).resources
    assert account.source is not None
    assert (account.source.pointer, account.source.line) == ("/0", 4)
    broken = header + "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n\tname: a\n"
    assert _load(broken).errors == (
        "document 1 (line 7): malformed YAML: found character that cannot start any token",
    )


def test_alias_bomb_is_an_error_not_an_outage() -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "data:"]
    lines.append('  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
    for level in range(1, 9):
        lines.append(f"  a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    document = _load(
        "\n".join(lines) + "\n---\n" + "apiVersion: v1\nkind: Namespace\nmetadata: {name: ml}\n"
    )
    assert document.errors == (
        "document 1 (line 1): YAML aliases expand to more than 200,000 values: not read",
    )
    assert [r.address for r in document.resources] == ["k8s:Namespace/ml"]
    # a few anchors, as real manifests use them, are read
    small = _load(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: &x hi\n  b: *x\n"
    )
    assert small.errors == () and small.resources[0].after["data"] == {"a": "hi", "b": "hi"}


def test_an_object_defined_twice_is_named_in_a_warning(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(ACCOUNT, encoding="utf-8")
    loaded = load_inputs([str(tmp_path)])
    warnings = {d.path: d.warnings for d in loaded.documents}
    assert warnings[str(tmp_path / "a.yaml")] == ()
    assert warnings[str(tmp_path / "b.yaml")] == (
        f"k8s:ServiceAccount/ml/runner is also defined in {tmp_path / 'a.yaml'}: the one "
        "applied last wins (iacguard reads both)",
    )


def test_packaged_chart_in_a_folder_is_rendered_and_other_tarballs_passed_over(
    tmp_path: Path,
) -> None:
    import gzip
    import tarfile

    chart = tmp_path / "src" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n", "utf-8")
    (chart / "templates" / "sa.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n", encoding="utf-8"
    )
    stack = tmp_path / "stack"
    stack.mkdir()
    with tarfile.open(stack / "web-1.0.0.tgz", "w:gz") as tar:
        tar.add(chart, arcname="web")
    (stack / "backup.tar.gz").write_bytes(gzip.compress(b"not a tar"))
    loaded = load_inputs([str(stack)])
    (document,) = loaded.documents
    assert [r.address for r in document.resources] == ["k8s:ServiceAccount/default/web"]
    assert [i.path for i in loaded.ignored] == [str(stack / "backup.tar.gz")]
