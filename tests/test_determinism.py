"""The same inputs give byte-identical reports, whatever Python's hash seed.

Each case runs the installed CLI in fresh processes with ``PYTHONHASHSEED`` 0, 12345 and
``random`` (twice), so set and dict iteration orders differ between runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers_inputs import (
    AWS,
    CORPUS_PLANS,
    Run,
    assert_no_traceback,
    change,
    run_iacguard,
    small_plan,
    write_plan,
)

SEEDS = ["0", "12345", "random", "random"]

BUCKETS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def fanout_plan() -> dict[str, Any]:
    """The small plan plus a policy whose unknown document references many resources.

    Sources and references gathered into sets must come out in the same order every run.
    """
    document = small_plan()
    for name in BUCKETS:
        document["resource_changes"].append(
            change(
                f"aws_s3_bucket.{name}",
                ["create"],
                after={"bucket": f"acme-{name}-datasets", "tags": {"team": name}},
                after_unknown={"arn": True, "id": True, "tags_all": True},
                after_sensitive={"tags": {}, "tags_all": True},
            )
        )
    document["resource_changes"].append(
        change(
            "module.access.aws_iam_policy.read",
            ["create"],
            module_address="module.access",
            after={"name": "read-datasets", "path": "/"},
            after_unknown={"arn": True, "id": True, "policy": True, "policy_id": True},
        )
    )
    root = document["configuration"]["root_module"]
    root["module_calls"]["access"] = {
        "source": "./modules/access",
        "expressions": {
            "bucket_arns": {
                "references": [
                    ref for n in BUCKETS for ref in (f"aws_s3_bucket.{n}.arn", f"aws_s3_bucket.{n}")
                ]
            }
        },
        "module": {
            "resources": [
                {
                    "address": "aws_iam_policy.read",
                    "mode": "managed",
                    "type": "aws_iam_policy",
                    "name": "read",
                    "provider_config_key": "access:aws",
                    "expressions": {
                        "name": {"constant_value": "read-datasets"},
                        "policy": {"references": ["var.bucket_arns"]},
                    },
                    "schema_version": 0,
                }
            ],
            "variables": {"bucket_arns": {}},
        },
    }
    for name in BUCKETS:
        root["resources"].append(
            {
                "address": f"aws_s3_bucket.{name}",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": name,
                "provider_config_key": "aws",
                "expressions": {"bucket": {"constant_value": f"acme-{name}-datasets"}},
                "schema_version": 0,
            }
        )
    document["configuration"]["provider_config"]["access:aws"] = {
        "name": "aws",
        "full_name": AWS,
        "module_address": "module.access",
    }
    return document


def _runs(*args: str | Path, cwd: Path, output_format: str = "json") -> list[Run]:
    runs = []
    for seed in SEEDS:
        run = run_iacguard(
            "scan", "--format", output_format, *args, cwd=cwd, env={"PYTHONHASHSEED": seed}
        )
        assert_no_traceback(run)
        assert run.returncode in (0, 1), run.describe()  # 1: the default gate tripped
        runs.append(run)
    assert len({r.returncode for r in runs}) == 1, [r.returncode for r in runs]
    return runs


def _assert_identical(runs: list[Run]) -> None:
    first = runs[0].stdout_bytes
    assert first.strip()
    for seed, run in zip(SEEDS[1:], runs[1:], strict=True):
        assert run.stdout_bytes == first, f"report differs with PYTHONHASHSEED={seed}"


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    [
        "cyse7125__eks_irsa_podidentity_helm_v1.2.json",
        "merakiki__eks_rds_ecr_v1.2.json",
        "tfcompliance__issue249_asg_iam.json",
    ],
)
def test_corpus_plan_report_is_byte_identical(name: str) -> None:
    path = CORPUS_PLANS / name
    if not path.is_file():
        pytest.skip(f"corpus plan {name} is not present")
    runs = _runs(path, cwd=CORPUS_PLANS)
    _assert_identical(runs)
    assert b'"sources"' in runs[0].stdout_bytes  # unknown values traced to resources


def test_fixture_report_is_byte_identical(tmp_path: Path) -> None:
    write_plan(tmp_path / "plan.json", fanout_plan())
    runs = _runs("plan.json", cwd=tmp_path)
    _assert_identical(runs)
    # The fixture does exercise a many-source unknown value.
    report = json.loads(runs[0].stdout)
    (policy,) = [
        r for r in report["resources"] if r["address"] == "module.access.aws_iam_policy.read"
    ]
    (document,) = [u for u in policy["unknown"] if u["path"] == "policy"]
    assert document["sources"] == sorted(document["sources"])
    assert len(document["sources"]) == len(BUCKETS)


@pytest.mark.parametrize("output_format", ["text", "markdown", "sarif", "junit",
                                           "gitlab-codequality", "html"])  # fmt: skip
def test_every_format_is_byte_identical(tmp_path: Path, output_format: str) -> None:
    write_plan(tmp_path / "plan.json", fanout_plan())
    _assert_identical(_runs("plan.json", cwd=tmp_path, output_format=output_format))


def test_example_stack_in_every_pipeline_format_is_byte_identical() -> None:
    """The AI stack (a plan with its prior state, a chart and manifests): findings, paths and
    the privilege diff in each format, whatever the hash seed."""
    root = Path(__file__).resolve().parents[1]
    for output_format in ("sarif", "junit", "gitlab-codequality", "html"):
        _assert_identical(_runs("examples/ai-stack", cwd=root, output_format=output_format))


def test_folder_report_is_byte_identical(tmp_path: Path) -> None:
    folder = tmp_path / "infra"
    for env in ("prod", "staging", "dev", "sandbox"):
        write_plan(folder / env / "plan.json", fanout_plan())
        (folder / env / "main.tf").write_text("# hcl\n", encoding="utf-8")
        (folder / env / "values.yaml").write_text("a: 1\n", encoding="utf-8")
    (folder / "package.json").write_text('{"name": "x"}', encoding="utf-8")
    runs = _runs("infra", cwd=tmp_path)
    _assert_identical(runs)


def test_report_file_is_the_report_on_stdout(tmp_path: Path) -> None:
    write_plan(tmp_path / "plan.json", fanout_plan())
    run = run_iacguard(
        "scan", "--format", "json", "--output", "report.json", "plan.json", cwd=tmp_path
    )
    assert run.returncode == 0, run.describe()
    assert (tmp_path / "report.json").read_bytes() == run.stdout_bytes
