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
from typing import Optional, Sequence

import pulumi
from pulumi_kubernetes.core.v1 import Namespace

from stackconfig import AddonsConfig, HelmChartConfig, ServiceConfig

from .addons import KEDA, SELDON_CORE, ClusterAddons, ClusterAddonsArgs, required_addons
from .context import ClusterContext
from .inference_service import InferenceService, InferenceServiceArgs
from .model_claim import BUILTIN_NAMESPACES


@dataclass(frozen=True)
class CatalogArgs:
    services: Sequence[ServiceConfig]
    """The catalog (``services``)."""
    addons: AddonsConfig
    """Pinned Seldon Core and KEDA charts (``addons``), installed only when a service needs them."""
    qps_metrics_adapter: Optional[HelmChartConfig] = None
    """The chart that serves the cluster's QPS metric (ACK only), installed unless a service needs KEDA (the two
    cannot share a cluster: ``components.kubernetes.addons.ClusterAddons``)."""


@dataclass(frozen=True)
class Catalog:
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


def addons_args(args: CatalogArgs) -> ClusterAddonsArgs:
    """The add-ons the catalog needs: Seldon Core and KEDA when a service needs them, and the cloud's QPS metrics
    adapter unless a service needs KEDA."""
    needed = {role for service in args.services for role in required_addons(service)}
    return ClusterAddonsArgs(
        seldon_core=args.addons.seldon_core if SELDON_CORE in needed else None,
        keda=args.addons.keda if KEDA in needed else None,
        qps_metrics_adapter=None if KEDA in needed else args.qps_metrics_adapter)


def existing_namespaces(cluster: ClusterContext) -> frozenset[str]:
    """Namespaces every cluster has, and the model claim's, which the model store creates."""
    return BUILTIN_NAMESPACES | ({cluster.model_claim.namespace} if cluster.model_claim else set())


def deploy_catalog(parent: pulumi.Resource, args: CatalogArgs, cluster: ClusterContext) -> Catalog:
    """:class:`~components.kubernetes.addons.ClusterAddons` (``addons``, after the cluster's capacity), a Namespace
    (``namespace-<name>``) for each service namespace the cluster does not have (:func:`existing_namespaces`), and one
    :class:`~components.kubernetes.inference_service.InferenceService` (``<namespace>-<name>``) per catalog entry,
    children of ``parent``, on the cluster's provider."""
    in_cluster = pulumi.ResourceOptions(parent=parent, providers=[cluster.provider])
    addons = ClusterAddons("addons", addons_args(args),
        opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=list(cluster.capacity))))
    running = dataclasses.replace(cluster, addons=cluster.addons | frozenset(addons.releases))
    missing = sorted({svc.namespace for svc in args.services} - existing_namespaces(cluster)) \
        if cluster.creates_namespaces else []
    kept = pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(retain_on_delete=cluster.retains_namespaces))
    namespaces = {namespace: Namespace(f"namespace-{namespace}", metadata={"name": namespace}, opts=kept)
                  for namespace in missing}
    services = {
        (svc.namespace, svc.name): InferenceService(
            f"{svc.namespace}-{svc.name}", InferenceServiceArgs(
                service=svc, cluster=running, operators=addons.releases, namespace=namespaces.get(svc.namespace)),
            opts=in_cluster)
        for svc in args.services
    }
    return Catalog(addons=addons, services=services, running_addons=running.addons)
