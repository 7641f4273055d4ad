"""The ``iacguard`` command line. The only place that prints, writes files and exits.

Exit codes: 0 success, 1 a ``--fail-on`` gate tripped, 2 usage or input error, 3 internal
error (a bug: please report it).
"""

from __future__ import annotations

import atexit
import difflib
import gc
import json
import logging
import os
import re
import shutil
import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pydantic_core
import typer
from rich.console import Console
from rich.table import Table

# typer vendors click since 0.29: its exceptions are how usage errors arrive.
from typer._click import exceptions as _click_exceptions

from iacguard.about import data_versions, tool_version
from iacguard.aws.identities import IdentityResolver, find_identity
from iacguard.aws.query import answer_query, close_matches
from iacguard.aws.render import query_json, query_text
from iacguard.aws.summary import identities_json, identities_text
from iacguard.azure.evaluate import azure_view, valid_action
from iacguard.azure.summary import attach_aks, azure_query_json
from iacguard.azure.summary import identities_json as azure_identities_json
from iacguard.config import Config, find_and_load_config
from iacguard.engine import Check, ScanIndex, discover_checks
from iacguard.engine.context import GraphScope
from iacguard.engine.docs import mapped_controls
from iacguard.engine.suppression import load_baseline, render_baseline
from iacguard.errors import IacguardError, InputError, UsageError
from iacguard.findings import FailOn, Severity
from iacguard.frameworks import Catalog, load_catalog
from iacguard.gcp.evaluate import gcp_view
from iacguard.gcp.query import gcp_query_json, grants_query_text, looks_like_gcp, valid_permission
from iacguard.gcp.summary import attach_gke
from iacguard.gcp.summary import identities_json as gcp_identities_json
from iacguard.graph import build_graph, find_paths
from iacguard.graph.diff import diff_text, gate_trips, prior_resources, privilege_diff
from iacguard.graph.report import attach_blast_radius, paths_json, paths_text
from iacguard.inputs import HelmOptions, LoadResult, load_inputs
from iacguard.k8s.federation import attach as attach_federations
from iacguard.k8s.federation import validate_cluster
from iacguard.k8s.identities import account_json, k8s_view
from iacguard.k8s.query import answer_k8s_query, k8s_query_text
from iacguard.model.classification import classify_all
from iacguard.model.resource import Resource
from iacguard.publish.client import ForgeClient
from iacguard.publish.comment import BEHAVIORS, Outcome, post_comment
from iacguard.publish.forge import LIMITS, detect
from iacguard.redaction import redact_text
from iacguard.report import OutputFormat, RenderOptions, parse_output, render
from iacguard.report.console import build_console_report
from iacguard.report.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from iacguard.report.model import DiffOut, Report
from iacguard.scan import build_report, scan

EXIT_OK = 0
EXIT_GATE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

app = typer.Typer(
    name="iacguard",
    help=(
        "Effective permissions, attack paths and privilege diffs of the non-human identities "
        "in AI stacks, read from Terraform plans before they are applied."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class TextOrJson(StrEnum):
    """``--format`` of commands other than scan."""

    TEXT = "text"
    JSON = "json"


# Shared input arguments and options: every command that reads inputs takes these.
InputsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT...",
        help="Plan JSON (terraform show -json), binary plan, Kubernetes manifest (YAML or "
        "JSON), Helm chart (folder or .tgz), a folder of them, or - for standard input.",
        show_default=False,
    ),
]
TextOrJsonOpt = Annotated[
    TextOrJson, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]
HelmValuesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--helm-values",
        help="Values file for the Helm charts among the inputs. Repeatable, later files win.",
        dir_okay=False,
        rich_help_panel="Helm",
    ),
]
HelmSetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Set a chart value, Helm's syntax (a.b=1,c[0]=x). Repeatable, after the files.",
        rich_help_panel="Helm",
    ),
]
ReleaseNameOpt = Annotated[
    str,
    typer.Option(
        "--release-name", help="Release name charts are rendered as.", rich_help_panel="Helm"
    ),
]
ReleaseNamespaceOpt = Annotated[
    str,
    typer.Option(
        "--release-namespace", help="Namespace charts are rendered into.", rich_help_panel="Helm"
    ),
]
RendererOpt = Annotated[
    str,
    typer.Option(
        "--renderer",
        help="auto (helm on PATH, else the embedded Helm SDK), embedded or binary.",
        rich_help_panel="Helm",
    ),
]
HelmBinaryOpt = Annotated[
    str | None,
    typer.Option("--helm-binary", help="The helm binary to render with.", rich_help_panel="Helm"),
]
AwsAccountOpt = Annotated[
    str | None,
    typer.Option(
        "--aws-account-id",
        help="The AWS account of the plan's roles when the plan does not say it (no "
        "aws_caller_identity data source): IRSA annotations are matched with it.",
        rich_help_panel="Identity graph",
    ),
]
FailOnNewOpt = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on-new",
        case_sensitive=False,
        show_default=False,
        help="Exit 1 when the change adds something at or above this severity (a capability by "
        "its class; an escalation to control of IAM or a cluster, or a path to it, critical; "
        "another escalation or a new path high) [default: none]. Needs a plan: its state is "
        "the world before.",
    ),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="The EKS, GKE or AKS cluster (aws_eks_cluster, google_container_cluster or "
        "azurerm_kubernetes_cluster name) the charts and manifests run in, when the inputs hold "
        "several.",
        rich_help_panel="Identity graph",
    ),
]


