"""From a validated stack config to a simulated fleet: the set-up of every service and pool, and the default load."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from stackconfig import ServiceConfig, StackConfig

from .fleet import burst_pod_price, candidate_pools, pod_shape, pools_of
from .inputs import Timings
from .patterns import DEFAULT_DURATION, pattern
from .prices import PriceTable, display_path, load_prices
from .simulate import FleetResult, FleetSetup, FleetSimulation, ServiceSetup

UTILISATION_POD_QPS = 10.0
"""Per-pod capacity assumed for services scaled on CPU, memory or GPU utilisation, which say nothing about QPS: the
guides' per-pod QPS target (seeds: ``targetAverageValue: 10``). Override with ``--pod-qps``."""


def pod_capacity_qps(service: ServiceConfig) -> float:
    """QPS one ready replica serves: the per-pod target the service is sized for (QPS target or KEDA
    threshold), else :data:`UTILISATION_POD_QPS`."""
    auto = service.autoscaling
    if auto.qps:
        return auto.qps.target_per_pod
    if auto.keda:
        return auto.keda.threshold
    return UTILISATION_POD_QPS


@dataclass(frozen=True)
class Load:
    """The built-in pattern's parameters; ``None`` means the service's default."""

    name: str = "step"
    duration: int | None = None
    base_qps: float | None = None
    peak_qps: float | None = None


def default_demand(setup: ServiceSetup, load: Load) -> np.ndarray:
    """Default levels: the base is half of what the minimum replicas serve (half of one replica for a
    scale-to-zero service), the peak 80 % of what the maximum replicas serve."""
    auto = setup.service.autoscaling
    base = load.base_qps if load.base_qps is not None else 0.5 * setup.pod_capacity_qps * max(1, auto.min_replicas)
    peak = load.peak_qps if load.peak_qps is not None else 0.8 * setup.pod_capacity_qps * auto.max_replicas
    return pattern(load.name, base, peak, load.duration or DEFAULT_DURATION[load.name])


def _start_seconds(config: StackConfig, service: ServiceConfig, timings: Timings) -> tuple[int, int]:
    """Seconds from binding to ready on a node whose image is present, and on burst capacity (with its pull)."""
    model = timings.model_load_seconds + (timings.seldon_overhead_seconds if service.server == "seldon" else 0)
    pull = timings.image_pull_seconds(service.serving_kind)
    if config.cloud == "aws":
        burst = timings.fargate_create_seconds + pull
    else:
        burst = timings.eci_create_seconds + (timings.eci_image_cache_pull_seconds if service.burst.image_cache else pull)
    return timings.pod_schedule_seconds + model, burst + model


def fleet_setup(config: StackConfig, timings: Timings, prices: PriceTable | None,
                pod_qps: dict[tuple[str, str], float] | None = None) -> FleetSetup:
    """The stack's pools and services. ``pod_qps`` overrides the per-pod capacity by (namespace, name)."""
    pools = tuple(pools_of(config, prices))
    services = []
    for service in config.services:
        candidates = tuple(candidate_pools(service, list(pools)))
        if not candidates and service.burst.mode == "none":
            where = "existing.nodeGroups" if config.cloud == "existing" else "a node pool"
            raise ValueError(f"service {service.name}: no node group takes its pods (placement, taints, size) and it does "
                             f"not burst; declare {where} that does")
        on_node, on_burst = _start_seconds(config, service, timings)
        key = (service.namespace, service.name)
        services.append(ServiceSetup(
            service=service, shape=pod_shape(service), pools=candidates,
            burst_price=burst_pod_price(config, service, prices) if service.burst.mode != "none" and prices else 0.0,
            node_start_seconds=on_node, burst_start_seconds=on_burst,
            pull_seconds=timings.image_pull_seconds(service.serving_kind),
            image=service.image or service.default_image,
            pod_capacity_qps=(pod_qps or {}).get(key, pod_capacity_qps(service)),
            legacy_hpa=service.server == "seldon" and not service.autoscaling.uses_keda,
        ))
    return FleetSetup(pools, tuple(services), timings,
                      timings.eks_ca_scan_seconds if config.cloud == "aws" else timings.ca_scan_seconds,
                      {"aws": "Fargate", "alicloud": "ECI"}.get(config.cloud), timings.burst_pod_quota or None,
                      gpu_nodes_count_all_resources=config.cloud == "alicloud")


