"""Every Google Cloud IAM grant of the inputs, at every scope, as the plan will leave it.

Sources: ``google_{organization,folder,project}_iam_{member,binding,policy}`` and the
resource-level ``google_*_iam_{member,binding,policy}`` resources (buckets, service accounts,
secrets, keys, datasets, repositories, Vertex AI resources...). A grant keeps its role
(resolved through the predefined-role catalog or the inputs' custom roles), its members
(linked through the configuration's references when they are known only after apply), its
scope, its condition, and what the authoritative resources of the same scope do to it:

- ``_policy`` replaces the scope's whole IAM policy: every grant of that scope that the policy
  does not hold, made by another resource of the inputs or outside them, is removed on apply;
- ``_binding`` sets the members of one role (with one condition) at the scope: the same role
  granted to other members there by ``_member`` resources is removed on apply, and the two
  resources fight on every apply (Terraform documents they must not be combined).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from iacguard.engine.context import ScanIndex
from iacguard.gcp.members import Member, parse_member, unknown_member
from iacguard.gcp.roles import RoleDefinition, predefined_role
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Unknown

ScopeKind = Literal["organization", "folder", "project", "resource"]
Style = Literal["member", "binding", "policy"]

_IAM_TYPE = re.compile(r"^google_(?P<target>.+)_iam_(?P<style>member|binding|policy)$")


@dataclass(frozen=True, slots=True)
class _Spec:
    attribute: str
    """The attribute naming the resource the grant is on."""
    types: tuple[str, ...]
    """Terraform types of that resource."""
    noun: str


#: Resource-level IAM: the part of the type between ``google_`` and ``_iam_``.
RESOURCE_IAM: dict[str, _Spec] = {
    "storage_bucket": _Spec("bucket", ("google_storage_bucket",), "bucket"),
    "service_account": _Spec("service_account_id", ("google_service_account",), "service account"),
    "secret_manager_secret": _Spec("secret_id", ("google_secret_manager_secret",), "secret"),
    "kms_crypto_key": _Spec("crypto_key_id", ("google_kms_crypto_key",), "key"),
    "kms_key_ring": _Spec("key_ring_id", ("google_kms_key_ring",), "key ring"),
    "bigquery_dataset": _Spec("dataset_id", ("google_bigquery_dataset",), "dataset"),
    "bigquery_table": _Spec("table_id", ("google_bigquery_table",), "table"),
    "artifact_registry_repository": _Spec(
        "repository", ("google_artifact_registry_repository",), "repository"
    ),
    "vertex_ai_endpoint": _Spec("endpoint", ("google_vertex_ai_endpoint",), "endpoint"),
    "vertex_ai_featurestore": _Spec("featurestore", ("google_vertex_ai_featurestore",), "store"),
    "vertex_ai_featurestore_entitytype": _Spec(
        "entitytype", ("google_vertex_ai_featurestore_entitytype",), "entity type"
    ),
    "compute_instance": _Spec("instance_name", ("google_compute_instance",), "instance"),
    "workbench_instance": _Spec("name", ("google_workbench_instance",), "instance"),
    "notebooks_instance": _Spec("instance_name", ("google_notebooks_instance",), "instance"),
    "pubsub_topic": _Spec("topic", ("google_pubsub_topic",), "topic"),
    "pubsub_subscription": _Spec("subscription", ("google_pubsub_subscription",), "subscription"),
    "cloud_run_service": _Spec("service", ("google_cloud_run_service",), "service"),
    "cloud_run_v2_service": _Spec("name", ("google_cloud_run_v2_service",), "service"),
    "cloudfunctions_function": _Spec(
        "cloud_function", ("google_cloudfunctions_function",), "function"
    ),
    "cloudfunctions2_function": _Spec(
        "cloud_function", ("google_cloudfunctions2_function",), "function"
    ),
}
_HIERARCHY_ATTRIBUTES: dict[str, tuple[ScopeKind, str]] = {
    "organization": ("organization", "org_id"),
    "folder": ("folder", "folder"),
    "project": ("project", "project"),
}
#: The members of a new bucket's default IAM policy, and their roles.
_BUCKET_DEFAULTS = (
    ("projectOwner", ("roles/storage.legacyBucketOwner", "roles/storage.legacyObjectOwner")),
    ("projectEditor", ("roles/storage.legacyBucketOwner", "roles/storage.legacyObjectOwner")),
    ("projectViewer", ("roles/storage.legacyBucketReader", "roles/storage.legacyObjectReader")),
)
#: Attributes of IAM resources that never name the resource the grant is on.
_NOT_TARGETS = {
    "role",
    "member",
    "members",
    "condition",
    "policy_data",
    "etag",
    "id",
    "project",
    "location",
    "region",
    "zone",
}


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a grant applies: an organization, folder or project, or one resource."""

    kind: ScopeKind
    name: str | None
    """``organizations/1``, ``folders/2``, ``projects/acme``, ``projects/_/buckets/b``...
    ``None`` when known only after apply."""
    noun: str = ""
    target: Resource | None = None
    """The resource of the inputs the grant is on, when found."""
    unknown: str | None = None
    """Why the scope is not known, when it is not."""

    def text(self) -> str:
        """``project acme``, ``bucket acme-ml-training-data``..."""
        if self.name is None:
            where = self.target.address if self.target is not None else "(known after apply)"
            return f"{self.noun or self.kind} {where}"
        if self.kind == "resource":
            short = self.name.rsplit("/", 1)[-1]
            return f"{self.noun} {short}"
        return f"{self.kind} {self.name.split('/', 1)[-1]}"

    def key(self) -> tuple[str, ...] | None:
        """What makes two grants' scopes the same (``None``: cannot tell)."""
        if self.target is not None:
            return ("resource", self.target.address)
        return (self.kind, self.name) if self.name is not None else None


