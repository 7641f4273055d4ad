"""What a GCP principal can do, in the canonical capability classes, and whom it can become.

A class is held through a grant when the grant's role holds one of the class's probe
permissions (``storage.objects.create`` for write-data...). Probes are concrete permissions,
so predefined roles from the catalog, custom roles and the basic roles' patterns answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacguard.gcp.evaluate import GcpView, Principal, Target
from iacguard.gcp.iam import Grant
from iacguard.gcp.roles import RoleDefinition
from iacguard.model.values import Tristate

#: Capability class → permissions any one of which gives it (ARCHITECTURE.md §3 order).
PROBES: dict[str, tuple[str, ...]] = {
    "full-admin": ("resourcemanager.projects.delete",),
    "cluster-admin": ("container.clusterRoleBindings.create", "container.clusterRoles.bind"),
    "permissions-management": (
        "resourcemanager.projects.setIamPolicy",
        "resourcemanager.folders.setIamPolicy",
        "resourcemanager.organizations.setIamPolicy",
        "iam.roles.create",
        "iam.roles.update",
        "iam.serviceAccounts.setIamPolicy",
        "storage.buckets.setIamPolicy",
        "secretmanager.secrets.setIamPolicy",
        "cloudkms.cryptoKeys.setIamPolicy",
    ),
    "assume-identity": (
        "iam.serviceAccounts.getAccessToken",
        "iam.serviceAccounts.signJwt",
        "iam.serviceAccounts.signBlob",
        "iam.serviceAccounts.implicitDelegation",
        "iam.serviceAccountKeys.create",
    ),
    "pass-role": ("iam.serviceAccounts.actAs",),
    "read-secrets": ("secretmanager.versions.access",),
    "decrypt": ("cloudkms.cryptoKeyVersions.useToDecrypt",),
    "write-data": (
        "storage.objects.create",
        "storage.objects.delete",
        "bigquery.tables.updateData",
        "aiplatform.featurestores.writeFeatures",
        "artifactregistry.repositories.uploadArtifacts",
    ),
    "modify-infrastructure": (
        "compute.instances.delete",
        "container.clusters.update",
        "storage.buckets.delete",
        "compute.firewalls.create",
        "aiplatform.endpoints.deploy",
        "run.services.update",
    ),
    "run-compute": (
        "compute.instances.create",
        "container.pods.create",
        "aiplatform.customJobs.create",
        "run.services.create",
        "cloudfunctions.functions.create",
        "cloudbuild.builds.create",
        "notebooks.instances.create",
        "dataflow.jobs.create",
    ),
    "read-data": (
        "storage.objects.get",
        "bigquery.tables.getData",
        "aiplatform.featurestores.readFeatures",
        "artifactregistry.repositories.downloadArtifacts",
    ),
    "invoke-model": ("aiplatform.endpoints.predict",),
    "list": (
        "storage.objects.list",
        "storage.buckets.list",
        "compute.instances.list",
        "iam.serviceAccounts.list",
    ),
}
_RANK = {Tristate.YES: 2, Tristate.MAYBE: 1, Tristate.NO: 0}


def _best(*answers: Tristate) -> Tristate:
    return max(answers, key=lambda a: _RANK[a], default=Tristate.NO)


def role_classes(grant: Grant) -> dict[str, tuple[Tristate, tuple[str, ...]]]:
    """Class → (answer, probe permissions held) for one grant's role (Maybe for a role whose
    permissions are not known)."""
    definition = grant.definition
    if definition is None:
        return _role_classes(None)
    found = _CLASSES.get(definition)
    if found is None:
        found = _CLASSES[definition] = _role_classes(definition)
    return found


#: Classes per role definition (definitions are immutable values: a custom role with other
#: permissions is another key).
_CLASSES: dict[RoleDefinition, dict[str, tuple[Tristate, tuple[str, ...]]]] = {}


def _role_classes(
    definition: RoleDefinition | None,
) -> dict[str, tuple[Tristate, tuple[str, ...]]]:
    found: dict[str, tuple[Tristate, tuple[str, ...]]] = {}
    for name, probes in PROBES.items():
        if definition is None:
            found[name] = (Tristate.MAYBE, ())
            continue
        held = [(p, definition.grants(p)) for p in probes]
        answer = _best(*(a for _, a in held))
        if answer is not Tristate.NO:
            found[name] = (answer, tuple(p for p, a in held if a is not Tristate.NO))
    # deleting the project is the owner's alone; an admin holds every class
    if (
        "full-admin" in found
        and definition is not None
        and definition.grants("resourcemanager.projects.setIamPolicy") is Tristate.NO
    ):
        del found["full-admin"]
    return found


@dataclass(frozen=True, slots=True)
class Impersonation:
    """A principal can act as a service account."""

    source: str
    """The principal's node id."""
    target: Principal
    kind: str
    """``token`` (access tokens, signatures, keys: it becomes the account) or ``act-as``
    (attach the account to compute it starts)."""
    answer: Tristate
    permission: str
    evidence: tuple[dict[str, Any], ...]
    grant: Grant | None = None
    """The surest grant that gives it."""
    broad: bool = False
    """Given by a grant on the account's project (or above), not on the account itself."""

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "target": self.target.node_id,
            "address": self.target.address,
            "kind": self.kind,
            "permission": self.permission,
            "answer": self.answer.value,
            "grants": list(self.evidence),
        }


