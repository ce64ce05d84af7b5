"""Catalog entries (``services[]``): the rules within one entry."""

from __future__ import annotations

import pytest

from factories import PRODUCTION, catalog_entry, config_issues, issues_at, stack_config

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


# ----------------------------------------------------------------------------- ingress exposure

HOST = {"host": "svc.example.com"}


def ingress_issues(ingress: dict, **overrides) -> list[str]:
    return config_issues(services=[catalog_entry(ingress=ingress)], **overrides)


def test_an_ingress_names_its_certificate_or_opts_out_of_tls():
    [issue] = issues_at("services[0].ingress.tlsSecretName", ingress_issues(HOST))
    assert "names no certificate" in issue and "tls: false" in issue
    assert issues_at("services[0].ingress.tls", ingress_issues({**HOST, "tls": False, "tlsSecretName": "svc-tls"}))
    assert stack_config(services=[catalog_entry(ingress={**HOST, "tls": False})]).services[0].ingress.tls is False
    assert stack_config(services=[catalog_entry(ingress={**HOST, "tlsSecretName": "svc-tls"})]).services[0].ingress.tls


def test_production_refuses_an_ingress_without_tls():
    [issue] = issues_at("services[0].ingress.tls", ingress_issues({**HOST, "tls": False}, **PRODUCTION))
    assert "production" in issue and "tlsSecretName" in issue
    assert stack_config(services=[catalog_entry(ingress={**HOST, "tlsSecretName": "svc-tls"})], **PRODUCTION).production


@pytest.mark.parametrize(("cidrs", "path", "words"), [
    (["10.0.0.0/33"], "services[0].ingress.allowSourceCidrs[0]", ""),
    (["not-a-cidr"], "services[0].ingress.allowSourceCidrs[0]", ""),
    (["10.0.0.1/8"], "services[0].ingress.allowSourceCidrs[0]", ""),
    (["203.0.113.0/24", "0.0.0.0/0"], "services[0].ingress.allowSourceCidrs", "admits every address"),
])
def test_bad_allow_list_entries_are_refused(cidrs, path, words):
    found = issues_at(path, ingress_issues({**HOST, "tls": False, "allowSourceCidrs": cidrs}))
    assert found and all(words in issue for issue in found), found


@pytest.mark.parametrize("key, value", [("allowSourceCidrs", ["203.0.113.0/24"]), ("rateLimitRps", 20),
                                        ("authSecretName", "svc-users")])
def test_nginx_annotations_are_refused_for_another_ingress_class(key, value):
    ingress = {**HOST, "tls": False, "className": "alb", key: value}
    [issue] = issues_at(f"services[0].ingress.{key}", ingress_issues(ingress))
    assert "NGINX ingress annotation" in issue and "className is alb" in issue
    assert stack_config(services=[catalog_entry(ingress={**ingress, "className": "nginx"})]).services


def test_rate_limit_is_positive():
    assert issues_at("services[0].ingress.rateLimitRps", ingress_issues({**HOST, "tls": False, "rateLimitRps": 0}))
