"""The metrics backend on the cluster: what each backend installs, the monitors and rules against the Prometheus
operator's CRDs, the GPU autoscaler, and the dashboards against Grafana's SDK types and promtool."""

from __future__ import annotations

import json
import subprocess

import yaml
from grafana_foundation_sdk.models.dashboard import Dashboard

from cloud_factories import EXISTING, GPU_SERVICE, load
from components.alicloud.burst import ECI
from components.kubernetes import autoscaling, dashboards, observability
from components.kubernetes.inference_service import network_policy_spec
from components.kubernetes.context import ANY_CLOUD, MetricsBackend, PrometheusAccess
from components.platform import build_platform
from crd_schemas import validate_custom_resource
from prometheus_tools import promtool
from service_factories import BERT, CIFAR, FASHION, KEDA, service
from stackconfig.observability import InClusterPrometheusConfig, ObservabilityConfig

RELEASE = "kubernetes:helm.sh/v3:Release"
POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
GPU_BERT = {**GPU_SERVICE, "resources": {"gpus": 1}, "autoscaling": {"maxReplicas": 4, "cpu": None, "gpu": {"targetUtilization": 70}}}
EXTERNAL = {"backend": "external", "external": {
    "url": "http://prometheus-operated.monitoring.svc:9090", "objectLabels": {"release": "monitoring"}}}


def plan(run_under_mocks, **overrides):
    config = load(EXISTING, **overrides)
    return run_under_mocks(lambda: build_platform(config), stack="test")


def test_in_cluster_prometheus_is_the_kube_prometheus_stack_service():
    # kube-prometheus-stack 88.5.3: a release named after the chart is the fullname; Service <fullname>-prometheus:9090.
    assert observability.in_cluster_query_url(InClusterPrometheusConfig()) == \
        "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"


def test_kube_prometheus_values_keep_samples_on_a_volume_and_select_every_monitor():
    values = observability.kube_prometheus_values(InClusterPrometheusConfig.model_validate(
        {"retention": "30d", "retentionSize": "90GiB", "storageSize": "100Gi", "storageClass": "alicloud-disk-essd",
         "grafana": False}))
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "30d" and spec["retentionSize"] == "90GiB"
    assert spec["storageSpec"]["volumeClaimTemplate"]["spec"] == {
        "accessModes": ["ReadWriteOnce"], "storageClassName": "alicloud-disk-essd", "resources": {"requests": {"storage": "100Gi"}}}
    assert all(spec[f"{kind}SelectorNilUsesHelmValues"] is False for kind in ("serviceMonitor", "podMonitor", "rule", "probe"))
    assert values["grafana"] == {"enabled": False}
    assert "alertmanager" not in values
    routed = observability.kube_prometheus_values(InClusterPrometheusConfig.model_validate(
        {"alertmanagerConfigFromSecret": True}))
    assert routed["alertmanager"] == {"alertmanagerSpec": {"useExistingSecret": True}}
    assert values["kube-state-metrics"]["metricLabelsAllowlist"] == [
        "nodes=[topology.kubernetes.io/zone,node.kubernetes.io/instance-type,type]"]


def test_each_server_is_scraped_where_it_serves_metrics():
    cases = {
        "tfserving": (service(BERT), {"app.kubernetes.io/name": "bert", "app.kubernetes.io/component": "inference-server"},
                      "rest", "/monitoring/prometheus/metrics"),
        "triton": (service(BERT, server="triton", name="resnet"), None, "metrics", "/metrics"),
        "seldon": (service(FASHION), {"seldon-deployment-id": "fashion-mnist"}, "metrics", "/prometheus"),
    }
    for kind, (svc, selector, port, path) in cases.items():
        spec = observability.pod_monitor_spec(svc)
        [endpoint] = spec["podMetricsEndpoints"]
        assert (endpoint["port"], endpoint["path"]) == (port, path), kind
        if selector:
            assert spec["selector"]["matchLabels"] == selector, kind
        validate_custom_resource({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                                  "metadata": {"name": svc.name, "namespace": svc.namespace}, "spec": spec})


def test_gpu_autoscaling_is_a_keda_trigger_on_the_average_utilisation_with_a_value_target():
    svc = service(BERT, resources={"gpus": 1}, ingress=None, autoscaling={"qps": None, "gpu": {"targetUtilization": 70}})
    backend = MetricsBackend(query_url="http://kube-prometheus-stack-prometheus.monitoring.svc:9090")
    spec = autoscaling.keda_spec(svc, backend)
    [trigger] = spec["triggers"]
    assert trigger == {"type": "prometheus", "metricType": "Value", "metadata": {
        "serverAddress": "http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
        "query": 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="inference",pod=~"bert-[a-z0-9]+-[a-z0-9]+"})', "threshold": "70"}}
    assert spec["minReplicaCount"] == 1 and spec["maxReplicaCount"] == 10
    validate_custom_resource({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                              "metadata": {"name": "bert", "namespace": "inference"},
                              "spec": {"scaleTargetRef": {"name": "bert"}, **spec}})


