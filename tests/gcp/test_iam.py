"""Google Cloud IAM from plans: members, scopes, authoritative resources, custom roles,
conditions, hierarchy, and ``iacguard query`` answers built on them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from iacguard.engine.context import GraphScope, ScanIndex
from iacguard.gcp.evaluate import GcpView
from iacguard.gcp.members import parse_member
from iacguard.inputs import load_inputs
from iacguard.model.classification import classify_all
from iacguard.model.values import Tristate

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "plan_builder", HERE.parent / "checks" / "plan_builder.py"
)
assert _spec is not None and _spec.loader is not None
plan_builder = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("plan_builder", plan_builder)
_spec.loader.exec_module(plan_builder)

PROJECT = "acme-ml"
SA_UNKNOWN = {"email": True, "name": True, "id": True, "member": True, "unique_id": True}


def account(name: str) -> dict[str, Any]:
    """A new service account: its email is known only after apply."""
    return {
        "address": f"google_service_account.{name}",
        "after": {"account_id": name, "project": PROJECT, "display_name": name},
        "after_unknown": SA_UNKNOWN,
    }


def member_of(name: str, role: str, address: str, **extra: Any) -> dict[str, Any]:
    """``google_project_iam_member`` granting ``role`` to ``name``'s email (unknown)."""
    return {
        "address": address,
        "after": {"project": PROJECT, "role": role, **extra},
        "after_unknown": {"member": True, "id": True, "etag": True},
        "references": {"member": [f"google_service_account.{name}.email"]},
    }


def view_of(tmp_path: Path, *entries: dict[str, Any]) -> GcpView:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_builder.build_plan(list(entries))))
    loaded = load_inputs([plan])
    resources = [r for doc in loaded.documents for r in doc.resources]
    index = ScanIndex(resources, classify_all(resources), GraphScope(gcp_projects=(PROJECT,)))
    return GcpView(index)


def sa(view: GcpView, name: str) -> Any:
    found = view.find(f"google_service_account.{name}")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("text", "kind", "namespace", "account_name", "attribute"),
    [
        ("serviceAccount:Trainer@acme.iam.gserviceaccount.com", "serviceAccount", "", "", ""),
        ("user:alice@example.com", "user", "", "", ""),
        ("allUsers", "allUsers", "", "", ""),
        ("serviceAccount:acme.svc.id.goog[ml/vllm]", "kubernetes", "ml", "vllm", ""),
        (
            "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/"
            "acme.svc.id.goog/subject/ns/training/sa/trainer",
            "kubernetes",
            "training",
            "trainer",
            "",
        ),
        (
            "principalSet://iam.googleapis.com/projects/123/locations/global/"
            "workloadIdentityPools/acme.svc.id.goog/namespace/agents",
            "kubernetes",
            "agents",
            "",
            "",
        ),
        (
            "principalSet://iam.googleapis.com/projects/123/locations/global/"
            "workloadIdentityPools/ci/attribute.repository/acme/infra",
            "pool",
            "",
            "",
            "repository",
        ),
        (
            "principalSet://iam.googleapis.com/projects/123/locations/global/"
            "workloadIdentityPools/ci/*",
            "pool",
            "",
            "",
            "*",
        ),
    ],
)
def test_members_parse(
    text: str, kind: str, namespace: str, account_name: str, attribute: str
) -> None:
    member = parse_member(text)
    assert (member.kind, member.namespace, member.account, member.attribute) == (
        kind,
        namespace,
        account_name,
        attribute,
    )
    if kind == "serviceAccount":
        assert member.value == "trainer@acme.iam.gserviceaccount.com"
    if attribute == "repository":
        assert (member.pool, member.attribute_value) == ("ci", "acme/infra")


def test_unknown_member_is_linked_through_the_configuration(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        account("trainer"),
        account("other"),
        member_of("trainer", "roles/storage.objectAdmin", "google_project_iam_member.trainer"),
    )
    trainer, other = sa(view, "trainer"), sa(view, "other")
    # the email is derived from account_id and project
    assert trainer.email == "trainer@acme-ml.iam.gserviceaccount.com"
    target = view.target("projects/_/buckets/anything/objects/a.csv")
    assert view.decide(trainer, "storage.objects.create", target).answer is Tristate.MAYBE
    # the bucket's project is unknown (not in the inputs): a project grant may or may not reach
    project_target = view.target(f"projects/{PROJECT}")
    decision = view.decide(trainer, "storage.objects.create", project_target)
    assert decision.answer is Tristate.YES
    assert "linked through the configuration" in decision.matches[0].why[0]
    assert view.decide(other, "storage.objects.create", project_target).answer is Tristate.NO
    assert view.decide(trainer, "iam.roles.create", project_target).answer is Tristate.NO


