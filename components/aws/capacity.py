"""Compute of the EKS cluster: the system node group and the spot/on-demand GPU Auto Scaling group, with the Fargate
burst profile (``components.aws.burst``) and the software that makes them work (``components.aws.addons``)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from stackconfig import GPU_TAINT, AwsConfig, AwsGpuCapacityConfig

from ..naming import physical_name
from .addons import GPU_PRESENT_LABEL, capacity_addons
from .burst import fargate_profile
from .cluster import assume_role_policy

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
"""Managed policies of a node role (EKS "Amazon EKS node IAM role")."""
AL2023_NVIDIA_AMI_PARAMETER = "/aws/service/eks/optimized-ami/{version}/amazon-linux-2023/x86_64/nvidia/recommended/image_id"
"""SSM parameter of the recommended EKS-optimized AL2023 NVIDIA AMI (EKS "Retrieve recommended Amazon Linux AMI IDs")."""
NODE_METADATA_OPTIONS = {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1}
"""Instance metadata of every node's launch template: IMDSv2 only (session tokens), and a hop limit of 1 so the token
PUT's answer dies at the node and a pod behind the node's network namespace cannot get one, hence cannot borrow the
node role; pods use IRSA (EC2 "Configure the instance metadata options"; EKS best practices "Restrict access to the
instance profile"). Pods on the host network (the VPC CNI, kube-proxy) share the node's network and keep it."""
ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator"
"""The label cluster-autoscaler's AWS provider reads as the GPU label (``GPULabel`` in kubernetes/autoscaler
``cluster-autoscaler/cloudprovider/aws/aws_cloud_provider.go``): a node that has it but does not yet offer
``nvidia.com/gpu`` (the device plugin is still starting) counts as unready instead of as a node without GPUs, so
the autoscaler does not scale up again for the same pods."""


def root_volume(size_gib: int) -> list[dict[str, Any]]:
    """``block_device_mappings`` of a node launch template: an encrypted gp3 root volume of ``size_gib`` on
    ``/dev/xvda``, the root device of the EKS AL2023 AMIs. ``encrypted`` and ``delete_on_termination`` are strings
    in the SDK (``LaunchTemplateBlockDeviceMappingEbsArgs``), so they are passed as the provider takes them."""
    return [{"device_name": "/dev/xvda", "ebs": {
        "volume_size": size_gib, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"}}]


def gpu_node_labels(gpu: AwsGpuCapacityConfig, accelerator: str) -> dict[str, str]:
    return {**gpu.labels, GPU_PRESENT_LABEL[0]: GPU_PRESENT_LABEL[1], ACCELERATOR_LABEL: accelerator}


def node_user_data(cluster_name: str, endpoint: str, certificate_authority: str, service_cidr: str,
                   labels: dict[str, str]) -> str:
    """Base64 user data that joins an AL2023 node to the cluster with ``nodeadm`` (a ``NodeConfig`` MIME part; EKS
    "Create self-managed Amazon Linux nodes" / awslabs amazon-eks-ami "nodeadm"), with the node's labels and the
    GPU taint as kubelet flags."""
    labels_flag = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    node_config = {
        "apiVersion": "node.eks.aws/v1alpha1",
        "kind": "NodeConfig",
        "spec": {
            "cluster": {"name": cluster_name, "apiServerEndpoint": endpoint,
                        "certificateAuthority": certificate_authority, "cidr": service_cidr},
            "kubelet": {"flags": [f"--node-labels={labels_flag}",
                                  f"--register-with-taints={GPU_TAINT.key}={GPU_TAINT.value}:{GPU_TAINT.effect}"]},
        },
    }
    document = (
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="BOUNDARY"\n\n'
        "--BOUNDARY\n"
        "Content-Type: application/node.eks.aws\n\n"
        f"{json.dumps(node_config, indent=2)}\n\n"
        "--BOUNDARY--\n"
    )
    return base64.b64encode(document.encode()).decode()


def autoscaler_tags(cluster_name: str, labels: dict[str, str]) -> dict[str, str]:
    """Auto Scaling group tags for the cluster autoscaler: the two auto-discovery tags, and node-template tags
    that tell it the labels and taint of nodes the group would create, so it can scale up from zero
    (kubernetes/autoscaler "cluster-autoscaler/cloudprovider/aws" README)."""
    tags = {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster_name}": "owned",
        f"kubernetes.io/cluster/{cluster_name}": "owned",
        f"k8s.io/cluster-autoscaler/node-template/taint/{GPU_TAINT.key}": f"{GPU_TAINT.value}:{GPU_TAINT.effect}",
    }
    tags.update({f"k8s.io/cluster-autoscaler/node-template/label/{k}": v for k, v in labels.items()})
    return tags


def mixed_instances_policy(gpu: AwsGpuCapacityConfig, templates: list[dict[str, pulumi.Input[str]]]) -> dict[str, Any]:
    """The GPU group's mix: ``onDemandBaseCapacity`` on-demand first, then ``onDemandPercentageAboveBaseCapacity``
    on-demand and the rest spot, spot spread by ``spotAllocationStrategy`` over every listed instance type (SDK
    docstrings of ``GroupMixedInstancesPolicyInstancesDistribution``; the SDK's own default share is 100 %
    on-demand, so the share is always set).

    ``templates`` are the launch template specifications, one per accelerator of ``gpu.accelerators`` in order: the
    first is the group's, and the instance types of any other accelerator override it with their own (an
    ``overrides`` item's ``launch_template_specification``), so that every node is labelled with its own GPU."""
    own_template = {instance_type: template for (_, types), template in zip(list(gpu.accelerators.items())[1:], templates[1:])
                    for instance_type in types}
    return {
        "instances_distribution": {
            "on_demand_base_capacity": gpu.on_demand_base_capacity,
            "on_demand_percentage_above_base_capacity": gpu.on_demand_percentage_above_base_capacity,
            "spot_allocation_strategy": gpu.spot_allocation_strategy,
        },
        "launch_template": {
            "launch_template_specification": templates[0],
            "overrides": [{"instance_type": t, **({"launch_template_specification": own_template[t]} if t in own_template else {})}
                          for t in gpu.instance_types],
        },
    }


@dataclass(frozen=True)
class EksCapacityArgs:
    config: AwsConfig
    """The ``aws`` section (``systemNodes``, ``gpuNodes``, ``kubernetesVersion`` and the capacity's charts)."""
    environment: str
    """Environment name, part of the roles', template's and group's names."""
    region: str
    """The cluster's region (the cluster autoscaler's)."""
    tags: dict[str, str]
    """Tags of every resource that takes tags."""
    cluster_name: str
    """:func:`components.aws.cluster.eks_cluster_name`: the name the autoscaler discovers groups by."""
    cluster: pulumi.Input[str]
    """The cluster's name as an output of the cluster, so that what joins the cluster waits for it."""
    endpoint: pulumi.Input[str]
    certificate_authority: pulumi.Input[str]
    service_cidr: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets of the nodes and Fargate pods."""
    fargate_selectors: list[dict[str, Any]]
    """Selectors of the Fargate profile (:func:`components.aws.burst.fargate_selectors`); none, no profile."""
    metrics_server: bool
    """Install metrics-server (a service autoscales on cpu or memory)."""


class EksCapacity(pulumi.ComponentResource):
    """Where pods run on EKS, scaled by the cluster autoscaler. Needs the ``aws`` and ``kubernetes`` providers in
    ``opts``. Options and their defaults: the README's configuration reference, ``aws``.

    - ``eks.NodeGroup`` ``system-<suffix>``: on-demand ``aws.systemNodes.instanceTypes``, AL2023,
      ``aws.systemNodes.scaling``, ``aws.systemNodes.labels``, with its node role and the launch template
      ``<name>-system`` (``ei-<env>-eks-system``: :data:`NODE_METADATA_OPTIONS`, an encrypted gp3 root volume of
      ``aws.systemNodes.diskSizeGib``); its desired size belongs to the autoscaler (ignored).
    - GPU capacity: a node role (``ei-<env>-eks-gpu-node``) and instance profile, an ``EC2_LINUX`` access entry for
      it (how self-managed nodes join an ``API``-mode cluster), one ``ec2.LaunchTemplate`` per accelerator of
      ``aws.gpuNodes.instanceTypes`` (``<name>-gpu`` for the first, ``<name>-gpu-<accelerator>`` for others) with the
      recommended AL2023 NVIDIA AMI, the cluster security group, :data:`NODE_METADATA_OPTIONS`, an encrypted gp3 root volume of
      ``aws.gpuNodes.rootVolumeSizeGib`` and :func:`node_user_data` labelling nodes with their
      :data:`ACCELERATOR_LABEL`; and an ``autoscaling.Group`` over the private
      subnets with :func:`mixed_instances_policy`, capacity rebalancing (spot replaced ahead of interruption),
      ``aws.gpuNodes.scaling`` and :func:`autoscaler_tags`; its desired capacity is ignored.
    - When a service bursts: the Fargate profile (:func:`components.aws.burst.fargate_profile`).
    - The cluster autoscaler, the NVIDIA device plugin and metrics-server
      (:func:`components.aws.addons.capacity_addons`).

    Attribute ``nodes``: what add-on pods need before they can start (the system node group).
    Outputs: ``system_node_group``, ``gpu_group_name``, ``fargate_profile`` (or None).
    """

    nodes: list[pulumi.Resource]
    gpu_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: EksCapacityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:eks-capacity:EksCapacity", name, None, opts)
        aws_config = args.config
        tags = args.tags
        child = pulumi.ResourceOptions(parent=self)
        environment = args.environment
        cluster_name = args.cluster_name

        system_role = self._node_role(f"{name}-system-node", physical_name(environment, "eks-system-node"), tags)
        # A managed node group takes no metadata options of its own: they come with a launch template, which then
        # also holds the disk size (CreateNodegroup: with launchTemplate, diskSize must not be given). EKS still
        # picks the AMI (ami_type), joins the nodes and applies the cluster security group, as the template names
        # neither image, user data nor security groups (EKS "Customize managed nodes with launch templates").
        system_template = aws.ec2.LaunchTemplate(
            f"{name}-system",
            name=physical_name(environment, "eks-system"),
            metadata_options=NODE_METADATA_OPTIONS,
            block_device_mappings=root_volume(aws_config.system_nodes.disk_size_gib),
            update_default_version=True,
            tags=tags,
            opts=child,
        )
        system = aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=args.cluster,
            # A node group created without a launch template cannot take one (the template's id is ForceNew in
            # the provider's schema): a prefix lets the new group come up beside the old one instead of clashing
            # with its fixed name, and so does any later replacement (instance types, subnets: also ForceNew).
            node_group_name_prefix="system-",
            node_role_arn=system_role.arn,
            subnet_ids=args.subnet_ids,
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="ON_DEMAND",
            instance_types=list(aws_config.system_nodes.instance_types),
            launch_template={"id": system_template.id, "version": system_template.latest_version.apply(str)},
            labels=dict(aws_config.system_nodes.labels),
            scaling_config={"min_size": aws_config.system_nodes.scaling.min_size,
                            "max_size": aws_config.system_nodes.scaling.max_size,
                            "desired_size": aws_config.system_nodes.scaling.min_size},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["scalingConfig.desiredSize"]),
        )
        self.nodes = [system]

        gpu = aws_config.gpu_nodes
        gpu_role = self._node_role(f"{name}-gpu-node", physical_name(environment, "eks-gpu-node"), tags)
        profile = aws.iam.InstanceProfile(f"{name}-gpu-node", role=gpu_role.name, tags=tags, opts=child)
        join = aws.eks.AccessEntry(f"{name}-gpu-node", cluster_name=args.cluster, principal_arn=gpu_role.arn,
                                   type="EC2_LINUX", tags=tags, opts=child)
        image = aws.ssm.get_parameter_output(
            name=AL2023_NVIDIA_AMI_PARAMETER.format(version=aws_config.kubernetes_version),
            opts=pulumi.InvokeOutputOptions(parent=self))
        # The first accelerator's template keeps the names of the one template of 0.1.0.
        templates = [self._gpu_template(name, () if i == 0 else (accelerator,), args, image.value, profile.arn,
                                        gpu_node_labels(gpu, accelerator))
                     for i, accelerator in enumerate(gpu.accelerators)]
        # The autoscaler builds the group's template node from the first override's instance type (getInstanceTypesForAsgs
        # in kubernetes/autoscaler aws_wrapper.go), so the group's node-template labels are the first accelerator's.
        first = gpu_node_labels(gpu, next(iter(gpu.accelerators)))
        group_tags = {**tags, "Name": physical_name(environment, "eks-gpu"), **autoscaler_tags(cluster_name, first)}
        group = aws.autoscaling.Group(
            f"{name}-gpu",
            name=physical_name(environment, "eks-gpu"),
            min_size=gpu.scaling.min_size,
            max_size=gpu.scaling.max_size,
            vpc_zone_identifiers=args.subnet_ids,
            capacity_rebalance=True,
            mixed_instances_policy=mixed_instances_policy(
                gpu, [{"launch_template_id": t.id, "version": t.latest_version.apply(str)} for t in templates]),
            tags=[{"key": k, "value": v, "propagate_at_launch": True} for k, v in sorted(group_tags.items())],
            # Nodes may join only once their role has its access entry.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[join], ignore_changes=["desiredCapacity"]),
        )
        self.gpu_group_name = group.name

        profile_name = fargate_profile(self, name, environment=environment, cluster=args.cluster,
                                       subnet_ids=args.subnet_ids, selectors=args.fargate_selectors, tags=tags) \
            if args.fargate_selectors else None
        capacity_addons(self, name, config=aws_config, cluster_name=cluster_name, region=args.region,
                        oidc_provider_arn=args.oidc_provider_arn, oidc_issuer_url=args.oidc_issuer_url, system=system,
                        metrics_server=args.metrics_server, environment=environment, tags=tags)

        self.register_outputs({"systemNodeGroup": system.node_group_name, "gpuGroupName": self.gpu_group_name,
                               "fargateProfile": profile_name})

    def _gpu_template(self, name: str, suffix: tuple[str, ...], args: EksCapacityArgs, image_id: pulumi.Input[str],
                      instance_profile_arn: pulumi.Input[str], labels: dict[str, str]) -> aws.ec2.LaunchTemplate:
        """A launch template of GPU nodes with ``labels``: ``<name>-gpu[-<suffix>]``, ``ei-<env>-eks-gpu[-<suffix>]``."""
        gpu = args.config.gpu_nodes
        return aws.ec2.LaunchTemplate(
            "-".join((name, "gpu", *suffix)),
            name=physical_name(args.environment, "eks-gpu", *suffix),
            image_id=image_id,
            iam_instance_profile={"arn": instance_profile_arn},
            vpc_security_group_ids=[args.cluster_security_group_id],
            metadata_options=NODE_METADATA_OPTIONS,
            block_device_mappings=root_volume(gpu.root_volume_size_gib),
            user_data=pulumi.Output.all(args.cluster, args.endpoint, args.certificate_authority, args.service_cidr).apply(
                lambda v: node_user_data(v[0], v[1], v[2], v[3], labels)),
            update_default_version=True,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _node_role(self, name: str, role_name: str, tags: dict[str, str]) -> aws.iam.Role:
        """An EC2 node role with the three managed node policies (:data:`NODE_POLICIES`)."""
        role = aws.iam.Role(name, name=role_name, assume_role_policy=assume_role_policy("ec2.amazonaws.com"), tags=tags,
                            opts=pulumi.ResourceOptions(parent=self))
        for policy in NODE_POLICIES:
            aws.iam.RolePolicyAttachment(f"{name}-{policy}", role=role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}",
                                         opts=pulumi.ResourceOptions(parent=self))
        return role
