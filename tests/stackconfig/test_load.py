"""Loading Pulumi config into the model: every mistake at once with its key path, secrets, namespaces, moved keys."""

from __future__ import annotations

import pytest

from stackconfig import StackConfigError, load_stack_config

from factories import catalog_entry, config_issues, issues_at, pulumi_config


@pytest.mark.parametrize(
    ("overrides", "path", "words"),
    [
        # wrong types
        ({"production": "maybe"}, "production", "'maybe' is not true or false"),
        ({"zones": "cn-beijing-h"}, "zones", "list"),
        # unknown keys, with a suggestion
        ({"servces": []}, "servces", "did you mean 'services'"),
        ({"services": [catalog_entry(autoscaling={"maxReplicas": 3, "minReplica": 1, "cpu": {"targetUtilization": 50}})]},
         "services[0].autoscaling.minReplica", "did you mean 'minReplicas'"),
        ({"alicloud": {"netwrk": {}}}, "alicloud.netwrk", "did you mean 'network'"),
        ({"tags": {f"k{i}": "v" for i in range(8)}}, "tags", "at most 7"),
        # missing required values
        ({"region": None}, "region", "required"),
        ({"services": [{k: v for k, v in catalog_entry().items() if k != "model"}]}, "services[0].model", "required"),
    ],
)
def test_bad_value_is_rejected_naming_its_key(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues


def test_all_errors_are_reported_at_once():
    issues = config_issues(servces=[], alicloud={"network": {"vpcCidr": "nonsense"},
                                                 "cluster": {"serviceCidr": 5, "clusterSpec": "ack.pro.tiny"}})
    paths = {i.split(":")[0] for i in issues}
    assert {"servces", "alicloud.network.vpcCidr", "alicloud.cluster.serviceCidr", "alicloud.cluster.clusterSpec"} <= paths


def test_each_cross_section_finding_is_reported_once():
    assert len(issues_at("zones", config_issues(production=True))) == 1


def test_a_mistake_in_one_section_does_not_hide_contradictions_between_others():
    issues = config_issues(production=True, services=[catalog_entry(autoscaling={"maxReplicas": "many"})],
                           alicloud={"network": {"nodeVswitchCidrs": ["192.168.0.0/20"]}})
    paths = {i.split(":")[0] for i in issues}
    assert {"services[0].autoscaling.maxReplicas", "zones", "alicloud.network.nodeVswitchCidrs"} <= paths
    # rules that read the broken section do not run on a guess
    assert not any(p.startswith("services") and p != "services[0].autoscaling.maxReplicas" for p in paths)


def test_a_mistake_in_one_part_of_the_alicloud_section_does_not_hide_rules_over_its_other_parts():
    issues = config_issues(alicloud={"cluster": {"clusterSpec": "ack.pro.tiny"},
                                     "network": {"nodeVswitchCidrs": ["192.168.0.0/20"]},
                                     "virtualNodes": {"enabled": False}},
                           services=[catalog_entry(resources={"gpus": 0}, burst={"mode": "only"})])
    paths = {i.split(":")[0] for i in issues}
    assert {"alicloud.cluster.clusterSpec", "alicloud.network.nodeVswitchCidrs", "services[0].burst.mode"} <= paths


def test_unknown_namespace_and_plaintext_credentials_are_rejected():
    config = pulumi_config()
    config["elastic-inferenc:region"] = "cn-beijing"
    config["elastic-inference:s3Credentials"] = '{"accessKeyId": "AKIAplaintextvalue", "secretAccessKey": "x"}'
    with pytest.raises(StackConfigError) as caught:
        load_stack_config(config, secret=[])
    paths = [i.path for i in caught.value.issues]
    assert {"elastic-inferenc:region", "s3Credentials.accessKeyId", "s3Credentials.secretAccessKey"} <= set(paths)
    assert "AKIAplaintextvalue" not in caught.value.report()


def test_secure_credentials_load_as_secrets():
    config = pulumi_config()
    config["elastic-inference:s3Credentials"] = '{"accessKeyId": "AKIAsecurevalue", "secretAccessKey": "s"}'
    loaded = load_stack_config(config, secret=["elastic-inference:s3Credentials"])
    assert loaded.s3_credentials.access_key_id.get_secret_value() == "AKIAsecurevalue"
    assert "AKIAsecurevalue" not in repr(loaded)


def test_provider_namespaces_are_allowed():
    config = pulumi_config()
    config["alicloud:region"] = "cn-beijing"
    assert load_stack_config(config, secret=[]).region == "cn-beijing"


# --------------------------------------------------------------------------- keys moved in 0.2.0


OLD_ACK_KEYS = {
    "alicloud": None,
    "network": {"nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20"],
                "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19"]},
    "cluster": {"controlPlaneLogTtlDays": 7},
    "nodePools": [{"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 2, "maxSize": 3},
                   "labels": {"workload": "system"}},
                  {"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
                   "labels": {"pool": "tensorflow"}}],
    "modelStore": {"namespace": "models"},
    "virtualNodes": {"enabled": False},
    "addons": {"metricsAdapter": {"repository": "https://example.com/charts", "chart": "adapter", "version": "1.0.0",
                                  "namespace": "kube-system"}},
}
"""A 0.1.0 stack: the ACK options at the top level, and services that only fit them (their pools, namespace and
virtual nodes), so a rule run on the defaults standing in for them would report errors that are not there."""


