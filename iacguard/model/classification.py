"""Classification of resources by their role in an AI stack.

Each resource gets at most one class, decided by the first rule that matches, in this order:

1. an explicit declaration on the resource: tag or label ``iacguard:class`` (or
   ``iacguard-class``, for label syntaxes that forbid ``:``) naming a class;
2. a user override from the configuration file (address glob → class);
3. the resource type (``aws_sagemaker_endpoint`` is an inference endpoint);
4. words in tag or label *values* (``DataClass = "training-data"``);
5. words in the resource's cloud name (bucket name), then in its Terraform name.

The rule that decided is kept, so a report can say *why* a bucket is training data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Literal

from iacguard.model.address import address_matches
from iacguard.model.resource import Resource


class ResourceClass(StrEnum):
    """Roles a resource plays in an AI stack (the crown jewels and the exposed workloads)."""

    TRAINING_DATA = "training-data"
    MODEL_ARTIFACTS = "model-artifacts"
    MODEL_REGISTRY = "model-registry"
    FEATURE_STORE = "feature-store"
    VECTOR_STORE = "vector-store"
    PROMPT_CONFIG = "prompt-config"
    INFERENCE_ENDPOINT = "inference-endpoint"
    AGENT = "agent"
    NOTEBOOK = "notebook"
    PIPELINE = "pipeline"
    TERRAFORM_STATE = "terraform-state"
    SECRETS = "secrets"
    ENCRYPTION_KEY = "encryption-key"


#: The kinds of rule that can decide a class, in order of precedence.
ClassificationRule = Literal["tag", "config", "type", "tag-value", "name", "terraform-name"]


@dataclass(frozen=True, slots=True)
class Classification:
    """The class of a resource and the rule that decided it."""

    resource_class: ResourceClass
    rule: ClassificationRule
    """Stable id of the deciding rule: ``type``, ``tag``, ``tag-value``, ``name``,
    ``terraform-name``, ``config``."""
    reason: str
    """Human explanation: ``bucket name 'acme-training-data' has the word 'training'``."""


# NOTE: type rules name the resource types whose very kind decides the class. Types that hold
# anything (buckets, containers, tables) are decided by tags and names instead.
_TYPE_RULES: dict[str, ResourceClass] = {
    # Kubernetes kinds of manifests (AI operators' custom resources)
    "Notebook": ResourceClass.NOTEBOOK,
    "InferenceService": ResourceClass.INFERENCE_ENDPOINT,
    "RayService": ResourceClass.INFERENCE_ENDPOINT,
    "RayCluster": ResourceClass.PIPELINE,
    "RayJob": ResourceClass.PIPELINE,
    "PyTorchJob": ResourceClass.PIPELINE,
    "TFJob": ResourceClass.PIPELINE,
    "MPIJob": ResourceClass.PIPELINE,
    "JobSet": ResourceClass.PIPELINE,
    "Secret": ResourceClass.SECRETS,
    # AWS SageMaker and Bedrock
    "aws_sagemaker_endpoint": ResourceClass.INFERENCE_ENDPOINT,
    "aws_sagemaker_endpoint_configuration": ResourceClass.INFERENCE_ENDPOINT,
    "aws_bedrock_provisioned_model_throughput": ResourceClass.INFERENCE_ENDPOINT,
    "aws_sagemaker_model": ResourceClass.MODEL_ARTIFACTS,
    "aws_bedrock_custom_model": ResourceClass.MODEL_ARTIFACTS,
    "aws_sagemaker_model_package_group": ResourceClass.MODEL_REGISTRY,
    "aws_sagemaker_notebook_instance": ResourceClass.NOTEBOOK,
    "aws_sagemaker_domain": ResourceClass.NOTEBOOK,
    "aws_sagemaker_user_profile": ResourceClass.NOTEBOOK,
    "aws_sagemaker_space": ResourceClass.NOTEBOOK,
    "aws_sagemaker_pipeline": ResourceClass.PIPELINE,
    "aws_sagemaker_feature_group": ResourceClass.FEATURE_STORE,
    "aws_bedrockagent_agent": ResourceClass.AGENT,
    "aws_bedrockagent_agent_alias": ResourceClass.AGENT,
    "aws_bedrockagent_agent_action_group": ResourceClass.PROMPT_CONFIG,
    "aws_bedrockagent_prompt": ResourceClass.PROMPT_CONFIG,
    "aws_bedrock_guardrail": ResourceClass.PROMPT_CONFIG,
    "aws_bedrockagent_knowledge_base": ResourceClass.VECTOR_STORE,
    "aws_bedrockagent_data_source": ResourceClass.TRAINING_DATA,
    "aws_secretsmanager_secret": ResourceClass.SECRETS,
    "aws_secretsmanager_secret_version": ResourceClass.SECRETS,
    "aws_kms_key": ResourceClass.ENCRYPTION_KEY,
    # Google Cloud Vertex AI
    "google_vertex_ai_endpoint": ResourceClass.INFERENCE_ENDPOINT,
    "google_vertex_ai_dataset": ResourceClass.TRAINING_DATA,
    "google_vertex_ai_featurestore": ResourceClass.FEATURE_STORE,
    "google_vertex_ai_featurestore_entitytype": ResourceClass.FEATURE_STORE,
    "google_vertex_ai_feature_online_store": ResourceClass.FEATURE_STORE,
    "google_vertex_ai_feature_group": ResourceClass.FEATURE_STORE,
    "google_vertex_ai_index": ResourceClass.VECTOR_STORE,
    "google_vertex_ai_index_endpoint": ResourceClass.VECTOR_STORE,
    "google_vertex_ai_tensorboard": ResourceClass.PIPELINE,
    "google_notebooks_instance": ResourceClass.NOTEBOOK,
    "google_workbench_instance": ResourceClass.NOTEBOOK,
    "google_colab_runtime": ResourceClass.NOTEBOOK,
    "google_secret_manager_secret": ResourceClass.SECRETS,
    "google_secret_manager_secret_version": ResourceClass.SECRETS,
    "google_kms_crypto_key": ResourceClass.ENCRYPTION_KEY,
    # Azure Machine Learning and Azure OpenAI
    "azurerm_machine_learning_compute_instance": ResourceClass.NOTEBOOK,
    "azurerm_machine_learning_inference_cluster": ResourceClass.INFERENCE_ENDPOINT,
    "azurerm_cognitive_deployment": ResourceClass.INFERENCE_ENDPOINT,
    "azurerm_search_service": ResourceClass.VECTOR_STORE,
    "azurerm_key_vault": ResourceClass.SECRETS,
    "azurerm_key_vault_secret": ResourceClass.SECRETS,
    "azurerm_key_vault_key": ResourceClass.ENCRYPTION_KEY,
    # Kubernetes objects inside plans
    "kubernetes_secret": ResourceClass.SECRETS,
    "kubernetes_secret_v1": ResourceClass.SECRETS,
}

# Resource types whose class depends on a field value: (type, attribute, value) → class.
_FIELD_RULES: dict[tuple[str, str, str], ResourceClass] = {
    ("azurerm_cognitive_account", "kind", "openai"): ResourceClass.INFERENCE_ENDPOINT,
    ("azurerm_cognitive_account", "kind", "aiservices"): ResourceClass.INFERENCE_ENDPOINT,
    ("aws_opensearchserverless_collection", "type", "vectorsearch"): ResourceClass.VECTOR_STORE,
    ("aws_ssm_parameter", "type", "securestring"): ResourceClass.SECRETS,
}

# Storage-like types: classified by tags and names, with the attribute holding the cloud name.
_NAMED_STORAGE: dict[str, str] = {
    "aws_s3_bucket": "bucket",
    "aws_s3_directory_bucket": "bucket",
    "aws_efs_file_system": "creation_token",
    "aws_fsx_lustre_file_system": "",
    "aws_dynamodb_table": "name",
    "aws_ecr_repository": "name",
    "aws_rds_cluster": "cluster_identifier",
    "aws_db_instance": "identifier",
    "aws_opensearch_domain": "domain_name",
    "aws_opensearchserverless_collection": "name",
    "aws_codepipeline": "name",
    "aws_sfn_state_machine": "name",
    "google_storage_bucket": "name",
    "google_bigquery_dataset": "dataset_id",
    "google_bigquery_table": "table_id",
    "google_artifact_registry_repository": "repository_id",
    "azurerm_storage_account": "name",
    "azurerm_storage_container": "name",
    "azurerm_container_registry": "name",
    "azurerm_cosmosdb_account": "name",
    "azurerm_machine_learning_workspace": "name",
}

# Words (whole tokens of a name or tag value) and the class they suggest, checked in order so
# that "terraform-state" wins over "state" and "model-registry" over "model".
_WORD_RULES: tuple[tuple[frozenset[str], ResourceClass], ...] = (
    (
        frozenset({"tfstate", "terraform-state", "tf-state", "terraform-lock", "tf-lock"}),
        ResourceClass.TERRAFORM_STATE,
    ),
    (
        frozenset(
            {
                "training-data",
                "training",
                "train",
                "dataset",
                "datasets",
                "corpus",
                "labeled",
                "labelled",
            }
        ),
        ResourceClass.TRAINING_DATA,
    ),
    (frozenset({"model-registry", "registry"}), ResourceClass.MODEL_REGISTRY),
    (
        frozenset(
            {
                "model-artifacts",
                "model",
                "models",
                "artifacts",
                "artifact",
                "checkpoints",
                "weights",
                "llm",
            }
        ),
        ResourceClass.MODEL_ARTIFACTS,
    ),
    (frozenset({"feature-store", "features", "featurestore"}), ResourceClass.FEATURE_STORE),
    (
        frozenset({"vector-store", "embeddings", "vectors", "vectordb", "rag"}),
        ResourceClass.VECTOR_STORE,
    ),
    (frozenset({"prompts", "prompt-config"}), ResourceClass.PROMPT_CONFIG),
    (frozenset({"pipeline", "pipelines", "mlops"}), ResourceClass.PIPELINE),
    (frozenset({"secrets", "secret"}), ResourceClass.SECRETS),
)

_EXPLICIT_TAGS = ("iacguard:class", "iacguard-class", "iacguard_class")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def _tokens(text: str) -> list[str]:
    """Words of a name, with adjacent pairs joined (``model-artifacts`` matches as a pair)."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text).lower()
    words = [w for w in _TOKEN_SPLIT.split(text) if w]
    return [f"{a}-{b}" for a, b in pairwise(words)] + words


