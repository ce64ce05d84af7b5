"""The fleet simulation: invariants on every committed stack and pattern, and the cases that exposed the single-tenant
model's defects (issue 17)."""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from planner.cli import committed_stacks
from planner.whatif.fleet import pay_as_you_go_count
from planner.whatif.inputs import Timings, with_overrides
from planner.whatif.patterns import PATTERNS
from planner.whatif.report import served_share_so_far, summarize, write_csv
from planner.whatif.run import Load, default_demand, fleet_setup, simulate, stack_prices
from planner.whatif.simulate import FleetSimulation, Pod

from paths import DATA
from whatif_runs import load, run_fleet

STACKS = Path(__file__).resolve().parents[3] / "stacks"


@pytest.mark.parametrize("stack", committed_stacks())
@pytest.mark.parametrize("pattern", PATTERNS)
def test_invariants_hold_every_second_of_the_csv_on_every_committed_stack(stack, pattern, tmp_path):
    """In the CSV a user gets: replicas within their bounds, each pool within its own limits (however many services
    share it), cost zero at zero nodes, burst pods only for services that burst, no more ready pods than replicas
    allowed, and each node added as the pool's pay-as-you-go share of its new size says (the kind is chosen then;
    the autoscaler removes nodes by their load, not their kind)."""
    config, fleet, result = run_fleet(STACKS / f"Pulumi.{stack}.yaml", pattern, 3600)
    assert result.services, stack
    write_csv({stack: result}, tmp_path / "ts.csv")
    rows: dict[tuple[str, str], list[dict]] = {}
    for row in csv.DictReader((tmp_path / "ts.csv").open()):
        rows.setdefault((row["kind"], row["name"]), []).append(row)
    for setup in fleet.services:
        auto, series = setup.service.autoscaling, rows["service", setup.name]
        assert len(series) == 3600
        replicas, ready = [int(r["replicas"]) for r in series], [int(r["ready_pods"]) for r in series]
        burst = [int(r["burst_pods"]) for r in series]
        assert min(replicas) >= auto.min_replicas and max(replicas) <= auto.max_replicas and max(ready) <= auto.max_replicas
        if setup.service.burst.mode == "none":
            assert not any(burst) and not any(float(r["cost_per_hour"]) for r in series)
        if setup.service.burst.mode == "only":
            assert max(burst) == max(replicas)
    for pool in fleet.pools:
        series = rows["pool", pool.name]
        group = pool.group
        nodes = [int(r["spot_nodes"]) + int(r["payg_nodes"]) for r in series]
        assert min(nodes) >= group.min_size and max(nodes) <= group.max_size, pool.name
        assert not any(float(r["cost_per_hour"]) for r, n in zip(series, nodes) if n == 0)
        for before, after, row in zip([0, *nodes], nodes, series):
            if after > before:
                assert int(row["payg_nodes"]) == pay_as_you_go_count(
                    after, group.on_demand_base_capacity, group.on_demand_percentage_above_base_capacity), row


def test_two_services_share_one_pool_and_never_exceed_its_max_size():
    """Dev's GPU pool (maxSize 4) holds fashion-mnist and bert-tfserving: a step to 80 % of both maxReplicas
    (8 pods each) fills the pool once, not twice, and the autoscaler says the pool is what holds them back."""
    config, fleet, result = run_fleet(STACKS / "Pulumi.dev.yaml", "step", 3600)
    gpu = next(p for p in result.pools if p.name == "node pool gpu-inference")
    assert (gpu.spot + gpu.payg).max() == 4
    on_gpu_nodes = [s for s in result.services if s.name in ("fashion-mnist", "bert-tfserving")]
    assert sum(int(s.ready[-1]) for s in on_gpu_nodes) == 4
    for summary in summarize(result).services:
        if summary.name in ("fashion-mnist", "bert-tfserving"):
            assert {e.limit for e in summary.episodes} == {"node pool maxSize"}


def test_pool_minimum_is_counted_once_per_pool():
    """Each pool starts at its own minSize (plus what the minimum replicas need), whatever the number of services."""
    config, fleet, result = run_fleet(STACKS / "Pulumi.prod.yaml", "step", 600)
    for pool, series in zip(fleet.pools, result.pools):
        assert series.spot[0] + series.payg[0] == pool.group.min_size


def test_after_a_spike_the_pool_returns_to_its_minimum_and_its_cost():
    """Prod's spike: the nodes added for it are removed once unneeded, pay-as-you-go ones included (the autoscaler
    deletes the node it finds unneeded), so the pool ends where it started: 2 nodes, 20 CNY/h in the committed
    table, not 4 nodes at 32."""
    config, fleet, result = run_fleet(STACKS / "Pulumi.prod.yaml", "spike", 7200)
    gpu = next(p for p in result.pools if p.name == "node pool gpu-inference")
    nodes = gpu.spot + gpu.payg
    assert nodes.max() > nodes[0] == nodes[-1] == 2
    assert gpu.cost[-1] == gpu.cost[0]


