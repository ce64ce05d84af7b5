"""NodePool: the guides' spot GPU pool and the system pool, as argument dicts and as registered resources."""

from __future__ import annotations

import inspect
import re

import pulumi
import pulumi_alicloud as alicloud
import pytest

from components.alicloud.capacity import AUTOSCALER_OWNED, NodePool, NodePoolArgs, node_pool_arguments
from planner.mocks import digest
from stackconfig import NodePoolConfig

from factories import stack_config

NODE_POOL = "alicloud:cs/nodePool:NodePool"
TAGS = {"project": "elastic-inference", "environment": "test"}


def pools() -> dict[str, NodePoolConfig]:
    return {pool.name: pool for pool in stack_config().alicloud.node_pools}


def pool(**fields) -> NodePoolConfig:
    return NodePoolConfig.model_validate({"name": "extra", "scaling": {"minSize": 0, "maxSize": 5}, **fields})


def arguments(config: NodePoolConfig) -> dict:
    return node_pool_arguments(config, "test", "c-cluster", ["vsw-a", "vsw-b"], TAGS)


def deprecated_node_pool_arguments() -> set[str]:
    """Arguments ``cs.NodePoolArgs`` warns about when set (the SDK's own deprecation list)."""
    source = inspect.getsource(alicloud.cs.NodePoolArgs.__init__)
    return set(re.findall(r"if (\w+) is not None:\n\s+warnings\.warn\(", source))


def test_gpu_pool_is_the_guides_spot_pool():
    args = arguments(pools()["gpu-inference"])
    assert args["spot_strategy"] == "SpotAsPriceGo"
    assert args["multi_az_policy"] == "COST_OPTIMIZED"
    # The SDK types both on-demand counts as strings: 30 % pay-as-you-go is "30".
    assert args["on_demand_percentage_above_base_capacity"] == "30"
    assert args["on_demand_base_capacity"] == "0"
    assert args["compensate_with_on_demand"] is True
    assert args["spot_instance_remedy"] is True and args["spot_instance_pools"] == 2  # both types: at most 3
    assert "spot_price_limits" not in args  # SpotAsPriceGo bids the market price
    assert args["scaling_config"] == {"enable": True, "min_size": 0, "max_size": 10, "type": "gpu"}
    assert args["labels"] == [{"key": "workload", "value": "inference"}]
    assert args["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
    assert args["instance_types"] == ["ecs.gn7i-c8g1.2xlarge", "ecs.gn6i-c4g1.xlarge"]  # order = purchase order


def test_system_pool_is_pay_as_you_go_without_taints():
    args = arguments(pools()["system"])
    assert args["taints"] == []
    assert args["multi_az_policy"] == "BALANCE"
    assert args["scaling_config"] == {"enable": True, "min_size": 2, "max_size": 4, "type": "cpu"}
    assert args["instance_charge_type"] == "PostPaid"
    assert not {k for k in args if k.startswith(("spot_", "on_demand_")) or k == "compensate_with_on_demand"}


def test_common_arguments_name_disk_image_and_tags():
    args = arguments(pools()["system"])
    assert args["node_pool_name"] == "ei-test-system"
    assert (args["system_disk_category"], args["system_disk_size"]) == ("cloud_essd", 120)
    assert args["image_type"] == "AliyunLinux3"
    assert args["tags"] == TAGS
    assert (args["cluster_id"], args["vswitch_ids"]) == ("c-cluster", ["vsw-a", "vsw-b"])


def test_spot_cpu_pool_with_price_caps():
    args = arguments(pool(
        instanceTypes=["ecs.c7.xlarge", "ecs.c6.xlarge"],
        spot={"strategy": "SpotWithPriceLimit", "priceLimits": [{"instanceType": "ecs.c7.xlarge", "priceLimit": 0.7}],
              "onDemandBaseCapacity": 1, "onDemandPercentageAboveBaseCapacity": 50},
    ))
    assert args["scaling_config"]["type"] == "spot"
    assert args["spot_strategy"] == "SpotWithPriceLimit"
    assert args["spot_price_limits"] == [{"instance_type": "ecs.c7.xlarge", "price_limit": "0.7"}]
    assert (args["on_demand_base_capacity"], args["on_demand_percentage_above_base_capacity"]) == ("1", "50")


def test_explicit_taints_replace_the_gpu_default():
    args = arguments(pool(instanceTypes=["ecs.gn7i-c8g1.2xlarge"], taints=[{"key": "dedicated", "value": "ml"}]))
    assert args["taints"] == [{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}]


@pytest.mark.parametrize("name", ["system", "gpu-inference"])
def test_only_current_sdk_arguments(name):
    args = arguments(pools()[name])
    known = set(inspect.signature(alicloud.cs.NodePoolArgs.__init__).parameters)
    deprecated = deprecated_node_pool_arguments()
    assert {"name", "node_count", "platform", "security_group_id"} <= deprecated  # the check itself works
    assert set(args) <= known
    assert not set(args) & deprecated
    assert "password" not in args and "key_name" not in args  # no login secrets


def test_registered_pools_follow_cluster_and_vswitches(run_under_mocks):
    config = stack_config()

    def program():
        cluster = alicloud.cs.ManagedKubernetes("cluster", cluster_spec="ack.pro.small")
        switches = [alicloud.vpc.Switch(f"node-{i}", vpc_id="vpc-x", cidr_block=f"192.168.{i * 16}.0/20",
                                        zone_id=zone) for i, zone in enumerate(config.zones)]
        for entry in config.alicloud.node_pools:
            component = NodePool(entry.name, NodePoolArgs(
                config=entry, environment=config.environment, cluster_id=cluster.id,
                vswitch_ids=[s.id for s in switches], tags=TAGS))
            pulumi.export(entry.name, component.node_pool_id)

    plan = run_under_mocks(program)
    cluster_id = "c" + digest("cluster", 32)
    vswitches = ["vsw-" + digest("node-0"), "vsw-" + digest("node-1")]
    for entry in config.alicloud.node_pools:
        resource = plan.get(NODE_POOL, entry.name)
        component = plan.get("elastic-inference:node-pool:NodePool", entry.name)
        assert resource.parent == component.urn
        assert resource.inputs["clusterId"] == cluster_id
        assert resource.inputs["vswitchIds"] == vswitches
        assert resource.ignore_changes == AUTOSCALER_OWNED == ["desiredSize"]
        assert "desiredSize" not in resource.inputs and "nodeCount" not in resource.inputs
        assert plan.outputs[entry.name] == "np" + digest(entry.name, 30)
    gpu = plan.get(NODE_POOL, "gpu-inference").inputs
    assert (gpu["spotStrategy"], gpu["onDemandPercentageAboveBaseCapacity"], gpu["compensateWithOnDemand"]) == \
        ("SpotAsPriceGo", "30", True)
    assert gpu["scalingConfig"] == {"enable": True, "minSize": 0, "maxSize": 10, "type": "gpu"}
    assert plan.get(NODE_POOL, "system").inputs["taints"] == []


def test_every_pool_encrypts_its_system_disks_unless_told_not_to():
    assert all(arguments(config)["system_disk_encrypted"] is True for config in pools().values())
    assert arguments(pool(instanceTypes=["ecs.g7.xlarge"], systemDiskEncrypted=False))["system_disk_encrypted"] is False
