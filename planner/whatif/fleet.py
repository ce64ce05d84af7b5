"""What the simulator runs on: the stack's node groups as pools with prices and a spot share, the burst capacity
(ECI, Fargate), and each service's pod shape and where it may land.

Placement follows :mod:`stackconfig.capacity` (the fit check's rules): a pod may use a node group whose labels
include its ``placement.nodeSelector`` and whose taints it tolerates, and on which one pod fits; the burst capacity
with ``burst.mode`` ``overflow`` (ACK) or ``only`` (ECI on ACK, Fargate on EKS).

The pay-as-you-go share of a group is :func:`pay_as_you_go_count` of its size, computed when the group grows; the
cluster autoscaler then removes whichever node it finds unneeded, spot or not (it names the instance to delete:
ACK's ``DeleteNodes``, EC2 ``TerminateInstanceInAutoScalingGroup``), so the share can drift until the next scale-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stackconfig import StackConfig
from stackconfig.capacity import NodeGroup, node_groups, untolerated_taints
from stackconfig.fit import FARGATE_COMPONENTS_MIB, node_allocatable, pod_resources

from .prices import PriceTable


@dataclass(frozen=True)
class Shape:
    """GPUs, millicores and MiB."""

    gpus: float
    cpu_milli: float
    memory_mib: float

    def fits_in(self, free: list[float]) -> bool:
        return self.gpus <= free[0] and self.cpu_milli <= free[1] + 1e-9 and self.memory_mib <= free[2] + 1e-9


@dataclass(frozen=True)
class Pool:
    """One node group as the simulator sees it: the shape and prices of its first instance type (the one the
    cluster autoscaler simulates when it scales the group up), bounds, spot share."""

    group: NodeGroup
    allocatable: Shape
    pay_as_you_go_price: float
    spot_price: float

    @property
    def name(self) -> str:
        return self.group.name

    def price(self, kind: str) -> float:
        return self.spot_price if kind == "spot" else self.pay_as_you_go_price

    def cost_per_hour(self, nodes: int) -> float:
        """``nodes`` of the pool, split into pay-as-you-go and spot as its share rounds at that size."""
        group = self.group
        payg = pay_as_you_go_count(nodes, group.on_demand_base_capacity, group.on_demand_percentage_above_base_capacity)
        return payg * self.pay_as_you_go_price + (nodes - payg) * self.spot_price


def pay_as_you_go_count(total: int, base: int, percentage: int) -> int:
    """Pay-as-you-go nodes in a group of ``total``: the base capacity first, then ``percentage`` of the rest, rounded
    up. EC2 Auto Scaling documents it ("converts the percentage to the equivalent number of instances. If the result
    creates a fractional number, it rounds up to the next integer in favor of On-Demand Instances", user guide
    "Setup overview for creating a mixed instances group", Scaling behavior); Alibaba Cloud Auto Scaling defines
    the same two settings (``OnDemandBaseCapacity``, ``OnDemandPercentageAboveBaseCapacity``, COST_OPTIMIZED groups)
    without saying how it rounds, and the same rule is assumed. So a 30 % group of 1 node is pay-as-you-go, of 4
    nodes half, of 10 nodes 3."""
    if percentage >= 100:
        return total
    return min(total, base) + math.ceil(max(0, total - base) * percentage / 100)


def pools_of(config: StackConfig, prices: PriceTable | None) -> list[Pool]:
    """The stack's node groups with their first instance type's allocatable resources and hourly prices (none for
    an existing cluster's declared nodes, which this program does not pay for)."""
    pools = []
    for group in node_groups(config):
        spec = group.instance_types[0]
        have = node_allocatable(spec)
        price = prices.instance(spec.name) if prices is not None and group.autoscaled else None
        pools.append(Pool(group, Shape(have.gpus, have.cpu_milli, have.memory_mib),
                          price.pay_as_you_go if price else 0.0, price.spot if price else 0.0))
    return pools


def pod_shape(service) -> Shape:
    """What one replica requests: the server and the sidecars Seldon adds (:func:`stackconfig.fit.pod_resources`)."""
    server, extra, _ = pod_resources(service)
    return Shape(server.gpus, server.cpu_milli + extra.cpu_milli, server.memory_mib + extra.memory_mib)


def candidate_pools(service, pools: list[Pool]) -> list[int]:
    """Indexes of the pools the service's pods may land on, in config order (the order the simulated autoscaler
    tries them in)."""
    if service.burst.mode == "only":
        return []
    shape = pod_shape(service)
    selector = service.placement.node_selector.items()
    return [i for i, pool in enumerate(pools)
            if selector <= pool.group.labels.items() and not untolerated_taints(pool.group.taints, service.resources.gpus)
            and shape.fits_in([pool.allocatable.gpus, pool.allocatable.cpu_milli, pool.allocatable.memory_mib])]


FARGATE_CPU_MEMORY_GIB = {0.25: (0.5, 1, 2), 0.5: tuple(range(1, 5)), 1: tuple(range(2, 9)), 2: tuple(range(4, 17)),
                          4: tuple(range(8, 31)), 8: tuple(range(16, 61, 4)), 16: tuple(range(32, 121, 8))}
"""The vCPU and memory (GiB) combinations Fargate runs a pod with (EKS "Fargate Pod configuration")."""


def fargate_size(shape: Shape) -> tuple[float, float]:
    """The smallest Fargate configuration that holds the pod: its requests plus the 256 MiB Fargate adds for the
    Kubernetes components, rounded up to a listed combination."""
    cpu, memory = shape.cpu_milli / 1000, (shape.memory_mib + FARGATE_COMPONENTS_MIB) / 1024
    for vcpu, memories in FARGATE_CPU_MEMORY_GIB.items():
        if vcpu >= cpu and memories[-1] >= memory:
            return vcpu, next(m for m in memories if m >= memory)
    raise ValueError(f"a pod of {cpu:g} vCPU and {memory:g} GiB exceeds Fargate's largest configuration")


def burst_pod_price(config: StackConfig, service, prices: PriceTable) -> float:
    """Hourly price of one burst pod: an ECI GPU pod at its ECS spec's price, other ECI pods per vCPU and GiB of
    their requests, a Fargate pod per vCPU and GiB of its configuration."""
    burst = service.burst
    if config.cloud == "alicloud" and burst.eci_gpu_specs:
        price = prices.instance(burst.eci_gpu_specs[0])
        return price.spot if burst.spot else price.pay_as_you_go
    shape = pod_shape(service)
    if config.cloud == "aws":
        vcpu, memory = fargate_size(shape)
        return prices.serverless_pod_hour(vcpu, memory, False)
    return prices.serverless_pod_hour(shape.cpu_milli / 1000, shape.memory_mib / 1024, burst.spot)

