"""``iacguard diff``: what a change grants or removes, from the plan's prior state or from two
sets of inputs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "plan_builder", HERE.parent / "checks" / "plan_builder.py"
)
assert _spec is not None and _spec.loader is not None
plan_builder = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("plan_builder", plan_builder)
_spec.loader.exec_module(plan_builder)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
            }
        ],
    }
)
ARN = "arn:aws:iam::111122223333:role/trainer"
EMPTY_PATHS = {
    "opened": [],
    "closed": [],
    "changed": [],
    "opened_count": 0,
    "closed_count": 0,
    "changed_count": 0,
}


def policy(action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": action,
                    "Resource": "arn:aws:s3:::acme-training-data/*",
                }
            ],
        }
    )


ROLE = {
    "address": "aws_iam_role.trainer",
    "actions": ["no-op"],
    "after": {"name": "trainer", "arn": ARN, "assume_role_policy": TRUST, "id": "trainer"},
}
BUCKET = {
    "address": "aws_s3_bucket.training",
    "actions": ["no-op"],
    "after": {
        "bucket": "acme-training-data",
        "arn": "arn:aws:s3:::acme-training-data",
        "id": "acme-training-data",
        "tags": {"DataClass": "training-data"},
    },
}


def inline(before: str | None, after: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "address": "aws_iam_role_policy.trainer",
        "after": {"name": "data", "role": "trainer", "policy": after, "id": "trainer:data"},
    }
    if before is not None:
        entry["actions"] = ["update"]
        entry["before"] = {**entry["after"], "policy": before}
    return entry


def write(tmp_path: Path, name: str, *entries: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(plan_builder.build_plan(list(entries))))
    return path


def diff(run_cli: Any, *args: str | Path) -> dict[str, Any]:
    result = run_cli("diff", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_an_update_that_turns_read_into_write_is_shown(run_cli: Any, tmp_path: Path) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    document = diff(run_cli, plan)
    [role] = document["identities"]
    assert role["id"] == "aws:iam_role/trainer"
    assert role["change"] == "changed"
    [change] = role["reaches"]["changed"]
    assert (change["id"], change["access_before"], change["access"]) == (
        "aws:s3_bucket/acme-training-data",
        "read-data",
        "write-data",
    )
    # the capabilities say it per class and resource, with the actions: write-data is new,
    # read-data is gone, and the access levels moved from Read to Write
    caps = role["capabilities"]
    [added] = caps["added"]
    assert (added["class"], added["resource"], added["answer"]) == (
        "write-data",
        "arn:aws:s3:::acme-training-data/*",
        "allowed",
    )
    assert added["actions"] == ["s3:PutObject"]
    assert added["via"] == ["aws_iam_role_policy.trainer"]
    assert [c["class"] for c in caps["removed"]] == ["read-data"]
    levels = {level["level"]: level for level in role["access_levels"]}
    assert levels["Write"]["added"] == ["s3:PutObject"]
    assert levels["Read"]["removed"] == ["s3:GetObject"]
    assert role["blast_radius"] == {"before": 1, "after": 1}
    text = run_cli("diff", plan).stdout
    assert "aws:s3_bucket/acme-training-data: read-data (allowed) -> write-data (allowed)" in text
    assert "+ can write-data on arn:aws:s3:::acme-training-data/*: s3:PutObject" in text


def test_a_change_touching_no_identity_is_an_empty_diff_in_one_line(
    run_cli: Any, tmp_path: Path
) -> None:
    tagged = {
        **BUCKET,
        "actions": ["update"],
        "before": BUCKET["after"],
        "after": {**BUCKET["after"], "tags": {"DataClass": "training-data", "Owner": "ml"}},
    }
    plan = write(
        tmp_path,
        "plan.json",
        ROLE,
        tagged,
        inline(None, policy("s3:GetObject")) | {"actions": ["no-op"]},
    )
    document = diff(run_cli, plan)
    assert document["identities"] == []
    assert document["paths"] == EMPTY_PATHS
    assert document["summary"] == (
        "This change grants and removes nothing: no identity's permissions, trust or reach changes."
    )
    assert document["new_severity"] is None
    assert run_cli("diff", plan).stdout.count("\n") == 1


def test_two_sets_of_inputs_compare_like_a_plan_and_its_prior_state(
    run_cli: Any, tmp_path: Path
) -> None:
    old = write(tmp_path, "old.json", ROLE, BUCKET)
    new = write(tmp_path, "new.json", ROLE, BUCKET, inline(None, policy("s3:PutObject")))
    document = diff(run_cli, "--before", old, "--after", new)
    [role] = document["identities"]
    assert [r["access"] for r in role["reaches"]["added"]] == ["write-data"]
    reverse = diff(run_cli, "--before", new, "--after", old)
    [role] = reverse["identities"]
    assert [r["access"] for r in role["reaches"]["removed"]] == ["write-data"]


def test_diff_needs_a_plan_or_both_worlds(run_cli: Any, tmp_path: Path) -> None:
    plan = write(tmp_path, "plan.json", ROLE)
    for args in (
        [],
        ["--before", str(plan)],
        [str(plan), "--before", str(plan), "--after", str(plan)],
    ):
        result = run_cli("diff", *args)
        assert result.returncode == 2, args
        assert "--before and --after" in result.stderr


def test_the_gate_trips_on_what_the_change_adds(run_cli: Any, tmp_path: Path) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    assert diff(run_cli, plan)["new_severity"] == "high"  # write-data on training data
    for threshold, code in (("critical", 0), ("high", 1), ("low", 1), ("none", 0)):
        result = run_cli("diff", plan, "--fail-on-new", threshold)
        assert result.returncode == code, (threshold, result.stderr)
    # the reverse change takes write away and adds only s3:GetObject (read-data, medium)
    reverse = write(
        tmp_path,
        "reverse.json",
        ROLE,
        BUCKET,
        inline(policy("s3:PutObject"), policy("s3:GetObject")),
    )
    assert diff(run_cli, reverse)["new_severity"] == "medium"
    assert run_cli("diff", reverse, "--fail-on-new", "high").returncode == 0
    assert run_cli("diff", reverse, "--fail-on-new", "medium").returncode == 1
    # taking the statement away adds nothing at all: no threshold trips
    removal = write(
        tmp_path, "removal.json", ROLE, BUCKET,
        {**inline(policy("s3:GetObject"), policy("s3:GetObject")), "actions": ["delete"],
         "after": None},
    )  # fmt: skip
    assert diff(run_cli, removal)["new_severity"] is None
    assert run_cli("diff", removal, "--fail-on-new", "low").returncode == 0


EXAMPLE = HERE.parents[1] / "examples" / "diff"


def test_the_example_change_opens_a_path_closes_another_and_adds_capabilities(
    run_cli: Any,
) -> None:
    document = diff(run_cli, "--before", EXAMPLE / "before", "--after", EXAMPLE / "after")
    opened = [(p["from"], p["to"]) for p in document["paths"]["opened"]]
    closed = [(p["from"], p["to"]) for p in document["paths"]["closed"]]
    assert opened == [("k8s:Service/inference/vllm", "k8s:Secret/inference/*")]
    assert closed == [("k8s:Ingress/research/notebook", "k8s:Secret/research/*")]
    [vllm] = document["identities"]
    assert vllm["id"] == "k8s:ServiceAccount/inference/vllm"
    added = {(c["class"], c["resource"]): c for c in vllm["capabilities"]["added"]}
    assert set(added) == {
        ("read-secrets", "namespace inference"),
        ("assume-identity", "namespace inference"),
        ("run-compute", "namespace inference"),
    }
    assert added[("read-secrets", "namespace inference")]["actions"] == ["get secrets"]
    assert vllm["blast_radius"] == {"before": 0, "after": 1}
    assert document["new_severity"] == "high"
    result = run_cli(
        "diff",
        "--before",
        EXAMPLE / "before",
        "--after",
        EXAMPLE / "after",
        "--fail-on-new",
        "high",
    )
    assert result.returncode == 1


ADMIN_ARN = "arn:aws:iam::111122223333:role/admin"


def admin_role(principal: dict[str, Any]) -> dict[str, Any]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}],
    }
    return {
        "address": "aws_iam_role.admin",
        "after": {"name": "admin", "arn": ADMIN_ARN, "assume_role_policy": json.dumps(trust),
                  "id": "admin"},
    }  # fmt: skip


ADMIN_POLICY = {
    "address": "aws_iam_role_policy.admin",
    "actions": ["no-op"],
    "after": {
        "name": "all",
        "role": "admin",
        "id": "admin:all",
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    },
}


def test_new_trust_and_a_new_escalation_to_an_administrator_are_critical(
    run_cli: Any, tmp_path: Path
) -> None:
    """The admin role starts trusting the trainer, and the trainer may assume it: trust added
    on one side, an escalation to control of IAM on the other."""
    old_admin = admin_role({"Service": "ec2.amazonaws.com"})
    new_admin = admin_role({"AWS": ARN})
    changed_admin = {**new_admin, "actions": ["update"], "before": old_admin["after"]}
    assume = {
        "address": "aws_iam_role_policy.assume",
        "after": {
            "name": "assume",
            "role": "trainer",
            "id": "trainer:assume",
            "policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ADMIN_ARN}
                    ],
                }
            ),
        },
    }
    plan = write(tmp_path, "plan.json", ROLE, changed_admin, ADMIN_POLICY, assume)
    document = diff(run_cli, plan)
    by_id = {i["id"]: i for i in document["identities"]}
    admin, trainer = by_id["aws:iam_role/admin"], by_id["aws:iam_role/trainer"]
    # the trust policy's principal as written (its account is not known to be this one), and
    # the trainer role itself, which may now assume it
    assert [(t["id"], t["kinds"], t["answer"]) for t in admin["trust"]["added"]] == [
        ("aws:account/arn:aws:iam::111122223333:role/trainer", ["trusted-by"], "allowed"),
        ("aws:iam_role/trainer", ["can-assume", "can-escalate"], "allowed"),
    ]
    # it can become the admin role, and through it holds control of IAM (the account is not in
    # the plan: aws:iam/*)
    escalations = {e["id"]: e for e in trainer["escalations"]["added"]}
    assert escalations["aws:iam_role/admin"]["kinds"] == ["can-assume", "can-escalate"]
    assert escalations["aws:iam/*"]["kinds"] == ["grants"]
    assert all(e["to_control"] for e in escalations.values())
    assert "administrator (can assume aws_iam_role.admin" in escalations["aws:iam/*"]["why"][0]
    assert [c["class"] for c in trainer["capabilities"]["added"]] == ["assume-identity"]
    assert trainer["blast_radius"]["after"] > trainer["blast_radius"]["before"]
    assert "aws:iam/*" in {r["id"] for r in trainer["reaches"]["added"]}
    assert document["new_severity"] == "critical"
    assert run_cli("diff", plan, "--fail-on-new", "critical").returncode == 1
    text = run_cli("diff", plan).stdout
    assert "+ escalation: aws:iam_role/admin [can-assume, can-escalate]" in text
    assert "+ trusted: aws:iam_role/trainer [can-assume, can-escalate]" in text


def test_a_maybe_that_becomes_yes_is_shown_as_such(run_cli: Any, tmp_path: Path) -> None:
    conditional = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::acme-training-data/*",
                    "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                }
            ],
        }
    )
    plan = write(tmp_path, "plan.json", ROLE, BUCKET, inline(conditional, policy("s3:PutObject")))
    [role] = diff(run_cli, plan)["identities"]
    [cap] = role["capabilities"]["changed"]
    assert (cap["class"], cap["before"], cap["answer"]) == ("write-data", "unknown", "allowed")
    assert cap["actions_added_count"] == 0
    [reach] = role["reaches"]["changed"]
    assert (reach["before"], reach["decision"]) == ("unknown", "allowed")
    # and the reverse: Yes become Maybe adds nothing
    reverse = write(
        tmp_path, "reverse.json", ROLE, BUCKET, inline(policy("s3:PutObject"), conditional)
    )
    assert diff(run_cli, reverse)["new_severity"] is None


CORPUS = HERE.parents[2] / "shared" / "corpus" / "plans"


def test_corpus_azure_role_assignment_changes_hand_checked(run_cli: Any) -> None:
    """tfplan2md's role-assignment plan, checked by hand against its resource_changes:

    - ``update_assignment`` moves Storage Blob Data Reader from group 2222 on ``sttfplan2mdlogs``
      to group 3333, as Storage Blob Data Contributor on ``sttfplan2mddata``, under a condition;
    - ``create_with_description`` gives 2222 Storage Blob Data Reader on the new logs account;
    - ``replace_assignment`` replaces 2222's Reader on ``rg-production`` with 3333's custom
      role, whose definition is not in the plan (every class Maybe);
    - ``delete_assignment`` removes 3333's Contributor on ``rg-legacy``;
    - ``unmapped_principal`` gives a new service principal 9999 an undefined custom role;
    - ``create_no_description`` gives user 1111 Reader, which holds no capability class.
    """
    plan = CORPUS / "tfplan2md__azurerm_role_assignments.json"
    if not plan.is_file():
        pytest.skip("../shared/corpus is not present")
    document = diff(run_cli, plan)
    by_id = {i["id"].rsplit("/", 1)[-1][:4]: i for i in document["identities"]}
    assert set(by_id) == {"2222", "3333", "9999"}  # 1111's Reader grants no class
    logs = "/subscriptions/sub-one/resourcegroups/rg-tfplan2md-demo/providers/microsoft.storage/"
    group = by_id["2222"]["capabilities"]
    assert [(c["class"], c["resource"]) for c in group["added"]] == [
        ("read-data", logs + "storageaccounts/sttfplan2mdlogs-with-extended-name-1234567890")
    ]
    assert group["added"][0]["via"] == ["Storage Blob Data Reader"]
    assert [(c["class"], c["resource"]) for c in group["removed"]] == [
        ("read-data", logs + "storageaccounts/sttfplan2mdlogs")
    ]
    other = by_id["3333"]["capabilities"]
    legacy = "/subscriptions/sub-three/resourcegroups/rg-legacy"
    assert {c["resource"] for c in other["removed"]} == {legacy}
    assert {c["class"] for c in other["removed"]} >= {"modify-infrastructure", "read-secrets"}
    data = logs + "storageaccounts/sttfplan2mddata"
    owner = {c["class"]: c for c in other["added"] if c["resource"] == data}
    assert set(owner) == {"read-data", "write-data"}
    assert owner["write-data"]["answer"] == "unknown"  # the condition
    assert owner["write-data"]["via"] == ["Storage Blob Data Contributor"]  # ba92f5b4-...
    custom = [c for c in other["added"] if c["resource"].endswith("rg-production")]
    assert {c["answer"] for c in custom} == {"unknown"}
    assert {c["via"][0] for c in custom} == {"Custom Contributor Long Name 1234567890"}
    assert by_id["9999"]["change"] == "added"
    assert document["paths"] == EMPTY_PATHS
    # an undefined role might hold permissions management: Maybe, yet critical
    assert document["new_severity"] == "critical"


def scan_json(run_cli: Any, *args: str | Path) -> dict[str, Any]:
    result = run_cli("scan", *args, "--format", "json", "--fail-on", "none")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_scan_reports_the_diff_whenever_the_plan_has_a_world_before(
    run_cli: Any, tmp_path: Path
) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    report = scan_json(run_cli, plan)
    assert report["schema_version"] == "1.3"
    diff_object = report["diff"]
    assert diff_object["prior"] == "state"
    assert diff_object["new_severity"] == "high"
    assert diff_object["added"][0] | {"text": ""} == {
        "severity": "high",
        "kind": "capability",
        "identity": "aws_iam_role.trainer",
        "what": "write-data",
        "on": "arn:aws:s3:::acme-training-data/*",
        "actions": ["s3:PutObject"],
        "answer": "allowed",
        "text": "",
    }
    # the same object as `iacguard diff`
    assert diff(run_cli, plan)["identities"] == diff_object["identities"]
    # Markdown: the diff is the first section, in words a reviewer reads
    markdown = run_cli("scan", plan, "--format", "markdown", "--fail-on", "none").stdout
    section = markdown.index("## What this change grants or removes")
    assert section < markdown.index("## Findings")
    assert "grants `aws_iam_role.trainer` `s3:PutObject` (write-data) on " in markdown
    assert "*Compared with the plan's prior state.*" in markdown
    # the console summarises it
    console = run_cli("scan", plan, "--fail-on", "none").stdout
    assert "Change against the plan's prior state:" in console
    assert "What the change adds" in console


def test_scan_diff_is_absent_without_a_world_before_and_empty_when_nothing_changed(
    run_cli: Any, tmp_path: Path
) -> None:
    fresh = write(tmp_path, "fresh.json", {**ROLE, "actions": ["create"]})
    assert scan_json(run_cli, fresh)["diff"] is None
    assert scan_json(run_cli, EXAMPLE / "after")["diff"] is None  # manifests: no state
    tagged = {
        **BUCKET,
        "actions": ["update"],
        "before": BUCKET["after"],
        "after": {**BUCKET["after"], "tags": {"DataClass": "training-data", "Owner": "ml"}},
    }
    quiet = write(tmp_path, "quiet.json", ROLE, tagged)
    diff_object = scan_json(run_cli, quiet)["diff"]
    assert diff_object["identities"] == [] and diff_object["added"] == []
    assert diff_object["paths"] == EMPTY_PATHS
    assert diff_object["summary"].startswith("This change grants and removes nothing")
    markdown = run_cli("scan", quiet, "--format", "markdown", "--fail-on", "none").stdout
    start = markdown.index("## What this change grants or removes")
    end = markdown.index("## ", start + 3)
    assert markdown[start:end].strip().count("\n") == 2  # the heading, a blank, one line


def test_scan_fail_on_new_gates_on_the_change_alone(run_cli: Any, tmp_path: Path) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    result = run_cli("scan", plan, "--fail-on", "none", "--fail-on-new", "high", "-f", "json")
    assert result.returncode == 1
    gate = json.loads(result.stdout)["summary"]["gate"]
    assert gate["fail_on_new"] == "high"
    # the write-data capability, and the bucket reached for writing rather than reading
    assert gate["reasons"] == [
        "the change adds 2 additions at or above high (2 high; --fail-on-new)"
    ]
    assert run_cli("scan", plan, "--fail-on", "none", "--fail-on-new", "critical").returncode == 0
    # from the configuration file too
    config = tmp_path / "iacguard.yaml"
    config.write_text("fail_on: none\nfail_on_new: medium\n")
    assert run_cli("scan", plan, "--config", config).returncode == 1
    # a first deployment: with --fail-on-new, everything it creates is new
    fresh = write(tmp_path, "fresh.json", {**ROLE, "actions": ["create"]}, BUCKET | {
        "actions": ["create"]}, inline(None, policy("s3:PutObject")))  # fmt: skip
    result = run_cli("scan", fresh, "--fail-on", "none", "--fail-on-new", "high", "-f", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["diff"]["prior"] == "empty"


AI_STACK = HERE.parents[1] / "examples" / "ai-stack"


def test_the_example_stack_change_adds_an_escalation_opens_and_closes_paths(
    run_cli: Any,
) -> None:
    """The AI-stack plan is a change against its prior state: the CI role's trust widens from
    one branch to every repository of the organisation and it gets AdministratorAccess; the
    inference role is new and writes training data; the cluster's manifests sit on top."""
    document = diff(run_cli, AI_STACK)
    by_id = {i["id"]: i for i in document["identities"]}
    deploy = by_id["aws:iam_role/acme-ml-github-deploy"]
    control = {e["id"]: e for e in deploy["escalations"]["added"]}["aws:iam/111122223333"]
    assert control["to_control"] and control["answer"] == "allowed"
    assert "full-admin" in {c["class"] for c in deploy["capabilities"]["added"]}
    assert [t["id"] for t in deploy["trust"]["added"]] == ["ci:github/acme/*"]
    assert [t["id"] for t in deploy["trust"]["removed"]] == [
        "ci:github/acme/ml-platform:ref:refs/heads/main"
    ]
    opened = {(p["from"], p["to"], p["access"]) for p in document["paths"]["opened"]}
    assert (
        "k8s:Service/inference/acme-llm-serving",
        "aws:s3_bucket/acme-ml-training-data",
        "write-data",
    ) in opened
    assert ("ci:github/acme/*", "aws:iam/111122223333", "permissions-management") in opened
    closed = {(p["from"], p["to"]) for p in document["paths"]["closed"]}
    assert (
        "ci:github/acme/ml-platform:ref:refs/heads/main",
        "aws:s3_bucket/acme-ml-training-data",
    ) in closed
    # the agent's account can create pods in the inference namespace: it becomes vllm
    agent = by_id["k8s:ServiceAccount/agents/support-agent"]
    assert "k8s:ServiceAccount/inference/vllm" in {e["id"] for e in agent["escalations"]["added"]}
    assert document["new_severity"] == "critical"
    assert run_cli("diff", AI_STACK, "--fail-on-new", "critical").returncode == 1


