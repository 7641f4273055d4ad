"""``iacguard comment`` against a local GitHub and GitLab (``fake_forge``): the exact requests of
each behaviour, a second run that updates instead of duplicating, the size limit, a
rate-limited first attempt, one-line errors, and a token that is never printed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import iacguard_executable

from iacguard.publish.client import ForgeClient, ForgeError
from iacguard.publish.comment import marker, post_comment
from iacguard.publish.forge import Target, detect
from publish.fake_forge import TOKEN, FakeForge

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "examples" / "ai-stack" / "plan.json"


def github(forge: FakeForge) -> Target:
    return Target("github", forge.url, "acme/ml", 7, TOKEN, "GITHUB_TOKEN")


def gitlab(forge: FakeForge) -> Target:
    return Target("gitlab", forge.url + "/api/v4", "42", 7, TOKEN, "GITLAB_TOKEN")


def calls(forge: FakeForge) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in forge.state.calls]


def client(target: Target) -> ForgeClient:
    return ForgeClient(target, sleep=lambda _seconds: None)


# -- behaviours --------------------------------------------------------------------------------


def test_github_update_posts_then_edits_then_leaves_unchanged() -> None:
    with FakeForge() as forge:
        forge.state.add("a reviewer's comment")
        api = client(github(forge))
        first = post_comment(api, "# report one")
        assert first.action == "created"
        assert calls(forge) == [
            ("GET", "/repos/acme/ml/issues/7/comments"),
            ("POST", "/repos/acme/ml/issues/7/comments"),
        ]
        assert forge.state.calls[0].query["per_page"] == ["100"]
        assert forge.state.calls[1].auth == f"Bearer {TOKEN}"
        posted = forge.state.comments[-1]["body"]
        assert posted.startswith("# report one") and marker(api.target, "") in posted
        forge.state.calls.clear()
        second = post_comment(api, "# report two")
        assert second.action == "updated"
        assert calls(forge) == [
            ("GET", "/repos/acme/ml/issues/7/comments"),
            ("PATCH", f"/repos/acme/ml/issues/comments/{first.comment_id}"),
        ]
        assert len(forge.state.comments) == 2  # no duplicate
        forge.state.calls.clear()
        third = post_comment(api, "# report two")
        assert third.action == "unchanged"
        assert calls(forge) == [("GET", "/repos/acme/ml/issues/7/comments")]


def test_gitlab_update_uses_notes_and_put() -> None:
    with FakeForge() as forge:
        api = client(gitlab(forge))
        first = post_comment(api, "# report")
        second = post_comment(api, "# report, again")
        assert (first.action, second.action) == ("created", "updated")
        assert calls(forge) == [
            ("GET", "/api/v4/projects/42/merge_requests/7/notes"),
            ("POST", "/api/v4/projects/42/merge_requests/7/notes"),
            ("GET", "/api/v4/projects/42/merge_requests/7/notes"),
            ("PUT", f"/api/v4/projects/42/merge_requests/7/notes/{first.comment_id}"),
        ]
        assert forge.state.calls[0].auth == TOKEN  # PRIVATE-TOKEN


def test_new_always_posts() -> None:
    with FakeForge() as forge:
        api = client(github(forge))
        post_comment(api, "# one", "new")
        post_comment(api, "# one", "new")
        assert calls(forge) == [("POST", "/repos/acme/ml/issues/7/comments")] * 2


def test_delete_and_new_removes_only_its_own_comments() -> None:
    with FakeForge() as forge:
        api = client(github(forge))
        post_comment(api, "# old", "new")
        other_job = post_comment(api, "# another job", "new", tag="helm")
        forge.state.add("a reviewer's comment")
        old_id = forge.state.comments[0]["id"]
        forge.state.calls.clear()
        outcome = post_comment(api, "# fresh", "delete-and-new")
        assert outcome.removed == 1
        assert calls(forge) == [
            ("GET", "/repos/acme/ml/issues/7/comments"),
            ("DELETE", f"/repos/acme/ml/issues/comments/{old_id}"),
            ("POST", "/repos/acme/ml/issues/7/comments"),
        ]
        ids = {c["id"] for c in forge.state.comments}
        assert int(other_job.comment_id or 0) in ids  # the other tag's comment stays


def test_hide_and_new_minimises_through_graphql() -> None:
    with FakeForge() as forge:
        api = client(github(forge))
        post_comment(api, "# old", "new")
        forge.state.calls.clear()
        outcome = post_comment(api, "# fresh", "hide-and-new")
        assert outcome.hidden == 1
        assert calls(forge) == [
            ("GET", "/repos/acme/ml/issues/7/comments"),
            ("POST", "/graphql"),
            ("POST", "/repos/acme/ml/issues/7/comments"),
        ]
        assert forge.state.minimized == [forge.state.comments[0]["node_id"]]
        assert "minimizeComment" in forge.state.calls[1].body["query"]


def test_listing_follows_pages() -> None:
    with FakeForge() as forge:
        for number in range(230):
            forge.state.add(f"comment {number}")
        api = client(github(forge))
        post_comment(api, "# report")
        gets = [c for c in forge.state.calls if c.method == "GET"]
        assert [c.query.get("page", ["1"])[0] for c in gets] == ["1", "2", "3"]
        forge.state.calls.clear()
        assert post_comment(api, "# report").action == "unchanged"  # found on page 3


def test_a_rate_limited_first_attempt_is_retried() -> None:
    with FakeForge() as forge:
        forge.state.rate_limit_next = 1
        waits: list[float] = []
        api = ForgeClient(github(forge), sleep=waits.append)
        assert post_comment(api, "# report").action == "created"
        assert calls(forge)[:2] == [("GET", "/repos/acme/ml/issues/7/comments")] * 2
        assert waits == [0.0]  # Retry-After: 0


def test_errors_name_the_cause_and_never_the_token() -> None:
    with FakeForge() as forge:
        bad = Target("github", forge.url, "acme/ml", 7, "wrong-token-value", "GITHUB_TOKEN")
        with pytest.raises(ForgeError) as caught:
            post_comment(client(bad), "# report")
        text = str(caught.value)
        assert "HTTP 401" in text and "GITHUB_TOKEN" in text
        assert "wrong-token-value" not in text
        missing = Target("github", forge.url, "acme/other", 7, TOKEN, "GITHUB_TOKEN")
        with pytest.raises(ForgeError, match=r"HTTP 404.*no such project or request"):
            post_comment(client(missing), "# report")


def test_hide_and_new_is_refused_on_gitlab() -> None:
    with FakeForge() as forge, pytest.raises(Exception, match="GitLab cannot hide"):
        post_comment(client(gitlab(forge)), "# report", "hide-and-new")


# -- detection ---------------------------------------------------------------------------------


def test_detection_from_ci_variables(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    found = detect({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/ml",
                    "GITHUB_EVENT_PATH": str(event), "GITHUB_TOKEN": "t",
                    "GITHUB_API_URL": "https://ghe.example/api/v3"})  # fmt: skip
    assert (found.forge, found.project, found.number, found.api_url) == (
        "github",
        "acme/ml",
        12,
        "https://ghe.example/api/v3",
    )
    found = detect({"GITLAB_CI": "true", "CI_API_V4_URL": "https://gl.example/api/v4",
                    "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7", "CI_TOKEN": "t"},
                   token_env="CI_TOKEN")  # fmt: skip
    assert (found.forge, found.project, found.number) == ("gitlab", "42", 7)
    with pytest.raises(Exception, match="no token: set GITLAB_TOKEN"):
        detect({"GITLAB_CI": "true", "CI_API_V4_URL": "u", "CI_PROJECT_ID": "1",
                "CI_MERGE_REQUEST_IID": "2"})  # fmt: skip
    with pytest.raises(Exception, match="--forge"):
        detect({})


# -- the command -------------------------------------------------------------------------------


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    return subprocess.run(
        [iacguard_executable(), "comment", *args], capture_output=True, text=True,
        env={**full, "NO_COLOR": "1", **env}, check=False, timeout=300,
    )  # fmt: skip


def test_the_command_posts_a_report_within_the_limit_and_updates_it(tmp_path: Path) -> None:
    with FakeForge() as forge:
        env = {"GITHUB_TOKEN": TOKEN}
        args = ["--forge", "github", "--api-url", forge.url, "--project", "acme/ml",
                "--number", "7", str(PLAN)]  # fmt: skip
        first = run(args, env)
        assert first.returncode == 0, first.stderr
        assert "posted a comment on github acme/ml pull request 7" in first.stderr
        body = forge.state.comments[-1]["body"]
        assert body.startswith("# iacguard report")
        assert "## What this change grants or removes" in body
        assert len(body) <= 65_536
        second = run(args, env)
        assert second.returncode == 0 and "comment unchanged" in second.stderr.replace(
            "left its comment unchanged", "comment unchanged"
        )
        assert len(forge.state.comments) == 1
        for output in (first.stdout, first.stderr, second.stderr):
            assert TOKEN not in output
        # gates only when asked, after posting
        gated = run([*args, "--fail-on", "high"], env)
        assert gated.returncode == 1


def test_the_command_posts_a_finished_report_and_dry_run_posts_nothing(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    subprocess.run([iacguard_executable(), "scan", str(PLAN), "-o", str(report)],
                   capture_output=True, check=False, timeout=300)  # fmt: skip
    with FakeForge() as forge:
        args = ["--forge", "gitlab", "--api-url", forge.url + "/api/v4", "--project", "42",
                "--number", "7", str(report)]  # fmt: skip
        dry = run([*args, "--dry-run"], {})
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.startswith("# iacguard report")
        assert forge.state.calls == []
        posted = run(args, {"GITLAB_TOKEN": TOKEN})
        assert posted.returncode == 0, posted.stderr
        assert [c.method for c in forge.state.calls] == ["GET", "POST"]
        # the comment's own gates, on the finished report (posted first, then exit 1)
        for gate in (["--fail-on", "critical"], ["--fail-on-new", "critical"]):
            gated = run([*args, *gate], {"GITLAB_TOKEN": TOKEN})
            assert gated.returncode == 1, (gate, gated.stderr)
        assert len(forge.state.comments) == 1


def test_a_ten_thousand_finding_report_is_cut_under_the_limit(tmp_path: Path) -> None:
    data: dict[str, Any] = json.loads(
        subprocess.run([iacguard_executable(), "scan", str(PLAN), "-f", "json"],
                       capture_output=True, text=True, check=False, timeout=300).stdout
    )  # fmt: skip
    finding = data["findings"][0]
    data["findings"] = [
        {**finding, "resource": f"aws_iam_role.r{i}", "fingerprint": f"{i:032x}"}
        for i in range(10_000)
    ]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(data))
    with FakeForge() as forge:
        result = run(["--forge", "github", "--api-url", forge.url, "--project", "acme/ml",
                      "--number", "7", str(big)], {"GITHUB_TOKEN": TOKEN})  # fmt: skip
        assert result.returncode == 0, result.stderr
        body = forge.state.comments[-1]["body"]
        assert len(body) <= 65_536
        assert "Not shown, to fit" in body


def test_graphql_beside_the_rest_api() -> None:
    from iacguard.publish.comment import _graphql_url

    assert _graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert _graphql_url("https://ghe.example/api/v3") == "https://ghe.example/api/graphql"


def test_server_errors_are_retried_with_backoff_then_reported() -> None:
    import httpx

    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            return httpx.Response(502, json={"message": "bad gateway"})
        return httpx.Response(200, json=[])

    waits: list[float] = []
    target = Target("github", "https://api.github.example", "acme/ml", 7, TOKEN, "GITHUB_TOKEN")
    api = ForgeClient(target, transport=httpx.MockTransport(handler), sleep=waits.append)
    assert list(api.paginate("/repos/acme/ml/issues/7/comments")) == []
    assert len(attempts) == 3 and waits == [1.0, 2.0]
    always = ForgeClient(target, sleep=lambda _s: None,
                         transport=httpx.MockTransport(lambda _r: httpx.Response(503)))  # fmt: skip
    with pytest.raises(ForgeError, match="HTTP 503"):
        always.request("GET", "/x")
    limited = ForgeClient(target, sleep=waits.append, transport=httpx.MockTransport(
        lambda _r: httpx.Response(403, headers={"X-RateLimit-Remaining": "0",
                                                "X-RateLimit-Reset": "5"})))  # fmt: skip
    with pytest.raises(ForgeError):
        limited.request("GET", "/x")
    assert waits[-1] == 5.0  # GitHub's secondary limit: wait for the reset
