"""Loading inputs into the normalised model.

``load_inputs`` reads every input the user named (files, folders, ``-`` for standard input),
recognises its kind and hands it to the loader for that kind. A kind without a loader yet
(Terraform HCL, Helm charts) is named in a clear error, or passed over
with its reason when it was found by searching a folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import yaml

from iacguard.errors import InputError
from iacguard.inputs.helm import (
    ChartNotRendered,
    HelmOptions,
    is_chart_archive,
    load_chart,
    local_chart,
    release_values,
)
from iacguard.inputs.kubernetes import load_manifest_json, load_manifests, looks_like_manifest
from iacguard.inputs.source import IgnoredFile, RawInput, decode_text, read_inputs
from iacguard.inputs.terraform_binary import plan_json_from_binary
from iacguard.inputs.terraform_plan import is_plan, load_plan
from iacguard.model.document import InputDocument, InputKind
from iacguard.model.resource import Action

__all__ = ["HelmOptions", "IgnoredFile", "LoadResult", "load_inputs", "load_raw"]

Loader = Callable[[str, Any], InputDocument]


#: One loader per kind of parsed document. New input kinds (HCL, manifests) register here.
def _load_manifest(name: str, document: Any) -> InputDocument:
    if isinstance(document, str):
        return load_manifests(name, document)
    return load_manifest_json(name, document)


LOADERS: dict[InputKind, Loader] = {
    InputKind.TERRAFORM_PLAN: load_plan,
    InputKind.KUBERNETES_MANIFEST: _load_manifest,
}

#: Kinds recognised but not loaded by this version, with what to do instead.
NOT_YET: dict[InputKind, str] = {
    InputKind.TERRAFORM_HCL: (
        "Terraform HCL is not read yet: run `terraform plan -out tfplan && "
        "terraform show -json tfplan > plan.json` and scan plan.json"
    ),
}


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Every input loaded, and the files of searched folders that were passed over."""

    documents: tuple[InputDocument, ...]
    ignored: tuple[IgnoredFile, ...]


class _NotAnInput(Exception):
    """A document iacguard does not read; fatal for a named file, passed over in a folder."""


def load_inputs(specs: list[str], helm: HelmOptions | None = None) -> LoadResult:
    """Read and load every input named on the command line; Helm charts are rendered with
    ``helm`` options (defaults: ``helm template``'s)."""
    helm = helm or HelmOptions()
    raws, ignored = read_inputs(specs)
    documents: list[InputDocument] = []
    passed = list(ignored)
    while raws:
        # Each input's bytes and text are released once parsed, before it is normalised: a
        # large plan's raw forms would otherwise double the peak memory of the scan.
        raw = raws.pop(0)
        name, from_folder = raw.name, raw.from_folder
        if raw.path is not None and (raw.chart or is_chart_archive(raw.path, raw.data)):
            try:
                documents.append(load_chart(name, raw.path, helm))
            except ChartNotRendered as reason:
                passed.append(IgnoredFile(name, str(reason)))
            except InputError as error:
                if not from_folder or raw.chart:
                    raise
                # a tarball of a folder that is not a chart: passed over with the reason
                passed.append(IgnoredFile(name, error.one_line().removeprefix(f"{name}:").strip()))
            continue
        tarball = raw.path is not None and raw.path.name.lower().endswith((".tgz", ".tar.gz"))
        if tarball and from_folder:
            passed.append(IgnoredFile(name, "a tarball that is not a gzip Helm chart"))
            continue
        base = raw.path.parent if raw.path is not None else Path.cwd()
        try:
            kind, document = _parse(raw)
            del raw
            loaded = _load(kind, name, document)
            documents.append(loaded)
            if kind is InputKind.TERRAFORM_PLAN:
                releases, unrendered = _releases(loaded, base, helm)
                documents.extend(releases)
                passed.extend(unrendered)
        except _NotAnInput as reason:
            if not from_folder:
                raise InputError(name, str(reason)) from None
            passed.append(IgnoredFile(name, str(reason)))
    _duplicates(documents)
    if not documents:
        if passed:
            first = passed[0]
            raise InputError(first.path, f"no input iacguard reads ({first.reason})")
        raise InputError(", ".join(specs), "no input iacguard reads")
    return LoadResult(tuple(documents), tuple(passed))


def _duplicates(documents: list[InputDocument]) -> None:
    """The same Kubernetes object defined twice (in two files, or twice in one): the one
    applied last wins. Each repeat is named in a warning of the input that repeats it."""
    first: dict[str, str] = {}
    for position, document in enumerate(documents):
        warnings = []
        for resource in document.resources:
            if not resource.address.startswith("k8s:"):
                continue
            where = resource.source.path
            if resource.address in first:
                warnings.append(
                    f"{resource.address} is also defined in {first[resource.address]}: the "
                    "one applied last wins (iacguard reads both)"
                )
            else:
                first[resource.address] = where
        if warnings:
            documents[position] = replace(document, warnings=document.warnings + tuple(warnings))