def test_each_moved_key_gives_exactly_one_error_naming_its_new_place():
    services = [catalog_entry(namespace="models", placement={"nodeSelector": {"pool": "tensorflow"}}),
                catalog_entry(name="cpu", namespace="models", resources={"gpus": 0})]
    issues = config_issues(**OLD_ACK_KEYS, services=services)
    assert sorted(issues) == sorted(
        f"{old}: moved to alicloud.{new} in 0.2.0 (hint: move this block under elastic-inference:alicloud as {new} "
        "(README: Upgrade notes))"
        for old, new in (("network", "network"), ("cluster", "cluster"), ("nodePools", "nodePools"),
                         ("modelStore", "modelStore"), ("virtualNodes", "virtualNodes"),
                         ("addons.metricsAdapter", "metricsAdapter")))


def test_a_moved_key_does_not_hide_mistakes_elsewhere():
    issues = config_issues(network=OLD_ACK_KEYS["network"], alicloud=None, servces=[],
                           services=[catalog_entry(autoscaling={"maxReplicas": 0, "cpu": {"targetUtilization": 50}})])
    assert {i.split(":")[0] for i in issues} == {"network", "servces", "services[0].autoscaling.maxReplicas"}


# --------------------------------------------------------------------------- strict values and plain text


@pytest.mark.parametrize(("overrides", "path", "words"), [
    ({"services": [catalog_entry(autoscaling={"minReplicas": True, "maxReplicas": 3, "cpu": {"targetUtilization": 50}})]},
     "services[0].autoscaling.minReplicas", "true is not an integer"),
    ({"services": [catalog_entry(autoscaling={"maxReplicas": 3, "qps": {"targetPerPod": float("inf")}})]},
     "services[0].autoscaling.qps.targetPerPod", "not a finite number"),
    ({"services": [catalog_entry(resources={"memory": "16"})]}, "services[0].resources.memory", "did you mean 16Gi?"),
    ({"services": [catalog_entry(resources={"memory": "0Gi"})]}, "services[0].resources.memory", "between 1Mi and 64Ti"),
    ({"services": [catalog_entry(resources={"cpu": "0"})]}, "services[0].resources.cpu", "'0' is not a CPU quantity"),
    ({"tags": {"team": "ml\u202eplatform"}}, "tags", "U+202E"),
    ({"tags": {"team": "a\x07"}}, "tags", "U+0007"),
    ({"services": [catalog_entry(model={"name": "m" * 1_000_000, "path": "models/m"})]}, "services[0].model.name",
     "characters long; at most 4096"),
    ({"services": [catalog_entry(env={"MODE": "x\x00"})]}, "services[0].env", "U+0000"),
    ({"services": [catalog_entry(model={"name": "m", "path": "models/m", "versionPolicy": {"specific": [2 ** 63]}})]},
     "services[0].model.versionPolicy.specific", "9223372036854775808 is beyond the 64-bit integers"),
    ({"services": [catalog_entry(autoscaling={"maxReplicas": 2 ** 64, "cpu": {"targetUtilization": 50}})]},
     "services[0].autoscaling.maxReplicas", "18446744073709551616 is beyond the 64-bit integers"),
])
def test_strict_values_and_plain_text(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues


def test_a_pattern_error_gives_the_value_and_the_rule_in_words():
    issues = config_issues(alicloud={"nodePools": [{"name": "system", "instanceTypes": ["ecs_gn7i"],
                                                    "scaling": {"minSize": 1, "maxSize": 2}}]})
    [issue] = issues_at("alicloud.nodePools[0].instanceTypes[0]", issues)
    assert "'ecs_gn7i' is not an ECS instance type name such as ecs.gn7i-c8g1.2xlarge" in issue and "^" not in issue


def test_a_secret_value_is_never_shown_in_an_error():
    config = pulumi_config()
    config["elastic-inference:s3Credentials"] = '{"accessKeyId": 12345678901, "secretAccessKey": "s"}'
    with pytest.raises(StackConfigError) as caught:
        load_stack_config(config, secret=["elastic-inference:s3Credentials"])
    assert "12345678901" not in caught.value.report()


def test_a_misspelt_section_gives_one_error_not_the_errors_of_its_defaults():
    pools = [{"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 1, "maxSize": 2}},
             {"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
              "labels": {"pool": "tensorflow"}}]
    issues = config_issues(alicloud={"nodepools": pools},
                           services=[catalog_entry(placement={"nodeSelector": {"pool": "tensorflow"}}, resources={"gpus": 1})])
    assert issues == ["alicloud.nodepools: unknown key (hint: did you mean 'nodePools'?)"]


def test_a_mistake_inside_the_cluster_section_does_not_hide_what_adopting_refuses():
    from factories import ADOPTED_CLUSTER_ID
    issues = config_issues(alicloud={"cluster": {"existing": {"clusterId": ADOPTED_CLUSTER_ID}, "proxyMode": "ipvs",
                                                 "clusterSpec": "ack.pro.tiny"},
                                     "virtualNodes": {"alreadyInstalled": True}})
    paths = {i.split(":")[0] for i in issues}
    assert {"alicloud.cluster.clusterSpec", "alicloud.cluster.proxyMode", "alicloud.network", "zones"} <= paths


def test_a_broken_cluster_id_is_reported_alone_not_as_a_network_the_stack_would_create():
    issues = config_issues(zones=None, alicloud={"network": None, "cluster": {"existing": {"clusterId": "c123"}},
                                                 "virtualNodes": {"alreadyInstalled": True}})
    assert [i.split(":")[0] for i in issues] == ["alicloud.cluster.existing.clusterId"]
