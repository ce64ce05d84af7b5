"""The service catalog on a cluster, identical on every cloud: the add-ons that serve it and one InferenceService per entry.

Each platform (ACK, EKS, an existing cluster) calls :func:`deploy_catalog` once with its :class:`ClusterContext`
and, on ACK, its QPS metrics adapter chart. Everything else (manifests, autoscalers, Seldon and KEDA) is decided
here and in the modules it calls, once for all clouds.

A function, not a component: the add-ons and services stay direct children of the platform, so their URNs, and
the state of stacks created before this split, do not change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
from pulumi_kubernetes.core.v1 import Namespace

from stackconfig import AddonsConfig, HelmChartConfig, ServiceConfig, StackConfig
from stackconfig.observability import ObservabilityConfig

from .addons import KEDA, SELDON_CORE, ClusterAddons, ClusterAddonsArgs, required_addons
from .context import ClusterContext, MetricsBackend
from .inference_service import InferenceService, InferenceServiceArgs
from .model_claim import BUILTIN_NAMESPACES
from .observability import Observability, ObservabilityArgs, ScrapeTarget, keda_monitoring_values


@dataclass(frozen=True)
class CatalogArgs:
    services: Sequence[ServiceConfig]
    """The catalog (``services``)."""
    addons: AddonsConfig
    """Pinned Seldon Core and KEDA charts (``addons``), installed only when a service needs them."""
    observability: ObservabilityConfig = ObservabilityConfig()
    """The metrics backend, its alerts and dashboards (``observability``); the backend itself is
    ``ClusterContext.metrics``."""
    qps_metrics_adapter: Optional[HelmChartConfig] = None
    """The chart that serves the cluster's QPS metric (ACK only), installed unless a service needs KEDA (the two
    cannot share a cluster: ``components.kubernetes.addons.ClusterAddons``)."""
    platform_targets: Sequence[ScrapeTarget] = ()
    """The platform's own software the metrics backend scrapes (ACK's ingress controller, EKS' cluster autoscaler)."""


@dataclass(frozen=True)
class Catalog:
    observability: Observability
    addons: ClusterAddons
    services: dict[tuple[str, str], InferenceService]
    """By ``(namespace, name)``, in catalog order."""
    running_addons: frozenset[str]
    """Roles of the add-ons the services can use: those the cluster already ran and those installed here."""

    @property
    def hosts(self) -> dict[str, Optional[str]]:
        """The Ingress host (or None) of each service by ``<namespace>/<name>``: the ``services`` stack output."""
        return {f"{namespace}/{name}": service.host for (namespace, name), service in self.services.items()}

    @property
    def addon_roles(self) -> list[str]:
        """Roles of the add-ons running (the ``addons`` stack output), in a stable order."""
        return sorted(self.running_addons)


def catalog_args(config: StackConfig, **cloud_specific: Any) -> CatalogArgs:
    """The catalog of a stack: its services, add-on charts and observability, and what only its cloud has."""
    return CatalogArgs(services=config.services, addons=config.addons, observability=config.observability,
                       **cloud_specific)


def addons_args(args: CatalogArgs, metrics: Optional[MetricsBackend],
                after: Sequence[pulumi.Resource] = ()) -> ClusterAddonsArgs:
    """The add-ons the catalog needs: Seldon Core and KEDA when a service needs them (KEDA scraped by the metrics
    backend when it serves the Prometheus operator's CRDs, with the backend's chart values), and the cloud's QPS metrics adapter unless a service
    needs KEDA."""
    needed = {role for service in args.services for role in required_addons(service)}
    return ClusterAddonsArgs(
        seldon_core=args.addons.seldon_core if SELDON_CORE in needed else None,
        keda=args.addons.keda if KEDA in needed else None,
        keda_values={**(keda_monitoring_values(metrics.object_labels) if metrics and metrics.monitoring_crds else {}),
                     **(metrics.keda_values if metrics else {})},
        qps_metrics_adapter=None if KEDA in needed else args.qps_metrics_adapter, after=after)


def existing_namespaces(cluster: ClusterContext) -> frozenset[str]:
    """Namespaces every cluster has, and the model claim's, which the model store creates."""
    return BUILTIN_NAMESPACES | ({cluster.model_claim.namespace} if cluster.model_claim else set())


def deploy_catalog(parent: pulumi.Resource, args: CatalogArgs, cluster: ClusterContext) -> Catalog:
    """A Namespace (``namespace-<name>``) for each service namespace the cluster does not have
    (:func:`existing_namespaces`), :class:`~components.kubernetes.observability.Observability` (``observability``),
    :class:`~components.kubernetes.addons.ClusterAddons` (``addons``, after the cluster's capacity and the metrics
    backend's CRDs), and one :class:`~components.kubernetes.inference_service.InferenceService`
    (``<namespace>-<name>``) per catalog entry, children of ``parent``, on the cluster's provider."""
    in_cluster = pulumi.ResourceOptions(parent=parent, providers=[cluster.provider])
    missing = sorted({svc.namespace for svc in args.services} - existing_namespaces(cluster)) \
        if cluster.creates_namespaces else []
    kept = pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(retain_on_delete=cluster.retains_namespaces))
    namespaces = {namespace: Namespace(f"namespace-{namespace}", metadata={"name": namespace}, opts=kept)
                  for namespace in missing}
    observability = Observability("observability", ObservabilityArgs(
        config=args.observability, services=list(args.services), backend=cluster.metrics, burst=cluster.burst,
        gpu_node_label=cluster.gpu_node_label, platform_targets=args.platform_targets, capacity=list(cluster.capacity)),
        opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=list(namespaces.values()))))
    addons = ClusterAddons("addons", addons_args(args, cluster.metrics, [*cluster.capacity, *observability.ready]),
                           opts=in_cluster)
    metrics = dataclasses.replace(cluster.metrics, ready=observability.ready) if cluster.metrics else None
    running = dataclasses.replace(cluster, addons=cluster.addons | frozenset(addons.releases), metrics=metrics)
    services = {
        (svc.namespace, svc.name): InferenceService(
            svc.component_name, InferenceServiceArgs(
                service=svc, cluster=running, operators=addons.releases, namespace=namespaces.get(svc.namespace)),
            opts=in_cluster)
        for svc in args.services
    }
    return Catalog(observability=observability, addons=addons, services=services, running_addons=running.addons)
