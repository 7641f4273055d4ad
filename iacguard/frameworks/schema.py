"""The structure of the packaged ``catalog.yaml``, checked when it is loaded.

These models only check the file's shape; :mod:`iacguard.frameworks.catalog` checks what the
shape cannot express (unique ids, crosswalks naming existing controls) while building its
indexes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ControlEntry(_Model):
    """A control as written in the file."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    key: str | None = Field(None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    legacy_title: str | None = None
    alt_titles: tuple[str, ...] = ()
    subtechnique_of: str | None = None
    tactics: tuple[str, ...] = ()
    confidence: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_is_text(cls, value: object) -> object:
        # CIS numbers such as 1.4 must be quoted in YAML, or they arrive as floats and 1.10
        # would silently become 1.1.
        if not isinstance(value, str):
            raise ValueError("control ids must be quoted strings")
        return value


class FrameworkEntry(_Model):
    """A framework as written in the file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://")
    source: str = Field(min_length=1)
    notes: str | None = None
    id_format: str | None = None
    family: str | None = None
    controls: tuple[ControlEntry, ...] = Field(min_length=1)


class FamilyEntry(_Model):
    """A family of versioned frameworks referenced together by control key."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    url: str = Field(pattern=r"^https://")
    source: str = Field(min_length=1)
    notes: str | None = None
    members: tuple[str, ...] = Field(min_length=1)


Relation = Literal[
    "moved_to", "incorporated_into", "moved_or_incorporated", "renamed", "likely_intended"
]


class MappingEntry(_Model):
    """One row of a crosswalk: a control (or legacy id or title) and what it maps to."""

    from_: str = Field(alias="from", min_length=1)
    to: tuple[str, ...] = Field(min_length=1)
    relation: Relation | None = None
    confidence: str | None = None
    from_title: str | None = None
    note: str | None = None


class CrosswalkEntry(_Model):
    """A crosswalk between frameworks, or from legacy ids or titles to current controls."""

    id: str = Field(min_length=1)
    kind: Literal["related", "legacy"]
    match: Literal["id", "title"] = "id"
    from_: str = Field(alias="from", min_length=1)
    from_name: str | None = None
    to: tuple[str, ...] = Field(min_length=1)
    to_name: str | None = None
    source: str = Field(min_length=1)
    confidence: str | None = None
    notes: str | None = None
    mappings: tuple[MappingEntry, ...] = Field(min_length=1)


class CatalogFile(_Model):
    """The whole packaged catalog file."""

    catalog_version: str = Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")
    frameworks: tuple[FrameworkEntry, ...] = Field(min_length=1)
    families: tuple[FamilyEntry, ...] = ()
    crosswalks: tuple[CrosswalkEntry, ...] = ()
