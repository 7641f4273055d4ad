"""Access ceilings declared in the configuration (``identities:``) for
``aws-identity-exceeds-max-access``.

The cases file ``cases/aws-identity-exceeds-max-access.yaml`` covers ceilings declared with the
tag ``iacguard:max-access`` (its runner scans with a default :class:`Config`). Here: the
:class:`IdentityLimit` model (address glob, name glob, tags; at least one selector; ``max_access``
one of list, read, write), how a limit selects identities, and a ``.iacguard.yaml`` read through
``iacguard scan --config``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from plan_builder import build_plan
from pydantic import ValidationError

from iacguard.config import Config, IdentityLimit, load_config
from iacguard.engine import Check, discover_checks
from iacguard.errors import ConfigError
from iacguard.findings import Finding
from iacguard.inputs import load_inputs
from iacguard.scan import scan

CHECK_ID = "aws-identity-exceeds-max-access"
RunCli = Callable[..., subprocess.CompletedProcess[str]]

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "bedrock.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _policy(*actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def _role(
    address: str, name: str, actions: tuple[str, ...], tags: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """A role and an inline policy (``aws_iam_role_policy``) granting ``actions``."""
    prefix, _, local = address.rpartition("aws_iam_role.")
    role: dict[str, Any] = {"name": name, "assume_role_policy": TRUST}
    if tags is not None:
        role["tags"] = tags
    return [
        {"address": address, "after": role},
        {
            "address": f"{prefix}aws_iam_role_policy.{local}",
            "after": {"name": "permissions", "role": name, "policy": _policy(*actions)},
        },
    ]


#: Read and List only.
READS = ("s3:GetObject", "s3:ListBucket")
#: Read, List and Write (s3:PutObject, s3:DeleteObject), no Permissions management.
WRITES = ("s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject")
#: Write only.
ONLY_WRITES = ("s3:PutObject", "s3:DeleteObject")
#: Permissions management (iam:PutRolePolicy) besides Write.
IAM_WRITES = ("s3:PutObject", "iam:PutRolePolicy")


def _entries() -> list[dict[str, Any]]:
    return [
        *_role("aws_iam_role.eval_agent", "eval-agent", WRITES, {"team": "ml", "stage": "eval"}),
        *_role("aws_iam_role.eval_reader", "eval-reader", READS, {"team": "ml", "stage": "eval"}),
        *_role("aws_iam_role.etl_writer", "etl-writer", WRITES, {"team": "data"}),
        *_role("aws_iam_role.deployer", "ci-deployer", IAM_WRITES, {"team": "platform"}),
        *_role("aws_iam_role.uploader", "uploader", ONLY_WRITES),
        *_role('module.agents["support"].aws_iam_role.this', "support-agent", WRITES),
    ]


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(build_plan(_entries())), encoding="utf-8")
    return path


@cache
def _check() -> tuple[Check, ...]:
    return tuple(c for c in discover_checks() if c.id == CHECK_ID)


def _scan(plan: Path, *limits: dict[str, Any]) -> dict[str, Finding]:
    """Findings of the check by resource, with ``limits`` as the configuration's identities."""
    config = Config.model_validate(
        {"checks": {"enable": [CHECK_ID]}, "identities": [dict(limit) for limit in limits]}
    )
    result = scan(load_inputs([str(plan)]), config, _check())
    assert result.engine.checks_run == (CHECK_ID,)
    assert not result.engine.errors, result.engine.errors
    findings = {f.resource: f for f in result.findings}
    assert len(findings) == len(result.findings), "one finding per identity"
    return findings


def _ceiling(finding: Finding) -> dict[str, Any]:
    (declared,) = [e for e in finding.evidence if e.get("kind") == "ceiling"]
    return dict(declared)


def _levels(finding: Finding) -> set[str]:
    return {str(e["class"]) for e in finding.evidence if e.get("kind") == "capability"}


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector",
    [
        {"address": "module.eval_agent.aws_iam_role.this"},
        {"address": "aws_iam_role.eval_*"},
        {"name": "eval-*"},
        {"tags": {"stage": "eval"}},
        {"address": "aws_iam_role.*", "name": "eval-*", "tags": {"team": "ml"}},
    ],
)
@pytest.mark.parametrize("ceiling", ["list", "read", "write"])
def test_a_limit_with_a_selector_and_a_ceiling_is_valid(
    selector: dict[str, Any], ceiling: str
) -> None:
    limit = IdentityLimit.model_validate({**selector, "max_access": ceiling})
    assert limit.max_access == ceiling
    assert Config.model_validate({"identities": [{**selector, "max_access": ceiling}]}).identities
    assert limit.reason is None


