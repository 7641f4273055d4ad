"""AWS policy evaluation: can a principal do an action on a resource, given the policies that
apply to the request, answered Yes / Maybe / No the way AWS decides it.

This is the pure core: it takes policy documents already parsed (:mod:`iacguard.aws.policy`) and
already attributed to the principal (identity policies, its permissions boundary, session
policies) or to the resource (resource-based policies), and returns a :class:`Decision` that
names the statements that decided it. Which policies apply to whom is the resolver's business.

Three-valued throughout: a statement applies Yes, No, or Maybe (a condition the plan cannot
decide, a policy variable, a value known only after apply), and a policy whose document is
unknown may allow or deny anything. The answer is Maybe exactly when the unknown parts could
change it.

SCPs, RCPs, ACLs, KMS grants and VPC endpoint policies are not evaluated: the plan rarely holds
them, and the caller passes none.
"""

# NOTE: the order of evaluation follows AWS's documented logic: an explicit deny in any policy
# wins; then, in one account, an allow in an identity-based policy (within the permissions
# boundary and session policies) or in a resource-based policy; across accounts, both.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from iacguard.aws.actions import access_level, expand_action
from iacguard.aws.policy import PolicyDocument, Statement
from iacguard.model.values import Sensitive, Tristate, Unknown

__all__ = [
    "Decision",
    "PolicySource",
    "Request",
    "StatementMatch",
    "access_level",
    "action_matches",
    "evaluate",
    "expand_action",
    "resource_matches",
]

YES, MAYBE, NO = Tristate.YES, Tristate.MAYBE, Tristate.NO

PolicyKind = Literal["identity", "boundary", "resource", "session"]


# --------------------------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One question: may this principal do this action on this resource?"""

    action: str
    """The action, ``service:Name`` (``s3:GetObject``); service and name in any case."""

    resource: str = "*"
    """The resource ARN, or ``*`` for "every resource". A pattern with ``*`` or ``?`` asks about
    every resource it matches: a statement that covers only some of them applies Maybe."""

    principal_arn: str | None = None
    """Who asks: an IAM user or role ARN, an assumed-role session ARN, a service principal
    (``lambda.amazonaws.com``) or a federated provider. ``None`` when unknown; resource-policy
    statements that name specific principals then apply Maybe."""

    principal_account: str | None = None
    """The principal's account; taken from ``principal_arn`` when not given."""

    resource_account: str | None = None
    """The resource's account; ``None`` means the principal's own account (or unknown)."""

    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    """Condition keys whose values are known (``aws:SourceVpc`` → ``vpc-1``); keys are matched
    case-insensitively. A key that is absent here is unknown, not absent from the request:
    conditions on it, and policy variables naming it, make a statement apply Maybe."""


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy that takes part in the decision, and who holds it."""

    kind: PolicyKind
    """``identity`` (inline, managed or group policies of the principal), ``boundary`` (its
    permissions boundary), ``session`` (session policies) or ``resource`` (a resource-based
    policy of the resource: bucket policy, key policy, trust policy, ...)."""

    source: str
    """Who holds it, as a user reads it: a Terraform address, ``aws-managed:<ARN>``, the
    address of the resource whose policy it is."""

    document: PolicyDocument | Unknown | Sensitive | None
    """The parsed document. :class:`Unknown` (known only after apply), :class:`Sensitive`
    (masked) and ``None`` (unresolved, e.g. a managed policy ARN not in the catalog) may each
    allow or deny anything."""

    note: str = ""
    """What a reader should know about the source (``AWS managed policy AdministratorAccess``,
    ``unresolved: ARN not in catalog``)."""


@dataclass(frozen=True, slots=True)
class StatementMatch:
    """A statement that applies to the request, Yes or Maybe."""

    source: PolicySource
    """The policy the statement belongs to."""

    statement: Statement
    """The statement itself."""

    applies: Tristate
    """``YES`` when it matches the request; ``MAYBE`` when it matches only if a condition, a
    policy variable or a value known after apply allows. Never ``NO``: statements that do not
    apply are not reported."""

    why: str
    """How each element matched: ``Action s3:* matches s3:GetObject; Resource * matches; ...``."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to a :class:`Request`, with its evidence."""

    decision: Tristate
    """``YES`` allowed, ``NO`` denied (explicitly or implicitly), ``MAYBE`` undecidable from
    the inputs."""

    reason: str
    """One sentence a human reads: ``Allowed by aws_iam_role_policy.agent statement AgentData
    (s3:* on *)``."""

    statements: tuple[StatementMatch, ...]
    """Every statement that applies Yes or Maybe, the deciding ones first: explicit denies,
    then allows, then the ones that apply only Maybe (denies before allows)."""

    unknowns: tuple[str, ...]
    """When the decision is ``MAYBE``: each unknown that could change it (a policy known only
    after apply, an undecidable condition, ...). Empty when the decision is ``YES`` or ``NO``,
    whatever else was unknown: nothing unknown could have changed it."""


# --------------------------------------------------------------------------------------------
# Three-valued logic
# --------------------------------------------------------------------------------------------

_RANK = {NO: 0, MAYBE: 1, YES: 2}


def _and(*values: Tristate) -> Tristate:
    return min(values, key=_RANK.__getitem__, default=YES)


def _or(*values: Tristate) -> Tristate:
    return max(values, key=_RANK.__getitem__, default=NO)


