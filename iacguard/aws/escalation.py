"""Privilege escalation on an identity's effective permissions (all its policies together).

Each risk names its method, the actions behind it (with their Yes/Maybe answers from the
evaluator) and, where the plan says, the targets it leads to: the roles that could be passed
to a service or assumed, the users whose keys could be created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from iacguard.aws.evaluate import Decision, PolicySource, Request, action_matches, evaluate
from iacguard.aws.identities import AwsIdentity
from iacguard.aws.policy import PolicyDocument
from iacguard.aws.query import caller_account
from iacguard.aws.trust import TrustedPrincipal, trusted_by
from iacguard.engine.context import ScanIndex
from iacguard.model.values import Tristate

#: Actions that start compute running as a passed role, and the service that must trust it.
PASS_ROLE_COMPUTE: dict[str, str] = {
    "sagemaker:CreateTrainingJob": "sagemaker.amazonaws.com",
    "sagemaker:CreateProcessingJob": "sagemaker.amazonaws.com",
    "sagemaker:CreateNotebookInstance": "sagemaker.amazonaws.com",
    "sagemaker:CreateTransformJob": "sagemaker.amazonaws.com",
    "bedrock:CreateAgent": "bedrock.amazonaws.com",
    "bedrock-agentcore:CreateCodeInterpreter": "bedrock-agentcore.amazonaws.com",
    "lambda:CreateFunction": "lambda.amazonaws.com",
    "ec2:RunInstances": "ec2.amazonaws.com",
    "ecs:RunTask": "ecs-tasks.amazonaws.com",
    "glue:CreateDevEndpoint": "glue.amazonaws.com",
    "glue:CreateJob": "glue.amazonaws.com",
    "cloudformation:CreateStack": "cloudformation.amazonaws.com",
    "codebuild:CreateProject": "codebuild.amazonaws.com",
    "datapipeline:CreatePipeline": "datapipeline.amazonaws.com",
}
#: Single actions that let an identity grant itself (or another) more: method → actions.
DIRECT_METHODS: dict[str, tuple[str, ...]] = {
    "create-policy-version": ("iam:CreatePolicyVersion",),
    "set-default-policy-version": ("iam:SetDefaultPolicyVersion",),
    "attach-policy": ("iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"),
    "put-inline-policy": ("iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy"),
    "update-trust-policy": ("iam:UpdateAssumeRolePolicy",),
    "create-access-key": ("iam:CreateAccessKey",),
    "create-login-profile": ("iam:CreateLoginProfile", "iam:UpdateLoginProfile"),
    "add-user-to-group": ("iam:AddUserToGroup",),
}


@dataclass(frozen=True, slots=True)
class Escalation:
    """One way an identity could gain permissions it does not have."""

    method: str
    answer: Tristate
    actions: tuple[tuple[str, Tristate], ...]
    """The actions the method needs, each with the evaluator's answer on ``*``."""
    targets: tuple[str, ...]
    """Addresses the method leads to, when the plan says."""
    why: str
    statements: tuple[dict[str, Any], ...] = ()
    """The statements that allow the actions: policy, Sid or position, action."""
    target_answers: tuple[Tristate, ...] = ()
    """Per target (same order), how surely the method reaches it."""

    def answer_for(self, target: str) -> Tristate:
        """How surely the method leads to one of its targets."""
        answer = self.answer
        if target in self.targets and len(self.target_answers) == len(self.targets):
            answer = _and(answer, self.target_answers[self.targets.index(target)])
        return answer

    def target_answers_all(self) -> list[tuple[str, Tristate]]:
        """Every target with how surely the method leads to it (``answer_for`` of each, in
        one pass: PassRole on ``*`` has every role as a target)."""
        if len(self.target_answers) != len(self.targets):
            return [(target, self.answer) for target in self.targets]
        return [
            (target, _and(self.answer, answer))
            for target, answer in zip(self.targets, self.target_answers, strict=True)
        ]

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "method": self.method,
            "answer": self.answer.value,
            "actions": [{"action": a, "answer": t.value} for a, t in self.actions],
            "targets": list(self.targets),
            "why": self.why,
            "statements": list(self.statements),
        }


