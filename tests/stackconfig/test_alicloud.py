"""The ``alicloud`` section: its defaults, and the rules within its parts (network, node pools, model store)."""

from __future__ import annotations

import pytest

from stackconfig import AlicloudConfig, StackConfig

from factories import ADOPTED_ACK, ADOPTED_CLUSTER_ID, BASE, PRODUCTION, config_issues, issues_at, merge, stack_config


def pools(*entries: dict) -> dict:
    return {"alicloud": {"nodePools": list(entries)}}


GPU_POOL = {"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2}}


def test_base_config_loads_with_documented_defaults():
    config = stack_config()
    assert config.alicloud.cluster.cluster_spec == "ack.pro.small"
    gpu_pool = next(p for p in config.alicloud.node_pools if p.gpu)
    assert gpu_pool.spot is not None
    assert gpu_pool.spot.on_demand_percentage_above_base_capacity == 30
    assert gpu_pool.spot.compensate_with_on_demand is True
    assert gpu_pool.effective_multi_az_policy == "COST_OPTIMIZED"
    assert [t.key for t in gpu_pool.effective_taints] == ["nvidia.com/gpu"]
    system_pool = next(p for p in config.alicloud.node_pools if not p.gpu)
    assert system_pool.effective_taints == [] and system_pool.effective_multi_az_policy == "BALANCE"
    assert config.alicloud.metrics_adapter.chart == "ack-alibaba-cloud-metrics-adapter"
    assert config.deletion_protection is False and config.protect_data is False


@pytest.mark.parametrize(
    ("overrides", "path", "words"),
    [
        ({"alicloud": {"network": {"vpcCidr": "192.168.0.0/33"}}}, "alicloud.network.vpcCidr", ""),
        ({"alicloud": {"network": {"podVswitchCidrs": ["192.168.0.0/19", "192.168.96.0/19"]}}},
         "alicloud.network.podVswitchCidrs[0]", "overlaps"),
        (pools({**GPU_POOL, "spot": {"onDemandPercentageAboveBaseCapacity": 130}}),
         "alicloud.nodePools[0].spot.onDemandPercentageAboveBaseCapacity", "130 is out of range: it must be at most 100"),
        (pools({**GPU_POOL, "spot": {"instancePools": 11}}), "alicloud.nodePools[0].spot.instancePools", "11 is out of range: it must be at most 10"),
        (pools({**GPU_POOL, "spot": {"instancePools": 2}}), "alicloud.nodePools[0].spot.instancePools",
         "2 is more than the pool's 1 instanceTypes"),
        (pools({"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 5, "maxSize": 2}}),
         "alicloud.nodePools[0].scaling.minSize", "greater than maxSize"),
        (pools({**GPU_POOL, "instanceTypes": ["gn7i.2xlarge"]}), "alicloud.nodePools[0].instanceTypes[0]", "'gn7i.2xlarge' is not an ECS instance type name such as ecs.gn7i-c8g1.2xlarge"),
        (pools({**GPU_POOL, "spot": {}, "multiAzPolicy": "PRIORITY"}),
         "alicloud.nodePools[0].spot.compensateWithOnDemand", "COST_OPTIMIZED"),
        ({"alicloud": {"modelStore": {"writeAccess": True}}}, "alicloud.modelStore.writeAccessReason", "no reason"),
    ],
)
def test_bad_alicloud_option_is_rejected_naming_its_key(overrides, path, words):
    issues = config_issues(**overrides)
    assert any(words in issue for issue in issues_at(path, issues)), issues


@pytest.mark.parametrize("types, given, pools_", [(1, None, 1), (2, None, 2), (3, None, 3), (5, None, 3), (5, 5, 5), (2, 1, 1)])
def test_spot_instance_pools_never_exceed_the_pools_instance_types(types, given, pools_):
    spot = {} if given is None else {"instancePools": given}
    # CPU types: the catalog lists more of them than GPU types, and the rule does not depend on the kind.
    cpu_types = ["ecs.g7.xlarge", "ecs.g6.xlarge", "ecs.g7.2xlarge", "ecs.g6.2xlarge", "ecs.c7.xlarge"]
    system = {"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 1, "maxSize": 2}}
    spot_pool = {"name": "cpu-spot", "instanceTypes": cpu_types[:types], "scaling": {"minSize": 0, "maxSize": 4},
                 "spot": spot}
    config = stack_config(**pools(system, spot_pool))
    assert config.alicloud.node_pools[1].effective_spot_instance_pools == pools_


def test_proxy_mode_defaults_by_kubernetes_version_and_a_pin_wins():
    def mode(**cluster) -> str:
        return stack_config(alicloud={"cluster": cluster}).alicloud.cluster.effective_proxy_mode
    assert mode() == "nftables"  # the default version, 1.35
    assert mode(kubernetesVersion="1.35.2-aliyun.1") == "nftables"
    assert mode(kubernetesVersion="1.34.1-aliyun.1") == "ipvs"
    assert mode(kubernetesVersion="1.34.1-aliyun.1", proxyMode="nftables") == "nftables"
    assert mode(proxyMode="ipvs") == "ipvs"
    assert issues_at("alicloud.cluster.proxyMode", config_issues(alicloud={"cluster": {"proxyMode": "userspace"}}))


def test_production_protects_by_default_and_explicit_choice_wins():
    prod = stack_config(**PRODUCTION)
    assert prod.protect_data and prod.deletion_protection
    assert stack_config(alicloud={"cluster": {"deletionProtection": True}}).deletion_protection is True
    assert stack_config(**merge(PRODUCTION, {"alicloud": {"cluster": {"deletionProtection": False}}})).deletion_protection is False


def test_defaults_come_from_the_model_only():
    """Every part of the section a stack leaves out is the model's own default (one place)."""
    minimal = StackConfig.model_validate(merge(BASE, {"alicloud": {"network": BASE["alicloud"]["network"]}}))
    defaults = AlicloudConfig()
    assert minimal.alicloud.model_store == defaults.model_store
    assert minimal.alicloud.node_pools == defaults.node_pools
    assert minimal.alicloud.metrics_adapter == defaults.metrics_adapter


# ----------------------------------------------------------------------------- model store: existing bucket, forceDestroy


def test_an_existing_bucket_names_the_stacks_bucket_and_defaults_keep_objects():
    config = stack_config(alicloud={"modelStore": {"existingBucket": "acme-models", "path": "/vision"}})
    store = config.alicloud.model_store
    assert config.bucket_name == "acme-models" and not store.creates_bucket and store.key_prefix == "vision/"
    assert stack_config().alicloud.model_store.force_destroy is False


def test_created_bucket_options_are_errors_with_an_existing_bucket_all_at_once():
    found = config_issues(alicloud={"modelStore": {
        "existingBucket": "acme-models", "bucketName": "other", "redundancyType": "LRS", "encryption": "KMS",
        "forceDestroy": True}})
    assert [i.split(":")[0] for i in found] == [f"alicloud.modelStore.{key}" for key in
                                                ("bucketName", "redundancyType", "encryption", "forceDestroy")]
    assert found[1] == ("alicloud.modelStore.redundancyType: redundancyType 'LRS' only applies to a bucket the stack "
                        "creates, but existingBucket acme-models is not created by this stack (hint: remove "
                        "redundancyType (the existing bucket's owner sets it), or remove existingBucket to create a bucket)")


def test_an_existing_bucket_takes_the_kms_key_its_objects_use_without_encryption():
    store = stack_config(alicloud={"modelStore": {"existingBucket": "acme-models", "kmsKeyId": "key-1"}}).alicloud.model_store
    assert store.kms_key_id == "key-1"
    assert issues_at("alicloud.modelStore.kmsKeyId", config_issues(alicloud={"modelStore": {"kmsKeyId": "key-1"}}))


def test_production_refuses_force_destroy():
    found = config_issues(**merge(PRODUCTION, {"alicloud": {"modelStore": {"forceDestroy": True}}}))
    assert found == ["alicloud.modelStore.forceDestroy: is true, but a production stack protects its model bucket and "
                     "never deletes its objects (hint: remove alicloud.modelStore.forceDestroy; to retire the bucket, "
                     "unprotect it and empty it deliberately)"]


KEY_ID = "key-bjj62f5ba3dnpb6v8abcd"


def test_secrets_encryption_is_off_unless_a_key_is_given():
    assert stack_config().alicloud.cluster.secrets_encryption is None
    given = stack_config(alicloud={"cluster": {"secretsEncryption": {"kmsKeyId": KEY_ID}}})
    assert given.alicloud.cluster.secrets_encryption.kms_key_id == KEY_ID
    uuid = "1234abcd-12ab-34cd-56ef-1234567890ab"  # a KMS 1.0 key id
    assert stack_config(alicloud={"cluster": {"secretsEncryption": {"kmsKeyId": uuid}}}).alicloud.cluster.secrets_encryption


def test_secrets_encryption_without_a_key_says_the_program_creates_none():
    [issue] = issues_at("alicloud.cluster.secretsEncryption.kmsKeyId",
                        config_issues(alicloud={"cluster": {"secretsEncryption": {}}}))
    assert "is required" in issue and "creates none" in issue and "KMS instance" in issue
    assert "hint: create or pick a symmetric Aliyun_AES_256 key in the cluster's region" in issue


def test_secrets_encryption_refuses_what_is_not_a_key_id_and_clusters_other_than_ack_pro():
    for wrong in ("alias/secrets", "acs:kms:cn-beijing:1234567890123456:key/key-bjj62f5ba3dnpb6v8abcd", "KEY-ABC"):
        assert issues_at("alicloud.cluster.secretsEncryption.kmsKeyId",
                         config_issues(alicloud={"cluster": {"secretsEncryption": {"kmsKeyId": wrong}}})), wrong
    [issue] = issues_at("alicloud.cluster.secretsEncryption", config_issues(alicloud={"cluster": {
        "clusterSpec": "ack.standard", "secretsEncryption": {"kmsKeyId": KEY_ID}}}))
    assert "needs an ACK Pro cluster, but clusterSpec is ack.standard" in issue


def test_production_encrypts_secrets():
    without = merge(PRODUCTION, {"alicloud": {"cluster": {"secretsEncryption": None}}})
    [issue] = issues_at("alicloud.cluster.secretsEncryption", config_issues(**without))
    assert "a production stack encrypts Kubernetes Secrets with a KMS key, but none is set" in issue
    assert stack_config(**PRODUCTION).alicloud.cluster.secrets_encryption.kms_key_id == KEY_ID


# ----------------------------------------------------------------------------- an adopted cluster

def adopted(**overrides) -> dict:
    return merge(ADOPTED_ACK, overrides)


def test_an_adopted_cluster_needs_only_its_id_and_the_region():
    config = stack_config(**adopted())
    assert config.adopts_cluster and not config.alicloud.cluster.creates_cluster
    assert config.alicloud.cluster.existing.node_vswitch_ids == []
    assert issues_at("region", config_issues(**{**adopted(), "region": None}))


@pytest.mark.parametrize("key, value", [
    ("kubernetesVersion", "1.35.2-aliyun.1"), ("clusterSpec", "ack.pro.small"), ("serviceCidr", "172.16.0.0/16"),
    ("publicApiServer", False), ("ingressLoadBalancer", "intranet"), ("controlPlaneLogs", []),
    ("controlPlaneLogTtlDays", 7), ("deletionProtection", True), ("proxyMode", "ipvs"),
    ("secretsEncryption", {"kmsKeyId": "key-bjj62f5ba3dnpb6v8abcd"}),
])
def test_options_of_a_created_cluster_are_errors_when_adopting_even_at_their_default(key, value):
    [issue] = issues_at(f"alicloud.cluster.{key}", config_issues(**adopted(alicloud={"cluster": {key: value}})))
    assert f"adopts cluster {ADOPTED_CLUSTER_ID}" in issue and f"remove {key}" in issue


def test_the_network_and_zones_are_errors_when_adopting_and_reported_with_the_clusters():
    issues = config_issues(alicloud={"cluster": {"existing": {"clusterId": ADOPTED_CLUSTER_ID}, "proxyMode": "ipvs"}})
    assert {"alicloud.network", "zones", "alicloud.cluster.proxyMode"} <= {i.split(":")[0] for i in issues}
    assert "existing.nodeVswitchIds" in issues_at("alicloud.network", issues)[0]


def test_options_an_adopted_cluster_shares_with_a_created_one_are_accepted():
    config = stack_config(**adopted(alicloud={"cluster": {"logProject": "acme-logs", "kubeconfigTtlMinutes": 60,
                                                          "createAutoscalerRole": True}}))
    assert config.alicloud.cluster.log_project == "acme-logs"


def test_an_adopted_cluster_needs_no_system_pool_of_the_stack():
    config = stack_config(**adopted(alicloud={"nodePools": [GPU_POOL]}))
    assert [p.name for p in config.alicloud.node_pools] == ["gpu"]
    assert issues_at("alicloud.nodePools", config_issues(**pools(GPU_POOL)))


def test_production_encryption_is_the_adopted_clusters_owners_business():
    config = stack_config(**adopted(production=True))
    assert config.production and config.alicloud.cluster.secrets_encryption is None


@pytest.mark.parametrize("key, overrides", [
    ("alicloud.virtualNodes.alreadyInstalled", {"alicloud": {"virtualNodes": {"alreadyInstalled": True}}}),
    ("alicloud.metricsAdapterAlreadyInstalled", {"alicloud": {"metricsAdapterAlreadyInstalled": True}}),
])
def test_only_an_adopted_cluster_already_runs_addons(key, overrides):
    [issue] = issues_at(key, config_issues(**overrides))
    assert "alicloud.cluster.existing" in issue
    stack_config(**adopted(**overrides))


def test_an_installed_virtual_node_addon_must_be_enabled():
    issues = config_issues(**adopted(alicloud={"virtualNodes": {"alreadyInstalled": True, "enabled": False}}))
    assert issues_at("alicloud.virtualNodes.alreadyInstalled", issues)


def test_keda_cannot_join_a_cluster_whose_metrics_adapter_runs():
    keda = {"name": "bert", "server": "tfserving", "model": {"name": "bert", "path": "bert"},
            "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "keda": {
                "serverAddress": "http://prometheus.monitoring:9090", "query": "sum(rate(x[1m]))", "threshold": 10}}}
    issues = config_issues(**adopted(alicloud={"metricsAdapterAlreadyInstalled": True}, services=[keda]))
    assert "KEDA cannot run there" in issues_at("services[0].autoscaling.keda", issues)[0]


@pytest.mark.parametrize("value", ["c123", "C0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef0"])
def test_a_cluster_id_that_is_not_one_is_refused(value):
    assert issues_at("alicloud.cluster.existing.clusterId",
                     config_issues(**adopted(alicloud={"cluster": {"existing": {"clusterId": value}}})))


def test_an_adopted_cluster_with_virtual_nodes_says_whether_it_runs_the_addon():
    issues = config_issues(**merge(adopted(), {"alicloud": {"virtualNodes": None}}))
    [issue] = issues_at("alicloud.virtualNodes.alreadyInstalled", issues)
    assert "is required" in issue and "cannot be looked up" in issue
    stack_config(**merge(adopted(), {"alicloud": {"virtualNodes": {"enabled": False}}}))


def test_an_adopted_cluster_may_get_no_node_pool_but_a_created_one_needs_its_system_pool():
    assert stack_config(**adopted(alicloud={"nodePools": []})).alicloud.node_pools == []
    assert issues_at("alicloud.nodePools", config_issues(alicloud={"nodePools": []}))


def test_pod_vswitches_are_only_for_a_virtual_node_addon_the_stack_installs():
    pods = {"cluster": {"existing": {"clusterId": ADOPTED_CLUSTER_ID, "podVswitchIds": ["vsw-2zepods"]}}}
    stack_config(**adopted(alicloud=pods))
    for virtual_nodes in ({"alreadyInstalled": True}, {"enabled": False}):
        issues = config_issues(**adopted(alicloud={**pods, "virtualNodes": virtual_nodes}))
        assert "does not install" in issues_at("alicloud.cluster.existing.podVswitchIds", issues)[0]