def _not(value: Tristate) -> Tristate:
    return YES if value is NO else NO if value is YES else MAYBE


# --------------------------------------------------------------------------------------------
# Globs: ARN and action patterns
# --------------------------------------------------------------------------------------------

# A pattern is a tuple of tokens: one literal character each, or one of these two wildcards.
# A character that came from a policy variable is always literal, even a "*".
_STAR = "\x00*"
_QMARK = "\x00?"
_Tokens = tuple[str, ...]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_Context = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Unresolved:
    """A policy variable whose value the request context does not give."""

    variable: str


def _wild(text: str) -> list[str]:
    return [_STAR if char == "*" else _QMARK if char == "?" else char for char in text]


def _variable_value(body: str, context: _Context) -> str | None:
    # NOTE: ${*}, ${?} and ${$} stand for the literal characters; ${key, 'default'} falls back
    # to the default only when the key is absent from the request, which a partial context
    # cannot tell, so it stays unresolved.
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    name = body.partition(",")[0].strip()
    if name in ("*", "?", "$"):
        return name
    values = context.get(name.lower())
    return values[0] if values is not None and len(values) == 1 else None


@lru_cache(maxsize=16384)
def _literal_tokens(text: str) -> _Tokens:
    return tuple(_wild(text))


def _tokens(text: str, context: _Context | None) -> _Tokens | _Unresolved:
    """The tokens of a pattern; ``context`` ``None`` reads ``${...}`` as literal text."""
    if context is None or "${" not in text:
        return _literal_tokens(text)
    out: list[str] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        out.extend(_wild(text[position : found.start()]))
        value = _variable_value(found.group(1), context)
        if value is None:
            return _Unresolved(found.group(0))
        out.extend(value)
        position = found.end()
    out.extend(_wild(text[position:]))
    return tuple(out)


def _substitute(text: str, context: _Context | None) -> str | _Unresolved:
    """A condition value with its policy variables replaced (no wildcards)."""
    tokens = _tokens(text, context)
    if isinstance(tokens, _Unresolved):
        return tokens
    return "".join("*" if t == _STAR else "?" if t == _QMARK else t for t in tokens)


@lru_cache(maxsize=16384)
def _regex(tokens: _Tokens) -> re.Pattern[str]:
    body = "".join(".*" if t == _STAR else "." if t == _QMARK else re.escape(t) for t in tokens)
    return re.compile(body, re.DOTALL)


def _covers(pattern: _Tokens, asked: _Tokens) -> bool:
    """Every string ``asked`` matches is matched by ``pattern``.

    Symbolic: a wildcard of ``asked`` can only be absorbed by a wildcard of ``pattern`` at
    least as wide. Sound (never claims a cover that does not hold), not complete; an
    incomplete answer only turns a Yes into a Maybe.
    """
    n, m = len(pattern), len(asked)
    # after[i][j]: pattern[i:] covers asked[j:]
    after = [[False] * (m + 1) for _ in range(n + 1)]
    after[n][m] = True
    for i in range(n - 1, -1, -1):
        token = pattern[i]
        for j in range(m, -1, -1):
            if token == _STAR:
                after[i][j] = after[i + 1][j] or (j < m and after[i][j + 1])
            elif j < m and (asked[j] == token or (token == _QMARK and asked[j] != _STAR)):
                after[i][j] = after[i + 1][j + 1]
    return after[0][0]


