"""Decide whether a principal holds a permission on a resource, from the grants of the inputs.

Google's IAM is an allow-list: a principal holds a permission on a resource when some grant on
the resource or on one of its ancestors (project, folders, organization) gives the principal a
role holding the permission, under a condition that holds. The answer is Yes, Maybe or No:

- a grant whose member, scope or role is known only after apply and cannot be linked through
  the configuration is a Maybe, as is a grant under a condition (conditions are not
  evaluated) or one an authoritative binding or policy of the same scope may remove;
- a role not in the catalog and not a custom role of the inputs is a Maybe (named);
- organization and folder grants apply to a project only where the inputs show the hierarchy
  (``google_project.folder_id`` / ``org_id``, ``google_folder.parent``); elsewhere they are Maybe.

Assumed about everything outside the inputs (every answer lists it): no IAM deny policy or
principal access boundary applies, group memberships are not known (a service account is taken
to be in no group), and no grant exists outside the inputs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from iacguard.engine.context import ScanIndex
from iacguard.gcp.iam import (
    GcpIam,
    Grant,
    Scope,
    default_project,
    gcp_iam,
    project_of,
    resource_name,
    service_account_email,
)
from iacguard.gcp.members import Member
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate, Unknown

PrincipalKind = Literal["service_account", "kubernetes", "member"]
_BASIC_OF = {
    "projectOwner": "roles/owner",
    "projectEditor": "roles/editor",
    "projectViewer": "roles/viewer",
}
_CONTAINERS = {"google_kms_key_ring", "google_bigquery_dataset", "google_vertex_ai_featurestore"}
_CONVENIENCE_OF = {role: convenience for convenience, role in _BASIC_OF.items()}

BASE_ASSUMPTIONS = (
    "no IAM deny policy or principal access boundary applies (none is read from the inputs)",
    "group memberships are not in the inputs: service accounts are taken to be in no group",
    "no grant exists outside the inputs",
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Someone IAM grants roles to: a service account of the inputs, a Kubernetes service
    account of a GKE cluster (Workload Identity), or any other member (users, groups, CI
    principals of a workload identity pool, ``allUsers``)."""

    kind: PrincipalKind
    node_id: str
    """``gcp:service_account/EMAIL``, ``k8s:ServiceAccount/NS/NAME``, ``gcp:member/user:x``."""
    label: str
    resource: Resource | None = None
    email: str | None = None
    project: str | None = None
    member: Member | None = None
    namespace: str = ""
    account: str = ""

    @property
    def address(self) -> str:
        """The Terraform address, or the node id when it has none."""
        return self.resource.address if self.resource is not None else self.node_id


@dataclass(frozen=True, slots=True)
class Target:
    """The resource of a request: its name, the resource of the inputs it is, its project."""

    name: str
    resource: Resource | None = None
    project: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One grant that takes part in an answer, with its own answer and why."""

    grant: Grant
    answer: Tristate
    why: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """Evidence form."""
        return {**self.grant.as_json(), "answer": self.answer.value, "why": list(self.why)}


@dataclass(frozen=True, slots=True)
class GcpDecision:
    """The answer to one request."""

    answer: Tristate
    matches: tuple[Match, ...] = ()
    assumptions: tuple[str, ...] = field(default=BASE_ASSUMPTIONS)


def _and(*answers: Tristate) -> Tristate:
    if Tristate.NO in answers:
        return Tristate.NO
    return Tristate.MAYBE if Tristate.MAYBE in answers else Tristate.YES


@dataclass(slots=True)
class _ScopeIndex:
    """One principal's grants by where they apply."""

    broad: list[Grant] = field(default_factory=list)
    by_resource: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    containers: list[Grant] = field(default_factory=list)
    """Grants on key rings, datasets and feature stores: they reach what is inside."""


