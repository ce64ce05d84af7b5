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
    ({"services": [_service("a", ingress={"host": "a.example.com", "tls": False}), _service("b", ingress={"host": "a.example.com", "tls": False})]},
     "services[1].ingress", "routes a.example.com/ like services[0]"),
    ({"services": [_service("a", ingress={"host": "a.example.com", "path": "/v1//models", "tls": False})]},
     "services[0].ingress.path", "'/v1//models' contains '//'"),
    ({"alicloud": {"network": {"nodeVswitchCidrs": ["192.168.0.0/30", "192.168.16.0/20"]}}},
     "alicloud.network.nodeVswitchCidrs[0]", "a vSwitch takes /16 to /29"),
    ({"alicloud": {"network": {"vpcCidr": "10.0.0.0/7", "nodeVswitchCidrs": ["10.0.0.0/20", "10.0.16.0/20"],
                              "podVswitchCidrs": ["10.0.64.0/19", "10.0.96.0/19"]}}},
     "alicloud.network.vpcCidr", "a VPC takes /8 to /28"),
    ({"tags": {"acs:owner": "me"}}, "tags.acs:owner", "reserves"),
    ({"tags": {"team*": "me"}}, "tags.team*", "use only letters, digits, spaces and + - = . _ : /"),
    ({"tags": {"k" * 65: "me"}}, "tags." + "k" * 65, "an OSS bucket takes at most 64"),
    ({"tags": {"owner": "acs:me"}}, "tags.owner", "tag value 'acs:me' starts with 'acs:'"),
    ({"tags": {"Aliyun-team": "me"}}, "tags.Aliyun-team", "reserves"),
    ({"tags": {"wiki": "https://example.com"}}, "tags.wiki", "http:// or https://"),
    ({"s3ModelRepository": {"bucketName": "acme..bucket", "region": "us-east-1"}}, "s3ModelRepository.bucketName", "'..'"),
    ({"s3ModelRepository": {"bucketName": "192.168.1.1", "region": "us-east-1"}}, "s3ModelRepository.bucketName", "IP address"),
    ({"alicloud": {"cluster": {"kubernetesVersion": "1.24.6-aliyun.1"}}}, "alicloud.cluster.kubernetesVersion", "older than 1.26"),
])
def test_values_the_apis_refuse_are_refused(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues


def test_aws_reserves_its_own_tag_prefix():
    issues = config_issues(cloud="aws", alicloud=None, tags={"AWS:team": "x"}, region="us-east-1",
                           zones=["us-east-1a", "us-east-1b"],
                           aws={"publicSubnetCidrs": ["10.0.0.0/24", "10.0.1.0/24"],
                                "privateSubnetCidrs": ["10.0.16.0/20", "10.0.32.0/20"]})
    assert issues_at("tags.AWS:team", issues) == [
        "tags.AWS:team: tag key 'AWS:team' starts with 'aws:', which aws reserves for its own tags "
        "(hint: choose a key without that prefix)"]
