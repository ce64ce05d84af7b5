"""Catalog entries (``services[]``): the rules within one entry."""

from __future__ import annotations

import pytest

from factories import catalog_entry, config_issues, issues_at, stack_config

KEDA = {"serverAddress": "http://p:9090", "query": "q", "threshold": 1}


@pytest.mark.parametrize(
    ("entry", "path", "words"),
    [
        (catalog_entry(autoscaling={"minReplicas": 5, "maxReplicas": 2, "cpu": {"targetUtilization": 50}}),
         "services[0].autoscaling.maxReplicas", "less than minReplicas"),
        (catalog_entry(autoscaling={"maxReplicas": 3, "cpu": {"targetUtilization": 50}, "keda": KEDA}),
         "services[0].autoscaling", "exactly one of"),
        (catalog_entry(autoscaling={"minReplicas": 0, "maxReplicas": 3, "cpu": {"targetUtilization": 50}}),
         "services[0].autoscaling.minReplicas", "scale to zero needs keda"),
        (catalog_entry(autoscaling={"maxReplicas": 3, "cpu": None, "qps": {"targetPerPod": 10}}),
         "services[0].autoscaling.qps", "no ingress"),
        (catalog_entry(model={"name": "m", "path": "../secrets"}), "services[0].model.path", "not a relative path"),
        (catalog_entry(env={"OSS_ACCESS_KEY_ID": "x"}), "services[0].env.OSS_ACCESS_KEY_ID", "credential"),
    ],
)
def test_bad_entry_is_rejected_naming_its_key(entry, path, words):
    issues = config_issues(services=[entry])
    assert any(words in issue for issue in issues_at(path, issues)), issues



@pytest.mark.parametrize(("query", "fixed"), [
    ("avg(rate(seldon_api_executor_client_requests_seconds_count[1m]))",
     "sum(rate(seldon_api_executor_client_requests_seconds_count[1m]))"),
    (" AVG by (service) (rate(nginx_ingress_controller_requests[1m]))",
     "sum by (service) (rate(nginx_ingress_controller_requests[1m]))"),
    ("avg without(pod)(rate(x[1m]))", "sum without(pod)(rate(x[1m]))"),
])
def test_keda_query_averaging_over_pods_is_refused_with_the_sum_to_use(query, fixed):
    entry = catalog_entry(autoscaling={"maxReplicas": 3, "cpu": None, "keda": {**KEDA, "query": query}})
    [issue] = issues_at("services[0].autoscaling.keda.query", config_issues(services=[entry]))
    assert repr(query) in issue and "AverageValue" in issue and "replica count" in issue
    assert f"(hint: return the total across pods with sum: {fixed})" in issue


@pytest.mark.parametrize("query", [
    "sum(rate(nginx_ingress_controller_requests[1m]))",
    "sum(avg_over_time(queue_length[5m]))",
    "avg_over_time(sum(queue_length)[5m:])",
])
def test_keda_query_returning_a_total_is_accepted(query):
    entry = catalog_entry(autoscaling={"maxReplicas": 3, "cpu": None, "keda": {**KEDA, "query": query}})
    assert stack_config(services=[entry]).services[0].autoscaling.keda.query == query
