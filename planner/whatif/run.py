"""From a validated stack config to simulated runs: per-service set-up and default load."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stackconfig import INSTANCE_TYPES, ServiceConfig, StackConfig

from .capacity import PriceTable, pods_per_node, pool_for
from .inputs import Timings
from .patterns import DEFAULT_DURATION, pattern
from .simulate import Result, ServiceSetup, Simulation

UTILISATION_POD_QPS = 10.0
"""Per-pod capacity assumed for services scaled on CPU or memory, which say nothing about QPS: the
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


def default_demand(setup: ServiceSetup, load: Load) -> list[float]:
    """Default levels: the base is half of what the minimum replicas serve (half of one replica for a
    scale-to-zero service), the peak 80 % of what the maximum replicas serve."""
    auto = setup.service.autoscaling
    base = load.base_qps if load.base_qps is not None else 0.5 * setup.pod_capacity_qps * max(1, auto.min_replicas)
    peak = load.peak_qps if load.peak_qps is not None else 0.8 * setup.pod_capacity_qps * auto.max_replicas
    return pattern(load.name, base, peak, load.duration or DEFAULT_DURATION[load.name])


def setups(config: StackConfig, timings: Timings, prices: PriceTable,
           only: str | None = None, pod_qps: float | None = None) -> list[ServiceSetup]:
    """One set-up per service (or only the one named ``only``), each on the first pool it can use, whose first
    instance type is in the program's catalog (the validated config names no other)."""
    result = []
    for service in config.services:
        if only is not None and service.name != only:
            continue
        pool = None if service.burst.mode == "only" else pool_for(service, config.alicloud.node_pools)
        if pool is None and service.burst.mode == "none":
            raise ValueError(f"service {service.name}: no node pool matches its placement and it does not burst")
        instance = None
        if pool is not None:
            instance = INSTANCE_TYPES[pool.instance_types[0]]
            if pods_per_node(service, instance, timings.node_overhead_cpu, timings.node_overhead_memory_gib) == 0:
                raise ValueError(f"service {service.name}: one replica does not fit on {instance.name}")
        result.append(ServiceSetup(service, pool, instance, prices, timings,
                                   pod_qps if pod_qps is not None else pod_capacity_qps(service)))
    return result


def simulate(setup: ServiceSetup, demand: list[float]) -> Result:
    return Simulation(setup, demand).run()


def with_capacity(setup: ServiceSetup, pod_qps: float) -> ServiceSetup:
    """The same set-up with another per-pod capacity (a comparison keeps the first stack's)."""
    return replace(setup, pod_capacity_qps=pod_qps)
