"""Azure identity checks: privileged roles on workload identities, Azure OpenAI reachable with
keys or from the internet, Key Vault read beyond the secrets a workload needs, and federated
credentials admitting any pull request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from iacguard.azure.evaluate import AzurePrincipal, AzureView, azure_view
from iacguard.azure.federation import CI_ISSUERS, credentials
from iacguard.azure.rbac import AzureGrant, Scope
from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate, Unknown

#: Built-in roles that control a scope, with their severity on a workload identity.
_PRIVILEGED = {
    "owner": Severity.CRITICAL,
    "user access administrator": Severity.CRITICAL,
    "role based access control administrator": Severity.CRITICAL,
    "contributor": Severity.HIGH,
}
#: Principals that are identities code runs as (managed identities and service principals).
_WORKLOAD_KINDS = ("user_assigned", "system_assigned", "kubelet", "service_principal")
_SECRET_READ = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
_VAULT_SEGMENT = "/providers/microsoft.keyvault/vaults/"
_OPENAI_KINDS = ("openai", "aiservices")


def _workload_grants(
    view: AzureView,
) -> Iterator[tuple[AzurePrincipal, AzureGrant, Tristate]]:
    """Every grant linked to a workload identity: a managed identity or a service principal of
    the inputs (by reference or object id), or an object id outside the inputs that the
    assignment says is a service principal (``principal_type = "ServicePrincipal"``).

    A grant whose principal is known only after apply and cannot be linked through the
    configuration could name anyone; it is left out rather than reported once per identity.
    """
    for principal in view.identities:
        for grant, answer, _why in view.grants_of(principal):
            ref = grant.principal
            if ref.resource is None and ref.object_id is None:
                continue
            if principal.kind in _WORKLOAD_KINDS or (
                principal.kind == "object"
                and (ref.principal_type or "").lower() == "serviceprincipal"
            ):
                yield principal, grant, answer


@check(
    id="azure-privileged-role-on-workload-identity",
    title="Azure workload identity holds Owner, Contributor or User Access Administrator",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("azurerm_role_assignment",),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
    },
    remediation=(
        "Assign the identity the data-plane or service roles it uses (Storage Blob Data Reader "
        "on one container, Cognitive Services OpenAI User on one account), never Owner, "
        "Contributor or User Access Administrator."
    ),
)
def privileged_role_on_workload_identity(ctx: CheckContext) -> Iterator[Finding]:
    """A managed identity (user-assigned, system-assigned, an AKS kubelet identity) or a
    service principal assigned Owner, User Access Administrator or Role Based Access Control
    Administrator (critical: they write role assignments, so they control every identity of
    the scope) or Contributor (high: it changes every resource and reads storage account keys)
    at any scope, by role name or role definition id.

    Principals known only after apply (`azurerm_user_assigned_identity.x.principal_id`,
    `azurerm_kubernetes_cluster.x.kubelet_identity[0].object_id`, `identity[0].principal_id`
    of a resource with a system-assigned identity) are linked through the configuration; a
    known object id is a service principal of the inputs with that object id, or a principal
    outside the inputs that the assignment's `principal_type` says is a `ServicePrincipal`.
    People and groups are not reported. An assignment under an ABAC condition is reported with
    medium confidence.

    Before: `azurerm_role_assignment { role_definition_name = "Contributor", principal_id =
    azurerm_user_assigned_identity.trainer.principal_id, scope = azurerm_resource_group.ml.id }`.
    After: `Storage Blob Data Reader` on the training-data container.
    """
    view = azure_view(ctx.index)
    for principal, grant, answer in _workload_grants(view):
        definition = grant.definition
        if grant.kind != "role-assignment" or definition is None or definition.custom:
            continue
        severity = _PRIVILEGED.get(definition.name.lower())
        if severity is None:
            continue
        yield ctx.finding(
            grant.source,
            f"{principal.label} holds {definition.name} on {grant.scope.text()}"
            + (" (under a condition)" if grant.condition else ""),
            evidence=[{**grant.as_json(), "identity": principal.node_id}],
            severity=severity,
            confidence=Confidence.MEDIUM if answer is not Tristate.YES else None,
            key=principal.node_id,
        )


@check(
    id="azure-openai-key-auth-or-public",
    title="Azure OpenAI account accepts API keys or traffic from any network",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("azurerm_cognitive_account", "azurerm_ai_services"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.IR-01"],
        "owasp-nhi-2025": ["NHI7"],
        "owasp-llm-top10-2025": ["LLM10"],
        "mitre-atlas": ["AML.T0040"],
    },
    remediation=(
        "Set local_auth_enabled = false (Entra ID only: callers use their managed identity "
        "with Cognitive Services OpenAI User) and public_network_access_enabled = false with "
        "a private endpoint, or network_acls that deny by default (on azurerm_ai_services: "
        'local_authentication_enabled = false, public_network_access = "Disabled")'
    ),
)
def openai_key_auth_or_public(ctx: CheckContext) -> Iterator[Finding]:
    """An `azurerm_cognitive_account` of kind `OpenAI` or `AIServices`, or an
    `azurerm_ai_services` account, that leaves key authentication on (`local_auth_enabled`,
    `local_authentication_enabled` for `azurerm_ai_services`, defaults to true: anyone holding
    one of the two account keys calls every deployment, with no identity to audit or revoke)
    or accepts traffic from every network (`public_network_access_enabled` defaults to true,
    `public_network_access` to `Enabled`, and no `network_acls` denying by default). Both at
    once are critical. A setting known only after apply is reported with medium confidence.

    Before: `local_auth_enabled = true`, `public_network_access_enabled = true`.
    After: both false, a private endpoint, and role assignments for the callers.
    """
    for account in ctx.planned("azurerm_cognitive_account", "azurerm_ai_services"):
        ai_services = account.type == "azurerm_ai_services"
        kind = "AIServices" if ai_services else account.get("kind")
        if not isinstance(kind, str) or kind.lower() not in _OPENAI_KINDS:
            continue
        local_key, public_key = (
            ("local_authentication_enabled", "public_network_access")
            if ai_services
            else ("local_auth_enabled", "public_network_access_enabled")
        )
        local, public = account.get(local_key), account.get(public_key)
        acls = account.get("network_acls")
        first = acls[0] if isinstance(acls, list) and acls else None
        default_action = first.get("default_action") if isinstance(first, dict) else None
        deny = isinstance(default_action, str) and default_action.lower() == "deny"
        problems = []
        if local is not False:
            problems.append(f"API keys are accepted ({local_key})")
        if public not in (False, "Disabled") and not deny:
            problems.append(f"every network may call it ({public_key})")
        if not problems:
            continue
        unknown = any(isinstance(v, Unknown) for v in (local, public, acls, default_action))
        yield ctx.finding(
            account,
            f"{kind} account {account.get('name') or account.address}: " + "; ".join(problems),
            evidence=[
                {
                    "kind": "attribute",
                    local_key: local,
                    public_key: public,
                    "network_acls_default_action": default_action,
                }
            ],
            severity=Severity.CRITICAL if len(problems) == 2 else None,
            confidence=Confidence.MEDIUM if unknown else None,
        )


def _uses_rbac(vault: Resource) -> Tristate:
    """Does the vault authorize data actions with Azure RBAC (not access policies)?"""
    # NOTE: a vault uses access policies unless enable_rbac_authorization (azurerm 4.x also
    # rbac_authorization_enabled) is true, and then ignores RBAC data actions: see
    # https://learn.microsoft.com/azure/key-vault/general/rbac-guide
    values = [vault.get(k) for k in ("rbac_authorization_enabled", "enable_rbac_authorization")]
    if True in values:
        return Tristate.YES
    return Tristate.MAYBE if any(isinstance(v, Unknown) for v in values) else Tristate.NO


def _vaults_under(scope: Scope) -> str | None:
    """The vaults a grant at ``scope`` covers in whole, or None when it covers none: one
    secret, a resource that is not a vault, or a scope the inputs do not say."""
    target = scope.target
    if target is not None and target.type == "azurerm_key_vault_secret":
        return None
    if scope.id is not None and "/secrets/" in scope.id:
        return None
    if target is not None and target.type == "azurerm_key_vault":
        name = target.get("name")
        return f"Key Vault {name if isinstance(name, str) else target.address}"
    if scope.id is None:
        if target is not None and target.type in ("azurerm_resource_group", "azurerm_subscription"):
            return f"every Key Vault in {target.address}"
        return None  # the scope is not known: left out rather than guessed
    if scope.kind != "resource":
        return f"every Key Vault in {scope.text()}"
    if _VAULT_SEGMENT in scope.id:
        return f"Key Vault {scope.id.rsplit('/', 1)[-1]}"
    return None


@check(
    id="azure-key-vault-broad-secret-read",
    title="Workload identity reads every secret of a Key Vault",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("azurerm_role_assignment", "azurerm_key_vault_access_policy", "azurerm_key_vault"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI5", "NHI2"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM02"],
    },
    remediation=(
        "Assign Key Vault Secrets User on the secrets the workload reads "
        "(scope = azurerm_key_vault_secret.x.resource_versionless_id), not on the vault or "
        "above; move vaults from access policies to RBAC authorization."
    ),
)
def key_vault_broad_secret_read(ctx: CheckContext) -> Iterator[Finding]:
    """A managed identity or service principal that may read secret values
    (`secrets/getSecret`) of a whole vault: through a role (Key Vault Secrets User, Secrets
    Officer, Administrator, or a custom role) assigned on a vault, its resource group,
    subscription or management group, or through a vault access policy (`secret_permissions`
    with `Get`, which always covers every secret). A workload needs the few secrets its code
    reads; a vault-wide grant hands a compromised pod every other application's credentials.

    Roles assigned on one secret are what the check asks for. A vault that uses access
    policies (`enable_rbac_authorization` false, the default) ignores the data actions of
    roles assigned on it, and one that uses RBAC ignores its access policies: neither is
    reported, nor is an assignment whose scope the inputs do not say. A grant under an ABAC
    condition, or on a vault whose authorization mode is known only after apply, is reported
    with medium confidence.

    Before: `Key Vault Secrets User` on `azurerm_key_vault.ml.id`.
    After: on `azurerm_key_vault_secret.openai_api_key.resource_versionless_id`.
    """
    view = azure_view(ctx.index)
    for principal, grant, answer in _workload_grants(view):
        definition = grant.definition
        if definition is None or definition.grants(_SECRET_READ, True) is not Tristate.YES:
            continue
        where = _vaults_under(grant.scope)
        if where is None:
            continue
        vault = grant.scope.target
        rbac = Tristate.YES
        if (
            grant.kind == "role-assignment"
            and vault is not None
            and vault.type == "azurerm_key_vault"
        ):
            rbac = _uses_rbac(vault)
            if rbac is Tristate.NO:
                continue
        yield ctx.finding(
            grant.source,
            f"{principal.label} reads every secret of {where} ({grant.role})"
            + (" (under a condition)" if grant.condition else ""),
            evidence=[{**grant.as_json(), "identity": principal.node_id}],
            confidence=(
                Confidence.MEDIUM
                if answer is not Tristate.YES or rbac is not Tristate.YES
                else None
            ),
            key=principal.node_id,
        )


#: A condition on the subject claim in a flexible credential's claims_matching_expression.
_SUB_CLAUSE = re.compile(r"claims\[\s*'sub'\s*\]\s+(matches|eq)\s+'([^']*)'", re.IGNORECASE)
_FLEXIBLE = "azuread_application_flexible_federated_identity_credential"


@dataclass(frozen=True, slots=True)
class _Trust:
    """A federated credential to judge: the subject it admits and the identity it becomes."""

    resource: Resource
    identity: AzurePrincipal | None
    issuer: str | None
    subject: str
    provider: str
    wildcard: bool
    """The subject is a pattern (``matches`` with ``*`` in a flexible credential)."""


def _trusts(ctx: CheckContext, view: AzureView) -> Iterator[_Trust]:
    """The credentials of the inputs: exact subjects (``federation.credentials``) and flexible
    credentials, whose ``claims_matching_expression`` may match the subject with wildcards."""
    for credential in credentials(ctx.index):
        if credential.provider != "aks" and credential.subject:
            yield _Trust(
                credential.resource,
                credential.identity,
                credential.issuer,
                credential.subject,
                credential.provider,
                wildcard=False,
            )
    for resource in ctx.planned(_FLEXIBLE):
        expression = resource.get("claims_matching_expression")
        issuer = resource.get("issuer")
        issuer = issuer.rstrip("/") if isinstance(issuer, str) else None
        identity = None
        for application in ctx.index.targets(resource, "application_id"):
            for principal in view.identities:
                if (
                    principal.kind == "service_principal"
                    and principal.resource is not None
                    and any(
                        t is application for t in ctx.index.targets(principal.resource, "client_id")
                    )
                ):
                    identity = principal
        for operator, pattern in _SUB_CLAUSE.findall(
            expression if isinstance(expression, str) else ""
        ):
            yield _Trust(
                resource,
                identity,
                issuer,
                pattern,
                CI_ISSUERS.get(issuer, "oidc") if issuer else "oidc",
                wildcard=operator.lower() == "matches" and "*" in pattern,
            )


@check(
    id="azure-federated-credential-broad-subject",
    title="Federated identity credential admits any pull request or a wildcard subject",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(
        "azurerm_federated_identity_credential",
        "azuread_application_federated_identity_credential",
        _FLEXIBLE,
    ),
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
        "owasp-nhi-2025": ["NHI4", "NHI6"],
        "owasp-agentic-top10-2026": ["ASI03"],
    },
    remediation=(
        "Trust the protected branch or a deployment environment with required reviewers "
        "(repo:ORG/REPO:environment:prod), never pull_request, for an identity that can "
        "change anything."
    ),
)
def federated_credential_broad_subject(ctx: CheckContext) -> Iterator[Finding]:
    """A federated credential trusting GitHub Actions with the subject
    `repo:ORG/REPO:pull_request`, which every pull request's workflow gets whatever its branch
    (the code of an unreviewed change runs as the identity), or a flexible credential
    (`azuread_application_flexible_federated_identity_credential`) whose
    `claims_matching_expression` matches the subject with a wildcard
    (`claims['sub'] matches 'repo:acme/*:*'`: every repository, branch or event the pattern
    covers). Critical when the identity (a user-assigned identity, or the service principal of
    an application) holds Owner, User Access Administrator, Role Based Access Control
    Administrator or Contributor through an assignment of the inputs.

    The `subject` of an ordinary credential is matched exactly (a `*` in it is a literal
    character, which no token carries), and AKS Workload Identity credentials name one
    Kubernetes service account: neither is reported.

    Before: `subject = "repo:acme/ml-infra:pull_request"` on the deployer's identity.
    After: `subject = "repo:acme/ml-infra:environment:prod"`.
    """
    view = azure_view(ctx.index)
    for trust in _trusts(ctx, view):
        pull_request = trust.subject.endswith(":pull_request")
        if not (pull_request or trust.wildcard):
            continue
        roles: list[str] = []
        if trust.identity is not None:
            roles = sorted(
                {
                    g.role
                    for g, _a, _w in view.grants_of(trust.identity)
                    if g.principal.resource is not None or g.principal.object_id is not None
                }
            )
        privileged = any(r.lower() in _PRIVILEGED for r in roles)
        yield ctx.finding(
            trust.resource,
            f"{trust.provider} subject {trust.subject} admits "
            + ("any pull request" if pull_request else "every subject the wildcard matches")
            + (f"; the identity holds {', '.join(roles[:3])}" if roles else ""),
            evidence=[
                {
                    "kind": "federated-credential",
                    "issuer": trust.issuer,
                    "subject": trust.subject,
                    "identity": trust.identity.node_id if trust.identity else None,
                    "roles": roles,
                }
            ],
            severity=Severity.CRITICAL if privileged else None,
            key=trust.subject,
        )
