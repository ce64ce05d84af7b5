"""The Cluster component under the mock engine, fed by a real Network as in the platform."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pulumi
import pytest

from components.alicloud.cluster import AUTOSCALER_ROLE, SECURITY_ROLE, Cluster, require_role
from components.alicloud.platform import cluster_args
from components.naming import cloud_tags
from components.alicloud.network import Network, NetworkArgs
from factories import ADOPTED_ACK, ADOPTED_CLUSTER_ID, PRODUCTION, merge, stack_config
from paths import ROOT
from planner import mocks
from policypack.sentinels import SECRET_MARK

CLUSTER = "elastic-inference:cluster:Cluster"
ACK = "alicloud:cs/managedKubernetes:ManagedKubernetes"
K8S_PROVIDER = "pulumi:providers:kubernetes"
ROLE = "alicloud:ram/role:Role"
ROLE_POLICY = "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment"
CREDENTIAL = "alicloud:cs/getClusterCredential:getClusterCredential"



def plan_cluster(run_under_mocks, **overrides):
    config = stack_config(**overrides)

    def program() -> None:
        network = Network("network", NetworkArgs(
            config=config.alicloud.network, zones=list(config.zones), environment=config.environment, tags=cloud_tags(config)))
        cluster = Cluster("cluster", cluster_args(config, network.node_vswitch_ids, network.pod_vswitch_ids))
        pulumi.export("nodeVswitchIds", network.node_vswitch_ids)
        pulumi.export("podVswitchIds", network.pod_vswitch_ids)
        for output in ("cluster_id", "kubeconfig", "oidc_provider_arn", "oidc_issuer_url", "security_group_id", "log_project"):
            pulumi.export(output, getattr(cluster, output))
        pulumi.export("k8sProviderUrn", cluster.k8s_provider.urn)

    return run_under_mocks(program)


def ack_inputs(plan) -> dict:
    return plan.get(ACK, "cluster").inputs


def test_cluster_arguments_come_from_the_config(run_under_mocks):
    plan = plan_cluster(run_under_mocks, tags={"team": "ml-platform"},
                        alicloud={"cluster": {"kubernetesVersion": "1.34.1-aliyun.1", "serviceCidr": "10.96.0.0/16"}})
    inputs = ack_inputs(plan)
    assert inputs["name"] == "ei-test-ack"
    assert inputs["clusterSpec"] == "ack.pro.small"
    assert inputs["version"] == "1.34.1-aliyun.1"
    assert inputs["serviceCidr"] == "10.96.0.0/16"
    assert inputs["enableRrsa"] is True
    assert inputs["newNatGateway"] is False
    assert inputs["slbInternetEnabled"] is False
    assert inputs["proxyMode"] == "ipvs"
    assert inputs["tags"] == {"project": "elastic-inference", "environment": "test", "managed-by": "pulumi",
                              "team": "ml-platform"}


def test_kube_proxy_mode_follows_the_kubernetes_version_unless_pinned(run_under_mocks):
    assert ack_inputs(plan_cluster(run_under_mocks))["proxyMode"] == "nftables"  # default 1.35
    pinned = plan_cluster(run_under_mocks, alicloud={"cluster": {"proxyMode": "ipvs"}})
    assert ack_inputs(pinned)["proxyMode"] == "ipvs"


def test_create_only_inputs_are_set_and_their_changes_ignored(run_under_mocks):
    cluster = plan_cluster(run_under_mocks).get(ACK, "cluster")
    assert sorted(cluster.ignore_changes) == ["addons", "newNatGateway", "podVswitchIds", "slbInternetEnabled"]
    assert all(name in cluster.inputs for name in cluster.ignore_changes)


def test_api_server_is_private_unless_a_stack_makes_it_public(run_under_mocks):
    assert ack_inputs(plan_cluster(run_under_mocks))["slbInternetEnabled"] is False
    plan = plan_cluster(run_under_mocks, alicloud={"cluster": {"publicApiServer": True}})
    assert ack_inputs(plan)["slbInternetEnabled"] is True


def test_ingress_load_balancer_is_intranet_unless_a_stack_puts_it_on_the_internet(run_under_mocks):
    def slb_type(plan) -> str:
        [controller] = [a for a in ack_inputs(plan)["addons"] if a["name"] == "nginx-ingress-controller"]
        return json.loads(controller["config"])["IngressSlbNetworkType"]
    assert slb_type(plan_cluster(run_under_mocks)) == "intranet"
    assert slb_type(plan_cluster(run_under_mocks, alicloud={"cluster": {"ingressLoadBalancer": "internet"}})) == "internet"


def test_vswitches_are_the_networks_node_and_pod_vswitches(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    inputs = ack_inputs(plan)
    assert inputs["vswitchIds"] == plan.outputs["nodeVswitchIds"]
    assert inputs["podVswitchIds"] == plan.outputs["podVswitchIds"]
    assert set(inputs["vswitchIds"]).isdisjoint(inputs["podVswitchIds"])
    assert "workerVswitchIds" not in inputs  # deprecated since provider 1.241.0


def test_cluster_is_created_after_the_networks_egress(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    snat_entries = plan.by_type("alicloud:vpc/snatEntry:SnatEntry")
    assert len(snat_entries) == 4
    assert {entry.urn for entry in snat_entries} <= set(plan.get(ACK, "cluster").depends_on)


def test_create_time_addons_without_log_project(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    addons = ack_inputs(plan)["addons"]
    assert [a["name"] for a in addons] == [
        "terway-eniip", "csi-plugin", "csi-provisioner", "logtail-ds", "nginx-ingress-controller"]
    configs = {a["name"]: json.loads(a["config"]) for a in addons if "config" in a}
    assert configs == {
        "logtail-ds": {"IngressDashboardEnabled": "true"},
        "nginx-ingress-controller": {"IngressSlbNetworkType": "intranet"},
    }


def test_log_project_is_ack_default_when_unset(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    inputs = ack_inputs(plan)
    assert "controlPlaneLogProject" not in inputs
    assert inputs["controlPlaneLogComponents"] == ["apiserver", "kcm", "scheduler", "ccm"]
    assert inputs["controlPlaneLogTtl"] == "30"
    assert plan.outputs["log_project"] == f"k8s-log-{plan.outputs['cluster_id']}"
    assert plan.outputs["cluster_id"].startswith("c")


def test_named_log_project_goes_to_logtail_control_plane_logs_and_output(run_under_mocks):
    plan = plan_cluster(run_under_mocks, alicloud={"cluster": {
        "logProject": "team-logs", "controlPlaneLogs": ["apiserver"], "controlPlaneLogTtlDays": 90}})
    inputs = ack_inputs(plan)
    logtail = next(a for a in inputs["addons"] if a["name"] == "logtail-ds")
    assert json.loads(logtail["config"]) == {"IngressDashboardEnabled": "true", "sls_project_name": "team-logs"}
    assert inputs["controlPlaneLogProject"] == "team-logs"
    assert inputs["controlPlaneLogComponents"] == ["apiserver"]
    assert inputs["controlPlaneLogTtl"] == "90"
    assert plan.outputs["log_project"] == "team-logs"


def test_no_control_plane_logs(run_under_mocks):
    inputs = ack_inputs(plan_cluster(run_under_mocks, alicloud={"cluster": {"controlPlaneLogs": []}}))
    assert not {"controlPlaneLogComponents", "controlPlaneLogTtl", "controlPlaneLogProject"} & inputs.keys()


def test_production_cluster_is_deletion_protected_and_protected(run_under_mocks):
    cluster = plan_cluster(run_under_mocks, **PRODUCTION).get(ACK, "cluster")
    assert cluster.inputs["deletionProtection"] is True
    assert cluster.protect is True


def test_non_production_cluster_is_not_protected(run_under_mocks):
    cluster = plan_cluster(run_under_mocks).get(ACK, "cluster")
    assert cluster.inputs["deletionProtection"] is False
    assert cluster.protect is False


def test_deletion_protection_can_be_set_outside_production(run_under_mocks):
    cluster = plan_cluster(run_under_mocks, alicloud={"cluster": {"deletionProtection": True}}).get(ACK, "cluster")
    assert cluster.inputs["deletionProtection"] is True
    assert cluster.protect is False  # protect follows production (data), not the API flag


def test_rrsa_and_security_group_outputs_come_from_the_cluster(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    cluster_id = plan.outputs["cluster_id"]
    assert plan.outputs["oidc_provider_arn"] == f"acs:ram::{mocks.ACCOUNT_ID}:oidc-provider/ack-rrsa-{cluster_id}"
    assert plan.outputs["oidc_issuer_url"].endswith(f"/{cluster_id}")
    assert plan.outputs["security_group_id"].startswith("sg-")


def test_kubeconfig_is_a_secret_temporary_credential_of_the_cluster(run_under_mocks, monkeypatch):
    calls = []
    answer = mocks.CALL_RESULTS[CREDENTIAL]
    monkeypatch.setitem(mocks.CALL_RESULTS, CREDENTIAL, lambda args: calls.append(args) or answer(args))
    plan = plan_cluster(run_under_mocks, alicloud={"cluster": {"kubeconfigTtlMinutes": 60}})
    assert plan.outputs["kubeconfig"] == SECRET_MARK
    assert [(c["clusterId"], c["temporaryDurationMinutes"]) for c in calls] == [(plan.outputs["cluster_id"], 60)]


def test_k8s_provider_uses_the_secret_kubeconfig_and_the_cluster_identity(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    provider = plan.get(K8S_PROVIDER, "k8s")
    assert provider.urn == plan.outputs["k8sProviderUrn"]
    assert provider.parent == plan.get(CLUSTER, "cluster").urn
    assert provider.inputs["kubeconfig"] == SECRET_MARK
    assert provider.inputs["clusterIdentifier"] == plan.outputs["cluster_id"]
    assert provider.inputs["enableServerSideApply"] in (True, "true")  # provider config travels as strings


def test_every_child_belongs_to_the_component(run_under_mocks):
    plan = plan_cluster(run_under_mocks, alicloud={"cluster": {"createAutoscalerRole": True}})
    component = plan.get(CLUSTER, "cluster")
    children = [r for r in plan.resources if r.urn.split("::")[2].startswith(CLUSTER + "$")]
    assert {r.type for r in children} == {ACK, K8S_PROVIDER, ROLE, ROLE_POLICY}
    assert all(r.parent == component.urn for r in children)


def test_autoscaler_role_trusts_ack_and_has_the_system_policy(run_under_mocks):
    plan = plan_cluster(run_under_mocks, alicloud={"cluster": {"createAutoscalerRole": True}})
    role = plan.get(ROLE, "cluster-autoscaler-role")
    assert role.inputs["roleName"] == "AliyunCSManagedAutoScalerRole"
    trust = json.loads(role.inputs["assumeRolePolicyDocument"])
    assert trust == {
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["cs.aliyuncs.com"]}}],
        "Version": "1",
    }
    attachment = plan.get(ROLE_POLICY, "cluster-autoscaler-role-policy")
    assert attachment.inputs == {"roleName": "AliyunCSManagedAutoScalerRole",
                                 "policyName": "AliyunCSManagedAutoScalerRolePolicy", "policyType": "System"}
    assert role.urn in attachment.depends_on


def test_existing_autoscaler_role_is_not_created(run_under_mocks):
    plan = plan_cluster(run_under_mocks)
    assert plan.by_type(ROLE) == [] and plan.by_type(ROLE_POLICY) == []
    assert plan.outputs["cluster_id"]


def test_existing_autoscaler_role_is_looked_up_by_exact_name(run_under_mocks, monkeypatch):
    token = "alicloud:ram/getRoles:getRoles"
    calls = []
    answer = mocks.CALL_RESULTS[token]
    monkeypatch.setitem(mocks.CALL_RESULTS, token, lambda args: calls.append(args) or answer(args))
    plan_cluster(run_under_mocks)
    assert [c["nameRegex"] for c in calls] == ["^AliyunCSManagedAutoScalerRole$"]


KEY_ID = "key-bjj62f5ba3dnpb6v8abcd"
ENCRYPTED = {"alicloud": {"cluster": {"secretsEncryption": {"kmsKeyId": KEY_ID}}}}


def looked_up_roles(monkeypatch) -> list[str]:
    token = "alicloud:ram/getRoles:getRoles"
    calls: list[str] = []
    answer = mocks.CALL_RESULTS[token]
    monkeypatch.setitem(mocks.CALL_RESULTS, token, lambda args: calls.append(args["nameRegex"]) or answer(args))
    return calls


def test_secrets_are_encrypted_with_the_given_key_once_the_security_role_is_found(run_under_mocks, monkeypatch):
    calls = looked_up_roles(monkeypatch)
    plan = plan_cluster(run_under_mocks, **ENCRYPTED)
    inputs = ack_inputs(plan)
    assert inputs["encryptionProviderKey"] == KEY_ID
    assert inputs["disableEncryption"] is False  # the provider ignores a key while disableEncryption is true
    assert "^AliyunCSManagedSecurityRole$" in calls
    assert not [r for r in plan.resources if r.type.startswith("alicloud:kms/")]  # the key is given, never created


def test_without_secrets_encryption_the_cluster_gets_neither_input_nor_the_role_lookup(run_under_mocks, monkeypatch):
    calls = looked_up_roles(monkeypatch)
    inputs = ack_inputs(plan_cluster(run_under_mocks))
    assert not {"encryptionProviderKey", "disableEncryption"} & inputs.keys()
    assert calls == ["^AliyunCSManagedAutoScalerRole$"]


def test_require_security_role():
    assert require_role(SECURITY_ROLE, ["AliyunCSManagedSecurityRole"]) == "AliyunCSManagedSecurityRole"
    with pytest.raises(pulumi.RunError, match=r"AliyunCSManagedSecurityRole does not exist in this account, and Secret "
                                              r"encryption with KMS \(alicloud\.cluster\.secretsEncryption\) needs it"):
        require_role(SECURITY_ROLE, ["AliyunCSManagedAutoScalerRole"])


def test_require_autoscaler_role():
    assert require_role(AUTOSCALER_ROLE, ["AliyunCSManagedAutoScalerRole"]) == "AliyunCSManagedAutoScalerRole"
    with pytest.raises(pulumi.RunError, match=r"does not exist.*--path .alicloud\.cluster\.createAutoscalerRole"):
        require_role(AUTOSCALER_ROLE, [])


MISSING_ROLE_PROGRAM = textwrap.dedent("""
    import sys
    sys.path[:0] = ["{root}", "{root}/tests"]
    from planner import mocks
    from planner.engine import run
    from components.alicloud.cluster import Cluster
    from components.alicloud.platform import cluster_args
    from factories import stack_config

    mocks.ACCOUNT_ROLES.remove("{missing}")
    config = stack_config(**{overrides})
    run(lambda: Cluster("cluster", cluster_args(config, ["vsw-n1", "vsw-n2"], ["vsw-p1", "vsw-p2"])),
        "elastic-inference", "test", {{}}, [])
