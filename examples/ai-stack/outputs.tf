output "cluster_name" {
  value = aws_eks_cluster.this.name
}

output "ci_deploy_role_arn" {
  value = aws_iam_role.ci_deploy.arn
}

output "inference_role_arn" {
  value = module.inference_irsa.role_arn
}

output "agent_role_arn" {
  value = module.agent_irsa.role_arn
}

output "sagemaker_endpoint_name" {
  value = aws_sagemaker_endpoint.llm.name
}
