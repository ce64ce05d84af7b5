"""Compute of the EKS cluster: the system node group, the spot/on-demand GPU Auto Scaling group, the Fargate burst
profile, and the cluster-level software that makes them work (cluster autoscaler, NVIDIA device plugin, metrics-server)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws
from pulumi_kubernetes.helm.v3 import Release

from stackconfig import StackConfig
from stackconfig import AwsGpuCapacityConfig, GPU_TAINT

from .addons import release_arguments
from .common import cloud_tags, physical_name
from .eks_cluster import assume_role_policy, irsa_role
from .pod_template import BurstTarget

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
"""Managed policies of a node role (EKS "Amazon EKS node IAM role")."""
GPU_PRESENT_LABEL = ("nvidia.com/gpu.present", "true")
"""Node label of GPU nodes; the NVIDIA device plugin's DaemonSet selects it (:func:`device_plugin_values`)."""
AL2023_NVIDIA_AMI_PARAMETER = "/aws/service/eks/optimized-ami/{version}/amazon-linux-2023/x86_64/nvidia/recommended/image_id"
"""SSM parameter of the recommended EKS-optimized AL2023 NVIDIA AMI (EKS "Retrieve recommended Amazon Linux AMI IDs")."""
FARGATE_LABEL = ("elastic-inference/capacity", "fargate")
"""Pod label the Fargate profile selects: the pods of services with ``burst.mode: only``."""
FARGATE = BurstTarget(description="Fargate", pod_labels=dict([FARGATE_LABEL]))
"""EKS: bursting pods carry :data:`FARGATE_LABEL` and the Fargate profile runs them (no node affinity, no toleration)."""
AUTOSCALER_SERVICE_ACCOUNT = ("kube-system", "cluster-autoscaler")


def gpu_node_labels(gpu: AwsGpuCapacityConfig) -> dict[str, str]:
    return {**gpu.labels, GPU_PRESENT_LABEL[0]: GPU_PRESENT_LABEL[1]}


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


def mixed_instances_policy(gpu: AwsGpuCapacityConfig, launch_template_id: pulumi.Input[str],
                           launch_template_version: pulumi.Input[str]) -> dict[str, Any]:
    """The GPU group's mix: ``onDemandBaseCapacity`` on-demand first, then ``onDemandPercentageAboveBaseCapacity``
    (default 30 %) on-demand and the rest spot, spot spread by ``spotAllocationStrategy`` (default
    ``price-capacity-optimized``) over every listed instance type (SDK docstrings of
    ``GroupMixedInstancesPolicyInstancesDistribution``; the SDK's own default share is 100 % on-demand)."""
    return {
        "instances_distribution": {
            "on_demand_base_capacity": gpu.on_demand_base_capacity,
            "on_demand_percentage_above_base_capacity": gpu.on_demand_percentage_above_base_capacity,
            "spot_allocation_strategy": gpu.spot_allocation_strategy,
        },
        "launch_template": {
            "launch_template_specification": {"launch_template_id": launch_template_id, "version": launch_template_version},
            "overrides": [{"instance_type": t} for t in gpu.instance_types],
        },
    }


def autoscaler_policy(cluster_name: str) -> str:
    """IAM policy of the cluster autoscaler: describe everything, but change only groups tagged as this cluster's
    (the autoscaler AWS README's least-privilege policy)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Resource": "*", "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}},
        {"Effect": "Allow", "Action": [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags",
            "ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
            "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup"], "Resource": "*"},
    ]})


def autoscaler_values(cluster_name: str, region: str, image_tag: str, role_arn: pulumi.Input[str], system_labels: dict[str, str]) -> dict[str, Any]:
    """Values of the ``cluster-autoscaler`` chart: auto-discovery by cluster name, the region, the image of the
    cluster's minor, the IRSA-annotated service account, and a place on the system nodes (it must not run on the
    capacity it scales)."""
    namespace, name = AUTOSCALER_SERVICE_ACCOUNT
    return {
        "cloudProvider": "aws",
        "autoDiscovery": {"clusterName": cluster_name},
        "awsRegion": region,
        "image": {"tag": image_tag},
        "rbac": {"serviceAccount": {"create": True, "name": name, "annotations": {"eks.amazonaws.com/role-arn": role_arn}}},
        "nodeSelector": dict(system_labels),
        "extraArgs": {"balance-similar-node-groups": True, "expander": "least-waste"},
    }


def device_plugin_values() -> dict[str, Any]:
    """Values of ``nvidia-device-plugin``: run on GPU nodes only (selected by :data:`GPU_PRESENT_LABEL`, which the
    nodes get at join, so no node-feature-discovery is needed) and tolerate their GPU taint."""
    key, value = GPU_PRESENT_LABEL
    return {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}}},
        "tolerations": [{"key": GPU_TAINT.key, "operator": "Exists", "effect": GPU_TAINT.effect}],
    }


def fargate_selectors(config: StackConfig) -> list[dict[str, Any]]:
    """One selector per namespace with a bursting service: that namespace, pods labelled :data:`FARGATE_LABEL`."""
    namespaces = sorted({s.namespace for s in config.services if s.burst.mode != "none"})
    return [{"namespace": ns, "labels": dict([FARGATE_LABEL])} for ns in namespaces]


@dataclass(frozen=True)
class EksCapacityArgs:
    config: StackConfig
    """The validated stack config (``aws.systemNodes``, ``aws.gpuNodes``, charts, services for Fargate selectors)."""
    cluster_name: pulumi.Input[str]
    endpoint: pulumi.Input[str]
    certificate_authority: pulumi.Input[str]
    service_cidr: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the nodes and Fargate pods."""


