# acme-ml: ML platform on Google Cloud, GKE + Vertex AI
# (project acme-ml-prod, number 123456789012, us-central1).
#
# This configuration is an iacguard test fixture. It is plausible Terraform,
# but it carries DELIBERATE security flaws (see README.md). Do not apply it.

terraform {
  required_version = ">= 1.9.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.14"
    }
  }

  backend "gcs" {
    bucket = "acme-ml-tfstate"
    prefix = "gcp-stack"
  }
}

provider "google" {
  project = "acme-ml-prod"
  region  = "us-central1"
}

data "google_project" "this" {}

locals {
  # GKE Workload Identity pool of every cluster in the project.
  workload_pool = "${data.google_project.this.project_id}.svc.id.goog"

  labels = {
    environment = "prod"
    team        = "ml-platform"
    managed-by  = "terraform"
  }
}

# ---------------------------------------------------------------------------
# Service accounts
# ---------------------------------------------------------------------------

resource "google_service_account" "gke_nodes" {
  account_id   = "gke-nodes"
  display_name = "GKE nodes (acme-ml)"
  description  = "Dedicated node service account of the acme-ml GKE cluster"
}

resource "google_service_account" "inference" {
  account_id   = "inference"
  display_name = "vLLM inference"
  description  = "Workload Identity of inference/vllm"
}

resource "google_service_account" "agent" {
  account_id   = "agent"
  display_name = "Support agent"
  description  = "Workload Identity of agents/support-agent"
}

resource "google_service_account" "trainer" {
  account_id   = "trainer"
  display_name = "Fine-tuning jobs"
  description  = "Runs Vertex AI custom training jobs"
}

resource "google_service_account" "pipeline" {
  account_id   = "pipeline"
  display_name = "ML pipelines"
  description  = "Vertex AI pipelines, started from GitLab CI"
}

resource "google_service_account" "deployer" {
  account_id   = "deployer"
  display_name = "Terraform deployer"
  description  = "Runs this configuration from GitHub Actions"
}

resource "google_service_account" "notebook" {
  account_id   = "notebook"
  display_name = "Research notebooks"
  description  = "Identity of the research Workbench instance"
}

# FLAW 4: a long-lived JSON key for the pipeline service account.
resource "google_service_account_key" "pipeline" {
  service_account_id = google_service_account.pipeline.name
}

# ---------------------------------------------------------------------------
# KMS: one key for the AI data buckets
# ---------------------------------------------------------------------------

resource "google_kms_key_ring" "ml" {
  name     = "acme-ml"
  location = "us-central1"
}

resource "google_kms_crypto_key" "buckets" {
  name            = "ml-buckets"
  key_ring        = google_kms_key_ring.ml.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = "7776000s" # 90 days

  labels = local.labels
}

# The Cloud Storage service agent encrypts and decrypts objects with the key.
resource "google_kms_crypto_key_iam_member" "gcs_buckets" {
  crypto_key_id = google_kms_crypto_key.buckets.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:service-${data.google_project.this.number}@gs-project-accounts.iam.gserviceaccount.com"
}

# ---------------------------------------------------------------------------
# Buckets
# ---------------------------------------------------------------------------

resource "google_storage_bucket" "training_data" {
  name                        = "acme-ml-training-data"
  location                    = "us-central1"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.buckets.id
  }

  labels = merge(local.labels, { data_class = "training-data" })

  depends_on = [google_kms_crypto_key_iam_member.gcs_buckets]
}

resource "google_storage_bucket" "model_artifacts" {
  name                        = "acme-ml-model-artifacts"
  location                    = "us-central1"
  uniform_bucket_level_access = true
  # No public_access_prevention: "inherited" lets the binding below make it public.

  versioning {
    enabled = true
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.buckets.id
  }

  labels = merge(local.labels, { data_class = "model-artifacts" })

  depends_on = [google_kms_crypto_key_iam_member.gcs_buckets]
}

# Created by the bootstrap apply (it holds this configuration's state).
resource "google_storage_bucket" "tfstate" {
  name                        = "acme-ml-tfstate"
  location                    = "us-central1"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  labels = merge(local.labels, { data_class = "terraform-state" })
}

# ---------------------------------------------------------------------------
# BigQuery feature tables, secret, container registry
# ---------------------------------------------------------------------------

resource "google_bigquery_dataset" "features" {
  dataset_id    = "features"
  friendly_name = "features"
  description   = "Offline feature tables of the support models"
  location      = "us-central1"

  labels = merge(local.labels, { data_class = "feature-store" })
}

resource "google_secret_manager_secret" "openai_api_key" {
  secret_id = "openai-api-key"

  replication {
    auto {}
  }

  labels = local.labels
}

resource "google_secret_manager_secret_version" "openai_api_key" {
  secret      = google_secret_manager_secret.openai_api_key.id
  secret_data = var.openai_api_key
}

resource "google_artifact_registry_repository" "models" {
  repository_id = "models"
  location      = "us-central1"
  format        = "DOCKER"
  description   = "Model-serving and agent images"

  labels = local.labels
}

