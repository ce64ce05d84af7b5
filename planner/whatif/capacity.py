"""Capacity inputs: the price table, pods per node, the spot/pay-as-you-go split. Instance types come from the
program's catalog (``stackconfig.INSTANCE_TYPES``), which the stack config is validated against."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from stackconfig import InstanceSpec, NodePoolConfig, ServiceConfig, cpu_cores, memory_gib

DATA_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class EcsPrice:
    pay_as_you_go: float
    spot: float
    placeholder: bool


@dataclass(frozen=True)
class PriceTable:
    """Hourly prices of one region (``prices.<region>.yaml``): the date they were taken and whether any
    entry is a placeholder are part of every report that uses them."""

    region: str
    currency: str
    taken: str | None
    ecs: dict[str, EcsPrice]
    eci_vcpu_hour: float
    eci_memory_gib_hour: float
    eci_spot_factor: float
    eci_spot_factor_placeholder: bool

    def ecs_price(self, instance_type: str) -> EcsPrice:
        if instance_type not in self.ecs:
            raise KeyError(f"no price for {instance_type} in prices.{self.region}.yaml; add it (with its source)")
        return self.ecs[instance_type]


def load_prices(region: str, directory: Path = DATA_DIR) -> PriceTable:
    path = directory / f"prices.{region}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no price table for region {region}: create {path} (see prices.cn-beijing.yaml)")
    raw = yaml.safe_load(path.read_text())
    eci = raw["eci"]
    return PriceTable(
        region=raw["region"], currency=raw["currency"], taken=raw.get("taken"),
        ecs={name: EcsPrice(float(v["payAsYouGo"]), float(v["spot"]), bool(v.get("placeholder", False)))
             for name, v in raw["ecs"].items()},
        eci_vcpu_hour=float(eci["vcpuHour"]), eci_memory_gib_hour=float(eci["memoryGibHour"]),
        eci_spot_factor=float(eci["spotFactor"]), eci_spot_factor_placeholder=bool(eci.get("spotFactorPlaceholder", False)),
    )


def pods_per_node(service: ServiceConfig, node: InstanceSpec, overhead_cpu: float, overhead_memory_gib: float) -> int:
    """How many replicas fit on one node: the tightest of GPUs, allocatable CPU and allocatable memory."""
    fits = [
        (node.vcpu - overhead_cpu) / cpu_cores(service.resources.cpu),
        (node.memory_gib - overhead_memory_gib) / memory_gib(service.resources.memory),
    ]
    if service.resources.gpus:
        fits.append(node.gpus / service.resources.gpus)
    return max(0, math.floor(min(fits)))


def pay_as_you_go_nodes(total: int, pool: NodePoolConfig) -> int:
    """Pay-as-you-go nodes among ``total`` under the pool's spot settings: the base capacity first, then
    ``onDemandPercentageAboveBaseCapacity`` of the rest (ACK NodePool docs; the guides' 30 %). How ESS
    rounds the share is not documented: this model rounds up, so the pay-as-you-go share is never below
    the setting."""
    if pool.spot is None:
        return total
    base = min(total, pool.spot.on_demand_base_capacity)
    return base + math.ceil((total - base) * pool.spot.on_demand_percentage_above_base_capacity / 100)


def pool_for(service: ServiceConfig, pools: list[NodePoolConfig]) -> NodePoolConfig | None:
    """The first pool the service's pods can use: its labels include the service's nodeSelector, and it is a
    GPU pool exactly when the service asks for GPUs (GPU pools are tainted; CPU pods do not tolerate it)."""
    selector = service.placement.node_selector.items()
    for pool in pools:
        if selector <= pool.labels.items() and pool.gpu == (service.resources.gpus > 0):
            return pool
    return None


def eci_pod_price(service: ServiceConfig, prices: PriceTable) -> float:
    """Hourly price of one ECI pod: a GPU pod is billed at its ECS spec's price, others per vCPU and GiB."""
    if service.burst.eci_gpu_specs:
        price = prices.ecs_price(service.burst.eci_gpu_specs[0])
        return price.spot if service.burst.spot else price.pay_as_you_go
    hourly = cpu_cores(service.resources.cpu) * prices.eci_vcpu_hour \
        + memory_gib(service.resources.memory) * prices.eci_memory_gib_hour
    return hourly * prices.eci_spot_factor if service.burst.spot else hourly
