"""The whole platform on AWS (``cloud: aws``): EKS with spot GPU capacity, Fargate burst and an S3 model store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from stackconfig import StackConfig

from .aws_network import AwsNetwork, AwsNetworkArgs
from .common import cloud_tags, physical_name
from .eks_capacity import FARGATE, EksCapacity, EksCapacityArgs
from .eks_cluster import EksCluster, EksClusterArgs
from .eks_model_store import EksModelStore, EksModelStoreArgs
from .inference_service import S3Access
from .workloads import WorkloadsArgs, deploy_workloads


@dataclass(frozen=True)
class AwsPlatformArgs:
    config: StackConfig
    """The validated stack config; every option and its default is documented in ``stackconfig.model``."""


class AwsPlatform(pulumi.ComponentResource):
    """EKS with elastic GPU capacity, composed per the stack config: the AWS counterpart of ``AlicloudPlatform``.

    Creates an ``aws`` provider for ``region`` (credentials from the usual AWS chain of whoever runs ``pulumi up``)
    and, as child components: the :class:`~components.aws_network.AwsNetwork`; the
    :class:`~components.eks_cluster.EksCluster` (and its Kubernetes provider); the
    :class:`~components.eks_capacity.EksCapacity` (system node group, GPU Auto Scaling group, Fargate profile,
    cluster autoscaler, device plugin, metrics-server); the :class:`~components.eks_model_store.EksModelStore`; and
    the catalog's workloads (:func:`components.workloads.deploy_workloads`: Seldon Core and KEDA when needed, one
    InferenceService per ``services`` entry), bursting onto Fargate; services with ``model.source: s3`` read the
    model bucket through IRSA.

    ``exports``: ``clusterName``, ``kubeconfig`` (secret; ``aws eks get-token`` auth), ``modelBucket``,
    ``modelClaimName``, ``modelClaimNamespace``, ``gpuAutoScalingGroup``, ``oidcProviderArn``, ``vpcId`` and
    ``services`` (Ingress host or None by ``<namespace>/<name>``).
    """

    def __init__(self, name: str, args: AwsPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:platform:AwsPlatform", name, None, opts)
        config = args.config
        region = str(config.region)
        provider = aws.Provider("aws", region=region, opts=pulumi.ResourceOptions(parent=self))
        in_cloud = pulumi.ResourceOptions(parent=self, providers=[provider])

        network = AwsNetwork("network", AwsNetworkArgs(
            config=config.aws, zones=list(config.zones), environment=config.environment, production=config.production,
            cluster_name=physical_name(config.environment, "eks"), tags=cloud_tags(config)), opts=in_cloud)
        cluster = EksCluster("cluster", EksClusterArgs(config=config, subnet_ids=network.private_subnet_ids), opts=in_cloud)
        in_cluster = pulumi.ResourceOptions(parent=self, providers=[provider, cluster.k8s_provider])
        capacity = EksCapacity("capacity", EksCapacityArgs(
            config=config, cluster_name=cluster.cluster_name, endpoint=cluster.endpoint,
            certificate_authority=cluster.certificate_authority, service_cidr=cluster.service_cidr,
            cluster_security_group_id=cluster.cluster_security_group_id, oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_issuer_url=cluster.oidc_issuer_url, subnet_ids=network.private_subnet_ids), opts=in_cluster)
        store = EksModelStore("model-store", EksModelStoreArgs(
            config=config, cluster_name=cluster.cluster_name, oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_issuer_url=cluster.oidc_issuer_url, nodes=capacity.nodes), opts=in_cluster)
        s3 = S3Access(bucket=config.bucket_name, region=region, role_arn=store.reader_role_arn) \
            if store.reader_role_arn is not None else None
        workloads = deploy_workloads(self, WorkloadsArgs(
            config=config, k8s_provider=cluster.k8s_provider, burst=FARGATE, s3=s3, storage=store.ready,
            capacity=capacity.nodes))

        self.exports: dict[str, Any] = {
            "clusterName": cluster.cluster_name,
            "kubeconfig": cluster.kubeconfig,
            "modelBucket": store.bucket_name,
            "modelClaimName": store.claim_name,
            "modelClaimNamespace": store.namespace,
            "gpuAutoScalingGroup": capacity.gpu_group_name,
            "oidcProviderArn": cluster.oidc_provider_arn,
            "vpcId": network.vpc_id,
            "services": workloads.hosts(config),
        }
        self.register_outputs(self.exports)
