variable "location" {
  description = "Azure region of every resource of the platform."
  type        = string
  default     = "eastus2"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions workflows deploy this configuration."
  type        = string
}

variable "aks_admin_group_object_id" {
  description = "Object id of the Entra ID group whose members administer the AKS cluster (Azure RBAC for Kubernetes)."
  type        = string
}

variable "openai_api_key" {
  description = "OpenAI API key used by the support agent as a fallback model. Supply via TF_VAR_openai_api_key."
  type        = string
  sensitive   = true
}
