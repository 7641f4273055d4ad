"""Google Cloud identity checks: basic roles on service accounts, public IAM members,
impersonation of stronger accounts, the default compute account with every API scope, and
workload identity pool providers that admit every token of their issuer."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from iacguard.checks.storage import AI_DATA_CLASSES

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.gcp.capabilities import Impersonation, held_classes, impersonations
from iacguard.gcp.evaluate import GcpView, Principal, gcp_view
from iacguard.gcp.federation import CLOUD_PLATFORM, PoolProvider, node_pools, pool_providers
from iacguard.gcp.iam import RESOURCE_IAM, Grant
from iacguard.gcp.members import Member
from iacguard.model.classification import ResourceClass
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate, Unknown

_BASIC = {"roles/owner": Severity.CRITICAL, "roles/editor": Severity.HIGH}
#: Member kinds that are identities code runs as (not people, not the public).
_WORKLOAD_MEMBERS = ("serviceAccount", "kubernetes", "pool")
#: Classes whose public exposure is critical: AI data (the classes ai-storage-public guards,
#: which reports buckets of them itself), secrets and keys.
_CRITICAL_WHEN_PUBLIC = {*AI_DATA_CLASSES, ResourceClass.SECRETS, ResourceClass.ENCRYPTION_KEY}
_IAM_TYPES = tuple(
    f"google_{scope}_iam_{style}"
    for scope in ("organization", "folder", "project", *RESOURCE_IAM)
    for style in ("member", "binding", "policy")
)
#: Capability classes that make one account stronger than another, most severe first.
_STRONG = (
    "full-admin",
    "cluster-admin",
    "permissions-management",
    "assume-identity",
    "read-secrets",
    "decrypt",
    "write-data",
    "modify-infrastructure",
    "run-compute",
)


@check(
    id="gcp-basic-role-on-service-account",
    title="GCP service account or workload identity holds a basic role (Owner or Editor)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=_IAM_TYPES,
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
    },
    remediation=(
        "Grant the service account the predefined or custom roles it needs, on the resources "
        "it uses (roles/storage.objectViewer on one bucket, roles/aiplatform.user on the "
        "project), never roles/owner or roles/editor."
    ),
)
def basic_role_on_service_account(ctx: CheckContext) -> Iterator[Finding]:
    """A service account granted `roles/owner` or `roles/editor` at any scope (organization,
    folder, project or resource), through a `_member`, `_binding` or `_policy` resource. The
    basic roles hold thousands of permissions across every service (Editor: create and delete
    almost anything, act as every service account; Owner: also set IAM policy), so the
    workload or pipeline running as the account can change infrastructure it has no business
    touching. Owner is critical.

    Workload identities count as service accounts: a Kubernetes service account through GKE
    Workload Identity (`serviceAccount:PROJECT.svc.id.goog[NS/KSA]`) and a CI principal of a
    workload identity pool. Users and groups are not reported (people are a different
    review). Members known only after apply (`serviceAccount:${google_service_account.x.email}`)
    are linked to their account through the plan's configuration. A grant under a condition,
    or contested by an authoritative binding or policy of the same scope, is reported with
    medium confidence.

    Before: `google_project_iam_member { role = "roles/editor", member = "serviceAccount:..." }`.
    After: `roles/aiplatform.user` on the project and `roles/storage.objectViewer` on the
    training-data bucket.
    """
    view = gcp_view(ctx.index)
    for grant in view.iam.grants:
        if grant.role not in _BASIC:
            continue
        member = grant.member
        accounts: list[str] = []
        if member.kind == "serviceAccount":
            accounts = [member.value]
        elif member.kind in _WORKLOAD_MEMBERS:
            accounts = [member.text]
        elif member.kind == "unknown":
            accounts = sorted(view.linked_accounts(grant))
        if not accounts:
            continue
        conditional = grant.condition is not None or bool(grant.conflicts)
        yield ctx.finding(
            grant.source,
            f"{', '.join(accounts)} holds {grant.role} on {grant.scope.text()}"
            + (" (under a condition or contested)" if conditional else ""),
            evidence=[grant.as_json()],
            severity=_BASIC[grant.role],
            confidence=Confidence.MEDIUM if conditional else None,
            key=member.text,
        )


@check(
    id="gcp-public-iam-member",
    title="GCP resource grants a role to allUsers or allAuthenticatedUsers",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=_IAM_TYPES,
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI6"],
        "owasp-llm-top10-2025": ["LLM02"],
        "mitre-atlas": ["AML.T0035"],
    },
    remediation=(
        "Remove the allUsers / allAuthenticatedUsers member; grant named principals, or serve "
        "the data through signed URLs or an authenticated endpoint. Enforce the "
        "storage.publicAccessPrevention organization policy."
    ),
)
def public_iam_member(ctx: CheckContext) -> Iterator[Finding]:
    """A grant to `allUsers` (anyone on the internet) or `allAuthenticatedUsers` (anyone with a
    Google account, in any organization) on a project, bucket, dataset, secret, key, topic,
    Cloud Run service or any other resource. Critical when the resource is classified as AI
    data (training data, features, embeddings, models, prompts), Terraform state, a secret or
    a key. Buckets holding AI data are reported by `ai-storage-public` instead, on the bucket
    itself. A public grant under a condition is reported with medium confidence.

    Before: `google_bigquery_dataset_iam_member { role = "roles/bigquery.dataViewer",
    member = "allAuthenticatedUsers" }`.
    After: the member removed; consumers named one by one.
    """
    view = gcp_view(ctx.index)
    for grant in view.iam.grants:
        if not grant.member.public:
            continue
        target = grant.scope.target
        found = ctx.classification(target) if target is not None else None
        resource_class = found.resource_class if found is not None else None
        if (
            target is not None
            and target.type == "google_storage_bucket"
            and resource_class in AI_DATA_CLASSES
        ):
            continue  # ai-storage-public reports the bucket, as critical
        critical = resource_class in _CRITICAL_WHEN_PUBLIC
        yield ctx.finding(
            grant.source,
            f"{grant.member.text} holds {grant.role} on {grant.scope.text()}"
            + (f" ({resource_class.value})" if critical and resource_class is not None else ""),
            evidence=[
                grant.as_json(),
                *(
                    [
                        {
                            "kind": "classification",
                            "class": found.resource_class.value,
                            "reason": found.reason,
                        }
                    ]
                    if found is not None
                    else []
                ),
            ],
            severity=Severity.CRITICAL if critical else None,
            confidence=Confidence.MEDIUM if grant.condition is not None else None,
            key=grant.member.text,
        )


_WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


def _federated(principal: Principal) -> bool:
    """A Kubernetes service account (GKE Workload Identity) or a principal of a workload
    identity pool: it has a Google identity only through the accounts it is mapped to."""
    member = principal.member
    return principal.kind == "kubernetes" or (
        member is not None and member.kind in ("kubernetes", "pool")
    )


@dataclass
class _Reach:
    """The classes each principal holds and the accounts it can become, worked out once per
    scan and shared by every principal's search."""

    view: GcpView
    classes: dict[str, dict[str, Tristate]] = field(default_factory=dict)
    edges: dict[str, list[Impersonation]] = field(default_factory=dict)
    closures: dict[str, list[Principal]] = field(default_factory=dict)
    mapping_grants: list[Grant] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.mapping_grants = [
            grant
            for grant in self.view.iam.grants
            if grant.role == _WORKLOAD_IDENTITY_USER and grant.scope.kind == "resource"
        ]

    def strongest(self, principal: Principal) -> dict[str, Tristate]:
        """Capability class → the surest answer any of the principal's grants gives it
        (cached)."""
        found = self.classes.get(principal.node_id)
        if found is None:
            held = held_classes(self.view, principal)
            found = self.classes[principal.node_id] = {k: v[0] for k, v in held.items()}
        return found

    def edges_of(self, principal: Principal) -> list[Impersonation]:
        """The accounts of the inputs the principal can become or act as (cached)."""
        found = self.edges.get(principal.node_id)
        if found is None:
            found = self.edges[principal.node_id] = impersonations(self.view, principal)
        return found

    def mappings(self, principal: Principal) -> list[Principal]:
        """The accounts a federated principal is mapped to: `roles/iam.workloadIdentityUser`
        granted to it on that one account (a grant at project level is not a mapping: it
        opens every account of the project)."""
        if not _federated(principal):
            return []
        found: dict[str, Principal] = {}
        by_address = {a.resource.address: a for a in self.view.accounts if a.resource is not None}
        for grant in self.mapping_grants:
            if self.view.member_matches(grant, principal)[0] is Tristate.NO:
                continue
            scope = grant.scope
            resource = scope.target or (
                self.view.resource_named(scope.name) if scope.name else None
            )
            account = by_address.get(resource.address) if resource is not None else None
            if account is not None:
                found[account.node_id] = account
        return list(found.values())

    def onward(self, account: Principal, origin: str) -> list[Principal]:
        """The accounts ``account`` can in turn become through grants on those accounts
        themselves, certain ones only (an account acts as another only if it can start
        compute), nearest first; ``origin`` (where the search started) is left out. Grants on a
        whole project are not followed: the origin's own grant reaches the same accounts."""
        found = self.closures.get(account.node_id)
        if found is None:
            seen = {account.node_id}
            queue = deque([account])
            found = []
            while queue:
                current = queue.popleft()
                starts_compute = self.strongest(current).get("run-compute") is Tristate.YES
                for edge in self.edges_of(current):
                    if edge.broad or edge.answer is not Tristate.YES:
                        continue
                    if edge.target.node_id in seen:
                        continue
                    if edge.kind == "act-as" and not starts_compute:
                        continue
                    seen.add(edge.target.node_id)
                    found.append(edge.target)
                    queue.append(edge.target)
            self.closures[account.node_id] = found
        return [a for a in found if a.node_id != origin]


