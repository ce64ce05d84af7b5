""".github/scripts/plan_comment.py comments only on the open pull request whose head is the triggering run's.

The payloads are the fields the script reads, shaped as GitHub's `workflow_run` webhook payload
(octokit/webhooks `common/workflow-run.schema.json`: `head_branch`, `head_sha`, `head_repository` as a
repository with `id`, `full_name`, `owner.login`; `pull_requests` is empty for fork pull requests) and as
the "List pull requests" response (`number`, `head.ref`, `head.sha`, `head.repo`, null when the fork is
deleted). They are written for these tests, not captured from a live run.
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.paths import ROOT

spec = importlib.util.spec_from_file_location("plan_comment", ROOT / ".github" / "scripts" / "plan_comment.py")
assert spec and spec.loader
plan_comment = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plan_comment)

REPOSITORY = "ACME/elastic-inference"
BASE = {"id": 100, "full_name": REPOSITORY, "owner": {"login": "ACME"}}
FORK = {"id": 200, "full_name": "mallory/elastic-inference", "owner": {"login": "mallory"}}
SHA = "9f2c1e0d4b7a8c6e5f3a2b1c0d9e8f7a6b5c4d3e"


def run_of(head_repository: dict[str, Any], branch: str, *, same_repo_pull: int | None = None) -> dict[str, Any]:
    pulls = [] if same_repo_pull is None else [
        {"number": same_repo_pull, "head": {"ref": branch, "sha": SHA, "repo": {"id": head_repository["id"]}},
         "base": {"ref": "main", "repo": {"id": BASE["id"]}}}]
    return {"id": 555, "event": "pull_request", "head_branch": branch, "head_sha": SHA,
            "head_repository": head_repository, "repository": BASE, "pull_requests": pulls}


def pull(number: int, repo: dict[str, Any] | None, branch: str, sha: str = SHA) -> dict[str, Any]:
    return {"number": number, "state": "open", "head": {"ref": branch, "sha": sha, "repo": repo}}


SAME_REPO_RUN = run_of(BASE, "feature", same_repo_pull=12)
FORK_RUN = run_of(FORK, "main")
OTHER_PR = pull(7, BASE, "release")  # someone else's pull request: a forged pr-number's target


class FakeGitHub:
    """Serves recorded list responses by path and query, and records every write."""

    def __init__(self, pages: dict[tuple[str, tuple[tuple[str, str], ...]], list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.reads: list[tuple[str, dict[str, str]]] = []
        self.writes: list[tuple[str, str, dict[str, Any]]] = []

    def get_all(self, path: str, query: dict[str, str]) -> list[dict[str, Any]]:
        self.reads.append((path, query))
        return self.pages.get((path, tuple(sorted(query.items()))), [])

    def send(self, method: str, path: str, body: dict[str, Any]) -> None:
        self.writes.append((method, path, body))


def open_pulls(head: str, *pulls: dict[str, Any]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], list]:
    return (f"/repos/{REPOSITORY}/pulls", (("head", head), ("state", "open"))), list(pulls)


def artifact(tmp_path: Path, number: str, comment: str = "## dev\nno changes\n") -> Path:
    (tmp_path / "pr-number").write_text(number)
    (tmp_path / "comment.md").write_text(comment)
    return tmp_path


def test_a_same_repository_pull_request_gets_a_new_comment_with_the_marker(tmp_path):
    github = FakeGitHub(dict([open_pulls("ACME:feature", pull(12, BASE, "feature"))]))
    done = plan_comment.post(SAME_REPO_RUN, REPOSITORY, github, artifact(tmp_path, "12\n"))
    assert done == "commented on #12"
    assert github.reads[0] == (f"/repos/{REPOSITORY}/pulls", {"state": "open", "head": "ACME:feature"})
    assert github.writes == [("POST", f"/repos/{REPOSITORY}/issues/12/comments",
                              {"body": f"{plan_comment.MARKER}\n## dev\nno changes\n"})]


def test_a_fork_pull_request_found_through_the_api_has_its_bot_comment_updated_in_place(tmp_path):
    comments = [{"id": 1, "user": {"login": "mallory"}, "body": f"{plan_comment.MARKER}\nfake"},
                {"id": 2, "user": {"login": "github-actions[bot]"}, "body": "another bot comment"},
                {"id": 3, "user": {"login": "github-actions[bot]"}, "body": f"{plan_comment.MARKER}\nold diff"}]
    github = FakeGitHub(dict([open_pulls("mallory:main", pull(31, FORK, "main")),
                              ((f"/repos/{REPOSITORY}/issues/31/comments", ()), comments)]))
    assert FORK_RUN["pull_requests"] == []
    done = plan_comment.post(FORK_RUN, REPOSITORY, github, artifact(tmp_path, "31"))
    assert done == "updated comment 3 on #31"
    assert github.writes == [("PATCH", f"/repos/{REPOSITORY}/issues/comments/3",
                              {"body": f"{plan_comment.MARKER}\n## dev\nno changes\n"})]


@pytest.mark.parametrize("claimed", ["7", "12", "0", "", "31; rm -rf /", "031", "1e3", "99999999999"])
def test_a_forged_or_malformed_artifact_number_writes_nothing(tmp_path, claimed):
    github = FakeGitHub(dict([open_pulls("mallory:main", pull(31, FORK, "main"), pull(32, FORK, "main")),
                              open_pulls("ACME:release", OTHER_PR)]))
    with pytest.raises(plan_comment.Refused, match="the artifact names pull request .* is the head of #31, #32 only"):
        plan_comment.post(FORK_RUN, REPOSITORY, github, artifact(tmp_path, claimed))
    assert github.writes == []


def test_one_branch_open_against_two_bases_is_told_apart_by_the_artifact(tmp_path):
    github = FakeGitHub(dict([open_pulls("ACME:feature", pull(12, BASE, "feature"), pull(13, BASE, "feature"))]))
    assert plan_comment.post(SAME_REPO_RUN, REPOSITORY, github, artifact(tmp_path, "13")) == "commented on #13"


@pytest.mark.parametrize("candidate", [
    pull(31, FORK, "main", sha="0" * 40),  # a newer push: this run's plan is stale
    pull(31, None, "main"),  # the fork was deleted
    pull(31, {"id": 999, "full_name": "mallory/other"}, "main"),  # same owner and branch, another repository
    pull(31, FORK, "develop"),  # another branch
])
def test_no_open_pull_request_with_the_runs_head_writes_nothing(tmp_path, candidate):
    github = FakeGitHub(dict([open_pulls("mallory:main", candidate)]))
    with pytest.raises(plan_comment.Refused, match="no open pull request has the head of run 555 "
                                                   rf"\(mallory/elastic-inference:main at {SHA}\)"):
        plan_comment.post(FORK_RUN, REPOSITORY, github, artifact(tmp_path, "31"))
    assert github.writes == []


def test_the_body_is_cut_to_what_github_accepts_and_keeps_one_marker():
    assert plan_comment.comment_body(f"{plan_comment.MARKER}\nx") == f"{plan_comment.MARKER}\nx"
    body = plan_comment.comment_body("y" * 70000)
    assert body.startswith(f"{plan_comment.MARKER}\ny") and len(body) == plan_comment.MAX_BODY


def test_main_reads_the_event_payload_and_fails_the_job_on_a_refusal(tmp_path, monkeypatch, capsys):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "completed", "workflow_run": FORK_RUN, "repository": BASE}))
    github = FakeGitHub(dict([open_pulls("mallory:main", pull(31, FORK, "main"))]))
    monkeypatch.setattr(plan_comment, "GitHub", lambda api_url, token: github)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.setenv("GITHUB_TOKEN", "token")
    monkeypatch.setenv("ARTIFACT_DIR", str(artifact(tmp_path, "7")))
    assert plan_comment.main() == 1
    assert capsys.readouterr().out.startswith("::error::not commenting: the artifact names pull request '7'")
    assert github.writes == []
    (tmp_path / "pr-number").write_text("31")
    assert plan_comment.main() == 0 and [w[1] for w in github.writes] == [f"/repos/{REPOSITORY}/issues/31/comments"]


class Response(io.BytesIO):
    def __init__(self, items: list[Any], link: str = "") -> None:
        super().__init__(json.dumps(items).encode())
        self.headers = {"Link": link} if link else {}


def test_the_client_follows_the_next_links_with_the_token(monkeypatch):
    requests = []
    pages = iter([Response([{"id": 1}], '<https://api.example/page2>; rel="next", <https://api.example/page2>; rel="last"'),
                  Response([{"id": 2}])])
    monkeypatch.setattr(plan_comment.urllib.request, "urlopen",
                        lambda request, timeout: requests.append(request) or next(pages))
    items = plan_comment.GitHub("https://api.example/", "s3cret").get_all("/repos/a/b/pulls", {"head": "o:b/c"})
    assert items == [{"id": 1}, {"id": 2}]
    assert [r.full_url for r in requests] == ["https://api.example/repos/a/b/pulls?head=o%3Ab%2Fc&per_page=100",
                                              "https://api.example/page2"]
    assert all(r.get_header("Authorization") == "Bearer s3cret" for r in requests)
