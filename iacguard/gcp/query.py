"""``iacguard query`` for Google Cloud principals: the same JSON shape as AWS answers, with
grants where AWS has statements."""

from __future__ import annotations

import re
from typing import Any

from iacguard.gcp.evaluate import GcpDecision, GcpView, Principal
from iacguard.model.values import Tristate

_PERMISSION = re.compile(r"^[a-zA-Z0-9]+(\.[a-zA-Z0-9*]+){2}$")


def looks_like_gcp(identity: str) -> bool:
    """Does the ``--identity`` text name a Google principal?"""
    return (
        identity.startswith(("gcp:", "serviceAccount:", "user:", "group:", "principal"))
        or identity.endswith(".gserviceaccount.com")
        or "google_service_account." in identity
    )


def valid_permission(permission: str) -> bool:
    """``service.resource.verb`` (``storage.objects.get``)."""
    return bool(_PERMISSION.match(permission))


def gcp_query_json(
    view: GcpView, principal: Principal, permission: str, resource: str, decision: GcpDecision
) -> dict[str, Any]:
    """The JSON answer."""
    target = view.target(resource)
    unknowns = sorted({w for m in decision.matches if m.answer is not Tristate.YES for w in m.why})
    reason = _reason(principal, permission, decision)
    return {
        "identity": {
            "address": principal.address,
            "kind": principal.kind,
            "name": principal.label,
            "node_id": principal.node_id,
            "provider": "gcp",
        },
        "action": permission,
        "resource": target.name,
        "resource_address": target.resource.address if target.resource is not None else None,
        "decision": decision.answer.value,
        "reason": reason,
        "statements": [],
        "grants": [m.as_json() for m in decision.matches],
        "unknowns": unknowns,
        "unresolved": sorted(
            {m.grant.role_unresolved for m in decision.matches if m.grant.role_unresolved}
        ),
        "resource_policies": [],
        "assumptions": list(decision.assumptions),
    }


def _reason(principal: Principal, permission: str, decision: GcpDecision) -> str:
    if decision.answer is Tristate.YES:
        first = next(m for m in decision.matches if m.answer is Tristate.YES)
        grant = first.grant
        return f"{grant.role} on {grant.scope.text()} ({grant.address}) holds {permission}"
    if decision.answer is Tristate.MAYBE:
        count = sum(1 for m in decision.matches if m.answer is Tristate.MAYBE)
        return f"{count} grant{'s' if count != 1 else ''} may give {permission}: see why"
    return f"no grant of the inputs gives {principal.label} {permission} on this resource"


def grants_query_text(document: dict[str, Any]) -> str:
    """The human answer of a GCP or Azure query (grants where AWS has statements)."""
    label = {"allowed": "Yes", "unknown": "Maybe", "denied": "No"}[document["decision"]]
    identity = document["identity"]
    lines = [
        f"{label}: {identity['address']} {'may not' if label == 'No' else 'may'} "
        f"{document['action']} on {document['resource']}",
        f"  {document['reason']}",
    ]
    if document["grants"]:
        lines.append("grants:")
        for grant in document["grants"]:
            answer = {"allowed": "yes", "unknown": "maybe", "denied": "no"}[grant["answer"]]
            who = grant.get("member") or grant.get("principal")
            lines.append(
                f"  {grant['role']} on {grant['scope']} to {who} [{grant['source']}] ({answer})"
            )
            lines += [f"    {why}" for why in grant["why"]]
    if document["unresolved"]:
        lines.append("unresolved:")
        lines += [f"  {item}" for item in document["unresolved"]]
    lines.append("assumptions:")
    lines += [f"  {item}" for item in document["assumptions"]]
    return "\n".join(lines)
