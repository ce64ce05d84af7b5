"""The node capacity of a stack, whatever its cloud: one :class:`NodeGroup` per ACK node pool, per EKS group, or per
node group an existing cluster declares (``existing.nodeGroups``). The fit check, the placement rules and the what-if
simulator read capacity only through :func:`node_groups`."""

from __future__ import annotations

import typing
from dataclasses import dataclass

from .alicloud import GPU_TAINT, NodeTaint
from .instances import INSTANCE_TYPES, InstanceSpec

if typing.TYPE_CHECKING:
    from .stack import StackConfig


@dataclass(frozen=True)
class NodeGroup:
    """Nodes of one shape the cluster autoscaler scales between ``min_size`` and ``max_size``."""

    name: str
    """How messages name it: ``node pool gpu-inference``, ``aws.gpuNodes``, ``existing node group big``."""
    key: str
    """Its stack-file key path, e.g. ``alicloud.nodePools[1]``."""
    labels: dict[str, str]
    taints: list[NodeTaint]
    instance_types: list[InstanceSpec]
    """The catalog's figures of its instance types, in the configured order (types the catalog lacks are left out:
    the config refuses them)."""
    min_size: int
    max_size: int
    on_demand_base_capacity: int
    on_demand_percentage_above_base_capacity: int
    """100 for a group without spot instances."""
    gpu: bool
    spot_remedy: bool = False
    """Whether a spot node is replaced as soon as its reclaim notice arrives (ACK ``spot.instanceRemedy``)."""
    autoscaled: bool = True
    """False for an existing cluster's declared nodes: a fixed count this program does not scale."""


def untolerated_taints(taints: typing.Sequence[NodeTaint], gpus: int) -> list[str]:
    """The taints that keep a service's pods off a node: they tolerate only the GPU taint, and only with GPUs
    (``components.kubernetes.pod_template.GPU_TOLERATION``)."""
    return [f"{taint.key}:{taint.effect}" for taint in taints
            if taint.effect != "PreferNoSchedule"
            and not (gpus > 0 and taint.key == GPU_TAINT.key and taint.effect == "NoSchedule")]


def _specs(names: typing.Sequence[str]) -> list[InstanceSpec]:
    return [INSTANCE_TYPES[name] for name in names if name in INSTANCE_TYPES]


def node_groups(config: StackConfig) -> list[NodeGroup]:
    if config.cloud == "alicloud":
        return [NodeGroup(f"node pool {p.name}", f"alicloud.nodePools[{i}]", p.labels, p.effective_taints,
                          _specs(p.instance_types), p.scaling.min_size, p.scaling.max_size,
                          p.spot.on_demand_base_capacity if p.spot else 0,
                          p.spot.on_demand_percentage_above_base_capacity if p.spot else 100, p.gpu,
                          bool(p.spot and p.spot.instance_remedy))
                for i, p in enumerate(config.alicloud.node_pools)]
    if config.cloud == "aws":
        system, gpu = config.aws.system_nodes, config.aws.gpu_nodes
        return [NodeGroup("aws.systemNodes", "aws.systemNodes", system.labels, [], _specs(system.instance_types),
                          system.scaling.min_size, system.scaling.max_size, 0, 100, False),
                NodeGroup("aws.gpuNodes", "aws.gpuNodes", gpu.labels, [GPU_TAINT], _specs(gpu.instance_types),
                          gpu.scaling.min_size, gpu.scaling.max_size, gpu.on_demand_base_capacity,
                          gpu.on_demand_percentage_above_base_capacity, True)]
    return [NodeGroup(f"existing node group {g.name}", f"existing.nodeGroups[{i}]", g.labels, g.effective_taints,
                      [g.spec], g.nodes, g.nodes, 0, 100, g.gpus > 0, autoscaled=False)
            for i, g in enumerate(config.existing.node_groups)]
