"""What a check is: metadata plus a function that yields findings.

A check is declared with :func:`check`, which turns a documented function into a
:class:`Check` value. Nothing is registered as a side effect of importing: checks are found
through the ``iacguard.checks`` entry-point group (built-in checks included) or in the files of
``--checks-dir`` folders, and validated when loaded.

.. code-block:: python

    @check(
        id="aws-iam-access-key",
        title="IAM user has a long-lived access key",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        inspects=("aws_iam_access_key",),
        frameworks={"nist-csf-2.0": ["PR.AA-01"], "owasp-nhi-2025": ["NHI7"]},
        remediation="Use roles with short-lived credentials instead.",
    )
    def iam_access_key(ctx: CheckContext) -> Iterator[Finding]:
        \"\"\"Docs of the check: what, why it matters, before/after.\"\"\"
        for key in ctx.planned("aws_iam_access_key"):
            yield ctx.finding(key, "...")
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iacguard.findings import Confidence, Finding, Severity

if TYPE_CHECKING:
    from iacguard.engine.context import CheckContext

CheckFunction = Callable[["CheckContext"], Iterable[Finding]]

#: Check ids: lower-case kebab-case with at least two words, the first a provider or package
#: prefix (``aws-``, ``gcp-``, ``azure-``, ``k8s-``, ``ai-``, or a plugin's own prefix).
CHECK_ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


@dataclass(frozen=True, slots=True)
class Check:
    """A check: its metadata and the function that runs it."""

    id: str
    """Stable kebab-case id, also the anchor of its documentation."""
    title: str
    """One line saying what is wrong when the check fires."""
    severity: Severity
    """Default severity of its findings (a finding may be lower when the answer is Maybe)."""
    confidence: Confidence
    """Default confidence of its findings."""
    inspects: tuple[str, ...]
    """Resource types (or input kinds) it reads, for documentation and selection."""
    frameworks: Mapping[str, tuple[str, ...]]
    """Framework id → control ids, validated against the framework catalog when loaded."""
    remediation: str
    """How to fix a finding."""
    run: CheckFunction = field(repr=False, compare=False)
    """The function yielding findings."""
    docs: str = ""
    """Documentation, from the function's docstring."""
    provider: str = "iacguard"
    """Who provides it: ``iacguard`` for built-in checks, the plugin's distribution name, or
    the file of a ``--checks-dir`` folder."""

    @property
    def summary(self) -> str:
        """The first paragraph of the documentation."""
        return self.docs.split("\n\n", 1)[0].replace("\n", " ").strip()


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    confidence: Confidence,
    inspects: Sequence[str],
    frameworks: Mapping[str, Sequence[str]],
    remediation: str,
) -> Callable[[CheckFunction], Check]:
    """Declare a check. The decorated function's docstring becomes its documentation."""

    def wrap(function: CheckFunction) -> Check:
        return Check(
            id=id,
            title=title,
            severity=severity,
            confidence=confidence,
            inspects=tuple(inspects),
            frameworks={k: tuple(v) for k, v in frameworks.items()},
            remediation=remediation.strip(),
            run=function,
            docs=inspect.cleandoc(function.__doc__ or ""),
        )

    return wrap
