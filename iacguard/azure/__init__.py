"""Azure RBAC: role assignments at every scope, the built-in role catalog, managed identities,
AKS Workload Identity and federated identity credentials."""