def _scope(aws_account_id: str | None, cluster: str | None, loaded: LoadResult) -> GraphScope:
    if aws_account_id is not None and not re.fullmatch(r"\d{12}", aws_account_id):
        raise UsageError(f"--aws-account-id {aws_account_id!r}: an AWS account id is 12 digits")
    if cluster is not None and not cluster.strip():
        raise UsageError("--cluster: name an EKS, GKE or AKS cluster of the inputs")
    accounts = tuple(sorted({a for doc in loaded.documents for a in doc.aws_accounts}))
    projects = tuple(sorted({p for doc in loaded.documents for p in doc.gcp_projects}))
    return GraphScope(aws_account_id, cluster, accounts, projects)


def _index(
    loaded: LoadResult,
    settings: Config,
    aws_account_id: str | None,
    cluster: str | None,
    resources: list[Resource] | None = None,
) -> ScanIndex:
    """The index of the loaded inputs (or of ``resources`` taken from them), classified with
    the configuration's overrides, in the scope the options and the plans give."""
    if resources is None:
        resources = [r for doc in loaded.documents for r in doc.resources]
    scope = _scope(aws_account_id, cluster, loaded)
    return ScanIndex(resources, classify_all(resources, settings.classification), scope)


def _helm_options(
    values: list[Path] | None,
    sets: list[str] | None,
    release_name: str,
    release_namespace: str,
    renderer: str,
    binary: str | None,
) -> HelmOptions:
    if renderer not in ("auto", "embedded", "binary"):
        raise UsageError(f"--renderer {renderer!r}: choose auto, embedded or binary")
    return HelmOptions(
        values=tuple(values or ()),
        sets=tuple(sets or ()),
        release_name=release_name,
        release_namespace=release_namespace,
        renderer=renderer,  # type: ignore[arg-type]
        helm_binary=binary,
    )


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (default: .iacguard.yaml or [tool.iacguard] in pyproject.toml).",
        dir_okay=False,
    ),
]


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _input_errors(loaded: LoadResult) -> int:
    """Report the parts of inputs that could not be read (the rest was used): one line each
    on standard error. Returns the exit code they call for (2), or 0."""
    errors = [(doc.path, error) for doc in loaded.documents for error in doc.errors]
    for path, error in errors:
        _stderr().print(f"iacguard: error: {path}: {redact_text(error)}", markup=False)
    return EXIT_USAGE if errors else EXIT_OK


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    _stderr().print(f"iacguard: error: {redact_text(message)}", markup=False)
    return typer.Exit(code)


def _progress(message: str) -> AbstractContextManager[object]:
    """A spinner on standard error, only when a person is watching it."""
    console = _stderr()
    if console.is_terminal and not os.environ.get("CI"):
        return console.status(message, spinner="dots")
    return nullcontext()


def _load(
    inputs: list[str], config_path: Path | None, helm: HelmOptions | None = None
) -> tuple[LoadResult, Config]:
    config = find_and_load_config(config_path)
    with _progress("Loading inputs…"):
        loaded = load_inputs(inputs, helm)
    return loaded, config


ChecksDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--checks-dir",
        help="Also load the checks defined in the Python files of DIR. Repeatable.",
        file_okay=False,
    ),
]


def _stdout_console() -> Console:
    width = None
    if not sys.stdout.isatty():
        width = max(100, shutil.get_terminal_size((120, 40)).columns)
    return Console(width=width, highlight=False)


def _write_json(document: Any) -> None:
    """Indented JSON on stdout, as ``json.dumps(indent=2, ensure_ascii=False)`` writes it, but
    serialised by pydantic-core (the standard library's indenting encoder is pure Python: a
    second for the 45 MB of ``identities`` at 10,000 resources)."""
    sys.stdout.write(pydantic_core.to_json(document, indent=2).decode("utf-8") + "\n")


