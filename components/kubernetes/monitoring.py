"""What the metrics backend scrapes, the PromQL of each service's signals, and the alert rules: plain functions shared
by the scrape objects, the GPU autoscaler, the dashboards and the alerts, so each query is written once.

Metric names, from the servers' and exporters' own sources:

- TF Serving: ``:tensorflow:serving:request_count`` (labels ``model_name``, ``status``; ``OK`` on success) and the
  histogram ``:tensorflow:serving:request_latency`` in microseconds, on the REST port at the monitoring config's path
  (tensorflow/serving ``servables/tensorflow/util.cc``, ``model_servers/prometheus_exporter.cc``).
- Triton: ``nv_inference_request_success``, ``nv_inference_request_failure`` and the cumulative
  ``nv_inference_request_duration_us`` on port 8002 ``/metrics`` (Triton "Metrics"); Triton exports no latency
  histogram by default, so its latency is the mean.
- Seldon's executor: the histogram ``seldon_api_executor_server_requests_seconds`` (label ``code``) on its
  ``metrics`` port at ``/prometheus``, as the PodMonitor of Seldon's analytics docs scrapes it (the tutorial's).
- NVIDIA's DCGM exporter: ``DCGM_FI_DEV_GPU_UTIL`` (percent), ``DCGM_FI_DEV_FB_USED`` and ``DCGM_FI_DEV_FB_FREE``
  (MiB), labelled with the ``namespace`` and ``pod`` the GPU is allocated to (``etc/default-counters.csv``; the
  ServiceMonitor honours the exporter's labels, so they are the workload's, not the exporter's).
- kube-state-metrics: ``kube_pod_info``, ``kube_pod_status_ready``, ``kube_pod_status_phase``,
  ``kube_pod_container_resource_requests`` (``resource="nvidia_com_gpu"``), ``kube_node_status_condition``,
  ``kube_node_status_capacity``, ``kube_horizontalpodautoscaler_{spec_max,status_current,status_desired}_replicas``.

Each service's series are selected by namespace and pod name (:func:`pod_selector`), the one label every source
above shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from stackconfig import ServiceConfig
from stackconfig.observability import AlertThresholds

from .context import BurstTarget

GPU_UTILIZATION = "DCGM_FI_DEV_GPU_UTIL"
RATE_WINDOW = "5m"
"""Window of the dashboards' and alerts' rates: at least four scrapes at the 30 s interval the monitors set."""
SCRAPE_INTERVAL = "30s"
ALERT_GROUP = "elastic-inference"


def pod_pattern(service: ServiceConfig) -> str:
    r"""RE2 pattern (Prometheus anchors it) of the service's pod names. A Deployment's pods are
    ``<name>-<template hash>-<suffix>``, neither part containing ``-``, so ``svc`` never matches ``svc-b``'s pods;
    Seldon's are ``<name>-default-0-<containers>-...`` (predictor ``default``, its first component). Names are DNS
    labels, so they need no escaping (and PromQL strings take no ``\-``)."""
    name = service.name
    if service.server == "seldon":
        return f"{name}-default-0-.+"
    return f"{name}-[a-z0-9]+-[a-z0-9]+"


def pod_selector(service: ServiceConfig, extra: str = "") -> str:
    """Label matchers of the service's series: its namespace and pod names, then ``extra`` matchers."""
    matchers = [f'namespace="{service.namespace}"', f'pod=~"{pod_pattern(service)}"', *([extra] if extra else [])]
    return "{" + ",".join(matchers) + "}"


def hpa_pattern(service: ServiceConfig) -> str:
    """Pattern of the HPA that scales the service: its own (named after the service), the one KEDA creates for a
    ScaledObject (``keda-hpa-<scaled object>``), or Seldon's, named after the Deployment it scales."""
    target = f"{service.name}-default-0-.+" if service.server == "seldon" else service.name
    return f"keda-hpa-{target}" if service.autoscaling.uses_keda else target


def hpa_selector(service: ServiceConfig) -> str:
    return f'{{namespace="{service.namespace}",horizontalpodautoscaler=~"{hpa_pattern(service)}"}}'


