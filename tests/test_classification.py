"""Resources are classified by their role in an AI stack, and the deciding rule is kept."""

from __future__ import annotations

from typing import Any

import pytest

from iacguard.model.classification import ResourceClass, classify
from iacguard.model.resource import Action, ProviderFamily, Resource, SourceLocation


def make(type_: str, tf_name: str = "this", **after: Any) -> Resource:
    return Resource(
        address=f"{type_}.{tf_name}",
        mode="managed",
        type=type_,
        name=tf_name,
        provider=type_.split("_", maxsplit=1)[0],
        provider_source="",
        family=ProviderFamily.OTHER,
        module_address="",
        index=None,
        action=Action.CREATE,
        actions=("create",),
        before=None,
        after=after,
        config_address=f"{type_}.{tf_name}",
        source=SourceLocation("plan.json"),
    )


@pytest.mark.parametrize(
    ("resource", "expected", "rule"),
    [
        # OK: the type alone decides
        (make("aws_sagemaker_endpoint"), ResourceClass.INFERENCE_ENDPOINT, "type"),
        (make("aws_sagemaker_notebook_instance"), ResourceClass.NOTEBOOK, "type"),
        (make("aws_bedrockagent_agent"), ResourceClass.AGENT, "type"),
        (make("google_vertex_ai_dataset"), ResourceClass.TRAINING_DATA, "type"),
        (make("aws_secretsmanager_secret"), ResourceClass.SECRETS, "type"),
        # OK: a field value decides
        (
            make("azurerm_cognitive_account", kind="OpenAI"),
            ResourceClass.INFERENCE_ENDPOINT,
            "type",
        ),
        # OK: explicit tag wins over everything
        (
            make("aws_s3_bucket", bucket="acme-models", tags={"iacguard:class": "training-data"}),
            ResourceClass.TRAINING_DATA,
            "tag",
        ),
        # OK: tag values, then cloud names, then Terraform names
        (
            make("aws_s3_bucket", bucket="acme-x1", tags={"DataClass": "model-artifacts"}),
            ResourceClass.MODEL_ARTIFACTS,
            "tag-value",
        ),
        (make("aws_s3_bucket", bucket="acme-training-data"), ResourceClass.TRAINING_DATA, "name"),
        (make("google_storage_bucket", name="acme-tfstate"), ResourceClass.TERRAFORM_STATE, "name"),
        (make("aws_s3_bucket", "model_artifacts"), ResourceClass.MODEL_ARTIFACTS, "terraform-name"),
        (
            make("aws_s3_bucket", "weights", bucket="AcmeModelWeights"),
            ResourceClass.MODEL_ARTIFACTS,
            "name",
        ),
    ],
)
def test_classified(resource: Resource, expected: ResourceClass, rule: str) -> None:
    found = classify(resource)
    assert found is not None
    assert (found.resource_class, found.rule) == (expected, rule)
    assert found.reason


@pytest.mark.parametrize(
    "resource",
    [
        # NOT OK to classify: words inside other words are not matches
        make("aws_s3_bucket", "logs", bucket="acme-remodelling-logs"),
        make("aws_s3_bucket", "logs", bucket="acme-trainspotting"),
        # NOT OK: names of non-storage resources say nothing
        make("aws_security_group", "training"),
        # NOT OK: unknown bucket name and neutral Terraform name
        make("aws_s3_bucket", "this"),
    ],
)
def test_not_classified(resource: Resource) -> None:
    assert classify(resource) is None


def test_configuration_override_beats_type_rules() -> None:
    found = classify(make("aws_sagemaker_endpoint"), {"aws_sagemaker_*": ResourceClass.PIPELINE})
    assert found is not None
    assert found.resource_class is ResourceClass.PIPELINE
    assert found.rule == "config"
