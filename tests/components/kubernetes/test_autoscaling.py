"""Autoscaler specs shared by HPAs, ScaledObjects and Seldon: metrics, behaviour, KEDA trigger."""

from __future__ import annotations

import kubernetes_validate
import pulumi
import pytest

from components.alicloud.addons import sls_qps_metric
from components.kubernetes import autoscaling
from components.kubernetes.context import MetricsBackend, PrometheusAccess
from crd_schemas import validate_custom_resource
from service_factories import BERT, KEDA, service


def hpa(scaling, log_project="k8s-log-c0ffee"):
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "bert", "namespace": "inference"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "bert"},
                     "minReplicas": scaling.min_replicas, "maxReplicas": scaling.max_replicas,
                     "metrics": autoscaling.hpa_metrics(scaling, qps=sls_qps_metric(log_project), route="inference-bert-8501"),
                     "behavior": autoscaling.hpa_behavior(scaling.behavior)}}


def test_qps_metric_selects_the_log_project_ingress_logstore_and_route():
    scaling = service(BERT).autoscaling
    assert autoscaling.hpa_metrics(scaling, qps=sls_qps_metric("k8s-log-c0ffee"), route="inference-bert-8501") == [{
        "type": "External", "external": {
            "metric": {"name": "sls_ingress_qps", "selector": {"matchLabels": {
                "sls.project": "k8s-log-c0ffee", "sls.logstore": "nginx-ingress",
                "sls.ingress.route": "inference-bert-8501"}}},
            "target": {"type": "AverageValue", "averageValue": "10"}}}]
    kubernetes_validate.validate(hpa(scaling), "1.35.0", strict=True)


@pytest.mark.parametrize("value, expected", [(10, "10"), (10.0, "10"), (2.5, "2500m"), (0.25, "250m")])
def test_targets_are_kubernetes_quantities(value, expected):
    assert autoscaling.quantity(value) == expected


@pytest.mark.parametrize("mode", ["cpu", "memory"])
def test_resource_utilization(mode):
    scaling = service(BERT, autoscaling={"qps": None, mode: {"targetUtilization": 50}}).autoscaling
    assert autoscaling.hpa_metrics(scaling, qps=None, route="unused") == [{
        "type": "Resource", "resource": {"name": mode, "target": {"type": "Utilization", "averageUtilization": 50}}}]
    kubernetes_validate.validate(hpa(scaling), "1.35.0", strict=True)


def test_default_behavior_is_the_guides_five_minute_scale_down_with_kubernetes_rates():
    behavior = autoscaling.hpa_behavior(service(BERT).autoscaling.behavior)
    assert behavior == {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max"},
                        "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max"}}