def test_a_trigger_without_an_address_queries_the_backend_with_its_credentials_and_its_own_address_wins():
    auth = ObservabilityConfig.model_validate({"backend": "external", "external": {
        "url": "https://prometheus.example.com", "scraperNamespace": "monitoring",
        "authentication": {"mode": "bearer", "bearerToken": "t0ken-canary"}}})
    backend = observability.metrics_backend(auth)
    defaulted = service(BERT, autoscaling={"qps": None, "keda": {"query": "sum(rate(x[1m]))", "threshold": 5}})
    url, credentials = autoscaling.keda_source(defaulted, backend)
    assert url == "https://prometheus.example.com" and credentials.auth_mode == "bearer"
    assert set(credentials.secret_parameters) == {"bearerToken"}
    assert autoscaling.keda_trigger(defaulted, backend)["authenticationRef"] == {"name": "bert"}
    own = service(BERT, autoscaling={"qps": None, **KEDA})
    assert autoscaling.keda_source(own, backend) == ("http://prometheus.monitoring.svc:9090", None)
    # A backend that takes credentials is not shared with app teams.
    assert observability.shared_metrics(backend) is None


def test_a_backend_keda_reaches_by_pod_identity_is_shared_with_app_teams():
    amp = MetricsBackend(query_url="https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1",
                         access=PrometheusAccess(pod_identity="aws", trigger_metadata={"awsRegion": "us-east-1"}),
                         scraper_namespace="monitoring")
    shared = observability.metrics_from_output(observability.shared_metrics(amp))
    assert shared.access == amp.access and shared.query_url == amp.query_url
    unauthenticated = observability.metrics_from_output(observability.shared_metrics(
        observability.metrics_backend(ObservabilityConfig())))
    assert unauthenticated.access is None


def test_network_policy_admits_the_backends_scrapes():
    backend = MetricsBackend(query_url="http://x.monitoring.svc:9090", scraper_namespace="monitoring")
    spec = network_policy_spec(service(CIFAR), ANY_CLOUD, backend)
    [source] = spec["ingress"][0]["from"]
    assert "monitoring" in source["namespaceSelector"]["matchExpressions"][0]["values"]


def test_in_cluster_backend_installs_prometheus_and_scrapes_every_service(run_under_mocks):
    planned = plan(run_under_mocks, services=[GPU_BERT])
    charts = {r.inputs["chart"]: r for r in planned.by_type(RELEASE)}
    assert {"kube-prometheus-stack", "keda"} <= set(charts)
    # KEDA waits for the CRDs its PodMonitors need; no GPU nodes known on an existing cluster, so no DCGM exporter.
    assert charts["kube-prometheus-stack"].urn in charts["keda"].depends_on
    assert "dcgm-exporter" not in charts
    [monitor] = planned.by_type(POD_MONITOR)
    assert monitor.inputs["metadata"]["namespace"] == "inference" and monitor.inputs["metadata"]["name"] == "bert"
    assert charts["kube-prometheus-stack"].urn in monitor.depends_on
    [rules] = planned.by_type(RULE)
    assert rules.inputs["metadata"]["namespace"] == "monitoring"
    validate_custom_resource({k: rules.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")})
    boards = [r for r in planned.by_type("kubernetes:core/v1:ConfigMap") if r.name.startswith("observability-dashboard-")]
    assert {b.inputs["metadata"]["labels"]["grafana_dashboard"] for b in boards} == {"1"}
    assert {b.inputs["metadata"]["name"] for b in boards} == {"elastic-inference-overview", "ei-inference-bert"}


def test_external_backend_installs_no_prometheus_and_labels_what_it_applies(run_under_mocks):
    planned = plan(run_under_mocks, services=[GPU_BERT], observability=EXTERNAL)
    assert "kube-prometheus-stack" not in {r.inputs["chart"] for r in planned.by_type(RELEASE)}
    [monitor] = planned.by_type(POD_MONITOR)
    [rules] = planned.by_type(RULE)
    assert monitor.inputs["metadata"]["labels"]["release"] == rules.inputs["metadata"]["labels"]["release"] == "monitoring"
    assert rules.inputs["metadata"]["namespace"] == "monitoring"


def test_no_backend_applies_no_monitoring_objects(run_under_mocks):
    planned = plan(run_under_mocks, services=[GPU_SERVICE], observability={"backend": "none"})
    assert planned.by_type(POD_MONITOR) == planned.by_type(RULE) == []
    assert not any(r.type == RELEASE for r in planned.resources)


def test_dashboards_are_grafana_dashboards_whose_queries_prometheus_parses(tmp_path):
    services = [service(BERT, resources={"gpus": 1}, burst={"mode": "overflow", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge"]}),
                service(FASHION), service(BERT, server="triton", name="resnet")]
    boards = dashboards.catalog_dashboards(services, ECI)
    assert set(boards) == {"elastic-inference-overview", "ei-inference-bert", "ei-inference-fashion-mnist", "ei-inference-resnet"}
    exprs = []
    for uid, text in boards.items():
        board = Dashboard.from_json(json.loads(text))
        assert board.uid == uid and board.panels
        exprs += [target["expr"] for panel in json.loads(text)["panels"] for target in panel["targets"]]
    bert = json.loads(boards["ei-inference-bert"])
    titles = {panel["title"] for panel in bert["panels"]}
    assert {"Requests per second", "Latency", "Replicas", "Pending pods", "GPU utilisation", "GPU memory used",
            "Share of pods on ECI virtual nodes"} <= titles
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in bert["panels"])
    (tmp_path / "panels.yaml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": [
        {"record": f"panel:{i}", "expr": expr} for i, expr in enumerate(exprs)]}]}))
    result = subprocess.run([promtool(), "check", "rules", "panels.yaml"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
