"""The AWS VPC of an EKS stack: public and private subnets per availability zone, Internet and NAT gateways."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from stackconfig import AwsConfig

from ..naming import physical_name

PUBLIC_SUBNET_TAG = {"kubernetes.io/role/elb": "1"}
PRIVATE_SUBNET_TAG = {"kubernetes.io/role/internal-elb": "1"}
"""Subnet tags by which EKS load balancers find where to place Internet-facing and internal load balancers
(EKS "View Amazon EKS networking requirements for VPC and subnets")."""


def nat_zones(zones: list[str], production: bool) -> list[int]:
    """Indexes of the zones that get a NAT gateway: every zone in production (a zone outage keeps the others'
    egress), only the first elsewhere (one gateway's hourly cost instead of one per zone)."""
    return list(range(len(zones))) if production else [0]


@dataclass(frozen=True)
class AwsNetworkArgs:
    config: AwsConfig
    """``aws``: ``vpcCidr``, ``publicSubnetCidrs`` and ``privateSubnetCidrs`` (one per zone)."""
    zones: list[str]
    """Availability zones, in the order of the subnet CIDRs."""
    environment: str
    production: bool
    """Production stacks get one NAT gateway per zone."""
    cluster_name: str
    """The EKS cluster the subnets serve (for the ``kubernetes.io/cluster/<name>`` tag)."""
    tags: dict[str, str]


class AwsNetwork(pulumi.ComponentResource):
    """A VPC ``aws.vpcCidr`` with DNS support and host names (EKS needs both); per zone a
    public subnet (``aws.publicSubnetCidrs``, public IPs on launch) and a private one (``aws.privateSubnetCidrs``);
    an Internet gateway and a public route table; NAT gateways with Elastic IPs (:func:`nat_zones`); and one private
    route table per zone whose default route goes through its zone's NAT gateway, or the only one.

    Outputs: ``vpc_id``, ``public_subnet_ids``, ``private_subnet_ids`` (in the order of ``zones``).
    """

    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: AwsNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:aws-network:AwsNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config

        def tags(*parts: str, extra: Optional[dict[str, str]] = None) -> dict[str, str]:
            return {**args.tags, "Name": physical_name(args.environment, *parts), **(extra or {})}

        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}
        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=str(config.vpc_cidr), enable_dns_support=True,
                          enable_dns_hostnames=True, tags=tags("vpc"), opts=child)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags("igw"), opts=child)
        public_routes = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id, tags=tags("public"), opts=child)
        aws.ec2.Route(f"{name}-public-default", route_table_id=public_routes.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=gateway.id, opts=child)
        public, private = [], []
        for i, zone in enumerate(args.zones):
            public.append(aws.ec2.Subnet(
                f"{name}-public-{zone}", vpc_id=vpc.id, availability_zone=zone,
                cidr_block=str(config.public_subnet_cidrs[i]), map_public_ip_on_launch=True,
                tags=tags("public", zone, extra={**PUBLIC_SUBNET_TAG, **cluster_tag}), opts=child))
            aws.ec2.RouteTableAssociation(f"{name}-public-{zone}", subnet_id=public[i].id,
                                          route_table_id=public_routes.id, opts=child)
            private.append(aws.ec2.Subnet(
                f"{name}-private-{zone}", vpc_id=vpc.id, availability_zone=zone,
                cidr_block=str(config.private_subnet_cidrs[i]),
                tags=tags("private", zone, extra={**PRIVATE_SUBNET_TAG, **cluster_tag}), opts=child))
        nats = {}
        for i in nat_zones(args.zones, args.production):
            zone = args.zones[i]
            address = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc", tags=tags("nat", zone), opts=child)
            nats[i] = aws.ec2.NatGateway(f"{name}-nat-{zone}", allocation_id=address.id, subnet_id=public[i].id,
                                         tags=tags("nat", zone), opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]))
        for i, zone in enumerate(args.zones):
            routes = aws.ec2.RouteTable(f"{name}-private-{zone}", vpc_id=vpc.id, tags=tags("private", zone), opts=child)
            aws.ec2.Route(f"{name}-private-{zone}-default", route_table_id=routes.id, destination_cidr_block="0.0.0.0/0",
                          nat_gateway_id=nats.get(i, nats[0]).id, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-{zone}", subnet_id=private[i].id, route_table_id=routes.id,
                                          opts=child)

        self.vpc_id = vpc.id
        self.public_subnet_ids = [s.id for s in public]
        self.private_subnet_ids = [s.id for s in private]
        self.register_outputs({"vpcId": self.vpc_id, "publicSubnetIds": self.public_subnet_ids,
                               "privateSubnetIds": self.private_subnet_ids})
