"""The catalog's Grafana dashboards, built with Grafana's foundation SDK (``grafana-foundation-sdk``): one overview
and one per service, on the PromQL of :mod:`components.kubernetes.monitoring`.

Every panel reads the dashboard variable ``datasource`` (any Prometheus data source), so the JSON imports into any
Grafana. Node panels group kube-state-metrics' ``kube_node_labels`` by the zone, instance type and ``type`` labels
(ACK's virtual nodes are ``type=virtual-kubelet``), which the in-cluster kube-state-metrics is told to export.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from stackconfig import ServiceConfig

from . import monitoring
from .context import BurstTarget

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
OVERVIEW_UID = "elastic-inference-overview"
NODE_LABELS = ("topology.kubernetes.io/zone", "node.kubernetes.io/instance-type", "type")
"""Node labels kube-state-metrics exports as ``label_<name>`` (``metricLabelsAllowlist``) for the node panels."""


def _label(name: str) -> str:
    """kube-state-metrics' series label for a Kubernetes label: ``label_`` and the name with ``/.-`` as ``_``."""
    return "label_" + "".join(c if c.isalnum() else "_" for c in name)


def _panel(title: str, unit: str, *queries: tuple[str, str]) -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit).datasource(DATASOURCE).height(8).span(12)
    for ref, (expr, legend) in zip("ABCDEFGH", queries):
        panel = panel.with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref))
    return panel


def _board(uid: str, title: str, panels: list[timeseries.Panel]) -> str:
    board = (dashboard.Dashboard(title).uid(uid).tags(["elastic-inference"]).refresh("30s").time("now-6h", "now")
             .with_variable(dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus")))
    for panel in panels:
        board = board.with_panel(panel)
    return JSONEncoder(sort_keys=True, indent=2).encode(board.build())


def node_panels() -> list[timeseries.Panel]:
    zone, instance_type, kind = (_label(name) for name in NODE_LABELS)
    gpu = 'kube_node_status_capacity{resource="nvidia_com_gpu"}'
    return [
        _panel("Nodes by kind and zone", "short",
               (f"count by ({kind}, {zone}) (kube_node_labels)", f"{{{{{kind}}}}} {{{{{zone}}}}}")),
        _panel("Nodes by instance type", "short",
               (f"count by ({instance_type}) (kube_node_labels)", f"{{{{{instance_type}}}}}")),
        _panel("GPU nodes that became NotReady in the last hour (spot reclaims)", "short",
               (f'count(max_over_time(kube_node_status_condition{{condition="Ready",status="false"}}[1h]) == 1 '
                f"and on (node) max_over_time({gpu}[1h]) > 0) or vector(0)", "nodes")),
    ]


def service_panels(service: ServiceConfig, burst: BurstTarget) -> list[timeseries.Panel]:
    sig = monitoring.signals(service)
    selector = monitoring.pod_selector(service)
    hpa = monitoring.hpa_selector(service)
    pending = monitoring.pod_selector(service, 'phase="Pending"')
    panels = [
        _panel("Requests per second", "reqps", (sig.requests, "requests"), (sig.errors, "errors")),
        _panel("Error ratio", "percentunit", (f"({sig.errors}) / ({sig.requests})", "errors / requests")),
        _panel("Latency", "s", (sig.latency_p50, "p50"), (sig.latency_p99, "p99")),
        _panel("Replicas", "short",
               (f"max(kube_horizontalpodautoscaler_status_current_replicas{hpa})", "current"),
               (f"max(kube_horizontalpodautoscaler_status_desired_replicas{hpa})", "desired"),
               (f"max(kube_horizontalpodautoscaler_spec_max_replicas{hpa})", "max")),
        _panel("Pending pods", "short", (f"sum(kube_pod_status_phase{pending})", "pending")),
    ]
    if service.resources.gpus > 0:
        panels += [
            _panel("GPU utilisation", "percent", (f"avg by (pod) ({monitoring.GPU_UTILIZATION}{selector})", "{{pod}}")),
            _panel("GPU memory used", "decmbytes", (f"sum by (pod) (DCGM_FI_DEV_FB_USED{selector})", "{{pod}}")),
        ]
    if service.burst.mode != "none" and burst.node_name_pattern:
        on_burst = monitoring.pod_selector(service, f'node=~"{burst.node_name_pattern}"')
        panels.append(_panel(f"Share of pods on {burst.description}", "percentunit",
                             (f"(count(kube_pod_info{on_burst}) or vector(0)) / count(kube_pod_info{selector})", "share")))
    return panels


def service_uid(service: ServiceConfig) -> str:
    """The dashboard uid (and ConfigMap name) of a service: at most 40 characters, Grafana's uid limit."""
    return f"ei-{service.namespace}-{service.name}"[:40].rstrip("-")


def overview_panels(services: list[ServiceConfig], burst: BurstTarget) -> list[timeseries.Panel]:
    per_service = [(monitoring.signals(s).requests, f"{s.namespace}/{s.name}") for s in services]
    gpu_services = [s for s in services if s.resources.gpus > 0]
    panels = [_panel("Requests per second by service", "reqps", *per_service[:8])] if per_service else []
    if gpu_services:
        panels.append(_panel("GPU utilisation by service", "percent", *[
            (monitoring.gpu_utilization_query(s), f"{s.namespace}/{s.name}") for s in gpu_services[:8]]))
    panels.append(_panel("Pending GPU pods", "short", (
        'sum(kube_pod_status_phase{phase="Pending"} and on (namespace, pod) '
        '(kube_pod_container_resource_requests{resource="nvidia_com_gpu"} > 0)) or vector(0)', "pending")))
    if burst.node_name_pattern:
        panels.append(_panel(f"Pods on {burst.description}", "short", (
            f'count(kube_pod_info{{node=~"{burst.node_name_pattern}"}}) or vector(0)', "pods")))
    return panels + node_panels()


def catalog_dashboards(services: list[ServiceConfig], burst: BurstTarget) -> dict[str, str]:
    """uid -> dashboard JSON: the overview and one per service (more than eight services: the overview's per-service
    panels show the first eight; each service keeps its own dashboard)."""
    boards = {OVERVIEW_UID: _board(OVERVIEW_UID, "Elastic inference: overview", overview_panels(services, burst))}
    for service in services:
        uid = service_uid(service)
        boards[uid] = _board(uid, f"Inference: {service.namespace}/{service.name}", service_panels(service, burst))
    return boards

