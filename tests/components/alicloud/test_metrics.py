"""ARMS as the metrics backend on ACK: the agent add-on, the monitors and alert rules ARMS registers, KEDA's access."""

from __future__ import annotations

import subprocess

import pulumi
import pytest
import yaml

from components.alicloud import metrics
from components.kubernetes import monitoring
from crd_schemas import validate_custom_resource
from factories import ADOPTED_ACK, CPU_SERVICE, stack_config
from planner import mocks
from prometheus_tools import promtool

GPU_AUTOSCALED = {"name": "bert-gpu", "server": "triton", "model": {"name": "bert", "path": "models/bert"},
                  "resources": {"gpus": 1, "cpu": "4", "memory": "16Gi"},
                  "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "gpu": {"targetUtilization": 70}}}
MANAGED = {"observability": {"backend": "managed"}, "services": [CPU_SERVICE, GPU_AUTOSCALED]}


@pytest.fixture(scope="module")
def arms_plan():
    from planner.engine import run
    from components.alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
    config = stack_config(**MANAGED)
    return config, run(lambda: AlicloudPlatform("platform", AlicloudPlatformArgs(config=config)),
                       "elastic-inference", "test", {}, [])


def test_the_agent_addon_runs_on_the_cluster_and_every_arms_object_waits_for_it(arms_plan):
    _, plan = arms_plan
    addon = plan.get("alicloud:cs/kubernetesAddon:KubernetesAddon", "metrics-agent")
    (cluster,) = plan.by_type("alicloud:cs/managedKubernetes:ManagedKubernetes")
    cluster_id = addon.inputs["clusterId"]
    assert addon.inputs["name"] == "arms-prometheus" and cluster_id == "c" + mocks.digest(cluster.name, 32)  # the mock id of the cluster
    assert not addon.retain_on_delete
    registered = [*plan.by_type("alicloud:arms/prometheusMonitoring:PrometheusMonitoring"),
                  *plan.by_type("alicloud:arms/prometheusAlertRule:PrometheusAlertRule")]
    assert registered and all(addon.urn in r.depends_on and r.inputs["clusterId"] == cluster_id for r in registered)


def test_an_adopted_cluster_keeps_its_agent(run_under_mocks):
    from components.alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
    config = stack_config(**MANAGED, **ADOPTED_ACK)
    plan = run_under_mocks(lambda: AlicloudPlatform("platform", AlicloudPlatformArgs(config=config)))
    assert plan.get("alicloud:cs/kubernetesAddon:KubernetesAddon", "metrics-agent").retain_on_delete


def test_arms_scrapes_each_service_the_gpu_exporter_and_keda_by_enabled_pod_monitors(arms_plan):
    _, plan = arms_plan
    monitors = {r.name.removeprefix("metrics-monitor-"): r.inputs for r in
                plan.by_type("alicloud:arms/prometheusMonitoring:PrometheusMonitoring")}
    assert set(monitors) == {"inference-bert", "inference-bert-gpu", "dcgm-exporter", "keda-operator"}
    for name, monitor in monitors.items():
        assert monitor["type"] == "podMonitor" and monitor["status"] == "run"
        manifest = yaml.safe_load(monitor["configYaml"])
        validate_custom_resource(manifest)
        assert manifest["metadata"] == {"name": name, "namespace": "arms-prom",
                                        "annotations": {"arms.prometheus.io/discovery": "true"}}
    triton = yaml.safe_load(monitors["inference-bert-gpu"]["configYaml"])["spec"]
    assert triton["namespaceSelector"] == {"matchNames": ["inference"]}
    assert triton["podMetricsEndpoints"][0]["port"] == "metrics"
    dcgm = yaml.safe_load(monitors["dcgm-exporter"]["configYaml"])["spec"]["podMetricsEndpoints"][0]
    assert dcgm["targetPort"] == 9400 and dcgm["honorLabels"] is True
    # No Prometheus operator on the cluster: no custom resource of it is applied.
    assert not [r for r in plan.resources if r.type.startswith("kubernetes:monitoring.coreos.com")]
    release = plan.get("kubernetes:helm.sh/v3:Release", "observability-dcgm-exporter")
    assert release.inputs["values"]["serviceMonitor"]["enabled"] is False
    keda = plan.get("kubernetes:helm.sh/v3:Release", "addons-keda")
    assert keda.inputs["values"] == {"prometheus": {"operator": {"enabled": True}}}


def test_each_alert_is_an_arms_rule_with_its_expression_and_minutes(arms_plan, tmp_path):
    config, plan = arms_plan
    from components.alicloud.burst import ECI
    expected = monitoring.rule_groups(list(config.services), config.observability.alerts, ECI)[0]["rules"]
    rules = {r.inputs["prometheusAlertRuleName"]: r.inputs
             for r in plan.by_type("alicloud:arms/prometheusAlertRule:PrometheusAlertRule")}
    assert len(rules) == len(expected)
    pending = rules["InferenceGpuPodsPending"]
    assert pending["duration"] == str(config.observability.alerts.gpu_pending_minutes)
    at_max = rules["InferenceAtMaxReplicas-inference-bert-gpu"]
    assert {"name": "service", "value": "bert-gpu"} in at_max["labels"]
    assert at_max["notifyType"] == "ALERT_MANAGER"
    # ARMS evaluates PromQL: each expression, as given to it, is a valid Prometheus rule.
    rule_file = tmp_path / "arms.yaml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "arms", "rules": [
        {"alert": name.split("-")[0], "expr": r["expression"], "for": f"{r['duration']}m"} for name, r in rules.items()]}]}))
    subprocess.run([promtool(), "check", "rules", str(rule_file)], check=True, capture_output=True)