""")


@pytest.mark.parametrize("missing, overrides", [("AliyunCSManagedAutoScalerRole", {}),
                                                ("AliyunCSManagedSecurityRole", ENCRYPTED)])
def test_a_missing_service_role_stops_the_run_with_instructions(missing, overrides):
    # In a process of its own: a failed run leaves Pulumi output tasks behind that would fail the next run.
    program = MISSING_ROLE_PROGRAM.format(root=ROOT, missing=missing, overrides=repr(overrides))
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"pulumi.errors.RunError: the RAM role {missing} does not exist" in result.stderr


# ----------------------------------------------------------------------------- an adopted cluster

ADOPTED = merge(ADOPTED_ACK, {"alicloud": {"modelStore": {"existingBucket": "acme-models", "path": "/models"}}})
CLUSTERS, RRSA, ADDONS = ("alicloud:cs/getClusters:getClusters",
                          "alicloud:cs/getManagedKubernetesClusters:getManagedKubernetesClusters",
                          "alicloud:cs/getKubernetesAddons:getKubernetesAddons")


def adopted(**overrides):
    return merge(ADOPTED, overrides)


def plan_adopted_platform(run_under_mocks, **overrides):
    from components.alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
    config = stack_config(**adopted(**overrides))
    return run_under_mocks(lambda: AlicloudPlatform("platform", AlicloudPlatformArgs(config=config)))


def looked_up_cluster() -> dict:
    """The adopted cluster as the mock's data source returns it: what the stack must build on."""
    return mocks.CALL_RESULTS[CLUSTERS]({"clusterId": ADOPTED_CLUSTER_ID})["clusters"][0]


