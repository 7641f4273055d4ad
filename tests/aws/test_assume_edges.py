"""Role-to-role edges: who can become whom with sts:AssumeRole (the AWS identity graph)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iacguard.aws.summary import identities_json
from iacguard.engine.context import ScanIndex
from iacguard.inputs import load_inputs

from .tests_support_plan import plan_with

ACCOUNT = "111122223333"
OTHER = "999988887777"


def _arn(kind: str, name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def _trust(*principals: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _role(name: str, trust: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "arn": _arn("role", name), "assume_role_policy": trust, **extra}


ASSUME_ANY = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@pytest.fixture(scope="module")
def identities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    path = tmp_path_factory.mktemp("edges") / "plan.json"
    resources: list[tuple[str, dict[str, Any]]] = [
        ("data.aws_caller_identity.current", {"account_id": ACCOUNT}),
        # hub: allowed sts:AssumeRole on every role
        ("aws_iam_role.hub", _role("hub", EC2_TRUST)),
        (
            "aws_iam_role_policy.hub",
            {"role": "hub", "name": "assume", "policy": _policy(ASSUME_ANY)},
        ),
        # quiet: no policy at all
        ("aws_iam_role.quiet", _role("quiet", EC2_TRUST)),
        # fenced: named by a trust policy, but its boundary allows only s3
        (
            "aws_iam_role.fenced",
            _role("fenced", EC2_TRUST, permissions_boundary=_arn("policy", "s3-only")),
        ),
        (
            "aws_iam_policy.s3_only",
            {
                "name": "s3-only",
                "arn": _arn("policy", "s3-only"),
                "policy": _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
            },
        ),
        # denied: named by a trust policy, but denies itself sts:AssumeRole
        ("aws_iam_role.denied", _role("denied", EC2_TRUST)),
        (
            "aws_iam_role_policy.denied",
            {
                "role": "denied",
                "name": "deny",
                "policy": _policy({"Effect": "Deny", "Action": "sts:*", "Resource": "*"}),
            },
        ),
        # targets
        (
            "aws_iam_role.named",
            _role(
                "named",
                _trust(
                    _arn("role", "hub"),
                    _arn("role", "quiet"),
                    _arn("role", "fenced"),
                    _arn("role", "denied"),
                ),
            ),
        ),
        ("aws_iam_role.by_account", _role("by-account", _trust(f"arn:aws:iam::{ACCOUNT}:root"))),
        (
            "aws_iam_role.guarded",
            _role(
                "guarded",
                _trust(ACCOUNT, condition={"StringEquals": {"sts:ExternalId": "x"}}),
            ),
        ),
        ("aws_iam_role.foreign", _role("foreign", _trust(f"arn:aws:iam::{OTHER}:root"))),
    ]
    plan_with(path, resources)
    loaded = load_inputs([str(path)])
    index = ScanIndex([r for d in loaded.documents for r in d.resources], {})
    return {i["address"]: i for i in identities_json(index)["identities"]}


def _targets(identity: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {e["target"]: (e["answer"], e["via"]) for e in identity["can_assume"]}


def test_a_role_allowed_assume_role_reaches_roles_that_trust_it_or_its_account(
    identities: dict[str, dict[str, Any]],
) -> None:
    assert _targets(identities["aws_iam_role.hub"]) == {
        "aws_iam_role.named": ("allowed", "named"),
        "aws_iam_role.by_account": ("allowed", "account"),
        # the external id is a condition the caller may or may not meet
        "aws_iam_role.guarded": ("unknown", "account"),
    }


def test_being_named_in_a_trust_policy_needs_no_identity_policy(
    identities: dict[str, dict[str, Any]],
) -> None:
    # same account, named by ARN: the trust policy alone grants it ...
    assert _targets(identities["aws_iam_role.quiet"]) == {
        "aws_iam_role.named": ("allowed", "named")
    }


def test_a_boundary_or_an_explicit_deny_stops_a_named_role(
    identities: dict[str, dict[str, Any]],
) -> None:
    # ... unless the role's permissions boundary does not allow it, or a Deny says no
    assert identities["aws_iam_role.fenced"]["can_assume"] == []
    assert identities["aws_iam_role.denied"]["can_assume"] == []


def test_trusting_an_account_delegates_to_that_accounts_policies(
    identities: dict[str, dict[str, Any]],
) -> None:
    # the account's root admits only those whose own policies allow sts:AssumeRole
    assumable = {s["source"] for s in identities["aws_iam_role.by_account"]["assumable_by"]}
    assert assumable == {"aws_iam_role.hub"}
    # another account's root admits nobody of this plan
    assert identities["aws_iam_role.foreign"]["assumable_by"] == []


def test_edges_are_shown_from_both_ends(identities: dict[str, dict[str, Any]]) -> None:
    named = identities["aws_iam_role.named"]["assumable_by"]
    assert {(s["source"], s["answer"], s["via"]) for s in named} == {
        ("aws_iam_role.hub", "allowed", "named"),
        ("aws_iam_role.quiet", "allowed", "named"),
    }
    hub = identities["aws_iam_role.hub"]
    escalation = next(e for e in hub["escalations"] if e["method"] == "assume-role")
    assert escalation["targets"] == [
        "aws_iam_role.by_account",
        "aws_iam_role.guarded",
        "aws_iam_role.named",
    ]


def test_edge_chains_to_an_administrator_make_an_administrator(tmp_path: Path) -> None:
    admin = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    path = plan_with(
        tmp_path / "plan.json",
        [
            ("data.aws_caller_identity.current", {"account_id": ACCOUNT}),
            ("aws_iam_role.admin", _role("admin", _trust(_arn("role", "middle")))),
            ("aws_iam_role_policy.admin", {"role": "admin", "name": "all", "policy": admin}),
            ("aws_iam_role.middle", _role("middle", _trust(_arn("role", "start")))),
            ("aws_iam_role.start", _role("start", EC2_TRUST)),
        ],
    )
    loaded = load_inputs([str(path)])
    index = ScanIndex([r for d in loaded.documents for r in d.resources], {})
    found = {i["address"]: i["admin_equivalent"] for i in identities_json(index)["identities"]}
    assert found["aws_iam_role.admin"]["route"] == "direct"
    assert found["aws_iam_role.middle"]["route"] == "assume-role"
    assert found["aws_iam_role.middle"]["via"] == ["aws_iam_role.admin"]
    # start → middle → admin: two hops, each named in the next trust policy
    assert found["aws_iam_role.start"]["route"] == "assume-role"
    assert found["aws_iam_role.start"]["via"] == ["aws_iam_role.middle"]
