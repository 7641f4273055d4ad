"""Every real plan of the shared corpus loads, and iacguard reads the shapes it holds correctly.

The corpus lives beside the project (``../shared/corpus``); a clone without it skips this module.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from helpers_inputs import (
    CORPUS_PLANS,
    Run,
    assert_no_traceback,
    corpus_plan_path,
    prior_state_data_sources,
    read_corpus_plan,
    resource_by_address,
    run_iacguard,
    unknown_at,
    validate_report,
)

from iacguard.inputs import load_inputs
from iacguard.model import Action, Resource, Unknown

if not CORPUS_PLANS.is_dir():
    pytest.skip("../shared/corpus/plans is not present", allow_module_level=True)

pytestmark = pytest.mark.corpus

PLANS = sorted(p.name for p in CORPUS_PLANS.iterdir() if p.is_file())

CYSE = "cyse7125__eks_irsa_podidentity_helm_v1.2.json"
UTF16_PLANS = [
    "anupriya35__eks_cluster_modules.json",
    "merakiki__eks_rds_ecr_v1.2.json",
    "checkov__win_utf16_encoded.json",
]


@cache
def scan_json(name: str) -> Run:
    """``iacguard scan --format json`` of one corpus plan (run once per module)."""
    # --fail-on none: third-party plans have findings; these tests are about loading them
    return run_iacguard(
        "scan", "--fail-on", "none", "--format", "json", str(CORPUS_PLANS / name), cwd=CORPUS_PLANS
    )


@cache
def report_of(name: str) -> Any:
    run = scan_json(name)
    assert run.returncode == 0, run.describe()
    return run.json()


@cache
def loaded(name: str) -> dict[str, list[Resource]]:
    """Address → resources (deposed objects share an address) through the Python API."""
    (document,) = load_inputs([str(corpus_plan_path(name))]).documents
    found: dict[str, list[Resource]] = {}
    for resource in document.resources:
        found.setdefault(resource.address, []).append(resource)
    return found


def only(name: str, address: str) -> Resource:
    (resource,) = loaded(name)[address]
    return resource


def expected_action(actions: list[str]) -> str:
    """Terraform's action list → the one word reports use (an independent statement of it)."""
    if not actions:
        return "no-op"
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    assert len(actions) == 1, actions
    return actions[0]


# --------------------------------------------------------------------------------------------
# Every plan
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLANS)
def test_scan_exits_0_and_the_report_validates(name: str) -> None:
    run = scan_json(name)
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    report = run.json()
    validate_report(report)
    assert len(report["inputs"]) == 1


@pytest.mark.parametrize("name", PLANS)
def test_every_resource_change_is_accounted_for(name: str) -> None:
    report = report_of(name)
    raw = read_corpus_plan(name)
    changes = raw.get("resource_changes") or []
    (entry,) = report["inputs"]

    assert entry["format_version"] == raw["format_version"]
    assert entry["terraform_version"] == raw.get("terraform_version")
    assert entry["resource_changes"] == len(changes)
    assert entry["analysed"] + len(entry["skipped"]) == entry["resource_changes"]
    assert all(s["reason"].strip() for s in entry["skipped"])

    read_during_plan = prior_state_data_sources(raw)
    assert entry["data_sources_read_during_plan"] == len(read_during_plan)
    assert len(report["resources"]) == entry["analysed"] + entry["data_sources_read_during_plan"]
    assert report["summary"]["resources"] == len(report["resources"])
    assert sum(report["summary"]["by_action"].values()) == len(report["resources"])

    # The same addresses, with the same action and mode, as the plan itself says.
    skipped = {s["address"] for s in entry["skipped"]}
    expected = Counter(
        (c["address"], expected_action(c["change"]["actions"]), c.get("mode", "managed"))
        for c in changes
        if c["address"] not in skipped
    )
    expected.update((address, "read", "data") for address in read_during_plan)
    actual = Counter((r["address"], r["action"], r["mode"]) for r in report["resources"])
    assert actual == expected
    assert {r["input"] for r in report["resources"]} <= {entry["path"]}


# --------------------------------------------------------------------------------------------
# Unknown values and where they come from (cyse7125: EKS + IRSA through modules)
# --------------------------------------------------------------------------------------------


def test_unknown_trust_policy_names_the_policy_document() -> None:
    role = resource_by_address(report_of(CYSE), "module.iam.aws_iam_role.oidc_iam_role")
    trust = unknown_at(role, "assume_role_policy")
    assert "module.iam.data.aws_iam_policy_document.oidc_assume_role_policy" in trust["sources"]

    value = only(CYSE, "module.iam.aws_iam_role.oidc_iam_role").get("assume_role_policy")
    assert isinstance(value, Unknown)
    assert "module.iam.data.aws_iam_policy_document.oidc_assume_role_policy" in value.sources


def test_unknown_principal_of_the_trust_document_comes_from_the_oidc_provider() -> None:
    address = "module.iam.data.aws_iam_policy_document.oidc_assume_role_policy"
    document = resource_by_address(report_of(CYSE), address)
    assert document["mode"] == "data"
    assert document["action"] == "read"
    principal = unknown_at(document, "statement[0].principals[0].identifiers[0]")
    assert "module.iam.aws_iam_openid_connect_provider.oidc_provider" in principal["sources"]

    value = only(CYSE, address).get("statement", 0, "principals", 0, "identifiers", 0)
    assert isinstance(value, Unknown)
    assert "module.iam.aws_iam_openid_connect_provider.oidc_provider" in value.sources
    # The known parts stay known.
    assert only(CYSE, address).get("statement", 0, "actions") == ["sts:AssumeRoleWithWebIdentity"]


