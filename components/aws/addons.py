"""Cluster software EKS capacity needs: the cluster autoscaler (with its IRSA role), the NVIDIA device plugin, and
metrics-server for cpu/memory autoscaling. Versions and namespaces: the README's configuration reference, ``aws``."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi_kubernetes.helm.v3 import Release

from stackconfig import GPU_TAINT, AwsConfig

from ..kubernetes.addons import release_arguments
from ..kubernetes.observability import ScrapeTarget
from ..naming import physical_name
from .cluster import irsa_role

GPU_PRESENT_LABEL = ("nvidia.com/gpu.present", "true")
"""Node label the capacity gives GPU nodes; the NVIDIA device plugin's DaemonSet selects it (:func:`device_plugin_values`)."""
AUTOSCALER_SERVICE_ACCOUNT = ("kube-system", "cluster-autoscaler")
AUTOSCALER_SCRAPE_TARGET = ScrapeTarget(name="cluster-autoscaler", namespace="kube-system",
                                        selector={"app.kubernetes.io/instance": "cluster-autoscaler"}, port_number=8085)
"""The cluster autoscaler's metrics: the chart labels its pods with the release (named after the chart,
:func:`components.kubernetes.addons.release_arguments`), and the autoscaler serves ``/metrics`` on ``--address``
``:8085`` (the chart's ``service.servicePort``)."""


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


def capacity_addons(parent: pulumi.Resource, name: str, *, config: AwsConfig, cluster_name: str, region: str,
                    oidc_provider_arn: pulumi.Input[str], oidc_issuer_url: pulumi.Input[str], system: pulumi.Resource,
                    metrics_server: bool, environment: str, tags: dict[str, str]) -> None:
    """Children of ``parent`` (the capacity), all on the ``system`` nodes: the cluster autoscaler
    (``<name>-cluster-autoscaler``) with an IRSA role for ``kube-system/cluster-autoscaler`` (``<name>-autoscaler``,
    :func:`autoscaler_policy`), the NVIDIA device plugin (``<name>-nvidia-device-plugin``), and metrics-server
    (``<name>-metrics-server``) when ``metrics_server``."""
    autoscaler_role, autoscaler_grant = irsa_role(
        parent, f"{name}-autoscaler", role_name=physical_name(environment, "eks-cluster-autoscaler"),
        oidc_provider_arn=oidc_provider_arn, issuer_url=oidc_issuer_url,
        service_accounts=[AUTOSCALER_SERVICE_ACCOUNT], policy=autoscaler_policy(cluster_name),
        description=f"The cluster autoscaler of {cluster_name} (IRSA).", tags=tags)
    on_nodes = pulumi.ResourceOptions(parent=parent, depends_on=[system])
    Release(f"{name}-cluster-autoscaler", **release_arguments(config.cluster_autoscaler, autoscaler_values(
        cluster_name, region, config.cluster_autoscaler_image_tag, autoscaler_role.arn, config.system_nodes.labels)),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[system, autoscaler_grant]))
    Release(f"{name}-nvidia-device-plugin", **release_arguments(config.nvidia_device_plugin, device_plugin_values()),
            opts=on_nodes)
    if metrics_server:
        Release(f"{name}-metrics-server", **release_arguments(config.metrics_server, {}), opts=on_nodes)
