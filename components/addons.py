"""Cluster software installed with Helm: the QPS metrics adapter, and Seldon Core and KEDA when needed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi_kubernetes.helm.v3 import Release

from stackconfig import AddonsConfig, HelmChartConfig

HELM_TIMEOUT_SECONDS = 600
"""Per-operation wait of each release. Twice Helm's 300 s default: on a new cluster the add-on pods
wait for the first nodes of the pools to join before they become ready."""


def release_arguments(chart: HelmChartConfig, values: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of the ``helm.v3.Release`` of one pinned chart.

    The release is named after the chart, so its objects keep the names the vendors document.
    ``atomic`` purges a failed install and ``cleanup_on_fail`` a failed upgrade's new objects, so a
    failed ``pulumi up`` leaves no half-installed add-on behind. An ``oci://`` repository is not a
    chart repository: the chart reference is then the OCI URL itself.
    """
    oci = chart.repository.startswith("oci://")
    source: dict[str, Any] = (
        {"chart": f"{chart.repository.rstrip('/')}/{chart.chart}"}
        if oci else
        {"chart": chart.chart, "repository_opts": {"repo": chart.repository}}
    )
    return {
        "name": chart.chart,
        **source,
        "version": chart.version,
        "namespace": chart.namespace,
        "create_namespace": True,
        "atomic": True,
        "cleanup_on_fail": True,
        "timeout": HELM_TIMEOUT_SECONDS,
        "values": dict(values),
    }


def seldon_values(keda_installed: bool) -> dict[str, Any]:
    """Values of ``seldon-core-operator``: no usage reporting to Seldon, and ``kedaSpec`` support when KEDA runs.

    ``keda.enabled`` and ``usageMetrics.enabled`` are the keys of the Seldon tutorial
    (``helm upgrade ... --set keda.enabled=true --set usageMetrics.enabled=true``); usage reporting
    sends anonymous data out of the cluster, so it stays off. Istio, the tutorial's ingress, is not
    used (the chart default ``istio.enabled=false`` stands): services are exposed by NGINX Ingress.
    """
    return {"usageMetrics": {"enabled": False}, "keda": {"enabled": keda_installed}}


@dataclass(frozen=True)
class ClusterAddonsArgs:
    addons: AddonsConfig
    """Pinned charts (``addons`` config)."""
    metrics_adapter: HelmChartConfig
    """The QPS metrics adapter's pinned chart (``alicloud.metricsAdapter`` config)."""
    install_metrics_adapter: bool
    """Install the QPS metrics adapter (no service autoscales with ``keda``; see the class docstring)."""
    install_seldon: bool
    """Install the Seldon Core operator (a service has ``server: seldon``)."""
    install_keda: bool
    """Install KEDA (a service autoscales with ``keda``)."""


class ClusterAddons(pulumi.ComponentResource):
    """Helm releases of the cluster add-ons, each a ``kubernetes.helm.v3.Release`` of a pinned chart.

    - ``ack-alibaba-cloud-metrics-adapter`` (``alicloud.metricsAdapter``, default 1.3.3 in
      ``kube-system``) when ``install_metrics_adapter``: it serves the ``sls_ingress_qps`` external metric. No values are set:
      the SLS project and logstore are per-HPA metric selector labels, not chart values. The chart does
      not support in-place upgrades (ACK docs), so a version change replaces the release.
    - ``keda`` (``addons.keda``, default 2.21.1 in ``keda``) when ``install_keda``.
    - ``seldon-core-operator`` (``addons.seldonCore``, default 1.19.0 in ``seldon-system``) when
      ``install_seldon``, with :func:`seldon_values`; it waits for KEDA when both are installed.

    Beware: KEDA and the metrics adapter both register the ``v1beta1.external.metrics.k8s.io``
    APIService, and only one server can own it (kedacore/keda#470, kedacore/charts#124); installing
    KEDA next to the adapter fails with an ownership conflict. So a stack has one or the other: the
    config rejects ``qps`` and ``keda`` autoscaling in the same stack, and the platform installs the
    adapter only when no service needs KEDA.

    Attributes: ``releases`` (chart name -> Release). Output ``releases``: chart name ->
    ``{name, namespace, version, status}`` as reported by Helm.
    """

    releases: dict[str, Release]

    def __init__(self, name: str, args: ClusterAddonsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:addons:ClusterAddons", name, None, opts)
        addons = args.addons

        def release(chart: HelmChartConfig, values: Mapping[str, Any], extra: pulumi.ResourceOptions) -> Release:
            return Release(f"{name}-{chart.chart}", **release_arguments(chart, values),
                           opts=pulumi.ResourceOptions.merge(extra, pulumi.ResourceOptions(parent=self)))

        self.releases = {}
        if args.install_metrics_adapter:
            self.releases[args.metrics_adapter.chart] = release(args.metrics_adapter, {}, pulumi.ResourceOptions(
                replace_on_changes=["version"], delete_before_replace=True))
        keda: Optional[Release] = None
        if args.install_keda:
            keda = release(addons.keda, {}, pulumi.ResourceOptions())
            self.releases[addons.keda.chart] = keda
        if args.install_seldon:
            # Seldon's operator creates ScaledObjects for kedaSpec; KEDA's CRDs must exist first.
            self.releases[addons.seldon_core.chart] = release(
                addons.seldon_core, seldon_values(args.install_keda),
                pulumi.ResourceOptions(depends_on=[keda] if keda else []))
        self.register_outputs({"releases": {
            chart: helm_release.status.apply(
                lambda s: {"name": s.name, "namespace": s.namespace, "version": s.version, "status": s.status})
            for chart, helm_release in self.releases.items()
        }})