def _releases(
    plan: InputDocument, base: Path, helm: HelmOptions
) -> tuple[list[InputDocument], list[IgnoredFile]]:
    """The charts a plan's ``helm_release`` resources install, rendered with the release's
    values, name and namespace when the chart is on disk; remote charts listed as not read."""
    rendered: list[InputDocument] = []
    passed: list[IgnoredFile] = []
    for release in plan.resources:
        if release.type != "helm_release" or release.mode != "managed":
            continue
        if release.action in (Action.DELETE, Action.FORGET) or not isinstance(release.after, dict):
            continue
        after = release.after
        label = f"{plan.path}: {release.address}"
        path = local_chart(after, base)
        if path is None:
            chart, repository = after.get("chart"), after.get("repository")
            source = f"{repository}/{chart}" if isinstance(repository, str) else repr(chart)
            passed.append(
                IgnoredFile(
                    label,
                    f"chart {source} is not on disk: not rendered (iacguard does not download; "
                    "`helm pull` it and scan the chart with the release's values)",
                )
            )
            continue
        values, notes = release_values(after)
        name = after.get("name") if isinstance(after.get("name"), str) else helm.release_name
        namespace = after.get("namespace")
        options = replace(
            helm,
            release_name=str(name),
            release_namespace=namespace if isinstance(namespace, str) else "default",
        )
        try:
            document = load_chart(str(path), path, options, values, display=label)
        except ChartNotRendered as reason:
            passed.append(IgnoredFile(label, str(reason)))
            continue
        rendered.append(replace(document, warnings=document.warnings + tuple(notes)))
    return rendered, passed


def load_raw(raw: RawInput) -> InputDocument:
    """Recognise one input and load it. Raises :class:`InputError` for bad input."""
    kind, document = _parse(raw)
    return _load(kind, raw.name, document)


def _load(kind: InputKind, name: str, document: Any) -> InputDocument:
    loader = LOADERS.get(kind)
    if loader is None:  # pragma: no cover - every recognised JSON kind has a loader today
        raise _NotAnInput(NOT_YET.get(kind, f"{kind} input is not read yet"))
    return loader(name, document)


_NOT_SPACE = re.compile(r"\S")


def _parse(raw: RawInput) -> tuple[InputKind, Any]:
    """Decode and parse one input and say what kind of document it is."""
    if raw.is_zip:
        raw = RawInput(raw.name, plan_json_from_binary(raw), raw.path, raw.from_folder)
    if raw.suffix == ".tf":
        raise _NotAnInput(NOT_YET[InputKind.TERRAFORM_HCL])
    text = decode_text(raw)
    first = _NOT_SPACE.search(text)
    if first is None:
        raise InputError(raw.name, "empty file, not a Terraform plan")
    if first.group() in "{[" or raw.suffix == ".json":
        try:
            document = _parse_json(raw.name, text)
        except InputError as exc:
            # In a searched folder, broken JSON that is not even trying to be a plan (an
            # editor's settings file with comments) is passed over with its reason; broken
            # JSON that looks like a plan is an error, so a truncated plan never passes CI.
            if raw.from_folder and not _looks_like_plan(text):
                raise _NotAnInput(exc.one_line().removeprefix(f"{raw.name}:").strip()) from None
            raise
    elif looks_like_manifest(text):
        return InputKind.KUBERNETES_MANIFEST, text
    else:
        _reject_yaml(raw.name, text)
    return _json_kind(document), document


def _looks_like_plan(text: str) -> bool:
    head = text[:65536]
    return '"format_version"' in head or '"resource_changes"' in head


def _parse_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, f"malformed JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}") from None
    except RecursionError:
        raise InputError(name, "JSON nested too deeply to read") from None


def _reject_yaml(name: str, text: str) -> NoReturn:
    """Explain what a non-JSON text input is; always raises."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else None
        problem = yaml_problem(exc)
        raise InputError(name, f"malformed YAML: {problem}", position) from None
    except RecursionError:
        raise InputError(name, "YAML nested too deeply") from None
    if any(isinstance(d, dict | list) for d in documents):
        raise _NotAnInput(
            "a YAML document, neither a Kubernetes manifest (no apiVersion and kind) nor a "
            "Terraform plan JSON"
        )
    raise _NotAnInput("text that is not JSON, not a Terraform plan")


def yaml_problem(exc: Exception) -> str:
    """PyYAML's description of a problem, without the file content it sometimes quotes."""
    problem = str(getattr(exc, "problem", None) or "not valid YAML")
    return re.sub(r"'[^']*'|\"[^\"]*\"", "(...)", problem)


def _json_kind(document: Any) -> InputKind:
    if is_plan(document):
        return InputKind.TERRAFORM_PLAN
    if isinstance(document, list):
        raise _NotAnInput("a JSON array, not a Terraform plan (expected an object)")
    if not isinstance(document, dict):
        kind = {str: "string", int: "number", float: "number", bool: "boolean"}.get(
            type(document), "null"
        )
        raise _NotAnInput(f"a JSON {kind}, not a Terraform plan (expected an object)")
    if "lineage" in document and "serial" in document:
        raise _NotAnInput("a Terraform state file, not a plan: run `terraform show -json PLANFILE`")
    if "format_version" in document and "values" in document:
        raise _NotAnInput(
            "`terraform show -json` output of a state, not of a plan: "
            "run `terraform show -json PLANFILE`"
        )
    if "apiVersion" in document and "kind" in document:
        return InputKind.KUBERNETES_MANIFEST
    raise _NotAnInput("not a Terraform plan (no format_version and resource_changes)")