def _decide(
    identity: AwsIdentity,
    action: str,
    resource: str = "*",
    context: tuple[tuple[str, str], ...] = (),
    sources: Sequence[PolicySource] | None = None,
) -> Decision:
    if sources is None:
        sources = _sources(identity)
    request = Request(
        action=action, resource=resource, principal_arn=identity.arn, context=dict(context)
    )
    return evaluate(request, sources)


def role_arn(identity: AwsIdentity, account: str | None) -> str:
    """The identity's ARN; when it is known only after apply, built from its name and path
    (``arn:aws:iam::ACCOUNT:role/PATH/NAME``, ``:user/`` for users), ``*`` for what is not
    known."""
    if identity.arn:
        return identity.arn
    name = identity.name or "*"
    path = identity.resource.get("path")
    prefix = path if isinstance(path, str) and path.startswith("/") else "/"
    return f"arn:aws:iam::{account or '*'}:{identity.kind}{prefix}{name}"


class EscalationContext:
    """What escalation analysis needs about every identity, computed once per scan."""

    def __init__(self, index: ScanIndex, identities: list[AwsIdentity]) -> None:
        self.index = index
        self.identities = identities
        self.account = caller_account(index)
        self.trust: dict[str, list[TrustedPrincipal]] = {}
        self.by_service: dict[str, list[AwsIdentity]] = {}
        self._trusting: dict[str, list[AwsIdentity]] = {}
        self._decisions: dict[
            tuple[tuple[int, ...], str, str, tuple[tuple[str, str], ...]], Decision
        ] = {}
        self._allows: dict[tuple[int, str], bool] = {}
        self._keep: list[PolicyDocument] = []  # keeps ids in _allows unique
        self._edges: dict[str, list[AssumeEdge]] = {}
        self._arns: dict[tuple[str, str | None], str] = {}
        self.role_names = {i.name for i in identities if i.kind == "role" and i.name}
        self.by_address = {i.address: i for i in identities}
        self.addressed: dict[str, int] = {}
        for each in identities:
            config = each.resource.config_address
            self.addressed[config] = self.addressed.get(config, 0) + 1
        for role in identities:
            if role.kind != "role":
                continue
            principals = trusted_by(index, role.resource)[0]
            self.trust[role.address] = principals
            for principal in principals:
                if principal.kind == "service":
                    self.by_service.setdefault(principal.principal, []).append(role)
                for key in _principal_keys(principal):
                    self._trusting.setdefault(key, []).append(role)

    def arn_of(self, identity: AwsIdentity, account: str | None) -> str:
        """:func:`role_arn`, memoised per identity and account."""
        key = (identity.address, account)
        found = self._arns.get(key)
        if found is None:
            found = self._arns[key] = role_arn(identity, account)
        return found

    def decide(
        self,
        identity: AwsIdentity,
        action: str,
        resource: str = "*",
        context: tuple[tuple[str, str], ...] = (),
    ) -> Tristate:
        """The evaluator's answer, shared by identities holding the very same documents (the
        copies of a role with the same AWS managed policies ask the same question)."""
        found = self._cached(identity, action, resource, context)
        return Tristate.NO if found is None else found.decision

    def _cached(
        self,
        identity: AwsIdentity,
        action: str,
        resource: str,
        context: tuple[tuple[str, str], ...],
    ) -> Decision | None:
        """The decision, or None when no Allow statement could name the action (a No)."""
        sources = _sources(identity)
        if not self._may_allow(sources, action):
            return None
        key = (tuple(id(s.document) for s in sources), action, resource, context)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = _decide(identity, action, resource, context)
        return found

    def statements(
        self,
        identity: AwsIdentity,
        action: str,
        resource: str = "*",
        context: tuple[tuple[str, str], ...] = (),
    ) -> list[dict[str, Any]]:
        """The statements that allow ``action`` (the path of statements behind a risk)."""
        found = self._cached(identity, action, resource, context)
        return [
            {
                "action": action,
                "policy": match.source.source,
                "statement": match.statement.sid or f"Statement[{match.statement.index}]",
                "applies": match.applies.value,
            }
            for match in (found.statements if found else ())
            if match.statement.effect == "Allow"
        ][:2]

    def decision(
        self,
        identity: AwsIdentity,
        action: str,
        resource: str = "*",
        context: tuple[tuple[str, str], ...] = (),
    ) -> Decision:
        """The evaluator's whole decision, with the statements behind it (for evidence)."""
        return _decide(identity, action, resource, context)

    def _may_allow(self, sources: tuple[PolicySource, ...], action: str) -> bool:
        """Whether any identity policy has an Allow statement that could name ``action``:
        when none has, the answer is No without evaluating (most questions end here)."""
        for source in sources:
            if source.kind != "identity":
                continue
            document = source.document
            if not isinstance(document, PolicyDocument):
                return True
            key = (id(document), action)
            found = self._allows.get(key)
            if found is None:
                found = self._allows[key] = _may_allow_document(document, action)
                self._keep.append(document)
            if found:
                return True
        return False

    def assume_edges(self, identity: AwsIdentity) -> list[AssumeEdge]:
        """The roles ``identity`` can assume: its policies allow ``sts:AssumeRole`` on the role
        (not needed when the trust policy names it in the same account) and the role's trust
        policy admits it by ARN, by its account or as anyone (``*``)."""
        cached = self._edges.get(identity.address)
        if cached is not None:
            return cached
        edges: list[AssumeEdge] = []
        if identity.kind != "group":
            account = identity.account or self.account
            for role in self._candidates(identity, account):
                if role is identity:
                    continue
                edge = self._edge(identity, role, account)
                if edge is not None:
                    edges.append(edge)
        self._edges[identity.address] = edges
        return edges

    def _named_grant(self, identity: AwsIdentity, target: str) -> Tristate:
        """Same account, the trust policy names the identity: the trust policy grants it, so
        no identity policy is needed; an explicit Deny still stops it, and so does a role's
        permissions boundary that does not allow sts:AssumeRole (a grant to a role ARN is
        limited by the role's boundary; to a user ARN it is not)."""
        decided = _decide(identity, "sts:AssumeRole", target, sources=identity.policies)
        if decided.decision is Tristate.NO and decided.reason.startswith("Denied by"):
            return Tristate.NO
        # Maybe only when a Deny could apply (an implicit deny, or an Allow under a
        # condition, does not matter: the trust policy grants it)
        doubtful = any(m.statement.effect != "Allow" for m in decided.statements) or any(
            not isinstance(p.document, PolicyDocument) for p in identity.policies
        )
        explicit = (
            Tristate.MAYBE if decided.decision is Tristate.MAYBE and doubtful else Tristate.YES
        )
        if identity.boundary is not None:
            boundary = PolicySource(
                "identity", identity.boundary.source, identity.boundary.document, "boundary"
            )
            bounded = _decide(identity, "sts:AssumeRole", target, sources=(boundary,))
            if bounded.decision is Tristate.NO and (
                identity.kind == "role" or bounded.reason.startswith("Denied by")
            ):
                # a grant to a role ARN is limited by the role's boundary; an explicit Deny
                # in any boundary stops users too
                return Tristate.NO
            if bounded.decision is Tristate.MAYBE:
                return Tristate.MAYBE
        return explicit

    def _candidates(self, identity: AwsIdentity, account: str | None) -> list[AwsIdentity]:
        """Roles whose trust policy could admit ``identity``, from the index of principals."""
        keys = ["*", f"cfg:{identity.resource.config_address}"]
        if identity.name:
            keys.append(f"name:{identity.name}")
        if identity.arn:
            keys.append(f"text:{identity.arn}")
        keys.append(f"acct:{account}" if account else "acct?")
        found: dict[str, AwsIdentity] = {}
        for key in keys:
            for role in self._trusting.get(key, ()):
                found.setdefault(role.address, role)
        return [found[k] for k in sorted(found)]

    def _edge(
        self, identity: AwsIdentity, role: AwsIdentity, account: str | None
    ) -> AssumeEdge | None:
        best: AssumeEdge | None = None
        for principal in self.trust.get(role.address, ()):
            if principal.kind not in ("aws", "any") or not _admits_assume(principal):
                continue
            via, matched = _admitted(principal, identity, account, self.addressed)
            if matched is Tristate.NO:
                continue
            trust = Tristate.MAYBE if principal.conditions else principal.decision
            trust = _and(trust, matched)
            role_account = role.account or self.account
            cross = account is not None and role_account is not None and account != role_account
            target = self.arn_of(role, role_account)
            if via != "named" or cross:
                policy = self.decide(identity, "sts:AssumeRole", target)
            else:
                policy = self._named_grant(identity, target)
            answer = _and(trust, policy)
            if answer is Tristate.NO:
                continue
            why = {
                "named": "the trust policy names it"
                + ("; its policies allow sts:AssumeRole across accounts" if cross else ""),
                "account": "the trust policy admits its account and its policies allow "
                "sts:AssumeRole on the role",
                "any": "the trust policy admits any principal and its policies allow "
                "sts:AssumeRole on the role",
            }[via]
            if principal.conditions:
                why += " (under the trust policy's conditions)"
            edge = AssumeEdge(
                identity.address, role.address, answer, via, principal.principal,
                principal.conditions, principal.sid, why,
            )  # fmt: skip
            if best is None or _RANK[answer] > _RANK[best.answer]:
                best = edge
        return best