def _names(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@check(
    id="gcp-service-account-impersonation-escalation",
    title="GCP identity can impersonate a more privileged service account",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("google_service_account", *_IAM_TYPES),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "mitre-atlas": ["AML.T0012"],
    },
    remediation=(
        "Grant roles/iam.serviceAccountTokenCreator and roles/iam.serviceAccountUser on the one "
        "account a principal must use, never at project level, and never on accounts holding "
        "more than the principal itself."
    ),
)
def impersonation_escalation(ctx: CheckContext) -> Iterator[Finding]:
    """A principal that can mint tokens for, sign as, create keys of, or act as (attach to
    compute it starts) a service account holding capabilities the principal lacks: Owner, IAM
    policy writes, secrets, data writes. Impersonation makes it that account, so the stronger
    account's permissions are the principal's effective permissions. The finding is on the
    grant that opens the way (`roles/iam.serviceAccountTokenCreator` on the account,
    `roles/iam.serviceAccountUser` on the project...), one per principal and account.

    Chains count: an account that can become a second one, which can become a third, gives the
    principal what the third holds. Critical when the principal gains Owner-like
    administration or IAM policy writes; medium when it may only act as the account (Service
    Account User) and holds no permission to start compute with it yet. A grant under a
    condition is reported with medium confidence.

    GKE Workload Identity and workload identity pools map a Kubernetes service account or a CI
    job to one Google account with `roles/iam.workloadIdentityUser` on that account: the
    mapping is how the workload gets its identity, not an escalation (what the account can do
    is for `agent-identity-changes-infrastructure` and the path checks, who can federate is
    for `gcp-workload-identity-provider-unconditioned`). Any other way such a workload can
    become an account (Token Creator, Workload Identity User on the whole project) is reported.

    Before: the agent's account has `roles/iam.serviceAccountTokenCreator` on the deployer's,
    which has `roles/owner`.
    After: the agent calls what it needs with its own narrow roles; the deployer is reachable
    only from CI.
    """
    view = gcp_view(ctx.index)
    reach = _Reach(view)
    for principal in view.principals():
        if principal.member is not None and principal.member.public:
            continue
        mapped = reach.mappings(principal)
        mapped_ids = {a.node_id for a in mapped}
        mine = dict(reach.strongest(principal))
        for account in mapped:
            for name, answer in reach.strongest(account).items():
                if mine.get(name) is not Tristate.YES:
                    mine[name] = answer
        groups: dict[int, list[tuple[Impersonation, dict[str, Principal], list[Principal]]]] = {}
        for edge in reach.edges_of(principal):
            if edge.target.node_id in mapped_ids or edge.grant is None:
                continue
            onward = [] if edge.broad else reach.onward(edge.target, principal.node_id)
            gained: dict[str, Principal] = {}
            for account in (edge.target, *onward):
                held = reach.strongest(account)
                for name in _STRONG:
                    if (
                        name not in gained
                        and held.get(name) is Tristate.YES
                        and mine.get(name) is not Tristate.YES
                    ):
                        gained[name] = account
            if gained:
                groups.setdefault(id(edge.grant), []).append((edge, gained, onward))
        for group in groups.values():
            yield _impersonation_finding(ctx, principal, group, mine, mapped_ids)