@pytest.mark.parametrize(
    "limit",
    [
        {"max_access": "read"},
        {"max_access": "read", "reason": "agent under evaluation"},
        {"max_access": "read", "tags": {}},
        {"max_access": "read", "address": None, "name": None},
    ],
    ids=["nothing", "only-a-reason", "empty-tags", "explicit-nulls"],
)
def test_a_limit_without_a_selector_is_invalid(limit: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        IdentityLimit.model_validate(limit)
    assert "at least one of address, name or tags" in str(caught.value)


@pytest.mark.parametrize(
    "limit",
    [
        {"address": "", "max_access": "read"},
        {"name": "   ", "max_access": "read"},
    ],
    ids=["empty-address", "blank-name"],
)
def test_an_empty_glob_is_invalid(limit: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        IdentityLimit.model_validate(limit)


@pytest.mark.parametrize(
    "ceiling", ["admin", "none", "Read", "read-only", "permissions-management", "", None, 1]
)
def test_max_access_is_list_read_or_write(ceiling: object) -> None:
    with pytest.raises(ValidationError) as caught:
        IdentityLimit.model_validate({"name": "eval-*", "max_access": ceiling})
    assert [e["loc"] for e in caught.value.errors()] == [("max_access",)]


def test_max_access_is_required() -> None:
    with pytest.raises(ValidationError) as caught:
        IdentityLimit.model_validate({"name": "eval-*"})
    assert ("max_access",) in [e["loc"] for e in caught.value.errors()]


def test_unknown_keys_of_a_limit_are_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        IdentityLimit.model_validate({"name": "eval-*", "max_access": "read", "role": "x"})
    assert [e["type"] for e in caught.value.errors()] == ["extra_forbidden"]


def test_no_identities_by_default() -> None:
    assert Config().identities == []


# --------------------------------------------------------------------------------------------
# Configuration files
# --------------------------------------------------------------------------------------------


def test_identities_are_read_from_a_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / ".iacguard.yaml"
    path.write_text(
        "identities:\n"
        "  - address: 'module.eval_agent.*'\n"
        "    max_access: read\n"
        "    reason: agent under evaluation\n"
        "  - name: 'etl-*'\n"
        "    tags: {team: data}\n"
        "    max_access: write\n",
        encoding="utf-8",
    )
    first, second = load_config(path).identities
    assert (first.address, first.name, first.tags) == ("module.eval_agent.*", None, {})
    assert (first.max_access, first.reason) == ("read", "agent under evaluation")
    assert (second.address, second.name, second.tags) == (None, "etl-*", {"team": "data"})
    assert (second.max_access, second.reason) == ("write", None)


@pytest.mark.parametrize(
    ("text", "setting", "problem"),
    [
        (
            "identities:\n  - max_access: read\n",
            "identities.0",
            "at least one of address, name or tags",
        ),
        (
            "identities:\n  - name: a\n    max_access: read\n"
            "  - reason: why\n    max_access: list\n",
            "identities.1",
            "at least one of address, name or tags",
        ),
        ("identities:\n  - name: a\n    max_access: admin\n", "identities.0.max_access", ""),
        ("identities:\n  - name: a\n", "identities.0.max_access", ""),
        (
            "identities:\n  - name: a\n    max_access: read\n    roles: [x]\n",
            "identities.0.roles",
            "",
        ),
    ],
    ids=["no-selector", "second-without-selector", "bad-ceiling", "no-ceiling", "unknown-key"],
)
def test_an_invalid_limit_names_the_file_and_the_setting(
    tmp_path: Path, text: str, setting: str, problem: str
) -> None:
    path = tmp_path / ".iacguard.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {setting}: "), message
    assert problem in message


def test_the_cli_rejects_a_limit_without_a_selector(
    run_cli: RunCli, plan: Path, tmp_path: Path
) -> None:
    config = tmp_path / ".iacguard.yaml"
    config.write_text("identities:\n  - max_access: read\n", encoding="utf-8")
    result = run_cli("scan", plan, "--config", config, "--format", "json")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "identities.0" in result.stderr
    assert "at least one of address, name or tags" in result.stderr


# --------------------------------------------------------------------------------------------
# Through the CLI
# --------------------------------------------------------------------------------------------


def _cli_findings(run_cli: RunCli, plan: Path, config: Path) -> dict[str, dict[str, Any]]:
    result = run_cli(
        "scan", plan, "--config", config, "--format", "json", "--fail-on", "none", cwd=plan.parent
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    return {f["resource"]: f for f in report["findings"] if f["check_id"] == CHECK_ID}


def _ceiling_json(finding: dict[str, Any]) -> dict[str, Any]:
    (declared,) = [e for e in finding["evidence"] if e["kind"] == "ceiling"]
    return dict(declared)


def test_cli_reports_an_identity_above_its_configured_ceiling(
    run_cli: RunCli, plan: Path, tmp_path: Path
) -> None:
    config = tmp_path / ".iacguard.yaml"
    config.write_text(
        "identities:\n"
        "  - address: 'aws_iam_role.eval_*'\n"
        "    max_access: read\n"
        "    reason: agent under evaluation\n",
        encoding="utf-8",
    )
    findings = _cli_findings(run_cli, plan, config)
    assert set(findings) == {"aws_iam_role.eval_agent"}  # eval_reader holds Read and List only
    finding = findings["aws_iam_role.eval_agent"]
    assert finding["severity"] == "high" and finding["confidence"] == "high"
    assert "max_access read" in finding["message"]
    ceiling = finding["evidence"][0]
    assert ceiling["kind"] == "ceiling" and ceiling["max_access"] == "read"
    assert "agent under evaluation" in ceiling["declared"]
    assert ceiling["declared"].startswith("configuration identities")
    above = {e["class"]: e for e in finding["evidence"] if e["kind"] == "capability"}
    assert set(above) == {"Write"}
    assert above["Write"]["actions"] == ["s3:DeleteObject", "s3:PutObject"]
    assert above["Write"]["policies"] == ["aws_iam_role_policy.eval_agent"]


def test_cli_write_ceiling_admits_write_but_not_permissions_management(
    run_cli: RunCli, plan: Path, tmp_path: Path
) -> None:
    config = tmp_path / "limits.yaml"
    config.write_text(
        "identities:\n"
        "  - name: etl-writer\n"
        "    max_access: write\n"
        "    reason: batch loader\n"
        "  - address: aws_iam_role.uploader\n"
        "    max_access: write\n"
        "  - name: ci-deployer\n"
        "    max_access: write\n"
        "    reason: deploys objects, never IAM\n",
        encoding="utf-8",
    )
    findings = _cli_findings(run_cli, plan, config)
    # uploader holds Write only (s3:PutObject, s3:DeleteObject); etl-writer holds Write, Read
    # and List: both within write
    assert "aws_iam_role.uploader" not in findings
    assert "aws_iam_role.etl_writer" not in findings
    # ci-deployer holds iam:PutRolePolicy: Permissions management is above write
    assert set(findings) == {"aws_iam_role.deployer"}
    finding = findings["aws_iam_role.deployer"]
    assert "deploys objects, never IAM" in _ceiling_json(finding)["declared"]
    above = {e["class"]: e for e in finding["evidence"] if e["kind"] == "capability"}
    assert set(above) == {"Permissions management"}
    assert above["Permissions management"]["actions"] == ["iam:PutRolePolicy"]


def test_cli_without_identities_reports_nothing_for_this_check(
    run_cli: RunCli, plan: Path, tmp_path: Path
) -> None:
    config = tmp_path / ".iacguard.yaml"
    config.write_text("fail_on: none\n", encoding="utf-8")
    assert _cli_findings(run_cli, plan, config) == {}


def test_cli_finds_the_default_configuration_file(run_cli: RunCli, plan: Path) -> None:
    (plan.parent / ".iacguard.yaml").write_text(
        "identities:\n  - name: support-*\n    max_access: list\n    reason: triage bot\n",
        encoding="utf-8",
    )
    result = run_cli("scan", plan, "--format", "json", "--fail-on", "none", cwd=plan.parent)
    assert result.returncode == 0, result.stderr
    findings = [f for f in json.loads(result.stdout)["findings"] if f["check_id"] == CHECK_ID]
    assert [f["resource"] for f in findings] == ['module.agents["support"].aws_iam_role.this']
    assert "triage bot" in _ceiling_json(findings[0])["declared"]


# --------------------------------------------------------------------------------------------
# Which identities a limit selects
# --------------------------------------------------------------------------------------------


EVAL = "aws_iam_role.eval_agent"
SUPPORT = 'module.agents["support"].aws_iam_role.this'


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        pytest.param({"address": EVAL}, {EVAL}, id="address-exact"),
        pytest.param({"address": "aws_iam_role.eval_*"}, {EVAL}, id="address-glob"),
        pytest.param(
            {"address": "aws_iam_role.*"},
            {EVAL, "aws_iam_role.etl_writer", "aws_iam_role.deployer", "aws_iam_role.uploader"},
            id="address-glob-root-module",
        ),
        pytest.param({"address": "module.agents*"}, {SUPPORT}, id="address-glob-module"),
        # brackets are literal, as in waivers and classification: an address copied from
        # `terraform plan` output, instance key included, selects that instance
        pytest.param({"address": SUPPORT}, {SUPPORT}, id="address-exact-instance-key"),
        pytest.param(
            {"address": 'module.agents["support"].*'}, {SUPPORT}, id="address-glob-instance-key"
        ),
        pytest.param({"address": "module.agents[*].*"}, {SUPPORT}, id="address-glob-any-key"),
        pytest.param({"address": 'module.agents["other"].*'}, set(), id="address-other-key"),
        pytest.param({"name": "eval-*"}, {EVAL}, id="name-glob"),
        pytest.param({"name": "*-agent"}, {EVAL, SUPPORT}, id="name-glob-suffix"),
        pytest.param({"tags": {"team": "ml"}}, {EVAL}, id="tag"),
        pytest.param({"tags": {"team": "data"}}, {"aws_iam_role.etl_writer"}, id="tag-other"),
        # every selector given must match
        pytest.param({"name": "eval-*", "tags": {"team": "ml"}}, {EVAL}, id="name-and-tag"),
        pytest.param({"name": "eval-*", "tags": {"team": "data"}}, set(), id="name-not-tag"),
        pytest.param(
            {"address": "aws_iam_role.etl_*", "name": "eval-*"}, set(), id="address-not-name"
        ),
        pytest.param({"tags": {"team": "ml", "stage": "prod"}}, set(), id="one-tag-of-two"),
        # globs match whole values, case-sensitively
        pytest.param({"name": "eval"}, set(), id="name-prefix-is-not-a-match"),
        pytest.param({"name": "EVAL-*"}, set(), id="name-case"),
        pytest.param({"tags": {"team": "ML"}}, set(), id="tag-value-case"),
        pytest.param({"address": "eval_agent"}, set(), id="address-suffix-is-not-a-match"),
    ],
)
def test_a_limit_selects_by_address_name_and_tags(
    plan: Path, limit: dict[str, Any], expected: set[str]
) -> None:
    findings = _scan(plan, {**limit, "max_access": "read"})
    assert set(findings) == expected
    for finding in findings.values():
        assert _ceiling(finding) == {
            "kind": "ceiling",
            "max_access": "read",
            "declared": "configuration identities: max_access read",
        }


