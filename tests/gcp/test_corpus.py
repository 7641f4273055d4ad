"""Every Google Cloud plan of the corpus yields identities with resolved grants, and the
authoritative resources behave as Google documents (skipped without ../shared/corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engine.context import ScanIndex
from iacguard.gcp.evaluate import GcpView
from iacguard.gcp.federation import node_pools
from iacguard.inputs import load_inputs
from iacguard.model.classification import classify_all
from iacguard.model.values import Tristate

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "plans"
GCP_PLANS = (
    sorted(
        p
        for p in CORPUS.glob("*.json")
        if '"registry.terraform.io/hashicorp/google'
        in p.read_text(encoding="utf-8", errors="replace")
    )
    if CORPUS.is_dir()
    else []
)

pytestmark = pytest.mark.corpus


def _view(name: str) -> GcpView:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    loaded = load_inputs([str(path)])
    resources = [r for d in loaded.documents for r in d.resources]
    return GcpView(ScanIndex(resources, classify_all(resources)))


@pytest.mark.parametrize("plan", GCP_PLANS, ids=[p.name for p in GCP_PLANS])
def test_every_grant_resolves_its_role_or_says_why(plan: Path) -> None:
    view = _view(plan.name)
    for grant in view.iam.grants:
        assert grant.definition is not None or grant.role_unresolved, grant.as_json()
        assert grant.member.kind != "unknown" or grant.member.references, grant.as_json()
    for principal in view.principals():
        for grant, answer, _why in view.grants_of(principal):
            assert answer in (Tristate.YES, Tristate.MAYBE)
            assert grant.definition is not None, f"{grant.role} is not in the catalog"


def test_all_coverage_plan_policies_contest_members_and_bindings() -> None:
    view = _view("tfvalidator__gcp_iam_allcoverage.json")
    by_address = {g.address: g for g in view.iam.grants}
    # the policy of each scope replaces it: the member and binding grants there are contested
    for scope, short in (("organization", "org"), ("folder", "folder"), ("project", "project")):
        member = by_address[f"google_{scope}_iam_member.my-test-{short}-member"]
        policy_address = f"google_{scope}_iam_policy.my-test-{short}-policy"
        assert any(policy_address in c for c in member.conflicts)
        policy = by_address[policy_address]
        assert policy.role == "roles/editor" and not policy.conflicts
        assert "replaces the whole IAM policy" in policy.note
    bob = view.find("user:bob@example.com")
    assert bob is not None
    decision = view.decide(bob, "compute.instances.create", view.target("projects/foobar"))
    assert decision.answer is Tristate.YES
    jane = view.find("user:jane@example.com")
    assert jane is not None
    decision = view.decide(jane, "compute.instances.list", view.target("projects/foobar"))
    assert decision.answer is Tristate.MAYBE  # roles/viewer, contested by the project's policy


def test_project_iam_plan_resolves_basic_and_predefined_roles() -> None:
    view = _view("tfvalidator__gcp_project_iam.json")
    roles = {g.role for g in view.iam.grants}
    assert {"roles/editor", "roles/owner", "roles/viewer", "roles/storage.admin"} <= roles
    assert all(g.definition is not None for g in view.iam.grants)
    owner = next(g for g in view.iam.grants if g.role == "roles/owner")
    principal = view.principal_of(owner.member)
    decision = view.decide(principal, "resourcemanager.projects.setIamPolicy", view.target("*"))
    assert decision.answer is Tristate.YES


def test_gke_node_pool_runs_as_the_account_the_configuration_names() -> None:
    view = _view("tfvalidator__gke_cluster_nodepool_sa.json")
    [pool] = node_pools(view.index)
    assert not pool.default_account
    assert pool.account.resource is not None
    assert pool.account.resource.address == "google_service_account.default"
    assert "https://www.googleapis.com/auth/cloud-platform" in pool.scopes
    # no workload_identity_config: pods reach the node's metadata server
    assert pool.exposed is Tristate.YES


def test_a_node_pool_without_an_account_runs_as_the_default_compute_account() -> None:
    view = _view("torvusbog__gke_cluster_v1.2.json")
    pools = node_pools(view.index)
    assert pools
    assert all(p.default_account for p in pools if p.resource.type == "google_container_node_pool")
