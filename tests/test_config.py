"""Configuration is found, validated with clear errors, and applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.config import find_and_load_config
from iacguard.errors import ConfigError
from iacguard.findings import FailOn
from iacguard.model.classification import ResourceClass


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = find_and_load_config(None, tmp_path)
    assert config.fail_on is None
    assert config.classification == {}


def test_dot_file_is_found(tmp_path: Path) -> None:
    (tmp_path / ".iacguard.yaml").write_text(
        "fail_on: critical\nclassification:\n  'aws_s3_bucket.lake*': training-data\n"
    )
    config = find_and_load_config(None, tmp_path)
    assert config.fail_on is FailOn.CRITICAL
    assert config.classification == {"aws_s3_bucket.lake*": ResourceClass.TRAINING_DATA}


def test_pyproject_section_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.iacguard]\nfail_on = "medium"\n')
    assert find_and_load_config(None, tmp_path).fail_on is FailOn.MEDIUM


def test_pyproject_without_section_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_and_load_config(None, tmp_path).fail_on is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail_on: severe\n", "fail_on"),
        ("classification:\n  x: not-a-class\n", "classification.x"),
        ("colour: blue\n", "colour: unknown setting"),
        ("- a\n- b\n", "must be a mapping"),
        ("fail_on: [\n", "malformed YAML"),
    ],
)
def test_invalid_configuration_names_file_and_setting(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        find_and_load_config(path, tmp_path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_explicit_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        find_and_load_config(tmp_path / "absent.yaml", tmp_path)


def test_cli_applies_config_fail_on_and_classification(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example = Path(__file__).resolve().parents[1] / "examples" / "ai-stack" / "plan.json"
    config = tmp_path / "iacguard.yaml"
    config.write_text("fail_on: none\nclassification:\n  'aws_eks_cluster.*': pipeline\n")
    result = run_cli("scan", example, "--config", config, "--format", "json")
    assert result.returncode == 0, result.stderr
    import json

    report = json.loads(result.stdout)
    assert report["summary"]["gate"]["fail_on"] == "none"
    clusters = [r for r in report["resources"] if r["type"] == "aws_eks_cluster"]
    assert clusters and all(r["classification"]["rule"] == "config" for r in clusters)


def test_cli_reports_bad_config_in_one_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example = Path(__file__).resolve().parents[1] / "examples" / "ai-stack" / "plan.json"
    config = tmp_path / "bad.yaml"
    config.write_text("fail_on: severe\n")
    result = run_cli("scan", example, "--config", config)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(config) in result.stderr