@dataclass(frozen=True)
class ServiceSignals:
    """PromQL of one service's request signals: totals over all its pods."""

    requests: str
    """Requests per second."""
    errors: str
    """Failed requests per second."""
    latency_p99: str
    """Seconds: the 99th percentile, or the mean where the server has no histogram (Triton)."""
    latency_p50: str
    """Seconds: the median, or the mean where the server has no histogram."""


def _quantile(q: float, bucket: str, selector: str, scale: str = "") -> str:
    return f"histogram_quantile({q}, sum by (le) (rate({bucket}{selector}[{RATE_WINDOW}]))){scale}"


def signals(service: ServiceConfig) -> ServiceSignals:
    """The request signals of the service's server: Seldon's executor for ``seldon``, else the server's own."""
    def rate(metric: str, extra: str = "") -> str:
        return f"sum(rate({metric}{pod_selector(service, extra)}[{RATE_WINDOW}]))"

    if service.server == "seldon":
        metric = "seldon_api_executor_server_requests_seconds"
        return ServiceSignals(
            requests=rate(f"{metric}_count"), errors=rate(f"{metric}_count", 'code=~"5.."'),
            latency_p99=_quantile(0.99, f"{metric}_bucket", pod_selector(service)),
            latency_p50=_quantile(0.5, f"{metric}_bucket", pod_selector(service)))
    if service.server == "tfserving":
        count, bucket = ":tensorflow:serving:request_count", ":tensorflow:serving:request_latency_bucket"
        return ServiceSignals(
            requests=rate(count), errors=rate(count, 'status!="OK"'),
            latency_p99=_quantile(0.99, bucket, pod_selector(service), " / 1e6"),
            latency_p50=_quantile(0.5, bucket, pod_selector(service), " / 1e6"))
    mean = f"({rate('nv_inference_request_duration_us')} / {rate('nv_inference_request_success')}) / 1e6"
    return ServiceSignals(
        requests=f"({rate('nv_inference_request_success')} + {rate('nv_inference_request_failure')})",
        errors=rate("nv_inference_request_failure"), latency_p99=mean, latency_p50=mean)


def gpu_utilization_query(service: ServiceConfig) -> str:
    """Average utilisation in percent of the GPUs allocated to the service's pods: the GPU autoscaler's query."""
    return f"avg({GPU_UTILIZATION}{pod_selector(service)})"


def autoscaler_query(service: ServiceConfig) -> Optional[str]:
    """The Prometheus query the service's autoscaler reads, if it reads one (``keda``, ``gpu``)."""
    scaling = service.autoscaling
    if scaling.keda is not None:
        return scaling.keda.query
    if scaling.gpu is not None:
        return gpu_utilization_query(service)
    return None


def _rule(alert: str, expr: str, minutes: int, severity: str, summary: str, action: str,
          labels: Optional[dict[str, str]] = None) -> dict[str, Any]:
    return {"alert": alert, "expr": expr, "for": f"{minutes}m",
            "labels": {"severity": severity, **(labels or {})},
            "annotations": {"summary": summary, "description": action}}


