"""Loader for ``terraform show -json`` plan documents (format_version 0.1 to 1.x)."""

from __future__ import annotations

import copy
import re
from typing import Any

from iacguard.errors import InputError
from iacguard.inputs.terraform_config import ConfigurationIndex, ModulePath
from iacguard.model.address import config_address, module_names, split_address
from iacguard.model.document import InputDocument, InputKind
from iacguard.model.resource import (
    Action,
    ProviderFamily,
    Resource,
    SkippedResource,
    SourceLocation,
)
from iacguard.model.values import AttributePath, Sensitive
from iacguard.redaction import credential_kind, mask_credentials

#: The newest plan format this version of iacguard was written against.
SUPPORTED_FORMAT = (1, 2)

_FORMAT_RE = re.compile(r"^(\d+)\.(\d+)$")

_SINGLE_ACTIONS = {
    "create": Action.CREATE,
    "update": Action.UPDATE,
    "delete": Action.DELETE,
    "read": Action.READ,
    "no-op": Action.NO_OP,
    "forget": Action.FORGET,
}

_FAMILIES = {
    "aws": ProviderFamily.AWS,
    "awscc": ProviderFamily.AWS,
    "google": ProviderFamily.GCP,
    "google-beta": ProviderFamily.GCP,
    "azurerm": ProviderFamily.AZURE,
    "azuread": ProviderFamily.AZURE,
    "azapi": ProviderFamily.AZURE,
    "kubernetes": ProviderFamily.KUBERNETES,
    "helm": ProviderFamily.KUBERNETES,
    "kubectl": ProviderFamily.KUBERNETES,
}

_MARKED_SENSITIVE = Sensitive("marked sensitive by Terraform")
_TOO_DEEP = Sensitive("nested too deeply to inspect")


def is_plan(document: Any) -> bool:
    """True when a parsed JSON document has the shape of ``terraform show -json PLANFILE``."""
    return (
        isinstance(document, dict)
        and "format_version" in document
        and ("resource_changes" in document or "planned_values" in document)
    )


def check_format_version(name: str, document: dict[str, Any]) -> tuple[str, list[str]]:
    """Validate ``format_version``; return it with any warning to show the user."""
    raw = document.get("format_version")
    match = _FORMAT_RE.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise InputError(name, "plan format_version is missing or malformed", "/format_version")
    major, minor = int(match.group(1)), int(match.group(2))
    if major > SUPPORTED_FORMAT[0]:
        raise InputError(
            name,
            f"plan format_version {raw} has an unknown major version "
            f"(iacguard reads 0.x and 1.x, up to {SUPPORTED_FORMAT[0]}.{SUPPORTED_FORMAT[1]})",
            "/format_version",
        )
    warnings = []
    if (major, minor) > SUPPORTED_FORMAT:
        warnings.append(
            f"plan format_version {raw} is newer than "
            f"{SUPPORTED_FORMAT[0]}.{SUPPORTED_FORMAT[1]}; loaded, fields added since are ignored"
        )
    return str(raw), warnings


def provider_short_name(provider_name: str) -> str:
    """``registry.terraform.io/hashicorp/aws`` → ``aws``; ``provider.aws.west`` → ``aws``."""
    name = provider_name.rsplit("/", 1)[-1]
    if name.startswith("provider."):
        name = name[len("provider.") :]
    return name.split(".", 1)[0]


def _provider(entry: dict[str, Any], type_: str) -> tuple[str, str, ProviderFamily]:
    """Provider address, short name and family of a resource entry."""
    source = str(entry.get("provider_name") or "")
    short = provider_short_name(source) if source else type_.split("_", 1)[0]
    return source, short, _FAMILIES.get(short, ProviderFamily.OTHER)


