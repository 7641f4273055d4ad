"""What workloads are configured with, wherever they come from (manifests, Helm charts rendered
with their values, a plan's ``kubernetes_*`` resources): credentials written into the pod spec,
model servers on mutable images, notebooks and ML tools with their authentication turned off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iacguard.checks.kubernetes import pod_evidence

from iacguard.engine import CheckContext, check
from iacguard.findings import Confidence, Finding, Severity
from iacguard.k8s.identities import k8s_view
from iacguard.k8s.objects import as_dict, as_list, body, objects
from iacguard.k8s.workloads import PodSpec
from iacguard.model.values import Sensitive

_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob")

#: Environment variables that carry cloud credentials when given a literal value.
CLOUD_ENV = {
    "AWS_ACCESS_KEY_ID": "AWS access key",
    "AWS_SECRET_ACCESS_KEY": "AWS secret key",
    "AWS_SESSION_TOKEN": "AWS session token",
    "GOOGLE_APPLICATION_CREDENTIALS_JSON": "GCP service account key",
    "GOOGLE_CREDENTIALS": "GCP service account key",
    "AZURE_CLIENT_SECRET": "Azure client secret",
    "AZURE_STORAGE_KEY": "Azure storage key",
    "AZURE_STORAGE_CONNECTION_STRING": "Azure storage connection string",
    "ARM_CLIENT_SECRET": "Azure client secret",
}


@check(
    id="k8s-workload-env-cloud-credentials",
    title="Workload gets cloud credentials as literal environment values",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "RayCluster", "InferenceService", "Notebook"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-01", "PR.AA-05"],
        "owasp-nhi-2025": ["NHI7", "NHI2"],
        "owasp-agentic-top10-2026": ["ASI03"],
        "owasp-llm-top10-2025": ["LLM02"],
        "cis-kubernetes": ["5.4.1"],
        "mitre-atlas": ["AML.T0055"],
    },
    remediation=(
        "Give the pod a cloud identity (IRSA or EKS Pod Identity, GKE or Azure Workload "
        "Identity); if a key is unavoidable, keep it in a Secret (or an external store) and "
        "reference it with valueFrom.secretKeyRef, never in the chart's values."
    ),
)
def workload_env_cloud_credentials(ctx: CheckContext) -> Iterator[Finding]:
    """A container whose environment sets a cloud credential (`AWS_SECRET_ACCESS_KEY`,
    `AZURE_CLIENT_SECRET`, `GOOGLE_CREDENTIALS`...) to a literal value rather than a reference
    to a Secret. Public charts of model servers and vector databases do this from their values:
    the key lands in the Deployment, readable by anyone who can `get` Deployments or pods, in
    every `helm get values`, and in the Terraform state of a `helm_release`.

    The value is never printed: it is masked when loaded; the variable's name decides.

    Before: `env: [{name: AWS_SECRET_ACCESS_KEY, value: ...}]` from `values.s3.secretKey`.
    After: a service account with IRSA, no key at all.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        hits: list[dict[str, Any]] = []
        for container in pod.containers:
            for entry in as_list(container.get("env")):
                env = as_dict(entry)
                name = env.get("name")
                value = env.get("value")
                if not isinstance(name, str) or name.upper() not in CLOUD_ENV:
                    continue
                literal = isinstance(value, Sensitive) or (isinstance(value, str) and value)
                if literal:
                    hits.append(
                        {
                            "container": container.get("name"),
                            "variable": name,
                            "credential": CLOUD_ENV[name.upper()],
                        }
                    )
        if not hits:
            continue
        kinds = sorted({h["credential"] for h in hits})
        yield ctx.finding(
            pod.workload,
            f"{pod.part} of {pod.workload.address} sets {', '.join(kinds)} as literal "
            f"environment values ({', '.join(sorted({h['variable'] for h in hits}))})",
            evidence=[pod_evidence(pod), {"kind": "environment", "variables": hits}],
            key=pod.part,
        )


# --------------------------------------------------------------------------------------------
# Model server images
# --------------------------------------------------------------------------------------------

_MODEL_SERVERS = re.compile(
    r"vllm|text-generation-inference|tritonserver|ollama|sglang|lmdeploy|localai|"
    r"llama[.-]cpp|torchserve|tensorflow/serving|kserve|seldon|ray-ml|rayproject/ray|"
    r"qdrant|weaviate|milvus|chroma|jupyter|mlflow",
    re.IGNORECASE,
)


def _image_pin(image: str) -> str | None:
    """Why an image reference is not pinned, or None when it names a tag or digest."""
    if "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return "no tag: pulls latest"
    tag = name.rsplit(":", 1)[1]
    if tag.lower() in ("latest", "main", "master", "nightly", "dev", "edge"):
        return f"the moving tag {tag}"
    return None


