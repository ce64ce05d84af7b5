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

Values checked in the charts' ``values.yaml``: kube-prometheus-stack 88.5.3 ``prometheus.agentMode`` (renders a
``PrometheusAgent``), ``prometheus.serviceAccount.annotations``, ``prometheusSpec.{remoteWrite,externalLabels,
podMetadata}``, ``defaultRules.create``, ``alertmanager.enabled``, ``grafana.enabled``; kube-state-metrics 8.4.0 (the
subchart, values under its name) ``metricLabelsAllowlist``; dcgm-exporter 4.8.2 (NVIDIA/dcgm-exporter d5e5f51
``deployment/values.yaml``) ``tolerations`` (default: the control plane's taint only, replaced), ``affinity``,
``serviceMonitor.enabled`` (default true: the CRDs must exist, so it is enabled only with them), ``.interval``,
``.honorLabels`` (default false, which would rename the GPU's pod to ``exported_pod``), ``.additionalLabels``; the
chart sets ``DCGM_EXPORTER_KUBERNETES=true``, which labels each GPU's series with its pod; keda 2.20.2
``prometheus.operator``/``prometheus.metricServer`` ``.enabled`` and ``.podMonitor``, ``podIdentity.aws.irsa``,
``podAnnotations.keda``.

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

from stackconfig import GPU_TAINT, HelmChartConfig, ServiceConfig, StackConfig
from stackconfig.observability import InClusterPrometheusConfig, ObservabilityConfig

from . import dashboards, monitoring, seldon, serving
from .addons import release_arguments
from .autoscaling import secret_access
from .context import BurstTarget, MetricsBackend, PrometheusAccess, PrometheusAgent
from .pod_template import selector_labels

MONITORING_API_VERSION = "monitoring.coreos.com/v1"
PROMETHEUS_PORT = 9090
DASHBOARD_LABEL = ("grafana_dashboard", "1")
DCGM_PORT = 9400
"""The DCGM exporter's metrics port (dcgm-exporter chart ``service.port``)."""


def release_fullname(chart: HelmChartConfig) -> str:
    """kube-prometheus-stack's ``fullname`` of a release named after the chart: the chart name, cut to 26 characters."""
    return chart.chart[:26].rstrip("-")


def prometheus_service_account(chart: HelmChartConfig) -> str:
    """The service account of the chart's Prometheus (``_helpers.tpl`` ``prometheus.serviceAccountName``)."""
    return f"{release_fullname(chart)}-prometheus"


def in_cluster_query_url(prometheus: InClusterPrometheusConfig) -> str:
    chart = prometheus.chart
    return f"http://{release_fullname(chart)}-prometheus.{chart.namespace}.svc:{PROMETHEUS_PORT}"


def metrics_backend(config: ObservabilityConfig) -> Optional[MetricsBackend]:
    """The backend of ``observability.backend`` the Kubernetes layer knows: the in-cluster Prometheus, the external
    one, or none (``managed`` is built by the cloud's ``metrics.py``)."""
    if config.backend == "inCluster":
        return MetricsBackend(query_url=in_cluster_query_url(config.in_cluster),
                              scraper_namespace=config.in_cluster.chart.namespace)
    if config.backend == "external" and config.external is not None:
        external = config.external
        return MetricsBackend(query_url=external.url, access=secret_access(external.authentication),
                              scraper_namespace=external.namespace, object_labels=dict(external.object_labels),
                              monitoring_crds=external.monitoring_crds)
    return None


def shared_metrics(backend: Optional[MetricsBackend]) -> Optional[dict[str, Any]]:
    """The platform stack's ``metrics`` output: what an app-team service needs of a backend that takes no secret
    (none, or KEDA's pod identity)."""
    if backend is None or (backend.access is not None and backend.access.secret_parameters):
        return None
    access = backend.access or PrometheusAccess()
    return {"queryUrl": backend.query_url, "scraperNamespace": backend.scraper_namespace,
            "objectLabels": dict(backend.object_labels), "monitoringCrds": backend.monitoring_crds,
            "podIdentity": access.pod_identity, "triggerMetadata": dict(access.trigger_metadata)}


def metrics_from_output(output: Optional[Mapping[str, Any]]) -> Optional[MetricsBackend]:
    """The backend of a platform stack's ``metrics`` output (:func:`shared_metrics`)."""
    if not output:
        return None
    access = PrometheusAccess(pod_identity=output["podIdentity"], trigger_metadata=dict(output.get(
        "triggerMetadata") or {})) if output.get("podIdentity") else None
    return MetricsBackend(query_url=output["queryUrl"], access=access, scraper_namespace=output.get("scraperNamespace"),
                          object_labels=dict(output.get("objectLabels") or {}),
                          monitoring_crds=bool(output.get("monitoringCrds")))


SELECT_EVERY_MONITOR = {f"{kind}SelectorNilUsesHelmValues": False for kind in ("serviceMonitor", "podMonitor", "probe")}
"""Prometheus selects every monitor, not only those labelled ``release: <release name>``."""
NODE_LABELS_EXPORTED = {"kube-state-metrics": {"metricLabelsAllowlist": [f"nodes=[{','.join(dashboards.NODE_LABELS)}]"]}}
"""kube_node_labels carries only allowed labels (kube-state-metrics ``--metric-labels-allowlist``): the node labels
the dashboards group by."""


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
            **SELECT_EVERY_MONITOR,
            "ruleSelectorNilUsesHelmValues": False,
        }},
        **NODE_LABELS_EXPORTED,
        "grafana": {"enabled": prometheus.grafana},
        **({"alertmanager": {"alertmanagerSpec": {"useExistingSecret": True}}}
           if prometheus.alertmanager_config_from_secret else {}),
    }


