"""The cases-file reader and plan builder the check tests rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from plan_builder import (
    CasesError,
    build_plan,
    expand_reference,
    parse_address,
    parse_markers,
    read_cases,
)

from iacguard.inputs import load_inputs
from iacguard.model import Action, Sensitive, Unknown

CASES = Path(__file__).resolve().parent / "cases"
CASES_FILES = sorted(CASES.glob("*.yaml"))


# --------------------------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------------------------


def test_a_marker_applies_to_the_next_entry_and_comments_continue_it() -> None:
    text = """\
# file header
# NOT OK: an active key
# for a batch user
- address: a.b
  after: {x: 1}
- address: c.d
# OK: inactive
- address: 'e.f["k.1"]'
---
# NOT OK: second plan
- address: g.h
"""
    (first, second) = parse_markers(text)
    assert first == [
        ("a.b", ("NOT OK", "an active key for a batch user"), 4),
        ("c.d", None, 6),
        ('e.f["k.1"]', ("OK", "inactive"), 8),
    ]
    assert second == [("g.h", ("NOT OK", "second plan"), 11)]


@pytest.mark.parametrize(
    "text",
    [
        "# OK: one\n# NOT OK: two\n- address: a.b\n",
        "- address: a.b\n# OK: dangling\n",
        "# OK: before a separator\n---\n- address: a.b\n",
        "# OK:\n- address: a.b\n",
        "# NOT OK because\n- address: a.b\n",
        "- after: {}\n  address: a.b\n",
    ],
    ids=["two-markers", "dangling", "separator", "no-reason", "no-colon", "address-not-first"],
)
def test_misplaced_or_malformed_markers_are_errors(text: str) -> None:
    with pytest.raises(CasesError):
        parse_markers(text)


def test_read_cases_rejects_unknown_keys_and_repeated_cases(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("# OK: a\n- address: a.b\n  afer: {}\n", encoding="utf-8")
    with pytest.raises(CasesError, match="unknown keys"):
        read_cases(path)
    path.write_text("# OK: a\n- address: a.b\n---\n# NOT OK: b\n- address: a.b\n", "utf-8")
    with pytest.raises(CasesError, match="already a case"):
        read_cases(path)


# --------------------------------------------------------------------------------------------
# Addresses and references
# --------------------------------------------------------------------------------------------


def test_parse_address_with_modules_keys_and_data_sources() -> None:
    parsed = parse_address('module.a["x.y"].module.b[0].data.aws_iam_policy_document.p["k"]')
    assert parsed.module_address == 'module.a["x.y"].module.b[0]'
    assert parsed.modules == ("a", "b")
    assert (parsed.mode, parsed.type, parsed.name, parsed.index) == (
        "data",
        "aws_iam_policy_document",
        "p",
        "k",
    )
    assert parsed.config_address == "module.a.module.b.data.aws_iam_policy_document.p"
    assert parse_address("aws_iam_access_key.ci[2]").index == 2


def test_references_list_every_prefix_like_terraform() -> None:
    assert expand_reference('aws_s3_bucket.d["raw"].id') == [
        'aws_s3_bucket.d["raw"].id',
        'aws_s3_bucket.d["raw"]',
        "aws_s3_bucket.d",
    ]
    assert expand_reference("data.aws_iam_policy_document.p.json") == [
        "data.aws_iam_policy_document.p.json",
        "data.aws_iam_policy_document.p",
    ]
    assert expand_reference("module.m.role_arn") == ["module.m.role_arn", "module.m"]
    assert expand_reference("var.name") == ["var.name"]


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def test_plan_has_terraform_shape() -> None:
    plan = build_plan(
        [
            {
                "address": 'module.team["ml"].aws_iam_role_policy.this',
                "after": {"name": "team-ml", "role": "team-ml"},
                "after_unknown": {"policy": True},
                "references": {"policy": ["data.aws_iam_policy_document.this.json"]},
            },
            {
                "address": 'module.team["ml"].data.aws_iam_policy_document.this',
                "after": {"statement": [{"actions": ["*"], "resources": [None]}]},
                "after_unknown": {"json": True, "statement": [{"resources": [True]}]},
            },
            {"address": "data.aws_caller_identity.current", "after": {"account_id": "1"}},
            {"address": "aws_iam_user.gone", "actions": ["delete"], "before": {"name": "g"}},
        ]
    )
    assert (plan["format_version"], plan["terraform_version"]) == ("1.2", "1.9.8")
    changes = {c["address"]: c for c in plan["resource_changes"]}
    # Data sources read during planning are in prior_state only, as Terraform writes them.
    assert "data.aws_caller_identity.current" not in changes
    prior = plan["prior_state"]["values"]["root_module"]["resources"]
    assert {r["address"] for r in prior} == {
        "data.aws_caller_identity.current",
        "aws_iam_user.gone",
    }
    # Data sources first within a module, then managed resources; root module first.
    assert list(changes) == [
        "aws_iam_user.gone",
        'module.team["ml"].data.aws_iam_policy_document.this',
        'module.team["ml"].aws_iam_role_policy.this',
    ]
    policy = changes['module.team["ml"].aws_iam_role_policy.this']
    assert policy["module_address"] == 'module.team["ml"]'
    assert set(policy["change"]) == {
        "actions",
        "before",
        "after",
        "after_unknown",
        "before_sensitive",
        "after_sensitive",
    }
    assert "policy" not in policy["change"]["after"]  # unknown values are left out of after
    assert policy["change"]["after_unknown"] == {"policy": True, "id": True}
    data = changes['module.team["ml"].data.aws_iam_policy_document.this']
    assert data["action_reason"] == "read_because_config_unknown"
    assert data["change"]["after"]["statement"] == [{"actions": ["*"], "resources": [None]}]
    call = plan["configuration"]["root_module"]["module_calls"]["team"]
    assert call["for_each_expression"] == {"constant_value": {"ml": "ml"}}
    block = {r["address"]: r for r in call["module"]["resources"]}["aws_iam_role_policy.this"]
    assert block["expressions"]["policy"] == {
        "references": [
            "data.aws_iam_policy_document.this.json",
            "data.aws_iam_policy_document.this",
        ]
    }
    planned = plan["planned_values"]["root_module"]
    assert "resources" in planned and not planned["resources"]  # the delete is not planned
    assert planned["child_modules"][0]["address"] == 'module.team["ml"]'


@pytest.mark.parametrize("path", CASES_FILES, ids=[p.stem for p in CASES_FILES])
def test_cases_plans_load_completely(path: Path, tmp_path: Path) -> None:
    for plan in read_cases(path).plans:
        target = tmp_path / f"{plan.number}.json"
        target.write_text(json.dumps(plan.document()), encoding="utf-8")
        inputs = [str(target)]
        manifest = plan.manifest()
        if manifest is not None:  # Kubernetes objects go to a manifest scanned with the plan
            (tmp_path / f"{plan.number}.yaml").write_text(manifest, encoding="utf-8")
            inputs.append(str(tmp_path / f"{plan.number}.yaml"))
        documents = load_inputs(inputs).documents
        assert all(not d.skipped and not d.warnings and not d.errors for d in documents)
        loaded = {r.address for d in documents for r in d.resources}
        assert loaded == {e["address"] for e in plan.entries}
        for case in plan.cases:
            assert case.address in loaded


def test_sensitive_map_keeps_its_keys_and_masks_values(tmp_path: Path) -> None:
    plan = build_plan(
        [
            {
                "address": "kubernetes_secret_v1.s",
                "after": {"data": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}},
                "after_unknown": {"data": {"AWS_SECRET_ACCESS_KEY": True}},
                "after_sensitive": {"data": True},
                "references": {"data": ["aws_iam_access_key.k.secret"]},
            }
        ]
    )
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(plan), encoding="utf-8")
    (document,) = load_inputs([str(target)]).documents
    (secret,) = document.resources
    data: Any = secret.get("data")
    assert secret.action is Action.CREATE
    assert isinstance(data["AWS_ACCESS_KEY_ID"], Sensitive)
    assert isinstance(data["AWS_SECRET_ACCESS_KEY"], Unknown)
    assert data["AWS_SECRET_ACCESS_KEY"].references == ("aws_iam_access_key.k.secret",)