def _impersonation_finding(
    ctx: CheckContext,
    principal: Principal,
    group: list[tuple[Impersonation, dict[str, Principal], list[Principal]]],
    mine: dict[str, Tristate],
    mapped_ids: set[str],
) -> Finding:
    """One finding per principal and grant: every account the grant lets it become."""
    group.sort(key=lambda item: (-len(item[1]), item[0].target.node_id))
    first = group[0][0]
    assert first.grant is not None
    gained: dict[str, Principal] = {}
    through: list[Principal] = []
    for _edge, classes, onward in group:
        for name, account in classes.items():
            gained.setdefault(name, account)
        through += [a for a in onward if any(g is a for g in classes.values())]
    names = [name for name in _STRONG if name in gained]
    targets = [edge.target.label for edge, _, _ in group]
    idle = all(edge.kind == "act-as" for edge, _, _ in group) and "run-compute" not in mine
    if idle:
        severity: Severity | None = Severity.MEDIUM
    elif {"full-admin", "permissions-management"} & set(names):
        severity = Severity.CRITICAL
    else:
        severity = None
    verb = "act as" if all(edge.kind == "act-as" for edge, _, _ in group) else "become"
    evidence: list[dict[str, Any]] = [
        {"kind": "impersonation", **edge.as_json()} for edge, _, _ in group[:5]
    ]
    evidence.append(
        {
            "kind": "gained",
            "classes": names,
            "from": {name: gained[name].node_id for name in names},
            "through": sorted({a.node_id for a in through}),
            "accounts": len(group),
        }
    )
    if mapped_ids:
        evidence.append({"kind": "workload-identity", "mapped_to": sorted(mapped_ids)})
    return ctx.finding(
        first.grant.source,
        f"{principal.label} can {verb} {_names(targets)} ({first.permission})"
        + (f", and through them {_names([a.label for a in through])}," if through else "")
        + f" and so gains {_names(names)}"
        + ("; it holds no permission to start compute with them yet" if idle else ""),
        evidence=evidence,
        severity=severity,
        confidence=Confidence.MEDIUM
        if all(edge.answer is Tristate.MAYBE for edge, _, _ in group)
        else None,
        key=f"{principal.node_id}:{first.grant.address}:{first.grant.role}",
    )