@check(
    id="k8s-model-server-image-unpinned",
    title="Model server, vector database or notebook image is not pinned to a version",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "RayCluster", "InferenceService", "Notebook"),
    frameworks={
        "nist-csf-2.0": ["PR.PS-02", "PR.PS-01"],
        "owasp-nhi-2025": ["NHI3"],
        "owasp-agentic-top10-2026": ["ASI04"],
        "owasp-llm-top10-2025": ["LLM03"],
        "mitre-atlas": ["AML.T0010.001"],
    },
    remediation=(
        "Pin the image to a release tag, or better a digest (`vllm/vllm-openai@sha256:...`), "
        "and update it deliberately; set the chart's `image.tag` in your values."
    ),
)
def model_server_image_unpinned(ctx: CheckContext) -> Iterator[Finding]:
    """A container of a model server (vLLM, TGI, Triton, Ollama, KServe, Ray...), a vector
    database (Qdrant, Weaviate, Milvus, Chroma) or a notebook image that has no tag or a moving
    one (`latest`, `main`, `nightly`).

    Every restart may pull different code into the process that holds the model, the GPU and
    the workload's cloud identity; a compromised or broken upstream build reaches production
    without review, and what runs cannot be reproduced.

    Before: `image: vllm/vllm-openai:latest`. After: `vllm/vllm-openai:v0.6.3@sha256:...`.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        loose = []
        for container in pod.containers:
            image = container.get("image")
            if not isinstance(image, str) or not _MODEL_SERVERS.search(image):
                continue
            why = _image_pin(image)
            if why is not None:
                loose.append({"container": container.get("name"), "image": image, "why": why})
        if not loose:
            continue
        yield ctx.finding(
            pod.workload,
            f"{pod.part} of {pod.workload.address} runs "
            + "; ".join(f"{c['image']}, {c['why']}" for c in loose),
            evidence=[pod_evidence(pod), {"kind": "images", "unpinned": loose}],
            key=pod.part,
        )


# --------------------------------------------------------------------------------------------
# Authentication turned off
# --------------------------------------------------------------------------------------------

_JUPYTER_SETTING = re.compile(
    r"--(?:NotebookApp|ServerApp|IdentityProvider)\.(token|password)(?:=|\s+)(''|\"\"|\S*)"
)
_HUB_OPEN = re.compile(
    r"(?:DummyAuthenticator|NullAuthenticator|authenticator_class\s*[:=]\s*['\"]?(?:dummy|null)"
    r"['\"]?|type:\s*dummy)",
    re.IGNORECASE,
)


def _args(container: dict[str, Any]) -> str:
    return " ".join(
        str(a) for a in [*as_list(container.get("command")), *as_list(container.get("args"))]
    )


def _auth_off(pod: PodSpec) -> list[str]:
    """What in the pod spec turns authentication off, as the inputs show it."""
    found: list[str] = []
    for container in pod.containers:
        arguments = _args(container)
        settings = {m.group(1): m.group(2) for m in _JUPYTER_SETTING.finditer(arguments)}
        # Jupyter lets anyone in only when the token is empty and no password is set (an
        # empty JUPYTER_TOKEN variable makes it generate a random token: not a switch-off)
        empty = ("", "''", '""')
        if settings.get("token", "x") in empty and settings.get("password", "") in empty:
            found.append("Jupyter started with an empty token and no password")
        image = str(container.get("image", "")).lower()
        command = f" {arguments} "
        if (
            ("mlflow" in image or "mlflow " in command)
            and (" server " in command or " ui " in command)
            and "--app-name" not in command
        ):
            found.append("MLflow tracking server started without --app-name basic-auth")
    return found


@check(
    id="k8s-ml-tool-auth-disabled",
    title="Notebook, JupyterHub or MLflow runs with its authentication turned off",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    inspects=(*_WORKLOADS, "Notebook", "ConfigMap"),
    frameworks={
        "nist-csf-2.0": ["PR.AA-03"],
        "owasp-nhi-2025": ["NHI4"],
        "owasp-agentic-top10-2026": ["ASI05"],
        "owasp-llm-top10-2025": ["LLM06"],
        "mitre-atlas": ["AML.T0049"],
    },
    remediation=(
        "Keep the tool's own authentication on (a Jupyter token or password, JupyterHub's "
        "OAuth or LDAP authenticator, MLflow's basic-auth app) or put an authenticating "
        "proxy in front; a chart value that disables it is for local development only."
    ),
)
def ml_tool_auth_disabled(ctx: CheckContext) -> Iterator[Finding]:
    """A Jupyter server started with an empty token or password (`--NotebookApp.token=''`,
    `--ServerApp.token=''`, with no password), a JupyterHub configured with the dummy or null
    authenticator (in a hub configuration ConfigMap; Secrets are masked at load and never
    read), or an MLflow tracking server or UI started without `--app-name basic-auth`: values
    meant for a laptop, shipped to a cluster.

    Anyone who reaches the port runs code (a notebook is a shell) with the pod's service
    account and cloud identity, or rewrites experiments and registered models. Exposure is
    judged by `k8s-ai-workload-exposed-unauthenticated`; this check reports the switch itself,
    since in-cluster reach (another compromised pod) is enough.

    Before: `--NotebookApp.token=''`. After: a token from a Secret, or JupyterHub with OAuth.
    """
    view = k8s_view(ctx.index)
    for pod in view.pods:
        found = _auth_off(pod)
        if found:
            yield ctx.finding(
                pod.workload,
                f"{pod.part} of {pod.workload.address}: " + "; ".join(found),
                evidence=[pod_evidence(pod), {"kind": "authentication", "disabled": found}],
                key=pod.part,
            )
    for config in objects(view.objects, "ConfigMap", "Secret"):
        data = {
            **as_dict(body(config).get("data")),
            **as_dict(body(config).get("stringData")),
        }
        for key, value in data.items():
            if isinstance(value, str) and _HUB_OPEN.search(value):
                match = _HUB_OPEN.search(value)
                yield ctx.finding(
                    config,
                    f"{config.address} configures JupyterHub with an authenticator that lets "
                    f"anyone in ({key}: {match.group(0).strip() if match else 'dummy'})",
                    evidence=[
                        {
                            "kind": "hub-config",
                            "object": config.address,
                            "key": key,
                            "setting": match.group(0) if match else "",
                        }
                    ],
                    key=f"{config.address}/{key}",
                )
                break
