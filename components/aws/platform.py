"""The whole platform on AWS (``cloud: aws``): EKS with spot GPU capacity, Fargate burst and an S3 model store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from stackconfig import StackConfig

from ..kubernetes.catalog import catalog_args, deploy_catalog
from ..kubernetes.context import ClusterContext, S3Access
from ..kubernetes.observability import metrics_backend, shared_metrics
from ..naming import cloud_tags
from ..outputs import AwsOutputs
from .addons import AUTOSCALER_SCRAPE_TARGET
from .burst import FARGATE, WORKLOAD_FACTS, fargate_selectors
from .capacity import GPU_PRESENT_LABEL, EksCapacity, EksCapacityArgs
from .cluster import (AdoptedEksCluster, AdoptedEksClusterArgs, EksCluster, EksClusterArgs, EksClusterContract,
                      eks_cluster_name)
from .metrics import AmpBackend, AmpBackendArgs
from .model_store import EksModelStore, EksModelStoreArgs, s3_readers
from .network import AwsNetwork, AwsNetworkArgs


def cluster_and_subnets(config: StackConfig, in_cloud: pulumi.ResourceOptions
                        ) -> tuple[str, EksClusterContract, pulumi.Input[Sequence[str]], pulumi.Input[str]]:
    """The EKS cluster's name, the cluster, the private subnets of what the stack adds to it, and its VPC: an adopted
    cluster and what it reports (or the stack file names), or the :class:`~components.aws.network.AwsNetwork` and an
    :class:`~components.aws.cluster.EksCluster` created in it."""
    existing = config.aws.existing_cluster
    region = str(config.region)
    if existing is not None:
        adopted = AdoptedEksCluster("cluster", AdoptedEksClusterArgs(
            config=config.aws, region=region, tags=cloud_tags(config), catalog_namespaces=config.catalog_namespaces),
            opts=in_cloud)
        return existing.name, adopted, adopted.subnet_ids, adopted.vpc_id
    cluster_name = eks_cluster_name(config.environment)
    network = AwsNetwork("network", AwsNetworkArgs(
        config=config.aws, zones=list(config.zones), environment=config.environment, production=config.production,
        cluster_name=cluster_name, tags=cloud_tags(config)), opts=in_cloud)
    created = EksCluster("cluster", EksClusterArgs(
        config=config.aws, cluster_name=cluster_name, environment=config.environment, region=region,
        tags=cloud_tags(config), deletion_protection=config.production, protect=config.protect_data,
        subnet_ids=network.private_subnet_ids, catalog_namespaces=config.catalog_namespaces), opts=in_cloud)
    return cluster_name, created, network.private_subnet_ids, network.vpc_id


@dataclass(frozen=True)
class AwsPlatformArgs:
    config: StackConfig
    """The validated stack config; every option and its default is in the README's configuration reference."""


class AwsPlatform(pulumi.ComponentResource):
    """EKS with elastic GPU capacity, composed per the stack config: the AWS counterpart of ``AlicloudPlatform``.

    Creates an ``aws`` provider for ``region`` (credentials from the usual AWS chain of whoever runs ``pulumi up``)
    and, as child components: the :class:`~components.aws.network.AwsNetwork` and the
    :class:`~components.aws.cluster.EksCluster` (and its Kubernetes provider), or with ``aws.existingCluster`` the
    :class:`~components.aws.cluster.AdoptedEksCluster` instead of both; the
    :class:`~components.aws.capacity.EksCapacity` (system node group, GPU Auto Scaling group, Fargate profile,
    cluster autoscaler, device plugin, metrics-server); the :class:`~components.aws.model_store.EksModelStore`; with
    ``observability.backend: managed`` the :class:`~components.aws.metrics.AmpBackend`; and
    the catalog (:func:`components.kubernetes.catalog.deploy_catalog`: Seldon Core and KEDA when needed, one
    InferenceService per ``services`` entry), bursting onto Fargate; services with ``model.source: s3`` read the
    model bucket through IRSA.

    ``outputs``: :class:`~components.outputs.AwsOutputs`.
    """

    outputs: AwsOutputs

    def __init__(self, name: str, args: AwsPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:platform:AwsPlatform", name, None, opts)
        config = args.config
        tags = cloud_tags(config)
        region = str(config.region)
        provider = aws.Provider("aws", region=region, opts=pulumi.ResourceOptions(parent=self))
        in_cloud = pulumi.ResourceOptions(parent=self, providers=[provider])

        cluster_name, cluster, subnet_ids, vpc_id = cluster_and_subnets(config, in_cloud)
        in_cluster = pulumi.ResourceOptions(parent=self, providers=[provider, cluster.k8s_provider])
        capacity = EksCapacity("capacity", EksCapacityArgs(
            config=config.aws, environment=config.environment, region=region, tags=tags, cluster_name=cluster_name,
            cluster=cluster.cluster_name, endpoint=cluster.endpoint, certificate_authority=cluster.certificate_authority,
            service_cidr=cluster.service_cidr, cluster_security_group_id=cluster.cluster_security_group_id,
            oidc_provider_arn=cluster.oidc_provider_arn, oidc_issuer_url=cluster.oidc_issuer_url,
            subnet_ids=subnet_ids, fargate_selectors=fargate_selectors(config.services),
            metrics_server=any(s.autoscaling.mode in ("cpu", "memory") for s in config.services)), opts=in_cluster)
        store = EksModelStore("model-store", EksModelStoreArgs(
            store=config.aws.model_store, bucket_name=config.bucket_name, environment=config.environment, region=region,
            tags=tags, protect=config.protect_data, readers=s3_readers(config.services),
            cluster_name=cluster.cluster_name, oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_issuer_url=cluster.oidc_issuer_url, nodes=capacity.nodes, retain_namespace=config.adopts_cluster),
            opts=in_cluster)
        s3 = S3Access(bucket=config.bucket_name, region=region, role_arn=store.reader_role_arn) \
            if store.reader_role_arn is not None else None
        metrics = AmpBackend("metrics", AmpBackendArgs(
            config=config.observability, services=config.services, burst=FARGATE, region=region,
            environment=config.environment, tags=tags, protect=config.protect_data,
            oidc_provider_arn=cluster.oidc_provider_arn, oidc_issuer_url=cluster.oidc_issuer_url,
            cluster_name=cluster.cluster_name, keda_namespace=config.addons.keda.namespace), opts=in_cloud).backend \
            if config.observability.backend == "managed" else metrics_backend(config.observability)
        catalog = deploy_catalog(self, catalog_args(config, platform_targets=[AUTOSCALER_SCRAPE_TARGET]), ClusterContext(
            provider=cluster.k8s_provider, cloud=config.cloud, **WORKLOAD_FACTS, model_claim=config.model_claim,
            creates_namespaces=True, retains_namespaces=config.adopts_cluster, s3=s3, storage=store.ready,
            capacity=capacity.nodes, gpu_node_label=GPU_PRESENT_LABEL[0], metrics=metrics))

        self.outputs = AwsOutputs(
            cloud=config.cloud,
            model_claim_name=store.claim_name,
            model_claim_namespace=store.namespace,
            addons=catalog.addon_roles,
            services=catalog.hosts,
            metrics=shared_metrics(metrics),
            cluster_name=cluster.cluster_name,
            kubeconfig=cluster.kubeconfig,
            model_bucket=store.bucket_name,
            gpu_auto_scaling_group=capacity.gpu_group_name,
            oidc_provider_arn=cluster.oidc_provider_arn,
            vpc_id=vpc_id,
        )
        self.register_outputs(self.outputs.exports())
