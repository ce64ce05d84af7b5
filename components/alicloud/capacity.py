"""An ACK node pool whose size the cluster autoscaler owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_alicloud as alicloud

from stackconfig import NodePoolConfig

from ..naming import physical_name

IMAGE_TYPE = "AliyunLinux3"
"""Alibaba Cloud Linux 3, the ACK system image that also runs GPU nodes: ACK installs the NVIDIA
driver on it at node bootstrap (ACK "NVIDIA driver versions supported by ACK"). The SDK's
``image_type`` replaces the deprecated ``platform``."""

GPU_NODE_LABEL = "aliyun.accelerator/nvidia_name"
"""Label ACK puts on every GPU node (the GPU model's name; ACK "Labels of GPU nodes"), where the DCGM exporter runs."""

AUTOSCALER_OWNED = ["desiredSize"]
"""Inputs the cluster autoscaler changes at run time, as the engine names them (the ``desiredSize``
getter of ``cs.NodePool``). Ignoring them keeps ``pulumi up`` from resetting the node count; the
program never sets them, the bounds live in ``scaling_config``."""


def scaling_type(config: NodePoolConfig) -> str:
    """``scaling_config.type``: the kind of instance the autoscaler plans with (``cpu``, ``gpu``,
    ``gpushare``, ``spot``; SDK docstring of ``NodePoolScalingConfigArgs``, ACK API ``auto_scaling.type``).

    A spot GPU pool is both ``gpu`` and ``spot``; it is classified ``gpu``. Spot billing is already
    fully described by ``spot_strategy`` and the on-demand mix, whereas the GPU class is what tells
    the autoscaler that pending pods asking for ``nvidia.com/gpu`` can be served by this pool.
    Misclassifying a GPU pool leaves GPU pods pending; misclassifying spot only labels the pool.
    A spot CPU pool is ``spot`` (as in the SDK's "spot auto-scaling" example), others ``cpu``.
    """
    if config.gpu:
        return "gpu"
    return "spot" if config.spot else "cpu"


def spot_arguments(config: NodePoolConfig) -> dict[str, Any]:
    """The ``cs.NodePool`` spot arguments of a spot pool (empty for a pay-as-you-go pool).

    The on-demand counts are strings in the SDK (``on_demand_base_capacity: str``), so the guides'
    "30 % pay-as-you-go" is ``"30"``. ``compensate_with_on_demand`` only acts with
    ``multi_az_policy=COST_OPTIMIZED``, which the config enforces.
    """
    spot = config.spot
    if spot is None:
        return {}
    arguments: dict[str, Any] = {
        "spot_strategy": spot.strategy,
        "spot_instance_pools": config.effective_spot_instance_pools,
        "spot_instance_remedy": spot.instance_remedy,
        "on_demand_base_capacity": str(spot.on_demand_base_capacity),
        "on_demand_percentage_above_base_capacity": str(spot.on_demand_percentage_above_base_capacity),
        "compensate_with_on_demand": spot.compensate_with_on_demand,
    }
    if spot.price_limits:  # only SpotWithPriceLimit has caps; the SDK item is {instance_type, price_limit: str}
        arguments["spot_price_limits"] = [
            {"instance_type": limit.instance_type, "price_limit": str(limit.price_limit)}
            for limit in spot.price_limits
        ]
    return arguments


def node_pool_arguments(
    config: NodePoolConfig,
    environment: str,
    cluster_id: pulumi.Input[str],
    vswitch_ids: pulumi.Input[Sequence[str]],
    tags: Mapping[str, str],
) -> dict[str, Any]:
    """Keyword arguments of the ``alicloud.cs.NodePool`` for one ``alicloud.nodePools`` entry.

    No login is set (no ``password``, no ``key_name``): nodes are reached through the Kubernetes API,
    not SSH. ``system_disk_encrypted`` is neither ForceNew nor computed in the provider's schema
    (``resource_alicloud_cs_kubernetes_node_pool.go``): turning it on updates the pool's scaling group in place,
    which shapes the nodes it creates, not the disks of running ones. ``instance_types`` keeps the config order because ACK tries the types in that order.
    """
    return {
        "node_pool_name": physical_name(environment, config.name),
        "cluster_id": cluster_id,
        "vswitch_ids": vswitch_ids,
        "instance_types": list(config.instance_types),
        "instance_charge_type": "PostPaid",
        "image_type": IMAGE_TYPE,
        "system_disk_category": config.system_disk_category,
        "system_disk_size": config.system_disk_size_gib,
        "system_disk_encrypted": config.system_disk_encrypted,
        "scaling_config": {
            "enable": True,
            "min_size": config.scaling.min_size,
            "max_size": config.scaling.max_size,
            "type": scaling_type(config),
        },
        "multi_az_policy": config.effective_multi_az_policy,
        **spot_arguments(config),
        "labels": [{"key": key, "value": value} for key, value in config.labels.items()],
        "taints": [{"key": t.key, "value": t.value, "effect": t.effect} for t in config.effective_taints],
        "tags": dict(tags),
    }


@dataclass(frozen=True)
class NodePoolArgs:
    config: NodePoolConfig
    """The pool's entry of ``alicloud.nodePools``."""
    environment: str
    """Stack environment, part of the pool's physical name ``ei-<environment>-<pool name>``."""
    cluster_id: pulumi.Input[str]
    """The ACK cluster the pool joins."""
    vswitch_ids: pulumi.Input[Sequence[str]]
    """Node vSwitches, one per zone; the pool spreads over their zones."""
    tags: Mapping[str, str]
    """Tags of the pool's ECS instances."""


NODE_POOL_TYPE = "elastic-inference:node-pool:NodePool"


class NodePool(pulumi.ComponentResource):
    """One ACK node pool scaled by the cluster autoscaler between ``scaling.minSize`` and ``scaling.maxSize``.

    Creates a single ``alicloud.cs.NodePool`` (pay-as-you-go, Alibaba Cloud Linux 3) from
    :func:`node_pool_arguments`: spot settings, zone policy, labels, taints and system disk of the pool's
    ``alicloud.nodePools[]`` entry (options and their defaults: the README's configuration reference).

    The node count belongs to the autoscaler: changes it makes are ignored (:data:`AUTOSCALER_OWNED`).
    The account needs the ``AliyunCSManagedAutoScalerRole`` RAM role for auto-scaling pools.

    Attribute / output: ``node_pool_id`` (``nodePoolId``).
    """

    node_pool_id: pulumi.Output[str]

    def __init__(self, name: str, args: NodePoolArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(NODE_POOL_TYPE, name, None, opts)
        pool = alicloud.cs.NodePool(
            name,
            **node_pool_arguments(args.config, args.environment, args.cluster_id, args.vswitch_ids, args.tags),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=AUTOSCALER_OWNED),
        )
        self.node_pool_id = pool.node_pool_id
        self.register_outputs({"nodePoolId": self.node_pool_id})
