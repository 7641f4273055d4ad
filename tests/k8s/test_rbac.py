"""RBAC resolved from manifests as the Kubernetes RBAC authorizer and the ClusterRole aggregation
controller would: aggregation, the cluster's default roles, binding scopes, subjects, missing
roles and rule matching."""

from __future__ import annotations

import pytest

from iacguard.inputs.kubernetes import load_manifests
from iacguard.k8s.rbac import (
    Grant,
    RbacModel,
    Request,
    Rule,
    build_rbac,
    decide,
    rule_matches,
)
from iacguard.model.values import Tristate

RoleKey = tuple[str, str | None, str]
RuleIdentity = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _model(text: str) -> RbacModel:
    document = load_manifests("rbac.yaml", text)
    assert document.errors == ()
    assert document.skipped == ()
    return build_rbac(document.resources)


def _cluster_role(model: RbacModel, name: str) -> tuple[Rule, ...]:
    return model.roles[("ClusterRole", None, name)].rules


def _identities(rules: tuple[Rule, ...]) -> set[RuleIdentity]:
    """Each rule as (role it comes from, apiGroups, resources, verbs)."""
    return {(r.role, r.api_groups, r.resources, r.verbs) for r in rules}


def _permissions(rules: tuple[Rule, ...]) -> set[tuple[tuple[str, ...], ...]]:
    """What rules allow, whatever role they come from."""
    return {
        (r.verbs, r.api_groups, r.resources, r.resource_names, r.non_resource_urls) for r in rules
    }


def _role_allows(rules: tuple[Rule, ...], verb: str, resource: str, group: str = "") -> bool:
    base, _, sub = resource.partition("/")
    request = Request(verb=verb, resource=base, subresource=sub, api_group=group)
    return any(rule_matches(r, request) is Tristate.YES for r in rules)


def _ask(
    grants: list[Grant],
    verb: str,
    resource: str,
    namespace: str | None,
    group: str = "",
) -> Tristate:
    base, _, sub = resource.partition("/")
    request = Request(
        verb=verb, resource=base, subresource=sub, api_group=group, namespace=namespace
    )
    decision, _ = decide(grants, request)
    return decision


# --------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------

AGGREGATION = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: models-reader
aggregationRule:
  clusterRoleSelectors:
    - matchLabels:
        acme.io/aggregate-to-models: "true"
    - matchExpressions:
        - {key: acme.io/tier, operator: In, values: [gold, silver]}
        - {key: acme.io/deprecated, operator: DoesNotExist}
    - matchExpressions:
        - {key: acme.io/team, operator: Exists}
        - {key: acme.io/env, operator: NotIn, values: [dev]}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece-labels
  labels: {acme.io/aggregate-to-models: "true"}