class EksCapacity(pulumi.ComponentResource):
    """Where pods run on EKS, scaled by the cluster autoscaler. Needs the ``aws`` and ``kubernetes`` providers in ``opts``.

    - ``eks.NodeGroup`` ``system``: on-demand ``aws.systemNodes.instanceTypes`` (default m6i.large, m5.large), AL2023,
      ``aws.systemNodes.scaling`` (default 2-4), ``aws.systemNodes.labels``, with its node role; its desired size
      belongs to the autoscaler (ignored).
    - GPU capacity: a node role (``ei-<env>-eks-gpu-node``) and instance profile, an ``EC2_LINUX`` access entry for
      it (how self-managed nodes join an ``API``-mode cluster), an ``ec2.LaunchTemplate`` with the recommended
      AL2023 NVIDIA AMI, the cluster security group, IMDSv2 only, an encrypted gp3 root volume of
      ``aws.gpuNodes.rootVolumeSizeGib`` and :func:`node_user_data`; and an ``autoscaling.Group`` over the private
      subnets with :func:`mixed_instances_policy`, capacity rebalancing (spot replaced ahead of interruption),
      ``aws.gpuNodes.scaling`` (default 0-10) and :func:`autoscaler_tags`; its desired capacity is ignored.
    - When a service bursts: a Fargate pod execution role and an ``eks.FargateProfile`` ``burst`` over the private
      subnets with :func:`fargate_selectors`.
    - Helm: the cluster autoscaler (``aws.clusterAutoscaler``) with an IRSA role for
      ``kube-system/cluster-autoscaler`` (:func:`autoscaler_policy`); the NVIDIA device plugin
      (``aws.nvidiaDevicePlugin``); metrics-server (``aws.metricsServer``) when a service autoscales on cpu or memory.

    Attribute ``nodes``: what add-on pods need before they can start (the system node group).
    Outputs: ``system_node_group``, ``gpu_group_name``, ``fargate_profile`` (or None).
    """

    nodes: list[pulumi.Resource]
    gpu_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: EksCapacityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:eks-capacity:EksCapacity", name, None, opts)
        config = args.config
        aws_config = config.aws
        tags = cloud_tags(config)
        child = pulumi.ResourceOptions(parent=self)
        environment = config.environment
        cluster_name = physical_name(environment, "eks")

        system_role = self._node_role(f"{name}-system-node", physical_name(environment, "eks-system-node"), tags)
        system = aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=args.cluster_name,
            node_group_name="system",
            node_role_arn=system_role.arn,
            subnet_ids=list(args.subnet_ids),
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="ON_DEMAND",
            instance_types=list(aws_config.system_nodes.instance_types),
            disk_size=aws_config.system_nodes.disk_size_gib,
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
        join = aws.eks.AccessEntry(f"{name}-gpu-node", cluster_name=args.cluster_name, principal_arn=gpu_role.arn,
                                   type="EC2_LINUX", tags=tags, opts=child)
        image = aws.ssm.get_parameter_output(
            name=AL2023_NVIDIA_AMI_PARAMETER.format(version=aws_config.kubernetes_version),
            opts=pulumi.InvokeOutputOptions(parent=self))
        labels = gpu_node_labels(gpu)
        template = aws.ec2.LaunchTemplate(
            f"{name}-gpu",
            name=physical_name(environment, "eks-gpu"),
            image_id=image.value,
            iam_instance_profile={"arn": profile.arn},
            vpc_security_group_ids=[args.cluster_security_group_id],
            # IMDSv2 only, one hop: pods cannot borrow the node's credentials; they use IRSA.
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1},
            block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {
                "volume_size": gpu.root_volume_size_gib, "volume_type": "gp3", "encrypted": True, "delete_on_termination": True}}],
            user_data=pulumi.Output.all(args.cluster_name, args.endpoint, args.certificate_authority, args.service_cidr).apply(
                lambda v: node_user_data(v[0], v[1], v[2], v[3], labels)),
            update_default_version=True,
            tags=tags,
            opts=child,
        )
        group_tags = {**tags, "Name": physical_name(environment, "eks-gpu"), **autoscaler_tags(cluster_name, labels)}
        group = aws.autoscaling.Group(
            f"{name}-gpu",
            name=physical_name(environment, "eks-gpu"),
            min_size=gpu.scaling.min_size,
            max_size=gpu.scaling.max_size,
            vpc_zone_identifiers=list(args.subnet_ids),
            capacity_rebalance=True,
            mixed_instances_policy=mixed_instances_policy(gpu, template.id, template.latest_version.apply(str)),
            tags=[{"key": k, "value": v, "propagate_at_launch": True} for k, v in sorted(group_tags.items())],
            # Nodes may join only once their role has its access entry.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[join], ignore_changes=["desiredCapacity"]),
        )
        self.gpu_group_name = group.name

        fargate_profile = None
        selectors = fargate_selectors(config)
        if selectors:
            pod_role = aws.iam.Role(f"{name}-fargate-pod", name=physical_name(environment, "eks-fargate-pod"),
                                    assume_role_policy=assume_role_policy("eks-fargate-pods.amazonaws.com"), tags=tags, opts=child)
            attachment = aws.iam.RolePolicyAttachment(
                f"{name}-fargate-pod", role=pod_role.name,
                policy_arn="arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy", opts=child)
            fargate_profile = aws.eks.FargateProfile(
                f"{name}-burst", cluster_name=args.cluster_name, fargate_profile_name="burst",
                pod_execution_role_arn=pod_role.arn, subnet_ids=list(args.subnet_ids), selectors=selectors, tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]))

        autoscaler_role, autoscaler_grant = irsa_role(
            self, f"{name}-autoscaler", role_name=physical_name(environment, "eks-cluster-autoscaler"),
            oidc_provider_arn=args.oidc_provider_arn, issuer_url=args.oidc_issuer_url,
            service_accounts=[AUTOSCALER_SERVICE_ACCOUNT], policy=autoscaler_policy(cluster_name),
            description=f"The cluster autoscaler of {cluster_name} (IRSA).", tags=tags)
        on_nodes = pulumi.ResourceOptions(parent=self, depends_on=[system, autoscaler_grant])
        Release(f"{name}-cluster-autoscaler", **release_arguments(aws_config.cluster_autoscaler, autoscaler_values(
            cluster_name, str(config.region), aws_config.cluster_autoscaler_image_tag, autoscaler_role.arn,
            aws_config.system_nodes.labels)), opts=on_nodes)
        Release(f"{name}-nvidia-device-plugin", **release_arguments(aws_config.nvidia_device_plugin, device_plugin_values()),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[system]))
        if any(s.autoscaling.mode in ("cpu", "memory") for s in config.services):
            Release(f"{name}-metrics-server", **release_arguments(aws_config.metrics_server, {}),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[system]))

        self.register_outputs({"systemNodeGroup": system.node_group_name, "gpuGroupName": self.gpu_group_name,
                               "fargateProfile": fargate_profile.fargate_profile_name if fargate_profile else None})

    def _node_role(self, name: str, role_name: str, tags: dict[str, str]) -> aws.iam.Role:
        """An EC2 node role with the three managed node policies (:data:`NODE_POLICIES`)."""
        role = aws.iam.Role(name, name=role_name, assume_role_policy=assume_role_policy("ec2.amazonaws.com"), tags=tags,
                            opts=pulumi.ResourceOptions(parent=self))
        for policy in NODE_POLICIES:
            aws.iam.RolePolicyAttachment(f"{name}-{policy}", role=role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}",
                                         opts=pulumi.ResourceOptions(parent=self))
        return role
