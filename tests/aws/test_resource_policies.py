"""Resource policies: in the same evaluation as identity policies, and who outside gets in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .tests_support_plan import plan_with

ACCOUNT = "111122223333"
OTHER = "444455556666"
KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "PartnerDecrypt",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": ["kms:Decrypt"],
            "Resource": "*",
        },
    ],
}
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}],
}


def _plan(tmp_path: Path) -> Path:
    resources: list[tuple[str, dict[str, Any]]] = [
        ("data.aws_caller_identity.current", {"account_id": ACCOUNT}),
        ("aws_kms_key.models", {"description": "models", "policy": json.dumps(KEY_POLICY)}),
        ("aws_lambda_function.tool", {"function_name": "agent-tool", "role": "x"}),
        (
            "aws_lambda_permission.public",
            {
                "function_name": "agent-tool",
                "action": "lambda:InvokeFunction",
                "principal": "*",
                "statement_id": "AnyoneInvokes",
            },
        ),
        (
            "aws_lambda_permission.events",
            {
                "function_name": "agent-tool",
                "action": "lambda:InvokeFunction",
                "principal": "events.amazonaws.com",
                "statement_id": "Events",
                "source_arn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nightly",
            },
        ),
        ("aws_iam_role.caller", {"name": "caller", "assume_role_policy": "{}"}),
        (
            "aws_iam_role_policy.caller",
            {"name": "invoke", "role": "caller", "policy": json.dumps(ROLE_POLICY)},
        ),
    ]
    return plan_with(tmp_path / "plan.json", resources)


def test_external_access_lists_who_outside_gets_in(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("scan", _plan(tmp_path), "--format", "json", "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    grants = {
        (g["resource"], g["principal"], g["kind"]): g
        for g in json.loads(result.stdout)["external_access"]
    }
    # the account's own root is not external; the partner account and the public are
    assert ("aws_kms_key.models", f"arn:aws:iam::{ACCOUNT}:root", "account") not in grants
    partner = grants[("aws_kms_key.models", f"arn:aws:iam::{OTHER}:root", "account")]
    assert partner["actions"] == ["kms:Decrypt"] and partner["sid"] == "PartnerDecrypt"
    public = grants[("aws_lambda_function.tool", "*", "public")]
    assert public["source"] == "aws_lambda_permission.public"
    service = grants[("aws_lambda_function.tool", "events.amazonaws.com", "service")]
    assert service["conditional"] is True


def test_query_uses_the_lambda_permission(run_cli: Any, tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    result = run_cli(
        "query",
        plan,
        "--identity",
        "aws_iam_role.caller",
        "--action",
        "lambda:InvokeFunction",
        "--resource",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:agent-tool",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["decision"] == "allowed"
    assert "aws_lambda_permission.public" in answer["resource_policies"]
