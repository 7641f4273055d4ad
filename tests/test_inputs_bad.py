"""Bad input through the installed CLI: exit 2, one line on stderr naming the file, no traceback.

Every case runs ``iacguard scan`` in the folder holding the input, so the name on the command
line (and in the message) is the bare file name.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers_inputs import (
    CORPUS_PLANS,
    assert_no_traceback,
    assert_one_line_error,
    decode_plan_bytes,
    plan_text,
    run_iacguard,
    small_plan,
    write_plan,
)


def _json_error_position(text: str) -> str:
    """``line:column`` where a JSON parser stops on ``text`` (1-based, as users count)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.lineno}:{exc.colno}"
    raise AssertionError("the text is valid JSON")


@dataclass(frozen=True)
class BadInput:
    """A bad input file: its name, how to write it, and the position the message must give."""

    name: str
    write: Callable[[Path], None]
    position: str | None = None
    #: Words the message must also contain, besides the file name (lower-cased comparison).
    says: tuple[str, ...] = ()


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


_PRETTY_PLAN = plan_text(small_plan(), indent=2)
_HALF_PLAN = _PRETTY_PLAN[: len(_PRETTY_PLAN) // 2]

_K8S_MANIFEST = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: vllm
  namespace: ml
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/vllm
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: vllm
  namespace: ml
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
  - kind: ServiceAccount
    name: vllm
    namespace: ml
"""

_PLAIN_YAML = """\
region: us-east-1
buckets:
  - acme-training-data
  - acme-models
replicas: 3
"""

# A tab cannot start a YAML token: the parser stops at line 2, column 1.
_TAB_YAML = "model:\n\tname: llama\n"


def _random_binary(seed: int, size: int = 512) -> bytes:
    rng = random.Random(seed)
    data = bytearray(rng.randbytes(size))
    for index in range(0, size, 7):
        data[index] = 0
    return bytes(data)


def _deep_yaml_mapping(depth: int) -> str:
    return "".join("  " * level + "a:\n" for level in range(depth)) + "  " * depth + "b: 1\n"


BAD_INPUTS = [
    BadInput("truncated.json", _text(_HALF_PLAN), _json_error_position(_HALF_PLAN)),
    BadInput("values.yaml", _text(_PLAIN_YAML)),
    BadInput("broken.yaml", _text(_TAB_YAML), "2:1", says=("yaml",)),
    BadInput("empty.json", _bytes(b""), says=("empty",)),
    BadInput("blank.json", _text("   \n\t\n  \r\n"), says=("empty",)),
    BadInput("random.json", _bytes(_random_binary(7))),
    BadInput("random.bin", _bytes(_random_binary(11))),
    BadInput("gzip.json", _bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + _random_binary(3))),
    BadInput("elf", _bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(64) + _random_binary(5))),
    BadInput("nul-in-text.json", _bytes(b'{"format_version": "1.2",\x00 "resource_changes": []}')),
    BadInput("array.json", _text('[{"format_version": "1.2", "resource_changes": []}]')),
    # The message describes the document in JSON's words, not Python's (str, int, NoneType).
    BadInput("quoted.json", _text('"terraform show -json tfplan"'), says=("string",)),
    BadInput("answer.json", _text("42\n"), says=("number",)),
    BadInput("nothing.json", _text("null"), says=("null",)),
    BadInput(
        "terraform.tfstate.json",
        _text(
            json.dumps(
                {
                    "version": 4,
                    "terraform_version": "1.5.0",
                    "serial": 3,
                    "lineage": "3f0e2d4c-9a51-4c1e-8a77-0d4f0e7c1b2a",
                    "outputs": {},
                    "resources": [],
                }
            )
        ),
        says=("state",),
    ),
    BadInput(
        "show-state.json",
        _text(
            json.dumps(
                {
                    "format_version": "1.0",
                    "terraform_version": "1.5.0",
                    "values": {
                        "outputs": {},
                        "root_module": {
                            "resources": [
                                {
                                    "address": "aws_iam_role.r",
                                    "mode": "managed",
                                    "type": "aws_iam_role",
                                    "name": "r",
                                    "provider_name": "registry.terraform.io/hashicorp/aws",
                                    "schema_version": 0,
                                    "values": {"name": "r"},
                                    "sensitive_values": {},
                                }
                            ]
                        },
                    },
                }
            )
        ),
        says=("state",),
    ),
    BadInput(
        "format-2.json",
        _text(plan_text(small_plan(format_version="2.0"))),
        says=("2.0",),
    ),
    BadInput("main.tf", _text('resource "aws_iam_role" "r" {\n  name = "r"\n}\n')),
    BadInput("deep-mapping.yaml", _text(_deep_yaml_mapping(3000))),
    BadInput("deep-sequence.yaml", _text("- " * 5000 + "1\n")),
]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.name for b in BAD_INPUTS])
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, bad: BadInput) -> None:
    bad.write(tmp_path / bad.name)
    run = run_iacguard("scan", bad.name, cwd=tmp_path)
    line = assert_one_line_error(run, bad.name, position=bad.position)
    detail = line.replace(bad.name, "").lower()  # the words must not come from the file name
    for word in bad.says:
        assert word in detail, run.describe()


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_bad_input_fails_the_same_way_in_every_format(tmp_path: Path, output_format: str) -> None:
    (tmp_path / "truncated.json").write_text(_HALF_PLAN, encoding="utf-8")
    run = run_iacguard("scan", "--format", output_format, "truncated.json", cwd=tmp_path)
    assert_one_line_error(run, "truncated.json", position=_json_error_position(_HALF_PLAN))


@pytest.mark.parametrize(
    "name",
    ["cyse7125__eks_irsa_podidentity_helm_v1.2.json", "anupriya35__eks_cluster_modules.json"],
)
def test_real_plan_cut_in_half_gives_line_and_column(tmp_path: Path, name: str) -> None:
    source = CORPUS_PLANS / name
    if not source.is_file():
        pytest.skip(f"corpus plan {name} is not present")
    data = source.read_bytes()
    cut = len(data) // 2
    cut -= cut % 2  # keep UTF-16 code units whole
    while True:  # do not split a UTF-8 sequence: that is a different error
        try:
            text = decode_plan_bytes(data[:cut])
            break
        except UnicodeDecodeError:
            cut -= 2
    (tmp_path / "half.json").write_bytes(data[:cut])
    run = run_iacguard("scan", "half.json", cwd=tmp_path)
    line = assert_one_line_error(run, "half.json", position=_json_error_position(text))
    assert "json" in line.lower()


def test_one_bad_input_among_good_ones_names_only_the_bad_one(tmp_path: Path) -> None:
    write_plan(tmp_path / "good.json", small_plan())
    (tmp_path / "bad.json").write_text(_HALF_PLAN, encoding="utf-8")
    run = run_iacguard("scan", "good.json", "bad.json", cwd=tmp_path)
    line = assert_one_line_error(run, "bad.json", position=_json_error_position(_HALF_PLAN))
    assert "good.json" not in line


def test_missing_file(tmp_path: Path) -> None:
    run = run_iacguard("scan", "no-such-plan.json", cwd=tmp_path)
    assert_one_line_error(run, "no-such-plan.json")


def test_unreadable_file(tmp_path: Path) -> None:
    path = write_plan(tmp_path / "secret-plan.json", small_plan())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read a mode-000 file (root)")
        run = run_iacguard("scan", "secret-plan.json", cwd=tmp_path)
        assert_one_line_error(run, "secret-plan.json")
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize("contents", ["empty", "readme-only"])
def test_folder_holding_no_inputs(tmp_path: Path, contents: str) -> None:
    folder = tmp_path / "infra"
    folder.mkdir()
    if contents == "readme-only":
        (folder / "README.md").write_text("# infra\n", encoding="utf-8")
        (folder / "notes.txt").write_text("nothing to scan\n", encoding="utf-8")
    run = run_iacguard("scan", "infra", cwd=tmp_path)
    assert_one_line_error(run, "infra")


def test_unknown_output_suffix_is_a_usage_error(tmp_path: Path) -> None:
    write_plan(tmp_path / "plan.json", small_plan())
    run = run_iacguard("scan", "plan.json", "--output", "report.pdf", cwd=tmp_path)
    line = assert_one_line_error(run, "report.pdf")
    assert "suffix" in line.replace("report.pdf", "")
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--fail-on", "bogus"), ("--format", "yaml")], ids=["fail-on", "format"]
)
def test_bad_option_value_is_a_one_line_usage_error(
    tmp_path: Path, option: str, value: str
) -> None:
    write_plan(tmp_path / "plan.json", small_plan())
    run = run_iacguard("scan", option, value, "plan.json", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode == 2, run.describe()
    assert option in run.stderr and value in run.stderr, run.describe()
    assert len(run.stderr.splitlines()) == 1, run.describe()


# --------------------------------------------------------------------------------------------
# Deeply nested values inside an otherwise valid plan
# --------------------------------------------------------------------------------------------


def _nested(depth: int) -> object:
    value: object = {"password": "hunter2-deep"}
    for _ in range(depth):
        value = {"a": value}
    return value


def _deep_prior_state(depth: int) -> dict[str, object]:
    document = small_plan()
    document["prior_state"]["values"]["root_module"]["resources"].append(  # type: ignore[index]
        {
            "address": "data.external.deep",
            "mode": "data",
            "type": "external",
            "name": "deep",
            "provider_name": "registry.terraform.io/hashicorp/external",
            "schema_version": 0,
            "values": {"result": _nested(depth)},
            "sensitive_values": {},
        }
    )
    return document


def _deep_variable(depth: int) -> dict[str, object]:
    document = small_plan()
    document["variables"]["settings"] = {"value": _nested(depth)}  # type: ignore[index]
    return document


@pytest.mark.parametrize("where", ["prior-state-data-source", "root-variable"])
def test_deeply_nested_values_are_not_an_internal_error(tmp_path: Path, where: str) -> None:
    document = _deep_prior_state(700) if where.startswith("prior") else _deep_variable(700)
    (tmp_path / "deep.json").write_text(json.dumps(document), encoding="utf-8")
    run = run_iacguard("scan", "--format", "json", "deep.json", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.returncode in (0, 2), run.describe()
    if run.returncode == 2:
        assert_one_line_error(run, "deep.json")
    assert "hunter2-deep" not in run.stdout + run.stderr


# --------------------------------------------------------------------------------------------
# Binary plan files
# --------------------------------------------------------------------------------------------


def _bogus_binary_plan(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tfplan", b"\x0a\x05bogus not a protobuf plan")
        archive.writestr("tfconfig/m-/main.tf", 'resource "null_resource" "x" {}\n')
        archive.writestr("tfstate", b"{}")
    path.write_bytes(buffer.getvalue())


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on PATH")
def test_bogus_binary_plan_with_terraform(tmp_path: Path) -> None:
    _bogus_binary_plan(tmp_path / "plan.tfplan")
    run = run_iacguard("scan", "plan.tfplan", cwd=tmp_path, env={"TF_LOG": None})
    line = assert_one_line_error(run, "plan.tfplan")
    assert "terraform" in line.lower()


def test_binary_plan_without_terraform_says_how_to_make_json(tmp_path: Path) -> None:
    _bogus_binary_plan(tmp_path / "plan.tfplan")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    run = run_iacguard("scan", "plan.tfplan", cwd=tmp_path, env={"PATH": str(empty_bin)})
    line = assert_one_line_error(run, "plan.tfplan")
    assert "terraform show -json" in line


def test_binary_plan_on_stdin_without_terraform(tmp_path: Path) -> None:
    _bogus_binary_plan(tmp_path / "plan.tfplan")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    run = run_iacguard(
        "scan",
        "-",
        stdin=(tmp_path / "plan.tfplan").read_bytes(),
        cwd=tmp_path,
        env={"PATH": str(empty_bin)},
    )
    line = assert_one_line_error(run, "<stdin>")
    assert "terraform show -json" in line


# --------------------------------------------------------------------------------------------
# A newer minor format version loads, with a warning
# --------------------------------------------------------------------------------------------


def test_newer_minor_format_version_loads_with_a_warning(tmp_path: Path) -> None:
    write_plan(tmp_path / "newer.json", small_plan(format_version="1.3"))

    text = run_iacguard("scan", "newer.json", cwd=tmp_path)
    assert_no_traceback(text)
    assert text.returncode == 0, text.describe()
    warning_lines = [
        line for line in text.stdout.splitlines() + text.stderr.splitlines() if "warning" in line
    ]
    assert any("1.3" in line and "newer.json" in line for line in warning_lines), text.describe()

    as_json = run_iacguard("scan", "--format", "json", "newer.json", cwd=tmp_path)
    assert_no_traceback(as_json)
    report = as_json.json()
    (entry,) = report["inputs"]
    assert entry["format_version"] == "1.3"
    assert len(entry["warnings"]) == 1
    assert "1.3" in entry["warnings"][0]
    assert entry["resource_changes"] == entry["analysed"] == 7