@app.command("scan")
def scan_command(
    inputs: InputsArg,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format", "-f", help="Report format on standard output.", case_sensitive=False
        ),
    ] = OutputFormat.TEXT,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="[FORMAT:]PATH",
            help="Also write the report to PATH, the format from its suffix (.json, .md, "
            ".sarif, .xml for JUnit, .txt) or named (gitlab-codequality:gl-code-quality.json). "
            "Repeatable: one run writes every artifact a pipeline needs.",
        ),
    ] = None,
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars",
            min=1,
            help="Markdown: the most characters the report may take; over it, detail is left "
            "out by priority and the report says what (GitHub's comment limit by default; "
            "GitLab allows 1000000).",
        ),
    ] = GITHUB_COMMENT_LIMIT,
    full_report: Annotated[
        str | None,
        typer.Option(
            "--full-report",
            metavar="URL",
            help="Markdown: where the full report is (a CI artifact's address), named when "
            "detail is left out to fit --max-chars.",
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when an unsuppressed finding is at or above this severity "
            "[default: high].",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    fail_on_new: FailOnNewOpt = None,
    no_diff: Annotated[
        bool,
        typer.Option(
            "--no-diff",
            help="Leave the privilege diff out (it is computed whenever a plan's state holds "
            "resources, and costs a second resolution of the world before).",
        ),
    ] = False,
    no_resources: Annotated[
        bool,
        typer.Option("--no-resources", help="Leave the per-resource list out of the report."),
    ] = False,
    checks_dir: ChecksDirOpt = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Report only findings not recorded in this baseline file.",
            dir_okay=False,
        ),
    ] = None,
    create_baseline: Annotated[
        Path | None,
        typer.Option(
            "--create-baseline",
            help="Record the current unsuppressed findings in FILE (adopting iacguard on an "
            "existing stack).",
            dir_okay=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    helm_values: HelmValuesOpt = None,
    helm_set: HelmSetOpt = None,
    release_name: ReleaseNameOpt = "release-name",
    release_namespace: ReleaseNamespaceOpt = "default",
    renderer: RendererOpt = "auto",
    helm_binary: HelmBinaryOpt = None,
    aws_account_id: AwsAccountOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Scan inputs and report what they will deploy, classified, with findings."""
    # A scan builds a large tree of objects that live until it ends and form few cycles: the
    # cyclic garbage collector would walk it again and again for nothing (46% of the time of
    # a 10,000-resource plan, docs/performance.md). Reference counting still frees the rest.
    gc.disable()
    try:
        targets = []
        for value in output or []:
            try:
                fmt, where = parse_output(value)
            except ValueError as exc:
                raise UsageError(f"--output {exc}") from None
            targets.append((Path(where), fmt))
        options = RenderOptions(max_chars=max_chars, full_report=full_report)
        checks = discover_checks(checks_dir or [])
        helm = _helm_options(
            helm_values, helm_set, release_name, release_namespace, renderer, helm_binary
        )
        loaded, settings = _load(inputs, config, helm)
        scope = _scope(aws_account_id, cluster, loaded)
        recorded = load_baseline(baseline) if baseline else frozenset()
        gate = fail_on or settings.fail_on or FailOn.HIGH
        gate_new = fail_on_new or settings.fail_on_new or FailOn.NONE
        if no_diff and gate_new is not FailOn.NONE:
            raise UsageError("--no-diff leaves nothing for --fail-on-new to gate on")
        with _progress("Analysing…"):
            result = scan(
                loaded,
                settings,
                checks,
                recorded,
                str(baseline or ""),
                scope=scope,
                fail_on_new=gate_new,
                diff=not no_diff,
            )
            report = build_report(
                result, gate, include_resources=not no_resources, fail_on_new=gate_new
            )
        if create_baseline is not None:
            try:
                create_baseline.write_text(
                    render_baseline(result.findings, tool_version()), encoding="utf-8"
                )
            except OSError as exc:
                raise UsageError(
                    f"--create-baseline {create_baseline}: cannot write: {exc.strerror}"
                ) from None
        rendered = {fmt: render(report, fmt, options) for fmt in {f for _, f in targets}}
        for path, fmt in targets:
            try:
                path.write_text(rendered[fmt], encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--output {path}: cannot write: {exc.strerror}") from None
        if output_format is OutputFormat.TEXT:
            _stdout_console().print(build_console_report(report))
        else:
            sys.stdout.write(rendered.get(output_format) or render(report, output_format, options))
            sys.stdout.flush()
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    finally:
        gc.enable()
    raise typer.Exit(
        _input_errors(loaded) or (EXIT_GATE if report.summary.gate.tripped else EXIT_OK)
    )


@app.command("query")
def query_command(
    inputs: InputsArg,
    identity: Annotated[
        str,
        typer.Option(
            "--identity",
            help="AWS: Terraform address (module paths included), IAM name, ARN or graph node "
            "id (aws:iam_role/NAME). GCP: service account email, address, gcp:service_account/"
            "EMAIL or a member (user:x, principalSet://...). Azure: address, node id "
            "(azure:user_assigned_identity/NAME), name or object id. Kubernetes: "
            "system:serviceaccount:NAMESPACE:NAME or k8s:ServiceAccount/NAMESPACE/NAME.",
        ),
    ],
    action: Annotated[
        str,
        typer.Option(
            "--action",
            help="AWS: an IAM action (s3:GetObject). GCP: a permission (storage.objects.get). "
            "Azure: an operation (Microsoft.Storage/storageAccounts/listKeys/action). "
            "Kubernetes: a verb.",
        ),
    ],
    resource: Annotated[
        str,
        typer.Option(
            "--resource",
            help="AWS: the resource ARN [default: * (any)]. GCP: the resource name "
            "(projects/_/buckets/NAME\\[/objects/PATH], projects/P/secrets/S...). Azure: the "
            "resource id (/subscriptions/S/resourceGroups/G/providers/...). "
            "Kubernetes: RESOURCE\\[/SUBRESOURCE] "
            "(pods/exec; deployments.apps to name the API group).",
        ),
    ] = "*",
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            help="Kubernetes: the namespace of the request (cluster-scoped when absent).",
        ),
    ] = None,
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    config: ConfigOpt = None,
    helm_values: HelmValuesOpt = None,
    helm_set: HelmSetOpt = None,
    release_name: ReleaseNameOpt = "release-name",
    release_namespace: ReleaseNamespaceOpt = "default",
    renderer: RendererOpt = "auto",
    helm_binary: HelmBinaryOpt = None,
    aws_account_id: AwsAccountOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Can an identity perform an action on a resource? Yes, Maybe or No, and why."""
    gc.disable()
    kubernetes = identity.startswith(("system:serviceaccount:", "k8s:ServiceAccount/"))
    try:
        helm = _helm_options(
            helm_values, helm_set, release_name, release_namespace, renderer, helm_binary
        )
        loaded, settings = _load(inputs, config, helm)
        index = _index(loaded, settings, aws_account_id, cluster)
        validate_cluster(index)
        google = None if kubernetes else _gcp_principal(index, identity)
        azure = None if kubernetes or google else _azure_principal(index, identity)
        if kubernetes:
            document = _k8s_query(index, identity, action, resource, namespace)
        elif google is not None:
            if namespace is not None:
                raise UsageError("--namespace applies to Kubernetes identities only")
            if not valid_permission(action):
                raise UsageError(
                    f"--action {action!r}: a Google Cloud permission is SERVICE.RESOURCE.VERB "
                    "(storage.objects.get)"
                )
            view = gcp_view(index)
            decision = view.decide(google, action, view.target(resource))
            document = gcp_query_json(view, google, action, resource, decision)
        elif azure is not None:
            if namespace is not None:
                raise UsageError("--namespace applies to Kubernetes identities only")
            if not valid_action(action):
                raise UsageError(
                    f"--action {action!r}: an Azure operation is Microsoft.PROVIDER/TYPE/.../"
                    "OPERATION (Microsoft.Storage/storageAccounts/listKeys/action)"
                )
            azure_index = azure_view(index)
            verdict = azure_index.decide(azure, action, azure_index.target(resource))
            document = azure_query_json(azure_index, azure, action, resource, verdict)
        else:
            identities = IdentityResolver(index).identities()
            found = find_identity(identities, identity)
            if found is None and "/" in identity and k8s_view(index).find(identity) is not None:
                # NAMESPACE/NAME of a service account of the inputs
                kubernetes = True
                document = _k8s_query(index, identity, action, resource, namespace)
            elif found is None:
                close = close_matches(identities, identity)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                known = f" ({len(identities)} AWS identities in the inputs)" if identities else ""
                raise UsageError(f"--identity {identity!r}: no such AWS identity{known}{hint}")
            else:
                if namespace is not None:
                    raise UsageError("--namespace applies to Kubernetes identities only")
                answer = answer_query(index, found, action, resource)
                document = query_json(answer)
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    finally:
        gc.enable()
    if output_format is TextOrJson.JSON:
        _write_json(document)
    elif google is not None or azure is not None:
        sys.stdout.write(grants_query_text(document) + "\n")
    elif kubernetes:
        sys.stdout.write(k8s_query_text(document) + "\n")
    else:
        sys.stdout.write(query_text(answer) + "\n")
    raise typer.Exit(_input_errors(loaded))


def _gcp_principal(index: ScanIndex, identity: str) -> Any:
    """The Google principal ``--identity`` names, when it names one (``None``: not Google)."""
    view = gcp_view(index)
    found = view.find(identity)
    if found is None and looks_like_gcp(identity):
        names = [p.node_id for p in view.principals()]
        close = difflib.get_close_matches(identity, names, n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"--identity {identity!r}: no such Google Cloud principal "
            f"({len(names)} in the inputs){hint}"
        )
    return found


def _azure_principal(index: ScanIndex, identity: str) -> Any:
    """The Azure identity ``--identity`` names, when it names one (``None``: not Azure)."""
    view = azure_view(index)
    found = view.find(identity)
    if found is None and identity.startswith(("azure:", "azurerm_", "azuread_")):
        names = [p.node_id for p in view.identities]
        close = difflib.get_close_matches(identity, names, n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"--identity {identity!r}: no such Azure identity ({len(names)} in the inputs){hint}"
        )
    return found


def _k8s_query(
    index: ScanIndex, identity: str, verb: str, resource: str, namespace: str | None
) -> dict[str, Any]:
    view = k8s_view(index)
    account = view.find(identity)
    if account is None:
        known = len(view.accounts)
        raise UsageError(
            f"--identity {identity!r}: no such service account in the inputs "
            f"({known} service account{'' if known == 1 else 's'} found)"
        )
    if resource == "*":
        raise UsageError("--resource: name the Kubernetes resource (pods, secrets, pods/exec)")
    return answer_k8s_query(view, account, verb, resource, namespace)


@app.command("identities")
def identities_command(
    inputs: InputsArg,
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    config: ConfigOpt = None,
    helm_values: HelmValuesOpt = None,
    helm_set: HelmSetOpt = None,
    release_name: ReleaseNameOpt = "release-name",
    release_namespace: ReleaseNamespaceOpt = "default",
    renderer: RendererOpt = "auto",
    helm_binary: HelmBinaryOpt = None,
    aws_account_id: AwsAccountOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Every identity (AWS roles, users and groups; GCP service accounts and members; Azure
    managed identities and service principals; Kubernetes service accounts): who can become it
    and what it can do."""
    gc.disable()
    try:
        helm = _helm_options(
            helm_values, helm_set, release_name, release_namespace, renderer, helm_binary
        )
        loaded, settings = _load(inputs, config, helm)
        index = _index(loaded, settings, aws_account_id, cluster)
        document = identities_json(index)
        kubernetes = k8s_view(index)
        document["identities"] += [
            account_json(kubernetes, a) for a in kubernetes.sorted_accounts()
        ]
        document["identities"] += gcp_identities_json(index)
        document["identities"] += azure_identities_json(index)
        attach_federations(index, document)
        attach_gke(index, document)
        attach_aks(index, document)
        attach_blast_radius(build_graph(index), document)
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    finally:
        gc.enable()
    if output_format is TextOrJson.JSON:
        _write_json(document)
    else:
        sys.stdout.write(identities_text(document))
    raise typer.Exit(_input_errors(loaded))


@app.command("paths")
def paths_command(
    inputs: InputsArg,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--from",
            help="Start from this node id (repeatable) instead of every entry point: "
            "k8s:Service/ml/vllm, k8s:ServiceAccount/ml/vllm, aws:iam_role/NAME, ci:github/...",
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            help="Only paths ending at this node id (repeatable): a crown jewel such as "
            "aws:s3_bucket/NAME, or any node (a role, a service account)",
        ),
    ] = None,
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    config: ConfigOpt = None,
    helm_values: HelmValuesOpt = None,
    helm_set: HelmSetOpt = None,
    release_name: ReleaseNameOpt = "release-name",
    release_namespace: ReleaseNamespaceOpt = "default",
    renderer: RendererOpt = "auto",
    helm_binary: HelmBinaryOpt = None,
    aws_account_id: AwsAccountOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Shortest paths from entry points (exposed workloads, agents, notebooks, CI subjects,
    external principals) to crown jewels (data, model artifacts, secrets, keys, Terraform
    state, the IAM control plane, cluster admin), through every layer."""
    gc.disable()
    try:
        helm = _helm_options(
            helm_values, helm_set, release_name, release_namespace, renderer, helm_binary
        )
        loaded, settings = _load(inputs, config, helm)
        index = _index(loaded, settings, aws_account_id, cluster)
        graph = build_graph(index)
        for node_id in [*(source or []), *(target or [])]:
            if node_id not in graph.nodes:
                close = difflib.get_close_matches(node_id, list(graph.nodes), n=3, cutoff=0.5)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise _fail(f"no node {node_id} in the graph of these inputs{hint}")
        document = paths_json(graph, find_paths(graph, source or None, target or None))
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    finally:
        gc.enable()
    if output_format is TextOrJson.JSON:
        _write_json(document)
    else:
        sys.stdout.write(paths_text(document))
    raise typer.Exit(_input_errors(loaded))


@app.command("diff")
def diff_command(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[INPUT...]",
            help="A plan (and manifests, charts): the world before is the plan's prior state.",
            show_default=False,
        ),
    ] = None,
    before: Annotated[
        list[str] | None,
        typer.Option("--before", help="The inputs of the world before (repeatable)."),
    ] = None,
    after: Annotated[
        list[str] | None,
        typer.Option("--after", help="The inputs of the world after (repeatable)."),
    ] = None,
    fail_on_new: FailOnNewOpt = None,
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    config: ConfigOpt = None,
    helm_values: HelmValuesOpt = None,
    helm_set: HelmSetOpt = None,
    release_name: ReleaseNameOpt = "release-name",
    release_namespace: ReleaseNamespaceOpt = "default",
    renderer: RendererOpt = "auto",
    helm_binary: HelmBinaryOpt = None,
    aws_account_id: AwsAccountOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """What a change grants or removes: per identity, the crown jewels it newly reaches or no
    longer reaches, and the paths from entry points the change opens or closes."""
    gc.disable()
    try:
        if (before is None) != (after is None) or (inputs and before is not None):
            raise UsageError("give INPUT... (a plan with its prior state), or --before and --after")
        if not inputs and before is None:
            raise UsageError("give INPUT... (a plan with its prior state), or --before and --after")
        helm = _helm_options(
            helm_values, helm_set, release_name, release_namespace, renderer, helm_binary
        )
        if before is not None and after is not None:
            old_loaded, settings = _load(before, config, helm)
            loaded, _ = _load(after, config, helm)
            old_resources = [r for doc in old_loaded.documents for r in doc.resources]
            errors = _input_errors(old_loaded)
        else:
            loaded, settings = _load(inputs or [], config, helm)
            old_loaded = loaded
            old_resources = prior_resources([r for doc in loaded.documents for r in doc.resources])
            errors = 0
        old_index = _index(old_loaded, settings, aws_account_id, cluster, old_resources)
        index = _index(loaded, settings, aws_account_id, cluster)
        validate_cluster(index)
        document = privilege_diff(
            old_index, index, prior="inputs" if before is not None else "state"
        )
        gate_new = fail_on_new or settings.fail_on_new or FailOn.NONE
        # written before the collector is on again: it would walk the two worlds' graphs
        if output_format is TextOrJson.JSON:  # the shape of a scan report's diff object
            sys.stdout.write(
                DiffOut.model_validate(document).model_dump_json(indent=2, by_alias=True) + "\n"
            )
        else:
            sys.stdout.write(diff_text(document))
        sys.stdout.flush()
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    finally:
        gc.enable()
    code = max(errors, _input_errors(loaded))
    if code == 0 and gate_trips(document, gate_new.value):
        code = 1
    raise typer.Exit(code)


def _report_file(inputs: list[str]) -> Report | None:
    """A finished iacguard JSON report given as the only input, else ``None``."""
    if len(inputs) != 1 or inputs[0] == "-" or not inputs[0].endswith(".json"):
        return None
    path = Path(inputs[0])
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool", {}).get("name") != "iacguard":
        return None
    if "schema_version" not in data:
        return None
    try:
        return Report.model_validate(data)
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(str(path), f"not a report of this iacguard version ({first})") from None


@app.command("comment")
def comment_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...|REPORT.json",
            help="Inputs to scan, or a JSON report iacguard wrote (it is posted as it is).",
            show_default=False,
        ),
    ],
    forge: Annotated[
        str | None,
        typer.Option("--forge", help="github or gitlab [default: from the CI variables]"),
    ] = None,
    behavior: Annotated[
        str,
        typer.Option(
            "--behavior",
            help="update (edit iacguard's comment, or post one), new, delete-and-new, or "
            "hide-and-new (GitHub).",
        ),
    ] = "update",
    tag: Annotated[
        str, typer.Option("--tag", help="Keeps several iacguard jobs' comments apart.")
    ] = "",
    token_env: Annotated[
        str | None,
        typer.Option(
            "--token-env",
            metavar="NAME",
            help="The environment variable holding the token [default: GITHUB_TOKEN or "
            "GITLAB_TOKEN].",
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option("--api-url", help="The forge's API (GitHub Enterprise, self-hosted GitLab)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", help="OWNER/REPO on GitHub, the project id on GitLab."),
    ] = None,
    number: Annotated[
        int | None,
        typer.Option("--number", help="The pull request number or the merge request iid."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be posted; post nothing.")
    ] = False,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            case_sensitive=False,
            help="Exit 1 when an unsuppressed finding is at or above this severity (after "
            "posting).",
        ),
    ] = FailOn.NONE,
    fail_on_new: Annotated[
        FailOn,
        typer.Option(
            "--fail-on-new",
            case_sensitive=False,
            help="Exit 1 when the change adds something at or above this severity (after posting).",
        ),
    ] = FailOn.NONE,
    full_report: Annotated[
        str | None,
        typer.Option("--full-report", metavar="URL", help="Where the full report is."),
    ] = None,
    config: ConfigOpt = None,
    helm_values: HelmValuesOpt = None,
    helm_set: HelmSetOpt = None,
    release_name: ReleaseNameOpt = "release-name",
    release_namespace: ReleaseNamespaceOpt = "default",
    renderer: RendererOpt = "auto",
    helm_binary: HelmBinaryOpt = None,
    aws_account_id: AwsAccountOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Post the Markdown report on the current pull or merge request (GitHub, GitLab)."""
    gc.disable()
    client = None
    try:
        if behavior not in BEHAVIORS:
            raise UsageError(f"--behavior {behavior!r}: choose {', '.join(BEHAVIORS)}")
        target = detect(
            os.environ, forge, api_url, project, number, token_env, need_token=not dry_run
        )
        report = _report_file(inputs)
        code = EXIT_OK
        if report is None:
            helm = _helm_options(
                helm_values, helm_set, release_name, release_namespace, renderer, helm_binary
            )
            loaded, settings = _load(inputs, config, helm)
            scope = _scope(aws_account_id, cluster, loaded)
            result = scan(loaded, settings, discover_checks([]), scope=scope,
                          fail_on_new=fail_on_new)  # fmt: skip
            report = build_report(result, fail_on, fail_on_new=fail_on_new)
            code = _input_errors(loaded)
        body = render_markdown(report, LIMITS[target.forge] - 200, full_report)
        if dry_run:
            sys.stdout.write(body)
            outcome = Outcome("dry-run")
        else:
            client = ForgeClient(target)
            outcome = post_comment(client, body, behavior, tag)  # type: ignore[arg-type]
        _stderr().print(outcome.line(target), markup=False, highlight=False)
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    finally:
        if client is not None:
            client.close()
        gc.enable()
    raise typer.Exit(code or (EXIT_GATE if _gates(report, fail_on, fail_on_new) else EXIT_OK))


def _gates(report: Report, fail_on: FailOn, fail_on_new: FailOn) -> bool:
    """Do the comment's own gates trip on the report (a finished report's gate was set by
    the scan that wrote it)?"""
    severities = [s.value for s in Severity]
    if fail_on is not FailOn.NONE:
        limit = severities.index(fail_on.value)
        if report.errors or any(
            not f.suppressed and severities.index(f.severity) <= limit for f in report.findings
        ):
            return True
    diff = report.diff.model_dump() if report.diff is not None else None
    return gate_trips(diff, fail_on_new.value)


checks_app = typer.Typer(
    name="checks", help="List and explain the checks iacguard runs.", no_args_is_help=True
)
app.add_typer(checks_app)


def _check_json(item: Check) -> dict[str, object]:
    return {
        "id": item.id,
        "title": item.title,
        "severity": item.severity.value,
        "confidence": item.confidence.value,
        "inspects": list(item.inspects),
        "frameworks": {k: list(v) for k, v in sorted(item.frameworks.items())},
        "remediation": item.remediation,
        "provider": item.provider,
        "docs": item.docs,
    }


@checks_app.command("list")
def checks_list_command(
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    checks_dir: ChecksDirOpt = None,
) -> None:
    """List every check: built-in, from plugins and from --checks-dir."""
    try:
        checks = discover_checks(checks_dir or [])
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    if output_format is TextOrJson.JSON:
        document = {"checks": [_check_json(c) for c in checks]}
        _write_json(document)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "severity", "title", "provider"):
        table.add_column(column, overflow="fold")
    for item in checks:
        table.add_row(item.id, item.severity.value, item.title, item.provider)
    _stdout_console().print(table)


@checks_app.command("show")
def checks_show_command(
    check_id: Annotated[str, typer.Argument(metavar="ID", help="A check id.")],
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    checks_dir: ChecksDirOpt = None,
) -> None:
    """Show a check's metadata and documentation."""
    try:
        checks = {c.id: c for c in discover_checks(checks_dir or [])}
        item = checks.get(check_id)
        if item is None:
            close = difflib.get_close_matches(check_id, list(checks), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"unknown check id {check_id!r}{hint}; see `iacguard checks list`")
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    if output_format is TextOrJson.JSON:
        _write_json(_check_json(item))
        return
    catalog = load_catalog()
    lines = [
        f"{item.id}: {item.title}",
        f"severity {item.severity.value}, confidence {item.confidence.value}, "
        f"provided by {item.provider}",
        f"inspects: {', '.join(item.inspects)}",
        "frameworks:",
    ]
    lines += [
        f"  {control.framework} {control.id}: {control.title}"
        for control in mapped_controls(item, catalog)
    ]
    lines += ["", item.docs, "", f"Remediation: {item.remediation}"]
    sys.stdout.write("\n".join(lines) + "\n")