@dataclass(frozen=True, slots=True)
class Condition:
    """An IAM condition: the grant holds only when its CEL expression is true."""

    title: str
    expression: str

    def as_json(self) -> dict[str, str]:
        """JSON form."""
        return {"title": self.title, "expression": self.expression}


@dataclass(frozen=True, slots=True)
class Grant:
    """One role granted to one member at one scope, by one Terraform resource."""

    source: Resource
    style: Style
    role: str
    """The role name (``roles/storage.objectAdmin``, ``projects/p/roles/x``), or how it will be
    known (``(known after apply, from google_project_iam_custom_role.reader)``)."""
    definition: RoleDefinition | None
    """The role's permissions (``None``: not in the catalog nor the inputs)."""
    member: Member
    scope: Scope
    condition: Condition | None = None
    conflicts: tuple[str, ...] = ()
    """Why the grant may not survive apply (an authoritative binding or policy of the same
    scope), each naming the resource."""
    note: str = ""
    """What an authoritative grant does to others (shown as evidence)."""
    role_unresolved: str = ""
    """Why the role's permissions are not known, when they are not."""

    @property
    def address(self) -> str:
        """The Terraform address of the resource making the grant."""
        return self.source.address

    def as_json(self) -> dict[str, Any]:
        """Evidence form."""
        found: dict[str, Any] = {
            "source": self.source.address,
            "style": self.style,
            "role": self.role,
            "member": self.member.text,
            "scope": self.scope.text(),
        }
        if self.condition is not None:
            found["condition"] = self.condition.as_json()
        if self.note:
            found["authoritative"] = self.note
        if self.conflicts:
            found["conflicts"] = list(self.conflicts)
        if self.role_unresolved:
            found["role_unresolved"] = self.role_unresolved
        return found


@dataclass(slots=True)
class GcpIam:
    """The IAM grants of a scan, with what was skipped."""

    grants: list[Grant] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    """IAM resources whose grants could not be read, each with the reason."""
    default_project: str | None = None
    hierarchy: Hierarchy | None = None


