variable "cluster_name" {
  description = "Name of the GKE cluster that runs the inference, agent and training workloads."
  type        = string
  default     = "acme-ml"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions workflows deploy this configuration."
  type        = string
}

variable "gitlab_namespace" {
  description = "GitLab group whose CI jobs may use the workload identity pool."
  type        = string
  default     = "acme"
}

variable "openai_api_key" {
  description = "OpenAI API key used by the support agent as a fallback model. Supply via TF_VAR_openai_api_key."
  type        = string
  sensitive   = true
}