def _overlaps(left: _Tokens, right: _Tokens) -> bool:
    """Some string is matched by both patterns (emptiness of the product automaton)."""
    n, m = len(left), len(right)
    after = [[False] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                after[i][j] = True
                continue
            a = left[i] if i < n else None
            b = right[j] if j < m else None
            ok = (a == _STAR and after[i + 1][j]) or (b == _STAR and after[i][j + 1])
            if not ok and a is not None and b is not None:
                wild_a, wild_b = a in (_STAR, _QMARK), b in (_STAR, _QMARK)
                if wild_a or wild_b or a == b:
                    # both consume one character; a star may stay where it is
                    ni = i if a == _STAR else i + 1
                    nj = j if b == _STAR else j + 1
                    ok = (ni, nj) != (i, j) and after[ni][nj]
            after[i][j] = ok
    return after[0][0]


@lru_cache(maxsize=65536)
def _glob(pattern: str, asked: str) -> Tristate:
    """:func:`_compare` of two texts without policy variables (the common case, cached).

    An ARN asked with only its account unknown (``arn:aws:iam::*:role/x``: a role whose
    account the plan does not say) stands for one concrete ARN in some account, and an account
    id never holds ``:`` or ``/``: it is compared as each account the pattern names, and as one
    it does not name. A ``*`` there cannot absorb a path the pattern requires."""
    fields = asked.split(":", 5)
    if (
        len(fields) == 6
        and fields[0] == "arn"
        and fields[4] == "*"
        and not any(c in part for part in (*fields[:4], fields[5]) for c in "*?")
    ):
        candidates = {*re.findall(r"\d{12}", pattern), "000000000000"}
        results = {
            _compare(
                _literal_tokens(pattern), _literal_tokens(":".join([*fields[:4], a, fields[5]]))
            )
            for a in sorted(candidates)
        }
        if results == {YES}:
            return YES
        return MAYBE if YES in results or MAYBE in results else NO
    return _compare(_literal_tokens(pattern), _literal_tokens(asked))


def _compare(pattern: _Tokens, asked: _Tokens) -> Tristate:
    """Does ``pattern`` match what is asked: YES for all of it, MAYBE for some, NO for none."""
    if _STAR not in asked and _QMARK not in asked:
        return YES if _regex(pattern).fullmatch("".join(asked)) else NO
    if _covers(pattern, asked):
        return YES
    return MAYBE if _overlaps(pattern, asked) else NO


@lru_cache(maxsize=1 << 16)
def action_matches(pattern: str, action: str) -> bool:
    """True when an ``Action`` pattern matches an action, as AWS matches them.

    Case-insensitive; ``*`` matches any run of characters (``:`` included), ``?`` exactly one.
    Memoised: the same few patterns are asked about the same actions for every identity.
    """
    return bool(_regex(_literal_tokens(pattern.strip().lower())).fullmatch(action.strip().lower()))


def resource_matches(pattern: str | Unknown | Sensitive, resource: str) -> Tristate:
    """Does a ``Resource`` pattern match a resource ARN?

    Case-sensitive; ``*`` matches any run of characters (``:`` and ``/`` included), ``?``
    exactly one. ``YES`` or ``NO`` for a specific ARN; ``MAYBE`` when the pattern holds a
    policy variable (``${aws:username}``) or is unknown, and when ``resource`` is ``*`` (or
    another pattern) that the pattern covers only in part ("some resources").
    """
    return _resource_compare(pattern, resource, {})[0]


def _resource_compare(
    pattern: object, asked: str, context: _Context | None
) -> tuple[Tristate, str]:
    if isinstance(pattern, Unknown | Sensitive):
        return MAYBE, f"(a value {_describe_marker(pattern)})"
    text = str(pattern)
    if context is None or "${" not in text:
        return _glob(text, asked), text
    tokens = _tokens(text, context)
    if isinstance(tokens, _Unresolved):
        return MAYBE, f"{pattern} uses {tokens.variable}, unknown without the request"
    return _compare(tokens, _literal_tokens(asked)), text


def _describe_marker(marker: Unknown | Sensitive) -> str:
    if isinstance(marker, Unknown):
        return marker.describe()
    return "masked (sensitive)"


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------

_Matcher = Callable[[str, Any, "_Context | None"], bool | None]


def _policy_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _string_equals(actual: str, value: Any, context: _Context | None) -> bool | None:
    expected = _substitute(_policy_value(value), context)
    return None if isinstance(expected, _Unresolved) else actual == expected


def _string_equals_ignore_case(actual: str, value: Any, context: _Context | None) -> bool | None:
    expected = _substitute(_policy_value(value), context)
    if isinstance(expected, _Unresolved):
        return None
    return actual.casefold() == expected.casefold()


def _string_like(actual: str, value: Any, context: _Context | None) -> bool | None:
    tokens = _tokens(_policy_value(value), context)
    if isinstance(tokens, _Unresolved):
        return None
    return bool(_regex(tokens).fullmatch(actual))


def _arn_like(actual: str, value: Any, context: _Context | None) -> bool | None:
    # NOTE: ARN operators compare each of the six colon-separated parts on its own; wildcards
    # do not cross a colon (ArnEquals and ArnLike behave the same).
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
    tokens = _tokens(_policy_value(value), context)
    if isinstance(tokens, _Unresolved):
        return None
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(token)
    actual_parts = actual.split(":", 5)
    if len(parts) != 6 or len(actual_parts) != 6:
        return False
    return all(
        _regex(tuple(part)).fullmatch(text) for part, text in zip(parts, actual_parts, strict=True)
    )


def _bool(actual: str, value: Any, context: _Context | None) -> bool | None:
    return actual.lower() == _policy_value(value).lower()


def _numeric(compare: Callable[[float, float], bool]) -> _Matcher:
    def match(actual: str, value: Any, context: _Context | None) -> bool | None:
        try:
            return compare(float(actual), float(_policy_value(value)))
        except ValueError:
            return False

    return match


def _ip_address(actual: str, value: Any, context: _Context | None) -> bool | None:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(
            _policy_value(value), strict=False
        )
    except ValueError:
        return False


# base operator (lower case) → (negated, matcher)
_OPERATORS: dict[str, tuple[bool, _Matcher]] = {
    "stringequals": (False, _string_equals),
    "stringnotequals": (True, _string_equals),
    "stringequalsignorecase": (False, _string_equals_ignore_case),
    "stringnotequalsignorecase": (True, _string_equals_ignore_case),
    "stringlike": (False, _string_like),
    "stringnotlike": (True, _string_like),
    "arnequals": (False, _arn_like),
    "arnlike": (False, _arn_like),
    "arnnotequals": (True, _arn_like),
    "arnnotlike": (True, _arn_like),
    "bool": (False, _bool),
    "numericequals": (False, _numeric(lambda a, b: a == b)),
    "numericnotequals": (True, _numeric(lambda a, b: a == b)),
    "numericlessthan": (False, _numeric(lambda a, b: a < b)),
    "numericlessthanequals": (False, _numeric(lambda a, b: a <= b)),
    "numericgreaterthan": (False, _numeric(lambda a, b: a > b)),
    "numericgreaterthanequals": (False, _numeric(lambda a, b: a >= b)),
    "ipaddress": (False, _ip_address),
    "notipaddress": (True, _ip_address),
}


def _quote_condition(operator: str, key: str, values: Any) -> str:
    if isinstance(values, list | tuple):
        shown = ", ".join(_show(v) for v in values)
        shown = f"[{shown}]" if len(values) != 1 else shown
    else:
        shown = _show(values)
    return f"{operator} {key} {shown}"


def _show(value: Any) -> str:
    if isinstance(value, Unknown | Sensitive):
        return repr(value)
    return json.dumps(value) if isinstance(value, str) else _policy_value(value)


def _condition_entry(
    operator: str, key: str, values: Any, context: _Context, variables: bool
) -> tuple[Tristate, str]:
    """One ``operator: {key: values}`` test. Returns the result and why it is not Yes."""
    quoted = _quote_condition(operator, key, values)
    set_operator, _, base = operator.rpartition(":")
    set_operator = set_operator.lower()
    base = base.lower()
    if_exists = base.endswith("ifexists")
    if if_exists:
        base = base[: -len("ifexists")]
    items = list(values) if isinstance(values, list | tuple) else [values]
    if set_operator not in ("", "foranyvalue", "forallvalues") or (
        base not in _OPERATORS and base != "null"
    ):
        return MAYBE, f"condition {quoted} uses an operator iacguard does not evaluate"
    if any(isinstance(v, Unknown | Sensitive) for v in items):
        return MAYBE, f"condition {quoted} has a value known only after apply"
    if any(isinstance(v, Mapping | list | tuple) for v in items):
        return MAYBE, f"condition {quoted} has a value iacguard cannot read"
    present = context.get(key.lower())
    if present is None:
        return MAYBE, f"condition {quoted} cannot be decided from the plan"
    if base == "null":
        # NOTE: Null tests whether the key is absent from the request; here it is present.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
        holds = any(_policy_value(v).lower() == "false" for v in items)
        return (YES, "") if holds else (NO, f"condition {quoted} does not hold")
    if not set_operator and len(present) != 1:
        return MAYBE, f"condition {quoted} tests a single value; the context gives {len(present)}"
    negated, matcher = _OPERATORS[base]
    scope = context if variables else None
    results: list[bool] = []
    for actual in present:
        hits = [matcher(actual, value, scope) for value in items]
        if None in hits and True not in hits:
            return MAYBE, f"condition {quoted} uses a policy variable the context does not give"
        results.append(any(hits) != negated)
    if set_operator == "forallvalues":
        holds = all(results)
    elif set_operator == "foranyvalue":
        holds = any(results)
    else:
        holds = results[0]
    return (YES, "") if holds else (NO, f"condition {quoted} does not hold")


def _unreadable(value: Any) -> str:
    if isinstance(value, Unknown | Sensitive):
        return f"is {_describe_marker(value)}"
    return "cannot be read"


def _conditions(conditions: Any, context: _Context, variables: bool) -> tuple[Tristate, list[str]]:
    """Every test of a ``Condition`` block must hold. Returns the result and the reasons."""
    if not conditions:
        return YES, []
    if not isinstance(conditions, Mapping):
        return MAYBE, [f"the Condition block {_unreadable(conditions)}"]
    results: list[Tristate] = []
    notes: list[str] = []
    for operator, tests in conditions.items():
        if not isinstance(tests, Mapping):
            results.append(MAYBE)
            notes.append(f"condition {operator} {_unreadable(tests)}")
            continue
        for key, values in tests.items():
            result, note = _condition_entry(str(operator), str(key), values, context, variables)
            results.append(result)
            if result is NO:
                return NO, [note]
            if note:
                notes.append(note)
    return _and(*results), notes


# --------------------------------------------------------------------------------------------
# Principals (resource-based policies)
# --------------------------------------------------------------------------------------------

# How a resource-policy statement names the principal, which decides what else must allow:
#   "direct"  the IAM user ARN, the role session ARN or the service itself: not limited by the
#             principal's identity policies or permissions boundary (same account)
#   "named"   the role ARN, "*", a federated provider: limited by the permissions boundary and
#             session policies (same account)
#   "account" the principal's account: delegates to the account's own IAM policies
_GrantKind = Literal["direct", "named", "account"]
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class _Principal:
    arn: str | None
    account: str | None
    kind: Literal["user", "role", "session", "service", "other", "unknown"]
    role_name: str | None
    """For a role session, the name of its role (a session ARN drops the role's path)."""


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _principal(request: Request) -> _Principal:
    arn = request.principal_arn
    if not arn:
        return _Principal(None, request.principal_account, "unknown", None)
    parts = _arn_parts(arn)
    if parts is None:
        kind: Literal["service", "other"] = "service" if arn.endswith(".amazonaws.com") else "other"
        return _Principal(arn, request.principal_account, kind, None)
    account = request.principal_account or (parts[4] or None)
    resource = parts[5]
    if parts[2] == "iam" and resource.startswith("user/"):
        return _Principal(arn, account, "user", None)
    if parts[2] == "iam" and resource.startswith("role/"):
        return _Principal(arn, account, "role", None)
    if parts[2] == "sts" and resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1] if resource.count("/") >= 2 else ""
        return _Principal(arn, account, "session", role_name)
    return _Principal(arn, account, "other", None)


