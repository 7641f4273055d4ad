# acme-ml: ML platform on Azure, AKS + Azure OpenAI + Azure Machine Learning
# (subscription aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, tenant
# 11111111-2222-3333-4444-555555555555, eastus2).
#
# This configuration is an iacguard test fixture. It is plausible Terraform,
# but it carries DELIBERATE security flaws (see README.md). Do not apply it.

terraform {
  required_version = ">= 1.9.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.14"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.0"
    }
  }

  backend "azurerm" {
    resource_group_name  = "rg-acme-ml-prod"
    storage_account_name = "stacmemltfstate"
    container_name       = "tfstate"
    key                  = "azure-stack.tfstate"
    use_azuread_auth     = true
  }
}

provider "azurerm" {
  features {}

  subscription_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  # The state account refuses shared keys: data-plane calls use Entra ID.
  storage_use_azuread = true
}

provider "azuread" {
  tenant_id = "11111111-2222-3333-4444-555555555555"
}

# The platform administrator who runs this configuration.
data "azurerm_client_config" "current" {}

data "azurerm_subscription" "current" {}

locals {
  tags = {
    environment = "prod"
    team        = "ml-platform"
    managed-by  = "terraform"
  }

  # Built-in role AcrPull; built-in role definitions have the same GUID in every subscription.
  acr_pull_role_definition_id = "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"

  # Audience of every federated credential (Azure AD workload identity, GitHub Actions).
  token_exchange_audience = "api://AzureADTokenExchange"
}

# Created by the bootstrap apply (with local state), with the state account below.
resource "azurerm_resource_group" "ml" {
  name     = "rg-acme-ml-prod"
  location = var.location
  tags     = local.tags
}

# ---------------------------------------------------------------------------
# Managed identities and their federation
# ---------------------------------------------------------------------------

resource "azurerm_user_assigned_identity" "inference" {
  name                = "id-inference"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  tags                = local.tags
}

resource "azurerm_user_assigned_identity" "agent" {
  name                = "id-agent"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  tags                = local.tags
}

# Identity of the Azure Machine Learning workspace and its jobs.
resource "azurerm_user_assigned_identity" "trainer" {
  name                = "id-trainer"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  tags                = local.tags
}

# Runs this configuration from GitHub Actions.
resource "azurerm_user_assigned_identity" "deployer" {
  name                = "id-deployer"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "inference_vllm" {
  name                = "aks-inference-vllm"
  resource_group_name = azurerm_resource_group.ml.name
  parent_id           = azurerm_user_assigned_identity.inference.id
  issuer              = azurerm_kubernetes_cluster.aks.oidc_issuer_url
  subject             = "system:serviceaccount:inference:vllm"
  audience            = [local.token_exchange_audience]
}

resource "azurerm_federated_identity_credential" "agent_support_agent" {
  name                = "aks-agents-support-agent"
  resource_group_name = azurerm_resource_group.ml.name
  parent_id           = azurerm_user_assigned_identity.agent.id
  issuer              = azurerm_kubernetes_cluster.aks.oidc_issuer_url
  subject             = "system:serviceaccount:agents:support-agent"
  audience            = [local.token_exchange_audience]
}

# FLAW 3: the subject of pull_request events: the workflow of any pull request
# (from any branch or fork the workflow runs for) becomes the deployer.
resource "azurerm_federated_identity_credential" "deployer_github" {
  name                = "github-ml-infra"
  resource_group_name = azurerm_resource_group.ml.name
  parent_id           = azurerm_user_assigned_identity.deployer.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:${var.github_repository}:pull_request"
  audience            = [local.token_exchange_audience]
}

# ---------------------------------------------------------------------------
# AKS
# ---------------------------------------------------------------------------

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-acme-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  dns_prefix          = "aks-acme-ml"
  kubernetes_version  = "1.30"
  sku_tier            = "Standard"

  oidc_issuer_enabled       = true
  workload_identity_enabled = true
  local_account_disabled    = true

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    admin_group_object_ids = [var.aks_admin_group_object_id]
  }

  default_node_pool {
    name                 = "system"
    vm_size              = "Standard_D4s_v5"
    auto_scaling_enabled = true
    min_count            = 1
    max_count            = 3
  }

  # The control plane's identity. The kubelet identity (kubelet_identity) is
  # created by AKS in the node resource group.
  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = "cilium"
    network_data_plane  = "cilium"
  }

  tags = local.tags
}

resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  name                  = "gpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_NC24ads_A100_v4"
  auto_scaling_enabled  = true
  min_count             = 0
  max_count             = 4
  node_labels           = { workload = "gpu" }
  node_taints           = ["nvidia.com/gpu=present:NoSchedule"]
  tags                  = local.tags
}

resource "azurerm_container_registry" "ml" {
  name                = "acracmeml"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  sku                 = "Premium"
  admin_enabled       = false
  tags                = local.tags
}

# ---------------------------------------------------------------------------
# Azure OpenAI and monitoring
# ---------------------------------------------------------------------------

# FLAW 4: API keys accepted (local auth) and reachable from the internet.
resource "azurerm_cognitive_account" "openai" {
  name                          = "oai-acme-ml"
  location                      = azurerm_resource_group.ml.location
  resource_group_name           = azurerm_resource_group.ml.name
  kind                          = "OpenAI"
  sku_name                      = "S0"
  custom_subdomain_name         = "oai-acme-ml"
  local_auth_enabled            = true
  public_network_access_enabled = true
  tags                          = local.tags
}

resource "azurerm_cognitive_deployment" "gpt4o" {
  name                 = "gpt-4o"
  cognitive_account_id = azurerm_cognitive_account.openai.id
  rai_policy_name      = "Microsoft.DefaultV2"

  model {
    format  = "OpenAI"
    name    = "gpt-4o"
    version = "2024-08-06"
  }

  sku {
    name     = "GlobalStandard"
    capacity = 50
  }
}

resource "azurerm_log_analytics_workspace" "ml" {
  name                = "log-acme-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  sku                 = "PerGB2018"
  retention_in_days   = 90
  tags                = local.tags
}

resource "azurerm_application_insights" "ml" {
  name                = "appi-acme-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  workspace_id        = azurerm_log_analytics_workspace.ml.id
  application_type    = "other"
  tags                = local.tags
}

resource "azurerm_monitor_diagnostic_setting" "openai" {
  name                       = "openai-to-log-analytics"
  target_resource_id         = azurerm_cognitive_account.openai.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.ml.id

  enabled_log {
    category_group = "allLogs"
  }

  metric {
    category = "AllMetrics"
  }
}

# ---------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------

# FLAW 6: containers of this account may be made public, and one is.
resource "azurerm_storage_account" "training" {
  name                            = "stacmemltrain"
  resource_group_name             = azurerm_resource_group.ml.name
  location                        = azurerm_resource_group.ml.location
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  allow_nested_items_to_be_public = true

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 30
    }
  }

  tags = local.tags
}

resource "azurerm_storage_container" "training_data" {
  name                  = "training-data"
  storage_account_id    = azurerm_storage_account.training.id
  container_access_type = "private"
}

# FLAW 6: anonymous read access to every blob (container_access_type = "blob").
resource "azurerm_storage_container" "model_artifacts" {
  name                  = "model-artifacts"
  storage_account_id    = azurerm_storage_account.training.id
  container_access_type = "blob"
}

# Created by the bootstrap apply (with local state); the backend of this
# configuration. Entra ID only (no shared keys), never public.
resource "azurerm_storage_account" "tfstate" {
  name                            = "stacmemltfstate"
  resource_group_name             = azurerm_resource_group.ml.name
  location                        = azurerm_resource_group.ml.location
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 30
    }

    container_delete_retention_policy {
      days = 30
    }
  }

  tags = merge(local.tags, { data_class = "terraform-state" })
}

resource "azurerm_storage_container" "tfstate" {
  name                  = "tfstate"
  storage_account_id    = azurerm_storage_account.tfstate.id
  container_access_type = "private"
}

