"""Where a comment goes: the forge, its API, the project and the pull or merge request, read from
the CI variables each forge sets (options override them), and the token from the environment.

GitHub Actions: ``GITHUB_ACTIONS``, ``GITHUB_REPOSITORY`` (``owner/repo``), ``GITHUB_EVENT_PATH``
(the event's JSON: ``pull_request.number``, or ``issue.number`` for an issue comment),
``GITHUB_API_URL`` (``https://api.github.com``; GitHub Enterprise Server's ``/api/v3``);
token ``GITHUB_TOKEN``.

GitLab CI: ``GITLAB_CI``, ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_MERGE_REQUEST_IID`` (set in
merge-request pipelines); token ``GITLAB_TOKEN``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from iacguard.errors import UsageError

Forge = Literal["github", "gitlab"]

#: Comment size limits (characters): GitHub's issue comments, GitLab's notes.
LIMITS: dict[str, int] = {"github": 65_536, "gitlab": 1_000_000}
DEFAULT_TOKEN_ENV: dict[str, str] = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN"}


@dataclass(frozen=True)
class Target:
    """A pull or merge request to comment on."""

    forge: Forge
    api_url: str
    project: str
    """``owner/repo`` on GitHub; the project id (or its path) on GitLab."""
    number: int
    """The pull request number, or the merge request's iid."""
    token: str = field(repr=False)
    token_env: str = ""

    def describe(self) -> str:
        what = "pull request" if self.forge == "github" else "merge request"
        return f"{self.forge} {self.project} {what} {self.number}"


def detect(
    env: Mapping[str, str],
    forge: str | None = None,
    api_url: str | None = None,
    project: str | None = None,
    number: int | None = None,
    token_env: str | None = None,
    need_token: bool = True,
) -> Target:
    """The target from the options, else the CI variables.

    Raises:
        UsageError: the forge, project, request or token cannot be found (one line, saying
            which variable or option would give it).
    """
    name = forge or _detect_forge(env)
    if name not in ("github", "gitlab"):
        raise UsageError(
            "cannot tell the forge: give --forge github|gitlab (or run in GitHub Actions or "
            "GitLab CI)"
        )
    if name == "github":
        api = api_url or env.get("GITHUB_API_URL") or "https://api.github.com"
        where = project or env.get("GITHUB_REPOSITORY")
        found = number if number is not None else _github_number(env)
        if not where:
            raise UsageError("no repository: give --project OWNER/REPO or set GITHUB_REPOSITORY")
        if found is None:
            raise UsageError(
                "no pull request: give --number N, or run on a pull_request event "
                "(GITHUB_EVENT_PATH names its payload)"
            )
    else:
        api = api_url or env.get("CI_API_V4_URL") or ""
        where = project or env.get("CI_PROJECT_ID")
        iid = env.get("CI_MERGE_REQUEST_IID")
        found = number if number is not None else (int(iid) if iid and iid.isdigit() else None)
        if not api:
            raise UsageError("no GitLab API: give --api-url or set CI_API_V4_URL")
        if not where:
            raise UsageError("no project: give --project ID or set CI_PROJECT_ID")
        if found is None:
            raise UsageError(
                "no merge request: give --number IID, or run in a merge-request pipeline "
                "(CI_MERGE_REQUEST_IID)"
            )
    variable = token_env or DEFAULT_TOKEN_ENV[name]
    token = env.get(variable, "")
    if need_token and not token:
        raise UsageError(f"no token: set {variable} (or name another variable with --token-env)")
    return Target(name, api.rstrip("/"), where, found, token, variable)  # type: ignore[arg-type]


def _detect_forge(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    return None


def _github_number(env: Mapping[str, str]) -> int | None:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        raise UsageError(f"GITHUB_EVENT_PATH {path}: cannot read the event payload") from None
    for key in ("pull_request", "issue"):
        item = event.get(key) if isinstance(event, dict) else None
        if isinstance(item, dict) and isinstance(item.get("number"), int):
            return int(item["number"])
    number = event.get("number") if isinstance(event, dict) else None
    return number if isinstance(number, int) else None
