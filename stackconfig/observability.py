"""Metrics, dashboards and alerts (``observability``): which Prometheus the stack uses, and the alert thresholds.

The backend is one of ``inCluster`` (kube-prometheus-stack with Grafana, installed by the stack), ``managed`` (the
cloud's: ARMS on ACK, AMP on AWS), ``external`` (a Prometheus the team already runs, named by URL) or ``none``. KEDA triggers (``autoscaling.keda`` without
``serverAddress``, and ``autoscaling.gpu``) query it; every service is scraped by it; its dashboards and alert rules
are rendered for it (``components.kubernetes.observability``).
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from .addons import HelmChartConfig
from .base import ConfigModel, DnsLabel, LabelKey, LabelValue, MemoryQuantity, matching, raise_findings
from .services import KedaAuthentication, PrometheusUrl

Duration = matching(r"^[1-9][0-9]*(s|m|h|d|w|y)$", "a Prometheus duration such as 15d or 12h (a number and one of s, m, h, d, w, y)", 16)
"""A Prometheus duration (``--storage.tsdb.retention.time``)."""
ByteSize = matching(r"^[1-9][0-9]*(K|M|G|T|P|E)i?B$", "a Prometheus size such as 45GiB or 500MB", 16)
"""A Prometheus byte size (``--storage.tsdb.retention.size``; the operator's ``ByteSize``)."""


def service_namespace(url: str) -> Optional[str]:
    """The namespace of a URL whose host is a Service's cluster DNS name (``<service>.<namespace>.svc[.<domain>]``)."""
    labels = (urlsplit(url).hostname or "").split(".")
    return labels[1] if len(labels) >= 3 and labels[2] == "svc" else None


# 88.5.3 (prometheus-operator v0.93.1, Grafana chart 12.11.1): the newest chart in
# prometheus-community/helm-charts at cf408a29 (2026-08-22).
KUBE_PROMETHEUS_STACK = HelmChartConfig(
    repository="https://prometheus-community.github.io/helm-charts",
    chart="kube-prometheus-stack",
    version="88.5.3",
    namespace="monitoring",
)


class InClusterPrometheusConfig(ConfigModel):
    """kube-prometheus-stack: the Prometheus operator, Prometheus, Alertmanager, kube-state-metrics, node-exporter and
    Grafana, with a persistent volume for Prometheus."""

    chart: HelmChartConfig = KUBE_PROMETHEUS_STACK
    """The kube-prometheus-stack chart."""
    retention: Duration = "15d"
    """How long Prometheus keeps samples (``prometheusSpec.retention``)."""
    retention_size: ByteSize = "45GiB"
    """Most disk the samples may take before the oldest go (``prometheusSpec.retentionSize``); keep it under ``storageSize``."""
    storage_size: MemoryQuantity = "50Gi"
    """Size of Prometheus' PersistentVolumeClaim."""
    storage_class: Optional[DnsLabel] = None
    """StorageClass of that claim. Default: the cluster's default class."""
    grafana: bool = True
    """Install Grafana (in-cluster only: reach it with ``kubectl port-forward``) and load the generated dashboards into it."""
    alertmanager_config_from_secret: bool = False
    """Alertmanager reads its configuration (receivers and routes) from the Secret you create in the chart's namespace,
    ``alertmanager-kube-prometheus-stack-alertmanager`` (``alertmanager-<chart>-alertmanager`` for another chart
    name), key ``alertmanager.yaml``: webhook URLs and tokens stay out of config and state. Default: the chart's
    configuration, which sends alerts nowhere."""


class ExternalPrometheusConfig(ConfigModel):
    """A Prometheus the team already runs. Its operator must select the monitors and rules the stack applies by
    ``objectLabels`` (kube-prometheus-stack selects ``release: <its release name>`` by default)."""

    url: PrometheusUrl
    """Query URL KEDA uses, without credentials (``authentication`` carries them)."""
    authentication: Optional[KedaAuthentication] = None
    """Credentials KEDA sends. Default: none (an in-cluster Prometheus)."""
    scraper_namespace: Optional[DnsLabel] = None
    """Namespace Prometheus scrapes from, admitted by every service's NetworkPolicy. Default: taken from a
    ``<service>.<namespace>.svc`` URL; none otherwise."""
    object_labels: dict[LabelKey, LabelValue] = {}
    """Labels on every PodMonitor, ServiceMonitor and PrometheusRule the stack applies, so that Prometheus selects them."""
    monitoring_crds: bool = True
    """The cluster has the Prometheus operator's CRDs (PodMonitor, ServiceMonitor, PrometheusRule): apply the stack's
    scrape objects and rules (in ``scraperNamespace``). ``false``: apply none, and configure that Prometheus yourself
    (the README)."""

    @property
    def namespace(self) -> Optional[str]:
        """Where the Prometheus runs: ``scraperNamespace``, or the namespace of a cluster-DNS ``url``."""
        return self.scraper_namespace or service_namespace(self.url)

    @model_validator(mode="after")
    def _check(self) -> "ExternalPrometheusConfig":
        if self.monitoring_crds and self.namespace is None:
            raise_findings([("scraperNamespace", f"{self.url!r} names no in-cluster Service, so the namespace for the "
                             "stack's monitors and rules is unknown",
                             "set scraperNamespace to the namespace Prometheus runs in, or monitoringCrds: false")])
        return self


AmpWorkspaceId = matching(r"^ws-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                          "an Amazon Managed Service for Prometheus workspace id (ws- and a UUID)", 39)


class ManagedPrometheusConfig(ConfigModel):
    """The cloud's managed Prometheus: on ``alicloud`` ARMS (Managed Service for Prometheus) bound to the cluster, on
    ``aws`` an Amazon Managed Service for Prometheus (AMP) workspace fed by an in-cluster Prometheus agent."""

    workspace_id: Optional[AmpWorkspaceId] = None
    """``aws``: an existing AMP workspace to write to and query instead of creating one (which a production stack
    protects). The stack then adds its rule group namespace to it and never deletes the workspace."""
    agent_chart: HelmChartConfig = KUBE_PROMETHEUS_STACK
    """``aws``: the kube-prometheus-stack chart, installed with Prometheus in agent mode (it scrapes the monitors and
    remote-writes to AMP), the operator and kube-state-metrics; no Alertmanager, Grafana or local rules."""


class AlertThresholds(ConfigModel):
    """When the stack's alerts fire. The per-service error and latency objectives are ``services[].slo``."""

    at_max_replicas_minutes: Annotated[int, Field(ge=1, le=1440)] = 10
    """Minutes an autoscaler may sit at ``maxReplicas`` before an alert."""
    gpu_pending_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    """Minutes a GPU pod may stay Pending: longer than a new spot GPU node takes to join (about 5-10 minutes)."""
    gpu_nodes_lost_per_hour: Annotated[int, Field(ge=1, le=1000)] = 2
    """GPU nodes that became NotReady in the last hour (spot reclaims) before an alert."""
    burst_share: Annotated[float, Field(gt=0, le=1)] = 0.5
    """Share of a burst-enabled service's pods on burst capacity (ECI, Fargate) above which an alert fires."""
    not_ready_minutes: Annotated[int, Field(ge=1, le=1440)] = 10
    """Minutes a model server pod may stay not ready."""
    metric_missing_minutes: Annotated[int, Field(ge=1, le=1440)] = 10
    """Minutes a KEDA query may return nothing while the service runs."""


class ObservabilityConfig(ConfigModel):
    """Where metrics go, what scrapes them, and the alerts."""

    backend: Literal["inCluster", "managed", "external", "none"] = "inCluster"
    """``inCluster``: install kube-prometheus-stack (``inCluster``). ``managed``: the cloud's managed Prometheus
    (``managed``; ``alicloud`` and ``aws`` only). ``external``: use the Prometheus of ``external``. ``none``: no
    metrics backend (KEDA triggers must then name their ``serverAddress``)."""
    in_cluster: InClusterPrometheusConfig = InClusterPrometheusConfig()
    """The in-cluster Prometheus of ``backend: inCluster``."""
    managed: ManagedPrometheusConfig = ManagedPrometheusConfig()
    """The cloud's managed Prometheus of ``backend: managed``."""
    external: Optional[ExternalPrometheusConfig] = None
    """The Prometheus of ``backend: external``."""
    # dcgm-exporter 4.8.2 (exporter 4.5.3-4.8.2) is the newest chart of NVIDIA/dcgm-exporter (d5e5f51,
    # deployment/Chart.yaml and the gh-pages index).
    gpu_exporter: HelmChartConfig = HelmChartConfig(
        repository="https://nvidia.github.io/dcgm-exporter/helm-charts",
        chart="dcgm-exporter",
        version="4.8.2",
        namespace="gpu-monitoring",
    )
    """NVIDIA's DCGM exporter, run on the GPU nodes when the cluster has any and a backend is chosen."""
    alerts: AlertThresholds = AlertThresholds()
    """Alert thresholds."""

    @model_validator(mode="after")
    def _check(self) -> "ObservabilityConfig":
        findings = []
        if self.backend == "external" and self.external is None:
            findings.append(("external", "backend external needs the Prometheus' URL", "set external.url"))
        if self.backend != "external" and self.external is not None:
            findings.append(("external", f"is only used by backend external, but backend is {self.backend}",
                             "remove external or set backend: external"))
        if self.backend != "inCluster" and "in_cluster" in self.model_fields_set:
            findings.append(("inCluster", f"is only used by backend inCluster, but backend is {self.backend}",
                             "remove inCluster or set backend: inCluster"))
        if self.backend != "managed" and "managed" in self.model_fields_set:
            findings.append(("managed", f"is only used by backend managed, but backend is {self.backend}",
                             "remove managed or set backend: managed"))
        raise_findings(findings)
        return self