def test_an_adopted_cluster_registers_no_network_cluster_or_bucket(run_under_mocks):
    plan = plan_adopted_platform(run_under_mocks)
    types = {r.type for r in plan.resources}
    assert not {t for t in types if t.startswith(("alicloud:vpc/", "alicloud:ecs/", "alicloud:oss/"))}
    assert ACK not in types and "elastic-inference:network:Network" not in types
    assert not [r.urn for r in plan.resources if r.protect]


def test_node_pools_join_the_adopted_cluster_in_its_vswitches_unless_the_stack_names_others(run_under_mocks):
    pools = plan_adopted_platform(run_under_mocks).by_type("alicloud:cs/nodePool:NodePool")
    assert pools and all(p.inputs["clusterId"] == ADOPTED_CLUSTER_ID for p in pools)
    assert all(p.inputs["vswitchIds"] == looked_up_cluster()["vswitchIds"] for p in pools)
    named = ["vsw-2zeowna", "vsw-2zeownb"]
    pools = plan_adopted_platform(run_under_mocks, alicloud={"cluster": {"existing": {"nodeVswitchIds": named}}}).by_type(
        "alicloud:cs/nodePool:NodePool")
    assert all(p.inputs["vswitchIds"] == named for p in pools)


def test_virtual_nodes_are_installed_in_the_pod_vswitches_with_the_clusters_security_group(run_under_mocks):
    plan = plan_adopted_platform(run_under_mocks, alicloud={"cluster": {"existing": {"podVswitchIds": ["vsw-2zepods"]}}})
    [addon] = plan.by_type("alicloud:cs/kubernetesAddon:KubernetesAddon")
    assert addon.inputs["clusterId"] == ADOPTED_CLUSTER_ID
    assert json.loads(addon.inputs["config"]) == {"vSwitchIds": "vsw-2zepods",
                                                  "securityGroupId": looked_up_cluster()["securityGroupId"]}


