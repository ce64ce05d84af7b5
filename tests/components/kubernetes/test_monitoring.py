"""The catalog's alert rules, unit-tested with Prometheus's own ``promtool test rules``: each alert is shown firing on
synthetic series that break its threshold, and staying quiet on series that do not (or that belong to another
service). Also: the rules of every stack file parse, and the GPU autoscaler's query."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.alicloud.burst import ECI
from components.kubernetes import monitoring
from components.kubernetes.context import NO_BURST
from paths import STACK_FILES
from planner.stackfile import read_stack_file
from prometheus_tools import promtool
from service_factories import BERT, FASHION, service
from stackconfig import load_stack_config
from stackconfig.observability import AlertThresholds

NS = "inference"
BERT_GPU = service(BERT, name="bert", resources={"gpus": 1}, ingress=None,
                   autoscaling={"qps": None, "gpu": {"targetUtilization": 70}})
FASHION_BURST = service(FASHION, burst={"mode": "overflow", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge"]})
TRITON = service(BERT, name="resnet", server="triton", model={"name": "resnet", "path": "models/resnet"})
SERVICES = [BERT_GPU, FASHION_BURST, TRITON]
THRESHOLDS = AlertThresholds()
BERT_POD = "bert-6d4f9b7c8-x2k9q"
BERT_B_POD = "bert-b-6d4f9b7c8-x2k9q"
FASHION_POD = "fashion-mnist-default-0-fashion-mnist-7c9d8f-abcde"
RESNET_POD = "resnet-5b8c7d9f4-qwert"


def rules() -> list[dict[str, Any]]:
    [group] = monitoring.rule_groups(SERVICES, THRESHOLDS, ECI)
    return group["rules"]


def rule(alert: str, service_name: str | None = None) -> dict[str, Any]:
    [found] = [r for r in rules() if r["alert"] == alert and r["labels"].get("service") == service_name]
    return found


def expected(alert: str, service_name: str | None = None, **series_labels: str) -> dict[str, Any]:
    """The alert as promtool reports it: the rule's labels and annotations, and those its expression keeps."""
    found = rule(alert, service_name)
    return {"exp_labels": {**found["labels"], **series_labels}, "exp_annotations": found["annotations"]}


