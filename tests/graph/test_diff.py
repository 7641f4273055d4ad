"""``iacguard diff``: what a change grants or removes, from the plan's prior state or from two
sets of inputs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "plan_builder", HERE.parent / "checks" / "plan_builder.py"
)
assert _spec is not None and _spec.loader is not None
plan_builder = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("plan_builder", plan_builder)
_spec.loader.exec_module(plan_builder)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
            }
        ],
    }
)
ARN = "arn:aws:iam::111122223333:role/trainer"


def policy(action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": action,
                    "Resource": "arn:aws:s3:::acme-training-data/*",
                }
            ],
        }
    )


ROLE = {
    "address": "aws_iam_role.trainer",
    "actions": ["no-op"],
    "after": {"name": "trainer", "arn": ARN, "assume_role_policy": TRUST, "id": "trainer"},
}
BUCKET = {
    "address": "aws_s3_bucket.training",
    "actions": ["no-op"],
    "after": {
        "bucket": "acme-training-data",
        "arn": "arn:aws:s3:::acme-training-data",
        "id": "acme-training-data",
        "tags": {"DataClass": "training-data"},
    },
}


def inline(before: str | None, after: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "address": "aws_iam_role_policy.trainer",
        "after": {"name": "data", "role": "trainer", "policy": after, "id": "trainer:data"},
    }
    if before is not None:
        entry["actions"] = ["update"]
        entry["before"] = {**entry["after"], "policy": before}
    return entry


def write(tmp_path: Path, name: str, *entries: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(plan_builder.build_plan(list(entries))))
    return path


def diff(run_cli: Any, *args: str | Path) -> dict[str, Any]:
    result = run_cli("diff", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_an_update_that_turns_read_into_write_is_shown(run_cli: Any, tmp_path: Path) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    document = diff(run_cli, plan)
    [role] = document["identities"]
    assert role["id"] == "aws:iam_role/trainer"
    assert role["change"] == "changed"
    [change] = role["reaches_changed"]
    assert (change["id"], change["access_before"], change["access"]) == (
        "aws:s3_bucket/acme-training-data",
        "read-data",
        "write-data",
    )
    assert "changes the access" in document["summary"]
    # the capability classes say it too: write-data is new
    assert [c["class"] for c in role["classes_added"]] == ["write-data"]
    assert "s3:PutObject" in role["classes_added"][0]["via"]
    text = run_cli("diff", plan).stdout
    assert "aws:s3_bucket/acme-training-data: read-data (allowed) -> write-data (allowed)" in text


def test_a_change_touching_no_identity_is_an_empty_diff_in_one_line(
    run_cli: Any, tmp_path: Path
) -> None:
    tagged = {
        **BUCKET,
        "actions": ["update"],
        "before": BUCKET["after"],
        "after": {**BUCKET["after"], "tags": {"DataClass": "training-data", "Owner": "ml"}},
    }
    plan = write(
        tmp_path,
        "plan.json",
        ROLE,
        tagged,
        inline(None, policy("s3:GetObject")) | {"actions": ["no-op"]},
    )
    document = diff(run_cli, plan)
    assert document["identities"] == []
    assert document["paths"] == {"opened": [], "closed": [], "changed": []}
    assert document["summary"] == (
        "This change grants and removes nothing that reaches a crown jewel."
    )
    assert run_cli("diff", plan).stdout.count("\n") == 1


def test_two_sets_of_inputs_compare_like_a_plan_and_its_prior_state(
    run_cli: Any, tmp_path: Path
) -> None:
    old = write(tmp_path, "old.json", ROLE, BUCKET)
    new = write(tmp_path, "new.json", ROLE, BUCKET, inline(None, policy("s3:PutObject")))
    document = diff(run_cli, "--before", old, "--after", new)
    [role] = document["identities"]
    assert [r["access"] for r in role["reaches_added"]] == ["write-data"]
    reverse = diff(run_cli, "--before", new, "--after", old)
    [role] = reverse["identities"]
    assert [r["access"] for r in role["reaches_removed"]] == ["write-data"]


def test_diff_needs_a_plan_or_both_worlds(run_cli: Any, tmp_path: Path) -> None:
    plan = write(tmp_path, "plan.json", ROLE)
    for args in (
        [],
        ["--before", str(plan)],
        [str(plan), "--before", str(plan), "--after", str(plan)],
    ):
        result = run_cli("diff", *args)
        assert result.returncode == 2, args
        assert "--before and --after" in result.stderr


def test_the_gate_trips_on_what_the_change_adds(run_cli: Any, tmp_path: Path) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    assert diff(run_cli, plan)["new_severity"] == "high"  # write-data on training data
    for threshold, code in (("critical", 0), ("high", 1), ("low", 1), ("none", 0)):
        result = run_cli("diff", plan, "--fail-on-new", threshold)
        assert result.returncode == code, (threshold, result.stderr)
    # the reverse change adds nothing: the gate never trips
    reverse = write(
        tmp_path,
        "reverse.json",
        ROLE,
        BUCKET,
        inline(policy("s3:PutObject"), policy("s3:GetObject")),
    )
    assert diff(run_cli, reverse)["new_severity"] is None
    assert run_cli("diff", reverse, "--fail-on-new", "low").returncode == 0


EXAMPLE = HERE.parents[1] / "examples" / "diff"


def test_the_example_change_opens_a_path_closes_another_and_adds_capabilities(
    run_cli: Any,
) -> None:
    document = diff(run_cli, "--before", EXAMPLE / "before", "--after", EXAMPLE / "after")
    opened = [(p["from"], p["to"]) for p in document["paths"]["opened"]]
    closed = [(p["from"], p["to"]) for p in document["paths"]["closed"]]
    assert opened == [("k8s:Service/inference/vllm", "k8s:Secret/inference/*")]
    assert closed == [("k8s:Ingress/research/notebook", "k8s:Secret/research/*")]
    [vllm] = document["identities"]
    assert vllm["id"] == "k8s:ServiceAccount/inference/vllm"
    assert {c["class"] for c in vllm["classes_added"]} >= {"read-secrets", "assume-identity"}
    assert document["new_severity"] == "high"
    result = run_cli(
        "diff",
        "--before",
        EXAMPLE / "before",
        "--after",
        EXAMPLE / "after",
        "--fail-on-new",
        "high",
    )
    assert result.returncode == 1
