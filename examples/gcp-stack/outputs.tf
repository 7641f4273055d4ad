output "cluster_name" {
  description = "Name of the GKE cluster."
  value       = google_container_cluster.ml.name
}

output "workload_pool" {
  description = "GKE Workload Identity pool of the project."
  value       = local.workload_pool
}

output "inference_service_account" {
  description = "Google service account of inference/vllm."
  value       = google_service_account.inference.email
}

output "agent_service_account" {
  description = "Google service account of agents/support-agent."
  value       = google_service_account.agent.email
}

output "github_workload_identity_provider" {
  description = "Provider name for google-github-actions/auth."
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "llm_endpoint" {
  description = "Vertex AI endpoint of the support LLM."
  value       = google_vertex_ai_endpoint.llm.id
}
