"""Alibaba Cloud Managed Service for Prometheus (ARMS) as the stack's metrics backend (``observability.backend: managed``).

The ACK add-on ``arms-prometheus`` (the ``ack-arms-prometheus`` component; add-on name of the Terraform provider's
``alicloud_cs_managed_kubernetes`` examples) runs ARMS' agent in ``arms-prom`` and gives the cluster its Prometheus
instance, whose id in the ARMS APIs is the ACK cluster id (``CreatePrometheusAlertRule``'s ``ClusterId`` example;
the SDK examples pass the cluster id to ``arms.Prometheus`` and ``arms.PrometheusMonitoring``). Installing it on a
cluster that already runs it updates that installation (Terraform ``resource_alicloud_cs_kubernetes_addon.go``
Create), so adopted clusters keep theirs, and keep it on ``pulumi destroy``.

ARMS does not read the Prometheus operator's objects from the cluster (none of its docs says so), so what the stack
scrapes is registered through the ARMS API: one ``arms.PrometheusMonitoring`` per PodMonitor (the manifest in
``arms-prom`` with the annotation ``arms.prometheus.io/discovery: 'true'``, which the ``CreateEnvServiceMonitor``
API doc requires to enable it), and one ``arms.PrometheusAlertRule`` per alert (PromQL ``expression``, ``duration``
in minutes, 1-1440, per the ``UpdatePrometheusAlertRule`` API doc; every field of the rule but labels and
annotations is ForceNew, so changing a threshold replaces the rule, which holds no data).

KEDA queries the instance's internal HTTP API URL (``arms.get_prometheus(enable_details=True)``
``http_api_intra_url``) and sends its token as the raw ``Authorization`` header (ARMS "HTTP API URLs": no
``Bearer`` scheme), i.e. KEDA's ``custom`` auth mode. The token is not marked secret by the provider; it is made a
secret Output here. Instances that authenticate with an AccessKey pair (ARMS Prometheus V2) are not offered: that
would put a long-lived key in the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pulumi
import pulumi_alicloud as alicloud
import yaml

from stackconfig import ServiceConfig
from stackconfig.observability import ObservabilityConfig

from ..kubernetes import monitoring
from ..kubernetes.context import BurstTarget, MetricsBackend, PrometheusAccess
from ..kubernetes.observability import MONITORING_API_VERSION, ScrapeTarget, service_monitors

ARMS_ADDON = "arms-prometheus"
AGENT_NAMESPACE = "arms-prom"
DISCOVERY_ANNOTATION = ("arms.prometheus.io/discovery", "true")


def arms_endpoint(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """A pod endpoint as ARMS' examples write it: a numbered port as ``targetPort`` (``portNumber`` came with
    prometheus-operator v0.79; no ARMS example or API doc uses it)."""
    spelled = {key: value for key, value in endpoint.items() if key != "portNumber"}
    return {"targetPort": endpoint["portNumber"], **spelled} if "portNumber" in endpoint else spelled


def arms_pod_monitor(name: str, spec: Mapping[str, Any]) -> str:
    """``config_yaml`` of an ``arms.PrometheusMonitoring``: the PodMonitor in ARMS' namespace, enabled."""
    spec = {**spec, "podMetricsEndpoints": [arms_endpoint(e) for e in spec["podMetricsEndpoints"]]}
    return yaml.safe_dump({"apiVersion": MONITORING_API_VERSION, "kind": "PodMonitor", "metadata": {
        "name": name, "namespace": AGENT_NAMESPACE, "annotations": dict([DISCOVERY_ANNOTATION])}, "spec": spec},
        sort_keys=False)


def alert_rule_args(rule: Mapping[str, Any]) -> dict[str, Any]:
    """``arms.PrometheusAlertRule`` arguments of one Prometheus alerting rule: its name with the service it is about,
    ``for`` in whole minutes, the summary as the message, the description and labels as ARMS' name/value lists."""
    labels = dict(rule["labels"])
    about = [labels[key] for key in ("namespace", "service") if key in labels]
    return {
        "prometheus_alert_rule_name": "-".join([rule["alert"], *about]),
        "expression": rule["expr"],
        "duration": rule["for"].removesuffix("m"),
        "message": rule["annotations"]["summary"],
        "labels": [{"name": key, "value": value} for key, value in labels.items()],
        "annotations": [{"name": "description", "value": rule["annotations"]["description"]}],
        "notify_type": "ALERT_MANAGER",
    }


