"""A local GitHub and GitLab for the comment tests: the endpoints ``iacguard comment`` uses,
with their status codes, pagination (``per_page``, ``Link`` headers, GitLab's ``X-Next-Page``),
rate-limit answers on demand, and a log of every request made.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghp_fakeTokenForTests1234567890abcdef"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    auth: str


@dataclass
class ForgeState:
    comments: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    rate_limit_next: int = 0
    """Answer this many of the next requests with 429 (Retry-After: 0)."""
    next_id: int = 100
    minimized: list[str] = field(default_factory=list)

    def add(self, body: str, author: str = "someone") -> dict[str, Any]:
        self.next_id += 1
        comment = {
            "id": self.next_id,
            "node_id": f"IC_{self.next_id}",
            "body": body,
            "user": {"login": author},
            "html_url": f"https://forge.example/c/{self.next_id}",
        }
        self.comments.append(comment)
        return comment


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        auth = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN") or ""
        state.calls.append(Call(self.command, parts.path, parse_qs(parts.query), body, auth))
        if state.rate_limit_next:
            state.rate_limit_next -= 1
            self._send(429, {"message": "slow down"}, {"Retry-After": "0"})
            return
        if TOKEN not in auth:
            self._send(401, {"message": "Bad credentials"})
            return
        self.route(parts.path, parse_qs(parts.query), body)

    def route(self, path: str, query: dict[str, list[str]], body: Any) -> None:
        state = self.server.state
        github_list = re.fullmatch(r"/repos/acme/ml/issues/7/comments", path)
        github_one = re.fullmatch(r"/repos/acme/ml/issues/comments/(\d+)", path)
        gitlab_list = re.fullmatch(r"/api/v4/projects/42/merge_requests/7/notes", path)
        gitlab_one = re.fullmatch(r"/api/v4/projects/42/merge_requests/7/notes/(\d+)", path)
        if path == "/graphql" and self.command == "POST":
            node = body["variables"]["id"]
            state.minimized.append(node)
            for comment in state.comments:
                if comment["node_id"] == node:
                    comment["minimized"] = True
            self._send(
                200, {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}}
            )
            return
        if github_list or gitlab_list:
            if self.command == "GET":
                per_page = int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
                items = state.comments[(page - 1) * per_page : page * per_page]
                headers = {}
                if page * per_page < len(state.comments):
                    url = f"http://{self.headers['Host']}{path}?per_page={per_page}&page={page + 1}"
                    headers["Link"] = f'<{url}>; rel="next"'
                    headers["X-Next-Page"] = str(page + 1)
                self._send(200, items, headers)
            elif self.command == "POST":
                self._send(201, state.add(body["body"], "iacguard-bot"))
            else:
                self._send(405, {"message": "method"})
            return
        match = github_one or gitlab_one
        if match:
            found = [c for c in state.comments if c["id"] == int(match.group(1))]
            if not found:
                self._send(404, {"message": "Not Found"})
                return
            if self.command in ("PATCH", "PUT"):
                found[0]["body"] = body["body"]
                self._send(200, found[0])
            elif self.command == "DELETE":
                state.comments.remove(found[0])
                self._send(204)
            else:
                self._send(405, {"message": "method"})
            return
        self._send(404, {"message": "Not Found"})

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    state: ForgeState


class FakeForge:
    """Start with ``with FakeForge() as forge:``; ``forge.url`` is its base address."""

    def __enter__(self) -> FakeForge:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.state = ForgeState()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        return self

    @property
    def state(self) -> ForgeState:
        return self.server.state

    def __exit__(self, *args: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