def _match_aws_entry(entry: Any, who: _Principal) -> tuple[_GrantKind, Tristate, str]:
    if isinstance(entry, Unknown | Sensitive):
        return "direct", MAYBE, f"a principal {_describe_marker(entry)}"
    text = str(entry)
    if text == "*":
        return "named", YES, "Principal * (anyone)"
    parts = _arn_parts(text)
    account = text if _ACCOUNT_ID.match(text) else None
    if parts is not None and parts[2] == "iam" and parts[5] == "root":
        account = parts[4]
    if account is not None:
        if who.account is None:
            return "account", MAYBE, f"Principal account {account}; the principal's is unknown"
        result = YES if account == who.account else NO
        return "account", result, f"Principal account {account} (delegates to its IAM policies)"
    if who.arn is None:
        return "direct", MAYBE, f"Principal {text}; the principal is not given"
    if text == who.arn:
        grant: _GrantKind = "direct" if who.kind in ("user", "session") else "named"
        return grant, YES, f"Principal names {text}"
    if (
        who.kind == "session"
        and parts is not None
        and parts[2] == "iam"
        and parts[4] == who.account
        and parts[5].startswith("role/")
        and parts[5].rsplit("/", 1)[-1] == who.role_name
    ):
        return "named", YES, f"Principal names the session's role {text}"
    return "named", NO, f"Principal {text} is not {who.arn}"


