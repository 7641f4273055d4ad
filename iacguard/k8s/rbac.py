"""Kubernetes RBAC, resolved statically from manifests.

Roles and ClusterRoles (``aggregationRule`` label selectors resolved, recursively, as the
aggregation controller does), RoleBindings and ClusterRoleBindings to service accounts, users
and groups (``system:serviceaccounts``, ``system:serviceaccounts:<ns>``,
``system:authenticated``). A ClusterRole bound by a RoleBinding grants only in that namespace.
The default roles every cluster has (``cluster-admin``, ``admin``, ``edit``, ``view``, the
``system:`` roles) come from a packaged copy of Kubernetes' bootstrap policy and resolve when a
binding references them without defining them; a binding to a role that exists nowhere is
reported. Matching follows the RBAC authorizer: ``*`` verbs, groups and resources,
``*/subresource``, ``resourceNames``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from iacguard.k8s.objects import as_dict, as_list, body, labels, metadata, namespace, objects
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate

RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


@dataclass(frozen=True, slots=True)
class Rule:
    """One PolicyRule of a role."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    resource_names: tuple[str, ...]
    non_resource_urls: tuple[str, ...]
    role: str
    """The role it comes from (node id: ``k8s:ClusterRole/view``)."""
    index: int
    """Its position in that role's rules (after aggregation, in the aggregating role)."""

    def as_json(self) -> dict[str, Any]:
        """The rule as Kubernetes writes it, with where it comes from."""
        out: dict[str, Any] = {"verbs": list(self.verbs)}
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        else:
            out["apiGroups"] = list(self.api_groups)
            out["resources"] = list(self.resources)
        if self.resource_names:
            out["resourceNames"] = list(self.resource_names)
        out["role"] = self.role
        return out


@dataclass(frozen=True, slots=True)
class RoleDef:
    """A Role or ClusterRole, from the inputs or the cluster defaults."""

    kind: str
    namespace: str | None
    name: str
    rules: tuple[Rule, ...]
    labels: dict[str, str]
    selectors: tuple[dict[str, Any], ...]
    """``aggregationRule.clusterRoleSelectors`` (ClusterRoles only)."""
    address: str | None
    """The manifest object; ``None`` for a cluster default not in the inputs."""

    @property
    def node_id(self) -> str:
        """``k8s:ClusterRole/view``, ``k8s:Role/ml/reader``."""
        if self.namespace:
            return f"k8s:{self.kind}/{self.namespace}/{self.name}"
        return f"k8s:{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class Subject:
    """A binding subject, with its namespace resolved."""

    kind: str
    name: str
    namespace: str | None
    note: str | None = None
    """How a missing namespace was filled in."""

    @property
    def text(self) -> str:
        """``ServiceAccount ml/vllm``, ``Group system:authenticated``."""
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class Binding:
    """A RoleBinding or ClusterRoleBinding, from the inputs or the cluster defaults."""

    kind: str
    namespace: str | None
    name: str
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]
    address: str | None

    @property
    def node_id(self) -> str:
        """``k8s:RoleBinding/ml/reader``."""
        if self.namespace:
            return f"k8s:{self.kind}/{self.namespace}/{self.name}"
        return f"k8s:{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class Grant:
    """A rule a subject holds through a binding, in a namespace or cluster-wide."""

    rule: Rule
    namespace: str | None
    """Where it applies: a namespace, or ``None`` for every namespace and the cluster scope."""
    binding: Binding
    matched: str
    """How the binding names the subject (``ServiceAccount ml/vllm``, ``Group
    system:serviceaccounts:ml``)."""

    def as_json(self) -> dict[str, Any]:
        """JSON form: the rule, where it applies, and the binding behind it."""
        return {
            **self.rule.as_json(),
            "namespace": self.namespace,
            "binding": self.binding.address or self.binding.node_id,
            "subject": self.matched,
        }


