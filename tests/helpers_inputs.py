"""Helpers shared by the input, corpus, secrets and determinism tests.

Runs the installed ``iacguard`` console script as a user would, and builds small plan fixtures in
the shape ``terraform show -json`` (format 1.2) produces. Kept out of ``conftest.py`` on purpose:
these are plain functions, imported explicitly by the modules that use them.
"""

from __future__ import annotations

import codecs
import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CORPUS_PLANS = CORPUS / "plans"

AWS = "registry.terraform.io/hashicorp/aws"
KUBERNETES = "registry.terraform.io/hashicorp/kubernetes"


# --------------------------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------------------------


def iacguard_executable() -> str:
    """The console script installed next to the running interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "iacguard"
    if beside.exists():
        return str(beside)
    found = shutil.which("iacguard")
    if found is None:
        pytest.fail("the iacguard console script is not installed")
    return found


@dataclass(frozen=True)
class Run:
    """A finished ``iacguard`` process."""

    args: tuple[str, ...]
    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace")

    def json(self) -> Any:
        """The JSON report on standard output."""
        assert self.returncode in (0, 1), self.describe()
        return json.loads(self.stdout)

    def describe(self) -> str:
        return (
            f"iacguard {' '.join(self.args)} exited {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[:3000]}\n--- stderr ---\n{self.stderr[:3000]}"
        )


def base_env(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """A stable environment: no colour, fixed width, never a debug traceback."""
    env = dict(os.environ)
    env.pop("IACGUARD_DEBUG", None)
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "CI": "1", "TERM": "dumb"})
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_iacguard(
    *args: str | os.PathLike[str],
    stdin: bytes | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    executable: str | None = None,
) -> Run:
    """Run the installed CLI with ``args``; ``env`` entries set to ``None`` are removed."""
    argv = [executable or iacguard_executable(), *map(str, args)]
    completed = subprocess.run(
        argv,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        cwd=cwd,
        env=base_env(env),
        check=False,
        timeout=300,
    )
    return Run(tuple(map(str, args)), completed.returncode, completed.stdout, completed.stderr)


def assert_no_traceback(run: Run) -> None:
    """Neither stream shows a Python traceback or an internal error."""
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream, run.describe()
        assert "internal error" not in stream, run.describe()


def assert_one_line_error(run: Run, *names: str, position: str | None = None) -> str:
    """Exit 2, exactly one line on stderr naming every one of ``names``, nothing on stdout.

    With ``position``, the line must show ``NAME:POSITION`` for the first name.
    """
    assert_no_traceback(run)
    assert run.returncode == 2, run.describe()
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.describe()
    line = lines[0]
    for name in names:
        assert name in line, run.describe()
    if position is not None:
        assert f"{names[0]}:{position}" in line, run.describe()
    assert run.stdout == "", run.describe()
    return line


# --------------------------------------------------------------------------------------------
# Reading inputs independently of iacguard
# --------------------------------------------------------------------------------------------


def decode_plan_bytes(data: bytes) -> str:
    """Decode a plan file by its BOM (an independent, simpler decoder than iacguard's)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    return data.decode("utf-8")


@cache
def read_corpus_plan(name: str) -> Any:
    """The parsed JSON of a corpus plan; skips the test when the corpus or file is absent."""
    path = CORPUS_PLANS / name
    if not path.is_file():
        pytest.skip(f"corpus plan {name} is not present")
    return json.loads(decode_plan_bytes(path.read_bytes()))


def corpus_plan_path(name: str) -> Path:
    """Path of a corpus plan; skips the test when it is absent."""
    path = CORPUS_PLANS / name
    if not path.is_file():
        pytest.skip(f"corpus plan {name} is not present")
    return path


def iter_state_resources(module: Any) -> Iterator[dict[str, Any]]:
    """Every resource of a ``values.root_module`` tree, through ``child_modules``."""
    if not isinstance(module, dict):
        return
    for resource in module.get("resources") or ():
        if isinstance(resource, dict):
            yield resource
    for child in module.get("child_modules") or ():
        yield from iter_state_resources(child)


def prior_state_data_sources(document: Any) -> dict[str, dict[str, Any]]:
    """Data sources of ``prior_state`` that ``resource_changes`` does not list."""
    changes = {c.get("address") for c in document.get("resource_changes") or ()}
    prior = (document.get("prior_state") or {}).get("values") or {}
    return {
        r["address"]: r
        for r in iter_state_resources(prior.get("root_module"))
        if r.get("mode") == "data" and r.get("address") not in changes
    }


@cache
def report_schema() -> dict[str, Any]:
    """The report schema shipped inside the package."""
    text = files("iacguard.report").joinpath("report.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def validate_report(report: Any) -> None:
    """Validate a JSON report against the shipped schema."""
    import jsonschema

    jsonschema.Draft202012Validator(report_schema()).validate(report)


def resource_by_address(report: Any, address: str) -> dict[str, Any]:
    """The single ``resources[]`` entry of a report with ``address``."""
    found = [r for r in report["resources"] if r["address"] == address]
    assert len(found) == 1, f"{address}: {len(found)} entries in resources[]"
    return found[0]


def unknown_at(resource: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The ``unknown[]`` entry of a report resource at attribute ``path``."""
    found = [u for u in resource["unknown"] if u["path"] == path]
    assert len(found) == 1, f"{resource['address']} {path}: {resource['unknown']}"
    return found[0]


# --------------------------------------------------------------------------------------------
# Plan fixtures
# --------------------------------------------------------------------------------------------


def change(
    address: str,
    actions: Sequence[str],
    *,
    before: Any = None,
    after: Any = None,
    after_unknown: Any = None,
    before_sensitive: Any = False,
    after_sensitive: Any = None,
    module_address: str | None = None,
    mode: str = "managed",
    provider: str = AWS,
    **extra: Any,
) -> dict[str, Any]:
    """One ``resource_changes`` entry as Terraform 1.2+ writes it."""
    local = address.split(".", 2)[-1] if module_address else address
    if mode == "data":
        _, type_, name = local.rsplit(".", 2)
    else:
        type_, name = local.rsplit(".", 1)
    entry: dict[str, Any] = {"address": address}
    if module_address:
        entry["module_address"] = module_address
    entry.update({"mode": mode, "type": type_, "name": name, "provider_name": provider})
    entry["change"] = {
        "actions": list(actions),
        "before": before,
        "after": after,
        "after_unknown": after_unknown if after_unknown is not None else {},
        "before_sensitive": before_sensitive,
        "after_sensitive": after_sensitive if after_sensitive is not None else {},
    }
    entry.update(extra)
    return entry


def _refs(*references: str) -> dict[str, Any]:
    return {"references": list(references)}


def _const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


_SMALL_PLAN: dict[str, Any] = {
    "format_version": "1.2",
    "terraform_version": "1.9.8",
    "variables": {"cluster_name": {"value": "ml-prod"}, "region": {"value": "us-east-1"}},
    "planned_values": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_s3_bucket.training",
                    "mode": "managed",
                    "type": "aws_s3_bucket",
                    "name": "training",
                    "provider_name": AWS,
                    "schema_version": 0,
                    "values": {
                        "bucket": "acme-training-data",
                        "force_destroy": False,
                        "tags": {"DataClass": "training-data"},
                    },
                    "sensitive_values": {"tags": {}},
                }
            ],
            "child_modules": [
                {
                    "address": "module.irsa",
                    "resources": [
                        {
                            "address": "module.irsa.aws_iam_role.this",
                            "mode": "managed",
                            "type": "aws_iam_role",
                            "name": "this",
                            "provider_name": AWS,
                            "schema_version": 0,
                            "values": {"name": "vllm-inference", "path": "/"},
                            "sensitive_values": {},
                        }
                    ],
                }
            ],
        }
    },
    "resource_changes": [
        change(
            "aws_iam_openid_connect_provider.eks",
            ["create"],
            after={
                "client_id_list": ["sts.amazonaws.com"],
                "tags": None,
                "url": "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF",
            },
            after_unknown={
                "arn": True,
                "client_id_list": [False],
                "id": True,
                "tags_all": True,
                "thumbprint_list": True,
            },
            after_sensitive={"client_id_list": [False], "tags_all": {}, "thumbprint_list": []},
        ),
        change(
            "aws_s3_bucket.training",
            ["create"],
            after={
                "bucket": "acme-training-data",
                "force_destroy": False,
                "tags": {"DataClass": "training-data"},
            },
            after_unknown={"arn": True, "id": True, "tags": {}, "tags_all": True},
            after_sensitive={"tags": {}, "tags_all": {}},
        ),
        change(
            "aws_iam_role.legacy",
            ["delete"],
            before={
                "arn": "arn:aws:iam::123456789012:role/legacy",
                "assume_role_policy": '{"Version":"2012-10-17","Statement":[]}',
                "name": "legacy",
            },
            after=None,
            before_sensitive={},
            after_sensitive=False,
        ),
        change(
            "aws_iam_role.batch",
            ["update"],
            before={"name": "batch", "max_session_duration": 3600, "tags": {"team": "ml"}},
            after={"name": "batch", "max_session_duration": 7200, "tags": {"team": "ml"}},
            before_sensitive={"tags": {}},
            after_sensitive={"tags": {}},
        ),
        change(
            "data.aws_iam_policy_document.irsa",
            ["read"],
            mode="data",
            after={
                "statement": [
                    {
                        "actions": ["sts:AssumeRoleWithWebIdentity"],
                        "effect": "Allow",
                        "principals": [{"identifiers": [None], "type": "Federated"}],
                        # the service account it admits; the key is built from the provider URL
                        "condition": [
                            {
                                "test": "StringEquals",
                                "values": ["system:serviceaccount:ml:batch"],
                                "variable": None,
                            }
                        ],
                    }
                ]
            },
            after_unknown={
                "id": True,
                "json": True,
                "statement": [
                    {
                        "actions": [False],
                        "principals": [{"identifiers": [True]}],
                        "condition": [{"variable": True}],
                    }
                ],
            },
            after_sensitive={
                "statement": [{"actions": [False], "principals": [{}], "condition": [{}]}]
            },
            action_reason="read_because_config_unknown",
        ),
        change(
            "module.irsa.aws_iam_role.this",
            ["create"],
            module_address="module.irsa",
            after={"name": "vllm-inference", "path": "/"},
            after_unknown={"arn": True, "assume_role_policy": True, "id": True},
            after_sensitive={},
        ),
        change(
            "kubernetes_service_account.vllm",
            ["create"],
            provider=KUBERNETES,
            after={
                "metadata": [{"name": "vllm", "namespace": "ml", "annotations": {}}],
                "automount_service_account_token": True,
            },
            after_unknown={
                "id": True,
                "metadata": [{"annotations": {"eks.amazonaws.com/role-arn": True}}],
            },
            after_sensitive={"metadata": [{"annotations": {}}]},
        ),
    ],
    "prior_state": {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "data.aws_caller_identity.current",
                        "mode": "data",
                        "type": "aws_caller_identity",
                        "name": "current",
                        "provider_name": AWS,
                        "schema_version": 0,
                        "values": {
                            "account_id": "123456789012",
                            "arn": "arn:aws:iam::123456789012:user/ci",
                            "id": "123456789012",
                            "user_id": "AIDAEXAMPLEUSERID",
                        },
                        "sensitive_values": {},
                    },
                    {
                        "address": "aws_iam_role.legacy",
                        "mode": "managed",
                        "type": "aws_iam_role",
                        "name": "legacy",
                        "provider_name": AWS,
                        "schema_version": 0,
                        "values": {"name": "legacy"},
                        "sensitive_values": {},
                    },
                ]
            }
        },
    },
    "configuration": {
        "provider_config": {"aws": {"name": "aws", "full_name": AWS}},
        "root_module": {
            "resources": [
                {
                    "address": "aws_iam_openid_connect_provider.eks",
                    "mode": "managed",
                    "type": "aws_iam_openid_connect_provider",
                    "name": "eks",
                    "provider_config_key": "aws",
                    "expressions": {"client_id_list": _const(["sts.amazonaws.com"])},
                    "schema_version": 0,
                },
                {
                    "address": "aws_s3_bucket.training",
                    "mode": "managed",
                    "type": "aws_s3_bucket",
                    "name": "training",
                    "provider_config_key": "aws",
                    "expressions": {"bucket": _const("acme-training-data")},
                    "schema_version": 0,
                },
                {
                    "address": "aws_iam_role.batch",
                    "mode": "managed",
                    "type": "aws_iam_role",
                    "name": "batch",
                    "provider_config_key": "aws",
                    "expressions": {"name": _const("batch")},
                    "schema_version": 0,
                },
                {
                    "address": "data.aws_iam_policy_document.irsa",
                    "mode": "data",
                    "type": "aws_iam_policy_document",
                    "name": "irsa",
                    "provider_config_key": "aws",
                    "expressions": {
                        "statement": [
                            {
                                "actions": _const(["sts:AssumeRoleWithWebIdentity"]),
                                "principals": [
                                    {
                                        "identifiers": _refs(
                                            "aws_iam_openid_connect_provider.eks.arn",
                                            "aws_iam_openid_connect_provider.eks",
                                        ),
                                        "type": _const("Federated"),
                                    }
                                ],
                            }
                        ]
                    },
                    "schema_version": 0,
                },
                {
                    "address": "kubernetes_service_account.vllm",
                    "mode": "managed",
                    "type": "kubernetes_service_account",
                    "name": "vllm",
                    "provider_config_key": "kubernetes",
                    "expressions": {
                        "metadata": [
                            {
                                "annotations": _refs("module.irsa.role_arn", "module.irsa"),
                                "name": _const("vllm"),
                                "namespace": _const("ml"),
                            }
                        ]
                    },
                    "schema_version": 0,
                },
                {
                    "address": "data.aws_caller_identity.current",
                    "mode": "data",
                    "type": "aws_caller_identity",
                    "name": "current",
                    "provider_config_key": "aws",
                    "schema_version": 0,
                },
            ],
            "module_calls": {
                "irsa": {
                    "source": "./modules/irsa",
                    "expressions": {
                        "trust_policy": _refs(
                            "data.aws_iam_policy_document.irsa.json",
                            "data.aws_iam_policy_document.irsa",
                        )
                    },
                    "module": {
                        "outputs": {
                            "role_arn": {
                                "expression": _refs("aws_iam_role.this.arn", "aws_iam_role.this")
                            }
                        },
                        "resources": [
                            {
                                "address": "aws_iam_role.this",
                                "mode": "managed",
                                "type": "aws_iam_role",
                                "name": "this",
                                "provider_config_key": "irsa:aws",
                                "expressions": {
                                    "assume_role_policy": _refs("var.trust_policy"),
                                    "name": _const("vllm-inference"),
                                },
                                "schema_version": 0,
                            }
                        ],
                        "variables": {"trust_policy": {"description": "Trust policy JSON"}},
                    },
                }
            },
            "variables": {
                "cluster_name": {"default": "ml-prod"},
                "region": {"default": "us-east-1"},
            },
        },
    },
    "relevant_attributes": [
        {"resource": "aws_iam_openid_connect_provider.eks", "attribute": ["arn"]}
    ],
    "timestamp": "2025-01-15T10:00:00Z",
    "applyable": True,
    "complete": True,
    "errored": False,
}

#: How many ``resource_changes`` the small plan has and how many prior-state data sources.
SMALL_PLAN_CHANGES = 7
SMALL_PLAN_DATA_READ = 1


def small_plan(format_version: str = "1.2") -> dict[str, Any]:
    """A small, realistic plan: IRSA role, OIDC provider, trust document, bucket, SA."""
    document = copy.deepcopy(_SMALL_PLAN)
    document["format_version"] = format_version
    return document


def plan_text(document: Mapping[str, Any], *, indent: int | None = None) -> str:
    """Serialise a plan; ``indent=None`` is compact, like ``terraform show -json``."""
    return json.dumps(document, indent=indent, ensure_ascii=False)


def write_plan(path: Path, document: Mapping[str, Any], *, indent: int | None = None) -> Path:
    """Write a plan as UTF-8 JSON, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plan_text(document, indent=indent), encoding="utf-8")
    return path
