"""Terraform addresses are tokenised, never split on dots."""

from __future__ import annotations

import pytest

from iacguard.model.address import (
    config_address,
    module_names,
    referenced_object,
    split_address,
)


def test_split_keeps_quoted_keys_with_dots_and_brackets() -> None:
    parts = split_address('module.a["x.y[0]"].aws_s3_bucket.b["k\\"q"]')
    assert [p.name for p in parts] == ["module", "a", "aws_s3_bucket", "b"]
    assert parts[1].key == '"x.y[0]"'
    assert parts[3].key == '"k\\"q"'


@pytest.mark.parametrize(
    ("module_address", "expected"),
    [
        ("", ()),
        (None, ()),
        ("module.iam", ("iam",)),
        ('module.a["prod"].module.b[2]', ("a", "b")),
    ],
)
def test_module_names_drop_instance_keys(
    module_address: str | None, expected: tuple[str, ...]
) -> None:
    assert module_names(module_address) == expected


def test_config_address_of_data_source_in_nested_module() -> None:
    assert (
        config_address('module.a["x"].module.b', "data", "aws_iam_policy_document", "trust")
        == "module.a.module.b.data.aws_iam_policy_document.trust"
    )


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("aws_iam_role.r[0].arn", "aws_iam_role.r"),
        ("data.aws_iam_policy_document.d.json", "data.aws_iam_policy_document.d"),
        ("var.cluster", "var.cluster"),
        ("local.tags", "local.tags"),
        ("module.iam.role_arn", "module.iam.role_arn"),
        ("module.iam", "module.iam"),
        ("count.index", None),
        ("each.key", None),
        ("path.module", None),
    ],
)
def test_referenced_object(reference: str, expected: str | None) -> None:
    assert referenced_object(reference) == expected