def test_scan_no_diff_leaves_it_out(run_cli: Any, tmp_path: Path) -> None:
    plan = write(
        tmp_path, "plan.json", ROLE, BUCKET, inline(policy("s3:GetObject"), policy("s3:PutObject"))
    )
    report = json.loads(
        run_cli("scan", plan, "--no-diff", "--fail-on", "none", "-f", "json").stdout
    )
    assert report["diff"] is None
    result = run_cli("scan", plan, "--no-diff", "--fail-on-new", "high")
    assert result.returncode == 2
    assert "--no-diff leaves nothing for --fail-on-new" in result.stderr


def test_two_roles_of_one_name_are_compared_apart(run_cli: Any, tmp_path: Path) -> None:
    """Two inputs each with a role called trainer (two accounts): a change to one role's own
    inline policy is that role's alone, under its own node id."""
    first = write(tmp_path, "first.json", ROLE, BUCKET)
    after = {**ROLE["after"], "inline_policy": [{"name": "data", "policy": policy("s3:PutObject")}]}
    before = {
        **ROLE["after"],
        "inline_policy": [{"name": "data", "policy": policy("s3:GetObject")}],
    }
    other = {"address": "module.copy.aws_iam_role.trainer", "actions": ["update"],
             "before": before, "after": after}  # fmt: skip
    second = write(tmp_path, "second.json", other)
    document = diff(run_cli, first, second)
    [changed] = document["identities"]
    assert changed["address"] == "module.copy.aws_iam_role.trainer"
    assert changed["id"] == "aws:iam_role/module.copy.aws_iam_role.trainer"
    assert [c["class"] for c in changed["capabilities"]["added"]] == ["write-data"]
    assert [c["class"] for c in changed["capabilities"]["removed"]] == ["read-data"]
