"""The whole platform on Alibaba Cloud, composed from the stack config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_alicloud as alicloud

from stackconfig import StackConfig

from .cluster import Cluster, ClusterArgs
from .common import cloud_tags
from .model_store import ModelStore, ModelStoreArgs
from .network import Network, NetworkArgs
from .node_pool import NodePool, NodePoolArgs
from .pod_template import ECI
from .virtual_nodes import VirtualNodes, VirtualNodesArgs
from .workloads import WorkloadsArgs, deploy_workloads, key_based_s3_access


@dataclass(frozen=True)
class AlicloudPlatformArgs:
    config: StackConfig
    """The validated stack config; every option and its default is documented in ``stackconfig.model``."""


class AlicloudPlatform(pulumi.ComponentResource):
    """ACK Pro with elastic GPU capacity, composed per the stack config.

    Creates, each as a child component: an ``alicloud`` provider for ``region``; the
    :class:`~components.network.Network`; the :class:`~components.cluster.Cluster` (and its
    Kubernetes provider); one :class:`~components.node_pool.NodePool` per ``nodePools`` entry;
    :class:`~components.virtual_nodes.VirtualNodes` when ``virtualNodes.enabled``; the
    :class:`~components.model_store.ModelStore`; the
    :class:`~components.s3_model_repository.S3ModelRepository` when ``s3ModelRepository`` is set; and the
    catalog's workloads (:func:`components.workloads.deploy_workloads`: add-ons, with the QPS metrics adapter
    unless a service needs KEDA, and one InferenceService per ``services`` entry), bursting onto ECI.

    ``exports`` holds the stack outputs: cluster id, kubeconfig (secret), log project, model
    bucket, PVC name and namespace, node pool ids by pool name, and ``services``: the Ingress host
    (or None) of each service by ``<namespace>/<name>``.
    """

    def __init__(self, name: str, args: AlicloudPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:platform:AlicloudPlatform", name, None, opts)
        config = args.config
        tags = cloud_tags(config)
        provider = alicloud.Provider("alicloud", region=config.region, opts=pulumi.ResourceOptions(parent=self))
        in_cloud = pulumi.ResourceOptions(parent=self, providers=[provider])

        network = Network("network", NetworkArgs(
            config=config.alicloud.network, zones=list(config.zones), environment=config.environment, tags=tags), opts=in_cloud)
        cluster = Cluster("cluster", ClusterArgs(
            config=config, node_vswitch_ids=network.node_vswitch_ids,
            pod_vswitch_ids=network.pod_vswitch_ids), opts=in_cloud)
        pools = {
            pool.name: NodePool(pool.name, NodePoolArgs(
                config=pool, environment=config.environment, cluster_id=cluster.cluster_id,
                vswitch_ids=network.node_vswitch_ids, tags=tags), opts=in_cloud)
            for pool in config.alicloud.node_pools
        }
        if config.alicloud.virtual_nodes.enabled:
            VirtualNodes("virtual-nodes", VirtualNodesArgs(
                cluster_id=cluster.cluster_id, vswitch_ids=network.pod_vswitch_ids,
                security_group_id=cluster.security_group_id), opts=in_cloud)
        in_cluster = pulumi.ResourceOptions(parent=self, providers=[provider, cluster.k8s_provider])
        store = ModelStore("model-store", ModelStoreArgs(
            config=config, oidc_provider_arn=cluster.oidc_provider_arn, oidc_issuer_url=cluster.oidc_issuer_url),
            opts=in_cluster)
        repository, s3 = key_based_s3_access(self, config)
        workloads = deploy_workloads(self, WorkloadsArgs(
            config=config, k8s_provider=cluster.k8s_provider, burst=ECI,
            install_metrics_adapter=not config.needs_keda, log_project=cluster.log_project, s3=s3,
            storage=[store, *repository], capacity=list(pools.values())))

        self.exports: dict[str, Any] = {
            "clusterId": cluster.cluster_id,
            "kubeconfig": cluster.kubeconfig,
            "logProject": cluster.log_project,
            "modelBucket": store.bucket_name,
            "modelClaimName": store.claim_name,
            "modelClaimNamespace": store.namespace,
            "nodePoolIds": {name: pool.node_pool_id for name, pool in pools.items()},
            "oidcProviderArn": cluster.oidc_provider_arn,
            "services": workloads.hosts(config),
        }
        self.register_outputs(self.exports)


def build_platform(config: StackConfig) -> pulumi.ComponentResource:
    """The platform of the stack's ``cloud``; its ``exports`` are the stack outputs."""
    from .aws_platform import AwsPlatform, AwsPlatformArgs
    from .existing_platform import ExistingClusterPlatform, ExistingClusterPlatformArgs

    if config.cloud == "aws":
        return AwsPlatform("platform", AwsPlatformArgs(config=config))
    if config.cloud == "existing":
        return ExistingClusterPlatform("platform", ExistingClusterPlatformArgs(config=config))
    return AlicloudPlatform("platform", AlicloudPlatformArgs(config=config))