@pytest.mark.parametrize(
    ("ceiling", "expected"),
    [
        ("list", {"Read", "Write"}),
        ("read", {"Write"}),
        ("write", set()),
    ],
)
def test_levels_above_each_ceiling(plan: Path, ceiling: str, expected: set[str]) -> None:
    findings = _scan(plan, {"address": "aws_iam_role.etl_writer", "max_access": ceiling})
    if not expected:
        assert findings == {}
        return
    assert _levels(findings["aws_iam_role.etl_writer"]) == expected
    assert f"max_access {ceiling}" in findings["aws_iam_role.etl_writer"].message


def test_the_first_matching_limit_declares_the_ceiling(plan: Path) -> None:
    findings = _scan(
        plan,
        {"name": "eval-agent", "max_access": "list", "reason": "specific"},
        {"tags": {"team": "ml"}, "max_access": "write", "reason": "team-wide"},
    )
    assert set(findings) == {"aws_iam_role.eval_agent"}
    assert _ceiling(findings["aws_iam_role.eval_agent"])["declared"] == (
        "configuration identities: max_access list (specific)"
    )


def test_a_tag_cannot_raise_the_configured_ceiling(tmp_path: Path) -> None:
    """The configuration is where a ceiling is raised, with a reason (the check's remediation
    says so); the tag sits on the identity, in the very code under review. When both declare a
    ceiling, the stricter one must hold: tagging a role ``iacguard:max-access=write`` must not
    silence the configuration's ``read``."""
    path = tmp_path / "plan.json"
    entries = _role(
        "aws_iam_role.eval_agent",
        "eval-agent",
        WRITES,
        {"team": "ml", "iacguard:max-access": "write"},
    )
    path.write_text(json.dumps(build_plan(entries)), encoding="utf-8")
    findings = _scan(
        path, {"name": "eval-*", "max_access": "read", "reason": "agent under evaluation"}
    )
    assert set(findings) == {"aws_iam_role.eval_agent"}
    assert _ceiling(findings["aws_iam_role.eval_agent"])["max_access"] == "read"
