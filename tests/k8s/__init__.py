"""Tests of Kubernetes manifests: loading, RBAC resolution and the commands that use them."""
