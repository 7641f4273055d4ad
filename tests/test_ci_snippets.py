"""The CI snippets (the GitHub Action, the example workflow, the GitLab CI template, the
pre-commit hooks) and the README's commands parse, and name only options the CLI has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = {
    "action": ROOT / "action.yml",
    "workflow": ROOT / "ci" / "github" / "iacguard.yml",
    "gitlab": ROOT / "ci" / "gitlab" / "iacguard.gitlab-ci.yml",
    "pre-commit": ROOT / ".pre-commit-hooks.yaml",
}
COMMANDS = ("scan", "comment", "diff", "query", "identities", "paths")
_INVOCATION = re.compile(r"\biacguard (" + "|".join(COMMANDS) + r")\b([^\n;|&]*)")


def _load(name: str) -> Any:
    return yaml.safe_load(SNIPPETS[name].read_text("utf-8"))


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _invocations(text: str) -> list[tuple[str, list[str]]]:
    text = text.replace("\\\n", " ")
    return [(m.group(1), re.findall(r"(?<![\w-])--[a-z][a-z-]*", m.group(2)))
            for m in _INVOCATION.finditer(text)]  # fmt: skip


@pytest.mark.parametrize("command", [*COMMANDS, "version", "checks"])
def test_every_command_has_help(run_cli: Any, command: str) -> None:
    """Help text is rendered with rich markup: a bracket in it must not break it."""
    result = run_cli(command, "--help", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert "Usage: iacguard" in result.stdout


def test_every_snippet_parses() -> None:
    for name in SNIPPETS:
        assert _load(name), name


def test_the_action_is_composite_and_uses_only_its_inputs() -> None:
    action = _load("action")
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    text = SNIPPETS["action"].read_text("utf-8")
    used = set(re.findall(r"\$\{\{\s*inputs\.([a-z-]+)", text))
    assert used <= declared, used - declared
    assert {"inputs", "fail-on", "fail-on-new", "behavior", "sarif"} <= declared


def test_the_gitlab_template_publishes_code_quality_and_junit() -> None:
    job = _load("gitlab")["iacguard"]
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality.json",
                                           "junit": "junit.xml"}  # fmt: skip
    script = " ".join(job["script"])
    assert "gitlab-codequality:gl-code-quality.json" in script and "junit.xml" in script
    assert "iacguard comment" in script


def test_the_workflow_plans_scans_and_uploads_sarif() -> None:
    workflow = _load("workflow")
    steps = workflow["jobs"]["iacguard"]["steps"]
    text = SNIPPETS["workflow"].read_text("utf-8")
    assert "terraform show -json" in text
    assert any(
        str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif") for s in steps
    )


def test_the_pre_commit_hooks_run_iacguard() -> None:
    hooks = _load("pre-commit")
    assert {h["id"] for h in hooks} == {"iacguard-manifests", "iacguard-charts"}
    for hook in hooks:
        assert hook["entry"].startswith("iacguard scan")
        assert hook["language"] == "python"


def test_snippets_and_readme_name_real_options(run_cli: Any) -> None:
    texts = {name: "\n".join(_strings(_load(name))) for name in SNIPPETS}
    texts["README"] = ROOT.joinpath("README.md").read_text("utf-8")
    helps: dict[str, str] = {}
    checked = 0
    for where, text in texts.items():
        for command, flags in _invocations(text):
            if command not in helps:
                helps[command] = run_cli(command, "--help", env={"COLUMNS": "250"}).stdout
            for flag in flags:
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", helps[command]), (
                    f"{where}: iacguard {command} {flag} is not an option"
                )
                checked += 1
    assert checked > 30
