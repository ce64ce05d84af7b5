"""Catalog entries (``services[]``): the rules within one entry."""

from __future__ import annotations

import pytest

from factories import catalog_entry, config_issues, issues_at

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