_RANK = {Tristate.NO: 0, Tristate.MAYBE: 1, Tristate.YES: 2}


def _and(*values: Tristate) -> Tristate:
    return min(values, key=_RANK.__getitem__)


def _sources(identity: AwsIdentity) -> tuple[PolicySource, ...]:
    if identity.boundary is None:
        return identity.policies
    return (*identity.policies, identity.boundary)


def _principal_keys(principal: TrustedPrincipal) -> list[str]:
    """Index keys of a trusted principal, matching :meth:`EscalationContext._candidates`."""
    if principal.kind == "any":
        return ["*"]
    if principal.kind != "aws":
        return []
    text = principal.principal
    if principal.why.startswith("principal known after apply"):
        return [f"cfg:{o.strip()}" for o in text.split(",")]
    parts = text.split(":", 5)
    if text.isdigit():
        return [f"acct:{text}", "acct?"]
    if len(parts) == 6 and parts[5] == "root":
        return [f"acct:{parts[4]}", "acct?"]
    keys = [f"text:{text}"]
    if len(parts) == 6 and parts[5].startswith(("role/", "user/")):
        keys.append(f"name:{parts[5].rsplit('/', 1)[-1]}")
    return keys


def _admits_assume(principal: TrustedPrincipal) -> bool:
    return not principal.actions or any(
        action_matches(a, "sts:AssumeRole") for a in principal.actions
    )


