"""Who can assume a role, even when its trust policy is known only after apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.aws.trust import TrustedPrincipal, trusted_by
from iacguard.engine.context import ScanIndex
from iacguard.inputs import load_inputs
from iacguard.model.values import Tristate

REPO = Path(__file__).resolve().parents[2]
IRSA_PLAN = (
    REPO.parent / "shared" / "corpus" / "plans" / "cyse7125__eks_irsa_podidentity_helm_v1.2.json"
)


def _trust(plan: Path) -> dict[str, list[TrustedPrincipal]]:
    resources = [r for d in load_inputs([str(plan)]).documents for r in d.resources]
    index = ScanIndex(resources, {})
    return {r.address: trusted_by(index, r)[0] for r in index.planned("aws_iam_role")}


def test_example_irsa_roles_trust_their_service_account_through_the_new_provider() -> None:
    trust = _trust(REPO / "examples" / "ai-stack" / "plan.json")
    (agent,) = trust["module.agent_irsa.aws_iam_role.this"]
    assert agent.kind == "oidc" and agent.provider == "eks"
    assert agent.principal == "aws_iam_openid_connect_provider.eks"
    assert agent.subjects == ("system:serviceaccount:agents:support-agent",)
    assert agent.audiences == ("sts.amazonaws.com",)
    assert agent.actions == ("sts:AssumeRoleWithWebIdentity",)
    # the provider's ARN is known after apply, but which provider it is, is not in doubt
    assert agent.decision is Tristate.YES
    assert "aws_iam_openid_connect_provider.eks" in agent.why


def test_example_ci_role_trusts_every_acme_repository() -> None:
    (github,) = _trust(REPO / "examples" / "ai-stack" / "plan.json")["aws_iam_role.ci_deploy"]
    assert github.provider == "github-actions"
    assert github.subjects == ("repo:acme/*",)
    assert "StringLike" in github.conditions


def test_example_service_roles() -> None:
    trust = _trust(REPO / "examples" / "ai-stack" / "plan.json")
    assert [(p.kind, p.principal) for p in trust["aws_iam_role.sagemaker_execution"]] == [
        ("service", "sagemaker.amazonaws.com")
    ]
    assert [(p.kind, p.principal) for p in trust["aws_iam_role.bedrock_agent"]] == [
        ("service", "bedrock.amazonaws.com")
    ]


@pytest.mark.corpus
def test_corpus_irsa_roles_show_provider_and_exact_subjects() -> None:
    if not IRSA_PLAN.is_file():
        pytest.skip("../shared/corpus is not present")
    trust = _trust(IRSA_PLAN)
    oidc = [p for p in trust["module.iam.aws_iam_role.ebs_csi_role"] if p.kind == "oidc"]
    assert [p.subjects for p in oidc] == [
        ("system:serviceaccount:kube-system:ebs-csi-controller-sa",)
    ]
    assert oidc[0].principal == "module.iam.aws_iam_openid_connect_provider.oidc_provider"
    assert oidc[0].provider == "eks"
    assert oidc[0].decision is Tristate.YES
    pod_identity = trust["module.iam.aws_iam_role.ebs-pod-identity-role"]
    assert [(p.kind, p.principal) for p in pod_identity] == [("service", "pods.eks.amazonaws.com")]