def _match_words(text: str) -> tuple[ResourceClass, str] | None:
    tokens = _tokens(text)
    for words, resource_class in _WORD_RULES:
        for token in tokens:
            if token in words:
                return resource_class, token
    return None


def _labels(resource: Resource) -> dict[str, str]:
    """Tags (AWS, Azure) or labels (GCP, Kubernetes metadata) with known string values."""
    values = resource.values
    if not isinstance(values, dict):
        return {}
    merged: dict[str, str] = {}
    for field in ("tags_all", "tags", "labels", "effective_labels", "user_labels"):
        found = values.get(field)
        if isinstance(found, dict):
            merged.update({k: v for k, v in found.items() if isinstance(v, str)})
    metadata = values.get("metadata")
    if isinstance(metadata, list) and metadata and isinstance(metadata[0], dict):
        metadata = metadata[0]  # kubernetes_* resources of plans
    if isinstance(metadata, dict):  # manifests: the object's metadata
        found = metadata.get("labels")
        if isinstance(found, dict):
            merged.update({k: v for k, v in found.items() if isinstance(v, str)})
    return merged


def classify(
    resource: Resource, overrides: Mapping[str, ResourceClass] | None = None
) -> Classification | None:
    """Return the class of a resource and the deciding rule, or ``None`` if it has none."""
    labels = _labels(resource)
    for key in _EXPLICIT_TAGS:
        declared = labels.get(key)
        if declared is not None:
            try:
                return Classification(
                    ResourceClass(declared.strip().lower()), "tag", f"tag {key} = {declared!r}"
                )
            except ValueError:
                break  # an unknown class name is ignored; the configuration check reports it
    if overrides:
        for pattern in sorted(overrides):
            if address_matches(resource.address, pattern):
                return Classification(
                    overrides[pattern], "config", f"configuration classifies {pattern!r}"
                )
    by_type = _TYPE_RULES.get(resource.type)
    if by_type is not None:
        return Classification(by_type, "type", f"resource type {resource.type}")
    for (type_, attribute, expected), resource_class in _FIELD_RULES.items():
        if resource.type == type_:
            value = resource.get(attribute)
            if isinstance(value, str) and value.lower() == expected:
                return Classification(
                    resource_class, "type", f"{resource.type} with {attribute} = {value!r}"
                )
    if resource.type not in _NAMED_STORAGE:
        return None
    for key in sorted(labels):
        match = _match_words(labels[key])
        if match is not None:
            return Classification(
                match[0], "tag-value", f"tag {key} = {labels[key]!r} has the word {match[1]!r}"
            )
    name_attribute = _NAMED_STORAGE[resource.type]
    cloud_name = resource.get(name_attribute) if name_attribute else None
    if isinstance(cloud_name, str):
        match = _match_words(cloud_name)
        if match is not None:
            return Classification(
                match[0], "name", f"{name_attribute} {cloud_name!r} has the word {match[1]!r}"
            )
    match = _match_words(resource.name)
    if match is not None:
        return Classification(
            match[0],
            "terraform-name",
            f"Terraform name {resource.name!r} has the word {match[1]!r}",
        )
    return None


def classify_all(
    resources: Iterable[Resource], overrides: Mapping[str, ResourceClass] | None = None
) -> dict[str, Classification]:
    """Classify many resources; returns address → classification for the classified ones."""
    result: dict[str, Classification] = {}
    for resource in resources:
        if resource.is_data:
            continue
        found = classify(resource, overrides)
        if found is not None:
            result[resource.address] = found
    return result
