"""Sensitive values never reach any output: standard output, standard error, report files, reprs.

Canary strings are planted where Terraform marks values sensitive, where nothing marks them but
they look like credentials, and in malformed inputs whose error message must not quote them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_inputs import (
    AWS,
    CORPUS_PLANS,
    KUBERNETES,
    assert_no_traceback,
    assert_one_line_error,
    change,
    corpus_plan_path,
    decode_plan_bytes,
    iter_state_resources,
    read_corpus_plan,
    run_iacguard,
    small_plan,
    write_plan,
)

from iacguard.inputs import load_inputs
from iacguard.model import InputDocument, Resource, Sensitive, Unknown
from iacguard.report import OutputFormat

GOOGLE = "registry.terraform.io/hashicorp/google"

# Canaries: distinctive values that must never be printed. None is part of an address.
AFTER_MARKED = "cnry-after-7f3a9c2e51"
BEFORE_MARKED = "cnry-before-0b8d4e6a17"
NESTED_KEY = "cnry-nested-client-key-44d1"
NESTED_BLOCK = "cnry-nested-kubeconfig-9e2f"
ROOT_VARIABLE = "cnry-root-var-d00dfeed"
UNKNOWN_BEFORE = "cnry-unknown-was-5ac1b7"
OUTPUT_VALUE = "cnry-output-postgres-url-61f0"
DATA_SOURCE = "cnry-data-source-result-3b9a"
GITHUB_TOKEN = "ghp_" + "Zq8Lm3Nx7Rt2Vw9Kp4Hs6Jd1Fg5Bc0Ya8XeT"
AWS_KEY_ID = "AKIA" + "Q3EGRDXN5LPB7T2Z"
AWS_KEY_ID_AFTER_CJK = "AKIA" + "R7WMC2KQ9ZXH4TPL"
PEM_BODY = "MIIEpAIBAAKCAQEAcnryPEMbodyLine0000000000000000000000000000000000"
PEM_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"
HF_TOKEN = "hf_" + "cnryHuggingFaceTokenAbCdEf0123456789"

CANARIES = [
    AFTER_MARKED,
    BEFORE_MARKED,
    NESTED_KEY,
    NESTED_BLOCK,
    ROOT_VARIABLE,
    UNKNOWN_BEFORE,
    OUTPUT_VALUE,
    DATA_SOURCE,
    GITHUB_TOKEN,
    AWS_KEY_ID,
    AWS_KEY_ID_AFTER_CJK,
    PEM_BODY,
    HF_TOKEN,
]


def canary_plan() -> dict[str, Any]:
    """The small plan plus resources holding every kind of secret, as Terraform 1.2+ writes."""
    document = small_plan()
    document["variables"]["db_password"] = {"value": ROOT_VARIABLE}
    document["variables"]["hf_token"] = {"value": HF_TOKEN}  # not declared sensitive
    document["resource_changes"] += [
        # Marked sensitive by Terraform, before and after an update.
        change(
            "aws_ssm_parameter.api",
            ["update"],
            before={"name": "/ml/api", "type": "SecureString", "value": BEFORE_MARKED},
            after={"name": "/ml/api", "type": "SecureString", "value": AFTER_MARKED},
            before_sensitive={"value": True},
            after_sensitive={"value": True},
        ),
        # A sensitive root variable flows into a resource (Terraform marks it there too).
        change(
            "aws_ssm_parameter.db",
            ["create"],
            after={"name": "/ml/db", "type": "SecureString", "value": ROOT_VARIABLE},
            after_unknown={"arn": True, "id": True},
            after_sensitive={"value": True},
        ),
        # A nested block with one sensitive attribute, and a whole block marked sensitive.
        change(
            "google_container_cluster.training",
            ["create"],
            provider=GOOGLE,
            after={
                "name": "training",
                "master_auth": [
                    {
                        "client_certificate_config": [{"issue_client_certificate": False}],
                        "client_key": NESTED_KEY,
                    }
                ],
                "kube_config": [{"host": "https://10.0.0.1", "raw": NESTED_BLOCK}],
            },
            after_unknown={"endpoint": True, "id": True},
            after_sensitive={"master_auth": [{"client_key": True}], "kube_config": True},
        ),
        # Unknown after the update, sensitive before and after.
        change(
            "aws_ssm_parameter.rotated",
            ["update"],
            before={"name": "/ml/rotated", "type": "SecureString", "value": UNKNOWN_BEFORE},
            after={"name": "/ml/rotated", "type": "SecureString"},
            after_unknown={"value": True},
            before_sensitive={"value": True},
            after_sensitive={"value": True},
        ),
        # Unmarked values shaped like credentials.
        change(
            "aws_lambda_function.agent",
            ["create"],
            after={
                "function_name": "agent",
                "environment": [{"variables": {"GH": GITHUB_TOKEN, "MODE": "prod"}}],
            },
            after_unknown={"arn": True, "role": True},
            after_sensitive={"environment": [{"variables": {}}]},
        ),
        change(
            "aws_instance.trainer",
            ["create"],
            after={
                "ami": "ami-0123456789abcdef0",
                "instance_type": "p4d.24xlarge",
                "user_data": f"#!/bin/bash\ncat > /root/.ssh/id_rsa <<'EOF'\n{PEM_KEY}EOF\n",
            },
            after_unknown={"id": True},
        ),
        # Tag values are quoted in classification reasons: a credential there must be masked.
        change(
            "aws_s3_bucket.sync",
            ["create"],
            after={"bucket": "acme-sync", "tags": {"Note": f"training data sync {AWS_KEY_ID}"}},
            after_unknown={"id": True, "tags_all": True},
            after_sensitive={"tags": {}},
        ),
        change(
            "aws_s3_bucket.corpus_cn",
            ["create"],
            after={
                "bucket": "acme-cn",
                "tags": {"Note": f"训练数据 training 密钥{AWS_KEY_ID_AFTER_CJK}"},
            },
            after_unknown={"id": True, "tags_all": True},
            after_sensitive={"tags": {}},
        ),
        # A Kubernetes secret, as the kubernetes provider marks it.
        change(
            "kubernetes_secret.hf",
            ["create"],
            provider=KUBERNETES,
            after={
                "metadata": [{"name": "hf", "namespace": "ml"}],
                "data": {"HF_TOKEN": HF_TOKEN},
                "type": "Opaque",
            },
            after_unknown={"id": True, "metadata": [{"uid": True}]},
            after_sensitive={"data": True, "binary_data": True, "metadata": [{}]},
        ),
    ]
    prior = document["prior_state"]["values"]["root_module"]["resources"]
    prior.append(
        {
            "address": "data.external.credentials",
            "mode": "data",
            "type": "external",
            "name": "credentials",
            "provider_name": "registry.terraform.io/hashicorp/external",
            "schema_version": 0,
            "values": {"id": "-", "program": ["./creds.sh"], "result": {"value": DATA_SOURCE}},
            "sensitive_values": {"program": [False], "result": {"value": True}},
        }
    )
    document["output_changes"] = {
        "database_url": {
            "actions": ["create"],
            "before": None,
            "after": OUTPUT_VALUE,
            "after_unknown": False,
            "before_sensitive": False,
            "after_sensitive": True,
        }
    }
    document["planned_values"]["outputs"] = {
        "database_url": {"sensitive": True, "value": OUTPUT_VALUE}
    }
    document["planned_values"]["root_module"]["resources"].append(
        {
            "address": "aws_ssm_parameter.api",
            "mode": "managed",
            "type": "aws_ssm_parameter",
            "name": "api",
            "provider_name": AWS,
            "schema_version": 0,
            "values": {"name": "/ml/api", "type": "SecureString", "value": AFTER_MARKED},
            "sensitive_values": {"value": True},
        }
    )
    root = document["configuration"]["root_module"]
    root["variables"]["db_password"] = {"sensitive": True}
    root["variables"]["hf_token"] = {}
    root["resources"].append(
        {
            "address": "aws_instance.trainer",
            "mode": "managed",
            "type": "aws_instance",
            "name": "trainer",
            "provider_config_key": "aws",
            "expressions": {"user_data": {"constant_value": PEM_KEY}},
            "schema_version": 1,
        }
    )
    root["outputs"] = {
        "database_url": {"sensitive": True, "expression": {"references": ["var.db_password"]}}
    }
    return document


def assert_no_canary(where: str, text: str, canaries: list[str] = CANARIES) -> None:
    leaked = [c for c in canaries if c in text]
    assert not leaked, f"{where} contains {leaked}"


@pytest.fixture
def canary_file(tmp_path: Path) -> Path:
    path = write_plan(tmp_path / "plan.json", canary_plan())
    raw = path.read_text("utf-8")
    assert all(c in raw for c in CANARIES)  # the fixture really holds every canary
    return path


#: Every report format, each written to a file by the same run.
ALL_FORMATS = [f.value for f in OutputFormat]


def _every_format(tmp_path: Path) -> dict[str, Path]:
    return {name: tmp_path / f"report.{name}" for name in ALL_FORMATS}


@pytest.mark.parametrize("output_format", ALL_FORMATS)
def test_canaries_are_in_no_output(tmp_path: Path, canary_file: Path, output_format: str) -> None:
    files = _every_format(tmp_path)
    outputs = [arg for name, path in files.items() for arg in ("--output", f"{name}:{path}")]
    run = run_iacguard(
        "scan", "--format", output_format, *outputs, canary_file, "--fail-on", "none", cwd=tmp_path
    )
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    if output_format in ("text", "json", "markdown"):
        assert "aws_s3_bucket.training" in run.stdout  # the report is about the canary plan
    assert "aws_s3_bucket.sync" in files["json"].read_text("utf-8")
    assert_no_canary("stdout", run.stdout)
    assert_no_canary("stderr", run.stderr)
    for name, path in files.items():
        assert_no_canary(f"report.{name}", path.read_text("utf-8"))


def test_canaries_are_in_no_output_when_read_from_stdin(tmp_path: Path, canary_file: Path) -> None:
    run = run_iacguard("scan", "--format", "json", "-", stdin=canary_file.read_bytes())
    assert run.returncode == 0, run.describe()
    assert "aws_s3_bucket.sync" in run.stdout
    assert_no_canary("stdout", run.stdout)
    assert_no_canary("stderr", run.stderr)


def _document(path: Path) -> InputDocument:
    (document,) = load_inputs([str(path)]).documents
    return document


def _by_address(document: InputDocument) -> dict[str, Resource]:
    return {r.address: r for r in document.resources}


def test_loaded_objects_hold_no_canary(canary_file: Path) -> None:
    document = _document(canary_file)
    assert len(document.resources) > 10
    for resource in document.resources:
        assert_no_canary(f"repr({resource.address})", repr(resource))
        for side in ("before", "after"):
            dumped = json.dumps(getattr(resource, side), default=repr)
            assert_no_canary(f"{resource.address}.{side}", dumped)
    assert_no_canary("repr(variables)", repr(document.variables))
    assert_no_canary("repr(document)", repr(document))


def test_marked_values_are_masked(canary_file: Path) -> None:
    document = _document(canary_file)
    resources = _by_address(document)
    api = resources["aws_ssm_parameter.api"]
    assert isinstance(api.before["value"], Sensitive)
    assert isinstance(api.after["value"], Sensitive)
    assert api.after["name"] == "/ml/api"  # only what is marked is masked

    cluster = resources["google_container_cluster.training"]
    assert isinstance(cluster.get("master_auth", 0, "client_key"), Sensitive)
    assert cluster.get("master_auth", 0, "client_certificate_config") == [
        {"issue_client_certificate": False}
    ]
    assert isinstance(cluster.get("kube_config"), Sensitive)

    # a sensitive map keeps the names of its entries, never their values
    data = resources["kubernetes_secret.hf"].get("data")
    assert list(data) == ["HF_TOKEN"]
    assert isinstance(data["HF_TOKEN"], Sensitive)
    assert isinstance(resources["data.external.credentials"].get("result", "value"), Sensitive)
    assert isinstance(document.variables["db_password"], Sensitive)
    assert document.variables["region"] == "us-east-1"


def test_credential_shaped_values_are_masked(canary_file: Path) -> None:
    document = _document(canary_file)
    resources = _by_address(document)
    agent = resources["aws_lambda_function.agent"]
    assert isinstance(agent.get("environment", 0, "variables", "GH"), Sensitive)
    assert agent.get("environment", 0, "variables", "MODE") == "prod"
    assert isinstance(resources["aws_instance.trainer"].get("user_data"), Sensitive)
    assert isinstance(resources["aws_s3_bucket.sync"].get("tags", "Note"), Sensitive)
    assert isinstance(document.variables["hf_token"], Sensitive)


def test_access_key_after_non_ascii_text_is_masked(canary_file: Path) -> None:
    """An access key id written straight after CJK text (no space) is still a credential."""
    bucket = _by_address(_document(canary_file))["aws_s3_bucket.corpus_cn"]
    assert isinstance(bucket.get("tags", "Note"), Sensitive), bucket.get("tags", "Note")


def test_unknown_sensitive_value_is_unknown_and_sensitive(canary_file: Path) -> None:
    rotated = _by_address(_document(canary_file))["aws_ssm_parameter.rotated"]
    assert isinstance(rotated.before["value"], Sensitive)
    value = rotated.after["value"]
    assert isinstance(value, Unknown)
    assert value.sensitive, "after_sensitive marks it: once known it must be masked"


# --------------------------------------------------------------------------------------------
# Error messages quote nothing from the file
# --------------------------------------------------------------------------------------------

ERROR_CANARY = "cnry-err-Pa55w0rd-91c7"

MALFORMED = {
    "json-bad-member": ("plan.json", f'{{"db_password": "{ERROR_CANARY}", oops}}'),
    "json-no-suffix": ("plan", f'{{"db_password": "{ERROR_CANARY}" "next": 1}}'),
    "json-unterminated-string": ("plan.json", f'{{"db_password": "{ERROR_CANARY}'),
    "json-suffix-not-json": ("plan.json", f'{ERROR_CANARY} = "not json"'),
    "text-bad-yaml": ("plan.txt", f'{ERROR_CANARY}: [unclosed\n  - "x"\n'),
    # An unquoted YAML password starting with * or ! is parsed as an alias or a tag.
    "yaml-alias": ("values.yaml", f"db:\n  password: *{ERROR_CANARY}\n"),
    "yaml-tag-handle": ("values.yaml", f"db:\n  password: !{ERROR_CANARY}!x value\n"),
}


@pytest.mark.parametrize(("name", "content"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_error_message_does_not_quote_the_file(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    run = run_iacguard("scan", name, cwd=tmp_path)
    assert_one_line_error(run, name)
    assert ERROR_CANARY not in run.stderr
    assert ERROR_CANARY not in run.stdout


# --------------------------------------------------------------------------------------------
# A real plan: cyse7125 (a Kubernetes secret and an EKS token read during plan)
# --------------------------------------------------------------------------------------------

CYSE = "cyse7125__eks_irsa_podidentity_helm_v1.2.json"


def _cyse_secrets() -> list[str]:
    raw = read_corpus_plan(CYSE)
    (secret,) = [
        c
        for c in raw["resource_changes"]
        if c["address"] == "module.db.kubernetes_secret.postgresql"
    ]
    assert secret["change"]["after_sensitive"]["data"] is True
    (password,) = secret["change"]["after"]["data"].values()
    (auth,) = [
        r
        for r in iter_state_resources(raw["prior_state"]["values"]["root_module"])
        if r["address"] == "module.k8s.data.aws_eks_cluster_auth.cluster_auth"
    ]
    assert auth["sensitive_values"]["token"] is True
    token = auth["values"]["token"]
    assert isinstance(password, str) and len(password) >= 8
    assert isinstance(token, str) and len(token) >= 40
    return [password, token]


@pytest.mark.corpus
@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_real_plan_secrets_are_in_no_output(tmp_path: Path, output_format: str) -> None:
    path = corpus_plan_path(CYSE)
    secrets = _cyse_secrets()
    files = _every_format(tmp_path)
    outputs = [arg for name, where in files.items() for arg in ("-o", f"{name}:{where}")]
    run = run_iacguard("scan", "--format", output_format, *outputs, path, cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    assert "module.db.kubernetes_secret.postgresql" in files["json"].read_text("utf-8")
    assert_no_canary("stdout", run.stdout, secrets)
    assert_no_canary("stderr", run.stderr, secrets)
    for name, where in files.items():
        assert_no_canary(f"report.{name}", where.read_text("utf-8"), secrets)


def test_real_plan_secrets_are_masked_in_loaded_objects() -> None:
    secrets = _cyse_secrets()
    document = _document(corpus_plan_path(CYSE))
    resources = _by_address(document)
    data = resources["module.db.kubernetes_secret.postgresql"].get("data")
    assert list(data) == ["postgres-password"]  # the entry's name is kept, its value masked
    assert isinstance(data["postgres-password"], Sensitive)
    auth = resources["module.k8s.data.aws_eks_cluster_auth.cluster_auth"]
    assert isinstance(auth.get("token"), Sensitive)
    assert auth.get("name") == "cve-eks"
    password, token = secrets
    for resource in document.resources:
        # The plan itself shows the password unmarked as random_id.postgres.hex (random_id
        # attributes are not sensitive): only that resource may hold it.
        check = [token] if resource.address == "module.db.random_id.postgres" else secrets
        assert_no_canary(f"repr({resource.address})", repr(resource), check)
        dumped = json.dumps([resource.before, resource.after], default=repr)
        assert_no_canary(resource.address, dumped, check)
    assert password in repr(resources["module.db.random_id.postgres"])  # why it is exempt


# --------------------------------------------------------------------------------------------
# Every corpus plan: no value Terraform marked sensitive is printed
# --------------------------------------------------------------------------------------------


def _marked_strings(value: Any, marker: Any) -> Iterator[str]:
    """Strings of ``value`` at the paths ``marker`` (a sensitive-values tree) marks."""
    if marker is True:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict | list):
            for item in value.values() if isinstance(value, dict) else value:
                yield from _marked_strings(item, True)
    elif isinstance(marker, dict) and isinstance(value, dict):
        for key, sub in marker.items():
            if key in value:
                yield from _marked_strings(value[key], sub)
    elif isinstance(marker, list) and isinstance(value, list):
        for item, sub in zip(value, marker, strict=False):
            yield from _marked_strings(item, sub)


def _sensitive_strings(document: Any) -> set[str]:
    found: set[str] = set()
    for entry in document.get("resource_changes") or ():
        body = entry.get("change") or {}
        found.update(_marked_strings(body.get("before"), body.get("before_sensitive")))
        found.update(_marked_strings(body.get("after"), body.get("after_sensitive")))
    prior = ((document.get("prior_state") or {}).get("values") or {}).get("root_module")
    for resource in iter_state_resources(prior):
        found.update(_marked_strings(resource.get("values"), resource.get("sensitive_values")))
    # Short or common strings (a namespace, "Opaque") may be printed for other reasons.
    return {s for s in found if len(s) >= 12}


def _plans_with_marked_strings() -> list[str]:
    if not CORPUS_PLANS.is_dir():
        return []
    return [
        p.name
        for p in sorted(CORPUS_PLANS.iterdir())
        if p.is_file() and _sensitive_strings(json.loads(decode_plan_bytes(p.read_bytes())))
    ]


@pytest.mark.corpus
@pytest.mark.parametrize("name", _plans_with_marked_strings())
def test_no_marked_value_of_a_corpus_plan_is_printed(tmp_path: Path, name: str) -> None:
    path = corpus_plan_path(name)
    secrets = sorted(_sensitive_strings(json.loads(decode_plan_bytes(path.read_bytes()))))
    assert secrets
    out = tmp_path / "report.json"
    for output_format in ("text", "json"):
        run = run_iacguard("scan", "--format", output_format, "-o", out, path, cwd=tmp_path)
        assert run.returncode == 0, run.describe()
        assert_no_canary(f"{output_format} stdout", run.stdout, secrets)
        assert_no_canary("stderr", run.stderr, secrets)
        assert_no_canary("report.json", out.read_text("utf-8"), secrets)
