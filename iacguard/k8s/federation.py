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
from iacguard.aws.query import caller_account
from iacguard.aws.view import aws_view
from iacguard.engine.context import ScanIndex
from iacguard.errors import UsageError
from iacguard.k8s.identities import CLOUD_IDENTITY_KEYS, ServiceAccount, k8s_view
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
    clusters = _Clusters(index)
    roles = [i for i in aws.identities if i.kind == "role"]
    annotated = {
        account.node_id: match
        for account in k8s.accounts.values()
        if (match := _annotation(account, roles, caller_account(index))) is not None
    }
    found: dict[tuple[str, str, str], Federation] = {}

    def add(edge: Federation) -> None:
        key = (edge.account, edge.role, edge.via)
        if key not in found or found[key].answer is not Tristate.YES:
            found[key] = edge

    def irsa(account: str, role: AwsIdentity, trust: Tristate, why: str, evidence: Any) -> None:
        answer, notes = trust, [why]
        defined = known.get(account)
        if defined is None or defined.resource is None:
            answer = _and(answer, Tristate.MAYBE)
            notes.append(
                "the service account is not in the inputs: whether it is annotated "
                f"{IRSA_ANNOTATION} (its pods then get a web identity token) is not known"
            )
        elif account in annotated:
            target, matched, how = annotated[account]
            if target is role:
                answer = _and(answer, matched)
                notes.append(how)
            else:
                notes.append(
                    f"annotated for {target.address}: its pods' web identity token is valid "
                    "for every role that trusts the account"
                )
        else:
            answer = _and(answer, Tristate.MAYBE)
            notes.append(
                f"not annotated {IRSA_ANNOTATION}: its pods get no web identity token unless "
                "their spec mounts one"
            )
        cluster_answer, cluster_note = clusters.decide(evidence.get("cluster"))
        if cluster_answer is Tristate.NO:
            return
        answer = _and(answer, cluster_answer)
        if cluster_note:
            notes.append(cluster_note)
        add(Federation(account, role.address, role.node_id, "irsa", answer, "; ".join(notes),
                       evidence))  # fmt: skip

    for role in roles:
        for principal in aws.trust(role):
            if principal.kind != "oidc" or principal.provider != "eks":
                continue
            evidence = {
                "provider": principal.principal,
                "cluster": clusters.of_provider(principal.principal),
                "subjects": list(principal.subjects),
                "audiences": list(principal.audiences),
            }
            if not principal.subjects:
                for node_id in known:
                    irsa(node_id, role, principal.decision,
                         "the trust policy has no sub condition: every service account of the "
                         "cluster", evidence)  # fmt: skip
                continue
            for subject in principal.subjects:
                exact = _account_id(subject)
                if exact is not None and not any(c in subject for c in "*?"):
                    irsa(exact, role, principal.decision,
                         f"the trust policy admits sub {subject}", evidence)  # fmt: skip
                    continue
                for candidate in known.values():
                    if fnmatchcase(candidate.username, subject):
                        irsa(candidate.node_id, role, principal.decision,
                             f"the trust policy admits sub {subject} (a wildcard)",
                             evidence)  # fmt: skip
    # annotations naming a role that does not admit the account
    for node_id, (role, _matched, how) in sorted(annotated.items(), key=lambda kv: kv[0]):
        if (node_id, role.address, "irsa") not in found:
            add(
                Federation(
                    node_id,
                    role.address,
                    role.node_id,
                    "irsa",
                    Tristate.NO,
                    f"{how}, but the role's trust policy does not admit {known[node_id].username}",
                    {"annotation": IRSA_ANNOTATION},
                )
            )
    for association in index.planned("aws_eks_pod_identity_association"):
        namespace, name = association.get("namespace"), association.get("service_account")
        if not isinstance(namespace, str) or not isinstance(name, str):
            continue
        cluster = association.get("cluster_name")
        cluster_answer, cluster_note = clusters.decide(
            cluster if isinstance(cluster, str) else None
        )
        if cluster_answer is Tristate.NO:
            continue
        for resource in index.related(association, "role_arn", "aws_iam_role"):
            linked_role = aws.by_address.get(resource.address)
            if linked_role is None:
                continue
            trusts = [
                p
                for p in aws.trust(linked_role)
                if p.kind == "service" and p.principal == "pods.eks.amazonaws.com"
            ]
            answer = _and(trusts[0].decision if trusts else Tristate.NO, cluster_answer)
            why = (
                f"{association.address} associates it, and the role trusts pods.eks.amazonaws.com"
                if trusts
                else f"{association.address} associates it, but the role does not trust "
                "pods.eks.amazonaws.com: the association fails"
            )
            if cluster_note:
                why += f"; {cluster_note}"
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
                        "cluster": cluster if isinstance(cluster, str) else None,
                    },
                )
            )
    return [found[k] for k in sorted(found)]