def service_rules(service: ServiceConfig, thresholds: AlertThresholds, burst: BurstTarget) -> list[dict[str, Any]]:
    """The alerts of one service, labelled with its ``namespace`` and ``service``."""
    own = {"namespace": service.namespace, "service": service.name}
    slo = service.slo
    sig = signals(service)
    hpa = hpa_selector(service)
    not_ready = pod_selector(service, 'condition="false"')
    rules = [
        _rule("InferenceAtMaxReplicas",
              f"max(kube_horizontalpodautoscaler_status_current_replicas{hpa}) "
              f">= max(kube_horizontalpodautoscaler_spec_max_replicas{hpa})",
              thresholds.at_max_replicas_minutes, "warning",
              f"{service.namespace}/{service.name} has run at maxReplicas for {thresholds.at_max_replicas_minutes} minutes",
              "Load exceeds what maxReplicas serves: raise autoscaling.maxReplicas (and the node pool's maximum), or "
              "check the latency alert for saturation.", own),
        _rule("InferenceErrorRatioHigh", f"({sig.errors}) / ({sig.requests}) > {slo.error_ratio:g}", 10, "critical",
              f"{service.namespace}/{service.name} fails more than {slo.error_ratio:.2%} of requests",
              "Read the server's logs (kubectl logs) for the failing model; a new model version or an input change is "
              "the usual cause. Roll back the model path if it started with a deployment.", own),
        _rule("InferenceLatencyHigh", f"{sig.latency_p99} > {slo.p99_latency_seconds:g}", 10, "warning",
              f"{service.namespace}/{service.name} answers slower than {slo.p99_latency_seconds:g}s at the 99th percentile",
              "Replicas are saturated or waiting on GPUs: check replicas against maxReplicas and GPU utilisation; "
              "lower the autoscaler's target so it scales out earlier.", own),
        _rule("InferenceServerNotReady", f"sum(kube_pod_status_ready{not_ready}) > 0",
              thresholds.not_ready_minutes, "warning",
              f"a model server of {service.namespace}/{service.name} has not been ready for {thresholds.not_ready_minutes} minutes",
              "kubectl describe the pod: a model that fails to load (wrong model.path, missing files in the store) or "
              "a mount that fails keeps the readiness probe red.", own),
    ]
    query = autoscaler_query(service)
    if query is not None:
        rules.append(_rule(
            "InferenceAutoscalerMetricMissing",
            f"absent({query}) and on() (count(kube_pod_info{pod_selector(service)}) > 0)",
            thresholds.metric_missing_minutes, "critical",
            f"the autoscaler of {service.namespace}/{service.name} gets no metric",
            "KEDA's query returns nothing, so the service does not scale: check that Prometheus scrapes the pods "
            "(its targets page) and that the query's labels match the series.", own))
    if service.burst.mode != "none" and burst.node_name_pattern:
        on_burst = pod_selector(service, f'node=~"{burst.node_name_pattern}"')
        rules.append(_rule(
            "InferenceBurstShareHigh",
            f"count(kube_pod_info{on_burst}) / count(kube_pod_info{pod_selector(service)}) > {thresholds.burst_share:g}",
            15, "warning",
            f"more than {thresholds.burst_share:.0%} of {service.namespace}/{service.name}'s pods run on {burst.description}",
            "Burst capacity costs more per hour than the node pools: raise the GPU pool's maximum size, or check why "
            "its nodes do not come up (spot stock in the zones).", own))
    return rules


def cluster_rules(namespaces: list[str], thresholds: AlertThresholds) -> list[dict[str, Any]]:
    """The catalog's cluster-wide alerts: GPU pods that wait for nodes, and GPU nodes lost (spot reclaims)."""
    in_catalog = f'namespace=~"{"|".join(namespaces)}"'
    gpu_nodes = 'max_over_time(kube_node_status_capacity{resource="nvidia_com_gpu"}[1h]) > 0'
    return [
        _rule("InferenceGpuPodsPending",
              f'(sum by (namespace, pod) (kube_pod_status_phase{{phase="Pending",{in_catalog}}}) > 0) and on (namespace, pod) '
              f'(sum by (namespace, pod) (kube_pod_container_resource_requests{{resource="nvidia_com_gpu",{in_catalog}}}) > 0)',
              thresholds.gpu_pending_minutes, "warning",
              f"GPU pods have been Pending for {thresholds.gpu_pending_minutes} minutes",
              "No GPU node came up for them: kubectl describe the pod for the scheduler's reason; check the GPU pool's "
              "maximum size, spot stock in its zones and instance types, and the cluster autoscaler's events."),
        _rule("InferenceGpuNodesLost",
              f'count(max_over_time(kube_node_status_condition{{condition="Ready",status="false"}}[1h]) == 1 '
              f"and on (node) {gpu_nodes}) >= {thresholds.gpu_nodes_lost_per_hour}",
              1, "warning",
              f"{thresholds.gpu_nodes_lost_per_hour} or more GPU nodes became NotReady within an hour (spot reclaims)",
              "Spot GPU capacity is being reclaimed: spread the pool over more instance types and zones, or raise the "
              "pay-as-you-go share of the pool."),
    ]


def rule_groups(services: list[ServiceConfig], thresholds: AlertThresholds, burst: BurstTarget) -> list[dict[str, Any]]:
    """The ``groups`` of the catalog's rule file (PrometheusRule ``spec``; ``promtool check rules`` input)."""
    rules = cluster_rules(sorted({s.namespace for s in services}), thresholds) if services else []
    for service in services:
        rules += service_rules(service, thresholds, burst)
    return [{"name": ALERT_GROUP, "rules": rules}]
