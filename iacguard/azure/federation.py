"""Who becomes an Azure identity without a secret: Kubernetes service accounts through AKS
Workload Identity, CI jobs through federated identity credentials, and pods through the
cluster's kubelet identity.

- **AKS Workload Identity**: an ``azurerm_federated_identity_credential`` on a user-assigned
  identity trusts the cluster's OIDC issuer for the subject ``system:serviceaccount:NS:SA``.
  Pods of that account labelled ``azure.workload.identity/use: "true"`` get a token the
  identity accepts; the account's ``azure.workload.identity/client-id`` annotation says which
  identity the pod's SDK asks for.
- **CI**: a federated credential trusting GitHub Actions, GitLab or Terraform Cloud admits the
  jobs whose token carries exactly its subject (``repo:acme/infra:ref:refs/heads/main``,
  ``repo:acme/infra:pull_request``...).
- **Kubelet identity**: pods without workload identity can ask the instance metadata service
  for the kubelet identity's tokens (AKS does not block it by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iacguard.azure.evaluate import AzurePrincipal, azure_view
from iacguard.engine.context import ScanIndex
from iacguard.k8s.identities import ServiceAccount, k8s_view
from iacguard.k8s.objects import annotations_of, as_dict
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate, Unknown

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"
CI_ISSUERS = {
    "https://token.actions.githubusercontent.com": "github",
    "https://gitlab.com": "gitlab",
    "https://app.terraform.io": "terraform-cloud",
}
_CREDENTIALS = (
    "azurerm_federated_identity_credential",
    "azuread_application_federated_identity_credential",
)


@dataclass(frozen=True, slots=True)
class Credential:
    """A federated identity credential: which issuer and subject become which identity."""

    resource: Resource
    identity: AzurePrincipal | None
    issuer: str | None
    """The issuer URL, or ``aks:NAME`` for a cluster's OIDC issuer known only after apply."""
    subject: str | None
    provider: str
    """``aks``, ``github``, ``gitlab``, ``terraform-cloud`` or ``oidc``."""
    cluster: Resource | None = None
    """For ``aks``: the cluster whose issuer the credential trusts, when the inputs say."""