def load_plan(name: str, document: dict[str, Any]) -> InputDocument:
    """Normalise a parsed plan document into an :class:`InputDocument`.

    Every entry of ``resource_changes`` becomes a :class:`Resource` or a
    :class:`SkippedResource` with its reason; data sources read during planning (found only in
    ``prior_state``) are added as resources with ``read_during_plan`` set.
    """
    format_version, warnings = check_format_version(name, document)
    # planned_values repeats what resource_changes say; it is not read, so free it early.
    document.pop("planned_values", None)
    config = ConfigurationIndex(document.get("configuration"))
    changes = document.get("resource_changes")
    if changes is None:
        changes = []
    if not isinstance(changes, list):
        raise InputError(name, "resource_changes is not a list", "/resource_changes")

    resources: list[Resource] = []
    skipped: list[SkippedResource] = []
    seen: set[str] = set()
    for position, entry in enumerate(changes):
        pointer = f"/resource_changes/{position}"
        result = _resource_from_change(name, pointer, entry, config)
        if isinstance(result, SkippedResource):
            skipped.append(result)
        else:
            resources.append(result)
            seen.add(result.address)

    for position, entry in enumerate(document.get("deferred_changes") or ()):
        change = entry.get("resource_change") if isinstance(entry, dict) else None
        address = change.get("address") if isinstance(change, dict) else None
        reason = entry.get("reason") if isinstance(entry, dict) else None
        skipped.append(
            SkippedResource(
                str(address or f"deferred change {position}"),
                f"Terraform deferred this change ({reason or 'no reason given'}); "
                "its planned values are not final",
                SourceLocation(name, f"/deferred_changes/{position}"),
            )
        )

    prior = document.get("prior_state")
    if isinstance(prior, dict):
        root = (prior.get("values") or {}).get("root_module")
        if isinstance(root, dict):
            pointer = "/prior_state/values/root_module"
            resources.extend(_data_read_during_plan(name, pointer, root, "", seen, config))

    variables = _variables(document.get("variables"), config)
    accounts = _provider_accounts(document.get("configuration"))
    return InputDocument(
        path=name,
        kind=InputKind.TERRAFORM_PLAN,
        format_version=format_version,
        tool_version=str(document.get("terraform_version") or "") or None,
        resources=tuple(resources),
        skipped=tuple(skipped),
        resource_changes=len(changes),
        warnings=tuple(warnings),
        variables=variables,
        aws_accounts=accounts,
        gcp_projects=_provider_projects(document.get("configuration"), variables),
    )


def _provider_accounts(configuration: Any) -> tuple[str, ...]:
    """The AWS accounts that the configuration's ``aws`` providers pin, from constants only:
    ``allowed_account_ids``, or the account of ``assume_role { role_arn }``."""
    found: set[str] = set()
    providers = configuration.get("provider_config") if isinstance(configuration, dict) else None
    for provider in (providers or {}).values() if isinstance(providers, dict) else ():
        if not isinstance(provider, dict) or provider.get("name") != "aws":
            continue
        expressions = provider.get("expressions")
        if not isinstance(expressions, dict):
            continue
        allowed = expressions.get("allowed_account_ids")
        values = allowed.get("constant_value") if isinstance(allowed, dict) else None
        for value in values if isinstance(values, list) else ():
            if isinstance(value, str) and re.fullmatch(r"\d{12}", value):
                found.add(value)
        assume = expressions.get("assume_role")
        for block in assume if isinstance(assume, list) else ():
            arn = block.get("role_arn") if isinstance(block, dict) else None
            value = arn.get("constant_value") if isinstance(arn, dict) else None
            match = (
                re.match(r"arn:aws[a-z-]*:iam::(\d{12}):", value)
                if isinstance(value, str)
                else None
            )
            if match:
                found.add(match.group(1))
    return tuple(sorted(found))


def _provider_projects(configuration: Any, variables: dict[str, object]) -> tuple[str, ...]:
    """The default projects of the configuration's ``google`` and ``google-beta`` providers:
    a constant ``project``, or ``var.x`` whose root value the plan holds."""
    found: set[str] = set()
    providers = configuration.get("provider_config") if isinstance(configuration, dict) else None
    for provider in (providers or {}).values() if isinstance(providers, dict) else ():
        if not isinstance(provider, dict) or provider.get("name") not in ("google", "google-beta"):
            continue
        expressions = provider.get("expressions")
        project = expressions.get("project") if isinstance(expressions, dict) else None
        if not isinstance(project, dict):
            continue
        value = project.get("constant_value")
        for reference in project.get("references") or ():
            if isinstance(reference, str) and reference.startswith("var."):
                value = variables.get(reference.removeprefix("var."))
        if isinstance(value, str) and value:
            found.add(value)
    return tuple(sorted(found))