def test_bucket_grant_reaches_its_objects_only(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        account("reader"),
        {
            "address": "google_storage_bucket.data",
            "after": {"name": "acme-data", "project": PROJECT, "location": "US"},
            "after_unknown": {"id": True, "url": True, "self_link": True},
        },
        {
            "address": "google_storage_bucket_iam_member.reader",
            "after": {"role": "roles/storage.objectViewer"},
            "after_unknown": {"bucket": True, "member": True, "etag": True, "id": True},
            "references": {
                "bucket": ["google_storage_bucket.data.name"],
                "member": ["google_service_account.reader.member"],
            },
        },
    )
    reader = sa(view, "reader")
    inside = view.target("projects/_/buckets/acme-data/objects/train/part-0.parquet")
    assert inside.resource is not None and inside.resource.address == "google_storage_bucket.data"
    assert view.decide(reader, "storage.objects.get", inside).answer is Tristate.YES
    assert view.decide(reader, "storage.objects.delete", inside).answer is Tristate.NO
    other = view.target("projects/_/buckets/acme-other")
    assert view.decide(reader, "storage.objects.get", other).answer is Tristate.NO


def test_authoritative_binding_contests_member_grants(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        account("pipeline"),
        account("agent"),
        {
            "address": "google_project_iam_binding.aiplatform_users",
            "after": {"project": PROJECT, "role": "roles/aiplatform.user"},
            "after_unknown": {"members": True, "etag": True, "id": True},
            "references": {"members": ["google_service_account.pipeline.email"]},
        },
        member_of("agent", "roles/aiplatform.user", "google_project_iam_member.agent_ai"),
    )
    target = view.target(f"projects/{PROJECT}")
    pipeline = view.decide(sa(view, "pipeline"), "aiplatform.endpoints.predict", target)
    assert pipeline.answer is Tristate.YES
    agent = view.decide(sa(view, "agent"), "aiplatform.endpoints.predict", target)
    assert agent.answer is Tristate.MAYBE
    why = " ".join(agent.matches[0].why)
    assert "google_project_iam_binding.aiplatform_users" in why
    assert "removes this grant on apply" in why
    evidence = pipeline.matches[0].as_json()
    assert "sets every member of roles/aiplatform.user" in evidence["authoritative"]


def test_policy_replaces_everything_at_its_scope(tmp_path: Path) -> None:
    policy = json.dumps(
        {"bindings": [{"role": "roles/viewer", "members": ["user:bob@example.com"]}]}
    )
    view = view_of(
        tmp_path,
        {
            "address": "google_project_iam_policy.only",
            "after": {"project": PROJECT, "policy_data": policy},
            "after_unknown": {"etag": True, "id": True},
        },
        {
            "address": "google_project_iam_member.alice",
            "after": {
                "project": PROJECT,
                "role": "roles/editor",
                "member": "user:alice@example.com",
            },
            "after_unknown": {"etag": True, "id": True},
        },
    )
    alice = view.find("user:alice@example.com")
    assert alice is not None
    decision = view.decide(alice, "compute.instances.create", view.target(f"projects/{PROJECT}"))
    assert decision.answer is Tristate.MAYBE
    assert "google_project_iam_policy.only" in " ".join(decision.matches[0].why)


def test_conditions_make_grants_maybe(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        account("notebook"),
        member_of(
            "notebook",
            "roles/bigquery.dataEditor",
            "google_project_iam_member.until_2027",
            condition=[
                {
                    "title": "until-2027",
                    "expression": 'request.time < timestamp("2027-01-01T00:00:00Z")',
                    "description": "",
                }
            ],
        ),
    )
    decision = view.decide(
        sa(view, "notebook"), "bigquery.tables.updateData", view.target(f"projects/{PROJECT}")
    )
    assert decision.answer is Tristate.MAYBE
    assert any("under the condition" in w for w in decision.matches[0].why)


def test_custom_role_through_a_reference(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        account("analyst"),
        {
            "address": "google_project_iam_custom_role.reader",
            "after": {
                "project": PROJECT,
                "role_id": "mlDataReader",
                "title": "ML data reader",
                "permissions": ["storage.objects.get", "storage.objects.list"],
                "stage": "GA",
            },
            "after_unknown": {"id": True, "name": True, "deleted": True},
        },
        {
            "address": "google_project_iam_member.analyst",
            "after": {"project": PROJECT},
            "after_unknown": {"member": True, "role": True, "etag": True, "id": True},
            "references": {
                "member": ["google_service_account.analyst.email"],
                "role": ["google_project_iam_custom_role.reader.id"],
            },
        },
    )
    analyst = sa(view, "analyst")
    target = view.target(f"projects/{PROJECT}")
    decision = view.decide(analyst, "storage.objects.get", target)
    assert decision.answer is Tristate.YES
    assert decision.matches[0].grant.role == f"projects/{PROJECT}/roles/mlDataReader"
    assert view.decide(analyst, "storage.objects.delete", target).answer is Tristate.NO


