# acme-ml: ML platform on AWS + EKS (account 111122223333, us-east-1).
#
# This configuration is an iacguard test fixture. It is plausible Terraform,
# but it carries DELIBERATE security flaws (see README.md). Do not apply it.

terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.33"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 2.17"
    }
  }

  backend "s3" {
    bucket = "acme-ml-tfstate"
    key    = "ai-stack/terraform.tfstate"
    region = "us-east-1"
  }
}

provider "aws" {
  region = var.region
}

provider "kubernetes" {
  host                   = aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(aws_eks_cluster.this.certificate_authority[0].data)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.this.name]
  }
}

provider "helm" {
  kubernetes {
    host                   = aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(aws_eks_cluster.this.certificate_authority[0].data)

    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.this.name]
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id

  common_tags = {
    Project     = "acme-ml"
    Environment = "prod"
    ManagedBy   = "terraform"
  }

  workload_namespaces = toset(["inference", "agents"])
}

# ---------------------------------------------------------------------------
# EKS cluster, node group and the cluster's IAM OIDC provider
# ---------------------------------------------------------------------------

resource "aws_iam_role" "eks_cluster" {
  name = "acme-ml-eks-cluster"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.common_tags
}

resource "aws_iam_role_policy_attachment" "eks_cluster_policy" {
  role       = aws_iam_role.eks_cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_eks_cluster" "this" {
  name     = var.cluster_name
  role_arn = aws_iam_role.eks_cluster.arn
  version  = "1.30"

  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = false
    endpoint_public_access  = true
    public_access_cidrs     = ["0.0.0.0/0"]
  }

  access_config {
    authentication_mode                         = "API_AND_CONFIG_MAP"
    bootstrap_cluster_creator_admin_permissions = true
  }

  tags = local.common_tags

  depends_on = [aws_iam_role_policy_attachment.eks_cluster_policy]
}

resource "aws_iam_role" "eks_node" {
  name = "acme-ml-eks-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.common_tags
}

resource "aws_iam_role_policy_attachment" "eks_node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])

  role       = aws_iam_role.eks_node.name
  policy_arn = "arn:aws:iam::aws:policy/${each.key}"
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "acme-ml-gpu"
  node_role_arn   = aws_iam_role.eks_node.arn
  subnet_ids      = var.private_subnet_ids
  ami_type        = "AL2_x86_64_GPU"
  capacity_type   = "ON_DEMAND"
  instance_types  = ["g5.2xlarge"]
  disk_size       = 100

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    workload = "gpu-inference"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  tags = local.common_tags

  depends_on = [aws_iam_role_policy_attachment.eks_node]
}

resource "aws_iam_openid_connect_provider" "eks" {
  url             = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
  tags            = local.common_tags
}

# ---------------------------------------------------------------------------
# IRSA roles for the two workloads
# ---------------------------------------------------------------------------