class GcpView:
    """The GCP part of a scan: grants, principals, and decisions over them."""

    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.iam: GcpIam = gcp_iam(index)
        self.project = default_project(index)
        self._member_targets: dict[int, set[str]] = {}
        self._held: dict[tuple[str, str], Tristate] = {}
        self._candidates: dict[str, list[Grant]] = {}
        self._deny = bool(index.planned("google_iam_deny_policy"))
        self._convenient: dict[tuple[str, str], tuple[Tristate, list[str]]] = {}
        self._by_scope: dict[str, _ScopeIndex] = {}
        self.impersonation_cache: dict[str, Any] = {}
        """Principal node id → the accounts it can become (``gcp.capabilities``)."""
        self.accounts = [
            self._account(resource) for resource in index.planned("google_service_account")
        ]
        self._by_email = {a.email: a for a in self.accounts if a.email}
        self._index_members()
        self._names: dict[str, Resource] = {}
        for resource in index.resources:
            if resource.type.startswith("google_") and resource.mode == "managed":
                name = resource_name(resource, project_of(resource, self.project))
                if name:
                    self._names.setdefault(name, resource)

    def _index_members(self) -> None:
        """Grants by the members they name, so that a principal's grants are found without
        reading every grant."""
        self._public: list[Grant] = []
        self._by_text: dict[str, list[Grant]] = defaultdict(list)
        self._by_account: dict[str, list[Grant]] = defaultdict(list)
        self._unlinked: list[Grant] = []
        self._by_namespace: dict[str, list[Grant]] = defaultdict(list)
        self._basic: dict[tuple[str, str | None], list[Grant]] = defaultdict(list)
        for grant in self.iam.grants:
            member = grant.member
            if member.public:
                self._public.append(grant)
            elif member.kind == "unknown":
                linked = self._targets_of_member(grant)
                for address in linked:
                    self._by_account[address].append(grant)
                if not linked:
                    self._unlinked.append(grant)
            elif member.kind == "kubernetes":
                self._by_namespace[member.namespace].append(grant)
            else:
                self._by_text[
                    member.value if member.kind == "serviceAccount" else member.text
                ].append(grant)
            if grant.role in _BASIC_OF.values() and grant.scope.kind == "project":
                self._basic[(grant.role, grant.scope.name)].append(grant)

    def candidates(self, principal: Principal) -> list[Grant]:
        """The grants whose member may include ``principal`` (a superset; member_matches
        decides)."""
        found = self._candidates.get(principal.node_id)
        if found is None:
            picked: list[Grant] = list(self._public)
            if principal.kind == "service_account":
                if principal.email:
                    picked += self._by_text.get(principal.email, [])
                if principal.resource is not None:
                    picked += self._by_account.get(principal.resource.address, [])
                    picked += self._unlinked
                picked += self._by_text.get(f"serviceAccount:{principal.email}", [])
            elif principal.kind == "kubernetes":
                picked += self._by_namespace.get(principal.namespace, [])
                picked += self._by_namespace.get("*", [])
            elif principal.member is not None:
                picked += self._by_text.get(principal.member.text, [])
            for grant in list(picked):
                # the bucket defaults of the projects where it holds a basic role
                if grant.role in _CONVENIENCE_OF and grant.scope.kind == "project":
                    project = (grant.scope.name or "").removeprefix("projects/")
                    picked += self._by_text.get(f"{_CONVENIENCE_OF[grant.role]}:{project}", [])
            unique = {id(g): g for g in picked}
            found = self._candidates[principal.node_id] = list(unique.values())
        return found

    def _account(self, resource: Resource) -> Principal:
        project = project_of(resource, self.project)
        email = service_account_email(resource, project)
        node = f"gcp:service_account/{email or resource.address}"
        return Principal(
            "service_account", node, email or resource.address, resource, email, project
        )

    # -- principals -------------------------------------------------------------------

    def principals(self) -> list[Principal]:
        """Service accounts of the inputs, then every other member some grant names."""
        found: dict[str, Principal] = {a.node_id: a for a in self.accounts}
        for grant in self.iam.grants:
            member = grant.member
            if member.kind in ("unknown", "deleted", "convenience"):
                continue
            if member.kind == "serviceAccount" and member.value in self._by_email:
                continue
            principal = self.principal_of(member)
            found.setdefault(principal.node_id, principal)
        return list(found.values())

    def principal_of(self, member: Member) -> Principal:
        """The principal a member names."""
        if member.kind == "serviceAccount":
            known = self._by_email.get(member.value)
            if known is not None:
                return known
            return Principal(
                "service_account",
                f"gcp:service_account/{member.value}",
                member.value,
                email=member.value,
            )
        if member.kind == "kubernetes" and member.account:
            return Principal(
                "kubernetes",
                f"k8s:ServiceAccount/{member.namespace}/{member.account}",
                f"{member.namespace}/{member.account} (GKE Workload Identity {member.pool})",
                member=member,
                namespace=member.namespace,
                account=member.account,
                project=member.pool.removesuffix(".svc.id.goog"),
            )
        return Principal("member", f"gcp:member/{member.text}", member.text, member=member)

    def kubernetes_principal(self, namespace: str, name: str) -> Principal:
        """A Kubernetes service account as a Workload Identity principal (of the workload
        pool of the inputs' GKE cluster, when there is one)."""
        return Principal(
            "kubernetes",
            f"k8s:ServiceAccount/{namespace}/{name}",
            f"{namespace}/{name}",
            namespace=namespace,
            account=name,
            project=self.workload_project,
        )

    @property
    def workload_project(self) -> str | None:
        """``PROJECT`` of the one workload pool (``PROJECT.svc.id.goog``) the inputs' GKE
        clusters use, when they use one."""
        pools = set()
        for cluster in self.index.planned("google_container_cluster"):
            config = cluster.get("workload_identity_config")
            first = config[0] if isinstance(config, list) and config else None
            pool = first.get("workload_pool") if isinstance(first, dict) else None
            if isinstance(pool, str) and pool:
                pools.add(pool.removesuffix(".svc.id.goog"))
        return pools.pop() if len(pools) == 1 else None

    def find(self, text: str) -> Principal | None:
        """A principal from what a user types: a node id, an email, ``serviceAccount:EMAIL``,
        a Terraform address or a member string."""
        wanted = text.strip()
        lowered = wanted.lower().removeprefix("serviceaccount:")
        for principal in self.principals():
            if wanted in (principal.node_id, principal.address, principal.label):
                return principal
            if principal.email and lowered == principal.email:
                return principal
            if principal.member is not None and wanted == principal.member.text:
                return principal
        return None

    # -- targets ----------------------------------------------------------------------

    def target(self, name: str) -> Target:
        """The target of a request from Google's resource name (``projects/_/buckets/B``,
        ``projects/_/buckets/B/objects/PATH``, ``projects/P/secrets/S``...), full resource
        names (``//storage.googleapis.com/projects/_/buckets/B``) accepted."""
        name = re.sub(r"^//[a-z0-9.-]+\.googleapis\.com/", "", name.strip())
        if name == "*":
            return Target("*")
        parts = name.split("/")
        for end in range(len(parts), 1, -1):
            found = self._names.get("/".join(parts[:end]))
            if found is not None:
                return Target(name, found, project_of(found, self.project))
        project = (
            parts[1] if len(parts) > 1 and parts[0] == "projects" and parts[1] != "_" else None
        )
        if project is not None and self.iam.hierarchy is not None:
            project = self.iam.hierarchy.canonical(f"projects/{project}").removeprefix("projects/")
        return Target(name, None, project)

    def resource_named(self, name: str) -> Resource | None:
        """The resource of the inputs with this Google resource name."""
        return self._names.get(name)

    def target_of(self, resource: Resource) -> Target:
        """The target for a resource of the inputs."""
        project = project_of(resource, self.project)
        name = resource_name(resource, project) or resource.address
        return Target(name, resource, project)

    # -- decisions --------------------------------------------------------------------

    def decide(self, principal: Principal, permission: str, target: Target) -> GcpDecision:
        """Does ``principal`` hold ``permission`` on ``target``?"""
        matches: list[Match] = []
        for grant in self._scoped(principal, target):
            held = self.holds(grant, permission)
            if held is Tristate.NO:
                continue
            member, member_why = self.member_matches(grant, principal)
            if member is Tristate.NO:
                continue
            scope, scope_why = self.scope_applies(grant.scope, target)
            if scope is Tristate.NO:
                continue
            why = [*member_why, *scope_why]
            if grant.definition is None:
                why.append(grant.role_unresolved)
            elif held is Tristate.MAYBE:
                why.append(f"{grant.role} may hold {permission} (the catalog lists it in part)")
            conditional = Tristate.YES
            if grant.condition is not None:
                conditional = Tristate.MAYBE
                why.append(f"under the condition {grant.condition.expression!r}")
            removed = Tristate.MAYBE if grant.conflicts else Tristate.YES
            why.extend(grant.conflicts)
            answer = _and(member, held, scope, conditional, removed)
            matches.append(Match(grant, answer, tuple(w for w in why if w)))
        matches.sort(key=lambda m: (m.answer is not Tristate.YES, m.grant.address))
        if any(m.answer is Tristate.YES for m in matches):
            answer = Tristate.YES
        elif matches:
            answer = Tristate.MAYBE
        else:
            answer = Tristate.NO
        assumptions = BASE_ASSUMPTIONS
        if self._deny:
            assumptions = (
                "the inputs hold google_iam_deny_policy resources iacguard does not evaluate: "
                "a Yes may be taken away by them",
                *BASE_ASSUMPTIONS[1:],
            )
            answer = Tristate.MAYBE if answer is Tristate.YES else answer
        return GcpDecision(answer, tuple(matches), assumptions)

    def holds(self, grant: Grant, permission: str) -> Tristate:
        """Does the grant's role hold ``permission`` (cached per role and permission)?"""
        if grant.definition is None:
            return Tristate.MAYBE
        key = (grant.definition.name + "|" + grant.definition.source, permission)
        found = self._held.get(key)
        if found is None:
            found = self._held[key] = grant.definition.grants(permission)
        return found

    def member_matches(self, grant: Grant, principal: Principal) -> tuple[Tristate, list[str]]:
        """Does the grant's member include the principal?"""
        member = grant.member
        if member.public:
            return Tristate.YES, [f"{member.text} includes every caller"]
        if member.kind == "convenience":
            return self._convenience(member, principal)
        if principal.kind == "member":
            same = principal.member is not None and member.text == principal.member.text
            return (Tristate.YES if same else Tristate.NO), []
        if principal.kind == "kubernetes":
            if member.kind != "kubernetes" or member.namespace not in (principal.namespace, "*"):
                return Tristate.NO, []
            if member.namespace == "*" and "kubernetes.serviceaccount.uid/" in member.text:
                return Tristate.MAYBE, [f"{member.text}: the account's uid is not in the inputs"]
            if member.account and member.account != principal.account:
                return Tristate.NO, []
            where = "the namespace" if member.namespace != "*" else "the cluster or pool"
            why = [] if member.account else [f"{member.text} names every account of {where}"]
            project = principal.project
            if project and member.pool != f"{project}.svc.id.goog":
                return Tristate.NO, []
            if not project:
                why.append(f"the cluster is taken to use the workload pool {member.pool}")
            return Tristate.YES, why
        # a service account
        if member.kind == "serviceAccount":
            if principal.email:
                return (Tristate.YES if member.value == principal.email else Tristate.NO), []
            return Tristate.MAYBE, [f"the email of {principal.address} is known only after apply"]
        if member.kind == "unknown" and principal.resource is not None:
            targets = self._targets_of_member(grant)
            if principal.resource.address in targets:
                return Tristate.YES, [
                    f"the member is {principal.address}'s email, linked through the configuration"
                ]
            if targets:
                return Tristate.NO, []
            return Tristate.MAYBE, [f"the member is {member.text}"]
        return Tristate.NO, []

    def _convenience(self, member: Member, principal: Principal) -> tuple[Tristate, list[str]]:
        """``projectEditor:P`` and its kin: the principals holding that basic role on P."""
        key = (member.text, principal.node_id)
        cached = self._convenient.get(key)
        if cached is not None:
            return cached
        found = self._convenience_uncached(member, principal)
        self._convenient[key] = found
        return found

    def _scoped(self, principal: Principal, target: Target) -> list[Grant]:
        """The principal's candidate grants whose scope may reach ``target``: grants on a
        project or above (and on resources known only after apply), and grants on the target
        or a resource containing it."""
        index = self._by_scope.get(principal.node_id)
        if index is None:
            index = _ScopeIndex()
            for grant in self.candidates(principal):
                scope = grant.scope
                if scope.kind != "resource" or (scope.target is None and scope.name is None):
                    index.broad.append(grant)
                elif scope.target is not None:
                    index.by_resource[scope.target.address].append(grant)
                    if scope.target.type in _CONTAINERS:
                        index.containers.append(grant)
                    if scope.name is not None:
                        index.by_name[scope.name].append(grant)
                elif scope.name is not None:
                    index.by_name[scope.name].append(grant)
            self._by_scope[principal.node_id] = index
        if target.name == "*":
            return self.candidates(principal)
        found = list(index.broad)
        seen = {id(g) for g in found}
        if target.resource is not None:
            for grant in [*index.by_resource.get(target.resource.address, ()), *index.containers]:
                if id(grant) not in seen:
                    seen.add(id(grant))
                    found.append(grant)
        parts = target.name.split("/")
        for end in range(len(parts), 1, -1):
            for grant in index.by_name.get("/".join(parts[:end]), ()):
                if id(grant) not in seen:
                    seen.add(id(grant))
                    found.append(grant)
        return found

    def _convenience_uncached(
        self, member: Member, principal: Principal
    ) -> tuple[Tristate, list[str]]:
        kind, _, project = member.text.partition(":")
        role = _BASIC_OF.get(kind)
        best = Tristate.NO
        for grant in self._basic.get((role or "", f"projects/{project}"), []):
            if grant.member.kind == "convenience":
                continue
            answer, _why = self.member_matches(grant, principal)
            if grant.condition is not None or grant.conflicts:
                answer = _and(answer, Tristate.MAYBE)
            if answer is Tristate.YES or (answer is Tristate.MAYBE and best is Tristate.NO):
                best = answer
        if best is Tristate.NO:
            return best, []
        why = f"{member.text}: it holds {role} on the project (the bucket's default policy)"
        return best, [why]

    def linked_accounts(self, grant: Grant) -> set[str]:
        """Addresses of the service accounts an unknown member is linked to through the
        configuration."""
        return set(self._targets_of_member(grant))

    def _targets_of_member(self, grant: Grant) -> set[str]:
        key = id(grant.source)
        found = self._member_targets.get(key)
        if found is None:
            attribute = "members" if grant.style == "binding" else "member"
            found = {
                t.address
                for t in self.index.targets(grant.source, attribute)
                if t.type == "google_service_account"
            }
            for reference in grant.member.references:
                # a member rendered by a google_iam_policy data source names its account
                parts = reference.split(".")
                block = ".".join(parts[:2]) if parts[0] != "data" else ".".join(parts[:3])
                found |= {
                    r.address
                    for r in self.index.by_config_address(block)
                    if r.type == "google_service_account"
                }
            self._member_targets[key] = found
        return found

    def scope_applies(self, scope: Scope, target: Target) -> tuple[Tristate, list[str]]:
        """Does a grant on ``scope`` reach ``target``?"""
        if target.name == "*":
            return Tristate.YES, []
        if scope.kind == "resource":
            if scope.target is not None and scope.target is target.resource:
                return Tristate.YES, []
            if scope.name is not None:
                inside = target.name == scope.name or target.name.startswith(scope.name + "/")
                return (Tristate.YES if inside else Tristate.NO), []
            if scope.target is not None and target.resource is not None:
                # both in the inputs, the grant's name unknown: a parent (key ring, dataset)?
                parent = self._contains(scope.target, target.resource)
                return parent, (
                    [f"whether {target.name} is inside {scope.target.address} is not known"]
                    if parent is Tristate.MAYBE
                    else []
                )
            return Tristate.MAYBE, [f"the {scope.noun} of the grant is {scope.unknown}"]
        if scope.name is None:
            return Tristate.MAYBE, [f"the {scope.kind} of the grant is {scope.unknown}"]
        if target.project is None:
            return Tristate.MAYBE, [f"the project of {target.name} is not known"]
        project = f"projects/{target.project}"
        if scope.kind == "project":
            if scope.name == project:
                return Tristate.YES, []
            numeric = scope.name.removeprefix("projects/").isdigit() or target.project.isdigit()
            if numeric:
                return Tristate.MAYBE, [
                    f"{scope.name} and {project}: a project number against a project id the "
                    "inputs do not pair"
                ]
            return Tristate.NO, []
        assert self.iam.hierarchy is not None
        ancestors, complete = self.iam.hierarchy.ancestors(project)
        if scope.name in ancestors:
            return Tristate.YES, [f"{project} is under {scope.name}"]
        if complete:
            return Tristate.NO, []
        return Tristate.MAYBE, [
            f"whether {project} is under {scope.name} is not in the inputs"
            " (no google_project or data source gives its folder or organization)"
        ]

    def _contains(self, parent: Resource, child: Resource) -> Tristate:
        """Is ``child`` (a key, a table, an entity type) inside ``parent`` (its key ring,
        dataset, feature store)?"""
        for attribute in ("key_ring", "dataset_id", "featurestore", "bucket"):
            if any(t is parent for t in self.index.targets(child, attribute)):
                return Tristate.YES
        return Tristate.NO

    def grants_of(
        self, principal: Principal, public: bool = False
    ) -> list[tuple[Grant, Tristate, list[str]]]:
        """Every grant whose member may include the principal (grants to ``allUsers`` and
        ``allAuthenticatedUsers`` only with ``public``, or for those members themselves)."""
        found = []
        for grant in self.candidates(principal):
            if grant.member.public and not public and principal.member is None:
                continue
            answer, why = self.member_matches(grant, principal)
            if answer is not Tristate.NO:
                if grant.condition is not None or grant.conflicts:
                    answer = _and(answer, Tristate.MAYBE)
                found.append((grant, answer, why))
        return found


def gcp_view(index: ScanIndex) -> GcpView:
    """The scan's GCP view (memoised)."""
    return index.memo("gcp-view", lambda: GcpView(index))


def unknown_text(value: Any) -> str:
    """How an unknown value will be known."""
    return value.describe() if isinstance(value, Unknown) else str(value)
