"""Federation edges from Kubernetes service accounts to AWS roles: EKS IRSA and EKS Pod
Identity, each Yes / Maybe / No with what decides it.

- **IRSA**: a role whose trust policy admits the cluster's OIDC provider with a ``sub`` of
  ``system:serviceaccount:NS:NAME`` can be assumed by that account's pods. An exact subject
  gives an edge to that account (whether or not the inputs define it); a wildcard subject
  gives edges to every account of the inputs it matches; no ``sub`` at all admits every
  service account of the cluster. An account annotated ``eks.amazonaws.com/role-arn`` for a
  role that does not admit it is an edge that answers No, with why.
- **Pod Identity**: an ``aws_eks_pod_identity_association`` ties a namespace and account to a
  role, which must trust ``pods.eks.amazonaws.com``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from iacguard.aws.identities import AwsIdentity
from iacguard.aws.view import aws_view
from iacguard.engine.context import ScanIndex
from iacguard.k8s.identities import CLOUD_IDENTITY_KEYS, k8s_view
from iacguard.k8s.objects import as_dict, body
from iacguard.model.values import Tristate, Unknown

Via = Literal["irsa", "pod-identity"]
IRSA_ANNOTATION = CLOUD_IDENTITY_KEYS[0]


@dataclass(frozen=True, slots=True)
class Federation:
    """A Kubernetes service account can become an AWS role."""

    account: str
    """``k8s:ServiceAccount/NS/NAME``."""
    role: str
    """The role's Terraform address."""
    role_id: str
    via: Via
    answer: Tristate
    why: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "account": self.account,
            "role": self.role,
            "role_id": self.role_id,
            "via": self.via,
            "answer": self.answer.value,
            "why": self.why,
            **self.evidence,
        }


def _account_id(subject: str) -> str | None:
    parts = subject.split(":")
    if len(parts) == 4 and parts[0] == "system" and parts[1] == "serviceaccount":
        return f"k8s:ServiceAccount/{parts[2]}/{parts[3]}"
    return None


def federations(index: ScanIndex) -> list[Federation]:
    """Every IRSA and Pod Identity edge the inputs show (memoised per scan)."""
    return index.memo("federations", lambda: _federations(index))


def _federations(index: ScanIndex) -> list[Federation]:
    aws = aws_view(index)
    k8s = k8s_view(index)
    known = {a.node_id: a for a in k8s.accounts.values()}
    found: dict[tuple[str, str, str], Federation] = {}

    def add(edge: Federation) -> None:
        key = (edge.account, edge.role, edge.via)
        if key not in found or found[key].answer is not Tristate.YES:
            found[key] = edge

    roles = [i for i in aws.identities if i.kind == "role"]
    for role in roles:
        for principal in aws.trust(role):
            if principal.kind != "oidc" or principal.provider != "eks":
                continue
            evidence = {
                "provider": principal.principal,
                "subjects": list(principal.subjects),
                "audiences": list(principal.audiences),
            }
            if not principal.subjects:
                for node_id in known:
                    add(
                        Federation(
                            node_id,
                            role.address,
                            role.node_id,
                            "irsa",
                            principal.decision,
                            "the trust policy has no sub condition: every service account of "
                            "the cluster",
                            evidence,
                        )
                    )
                continue
            for subject in principal.subjects:
                exact = _account_id(subject)
                if exact is not None and not any(c in subject for c in "*?"):
                    add(
                        Federation(
                            exact,
                            role.address,
                            role.node_id,
                            "irsa",
                            principal.decision,
                            f"the trust policy admits sub {subject}",
                            evidence,
                        )
                    )
                    continue
                for candidate in known.values():
                    if fnmatchcase(candidate.username, subject):
                        add(
                            Federation(
                                candidate.node_id,
                                role.address,
                                role.node_id,
                                "irsa",
                                principal.decision,
                                f"the trust policy admits sub {subject} (a wildcard)",
                                evidence,
                            )
                        )
    # annotations naming a role that does not admit the account
    for account in k8s.accounts.values():
        if account.resource is None:
            continue
        annotations = as_dict(as_dict(body(account.resource).get("metadata")).get("annotations"))
        value = annotations.get(IRSA_ANNOTATION)
        annotated = _annotated_role(value, roles, aws.context.account)
        if annotated is None:
            continue
        if (account.node_id, annotated.address, "irsa") not in found:
            add(
                Federation(
                    account.node_id,
                    annotated.address,
                    annotated.node_id,
                    "irsa",
                    Tristate.NO,
                    f"annotated with the role, whose trust policy does not admit "
                    f"{account.username}",
                    {"annotation": IRSA_ANNOTATION},
                )
            )
    for association in index.planned("aws_eks_pod_identity_association"):
        namespace, name = association.get("namespace"), association.get("service_account")
        if not isinstance(namespace, str) or not isinstance(name, str):
            continue
        linked = index.related(association, "role_arn", "aws_iam_role")
        for resource in linked:
            linked_role = aws.by_address.get(resource.address)
            if linked_role is None:
                continue
            trusts = [
                p
                for p in aws.trust(linked_role)
                if p.kind == "service" and p.principal == "pods.eks.amazonaws.com"
            ]
            answer = trusts[0].decision if trusts else Tristate.NO
            why = (
                f"{association.address} associates it, and the role trusts pods.eks.amazonaws.com"
                if trusts
                else f"{association.address} associates it, but the role does not trust "
                "pods.eks.amazonaws.com: the association fails"
            )
            add(
                Federation(
                    f"k8s:ServiceAccount/{namespace}/{name}",
                    linked_role.address,
                    linked_role.node_id,
                    "pod-identity",
                    answer,
                    why,
                    {
                        "association": association.address,
                        "cluster": association.get("cluster_name"),
                    },
                )
            )
    return [found[k] for k in sorted(found)]


def _annotated_role(
    value: Any, roles: list[AwsIdentity], account: str | None
) -> AwsIdentity | None:
    """The role an IRSA annotation names: by ARN, by name (the ARN known only after apply
    has the role's name), or by the resource the unknown value comes from."""
    if isinstance(value, Unknown):
        origins = set(value.origins) | set(value.sources) | set(value.references)
        for role in roles:
            if role.resource.config_address in origins or role.address in origins:
                return role
        return None
    if not isinstance(value, str) or ":role/" not in value:
        return None
    name = value.rsplit("/", 1)[-1]
    arn_account = value.split(":")[4] if value.count(":") >= 5 else ""
    for role in roles:
        if role.arn == value:
            return role
        if role.name == name and (not account or not arn_account or arn_account == account):
            return role
    return None


def attach(index: ScanIndex, document: dict[str, Any]) -> None:
    """Add the federation edges to an ``identities`` document: ``federates_to`` on service
    accounts, and the accounts in the ``assumable_by`` of the roles they can become."""
    edges = federations(index)
    by_account: dict[str, list[dict[str, Any]]] = {}
    by_role: dict[str, list[dict[str, Any]]] = {}
    for edge in edges:
        by_account.setdefault(edge.account, []).append(edge.as_json())
        if edge.answer is not Tristate.NO:
            by_role.setdefault(edge.role, []).append(
                {"source": edge.account, "answer": edge.answer.value, "via": edge.via}
            )
    for item in document["identities"]:
        if item["provider"] == "kubernetes":
            item["federates_to"] = by_account.get(item["id"], [])
        elif item["address"] in by_role:
            item["assumable_by"] = [*item["assumable_by"], *by_role[item["address"]]]