def test_scale_in_deletes_the_newest_ready_pod_first():
    """``ActivePodsWithRanks``: among ready pods on equally loaded nodes, the one ready for the shortest time goes."""
    config = load(STACKS / "Pulumi.prod.yaml")
    fleet = fleet_setup(config, Timings(), None)
    simulation = FleetSimulation(fleet, [np.zeros(10) for _ in fleet.services])
    old, new = Pod(0, created=0, uid=0.5, ready_at=0), Pod(0, created=0, uid=0.5, ready_at=0)
    old.node = new.node = simulation.nodes[0]
    new.ready_at = 3000
    assert simulation._deletion_rank(new, 3600) < simulation._deletion_rank(old, 3600)
    pending = Pod(0, created=0, uid=0.1)
    assert simulation._deletion_rank(pending, 3600) < simulation._deletion_rank(new, 3600)


@pytest.mark.parametrize("total, base, percentage, expected", [
    (20, 10, 50, 15),  # the user guide's table: base 10, 50 % of the other 10
    (10, 12, 0, 10),   # a base above the group size is capped at it
    (1, 0, 30, 1), (4, 0, 30, 2), (10, 0, 30, 3), (0, 0, 30, 0), (7, 2, 100, 7),
])
def test_pay_as_you_go_count_rounds_up_as_ec2_auto_scaling_documents(total, base, percentage, expected):
    assert pay_as_you_go_count(total, base, percentage) == expected


def test_a_spike_capacity_never_met_is_not_reached():
    """Dev's spike lasts 180 s and the pool caps capacity far below it: the episode ends because the load falls, so
    it is "not reached" rather than a 180 s time to capacity."""
    summary = summarize(run_fleet(STACKS / "Pulumi.dev.yaml", "spike", 3600)[2])
    service = next(s for s in summary.services if s.name == "bert-tfserving")
    assert service.episodes and not any(e.reached for e in service.episodes)
    assert service.reached == []


def test_the_plotted_share_served_falls_in_a_spike_and_ends_at_the_reports_share():
    """The plot's SLO panel: the share of requests served so far is 1 before the spike, drops under capacity, and its
    last value is the share the SLO verdict uses."""
    result = run_fleet(STACKS / "Pulumi.dev.yaml", "spike", 3600)[2]
    series = next(s for s in result.services if s.name == "bert-tfserving")
    share = served_share_so_far(series)
    short = np.flatnonzero(series.demand > series.capacity)
    assert share[short[0] - 1] == 1.0 and share[short[-1]] < 1.0
    summary = next(s for s in summarize(result).services if s.name == "bert-tfserving")
    assert share[-1] == pytest.approx(summary.served_share)


def _episode_limits(stack: str, timings: Timings = Timings(), peak_over_max: float | None = None) -> dict[str, set[str]]:
    """Per service, what held capacity back in its episodes under a step; with ``peak_over_max``, a peak of that
    many times what ``maxReplicas`` replicas serve."""
    config = load(STACKS / f"Pulumi.{stack}.yaml")
    fleet = fleet_setup(config, timings, stack_prices(config))
    demands = [default_demand(s, Load("step", 3600, None, peak_over_max and peak_over_max * s.pod_capacity_qps
                                      * s.service.autoscaling.max_replicas)) for s in fleet.services]
    return {s.name: {e.limit for e in s.episodes} for s in summarize(simulate(fleet, demands)).services}


def test_each_episode_names_what_held_capacity_back():
    """Dev's small GPU pool stops its GPU services before maxReplicas (pool maxSize); with a quota of one burst pod
    the ECI-only service is held by the quota, not by a pool it never uses (it was blamed on the pool); a peak
    three times what maxReplicas serve is held by maxReplicas where the pools have room (prod)."""
    dev = _episode_limits("dev")
    assert dev["bert-tfserving"] == {"node pool maxSize"}
    assert "burst pod quota" not in dev["bert-tfserving-eci"]
    assert _episode_limits("dev", with_overrides(Timings(), ["burst_pod_quota=1"]))["bert-tfserving-eci"] == {"burst pod quota"}
    assert all(limits == {"maxReplicas"} for limits in _episode_limits("prod", peak_over_max=3).values())


def test_image_pull_on_fresh_nodes_delays_capacity():
    """A GPU service on nodes only: a longer first pull on the new nodes lengthens time to capacity by as much."""
    path = DATA / "whatif-seeds.yaml"
    fast = summarize(run_fleet(path, "step", 3600, with_overrides(Timings(), ["image_pull_tfserving_seconds=60"]))[2])
    slow = summarize(run_fleet(path, "step", 3600, with_overrides(Timings(), ["image_pull_tfserving_seconds=600"]))[2])
    assert max(slow.services[0].reached) - max(fast.services[0].reached) == 540


