cluster_name      = "acme-ml"
github_repository = "acme/ml-infra"
gitlab_namespace  = "acme"
