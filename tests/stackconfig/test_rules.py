"""Rules across sections: zones, per-zone subnets, node pools, and what catalog entries ask of the platform."""

from __future__ import annotations

import pytest

from factories import catalog_entry, config_issues, issues_at, stack_config

KEDA = {"serverAddress": "http://p:9090", "query": "q", "threshold": 20}


@pytest.mark.parametrize(
    ("overrides", "path", "words"),
    [
        ({"production": True}, "zones", "three zones"),
        ({"zones": ["cn-hangzhou-h", "cn-beijing-i"]}, "zones[0]", "not a zone of region cn-beijing"),
        ({"alicloud": {"network": {"nodeVswitchCidrs": ["192.168.0.0/20"]}}}, "alicloud.network.nodeVswitchCidrs",
         "1 entries for 2 zones"),
        ({"alicloud": {"cluster": {"serviceCidr": "192.168.0.0/20"}}}, "alicloud.cluster.serviceCidr",
         "overlaps alicloud.network.vpcCidr"),
        ({"alicloud": {"nodePools": [{"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"],
                                      "scaling": {"minSize": 0, "maxSize": 2}}]}},
         "alicloud.nodePools", "no pay-as-you-go CPU pool"),
        ({"services": [catalog_entry(burst={"mode": "only"})]}, "services[0].burst.eciGpuSpecs", "needs ECI GPU instance types"),
        ({"alicloud": {"virtualNodes": {"enabled": False}},
          "services": [catalog_entry(resources={"gpus": 0}, burst={"mode": "only"})]},
         "services[0].burst.mode", "alicloud.virtualNodes.enabled is false"),
        ({"services": [catalog_entry(), catalog_entry()]}, "services[1].name", "duplicate service inference/bert"),
        ({"services": [catalog_entry(placement={"nodeSelector": {"inference": "pytorch"}})]},
         "services[0].placement.nodeSelector", "no node pool has the labels"),
        ({"services": [catalog_entry(ingress={"host": "bert.example.com", "tls": False}, autoscaling={"cpu": None, "qps": {"targetPerPod": 10}}),
                       catalog_entry(name="cifar", autoscaling={"cpu": None, "keda": KEDA})]},
         "services", "mixes qps and keda"),
    ],
)
def test_contradiction_between_sections_is_rejected_naming_its_key(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues


@pytest.mark.parametrize("cloud", ["aws", "existing"])
def test_the_alicloud_section_is_set_only_on_alicloud(cloud):
    issues = config_issues(cloud=cloud, alicloud={"virtualNodes": {"enabled": False}})
    assert issues_at("alicloud", issues) == [
        f"alicloud: configures cloud alicloud, but cloud is {cloud} (hint: remove alicloud or set cloud: alicloud)"]


def test_the_alicloud_section_is_reported_on_another_cloud_even_with_a_mistake_inside():
    issues = config_issues(cloud="existing", region=None, zones=None, alicloud={"cluster": {"clusterSpec": "tiny"}})
    assert {i.split(":")[0] for i in issues} == {"alicloud", "alicloud.cluster.clusterSpec"}


def test_defaults_of_an_unset_alicloud_section_are_not_checked_on_another_cloud():
    config = stack_config(cloud="existing", region=None, zones=None, alicloud=None,
                          existing={"modelClaim": {"namespace": "inference", "name": "models"}})
    assert config.cloud == "existing" and "alicloud" not in config.model_fields_set