@app.command("frameworks")
def frameworks_command(
    control: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]",
            help="A control id, current or legacy (PR.AA-05, PR.AC-4, ASI03, AGENT-03, NHI5...).",
            show_default=False,
        ),
    ] = None,
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
    checks_dir: ChecksDirOpt = None,
) -> None:
    """List frameworks and their controls, or resolve one control id and list its checks."""
    try:
        catalog = load_catalog()
        checks = discover_checks(checks_dir or [])
        if control is None:
            _print_frameworks(catalog, checks, output_format)
            return
        resolution = catalog.resolve(control)
    except IacguardError as exc:
        raise _fail(exc.one_line()) from None
    mapped = {
        (c.framework, c.id): [
            item.id for item in checks if c.id in item.frameworks.get(c.framework, ())
        ]
        for c in resolution.controls
    }
    if output_format is TextOrJson.JSON:
        document = {
            "query": resolution.query,
            "via": resolution.via,
            "controls": [
                {
                    "framework": c.framework,
                    "id": c.id,
                    "title": c.title,
                    "checks": mapped[(c.framework, c.id)],
                }
                for c in resolution.controls
            ],
        }
        _write_json(document)
        return
    lines = []
    if resolution.via:
        lines.append(resolution.via)
    for c in resolution.controls:
        lines.append(f"{c.framework} {c.id}: {c.title}")
        found = mapped[(c.framework, c.id)]
        lines.append("  checks: " + (", ".join(found) if found else "(none map to it yet)"))
    sys.stdout.write("\n".join(lines) + "\n")