def _admitted(
    principal: TrustedPrincipal,
    identity: AwsIdentity,
    account: str | None,
    addressed: dict[str, int],
) -> tuple[EdgeVia, Tristate]:
    """How a trusted principal admits ``identity``: by name, by account, as anyone."""
    if principal.kind == "any":
        return "any", Tristate.YES
    text = principal.principal
    kind = "role" if identity.kind == "role" else "user"
    if identity.arn and text == identity.arn:
        return "named", Tristate.YES
    if principal.why.startswith("principal known after apply"):
        # the ARN of a resource of the plan: the trust names the resources it comes from
        origins = [o.strip() for o in text.split(",")]
        config = identity.resource.config_address
        if config in origins:
            shared = addressed.get(config, 1)
            return "named", Tristate.YES if shared == 1 and len(origins) == 1 else Tristate.MAYBE
        return "named", Tristate.NO
    name = identity.name
    if name and text.startswith("arn:") and f":{kind}/" in text:
        parts = text.split(":", 5)
        resource = parts[5] if len(parts) == 6 else ""
        if resource.rsplit("/", 1)[-1] == name and (account is None or parts[4] in ("", account)):
            return "named", Tristate.YES if account else Tristate.MAYBE
    if text in (account, f"arn:aws:iam::{account}:root") and account:
        return "account", Tristate.YES
    if account is None and (text.isdigit() or text.endswith(":root")):
        return "account", Tristate.MAYBE  # perhaps this account: the plan does not say
    return "named", Tristate.NO