def validate_cluster(index: ScanIndex) -> None:
    """Raise a usage error when ``--cluster`` names no EKS or GKE cluster of the inputs."""
    _Clusters(index)


def _and(*values: Tristate) -> Tristate:
    if Tristate.NO in values:
        return Tristate.NO
    return Tristate.MAYBE if Tristate.MAYBE in values else Tristate.YES


class _Clusters:
    """The EKS clusters of the inputs, and which one the manifests run in."""

    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.by_address: dict[str, str] = {}
        for cluster in index.planned("aws_eks_cluster"):
            name = cluster.get("name")
            self.by_address[cluster.address] = name if isinstance(name, str) else cluster.address
        self.names = sorted(set(self.by_address.values()))
        self.chosen = index.scope.cluster
        gke = {
            c.get("name")
            for c in index.planned("google_container_cluster", "azurerm_kubernetes_cluster")
        }
        every = sorted({*self.names, *(n for n in gke if isinstance(n, str))})
        if self.chosen is not None and every and self.chosen not in every:
            raise UsageError(
                f"--cluster {self.chosen}: the inputs hold the clusters {', '.join(every)}"
            )

    def of_provider(self, principal: str) -> str | None:
        """The cluster an OIDC provider (address or ARN) belongs to, when the plan says."""
        providers = self.index.by_config_address(principal.split(",", 1)[0].strip()) or [
            p
            for p in self.index.planned("aws_iam_openid_connect_provider")
            if p.get("arn") == principal
        ]
        for provider in providers:
            url = provider.get("url")
            if isinstance(url, Unknown):
                for origin in (*url.origins, *url.sources):
                    for address, name in self.by_address.items():
                        if origin == address or origin.startswith(address + "["):
                            return name
        return None

    def decide(self, cluster: str | None) -> tuple[Tristate, str | None]:
        """Whether an edge of ``cluster`` applies to the manifests' pods."""
        if self.chosen is not None:
            if cluster is None:
                return Tristate.MAYBE, (
                    f"which cluster this is not known (--cluster {self.chosen})"
                    if len(self.names) > 1
                    else None
                )
            return (Tristate.YES, None) if cluster == self.chosen else (Tristate.NO, None)
        if len(self.names) > 1:
            return Tristate.MAYBE, (
                f"the inputs hold {len(self.names)} EKS clusters ({', '.join(self.names[:3])}"
                f"{'...' if len(self.names) > 3 else ''}): --cluster says which one the "
                "manifests and charts run in"
            )
        return Tristate.YES, None


def _annotation(
    account: ServiceAccount, roles: list[AwsIdentity], plan_account: str | None
) -> tuple[AwsIdentity, Tristate, str] | None:
    """The role an account's IRSA annotation names, how surely, and why: by ARN, by name
    (the ARN known only after apply holds the role's name; the account must match), or by
    the resource an unknown value comes from."""
    if account.resource is None:
        return None
    value = as_dict(as_dict(body(account.resource).get("metadata")).get("annotations")).get(
        IRSA_ANNOTATION
    )
    if value is None:
        return None
    if isinstance(value, Unknown):
        origins = set(value.origins) | set(value.sources) | set(value.references)
        for role in roles:
            if role.resource.config_address in origins or role.address in origins:
                return role, Tristate.YES, "annotated with the role's ARN (known after apply)"
        return None
    if not isinstance(value, str) or ":role/" not in value:
        return None
    name = value.rsplit("/", 1)[-1]
    parts = value.split(":")
    arn_account = parts[4] if len(parts) >= 6 else ""
    for role in roles:
        if role.arn == value:
            return role, Tristate.YES, f"annotated {value}"
    for role in roles:
        if role.name != name or (role.arn and role.arn != value):
            continue
        if plan_account is None:
            return (
                role,
                Tristate.MAYBE,
                (
                    f"annotated {value}: the plan's role {name} has its ARN only after apply, and "
                    "its account is not known (no aws_caller_identity data source; "
                    "--aws-account-id sets it)"
                ),
            )
        if arn_account in (plan_account, ""):
            return role, Tristate.YES, f"annotated {value} (account {plan_account})"
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