def gcp_iam(index: ScanIndex) -> GcpIam:
    """The IAM grants of the scan (memoised)."""
    return index.memo("gcp-iam", lambda: _Collector(index).collect())


def _planned(resource: Resource) -> bool:
    return resource.mode == "managed" and resource.action not in (Action.DELETE, Action.FORGET)


def default_project(index: ScanIndex) -> str | None:
    """The project resources without a ``project`` attribute are created in: the one default
    project of the ``google`` provider configurations."""
    projects = index.scope.gcp_projects
    return projects[0] if len(projects) == 1 else None


def project_of(resource: Resource, fallback: str | None) -> str | None:
    """The project id a resource is in: its ``project``, else the provider's default."""
    value = resource.get("project_id" if resource.type == "google_project" else "project")
    if isinstance(value, str) and value:
        return value.removeprefix("projects/")
    if isinstance(value, Unknown) and (value.references or value.sources):
        return None  # set from another resource: not the provider's default
    # unset, or left to the provider (unknown with no expression): the provider's default
    return fallback if value is None or isinstance(value, Unknown) else None


def service_account_email(account: Resource, project: str | None) -> str | None:
    """A service account's email: known, or derived from ``account_id`` and the project
    (Google makes it ``ACCOUNT_ID@PROJECT.iam.gserviceaccount.com``)."""
    email = account.get("email")
    if isinstance(email, str) and email:
        return email.lower()
    account_id = account.get("account_id")
    if isinstance(account_id, str) and account_id and project:
        return f"{account_id}@{project}.iam.gserviceaccount.com".lower()
    return None


def resource_name(resource: Resource, project: str | None) -> str | None:
    """Google's resource name of a resource of the inputs, the form ``iacguard query`` takes
    (``projects/_/buckets/NAME``), when known."""
    values = resource.values if isinstance(resource.values, dict) else {}

    def known(key: str) -> str | None:
        value = values.get(key)
        return value if isinstance(value, str) and value else None

    kind = resource.type
    if kind == "google_storage_bucket" and known("name"):
        return f"projects/_/buckets/{known('name')}"
    if kind == "google_service_account":
        email = service_account_email(resource, project)
        return f"projects/{project or '-'}/serviceAccounts/{email}" if email else None
    if kind == "google_project":
        return f"projects/{known('project_id')}" if known("project_id") else None
    identifier = known("id")
    if kind in ("google_kms_crypto_key", "google_kms_key_ring") and identifier:
        return identifier
    if kind == "google_kms_crypto_key" and known("key_ring") and known("name"):
        return f"{known('key_ring')}/cryptoKeys/{known('name')}"
    if project is None:
        return None
    if kind == "google_secret_manager_secret" and known("secret_id"):
        return f"projects/{project}/secrets/{known('secret_id')}"
    if kind == "google_bigquery_dataset" and known("dataset_id"):
        return f"projects/{project}/datasets/{known('dataset_id')}"
    if kind == "google_bigquery_table" and known("dataset_id") and known("table_id"):
        return f"projects/{project}/datasets/{known('dataset_id')}/tables/{known('table_id')}"
    location = known("location") or known("region")
    if kind == "google_artifact_registry_repository" and location and known("repository_id"):
        return f"projects/{project}/locations/{location}/repositories/{known('repository_id')}"
    if kind == "google_vertex_ai_endpoint" and location and known("name"):
        return f"projects/{project}/locations/{location}/endpoints/{known('name')}"
    return None


def scope_name(kind: ScopeKind, value: str) -> str:
    """``organizations/N``, ``folders/N`` or ``projects/ID`` from a Terraform attribute value
    written with or without the prefix."""
    prefix = {"organization": "organizations/", "folder": "folders/", "project": "projects/"}
    wanted = prefix.get(kind, "")
    return value if value.startswith(wanted) else f"{wanted}{value}"


