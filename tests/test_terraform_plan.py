"""The plan loader turns resource changes into normalised, three-valued resources."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from iacguard.errors import InputError
from iacguard.inputs.terraform_plan import load_plan
from iacguard.model import Action, ProviderFamily, Sensitive, Unknown

ROLE_CHANGE: dict[str, Any] = {
    "address": 'module.irsa["vllm"].aws_iam_role.this',
    "module_address": 'module.irsa["vllm"]',
    "mode": "managed",
    "type": "aws_iam_role",
    "name": "this",
    "provider_name": "registry.terraform.io/hashicorp/aws",
    "change": {
        "actions": ["create"],
        "before": None,
        "after": {"name": "vllm", "tags": {"team": "ml"}},
        "after_unknown": {"arn": True, "assume_role_policy": True},
        "before_sensitive": False,
        "after_sensitive": {"tags": {}},
    },
}

PLAN: dict[str, Any] = {
    "format_version": "1.2",
    "terraform_version": "1.9.8",
    "variables": {"db_password": {"value": "canary-var-0001"}, "region": {"value": "us-east-1"}},
    "planned_values": {"root_module": {}},
    "resource_changes": [
        ROLE_CHANGE,
        {
            "address": "aws_db_instance.meta",
            "mode": "managed",
            "type": "aws_db_instance",
            "name": "meta",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["delete", "create"],
                "before": {"password": "canary-before-0002", "identifier": "meta"},
                "after": {"password": "canary-after-0003", "identifier": "meta"},
                "after_unknown": {},
                "before_sensitive": {"password": True},
                "after_sensitive": {"password": True},
            },
            "action_reason": "replace_because_cannot_update",
        },
        {
            "address": "aws_instance.old",
            "mode": "managed",
            "type": "aws_instance",
            "name": "old",
            "deposed": "00000001",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["delete"], "before": {"ami": "ami-1"}, "after": None},
        },
        {
            "address": "aws_s3_bucket.weird",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "weird",
            "change": {"actions": ["create", "transmogrify"]},
        },
        {"address": "aws_s3_bucket.nochange", "type": "aws_s3_bucket", "name": "nochange"},
        {
            "address": "aws_s3_bucket.empty",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "empty",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": [], "before": {"bucket": "b"}, "after": {"bucket": "b"}},
        },
    ],
    "configuration": {
        "root_module": {
            "variables": {"db_password": {"sensitive": True}, "region": {}},
            "module_calls": {
                "irsa": {
                    "source": "./modules/irsa",
                    "expressions": {
                        "provider_arn": {
                            "references": [
                                "aws_iam_openid_connect_provider.eks.arn",
                                "aws_iam_openid_connect_provider.eks",
                            ]
                        }
                    },
                    "module": {
                        "resources": [
                            {
                                "address": "aws_iam_role.this",
                                "mode": "managed",
                                "type": "aws_iam_role",
                                "name": "this",
                                "expressions": {
                                    "assume_role_policy": {
                                        "references": [
                                            "data.aws_iam_policy_document.trust.json",
                                            "data.aws_iam_policy_document.trust",
                                        ]
                                    }
                                },
                            },
                            {
                                "address": "data.aws_iam_policy_document.trust",
                                "mode": "data",
                                "type": "aws_iam_policy_document",
                                "name": "trust",
                                "expressions": {
                                    "statement": [
                                        {
                                            "principals": [
                                                {
                                                    "identifiers": {
                                                        "references": ["var.provider_arn"]
                                                    }
                                                }
                                            ]
                                        }
                                    ]
                                },
                            },
                        ],
                        "variables": {"provider_arn": {}},
                    },
                }
            },
        }
    },
    "deferred_changes": [
        {"reason": "provider_config_unknown", "resource_change": {"address": "aws_s3_bucket.later"}}
    ],
}


def load() -> Any:
    return load_plan("plan.json", copy.deepcopy(PLAN))


def by_address(document: Any) -> dict[str, Any]:
    return {(r.address, r.deposed): r for r in document.resources}


def test_every_entry_is_analysed_or_skipped_with_a_reason() -> None:
    document = load()
    assert document.resource_changes == 6
    assert len(document.resources) + len(document.skipped) == 6 + 1  # plus one deferred
    reasons = {s.address: s.reason for s in document.skipped}
    assert "unrecognised action list" in reasons["aws_s3_bucket.weird"]
    assert "no change object" in reasons["aws_s3_bucket.nochange"]
    assert "deferred" in reasons["aws_s3_bucket.later"]
    assert all(s.source.pointer for s in document.skipped)


def test_unknown_trust_policy_carries_what_will_produce_it() -> None:
    role = by_address(load())[('module.irsa["vllm"].aws_iam_role.this', None)]
    assert role.family is ProviderFamily.AWS
    assert role.index is None
    assert role.config_address == "module.irsa.aws_iam_role.this"
    trust = role.get("assume_role_policy")
    assert isinstance(trust, Unknown)
    assert trust.references == ("module.irsa.data.aws_iam_policy_document.trust.json",)
    assert trust.sources == ("module.irsa.data.aws_iam_policy_document.trust",)
    assert trust.origins == ("aws_iam_openid_connect_provider.eks",)
    arn = role.get("arn")
    assert isinstance(arn, Unknown) and arn.references == ()
    assert role.get("name") == "vllm"


def test_sensitive_values_are_masked_before_and_after() -> None:
    db = by_address(load())[("aws_db_instance.meta", None)]
    assert db.action is Action.REPLACE
    assert db.actions == ("delete", "create")
    assert db.action_reason == "replace_because_cannot_update"
    assert isinstance(db.before["password"], Sensitive)
    assert isinstance(db.after["password"], Sensitive)
    assert "canary" not in repr(db)


def test_sensitive_root_variables_are_masked() -> None:
    document = load()
    assert isinstance(document.variables["db_password"], Sensitive)
    assert document.variables["region"] == "us-east-1"


def test_deposed_delete_and_empty_action_list() -> None:
    resources = by_address(load())
    deposed = resources[("aws_instance.old", "00000001")]
    assert deposed.action is Action.DELETE
    assert deposed.values == {"ami": "ami-1"}
    empty = resources[("aws_s3_bucket.empty", None)]
    assert empty.action is Action.NO_OP
    assert empty.actions == ()


@pytest.mark.parametrize(("version", "warns"), [("0.1", False), ("1.2", False), ("1.3", True)])
def test_format_versions(version: str, warns: bool) -> None:
    plan = copy.deepcopy(PLAN)
    plan["format_version"] = version
    document = load_plan("plan.json", plan)
    assert bool(document.warnings) is warns


@pytest.mark.parametrize("version", ["2.0", "x", None])
def test_unknown_major_or_malformed_version_is_an_input_error(version: str | None) -> None:
    plan = copy.deepcopy(PLAN)
    plan["format_version"] = version
    with pytest.raises(InputError) as caught:
        load_plan("plan.json", plan)
    assert caught.value.path == "plan.json"
    assert caught.value.position == "/format_version"