def run_promtool(tmp_path: Path, cases: list[dict[str, Any]]) -> subprocess.CompletedProcess:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": monitoring.rule_groups(SERVICES, THRESHOLDS, ECI)}))
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": cases}))
    return subprocess.run([promtool(), "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def case(series: dict[str, str], alert: str, at: str, firing: list[dict[str, Any]]) -> dict[str, Any]:
    return {"interval": "1m", "input_series": [{"series": s, "values": v} for s, v in series.items()],
            "alert_rule_test": [{"eval_time": at, "alertname": alert, "exp_alerts": firing}]}


def hpa(name: str, current: int, maximum: int) -> dict[str, str]:
    labels = f'{{namespace="{NS}",horizontalpodautoscaler="{name}"}}'
    return {f"kube_horizontalpodautoscaler_status_current_replicas{labels}": f"{current}x30",
            f"kube_horizontalpodautoscaler_spec_max_replicas{labels}": f"{maximum}x30"}


def tfserving(pod: str, ok_per_minute: int, failed_per_minute: int) -> dict[str, str]:
    labels = f'namespace="{NS}",pod="{pod}",model_name="chnsenticorp"'
    return {f':tensorflow:serving:request_count{{{labels},status="OK"}}': f"0+{ok_per_minute}x30",
            f':tensorflow:serving:request_count{{{labels},status="INTERNAL"}}': f"0+{failed_per_minute}x30"}


def latency_buckets(pod: str, fast: int, slow: int) -> dict[str, str]:
    """TF Serving's latency histogram (microseconds): ``fast`` requests a minute under 0.1 s, ``slow`` under 2 s."""
    labels = f'namespace="{NS}",pod="{pod}",model_name="chnsenticorp",API="predict",entrypoint="REST"'
    return {f':tensorflow:serving:request_latency_bucket{{{labels},le="{le}"}}': f"0+{count}x30"
            for le, count in (("100000", fast), ("2000000", fast + slow), ("+Inf", fast + slow))}


def pods(*placed: tuple[str, str]) -> dict[str, str]:
    return {f'kube_pod_info{{namespace="{NS}",pod="{pod}",node="{node}"}}': "1x30" for pod, node in placed}


ALERT_CASES = [
    pytest.param("InferenceAtMaxReplicas", [
        case(hpa("keda-hpa-bert", 8, 8), "InferenceAtMaxReplicas", "15m", [expected("InferenceAtMaxReplicas", "bert", namespace=NS)]),
        case(hpa("keda-hpa-bert", 7, 8), "InferenceAtMaxReplicas", "15m", []),
        # Another service's autoscaler at its maximum is not bert's.
        case(hpa("keda-hpa-bert-b", 8, 8), "InferenceAtMaxReplicas", "15m", []),
        # Not yet for 10 minutes.
        case(hpa("keda-hpa-bert", 8, 8), "InferenceAtMaxReplicas", "5m", []),
    ], id="at max replicas"),
    pytest.param("InferenceErrorRatioHigh", [
        case(tfserving(BERT_POD, 100, 5), "InferenceErrorRatioHigh", "20m", [expected("InferenceErrorRatioHigh", "bert", namespace=NS)]),
        case(tfserving(BERT_POD, 1000, 5), "InferenceErrorRatioHigh", "20m", []),
        case(tfserving(BERT_B_POD, 100, 5), "InferenceErrorRatioHigh", "20m", []),
    ], id="error ratio"),
    pytest.param("InferenceLatencyHigh", [
        case(latency_buckets(BERT_POD, 0, 100), "InferenceLatencyHigh", "20m", [expected("InferenceLatencyHigh", "bert", namespace=NS)]),
        case(latency_buckets(BERT_POD, 100, 0), "InferenceLatencyHigh", "20m", []),
    ], id="p99 latency"),
    pytest.param("InferenceServerNotReady", [
        case({f'kube_pod_status_ready{{namespace="{NS}",pod="{BERT_POD}",condition="false"}}': "1x30"},
             "InferenceServerNotReady", "15m", [expected("InferenceServerNotReady", "bert", namespace=NS)]),
        case({f'kube_pod_status_ready{{namespace="{NS}",pod="{BERT_POD}",condition="false"}}': "0x30"},
             "InferenceServerNotReady", "15m", []),
    ], id="server not ready"),
    pytest.param("InferenceAutoscalerMetricMissing", [
        case(pods((BERT_POD, "cn-beijing.10.0.1.5")), "InferenceAutoscalerMetricMissing", "15m",
             [expected("InferenceAutoscalerMetricMissing", "bert", namespace=NS)]),
        case({**pods((BERT_POD, "cn-beijing.10.0.1.5")),
              f'DCGM_FI_DEV_GPU_UTIL{{namespace="{NS}",pod="{BERT_POD}",gpu="0"}}': "50x30"},
             "InferenceAutoscalerMetricMissing", "15m", []),
    ], id="autoscaler metric missing"),
    pytest.param("InferenceBurstShareHigh", [
        case(pods((FASHION_POD, "virtual-kubelet-cn-beijing-h"), (FASHION_POD + "1", "virtual-kubelet-cn-beijing-h"),
                  (FASHION_POD + "2", "cn-beijing.10.0.1.5")),
             "InferenceBurstShareHigh", "20m", [expected("InferenceBurstShareHigh", "fashion-mnist", namespace=NS)]),
        case(pods((FASHION_POD, "virtual-kubelet-cn-beijing-h"), (FASHION_POD + "2", "cn-beijing.10.0.1.5")),
             "InferenceBurstShareHigh", "20m", []),
    ], id="burst share"),
    pytest.param("InferenceGpuPodsPending", [
        case({f'kube_pod_status_phase{{namespace="{NS}",pod="{BERT_POD}",phase="Pending"}}': "1x30",
              f'kube_pod_container_resource_requests{{namespace="{NS}",pod="{BERT_POD}",container="server",resource="nvidia_com_gpu"}}': "1x30"},
             "InferenceGpuPodsPending", "20m", [expected("InferenceGpuPodsPending", namespace=NS, pod=BERT_POD)]),
        # A pending pod that asks for no GPU.
        case({f'kube_pod_status_phase{{namespace="{NS}",pod="{RESNET_POD}",phase="Pending"}}': "1x30",
              f'kube_pod_container_resource_requests{{namespace="{NS}",pod="{RESNET_POD}",container="server",resource="cpu"}}': "2x30"},
             "InferenceGpuPodsPending", "20m", []),
    ], id="gpu pods pending"),
    pytest.param("InferenceGpuNodesLost", [
        case({'kube_node_status_condition{node="gpu-1",condition="Ready",status="false"}': "0 0 1 1 0x26",
              'kube_node_status_condition{node="gpu-2",condition="Ready",status="false"}': "0 0 0 1 1x26",
              'kube_node_status_capacity{node="gpu-1",resource="nvidia_com_gpu"}': "1x30",
              'kube_node_status_capacity{node="gpu-2",resource="nvidia_com_gpu"}': "1x30"},
             "InferenceGpuNodesLost", "10m", [expected("InferenceGpuNodesLost")]),
        # One GPU node lost, and a CPU node.
        case({'kube_node_status_condition{node="gpu-1",condition="Ready",status="false"}': "0 0 1 1 0x26",
              'kube_node_status_condition{node="cpu-1",condition="Ready",status="false"}': "0 0 1 1 0x26",
              'kube_node_status_capacity{node="gpu-1",resource="nvidia_com_gpu"}': "1x30",
              'kube_node_status_capacity{node="cpu-1",resource="nvidia_com_gpu"}': "0x30"},
             "InferenceGpuNodesLost", "10m", []),
    ], id="gpu nodes lost"),
]


@pytest.mark.parametrize("alert, cases", ALERT_CASES)
def test_each_alert_fires_past_its_threshold_and_stays_quiet_below(tmp_path, alert, cases):
    assert any(c["alert_rule_test"][0]["exp_alerts"] for c in cases) and any(
        not c["alert_rule_test"][0]["exp_alerts"] for c in cases)
    result = run_promtool(tmp_path, cases)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_of_the_catalog_has_a_promtool_test():
    assert {r["alert"] for r in rules()} == {p.values[0] for p in ALERT_CASES}


def test_a_wrong_expectation_fails(tmp_path):
    """promtool really compares: expecting the alert on quiet series fails."""
    result = run_promtool(tmp_path, [case(hpa("keda-hpa-bert", 7, 8), "InferenceAtMaxReplicas", "15m",
                                          [expected("InferenceAtMaxReplicas", "bert", namespace=NS)])])
    assert result.returncode != 0


def test_thresholds_and_objectives_come_from_config():
    strict = service(BERT, name="bert", slo={"errorRatio": 0.001, "p99LatencySeconds": 0.25})
    [group] = monitoring.rule_groups([strict], AlertThresholds(atMaxReplicasMinutes=30, gpuNodesLostPerHour=5), NO_BURST)
    by_name = {r["alert"]: r for r in group["rules"]}
    assert by_name["InferenceErrorRatioHigh"]["expr"].endswith("> 0.001")
    assert by_name["InferenceLatencyHigh"]["expr"].endswith("> 0.25")
    assert by_name["InferenceAtMaxReplicas"]["for"] == "30m"
    assert by_name["InferenceGpuNodesLost"]["expr"].endswith(">= 5")
    # No burst capacity, no burst alert; an HPA service has no KEDA metric to miss.
    assert "InferenceBurstShareHigh" not in by_name and "InferenceAutoscalerMetricMissing" not in by_name


def test_the_rules_of_every_stack_file_parse(tmp_path):
    groups = []
    for path in STACK_FILES:
        config, secret = read_stack_file(path)
        stack = load_stack_config(config, secret, source=str(path), secure_paths=config.secure_paths)
        [group] = monitoring.rule_groups(stack.services, stack.observability.alerts, ECI)
        groups.append({**group, "name": path.stem})
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    result = subprocess.run([promtool(), "check", "rules", "rules.yaml"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gpu_query_averages_the_utilisation_of_the_services_pods_only(tmp_path):
    """The GPU autoscaler's query, evaluated by promtool: the average over bert's GPUs (40 and 80), not bert-b's."""
    series = {f'DCGM_FI_DEV_GPU_UTIL{{namespace="{NS}",pod="{pod}",gpu="{gpu}"}}': f"{value}x10"
              for pod, gpu, value in ((BERT_POD, "0", 40), (BERT_POD.replace("x2k9q", "z7k2p"), "1", 80), (BERT_B_POD, "0", 5))}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": []}))
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"], "tests": [{
        "interval": "1m", "input_series": [{"series": s, "values": v} for s, v in series.items()],
        "promql_expr_test": [{"expr": monitoring.gpu_utilization_query(BERT_GPU), "eval_time": "5m",
                              "exp_samples": [{"labels": "{}", "value": 60}]}]}]}))
    result = subprocess.run([promtool(), "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
