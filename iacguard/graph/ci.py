"""What a CI OIDC subject admits, shared by the AWS trust, GCP pool and Azure federated
credential edges."""

from __future__ import annotations


def ci_scope(provider: str, subject: str) -> dict[str, str]:
    """What a CI OIDC ``sub`` admits, field by field, ``any`` where a wildcard or its absence
    admits every value: GitHub ``repo:ORG/REPO:ref:refs/heads/BRANCH`` (or ``:environment:ENV``,
    ``:pull_request``, ``:ref:refs/tags/TAG``), GitLab
    ``project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH``, Terraform Cloud
    ``organization:ORG:project:PROJECT:workspace:WS:run_phase:PHASE``."""

    def shown(value: str | None) -> str:
        if value is None or value in ("", "*") or value.strip("*?") == "":
            return "any"
        return f"{value} (a wildcard)" if any(c in value for c in "*?") else value

    if subject == "*":
        return {"subject": "any"}
    if provider == "github":
        body = subject.removeprefix("repo:")
        repository, _, rest = body.partition(":")
        found = {"repository": shown(repository)}
        if rest.startswith("ref:refs/heads/"):
            found["branch"] = shown(rest.removeprefix("ref:refs/heads/"))
        elif rest.startswith("ref:refs/tags/"):
            found["tag"] = shown(rest.removeprefix("ref:refs/tags/"))
        elif rest.startswith("environment:"):
            found["environment"] = shown(rest.removeprefix("environment:"))
        elif rest == "pull_request":
            found["event"] = "pull_request"
        else:
            found["ref"] = shown(rest or None)
        return found
    if provider == "gitlab":
        fields = dict(zip(subject.split(":")[::2], subject.split(":")[1::2], strict=False))
        return {
            "project": shown(fields.get("project_path")),
            "ref_type": shown(fields.get("ref_type")),
            "ref": shown(fields.get("ref")),
        }
    fields = dict(zip(subject.split(":")[::2], subject.split(":")[1::2], strict=False))
    return {
        "organization": shown(fields.get("organization")),
        "project": shown(fields.get("project")),
        "workspace": shown(fields.get("workspace")),
        "run_phase": shown(fields.get("run_phase")),
    }
