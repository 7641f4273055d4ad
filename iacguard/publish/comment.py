"""Post the Markdown report on a pull or merge request, as Infracost does, with four behaviours:

- ``update`` (default): edit iacguard's comment, or post one if there is none; nothing is sent
  when the body is unchanged;
- ``new``: post a new comment each time;
- ``delete-and-new``: delete iacguard's earlier comments, then post;
- ``hide-and-new``: minimise the earlier comments as outdated (GitHub's GraphQL
  ``minimizeComment``), then post. GitLab has no hidden comments: it is refused there.

iacguard's comments carry a hidden marker, ``<!-- iacguard-comment: PROJECT TAG -->``, so each
job (``--tag``) finds its own comment and leaves the others alone.

Endpoints: GitHub ``GET/POST /repos/{owner}/{repo}/issues/{number}/comments``,
``PATCH/DELETE /repos/{owner}/{repo}/issues/comments/{id}``, GraphQL ``minimizeComment``;
GitLab ``GET/POST /projects/:id/merge_requests/:iid/notes``, ``PUT/DELETE
.../notes/:note_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import quote

from iacguard.errors import UsageError
from iacguard.publish.client import ForgeClient, ForgeError
from iacguard.publish.forge import Target

Behavior = Literal["update", "new", "delete-and-new", "hide-and-new"]
BEHAVIORS: Final = ("update", "new", "delete-and-new", "hide-and-new")


def marker(target: Target, tag: str) -> str:
    """The hidden line that identifies iacguard's comment for this project and tag."""
    safe = "".join(c for c in f"{target.project} {tag}".strip() if c not in "<>-")
    return f"<!-- iacguard-comment: {safe} -->"


@dataclass(frozen=True)
class Outcome:
    """What was done."""

    action: Literal["created", "updated", "unchanged", "dry-run"]
    comment_id: str | None = None
    url: str | None = None
    removed: int = 0
    hidden: int = 0

    def line(self, target: Target) -> str:
        done = {"created": "posted a comment on", "updated": "updated its comment on",
                "unchanged": "left its comment unchanged on",
                "dry-run": "would comment on"}[self.action]  # fmt: skip
        extra = []
        if self.removed:
            extra.append(f"deleted {self.removed} earlier")
        if self.hidden:
            extra.append(f"hid {self.hidden} earlier")
        where = f" ({self.url})" if self.url else ""
        more = f"; {', '.join(extra)}" if extra else ""
        return f"iacguard {done} {target.describe()}{where}{more}"


class _Api:
    """The four calls, per forge."""

    def __init__(self, client: ForgeClient) -> None:
        self.client = client
        target = client.target
        if target.forge == "github":
            self.base = f"/repos/{target.project}/issues"
            self.list_url = f"{self.base}/{target.number}/comments"
        else:
            project = quote(str(target.project), safe="")
            self.base = f"/projects/{project}/merge_requests/{target.number}/notes"
            self.list_url = self.base

    def comments(self) -> list[dict[str, Any]]:
        return list(self.client.paginate(self.list_url))

    def create(self, body: str) -> dict[str, Any]:
        response = self.client.request("POST", self.list_url, json={"body": body})
        found: dict[str, Any] = response.json()
        return found

    def update(self, comment: dict[str, Any], body: str) -> dict[str, Any]:
        if self.client.target.forge == "github":
            response = self.client.request(
                "PATCH", f"{self.base}/comments/{comment['id']}", json={"body": body}
            )
        else:
            response = self.client.request(
                "PUT", f"{self.base}/{comment['id']}", json={"body": body}
            )
        found: dict[str, Any] = response.json()
        return found

    def delete(self, comment: dict[str, Any]) -> None:
        if self.client.target.forge == "github":
            self.client.request("DELETE", f"{self.base}/comments/{comment['id']}")
        else:
            self.client.request("DELETE", f"{self.base}/{comment['id']}")

    def hide(self, comment: dict[str, Any]) -> None:
        node_id = comment.get("node_id")
        if not node_id:
            raise ForgeError(f"comment {comment.get('id')} has no node_id to minimise")
        query = (
            "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED})"
            " { minimizedComment { isMinimized } } }"
        )
        response = self.client.request(
            "POST", _graphql_url(self.client.target.api_url),
            json={"query": query, "variables": {"id": node_id}},
        )  # fmt: skip
        body = response.json()
        if isinstance(body, dict) and body.get("errors"):
            messages = "; ".join(str(e.get("message", "")) for e in body["errors"])[:200]
            raise ForgeError(f"minimizeComment: {messages}")


def _graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint beside its REST API (``/api/v3`` → ``/api/graphql`` on GitHub
    Enterprise Server)."""
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/v3")] + "/graphql"
    return api_url + "/graphql"


def _url(comment: dict[str, Any]) -> str | None:
    url = comment.get("html_url") or comment.get("url")
    return url if isinstance(url, str) else None


def post_comment(
    client: ForgeClient, body: str, behavior: Behavior = "update", tag: str = ""
) -> Outcome:
    """Post ``body`` (the marker is added) with the behaviour's calls."""
    target = client.target
    if behavior == "hide-and-new" and target.forge == "gitlab":
        raise UsageError("--behavior hide-and-new: GitLab cannot hide notes; use delete-and-new")
    mark = marker(target, tag)
    text = f"{body.rstrip()}\n\n{mark}\n"
    api = _Api(client)
    if behavior == "new":
        created = api.create(text)
        return Outcome("created", str(created.get("id")), _url(created))
    ours = [c for c in api.comments() if mark in str(c.get("body", ""))]
    if behavior == "update":
        if ours:
            latest = ours[-1]
            if str(latest.get("body", "")).strip() == text.strip():
                return Outcome("unchanged", str(latest.get("id")), _url(latest))
            updated = api.update(latest, text)
            return Outcome("updated", str(updated.get("id", latest.get("id"))), _url(updated))
        created = api.create(text)
        return Outcome("created", str(created.get("id")), _url(created))
    removed = hidden = 0
    for comment in ours:
        if behavior == "delete-and-new":
            api.delete(comment)
            removed += 1
        elif not comment.get("minimized") and not comment.get("isMinimized"):
            api.hide(comment)
            hidden += 1
    created = api.create(text)
    return Outcome("created", str(created.get("id")), _url(created), removed, hidden)