class Hierarchy:
    """Which folder or organization each project and folder of the inputs sits in."""

    def __init__(self, index: ScanIndex) -> None:
        self.parents: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        """``projects/NUMBER`` → ``projects/ID``."""
        for project in index.of_type("google_project"):
            if project.mode == "managed" and not _planned(project):
                continue
            project_id = project.get("project_id")
            if not isinstance(project_id, str):
                continue
            name = f"projects/{project_id}"
            folder, org = project.get("folder_id"), project.get("org_id")
            if isinstance(folder, str) and folder:
                self.parents[name] = scope_name("folder", folder)
            elif isinstance(org, str) and org:
                self.parents[name] = scope_name("organization", org)
            number = project.get("number")
            if isinstance(number, str | int) and str(number):
                self.aliases[f"projects/{number}"] = name
        for folder in index.planned("google_folder"):
            name = folder.get("name") or folder.get("folder_id")
            parent = folder.get("parent")
            if isinstance(name, str) and isinstance(parent, str) and name and parent:
                self.parents[scope_name("folder", name)] = parent

    def canonical(self, name: str) -> str:
        """``projects/ID`` for ``projects/NUMBER`` when the inputs say which project it is."""
        return self.aliases.get(name, name)

    def ancestors(self, project: str) -> tuple[list[str], bool]:
        """The folders and organization above ``projects/ID``, nearest first, and whether the
        chain is known up to the top (an organization, or no parent)."""
        chain: list[str] = []
        current = self.canonical(project)
        while current in self.parents and len(chain) < 12:
            current = self.parents[current]
            chain.append(current)
        known = bool(chain) and chain[-1].startswith("organizations/")
        return chain, known


