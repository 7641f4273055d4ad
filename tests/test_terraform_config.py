"""Unknown values are traced through the plan's configuration to what will produce them."""

from __future__ import annotations

from typing import Any

from iacguard.inputs.terraform_config import ConfigurationIndex

CONFIGURATION: dict[str, Any] = {
    "root_module": {
        "resources": [
            {
                "address": "aws_iam_openid_connect_provider.eks",
                "mode": "managed",
                "type": "aws_iam_openid_connect_provider",
                "name": "eks",
                "expressions": {
                    "url": {
                        "references": [
                            "aws_eks_cluster.this.identity[0].oidc[0].issuer",
                            "aws_eks_cluster.this.identity[0].oidc[0]",
                            "aws_eks_cluster.this.identity[0]",
                            "aws_eks_cluster.this",
                        ]
                    }
                },
            }
        ],
        "module_calls": {
            "irsa": {
                "source": "./modules/irsa",
                "expressions": {
                    "oidc_provider_arn": {
                        "references": [
                            "aws_iam_openid_connect_provider.eks.arn",
                            "aws_iam_openid_connect_provider.eks",
                        ]
                    },
                    "name": {"constant_value": "vllm"},
                },
                "module": {
                    "outputs": {
                        "role_arn": {
                            "expression": {
                                "references": ["aws_iam_role.this.arn", "aws_iam_role.this"]
                            }
                        }
                    },
                    "resources": [
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
                                                    "references": ["var.oidc_provider_arn"]
                                                },
                                                "type": {"constant_value": "Federated"},
                                            }
                                        ]
                                    }
                                ]
                            },
                        },
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
                                },
                                "name": {"references": ["var.name"]},
                            },
                        },
                    ],
                    "variables": {"oidc_provider_arn": {}, "name": {}},
                },
            }
        },
        "variables": {"db_password": {"sensitive": True}},
    }
}


def test_variable_resolves_to_the_resource_passed_by_the_caller() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    assert index.sources(("irsa",), "var.oidc_provider_arn") == (
        "aws_iam_openid_connect_provider.eks",
    )


def test_module_output_resolves_into_the_child_module() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    assert index.sources((), "module.irsa.role_arn") == ("module.irsa.aws_iam_role.this",)


def test_constant_module_argument_resolves_to_nothing() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    assert index.sources(("irsa",), "var.name") == ()


def test_expression_at_walks_nested_blocks() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    expression = index.expression_at(
        ("irsa",),
        "data.aws_iam_policy_document.trust",
        ("statement", 0, "principals", 0, "identifiers", 0),
    )
    assert expression == {"references": ["var.oidc_provider_arn"]}


def test_expression_at_is_none_for_provider_computed_attributes() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    assert index.expression_at(("irsa",), "aws_iam_role.this", ("arn",)) is None


def test_attribute_references_are_absolute_and_most_specific() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    refs = index.attribute_references(("irsa",), "aws_iam_role.this")
    assert refs["assume_role_policy"] == ("module.irsa.data.aws_iam_policy_document.trust.json",)


def test_root_sensitive_variables() -> None:
    assert ConfigurationIndex(CONFIGURATION).root_sensitive_variables == {"db_password"}


def test_missing_configuration_is_empty_not_an_error() -> None:
    index = ConfigurationIndex(None)
    assert index.sources((), "aws_iam_role.x.arn") == ("aws_iam_role.x",)
    assert index.expression_at((), "aws_iam_role.x", ("arn",)) is None


def test_origins_follow_data_sources_to_the_managed_resource() -> None:
    index = ConfigurationIndex(CONFIGURATION)
    reference = "data.aws_iam_policy_document.trust.json"
    assert index.sources(("irsa",), reference) == (
        "module.irsa.data.aws_iam_policy_document.trust",
    )
    assert index.origins(("irsa",), reference) == ("aws_iam_openid_connect_provider.eks",)