def test_an_installed_virtual_node_addon_and_metrics_adapter_are_used_not_installed(run_under_mocks):
    plan = plan_adopted_platform(run_under_mocks, services=[{
        "name": "bert", "server": "tfserving", "model": {"name": "bert", "path": "bert"},
        "resources": {"gpus": 0, "cpu": "2", "memory": "4Gi"}, "burst": {"mode": "only"},
        "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "qps": {"targetPerPod": 10}},
        "ingress": {"host": "bert.example.com", "tls": False}}],
        alicloud={"virtualNodes": {"alreadyInstalled": True}, "metricsAdapterAlreadyInstalled": True})
    assert plan.by_type("alicloud:cs/kubernetesAddon:KubernetesAddon") == []
    # Only the metrics backend's releases: neither the metrics adapter nor KEDA.
    assert {r.inputs["chart"] for r in plan.by_type("kubernetes:helm.sh/v3:Release")} == {"kube-prometheus-stack", "dcgm-exporter"}
    [hpa] = plan.by_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    [metric] = hpa.inputs["spec"]["metrics"]
    assert metric["external"]["metric"]["selector"]["matchLabels"]["sls.project"] == f"k8s-log-{ADOPTED_CLUSTER_ID}"


def test_the_model_store_role_trusts_the_adopted_clusters_rrsa_provider_and_reads_the_given_folder(run_under_mocks):
    plan = plan_adopted_platform(run_under_mocks)
    rrsa = mocks.CALL_RESULTS[RRSA]({"ids": [ADOPTED_CLUSTER_ID]})["clusters"][0]["rrsaConfig"]
    [role] = [r for r in plan.by_type(ROLE) if "model-store" in r.name]
    trust = json.loads(role.inputs["assumeRolePolicyDocument"])["Statement"][0]
    assert trust["Principal"]["Federated"] == [rrsa["ramOidcProviderArn"]]
    assert trust["Condition"]["StringEquals"]["oidc:iss"] == rrsa["rrsaOidcIssuerUrl"]
    [policy] = plan.by_type("alicloud:ram/policy:Policy")
    resources = {r for s in json.loads(policy.inputs["policyDocument"])["Statement"] for r in s["Resource"]}
    assert "acs:oss:*:*:acme-models/models/*" in resources and "acs:oss:*:*:acme-models/*" not in resources
    [volume] = plan.by_type("kubernetes:core/v1:PersistentVolume")
    assert volume.inputs["spec"]["csi"]["volumeAttributes"]["bucket"] == "acme-models"