@dataclass(frozen=True, slots=True)
class AksFederation:
    """A Kubernetes service account can become an Azure identity."""

    account: str
    target: AzurePrincipal
    answer: Tristate
    why: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON form (the shape of the AWS and GCP federation edges)."""
        return {
            "account": self.account,
            "role": self.target.address,
            "role_id": self.target.node_id,
            "via": "aks-workload-identity",
            "answer": self.answer.value,
            "why": self.why,
            **self.evidence,
        }


def credentials(index: ScanIndex) -> list[Credential]:
    """Every federated identity credential of the inputs (memoised)."""
    return index.memo("azure-credentials", lambda: _credentials(index))


def _credentials(index: ScanIndex) -> list[Credential]:
    view = azure_view(index)
    by_resource = {
        (p.resource.address, p.kind): p for p in view.identities if p.resource is not None
    }
    found = []
    for resource in index.planned(*_CREDENTIALS):
        identity = None
        for attribute in ("parent_id", "application_id", "application_object_id"):
            for target in index.targets(resource, attribute):
                kind = (
                    "user_assigned" if target.type.startswith("azurerm_") else "service_principal"
                )
                if target.type == "azuread_application":
                    sp = [
                        p
                        for p in view.identities
                        if p.kind == "service_principal"
                        and p.resource is not None
                        and any(t is target for t in index.targets(p.resource, "client_id"))
                    ]
                    identity = sp[0] if sp else None
                else:
                    identity = by_resource.get((target.address, kind))
        issuer_value = resource.get("issuer")
        subject_value = resource.get("subject")
        issuer = issuer_value.rstrip("/") if isinstance(issuer_value, str) else None
        provider = CI_ISSUERS.get(issuer, "oidc") if issuer else "oidc"
        if issuer is None or "oic.prod-aks.azure.com" in (issuer or ""):
            clusters = [
                t
                for t in index.targets(resource, "issuer")
                if t.type == "azurerm_kubernetes_cluster"
            ]
            if clusters or (issuer and "aks" in issuer):
                provider = "aks"
                name = clusters[0].get("name") if clusters else None
                issuer = issuer or f"aks:{name if isinstance(name, str) else clusters[0].address}"
        linked = [
            t for t in index.targets(resource, "issuer") if t.type == "azurerm_kubernetes_cluster"
        ]
        found.append(
            Credential(
                resource,
                identity,
                issuer,
                subject_value if isinstance(subject_value, str) else None,
                provider,
                linked[0] if len(linked) == 1 else None,
            )
        )
    return found


def aks_federations(index: ScanIndex) -> list[AksFederation]:
    """Every AKS Workload Identity edge (memoised)."""
    return index.memo("aks-federations", lambda: _aks(index))


def _aks(index: ScanIndex) -> list[AksFederation]:
    k8s = k8s_view(index)
    clusters = index.planned("azurerm_kubernetes_cluster")
    edges = []
    for credential in credentials(index):
        enabled, enabled_why = _enabled(
            [credential.cluster] if credential.cluster is not None else clusters
        )
        if credential.provider != "aks" or credential.identity is None or not credential.subject:
            continue
        parts = credential.subject.split(":")
        if len(parts) != 4 or parts[:2] != ["system", "serviceaccount"]:
            continue
        node_id = f"k8s:ServiceAccount/{parts[2]}/{parts[3]}"
        account = k8s.accounts.get((parts[2], parts[3]))
        answer, why = _pods(account)
        answer = enabled if enabled is not Tristate.YES and answer is not Tristate.NO else answer
        edges.append(
            AksFederation(
                node_id,
                credential.identity,
                answer,
                f"{credential.resource.address} trusts {credential.subject}; {why}; {enabled_why}",
                {"credential": credential.resource.address, "subject": credential.subject},
            )
        )
    return edges


def _pods(account: ServiceAccount | None) -> tuple[Tristate, str]:
    if account is None:
        return Tristate.MAYBE, "the service account is not in the inputs"
    annotated = (
        CLIENT_ID_ANNOTATION in annotations_of(account.resource)
        if account.resource is not None
        else False
    )
    labelled = any(_uses(pod.workload) for pod in account.pods)
    if annotated and labelled:
        return Tristate.YES, (
            f"the account is annotated {CLIENT_ID_ANNOTATION} and its pods are labelled {USE_LABEL}"
        )
    if labelled:
        return Tristate.YES, (
            f"its pods are labelled {USE_LABEL} (the client id comes from the environment)"
        )
    return Tristate.MAYBE, (
        f"no pod of the account is labelled {USE_LABEL}: the webhook does not project the "
        "token, but a pod that requests one itself still gets in"
    )


def _uses(workload: Resource) -> bool:
    """Is the workload's pod template labelled ``azure.workload.identity/use: "true"``?"""
    body = as_dict(workload.values)
    paths = [
        ("spec", "template", "metadata"),
        ("spec", "jobTemplate", "spec", "template", "metadata"),
    ]
    if workload.type == "Pod":
        paths = [("metadata",)]
    for path in paths:
        node: Any = body
        for step in path:
            node = as_dict(node).get(step)
        labels = as_dict(as_dict(node).get("labels"))
        if str(labels.get(USE_LABEL, "")).lower() == "true":
            return True
    return False


def _enabled(clusters: list[Resource]) -> tuple[Tristate, str]:
    if not clusters:
        return Tristate.MAYBE, "the AKS cluster is not in the inputs"
    states = set()
    for cluster in clusters:
        oidc, identity = (
            cluster.get("oidc_issuer_enabled"),
            cluster.get("workload_identity_enabled"),
        )
        if oidc is True and identity is True:
            states.add(Tristate.YES)
        elif oidc is False or oidc is None:
            states.add(Tristate.NO)  # no issuer: nothing for the credential to trust
        else:
            # the webhook is off (or unknown): pods do not get the token projected, but a
            # pod that projects one itself (audience api://AzureADTokenExchange) still does
            states.add(Tristate.MAYBE)
    names = ", ".join(sorted(str(c.get("name") or c.address) for c in clusters))
    if states == {Tristate.YES}:
        return Tristate.YES, f"workload identity is on in {names}"
    if states == {Tristate.NO}:
        return Tristate.NO, f"workload identity is off in {names}"
    return Tristate.MAYBE, f"workload identity is on in some of {names} only, or not known"


def kubelet_reachable(cluster: Resource) -> tuple[Tristate, str]:
    """Can pods of the cluster reach its kubelet identity through the metadata service?"""
    value = cluster.get("kubelet_identity")
    if isinstance(value, Unknown) or value is None or value == []:
        return Tristate.YES, (
            "pods reach the instance metadata service and the kubelet identity's tokens "
            "(AKS does not block it unless a network policy does)"
        )
    return Tristate.YES, "pods reach the kubelet identity through the instance metadata service"
