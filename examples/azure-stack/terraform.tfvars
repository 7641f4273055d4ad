location                  = "eastus2"
github_repository         = "acme/ml-infra"
aks_admin_group_object_id = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