@dataclass(frozen=True, slots=True)
class Request:
    """What is asked: a verb on a resource (``pods/exec``), in a namespace or cluster-wide."""

    verb: str
    resource: str
    subresource: str = ""
    api_group: str | None = ""
    """``None``: not known (the resource name alone was given, and is not a common one)."""
    namespace: str | None = None
    name: str = ""

    @property
    def combined(self) -> str:
        """``pods/exec``."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass
class RbacModel:
    """Every role and binding of the inputs, the cluster defaults beneath them."""

    roles: dict[tuple[str, str | None, str], RoleDef] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    missing: list[tuple[Binding, str]] = field(default_factory=list)
    """Bindings whose role exists neither in the inputs nor among the defaults."""
    notes: list[str] = field(default_factory=list)
    _index: dict[tuple[str, ...], list[Binding]] | None = field(default=None, repr=False)
    _positions: dict[int, int] | None = field(default=None, repr=False)

    def role(self, binding: Binding) -> RoleDef | None:
        """The role a binding references (a Role in the binding's namespace)."""
        scope = binding.namespace if binding.role_kind == "Role" else None
        return self.roles.get((binding.role_kind, scope, binding.role_name))

    def grants(self, subject_matches: Any) -> list[Grant]:
        """Every rule held by a subject for which ``subject_matches(subject, binding)``
        returns how it matched (a string) or ``None``."""
        found: list[Grant] = []
        for binding in self.bindings:
            if binding.address is None:
                # The cluster's own bindings give every authenticated identity discovery
                # rights, and system components theirs: not rights of the inputs' accounts.
                continue
            matched = None
            for subject in binding.subjects:
                matched = subject_matches(subject, binding)
                if matched:
                    break
            if not matched:
                continue
            role = self.role(binding)
            if role is None:
                continue
            scope = binding.namespace if binding.kind == "RoleBinding" else None
            found.extend(Grant(rule, scope, binding, matched) for rule in role.rules)
        return found

    def _subject_index(self) -> dict[tuple[str, ...], list[Binding]]:
        """Bindings of the inputs by the subjects they name (built once)."""
        index = self._index
        if index is None:
            index = {}
            for binding in self.bindings:
                if binding.address is None:
                    continue
                for subject in binding.subjects:
                    key = (
                        (subject.kind, subject.namespace or "", subject.name)
                        if subject.kind == "ServiceAccount"
                        else (subject.kind, subject.name)
                    )
                    listed = index.setdefault(key, [])
                    if binding not in listed:
                        listed.append(binding)
            self._index = index
        return index

    def service_account_grants(self, sa_namespace: str, sa_name: str) -> list[Grant]:
        """The rules a service account holds, through every binding naming it, its
        namespace's service accounts, all service accounts, or all authenticated users."""
        index = self._subject_index()
        keys = [
            ("ServiceAccount", sa_namespace, sa_name),
            ("User", f"system:serviceaccount:{sa_namespace}:{sa_name}"),
            ("Group", "system:serviceaccounts"),
            ("Group", f"system:serviceaccounts:{sa_namespace}"),
            ("Group", "system:authenticated"),
        ]
        candidates: list[Binding] = []
        for key in keys:
            for binding in index.get(key, ()):
                if binding not in candidates:
                    candidates.append(binding)
        return self._grants_of(candidates, sa_namespace, sa_name)

    def _grants_of(self, bindings: list[Binding], sa_namespace: str, sa_name: str) -> list[Grant]:

        def matches(subject: Subject, _binding: Binding) -> str | None:
            if subject.kind == "ServiceAccount":
                if subject.name == sa_name and subject.namespace == sa_namespace:
                    return subject.text + (f" ({subject.note})" if subject.note else "")
                return None
            if subject.kind == "User":
                if subject.name == f"system:serviceaccount:{sa_namespace}:{sa_name}":
                    return subject.text
                return None
            if subject.kind == "Group" and subject.name in (
                "system:serviceaccounts",
                f"system:serviceaccounts:{sa_namespace}",
                "system:authenticated",
            ):
                return subject.text
            return None

        found: list[Grant] = []
        if self._positions is None:
            self._positions = {id(b): n for n, b in enumerate(self.bindings)}
        positions = self._positions
        for binding in sorted(bindings, key=lambda b: positions[id(b)]):
            matched = next((m for s in binding.subjects if (m := matches(s, binding))), None)
            role = self.role(binding) if matched else None
            if role is None or matched is None:
                continue
            scope = binding.namespace if binding.kind == "RoleBinding" else None
            found.extend(Grant(rule, scope, binding, matched) for rule in role.rules)
        return found


# --------------------------------------------------------------------------------------------
# Building the model
# --------------------------------------------------------------------------------------------


@cache
def default_objects() -> tuple[dict[str, Any], ...]:
    """The cluster's default ClusterRoles and ClusterRoleBindings (packaged data)."""
    text = files("iacguard.k8s").joinpath("data/default_rbac.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(d for d in yaml.load_all(text, Loader=loader) if isinstance(d, dict))


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in as_list(value) if isinstance(v, str | int | float))


def _rules(raw: Any, role: str) -> list[Rule]:
    rules = []
    for position, item in enumerate(as_list(raw)):
        entry = as_dict(item)
        rules.append(
            Rule(
                verbs=_strings(entry.get("verbs")),
                api_groups=_strings(entry.get("apiGroups")),
                resources=_strings(entry.get("resources")),
                resource_names=_strings(entry.get("resourceNames")),
                non_resource_urls=_strings(entry.get("nonResourceURLs")),
                role=role,
                index=position,
            )
        )
    return rules


def _role_def(kind: str, ns: str | None, value: dict[str, Any], address: str | None) -> RoleDef:
    meta = as_dict(value.get("metadata"))
    name = str(meta.get("name", ""))
    node = f"k8s:{kind}/{ns}/{name}" if ns else f"k8s:{kind}/{name}"
    aggregation = as_dict(value.get("aggregationRule"))
    return RoleDef(
        kind=kind,
        namespace=ns,
        name=name,
        rules=tuple(_rules(value.get("rules"), node)),
        labels={str(k): str(v) for k, v in as_dict(meta.get("labels")).items()},
        selectors=tuple(as_dict(s) for s in as_list(aggregation.get("clusterRoleSelectors"))),
        address=address,
    )


def _binding(
    kind: str, ns: str | None, value: dict[str, Any], address: str | None
) -> Binding | None:
    meta = as_dict(value.get("metadata"))
    ref = as_dict(value.get("roleRef"))
    role_kind, role_name = ref.get("kind"), ref.get("name")
    if not isinstance(role_kind, str) or not isinstance(role_name, str):
        return None
    subjects = []
    for item in as_list(value.get("subjects")):
        raw = as_dict(item)
        subject_kind, name = raw.get("kind"), raw.get("name")
        if not isinstance(subject_kind, str) or not isinstance(name, str):
            continue
        subject_ns = raw.get("namespace")
        note = None
        if subject_kind == "ServiceAccount" and not isinstance(subject_ns, str):
            subject_ns = ns or "default"
            note = (
                "no namespace in the subject: taken as the binding's"
                if ns
                else "no namespace in the subject: taken as default"
            )
        subjects.append(
            Subject(
                subject_kind,
                name,
                subject_ns if isinstance(subject_ns, str) else None,
                note,
            )
        )
    return Binding(
        kind=kind,
        namespace=ns,
        name=str(meta.get("name", "")),
        role_kind=role_kind,
        role_name=role_name,
        subjects=tuple(subjects),
        address=address,
    )


def build_rbac(resources: Sequence[Resource]) -> RbacModel:
    """The RBAC model of the inputs' manifests over the cluster defaults."""
    model = RbacModel()
    defined: set[tuple[str, str | None, str]] = set()
    for resource in objects(resources, "Role", "ClusterRole"):
        ns = namespace(resource) if resource.type == "Role" else None
        role = _role_def(resource.type, ns, body(resource), resource.address)
        model.roles[(role.kind, role.namespace, role.name)] = role
        defined.add((role.kind, role.namespace, role.name))
    for value in default_objects():
        if value.get("kind") == "ClusterRole":
            name = str(as_dict(value.get("metadata")).get("name", ""))
            if ("ClusterRole", None, name) not in model.roles:
                model.roles[("ClusterRole", None, name)] = _role_def(
                    "ClusterRole", None, value, None
                )
    _aggregate(model)
    for resource in objects(resources, "RoleBinding", "ClusterRoleBinding"):
        ns = namespace(resource) if resource.type == "RoleBinding" else None
        binding = _binding(resource.type, ns, body(resource), resource.address)
        if binding is None:
            model.notes.append(f"{resource.address}: no roleRef kind and name: not resolved")
            continue
        model.bindings.append(binding)
    names = {(b.kind, b.name) for b in model.bindings}
    for value in default_objects():
        if value.get("kind") == "ClusterRoleBinding":
            binding = _binding("ClusterRoleBinding", None, value, None)
            if binding is not None and ("ClusterRoleBinding", binding.name) not in names:
                model.bindings.append(binding)
    for binding in model.bindings:
        if model.role(binding) is None:
            model.missing.append(
                (
                    binding,
                    f"{binding.role_kind} {binding.role_name} is not in the inputs and "
                    "is not a cluster default",
                )
            )
    return model


def _selected(selector: dict[str, Any], role_labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions) against a role's labels."""
    for key, value in as_dict(selector.get("matchLabels")).items():
        if role_labels.get(str(key)) != str(value):
            return False
    for item in as_list(selector.get("matchExpressions")):
        expression = as_dict(item)
        key, operator = str(expression.get("key", "")), expression.get("operator")
        values = set(_strings(expression.get("values")))
        present = key in role_labels
        if operator == "In" and not (present and role_labels[key] in values):
            return False
        if operator == "NotIn" and present and role_labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    # an empty selector ({}) selects every ClusterRole, as Kubernetes reads it
    return True


def _aggregate(model: RbacModel) -> None:
    """Fill aggregated ClusterRoles with the rules of the ClusterRoles their selectors pick,
    following aggregated roles that pick others (``admin`` ⊇ ``edit`` ⊇ ``view``)."""
    cluster_roles = {k: r for k, r in model.roles.items() if k[0] == "ClusterRole"}
    resolved: dict[tuple[str, str | None, str], tuple[Rule, ...]] = {}

    def rules_of(key: tuple[str, str | None, str], seen: frozenset[Any]) -> tuple[Rule, ...]:
        if key in resolved:
            return resolved[key]
        role = cluster_roles[key]
        if not role.selectors:
            return role.rules
        # the controller owns an aggregated role's rules: what is written there is replaced
        collected: list[Rule] = []
        for other_key, other in sorted(cluster_roles.items(), key=lambda kv: kv[0][2]):
            if other_key == key or other_key in seen:
                continue
            if any(_selected(s, other.labels) for s in role.selectors):
                collected.extend(rules_of(other_key, seen | {key}))
        unique: dict[tuple[Any, ...], Rule] = {}
        for rule in collected:
            identity = (
                rule.verbs, rule.api_groups, rule.resources, rule.resource_names,
                rule.non_resource_urls,
            )  # fmt: skip
            unique.setdefault(identity, rule)
        resolved[key] = tuple(unique.values())
        return resolved[key]

    for key, role in cluster_roles.items():
        if role.selectors:
            model.roles[key] = RoleDef(
                role.kind,
                role.namespace,
                role.name,
                rules_of(key, frozenset()),
                role.labels,
                role.selectors,
                role.address,
            )


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def rule_matches(rule: Rule, request: Request) -> Tristate:
    """Does one rule allow the request (as the RBAC authorizer decides)?"""
    if rule.non_resource_urls:
        return Tristate.NO
    if "*" not in rule.verbs and request.verb not in rule.verbs:
        return Tristate.NO
    group = Tristate.YES
    if "*" not in rule.api_groups:
        if request.api_group is None:
            group = Tristate.MAYBE
        elif request.api_group not in rule.api_groups:
            return Tristate.NO
    if not _resource_matches(rule.resources, request.combined, request.subresource):
        return Tristate.NO
    if rule.resource_names:
        if not request.name:
            # a rule limited to names matches only requests naming one of them: list, watch,
            # deletecollection and plain create name nothing; everything else (bind and
            # escalate name the role, impersonate the user, subresources their object) may
            if request.verb in ("list", "watch", "deletecollection") or (
                request.verb == "create" and not request.subresource
            ):
                return Tristate.NO
            return Tristate.MAYBE
        if request.name not in rule.resource_names:
            return Tristate.NO
    return group


def _resource_matches(resources: Iterable[str], combined: str, subresource: str) -> bool:
    for resource in resources:
        if resource in ("*", combined):
            return True
        if subresource and resource == f"*/{subresource}":
            return True
    return False


#: Resources that live outside namespaces: a RoleBinding never grants them.
CLUSTER_RESOURCES = frozenset(
    {
        "namespaces", "nodes", "persistentvolumes", "clusterroles", "clusterrolebindings",
        "certificatesigningrequests", "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations", "customresourcedefinitions", "storageclasses",
        "priorityclasses", "apiservices", "csinodes", "csidrivers", "volumeattachments",
        "runtimeclasses", "ingressclasses", "tokenreviews", "subjectaccessreviews",
        "selfsubjectaccessreviews", "componentstatuses",
        # impersonation is authorized without a namespace
        "users", "groups", "userextras", "uids",
        "validatingadmissionpolicies", "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies", "mutatingadmissionpolicybindings", "flowschemas",
        "prioritylevelconfigurations", "clustertrustbundles", "gatewayclasses",
    }
)  # fmt: skip


def grant_allows(grant: Grant, request: Request) -> Tristate:
    """Whether a grant covers the request, its namespace included (a RoleBinding grants
    nothing on cluster-scoped resources, and only in its namespace)."""
    if grant.namespace is not None:
        # binding a ClusterRole with a RoleBinding is authorized in the binding's namespace
        # (only bind: escalate on ClusterRoles is checked cluster-wide)
        namespaced_bind = request.verb == "bind" and request.resource == "clusterroles"
        if request.resource in CLUSTER_RESOURCES and not namespaced_bind:
            return Tristate.NO
        if request.namespace != grant.namespace:
            return Tristate.NO
    return rule_matches(grant.rule, request)


def decide(grants: Sequence[Grant], request: Request) -> tuple[Tristate, list[Grant]]:
    """YES when some grant allows the request, MAYBE when one may, else NO; with the grants
    that do (RBAC has no deny: the first allowing rule decides)."""
    yes = [g for g in grants if grant_allows(g, request) is Tristate.YES]
    if yes:
        return Tristate.YES, yes
    maybe = [g for g in grants if grant_allows(g, request) is Tristate.MAYBE]
    return (Tristate.MAYBE, maybe) if maybe else (Tristate.NO, [])


def role_of(model: RbacModel, resource: Resource) -> RoleDef | None:
    """The (aggregated) role of a Role or ClusterRole object of the inputs."""
    ns = namespace(resource) if resource.type == "Role" else None
    return model.roles.get((resource.type, ns, str(metadata(resource).get("name", ""))))


def has_label(resource: Resource, key: str) -> bool:
    """Whether the object carries a label."""
    return key in labels(resource)