def _normalise_actions(actions: list[str]) -> Action | None:
    if not actions:
        # NOTE: an empty action list means Terraform has nothing to do for the instance.
        return Action.NO_OP
    if len(actions) == 1:
        return _SINGLE_ACTIONS.get(actions[0])
    if sorted(actions) == ["create", "delete"]:
        return Action.REPLACE
    return None


def _resource_from_change(
    name: str, pointer: str, entry: Any, config: ConfigurationIndex
) -> Resource | SkippedResource:
    source = SourceLocation(name, pointer)
    if not isinstance(entry, dict):
        return SkippedResource(f"(entry {pointer})", "resource change is not an object", source)
    address = entry.get("address")
    if not isinstance(address, str) or not address:
        return SkippedResource(f"(entry {pointer})", "resource change has no address", source)
    change = entry.get("change")
    if not isinstance(change, dict):
        return SkippedResource(address, "resource change has no change object", source)
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return SkippedResource(address, "resource change has no action list", source)
    action = _normalise_actions(actions)
    if action is None:
        return SkippedResource(
            address, f"unrecognised action list {actions!r} (newer Terraform?)", source
        )
    parts = split_address(address)
    mode = entry.get("mode") or ("data" if any(p.name == "data" for p in parts[:-2]) else "managed")
    type_ = entry.get("type") or (parts[-2].name if len(parts) >= 2 else "")
    block_name = entry.get("name") or (parts[-1].name if parts else "")
    if not isinstance(type_, str) or not type_ or not isinstance(block_name, str):
        return SkippedResource(address, "resource change has no type", source)
    module_address = entry.get("module_address") or ""
    module = module_names(module_address)
    local = f"data.{type_}.{block_name}" if mode == "data" else f"{type_}.{block_name}"
    provider_source, provider, family = _provider(entry, type_)
    try:
        raw_before, raw_after = change.get("before"), change.get("after")
        before_sensitive = change.get("before_sensitive")
        after_sensitive = change.get("after_sensitive")
        before = _masked(raw_before, before_sensitive)
        unchanged = raw_after == raw_before and after_sensitive == before_sensitive
        if raw_after is not None and unchanged:
            # Values the change leaves as they are (no-op, read) are masked once.
            after = copy.deepcopy(before) if change.get("after_unknown") else before
        else:
            after = _masked(raw_after, after_sensitive)
        unknown = change.get("after_unknown")
        if unknown:
            after = _with_unknowns(
                after, unknown, change.get("after_sensitive"), (), config, module, local
            )
    except RecursionError:
        return SkippedResource(address, "attribute values are nested too deeply", source)
    return Resource(
        address=address,
        mode=mode,
        type=type_,
        name=block_name,
        provider=provider,
        provider_source=provider_source,
        family=family,
        module_address=module_address,
        index=entry.get("index"),
        action=action,
        actions=tuple(actions),
        before=before,
        after=after,
        config_address=config_address(module_address, mode, type_, block_name),
        source=source,
        action_reason=entry.get("action_reason"),
        previous_address=entry.get("previous_address"),
        deposed=entry.get("deposed"),
        references_source=config,
    )


def _masked(value: Any, sensitive: Any) -> Any:
    """Apply Terraform's sensitivity markers, then mask credential-looking values.

    A tree nested too deeply to walk is masked whole: it cannot be inspected, so it cannot be
    shown.
    """
    try:
        if sensitive:
            value = _apply_sensitive(value, sensitive)
        return mask_credentials(value)
    except RecursionError:
        return _TOO_DEEP


def _apply_sensitive(value: Any, marker: Any) -> Any:
    if marker is True:
        if isinstance(value, dict) and value and all(_structural_key(k) for k in value):
            # A sensitive map keeps its keys (the names of a Secret's entries, not their
            # contents): checks can tell a Secret holding AWS_SECRET_ACCESS_KEY from one
            # holding a TLS certificate without any value being readable.
            return dict.fromkeys(value, _MARKED_SENSITIVE)
        return None if value is None else _MARKED_SENSITIVE
    if isinstance(marker, dict) and isinstance(value, dict):
        for key, sub in marker.items():
            if sub and key in value:
                value[key] = _apply_sensitive(value[key], sub)
    elif isinstance(marker, list) and isinstance(value, list):
        for index, sub in enumerate(marker[: len(value)]):
            if sub:
                value[index] = _apply_sensitive(value[index], sub)
    return value


