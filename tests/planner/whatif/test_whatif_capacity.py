"""Invariants of the capacity model: bounds, the spot share, cost, pods per node, ECI and spot reclaims."""

from __future__ import annotations

import dataclasses
import math

import pytest

from planner.stackfile import read_stack_file
from planner.whatif.capacity import load_prices, pay_as_you_go_nodes, pods_per_node
from planner.whatif.inputs import Timings, with_overrides
from planner.whatif.patterns import PATTERNS
from planner.whatif.report import summarize
from planner.whatif.run import Load, default_demand, setups, simulate
from stackconfig import INSTANCE_TYPES, NodePoolConfig, ServiceConfig, load_stack_config

from paths import DATA

STACK_FILES = ["whatif-seeds.yaml", "whatif-tuned.yaml", "whatif-keda.yaml", "whatif-eci.yaml", "whatif-gpu.yaml"]


def _setup(name: str, timings: Timings = Timings()):
    config = load_stack_config(*read_stack_file(DATA / name))
    return config, setups(config, timings, load_prices(config.region))[0]


def _service(**resources) -> ServiceConfig:
    return ServiceConfig.model_validate({
        "name": "svc", "server": "tfserving", "model": {"name": "m", "path": "models/m"},
        "resources": resources, "autoscaling": {"maxReplicas": 4, "cpu": {"targetUtilization": 60}},
    })


def test_pods_per_node_is_the_tightest_of_gpus_cpu_and_memory():
    gpu_node = INSTANCE_TYPES["ecs.gn7i-c8g1.2xlarge"]
    cpu_node = INSTANCE_TYPES["ecs.g7.xlarge"]
    assert pods_per_node(_service(gpus=1, cpu="2", memory="4Gi"), gpu_node, 0.5, 2.0) == 1
    assert pods_per_node(_service(gpus=0, cpu="1", memory="2Gi"), cpu_node, 0.5, 2.0) == 3
    assert pods_per_node(_service(gpus=0, cpu="500m", memory="6Gi"), cpu_node, 0.5, 2.0) == 2
    assert pods_per_node(_service(gpus=0, cpu="8", memory="2Gi"), cpu_node, 0.5, 2.0) == 0


def test_pay_as_you_go_share_is_base_plus_30_percent_of_the_rest_rounded_up():
    pool = NodePoolConfig.model_validate({"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"],
                                          "scaling": {"minSize": 0, "maxSize": 30},
                                          "spot": {"onDemandBaseCapacity": 2}})
    assert [pay_as_you_go_nodes(n, pool) for n in (0, 1, 2, 3, 12, 30)] == [0, 1, 2, 3, 5, 11]
    no_spot = pool.model_copy(update={"spot": None})
    assert pay_as_you_go_nodes(7, no_spot) == 7


@pytest.mark.parametrize("stack_file", STACK_FILES)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_bounds_share_and_cost_hold_every_second(stack_file, pattern):
    config, setup = _setup(stack_file)
    auto = setup.service.autoscaling
    result = simulate(setup, default_demand(setup, Load(pattern, 7200)))
    pool = setup.pool
    for s in result.samples:
        assert auto.min_replicas <= s.replicas <= auto.max_replicas
        assert s.ready <= auto.max_replicas
        nodes = s.spot_nodes + s.payg_nodes
        assert pool.scaling.min_size <= nodes <= pool.scaling.max_size
        assert s.payg_nodes == pay_as_you_go_nodes(nodes, pool)
        if nodes == 0 and s.eci_pods == 0:
            assert sum(s.cost_per_hour.values()) == 0
        assert s.capacity == s.ready * setup.pod_capacity_qps


def test_eci_overflow_takes_every_pod_the_ready_nodes_cannot_hold():
    """Overflow pods are scheduled onto ECI at once, so they never wait for (or cause) new nodes: the pool
    stays at its warm node and ECI runs the rest."""
    config, setup = _setup("whatif-eci.yaml")
    result = simulate(setup, default_demand(setup, Load("step", 3600)))
    assert {s.spot_nodes + s.payg_nodes for s in result.samples} == {setup.pool.scaling.min_size}
    last = result.samples[-1]
    assert last.eci_pods == last.replicas - setup.pool.scaling.min_size > 0
    assert summarize(result).cost_per_hour["eci"] > 0


def test_eci_image_cache_shortens_time_to_capacity():
    config, setup = _setup("whatif-eci.yaml")
    demand = default_demand(setup, Load("step", 3600))
    cached = summarize(simulate(setup, demand))
    uncached_service = setup.service.model_copy(update={"burst": setup.service.burst.model_copy(update={"image_cache": False})})
    uncached = summarize(simulate(dataclasses.replace(setup, service=uncached_service), demand))
    assert uncached.ttc_max - cached.ttc_max == Timings().image_pull_tfserving_seconds - Timings().eci_image_cache_pull_seconds


def test_eci_only_runs_no_nodes():
    config, setup = _setup("whatif-eci.yaml")
    only = setup.service.model_copy(update={"burst": setup.service.burst.model_copy(update={"mode": "only"})})
    result = simulate(dataclasses.replace(setup, service=only, pool=None, instance=None),
                      default_demand(setup, Load("ramp", 3600)))
    assert all(s.spot_nodes == s.payg_nodes == 0 for s in result.samples)
    assert max(s.eci_pods for s in result.samples) == max(s.replicas for s in result.samples)


def test_spot_reclaims_cost_capacity_and_are_replaced():
    """With frequent reclaims, drained pods leave gaps that reclaim-free runs do not have; the pool
    replaces spot nodes (instanceRemedy) so capacity comes back."""
    config, setup = _setup("whatif-seeds.yaml")
    demand = default_demand(setup, Load("step", 7200))
    calm = summarize(simulate(setup, demand))
    stormy_timings = with_overrides(Timings(), ["spot_reclaims_per_node_hour=2"])
    stormy = simulate(dataclasses.replace(setup, timings=stormy_timings), demand)
    assert summarize(stormy).seconds_under > calm.seconds_under
    assert stormy.samples[-1].capacity >= demand[-1]


def test_gpu_autoscaling_settles_where_the_average_utilisation_meets_its_target():
    """At a steady peak the GPU autoscaler runs ceil(demand / (capacity x 70 %)) replicas, as the HPA's Value target
    ceil(replicas x average / target) converges to (within its 10 % tolerance)."""
    _, setup = _setup("whatif-gpu.yaml")
    peak = 4 * setup.pod_capacity_qps
    result = simulate(setup, default_demand(setup, Load("step", 3600, base_qps=0.5 * setup.pod_capacity_qps, peak_qps=peak)))
    assert result.mode == "gpu"
    settled = [s.replicas for s in result.samples[-600:]]
    expected = math.ceil(peak / (setup.pod_capacity_qps * 0.7))
    assert min(settled) >= expected - 1 and max(settled) <= expected + 1, (expected, sorted(set(settled)))
    assert result.samples[0].replicas == 1
