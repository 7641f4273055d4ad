"""``iacguard query`` for a Kubernetes service account: may it VERB RESOURCE in NAMESPACE?

Answers in the JSON shape of the AWS query: ``decision`` (``allowed`` / ``unknown`` /
``denied``), the reason, and the ``statements`` that decide it, which for RBAC are the rules
with the binding and role they come from.
"""

from __future__ import annotations

from typing import Any

from iacguard.k8s.identities import KubernetesView, ServiceAccount, resource_group_hint
from iacguard.k8s.rbac import Request, decide, grant_allows
from iacguard.model.values import Tristate

ASSUMPTIONS = (
    "Kubernetes objects that are not in the inputs do not exist, except the default roles and "
    "bindings every cluster has",
    "RBAC is the only authorizer (no webhook or Node authorizer decides for this account)",
)


def parse_resource(text: str) -> tuple[str, str, str | None]:
    """``pods/exec`` → (``pods``, ``exec``, ``""``); ``deployments.apps`` → (``deployments``,
    ``""``, ``apps``); a resource without a group takes the common one, ``None`` if unknown."""
    resource, _, subresource = text.strip().partition("/")
    name, dot, group = resource.partition(".")
    if dot:
        return name, subresource, group
    return name, subresource, resource_group_hint(name)


def answer_k8s_query(
    view: KubernetesView,
    account: ServiceAccount,
    verb: str,
    resource: str,
    namespace: str | None,
) -> dict[str, Any]:
    """The answer as JSON."""
    name, subresource, group = parse_resource(resource)
    request = Request(
        verb=verb.strip(),
        resource=name,
        subresource=subresource,
        api_group=group,
        namespace=namespace,
    )
    decision, deciding = decide(account.grants, request)
    where = f"in namespace {namespace}" if namespace else "cluster-wide"
    if decision is Tristate.YES:
        first = deciding[0]
        reason = (
            f"Allowed by {first.binding.address or first.binding.node_id} "
            f"({first.rule.role}, rule {first.rule.index})"
        )
    elif decision is Tristate.MAYBE:
        reason = (
            "Maybe: a rule matches only if the resource's API group is the one it names "
            "(give RESOURCE.GROUP) or the object's name is one it lists"
        )
    else:
        reason = f"Denied: no rule bound to the account allows {verb} {resource} {where}"
    unknowns = []
    if group is None:
        unknowns.append(f"the API group of {name!r} is not known: write {name}.GROUP")
    return {
        "identity": {
            "address": account.resource.address if account.resource else None,
            "kind": "service-account",
            "name": account.username,
            "node_id": account.node_id,
        },
        "action": verb,
        "resource": resource,
        "namespace": namespace,
        "decision": decision.value,
        "reason": reason,
        "statements": [
            {
                **grant.as_json(),
                "applies": grant_allows(grant, request).value,
                "source": grant.binding.address or grant.binding.node_id,
            }
            for grant in deciding
        ],
        "unknowns": unknowns if decision is Tristate.MAYBE else [],
        "unresolved": [
            f"{b.address or b.node_id}: {why}"
            for b, why in view.rbac.missing
            if any(
                s.kind == "ServiceAccount"
                and (s.namespace, s.name) == (account.namespace, account.name)
                for s in b.subjects
            )
        ],
        "resource_policies": [],
        "assumptions": list(ASSUMPTIONS),
    }


def k8s_query_text(answer: dict[str, Any]) -> str:
    """The human answer."""
    label = {"allowed": "Yes", "unknown": "Maybe", "denied": "No"}[answer["decision"]]
    where = f" in {answer['namespace']}" if answer["namespace"] else " (cluster-wide)"
    lines = [
        f"{label}: {answer['identity']['name']} "
        f"{'may not' if label == 'No' else 'may'} {answer['action']} {answer['resource']}{where}",
        f"  {answer['reason']}",
    ]
    for statement in answer["statements"]:
        lines.append(
            f"  rule of {statement['role']} via {statement['binding']} "
            f"(scope {statement['namespace'] or 'cluster'}): verbs {statement['verbs']}, "
            f"resources {statement.get('resources', statement.get('nonResourceURLs'))}"
        )
    for note in answer["unknowns"] + answer["unresolved"]:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
