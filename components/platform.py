"""The whole platform on Alibaba Cloud, composed from the stack config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_alicloud as alicloud

from stackconfig import StackConfig
from stackconfig.model import ServiceConfig

from .addons import ClusterAddons, ClusterAddonsArgs
from .cluster import Cluster, ClusterArgs
from .common import cloud_tags
from .inference_service import InferenceService, InferenceServiceArgs, S3Access
from .model_store import ModelStore, ModelStoreArgs
from .network import Network, NetworkArgs
from .node_pool import NodePool, NodePoolArgs
from .s3_model_repository import S3ModelRepository, S3ModelRepositoryArgs
from .virtual_nodes import VirtualNodes, VirtualNodesArgs


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
    :class:`~components.model_store.ModelStore`; and :class:`~components.addons.ClusterAddons`
    (metrics adapter unless a service needs KEDA, Seldon Core and KEDA only when a service needs them);
    the :class:`~components.s3_model_repository.S3ModelRepository` when ``s3ModelRepository`` is set;
    and one :class:`~components.inference_service.InferenceService` per ``services`` entry.

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
            config=config.network, zones=list(config.zones), environment=config.environment, tags=tags), opts=in_cloud)
        cluster = Cluster("cluster", ClusterArgs(
            config=config, node_vswitch_ids=network.node_vswitch_ids,
            pod_vswitch_ids=network.pod_vswitch_ids), opts=in_cloud)
        pools = {
            pool.name: NodePool(pool.name, NodePoolArgs(
                config=pool, environment=config.environment, cluster_id=cluster.cluster_id,
                vswitch_ids=network.node_vswitch_ids, tags=tags), opts=in_cloud)
            for pool in config.node_pools
        }
        if config.virtual_nodes.enabled:
            VirtualNodes("virtual-nodes", VirtualNodesArgs(
                cluster_id=cluster.cluster_id, vswitch_ids=network.pod_vswitch_ids,
                security_group_id=cluster.security_group_id), opts=in_cloud)
        in_cluster = pulumi.ResourceOptions(parent=self, providers=[provider, cluster.k8s_provider])
        store = ModelStore("model-store", ModelStoreArgs(
            config=config, oidc_provider_arn=cluster.oidc_provider_arn, oidc_issuer_url=cluster.oidc_issuer_url),
            opts=in_cluster)
        # Add-on pods need nodes to run on: wait for the pools, or the Helm releases time out.
        addons = ClusterAddons("addons", ClusterAddonsArgs(
            addons=config.addons, install_metrics_adapter=not config.needs_keda,
            install_seldon=config.needs_seldon, install_keda=config.needs_keda),
            opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=list(pools.values()))))

        services = self._services(config, cluster, store, addons)

        self.exports: dict[str, Any] = {
            "clusterId": cluster.cluster_id,
            "kubeconfig": cluster.kubeconfig,
            "logProject": cluster.log_project,
            "modelBucket": store.bucket_name,
            "modelClaimName": store.claim_name,
            "modelClaimNamespace": store.namespace,
            "nodePoolIds": {name: pool.node_pool_id for name, pool in pools.items()},
            "oidcProviderArn": cluster.oidc_provider_arn,
            "services": {f"{svc.namespace}/{svc.name}": services[svc.namespace, svc.name].host for svc in config.services},
        }
        self.register_outputs(self.exports)

    def _services(self, config: StackConfig, cluster: Cluster, store: ModelStore, addons: ClusterAddons
                  ) -> dict[tuple[str, str], InferenceService]:
        """One InferenceService per catalog entry, and the S3 model repository when one is configured.

        Each service's workload waits for the model store (its claim) and the S3 repository, and its
        autoscaler and custom resources for the add-ons that serve them (:func:`required_addons`).
        """
        in_cluster = pulumi.ResourceOptions(parent=self, providers=[cluster.k8s_provider])
        storage: list[pulumi.Resource] = [store]
        s3: Optional[S3Access] = None
        if config.s3_model_repository:
            repository = S3ModelRepository("s3-model-repository", S3ModelRepositoryArgs(
                config=config.s3_model_repository, protect=config.protect_data, tags=cloud_tags(config)),
                opts=pulumi.ResourceOptions(parent=self))
            storage.append(repository)
            if config.s3_credentials:
                s3 = S3Access(bucket=config.s3_model_repository.bucket_name, region=config.s3_model_repository.region,
                              credentials=config.s3_credentials)
        return {
            (svc.namespace, svc.name): InferenceService(
                f"{svc.namespace}-{svc.name}",
                InferenceServiceArgs(
                    service=svc, log_project=cluster.log_project, model_claim=config.model_store.claim_name, s3=s3,
                    storage=storage, operators=[addons.releases[chart] for chart in required_addons(config, svc)]),
                opts=in_cluster)
            for svc in config.services
        }


def required_addons(config: StackConfig, service: ServiceConfig) -> list[str]:
    """Charts a service needs running: Seldon's operator, KEDA, or the QPS metrics adapter."""
    charts = []
    if service.server == "seldon":
        charts.append(config.addons.seldon_core.chart)
    if service.autoscaling.mode == "keda":
        charts.append(config.addons.keda.chart)
    if service.autoscaling.mode == "qps":
        charts.append(config.addons.metrics_adapter.chart)
    return charts