#: The Compute Engine default service account: ``PROJECT_NUMBER-compute@developer...``.
_DEFAULT_COMPUTE_EMAIL = re.compile(r"^[0-9]+-compute@developer\.gserviceaccount\.com$")


def _default_compute(email: Any) -> bool:
    """Whether a VM's ``service_account.email`` means the default compute account: unset,
    ``default``, that account's address, or left to the provider (unknown, with no expression
    in the configuration: the field is Optional+Computed)."""
    if email is None or email in ("", "default"):
        return True
    if isinstance(email, str):
        return _DEFAULT_COMPUTE_EMAIL.match(email.lower()) is not None
    return isinstance(email, Unknown) and not email.references and not email.sources


@check(
    id="gcp-default-compute-account-broad-scope",
    title="Nodes or VMs run as the default compute service account with the cloud-platform scope",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    inspects=("google_container_node_pool", "google_container_cluster", "google_compute_instance"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5", "NHI9"],
        "owasp-agentic-top10-2026": ["ASI03"],
    },
    remediation=(
        "Give the node pool or VM a dedicated service account with roles/container."
        "defaultNodeServiceAccount (nodes) or the roles it needs, and enable the GKE metadata "
        'server (workload_metadata_config { mode = "GKE_METADATA" }) so that pods use '
        "Workload Identity."
    ),
)
def default_compute_broad_scope(ctx: CheckContext) -> Iterator[Finding]:
    """A GKE node pool (or a cluster's default pool, unless `remove_default_node_pool`) or a VM
    without its own service account runs as the Compute Engine default service account, which
    Google grants roles/editor on the project unless the organization policy
    `iam.automaticIamGrantsForDefaultServiceAccounts` prevents it. With the `cloud-platform`
    scope its token works for every API that account may call.

    `service_account` left out of the configuration, `"default"` and the account's address
    (`NUMBER-compute@developer.gserviceaccount.com`) all mean the default account. Node pools
    are high when they have GPUs (they run the AI workloads) or when pods reach the node's
    token (`GCE_METADATA`, or Workload Identity off), medium when the GKE metadata server
    hides it. VMs are high: every process on the VM reaches the token.

    Before: `node_config { oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"] }`
    with no `service_account`.
    After: `service_account = google_service_account.gke_nodes.email` and
    `workload_metadata_config { mode = "GKE_METADATA" }`.
    """
    for pool in node_pools(ctx.index):
        # The pool's own value decides too: the account's address, or a service_account the
        # configuration leaves to the provider even where other node_config arguments hold
        # references (the node pool model then takes it for an account set elsewhere).
        configured = pool.resource.get("node_config", 0, "service_account")
        if not (pool.default_account or _default_compute(configured)):
            continue
        if CLOUD_PLATFORM not in pool.scopes:
            continue
        account = (
            pool.account.node_id
            if pool.default_account or pool.account.email
            else "the Compute Engine default service account"
        )
        pods = {
            Tristate.YES: "every pod on these nodes reaches its token",
            Tristate.MAYBE: "pods may reach its token",
            Tristate.NO: "the GKE metadata server hides it from pods",
        }[pool.exposed]
        yield ctx.finding(
            pool.resource,
            f"{'GPU ' if pool.gpu else ''}node pool {pool.name} of {pool.cluster} runs as the "
            f"default compute service account with the cloud-platform scope; {pods}",
            evidence=[
                {
                    "kind": "node-pool",
                    "account": account,
                    "scopes": list(pool.scopes),
                    "gpu": pool.gpu,
                    "pods_reach_node_identity": pool.exposed.value,
                    "why": pool.why,
                }
            ],
            severity=Severity.HIGH if pool.gpu or pool.exposed is Tristate.YES else None,
        )
    for instance in ctx.planned("google_compute_instance"):
        accounts = instance.get("service_account")
        block = accounts[0] if isinstance(accounts, list) and accounts else None
        if not isinstance(block, dict):
            continue  # no service account: the VM has no token at all
        email, scopes = block.get("email"), block.get("scopes")
        if not _default_compute(email) or not isinstance(scopes, list):
            continue
        if not any(s in (CLOUD_PLATFORM, "cloud-platform") for s in scopes):
            continue
        accelerators = instance.get("guest_accelerator")
        gpu = isinstance(accelerators, list) and bool(accelerators)
        yield ctx.finding(
            instance,
            f"{'GPU ' if gpu else ''}VM {instance.get('name') or instance.address} runs as the "
            "default compute service account with the cloud-platform scope; every process on "
            "it reaches its token",
            evidence=[
                {
                    "kind": "service-account",
                    "email": email if isinstance(email, str) and email else "default",
                    "scopes": scopes,
                    "gpu": gpu,
                }
            ],
            severity=Severity.HIGH,
        )