def test_unknown_roles_are_maybe_and_named(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        account("svc"),
        member_of("svc", "roles/madeup.notARole", "google_project_iam_member.odd"),
    )
    decision = view.decide(sa(view, "svc"), "storage.objects.get", view.target("*"))
    assert decision.answer is Tristate.MAYBE
    assert "roles/madeup.notARole is not in iacguard's predefined-role catalog" in (
        decision.matches[0].why
    )


def test_organization_grants_follow_the_hierarchy(tmp_path: Path) -> None:
    org_grant = {
        "address": "google_organization_iam_member.viewers",
        "after": {
            "org_id": "1234",
            "role": "roles/storage.objectViewer",
            "member": "group:readers@example.com",
        },
        "after_unknown": {"etag": True, "id": True},
    }
    readers = "group:readers@example.com"
    # without the project's place in the hierarchy: Maybe
    view = view_of(tmp_path, org_grant)
    principal = view.find(readers)
    assert principal is not None
    target = view.target(f"projects/{PROJECT}")
    decision = view.decide(principal, "storage.objects.get", target)
    assert decision.answer is Tristate.MAYBE
    assert "is not in the inputs" in decision.matches[0].why[-1]
    # the project sits in a folder of the organization: Yes
    view = view_of(
        tmp_path,
        org_grant,
        {
            "address": "google_project.ml",
            "after": {"project_id": PROJECT, "name": "ML", "folder_id": "55"},
            "after_unknown": {"number": True, "id": True},
        },
        {
            "address": "google_folder.ml",
            "after": {"display_name": "ml", "parent": "organizations/1234", "name": "folders/55"},
            "after_unknown": {"id": True, "folder_id": True},
        },
    )
    principal = view.find(readers)
    assert principal is not None
    decision = view.decide(principal, "storage.objects.get", view.target(f"projects/{PROJECT}"))
    assert decision.answer is Tristate.YES
    # another organization's project: No
    view = view_of(
        tmp_path,
        org_grant,
        {
            "address": "google_project.ml",
            "after": {"project_id": PROJECT, "name": "ML", "org_id": "9999"},
            "after_unknown": {"number": True, "id": True},
        },
    )
    principal = view.find(readers)
    assert principal is not None
    decision = view.decide(principal, "storage.objects.get", view.target(f"projects/{PROJECT}"))
    assert decision.answer is Tristate.NO


def test_a_new_buckets_default_policy_serves_the_projects_editors(tmp_path: Path) -> None:
    bucket = {
        "address": "google_storage_bucket.data",
        "after": {"name": "acme-data", "project": PROJECT, "location": "US"},
        "after_unknown": {"id": True, "url": True, "self_link": True},
    }
    editor = member_of("trainer", "roles/editor", "google_project_iam_member.trainer_editor")
    view = view_of(tmp_path, account("trainer"), bucket, editor)
    target = view.target("projects/_/buckets/acme-data/objects/x")
    decision = view.decide(sa(view, "trainer"), "storage.objects.create", target)
    assert decision.answer is Tristate.YES
    assert decision.matches[0].grant.member.text == f"projectEditor:{PROJECT}"
    # an authoritative bucket policy replaces the default one: only what it holds remains
    policy = {
        "address": "google_storage_bucket_iam_policy.data",
        "after": {"policy_data": json.dumps({"bindings": []})},
        "after_unknown": {"bucket": True, "etag": True, "id": True},
        "references": {"bucket": ["google_storage_bucket.data.name"]},
    }
    view = view_of(tmp_path, account("trainer"), bucket, editor, policy)
    target = view.target("projects/_/buckets/acme-data/objects/x")
    decision = view.decide(sa(view, "trainer"), "storage.objects.create", target)
    assert decision.answer is Tristate.NO


def test_key_ring_and_dataset_grants_reach_what_is_inside(tmp_path: Path) -> None:
    ring = {
        "address": "google_kms_key_ring.ring",
        "after": {"name": "ring", "location": "us", "project": PROJECT},
        "after_unknown": {"id": True},
    }
    key = {
        "address": "google_kms_crypto_key.key",
        "after": {"name": "key"},
        "after_unknown": {"id": True, "key_ring": True},
        "references": {"key_ring": ["google_kms_key_ring.ring.id"]},
    }
    grant = {
        "address": "google_kms_key_ring_iam_member.decrypter",
        "after": {"role": "roles/cloudkms.cryptoKeyDecrypter"},
        "after_unknown": {"key_ring_id": True, "member": True, "etag": True, "id": True},
        "references": {
            "key_ring_id": ["google_kms_key_ring.ring.id"],
            "member": ["google_service_account.app.email"],
        },
    }
    view = view_of(tmp_path, account("app"), ring, key, grant)
    key_resource = next(r for r in view.index.resources if r.address == "google_kms_crypto_key.key")
    decision = view.decide(
        sa(view, "app"), "cloudkms.cryptoKeyVersions.useToDecrypt", view.target_of(key_resource)
    )
    assert decision.answer is Tristate.YES


