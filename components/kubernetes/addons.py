"""Cluster software the catalog installs with Helm (Seldon Core, KEDA, the cloud's QPS metrics adapter), and which
services need which."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi_kubernetes.helm.v3 import Release

from stackconfig import HelmChartConfig, ServiceConfig

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


SELDON_CORE = "seldon-core"
KEDA = "keda"
QPS_METRICS_ADAPTER = "qps-metrics-adapter"
"""Roles of the add-ons services may need, as ``ClusterContext.addons`` and a platform stack's ``addons`` output
name them (chart names are configurable, roles are not)."""


def required_addons(service: ServiceConfig) -> list[str]:
    """Add-ons a service needs running: Seldon's operator, KEDA, or the QPS metrics adapter."""
    roles = []
    if service.server == "seldon":
        roles.append(SELDON_CORE)
    if service.autoscaling.uses_keda:
        roles.append(KEDA)
    if service.autoscaling.mode == "qps":
        roles.append(QPS_METRICS_ADAPTER)
    return roles


@dataclass(frozen=True)
class ClusterAddonsArgs:
    seldon_core: Optional[HelmChartConfig] = None
    """The Seldon Core operator chart, when a service has ``server: seldon``."""
    keda: Optional[HelmChartConfig] = None
    """The KEDA chart, when a service autoscales with ``keda`` or ``gpu``."""
    after: Sequence[pulumi.Resource] = ()
    """What every release waits for: the nodes its pods run on and the metrics backend's CRDs (children do not
    inherit a component's ``depends_on``, pulumi/pulumi#8721)."""
    keda_values: Mapping[str, Any] = field(default_factory=dict)
    """Values of the KEDA release (its PodMonitors, when the metrics backend serves the Prometheus operator's CRDs:
    ``components.kubernetes.observability.keda_monitoring_values``)."""
    qps_metrics_adapter: Optional[HelmChartConfig] = None
    """The chart that serves the cluster's QPS metric (ACK's ``ack-alibaba-cloud-metrics-adapter``), when the
    cloud has one and no service needs KEDA (see the class docstring)."""


class ClusterAddons(pulumi.ComponentResource):
    """Helm releases of the cluster add-ons, each a ``kubernetes.helm.v3.Release`` of a pinned chart (versions and
    namespaces: the README's configuration reference, ``addons``) named after the chart, for each chart given:

    - the QPS metrics adapter, without values: the SLS project and logstore are per-HPA metric selector labels,
      not chart values. ACK's chart does not support in-place upgrades (ACK docs), so a version change replaces
      the release.
    - KEDA, with ``keda_values``.
    - the Seldon Core operator with :func:`seldon_values`; it waits for KEDA when both are installed.

    Beware: KEDA and the metrics adapter both register the ``v1beta1.external.metrics.k8s.io``
    APIService, and only one server can own it (kedacore/keda#470, kedacore/charts#124); installing
    KEDA next to the adapter fails with an ownership conflict. So a stack has one or the other: the
    config rejects ``qps`` and ``keda`` autoscaling in the same stack, and the catalog installs the
    adapter only when no service needs KEDA.

    Attribute ``releases``: role (:data:`SELDON_CORE`, :data:`KEDA`, :data:`QPS_METRICS_ADAPTER`) -> Release.
    Output ``releases``: role -> ``{name, namespace, version, status}`` as reported by Helm.
    """

    releases: dict[str, Release]

    def __init__(self, name: str, args: ClusterAddonsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:addons:ClusterAddons", name, None, opts)

        def release(chart: HelmChartConfig, values: Mapping[str, Any], extra: pulumi.ResourceOptions) -> Release:
            waits = pulumi.ResourceOptions(parent=self, depends_on=list(args.after))
            return Release(f"{name}-{chart.chart}", **release_arguments(chart, values),
                           opts=pulumi.ResourceOptions.merge(extra, waits))

        self.releases = {}
        if args.qps_metrics_adapter:
            self.releases[QPS_METRICS_ADAPTER] = release(args.qps_metrics_adapter, {}, pulumi.ResourceOptions(
                replace_on_changes=["version"], delete_before_replace=True))
        if args.keda:
            self.releases[KEDA] = release(args.keda, args.keda_values, pulumi.ResourceOptions())
        if args.seldon_core:
            # Seldon's operator creates ScaledObjects for kedaSpec; KEDA's CRDs must exist first.
            keda = self.releases.get(KEDA)
            self.releases[SELDON_CORE] = release(args.seldon_core, seldon_values(keda is not None),
                                                 pulumi.ResourceOptions(depends_on=[keda] if keda else []))
        self.register_outputs({"releases": {
            role: helm_release.status.apply(
                lambda s: {"name": s.name, "namespace": s.namespace, "version": s.version, "status": s.status})
            for role, helm_release in self.releases.items()
        }})