# ---------------------------------------------------------------------------
# Key Vaults and secrets
# ---------------------------------------------------------------------------

resource "azurerm_key_vault" "ml" {
  name                       = "kv-acme-ml"
  location                   = azurerm_resource_group.ml.location
  resource_group_name        = azurerm_resource_group.ml.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = true
  purge_protection_enabled   = true
  soft_delete_retention_days = 90
  tags                       = local.tags
}

resource "azurerm_key_vault_secret" "openai_api_key" {
  name         = "openai-api-key"
  value        = var.openai_api_key
  key_vault_id = azurerm_key_vault.ml.id
  content_type = "text/plain"

  depends_on = [azurerm_role_assignment.terraform_key_vault]
}

# The pre-RBAC vault of the batch jobs: access policies, not role assignments.
resource "azurerm_key_vault" "legacy" {
  name                       = "kv-acme-legacy"
  location                   = azurerm_resource_group.ml.location
  resource_group_name        = azurerm_resource_group.ml.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = false
  purge_protection_enabled   = false
  soft_delete_retention_days = 7
  tags                       = local.tags
}

resource "azurerm_key_vault_access_policy" "legacy_terraform" {
  key_vault_id       = azurerm_key_vault.legacy.id
  tenant_id          = data.azurerm_client_config.current.tenant_id
  object_id          = data.azurerm_client_config.current.object_id
  secret_permissions = ["Get", "List", "Set", "Delete", "Recover", "Purge"]
}

# FLAW 5: the agent reads every secret of the legacy vault.
resource "azurerm_key_vault_access_policy" "legacy_agent" {
  key_vault_id       = azurerm_key_vault.legacy.id
  tenant_id          = data.azurerm_client_config.current.tenant_id
  object_id          = azurerm_user_assigned_identity.agent.principal_id
  secret_permissions = ["Get", "List"]
}

resource "azurerm_key_vault_secret" "uploader_client_secret" {
  name         = "batch-uploader-client-secret"
  value        = azuread_application_password.uploader.value
  key_vault_id = azurerm_key_vault.legacy.id
  content_type = "text/plain"

  depends_on = [azurerm_key_vault_access_policy.legacy_terraform]
}

# ---------------------------------------------------------------------------
# Azure Machine Learning
# ---------------------------------------------------------------------------

resource "azurerm_machine_learning_workspace" "mlw" {
  name                           = "mlw-acme"
  location                       = azurerm_resource_group.ml.location
  resource_group_name            = azurerm_resource_group.ml.name
  application_insights_id        = azurerm_application_insights.ml.id
  key_vault_id                   = azurerm_key_vault.ml.id
  storage_account_id             = azurerm_storage_account.training.id
  container_registry_id          = azurerm_container_registry.ml.id
  primary_user_assigned_identity = azurerm_user_assigned_identity.trainer.id

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.trainer.id]
  }

  tags = local.tags
}

resource "azurerm_machine_learning_compute_cluster" "gpu" {
  name                          = "gpu-cluster"
  location                      = azurerm_resource_group.ml.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.mlw.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_NC24ads_A100_v4"

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT15M"
  }

  identity {
    type = "SystemAssigned"
  }

  tags = local.tags
}

# ---------------------------------------------------------------------------
# Legacy batch uploader (Entra ID application with a client secret)
# ---------------------------------------------------------------------------

resource "azuread_application" "uploader" {
  display_name = "acme-ml-batch-uploader"
  owners       = [data.azurerm_client_config.current.object_id]
}

resource "azuread_service_principal" "uploader" {
  client_id = azuread_application.uploader.client_id
  owners    = [data.azurerm_client_config.current.object_id]
}

# FLAW 9: a long-lived client secret.
resource "azuread_application_password" "uploader" {
  application_id = azuread_application.uploader.id
  display_name   = "batch-uploader"
  end_date       = "2026-12-31T00:00:00Z"
}

# ---------------------------------------------------------------------------
# Custom role
# ---------------------------------------------------------------------------