def test_keda_queries_the_instance_with_its_token_in_a_secret(arms_plan):
    _, plan = arms_plan
    cluster_id = plan.get("alicloud:cs/kubernetesAddon:KubernetesAddon", "metrics-agent").inputs["clusterId"]
    (instance,) = mocks.CALL_RESULTS["alicloud:arms/getPrometheus:getPrometheus"]({"ids": [cluster_id]})["prometheis"]
    scaled = plan.get("kubernetes:keda.sh/v1alpha1:ScaledObject", "inference-bert-gpu-scaled-object")
    (trigger,) = scaled.inputs["spec"]["triggers"]
    assert trigger["metadata"]["serverAddress"] == instance["httpApiIntraUrl"]
    assert trigger["metadata"]["authModes"] == "custom"
    auth = plan.get("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "inference-bert-gpu-trigger-authentication")
    assert {ref["parameter"] for ref in auth.inputs["spec"]["secretTargetRef"]} == {"customAuthHeader", "customAuthValue"}
    secret = plan.get("kubernetes:core/v1:Secret", "inference-bert-gpu-keda-auth")
    assert secret.inputs["stringData"] == "[secret]"
    assert instance["authToken"] not in str(plan.as_json())


def instance(url, token):
    return type("Instance", (), {"cluster_id": "c-1", "http_api_intra_url": url, "auth_token": token})()


def test_an_instance_keda_cannot_query_stops_with_what_to_do():
    result = type("Result", (), {"prometheis": []})()
    with pytest.raises(pulumi.RunError, match="ARMS has no Prometheus instance for cluster c-1 yet"):
        metrics.cluster_instance(result, "c-1")
    url = "http://cn-beijing-intranet.arms.aliyuncs.com:9090/api/v1/prometheus/a/b/c-1/cn-beijing"
    for tokenless in (instance(url, None), instance(url, ""), instance(None, "t0ken")):
        result.prometheis = [tokenless]
        with pytest.raises(pulumi.RunError, match="no internal HTTP API URL or no token.*Generate Token"):
            metrics.cluster_instance(result, "c-1")
    result.prometheis = [instance(url, "t0ken")]
    assert metrics.cluster_instance(result, "c-1").auth_token == "t0ken"


def test_numbered_ports_are_spelled_as_arms_examples_do():
    spec = {"selector": {"matchLabels": {"app": "x"}},
            "podMetricsEndpoints": [{"portNumber": 9400, "path": "/metrics", "honorLabels": True}]}
    manifest = yaml.safe_load(metrics.arms_pod_monitor("x", spec))
    assert manifest["spec"]["podMetricsEndpoints"] == [{"targetPort": 9400, "path": "/metrics", "honorLabels": True}]
    validate_custom_resource(manifest)


def test_the_token_keda_sends_is_the_instances_and_stays_secret():
    from components.kubernetes.context import NO_BURST
    from planner.engine import run
    seen = {}

    def program():
        config = stack_config(**MANAGED)
        backend = metrics.ArmsBackend("metrics", metrics.ArmsBackendArgs(
            config=config.observability, services=config.services, burst=NO_BURST, cluster_id="c-1",
            adopted=False)).backend
        value = backend.access.secret_parameters["customAuthValue"]
        value.apply(lambda token: seen.setdefault("token", token))
        pulumi.Output.all(value.is_secret()).apply(lambda secret: seen.setdefault("secret", secret[0]))

    run(program, "elastic-inference", "test", {}, [])
    (instance,) = mocks.CALL_RESULTS["alicloud:arms/getPrometheus:getPrometheus"]({"ids": ["c-1"]})["prometheis"]
    assert seen == {"token": instance["authToken"], "secret": True}
