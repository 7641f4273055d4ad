"""Long-lived static credentials for non-human identities."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity

_STATIC_FRAMEWORKS = {
    "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
    "owasp-nhi-2025": ["NHI7", "NHI2"],
    "owasp-agentic-top10-2026": ["ASI03"],
    "mitre-atlas": ["AML.T0055"],
}


@check(
    id="aws-iam-access-key",
    title="IAM user has a long-lived access key",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_access_key",),
    frameworks={
        **_STATIC_FRAMEWORKS,
        "cis-aws-foundations": ["key-rotation-90d", "unused-credentials"],
    },
    remediation=(
        "Give the workload an IAM role instead (instance profile, IRSA or EKS Pod Identity, "
        "GitHub/GitLab OIDC for CI) so it receives short-lived credentials; delete the key."
    ),
)
def aws_iam_access_key(ctx: CheckContext) -> Iterator[Finding]:
    """An `aws_iam_access_key` creates a secret that never expires on its own.

    Access keys are the credentials most often leaked through repositories, CI logs, container
    images and notebooks; whoever holds one acts as the IAM user until someone rotates it. AI
    pipelines tend to collect them (a batch uploader, a notebook reaching a bucket).

    Before:

    ```hcl
    resource "aws_iam_access_key" "uploader" { user = aws_iam_user.uploader.name }
    ```

    After: an IAM role the workload assumes (IRSA, EKS Pod Identity, an instance profile or an
    OIDC-federated CI role), with no `aws_iam_access_key` at all.
    """
    for key in ctx.planned("aws_iam_access_key"):
        user = key.get("user")
        status = key.get("status")
        if status == "Inactive":
            continue
        who = f"IAM user {user}" if isinstance(user, str) else "an IAM user known after apply"
        yield ctx.finding(
            key,
            f"Long-lived access key for {who}"
            + (" (new in this change)" if key.action.value in ("create", "replace") else ""),
            evidence=[{"kind": "attribute", "user": user, "status": status or "Active"}],
        )


@check(
    id="gcp-service-account-key",
    title="GCP service account has a user-managed key",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("google_service_account_key",),
    frameworks=_STATIC_FRAMEWORKS,
    remediation=(
        "Use Workload Identity (GKE), Workload Identity Federation (CI, other clouds) or "
        "service account impersonation instead of exported keys."
    ),
)
def gcp_service_account_key(ctx: CheckContext) -> Iterator[Finding]:
    """A `google_service_account_key` exports a private key for a service account.

    The key file is a bearer credential valid for up to the key's lifetime (by default, no
    expiry): whoever copies it from a Terraform state, CI artifact or notebook becomes the
    service account.

    Before: `resource "google_service_account_key" "trainer" { service_account_id = ... }`.
    After: GKE Workload Identity or Workload Identity Federation; no key resource.
    """
    for key in ctx.planned("google_service_account_key"):
        account = key.get("service_account_id")
        who = account if isinstance(account, str) else "a service account (known after apply)"
        yield ctx.finding(
            key,
            f"User-managed key exported for {who}",
            evidence=[{"kind": "attribute", "service_account_id": account}],
        )


@check(
    id="azure-application-password",
    title="Azure AD application or service principal has a client secret",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("azuread_application_password", "azuread_service_principal_password"),
    frameworks=_STATIC_FRAMEWORKS,
    remediation=(
        "Use a managed identity, or a federated identity credential (workload identity "
        "federation for AKS, GitHub or GitLab) instead of client secrets."
    ),
)
def azure_application_password(ctx: CheckContext) -> Iterator[Finding]:
    """A client secret (`azuread_application_password`, `azuread_service_principal_password`)
    is a long-lived password for a non-human identity.

    Client secrets are copied into pipelines and configuration files and valid until they
    expire (often years). Managed identities and federated credentials remove the secret.

    Before: `resource "azuread_application_password" "ci" { application_id = ... }`.
    After: `azuread_application_federated_identity_credential` for the CI issuer and subject.
    """
    for secret in ctx.planned("azuread_application_password", "azuread_service_principal_password"):
        end = secret.get("end_date")
        yield ctx.finding(
            secret,
            "Client secret for a non-human identity"
            + (f", valid until {end}" if isinstance(end, str) and end else ""),
            evidence=[{"kind": "attribute", "type": secret.type, "end_date": end}],
        )


#: Secret keys that hold cloud credentials (compared case-insensitively).
_CLOUD_KEYS = {
    "aws_access_key_id": "AWS access key",
    "aws_secret_access_key": "AWS secret key",
    "aws_session_token": "AWS session token",
    "aws_access_key": "AWS access key",
    "aws_secret_key": "AWS secret key",
    "credentials": "cloud credentials file",
    "credentials.json": "GCP service account key",
    "key.json": "GCP service account key",
    "service-account.json": "GCP service account key",
    "service_account.json": "GCP service account key",
    "google_application_credentials": "GCP service account key",
    "azure_client_secret": "Azure client secret",
    "client_secret": "client secret",
    "azure_storage_key": "Azure storage key",
    "azure_storage_connection_string": "Azure storage connection string",
}


@check(
    id="k8s-secret-cloud-credentials",
    title="Kubernetes Secret holds cloud credentials",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    inspects=("kubernetes_secret", "kubernetes_secret_v1", "Secret"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
        "owasp-nhi-2025": ["NHI7", "NHI2"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "cis-kubernetes": ["5.4.2"],
        "mitre-atlas": ["AML.T0055"],
    },
    remediation=(
        "Give the pod a cloud identity (EKS IRSA or Pod Identity, GKE or Azure Workload "
        "Identity) instead of keys in a Secret, or fetch short-lived credentials from an "
        "external secret store."
    ),
)
def k8s_secret_cloud_credentials(ctx: CheckContext) -> Iterator[Finding]:
    """A Kubernetes Secret whose keys name cloud credentials (`AWS_SECRET_ACCESS_KEY`,
    `credentials.json`, `AZURE_CLIENT_SECRET`...).

    Anyone who can read Secrets in the namespace, or create a pod there, gets the cloud
    identity, and the key outlives the pod. The values are never read: Terraform marks them
    sensitive and iacguard masks them; the key names decide.

    Terraform's `kubernetes_secret` resources and Secrets of manifests are both read.

    Before: a `kubernetes_secret_v1` with `data = { AWS_SECRET_ACCESS_KEY = ... }`.
    After: a service account annotated for IRSA (or a Pod Identity association).
    """
    for secret in ctx.planned("kubernetes_secret", "kubernetes_secret_v1", "Secret"):
        if secret.type == "Secret" and secret.family.value != "kubernetes":
            continue
        # Entry names decide; a Secret whose data is wholly unknown or masked says nothing.
        names: list[str] = []
        for field in ("data", "binary_data", "string_data", "stringData"):
            value = secret.get(field)
            if isinstance(value, dict):
                names.extend(k for k in value if isinstance(k, str))
        kinds = sorted({_CLOUD_KEYS[n.lower()] for n in names if n.lower() in _CLOUD_KEYS})
        if kinds:
            hits = sorted(n for n in names if n.lower() in _CLOUD_KEYS)
            yield ctx.finding(
                secret,
                f"Secret holds {', '.join(kinds)} (keys {', '.join(hits)})",
                evidence=[{"kind": "secret-keys", "keys": hits}],
            )
