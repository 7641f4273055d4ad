"""Privilege escalation on an identity's effective permissions (all its policies together).

Each risk names its method, the actions behind it (with their Yes/Maybe answers from the
evaluator) and, where the plan says, the targets it leads to: the roles that could be passed
to a service or assumed, the users whose keys could be created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacguard.aws.evaluate import Decision, PolicySource, Request, evaluate
from iacguard.aws.identities import AwsIdentity
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

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "method": self.method,
            "answer": self.answer.value,
            "actions": [{"action": a, "answer": t.value} for a, t in self.actions],
            "targets": list(self.targets),
            "why": self.why,
        }


def _decide(identity: AwsIdentity, action: str, resource: str = "*") -> Decision:
    sources: list[PolicySource] = list(identity.policies)
    if identity.boundary is not None:
        sources.append(identity.boundary)
    return evaluate(Request(action=action, resource=resource, principal_arn=identity.arn), sources)


def _role_arn(identity: AwsIdentity, account: str | None) -> str:
    if identity.arn:
        return identity.arn
    name = identity.name or "*"
    path = identity.resource.get("path")
    prefix = path if isinstance(path, str) and path.startswith("/") else "/"
    return f"arn:aws:iam::{account or '*'}:role{prefix}{name}"


class EscalationContext:
    """What escalation analysis needs about every identity, computed once per scan."""

    def __init__(self, index: ScanIndex, identities: list[AwsIdentity]) -> None:
        self.index = index
        self.identities = identities
        self.account = caller_account(index)
        self.trust: dict[str, list[TrustedPrincipal]] = {}
        self.by_service: dict[str, list[AwsIdentity]] = {}
        self._decisions: dict[tuple[tuple[int, ...], str, str], Tristate] = {}
        for role in identities:
            if role.kind != "role":
                continue
            principals = trusted_by(index, role.resource)[0]
            self.trust[role.address] = principals
            for principal in principals:
                if principal.kind == "service":
                    self.by_service.setdefault(principal.principal, []).append(role)

    def decide(self, identity: AwsIdentity, action: str, resource: str = "*") -> Tristate:
        """The evaluator's answer, shared by identities holding the very same documents (the
        copies of a role with the same AWS managed policies ask the same question)."""
        sources = (*identity.policies, *([identity.boundary] if identity.boundary else []))
        key = (tuple(id(s.document) for s in sources), action, resource)
        found = self._decisions.get(key)
        if found is None:
            found = _decide(identity, action, resource).decision
            self._decisions[key] = found
        return found


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
    pass_role = context.decide(identity, "iam:PassRole")
    passable: dict[str, Tristate] = {}

    def can_pass(role: AwsIdentity) -> Tristate:
        # PassRole on every resource needs no per-role answer; otherwise ask per role ARN.
        if pass_role is Tristate.YES:
            return Tristate.YES
        if role.address not in passable:
            arn = _role_arn(role, account)
            passable[role.address] = context.decide(identity, "iam:PassRole", arn)
        return passable[role.address]

    if pass_role is not Tristate.NO:
        for action, service in PASS_ROLE_COMPUTE.items():
            compute = context.decide(identity, action)
            if compute is Tristate.NO:
                continue
            targets = [
                role.address
                for role in context.by_service.get(service, ())
                if role is not identity and can_pass(role) is not Tristate.NO
            ]
            answer = Tristate.YES if Tristate.MAYBE not in (pass_role, compute) else Tristate.MAYBE
            found.append(
                Escalation(
                    "pass-role",
                    answer,
                    (("iam:PassRole", pass_role), (action, compute)),
                    tuple(targets),
                    f"can pass a role to {service} with {action}: the new compute runs with "
                    "that role's permissions"
                    + (f" ({len(targets)} such roles in the plan)" if targets else ""),
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
        found.append(Escalation(method, answer, tuple(open_), tuple(users), _DIRECT_WHY[method]))
    assume = context.decide(identity, "sts:AssumeRole")
    if assume is not Tristate.NO:
        own = _role_arn(identity, account) if identity.kind == "role" else identity.arn or ""
        admitted = {own, identity.address, account or "", f"arn:aws:iam::{account}:root"}
        assumable = [
            role
            for role, principals in context.trust.items()
            if role != identity.address
            and any(p.kind == "aws" and p.principal in admitted for p in principals)
        ]
        if assumable:
            found.append(
                Escalation(
                    "assume-role",
                    assume,
                    (("sts:AssumeRole", assume),),
                    tuple(sorted(assumable)),
                    "can assume roles whose trust policies admit it (or its account)",
                )
            )
    return found


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