def _print_frameworks(catalog: Catalog, checks: list[Check], output_format: TextOrJson) -> None:
    counts: dict[tuple[str, str], int] = {}
    for item in checks:
        for framework_id, controls in item.frameworks.items():
            for control_id in controls:
                counts[(framework_id, control_id)] = counts.get((framework_id, control_id), 0) + 1
    if output_format is TextOrJson.JSON:
        document = {
            "catalog_version": catalog.version,
            "frameworks": [
                {
                    "id": f.id,
                    "name": f.name,
                    "version": f.version,
                    "url": f.url,
                    "controls": [
                        {"id": c.id, "title": c.title, "checks": counts.get((f.id, c.id), 0)}
                        for c in f.controls.values()
                    ],
                }
                for f in catalog.frameworks.values()
            ],
        }
        _write_json(document)
        return
    lines = []
    for framework in catalog.frameworks.values():
        lines.append(f"{framework.id}: {framework.name} {framework.version}")
        for c in framework.controls.values():
            used = counts.get((framework.id, c.id), 0)
            lines.append(f"  {c.id:<16} {c.title}" + (f"  [{used} checks]" if used else ""))
    sys.stdout.write("\n".join(lines) + "\n")


@app.command("version")
def version_command(
    output_format: TextOrJsonOpt = TextOrJson.TEXT,
) -> None:
    """Print the iacguard version and the versions of the data it uses."""
    versions = data_versions()
    if output_format is TextOrJson.JSON:
        _write_json({"iacguard": tool_version(), "data": versions})
        return
    lines = [f"iacguard {tool_version()}"]
    lines += [f"  {name} {value}" for name, value in versions.items()]
    sys.stdout.write("\n".join(lines) + "\n")


def main() -> None:
    """Console-script entry point.

    Usage errors become one line and exit 2; surprises become one line and exit 3.
    """
    try:
        code = app(standalone_mode=False)
    except _click_exceptions.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except _click_exceptions.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        message = " ".join(exc.format_message().split())
        _stderr().print(f"iacguard: error: {message}{hint}", markup=False)
        sys.exit(EXIT_USAGE)
    except _click_exceptions.ClickException as exc:
        _stderr().print(f"iacguard: error: {' '.join(exc.format_message().split())}", markup=False)
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, typer.Abort):
        _stderr().print("iacguard: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        _stderr().print(
            f"iacguard: internal error: {type(exc).__name__}: {redact_text(str(exc))[:300]} "
            "(set IACGUARD_DEBUG=1 for a traceback, and please report it)",
            markup=False,
        )
        sys.exit(EXIT_INTERNAL)
    _exit_now(code if isinstance(code, int) else EXIT_OK)


def _exit_now(code: int) -> None:
    """Exit without tearing the interpreter down: freeing the objects of a large scan one by
    one takes half a second at 10,000 resources, and nothing is left to clean up (every file
    the commands write is closed when they return). Falls back to ``sys.exit`` when the
    streams cannot be flushed (a closed pipe)."""
    try:
        atexit._run_exitfuncs()  # plugins' exit handlers still run
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
