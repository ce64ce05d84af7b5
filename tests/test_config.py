"""Stack config validation, without the Pulumi runtime: good configs load, bad ones name their key."""

from __future__ import annotations

import pytest

from stackconfig import StackConfigError, load_stack_config
from stackconfig import StackConfig

from factories import BASE, merge, pulumi_config, stack_config

SERVICE = {
    "name": "bert",
    "server": "tfserving",
    "model": {"name": "chnsenticorp", "path": "models/bert"},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 10, "cpu": {"targetUtilization": 50}},
}


def service(**overrides):
    return merge(SERVICE, overrides)


def issues_for(**overrides) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        stack_config(**overrides)
    return [str(issue) for issue in caught.value.issues]


def test_base_config_loads_with_documented_defaults():
    config = stack_config()
    assert config.cluster.cluster_spec == "ack.pro.small"
    gpu_pool = next(p for p in config.node_pools if p.gpu)
    assert gpu_pool.spot is not None
    assert gpu_pool.spot.on_demand_percentage_above_base_capacity == 30
    assert gpu_pool.spot.compensate_with_on_demand is True
    assert gpu_pool.effective_multi_az_policy == "COST_OPTIMIZED"
    assert [t.key for t in gpu_pool.effective_taints] == ["nvidia.com/gpu"]
    system_pool = next(p for p in config.node_pools if not p.gpu)
    assert system_pool.effective_taints == [] and system_pool.effective_multi_az_policy == "BALANCE"
    assert config.deletion_protection is False and config.protect_data is False


