output "aks_cluster_name" {
  description = "Name of the AKS cluster."
  value       = azurerm_kubernetes_cluster.aks.name
}

output "aks_oidc_issuer_url" {
  description = "OIDC issuer of the AKS cluster (the issuer of the workload identity federated credentials)."
  value       = azurerm_kubernetes_cluster.aks.oidc_issuer_url
}

output "inference_client_id" {
  description = "Client id of id-inference, for the azure.workload.identity/client-id annotation of inference/vllm."
  value       = azurerm_user_assigned_identity.inference.client_id
}

output "agent_client_id" {
  description = "Client id of id-agent, for the azure.workload.identity/client-id annotation of agents/support-agent."
  value       = azurerm_user_assigned_identity.agent.client_id
}

output "deployer_client_id" {
  description = "Client id of id-deployer, for azure/login in GitHub Actions."
  value       = azurerm_user_assigned_identity.deployer.client_id
}

output "openai_endpoint" {
  description = "Endpoint of the Azure OpenAI account."
  value       = azurerm_cognitive_account.openai.endpoint
}

output "key_vault_uri" {
  description = "URI of the platform Key Vault."
  value       = azurerm_key_vault.ml.vault_uri
}