class _Collector:
    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.project = default_project(index)
        self.hierarchy = Hierarchy(index)
        self.result = GcpIam(default_project=self.project, hierarchy=self.hierarchy)
        self._custom: dict[str, RoleDefinition] = {}
        self._by_name: dict[str, Resource] | None = None
        self._custom_names: dict[str, Resource] | None = None
        self._policies: dict[tuple[str, ...], list[str]] = defaultdict(list)
        """Scope → the authoritative policy resources of it (with or without bindings)."""

    def collect(self) -> GcpIam:
        iam_types = sorted({r.type for r in self.index.resources if _IAM_TYPE.match(r.type)})
        for resource in self.index.planned(*iam_types) if iam_types else []:
            match = _IAM_TYPE.match(resource.type)
            assert match is not None
            style: Style = match["style"]  # type: ignore[assignment]
            scope = self._scope(resource, match["target"])
            if scope is None:
                self.result.unresolved.append(
                    f"{resource.address}: {resource.type} is not an IAM resource iacguard reads"
                )
                continue
            if style == "policy":
                key = scope.key()
                if key is not None:
                    self._policies[key].append(resource.address)
                for binding in policy_bindings(self.index, resource):
                    self._binding(resource, style, scope, binding)
                if isinstance(resource.get("policy_data"), Unknown) and not policy_bindings(
                    self.index, resource
                ):
                    self.result.unresolved.append(
                        f"{resource.address}: policy_data is known only after apply and no "
                        "google_iam_policy data source renders it"
                    )
            else:
                members: Any = (
                    resource.get("members") if style == "binding" else [resource.get("member")]
                )
                condition = resource.get("condition")
                self._binding(
                    resource,
                    style,
                    scope,
                    {
                        "role": resource.get("role"),
                        "members": members,
                        "condition": condition,
                    },
                )
        self._bucket_defaults()
        self._authority()
        self._default_compute()
        self.result.grants.sort(key=lambda g: (g.address, g.role, g.member.text))
        return self.result

    # -- scopes ----------------------------------------------------------------------

    def _scope(self, resource: Resource, target: str) -> Scope | None:
        if target in _HIERARCHY_ATTRIBUTES:
            kind, attribute = _HIERARCHY_ATTRIBUTES[target]
            value = resource.get(attribute)
            if kind == "project" and (value is None or isinstance(value, Unknown)):
                found = [
                    p for p in self.index.targets(resource, "project") if p.type == "google_project"
                ]
                project_id = found[0].get("project_id") if len(found) == 1 else None
                if isinstance(project_id, str):
                    value = project_id
                elif value is None:
                    value = self.project
            if isinstance(value, str) and value:
                return Scope(kind, self.hierarchy.canonical(scope_name(kind, value)))
            why = (
                value.describe()
                if isinstance(value, Unknown)
                else f"no {attribute} and no single default project in the provider configuration"
            )
            return Scope(kind, None, unknown=why)
        spec = RESOURCE_IAM.get(target)
        guessed = spec.attribute if spec else self._guess_attribute(resource)
        if guessed is None:
            return None
        attribute = guessed
        types = spec.types if spec else (f"google_{target}",)
        noun = spec.noun if spec else target.replace("_", " ")
        targets = [t for t in self.index.targets(resource, attribute) if t.type in types]
        found_target = targets[0] if len(targets) == 1 else None
        if found_target is not None:
            name = resource_name(found_target, project_of(found_target, self.project))
            return Scope("resource", name, noun, found_target)
        value = resource.get(attribute)
        if isinstance(value, str) and value:
            name = self._name_from_value(target, resource, value)
            return Scope("resource", name, noun, self._named().get(name))
        why = value.describe() if isinstance(value, Unknown) else f"no {attribute}"
        return Scope("resource", None, noun, unknown=why)

    def _named(self) -> dict[str, Resource]:
        """Planned Google resources of the inputs by their resource name."""
        if self._by_name is None:
            self._by_name = {}
            for found in self.index.resources:
                if found.type.startswith("google_") and _planned(found):
                    name = resource_name(found, project_of(found, self.project))
                    if name:
                        self._by_name.setdefault(name, found)
        return self._by_name

    def _guess_attribute(self, resource: Resource) -> str | None:
        values = resource.values if isinstance(resource.values, dict) else {}
        for key in sorted(values):
            if key not in _NOT_TARGETS and not key.endswith("_config"):
                return str(key)
        return None

    def _name_from_value(self, target: str, resource: Resource, value: str) -> str:
        project = project_of(resource, self.project) or "-"
        if value.startswith(("projects/", "//")) and target != "service_account":
            return value.removeprefix("//storage.googleapis.com/")
        if target == "storage_bucket":
            return f"projects/_/buckets/{value.removeprefix('b/')}"
        if target == "service_account":
            email = value.rsplit("/", 1)[-1].lower()
            for account in self.index.planned("google_service_account"):
                own = project_of(account, self.project)
                if service_account_email(account, own) == email:
                    return f"projects/{own or '-'}/serviceAccounts/{email}"
            return f"projects/{project}/serviceAccounts/{email}"
        if target == "secret_manager_secret":
            return f"projects/{project}/secrets/{value}"
        if target == "bigquery_dataset":
            return f"projects/{project}/datasets/{value}"
        return f"projects/{project}/{target}/{value}"

    # -- grants ----------------------------------------------------------------------

    def _binding(self, resource: Resource, style: Style, scope: Scope, binding: Any) -> None:
        if not isinstance(binding, dict):
            return
        role_value = binding.get("role")
        role, definition, unresolved = self._role(resource, role_value)
        condition = _condition(binding.get("condition"))
        members = self._members(resource, binding.get("members"), style)
        if not members:
            self.result.unresolved.append(f"{resource.address}: no member of {role} is known")
        for member in members:
            self.result.grants.append(
                Grant(
                    resource,
                    style,
                    role,
                    definition,
                    member,
                    scope,
                    condition,
                    role_unresolved=unresolved,
                )
            )

    def _members(self, resource: Resource, value: Any, style: Style) -> list[Member]:
        attribute = "members" if style == "binding" else "member"
        references = tuple(resource.references.get(attribute, ()))
        items = value if isinstance(value, list) else [value]
        if isinstance(value, Unknown):
            items = [value]
        found: list[Member] = []
        for item in items:
            if isinstance(item, str) and item:
                found.append(parse_member(item))
            elif isinstance(item, Unknown) or (item is None and references):
                targets = self.index.targets(resource, attribute)
                pools = [t for t in targets if t.type == "google_iam_workload_identity_pool"]
                if len(pools) != len(targets):
                    pools = []  # accounts too: keep it unknown and link it per account
                description = (
                    f"({item.describe()})" if isinstance(item, Unknown) else "(known after apply)"
                )
                if pools:
                    found.append(_pool_member(pools[0], description))
                    continue
                found.append(
                    unknown_member(
                        description,
                        tuple(item.references or references)
                        if isinstance(item, Unknown)
                        else references,
                    )
                )
        return found

    def _role(self, resource: Resource, value: Any) -> tuple[str, RoleDefinition | None, str]:
        if isinstance(value, str) and value:
            if value.startswith("roles/"):
                found = predefined_role(value)
                if found is None:
                    return value, None, f"{value} is not in iacguard's predefined-role catalog"
                return value, found, ""
            custom = self._custom_role(value, None)
            if custom is None:
                return value, None, f"custom role {value} is not defined in the inputs"
            return value, custom, ""
        if isinstance(value, Unknown):
            for target in self.index.targets(resource, "role"):
                custom = self._custom_role(None, target)
                if custom is not None:
                    return custom.name, custom, ""
            return f"({value.describe()})", None, f"the role is {value.describe()}"
        return "(no role)", None, "the grant names no role"

    def _custom_role(self, name: str | None, resource: Resource | None) -> RoleDefinition | None:
        if name is not None and resource is None:
            if self._custom_names is None:
                self._custom_names = {}
                for role in self.index.planned(
                    "google_project_iam_custom_role", "google_organization_iam_custom_role"
                ):
                    for key in self._custom_keys(role):
                        self._custom_names.setdefault(key, role)
            found = self._custom_names.get(name)
            return self._custom_role(None, found) if found is not None else None
        candidates = (
            [resource]
            if resource is not None
            else self.index.planned(
                "google_project_iam_custom_role", "google_organization_iam_custom_role"
            )
        )
        for role in candidates:
            if role.type not in (
                "google_project_iam_custom_role",
                "google_organization_iam_custom_role",
            ):
                continue
            role_id = role.get("role_id")
            if role.type == "google_project_iam_custom_role":
                parent = f"projects/{project_of(role, self.project) or '-'}"
            else:
                parent = f"organizations/{role.get('org_id')}"
            full = f"{parent}/roles/{role_id}"
            if name is not None and name not in (full, role.get("id"), role.get("name")):
                continue
            if role.address in self._custom:
                return self._custom[role.address]
            permissions = role.get("permissions")
            held = (
                frozenset(p for p in permissions if isinstance(p, str))
                if isinstance(permissions, list)
                else frozenset()
            )
            disabled = role.get("stage") == "DISABLED"
            definition = RoleDefinition(
                name=full,
                title=str(role.get("title") or role_id),
                permissions=frozenset() if disabled else held,
                approximate=("*",) if isinstance(permissions, Unknown) else (),
                source=role.address,
                complete=not isinstance(permissions, Unknown),
                custom=True,
            )
            self._custom[role.address] = definition
            return definition
        return None

    def _default_compute(self) -> None:
        """The Editor role Google gives the Compute Engine default service account of a project,
        when something of the inputs runs as that account: a Maybe (the organization policy
        ``iam.automaticIamGrantsForDefaultServiceAccounts`` prevents it, and is the default
        for organizations created since May 2024)."""
        numbers: dict[str, str] = {}
        for found in self.index.of_type("google_project"):
            number, project_id = found.get("number"), found.get("project_id")
            if isinstance(number, str | int) and isinstance(project_id, str) and str(number):
                numbers[project_id] = str(number)
        seen: set[str] = set()
        for runner in self.index.planned(
            "google_container_node_pool", "google_container_cluster", "google_compute_instance"
        ):
            if not _runs_as_default(runner):
                continue
            project = project_of(runner, self.project)
            number = numbers.get(project or "")
            if project is None or number is None or project in seen:
                continue
            seen.add(project)
            email = f"{number}-compute@developer.gserviceaccount.com"
            self.result.grants.append(
                Grant(
                    runner,
                    "member",
                    "roles/editor",
                    predefined_role("roles/editor"),
                    Member(f"serviceAccount:{email}", "serviceAccount", email),
                    Scope("project", f"projects/{project}"),
                    conflicts=(
                        "assumed, not in the inputs: Google grants the Compute Engine default "
                        "service account roles/editor on its project unless the organization "
                        "policy iam.automaticIamGrantsForDefaultServiceAccounts prevents it",
                    ),
                )
            )

    def _bucket_defaults(self) -> None:
        """The grants every new bucket's IAM policy starts with: the project's owners and
        editors own the bucket and its objects, its viewers read them (convenience values)."""
        for bucket in self.index.planned("google_storage_bucket"):
            project = project_of(bucket, self.project)
            if project is None:
                continue
            name = resource_name(bucket, project)
            scope = Scope("resource", name, "bucket", bucket)
            for convenience, roles in _BUCKET_DEFAULTS:
                text = f"{convenience}:{project}"
                member = Member(text, "convenience", text)
                for role in roles:
                    self.result.grants.append(
                        Grant(
                            bucket,
                            "member",
                            role,
                            predefined_role(role),
                            member,
                            scope,
                            note=(
                                f"the default IAM policy of a new bucket grants {role} to "
                                f"{text}; an authoritative policy or binding of the bucket "
                                "replaces it"
                            ),
                        )
                    )

    def _custom_keys(self, role: Resource) -> list[str]:
        """The names a grant may use for a custom role: its full name, ``id`` and ``name``."""
        role_id = role.get("role_id")
        if role.type == "google_project_iam_custom_role":
            parent = f"projects/{project_of(role, self.project) or '-'}"
        else:
            parent = f"organizations/{role.get('org_id')}"
        keys = [f"{parent}/roles/{role_id}"]
        keys += [v for v in (role.get("id"), role.get("name")) if isinstance(v, str) and v]
        return keys

    # -- authoritative resources --------------------------------------------------------

    def _authority(self) -> None:
        policies = self._policies
        bindings: dict[tuple[Any, ...], list[Grant]] = defaultdict(list)
        for grant in self.result.grants:
            key = grant.scope.key()
            if key is None:
                continue
            if grant.style == "binding":
                bindings[(key, grant.role, _condition_key(grant.condition))].append(grant)
        updated: list[Grant] = []
        for grant in self.result.grants:
            key = grant.scope.key()
            conflicts: list[str] = []
            note = ""
            if grant.style == "policy":
                note = (
                    f"{grant.address} replaces the whole IAM policy of {grant.scope.text()}: "
                    "grants made there by other resources or outside Terraform are removed"
                )
            elif grant.style == "binding":
                note = (
                    f"{grant.address} sets every member of {grant.role} on {grant.scope.text()}: "
                    "members given this role there by other means are removed"
                )
            if key is not None and grant.style == "binding":
                rivals = sorted(
                    {
                        g.address
                        for g in bindings.get(
                            (key, grant.role, _condition_key(grant.condition)), []
                        )
                        if g.address != grant.address
                    }
                )
                if rivals:
                    conflicts.append(
                        f"{', '.join(rivals)} also sets the members of {grant.role} on "
                        f"{grant.scope.text()}: the one applied last wins"
                    )
            if key is not None and grant.style != "policy":
                owners = sorted(set(policies.get(key, ())))
                if owners:
                    conflicts.append(
                        f"the authoritative {', '.join(owners)} replaces the IAM policy of "
                        f"{grant.scope.text()} and does not hold this grant: after apply it "
                        "depends on which resource is applied last"
                    )
            if key is not None and grant.style == "member":
                same = bindings.get((key, grant.role, _condition_key(grant.condition)), [])
                holders = {g.member.text for g in same}
                owners = sorted({g.address for g in same})
                if owners and grant.member.text not in holders:
                    conflicts.append(
                        f"the authoritative {', '.join(owners)} sets the members of {grant.role} "
                        f"on {grant.scope.text()} without this member: it removes this grant on "
                        "apply, and the two resources undo each other on every apply"
                    )
            if conflicts and grant.source.type == "google_storage_bucket":
                continue  # a bucket's default grant: nothing puts it back once replaced
            updated.append(
                replace(grant, conflicts=tuple(conflicts), note=note)
                if conflicts or note
                else grant
            )
        self.result.grants = updated


