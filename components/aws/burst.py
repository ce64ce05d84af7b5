"""Burst on EKS: Fargate runs the pods of bursting services (``burst.mode: only``; Fargate has no GPUs)."""

from __future__ import annotations

from typing import Any, Sequence

import pulumi
import pulumi_aws as aws

from stackconfig import ServiceConfig

from ..kubernetes.context import BurstTarget
from ..naming import physical_name
from .cluster import EKS_NETWORK, assume_role_policy

FARGATE_LABEL = ("elastic-inference/capacity", "fargate")
"""Pod label the Fargate profile selects: the pods of services with ``burst.mode: only``."""
FARGATE = BurstTarget(description="Fargate", pod_labels=dict([FARGATE_LABEL]), node_name_pattern="fargate-.+")
"""EKS: bursting pods carry :data:`FARGATE_LABEL` and the Fargate profile runs them (no node affinity, no toleration)."""


WORKLOAD_FACTS: dict[str, Any] = {"burst": FARGATE, "network": EKS_NETWORK}
"""The ``ClusterContext`` fields that say how workloads run on an EKS cluster: they burst onto Fargate and have no
ingress QPS metric. Shared by the platform and by app-team stacks that read an EKS platform stack."""


def fargate_selectors(services: Sequence[ServiceConfig]) -> list[dict[str, Any]]:
    """One selector per namespace with a bursting service: that namespace, pods labelled :data:`FARGATE_LABEL`."""
    namespaces = sorted({s.namespace for s in services if s.burst.mode != "none"})
    return [{"namespace": ns, "labels": dict([FARGATE_LABEL])} for ns in namespaces]


def fargate_profile(parent: pulumi.Resource, name: str, *, environment: str, cluster: pulumi.Input[str],
                    subnet_ids: pulumi.Input[Sequence[str]], selectors: list[dict[str, Any]],
                    tags: dict[str, str]) -> pulumi.Output[str]:
    """A Fargate pod execution role (``<name>-fargate-pod``, ``ei-<env>-eks-fargate-pod``) and the ``eks.FargateProfile``
    ``burst`` (``<name>-burst``) over the private subnets with ``selectors``, children of ``parent``. Returns the
    profile's name."""
    child = pulumi.ResourceOptions(parent=parent)
    pod_role = aws.iam.Role(f"{name}-fargate-pod", name=physical_name(environment, "eks-fargate-pod"),
                            assume_role_policy=assume_role_policy("eks-fargate-pods.amazonaws.com"), tags=tags, opts=child)
    attachment = aws.iam.RolePolicyAttachment(
        f"{name}-fargate-pod", role=pod_role.name,
        policy_arn="arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy", opts=child)
    profile = aws.eks.FargateProfile(
        f"{name}-burst", cluster_name=cluster, fargate_profile_name="burst",
        pod_execution_role_arn=pod_role.arn, subnet_ids=subnet_ids, selectors=selectors, tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[attachment]))
    return profile.fargate_profile_name
