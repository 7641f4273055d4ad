"""Kubernetes: objects from manifests, RBAC resolution, workloads and their service accounts."""