def prometheus_agent_values(agent: PrometheusAgent) -> dict[str, Any]:
    """Values of kube-prometheus-stack as the collector of a managed backend: Prometheus in agent mode (the chart
    renders a ``PrometheusAgent``: no rules, queries or retention) selecting every monitor and remote-writing with
    SigV4 (prometheus-operator ``RemoteWriteSpec.sigv4``; credentials from the workload identity of its service
    account, ``prometheus.serviceAccount.annotations``; ``podMetadata`` restarts it when that changes, because the
    identity is injected only into new pods) with the agent's external labels, kube-state-metrics with the dashboards' node labels, and no
    Alertmanager, Grafana or default rules: the managed backend evaluates the rules and a managed Grafana shows the
    dashboards."""
    return {
        "prometheus": {
            "agentMode": True,
            "serviceAccount": {"annotations": dict(agent.service_account_annotations)},
            "prometheusSpec": {"remoteWrite": [{"url": agent.remote_write_url, "sigv4": {"region": agent.sigv4_region}}],
                               "externalLabels": dict(agent.external_labels),
                               "podMetadata": {"annotations": dict(agent.pod_annotations)},
                               **SELECT_EVERY_MONITOR},
        },
        **NODE_LABELS_EXPORTED,
        "alertmanager": {"enabled": False},
        "grafana": {"enabled": False},
        "defaultRules": {"create": False},
    }


