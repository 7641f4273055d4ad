"""Three-valued attribute values: known, :class:`Unknown` (known only after apply) and
:class:`Sensitive` (masked at load time so that nothing downstream can print it).

Attribute trees inside a :class:`~iacguard.model.resource.Resource` are plain JSON values
(``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``) in which any node may be
replaced by an :class:`Unknown` or a :class:`Sensitive` marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

#: A path into an attribute tree: keys of objects and indexes of lists.
AttributePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value Terraform will only know after apply.

    ``references`` and ``sources`` say what will produce it, so an answer that depends on it can
    say *why* it is Maybe instead of guessing.
    """

    references: tuple[str, ...] = ()
    """Absolute configuration references of the expression that sets the attribute, as
    Terraform records them (``module.iam.aws_iam_openid_connect_provider.eks.arn``), most
    specific first. Empty when the provider computes the value itself (``arn``, ``id``)."""

    sources: tuple[str, ...] = ()
    """Resource addresses (configuration addresses, without instance keys) that produce the
    value, found by following input variables, module outputs and data sources through the
    plan's ``configuration``. Root input variables and locals appear as ``var.x`` / ``local.y``
    when they cannot be followed further."""

    origins: tuple[str, ...] = ()
    """Like ``sources``, but data sources are followed to the managed resources (or root
    variables) whose unknown values make them unknown: the resources that must be created
    before the value can be known."""

    sensitive: bool = False
    """Terraform also marks the value sensitive; it will be masked once known."""

    def __repr__(self) -> str:
        return "(known after apply)"

    def describe(self) -> str:
        """A short human explanation of where the value will come from."""
        if self.sources:
            text = "known after apply, from " + ", ".join(self.sources)
            extra = [o for o in self.origins if o not in self.sources]
            return text + (" (which depends on " + ", ".join(extra) + ")" if extra else "")
        if self.references:
            return "known after apply, from " + ", ".join(self.references)
        return "computed by the provider after apply"


@dataclass(frozen=True, slots=True)
class Sensitive:
    """A value that was masked at load time. It never holds the original value."""

    reason: str
    """Why it was masked: ``marked sensitive by Terraform`` or ``looks like a credential
    (kind)``."""

    def __repr__(self) -> str:
        return "(sensitive)"

    def __str__(self) -> str:
        return "(sensitive)"


class Tristate(Enum):
    """The answer to every question iacguard asks: Yes, Maybe or No.

    The value is the word used in JSON reports for permissions and paths.
    """

    YES = "allowed"
    MAYBE = "unknown"
    NO = "denied"

    @property
    def label(self) -> str:
        """The human word: Yes, Maybe or No."""
        return {"allowed": "Yes", "unknown": "Maybe", "denied": "No"}[self.value]


def get_path(tree: Any, path: AttributePath) -> Any:
    """Return the node of ``tree`` at ``path``.

    Walking into an :class:`Unknown` or :class:`Sensitive` node returns that node (a part of an
    unknown value is unknown). A missing key or index returns ``None``.
    """
    node = tree
    for step in path:
        if isinstance(node, Unknown | Sensitive):
            return node
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, dict):
                return None
            node = node.get(step)
    return node


def iter_markers(tree: Any, prefix: AttributePath = ()) -> Iterator[tuple[AttributePath, Any]]:
    """Yield ``(path, marker)`` for every :class:`Unknown` and :class:`Sensitive` node."""
    if isinstance(tree, Unknown | Sensitive):
        yield prefix, tree
    elif isinstance(tree, dict):
        for key in sorted(tree):
            yield from iter_markers(tree[key], (*prefix, key))
    elif isinstance(tree, list):
        for index, item in enumerate(tree):
            yield from iter_markers(item, (*prefix, index))


def format_path(path: AttributePath) -> str:
    """Render an attribute path the way Terraform users write it: ``metadata[0].name``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif not _IDENTIFIER.match(step):
            out += "[" + json.dumps(step) + "]"
        else:
            out += f".{step}" if out else step
    return out


def to_jsonable(tree: Any) -> Any:
    """Return ``tree`` with markers replaced by JSON-safe placeholders.

    :class:`Sensitive` becomes the string ``"(sensitive)"`` and :class:`Unknown` the string
    ``"(known after apply)"``, so a report can show attribute trees without ever holding a
    secret.
    """
    if isinstance(tree, Unknown | Sensitive):
        return repr(tree)
    if isinstance(tree, dict):
        return {key: to_jsonable(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [to_jsonable(item) for item in tree]
    return tree