def _match_other_entry(
    entry: Any, who: _Principal, grant: _GrantKind
) -> tuple[_GrantKind, Tristate, str]:
    if isinstance(entry, Unknown | Sensitive):
        return "direct", MAYBE, f"a principal {_describe_marker(entry)}"
    if who.arn is None:
        return "direct", MAYBE, f"Principal {entry}; the principal is not given"
    if str(entry).lower() == who.arn.lower():
        return grant, YES, f"Principal names {entry}"
    return grant, NO, f"Principal {entry} is not {who.arn}"


def _match_principals(principals: Any, who: _Principal) -> tuple[dict[_GrantKind, Tristate], str]:
    """How a ``Principal`` element matches: a result per kind of grant, and why."""
    if isinstance(principals, Unknown | Sensitive):
        return {"direct": MAYBE}, f"Principal {_describe_marker(principals)}"
    if principals == "*":
        return {"named": YES}, "Principal * (anyone)"
    if not isinstance(principals, Mapping):
        return {"direct": MAYBE}, f"Principal {principals!r} is not understood"
    found: dict[_GrantKind, Tristate] = {}
    notes: list[str] = []
    for principal_type, entries in principals.items():
        kind = str(principal_type)
        values = entries if isinstance(entries, tuple | list) else (entries,)
        for entry in values:
            if kind == "AWS":
                grant, result, note = _match_aws_entry(entry, who)
            elif kind == "Service":
                grant, result, note = _match_other_entry(entry, who, "direct")
            elif kind in ("Federated", "CanonicalUser"):
                grant, result, note = _match_other_entry(entry, who, "named")
            else:
                grant, result, note = "named", NO, f"Principal type {kind}"
            found[grant] = _or(found.get(grant, NO), result)
            if result is not NO:
                notes.append(note)
    if not notes:
        return found, "Principal does not name this principal"
    return found, "; ".join(notes)


# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Applies:
    applies: Tristate
    grants: dict[_GrantKind, Tristate]
    """For a resource-policy statement: how far it applies per kind of grant."""
    why: str
    doubts: tuple[str, ...] = ()
    """The parts of ``why`` that make it apply only Maybe."""


def _element(
    values: tuple[Any, ...],
    compare: Callable[[Any], tuple[Tristate, str]],
    name: str,
    asked: str,
    negated: bool,
) -> tuple[Tristate, str]:
    results: list[Tristate] = []
    shown: list[str] = []
    for value in values:
        result, text = compare(value)
        results.append(result)
        if result is not NO:
            shown.append(text)
        if result is YES:
            break
    matched = _or(*results)
    if matched is YES:
        note = f"{name} {shown[-1]} matches {asked}"
    elif matched is MAYBE:
        note = f"{name} {'; '.join(shown)} may match {asked}"
    else:
        listed = ", ".join(str(v) for v in values[:3]) + (", ..." if len(values) > 3 else "")
        note = f"{name} {listed} does not match {asked}"
    if negated:
        note = f"Not{note}"
    return (_not(matched) if negated else matched), note


def _match_action(statement: Statement, action: str, asked: str) -> tuple[Tristate, str]:
    """``action`` is the asked action in lower case, ``asked`` as the request spells it."""

    def compare(value: Any) -> tuple[Tristate, str]:
        if isinstance(value, Unknown | Sensitive):
            return MAYBE, f"(a value {_describe_marker(value)})"
        text = str(value)
        return _glob(text.lower(), action), text

    results: list[tuple[Tristate, str]] = []
    if statement.actions is not None:
        results.append(_element(statement.actions, compare, "Action", asked, False))
    if statement.not_actions is not None:
        results.append(_element(statement.not_actions, compare, "Action", asked, True))
    if not results:
        return NO, "no Action element"
    return _and(*(r for r, _ in results)), "; ".join(n for _, n in results)


