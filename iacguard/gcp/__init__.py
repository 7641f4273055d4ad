"""Google Cloud IAM: bindings at every scope, the predefined-role catalog, service accounts,
impersonation, GKE Workload Identity and workload identity federation."""
