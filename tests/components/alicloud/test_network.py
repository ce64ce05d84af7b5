"""The Network component under the mock engine: what it creates, from which config, wired to what."""

from __future__ import annotations

import pulumi
import pulumi_alicloud as alicloud

from components.naming import cloud_tags
from components.alicloud.network import Network, NetworkArgs, vswitch_specs
from factories import stack_config
from planner.mocks import digest

NETWORK = "elastic-inference:network:Network"
VPC = "alicloud:vpc/network:Network"
VSWITCH = "alicloud:vpc/switch:Switch"
NAT = "alicloud:vpc/natGateway:NatGateway"
EIP = "alicloud:ecs/eipAddress:EipAddress"
EIP_ASSOCIATION = "alicloud:ecs/eipAssociation:EipAssociation"
SNAT = "alicloud:vpc/snatEntry:SnatEntry"

ZONES = ["cn-beijing-h", "cn-beijing-i"]
NODE_CIDRS = ["192.168.0.0/20", "192.168.16.0/20"]
POD_CIDRS = ["192.168.64.0/19", "192.168.96.0/19"]


def vswitch_id(role: str, zone: str) -> str:
    """The id the mock provider gives the vSwitch of ``role`` in ``zone``."""
    return f"vsw-{digest(f'network-{role}-{zone}')}"


def plan_network(run_under_mocks, **overrides):
    config = stack_config(tags={"team": "ml-platform"}, **overrides)

    def program() -> None:
        network = Network("network", NetworkArgs(
            config=config.alicloud.network, zones=list(config.zones), environment=config.environment, tags=cloud_tags(config)))
        pulumi.export("vpcId", network.vpc_id)
        pulumi.export("nodeVswitchIds", network.node_vswitch_ids)
        pulumi.export("podVswitchIds", network.pod_vswitch_ids)

    return run_under_mocks(program), cloud_tags(config)


def test_vswitch_specs_pair_zones_and_cidrs_in_order():
    config = stack_config().alicloud.network
    specs = vswitch_specs(config, ZONES)
    assert [(s.role, s.zone, s.cidr) for s in specs] == [
        ("node", "cn-beijing-h", "192.168.0.0/20"),
        ("node", "cn-beijing-i", "192.168.16.0/20"),
        ("pod", "cn-beijing-h", "192.168.64.0/19"),
        ("pod", "cn-beijing-i", "192.168.96.0/19"),
    ]


def test_creates_the_vpc_with_its_cidr_name_and_tags(run_under_mocks):
    plan, tags = plan_network(run_under_mocks)
    vpc = plan.get(VPC, "network-vpc")
    assert vpc.inputs["vpcName"] == "ei-test-vpc"
    assert vpc.inputs["cidrBlock"] == "192.168.0.0/16"
    assert vpc.inputs["tags"] == tags
    assert tags["team"] == "ml-platform"
    assert plan.outputs["vpcId"] == f"vpc-{digest('network-vpc')}"


def test_creates_a_node_and_a_pod_vswitch_per_zone_in_the_vpc(run_under_mocks):
    plan, tags = plan_network(run_under_mocks)
    vpc_id = plan.outputs["vpcId"]
    for role, cidrs in (("node", NODE_CIDRS), ("pod", POD_CIDRS)):
        for zone, cidr in zip(ZONES, cidrs):
            vswitch = plan.get(VSWITCH, f"network-{role}-{zone}")
            assert vswitch.inputs["zoneId"] == zone
            assert vswitch.inputs["cidrBlock"] == cidr
            assert vswitch.inputs["vpcId"] == vpc_id
            assert vswitch.inputs["vswitchName"] == f"ei-test-{role}-{zone}"
            assert vswitch.inputs["tags"] == tags
    assert len(plan.by_type(VSWITCH)) == 4


def test_outputs_list_the_vswitch_ids_in_zone_order(run_under_mocks):
    plan, _ = plan_network(run_under_mocks)
    assert plan.outputs["nodeVswitchIds"] == [vswitch_id("node", zone) for zone in ZONES]
    assert plan.outputs["podVswitchIds"] == [vswitch_id("pod", zone) for zone in ZONES]


def test_nat_gateway_is_an_enhanced_internet_gateway_in_the_first_node_vswitch(run_under_mocks):
    plan, tags = plan_network(run_under_mocks)
    nat = plan.get(NAT, "network-nat")
    assert nat.inputs["natType"] == "Enhanced"
    assert nat.inputs["networkType"] == "internet"
    assert nat.inputs["paymentType"] == "PayAsYouGo"
    assert nat.inputs["internetChargeType"] == "PayByLcu"
    assert nat.inputs["vpcId"] == plan.outputs["vpcId"]
    assert nat.inputs["vswitchId"] == vswitch_id("node", ZONES[0])
    assert nat.inputs["natGatewayName"] == "ei-test-nat"
    assert nat.inputs["tags"] == tags
    assert "specification" not in nat.inputs  # PayBySpec is gone; specification would be ignored


