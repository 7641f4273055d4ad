"""The normalised model every loader produces: resources with three-valued attributes."""

from iacguard.model.document import InputDocument, InputKind
from iacguard.model.resource import (
    ACTION_ORDER,
    Action,
    ProviderFamily,
    Resource,
    SkippedResource,
    SourceLocation,
)
from iacguard.model.values import AttributePath, Sensitive, Tristate, Unknown

__all__ = [
    "ACTION_ORDER",
    "Action",
    "AttributePath",
    "InputDocument",
    "InputKind",
    "ProviderFamily",
    "Resource",
    "Sensitive",
    "SkippedResource",
    "SourceLocation",
    "Tristate",
    "Unknown",
]
