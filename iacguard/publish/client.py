"""A small, careful forge API client (httpx): pagination, retries, one-line errors, and a token
that never appears in any message.

- Pagination: ``per_page=100`` and the ``Link`` header's ``rel="next"`` (GitHub and GitLab both
  send it; GitLab's ``X-Next-Page`` too).
- Retries: 429 and 5xx, at most :data:`ATTEMPTS` times, waiting what ``Retry-After`` says (or
  until ``X-RateLimit-Reset`` / ``RateLimit-Reset``), else an exponential backoff; a GitHub 403
  with ``X-RateLimit-Remaining: 0`` is a rate limit too. Timeouts and connection errors retry
  the same way.
- Errors: 401, 403 and 404 name the likely cause (the token, its scope, the project or request).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Final

import httpx

from iacguard.errors import IacguardError
from iacguard.publish.forge import Target

ATTEMPTS: Final = 5
#: Longest wait for a rate limit before giving up (seconds).
MAX_WAIT: Final = 120.0


class ForgeError(IacguardError):
    """The forge refused or failed a request."""


class ForgeClient:
    """Requests to one forge's REST (and GitHub's GraphQL) API for one target."""

    def __init__(
        self,
        target: Target,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        self.target = target
        self.sleep = sleep
        self.requests = 0
        headers = {"User-Agent": "iacguard"}
        if target.forge == "github":
            headers |= {
                "Authorization": f"Bearer {target.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            }
        else:
            headers["PRIVATE-TOKEN"] = target.token
        self.http = httpx.Client(headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def _safe(self, text: str) -> str:
        return text.replace(self.target.token, "***") if self.target.token else text

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, retried on rate limits and server errors; raises :class:`ForgeError`
        on any other failure."""
        if not url.startswith("http"):
            url = self.target.api_url + url
        for attempt in range(1, ATTEMPTS + 1):
            self.requests += 1
            try:
                response = self.http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                if attempt == ATTEMPTS:
                    raise ForgeError(
                        self._safe(f"{method} {url}: {type(exc).__name__}: {exc}")
                    ) from None
                self.sleep(min(2.0**attempt, MAX_WAIT))
                continue
            if response.status_code < 400:
                return response
            wait = _retry_wait(response, attempt)
            if wait is not None and attempt < ATTEMPTS:
                if wait > MAX_WAIT:
                    break
                self.sleep(wait)
                continue
            raise ForgeError(self._safe(self._explain(method, url, response)))
        raise ForgeError(self._safe(f"{method} {url}: rate limited; gave up after retrying"))

    def _explain(self, method: str, url: str, response: httpx.Response) -> str:
        status = response.status_code
        detail = ""
        try:
            body = response.json()
            if isinstance(body, dict):
                detail = str(body.get("message") or body.get("error") or "")
        except ValueError:
            detail = response.text[:200]
        detail = " ".join(detail.split())[:200]
        hint = {
            401: f"the token in {self.target.token_env or 'the token variable'} is missing, "
            "expired or wrong",
            403: "the token lacks a scope (GitHub: pull-requests: write or issues: write; "
            "GitLab: api) or the project forbids it",
            404: f"no such project or request ({self.target.describe()}), or the token cannot "
            "see it",
        }.get(status, "")
        parts = [f"{method} {url}: HTTP {status}"]
        if detail:
            parts.append(detail)
        if hint:
            parts.append(hint)
        return ": ".join(parts)

    def paginate(self, url: str) -> Iterator[dict[str, Any]]:
        """Every item of a listing, following ``Link: <...>; rel="next"``."""
        next_url: str | None = url + ("&" if "?" in url else "?") + "per_page=100"
        while next_url:
            response = self.request("GET", next_url)
            items = response.json()
            if not isinstance(items, list):
                raise ForgeError(f"GET {next_url}: expected a list")
            yield from items
            next_url = response.links.get("next", {}).get("url")


def _retry_wait(response: httpx.Response, attempt: int) -> float | None:
    """Seconds to wait before retrying, or ``None`` when the request must not be retried."""
    status = response.status_code
    headers = response.headers
    limited = status == 429 or (status == 403 and headers.get("x-ratelimit-remaining") == "0")
    if not limited and status < 500:
        return None
    after = headers.get("retry-after")
    if after is not None:
        try:
            return max(float(after), 0.0)
        except ValueError:
            pass
    reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
    if reset is not None:
        try:
            value = float(reset)
        except ValueError:
            value = -1
        if value > 1e9:  # an epoch time
            return max(value - time.time(), 0.0) + 1
        if value >= 0:  # seconds from now
            return value
    return min(2.0 ** (attempt - 1), 30.0)
