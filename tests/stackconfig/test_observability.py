"""The metrics backend (``observability``) and what the autoscalers that query it ask of the stack."""

from __future__ import annotations

import pytest

from factories import catalog_entry, config_issues, issues_at, stack_config

GPU_ENTRY = {"resources": {"gpus": 1}, "autoscaling": {"maxReplicas": 4, "cpu": None, "gpu": {"targetUtilization": 70}}}
NO_ADDRESS = {"autoscaling": {"maxReplicas": 4, "cpu": None, "keda": {"query": "sum(rate(x[1m]))", "threshold": 5}}}
CLUSTER_URL = "http://prometheus-operated.monitoring.svc:9090"


@pytest.mark.parametrize(("overrides", "path", "words"), [
    ({"observability": {"backend": "none"}, "services": [catalog_entry(**NO_ADDRESS)]},
     "services[0].autoscaling.keda.serverAddress", "no Prometheus to query"),
    ({"observability": {"backend": "none"}, "services": [catalog_entry(**GPU_ENTRY)]},
     "services[0].autoscaling.gpu", "observability.backend is none"),
    ({"services": [catalog_entry(resources={"gpus": 0}, autoscaling=GPU_ENTRY["autoscaling"])]},
     "services[0].autoscaling.gpu", "uses no GPU"),
    ({"services": [catalog_entry(resources={"gpus": 1}, autoscaling={**GPU_ENTRY["autoscaling"], "minReplicas": 0})]},
     "services[0].autoscaling.minReplicas", "never scale up"),
    ({"services": [catalog_entry(**GPU_ENTRY, burst={"mode": "only", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge"]})]},
     "services[0].autoscaling.gpu", "not on burst capacity"),
    ({"observability": {"backend": "external"}}, "observability.external", "needs the Prometheus' URL"),
    ({"observability": {"external": {"url": CLUSTER_URL}}}, "observability.external", "only used by backend external"),
    ({"observability": {"backend": "external", "external": {"url": CLUSTER_URL}, "inCluster": {"retention": "30d"}}},
     "observability.inCluster", "only used by backend inCluster"),
    ({"observability": {"backend": "external", "external": {"url": "https://prometheus.example.com"}}},
     "observability.external.scraperNamespace", "names no in-cluster Service"),
    ({"observability": {"inCluster": {"retention": "15 days", "retentionSize": "45G"}}},
     "observability.inCluster.retention", "Prometheus duration"),
    ({"observability": {"inCluster": {"retentionSize": "45G"}}}, "observability.inCluster.retentionSize", "Prometheus size"),
])
def test_bad_observability_is_rejected_naming_its_key(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues


def test_gpu_and_qps_autoscaling_cannot_share_a_stack():
    qps = catalog_entry(name="qps", autoscaling={"maxReplicas": 4, "cpu": None, "qps": {"targetPerPod": 10}},
                        ingress={"host": "qps.example.com", "tls": False})
    issues = config_issues(services=[qps, catalog_entry(name="gpu", **GPU_ENTRY)])
    assert any("mixes qps and keda (or gpu)" in issue for issue in issues_at("services", issues)), issues


def test_an_external_prometheus_by_cluster_dns_name_is_scraped_from_its_namespace():
    config = stack_config(observability={"backend": "external", "external": {"url": CLUSTER_URL}})
    assert config.observability.external.namespace == "monitoring"
    assert config.observability.external.monitoring_crds


def test_default_backend_is_the_in_cluster_prometheus_with_persistent_retention():
    observability = stack_config().observability
    assert observability.backend == "inCluster"
    assert observability.in_cluster.retention == "15d" and observability.in_cluster.storage_size == "50Gi"
