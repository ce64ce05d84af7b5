"""The metrics backend on the cluster, what it scrapes, the catalog's alert rules and dashboards.

:func:`metrics_backend` turns ``observability`` into the :class:`~components.kubernetes.context.MetricsBackend` every
service sees; :class:`Observability` registers what the backend needs on the cluster.

kube-prometheus-stack 88.5.3 facts (prometheus-community/helm-charts cf408a29, ``values.yaml`` and templates): the
release named after the chart gets the full name ``kube-prometheus-stack`` (``_helpers.tpl``: a release name that
contains the chart name is used as is), so Prometheus is the Service ``kube-prometheus-stack-prometheus`` on port
9090; with the default ``*SelectorNilUsesHelmValues: true`` Prometheus selects only monitors and rules labelled
``release: kube-prometheus-stack``, so the values set them to ``false`` (select all); Grafana's dashboard sidecar
loads ConfigMaps labelled ``grafana_dashboard: "1"`` from every namespace; Grafana's admin password, unset, is
generated into the Secret ``kube-prometheus-stack-grafana`` (keys ``admin-user``, ``admin-password``); the
Alertmanager object is ``<full name>-alertmanager`` (``alertmanager.crname``) and its configuration the Secret
``alertmanager-<that name>`` (``templates/alertmanager/secret.yaml``, not rendered with ``useExistingSecret``).

Values checked in the charts' ``values.yaml``: kube-state-metrics 8.4.0 (the subchart, values under its name)
``metricLabelsAllowlist``; dcgm-exporter 4.8.2 (NVIDIA/dcgm-exporter d5e5f51 ``deployment/values.yaml``)
``tolerations`` (default: the control plane's taint only, replaced), ``affinity``, ``serviceMonitor.enabled`` (default
true: the CRDs must exist, so the exporter is installed only with them), ``.interval``, ``.honorLabels`` (default
false, which would rename the GPU's pod to ``exported_pod``), ``.additionalLabels``; the chart sets
``DCGM_EXPORTER_KUBERNETES=true``, which labels each GPU's series with its pod; keda 2.20.2
``prometheus.operator``/``prometheus.metricServer`` ``.enabled`` and ``.podMonitor``.

Monitors and rules are ``monitoring.coreos.com/v1`` objects of prometheus-operator v0.93 (the chart's CRDs; tests
validate them against those CRDs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core.v1 import ConfigMap
from pulumi_kubernetes.helm.v3 import Release

from stackconfig import GPU_TAINT, HelmChartConfig, ServiceConfig
from stackconfig.observability import InClusterPrometheusConfig, ObservabilityConfig

from . import dashboards, monitoring, seldon, serving
from .addons import release_arguments
from .context import BurstTarget, MetricsBackend
from .pod_template import selector_labels

MONITORING_API_VERSION = "monitoring.coreos.com/v1"
PROMETHEUS_PORT = 9090
DASHBOARD_LABEL = ("grafana_dashboard", "1")
DCGM_PORT = 9400
"""The DCGM exporter's metrics port (dcgm-exporter chart ``service.port``)."""


def release_fullname(chart: HelmChartConfig) -> str:
    """kube-prometheus-stack's ``fullname`` of a release named after the chart: the chart name, cut to 26 characters."""
    return chart.chart[:26].rstrip("-")


def in_cluster_query_url(prometheus: InClusterPrometheusConfig) -> str:
    chart = prometheus.chart
    return f"http://{release_fullname(chart)}-prometheus.{chart.namespace}.svc:{PROMETHEUS_PORT}"


def metrics_backend(config: ObservabilityConfig) -> Optional[MetricsBackend]:
    """The backend of ``observability.backend``: the in-cluster Prometheus, the external one, or none."""
    if config.backend == "inCluster":
        return MetricsBackend(query_url=in_cluster_query_url(config.in_cluster),
                              scraper_namespace=config.in_cluster.chart.namespace)
    if config.backend == "external" and config.external is not None:
        external = config.external
        return MetricsBackend(query_url=external.url, authentication=external.authentication,
                              scraper_namespace=external.namespace, object_labels=dict(external.object_labels),
                              monitoring_crds=external.monitoring_crds)
    return None


def shared_metrics(backend: Optional[MetricsBackend]) -> Optional[dict[str, Any]]:
    """The platform stack's ``metrics`` output: what an app-team service needs of a backend without credentials."""
    if backend is None or backend.authentication is not None:
        return None
    return {"queryUrl": backend.query_url, "scraperNamespace": backend.scraper_namespace,
            "objectLabels": dict(backend.object_labels), "monitoringCrds": backend.monitoring_crds}