resource "azurerm_role_definition" "ml_data_reader" {
  name        = "ml-data-reader"
  scope       = azurerm_resource_group.ml.id
  description = "Read the training data and model artifacts"

  permissions {
    actions      = ["Microsoft.Storage/storageAccounts/blobServices/containers/read"]
    data_actions = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]
  }

  assignable_scopes = [azurerm_resource_group.ml.id]
}

# ---------------------------------------------------------------------------
# Role assignments
# ---------------------------------------------------------------------------

# FLAW 1: the internet-facing inference server writes the training data.
resource "azurerm_role_assignment" "inference_training_data" {
  scope                = azurerm_storage_container.training_data.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.inference.principal_id
}

resource "azurerm_role_assignment" "inference_model_artifacts" {
  scope                = azurerm_storage_container.model_artifacts.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.inference.principal_id
}

resource "azurerm_role_assignment" "inference_openai" {
  scope                = azurerm_cognitive_account.openai.id
  role_definition_name = "Cognitive Services OpenAI User"
  principal_id         = azurerm_user_assigned_identity.inference.principal_id
}

resource "azurerm_role_assignment" "agent_openai" {
  scope                = azurerm_cognitive_account.openai.id
  role_definition_name = "Cognitive Services OpenAI User"
  principal_id         = azurerm_user_assigned_identity.agent.principal_id
}

# FLAW 5: every secret of the vault, although the agent needs openai-api-key only.
resource "azurerm_role_assignment" "agent_key_vault" {
  scope                = azurerm_key_vault.ml.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.agent.principal_id
}

# FLAW 2: Contributor on the whole resource group (the Azure ML workspace's identity).
resource "azurerm_role_assignment" "trainer_resource_group" {
  scope                = azurerm_resource_group.ml.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.trainer.principal_id
}

resource "azurerm_role_assignment" "trainer_ml_data_reader" {
  scope              = azurerm_storage_account.training.id
  role_definition_id = azurerm_role_definition.ml_data_reader.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.trainer.principal_id
}

# Writes only under model-artifacts/checkpoints/ (ABAC condition).
resource "azurerm_role_assignment" "trainer_checkpoints" {
  scope                = azurerm_storage_account.training.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.trainer.principal_id
  condition_version    = "2.0"
  condition            = <<-EOT
    (
     (
      !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})
      AND
      !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'})
     )
     OR
     (
      @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'model-artifacts'
      AND
      @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'checkpoints/'
     )
    )
  EOT
}

# FLAW 3: the deployer owns the subscription.
resource "azurerm_role_assignment" "deployer_subscription" {
  scope                = data.azurerm_subscription.current.id
  role_definition_name = "Owner"
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
}

resource "azurerm_role_assignment" "deployer_tfstate" {
  scope                = azurerm_storage_account.tfstate.id
  role_definition_name = "Storage Blob Data Owner"
  principal_id         = azurerm_user_assigned_identity.deployer.principal_id
}

# FLAW 7: the kubelet identity, which every pod without workload identity gets
# from the instance metadata service.
resource "azurerm_role_assignment" "kubelet_acr_pull" {
  scope                            = azurerm_container_registry.ml.id
  role_definition_id               = local.acr_pull_role_definition_id
  principal_id                     = azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id
  skip_service_principal_aad_check = true
}

resource "azurerm_role_assignment" "kubelet_training_reader" {
  scope                = azurerm_storage_account.training.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id
}

resource "azurerm_role_assignment" "compute_training_data" {
  scope                = azurerm_storage_container.training_data.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_machine_learning_compute_cluster.gpu.identity[0].principal_id
}

# FLAW 9: the client-secret application writes the training data.
resource "azurerm_role_assignment" "uploader_training_data" {
  scope                = azurerm_storage_container.training_data.resource_manager_id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azuread_service_principal.uploader.object_id
}

# Lets this configuration write secrets into the RBAC vault.
resource "azurerm_role_assignment" "terraform_key_vault" {
  scope                = azurerm_key_vault.ml.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}
