"""The same plan in every encoding Terraform users produce, on standard input, and in folders."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import pytest
from helpers_inputs import (
    SMALL_PLAN_CHANGES,
    SMALL_PLAN_DATA_READ,
    assert_no_traceback,
    assert_one_line_error,
    plan_text,
    run_iacguard,
    small_plan,
    write_plan,
)

from iacguard.inputs import load_inputs

#: A tag value outside ASCII and outside the Basic Multilingual Plane (a UTF-16 surrogate pair).
#: Its key sorts before ``DataClass``, so the classification reason quotes it in the report.
NON_ASCII_TAG = "Trainingsdaten für 模型 training 🤖"


def unicode_plan() -> dict[str, Any]:
    """The small plan with a non-ASCII tag that ends up in the report."""
    document = small_plan()
    for entry in document["resource_changes"]:
        if entry["address"] == "aws_s3_bucket.training":
            entry["change"]["after"]["tags"]["Beschreibung"] = NON_ASCII_TAG
    return document


def encode(text: str, encoding: str) -> bytes:
    """Bytes of ``text`` as the named tool would write them."""
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "utf-16-le-bom":  # Windows PowerShell 5 `>` redirection
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    if encoding == "utf-16-le":
        return text.encode("utf-16-le")
    if encoding == "utf-16-be":
        return text.encode("utf-16-be")
    raise ValueError(encoding)


ENCODINGS = ["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The JSON report of the UTF-8 plan, scanned as ``plan.json`` from its folder."""
    folder = tmp_path_factory.mktemp("baseline")
    (folder / "plan.json").write_bytes(encode(plan_text(unicode_plan()), "utf-8"))
    run = run_iacguard("scan", "--format", "json", "plan.json", cwd=folder)
    assert run.returncode == 0, run.describe()
    return run.stdout_bytes