def metrics_from_output(output: Optional[Mapping[str, Any]]) -> Optional[MetricsBackend]:
    """The backend of a platform stack's ``metrics`` output (:func:`shared_metrics`)."""
    if not output:
        return None
    return MetricsBackend(query_url=output["queryUrl"], scraper_namespace=output.get("scraperNamespace"),
                          object_labels=dict(output.get("objectLabels") or {}),
                          monitoring_crds=bool(output.get("monitoringCrds")))


def kube_prometheus_values(prometheus: InClusterPrometheusConfig) -> dict[str, Any]:
    """Values of kube-prometheus-stack: retention by time and size, a persistent volume, every monitor and rule
    selected, the node labels the dashboards group by, Grafana with the dashboard sidecar (its defaults) or none, and
    Alertmanager configured from your Secret (``alertmanagerSpec.useExistingSecret``: the chart then renders no Secret
    of its own ``config`` and the operator reads the team's ``alertmanager-kube-prometheus-stack-alertmanager``).
    Everything stays ClusterIP."""
    claim: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": prometheus.storage_size}}}
    if prometheus.storage_class:
        claim["storageClassName"] = prometheus.storage_class
    return {
        "prometheus": {"prometheusSpec": {
            "retention": prometheus.retention,
            "retentionSize": prometheus.retention_size,
            "storageSpec": {"volumeClaimTemplate": {"spec": claim}},
            "serviceMonitorSelectorNilUsesHelmValues": False,
            "podMonitorSelectorNilUsesHelmValues": False,
            "ruleSelectorNilUsesHelmValues": False,
            "probeSelectorNilUsesHelmValues": False,
        }},
        # kube_node_labels carries only allowed labels (kube-state-metrics --metric-labels-allowlist).
        "kube-state-metrics": {"metricLabelsAllowlist": [f"nodes=[{','.join(dashboards.NODE_LABELS)}]"]},
        "grafana": {"enabled": prometheus.grafana},
        **({"alertmanager": {"alertmanagerSpec": {"useExistingSecret": True}}}
           if prometheus.alertmanager_config_from_secret else {}),
    }