def test_public_token_creator_makes_everyone_the_account(tmp_path: Path) -> None:
    owner = member_of("admin", "roles/owner", "google_project_iam_member.admin_owner")
    public = {
        "address": "google_service_account_iam_member.anyone",
        "after": {
            "role": "roles/iam.serviceAccountTokenCreator",
            "member": "allAuthenticatedUsers",
        },
        "after_unknown": {"service_account_id": True, "etag": True, "id": True},
        "references": {"service_account_id": ["google_service_account.admin.name"]},
    }
    view = view_of(tmp_path, account("admin"), account("other"), owner, public)
    from iacguard.gcp.capabilities import impersonations

    everyone = view.find("allAuthenticatedUsers")
    assert everyone is not None
    targets = {e.target.address for e in impersonations(view, everyone)}
    assert "google_service_account.admin" in targets


def test_members_compare_case_insensitively_and_service_account_ids_normalise(
    tmp_path: Path,
) -> None:
    view = view_of(
        tmp_path,
        account("admin"),
        {
            "address": "google_project_iam_member.alice",
            "after": {
                "project": PROJECT,
                "role": "roles/viewer",
                "member": "user:Alice@Example.com",
            },
            "after_unknown": {"etag": True, "id": True},
        },
        {
            "address": "google_service_account_iam_member.bob",
            "after": {
                "role": "roles/iam.serviceAccountTokenCreator",
                "member": "user:bob@example.com",
                "service_account_id": (
                    f"projects/-/serviceAccounts/Admin@{PROJECT}.iam.gserviceaccount.com"
                ),
            },
            "after_unknown": {"etag": True, "id": True},
        },
    )
    assert view.find("user:alice@example.com") is not None
    [grant] = [g for g in view.iam.grants if g.address.endswith(".bob")]
    assert grant.scope.target is not None
    assert grant.scope.target.address == "google_service_account.admin"


def test_two_bindings_of_one_role_contest_each_other(tmp_path: Path) -> None:
    def binding(name: str, who: str) -> dict[str, Any]:
        return {
            "address": f"google_project_iam_binding.{name}",
            "after": {
                "project": PROJECT,
                "role": "roles/secretmanager.secretAccessor",
                "members": [f"user:{who}@example.com"],
            },
            "after_unknown": {"etag": True, "id": True},
        }

    view = view_of(tmp_path, binding("one", "ann"), binding("two", "ben"))
    for grant in view.iam.grants:
        assert any("the one applied last wins" in c for c in grant.conflicts)


def test_workforce_members_are_named_principals(tmp_path: Path) -> None:
    workforce = (
        "principalSet://iam.googleapis.com/locations/global/workforcePools/staff/group/ml-admins"
    )
    view = view_of(
        tmp_path,
        account("app"),
        {
            "address": "google_project_iam_member.staff",
            "after": {"project": PROJECT, "role": "roles/owner", "member": workforce},
            "after_unknown": {"etag": True, "id": True},
        },
    )
    target = view.target(f"projects/{PROJECT}")
    # not an unknown member that might be any account of the inputs
    assert view.decide(sa(view, "app"), "compute.instances.create", target).answer is Tristate.NO
    staff = view.find(workforce)
    assert staff is not None
    assert view.decide(staff, "compute.instances.create", target).answer is Tristate.YES


def test_inline_node_pools_of_a_cluster_are_pools(tmp_path: Path) -> None:
    from iacguard.gcp.federation import node_pools

    cluster = {
        "address": "google_container_cluster.ml",
        "after": {
            "name": "ml",
            "location": "us-central1",
            "project": PROJECT,
            "workload_identity_config": [],
            "node_pool": [
                {
                    "name": "gpu",
                    "node_config": [
                        {
                            "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                            "guest_accelerator": [{"type": "nvidia-l4", "count": 1}],
                        }
                    ],
                }
            ],
        },
        "after_unknown": {"id": True, "endpoint": True},
    }
    view = view_of(tmp_path, cluster)
    [pool] = node_pools(view.index)
    assert pool.name == "gpu"
    assert pool.default_account and pool.gpu
    assert pool.exposed is Tristate.YES  # Workload Identity off: pods reach the node's account
