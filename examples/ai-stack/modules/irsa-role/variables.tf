variable "name" {
  description = "Name of the IAM role."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the workload's service account."
  type        = string
}

variable "service_account" {
  description = "Kubernetes service account allowed to assume the role."
  type        = string
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_provider_url" {
  description = "Issuer URL of the cluster's IAM OIDC provider."
  type        = string
}

variable "policy_json" {
  description = "Inline permission policy attached to the role."
  type        = string
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}