@pytest.mark.parametrize(
    ("overrides", "path", "words"),
    [
        # wrong types
        ({"production": "maybe"}, "production", "boolean"),
        ({"zones": "cn-beijing-h"}, "zones", "list"),
        ({"network": {"vpcCidr": "192.168.0.0/33"}}, "network.vpcCidr", ""),
        # unknown keys, with a suggestion
        ({"servces": []}, "servces", "did you mean 'services'"),
        ({"services": [service(autoscaling={"maxReplicas": 3, "minReplica": 1, "cpu": {"targetUtilization": 50}})]},
         "services[0].autoscaling.minReplica", "did you mean 'minReplicas'"),
        ({"tags": {f"k{i}": "v" for i in range(8)}}, "tags", "at most 7"),
        # missing required values
        ({"region": None}, "region", "required"),
        ({"services": [{k: v for k, v in SERVICE.items() if k != "model"}]}, "services[0].model", "required"),
        # out-of-range values
        ({"nodePools": [{"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
                         "spot": {"onDemandPercentageAboveBaseCapacity": 130}}]},
         "nodePools[0].spot.onDemandPercentageAboveBaseCapacity", "less than or equal to 100"),
        ({"nodePools": [{"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
                         "spot": {"instancePools": 11}}]},
         "nodePools[0].spot.instancePools", "less than or equal to 10"),
        # contradictory values
        ({"production": True}, "zones", "three zones"),
        ({"nodePools": [{"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 5, "maxSize": 2}}]},
         "nodePools[0].scaling.minSize", "greater than maxSize"),
        ({"services": [service(autoscaling={"minReplicas": 5, "maxReplicas": 2, "cpu": {"targetUtilization": 50}})]},
         "services[0].autoscaling.maxReplicas", "less than minReplicas"),
        ({"network": {"nodeVswitchCidrs": ["192.168.0.0/20"]}}, "network.nodeVswitchCidrs", "1 entries for 2 zones"),
        ({"network": {"podVswitchCidrs": ["192.168.0.0/19", "192.168.96.0/19"]}}, "network.podVswitchCidrs[0]", "overlaps"),
        ({"zones": ["cn-hangzhou-h", "cn-beijing-i"]}, "zones[0]", "not a zone of region cn-beijing"),
        ({"nodePools": [{"name": "gpu", "instanceTypes": ["gn7i.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2}}]},
         "nodePools[0].instanceTypes[0]", "pattern"),
        ({"nodePools": [{"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
                         "spot": {}, "multiAzPolicy": "PRIORITY"}]},
         "nodePools[0].spot.compensateWithOnDemand", "COST_OPTIMIZED"),
        ({"modelStore": {"writeAccess": True}}, "modelStore.writeAccessReason", "no reason"),
        ({"services": [service(autoscaling={"maxReplicas": 3, "cpu": {"targetUtilization": 50},
                                            "keda": {"serverAddress": "http://p:9090", "query": "q", "threshold": 1}})]},
         "services[0].autoscaling", "exactly one of"),
        ({"services": [service(autoscaling={"minReplicas": 0, "maxReplicas": 3, "cpu": {"targetUtilization": 50}})]},
         "services[0].autoscaling.minReplicas", "scale to zero needs keda"),
        ({"services": [service(autoscaling={"maxReplicas": 3, "cpu": None, "qps": {"targetPerPod": 10}})]},
         "services[0].autoscaling.qps", "no ingress"),
        ({"services": [service(burst={"mode": "only"})]}, "services[0].burst.eciGpuSpecs", "needs ECI GPU instance types"),
        ({"services": [service(), service()]}, "services[1].name", "duplicate service inference/bert"),
        ({"services": [service(placement={"nodeSelector": {"inference": "pytorch"}})]},
         "services[0].placement.nodeSelector", "no node pool has the labels"),
        ({"services": [service(model={"name": "m", "path": "../secrets"})]}, "services[0].model.path", "not a relative path"),
        ({"services": [service(env={"OSS_ACCESS_KEY_ID": "x"})]}, "services[0].env.OSS_ACCESS_KEY_ID", "credential"),
        ({"services": [service(ingress={"host": "bert.example.com"}, autoscaling={"cpu": None, "qps": {"targetPerPod": 10}}),
                       service(name="cifar", autoscaling={"cpu": None, "keda": {
                           "serverAddress": "http://p:9090", "query": "q", "threshold": 20}})]},
         "services", "mixes qps and keda"),
    ],
)
def test_bad_config_is_rejected_naming_its_key(overrides, path, words):
    issues = issues_for(**overrides)
    matching = [i for i in issues if i.startswith(f"{path}:")]
    assert matching, f"no issue at {path}: {issues}"
    assert any(words in i for i in matching), matching


def test_all_errors_are_reported_at_once():
    issues = issues_for(servces=[], network={"vpcCidr": "nonsense"}, cluster={"serviceCidr": 5, "clusterSpec": "ack.pro.tiny"})
    paths = {i.split(":")[0] for i in issues}
    assert {"servces", "network.vpcCidr", "cluster.serviceCidr", "cluster.clusterSpec"} <= paths


def test_each_cross_section_finding_is_reported_once():
    issues = issues_for(production=True)
    assert len([i for i in issues if i.startswith("zones:")]) == 1


def test_a_mistake_in_one_section_does_not_hide_contradictions_between_others():
    issues = issues_for(production=True, services=[service(autoscaling={"maxReplicas": "many"})],
                        network={"nodeVswitchCidrs": ["192.168.0.0/20"]})
    paths = {i.split(":")[0] for i in issues}
    assert {"services[0].autoscaling.maxReplicas", "zones", "network.nodeVswitchCidrs"} <= paths
    # rules that read the broken section do not run on a guess
    assert not any(p.startswith("services") and p != "services[0].autoscaling.maxReplicas" for p in paths)


def test_unknown_namespace_and_plaintext_credentials_are_rejected():
    config = pulumi_config()
    config["elastic-inferenc:region"] = "cn-beijing"
    config["elastic-inference:s3Credentials"] = '{"accessKeyId": "AKIAplaintextvalue", "secretAccessKey": "x"}'
    with pytest.raises(StackConfigError) as caught:
        load_stack_config(config, secret=[])
    paths = [i.path for i in caught.value.issues]
    assert "elastic-inferenc:region" in paths and "s3Credentials" in paths
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


def test_production_protects_by_default_and_explicit_choice_wins():
    prod = stack_config(production=True, zones=["cn-beijing-h", "cn-beijing-i", "cn-beijing-k"],
                        network={"nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20", "192.168.32.0/20"],
                                 "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19", "192.168.128.0/19"]})
    assert prod.protect_data and prod.deletion_protection
    assert stack_config(cluster={"deletionProtection": True}).deletion_protection is True


def test_defaults_come_from_the_model_only():
    """The documented default of every field is the model's own default (one place)."""
    minimal = StackConfig.model_validate(merge(BASE, {}))
    assert minimal.model_store.claim_name == StackConfig.model_fields["model_store"].default.claim_name
