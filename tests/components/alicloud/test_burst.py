"""VirtualNodes: the ack-virtual-node add-on on the cluster, with the ECI vSwitches and security group."""

from __future__ import annotations

import json

import pulumi
import pulumi_alicloud as alicloud

from components.alicloud.burst import VirtualNodes, VirtualNodesArgs, virtual_node_config
from planner.mocks import digest

ADDON = "alicloud:cs/kubernetesAddon:KubernetesAddon"


def test_config_uses_the_eci_profile_keys():
    config = json.loads(virtual_node_config(["vsw-a", "vsw-b"], "sg-1"))
    assert config == {"vSwitchIds": "vsw-a,vsw-b", "securityGroupId": "sg-1"}


def test_addon_gets_cluster_vswitches_and_security_group(run_under_mocks):
    def program():
        cluster = alicloud.cs.ManagedKubernetes("cluster", cluster_spec="ack.pro.small")
        pod_switches = [alicloud.vpc.Switch(f"pod-{zone}", vpc_id="vpc-x", cidr_block=cidr, zone_id=f"cn-beijing-{zone}")
                        for zone, cidr in (("h", "192.168.64.0/19"), ("i", "192.168.96.0/19"))]
        component = VirtualNodes("virtual-nodes", VirtualNodesArgs(
            cluster_id=cluster.id, vswitch_ids=[s.id for s in pod_switches],
            security_group_id=cluster.security_group_id))
        pulumi.export("addonId", component.addon_id)
        pulumi.export("addonName", component.addon_name)

    plan = run_under_mocks(program)
    addon = plan.get(ADDON, "virtual-nodes")
    assert addon.parent == plan.get("elastic-inference:virtual-nodes:VirtualNodes", "virtual-nodes").urn
    assert addon.inputs["clusterId"] == "c" + digest("cluster", 32)
    assert addon.inputs["name"] == "ack-virtual-node"
    assert addon.inputs["cleanupCloudResources"] is True
    assert "version" not in addon.inputs  # ACK's current version
    config = json.loads(addon.inputs["config"])
    assert config["vSwitchIds"].split(",") == ["vsw-" + digest("pod-h"), "vsw-" + digest("pod-i")]
    assert config["securityGroupId"] == "sg-" + digest("cluster" + "sg")
    assert plan.outputs == {"addonId": "c:ack-virtual-node", "addonName": "ack-virtual-node"}