def test_addon_role_arn_is_followed_through_a_module_variable() -> None:
    addon = resource_by_address(report_of(CYSE), "module.eks.aws_eks_addon.ebs_csi")
    arn = unknown_at(addon, "service_account_role_arn")
    assert "module.iam.aws_iam_role.ebs_csi_role" in arn["sources"]
    # It is set from a variable of module.eks, which the root fills from module.iam.
    assert any(r.startswith("module.eks.var.") for r in arn["references"]), arn

    value = only(CYSE, "module.eks.aws_eks_addon.ebs_csi").get("service_account_role_arn")
    assert isinstance(value, Unknown)
    assert "module.iam.aws_iam_role.ebs_csi_role" in value.sources
    assert only(CYSE, "module.eks.aws_eks_addon.ebs_csi").get("addon_name") == "aws-ebs-csi-driver"


def test_data_sources_read_during_plan_appear_as_data_reads() -> None:
    address = "module.iam.data.aws_iam_policy_document.assume_role"
    raw = read_corpus_plan(CYSE)
    assert address not in {c["address"] for c in raw["resource_changes"]}
    assert address in prior_state_data_sources(raw)

    entry = resource_by_address(report_of(CYSE), address)
    assert (entry["mode"], entry["action"], entry["type"]) == (
        "data",
        "read",
        "aws_iam_policy_document",
    )

    resource = only(CYSE, address)
    assert resource.read_during_plan
    assert resource.is_data
    assert resource.action is Action.READ
    assert resource.module_address == "module.iam"
    assert resource.source.pointer is not None
    assert resource.source.pointer.startswith("/prior_state/")


# --------------------------------------------------------------------------------------------
# Actions, moves and plans without configuration
# --------------------------------------------------------------------------------------------


def test_moved_block_keeps_the_previous_address() -> None:
    name = "tfjson__moved_block_v1.2.json"
    (entry,) = report_of(name)["resources"]
    assert entry["address"] == "random_id.test2"
    assert entry["previous_address"] == "random_id.test"
    assert entry["action"] == "no-op"
    assert only(name, "random_id.test2").previous_address == "random_id.test"


@pytest.mark.parametrize(
    ("name", "address", "actions", "reason"),
    [
        (
            "tfjson__action_reason_v1.2.json",
            "null_resource.example",
            ("delete", "create"),
            "replace_because_tainted",
        ),
        (
            "checkov__deleted_resources.json",
            "aws_secretsmanager_secret.default",
            ("create", "delete"),
            None,
        ),
    ],
)
def test_delete_create_pairs_are_replace(
    name: str, address: str, actions: tuple[str, ...], reason: str | None
) -> None:
    assert resource_by_address(report_of(name), address)["action"] == "replace"
    resource = only(name, address)
    assert resource.action is Action.REPLACE
    assert resource.actions == actions  # Terraform's order is kept
    assert resource.action_reason == reason


@pytest.mark.parametrize("name", UTF16_PLANS)
def test_utf16_plans_load(name: str) -> None:
    data = corpus_plan_path(name).read_bytes()
    assert data[:2] == b"\xff\xfe", "the corpus file is no longer UTF-16: this test needs one"
    report = report_of(name)
    (entry,) = report["inputs"]
    assert entry["resource_changes"] == len(read_corpus_plan(name)["resource_changes"]) > 0
    assert entry["analysed"] == entry["resource_changes"]
    assert len(report["resources"]) >= entry["resource_changes"]


def test_plan_without_configuration_or_planned_values() -> None:
    name = "tfplan2md__azurerm_role_assignments.json"
    raw = read_corpus_plan(name)
    assert "configuration" not in raw and "planned_values" not in raw
    report = report_of(name)
    assert {"create", "update", "replace", "delete"} <= set(report["summary"]["by_action"])
    actions = {r["address"]: r["action"] for r in report["resources"]}
    assert actions["azurerm_role_assignment.update_assignment"] == "update"
    assert actions["azurerm_role_assignment.replace_assignment"] == "replace"
    assert actions["azurerm_role_assignment.delete_assignment"] == "delete"
    assert actions["azurerm_role_assignment.create_no_description"] == "create"
    assert {r["provider"] for r in report["resources"]} == {"azurerm"}
    deleted = only(name, "azurerm_role_assignment.delete_assignment")
    assert deleted.after is None
    assert isinstance(deleted.values, dict) and deleted.values  # the before side


def test_corpus_folder_scans_as_one_folder() -> None:
    """The whole corpus as a folder: every plan is found, none is passed over."""
    run = run_iacguard(
        "scan",
        "--fail-on",
        "none",
        "--format",
        "json",
        str(CORPUS_PLANS),
        cwd=Path(CORPUS_PLANS).parent,
    )
    assert_no_traceback(run)
    assert run.returncode == 0, run.describe()
    report = run.json()
    assert sorted(Path(i["path"]).name for i in report["inputs"]) == PLANS
    # only the remote chart of a helm_release is not read (iacguard does not download)
    assert [
        (Path(i["path"].split(": ")[0]).name, i["path"].split(": ")[1])
        for i in report["ignored_files"]
    ] == [("cyse7125__eks_irsa_podidentity_helm_v1.2.json", "module.db.helm_release.postgresql")]
    assert "charts.bitnami.com/bitnami/postgresql" in report["ignored_files"][0]["reason"]
    validate_report(report)