@pytest.mark.parametrize("indent", [None, 2], ids=["compact", "pretty"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_gives_the_same_report(
    tmp_path: Path, baseline: bytes, encoding: str, indent: int | None
) -> None:
    (tmp_path / "plan.json").write_bytes(encode(plan_text(unicode_plan(), indent=indent), encoding))
    run = run_iacguard("scan", "--format", "json", "plan.json", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    assert run.stdout_bytes == baseline
    report = json.loads(run.stdout)
    reasons = [r["classification"]["reason"] for r in report["resources"] if r["classification"]]
    assert any(NON_ASCII_TAG in reason for reason in reasons), reasons


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_loads_the_same_resources(tmp_path: Path, encoding: str) -> None:
    def resources(path: Path) -> list[tuple[str, str, str, str]]:
        (document,) = load_inputs([str(path)]).documents
        return [
            (r.address, r.action.value, repr(r.before), repr(r.after)) for r in document.resources
        ]

    text = plan_text(unicode_plan(), indent=2)
    reference = tmp_path / "reference.json"
    reference.write_bytes(encode(text, "utf-8"))
    encoded = tmp_path / f"{encoding}.json"
    encoded.write_bytes(encode(text, encoding))
    expected = resources(reference)
    assert len(expected) == SMALL_PLAN_CHANGES + SMALL_PLAN_DATA_READ
    assert resources(encoded) == expected


# --------------------------------------------------------------------------------------------
# Standard input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le-bom"])
def test_plan_on_standard_input(tmp_path: Path, baseline: bytes, encoding: str) -> None:
    data = encode(plan_text(unicode_plan()), encoding)
    run = run_iacguard("scan", "--format", "json", "-", stdin=data, cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    report = json.loads(run.stdout)
    assert [i["path"] for i in report["inputs"]] == ["<stdin>"]
    assert report["resources"]
    assert {r["input"] for r in report["resources"]} == {"<stdin>"}
    # Apart from the input's name, the report is the one the file gives.
    expected = json.loads(baseline)
    expected["inputs"][0]["path"] = "<stdin>"
    for resource in expected["resources"]:
        resource["input"] = "<stdin>"
    assert report == expected


def test_plan_on_standard_input_text_report_names_stdin(tmp_path: Path) -> None:
    run = run_iacguard("scan", "-", stdin=plan_text(small_plan()).encode(), cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    assert "<stdin>" in run.stdout


def test_empty_standard_input_is_one_line_naming_stdin(tmp_path: Path) -> None:
    run = run_iacguard("scan", "-", stdin=b"", cwd=tmp_path)
    assert_one_line_error(run, "<stdin>")


# --------------------------------------------------------------------------------------------
# Folders
# --------------------------------------------------------------------------------------------


def _project(root: Path) -> Path:
    """A repository-like folder: plans at two depths, HCL, manifests, tooling JSON."""
    project = root / "proj"
    write_plan(project / "plan.json", small_plan())
    nested = small_plan()
    nested["resource_changes"] = nested["resource_changes"][:2]
    nested["prior_state"]["values"]["root_module"]["resources"] = []
    (project / "envs" / "prod").mkdir(parents=True)
    (project / "envs" / "prod" / "plan.json").write_bytes(
        encode(plan_text(nested, indent=2), "utf-16-le-bom")
    )
    # Terraform's working folder holds JSON too (and here even a plan): never searched.
    write_plan(project / ".terraform" / "cached-plan.json", small_plan())
    (project / ".terraform" / "modules").mkdir(parents=True)
    (project / ".terraform" / "modules" / "modules.json").write_text(
        '{"Modules":[{"Key":"","Source":"","Dir":"."}]}', encoding="utf-8"
    )
    (project / "main.tf").write_text('module "irsa" {\n  source = "./modules/irsa"\n}\n', "utf-8")
    (project / "k8s").mkdir()
    (project / "k8s" / "serviceaccount.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: vllm\n", encoding="utf-8"
    )
    (project / "k8s" / "values.yml").write_text("replicas: 2\n", encoding="utf-8")
    (project / "package.json").write_text(
        json.dumps({"name": "infra-tools", "version": "1.0.0", "private": True}), encoding="utf-8"
    )
    (project / "README.md").write_text("# infra\n", encoding="utf-8")
    return project


def test_folder_finds_plans_and_lists_what_it_passes_over(tmp_path: Path) -> None:
    _project(tmp_path)
    run = run_iacguard("scan", "--format", "json", "proj", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    report = json.loads(run.stdout)

    found = {i["path"]: i for i in report["inputs"]}
    top, prod = str(Path("proj", "plan.json")), str(Path("proj", "envs", "prod", "plan.json"))
    manifest = str(Path("proj", "k8s", "serviceaccount.yaml"))
    assert set(found) == {top, prod, manifest}
    assert found[manifest]["kind"] == "kubernetes-manifest"
    assert found[top]["resource_changes"] == SMALL_PLAN_CHANGES
    assert found[prod]["resource_changes"] == 2
    assert found[prod]["analysed"] == 2
    assert {r["input"] for r in report["resources"]} == {top, prod, manifest}

    ignored = {i["path"]: i["reason"] for i in report["ignored_files"]}
    expected_ignored = {
        str(Path("proj", "*.tf")),
        str(Path("proj", "k8s", "values.yml")),
        str(Path("proj", "package.json")),
    }
    assert set(ignored) == expected_ignored
    assert all(reason.strip() for reason in ignored.values())
    # HCL files are listed once per Terraform folder, with how many there are
    assert "1 terraform hcl file" in ignored[str(Path("proj", "*.tf"))].lower()
    assert not any(".terraform" in path for path in [*found, *ignored])
    assert not any("README" in path for path in ignored)


def test_folder_text_report_lists_files_not_read(tmp_path: Path) -> None:
    _project(tmp_path)
    run = run_iacguard("scan", "proj", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    for name in ("*.tf", "values.yml", "package.json"):
        assert name in run.stdout, run.describe()
    assert ".terraform" not in run.stdout


def test_folder_with_only_tooling_json_is_an_error_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "tools"
    folder.mkdir()
    (folder / "package.json").write_text('{"name": "tools"}', encoding="utf-8")
    (folder / "tsconfig.json").write_text('{"compilerOptions": {}}', encoding="utf-8")
    run = run_iacguard("scan", "tools", cwd=tmp_path)
    assert_one_line_error(run, "tools")


def test_folder_and_file_together(tmp_path: Path) -> None:
    _project(tmp_path)
    write_plan(tmp_path / "extra.json", small_plan())
    run = run_iacguard("scan", "--format", "json", "proj", "extra.json", cwd=tmp_path)
    assert run.returncode == 0, run.describe()
    paths = [i["path"] for i in json.loads(run.stdout)["inputs"]]
    assert sorted(paths) == sorted(
        [
            str(Path("proj", "plan.json")),
            str(Path("proj", "envs", "prod", "plan.json")),
            str(Path("proj", "k8s", "serviceaccount.yaml")),
            "extra.json",
        ]
    )
    assert paths[-1] == "extra.json"  # inputs keep the order they were named in


def test_folder_through_the_python_api(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = load_inputs([str(project)])
    assert sorted(d.path for d in result.documents) == sorted(
        [
            str(project / "plan.json"),
            str(project / "envs" / "prod" / "plan.json"),
            str(project / "k8s" / "serviceaccount.yaml"),
        ]
    )
    assert {Path(i.path).name for i in result.ignored} == {
        "*.tf",
        "values.yml",
        "package.json",
    }