def pod_qps_of(setup: FleetSetup) -> dict[tuple[str, str], float]:
    """Each service's per-pod capacity by (namespace, name): what another stack file of the same services is
    simulated with (``--compare``, ``--recommend``), so that both serve the same load with the same pods."""
    return {(s.service.namespace, s.service.name): s.pod_capacity_qps for s in setup.services}


def with_pod_qps(setup: FleetSetup, pod_qps: float) -> FleetSetup:
    """Every service with the same per-pod capacity (``--pod-qps``)."""
    return replace(setup, services=tuple(replace(s, pod_capacity_qps=pod_qps) for s in setup.services))


def simulate(setup: FleetSetup, demands: list[np.ndarray]) -> FleetResult:
    return FleetSimulation(setup, demands).run()


def stack_prices(config: StackConfig) -> PriceTable | None:
    """The price table of the stack's cloud and region; none for an existing cluster (its nodes are paid already)."""
    return None if config.cloud == "existing" else load_prices(config.cloud, config.region)


IDLE_SECONDS = 1800
"""How long the fleet runs without load before its idle cost is read: enough for the cluster autoscaler to add the
nodes ``minReplicas`` needs (scan, provisioning) with the default timings."""


def idle_cost_per_hour(config: StackConfig, prices: PriceTable) -> float:
    """What the fleet costs per hour with no load once settled: the pools at ``minSize``, the nodes and burst pods
    every service's ``minReplicas`` needs on top (a KEDA service may scale to zero), from the simulator run
    :data:`IDLE_SECONDS` without load."""
    setup = fleet_setup(config, Timings(), prices)
    if not setup.services:
        return sum(pool.cost_per_hour(pool.group.min_size) for pool in setup.pools)
    result = simulate(setup, [np.zeros(IDLE_SECONDS) for _ in setup.services])
    return float(sum(p.cost[-1] for p in result.pools) + sum(s.burst_cost[-1] for s in result.services))


def capacity_bracket(config: StackConfig) -> dict:
    """What a stack's capacity may cost per hour, from the what-if model and the stack's price table: idle
    (:func:`idle_cost_per_hour`) and at most (every pool at its ``maxSize``, split into spot and pay-as-you-go as the
    pool's share rounds, and the burst pods of every bursting service at ``maxReplicas``). The PR comment shows it
    before and after a change, with the table's date. An existing cluster's nodes have no price (None)."""
    prices = stack_prices(config)
    pools = pools_of(config, prices)
    bursting = [s for s in config.services if s.burst.mode != "none"]
    priced = prices is not None
    at_max = sum(p.cost_per_hour(p.group.max_size) for p in pools) \
        + sum(s.autoscaling.max_replicas * burst_pod_price(config, s, prices) for s in bursting) if priced else None
    return {
        "pools": [{"name": p.name, "minSize": p.group.min_size, "maxSize": p.group.max_size,
                   "costPerHourAtMax": round(p.cost_per_hour(p.group.max_size), 4) if priced else None} for p in pools],
        "maxNodes": sum(p.group.max_size for p in pools),
        "burstPodsAtMax": sum(s.autoscaling.max_replicas for s in bursting),
        "costPerHourIdle": round(idle_cost_per_hour(config, prices), 4) if priced else None,
        "costPerHourAtMax": round(at_max, 4) if priced else None,
        "currency": prices.currency if priced else None,
        "priceTable": display_path(prices.path) if priced else None,
        "priceTableTaken": prices.taken if priced else None,
        "placeholders": "{} of {}".format(*prices.placeholder_count()) if priced else None,
    }
