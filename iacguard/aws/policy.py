"""IAM policy documents as plans hold them: JSON strings, ``aws_iam_policy_document`` data
sources, and values known only after apply.

Only the shape is interpreted here (statements, effects, actions, resources, principals,
conditions); evaluation belongs to the resolver.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from iacguard.model.resource import Resource

if TYPE_CHECKING:
    from iacguard.engine.context import ScanIndex
from iacguard.model.values import Sensitive, Unknown


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; list-or-string fields are always tuples. ``None`` means absent."""

    effect: str
    actions: tuple[Any, ...] | None = None
    not_actions: tuple[Any, ...] | None = None
    resources: tuple[Any, ...] | None = None
    not_resources: tuple[Any, ...] | None = None
    principals: Any = None
    """``"*"`` or a mapping of principal type → tuple of identifiers."""
    not_principals: Any = None
    """``NotPrincipal``, in the same shape as ``principals``."""
    conditions: Mapping[str, Any] = field(default_factory=dict)
    sid: str | None = None
    index: int = 0

    def as_evidence(self) -> dict[str, Any]:
        """The statement as JSON, as AWS writes it, for a finding's evidence."""
        out: dict[str, Any] = {"Effect": self.effect}
        if self.sid:
            out["Sid"] = self.sid
        for key, value in (
            ("Principal", self.principals),
            ("NotPrincipal", self.not_principals),
            ("Action", self.actions),
            ("NotAction", self.not_actions),
            ("Resource", self.resources),
            ("NotResource", self.not_resources),
        ):
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        if self.conditions:
            out["Condition"] = dict(self.conditions)
        return out


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A parsed policy document."""

    statements: tuple[Statement, ...]
    version: str | None = None


class PolicyError(ValueError):
    """The text is not a policy document."""


def _strings(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(value)
    return (value,)


def _principals(value: Any) -> Any:
    if value is None or value == "*" or isinstance(value, Unknown | Sensitive):
        return value
    if isinstance(value, dict):
        return {str(k): _strings(v) or () for k, v in value.items()}
    raise PolicyError("Principal must be '*' or an object")


def parse_policy(value: Any) -> PolicyDocument | Unknown | Sensitive | None:
    """Parse a policy attribute: JSON text, an already decoded object, or a marker.

    Returns ``None`` for an absent or empty policy, the marker itself for an unknown or masked
    value, and raises :class:`PolicyError` for text that is not a policy document.
    """
    if value is None or value == "":
        return None
    if isinstance(value, Unknown | Sensitive):
        return value
    document = value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"not JSON: {exc.msg}") from None
    if not isinstance(document, dict):
        raise PolicyError("a policy document is a JSON object")
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError("Statement must be an object or a list")
    statements = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise PolicyError(f"Statement[{index}] is not an object")
        statements.append(
            Statement(
                effect=str(item.get("Effect", "")),
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                principals=_principals(item.get("Principal")),
                not_principals=_principals(item.get("NotPrincipal")),
                conditions=item.get("Condition") or {},
                sid=item.get("Sid") if isinstance(item.get("Sid"), str) else None,
                index=index,
            )
        )
    version = document.get("Version")
    return PolicyDocument(tuple(statements), version if isinstance(version, str) else None)


#: Marks a condition key known only after apply (``"${replace(oidc.url, "https://", "")}:sub"``).
UNKNOWN_KEY_PREFIX = "(known after apply"


def condition_key(variable: Any, position: int) -> str:
    """A condition block's key; an unknown one names what it comes from and stays distinct.

    IRSA trust policies build their keys from the OIDC provider's URL, known only after apply;
    two such keys under one operator must not collapse into one.
    """
    if isinstance(variable, str):
        return variable
    if isinstance(variable, Unknown):
        origin = ", ".join(variable.origins or variable.sources or variable.references)
        return f"{UNKNOWN_KEY_PREFIX}: {origin or 'computed'} #{position})"
    return f"{UNKNOWN_KEY_PREFIX} #{position})"


def _principal_blocks(entries: Any) -> dict[str, tuple[Any, ...]] | None:
    """``principals`` / ``not_principals`` blocks as a Principal mapping (type → ids)."""
    found: dict[str, tuple[Any, ...]] | None = None
    for entry in entries or ():
        if isinstance(entry, dict):
            found = found or {}
            found[str(entry.get("type"))] = tuple(entry.get("identifiers") or ())
    return found


def statements_of_policy_document_data(resource: Resource) -> PolicyDocument | None:
    """The statements of an ``aws_iam_policy_document`` data source from its blocks.

    Terraform plans hold the ``statement`` blocks of the data source even when its rendered
    ``json`` is only known after apply (an IRSA trust policy referencing an OIDC provider not
    yet created): the parts known now can be read from the blocks, unknown ones stay Unknown.
    """
    if resource.type != "aws_iam_policy_document":
        return None
    blocks = resource.get("statement")
    if not isinstance(blocks, list):
        return None
    statements = []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        principals = _principal_blocks(block.get("principals"))
        not_principals = _principal_blocks(block.get("not_principals"))
        conditions: dict[str, Any] = {}
        for position, entry in enumerate(block.get("condition") or ()):
            if isinstance(entry, dict):
                test = str(entry.get("test"))
                key = condition_key(entry.get("variable"), position)
                conditions.setdefault(test, {})[key] = list(entry.get("values") or ())
        statements.append(
            Statement(
                effect=str(block.get("effect") or "Allow"),
                actions=_strings(block.get("actions")),
                not_actions=_strings(block.get("not_actions")),
                resources=_strings(block.get("resources")),
                not_resources=_strings(block.get("not_resources")),
                principals=principals,
                not_principals=not_principals,
                conditions=conditions,
                sid=block.get("sid") if isinstance(block.get("sid"), str) else None,
                index=index,
            )
        )
    return PolicyDocument(tuple(statements))


def resolve_policy(
    index: ScanIndex, resource: Resource, value: Any
) -> tuple[PolicyDocument | None, Unknown | Sensitive | None]:
    """A policy attribute's document, following an unknown value to its data source.

    Returns ``(document, None)`` when the policy can be read (from its JSON, or from the
    ``statement`` blocks of the ``aws_iam_policy_document`` that will render it), and
    ``(None, marker)`` when it cannot be known before apply or is masked.
    """
    try:
        parsed = parse_policy(value)
    except PolicyError:
        return None, None
    if isinstance(parsed, Unknown):
        documents = []
        for source in parsed.sources:
            candidates = [
                data
                for data in index.by_config_address(source)
                if data.type == "aws_iam_policy_document"
            ]
            # Inside a module instance, the data source of that same instance renders it.
            same = [d for d in candidates if d.module_address == resource.module_address]
            if same:
                candidates = same
            if len(candidates) == 1:
                document = statements_of_policy_document_data(candidates[0])
                if document is not None:
                    documents.append(document)
        if len(documents) == 1:
            return documents[0], None
        return None, parsed
    if isinstance(parsed, Sensitive):
        return None, parsed
    return parsed, None