def test_configured_policies_are_rendered():
    scaling = service(BERT, autoscaling={"behavior": {"scaleUp": {
        "stabilizationWindowSeconds": 30, "selectPolicy": "Min",
        "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]}}}).autoscaling
    assert autoscaling.hpa_behavior(scaling.behavior)["scaleUp"] == {
        "stabilizationWindowSeconds": 30, "selectPolicy": "Min",
        "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]}
    kubernetes_validate.validate(hpa(scaling), "1.35.0", strict=True)


def test_keda_is_not_an_hpa_metric_and_hpa_modes_have_no_keda_spec():
    keda = service(BERT, autoscaling={"qps": None, **KEDA}).autoscaling
    with pytest.raises(ValueError):
        autoscaling.hpa_metrics(keda, qps=None, route="y")
    with pytest.raises(ValueError):
        autoscaling.keda_spec(service(BERT), None)


def test_keda_spec_scales_to_zero_on_a_prometheus_query():
    scaling = service(BERT, autoscaling={"qps": None, "minReplicas": 0, **KEDA}).autoscaling
    spec = autoscaling.keda_spec(service(BERT, autoscaling={"qps": None, "minReplicas": 0, **KEDA}), None)
    assert spec["minReplicaCount"] == 0 and spec["maxReplicaCount"] == 10
    assert spec["pollingInterval"] == 15 and spec["cooldownPeriod"] == 300
    assert spec["triggers"] == [{"type": "prometheus", "metadata": {
        "serverAddress": "http://prometheus.monitoring.svc:9090",
        "query": "sum(rate(nginx_ingress_controller_requests[1m]))",
        "threshold": "20", "activationThreshold": "0"}}]
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == autoscaling.hpa_behavior(scaling.behavior)
    validate_custom_resource({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                              "metadata": {"name": "bert", "namespace": "inference"},
                              "spec": {"scaleTargetRef": {"name": "bert"}, **spec}})


def test_qps_autoscaling_needs_a_cluster_that_counts_ingress_qps():
    with pytest.raises(ValueError, match="counts ingress QPS"):
        autoscaling.hpa_metrics(service(BERT).autoscaling, qps=None, route="inference-bert-8501")


def keda_with(authentication):
    return service(BERT, autoscaling={"qps": None, "keda": {**KEDA["keda"], "authentication": authentication}})


@pytest.mark.parametrize("authentication, parameters", [
    ({"mode": "bearer", "bearerToken": "t0ken-canary"}, {"bearerToken": "t0ken-canary"}),
    ({"mode": "basic", "username": "keda", "password": "pa55-canary"}, {"username": "keda", "password": "pa55-canary"}),
    ({"mode": "custom", "headerName": "X-Scope-OrgID", "headerValue": "tenant-canary"},
     {"customAuthHeader": "X-Scope-OrgID", "customAuthValue": "tenant-canary"}),
])
def test_keda_authentication_is_a_trigger_authentication_over_a_secret(authentication, parameters):
    entry = keda_with(authentication)
    spec = autoscaling.keda_spec(entry, None)
    (trigger,) = spec["triggers"]
    assert trigger["authenticationRef"] == {"name": "bert"}
    assert trigger["metadata"]["authModes"] == authentication["mode"]
    assert not any(value in str(spec) for value in parameters.values() if "canary" in value)
    access = autoscaling.secret_access(entry.autoscaling.keda.authentication)
    auth = autoscaling.trigger_authentication_spec(access, "bert-keda-auth-1a2b3c4d")
    assert auth == {"secretTargetRef": [{"parameter": name, "name": "bert-keda-auth-1a2b3c4d", "key": name} for name in parameters]}
    validate_custom_resource({"apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication",
                              "metadata": {"name": "bert", "namespace": "inference"}, "spec": auth})
    validate_custom_resource({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                              "metadata": {"name": "bert", "namespace": "inference"},
                              "spec": {"scaleTargetRef": {"name": "bert"}, **spec}})
    assert set(access.secret_parameters) == set(parameters)
    assert all(isinstance(value, pulumi.Output) for value in access.secret_parameters.values())


def test_pod_identity_access_is_a_trigger_authentication_without_a_secret():
    amp = MetricsBackend(query_url="https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1",
                         access=PrometheusAccess(pod_identity="aws", trigger_metadata={"awsRegion": "us-east-1"}))
    entry = service(BERT, autoscaling={"qps": None, "gpu": {"targetUtilization": 70}})
    (trigger,) = autoscaling.keda_spec(entry, amp)["triggers"]
    assert trigger["metadata"]["serverAddress"] == amp.query_url
    assert trigger["metadata"]["awsRegion"] == "us-east-1" and "authModes" not in trigger["metadata"]
    assert trigger["authenticationRef"] == {"name": "bert"}
    auth = autoscaling.trigger_authentication_spec(amp.access, None)
    assert auth == {"podIdentity": {"provider": "aws"}}
    validate_custom_resource({"apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication",
                              "metadata": {"name": "bert", "namespace": "inference"}, "spec": auth})


def test_a_trigger_without_authentication_has_no_reference():
    assert autoscaling.keda_source(service(BERT, autoscaling={"qps": None, **KEDA}), None)[1] is None
    assert "authenticationRef" not in autoscaling.keda_spec(service(BERT, autoscaling={"qps": None, **KEDA}), None)["triggers"][0]