def _match_resource(
    statement: Statement, kind: PolicyKind, asked: str, context: _Context | None
) -> tuple[Tristate, str]:
    def compare(value: Any) -> tuple[Tristate, str]:
        return _resource_compare(value, asked, context)

    results: list[tuple[Tristate, str]] = []
    if statement.resources is not None:
        results.append(_element(statement.resources, compare, "Resource", asked, False))
    if statement.not_resources is not None:
        results.append(_element(statement.not_resources, compare, "Resource", asked, True))
    if not results:
        if kind == "resource":
            # A trust policy has no Resource: it is the role's own.
            return YES, "no Resource element (the policy's own resource)"
        return NO, "no Resource element (AWS rejects such a policy)"
    return _and(*(r for r, _ in results)), "; ".join(n for _, n in results)


def _statement_applies(
    statement: Statement,
    kind: PolicyKind,
    request: _Prepared,
    variables: bool,
) -> _Applies:
    notes: list[str] = []
    doubts: list[str] = []

    def note(result: Tristate, text: str) -> None:
        notes.append(text)
        if result is MAYBE:
            doubts.append(text)

    action, action_note = _match_action(statement, request.action, request.action_text)
    note(action, action_note)
    if action is NO:
        return _Applies(NO, {}, action_note)
    scope = request.context if variables else None
    resource, resource_note = _match_resource(statement, kind, request.resource, scope)
    note(resource, resource_note)
    if resource is NO:
        return _Applies(NO, {}, "; ".join(notes))
    grants: dict[_GrantKind, Tristate] = {}
    principal = YES
    if kind == "resource":
        not_principals = statement.not_principals
        if statement.principals is not None:
            grants, principal_note = _match_principals(statement.principals, request.principal)
            principal = _or(*grants.values())
        elif not_principals is not None:
            # NOTE: NotPrincipal applies to every principal it does not name.
            # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
            named, principal_note = _match_principals(not_principals, request.principal)
            principal = _not(_or(*named.values()))
            grants = {"named": principal}
            principal_note = f"NotPrincipal: {principal_note}"
        else:
            principal = MAYBE
            grants = {"direct": MAYBE}
            principal_note = "no Principal element (a NotPrincipal is not read from this policy)"
        note(principal, principal_note)
        if principal is NO:
            return _Applies(NO, {}, "; ".join(notes))
    condition, condition_notes = _conditions(statement.conditions, request.context, variables)
    for text in condition_notes:
        note(condition, text)
    rest = _and(action, resource, condition)
    applies = _and(rest, principal)
    grants = {g: _and(t, rest) for g, t in grants.items()}
    return _Applies(applies, grants, "; ".join(notes), tuple(doubts))


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    action: str
    """The action in lower case."""
    action_text: str
    resource: str
    principal: _Principal
    context: _Context


# Services where the resource policy must allow even in the same account: a role's trust
# policy and a KMS key policy. Naming the account there delegates to the account's IAM policies.
# NOTE: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
# ("IAM role trust policies and KMS key policies are exceptions to this logic, because they
# must explicitly allow access for principals")
_RESOURCE_POLICY_REQUIRED = (
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
)


def _required_resource_policy(action: str) -> str | None:
    if action in _RESOURCE_POLICY_REQUIRED:
        return "trust policy"
    if action.startswith("kms:"):
        return "key policy"
    return None


_Bucket = Literal["deny", "identity", "boundary", "session", "direct", "named", "account"]
_ALLOW_BUCKETS: dict[PolicyKind, tuple[_Bucket, ...]] = {
    "identity": ("identity",),
    "boundary": ("boundary",),
    "session": ("session",),
    "resource": ("direct", "named", "account"),
}


@dataclass(slots=True)
class _Tally:
    """What every policy contributes, bucket by bucket."""

    values: dict[_Bucket, Tristate] = field(default_factory=dict)
    matches: dict[_Bucket, list[tuple[Tristate, StatementMatch]]] = field(default_factory=dict)
    doubts: dict[_Bucket, list[str]] = field(default_factory=dict)

    def add(
        self,
        bucket: _Bucket,
        value: Tristate,
        match: StatementMatch | None = None,
        doubt: str | None = None,
    ) -> None:
        if value is NO:
            return
        self.values[bucket] = _or(self.values.get(bucket, NO), value)
        if match is not None:
            self.matches.setdefault(bucket, []).append((value, match))
        if value is MAYBE and doubt:
            self.doubts.setdefault(bucket, []).append(doubt)

    def get(self, bucket: _Bucket) -> Tristate:
        return self.values.get(bucket, NO)

    def first(self, bucket: _Bucket, value: Tristate = YES) -> StatementMatch | None:
        return next((m for v, m in self.matches.get(bucket, ()) if v is value), None)


def _normalise_context(context: Mapping[str, str | Sequence[str]]) -> _Context:
    out: _Context = {}
    for key, value in context.items():
        out[key.lower()] = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
    return out


def _summary(statement: Statement) -> str:
    def listed(values: tuple[Any, ...]) -> str:
        head = ", ".join(str(v) for v in values[:3])
        return head + (f" and {len(values) - 3} more" if len(values) > 3 else "")

    if statement.actions is not None:
        actions = listed(statement.actions)
    elif statement.not_actions is not None:
        actions = f"every action but {listed(statement.not_actions)}"
    else:
        actions = "no action"
    if statement.resources is not None:
        resources = listed(statement.resources)
    elif statement.not_resources is not None:
        resources = f"every resource but {listed(statement.not_resources)}"
    else:
        resources = "the resource itself"
    return f"{actions} on {resources}"