def dcgm_exporter_values(gpu_node_label: str, object_labels: Mapping[str, str]) -> dict[str, Any]:
    """Values of the DCGM exporter chart: on GPU nodes only (nodes with ``gpu_node_label``), tolerating their taint,
    with its ServiceMonitor honouring the exporter's ``namespace``/``pod`` labels (those of the pod the GPU is
    allocated to)."""
    return {
        "tolerations": [{"key": GPU_TAINT.key, "operator": "Exists", "effect": GPU_TAINT.effect}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": gpu_node_label, "operator": "Exists"}]}]}}},
        "serviceMonitor": {"enabled": True, "interval": monitoring.SCRAPE_INTERVAL, "honorLabels": True,
                           "additionalLabels": dict(object_labels)},
    }


def keda_monitoring_values(object_labels: Mapping[str, str]) -> dict[str, Any]:
    """Values of the KEDA chart that expose the operator's and the metrics server's metrics and apply PodMonitors for
    them (keda chart ``prometheus.operator`` / ``prometheus.metricServer``)."""
    monitor = {"enabled": True, "interval": monitoring.SCRAPE_INTERVAL, "additionalLabels": dict(object_labels)}
    return {"prometheus": {part: {"enabled": True, "podMonitor": monitor} for part in ("operator", "metricServer")}}


def pod_monitor_spec(service: ServiceConfig) -> dict[str, Any]:
    """PodMonitor spec of one service: the server's metrics port and path (:mod:`components.kubernetes.serving`), or
    for ``seldon`` the executor's ``metrics`` port at ``/prometheus`` (the PodMonitor of Seldon's analytics docs)."""
    if service.server == "seldon":
        selector, port, path = {seldon.DEPLOYMENT_ID_LABEL: service.name}, "metrics", "/prometheus"
    else:
        profile = serving.profile(service)
        port = next(name for name, number in profile.ports if number == profile.metrics_port)
        selector, path = selector_labels(service), profile.metrics_path
    return {"selector": {"matchLabels": selector},
            "podMetricsEndpoints": [{"port": port, "path": path, "interval": monitoring.SCRAPE_INTERVAL}]}


@dataclass(frozen=True)
class ScrapeTarget:
    """Pods of the platform's own software to scrape (the ingress controller, the cluster autoscaler)."""

    name: str
    namespace: str
    selector: Mapping[str, str]
    port_number: int
    path: str = "/metrics"

    def pod_monitor_spec(self) -> dict[str, Any]:
        return {"namespaceSelector": {"matchNames": [self.namespace]}, "selector": {"matchLabels": dict(self.selector)},
                "podMetricsEndpoints": [{"portNumber": self.port_number, "path": self.path,
                                         "interval": monitoring.SCRAPE_INTERVAL}]}


@dataclass(frozen=True)
class ObservabilityArgs:
    config: ObservabilityConfig
    services: Sequence[ServiceConfig]
    backend: Optional[MetricsBackend]
    """:func:`metrics_backend` of ``config``."""
    burst: BurstTarget
    gpu_node_label: Optional[str] = None
    """A label every GPU node of the cluster has; the DCGM exporter runs where it is. None: no GPU nodes known."""
    platform_targets: Sequence[ScrapeTarget] = ()
    """The platform's own software to scrape."""
    capacity: Sequence[pulumi.Resource] = ()
    """The nodes the releases' pods run on."""


class Observability(pulumi.ComponentResource):
    """What the stack's metrics backend needs on the cluster (``observability``; README "Observability"):

    - ``backend: inCluster``: the kube-prometheus-stack release (:func:`kube_prometheus_values`);
    - when the backend serves the Prometheus operator's CRDs (``inCluster``, or ``external`` with ``monitoringCrds``):
      a PodMonitor per platform target (``<name>`` in the backend's namespace; each service applies its own,
      :func:`pod_monitor_spec`), the PrometheusRule ``elastic-inference`` with
      :func:`components.kubernetes.monitoring.rule_groups`, and the DCGM exporter (with its ServiceMonitor) when the
      cluster has GPU nodes;
    - the Grafana dashboards of :mod:`components.kubernetes.dashboards` as ConfigMaps labelled ``grafana_dashboard``
      in the backend's namespace, which a Grafana dashboard sidecar (kube-prometheus-stack's) loads.

    Attribute ``ready``: what KEDA's release and the services' PodMonitors wait for (the release of the CRDs).
    Outputs: ``queryUrl`` and ``dashboards`` (their uids).
    """

    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: ObservabilityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:observability:Observability", name, None, opts)
        backend = args.backend
        config = args.config
        self.ready = []
        if backend is None:
            self.register_outputs({"queryUrl": None, "dashboards": []})
            return
        on_nodes = pulumi.ResourceOptions(parent=self, depends_on=list(args.capacity))
        if config.backend == "inCluster":
            chart = config.in_cluster.chart
            self.ready.append(Release(f"{name}-{chart.chart}",
                                      **release_arguments(chart, kube_prometheus_values(config.in_cluster)),
                                      opts=on_nodes))
        namespace = backend.scraper_namespace
        labels = dict(backend.object_labels)
        after_crds = pulumi.ResourceOptions(parent=self, depends_on=self.ready)
        if backend.monitoring_crds and namespace:
            for target in args.platform_targets:
                CustomResource(f"{name}-{target.name}-pod-monitor", api_version=MONITORING_API_VERSION, kind="PodMonitor",
                               metadata={"name": target.name, "namespace": namespace, "labels": labels},
                               spec=target.pod_monitor_spec(), opts=after_crds)
            CustomResource(f"{name}-rules", api_version=MONITORING_API_VERSION, kind="PrometheusRule",
                           metadata={"name": monitoring.ALERT_GROUP, "namespace": namespace, "labels": labels},
                           spec={"groups": monitoring.rule_groups(list(args.services), config.alerts, args.burst)},
                           opts=after_crds)
            if args.gpu_node_label:
                Release(f"{name}-{config.gpu_exporter.chart}", **release_arguments(
                    config.gpu_exporter, dcgm_exporter_values(args.gpu_node_label, labels)),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.capacity, *self.ready]))
        boards = dashboards.catalog_dashboards(list(args.services), args.burst) if namespace else {}
        for uid, board in boards.items():
            ConfigMap(f"{name}-dashboard-{uid}", metadata={
                "name": uid, "namespace": namespace, "labels": {DASHBOARD_LABEL[0]: DASHBOARD_LABEL[1]}},
                data={f"{uid}.json": board}, opts=after_crds)
        self.register_outputs({"queryUrl": backend.query_url, "dashboards": sorted(boards)})
