"""Posts the plan diff of a `Pull request` run as the bot's one comment on that pull request (pr-comment.yml).

This runs with a token that can write to every pull request and issue of the repository, on an artifact
written by the pull request's own job: for a fork, by workflow code of the fork's choosing. So the artifact
never decides where to write. The target is an open pull request of this repository whose head is the
triggering run's head as GitHub reports it in the `workflow_run` payload: `head_repository.id`,
`head_branch` and `head_sha`. `workflow_run.pull_requests` is empty for fork pull requests
(github/docs#22501), so the candidates come from the REST endpoint "List pull requests",
`GET /repos/{owner}/{repo}/pulls?state=open&head=OWNER:BRANCH` (`head` filters by "user:ref-name"), for
same-repository and fork pull requests alike. The artifact's `pr-number` only chooses among those
candidates, because one branch can be open against two base branches, each with its own run; a number that
is not one of them, or no candidate at all (e.g. the pull request got a newer push or was closed), fails the
job without writing anything. `comment.md` is sent as JSON data, never run or interpolated.

Inputs from the environment: GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_TOKEN (set
by the runner and the workflow), ARTIFACT_DIR (the downloaded `plan-diff` artifact). Python standard
library only: it runs on the runner's python3 without installing anything.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

MARKER = "<!-- elastic-inference-plan-diff -->"
BOT = "github-actions[bot]"  # the author of comments made with the workflow's GITHUB_TOKEN
MAX_BODY = 65000  # GitHub refuses comment bodies over 65536 characters


class Refused(Exception):
    """The run cannot be tied to exactly one open pull request: nothing is written."""


class GitHub:
    """The few REST calls needed, authenticated with the workflow's token."""

    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token

    def _request(self, method: str, url: str, body: dict[str, Any] | None = None) -> tuple[Any, str | None]:
        request = urllib.request.Request(
            url, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            following = re.search(r'<([^>]+)>;\s*rel="next"', response.headers.get("Link", ""))
            return json.load(response), following and following.group(1)

    def get_all(self, path: str, query: dict[str, str]) -> list[dict[str, Any]]:
        url: str | None = f"{self.api_url}{path}?{urllib.parse.urlencode({**query, 'per_page': '100'})}"
        items: list[dict[str, Any]] = []
        while url:
            page, url = self._request("GET", url)
            items.extend(page)
        return items

    def send(self, method: str, path: str, body: dict[str, Any]) -> None:
        self._request(method, f"{self.api_url}{path}", body)


def pull_request_number(run: dict[str, Any], open_pulls: list[dict[str, Any]], claimed: str) -> int:
    """The number of the open pull request whose head is the run's, among `open_pulls`; `claimed` (the
    artifact's text) only picks one of them."""
    heads = [pull["number"] for pull in open_pulls
             if pull["head"]["sha"] == run["head_sha"] and pull["head"]["ref"] == run["head_branch"]
             and (pull["head"]["repo"] or {}).get("id") == run["head_repository"]["id"]]
    if not heads:
        raise Refused(f"no open pull request has the head of run {run['id']} "
                      f"({run['head_repository']['full_name']}:{run['head_branch']} at {run['head_sha']}); "
                      f"it was closed or has a newer push")
    if not re.fullmatch(r"[1-9][0-9]{0,9}", claimed.strip()) or int(claimed) not in heads:
        raise Refused(f"the artifact names pull request {claimed.strip()[:20]!r}, but the head of run {run['id']} "
                      f"is the head of {', '.join(f'#{n}' for n in heads)} only")
    return int(claimed)


def comment_body(text: str) -> str:
    """The comment: the diff, starting with the marker that finds it again on the next push."""
    return (text if text.startswith(MARKER) else f"{MARKER}\n{text}")[:MAX_BODY]


def post(run: dict[str, Any], repository: str, github: GitHub, artifact: Path) -> str:
    """Creates or updates the bot's comment on the run's pull request; returns what it did."""
    if not run["head_branch"]:
        raise Refused(f"run {run['id']} has no head branch")
    pulls = github.get_all(f"/repos/{repository}/pulls",
                           {"state": "open", "head": f"{run['head_repository']['owner']['login']}:{run['head_branch']}"})
    number = pull_request_number(run, pulls, (artifact / "pr-number").read_text(errors="replace"))
    body = comment_body((artifact / "comment.md").read_text(errors="replace"))
    comments = github.get_all(f"/repos/{repository}/issues/{number}/comments", {})
    mine = next((c for c in comments if c["user"]["login"] == BOT and c["body"].startswith(MARKER)), None)
    if mine:
        github.send("PATCH", f"/repos/{repository}/issues/comments/{mine['id']}", {"body": body})
        return f"updated comment {mine['id']} on #{number}"
    github.send("POST", f"/repos/{repository}/issues/{number}/comments", {"body": body})
    return f"commented on #{number}"


def main() -> int:
    run = json.loads(Path(os.environ["GITHUB_EVENT_PATH"]).read_text())["workflow_run"]
    github = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), os.environ["GITHUB_TOKEN"])
    try:
        print(post(run, os.environ["GITHUB_REPOSITORY"], github, Path(os.environ["ARTIFACT_DIR"])))
    except Refused as refusal:
        print(f"::error::not commenting: {refusal}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