def _describe(match: StatementMatch) -> str:
    statement = match.statement
    name = f"statement {statement.sid}" if statement.sid else f"Statement[{statement.index}]"
    return f"{match.source.source} {name} ({_summary(statement)})"


def _unknown_document(source: PolicySource) -> str:
    document = source.document
    if isinstance(document, Unknown):
        text = f"the policy of {source.source} is {document.describe()}"
    elif isinstance(document, Sensitive):
        text = f"the policy of {source.source} is masked (sensitive)"
    else:
        text = f"the policy of {source.source} is not resolved"
    return f"{text} ({source.note})" if source.note else text


def _tally(request: _Prepared, policies: Sequence[PolicySource]) -> _Tally:
    tally = _Tally()
    for source in policies:
        document = source.document
        allow_buckets = _ALLOW_BUCKETS[source.kind]
        if not isinstance(document, PolicyDocument):
            doubt = _unknown_document(source)
            tally.add("deny", MAYBE, doubt=doubt)
            for bucket in allow_buckets:
                tally.add(bucket, MAYBE, doubt=doubt)
            continue
        # NOTE: policy variables are read only in version 2012-10-17 documents; an explicit
        # 2008-10-17 makes them literal text. A document without a version (as the statement
        # blocks of aws_iam_policy_document give it) is read as 2012-10-17.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
        variables = document.version != "2008-10-17"
        for statement in document.statements:
            found = _statement_applies(statement, source.kind, request, variables)
            if found.applies is NO:
                continue
            effect = statement.effect.strip().lower()
            certain = effect in ("allow", "deny")
            applies = found.applies if certain else MAYBE
            why = found.why if certain else f"Effect {statement.effect!r} is not known; {found.why}"
            doubted = "; ".join(found.doubts if certain else (why,))
            match = StatementMatch(source, statement, applies, why)
            if effect != "allow":
                tally.add("deny", applies, match, f"{_describe(match)} may deny it: {doubted}")
            doubt = f"{_describe(match)} may allow it: {doubted}"
            if effect != "deny":
                if source.kind == "resource":
                    for bucket, granted in found.grants.items():
                        tally.add(
                            bucket, granted if certain else _and(granted, MAYBE), match, doubt
                        )
                else:
                    tally.add(allow_buckets[0], applies, match, doubt)
    return tally


@dataclass(frozen=True, slots=True)
class _Outcome:
    allowed: Tristate
    reason_no: str
    reason_yes: str


def _decide_account(
    tally: _Tally,
    request: _Prepared,
    policies: Sequence[PolicySource],
    cross_account: bool,
) -> _Outcome:
    """Whether the request is allowed, ignoring explicit denies, in one account or across."""
    kinds = {p.kind for p in policies}
    boundary = tally.get("boundary") if "boundary" in kinds else YES
    session = tally.get("session") if "session" in kinds else YES
    identity = tally.get("identity")
    identity_path = _and(identity, boundary, session)
    direct, named, account = tally.get("direct"), tally.get("named"), tally.get("account")
    asked = f"{request.action_text} on {request.resource}"

    identity_match = tally.first("identity")
    boundary_note = ""
    if "boundary" in kinds and (found := tally.first("boundary")):
        boundary_note += f", within the permissions boundary {found.source.source}"
    if "session" in kinds and (found := tally.first("session")):
        boundary_note += f", within the session policy {found.source.source}"

    def why_identity_fails() -> str:
        if identity is NO:
            return f"no identity policy allows {asked}"
        who = _describe(identity_match) if identity_match else "an identity policy"
        if boundary is NO:
            return f"{who} allows it, but the permissions boundary does not"
        return f"{who} allows it, but no session policy does"

    if cross_account:
        # NOTE: across accounts the identity side (within its boundary and session policies)
        # and the resource policy of the other account must both allow.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
        resource_side = _or(direct, named, account)
        allowed = _and(identity_path, resource_side)
        resource_match = tally.first("direct") or tally.first("named") or tally.first("account")
        if identity_path is NO:
            no = f"Denied implicitly: across accounts, {why_identity_fails()}"
        else:
            no = (
                "Denied implicitly: across accounts the resource policy must allow too, "
                f"and none allows {asked}"
            )
        yes = "Allowed"
        if identity_match and resource_match:
            yes = (
                f"Allowed by {_describe(identity_match)}{boundary_note} and, across accounts, "
                f"by {_describe(resource_match)}"
            )
        return _Outcome(allowed, no, yes)

    required = _required_resource_policy(request.action_text.lower())
    limited_grant = _and(named, boundary, session)
    # NOTE: in one account a resource policy grants on its own. Naming an IAM user ARN (or a
    # role session ARN) directly is not limited by the principal's identity policies or its
    # permissions boundary; naming a role ARN (or "*") is limited by the boundary and session
    # policies; naming the account delegates to the account's IAM policies.
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html#access_policies_boundaries-eval-logic
    if required and "resource" in kinds:
        identity_grant = _and(identity_path, account)
    else:
        identity_grant = identity_path
    allowed = _or(identity_grant, direct, limited_grant)

    if identity_grant is YES and identity_match:
        yes = f"Allowed by {_describe(identity_match)}{boundary_note}"
        account_match = tally.first("account")
        if required and "resource" in kinds and account_match:
            yes += f", as the {required} {_describe(account_match)} lets IAM policies decide"
    elif (found := tally.first("direct")) is not None and direct is YES:
        yes = f"Allowed by {_describe(found)}, which names the principal"
    elif (found := tally.first("named")) is not None:
        yes = f"Allowed by {_describe(found)}{boundary_note}"
    else:
        yes = "Allowed"

    if identity is NO and named is NO and direct is NO:
        no = f"Denied implicitly: no policy allows {asked}"
    elif identity_path is NO and identity is not NO:
        no = f"Denied implicitly: {why_identity_fails()}"
    elif identity_path is NO:
        found = tally.first("named") or tally.first("named", MAYBE)
        who = _describe(found) if found else "a resource policy"
        limit = "permissions boundary" if boundary is NO else "session policy"
        no = (
            f"Denied implicitly: {who} allows it, but it names no IAM user directly, so the "
            f"{limit} limits it, and the {limit} does not allow {asked}"
        )
    elif required:
        who = _describe(identity_match) if identity_match else "an identity policy"
        no = (
            f"Denied implicitly: {who} allows it, but {request.action_text} also needs the "
            f"{required} to allow, and none does"
        )
    else:
        no = f"Denied implicitly: no policy allows {asked}"
    return _Outcome(allowed, no, yes)