def _sub_marker(marker: Any, step: str | int) -> Any:
    """The part of a sensitivity marker tree that applies below ``step``."""
    if marker is True:
        return True
    if isinstance(marker, dict) and isinstance(step, str):
        return marker.get(step)
    if isinstance(marker, list) and isinstance(step, int) and step < len(marker):
        return marker[step]
    return None


_KEY_RE = re.compile(r"^[A-Za-z0-9_.\-/]{1,128}$")


def _structural_key(key: object) -> bool:
    """A map key that names an entry rather than carrying data itself."""
    return isinstance(key, str) and bool(_KEY_RE.match(key)) and credential_kind(key) is None


def _with_unknowns(
    value: Any,
    marker: Any,
    sensitive: Any,
    path: AttributePath,
    config: ConfigurationIndex,
    module: ModulePath,
    local: str,
) -> Any:
    """Insert :class:`Unknown` where ``after_unknown`` says, walking ``after_sensitive`` too."""
    if marker is True:
        return config.unknown_at(module, local, path, sensitive is True)
    if isinstance(marker, dict):
        if not isinstance(value, dict):
            value = {}
        for key, sub in marker.items():
            if sub:
                value[key] = _with_unknowns(
                    value.get(key),
                    sub,
                    _sub_marker(sensitive, key),
                    (*path, key),
                    config,
                    module,
                    local,
                )
    elif isinstance(marker, list):
        if not isinstance(value, list):
            value = []
        for index, sub in enumerate(marker):
            if sub:
                while len(value) <= index:
                    value.append(None)
                value[index] = _with_unknowns(
                    value[index],
                    sub,
                    _sub_marker(sensitive, index),
                    (*path, index),
                    config,
                    module,
                    local,
                )
    return value


def _data_read_during_plan(
    name: str,
    pointer: str,
    module: dict[str, Any],
    module_address: str,
    seen: set[str],
    config: ConfigurationIndex,
) -> list[Resource]:
    found: list[Resource] = []
    for position, entry in enumerate(module.get("resources") or ()):
        if not isinstance(entry, dict) or entry.get("mode") != "data":
            continue
        address = entry.get("address")
        type_ = entry.get("type")
        block_name = entry.get("name")
        if not isinstance(address, str) or address in seen or not isinstance(type_, str):
            continue
        if not isinstance(block_name, str):
            continue
        seen.add(address)
        provider_source, provider, family = _provider(entry, type_)
        values = _masked(entry.get("values"), entry.get("sensitive_values"))
        found.append(
            Resource(
                address=address,
                mode="data",
                type=type_,
                name=block_name,
                provider=provider,
                provider_source=provider_source,
                family=family,
                module_address=module_address,
                index=entry.get("index"),
                action=Action.READ,
                actions=("read",),
                before=None,
                after=values,
                config_address=config_address(module_address, "data", type_, block_name),
                source=SourceLocation(name, f"{pointer}/resources/{position}"),
                read_during_plan=True,
                references_source=config,
            )
        )
    for position, child in enumerate(module.get("child_modules") or ()):
        if isinstance(child, dict):
            found.extend(
                _data_read_during_plan(
                    name,
                    f"{pointer}/child_modules/{position}",
                    child,
                    str(child.get("address") or ""),
                    seen,
                    config,
                )
            )
    return found


def _variables(variables: Any, config: ConfigurationIndex) -> dict[str, object]:
    if not isinstance(variables, dict):
        return {}
    sensitive = config.root_sensitive_variables
    result: dict[str, object] = {}
    for key in sorted(variables):
        entry = variables[key]
        value = entry.get("value") if isinstance(entry, dict) else None
        if key in sensitive and value is not None:
            result[key] = _MARKED_SENSITIVE
        else:
            result[key] = _masked(value, None)
    return result