# ---------------------------------------------------------------------------
# Vertex AI
# ---------------------------------------------------------------------------

resource "google_vertex_ai_endpoint" "llm" {
  name         = "7341826590"
  display_name = "llm-endpoint"
  description  = "Support LLM (fine-tuned), online predictions"
  location     = "us-central1"

  predict_request_response_logging_config {
    enabled       = true
    sampling_rate = 0.1

    bigquery_destination {
      # Vertex AI creates the dataset and table in the project.
      output_uri = "bq://${data.google_project.this.project_id}"
    }
  }

  labels = local.labels
}

resource "google_vertex_ai_dataset" "support_conversations" {
  display_name        = "support-conversations"
  metadata_schema_uri = "gs://google-cloud-aiplatform/schema/dataset/metadata/text_1.0.0.yaml"
  region              = "us-central1"

  labels = merge(local.labels, { data_class = "training-data" })
}

resource "google_vertex_ai_feature_online_store" "features" {
  name   = "acme_ml_features"
  region = "us-central1"

  bigtable {
    auto_scaling {
      min_node_count = 1
      max_node_count = 2
    }
  }

  labels = merge(local.labels, { data_class = "feature-store" })
}

resource "google_workbench_instance" "research" {
  name     = "research"
  location = "us-central1-a"

  gce_setup {
    machine_type = "g2-standard-8"

    accelerator_configs {
      type       = "NVIDIA_L4"
      core_count = 1
    }

    service_accounts {
      email = google_service_account.notebook.email
    }

    # The notebook gets an external IP address.
    disable_public_ip = false

    metadata = {
      idle-timeout-seconds = "10800"
    }
  }

  instance_owners = ["dana@acme.example"]

  labels = local.labels
}

# ---------------------------------------------------------------------------
# GKE
# ---------------------------------------------------------------------------

resource "google_container_cluster" "ml" {
  name     = var.cluster_name
  location = "us-central1"

  remove_default_node_pool = true
  initial_node_count       = 1
  deletion_protection      = true

  network    = "acme-ml-vpc"
  subnetwork = "acme-ml-gke"

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "10.0.0.0/8"
      display_name = "acme-corp"
    }
  }

  release_channel {
    channel = "REGULAR"
  }

  workload_identity_config {
    workload_pool = local.workload_pool
  }

  resource_labels = local.labels
}

resource "google_container_node_pool" "system" {
  name     = "system-pool"
  cluster  = google_container_cluster.ml.id
  location = google_container_cluster.ml.location

  autoscaling {
    min_node_count = 1
    max_node_count = 3
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = "e2-standard-4"
    service_account = google_service_account.gke_nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }

    labels = {
      pool = "system"
    }
  }
}

# GPU nodes for model serving: the dedicated node service account and the GKE
# metadata server, so pods get their own Workload Identity.
resource "google_container_node_pool" "inference" {
  name     = "inference-pool"
  cluster  = google_container_cluster.ml.id
  location = google_container_cluster.ml.location

  autoscaling {
    min_node_count = 1
    max_node_count = 4
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = "g2-standard-8"
    disk_size_gb    = 200
    disk_type       = "pd-ssd"
    service_account = google_service_account.gke_nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]

    guest_accelerator {
      type  = "nvidia-l4"
      count = 1

      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }

    labels = {
      pool = "inference"
    }

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}

# FLAW 6: no service_account (the Compute Engine default service account, which
# holds roles/editor), the cloud-platform scope, and GCE_METADATA: every pod on
# these nodes reads the node's token from the metadata server.
resource "google_container_node_pool" "gpu" {
  name     = "gpu-pool"
  cluster  = google_container_cluster.ml.id
  location = google_container_cluster.ml.location

  autoscaling {
    min_node_count = 0
    max_node_count = 4
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type = "g2-standard-8"
    disk_size_gb = 200
    disk_type    = "pd-ssd"
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]

    guest_accelerator {
      type  = "nvidia-l4"
      count = 1

      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }

    workload_metadata_config {
      mode = "GCE_METADATA"
    }

    labels = {
      pool = "gpu"
    }

    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
  }
}

# ---------------------------------------------------------------------------
# CI: workload identity federation for GitHub Actions and GitLab CI
# ---------------------------------------------------------------------------

resource "google_iam_workload_identity_pool" "ci" {
  workload_identity_pool_id = "ci"
  display_name              = "CI"
  description               = "GitHub Actions and GitLab CI"
}

# FLAW 7: no attribute_condition; any GitHub repository's workflow can exchange
# its token with this pool.
resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub Actions"

  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
    "attribute.ref"        = "assertion.ref"
  }

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_iam_workload_identity_pool_provider" "gitlab" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab"
  display_name                       = "GitLab CI"

  attribute_mapping = {
    "google.subject"           = "assertion.sub"
    "attribute.namespace_path" = "assertion.namespace_path"
    "attribute.project_path"   = "assertion.project_path"
  }

  attribute_condition = "assertion.namespace_path == \"${var.gitlab_namespace}\""

  oidc {
    issuer_uri        = "https://gitlab.com"
    allowed_audiences = ["https://gitlab.com"]
  }
}

