"""Every IAM identity of every corpus plan gets its policies, or the reasons it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.aws.evaluate import PolicySource
from iacguard.aws.identities import IdentityResolver
from iacguard.aws.query import answer_query
from iacguard.engine.context import ScanIndex
from iacguard.inputs import load_inputs
from iacguard.model.classification import classify_all
from iacguard.model.values import Sensitive, Tristate, Unknown

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "plans"
PLANS = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


def _index(path: Path) -> ScanIndex:
    loaded = load_inputs([str(path)])
    resources = [r for d in loaded.documents for r in d.resources]
    return ScanIndex(resources, classify_all(resources))


def _accounted(source: PolicySource) -> bool:
    if isinstance(source.document, Unknown | Sensitive):
        return "after apply" in source.note or "sensitive" in source.note
    if source.document is None:
        return source.note.startswith("unresolved:")
    return True


@pytest.mark.corpus
@pytest.mark.parametrize("plan", PLANS, ids=[p.name for p in PLANS])
def test_identities_resolve_or_say_why(plan: Path) -> None:
    index = _index(plan)
    identities = IdentityResolver(index).identities()
    iam_types = {"aws_iam_role", "aws_iam_user", "aws_iam_group"}
    planned = [r for r in index.resources if r.type in iam_types and r.action.value != "delete"]
    assert len(identities) == len([r for r in planned if r.mode == "managed"])
    for identity in identities:
        for source in identity.policies:
            assert _accounted(source), (identity.address, source)
        answer = answer_query(index, identity, "s3:GetObject", "arn:aws:s3:::some-bucket/key")
        assert answer.decision.decision in set(Tristate)
        assert answer.decision.reason


def test_corpus_has_identities_with_policies() -> None:
    if not PLANS:
        pytest.skip("../shared/corpus is not present")
    plan = CORPUS / "regula__iam_user_attached_policy.json"
    identities = IdentityResolver(_index(plan)).identities()
    kinds = {i.kind for i in identities}
    assert {"role", "user", "group"} <= kinds
    users = [i for i in identities if i.kind == "user"]
    members = [i for i in users if i.groups]
    assert members, "group memberships are followed"
    # a member gets its groups' policies (aws_iam_group_policy and group attachments)
    by_address = {i.address: i for i in identities}
    for member in members:
        for group in member.groups:
            assert {p.source for p in by_address[group].policies} <= {
                p.source for p in member.policies
            }
    attached = {p.source for i in users for p in i.policies}
    assert any(s.startswith("aws_iam_policy.") for s in attached), "attachments resolve"
