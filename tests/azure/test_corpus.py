"""Every Azure plan of the corpus yields identities with resolved grants, or says why not
(skipped without ../shared/corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.azure.evaluate import AzureView
from iacguard.engine.context import ScanIndex
from iacguard.inputs import load_inputs
from iacguard.model.classification import classify_all
from iacguard.model.values import Tristate

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "plans"
AZURE_PLANS = (
    sorted(
        p
        for p in CORPUS.glob("*.json")
        if "registry.terraform.io/hashicorp/azurerm"
        in p.read_text(encoding="utf-8", errors="replace")
    )
    if CORPUS.is_dir()
    else []
)

pytestmark = pytest.mark.corpus


def _view(path: Path) -> AzureView:
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    loaded = load_inputs([str(path)])
    resources = [r for d in loaded.documents for r in d.resources]
    return AzureView(ScanIndex(resources, classify_all(resources)))


@pytest.mark.parametrize("plan", AZURE_PLANS, ids=[p.name for p in AZURE_PLANS])
def test_every_assignment_resolves_or_says_why(plan: Path) -> None:
    view = _view(plan)
    for grant in view.rbac.grants:
        assert grant.definition is not None or grant.role_unresolved, grant.as_json()
        assert grant.scope.id is not None or grant.scope.unknown, grant.as_json()
    for principal in view.identities:
        for _grant, answer, _why in view.grants_of(principal):
            assert answer in (Tristate.YES, Tristate.MAYBE)


def test_role_assignments_plan_resolves_built_in_roles_by_definition_id() -> None:
    view = _view(CORPUS / "tfplan2md__azurerm_role_assignments.json")
    by_address = {g.address: g for g in view.rbac.grants}
    reader = by_address["azurerm_role_assignment.create_no_description"]
    assert reader.role == "Reader"  # acdd72a7-... by its definition id
    assert reader.scope.kind == "resource_group"
    custom = by_address["azurerm_role_assignment.replace_assignment"]
    assert custom.definition is None
    assert "neither built in" in custom.role_unresolved
    principal = view.find("11111111-1111-1111-1111-111111111111")
    assert principal is not None
    target = view.target("/subscriptions/sub-one/resourceGroups/rg-tfplan2md-demo/providers/x/y/z")
    decision = view.decide(principal, "Microsoft.Storage/storageAccounts/read", target)
    assert decision.answer is Tristate.YES
    decision = view.decide(principal, "Microsoft.Storage/storageAccounts/write", target)
    assert decision.answer is Tristate.NO


def test_firewall_plan_contributor_on_a_firewall() -> None:
    view = _view(CORPUS / "tfplan2md__azure_firewall_role_assignment_v1.2.json")
    [grant] = view.rbac.grants
    assert grant.role == "Contributor"
    assert grant.scope.kind == "resource"
    assert grant.definition is not None