rules:
  - {apiGroups: [serving.kserve.io], resources: [inferenceservices], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece-gold
  labels: {acme.io/tier: gold}
rules:
  - {apiGroups: [ray.io], resources: [rayclusters], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece-gold-deprecated
  labels: {acme.io/tier: gold, acme.io/deprecated: "yes"}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece-bronze
  labels: {acme.io/tier: bronze}
rules:
  - {apiGroups: [""], resources: [nodes], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece-team
  labels: {acme.io/team: ml, acme.io/env: prod}
rules:
  - {apiGroups: [kubeflow.org], resources: [notebooks], verbs: [watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece-team-dev
  labels: {acme.io/team: ml, acme.io/env: dev}
rules:
  - {apiGroups: [""], resources: [pods/exec], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: gpu-viewer
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
  - {apiGroups: [nvidia.com], resources: [clusterpolicies], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ray-editor
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules:
  - {apiGroups: [ray.io], resources: [rayjobs], verbs: [create, delete]}
"""

GPU_VIEWER: RuleIdentity = (
    "k8s:ClusterRole/gpu-viewer",
    ("nvidia.com",),
    ("clusterpolicies",),
    ("get", "list"),
)
RAY_EDITOR: RuleIdentity = (
    "k8s:ClusterRole/ray-editor",
    ("ray.io",),
    ("rayjobs",),
    ("create", "delete"),
)


def test_custom_aggregation_follows_match_labels_and_match_expressions() -> None:
    model = _model(AGGREGATION)
    assert _identities(_cluster_role(model, "models-reader")) == {
        ("k8s:ClusterRole/piece-labels", ("serving.kserve.io",), ("inferenceservices",), ("get",)),
        ("k8s:ClusterRole/piece-gold", ("ray.io",), ("rayclusters",), ("list",)),
        ("k8s:ClusterRole/piece-team", ("kubeflow.org",), ("notebooks",), ("watch",)),
    }
    # the pieces themselves keep their own rules only
    assert _identities(_cluster_role(model, "piece-gold")) == {
        ("k8s:ClusterRole/piece-gold", ("ray.io",), ("rayclusters",), ("list",)),
    }


def test_default_view_aggregates_a_custom_role_labelled_aggregate_to_view() -> None:
    model = _model(AGGREGATION)
    view = _cluster_role(model, "view")
    assert GPU_VIEWER in _identities(view)
    # the default role is still there: the bootstrap system:aggregate-to-view rules
    assert {r.role for r in view} == {
        "k8s:ClusterRole/gpu-viewer",
        "k8s:ClusterRole/system:aggregate-to-view",
    }
    assert _role_allows(view, "list", "clusterpolicies", "nvidia.com")
    assert _role_allows(view, "get", "pods")
    assert _role_allows(view, "list", "deployments", "apps")
    assert model.roles[("ClusterRole", None, "view")].address is None  # a cluster default


def test_view_never_reads_secrets_nor_writes() -> None:
    view = _cluster_role(_model(AGGREGATION), "view")
    assert not _role_allows(view, "get", "secrets")
    assert not _role_allows(view, "create", "pods")
    assert not _role_allows(view, "create", "pods/exec")
    assert not _role_allows(view, "create", "rayjobs", "ray.io")


def test_edit_includes_view_and_admin_includes_edit() -> None:
    model = _model(AGGREGATION)
    view, edit, admin = (_cluster_role(model, n) for n in ("view", "edit", "admin"))
    assert _permissions(view) <= _permissions(edit) <= _permissions(admin)
    assert _permissions(view) != _permissions(edit) != _permissions(admin)
    # a custom role aggregated into view reaches edit and admin through view's own labels
    assert GPU_VIEWER in _identities(edit)
    assert GPU_VIEWER in _identities(admin)
    # a custom role aggregated into edit reaches admin, not view
    assert RAY_EDITOR in _identities(edit)
    assert RAY_EDITOR in _identities(admin)
    assert RAY_EDITOR not in _identities(view)
    assert _role_allows(edit, "get", "secrets")
    assert _role_allows(edit, "create", "pods/exec")
    assert _role_allows(edit, "create", "rayjobs", "ray.io")
    assert not _role_allows(edit, "create", "rolebindings", "rbac.authorization.k8s.io")
    assert _role_allows(admin, "create", "rolebindings", "rbac.authorization.k8s.io")


def test_cluster_admin_aggregates_nothing() -> None:
    cluster_admin = _cluster_role(_model(AGGREGATION), "cluster-admin")
    assert {r.role for r in cluster_admin} == {"k8s:ClusterRole/cluster-admin"}
    assert _role_allows(cluster_admin, "escalate", "clusterroles", "rbac.authorization.k8s.io")


def test_aggregated_cluster_role_rules_are_only_the_selected_roles_rules() -> None:
    model = _model(
        """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: aggregated}
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {acme.io/aggregate: "true"}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: piece
  labels: {acme.io/aggregate: "true"}
rules:
  - {apiGroups: [""], resources: [configmaps], verbs: [get]}
"""
    )
    assert _identities(_cluster_role(model, "aggregated")) == {
        ("k8s:ClusterRole/piece", ("",), ("configmaps",), ("get",)),
    }


# --------------------------------------------------------------------------------------------
# Bindings and their scopes
# --------------------------------------------------------------------------------------------

BINDINGS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: trainer-edit, namespace: ml}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
  - {kind: ServiceAccount, name: trainer, namespace: ml}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: operator-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: operator, namespace: platform}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: trainer-view, namespace: ml}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: auditor, namespace: audit}
"""


def test_rolebinding_to_cluster_role_edit_grants_only_in_its_namespace() -> None:
    model = _model(BINDINGS)
    grants = model.service_account_grants("ml", "trainer")
    assert grants
    assert {g.namespace for g in grants} == {"ml"}
    assert {g.binding.node_id for g in grants} == {"k8s:RoleBinding/ml/trainer-edit"}
    assert {g.matched for g in grants} == {"ServiceAccount ml/trainer"}
    assert _ask(grants, "create", "deployments", "ml", "apps") is Tristate.YES
    assert _ask(grants, "create", "pods/exec", "ml") is Tristate.YES
    assert _ask(grants, "get", "secrets", "ml") is Tristate.YES
    assert _ask(grants, "create", "deployments", "prod", "apps") is Tristate.NO
    assert _ask(grants, "get", "secrets", "kube-system") is Tristate.NO
    # cluster-wide (all namespaces at once) is not "in ml"
    assert _ask(grants, "list", "pods", None) is Tristate.NO


def test_rolebinding_subject_in_another_namespace_is_granted_in_the_bindings_namespace() -> None:
    grants = _model(BINDINGS).service_account_grants("audit", "auditor")
    assert {g.namespace for g in grants} == {"ml"}
    assert _ask(grants, "list", "pods", "ml") is Tristate.YES
    assert _ask(grants, "list", "pods", "audit") is Tristate.NO


def test_cluster_role_binding_grants_in_every_namespace_and_cluster_wide() -> None:
    grants = _model(BINDINGS).service_account_grants("platform", "operator")
    assert {g.namespace for g in grants} == {None}
    assert {g.binding.node_id for g in grants} == {"k8s:ClusterRoleBinding/operator-view"}
    for namespace in ("ml", "kube-system", "platform", None):
        assert _ask(grants, "list", "pods", namespace) is Tristate.YES, namespace
    assert _ask(grants, "list", "namespaces", None) is Tristate.YES
    assert _ask(grants, "get", "secrets", "ml") is Tristate.NO  # view reads no secrets
    assert _ask(grants, "delete", "pods", "ml") is Tristate.NO


def test_namespaced_grant_does_not_grant_cluster_scoped_resources() -> None:
    # view allows get/list/watch namespaces; bound by a RoleBinding it grants none of them:
    # namespaces are cluster-scoped.
    model = _model(BINDINGS)
    namespaced = model.service_account_grants("audit", "auditor")
    assert _ask(namespaced, "list", "namespaces", "ml") is Tristate.NO
    assert _ask(namespaced, "list", "namespaces", None) is Tristate.NO
    cluster_wide = model.service_account_grants("platform", "operator")
    assert _ask(cluster_wide, "list", "namespaces", "ml") is Tristate.YES


def test_rolebinding_to_a_namespaced_role_needs_the_role_in_its_namespace() -> None:
    model = _model(
        """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: ml}
rules:
  - {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: ml}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app, namespace: ml}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app, namespace: prod}]
"""
    )
    assert _ask(model.service_account_grants("ml", "app"), "get", "configmaps", "ml") is (
        Tristate.YES
    )
    assert model.service_account_grants("prod", "app") == []
    assert [(b.node_id, why) for b, why in model.missing] == [
        (
            "k8s:RoleBinding/prod/reader",
            "Role reader is not in the inputs and is not a cluster default",
        )
    ]


# --------------------------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------------------------

SUBJECTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner, namespace: ml}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: runner}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: research-edit, namespace: research}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
  - {kind: Group, name: "system:serviceaccounts:research", apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-accounts-read-nodes}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader}
subjects:
  - {kind: Group, name: system:serviceaccounts, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules:
  - {apiGroups: [""], resources: [nodes], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: by-username, namespace: ml}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
  - {kind: User, name: "system:serviceaccount:ml:deployer", apiGroup: rbac.authorization.k8s.io}
"""


def _matched(grants: list[Grant]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for grant in grants:
        found.setdefault(grant.binding.node_id, set()).add(grant.matched)
    return found


def test_service_account_subject_without_namespace_takes_the_rolebindings() -> None:
    model = _model(SUBJECTS)
    grants = model.service_account_grants("ml", "runner")
    assert _matched(grants) == {
        "k8s:RoleBinding/ml/runner": {
            "ServiceAccount ml/runner (no namespace in the subject: taken as the binding's)"
        },
        "k8s:ClusterRoleBinding/all-accounts-read-nodes": {"Group system:serviceaccounts"},
    }
    assert _ask(grants, "list", "pods", "ml") is Tristate.YES
    # a service account of the same name elsewhere is not the subject
    others = model.service_account_grants("default", "runner")
    assert "k8s:RoleBinding/ml/runner" not in _matched(others)


def test_group_of_a_namespaces_service_accounts() -> None:
    model = _model(SUBJECTS)
    grants = model.service_account_grants("research", "default")
    assert _matched(grants)["k8s:RoleBinding/research/research-edit"] == {
        "Group system:serviceaccounts:research"
    }
    assert _ask(grants, "create", "pods", "research") is Tristate.YES
    assert _ask(grants, "create", "pods", "ml") is Tristate.NO
    other = model.service_account_grants("ml", "notebook")
    assert "k8s:RoleBinding/research/research-edit" not in _matched(other)


def test_group_of_all_service_accounts_and_user_name_of_a_service_account() -> None:
    model = _model(SUBJECTS)
    for namespace, name in (("ml", "runner"), ("research", "default"), ("x", "y")):
        grants = model.service_account_grants(namespace, name)
        assert _ask(grants, "get", "nodes", None) is Tristate.YES, (namespace, name)
    deployer = model.service_account_grants("ml", "deployer")
    assert _matched(deployer)["k8s:RoleBinding/ml/by-username"] == {
        "User system:serviceaccount:ml:deployer"
    }
    assert _ask(deployer, "update", "deployments", "ml", "apps") is Tristate.YES


# --------------------------------------------------------------------------------------------
# Missing roles
# --------------------------------------------------------------------------------------------


def test_binding_to_an_undefined_non_default_role_is_missing() -> None:
    model = _model(
        """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ghost}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ghost-operator}
subjects: [{kind: ServiceAccount, name: operator, namespace: platform}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer, namespace: platform}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: operator, namespace: platform}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: admins, namespace: platform}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{kind: ServiceAccount, name: operator, namespace: platform}]
"""
    )
    assert [(b.node_id, b.address, why) for b, why in model.missing] == [
        (
            "k8s:ClusterRoleBinding/ghost",
            "k8s:ClusterRoleBinding/ghost",
            "ClusterRole ghost-operator is not in the inputs and is not a cluster default",
        )
    ]
    grants = model.service_account_grants("platform", "operator")
    assert {g.binding.node_id for g in grants} == {
        "k8s:RoleBinding/platform/viewer",
        "k8s:RoleBinding/platform/admins",
    }


# --------------------------------------------------------------------------------------------
# Rule matching
# --------------------------------------------------------------------------------------------


def _rule(
    verbs: tuple[str, ...],
    groups: tuple[str, ...],
    resources: tuple[str, ...],
    names: tuple[str, ...] = (),
    urls: tuple[str, ...] = (),
) -> Rule:
    return Rule(verbs, groups, resources, names, urls, "k8s:ClusterRole/test", 0)


EXEC_ANY = _rule(("create",), ("",), ("*/exec",))
ONE_SECRET = _rule(("get", "list"), ("",), ("secrets",), ("hf-token",))
ANY_GROUP = _rule(("patch",), ("*",), ("deployments",))
APPS_ONLY = _rule(("patch",), ("apps",), ("deployments",))
EVERYTHING = _rule(("*",), ("*",), ("*",))
PODS_ONLY = _rule(("*",), ("",), ("pods",))
PODS_STAR = _rule(("create",), ("",), ("pods/*",))
METRICS = _rule(("get",), (), (), urls=("/metrics",))


@pytest.mark.parametrize(
    ("rule", "request_", "expected"),
    [
        (EXEC_ANY, Request("create", "pods", "exec"), Tristate.YES),
        (EXEC_ANY, Request("create", "nodes", "exec"), Tristate.YES),
        (EXEC_ANY, Request("create", "pods", "attach"), Tristate.NO),
        (EXEC_ANY, Request("create", "pods"), Tristate.NO),
        (EXEC_ANY, Request("get", "pods", "exec"), Tristate.NO),
        (ONE_SECRET, Request("get", "secrets", name="hf-token"), Tristate.YES),
        (ONE_SECRET, Request("get", "secrets", name="aws-creds"), Tristate.NO),
        (ONE_SECRET, Request("get", "secrets"), Tristate.MAYBE),
        (ONE_SECRET, Request("list", "secrets"), Tristate.NO),
        (ONE_SECRET, Request("create", "secrets"), Tristate.NO),
        (ANY_GROUP, Request("patch", "deployments", api_group="apps"), Tristate.YES),
        (ANY_GROUP, Request("patch", "deployments", api_group="extensions"), Tristate.YES),
        (ANY_GROUP, Request("patch", "deployments", api_group=None), Tristate.YES),
        (ANY_GROUP, Request("update", "deployments", api_group="apps"), Tristate.NO),
        (APPS_ONLY, Request("patch", "deployments", api_group="apps"), Tristate.YES),
        (APPS_ONLY, Request("patch", "deployments", api_group=""), Tristate.NO),
        (APPS_ONLY, Request("patch", "deployments", api_group=None), Tristate.MAYBE),
        (EVERYTHING, Request("create", "pods", "exec"), Tristate.YES),
        (EVERYTHING, Request("escalate", "clusterroles", api_group="rbac.authorization.k8s.io"),
         Tristate.YES),
        (PODS_ONLY, Request("delete", "pods"), Tristate.YES),
        (PODS_ONLY, Request("create", "pods", "exec"), Tristate.NO),
        (PODS_STAR, Request("create", "pods", "exec"), Tristate.NO),
        (METRICS, Request("get", "pods"), Tristate.NO),
    ],
    ids=[
        "exec-any-pods", "exec-any-nodes", "exec-not-attach", "exec-not-pods", "exec-verb",
        "names-listed", "names-other", "names-unnamed-get", "names-unnamed-list",
        "names-create", "group-star-apps", "group-star-extensions", "group-star-unknown",
        "group-star-verb", "group-apps", "group-core", "group-unknown", "all-subresource",
        "all-escalate", "pods-delete", "pods-not-exec", "pods-slash-star", "non-resource",
    ],
)  # fmt: skip
def test_rule_matches(rule: Rule, request_: Request, expected: Tristate) -> None:
    assert rule_matches(rule, request_) is expected