def cluster_instance(result: Any, cluster_id: str) -> Any:
    """The cluster's instance in a ``get_prometheus`` result, with the query URL and token KEDA needs."""
    found = result.prometheis[0] if result.prometheis else None
    if found is None:
        raise pulumi.RunError(f"ARMS has no Prometheus instance for cluster {cluster_id} yet: the {ARMS_ADDON} add-on "
                              "creates it; run pulumi up again once the add-on shows Running in the ACK console")
    if not found.http_api_intra_url or not found.auth_token:
        raise pulumi.RunError(
            f"the ARMS Prometheus instance of cluster {cluster_id} has no internal HTTP API URL or no token, which KEDA "
            "needs: generate the token (ARMS console > the instance > Settings > HTTP API URL > Generate Token) and run "
            "pulumi up again; an instance that authenticates with an AccessKey pair (V2) is not supported, so choose "
            "observability.backend inCluster or external for it")
    return found


@dataclass(frozen=True)
class ArmsBackendArgs:
    config: ObservabilityConfig
    services: Sequence[ServiceConfig]
    burst: BurstTarget
    cluster_id: pulumi.Input[str]
    adopted: bool
    """The cluster was adopted: keep the add-on (and the team's instance) on ``pulumi destroy``."""
    platform_targets: Sequence[ScrapeTarget] = ()
    """The platform's own software to scrape, the DCGM exporter's and KEDA's pods included."""


class ArmsBackend(pulumi.ComponentResource):
    """The ``arms-prometheus`` add-on (``<name>-agent``), and, once ARMS has the cluster's instance
    (:func:`cluster_instance`), one ``arms.PrometheusMonitoring`` per service and platform target
    (``<name>-monitor-<monitor>``, :func:`arms_pod_monitor`) and one ``arms.PrometheusAlertRule`` per alert of
    :func:`components.kubernetes.monitoring.rule_groups` (``<name>-alert-<rule name>``).

    ``backend``: the :class:`~components.kubernetes.context.MetricsBackend` the catalog uses (no Prometheus
    operator objects on the cluster; scrapes come from ``arms-prom``). Outputs: ``queryUrl``.
    """

    backend: MetricsBackend

    def __init__(self, name: str, args: ArmsBackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("elastic-inference:arms:ArmsBackend", name, None, opts)
        addon = alicloud.cs.KubernetesAddon(f"{name}-agent", cluster_id=args.cluster_id, name=ARMS_ADDON,
                                            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.adopted))
        lookup = alicloud.arms.get_prometheus_output(
            ids=[args.cluster_id], enable_details=True,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[addon]))
        instance = pulumi.Output.all(lookup, args.cluster_id).apply(lambda values: cluster_instance(*values))
        # The instance's own id, so that nothing is registered with ARMS before the instance exists.
        instance_id = instance.apply(lambda found: found.cluster_id)
        child = pulumi.ResourceOptions(parent=self)
        monitors = {**{target.name: target.pod_monitor_spec() for target in args.platform_targets},
                    **service_monitors(args.services)}
        for monitor, spec in monitors.items():
            alicloud.arms.PrometheusMonitoring(f"{name}-monitor-{monitor}", cluster_id=instance_id, type="podMonitor",
                                               status="run", config_yaml=arms_pod_monitor(monitor, spec), opts=child)
        for group in monitoring.rule_groups(list(args.services), args.config.alerts, args.burst):
            for rule in group["rules"]:
                rule_args = alert_rule_args(rule)
                alicloud.arms.PrometheusAlertRule(f"{name}-alert-{rule_args['prometheus_alert_rule_name'].lower()}",
                                                  cluster_id=instance_id, **rule_args, opts=child)
        query_url = instance.apply(lambda found: found.http_api_intra_url.rstrip("/"))
        self.backend = MetricsBackend(
            query_url=query_url,
            access=PrometheusAccess(auth_mode="custom", secret_parameters={
                "customAuthHeader": "Authorization",
                "customAuthValue": pulumi.Output.secret(instance.apply(lambda found: found.auth_token))}),
            keda_values={"prometheus": {"operator": {"enabled": True}}},
            scraper_namespace=AGENT_NAMESPACE, monitoring_crds=False, rules_in_cluster=False, grafana_sidecar=False)
        self.register_outputs({"queryUrl": query_url})
