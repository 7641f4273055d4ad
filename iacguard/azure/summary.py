"""``iacguard identities`` and ``iacguard query`` for Azure identities."""

from __future__ import annotations

from typing import Any

from iacguard.azure.evaluate import AzureDecision, AzurePrincipal, AzureView, azure_view
from iacguard.azure.federation import aks_federations, credentials
from iacguard.engine.context import ScanIndex
from iacguard.model.values import Tristate

#: Capability classes of Azure operations, by probe (operation, data action?).
_MI = "Microsoft.ManagedIdentity/userAssignedIdentities"
_BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
AZURE_PROBES: dict[str, tuple[tuple[str, bool], ...]] = {
    "full-admin": (
        ("Microsoft.Authorization/roleAssignments/write", False),
        ("Microsoft.Compute/virtualMachines/write", False),
    ),
    "permissions-management": (
        ("Microsoft.Authorization/roleAssignments/write", False),
        ("Microsoft.Authorization/roleDefinitions/write", False),
    ),
    "cluster-admin": (
        ("Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action", False),
    ),
    "assume-identity": ((f"{_MI}/federatedIdentityCredentials/write", False),),
    "pass-role": ((f"{_MI}/assign/action", False),),
    "read-secrets": (
        ("Microsoft.KeyVault/vaults/secrets/getSecret/action", True),
        ("Microsoft.Storage/storageAccounts/listKeys/action", False),
    ),
    "decrypt": (("Microsoft.KeyVault/vaults/keys/decrypt/action", True),),
    "write-data": ((f"{_BLOBS}/write", True),),
    "modify-infrastructure": (
        ("Microsoft.Compute/virtualMachines/write", False),
        ("Microsoft.Storage/storageAccounts/write", False),
        ("Microsoft.CognitiveServices/accounts/write", False),
    ),
    "read-data": ((f"{_BLOBS}/read", True),),
    "invoke-model": (
        ("Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action", True),
    ),
}


def role_classes(view: AzureView, principal: AzurePrincipal) -> dict[str, list[dict[str, Any]]]:
    """Capability class → the assignments giving it (role, scope, answer)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for grant, answer, _why in view.grants_of(principal):
        definition = grant.definition
        for name, probes in AZURE_PROBES.items():
            answers = []
            if definition is None:
                held = Tristate.MAYBE
            else:
                answers = [definition.grants(action, data) for action, data in probes]
                if name == "full-admin":  # every probe: administration and infrastructure
                    held = Tristate.YES if all(a is Tristate.YES for a in answers) else Tristate.NO
                elif Tristate.YES in answers:
                    held = Tristate.YES
                else:
                    held = Tristate.MAYBE if Tristate.MAYBE in answers else Tristate.NO
            if held is Tristate.NO:
                continue
            surest = Tristate.YES if answer is held is Tristate.YES else Tristate.MAYBE
            found.setdefault(name, []).append(
                {
                    "role": grant.role,
                    "scope": grant.scope.text(),
                    "scope_id": grant.scope.id,
                    "source": grant.address,
                    "answer": surest.value,
                    "actions": [  # none known for a role whose definition is not
                        action
                        for (action, _data), result in zip(probes, answers, strict=False)
                        if result is not Tristate.NO
                    ],
                }
            )
    return {name: found[name] for name in AZURE_PROBES if name in found}


def identities_json(index: ScanIndex) -> list[dict[str, Any]]:
    """One item per Azure identity of the inputs."""
    view = azure_view(index)
    if not view.identities:
        return []
    federated: dict[str, list[dict[str, Any]]] = {}
    for edge in aks_federations(index):
        if edge.answer is not Tristate.NO:
            federated.setdefault(edge.target.node_id, []).append(
                {
                    "source": edge.account,
                    "answer": edge.answer.value,
                    "via": "aks-workload-identity",
                }
            )
    for credential in credentials(index):
        if credential.identity is not None and credential.provider != "aks":
            federated.setdefault(credential.identity.node_id, []).append(
                {
                    "source": f"{credential.provider}: {credential.subject}",
                    "answer": Tristate.YES.value,
                    "via": credential.resource.address,
                }
            )
    secrets = _credentials_of(index, view)
    items = []
    for principal in view.identities:
        grants = [
            {**g.as_json(), "answer": a.value, "why": why}
            for g, a, why in view.grants_of(principal)
        ]
        items.append(
            {
                "id": principal.node_id,
                "address": principal.address,
                "provider": "azure",
                "kind": principal.kind,
                "name": principal.label,
                "object_id": principal.object_id,
                "defined": principal.resource is not None,
                "assumable_by": federated.get(principal.node_id, []),
                "grants": grants,
                "capabilities": {"classes": role_classes(view, principal)},
                "credentials": secrets.get(principal.address, []),
                "unresolved": sorted(
                    {g["role_unresolved"] for g in grants if g.get("role_unresolved")}
                ),
            }
        )
    items.sort(key=lambda i: (not i["defined"], i["id"]))
    return items


_SECRETS = (
    "azuread_application_password",
    "azuread_service_principal_password",
    "azuread_application_certificate",
    "azuread_service_principal_certificate",
)


def _credentials_of(index: ScanIndex, view: AzureView) -> dict[str, list[str]]:
    """Service principal address → the client secrets and certificates the inputs give it (or
    its application)."""
    found: dict[str, list[str]] = {}
    principals = [p for p in view.identities if p.kind == "service_principal" and p.resource]
    for secret in index.planned(*_SECRETS):
        owners = {
            t.address
            for key in ("application_id", "application_object_id", "service_principal_id")
            for t in index.targets(secret, key)
        }
        for principal in principals:
            assert principal.resource is not None
            apps = {
                t.address
                for key in ("client_id", "application_id")
                for t in index.targets(principal.resource, key)
            }
            if principal.resource.address in owners or apps & owners:
                found.setdefault(principal.address, []).append(secret.address)
    return found


def attach_aks(index: ScanIndex, document: dict[str, Any]) -> None:
    """Add the AKS Workload Identity edges to the Kubernetes accounts' ``federates_to``."""
    by_account: dict[str, list[dict[str, Any]]] = {}
    for edge in aks_federations(index):
        by_account.setdefault(edge.account, []).append(edge.as_json())
    for item in document["identities"]:
        if item["provider"] == "kubernetes" and item["id"] in by_account:
            item["federates_to"] = [*item.get("federates_to", []), *by_account[item["id"]]]


