"""The VPC the cluster lives in: created with its vSwitches and Internet egress, or an existing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import pulumi
import pulumi_alicloud as alicloud

from stackconfig import NetworkConfig

from ..naming import physical_name

VswitchRole = Literal["node", "pod"]


@dataclass(frozen=True)
class VswitchSpec:
    """One vSwitch to create: its role, zone and CIDR."""

    role: VswitchRole
    zone: str
    cidr: str

    @property
    def key(self) -> str:
        """``<role>-<zone>``: part of the logical and physical names of the vSwitch and its SNAT entry."""
        return f"{self.role}-{self.zone}"


def vswitch_specs(config: NetworkConfig, zones: list[str]) -> list[VswitchSpec]:
    """Node vSwitches, then Terway pod vSwitches, one of each per zone in the order of ``zones``.

    The stack config validator guarantees one CIDR per zone in both lists.
    """
    return [
        VswitchSpec(role, zone, str(cidr))
        for role, cidrs in (("node", config.node_vswitch_cidrs), ("pod", config.pod_vswitch_cidrs))
        for zone, cidr in zip(zones, cidrs, strict=True)
    ]


def _of_role(vswitches: dict[VswitchSpec, alicloud.vpc.Switch], role: VswitchRole) -> list[alicloud.vpc.Switch]:
    """The vSwitches of one role, in the order of the zones."""
    return [vswitch for spec, vswitch in vswitches.items() if spec.role == role]


def _ready_after(ids: list[pulumi.Output[str]], resources: list[alicloud.vpc.SnatEntry]) -> pulumi.Output[list[str]]:
    """``ids``, resolved only once ``resources`` exist: whatever is built from the ids waits for them too."""
    return pulumi.Output.all(*ids, *[r.id for r in resources]).apply(lambda values: values[:len(ids)])


@dataclass(frozen=True)
class NetworkArgs:
    config: NetworkConfig
    """The ``network`` section of the stack config."""
    zones: list[str]
    """Zones of the stack, in order; the i-th vSwitch CIDR (or id) belongs to the i-th zone."""
    environment: str
    """Environment name, used in physical names."""
    tags: dict[str, str]
    """Tags on every resource that takes tags."""


class Network(pulumi.ComponentResource):
    """The VPC, node vSwitches and Terway pod vSwitches of the cluster, with Internet egress.

    Options and their defaults: the README's configuration reference, ``alicloud.network``. Unless
    ``existingVpcId`` is set, creates: a VPC (``vpcCidr``); one node vSwitch per zone (``nodeVswitchCidrs``) and
    one pod vSwitch per zone (``podVswitchCidrs``), both in the order of ``zones``; and, with ``natGateway``, an
    Enhanced Internet NAT gateway in the first node vSwitch, a pay-by-traffic EIP (``natBandwidthMbps``) bound
    to it, and one SNAT entry per node vSwitch and per pod vSwitch: Terway gives pods addresses of the pod
    vSwitches, so pods egress from there.

    When ``existingVpcId`` is set, creates nothing and exposes the given ids
    (``existingNodeVswitchIds``, ``existingPodVswitchIds``); egress is then the VPC owner's
    business and ``natGateway`` is ignored.

    Outputs: ``vpc_id``, ``node_vswitch_ids`` and ``pod_vswitch_ids`` (in the order of ``zones``). The
    vSwitch ids resolve only once the SNAT entries exist, so the cluster and node pools built from them
    are created with Internet access in place (ACK needs it while it creates the cluster).
    """

    vpc_id: pulumi.Output[str]
    node_vswitch_ids: pulumi.Output[list[str]]
    pod_vswitch_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:network:Network", name, None, opts)
        config = args.config
        if config.creates_vpc:
            self._create(name, args)
        else:
            self.vpc_id = pulumi.Output.from_input(config.existing_vpc_id)
            self.node_vswitch_ids = pulumi.Output.from_input(list(config.existing_node_vswitch_ids))
            self.pod_vswitch_ids = pulumi.Output.from_input(list(config.existing_pod_vswitch_ids))
        self.register_outputs({
            "vpcId": self.vpc_id,
            "nodeVswitchIds": self.node_vswitch_ids,
            "podVswitchIds": self.pod_vswitch_ids,
        })

    def _create(self, name: str, args: NetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        vpc = alicloud.vpc.Network(
            f"{name}-vpc",
            vpc_name=physical_name(args.environment, "vpc"),
            cidr_block=str(args.config.vpc_cidr),
            tags=args.tags,
            opts=child,
        )
        vswitches = {
            spec: alicloud.vpc.Switch(
                f"{name}-{spec.key}",
                vswitch_name=physical_name(args.environment, spec.key),
                vpc_id=vpc.id,
                zone_id=spec.zone,
                cidr_block=spec.cidr,
                tags=args.tags,
                opts=child,
            )
            for spec in vswitch_specs(args.config, args.zones)
        }
        egress = self._create_egress(name, args, vpc, vswitches) if args.config.nat_gateway else []
        self.vpc_id = vpc.id
        self.node_vswitch_ids = _ready_after([v.id for v in _of_role(vswitches, "node")], egress)
        self.pod_vswitch_ids = _ready_after([v.id for v in _of_role(vswitches, "pod")], egress)

    def _create_egress(self, name: str, args: NetworkArgs, vpc: alicloud.vpc.Network,
                       vswitches: dict[VswitchSpec, alicloud.vpc.Switch]) -> list[alicloud.vpc.SnatEntry]:
        child = pulumi.ResourceOptions(parent=self)
        first_node_vswitch = _of_role(vswitches, "node")[0]
        # Since provider 1.137.0 only Enhanced NAT gateways billed PayByLcu can be created
        # (vpc.NatGateway docstrings of nat_type and internet_charge_type).
        nat = alicloud.vpc.NatGateway(
            f"{name}-nat",
            nat_gateway_name=physical_name(args.environment, "nat"),
            vpc_id=vpc.id,
            vswitch_id=first_node_vswitch.id,
            nat_type="Enhanced",
            network_type="internet",
            payment_type="PayAsYouGo",
            internet_charge_type="PayByLcu",
            tags=args.tags,
            opts=child,
        )
        # ecs.EipAddress replaces the deprecated ecs.Eip; PayByTraffic allows 1-200 Mbit/s
        # (ecs.EipAddress docstring of bandwidth).
        eip = alicloud.ecs.EipAddress(
            f"{name}-nat-eip",
            address_name=physical_name(args.environment, "nat-eip"),
            payment_type="PayAsYouGo",
            internet_charge_type="PayByTraffic",
            bandwidth=str(args.config.nat_bandwidth_mbps),
            tags=args.tags,
            opts=child,
        )
        association = alicloud.ecs.EipAssociation(
            f"{name}-nat-eip-association",
            allocation_id=eip.id,
            instance_id=nat.id,
            instance_type="Nat",  # the default is EcsInstance
            opts=child,
        )
        # A SNAT entry can only use an EIP that is already bound to the gateway.
        return [
            alicloud.vpc.SnatEntry(
                f"{name}-snat-{spec.key}",
                snat_entry_name=physical_name(args.environment, spec.key),
                snat_table_id=nat.snat_table_ids,
                source_vswitch_id=vswitch.id,
                snat_ip=eip.ip_address,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[association]),
            )
            for spec, vswitch in vswitches.items()
        ]
