"""The framework catalog: look up, validate and resolve control references.

The catalog is read from the packaged ``catalog.yaml`` once per process
(:func:`load_catalog`). Lookups are lenient about spelling, never about meaning: case,
separators (``-``, ``_``, spaces) and leading zeros in numbers are ignored (``pr.aa-5`` is
``PR.AA-05``, ``NHI05`` is ``NHI5``), but an id that is not current, such as NIST CSF 1.1's
``PR.AC-4``, is only ever resolved through a crosswalk, and said so.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from iacguard.frameworks.model import Control, Framework, FrameworkError, Resolution
from iacguard.frameworks.schema import CatalogFile, CrosswalkEntry, MappingEntry

_SEPARATORS = re.compile(r"[\s_-]+")
_LEADING_ZEROS = re.compile(r"(?<!\d)0+(?=\d)")

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _id_key(text: str) -> str:
    """The form control ids are compared in: upper case, no separators, no leading zeros."""
    return _LEADING_ZEROS.sub("", _SEPARATORS.sub("", text.strip().upper()))


def _title_key(text: str) -> str:
    """The form titles are compared in: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


def _join(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _close(word: str, candidates: Iterable[str]) -> list[str]:
    """Candidates that look like ``word``, best first, compared case-insensitively."""
    by_upper: dict[str, str] = {}
    for candidate in candidates:
        by_upper.setdefault(candidate.upper(), candidate)
    matches = difflib.get_close_matches(word.strip().upper(), by_upper, n=5, cutoff=0.6)
    return [by_upper[m] for m in matches]


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    matches = _close(word, candidates)
    return f"; close matches: {', '.join(matches)}" if matches else ""


@dataclass(frozen=True, slots=True)
class _Family:
    """Versioned frameworks referenced together by control key (CIS AWS Foundations)."""

    id: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Legacy:
    """A legacy (or non-existent) id or title, and the current controls it stands for."""

    crosswalk: str
    source: str
    name: str
    controls: tuple[Control, ...]
    via: str


class Catalog:
    """Frameworks, their controls and the crosswalks between them, indexed for lookup.

    Build it with :func:`load_catalog` (the packaged catalog) or :meth:`from_mapping`.
    """

    __slots__ = (
        "_by_framework",
        "_families",
        "_framework_names",
        "_frameworks",
        "_ids",
        "_keys",
        "_legacy_ids",
        "_legacy_sources",
        "_legacy_titles",
        "_rank",
        "_related",
        "_suffixes",
        "_titles",
        "_version",
    )

    def __init__(self, data: CatalogFile) -> None:
        """Index ``data`` (already shape-checked) and check that its references agree.

        Raises:
            FrameworkError: duplicate ids, or a family or crosswalk naming something unknown.
        """
        self._version = data.catalog_version
        self._frameworks: dict[str, Framework] = {}
        self._by_framework: dict[str, dict[str, Control]] = {}
        self._keys: dict[str, list[Control]] = {}
        self._ids: dict[str, list[Control]] = {}
        self._titles: dict[str, list[Control]] = {}
        self._rank: dict[tuple[str, str], int] = {}
        self._suffixes: dict[str, list[str]] = {}
        self._families: dict[str, _Family] = {}
        self._legacy_ids: dict[str, _Legacy] = {}
        self._legacy_titles: dict[str, _Legacy] = {}
        self._legacy_sources: dict[str, CrosswalkEntry] = {}
        self._related: dict[tuple[str, str], list[Control]] = {}
        self._framework_names: dict[str, str] = {}
        self._build_frameworks(data)
        self._build_families(data)
        for crosswalk in data.crosswalks:
            if crosswalk.kind == "related":
                self._add_related(crosswalk)
            else:
                self._add_legacy(crosswalk)
        for related in self._related.values():
            related.sort(key=self._order)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Catalog:
        """Build a catalog from the parsed contents of a catalog file.

        Raises:
            FrameworkError: the data is not a well-formed, self-consistent catalog.
        """
        try:
            parsed = CatalogFile.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise FrameworkError(f"framework catalog is malformed: {problems}") from None
        return cls(parsed)

    # -- building ---------------------------------------------------------------------------

    def _build_frameworks(self, data: CatalogFile) -> None:
        for entry in data.frameworks:
            if entry.id in self._frameworks:
                raise FrameworkError(f"framework catalog: duplicate framework id {entry.id!r}")
            controls: dict[str, Control] = {}
            normalised: dict[str, Control] = {}
            for raw in entry.controls:
                control = Control(
                    id=raw.id,
                    title=raw.title,
                    framework=entry.id,
                    key=raw.key,
                    legacy_title=raw.legacy_title,
                    alt_titles=raw.alt_titles,
                    parent=raw.subtechnique_of,
                    tactics=raw.tactics,
                    confidence=raw.confidence,
                )
                norm = _id_key(raw.id)
                if norm in normalised:
                    raise FrameworkError(
                        f"framework catalog: {entry.id} has controls {normalised[norm].id!r} "
                        f"and {raw.id!r}, which read the same"
                    )
                if raw.key is not None:
                    if raw.key in normalised:
                        raise FrameworkError(
                            f"framework catalog: {entry.id} uses key {raw.key!r} twice"
                        )
                    normalised[raw.key] = control
                    self._keys.setdefault(raw.key, []).append(control)
                normalised[norm] = control
                controls[raw.id] = control
                self._rank[entry.id, raw.id] = len(self._rank)
                self._ids.setdefault(norm, []).append(control)
                for title in (raw.title, *raw.alt_titles):
                    self._titles.setdefault(_title_key(title), []).append(control)
            for control in controls.values():
                if control.parent is not None and control.parent not in controls:
                    raise FrameworkError(
                        f"framework catalog: {entry.id} {control.id} is a sub-technique of "
                        f"{control.parent!r}, which the framework does not have"
                    )
            self._frameworks[entry.id] = Framework(
                id=entry.id,
                name=entry.name,
                version=entry.version,
                url=entry.url,
                source=entry.source,
                controls=MappingProxyType(controls),
                notes=entry.notes,
                id_format=entry.id_format,
                family=entry.family,
            )
            self._by_framework[entry.id] = normalised
            self._framework_names[entry.id.casefold()] = entry.id
            if entry.id_format is not None and ":" in entry.id_format:
                suffix = entry.id_format.rsplit(":", 1)[1].casefold()
                self._suffixes.setdefault(suffix, []).append(entry.id)

    def _build_families(self, data: CatalogFile) -> None:
        for entry in data.families:
            if entry.id in self._frameworks or entry.id in self._families:
                raise FrameworkError(f"framework catalog: family id {entry.id!r} is taken")
            for member in entry.members:
                framework = self._frameworks.get(member)
                if framework is None or framework.family != entry.id:
                    raise FrameworkError(
                        f"framework catalog: family {entry.id} lists {member!r}, which is not "
                        f"a framework of that family"
                    )
            self._families[entry.id] = _Family(entry.id, entry.name, entry.members)
        for framework in self._frameworks.values():
            if framework.family is not None and framework.family not in self._families:
                raise FrameworkError(
                    f"framework catalog: {framework.id} names unknown family {framework.family!r}"
                )
            if framework.family is not None and any(
                c.key is None for c in framework.controls.values()
            ):
                raise FrameworkError(
                    f"framework catalog: every control of {framework.id} needs a key"
                )

    def _targets(self, crosswalk: CrosswalkEntry, mapping: MappingEntry) -> tuple[Control, ...]:
        """The controls a mapping points to, each found in exactly one target framework."""
        targets: list[Control] = []
        for control_id in mapping.to:
            found = [
                self._frameworks[f].controls[control_id]
                for f in crosswalk.to
                if control_id in self._frameworks[f].controls
            ]
            if len(found) != 1:
                raise FrameworkError(
                    f"framework catalog: crosswalk {crosswalk.id} maps {mapping.from_} to "
                    f"{control_id!r}, found in {len(found)} of {', '.join(crosswalk.to)}"
                )
            targets.append(found[0])
        return tuple(targets)

    def _check_ends(self, crosswalk: CrosswalkEntry) -> None:
        for framework_id in crosswalk.to:
            if framework_id not in self._frameworks:
                raise FrameworkError(
                    f"framework catalog: crosswalk {crosswalk.id} maps to unknown framework "
                    f"{framework_id!r}"
                )

    def _add_related(self, crosswalk: CrosswalkEntry) -> None:
        self._check_ends(crosswalk)
        source = self._frameworks.get(crosswalk.from_)
        if source is None:
            raise FrameworkError(
                f"framework catalog: crosswalk {crosswalk.id} maps from unknown framework "
                f"{crosswalk.from_!r}"
            )
        for mapping in crosswalk.mappings:
            origin = source.controls.get(mapping.from_)
            if origin is None:
                raise FrameworkError(
                    f"framework catalog: crosswalk {crosswalk.id} maps from {mapping.from_!r}, "
                    f"which {source.id} does not have"
                )
            for target in self._targets(crosswalk, mapping):
                forward = self._related.setdefault((origin.framework, origin.id), [])
                backward = self._related.setdefault((target.framework, target.id), [])
                if target not in forward:
                    forward.append(target)
                if origin not in backward:
                    backward.append(origin)

    def _add_legacy(self, crosswalk: CrosswalkEntry) -> None:
        self._check_ends(crosswalk)
        if crosswalk.from_ in self._frameworks or crosswalk.from_ in self._families:
            raise FrameworkError(
                f"framework catalog: legacy crosswalk {crosswalk.id} maps from current "
                f"framework {crosswalk.from_!r}"
            )
        if crosswalk.from_name is None or crosswalk.to_name is None:
            raise FrameworkError(
                f"framework catalog: legacy crosswalk {crosswalk.id} needs from_name and to_name"
            )
        self._legacy_sources[crosswalk.from_.casefold()] = crosswalk
        for mapping in crosswalk.mappings:
            targets = self._targets(crosswalk, mapping)
            legacy = _Legacy(
                crosswalk=crosswalk.id,
                source=crosswalk.from_,
                name=mapping.from_,
                controls=targets,
                via=self._via(crosswalk, mapping, targets),
            )
            if crosswalk.match == "title":
                if len(targets) != 1 or targets[0].legacy_title != mapping.from_:
                    raise FrameworkError(
                        f"framework catalog: crosswalk {crosswalk.id} maps title "
                        f"{mapping.from_!r}, which is not the legacy title of {mapping.to[0]}"
                    )
                index, norm = self._legacy_titles, _title_key(mapping.from_)
            else:
                index, norm = self._legacy_ids, _id_key(mapping.from_)
                if any(c.framework in crosswalk.to for c in self._ids.get(norm, ())):
                    raise FrameworkError(
                        f"framework catalog: crosswalk {crosswalk.id} maps {mapping.from_!r}, "
                        f"which is a current id"
                    )
            if norm in index:
                raise FrameworkError(
                    f"framework catalog: {mapping.from_!r} is mapped by crosswalks "
                    f"{index[norm].crosswalk} and {crosswalk.id}"
                )
            index[norm] = legacy

    @staticmethod
    def _via(crosswalk: CrosswalkEntry, mapping: MappingEntry, targets: tuple[Control, ...]) -> str:
        """How a legacy id or title is resolved, in one sentence naming the crosswalk."""
        ids = _join([c.id for c in targets])
        named = _join([f"{c.id} {c.title}" for c in targets])
        old, was, now = mapping.from_, crosswalk.from_name, crosswalk.to_name
        match mapping.relation:
            case "moved_to":
                text = f"{was} {old} moved to {ids} in {now}"
            case "incorporated_into":
                text = f"{was} {old} was incorporated into {ids} in {now}"
            case "moved_or_incorporated":
                text = f"{was} {old} moved to or was incorporated into {ids} in {now}"
            case "renamed":
                text = f"{was} title {old!r} is {named} in {now}"
            case "likely_intended":
                text = f"{old} is not an OWASP id; likely intended: {named} in {now}"
            case None:
                text = f"{was} {old} maps to {ids} in {now}"
        text += f" (crosswalk {crosswalk.id})"
        note = mapping.note or crosswalk.notes
        return f"{text}. {note}" if note else text

    # -- public API -------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The catalog's own version (``2026.11.1``), reported by ``iacguard version``."""
        return self._version

    @property
    def frameworks(self) -> Mapping[str, Framework]:
        """Framework id → framework, in catalog order (read-only)."""
        return MappingProxyType(self._frameworks)

    @property
    def families(self) -> Mapping[str, tuple[str, ...]]:
        """Family id → ids of its versioned frameworks (``cis-aws-foundations``)."""
        return MappingProxyType({f.id: f.members for f in self._families.values()})

    def control(self, framework_id: str, control_id: str) -> Control:
        """The current control ``control_id`` of framework ``framework_id``.

        Accepts the id in any case, with or without separators and leading zeros, with the
        framework's edition suffix (``NHI5:2025``), or by key for a versioned framework
        (``admin-wildcard`` in ``cis-aws-foundations-7.0.0``).

        Raises:
            FrameworkError: the framework is unknown (close matches named), the control is
                unknown (close matches named), or the id is a legacy one (its current
                replacement named).
        """
        framework = self._framework(framework_id)
        found = self._find_in(framework, control_id)
        if found is None:
            raise FrameworkError(self._why_not_in(framework, control_id))
        return found

    def validate_references(
        self, references: Mapping[str, Sequence[str]]
    ) -> dict[str, tuple[str, ...]]:
        """Check a framework id → control ids mapping (a check's metadata) and normalise it.

        Ids come back as the catalog writes them, without duplicates, frameworks and controls
        in catalog order. CIS AWS Foundations may be given by key under the family id
        ``cis-aws-foundations``: each key expands to its number in every versioned framework
        that has it.

        Raises:
            FrameworkError: naming every unknown framework, unknown or legacy control id.
        """
        chosen: dict[str, set[str]] = {}
        problems: list[str] = []
        for framework_id, control_ids in references.items():
            if isinstance(control_ids, str):
                problems.append(
                    f"{framework_id}: give a list of control ids, not the string {control_ids!r}"
                )
                continue
            family = self._families.get(framework_id.strip().casefold())
            if family is not None:
                for control_id in control_ids:
                    expanded = self._expand_key(family, control_id)
                    if isinstance(expanded, str):
                        problems.append(expanded)
                        continue
                    for control in expanded:
                        chosen.setdefault(control.framework, set()).add(control.id)
                continue
            try:
                framework = self._framework(framework_id)
            except FrameworkError as exc:
                problems.append(str(exc))
                continue
            for control_id in control_ids:
                found = self._find_in(framework, control_id)
                if found is None:
                    problems.append(self._why_not_in(framework, control_id))
                else:
                    chosen.setdefault(framework.id, set()).add(found.id)
        if problems:
            raise FrameworkError("; ".join(problems))
        return {
            framework_id: tuple(c for c in framework.controls if c in chosen[framework_id])
            for framework_id, framework in self._frameworks.items()
            if chosen.get(framework_id)
        }

    def resolve(self, query: str) -> Resolution:
        """What a control reference typed by a user means.

        Accepts a bare id (``PR.AA-05``, ``ASI03``, ``AML.T0010``, ``5.1.3``), one qualified by
        a framework (``nist-csf-2.0:PR.AA-05``, ``cis-aws-foundations-7.0.0:2.14``) or by an
        edition (``NHI5:2025``), a CIS AWS key (``admin-wildcard``, every version's control),
        a title, and legacy or non-existent ids and titles that a crosswalk maps
        (``PR.AC-4``, ``AGENT-03``, ``ML Supply Chain Compromise``). A bare id found in several
        frameworks (``1.16``) resolves to every match.

        Raises:
            FrameworkError: nothing in the catalog matches (close matches named).
        """
        text = query.strip()
        if not text:
            raise FrameworkError("empty control reference")
        if ":" in text:
            left, _, right = (part.strip() for part in text.partition(":"))
            scoped = self._resolve_scoped(query, left, right)
            if scoped is not None:
                return scoped
        found = self._lookup(query, text, None)
        if found is not None:
            return found
        candidates = [c.id for f in self._frameworks.values() for c in f.controls.values()]
        hint = _did_you_mean(text, [*candidates, *self._keys])
        if ":" in text:
            left, _, right = (part.strip() for part in text.partition(":"))
            editions = ", ".join(sorted(self._suffixes))
            hint = (
                f": {left!r} is not a framework id and {right!r} is not an edition "
                f"(editions: {editions})"
                + _did_you_mean(left, [*self._all_framework_names(), *candidates])
            )
        raise FrameworkError(f"nothing in the framework catalog matches {text!r}{hint}")

    def crosswalk(self, framework_id: str, control_id: str) -> list[Control]:
        """Controls of other frameworks related to this one, for display, in catalog order.

        Follows the catalog's crosswalks in both directions, one step (``NHI5`` → ``ASI03``;
        ``ASI03`` → ``LLM01``, ``LLM02``, ``LLM06``, ``T3`` and back to the NHI risks mapped to
        it), and links a versioned control to the same key in the family's other versions.

        Raises:
            FrameworkError: as :meth:`control`.
        """
        control = self.control(framework_id, control_id)
        related = list(self._related.get((control.framework, control.id), ()))
        family = self._frameworks[control.framework].family
        if family is not None and control.key is not None:
            related.extend(c for c in self._keys[control.key] if c.framework != control.framework)
        return sorted(related, key=self._order)

    # -- lookups ----------------------------------------------------------------------------

    def _order(self, control: Control) -> int:
        return self._rank[control.framework, control.id]

    def _all_framework_names(self) -> list[str]:
        return [*self._frameworks, *self._families]

    def _framework(self, framework_id: str) -> Framework:
        """The framework named ``framework_id`` (any case), or an error saying what it is."""
        name = framework_id.strip().casefold()
        found = self._framework_names.get(name)
        if found is not None:
            return self._frameworks[found]
        family = self._families.get(name)
        if family is not None:
            raise FrameworkError(
                f"{family.id} is versioned: name one of {', '.join(family.members)} "
                f"(check references may give controls by key under {family.id!r})"
            )
        legacy = self._legacy_sources.get(name)
        if legacy is not None:
            raise FrameworkError(
                f"{legacy.from_} is not a current framework: crosswalk {legacy.id} maps its "
                f"ids to {_join(list(legacy.to))}; use those"
            )
        raise FrameworkError(
            f"unknown framework {framework_id!r}"
            + (
                _did_you_mean(framework_id, self._all_framework_names())
                or f"; known: {', '.join(self._all_framework_names())}"
            )
        )

    def _strip_edition(self, framework: Framework, text: str) -> str:
        """``NHI5:2025`` → ``NHI5`` for the framework whose ids carry that edition."""
        head, sep, tail = text.rpartition(":")
        if sep and framework.id in self._suffixes.get(tail.strip().casefold(), ()):
            return head
        return text

    def _find_in(self, framework: Framework, control_id: str) -> Control | None:
        text = self._strip_edition(framework, control_id.strip())
        index = self._by_framework[framework.id]
        return index.get(_id_key(text)) or index.get(text.casefold())

    def _why_not_in(self, framework: Framework, control_id: str) -> str:
        """Why ``control_id`` is not a control of ``framework``, and what to use instead."""
        text = control_id.strip()
        where = f"{framework.id}: {text!r}"
        legacy = self._legacy_ids.get(_id_key(text)) or self._legacy_titles.get(_title_key(text))
        if legacy is not None:
            current = _join([c.id for c in legacy.controls])
            via = legacy.via.rstrip(".")
            if all(c.framework == framework.id for c in legacy.controls):
                return f"{where} is not a current control: {via}; use {current}"
            owners = _join(sorted({c.framework for c in legacy.controls}))
            return f"{where} is not a control of {framework.id}: {via}; see {owners}"
        head, sep, tail = text.rpartition(":")
        if sep and self._find_in(framework, head) is not None:
            return f"{where} names edition {tail!r}; {framework.id} ids read {framework.id_format}"
        keyed = self._keys.get(text.casefold())
        if keyed:
            where_else = ", ".join(f"{c.id} in {c.framework}" for c in keyed)
            return f"{where}: this version has no control with that key (it is {where_else})"
        elsewhere = sorted({c.framework for c in self._ids.get(_id_key(text), ())})
        if elsewhere:
            return (
                f"{where} is not a control of {framework.id}; it is a control of {_join(elsewhere)}"
            )
        candidates = [*framework.controls]
        candidates.extend(c.key for c in framework.controls.values() if c.key is not None)
        return f"{where} is not a control of {framework.id}" + _did_you_mean(text, candidates)

    def _expand_key(self, family: _Family, control_id: str) -> list[Control] | str:
        """Every version's control for a CIS key, or a message saying why there is none."""
        key = control_id.strip().casefold()
        found = [c for c in self._keys.get(key, ()) if c.framework in family.members]
        if found:
            return found
        numbered = [
            c for c in self._ids.get(_id_key(control_id), ()) if c.framework in family.members
        ]
        if numbered:
            means = "; ".join(f"{c.framework} {c.id} is {c.key}" for c in numbered)
            return (
                f"{family.id}: {control_id!r} is a version-specific number ({means}); give the "
                f"key, or use a versioned framework id"
            )
        keys = sorted(
            {
                c.key
                for m in family.members
                for c in self._frameworks[m].controls.values()
                if c.key is not None
            }
        )
        return f"{family.id}: unknown key {control_id!r}" + (
            _did_you_mean(control_id, keys) or f"; known keys: {', '.join(keys)}"
        )

    def _lookup(self, query: str, text: str, scope: frozenset[str] | None) -> Resolution | None:
        """Resolve ``text`` among the controls of ``scope`` (every framework when None)."""

        def keep(controls: Iterable[Control]) -> tuple[Control, ...]:
            return tuple(c for c in controls if scope is None or c.framework in scope)

        norm = _id_key(text)
        found = keep(self._ids.get(norm, ())) or keep(self._keys.get(text.casefold(), ()))
        if found:
            return Resolution(query=query, controls=found, via=None)
        legacy = self._legacy_ids.get(norm)
        if legacy is not None and keep(legacy.controls):
            return Resolution(query=query, controls=legacy.controls, via=legacy.via)
        title = _title_key(text)
        found = keep(self._titles.get(title, ()))
        if found:
            return Resolution(query=query, controls=found, via=None)
        legacy = self._legacy_titles.get(title)
        if legacy is not None and keep(legacy.controls):
            return Resolution(query=query, controls=legacy.controls, via=legacy.via)
        return None

    def _resolve_scoped(self, query: str, left: str, right: str) -> Resolution | None:
        """Resolve ``framework:control``, ``family:key`` or ``control:edition``."""
        name = left.casefold()
        framework_id = self._framework_names.get(name)
        if framework_id is not None:
            found = self._lookup(query, right, frozenset({framework_id}))
            if found is None:
                raise FrameworkError(self._why_not_in(self._frameworks[framework_id], right))
            return found
        family = self._families.get(name)
        if family is not None:
            found = self._lookup(query, right, frozenset(family.members))
            if found is None:
                expanded = self._expand_key(family, right)
                raise FrameworkError(expanded if isinstance(expanded, str) else family.id)
            return found
        source = self._legacy_sources.get(name)
        if source is not None:
            legacy = self._legacy_ids.get(_id_key(right))
            if legacy is None or legacy.crosswalk != source.id:
                known = _join([m.from_ for m in source.mappings])
                raise FrameworkError(
                    f"{source.from_} is not a current framework and crosswalk {source.id} does "
                    f"not map {right!r} (it maps {known})"
                )
            return Resolution(query=query, controls=legacy.controls, via=legacy.via)
        editions = self._suffixes.get(right.casefold())
        if editions is not None:
            found = self._lookup(query, left, frozenset(editions))
            if found is None:
                raise FrameworkError(
                    f"no control {left!r} in edition {right} ({_join(editions)})"
                    + _did_you_mean(
                        left, [c for f in editions for c in self._frameworks[f].controls]
                    )
                )
            return found
        return None


@cache
def load_catalog() -> Catalog:
    """The packaged framework catalog, read and checked once per process.

    Raises:
        FrameworkError: the packaged file is missing or malformed (a packaging bug).
    """
    resource = files("iacguard.frameworks").joinpath("catalog.yaml")
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise FrameworkError(f"the packaged framework catalog cannot be read: {exc}") from None
    data = yaml.load(text, Loader=_SafeLoader)
    if not isinstance(data, dict):
        raise FrameworkError("the packaged framework catalog is not a YAML mapping")
    return Catalog.from_mapping(data)