EdgeVia = Literal["named", "account", "any"]


@dataclass(frozen=True, slots=True)
class AssumeEdge:
    """``source`` can become ``target`` with ``sts:AssumeRole`` (an identity-graph edge)."""

    source: str
    target: str
    answer: Tristate
    via: EdgeVia
    """``named``: the trust policy names the source; ``account``: it admits the source's
    account (the source's policies decide); ``any``: it admits ``*``."""
    principal: str
    conditions: dict[str, Any]
    sid: str | None
    why: str

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "target": self.target,
            "answer": self.answer.value,
            "via": self.via,
            "principal": self.principal,
            "conditions": self.conditions,
            "why": self.why,
        }


def escalations(
    index: ScanIndex,
    identity: AwsIdentity,
    identities: list[AwsIdentity],
    context: EscalationContext | None = None,
) -> list[Escalation]:
    """Every escalation method open to ``identity`` (Yes or Maybe), with targets."""
    context = context or EscalationContext(index, identities)
    found: list[Escalation] = []
    account = identity.account or context.account
    by_service: dict[str, tuple[Tristate, list[tuple[str, Tristate]]]] = {}
    if context.decide(identity, "iam:PassRole") is not Tristate.NO:
        for action, service in PASS_ROLE_COMPUTE.items():
            compute = context.decide(identity, action)
            if compute is Tristate.NO:
                continue
            passing = by_service.get(service)
            if passing is None:
                passing = by_service[service] = _passable(context, identity, service, account)
            can_pass, targets = passing
            if can_pass is Tristate.NO:
                continue
            count = len(targets)
            passed = context.arn_of(context.by_address[targets[0][0]], account) if targets else "*"
            statements = context.statements(
                identity, "iam:PassRole", passed, (("iam:PassedToService", service),)
            ) + context.statements(identity, action)
            found.append(
                Escalation(
                    "pass-role",
                    _and(can_pass, compute),
                    (("iam:PassRole", can_pass), (action, compute)),
                    tuple(t for t, _ in targets),
                    f"can pass a role to {service} with {action}: the new compute runs with "
                    "that role's permissions"
                    + (
                        f" ({count} such role{'' if count == 1 else 's'} in the plan)"
                        if count
                        else ""
                    ),
                    tuple(statements),
                    tuple(a for _, a in targets),
                )
            )
    for method, actions in DIRECT_METHODS.items():
        answers = [(a, context.decide(identity, a)) for a in actions]
        open_ = [(a, t) for a, t in answers if t is not Tristate.NO]
        if not open_:
            continue
        answer = Tristate.YES if any(t is Tristate.YES for _, t in open_) else Tristate.MAYBE
        users = (
            [i.address for i in identities if i.kind == "user" and i is not identity]
            if method == "create-access-key"
            else []
        )
        statements = [m for a, _ in open_ for m in context.statements(identity, a)]
        found.append(
            Escalation(
                method, answer, tuple(open_), tuple(users), _DIRECT_WHY[method], tuple(statements)
            )
        )
    edges = context.assume_edges(identity)
    if edges:
        answer = Tristate.YES if any(e.answer is Tristate.YES for e in edges) else Tristate.MAYBE
        found.append(
            Escalation(
                "assume-role",
                answer,
                (("sts:AssumeRole", answer),),
                tuple(e.target for e in edges),
                "can assume roles whose trust policies admit it (by name, by its account or "
                "as anyone)",
                tuple(
                    [
                        {
                            "action": "sts:AssumeRole",
                            "policy": f"{e.target} trust policy",
                            "statement": e.sid or e.principal,
                            "applies": e.answer.value,
                        }
                        for e in edges[:3]
                    ]
                    + context.statements(identity, "sts:AssumeRole")
                ),
                tuple(e.answer for e in edges),
            )
        )
    return found