def test_eip_is_billed_by_traffic_and_bound_to_the_nat_gateway(run_under_mocks):
    plan, tags = plan_network(run_under_mocks, alicloud={"network": {"natBandwidthMbps": 50}})
    eip = plan.get(EIP, "network-nat-eip")
    assert eip.inputs["internetChargeType"] == "PayByTraffic"
    assert eip.inputs["paymentType"] == "PayAsYouGo"
    assert eip.inputs["bandwidth"] == "50"
    assert eip.inputs["addressName"] == "ei-test-nat-eip"
    assert eip.inputs["tags"] == tags
    association = plan.get(EIP_ASSOCIATION, "network-nat-eip-association")
    assert association.inputs["allocationId"] == f"eip-{digest('network-nat-eip')}"
    assert association.inputs["instanceId"] == f"ngw-{digest('network-nat')}"
    assert association.inputs["instanceType"] == "Nat"


def test_eip_bandwidth_defaults_to_the_config_default(run_under_mocks):
    plan, _ = plan_network(run_under_mocks)
    assert plan.get(EIP, "network-nat-eip").inputs["bandwidth"] == "100"


def test_every_node_and_pod_vswitch_egresses_through_the_eip(run_under_mocks):
    plan, _ = plan_network(run_under_mocks)
    association = plan.get(EIP_ASSOCIATION, "network-nat-eip-association")
    entries = plan.by_type(SNAT)
    assert sorted(e.inputs["sourceVswitchId"] for e in entries) == sorted(
        vswitch_id(role, zone) for role in ("node", "pod") for zone in ZONES)
    for entry in entries:
        assert entry.inputs["snatTableId"] == f"stb-{digest('network-nat')}"
        assert entry.inputs["snatIp"] == "47.93.0.1"  # the mock EIP's address
        assert association.urn in entry.depends_on  # the EIP must be bound before a SNAT entry uses it
    pod_entry = plan.get(SNAT, f"network-snat-pod-{ZONES[1]}")
    assert pod_entry.inputs["sourceVswitchId"] == vswitch_id("pod", ZONES[1])
    assert pod_entry.inputs["snatEntryName"] == f"ei-test-pod-{ZONES[1]}"


def test_vswitch_ids_carry_a_dependency_on_the_snat_entries(run_under_mocks):
    config = stack_config()

    def program() -> None:
        network = Network("network", NetworkArgs(
            config=config.alicloud.network, zones=list(config.zones), environment=config.environment, tags={}))
        # Any resource built from the ids, like the cluster or a node pool.
        alicloud.vpc.Switch("consumer", vpc_id="vpc-x", zone_id="cn-beijing-h", cidr_block="10.0.0.0/24",
                            description=network.node_vswitch_ids.apply(",".join))

    plan = run_under_mocks(program)
    snat_urns = {entry.urn for entry in plan.by_type(SNAT)}
    assert len(snat_urns) == 4 and snat_urns <= set(plan.get(VSWITCH, "consumer").depends_on)


def test_without_nat_gateway_only_the_vpc_and_vswitches_are_created(run_under_mocks):
    plan, _ = plan_network(run_under_mocks, alicloud={"network": {"natGateway": False}})
    assert {r.type for r in plan.resources if r.custom} == {VPC, VSWITCH}
    assert plan.outputs["nodeVswitchIds"] == [vswitch_id("node", zone) for zone in ZONES]


def test_existing_vpc_creates_nothing_and_exposes_the_given_ids(run_under_mocks):
    plan, _ = plan_network(run_under_mocks, alicloud={"network": {
        "vpcCidr": None, "nodeVswitchCidrs": None, "podVswitchCidrs": None,
        "existingVpcId": "vpc-existing",
        "existingNodeVswitchIds": ["vsw-node1", "vsw-node2"],
        "existingPodVswitchIds": ["vsw-pod1", "vsw-pod2"],
    }})
    assert [r.type for r in plan.resources] == [NETWORK]
    assert plan.outputs == {
        "vpcId": "vpc-existing",
        "nodeVswitchIds": ["vsw-node1", "vsw-node2"],
        "podVswitchIds": ["vsw-pod1", "vsw-pod2"],
    }


def test_every_child_belongs_to_the_component(run_under_mocks):
    plan, _ = plan_network(run_under_mocks)
    component = plan.get(NETWORK, "network")
    children = [r for r in plan.resources if r is not component]
    assert {r.type for r in children} == {VPC, VSWITCH, NAT, EIP, EIP_ASSOCIATION, SNAT}
    assert all(r.parent == component.urn for r in children)
