"""Rendering ``iacguard query`` answers as text and JSON."""

from __future__ import annotations

from typing import Any

from iacguard.aws.query import QueryAnswer


def query_json(answer: QueryAnswer) -> dict[str, Any]:
    """The JSON answer: ``decision`` is ``allowed``, ``denied`` or ``unknown``."""
    decision = answer.decision
    return {
        "identity": {
            "address": answer.identity.address,
            "kind": answer.identity.kind,
            "name": answer.identity.name,
            "node_id": answer.identity.node_id,
        },
        "action": answer.request.action,
        "resource": answer.request.resource,
        "decision": decision.decision.value,
        "reason": decision.reason,
        "statements": [
            {
                "source": match.source.source,
                "policy_kind": match.source.kind,
                "policy": match.source.note,
                "effect": match.statement.effect,
                "sid": match.statement.sid,
                "index": match.statement.index,
                "applies": match.applies.value,
                "why": match.why,
                "statement": match.statement.as_evidence(),
            }
            for match in decision.statements
        ],
        "unknowns": list(decision.unknowns),
        "unresolved": list(answer.identity.unresolved),
        "resource_policies": list(answer.resource_policies),
        "assumptions": list(answer.assumptions),
    }


def query_text(answer: QueryAnswer) -> str:
    """The human answer: Yes / Maybe / No, the reason, and the deciding statements."""
    decision = answer.decision
    lines = [
        f"{decision.decision.label}: {answer.identity.address} "
        f"{'may' if decision.decision.label != 'No' else 'may not'} {answer.request.action} "
        f"on {answer.request.resource}",
        f"  {decision.reason}",
    ]
    if decision.statements:
        lines.append("statements:")
        for match in decision.statements:
            label = match.statement.sid or f"Statement[{match.statement.index}]"
            lines.append(
                f"  {match.statement.effect:<5} {match.source.source} {label} "
                f"({match.applies.label.lower()}): {match.why}"
            )
    if decision.unknowns:
        lines.append("unknown at plan time:")
        lines += [f"  {item}" for item in decision.unknowns]
    if answer.identity.unresolved:
        lines.append("unresolved:")
        lines += [f"  {item}" for item in answer.identity.unresolved]
    lines.append("assumptions:")
    lines += [f"  {item}" for item in answer.assumptions]
    return "\n".join(lines)