def _passable(
    context: EscalationContext, identity: AwsIdentity, service: str, account: str | None
) -> tuple[Tristate, list[tuple[str, Tristate]]]:
    """Whether ``identity`` can pass some role to ``service``, and the roles of the inputs
    trusting that service it can pass (each with its answer). The request carries
    ``iam:PassedToService``, so statements limited to another service do not count."""
    asked = (("iam:PassedToService", service),)
    on_any = context.decide(identity, "iam:PassRole", "*", asked)
    if on_any is Tristate.NO:
        return Tristate.NO, []
    targets: list[tuple[str, Tristate]] = []
    for role in context.by_service.get(service, ()):
        if role is identity:
            continue
        answer = (
            Tristate.YES
            if on_any is Tristate.YES
            else context.decide(identity, "iam:PassRole", context.arn_of(role, account), asked)
        )
        if answer is not Tristate.NO:
            targets.append((role.address, answer))
    if targets:
        best = Tristate.YES if any(t is Tristate.YES for _, t in targets) else Tristate.MAYBE
        return best, targets
    if on_any is Tristate.YES:
        return Tristate.YES, []  # any role of the account that trusts the service
    # Allowed on some roles only: when those are named one by one and are all roles of the
    # inputs (none of which it may pass to this service), nothing outside can be passed.
    decision = context.decision(identity, "iam:PassRole", "*", asked)
    named: list[Any] = []
    for match in decision.statements:
        if match.statement.effect == "Allow":
            named += list(match.statement.resources or ("*",))
    known = context.role_names
    if named and all(
        isinstance(r, str)
        and not any(c in r for c in "*?$")
        and ":role/" in r
        and r.rsplit("/", 1)[-1] in known
        for r in named
    ):
        return Tristate.NO, []
    return Tristate.MAYBE, []


_DIRECT_WHY = {
    "create-policy-version": "can write a new default version of a managed policy it holds",
    "set-default-policy-version": "can switch a managed policy to an older, broader version",
    "attach-policy": "can attach any managed policy (AdministratorAccess) to an identity",
    "put-inline-policy": "can write an inline policy granting anything to an identity",
    "update-trust-policy": "can make a role trust itself, then assume it",
    "create-access-key": "can create access keys for other users and act as them",
    "create-login-profile": "can set a console password for other users and sign in as them",
    "add-user-to-group": "can add a user to a more privileged group",
}


def _may_allow_document(document: PolicyDocument, action: str) -> bool:
    """Whether one of the document's Allow statements could name ``action`` (shared by
    documents whose statements name the same actions: each copy of a module's policy)."""
    allows = tuple(
        statement.actions for statement in document.statements if statement.effect != "Deny"
    )
    try:
        return _may_allow_actions(allows, action)
    except TypeError:  # an unknown value among the actions: not hashable
        return _may_allow_actions.__wrapped__(allows, action)


@lru_cache(maxsize=1 << 14)
def _may_allow_actions(allows: tuple[Any, ...], action: str) -> bool:
    return any(
        actions is None or any(not isinstance(p, str) or action_matches(p, action) for p in actions)
        for actions in allows
    )