def test_the_adopted_cluster_is_looked_up_by_id_and_its_kubeconfig_fetched(run_under_mocks, monkeypatch):
    calls: dict[str, list] = {}
    for token in (CLUSTERS, RRSA, ADDONS, CREDENTIAL):
        answer = mocks.CALL_RESULTS[token]
        monkeypatch.setitem(mocks.CALL_RESULTS, token,
                            lambda args, token=token, answer=answer: calls.setdefault(token, []).append(args) or answer(args))
    plan_adopted_platform(run_under_mocks)
    assert [(c["clusterId"], c["enableDetails"]) for c in calls[CLUSTERS]] == [(ADOPTED_CLUSTER_ID, True)]
    assert [(c["ids"], c["enableDetails"]) for c in calls[RRSA]] == [([ADOPTED_CLUSTER_ID], True)]
    assert [c["clusterId"] for c in calls[ADDONS]] == [ADOPTED_CLUSTER_ID]
    assert [c["clusterId"] for c in calls[CREDENTIAL]] == [ADOPTED_CLUSTER_ID]


def cluster_facts(**changes):
    from types import SimpleNamespace
    cluster = {"cluster_type": "ManagedKubernetes", "profile": "Default", "current_version": "1.35.2-aliyun.1",
               "vswitch_ids": ["vsw-a"], "security_group_id": "sg-a"}
    rrsa = {"enabled": True, "ram_oidc_provider_arn": "acs:ram::1:oidc-provider/x", "rrsa_oidc_issuer_url": "https://x"}
    cluster.update({k: v for k, v in changes.items() if k in cluster})
    rrsa.update({k: v for k, v in changes.items() if k in rrsa})
    return [SimpleNamespace(**cluster)], [SimpleNamespace(rrsa_config=SimpleNamespace(**rrsa))]


