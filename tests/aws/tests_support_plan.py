"""Small plans for the AWS tests: resources given as (address, after values)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def plan_with(path: Path, resources: list[tuple[str, dict[str, Any]]]) -> Path:
    """Write a format 1.2 plan creating the resources (data sources read during plan)."""
    changes: list[dict[str, Any]] = []
    prior: list[dict[str, Any]] = []
    for address, after in resources:
        parts = address.split(".")
        data = parts[0] == "data"
        type_, name = (parts[1], parts[2]) if data else (parts[0], parts[1])
        provider = f"registry.terraform.io/hashicorp/{type_.split('_')[0]}"
        if data:
            prior.append(
                {
                    "address": address,
                    "mode": "data",
                    "type": type_,
                    "name": name,
                    "provider_name": provider,
                    "schema_version": 0,
                    "values": after,
                    "sensitive_values": {},
                }
            )
            continue
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_name": provider,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": after,
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": prior}}},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
