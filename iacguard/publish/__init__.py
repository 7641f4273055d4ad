"""Publishing reports: merge-request comments on GitHub and GitLab."""
