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
from factories import PRODUCTION, stack_config
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
