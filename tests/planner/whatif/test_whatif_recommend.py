"""``whatif --recommend``: the recommendation meets the SLOs it claims to, costs no more than the current settings,
is a stack file that validates and a diff that applies to it; an oversized setting is brought down, and a load no
setting can serve is reported as such. Short patterns keep each search to a few seconds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from planner.cli import main as planner_main
from planner.stackfile import load_validated, set_config_value, validate_stack_text
from planner.whatif.inputs import Timings
from planner.whatif.recommend import config_value, policy_bounds, recommend, searches_spot_share, settings
from planner.whatif.report import summarize
from planner.whatif.run import Load, default_demand, fleet_setup, pod_qps_of, simulate, stack_prices

from paths import DATA

STACKS = Path(__file__).resolve().parents[3] / "stacks"


def _search(text: str, load: Load):
    """(baseline fleet, demands, recommendation) of a stack file's text."""
    config = validate_stack_text(text, "test")
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    demands = [default_demand(s, load) for s in fleet.services]
    return fleet, demands, recommend(text, "test", fleet, demands, Timings(), stack_prices(config))


def _simulated(text: str, baseline, demands):
    """The summary of a stack file's text simulated on its own, outside the search."""
    config = validate_stack_text(text, "test")
    return summarize(simulate(fleet_setup(config, Timings(), stack_prices(config), pod_qps_of(baseline)), demands))


def test_the_recommendation_meets_every_slo_and_costs_less_than_the_current_settings():
    """Prod with bert-tfserving held at 8 replicas meets its SLOs under a gentle ramp as it stands; the recommended
    file, simulated afresh, meets them too, for less, and the search reports the figures that simulation gives."""
    text = set_config_value((STACKS / "Pulumi.prod.yaml").read_text(), ("services", 1, "autoscaling", "minReplicas"), 8)
    baseline, demands, found = _search(text, Load("ramp", 1800, None, 20))
    current, recommended = _simulated(text, baseline, demands), _simulated(found.after.text, baseline, demands)
    assert current.slo_met and recommended.slo_met and found.slo_met
    assert found.changes and recommended.cost_per_hour < current.cost_per_hour
    assert recommended.cost_per_hour == found.after.summary.cost_per_hour


def test_an_oversized_minimum_is_lowered_for_a_cheaper_fleet():
    """Dev's ECI-only service held at 8 replicas under a load 2 serve: the recommendation lowers minReplicas, and
    the fleet costs less."""
    path = ("services", 2, "autoscaling", "minReplicas")
    text = set_config_value((STACKS / "Pulumi.dev.yaml").read_text(), path, 8)
    _, _, found = _search(text, Load("ramp", 1800, 2, 12))
    changed = {setting.path: (old, new) for setting, old, new in found.changes}
    assert changed[path][0] == 8 and changed[path][1] < 8
    assert found.slo_met and found.after.summary.cost_per_hour < found.before.summary.cost_per_hour


def test_the_diff_applies_to_the_stack_file_and_gives_the_recommended_file_which_validates(tmp_path, capsys):
    stack = tmp_path / "Pulumi.staging.yaml"
    stack.write_text((STACKS / "Pulumi.staging.yaml").read_text())
    out = tmp_path / "recommended.yaml"
    assert planner_main(["whatif", "--stack-file", str(stack), "--pattern", "step", "--recommend-out", str(out),
                         "--slo-exit-code"]) == 0
    printed = capsys.readouterr().out
    diff = printed[printed.index("--- a/"):]
    assert diff.startswith(f"--- a/{stack.name}\n+++ b/{stack.name}\n")
    subprocess.run(["git", "apply", "-"], input=diff, text=True, cwd=tmp_path, check=True)
    assert stack.read_text() == out.read_text()
    load_validated(stack)
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed and not any("#" in line for line in removed)  # values' lines only: no comment is touched
    assert "SLO met" in printed and "current" in printed and "recommended" in printed


def test_a_load_no_setting_can_serve_is_reported_with_the_service_that_misses(capsys):
    argv = ["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), "--pattern", "step", "--duration", "600",
            "--peak-qps", "5000", "--recommend"]
    assert planner_main(argv) == 0
    assert planner_main([*argv, "--slo-exit-code"]) == 1
    out = capsys.readouterr().out
    assert "no configuration found meets every SLO; in the closest, still missing: fashion-mnist" in out
    assert "--- a/" not in out


def test_a_configuration_nothing_improves_is_said_to_be_the_cheapest(tmp_path, capsys):
    """An existing cluster's nodes are not priced and no setting raises the share served above 100 %."""
    out = tmp_path / "recommended.yaml"
    assert planner_main(["whatif", "--stack", "local", "--pattern", "ramp", "--duration", "1200",
                         "--recommend-out", str(out)]) == 0
    assert "the current configuration is already the cheapest found that meets every SLO" in capsys.readouterr().out
    assert not out.exists()


