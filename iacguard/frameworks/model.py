"""Value objects of the framework catalog: frameworks, their controls, and resolved queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iacguard.errors import IacguardError


class FrameworkError(IacguardError):
    """A framework or control reference is unknown, legacy or ambiguous.

    The message names what is wrong and, when the catalog knows it, what to use instead (the
    current control replacing a legacy id, or close matches of a mistyped one).
    """


@dataclass(frozen=True, slots=True)
class Control:
    """One control (requirement, risk, technique) of a framework."""

    id: str
    """The control's id as the framework writes it (``PR.AA-05``, ``NHI5``, ``2.14``)."""
    title: str
    """The framework's official title, exactly as published."""
    framework: str
    """Id of the framework the control belongs to (``nist-csf-2.0``)."""
    key: str | None = None
    """Stable slug across versions of a versioned benchmark (CIS AWS: ``admin-wildcard``)."""
    legacy_title: str | None = None
    """The title an older release used (MITRE ATLAS before the ML → AI renames)."""
    alt_titles: tuple[str, ...] = ()
    """Other spellings of the title found in official material (``&`` for ``and``)."""
    parent: str | None = None
    """Id of the parent control of a sub-technique (MITRE ATLAS ``AML.T0010`` of ``.001``)."""
    tactics: tuple[str, ...] = ()
    """MITRE ATLAS tactic ids a technique serves (``AML.TA0013``)."""
    confidence: str | None = None
    """Caveat on the id or title when the catalog's source is secondary."""


@dataclass(frozen=True, slots=True)
class Framework:
    """A framework findings are mapped to, with its controls in catalog order."""

    id: str
    """Stable id used in check metadata and reports (``owasp-nhi-2025``)."""
    name: str
    """The framework's published name."""
    version: str
    """The release the controls come from, as published (``2.0 (CSWP 29, 2024-02-26)``)."""
    url: str
    """Where the framework is published."""
    source: str
    """Where the catalog's ids and titles were taken from."""
    controls: Mapping[str, Control]
    """Control id → control, in catalog order (read-only)."""
    notes: str | None = None
    """Caveats about the framework or the subset the catalog holds."""
    id_format: str | None = None
    """How the framework writes a qualified id (``NHI{n}:2025``), when it has such a form."""
    family: str | None = None
    """Id of the family a versioned framework belongs to (``cis-aws-foundations``)."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a control reference typed by a user means in the current catalog."""

    query: str
    """The reference as the user typed it."""
    controls: tuple[Control, ...]
    """The current controls it means: several for an ambiguous id, a CIS key, or a legacy id
    split across controls."""
    via: str | None
    """``None`` when the query names current controls; otherwise how a legacy or non-existent
    id or title was resolved, naming the crosswalk used."""
