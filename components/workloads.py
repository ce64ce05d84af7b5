"""The service catalog on a cluster, identical on every cloud: the add-ons that serve it and one InferenceService per entry.

Each platform (ACK, EKS, an existing cluster) calls :func:`deploy_workloads` once with what its cloud contributes:
the Kubernetes provider, where bursting pods go (:class:`~components.pod_template.BurstTarget`), how services reach
S3, what the workloads must wait for, and whether the ACK-only QPS metrics adapter is installed. Everything else
(manifests, autoscalers, Seldon and KEDA) is decided here and in the modules it calls, once for all clouds.

A function, not a component: the add-ons and services stay direct children of the platform, so their URNs, and
the state of stacks created before this split, do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from stackconfig import StackConfig
from stackconfig import ServiceConfig

from .addons import ClusterAddons, ClusterAddonsArgs
from .common import cloud_tags
from .inference_service import InferenceService, InferenceServiceArgs, S3Access
from .pod_template import BurstTarget
from .s3_model_repository import S3ModelRepository, S3ModelRepositoryArgs


@dataclass(frozen=True)
class WorkloadsArgs:
    config: StackConfig
    """The validated stack config: ``services``, ``addons`` and the model store's claim (``StackConfig.model_claim``)."""
    k8s_provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    burst: BurstTarget
    """Where the cloud puts the pods of bursting services."""
    install_metrics_adapter: bool = False
    """Install the QPS metrics adapter (ACK only, and only when no service needs KEDA: see ClusterAddons)."""
    log_project: Optional[pulumi.Input[str]] = None
    """SLS project of the QPS metric (ACK only)."""
    s3: Optional[S3Access] = None
    """How services with ``model.source: s3`` reach their bucket."""
    storage: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """What must exist before pods start (the model store, the S3 repository, the CSI driver)."""
    capacity: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """The nodes add-on pods run on; the Helm releases wait for them, or they time out on a new cluster."""


@dataclass(frozen=True)
class Workloads:
    addons: ClusterAddons
    services: dict[tuple[str, str], InferenceService]
    """By ``(namespace, name)``."""

    def hosts(self, config: StackConfig) -> dict[str, Optional[str]]:
        """The Ingress host (or None) of each service by ``<namespace>/<name>``: the ``services`` stack output."""
        return {f"{svc.namespace}/{svc.name}": self.services[svc.namespace, svc.name].host for svc in config.services}


def required_addons(config: StackConfig, service: ServiceConfig) -> list[str]:
    """Charts a service needs running: Seldon's operator, KEDA, or the QPS metrics adapter."""
    charts = []
    if service.server == "seldon":
        charts.append(config.addons.seldon_core.chart)
    if service.autoscaling.mode == "keda":
        charts.append(config.addons.keda.chart)
    if service.autoscaling.mode == "qps":
        charts.append(config.alicloud.metrics_adapter.chart)
    return charts


def deploy_workloads(parent: pulumi.Resource, args: WorkloadsArgs) -> Workloads:
    """:class:`~components.addons.ClusterAddons` (``addons``) and one
    :class:`~components.inference_service.InferenceService` (``<namespace>-<name>``) per catalog entry, children of
    ``parent``. Each workload waits for ``storage``; its autoscaler and custom resources for the add-ons that serve
    them (:func:`required_addons`)."""
    config = args.config
    in_cluster = pulumi.ResourceOptions(parent=parent, providers=[args.k8s_provider])
    addons = ClusterAddons("addons", ClusterAddonsArgs(
        addons=config.addons, metrics_adapter=config.alicloud.metrics_adapter, install_metrics_adapter=args.install_metrics_adapter,
        install_seldon=config.needs_seldon, install_keda=config.needs_keda),
        opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=list(args.capacity))))
    claim = config.model_claim
    services = {
        (svc.namespace, svc.name): InferenceService(
            f"{svc.namespace}-{svc.name}",
            InferenceServiceArgs(
                service=svc, log_project=args.log_project, model_claim=claim.name if claim else None,
                burst=args.burst, s3=args.s3, storage=list(args.storage),
                operators=[addons.releases[chart] for chart in required_addons(config, svc)]),
            opts=in_cluster)
        for svc in config.services
    }
    return Workloads(addons=addons, services=services)


def key_based_s3_access(parent: pulumi.Resource, config: StackConfig) -> tuple[list[pulumi.Resource], Optional[S3Access]]:
    """The ``s3ModelRepository`` bucket (when configured) and access to it with the ``s3Credentials`` keys:
    the Seldon tutorial's way, for clusters without an AWS workload identity (ACK, an existing cluster)."""
    if config.s3_model_repository is None:
        return [], None
    repository = S3ModelRepository("s3-model-repository", S3ModelRepositoryArgs(
        config=config.s3_model_repository, protect=config.protect_data, tags=cloud_tags(config)),
        opts=pulumi.ResourceOptions(parent=parent))
    access = None
    if config.s3_credentials:
        access = S3Access(bucket=config.s3_model_repository.bucket_name, region=config.s3_model_repository.region,
                          credentials=config.s3_credentials)
    return [repository], access