_BECOME = (
    ("token", "iam.serviceAccounts.getAccessToken"),
    ("token", "iam.serviceAccountKeys.create"),
    ("token", "iam.serviceAccounts.signJwt"),
    ("act-as", "iam.serviceAccounts.actAs"),
)


def impersonations(view: GcpView, principal: Principal) -> list[Impersonation]:
    """The service accounts of the inputs ``principal`` can become or act as (memoised).

    Only the principal's grants whose role may hold one of the permissions are read. A grant on
    one account decides for that account; a grant on a project, folder or organization is
    decided once per project and holds for every account of it that has no grant of its own.
    """
    cached: list[Impersonation] | None = view.impersonation_cache.get(principal.node_id)
    if cached is not None:
        return cached
    found: list[Impersonation] = []
    relevant = [
        g
        for g in view.candidates(principal)
        if any(view.holds(g, p) is not Tristate.NO for _, p in _BECOME)
    ]
    if relevant:
        named: set[str] = set()
        broad = False
        for grant in relevant:
            scope = grant.scope
            resource = scope.target or (view.resource_named(scope.name) if scope.name else None)
            if scope.kind == "resource" and resource is not None:
                named.add(resource.address)
            elif scope.kind != "resource" or scope.name is None:
                broad = True  # a whole project or more, or an account known after apply
        by_project: dict[tuple[str | None, str], Any] = {}
        for account in view.accounts:
            if account.node_id == principal.node_id or account.resource is None:
                continue
            own = account.resource.address in named
            if not own and not broad:
                continue
            seen: set[str] = set()
            for kind, permission in _BECOME:
                if kind in seen:
                    continue
                if own:
                    decision = view.decide(principal, permission, view.target_of(account.resource))
                else:
                    key = (account.project, permission)
                    if key not in by_project:
                        generic = Target(
                            f"projects/{account.project or '-'}/serviceAccounts/-",
                            None,
                            account.project,
                        )
                        by_project[key] = view.decide(principal, permission, generic)
                    decision = by_project[key]
                if decision.answer is Tristate.NO:
                    continue
                seen.add(kind)
                found.append(
                    Impersonation(
                        principal.node_id,
                        account,
                        kind,
                        decision.answer,
                        permission,
                        tuple(m.as_json() for m in decision.matches[:3]),
                        decision.matches[0].grant if decision.matches else None,
                        broad=decision.matches[0].grant.scope.kind != "resource"
                        if decision.matches
                        else False,
                    )
                )
    view.impersonation_cache[principal.node_id] = found
    return found


def summary(view: GcpView, principal: Principal) -> dict[str, Any]:
    """``{"classes": {class: [{scope, role, source, answer, via}]}, "grants": [...]}``."""
    classes: dict[str, list[dict[str, Any]]] = {}
    grants: list[dict[str, Any]] = []
    for grant, answer, why in view.grants_of(principal):
        grants.append({**grant.as_json(), "answer": answer.value, "why": why})
        for name, (held, probes) in role_classes(grant).items():
            classes.setdefault(name, []).append(
                {
                    "scope": grant.scope.text(),
                    "role": grant.role,
                    "source": grant.address,
                    "answer": (answer if held is Tristate.YES else _worst(answer, held)).value,
                    "via": list(probes[:3]),
                }
            )
    ordered = {name: classes[name] for name in PROBES if name in classes}
    return {"classes": ordered, "grants": grants}


def held_classes(view: GcpView, principal: Principal) -> dict[str, tuple[Tristate, list[str]]]:
    """Capability class → (surest answer, the grants giving it as ``ROLE on SCOPE``) of one
    principal, across all its grants."""
    held: dict[str, tuple[Tristate, list[str]]] = {}
    for grant, answer, _why in view.grants_of(principal):
        for name, (result, _probes) in role_classes(grant).items():
            surest = Tristate.YES if answer is result is Tristate.YES else Tristate.MAYBE
            previous, routes = held.get(name, (Tristate.NO, []))
            routes.append(f"{grant.role} on {grant.scope.text()}")
            held[name] = (_best(previous, surest), routes)
    return held


def _worst(first: Tristate, second: Tristate) -> Tristate:
    return min(first, second, key=lambda a: _RANK[a])