def addons(**versions):
    from types import SimpleNamespace
    return [SimpleNamespace(name=name, current_version=version) for name, version in versions.items()]


CSI = {"csi-plugin": "v1.30.4-1a2b3c4-aliyun", "csi-provisioner": "v1.33.1-67e8986-aliyun"}


def test_an_adoptable_cluster_yields_its_facts():
    from components.alicloud.cluster import MODEL_STORE_ADDONS, require_adoptable
    facts = require_adoptable(ADOPTED_CLUSTER_ID, *cluster_facts(), addons(**CSI), MODEL_STORE_ADDONS)
    assert (facts.vswitch_ids, facts.security_group_id, facts.oidc_provider_arn) == (["vsw-a"], "sg-a", "acs:ram::1:oidc-provider/x")


@pytest.mark.parametrize("changes, installed, problem", [
    ({"profile": "Serverless"}, CSI, "is a ManagedKubernetes cluster of profile Serverless, not an ACK managed cluster"),
    ({"current_version": "1.24.6-aliyun.1"}, CSI, "runs Kubernetes 1.24.6-aliyun.1, but the model store's RRSA mount needs 1.26"),
    ({"enabled": False}, CSI, "has RRSA off"),
    ({}, {"csi-plugin": CSI["csi-plugin"], "csi-provisioner": ""}, "does not run the add-on csi-provisioner"),
    ({}, {**CSI, "csi-plugin": "v1.28.3-aliyun"}, "runs csi-plugin v1.28.3-aliyun, and the model store is an OSS volume "
                                                  "it mounts with RRSA, which needs 1.30.4 or later"),
])
def test_a_cluster_that_cannot_take_the_stack_is_refused_with_the_fix(changes, installed, problem):
    from components.alicloud.cluster import MODEL_STORE_ADDONS, adoption_problems
    problems = adoption_problems(ADOPTED_CLUSTER_ID, *cluster_facts(**changes), addons(**installed), MODEL_STORE_ADDONS)
    assert len(problems) == 1 and problem in problems[0]


