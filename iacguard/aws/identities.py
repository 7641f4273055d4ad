"""AWS IAM identities of a plan and every policy that applies to each of them.

Roles, users and groups come with their inline policies (``inline_policy`` blocks and the
``aws_iam_*_policy`` resources), managed policies (``aws_iam_policy`` documents, AWS managed
policies from the packaged catalog) attached by any of Terraform's attachment resources,
group memberships and permission boundaries. Resources are linked through the plan's
configuration references when names and ARNs are known only after apply. Anything that
cannot be resolved is kept as an unresolved :class:`~iacguard.aws.evaluate.PolicySource`
(answers depending on it are Maybe) and listed with its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from iacguard.aws.evaluate import PolicySource
from iacguard.aws.managed import managed_policy, managed_policy_name
from iacguard.aws.policy import resolve_policy
from iacguard.engine.context import ScanIndex
from iacguard.model.resource import Action, Resource
from iacguard.model.values import Unknown

IdentityKind = Literal["role", "user", "group"]
PolicyKind = Literal["identity", "boundary"]

_IDENTITY_TYPES: dict[str, IdentityKind] = {
    "aws_iam_role": "role",
    "aws_iam_user": "user",
    "aws_iam_group": "group",
}
#: Inline policy resources → the attribute naming their identity.
_INLINE: dict[str, str] = {
    "aws_iam_role_policy": "role",
    "aws_iam_user_policy": "user",
    "aws_iam_group_policy": "group",
}
#: Single attachment resources → the attribute naming their identity.
_ATTACHMENTS: dict[str, str] = {
    "aws_iam_role_policy_attachment": "role",
    "aws_iam_user_policy_attachment": "user",
    "aws_iam_group_policy_attachment": "group",
}
#: Exclusive attachment resources → (identity attribute, policy ARNs attribute).
_EXCLUSIVE: dict[str, str] = {
    "aws_iam_role_policy_attachments_exclusive": "role_name",
    "aws_iam_user_policy_attachments_exclusive": "user_name",
    "aws_iam_group_policy_attachments_exclusive": "group_name",
}


@dataclass(frozen=True, slots=True)
class AwsIdentity:
    """An IAM role, user or group as the plan will leave it, with its policies."""

    kind: IdentityKind
    resource: Resource
    """The Terraform resource (``aws_iam_role.inference``)."""
    policies: tuple[PolicySource, ...]
    """Identity-based policies (a user's include its groups'), in a stable order."""
    boundary: PolicySource | None = None
    """The permissions boundary, if one is set."""
    groups: tuple[str, ...] = ()
    """Addresses of the groups a user belongs to."""
    unresolved: tuple[str, ...] = field(default=())
    """Policies that could not be read, each with its reason."""

    @property
    def address(self) -> str:
        """The Terraform address."""
        return self.resource.address

    @property
    def name(self) -> str | None:
        """The IAM name, when known at plan time."""
        value = self.resource.get("name")
        return value if isinstance(value, str) else None

    @property
    def arn(self) -> str | None:
        """The ARN, when known at plan time."""
        value = self.resource.get("arn")
        return value if isinstance(value, str) else None

    @property
    def node_id(self) -> str:
        """The graph node id a user can type: ``aws:iam_role/inference-prod``."""
        return f"aws:iam_{self.kind}/{self.name or self.resource.address}"

    @property
    def account(self) -> str | None:
        """The account id from the ARN, when known."""
        arn = self.arn
        parts = arn.split(":") if arn else []
        return parts[4] if len(parts) > 4 and parts[4] else None


def _planned(resource: Resource) -> bool:
    return resource.mode == "managed" and resource.action not in (Action.DELETE, Action.FORGET)


class IdentityResolver:
    """Builds :class:`AwsIdentity` objects from a scan's resources."""

    def __init__(self, index: ScanIndex) -> None:
        self.index = index
        self._policy_docs: dict[str, PolicySource] = {}

    def identities(self) -> list[AwsIdentity]:
        """Every planned role, user and group, in address order."""
        attached: dict[str, list[PolicySource]] = defaultdict(list)
        unresolved: dict[str, list[str]] = defaultdict(list)
        members: dict[str, set[str]] = defaultdict(set)

        def add(identity: Resource, source: PolicySource) -> None:
            attached[identity.address].append(source)
            if source.document is None or isinstance(source.document, Unknown):
                unresolved[identity.address].append(f"{source.source}: {source.note}")

        for type_, attribute in _INLINE.items():
            for holder in self.index.planned(type_):
                for identity in self._named(holder, attribute, type_.replace("_policy", "")):
                    add(identity, self._inline(holder, holder.get("policy"), holder.address))
        for type_, attribute in _ATTACHMENTS.items():
            for holder in self.index.planned(type_):
                for identity in self._named(
                    holder, attribute, type_.replace("_policy_attachment", "")
                ):
                    add(identity, self._attached(holder, "policy_arn"))
        for holder in self.index.planned("aws_iam_policy_attachment"):
            source = self._attached(holder, "policy_arn")
            for attribute, type_ in (
                ("roles", "aws_iam_role"),
                ("users", "aws_iam_user"),
                ("groups", "aws_iam_group"),
            ):
                for identity in self._named(holder, attribute, type_):
                    add(identity, source)
        for type_, attribute in _EXCLUSIVE.items():
            identity_type = "aws_iam_" + attribute.removesuffix("_name")
            for holder in self.index.planned(type_):
                arns = holder.get("policy_arns")
                for identity in self._named(holder, attribute, identity_type):
                    for position, arn in enumerate(arns if isinstance(arns, list) else []):
                        add(
                            identity, self._by_arn(arn, f"{holder.address}.policy_arns[{position}]")
                        )
        for holder in self.index.planned("aws_iam_group_membership"):
            for group in self._named(holder, "group", "aws_iam_group"):
                for user in self._named(holder, "users", "aws_iam_user"):
                    members[user.address].add(group.address)
        for holder in self.index.planned("aws_iam_user_group_membership"):
            for user in self._named(holder, "user", "aws_iam_user"):
                for group in self._named(holder, "groups", "aws_iam_group"):
                    members[user.address].add(group.address)

        result: list[AwsIdentity] = []
        identities = [r for r in self.index.resources if r.type in _IDENTITY_TYPES and _planned(r)]
        own: dict[str, list[PolicySource]] = {}
        for resource in identities:
            sources = list(self._declared_on_identity(resource)) + attached[resource.address]
            own[resource.address] = sources
        for resource in sorted(identities, key=lambda r: r.address):
            kind = _IDENTITY_TYPES[resource.type]
            sources = list(own[resource.address])
            notes = list(unresolved[resource.address])
            for group_address in sorted(members.get(resource.address, ())):
                sources.extend(own.get(group_address, ()))
                notes.extend(unresolved.get(group_address, ()))
            boundary = self._boundary(resource)
            result.append(
                AwsIdentity(
                    kind=kind,
                    resource=resource,
                    policies=tuple(sources),
                    boundary=boundary,
                    groups=tuple(sorted(members.get(resource.address, ()))),
                    unresolved=tuple(dict.fromkeys(notes))
                    + (
                        (f"{boundary.source}: {boundary.note}",)
                        if boundary is not None and boundary.document is None
                        else ()
                    ),
                )
            )
        return result

    # -- linking -------------------------------------------------------------------------

    def _named(self, holder: Resource, attribute: str, identity_type: str) -> list[Resource]:
        """The identities ``holder.attribute`` names (one name, or a list of names)."""
        found = self.index.related(holder, attribute, identity_type)
        if found:
            return found
        value = holder.get(attribute)
        names = value if isinstance(value, list) else [value]
        wanted = {n for n in names if isinstance(n, str)}
        if not wanted:
            return []
        return [
            r
            for r in self.index.planned(identity_type)
            if r.get("name") in wanted or r.get("arn") in wanted or r.get("id") in wanted
        ]

    # -- policy sources ------------------------------------------------------------------

    def _inline(
        self, holder: Resource, value: Any, source: str, note: str = "inline policy"
    ) -> PolicySource:
        document, marker = resolve_policy(self.index, holder, value)
        if document is not None:
            return PolicySource("identity", source, document, note)
        if marker is not None:
            return PolicySource(
                "identity", source, marker, "policy document known only after apply"
            )
        return PolicySource("identity", source, None, "unresolved: not a policy document")

    def _declared_on_identity(self, resource: Resource) -> Iterable[PolicySource]:
        """``inline_policy`` blocks and ``managed_policy_arns`` set on the identity itself.

        When the configuration does not set them, the plan's values are the provider's read
        back of separate policy resources (and of the prior state): they are skipped, the
        separate resources count instead.
        """
        configured = resource.configured
        if configured is None or "inline_policy" in configured:
            blocks = resource.get("inline_policy")
            for position, block in enumerate(blocks if isinstance(blocks, list) else []):
                if isinstance(block, dict) and block.get("policy"):
                    yield self._inline(
                        resource,
                        block.get("policy"),
                        f"{resource.address}.inline_policy[{position}]",
                    )
        if configured is None or "managed_policy_arns" in configured:
            arns = resource.get("managed_policy_arns")
            for position, arn in enumerate(arns if isinstance(arns, list) else []):
                yield self._by_arn(arn, f"{resource.address}.managed_policy_arns[{position}]")

    def _attached(self, holder: Resource, attribute: str) -> PolicySource:
        """The policy an attachment's ``policy_arn`` names."""
        policies = self.index.related(holder, attribute, "aws_iam_policy")
        if len(policies) == 1:
            return self._customer(policies[0])
        return self._by_arn(holder.get(attribute), holder.address)

    def _customer(self, policy: Resource) -> PolicySource:
        cached = self._policy_docs.get(policy.address)
        if cached is None:
            cached = self._inline(
                policy, policy.get("policy"), policy.address, "customer managed policy"
            )
            self._policy_docs[policy.address] = cached
        return cached

    def _by_arn(self, arn: Any, source: str, kind: PolicyKind = "identity") -> PolicySource:
        if isinstance(arn, Unknown):
            return PolicySource(kind, source, arn, "policy ARN known only after apply")
        if not isinstance(arn, str):
            return PolicySource(kind, source, None, "unresolved: no policy ARN")
        if ":aws:policy/" in arn:
            document = managed_policy(arn)
            name = managed_policy_name(arn) or arn.rsplit("/", 1)[-1]
            if document is None:
                return PolicySource(
                    kind,
                    f"aws-managed:{arn}",
                    None,
                    f"unresolved: AWS managed policy {name} is not in the packaged catalog",
                )
            return PolicySource(kind, f"aws-managed:{arn}", document, f"AWS managed policy {name}")
        name = arn.rsplit("/", 1)[-1]
        for policy in self.index.planned("aws_iam_policy"):
            if policy.get("arn") == arn or policy.get("name") == name:
                found = self._customer(policy)
                return PolicySource(kind, found.source, found.document, found.note)
        return PolicySource(
            kind,
            source,
            None,
            f"unresolved: customer managed policy {arn} is not in the inputs",
        )

    def _boundary(self, resource: Resource) -> PolicySource | None:
        value = resource.get("permissions_boundary")
        if value is None or value == "":
            return None
        policies = self.index.related(resource, "permissions_boundary", "aws_iam_policy")
        if len(policies) == 1:
            found = self._customer(policies[0])
            return PolicySource("boundary", found.source, found.document, found.note)
        return self._by_arn(value, f"{resource.address}.permissions_boundary", "boundary")


def find_identity(identities: Sequence[AwsIdentity], query: str) -> AwsIdentity | None:
    """The identity a user named: Terraform address, configuration address, IAM name, ARN or
    graph node id."""
    for identity in identities:
        if query in (identity.address, identity.node_id, identity.name, identity.arn):
            return identity
    matches = [i for i in identities if i.resource.config_address == query]
    return matches[0] if len(matches) == 1 else None