#: Token claims whose value the issuer sets from the job's owner (its repository, project,
#: organization or user), so a stranger's job cannot carry ours: GitHub Actions, GitLab CI and
#: Terraform Cloud.
_OWNER_CLAIMS = frozenset(
    {
        "sub",
        "repository",
        "repository_id",
        "repository_owner",
        "repository_owner_id",
        "job_workflow_ref",
        "workflow_ref",
        "actor",
        "actor_id",
        "project_path",
        "project_id",
        "namespace_path",
        "namespace_id",
        "ci_config_ref_uri",
        "user_login",
        "user_id",
        "terraform_organization_id",
        "terraform_organization_name",
        "terraform_workspace_id",
        "terraform_project_id",
    }
)
_CLAIM = re.compile(r"assertion\.([A-Za-z_][A-Za-z0-9_]*)")
_PUBLIC_ISSUERS = ("github", "gitlab", "terraform-cloud")


def _open_to_any_job(member: Member, provider: PoolProvider) -> bool:
    """Whether any job of the issuer can be ``member``: the whole pool, or an attribute mapped
    only from claims the job's author chooses (a branch name, a workflow name)."""
    if member.attribute == "*":
        return True
    if member.attribute == "?":
        return False  # known only after apply: which principals it names cannot be told
    key = {"subject": "google.subject", "group": "google.groups"}.get(
        member.attribute, f"attribute.{member.attribute}"
    )
    expression = provider.mapping.get(key)
    if expression is None:
        return False  # no token carries the attribute: the grant matches nobody
    return not set(_CLAIM.findall(expression)) & _OWNER_CLAIMS


