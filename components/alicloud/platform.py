"""The whole platform on Alibaba Cloud (``cloud: alicloud``), composed from the stack config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_alicloud as alicloud

from stackconfig import StackConfig

from ..kubernetes.addons import QPS_METRICS_ADAPTER
from ..kubernetes.catalog import catalog_args, deploy_catalog
from ..kubernetes.context import ClusterContext
from ..kubernetes.observability import exporter_targets, metrics_backend, shared_metrics
from ..naming import cloud_tags
from ..outputs import AlicloudOutputs
from ..s3.repository import key_based_s3_access
from .burst import VirtualNodes, VirtualNodesArgs, workload_facts
from .capacity import GPU_NODE_LABEL, NodePool, NodePoolArgs
from .cluster import (INGRESS_ADDON, INGRESS_SCRAPE_TARGET, MODEL_STORE_ADDONS, QPS_ADDON, VIRTUAL_NODE_ADDON, AckCluster, AddonNeed,
                      AdoptedCluster, AdoptedClusterArgs, Cluster, ClusterArgs)
from .metrics import ArmsBackend, ArmsBackendArgs
from .model_store import ModelStore, ModelStoreArgs
from .network import Network, NetworkArgs


def cluster_args(config: StackConfig, node_vswitch_ids: pulumi.Input[list[str]],
                 pod_vswitch_ids: pulumi.Input[list[str]]) -> ClusterArgs:
    """The :class:`~components.alicloud.cluster.Cluster` of the stack, in the given vSwitches."""
    return ClusterArgs(cluster=config.alicloud.cluster, environment=config.environment, tags=cloud_tags(config),
                       protect=config.protect_data, deletion_protection=config.deletion_protection,
                       node_vswitch_ids=node_vswitch_ids, pod_vswitch_ids=pod_vswitch_ids)


def model_store_args(config: StackConfig, oidc_provider_arn: pulumi.Input[str],
                     oidc_issuer_url: pulumi.Input[str]) -> ModelStoreArgs:
    """The :class:`~components.alicloud.model_store.ModelStore` of the stack, mounted through the cluster's RRSA."""
    return ModelStoreArgs(store=config.alicloud.model_store, bucket_name=config.bucket_name, environment=config.environment,
                          region=str(config.region), tags=cloud_tags(config), protect=config.protect_data,
                          oidc_provider_arn=oidc_provider_arn, oidc_issuer_url=oidc_issuer_url,
                          retain_namespace=config.adopts_cluster)


def needed_addons(config: StackConfig) -> list[AddonNeed]:
    """Add-ons an adopted cluster must already run for what the stack deploys: a cluster the stack creates gets them
    at creation (:func:`components.alicloud.addons.cluster_addons`), an adopted one has its owner's. The CSI add-ons
    for the model store always; ``logtail-ds`` when a service scales on QPS; the NGINX ingress controller when a
    service has an ingress; the virtual-node add-on when ``alicloud.virtualNodes.alreadyInstalled``."""
    services = config.services
    return [*MODEL_STORE_ADDONS,
            *([QPS_ADDON] if any(s.autoscaling.mode == "qps" for s in services) else []),
            *([INGRESS_ADDON] if any(s.ingress is not None for s in services) else []),
            *([VIRTUAL_NODE_ADDON] if config.alicloud.virtual_nodes.already_installed else [])]


def cluster_and_vswitches(config: StackConfig, in_cloud: pulumi.ResourceOptions
                          ) -> tuple[AckCluster, pulumi.Input[list[str]], pulumi.Input[list[str]]]:
    """The stack's cluster with the node and pod vSwitches: an adopted cluster and those it reports (or the stack file
    names), or the :class:`~components.alicloud.network.Network` and a :class:`~components.alicloud.cluster.Cluster`
    created in it."""
    if config.alicloud.cluster.existing is not None:
        adopted = AdoptedCluster("cluster", AdoptedClusterArgs(
            cluster=config.alicloud.cluster, needed_addons=needed_addons(config), tags=cloud_tags(config)), opts=in_cloud)
        return adopted, adopted.node_vswitch_ids, adopted.pod_vswitch_ids
    network = Network("network", NetworkArgs(config=config.alicloud.network, zones=list(config.zones),
                                             environment=config.environment, tags=cloud_tags(config)), opts=in_cloud)
    created = Cluster("cluster", cluster_args(config, network.node_vswitch_ids, network.pod_vswitch_ids), opts=in_cloud)
    return created, network.node_vswitch_ids, network.pod_vswitch_ids


@dataclass(frozen=True)
class AlicloudPlatformArgs:
    config: StackConfig
    """The validated stack config; every option and its default is in the README's configuration reference."""