def test_a_cluster_not_found_is_refused_and_every_problem_is_reported_at_once():
    from components.alicloud.cluster import MODEL_STORE_ADDONS, VIRTUAL_NODE_ADDON, adoption_problems
    assert "is not found in the stack's region" in adoption_problems(ADOPTED_CLUSTER_ID, [], [], [], MODEL_STORE_ADDONS)[0]
    problems = adoption_problems(ADOPTED_CLUSTER_ID, *cluster_facts(enabled=False, current_version="1.22.3-aliyun.1"),
                                 addons(), [*MODEL_STORE_ADDONS, VIRTUAL_NODE_ADDON])
    assert len(problems) == 5 and "ack-virtual-node" in problems[-1]


ADOPTION_STOP_PROGRAM = textwrap.dedent("""
    import sys
    sys.path[:0] = ["{root}", "{root}/tests"]
    from planner import mocks
    from planner.engine import run
    from components.alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
    from factories import stack_config
    from test_cluster import ADOPTED

    answer = mocks.CALL_RESULTS["{token}"]
    def changed(args):
        result = answer(args)
        {change}
        return result
    mocks.CALL_RESULTS["{token}"] = changed
    config = stack_config(**ADOPTED)
    run(lambda: AlicloudPlatform("platform", AlicloudPlatformArgs(config=config)), "elastic-inference", "test", {{}}, [])
""")


@pytest.mark.parametrize("token, change, message", [
    (RRSA, 'result["clusters"][0]["rrsaConfig"]["enabled"] = False', "has RRSA off"),
    (CLUSTERS, 'result["clusters"] = []', "is not found in the stack's region"),
])
def test_an_adopted_cluster_that_cannot_take_the_stack_stops_the_run(token, change, message):
    # In a process of its own: a failed run leaves Pulumi output tasks behind that would fail the next run.
    program = ADOPTION_STOP_PROGRAM.format(root=ROOT, token=token, change=change)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                            cwd=ROOT / "tests" / "components" / "alicloud")
    assert result.returncode != 0
    assert "pulumi.errors.RunError: alicloud.cluster.existing: " in result.stderr and message in result.stderr


def test_namespaces_on_an_adopted_cluster_outlive_the_stack(run_under_mocks):
    service = {"name": "bert", "namespace": "team-a", "server": "triton", "model": {"name": "bert", "path": "bert"},
               "resources": {"gpus": 0, "cpu": "2", "memory": "4Gi"},
               "autoscaling": {"minReplicas": 1, "maxReplicas": 2, "cpu": {"targetUtilization": 60}}}
    adopted_plan = plan_adopted_platform(run_under_mocks, services=[{**service, "model": {**service["model"], "source": "s3"}}],
                                         s3ModelRepository={"bucketName": "acme-models", "region": "us-east-1", "existing": True},
                                         s3Credentials={"accessKeyId": "AKIAEXAMPLEKEYID", "secretAccessKey": "example-secret"})
    namespaces = adopted_plan.by_type("kubernetes:core/v1:Namespace")
    assert {n.inputs["metadata"]["name"] for n in namespaces} == {"inference", "team-a"}
    assert all(n.retain_on_delete for n in namespaces)
    from components.alicloud.platform import AlicloudPlatform, AlicloudPlatformArgs
    created = stack_config()
    created_plan = run_under_mocks(lambda: AlicloudPlatform("platform", AlicloudPlatformArgs(config=created)))
    assert not any(n.retain_on_delete for n in created_plan.by_type("kubernetes:core/v1:Namespace"))