_ALLOW_ORDER: tuple[_Bucket, ...] = (
    "identity",
    "direct",
    "named",
    "account",
    "boundary",
    "session",
)


def _ordered(tally: _Tally) -> tuple[StatementMatch, ...]:
    seen: set[int] = set()
    out: list[StatementMatch] = []
    deny: _Bucket = "deny"
    order = [
        (deny, YES),
        *((bucket, YES) for bucket in _ALLOW_ORDER),
        (deny, MAYBE),
        *((bucket, MAYBE) for bucket in _ALLOW_ORDER),
    ]
    for bucket, value in order:
        for found_value, match in tally.matches.get(bucket, ()):
            if found_value is value and id(match) not in seen:
                seen.add(id(match))
                out.append(match)
    return tuple(out)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def evaluate(request: Request, policies: Sequence[PolicySource]) -> Decision:
    """Decide whether ``request`` is allowed by ``policies``, as AWS would.

    ``policies`` are every policy that applies to the request: the principal's identity
    policies, its permissions boundary and session policies, and the resource policy of the
    resource (which, like a trust policy, is the policy of that one resource). What is not
    given does not exist: without a resource policy, a cross-account request is denied.

    1. An explicit ``Deny`` that applies (in any policy) → ``NO``.
    2. Same account: allowed when an identity policy allows (and, if given, the permissions
       boundary and session policies too), or a resource policy allows the principal (see
       the notes on boundaries below). A role trust policy and a KMS key policy must allow
       even in the same account: naming the account there delegates to IAM policies.
    3. Across accounts (``resource_account`` differs from the principal's): the identity side
       and the resource policy must both allow.
    4. Otherwise → ``NO`` (implicit deny).

    For ``sts:AssumeRole*`` and ``kms:*`` without any resource policy given, the identity
    policies decide, as with a KMS key outside the inputs (its default key policy lets IAM
    policies decide); the caller passes the trust or key policy when it has one.

    Every step is three-valued: a statement that applies only Maybe, and a policy whose
    document is unknown, make the answer ``MAYBE`` when they could change it.
    """
    context = _normalise_context(request.context)
    action_text = request.action.strip()
    prepared = _Prepared(
        action_text.lower(), action_text, request.resource, _principal(request), context
    )
    tally = _tally(prepared, policies)
    statements = _ordered(tally)
    deny = tally.get("deny")

    if deny is YES:
        denied_by = tally.first("deny")
        assert denied_by is not None
        return Decision(NO, f"Denied by {_describe(denied_by)}", statements, ())

    principal_account = prepared.principal.account
    account_doubt: list[str] = []
    if request.resource_account is None or request.resource_account == principal_account:
        outcome = _decide_account(tally, prepared, policies, cross_account=False)
    elif principal_account is not None:
        outcome = _decide_account(tally, prepared, policies, cross_account=True)
    else:
        same = _decide_account(tally, prepared, policies, cross_account=False)
        cross = _decide_account(tally, prepared, policies, cross_account=True)
        outcome = same if same.allowed is cross.allowed else cross
        if same.allowed is not cross.allowed:
            outcome = _Outcome(MAYBE, cross.reason_no, cross.reason_yes)
            account_doubt.append(
                f"the principal's account is not known, so whether the request crosses into "
                f"account {request.resource_account} is not known"
            )
    allowed = outcome.allowed

    if allowed is NO:
        return Decision(NO, outcome.reason_no, statements, ())
    if allowed is YES and deny is NO:
        return Decision(YES, outcome.reason_yes, statements, ())

    doubts = [*account_doubt, *tally.doubts.get("deny", ())]
    if allowed is MAYBE:
        for bucket in _ALLOW_ORDER:
            doubts.extend(tally.doubts.get(bucket, ()))
    unknowns = _dedupe(doubts)
    if allowed is YES:
        allowed_by = outcome.reason_yes[:1].lower() + outcome.reason_yes[1:]
        reason = f"Maybe: {allowed_by}, but {unknowns[0]}"
    else:
        reason = f"Maybe: {unknowns[0]}" if unknowns else "Maybe"
        if len(unknowns) > 1:
            reason += f" (and {len(unknowns) - 1} more unknown)"
    return Decision(MAYBE, reason, statements, unknowns)