def dcgm_exporter_values(gpu_node_label: str, backend: MetricsBackend) -> dict[str, Any]:
    """Values of the DCGM exporter chart: on GPU nodes only (nodes with ``gpu_node_label``), tolerating their taint,
    with its ServiceMonitor, where the cluster has the CRDs, honouring the exporter's ``namespace``/``pod`` labels
    (those of the pod the GPU is allocated to); elsewhere the backend scrapes it as :func:`gpu_exporter_target`."""
    return {
        "tolerations": [{"key": GPU_TAINT.key, "operator": "Exists", "effect": GPU_TAINT.effect}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": gpu_node_label, "operator": "Exists"}]}]}}},
        "serviceMonitor": {"enabled": backend.monitoring_crds, "interval": monitoring.SCRAPE_INTERVAL,
                           "honorLabels": True, "additionalLabels": dict(backend.object_labels)},
    }


def gpu_exporter_target(chart: HelmChartConfig) -> ScrapeTarget:
    """The DCGM exporter's pods (chart ``selectorLabels``: ``app.kubernetes.io/name`` is the chart name; container
    port ``metrics``, :data:`DCGM_PORT`), keeping the GPU's pod labels."""
    return ScrapeTarget(name=chart.chart, namespace=chart.namespace, selector={"app.kubernetes.io/name": chart.chart},
                        port_number=DCGM_PORT, honor_labels=True)


def keda_operator_target(chart: HelmChartConfig) -> ScrapeTarget:
    """KEDA's operator pods (keda chart ``templates/manager/podmonitor.yaml``: ``app: keda-operator``, port
    ``metrics``, ``prometheus.operator.port`` 8080)."""
    return ScrapeTarget(name="keda-operator", namespace=chart.namespace, selector={"app": "keda-operator"},
                        port_number=8080)


def exporter_targets(config: StackConfig, gpu_node_label: Optional[str]) -> list[ScrapeTarget]:
    """The exporters the stack installs, for a backend that scrapes them by its own objects: the DCGM exporter where
    the cluster has GPU nodes, KEDA's operator where a service uses KEDA."""
    gpu = [gpu_exporter_target(config.observability.gpu_exporter)] if gpu_node_label else []
    keda = [keda_operator_target(config.addons.keda)] if any(s.autoscaling.uses_keda for s in config.services) else []
    return gpu + keda


def service_monitors(services: Sequence[ServiceConfig]) -> dict[str, dict[str, Any]]:
    """PodMonitor specs of the services, for a backend that registers them outside their namespaces
    (``<namespace>-<name>``: :func:`pod_monitor_spec` selecting the service's namespace)."""
    return {f"{svc.namespace}-{svc.name}": {"namespaceSelector": {"matchNames": [svc.namespace]}, **pod_monitor_spec(svc)}
            for svc in services}


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
    """Pods of the platform's own software to scrape (the ingress controller, the cluster autoscaler; for ARMS the
    exporters too)."""

    name: str
    namespace: str
    selector: Mapping[str, str]
    port_number: int
    path: str = "/metrics"
    honor_labels: bool = False
    """Keep the series' own labels where they collide with the target's (``pod``, ``namespace``)."""

    def pod_monitor_spec(self) -> dict[str, Any]:
        endpoint: dict[str, Any] = {"portNumber": self.port_number, "path": self.path, "interval": monitoring.SCRAPE_INTERVAL}
        if self.honor_labels:
            endpoint["honorLabels"] = True
        return {"namespaceSelector": {"matchNames": [self.namespace]}, "selector": {"matchLabels": dict(self.selector)},
                "podMetricsEndpoints": [endpoint]}


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

    - ``backend: inCluster``: the kube-prometheus-stack release (:func:`kube_prometheus_values`); a managed backend
      with an agent (AMP): the same chart as that agent (:func:`prometheus_agent_values`);
    - when the cluster serves the Prometheus operator's CRDs (``inCluster``, the agent, ``external`` with
      ``monitoringCrds``): a PodMonitor per platform target (``<name>`` in the backend's namespace; each service
      applies its own, :func:`pod_monitor_spec`) and, where the backend evaluates the cluster's rules, the
      PrometheusRule ``elastic-inference`` with :func:`components.kubernetes.monitoring.rule_groups` (a managed
      backend gets them from the cloud's ``metrics.py``, ARMS its monitors too);
    - the DCGM exporter when the cluster has GPU nodes (:func:`dcgm_exporter_values`);
    - where a Grafana sidecar reads them (``inCluster``, ``external``), the Grafana dashboards of
      :mod:`components.kubernetes.dashboards` as ConfigMaps labelled ``grafana_dashboard`` in the backend's
      namespace; for a managed Grafana, import them (``python -m planner dashboards``).

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
        elif backend.agent is not None:
            chart = config.managed.agent_chart
            self.ready.append(Release(f"{name}-{chart.chart}",
                                      **release_arguments(chart, prometheus_agent_values(backend.agent)),
                                      opts=on_nodes))
        namespace = backend.scraper_namespace
        labels = dict(backend.object_labels)
        after_crds = pulumi.ResourceOptions(parent=self, depends_on=self.ready)
        if backend.monitoring_crds and namespace:
            for target in args.platform_targets:
                CustomResource(f"{name}-{target.name}-pod-monitor", api_version=MONITORING_API_VERSION, kind="PodMonitor",
                               metadata={"name": target.name, "namespace": namespace, "labels": labels},
                               spec=target.pod_monitor_spec(), opts=after_crds)
            if backend.rules_in_cluster:
                CustomResource(f"{name}-rules", api_version=MONITORING_API_VERSION, kind="PrometheusRule",
                               metadata={"name": monitoring.ALERT_GROUP, "namespace": namespace, "labels": labels},
                               spec={"groups": monitoring.rule_groups(list(args.services), config.alerts, args.burst)},
                               opts=after_crds)

        if args.gpu_node_label:
            Release(f"{name}-{config.gpu_exporter.chart}", **release_arguments(
                config.gpu_exporter, dcgm_exporter_values(args.gpu_node_label, backend)),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.capacity, *self.ready]))
        boards = dashboards.catalog_dashboards(list(args.services), args.burst) \
            if namespace and backend.grafana_sidecar else {}
        for uid, board in boards.items():
            ConfigMap(f"{name}-dashboard-{uid}", metadata={
                "name": uid, "namespace": namespace, "labels": {DASHBOARD_LABEL[0]: DASHBOARD_LABEL[1]}},
                data={f"{uid}.json": board}, opts=after_crds)
        self.register_outputs({"queryUrl": backend.query_url, "dashboards": sorted(boards)})
