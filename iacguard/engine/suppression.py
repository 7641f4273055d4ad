"""Suppressing findings: inline markers on resources, waivers in the configuration file, and
baselines. A suppressed finding is still reported, marked suppressed, with why."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from iacguard.errors import ConfigError
from iacguard.findings import Finding
from iacguard.model.address import address_matches
from iacguard.model.resource import Resource

#: Tag and label keys that carry inline suppressions (GCP labels cannot hold ``:``).
IGNORE_TAGS = ("iacguard:ignore", "iacguard-ignore", "iacguard_ignore")
#: Kubernetes annotation carrying inline suppressions.
IGNORE_ANNOTATION = "iacguard.io/ignore"

BASELINE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Waiver:
    """A configuration-file waiver: a check on resources matching a glob, with a reason."""

    check: str
    resource: str
    reason: str
    expires: date | None = None

    def expired(self, today: date) -> bool:
        """True once the expiry date has passed (a waiver is valid through its expiry day)."""
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding) -> bool:
        """True when the waiver covers the finding."""
        return address_matches(finding.check_id, self.check) and address_matches(
            finding.resource, self.resource
        )


@dataclass(frozen=True, slots=True)
class WaiverStatus:
    """How a waiver was used in a scan."""

    waiver: Waiver
    status: str
    """``active`` (suppressed findings), ``expired`` (no longer suppresses) or ``unused``."""
    findings: int
    """Findings it suppressed, or would have suppressed had it not expired."""


def inline_ignores(resource: Resource) -> tuple[str, ...]:
    """Check ids (or globs) a resource's tags, labels or annotations ask to ignore."""
    values = resource.values
    if not isinstance(values, dict):
        return ()
    found: list[str] = []
    for field in ("tags", "tags_all", "labels", "user_labels"):
        tags = values.get(field)
        if isinstance(tags, dict):
            for key in IGNORE_TAGS:
                found.extend(_split(tags.get(key)))
    metadata = values.get("metadata")
    if isinstance(metadata, list) and metadata and isinstance(metadata[0], dict):
        metadata = metadata[0]  # kubernetes_* resources of plans: a one-element block list
    if isinstance(metadata, dict):  # manifests: the object's own metadata
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            found.extend(_split(annotations.get(IGNORE_ANNOTATION)))
    return tuple(dict.fromkeys(found))


def _split(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    return [part for part in re.split(r"[\s,]+", value) if part]


def apply_suppressions(
    findings: Sequence[Finding],
    resources: Iterable[Resource],
    waivers: Sequence[Waiver],
    baseline: frozenset[str] = frozenset(),
    baseline_name: str = "",
    today: date | None = None,
) -> tuple[list[Finding], list[WaiverStatus]]:
    """Mark findings suppressed by inline markers, waivers and the baseline, in that order."""
    today = today or date.today()
    ignores = {r.address: inline_ignores(r) for r in resources}
    counts = [0] * len(waivers)
    result: list[Finding] = []
    for finding in findings:
        patterns = ignores.get(finding.resource, ())
        matched = next((p for p in patterns if address_matches(finding.check_id, p)), None)
        if matched is not None:
            result.append(
                replace(
                    finding,
                    suppressed=True,
                    suppressed_by="inline",
                    suppression_reason=f"ignored on the resource ({matched})",
                )
            )
            continue
        waived: Finding | None = None
        for position, waiver in enumerate(waivers):
            if not waiver.matches(finding):
                continue
            counts[position] += 1
            if waiver.expired(today):
                continue
            waived = replace(
                finding,
                suppressed=True,
                suppressed_by="waiver",
                suppression_reason=waiver.reason
                + (f" (waiver until {waiver.expires.isoformat()})" if waiver.expires else ""),
            )
            break
        if waived is not None:
            result.append(waived)
        elif finding.fingerprint in baseline:
            result.append(
                replace(
                    finding,
                    suppressed=True,
                    suppressed_by="baseline",
                    suppression_reason=f"in baseline {baseline_name}",
                )
            )
        else:
            expired = [w for w in waivers if w.matches(finding) and w.expired(today)]
            if expired and expired[0].expires is not None:
                result.append(
                    replace(
                        finding,
                        message=f"{finding.message} (waiver expired on "
                        f"{expired[0].expires.isoformat()})",
                    )
                )
            else:
                result.append(finding)
    statuses = [
        WaiverStatus(
            waiver,
            "expired" if waiver.expired(today) else ("active" if count else "unused"),
            count,
        )
        for waiver, count in zip(waivers, counts, strict=True)
    ]
    return result, statuses


def render_baseline(findings: Iterable[Finding], tool_version: str) -> str:
    """A baseline file recording the findings not suppressed otherwise, by fingerprint.

    Findings the current baseline already covers are kept, so a baseline can be refreshed in
    place (``--baseline b.json --create-baseline b.json``).
    """
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "check_id": f.check_id, "resource": f.resource}
            for f in findings
            if not f.suppressed or f.suppressed_by == "baseline"
        ),
        key=lambda e: (e["check_id"], e["resource"], e["fingerprint"]),
    )
    document = {
        "iacguard_baseline": BASELINE_FORMAT,
        "tool_version": tool_version,
        "findings": entries,
    }
    return json.dumps(document, indent=2) + "\n"


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file records."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"--baseline {path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"--baseline {path}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}"
        ) from None
    if not isinstance(document, dict) or document.get("iacguard_baseline") != BASELINE_FORMAT:
        raise ConfigError(f"--baseline {path}: not an iacguard baseline (format {BASELINE_FORMAT})")
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise ConfigError(f"--baseline {path}: findings is not a list")
    return frozenset(
        e["fingerprint"]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
    )
