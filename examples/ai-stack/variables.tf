variable "region" {
  description = "AWS region for the acme-ml platform."
  type        = string
  default     = "us-east-1"
}

variable "cluster_name" {
  description = "Name of the EKS cluster that runs the inference and agent workloads."
  type        = string
  default     = "acme-ml"
}

variable "vpc_id" {
  description = "VPC that hosts the platform (managed by the network stack)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for EKS nodes and RDS (managed by the network stack)."
  type        = list(string)
}

variable "github_org" {
  description = "GitHub organisation whose Actions workflows may deploy this stack."
  type        = string
  default     = "acme"
}

variable "db_password" {
  description = "Master password of the training-metadata database. Supply via TF_VAR_db_password."
  type        = string
  sensitive   = true
}

variable "openai_api_key" {
  description = "OpenAI API key used by the support agent as a fallback model. Supply via TF_VAR_openai_api_key."
  type        = string
  sensitive   = true
}
