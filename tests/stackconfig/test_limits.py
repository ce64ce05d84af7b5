"""Rules from the APIs the values reach: unique logical names and routes, Ingress paths, vSwitch masks, tag keys,
bucket names, version floors."""

from __future__ import annotations

import pytest

from factories import catalog_entry, config_issues, issues_at


def _service(name, namespace="inference", **overrides):
    return catalog_entry(name=name, namespace=namespace, resources={"gpus": 0}, **overrides)


@pytest.mark.parametrize(("overrides", "path", "words"), [
    ({"services": [_service("cifar10-keda"), _service("keda", namespace="inference-cifar10")]},
     "services[1].name", "both name the resources 'inference-cifar10-keda'"),
    ({"services": [_service("a", ingress={"host": "a.example.com"}), _service("b", ingress={"host": "a.example.com"})]},
     "services[1].ingress", "routes a.example.com/ like services[0]"),
    ({"services": [_service("a", ingress={"host": "a.example.com", "path": "/v1//models"})]},
     "services[0].ingress.path", "'/v1//models' contains '//'"),
    ({"alicloud": {"network": {"nodeVswitchCidrs": ["192.168.0.0/30", "192.168.16.0/20"]}}},
     "alicloud.network.nodeVswitchCidrs[0]", "a vSwitch takes /16 to /29"),
    ({"tags": {"acs:owner": "me"}}, "tags.acs:owner", "reserves"),
    ({"tags": {"Aliyun-team": "me"}}, "tags.Aliyun-team", "reserves"),
    ({"tags": {"wiki": "https://example.com"}}, "tags.wiki", "http:// or https://"),
    ({"s3ModelRepository": {"bucketName": "acme..bucket", "region": "us-east-1"}}, "s3ModelRepository.bucketName", "'..'"),
    ({"s3ModelRepository": {"bucketName": "192.168.1.1", "region": "us-east-1"}}, "s3ModelRepository.bucketName", "IP address"),
    ({"alicloud": {"cluster": {"kubernetesVersion": "1.24.6-aliyun.1"}}}, "alicloud.cluster.kubernetesVersion", "older than 1.26"),
])
def test_values_the_apis_refuse_are_refused(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues
