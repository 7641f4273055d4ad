"""One scan's view of its AWS identities, built once and shared by checks and commands.

:func:`aws_view` memoises on the :class:`~iacguard.engine.context.ScanIndex`: the identities
with their policies, who trusts whom, capability summaries, escalations, the ``sts:AssumeRole``
edges between identities, and which identities are equivalent to an administrator and how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from iacguard.aws.capabilities import CapabilitySummary, summarise
from iacguard.aws.escalation import (
    AssumeEdge,
    Escalation,
    EscalationContext,
    escalations,
)
from iacguard.aws.evaluate import Decision, PolicySource
from iacguard.aws.identities import AwsIdentity, IdentityResolver
from iacguard.aws.policy import PolicyDocument
from iacguard.aws.trust import TrustedPrincipal
from iacguard.engine.context import ScanIndex
from iacguard.model.values import Tristate

AdminRouteKind = Literal["direct", "not-action", "iam-write", "pass-role", "assume-role"]

#: IAM writes with which an identity grants itself anything, per kind of identity.
SELF_GRANT: dict[str, tuple[str, ...]] = {
    "role": ("iam:PutRolePolicy", "iam:AttachRolePolicy"),
    "user": ("iam:PutUserPolicy", "iam:AttachUserPolicy"),
}
_RANK = {Tristate.NO: 0, Tristate.MAYBE: 1, Tristate.YES: 2}


@dataclass(frozen=True, slots=True)
class AdminRoute:
    """Why an identity is equivalent to an administrator of the account."""

    answer: Tristate
    route: AdminRouteKind
    """``direct`` (``*`` on ``*``), ``not-action`` (an Allow with NotAction that leaves IAM
    open), ``iam-write`` (can write its own policies), ``pass-role`` (can pass an
    administrator role to compute it starts), ``assume-role`` (can become an administrator
    role)."""
    why: str
    via: tuple[str, ...] = ()
    """For escalation routes: the administrator roles it leads to."""
    evidence: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "answer": self.answer.value,
            "route": self.route,
            "why": self.why,
            "via": list(self.via),
        }


def _allows_everything(boundary: PolicySource) -> Tristate:
    """Whether a permissions boundary allows every action on every resource (Maybe when it
    cannot be read); explicit Denies in it are not looked at: they only narrow."""
    document = boundary.document
    if not isinstance(document, PolicyDocument):
        return Tristate.MAYBE
    for statement in document.statements:
        if (
            statement.effect == "Allow"
            and "*" in (statement.actions or ())
            and "*" in (statement.resources or ())
            and not any(s.effect == "Deny" for s in document.statements)
        ):
            return Tristate.MAYBE if statement.conditions else Tristate.YES
    return Tristate.NO


def statement_evidence(decision: Decision, limit: int = 3) -> list[dict[str, Any]]:
    """The statements behind a decision, as finding evidence (policy source and statement)."""
    return [
        {
            "kind": "statement",
            "policy": match.source.source,
            "applies": match.applies.value,
            "statement": match.statement.as_evidence(),
        }
        for match in decision.statements[:limit]
    ]


class AwsView:
    """The AWS identities of a scan and everything derived from them, computed on demand."""

    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self.identities = IdentityResolver(index).identities()
        self.by_address = {i.address: i for i in self.identities}
        self.context = EscalationContext(index, self.identities)
        self._summaries: dict[str, CapabilitySummary] = {}
        self._escalations: dict[str, list[Escalation]] = {}
        self._admin: dict[str, AdminRoute] | None = None

    @property
    def principals(self) -> list[AwsIdentity]:
        """Roles and users (groups hold policies but never act)."""
        return [i for i in self.identities if i.kind != "group"]

    def trust(self, role: AwsIdentity) -> list[TrustedPrincipal]:
        """Who the role's trust policy admits."""
        return self.context.trust.get(role.address, [])

    def summary(self, identity: AwsIdentity) -> CapabilitySummary:
        """The capability summary (memoised)."""
        found = self._summaries.get(identity.address)
        if found is None:
            found = self._summaries[identity.address] = summarise(identity)
        return found

    def escalations(self, identity: AwsIdentity) -> list[Escalation]:
        """Escalation methods open to the identity (memoised)."""
        found = self._escalations.get(identity.address)
        if found is None:
            found = self._escalations[identity.address] = escalations(
                self.index, identity, self.identities, self.context
            )
        return found

    def assume_edges(self, identity: AwsIdentity) -> list[AssumeEdge]:
        """The roles the identity can become with ``sts:AssumeRole``."""
        return self.context.assume_edges(identity)

    def admin(self, identity: AwsIdentity) -> AdminRoute | None:
        """How the identity is equivalent to an administrator, or None."""
        if self._admin is None:
            self._admin = self._admins()
        return self._admin.get(identity.address)

    # -- administrator equivalence -------------------------------------------------------

    def _admins(self) -> dict[str, AdminRoute]:
        found: dict[str, AdminRoute] = {}
        for identity in self.principals:
            route = self._own_admin(identity)
            if route is not None:
                found[identity.address] = route
        # Escalation to an administrator: repeat until nothing changes (chains of roles).
        changed = bool(found)
        while changed:
            changed = False
            for identity in self.principals:
                current = found.get(identity.address)
                if current is not None and current.answer is Tristate.YES:
                    continue
                route = self._escalated_admin(identity, found)
                if route is not None and (
                    current is None or _RANK[route.answer] > _RANK[current.answer]
                ):
                    found[identity.address] = route
                    changed = True
        return found

    def _own_admin(self, identity: AwsIdentity) -> AdminRoute | None:
        """Administrator through its own policies: it can write its own permissions."""
        arn = self.context.arn_of(identity, identity.account or self.context.account)
        best: tuple[Tristate, str] | None = None
        for action in SELF_GRANT[identity.kind]:
            answer = self.context.decide(identity, action, arn)
            if answer is Tristate.NO:
                continue
            if best is None or _RANK[answer] > _RANK[best[0]]:
                best = (answer, action)
        if best is None:
            return None
        answer, action = best
        if identity.boundary is not None:
            # Whatever it writes stays capped by its permissions boundary: it is an
            # administrator only if the boundary allows everything, or it can remove or
            # replace the boundary.
            unbounded = _allows_everything(identity.boundary)
            if unbounded is Tristate.NO:
                kind = "Role" if identity.kind == "role" else "User"
                lift = [
                    self.context.decide(identity, f"iam:{verb}{kind}PermissionsBoundary", arn)
                    for verb in ("Delete", "Put")
                ]
                unbounded = max(lift, key=_RANK.__getitem__)
            if unbounded is Tristate.NO:
                return None
            answer = min(answer, unbounded, key=_RANK.__getitem__)
        decision = self.context.decision(identity, action, arn)
        allows = [m for m in decision.statements if m.statement.effect == "Allow"]
        statement = allows[0].statement if allows else None
        evidence = tuple(statement_evidence(decision))
        if statement is not None and statement.not_actions is not None:
            excluded = ", ".join(str(a) for a in statement.not_actions)
            return AdminRoute(
                answer,
                "not-action",
                f"an Allow with NotAction ({excluded}) on every resource leaves IAM open: "
                f"{action} lets it grant itself anything",
                evidence=evidence,
            )
        if statement is not None and "*" in (statement.actions or ()):
            return AdminRoute(
                answer,
                "direct",
                "allowed every action"
                + (" on every resource" if "*" in (statement.resources or ()) else ""),
                evidence=evidence,
            )
        return AdminRoute(
            answer,
            "iam-write",
            f"{action} on itself lets it grant itself any permission",
            evidence=evidence,
        )

    def _escalated_admin(
        self, identity: AwsIdentity, admins: dict[str, AdminRoute]
    ) -> AdminRoute | None:
        best: AdminRoute | None = None
        for edge in self.assume_edges(identity):
            target = admins.get(edge.target)
            if target is None:
                continue
            answer = min(edge.answer, target.answer, key=_RANK.__getitem__)
            route = AdminRoute(
                answer,
                "assume-role",
                f"can assume {edge.target} ({edge.why}), which is an administrator "
                f"({target.route})",
                (edge.target,),
                (
                    {
                        "kind": "assume-edge",
                        "target": edge.target,
                        "answer": edge.answer.value,
                        "via": edge.via,
                        "principal": edge.principal,
                        "conditions": edge.conditions,
                        "why": edge.why,
                    },
                ),
            )
            if best is None or _RANK[answer] > _RANK[best.answer]:
                best = route
        passes = self.context.decide(identity, "iam:PassRole") is not Tristate.NO
        for escalation in self.escalations(identity) if passes else ():
            if escalation.method != "pass-role":
                continue
            targets = [t for t in escalation.targets if t in admins]
            if not targets:
                continue
            answer = max(
                (
                    min(escalation.answer_for(t), admins[t].answer, key=_RANK.__getitem__)
                    for t in targets
                ),
                key=_RANK.__getitem__,
            )
            count = len(targets)
            route = AdminRoute(
                answer,
                "pass-role",
                f"{escalation.why}; {count} of them "
                + ("is an administrator" if count == 1 else "are administrators"),
                tuple(targets),
                (escalation.as_json() | {"kind": "escalation"},),
            )
            if best is None or _RANK[answer] > _RANK[best.answer]:
                best = route
        return best


def aws_view(index: ScanIndex) -> AwsView:
    """The scan's AWS view, built on first use."""
    return index.memo("aws-view", lambda: AwsView(index))