resource "google_service_account_iam_member" "deployer_github" {
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.ci.name}/attribute.repository/${var.github_repository}"
}

resource "google_service_account_iam_member" "pipeline_gitlab" {
  service_account_id = google_service_account.pipeline.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci/attribute.project_path/acme/ml-pipelines"
}

# ---------------------------------------------------------------------------
# GKE Workload Identity: Kubernetes service accounts -> Google service accounts
# ---------------------------------------------------------------------------

resource "google_service_account_iam_member" "inference_workload_identity" {
  service_account_id = google_service_account.inference.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${local.workload_pool}[inference/vllm]"
}

resource "google_service_account_iam_member" "agent_workload_identity" {
  service_account_id = google_service_account.agent.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${local.workload_pool}[agents/support-agent]"
}

# ---------------------------------------------------------------------------
# Project IAM
# ---------------------------------------------------------------------------

resource "google_project_iam_member" "gke_nodes_default" {
  project = data.google_project.this.project_id
  role    = "roles/container.defaultNodeServiceAccount"
  member  = "serviceAccount:${google_service_account.gke_nodes.email}"
}

# FLAW 2: a basic role for a workload's service account.
resource "google_project_iam_member" "trainer_editor" {
  project = data.google_project.this.project_id
  role    = "roles/editor"
  member  = "serviceAccount:${google_service_account.trainer.email}"
}

# FLAW 5 (second half): the CI deployer owns the project.
resource "google_project_iam_member" "deployer_owner" {
  project = data.google_project.this.project_id
  role    = "roles/owner"
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

# FLAW 9: authoritative for roles/aiplatform.user: on apply it removes every
# other member of the role, the agent's grant below included.
resource "google_project_iam_binding" "aiplatform_users" {
  project = data.google_project.this.project_id
  role    = "roles/aiplatform.user"
  members = [
    "serviceAccount:${google_service_account.pipeline.email}",
  ]
}

resource "google_project_iam_member" "agent_aiplatform" {
  project = data.google_project.this.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.agent.email}"
}

resource "google_project_iam_custom_role" "ml_data_reader" {
  role_id     = "mlDataReader"
  title       = "ML data reader"
  description = "Read training objects and feature tables"
  permissions = [
    "storage.objects.get",
    "storage.objects.list",
    "bigquery.tables.getData",
  ]
}

resource "google_project_iam_member" "notebook_ml_data_reader" {
  project = data.google_project.this.project_id
  role    = google_project_iam_custom_role.ml_data_reader.id
  member  = "serviceAccount:${google_service_account.notebook.email}"
}

# ---------------------------------------------------------------------------
# Resource IAM
# ---------------------------------------------------------------------------

# FLAW 1: the internet-facing inference server can write the training data.
resource "google_storage_bucket_iam_member" "inference_training_data" {
  bucket = google_storage_bucket.training_data.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.inference.email}"
}

resource "google_storage_bucket_iam_member" "inference_model_artifacts" {
  bucket = google_storage_bucket.model_artifacts.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.inference.email}"
}

# Note 8: the training job's Kubernetes service account, granted directly
# (Workload Identity Federation for GKE, no Google service account).
resource "google_storage_bucket_iam_member" "trainer_ksa_training_data" {
  bucket = google_storage_bucket.training_data.name
  role   = "roles/storage.objectUser"
  member = "principal://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global/workloadIdentityPools/${local.workload_pool}/subject/ns/training/sa/trainer"
}

# FLAW 3: authoritative binding that makes the model artifacts public.
resource "google_storage_bucket_iam_binding" "model_artifacts_public" {
  bucket  = google_storage_bucket.model_artifacts.name
  role    = "roles/storage.objectViewer"
  members = ["allUsers"]
}

resource "google_storage_bucket_iam_member" "deployer_tfstate" {
  bucket = google_storage_bucket.tfstate.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.deployer.email}"
}

# FLAW 10 (conditional): write access to the feature tables until 2027.
resource "google_bigquery_dataset_iam_member" "notebook_features" {
  dataset_id = google_bigquery_dataset.features.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.notebook.email}"

  condition {
    title      = "until-2027"
    expression = "request.time < timestamp(\"2027-01-01T00:00:00Z\")"
  }
}

# FLAW 12: the agent reads the OpenAI key (and it is exposed by an Ingress).
resource "google_secret_manager_secret_iam_member" "agent_openai" {
  secret_id = google_secret_manager_secret.openai_api_key.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.agent.email}"
}

# FLAW 5: the agent can mint tokens for the deployer, which owns the project.
resource "google_service_account_iam_member" "agent_impersonates_deployer" {
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.agent.email}"
}

resource "google_artifact_registry_repository_iam_member" "gke_nodes_pull" {
  project    = google_artifact_registry_repository.models.project
  location   = google_artifact_registry_repository.models.location
  repository = google_artifact_registry_repository.models.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.gke_nodes.email}"
}
