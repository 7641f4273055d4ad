"""An ACME test plugin that needs an SDK that is not installed: importing it fails."""

from __future__ import annotations

from acme_internal_sdk import owners  # type: ignore[import-not-found]

CHECKS = owners.CHECKS
