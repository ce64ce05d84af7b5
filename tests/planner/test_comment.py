"""The pull-request comment as the workflow builds it: a change that breaks a policy on one stack and raises
capacity on another shows both in its first table, then each stack's violations next to its changes."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from planner.cli import main
from planner.diff import service_of
from planner.comment import CONFIG_KEYS, MARKER, config_entry, config_keys, node_capacity
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
    # staging's system pool (all pay-as-you-go, priced by its first instance type) grows by two nodes.
    prices = yaml.safe_load((ROOT / "planner" / "whatif" / "prices" / "alicloud.cn-beijing.yaml").read_text())
    node_hour = prices["instances"]["ecs.g7.xlarge"]["payAsYouGo"]
    before, after = (re.fullmatch(r"([\d.]+)–([\d.]+) CNY", side).groups() for side in rows["staging"][7].split(" → "))
    assert before[0] == after[0] and float(after[1]) - float(before[1]) == pytest.approx(2 * node_hour)
    assert rows["dev"][7] and "→" not in rows["dev"][7]
    assert "`planner/whatif/prices/alicloud.cn-beijing.yaml` (`dev`, `staging`): not dated" in text
    dev_section = text.split("### Stack `dev`")[1].split("### Stack")[0]
    dev_services = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["elastic-inference:services"]
    raised = next(i for i, s in enumerate(dev_services) if s["autoscaling"]["maxReplicas"] == 10)
    assert "workload-autoscaler-bounds" in dev_section and f"`services[{raised}].autoscaling.maxReplicas`" in dev_section
    assert "/work/" not in text and "urn:pulumi" not in text


def test_a_stack_whose_plan_failed_is_a_failure_not_a_removal(comment, capsys):
    """The workflow plans every stack file of the branch; one without a plan failed (here: prod, never planned)."""
    capsys.readouterr()
    main(["comment", str(comment / "base"), str(comment / "head")])
    text = capsys.readouterr().out
    [row] = [line for line in text.splitlines() if line.startswith("| `prod` |")]
    assert "❌ plan failed" in row
    prod_section = text.split("### Stack `prod`")[1].split("### Stack")[0]
    assert "plan of this stack failed" in prod_section and "gone from this branch" not in prod_section


def test_changes_are_grouped_by_service(comment, capsys):
    capsys.readouterr()
    main(["comment", str(comment / "base"), str(comment / "head")])
    dev_section = capsys.readouterr().out.split("### Stack `dev`")[1].split("### Stack")[0]
    assert "**Service inference-" in dev_section


def test_the_workflow_writes_this_comment_and_the_commenter_finds_it_by_its_marker():
    import importlib.util

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    [step] = [s for s in workflow["jobs"]["plan"]["steps"] if s.get("name") == "Write the comment"]
    assert "python -m planner comment ../plans/base ../plans/head" in step["run"]
    spec = importlib.util.spec_from_file_location("plan_comment", ROOT / ".github" / "scripts" / "plan_comment.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.MARKER == MARKER


@pytest.mark.parametrize(("policy", "entry", "cloud", "keys"), [
    ("images-pinned", "services[3]", "alicloud", ["services[3].image"]),
    ("images-pinned", None, "alicloud", ["addons.*"]),
    ("node-pool-bounds", "alicloud.nodePools[1]", "alicloud", ["alicloud.nodePools[1].scaling.maxSize"]),
    ("node-pool-bounds", "aws.systemNodes", "aws", ["aws.systemNodes.scaling.maxSize"]),
    ("spot-on-demand-share", "aws.gpuNodes", "aws", ["aws.gpuNodes.onDemandPercentageAboveBaseCapacity"]),
    ("secrets-encrypted-in-production", None, "alicloud", ["alicloud.cluster.secretsEncryption"]),
    ("inference-pod-disruption-budget", None, "alicloud", ["services[]"]),
])
def test_a_violation_names_the_entry_of_its_cloud_and_its_own_service_or_pool(policy, entry, cloud, keys):
    assert config_keys(policy, entry, cloud) == keys


def test_each_component_maps_to_the_stack_file_entry_it_is_built_from(comment):
    plan = json.loads((comment / "head" / "staging.json").read_text())
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.staging.yaml").read_text())["config"]
    pools = [p["name"] for p in document["elastic-inference:alicloud"]["nodePools"]]
    services = document["elastic-inference:services"]
    for resource in plan["resources"]:
        if resource["type"] == "alicloud:cs/nodePool:NodePool":
            assert config_entry(resource["urn"], plan) == f"alicloud.nodePools[{pools.index(resource['name'])}]"
    by_urn = {r["urn"]: r for r in plan["resources"]}
    components = [f"{s.get('namespace', 'inference')}-{s['name']}" for s in services]
    under_services = [r for r in plan["resources"] if service_of(r, by_urn)]
    assert {service_of(r, by_urn) for r in under_services} == set(components)
    for resource in under_services:
        assert config_entry(resource["urn"], plan) == f"services[{components.index(service_of(resource, by_urn))}]"
    assert config_entry(next(r["urn"] for r in plan["resources"] if r["type"] == "alicloud:cs/managedKubernetes:ManagedKubernetes"), plan) is None


def test_every_config_key_the_comment_names_is_a_key_of_the_stack_config():
    from stackconfig import StackConfig
    from tools.config_reference import rows

    known = {row[0] for row in rows(StackConfig)}
    named = {key.removesuffix(".*").removesuffix("[]") for keys in CONFIG_KEYS.values() for key in keys if " " not in key}
    assert named - known == set()


def test_an_eks_node_group_maps_to_its_own_section(tmp_path):
    plan("aws-dev", (ROOT / "stacks" / "Pulumi.aws-dev.yaml").read_text(), tmp_path / "plans")
    document = json.loads((tmp_path / "plans" / "aws-dev.json").read_text())
    groups = {r["type"]: r["urn"] for r in document["resources"]
              if r["type"] in ("aws:eks/nodeGroup:NodeGroup", "aws:autoscaling/group:Group")}
    assert config_entry(groups["aws:eks/nodeGroup:NodeGroup"], document) == "aws.systemNodes"
    assert config_entry(groups["aws:autoscaling/group:Group"], document) == "aws.gpuNodes"


def test_the_idle_cost_counts_what_min_replicas_keeps_running():
    """Dev's ECI-only service: one more minimum replica is one more ECI pod in the idle cost, priced as the
    simulator prices it, and the idle cost is never below the pools at their minimum sizes."""
    from planner.stackfile import load_validated, set_config_value, validate_stack_text
    from planner.whatif.fleet import burst_pod_price, pools_of
    from planner.whatif.prices import load_prices
    from planner.whatif.run import capacity_bracket

    text = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text()
    config = load_validated(ROOT / "stacks" / "Pulumi.dev.yaml")
    [index] = [i for i, s in enumerate(config.services) if s.burst.mode == "only"]
    service = config.services[index]
    more = validate_stack_text(set_config_value(text, ("services", index, "autoscaling", "minReplicas"),
                                                service.autoscaling.min_replicas + 1), "dev")
    prices = load_prices("alicloud", "cn-beijing")
    idle, idle_more = capacity_bracket(config)["costPerHourIdle"], capacity_bracket(more)["costPerHourIdle"]
    assert idle_more - idle == pytest.approx(burst_pod_price(config, service, prices), abs=1e-3)
    at_minimum = sum(p.group.min_size * min(p.spot_price, p.pay_as_you_go_price) for p in pools_of(config, prices))
    assert idle >= at_minimum
