"""The pull-request comment as the workflow builds it: a change that breaks a policy on one stack and raises
capacity on another shows both in its first table, then each stack's violations next to its changes."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.comment import MARKER, node_capacity
from paths import ROOT


def plan(stack: str, text: str, folder) -> None:
    stack_file = folder.parent / f"{folder.name}-{stack}.yaml"
    stack_file.write_text(text)
    folder.mkdir(exist_ok=True)
    assert main(["--stack-file", str(stack_file), "--stack", stack, "--json", str(folder / f"{stack}.json")]) in (0, 1)


@pytest.fixture(scope="module")
def comment(tmp_path_factory):
    root = tmp_path_factory.mktemp("comment")
    dev, staging = ((ROOT / "stacks" / f"Pulumi.{s}.yaml").read_text() for s in ("dev", "staging"))
    for stack, text in (("dev", dev), ("staging", staging)):
        plan(stack, text, root / "base")
    plan("dev", dev.replace("maxReplicas: 10", "maxReplicas: 40", 1), root / "head")
    plan("staging", staging.replace("scaling: {minSize: 3, maxSize: 6}", "scaling: {minSize: 3, maxSize: 8}"),
         root / "head")
    return root


def test_the_first_table_shows_the_broken_policy_and_the_raised_capacity(comment, capsys):
    capsys.readouterr()
    assert main(["comment", str(comment / "base"), str(comment / "head")]) == 0
    text = capsys.readouterr().out
    assert text.startswith(MARKER)
    table = text.split("\n\n")[1].splitlines()
    rows = {line.split("|")[1].strip(" `"): [cell.strip() for cell in line.split("|")[2:-1]] for line in table[2:]}
    assert rows["dev"][0] == "❌" and rows["dev"][5] == "1"
    base = node_capacity(json.loads((comment / "base" / "staging.json").read_text()))
    assert rows["staging"][0] == "✅" and rows["staging"][6] == f"{base} → {base + 2}"
    dev_section = text.split("### Stack `dev`")[1].split("### Stack")[0]
    assert "workload-autoscaler-bounds" in dev_section and "services[].autoscaling.maxReplicas" in dev_section
    assert "/work/" not in text and "urn:pulumi" not in text


def test_changes_are_grouped_by_service(comment, capsys):
    capsys.readouterr()
    main(["comment", str(comment / "base"), str(comment / "head")])
    dev_section = capsys.readouterr().out.split("### Stack `dev`")[1].split("### Stack")[0]
    assert "**Service inference-" in dev_section


def test_the_workflow_writes_this_comment_and_the_commenter_finds_it_by_its_marker():
    import importlib.util

    import yaml
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    [step] = [s for s in workflow["jobs"]["plan"]["steps"] if s.get("name") == "Write the comment"]
    assert "python -m planner comment ../plans/base ../plans/head" in step["run"]
    spec = importlib.util.spec_from_file_location("plan_comment", ROOT / ".github" / "scripts" / "plan_comment.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.MARKER == MARKER
