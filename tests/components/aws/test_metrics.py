"""AMP as the metrics backend on EKS: the workspace, the agent that writes to it, KEDA's IRSA access, the rules."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from cloud_factories import ALICLOUD, AWS, EXISTING, issues, load
from components.aws.metrics import workspace_url
from components.platform import build_platform
from planner.engine import run
from prometheus_tools import promtool

GPU_AUTOSCALED = {"name": "bert", "server": "tfserving", "model": {"name": "bert", "path": "models/bert"},
                  "resources": {"gpus": 1, "cpu": "3", "memory": "12Gi"},
                  "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "gpu": {"targetUtilization": 70}}}
MANAGED = {"observability": {"backend": "managed"}, "services": [GPU_AUTOSCALED]}
WORKSPACE = "ws-0123abcd-4567-89ab-cdef-0123456789ab"


def plan(**overrides):
    config = load(AWS, **{**MANAGED, **overrides})
    return run(lambda: build_platform(config), "elastic-inference", "test", {}, [])


@pytest.fixture(scope="module")
def amp_plan():
    return plan()


def created_workspace(amp_plan) -> str:
    """The id of the workspace the stack creates, as the mock engine assigns it."""
    workspace_id = amp_plan.get("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "metrics-rules").inputs["workspaceId"]
    assert workspace_id.startswith("ws-")
    return workspace_id


def statement(policy: str) -> dict:
    (only,) = json.loads(policy)["Statement"]
    return only


def test_the_agent_remote_writes_to_the_workspace_with_its_own_role(amp_plan):
    workspace = amp_plan.get("aws:amp/workspace:Workspace", "metrics-workspace")
    assert workspace.inputs["alias"] == "ei-test-inference" and not workspace.protect
    workspace_id = created_workspace(amp_plan)
    url = workspace_url("us-east-1", workspace_id)
    assert url == f"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/{workspace_id}"
    values = amp_plan.get("kubernetes:helm.sh/v3:Release", "observability-kube-prometheus-stack").inputs["values"]
    prometheus = values["prometheus"]
    assert prometheus["agentMode"] is True
    assert prometheus["prometheusSpec"]["remoteWrite"] == [{"url": f"{url}/api/v1/remote_write", "sigv4": {"region": "us-east-1"}}]
    assert prometheus["prometheusSpec"]["podMonitorSelectorNilUsesHelmValues"] is False
    assert values["alertmanager"] == {"enabled": False} and values["grafana"] == {"enabled": False}
    assert prometheus["prometheusSpec"]["externalLabels"] == {"cluster": "ei-test-eks"}
    role = amp_plan.get("aws:iam/role:Role", "metrics-agent-role").inputs
    role_arn = f"arn:aws:iam::123456789012:role/{role['name']}"
    assert prometheus["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": role_arn}
    # EKS injects the identity into new pods only: a changed role must change the pods.
    assert role_arn in prometheus["prometheusSpec"]["podMetadata"]["annotations"].values()
    trust = statement(role["assumeRolePolicy"])["Condition"]["StringEquals"]
    assert [v for k, v in trust.items() if k.endswith(":sub")] == [["system:serviceaccount:monitoring:kube-prometheus-stack-prometheus"]]
    grant = statement(amp_plan.get("aws:iam/rolePolicy:RolePolicy", "metrics-agent-policy").inputs["policy"])
    assert grant["Action"] == ["aps:RemoteWrite"]
    assert grant["Resource"] == f"arn:aws:aps:us-east-1:123456789012:workspace/{workspace_id}"


def test_keda_queries_the_workspace_with_the_operators_irsa_role(amp_plan):
    role = amp_plan.get("aws:iam/role:Role", "metrics-keda-role").inputs
    trust = statement(role["assumeRolePolicy"])["Condition"]["StringEquals"]
    assert [v for k, v in trust.items() if k.endswith(":sub")] == [["system:serviceaccount:keda:keda-operator"]]
    grant = statement(amp_plan.get("aws:iam/rolePolicy:RolePolicy", "metrics-keda-policy").inputs["policy"])
    assert "aps:QueryMetrics" in grant["Action"] and "aps:RemoteWrite" not in grant["Action"]
    keda = amp_plan.get("kubernetes:helm.sh/v3:Release", "addons-keda").inputs["values"]
    role_arn = f"arn:aws:iam::123456789012:role/{role['name']}"
    assert keda["podIdentity"] == {"aws": {"irsa": {"enabled": True, "roleArn": role_arn}}}
    assert role_arn in keda["podAnnotations"]["keda"].values()
    (trigger,) = amp_plan.get("kubernetes:keda.sh/v1alpha1:ScaledObject", "inference-bert-scaled-object").inputs["spec"]["triggers"]
    assert trigger["metadata"]["serverAddress"] == workspace_url("us-east-1", created_workspace(amp_plan))
    assert trigger["metadata"]["awsRegion"] == "us-east-1" and "authModes" not in trigger["metadata"]
    auth = amp_plan.get("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "inference-bert-trigger-authentication")
    assert auth.inputs["spec"] == {"podIdentity": {"provider": "aws"}}
    assert not [s for s in amp_plan.by_type("kubernetes:core/v1:Secret") if "keda-auth" in s.name]


def test_the_workspace_evaluates_the_catalogs_rules_and_the_cluster_holds_none(amp_plan, tmp_path):
    rules = amp_plan.get("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "metrics-rules").inputs
    assert rules["name"] == "elastic-inference-test"  # one per environment: stacks sharing a workspace keep theirs
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(rules["data"])
    subprocess.run([promtool(), "check", "rules", str(rule_file)], check=True, capture_output=True)
    alerts = {rule["alert"] for group in yaml.safe_load(rules["data"])["groups"] for rule in group["rules"]}
    assert {"InferenceAtMaxReplicas", "InferenceAutoscalerMetricMissing", "InferenceGpuPodsPending"} <= alerts
    assert not amp_plan.by_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert not [c for c in amp_plan.by_type("kubernetes:core/v1:ConfigMap") if "dashboard" in c.name]
    assert amp_plan.by_type("kubernetes:monitoring.coreos.com/v1:PodMonitor")


def test_an_existing_workspace_is_used_and_never_created():
    adopted = plan(observability={"backend": "managed", "managed": {"workspaceId": WORKSPACE}})
    assert not adopted.by_type("aws:amp/workspace:Workspace")
    grant = statement(adopted.get("aws:iam/rolePolicy:RolePolicy", "metrics-keda-policy").inputs["policy"])
    assert grant["Resource"] == f"arn:aws:aps:us-east-1:123456789012:workspace/{WORKSPACE}"
    assert adopted.get("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "metrics-rules").inputs["workspaceId"] == WORKSPACE


def test_a_production_stack_protects_the_workspace_it_creates():
    production = plan(production=True, zones=["us-east-1a", "us-east-1b", "us-east-1c"], aws={
        "vpcCidr": "10.0.0.0/16", "publicSubnetCidrs": ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22"],
        "privateSubnetCidrs": ["10.0.64.0/19", "10.0.96.0/19", "10.0.128.0/19"]})
    assert production.get("aws:amp/workspace:Workspace", "metrics-workspace").protect


def test_managed_is_refused_where_there_is_no_cloud_and_a_workspace_off_aws():
    assert any(i.startswith("observability.backend: managed is the cloud's Prometheus") for i in issues(EXISTING, **MANAGED))
    found = issues(ALICLOUD, observability={"backend": "managed", "managed": {"workspaceId": WORKSPACE}})
    assert any(i.startswith("observability.managed.workspaceId") for i in found)
    chart = {"repository": "https://prometheus-community.github.io/helm-charts", "chart": "kube-prometheus-stack",
             "version": "88.5.3", "namespace": "monitoring"}
    found = issues(ALICLOUD, observability={"backend": "managed", "managed": {"agentChart": chart}})
    assert any(i.startswith("observability.managed.agentChart") for i in found)
    assert any("only used by backend managed" in i for i in issues(AWS, observability={"managed": {"workspaceId": WORKSPACE}}))