class AlicloudPlatform(pulumi.ComponentResource):
    """ACK Pro with elastic GPU capacity, composed per the stack config.

    Creates, each as a child component: an ``alicloud`` provider for ``region``; the
    :class:`~components.alicloud.network.Network` and the :class:`~components.alicloud.cluster.Cluster` (and its
    Kubernetes provider), or with ``alicloud.cluster.existing`` the
    :class:`~components.alicloud.cluster.AdoptedCluster` instead of both; one
    :class:`~components.alicloud.capacity.NodePool` per ``nodePools`` entry;
    :class:`~components.alicloud.burst.VirtualNodes` when ``alicloud.virtualNodes.enabled`` (and not
    ``alreadyInstalled``); the
    :class:`~components.alicloud.model_store.ModelStore`; the :class:`~components.s3.repository.S3ModelRepository`
    when ``s3ModelRepository`` is set; and the catalog (:func:`components.kubernetes.catalog.deploy_catalog`: add-ons,
    with the QPS metrics adapter unless a service needs KEDA, and one InferenceService per ``services`` entry),
    bursting onto ECI and counting ingress QPS in the cluster's log project.

    ``outputs``: :class:`~components.outputs.AlicloudOutputs`.
    """

    outputs: AlicloudOutputs

    def __init__(self, name: str, args: AlicloudPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:platform:AlicloudPlatform", name, None, opts)
        config = args.config
        tags = cloud_tags(config)
        region = str(config.region)
        provider = alicloud.Provider("alicloud", region=region, opts=pulumi.ResourceOptions(parent=self))
        in_cloud = pulumi.ResourceOptions(parent=self, providers=[provider])

        cluster, node_vswitch_ids, pod_vswitch_ids = cluster_and_vswitches(config, in_cloud)
        pools = {
            pool.name: NodePool(pool.name, NodePoolArgs(
                config=pool, environment=config.environment, cluster_id=cluster.cluster_id,
                vswitch_ids=node_vswitch_ids, tags=tags), opts=in_cloud)
            for pool in config.alicloud.node_pools
        }
        if config.alicloud.virtual_nodes.enabled and not config.alicloud.virtual_nodes.already_installed:
            VirtualNodes("virtual-nodes", VirtualNodesArgs(
                cluster_id=cluster.cluster_id, vswitch_ids=pod_vswitch_ids,
                security_group_id=cluster.security_group_id), opts=in_cloud)
        in_cluster = pulumi.ResourceOptions(parent=self, providers=[provider, cluster.k8s_provider])
        store = ModelStore("model-store", model_store_args(config, cluster.oidc_provider_arn, cluster.oidc_issuer_url),
                           opts=in_cluster)
        repository, s3 = key_based_s3_access(self, config.s3_model_repository, config.s3_credentials,
                                             protect=config.protect_data, tags=tags)
        adapter_installed = config.alicloud.metrics_adapter_already_installed
        facts = workload_facts(cluster.log_project)
        gpu_node_label = GPU_NODE_LABEL if any(p.gpu for p in config.alicloud.node_pools) else None
        platform_targets = [INGRESS_SCRAPE_TARGET] if any(s.ingress for s in config.services) else []
        if config.observability.backend == "managed":
            metrics = ArmsBackend("metrics", ArmsBackendArgs(
                config=config.observability, services=config.services, burst=facts["burst"],
                cluster_id=cluster.cluster_id, adopted=config.adopts_cluster,
                platform_targets=[*platform_targets, *exporter_targets(config, gpu_node_label)]), opts=in_cloud).backend
        else:
            metrics = metrics_backend(config.observability)
        catalog = deploy_catalog(self, catalog_args(
            config, qps_metrics_adapter=None if adapter_installed else config.alicloud.metrics_adapter,
            platform_targets=platform_targets),
            ClusterContext(
                provider=cluster.k8s_provider, cloud=config.cloud, **facts,
                model_claim=config.model_claim, creates_namespaces=True,
                retains_namespaces=config.adopts_cluster, s3=s3, storage=[store, *repository],
                capacity=list(pools.values()), addons=frozenset({QPS_METRICS_ADAPTER} if adapter_installed else ()),
                gpu_node_label=gpu_node_label, metrics=metrics))

        self.outputs = AlicloudOutputs(
            cloud=config.cloud,
            model_claim_name=store.claim_name,
            model_claim_namespace=store.namespace,
            addons=catalog.addon_roles,
            services=catalog.hosts,
            metrics=shared_metrics(metrics),
            cluster_id=cluster.cluster_id,
            kubeconfig=cluster.kubeconfig,
            log_project=cluster.log_project,
            model_bucket=store.bucket_name,
            node_pool_ids={name: pool.node_pool_id for name, pool in pools.items()},
            oidc_provider_arn=cluster.oidc_provider_arn,
            region=region,
        )
        self.register_outputs(self.outputs.exports())