def test_seldon_hpas_take_the_legacy_path():
    config, fleet, _ = run_fleet(STACKS / "Pulumi.staging.yaml", "step", 60)
    by_name = {s.name: s for s in fleet.services}
    for service in fleet.services:
        expected = service.service.server == "seldon" and not service.service.autoscaling.uses_keda
        assert service.legacy_hpa is expected
    assert any(s.legacy_hpa for s in by_name.values())


def test_eks_fargate_pods_are_priced_by_their_fargate_configuration():
    """aws-dev's cifar10-triton (2 vCPU, 4 GiB + 256 MiB) runs on Fargate's 2 vCPU / 5 GB configuration."""
    config, fleet, result = run_fleet(STACKS / "Pulumi.aws-dev.yaml", "step", 600)
    triton = next(s for s in fleet.services if s.name == "cifar10-triton")
    prices = stack_prices(config)
    assert triton.burst_price == pytest.approx(2 * prices.serverless_vcpu_hour + 5 * prices.serverless_memory_gib_hour)
    assert not triton.pools


def test_existing_cluster_runs_on_its_declared_nodes_unpriced():
    config, fleet, result = run_fleet(STACKS / "Pulumi.local.yaml", "ramp", 1200)
    assert [p.name for p in fleet.pools] == ["existing node group kind"]
    assert not result.pools[0].cost.any()
    assert (result.pools[0].spot + result.pools[0].payg).tolist() == [1] * 1200


def test_spot_reclaims_cost_capacity_and_are_replaced():
    """With frequent reclaims drained pods leave gaps a calm run does not have; instanceRemedy replaces the nodes so
    capacity comes back."""
    path = DATA / "whatif-seeds.yaml"
    calm = summarize(run_fleet(path, "step", 7200)[2]).services[0]
    _, _, stormy = run_fleet(path, "step", 7200, with_overrides(Timings(), ["spot_reclaims_per_node_hour=2"]))
    assert summarize(stormy).services[0].requests_under > calm.requests_under
    assert stormy.services[0].capacity[-1] >= stormy.services[0].demand[-1]


def test_gpu_autoscaling_settles_where_the_average_utilisation_meets_its_target():
    """At a steady peak the GPU autoscaler runs ceil(demand / (capacity x 70 %)) replicas (within its tolerance)."""
    config = load(DATA / "whatif-gpu.yaml")
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    setup = fleet.services[0]
    peak = 4 * setup.pod_capacity_qps
    result = simulate(fleet, [default_demand(setup, Load("step", 3600, 0.5 * setup.pod_capacity_qps, peak))])
    settled = result.services[0].replicas[-600:]
    expected = math.ceil(peak / (setup.pod_capacity_qps * 0.7))
    assert settled.min() >= expected - 1 and settled.max() <= expected + 1


def test_eci_overflow_takes_what_the_ready_nodes_cannot_hold():
    """Overflow pods go to ECI at once and never make the autoscaler add nodes."""
    config, fleet, result = run_fleet(DATA / "whatif-eci.yaml", "step", 3600)
    gpu = next(p for p in result.pools if p.name == "node pool gpu-inference")
    assert set((gpu.spot + gpu.payg).tolist()) == {1}
    service = result.services[0]
    assert service.burst_pods[-1] == service.replicas[-1] - 1 > 0


def test_eci_image_cache_shortens_time_to_capacity():
    config = load(DATA / "whatif-eci.yaml")
    uncached = config.model_copy(update={"services": [s.model_copy(update={"burst": s.burst.model_copy(update={"image_cache": False})})
                                                       for s in config.services]})
    cached_ttc = max(summarize(run_fleet(DATA / "whatif-eci.yaml", "step", 3600)[2]).services[0].reached)
    uncached_ttc = max(summarize(run_fleet(DATA / "whatif-eci.yaml", "step", 3600, config=uncached)[2]).services[0].reached)
    assert uncached_ttc - cached_ttc == Timings().image_pull_tfserving_seconds - Timings().eci_image_cache_pull_seconds


def test_burst_quota_holds_pods_back_and_says_so():
    path = DATA / "whatif-eci.yaml"
    _, _, result = run_fleet(path, "step", 3600, dataclasses.replace(Timings(), burst_pod_quota=2))
    assert result.services[0].burst_pods.max() == 2
    assert "burst pod quota" in {e.limit for e in summarize(result).services[0].episodes}


def test_the_qps_metric_is_the_ingress_count_of_its_window_ingestion_delay_before_each_sync():
    """The SLS metric the HPA reads at a sync at t: requests of [t - 25 s, t - 10 s) over 15 s (window 15 s, delay
    10 s), checked against the demand itself at every sync of a ramp."""
    config, fleet, result = run_fleet(STACKS / "Pulumi.prod.yaml", "ramp", 3600)
    timings = Timings()
    series = result.services[0]
    assert series.mode == "qps"
    for t in range(30, 3600, timings.hpa_sync_seconds):
        end = t - timings.qps_delay_seconds
        assert series.metric[t] == pytest.approx(series.demand[end - timings.qps_window_seconds:end].mean()), t