data "aws_iam_policy_document" "inference_model_read" {
  statement {
    sid       = "ListModelArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.model_artifacts.arn]
  }

  statement {
    sid       = "ReadModelArtifacts"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.model_artifacts.arn}/*"]
  }

  statement {
    sid       = "DecryptModelArtifacts"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.model_artifacts.arn]
  }

  # vLLM's feedback logger uploads rated conversations for the next fine-tune.
  statement {
    sid       = "WriteFeedback"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.training_data.arn}/feedback/*"]
  }
}

module "inference_irsa" {
  source = "./modules/irsa-role"

  name              = "acme-ml-inference-vllm"
  namespace         = "inference"
  service_account   = "vllm"
  oidc_provider_arn = aws_iam_openid_connect_provider.eks.arn
  oidc_provider_url = aws_iam_openid_connect_provider.eks.url
  policy_json       = data.aws_iam_policy_document.inference_model_read.json
  tags              = local.common_tags
}

module "agent_irsa" {
  source = "./modules/irsa-role"

  name              = "acme-ml-support-agent"
  namespace         = "agents"
  service_account   = "support-agent"
  oidc_provider_arn = aws_iam_openid_connect_provider.eks.arn
  oidc_provider_url = aws_iam_openid_connect_provider.eks.url

  # FLAW: "temporary" broad grant that never got narrowed down.
  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AgentDataAccess"
        Effect   = "Allow"
        Action   = "s3:*"
        Resource = "*"
      },
      {
        Sid      = "AgentSecrets"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = "*"
      },
      {
        Sid      = "AgentInvokeModels"
        Effect   = "Allow"
        Action   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
        Resource = "*"
      },
      {
        Sid      = "AgentPassRole"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "*"
      },
      {
        # The agent's "fine-tune" tool starts SageMaker training jobs.
        Sid      = "AgentFineTune"
        Effect   = "Allow"
        Action   = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"]
        Resource = "*"
      },
    ]
  })

  tags = local.common_tags
}

# ---------------------------------------------------------------------------
# Kubernetes namespaces and service accounts (workloads are in k8s/)
# ---------------------------------------------------------------------------

resource "kubernetes_namespace_v1" "workload" {
  for_each = local.workload_namespaces

  metadata {
    name = each.key
    labels = {
      "app.kubernetes.io/part-of" = "acme-ml"
    }
  }
}

resource "kubernetes_service_account_v1" "vllm" {
  metadata {
    name      = "vllm"
    namespace = kubernetes_namespace_v1.workload["inference"].metadata[0].name
    annotations = {
      "eks.amazonaws.com/role-arn" = module.inference_irsa.role_arn
    }
  }
}

resource "kubernetes_service_account_v1" "support_agent" {
  metadata {
    name      = "support-agent"
    namespace = kubernetes_namespace_v1.workload["agents"].metadata[0].name
    annotations = {
      "eks.amazonaws.com/role-arn" = module.agent_irsa.role_arn
    }
  }
}

# ---------------------------------------------------------------------------
# CI: GitHub Actions deploy role
# ---------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = local.common_tags
}

resource "aws_iam_role" "ci_deploy" {
  name = "acme-ml-github-deploy"

  # FLAW: was "repo:acme/ml-platform:ref:refs/heads/main"; the wildcard lets
  # any repository and any branch in the org assume this role.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        }
        StringLike = {
          "token.actions.githubusercontent.com:sub" = "repo:${var.github_org}/*"
        }
      }
    }]
  })

  tags = local.common_tags
}

# FLAW: was AmazonS3ReadOnlyAccess plus an inline ECR push policy
# (aws_iam_role_policy.ci_ecr_push, removed in this change).
resource "aws_iam_role_policy_attachment" "ci_deploy" {
  role       = aws_iam_role.ci_deploy.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# ---------------------------------------------------------------------------
# SageMaker: research notebook and a real-time inference endpoint
# ---------------------------------------------------------------------------

data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sagemaker_execution" {
  name               = "acme-ml-sagemaker-execution"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume.json
  tags               = local.common_tags
}

resource "aws_iam_role_policy_attachment" "sagemaker_full_access" {
  role       = aws_iam_role.sagemaker_execution.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
}

resource "aws_sagemaker_notebook_instance" "research" {
  name                   = "acme-ml-research"
  role_arn               = aws_iam_role.sagemaker_execution.arn
  instance_type          = "ml.t3.xlarge"
  volume_size            = 50
  root_access            = "Enabled"
  direct_internet_access = "Enabled"
  tags                   = local.common_tags
}

resource "aws_sagemaker_model" "llm" {
  name               = "acme-ml-support-llm"
  execution_role_arn = aws_iam_role.sagemaker_execution.arn

  primary_container {
    image          = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.3.0-tgi2.2.0-gpu-py310-cu121-ubuntu22.04"
    model_data_url = "s3://${aws_s3_bucket.model_artifacts.bucket}/llm/support-llm-v3/model.tar.gz"
    environment = {
      HF_MODEL_ID = "/opt/ml/model"
      SM_NUM_GPUS = "1"
    }
  }

  tags = local.common_tags
}

resource "aws_sagemaker_endpoint_configuration" "llm" {
  name = "acme-ml-llm"

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.llm.name
    initial_instance_count = 1
    instance_type          = "ml.g5.2xlarge"
  }

  # No data_capture_config: requests/responses are not captured.

  tags = local.common_tags
}

resource "aws_sagemaker_endpoint" "llm" {
  name                 = "acme-ml-llm"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.llm.name
  tags                 = local.common_tags
}

# ---------------------------------------------------------------------------
# Bedrock agent (no aws_bedrock_model_invocation_logging_configuration!)
# ---------------------------------------------------------------------------

data "aws_iam_policy_document" "bedrock_agent_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "bedrock_agent_permissions" {
  statement {
    sid       = "InvokeAnyModel"
    actions   = ["bedrock:InvokeModel"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "bedrock_agent" {
  name               = "AmazonBedrockExecutionRoleForAgents_acme-support"
  assume_role_policy = data.aws_iam_policy_document.bedrock_agent_trust.json
  tags               = local.common_tags
}

resource "aws_iam_role_policy" "bedrock_agent" {
  name   = "bedrock-invoke"
  role   = aws_iam_role.bedrock_agent.id
  policy = data.aws_iam_policy_document.bedrock_agent_permissions.json
}

resource "aws_bedrockagent_agent" "support" {
  agent_name                  = "acme-support-agent"
  agent_resource_role_arn     = aws_iam_role.bedrock_agent.arn
  foundation_model            = "anthropic.claude-3-5-sonnet-20240620-v1:0"
  idle_session_ttl_in_seconds = 600
  instruction                 = "You are Acme's customer support agent. Answer questions about orders and accounts using the tools you are given."
  tags                        = local.common_tags
}

# ---------------------------------------------------------------------------
# S3: model artifacts, training data, Terraform state
# ---------------------------------------------------------------------------

resource "aws_s3_bucket" "model_artifacts" {
  bucket = "acme-ml-model-artifacts"
  tags = merge(local.common_tags, {
    DataClass = "model-artifacts"
  })
}

moved {
  from = aws_s3_bucket.models
  to   = aws_s3_bucket.model_artifacts
}

resource "aws_s3_bucket_public_access_block" "model_artifacts" {
  bucket                  = aws_s3_bucket.model_artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "model_artifacts" {
  bucket = aws_s3_bucket.model_artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.model_artifacts.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket" "training_data" {
  bucket = "acme-ml-training-data"
  tags = merge(local.common_tags, {
    DataClass = "training-data"
  })
}

# FLAW: public access block fully disabled on the training-data bucket ...
resource "aws_s3_bucket_public_access_block" "training_data" {
  bucket                  = aws_s3_bucket.training_data.id
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}

# ... and a bucket policy that lets anyone read every object.
data "aws_iam_policy_document" "training_data_public_read" {
  statement {
    sid       = "PublicRead"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.training_data.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "training_data" {
  bucket = aws_s3_bucket.training_data.id
  policy = data.aws_iam_policy_document.training_data_public_read.json

  depends_on = [aws_s3_bucket_public_access_block.training_data]
}

resource "aws_s3_bucket" "tfstate" {
  bucket = "acme-ml-tfstate"
  tags = merge(local.common_tags, {
    DataClass = "terraform-state"
  })

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "tfstate" {
  bucket = aws_s3_bucket.tfstate.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "tfstate" {
  bucket                  = aws_s3_bucket.tfstate.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ---------------------------------------------------------------------------
# KMS key for model artifacts
# ---------------------------------------------------------------------------

resource "aws_kms_key" "model_artifacts" {
  description             = "acme-ml model artifacts"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  tags                    = local.common_tags
}

resource "aws_kms_alias" "model_artifacts" {
  name          = "alias/acme-ml-model-artifacts"
  target_key_id = aws_kms_key.model_artifacts.key_id
}

# ---------------------------------------------------------------------------
# Secrets Manager: third-party model API key
# ---------------------------------------------------------------------------

resource "aws_secretsmanager_secret" "openai_api_key" {
  name                    = "acme-ml/openai-api-key"
  description             = "OpenAI API key used by the support agent"
  recovery_window_in_days = 7
  tags                    = local.common_tags
}

resource "aws_secretsmanager_secret_version" "openai_api_key" {
  secret_id     = aws_secretsmanager_secret.openai_api_key.id
  secret_string = var.openai_api_key
}

# ---------------------------------------------------------------------------
# RDS: training metadata (experiment runs, dataset lineage)
# ---------------------------------------------------------------------------

resource "aws_db_subnet_group" "training_metadata" {
  name       = "acme-ml-training-metadata"
  subnet_ids = var.private_subnet_ids
  tags       = local.common_tags
}

resource "aws_db_instance" "training_metadata" {
  identifier                = "acme-ml-training-metadata"
  engine                    = "postgres"
  engine_version            = "16.4"
  instance_class            = "db.t4g.medium"
  allocated_storage         = 50
  storage_encrypted         = true
  db_name                   = "mlmeta"
  username                  = "mlmeta_admin"
  password                  = var.db_password
  db_subnet_group_name      = aws_db_subnet_group.training_metadata.name
  backup_retention_period   = 7
  skip_final_snapshot       = false
  final_snapshot_identifier = "acme-ml-training-metadata-final"
  tags                      = local.common_tags
}

# ---------------------------------------------------------------------------
# Legacy static credentials for the nightly batch uploader
# ---------------------------------------------------------------------------

resource "aws_iam_user" "legacy_batch_uploader" {
  name = "legacy-batch-uploader"
  path = "/service/"
  tags = local.common_tags
}

# FLAW: long-lived access key for a non-human identity.
resource "aws_iam_access_key" "legacy_batch_uploader" {
  user = aws_iam_user.legacy_batch_uploader.name
}

resource "aws_iam_policy" "legacy_batch_uploader" {
  name        = "legacy-batch-uploader-put"
  description = "Nightly batch upload into the training-data bucket"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "PutTrainingData"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = "${aws_s3_bucket.training_data.arn}/*"
    }]
  })
  tags = local.common_tags
}

resource "aws_iam_user_policy_attachment" "legacy_batch_uploader" {
  user       = aws_iam_user.legacy_batch_uploader.name
  policy_arn = aws_iam_policy.legacy_batch_uploader.arn
}

# ---------------------------------------------------------------------------
# The public chat API: the local llm-serving chart, as the "acme" release
# ---------------------------------------------------------------------------

# FLAW: the release publishes vLLM on an internet-facing load balancer without an API key,
# running as the vllm service account (the IRSA role of module.inference_irsa).
resource "helm_release" "chat_api" {
  name      = "acme"
  chart     = "../charts/llm-serving"
  namespace = kubernetes_namespace_v1.workload["inference"].metadata[0].name

  values = [yamlencode({
    service = {
      type = "LoadBalancer"
      annotations = {
        "service.beta.kubernetes.io/aws-load-balancer-scheme" = "internet-facing"
      }
    }
    serviceAccount = { create = false, name = "vllm" }
    vectorDb       = { enabled = false }
  })]

  set {
    name  = "apiKey.enabled"
    value = "false"
  }
}