def _pool_grants(ctx: CheckContext, provider: PoolProvider) -> list[Grant]:
    """Grants to principals of the provider's pool (members known only after apply included,
    when the configuration links them to the pool)."""
    return [
        grant
        for grant in gcp_view(ctx.index).iam.grants
        if grant.member.kind == "pool" and provider.pool in (None, grant.member.pool)
    ]


def _disabled(resource: Resource) -> bool:
    return resource.get("disabled") is True


@check(
    id="gcp-workload-identity-provider-unconditioned",
    title="Workload identity pool provider admits every token of its issuer",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("google_iam_workload_identity_pool_provider",),
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
        "owasp-nhi-2025": ["NHI4", "NHI6"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "mitre-atlas": ["AML.T0010"],
    },
    remediation=(
        "Set attribute_condition to the repositories or projects that may federate "
        '(assertion.repository_owner == "acme" for GitHub, assertion.namespace_path == '
        '"acme" for GitLab), and grant roles/iam.workloadIdentityUser to principalSets of '
        "single repositories and branches."
    ),
)
def provider_unconditioned(ctx: CheckContext) -> Iterator[Finding]:
    """A `google_iam_workload_identity_pool_provider` without `attribute_condition`: every
    token the issuer signs is accepted into the pool. For GitHub, GitLab or Terraform Cloud
    that is every job of every user of the service. It is critical when the pool is also
    granted to principals any such job can be: the whole pool (`.../workloadIdentityPools/
    POOL/*`), or an attribute mapped only from claims the job's author chooses
    (`attribute.ref = assertion.ref` granted for `refs/heads/main`: every repository's main
    branch). Grants that name a repository, project or organization (claims the issuer sets)
    keep strangers out, and the finding stays high: the condition is the layer that should.
    Google now refuses new GitHub providers without a condition; older ones remain.

    A condition known only after apply is reported with low confidence; a disabled provider
    admits nothing and is not reported.

    Before: `oidc { issuer_uri = "https://token.actions.githubusercontent.com" }` with no
    `attribute_condition`.
    After: `attribute_condition = "assertion.repository_owner == 'acme'"`.
    """
    for provider in pool_providers(ctx.index):
        if provider.unconditioned is Tristate.NO or _disabled(provider.resource):
            continue
        granted = _pool_grants(ctx, provider)
        public_issuer = provider.provider in _PUBLIC_ISSUERS
        open_grants = sorted(
            {
                g.address
                for g in granted
                if g.member.kind == "pool" and _open_to_any_job(g.member, provider)
            }
        )
        unknown = provider.unconditioned is Tristate.MAYBE
        message = (
            f"{provider.provider} provider of pool {provider.pool or '(known after apply)'} "
            + (
                "has an attribute_condition known only after apply"
                if unknown
                else "has no attribute_condition"
            )
            + (": every token of the issuer is admitted" if public_issuer and not unknown else "")
            + (
                f"; the pool is granted to principals any job can be ({_names(open_grants)})"
                if public_issuer and open_grants
                else ""
            )
        )
        yield ctx.finding(
            provider.resource,
            message,
            evidence=[
                {
                    "kind": "provider",
                    "issuer": provider.issuer,
                    "attribute_mapping": provider.mapping,
                    "attribute_condition": provider.resource.get("attribute_condition"),
                    "grants_to_pool": [
                        {"source": g.address, "member": g.member.text, "role": g.role}
                        for g in granted
                    ],
                    "open_to_any_job": open_grants,
                }
            ],
            severity=Severity.CRITICAL if public_issuer and open_grants else None,
            confidence=Confidence.LOW if unknown else None,
        )
