"""A searched folder passes over broken JSON that is not a plan, but never a broken plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PLAN: dict[str, Any] = {
    "format_version": "1.2",
    "terraform_version": "1.9.8",
    "planned_values": {"root_module": {}},
    "resource_changes": [
        {
            "address": "aws_s3_bucket.b",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "b",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": None, "after": {"bucket": "b"}},
        }
    ],
}


def test_editor_settings_with_comments_are_passed_over(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(json.dumps(PLAN))
    (tmp_path / "tsconfig.json").write_text('{\n  // comments are not JSON\n  "strict": true\n}\n')
    result = run_cli("scan", tmp_path, "--format", "json")
    assert result.returncode == 0, result.stderr
    ignored = {
        Path(i["path"]).name: i["reason"] for i in json.loads(result.stdout)["ignored_files"]
    }
    assert "malformed JSON" in ignored["tsconfig.json"]


def test_truncated_plan_in_a_folder_is_an_error(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(PLAN))
    text = json.dumps(PLAN)
    (tmp_path / "broken.json").write_text(text[: len(text) // 2])
    result = run_cli("scan", tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "broken.json" in lines[0] and "malformed JSON" in lines[0]