def azure_text(item: dict[str, Any]) -> list[str]:
    """An Azure identity, as text."""
    lines = [f"{item['id']}  ({item['address']})"]
    for source in item["assumable_by"]:
        maybe = " (maybe)" if source["answer"] == "unknown" else ""
        lines.append(f"  {source['source']} can become it, {source['via']}{maybe}")
    for grant in item["grants"]:
        maybe = " (maybe)" if grant["answer"] == "unknown" else ""
        condition = f" if {grant['condition']}" if grant.get("condition") else ""
        lines.append(
            f"  has {grant['role']} on {grant['scope']}{condition}{maybe}  [{grant['source']}]"
        )
        lines += [f"    {why}" for why in grant["why"]]
    classes = item["capabilities"]["classes"]
    if not classes:
        lines.append("  can: nothing the inputs show")
    for name, routes in classes.items():
        maybe = "" if any(r["answer"] == "allowed" for r in routes) else " (maybe)"
        where = ", ".join(sorted({f"{r['scope']} ({r['role']})" for r in routes})[:3])
        lines.append(f"  can {name}{maybe}: {where}")
    lines += [f"  credential {secret}" for secret in item.get("credentials", [])]
    lines += [f"  note: {note}" for note in item["unresolved"]]
    return lines


def azure_query_json(
    view: AzureView, principal: AzurePrincipal, action: str, resource: str, decision: AzureDecision
) -> dict[str, Any]:
    """The JSON answer, in the shape of the AWS and GCP ones."""
    target = view.target(resource)
    if decision.answer is Tristate.YES:
        first = next(m for m in decision.matches if m.answer is Tristate.YES)
        grant = first.grant
        reason = f"{grant.role} on {grant.scope.text()} ({grant.address}) allows {action}"
    elif decision.answer is Tristate.MAYBE:
        reason = f"{len(decision.matches)} assignment(s) may allow {action}: see why"
    else:
        reason = f"no assignment of the inputs allows {principal.label} {action} here"
    return {
        "identity": {
            "address": principal.address,
            "kind": principal.kind,
            "name": principal.label,
            "node_id": principal.node_id,
            "provider": "azure",
        },
        "action": action,
        "resource": target.id,
        "resource_address": target.resource.address if target.resource is not None else None,
        "decision": decision.answer.value,
        "reason": reason,
        "statements": [],
        "grants": [m.as_json() for m in decision.matches],
        "unknowns": sorted(
            {w for m in decision.matches if m.answer is not Tristate.YES for w in m.why}
        ),
        "unresolved": sorted(
            {m.grant.role_unresolved for m in decision.matches if m.grant.role_unresolved}
        ),
        "resource_policies": [],
        "assumptions": list(decision.assumptions),
    }