def _runs_as_default(resource: Resource) -> bool:
    """Does a node pool, cluster default pool or VM run as the default compute account?"""
    if resource.type == "google_container_cluster" and resource.get("remove_default_node_pool"):
        return False
    if resource.type == "google_compute_instance":
        accounts = resource.get("service_account")
        block = accounts[0] if isinstance(accounts, list) and accounts else None
        value = block.get("email") if isinstance(block, dict) else None
        if not isinstance(block, dict):
            return False
    else:
        config = resource.get("node_config")
        block = config[0] if isinstance(config, list) and config else None
        value = block.get("service_account") if isinstance(block, dict) else None
    if isinstance(value, Unknown):
        return not (value.references or value.sources)
    return value in (None, "", "default") or (
        isinstance(value, str) and value.lower().endswith("-compute@developer.gserviceaccount.com")
    )


def _pool_member(pool: Resource, description: str) -> Member:
    """A member of a workload identity pool whose text is known only after apply: which
    principals of the pool it names is not known."""
    pool_id = pool.get("workload_identity_pool_id")
    return Member(
        f"a principal of {pool.address} {description}",
        "pool",
        "?",
        pool_id if isinstance(pool_id, str) else pool.address,
        attribute="?",
        attribute_value="(known after apply)",
    )


def _condition(value: Any) -> Condition | None:
    blocks = value if isinstance(value, list) else [value]
    for block in blocks:
        if isinstance(block, dict) and (block.get("expression") or block.get("title")):
            expression = block.get("expression")
            return Condition(
                str(block.get("title") or ""),
                expression if isinstance(expression, str) else "(known after apply)",
            )
        if isinstance(block, Unknown):
            return Condition("", "(known after apply)")
    return None


def _condition_key(condition: Condition | None) -> tuple[str, str] | None:
    return (condition.title, condition.expression) if condition is not None else None


def policy_bindings(index: ScanIndex, policy: Resource) -> list[dict[str, Any]]:
    """Bindings of an IAM policy resource: from its ``policy_data`` JSON, or, when that is known
    only after apply, from the ``binding`` blocks of the ``google_iam_policy`` rendering it."""
    value = policy.get("policy_data")
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except json.JSONDecodeError:
            return []
        bindings = document.get("bindings") if isinstance(document, dict) else None
        return [b for b in bindings if isinstance(b, dict)] if isinstance(bindings, list) else []
    if isinstance(value, Unknown):
        found: list[dict[str, Any]] = []
        for source in value.sources:
            for data in index.by_config_address(source):
                blocks = data.get("binding") if data.type == "google_iam_policy" else None
                if isinstance(blocks, list):
                    found.extend(b for b in blocks if isinstance(b, dict))
        return found
    return []


def grants_of_types(iam: GcpIam, *types: str) -> Iterable[Grant]:
    """The grants made by resources of these types."""
    return (g for g in iam.grants if g.source.type in types)