@pytest.mark.parametrize("path, value, expected", [
    (("services", 0, "autoscaling", "minReplicas"), 3, "        minReplicas: 3\n"),
    (("services", 0, "autoscaling", "qps", "targetPerPod"), 7.5, "        qps: {targetPerPod: 7.5}\n"),
    (("alicloud", "nodePools", 1, "scaling", "maxSize"), 12, "        scaling: {minSize: 0, maxSize: 12}\n"),
    (("services", 1, "autoscaling", "behavior", "scaleDown", "stabilizationWindowSeconds"), 60,
     "        behavior: {scaleDown: {stabilizationWindowSeconds: 60}}\n"),
    (("alicloud", "nodePools", 1, "spot", "onDemandBaseCapacity"), 1, "          onDemandBaseCapacity: 1\n"),
])
def test_a_value_is_set_on_its_own_line_and_nothing_else_changes(path, value, expected):
    """Replaced where it stands, in a block or a flow mapping, or added to the deepest mapping the path reaches."""
    before = (STACKS / "Pulumi.dev.yaml").read_text()
    after = set_config_value(before, path, value)
    added = [line for line in after.splitlines(keepends=True) if line not in before.splitlines(keepends=True)]
    assert added == [expected]
    assert len(after.splitlines()) - len(before.splitlines()) in (0, 1)
    assert config_value(validate_stack_text(after, "test"), path) == value


def test_nothing_a_reviewer_would_refuse_is_tried():
    """Prod's services run 2 replicas for availability: none is tried below 2; no scale-down window of 0; the system
    pool (no GPUs, where the add-ons run) is never tried smaller, on staging whose CPU services use it."""
    for stack in ("prod", "staging"):
        config = load_validated(STACKS / f"Pulumi.{stack}.yaml")
        fleet = fleet_setup(config, Timings(), stack_prices(config))
        service_settings, pool_settings = settings(config, fleet, spot_share=True)
        for setting in service_settings:
            current = config_value(config, setting.path)
            if setting.path[-1] == "minReplicas" and current >= 2:
                assert min(setting.values) == 2
            if setting.path[-1] == "stabilizationWindowSeconds":
                assert 0 not in setting.values
        pools = config.alicloud.node_pools
        for setting in pool_settings:
            pool = pools[setting.path[2]]
            if not pool.gpu:
                assert setting.path[-1] == "maxSize" and min(setting.values) == pool.scaling.max_size
    staging = load_validated(STACKS / "Pulumi.staging.yaml")
    assert any(not staging.alicloud.node_pools[s.path[2]].gpu
               for s in settings(staging, fleet_setup(staging, Timings(), stack_prices(staging)))[1])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_values_searched_stay_within_the_stacks_policy_limits(stack):
    """A recommendation must pass the policy pack it will be previewed with: no maxReplicas over the stack's cap,
    no pool over its size cap, no pay-as-you-go share under the spot-on-demand-share minimum."""
    import json

    from policypack.rules import Settings

    given = json.loads((Path(__file__).resolve().parents[3] / "policypack" / "config" / f"{stack}.json").read_text())
    caps = {"maxReplicas": given.get("workload-autoscaler-bounds", {}).get("maxReplicas", Settings.maxReplicas),
            "maxSize": given.get("node-pool-bounds", {}).get("maxNodePoolSize", Settings.maxNodePoolSize)}
    config = load_validated(STACKS / f"Pulumi.{stack}.yaml")
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    service_settings, pool_settings = settings(config, fleet, policy_bounds(stack), spot_share=True)
    values = {}
    for setting in service_settings + pool_settings:
        values.setdefault(setting.path[-1], set()).update(setting.values)
    assert max(values["maxReplicas"]) <= caps["maxReplicas"] < 1000 and max(values["maxSize"]) <= caps["maxSize"]
    if "onDemandPercentageAboveBaseCapacity" in values:
        floor = given.get("spot-on-demand-share", {}).get("minOnDemandPercentage", Settings.minOnDemandPercentage)
        assert min(values["onDemandPercentageAboveBaseCapacity"]) == floor


def test_the_pay_as_you_go_share_is_searched_only_when_spot_can_be_reclaimed():
    config = load_validated(STACKS / "Pulumi.prod.yaml")
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    assert not searches_spot_share(Timings()) and searches_spot_share(Timings(spot_reclaims_per_node_hour=0.05))
    held = {s.path[-1] for group in settings(config, fleet, spot_share=False) for s in group}
    searched = {s.path[-1] for group in settings(config, fleet, spot_share=True) for s in group}
    share = {"onDemandBaseCapacity", "onDemandPercentageAboveBaseCapacity"}
    assert share <= searched and not share & held


def test_a_stack_file_is_held_to_the_policy_limits_of_the_stack_it_names(tmp_path, capsys):
    """A copy of dev under another name is searched within dev's limits with --stack dev (the same outcome as dev
    itself), and within the defaults without it (dev's 5-node pool cap lifted to 10: a different outcome)."""
    copy = tmp_path / "my-trial.yaml"
    copy.write_text((STACKS / "Pulumi.dev.yaml").read_text())

    def outcome(*source: str) -> list[str]:
        capsys.readouterr()
        planner_main(["whatif", *source, "--pattern", "ramp", "--duration", "900", "--recommend"])
        printed = capsys.readouterr().out.splitlines()
        return printed[next(i for i, line in enumerate(printed) if line.startswith("search:")) + 1:]

    named = outcome("--stack-file", str(copy), "--stack", "dev")
    assert named == outcome("--stack", "dev") and named != outcome("--stack-file", str(copy))
