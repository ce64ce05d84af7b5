"""The EKS platform under mocks: mixed instances, GPU nodes joining, IRSA trust, Fargate selectors, the Mountpoint PV."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from cloud_factories import AWS, CPU_BURST_SERVICE, GPU_SERVICE, load
from components.platform import build_platform
from planner.engine import Plan, run
from planner.mocks import digest


def inputs(plan: Plan, type_token: str, name: str) -> dict[str, Any]:
    return plan.get(type_token, name).inputs


@pytest.fixture(scope="module")
def aws_plan():
    config = load(AWS, services=[GPU_SERVICE, CPU_BURST_SERVICE])
    return config, run(lambda: build_platform(config), "elastic-inference", "test", {}, [])


def test_gpu_group_keeps_30_percent_on_demand_above_base_with_price_capacity_optimized_spot(aws_plan):
    _, plan = aws_plan
    group = inputs(plan, "aws:autoscaling/group:Group", "capacity-gpu")
    policy = group["mixedInstancesPolicy"]
    assert policy["instancesDistribution"] == {"onDemandBaseCapacity": 0, "onDemandPercentageAboveBaseCapacity": 30,
                                               "spotAllocationStrategy": "price-capacity-optimized"}
    template = plan.get("aws:ec2/launchTemplate:LaunchTemplate", "capacity-gpu")
    spec = policy["launchTemplate"]["launchTemplateSpecification"]
    assert spec["launchTemplateId"] == "lt-" + digest("capacity-gpu")  # the mock id of the launch template
    assert template.urn in plan.get("aws:autoscaling/group:Group", "capacity-gpu").depends_on
    assert [o["instanceType"] for o in policy["launchTemplate"]["overrides"]] == ["g5.xlarge", "g6.xlarge", "g4dn.xlarge"]
    tags = {t["key"]: t["value"] for t in group["tags"]}
    assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert tags["k8s.io/cluster-autoscaler/ei-test-eks"] == "owned"
    assert tags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"] == "present:NoSchedule"
    assert "desiredCapacity" in plan.get("aws:autoscaling/group:Group", "capacity-gpu").ignore_changes


def node_labels(template_inputs: dict[str, Any]) -> dict[str, str]:
    """The ``--node-labels`` kubelet flag of a launch template's nodeadm user data."""
    document = base64.b64decode(template_inputs["userData"]).decode()
    node_config = json.loads(document.split("application/node.eks.aws\n\n")[1].split("\n\n--BOUNDARY--")[0])
    flag = next(f for f in node_config["spec"]["kubelet"]["flags"] if f.startswith("--node-labels="))
    return dict(pair.split("=", 1) for pair in flag.removeprefix("--node-labels=").split(","))


def test_every_gpu_node_is_labelled_with_its_own_accelerator_and_the_group_with_its_first(aws_plan):
    _, plan = aws_plan
    templates = {"g5.xlarge": "capacity-gpu", "g6.xlarge": "capacity-gpu-nvidia-l4", "g4dn.xlarge": "capacity-gpu-nvidia-tesla-t4"}
    accelerators = {"g5.xlarge": "nvidia-a10g", "g6.xlarge": "nvidia-l4", "g4dn.xlarge": "nvidia-tesla-t4"}
    group = inputs(plan, "aws:autoscaling/group:Group", "capacity-gpu")
    launch = group["mixedInstancesPolicy"]["launchTemplate"]
    for override in launch["overrides"]:
        spec = override.get("launchTemplateSpecification", launch["launchTemplateSpecification"])
        template = templates[override["instanceType"]]
        assert spec["launchTemplateId"] == "lt-" + digest(template)
        labels = node_labels(inputs(plan, "aws:ec2/launchTemplate:LaunchTemplate", template))
        assert labels["k8s.amazonaws.com/accelerator"] == accelerators[override["instanceType"]]
        assert labels["workload"] == "inference" and labels["nvidia.com/gpu.present"] == "true"
    assert inputs(plan, "aws:ec2/launchTemplate:LaunchTemplate", "capacity-gpu-nvidia-l4")["name"] == "ei-test-eks-gpu-nvidia-l4"
    tags = {t["key"]: t["value"] for t in group["tags"]}
    assert tags["k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"] == "nvidia-a10g"


def test_one_family_needs_one_launch_template():
    config = load(AWS, aws={**AWS["aws"], "gpuNodes": {"instanceTypes": ["g6.xlarge", "g6.2xlarge"]}})
    plan = run(lambda: build_platform(config), "elastic-inference", "test", {}, [])
    assert sorted(r.name for r in plan.by_type("aws:ec2/launchTemplate:LaunchTemplate")) == ["capacity-gpu", "capacity-system"]
    overrides = inputs(plan, "aws:autoscaling/group:Group", "capacity-gpu")["mixedInstancesPolicy"]["launchTemplate"]["overrides"]
    assert overrides == [{"instanceType": "g6.xlarge"}, {"instanceType": "g6.2xlarge"}]
    assert node_labels(inputs(plan, "aws:ec2/launchTemplate:LaunchTemplate", "capacity-gpu"))["k8s.amazonaws.com/accelerator"] == "nvidia-l4"


def test_cluster_has_standard_support_only_by_default(aws_plan):
    config, plan = aws_plan
    cluster = inputs(plan, "aws:eks/cluster:Cluster", "cluster")
    assert cluster["version"] == "1.35" and cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    autoscaler = inputs(plan, "kubernetes:helm.sh/v3:Release", "capacity-cluster-autoscaler")
    assert autoscaler["values"]["image"]["tag"].startswith("v1.35.")


def test_gpu_nodes_join_through_an_ec2_linux_access_entry(aws_plan):
    _, plan = aws_plan
    entry = inputs(plan, "aws:eks/accessEntry:AccessEntry", "capacity-gpu-node")
    assert entry["type"] == "EC2_LINUX" and entry["principalArn"].endswith(":role/ei-test-eks-gpu-node")
    cluster = inputs(plan, "aws:eks/cluster:Cluster", "cluster")
    assert cluster["accessConfig"]["authenticationMode"] == "API"


def trust(plan: Plan, role: str) -> dict[str, Any]:
    return json.loads(inputs(plan, "aws:iam/role:Role", role)["assumeRolePolicy"])["Statement"][0]


def test_irsa_roles_trust_the_cluster_issuer_for_exactly_their_service_accounts(aws_plan):
    _, plan = aws_plan
    oidc = inputs(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster-oidc")
    issuer = oidc["url"].removeprefix("https://")
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"] and issuer.startswith("oidc.eks.us-east-1.amazonaws.com/id/")
    provider_arn = f"arn:aws:iam::123456789012:oidc-provider/{issuer}"
    for role, subjects in (("model-store-csi-role", ["system:serviceaccount:kube-system:s3-csi-driver-sa"]),
                           ("capacity-autoscaler-role", ["system:serviceaccount:kube-system:cluster-autoscaler"]),
                           ("model-store-reader-role", ["system:serviceaccount:inference:cifar10"])):
        statement = trust(plan, role)
        assert statement["Principal"] == {"Federated": provider_arn}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"]["StringEquals"] == {f"{issuer}:sub": subjects, f"{issuer}:aud": "sts.amazonaws.com"}
    addon = inputs(plan, "aws:eks/addon:Addon", "model-store-csi-driver")
    assert addon["addonName"] == "aws-mountpoint-s3-csi-driver"
    assert addon["serviceAccountRoleArn"] == "arn:aws:iam::123456789012:role/ei-test-model-store-csi"


def test_fargate_profile_selects_the_bursting_namespace_by_label(aws_plan):
    _, plan = aws_plan
    profile = inputs(plan, "aws:eks/fargateProfile:FargateProfile", "capacity-burst")
    assert profile["selectors"] == [{"namespace": "inference", "labels": {"elastic-inference/capacity": "fargate"}}]
    deployment = inputs(plan, "kubernetes:apps/v1:Deployment", "inference-cifar10-deployment")
    assert deployment["spec"]["template"]["metadata"]["labels"]["elastic-inference/capacity"] == "fargate"
    gpu = inputs(plan, "kubernetes:apps/v1:Deployment", "inference-bert-deployment")
    assert "elastic-inference/capacity" not in gpu["spec"]["template"]["metadata"]["labels"]


def test_model_store_is_a_static_mountpoint_pv_bound_to_its_claim(aws_plan):
    _, plan = aws_plan
    volume = inputs(plan, "kubernetes:core/v1:PersistentVolume", "model-store-volume")
    spec = volume["spec"]
    assert spec["csi"] == {"driver": "s3.csi.aws.com", "volumeHandle": "model-store",
                           "volumeAttributes": {"bucketName": "elastic-inference-test-models"}}
    assert spec["mountOptions"] == ["region us-east-1", "uid=10001", "gid=10001", "allow-other"]
    assert spec["accessModes"] == ["ReadOnlyMany"] and spec["storageClassName"] == ""
    assert spec["claimRef"] == {"namespace": "inference", "name": "model-store"}
    claim = inputs(plan, "kubernetes:core/v1:PersistentVolumeClaim", "model-store-claim")
    assert claim["spec"]["volumeName"] == "model-store" and claim["spec"]["accessModes"] == ["ReadOnlyMany"]
    bert = inputs(plan, "kubernetes:apps/v1:Deployment", "inference-bert-deployment")
    assert {"name": "models", "persistentVolumeClaim": {"claimName": "model-store", "readOnly": True}} in bert["spec"]["template"]["spec"]["volumes"]


def test_s3_reader_uses_irsa_not_keys(aws_plan):
    _, plan = aws_plan
    account = inputs(plan, "kubernetes:core/v1:ServiceAccount", "inference-cifar10-service-account")
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ei-test-model-reader"}
    assert not plan.by_type("kubernetes:core/v1:Secret")




def test_the_vpc_cni_add_on_is_adopted_with_its_network_policy_agent_on(aws_plan):
    config, plan = aws_plan
    addon = inputs(plan, "aws:eks/addon:Addon", "cluster-vpc-cni")
    assert addon["addonName"] == "vpc-cni" and addon["clusterName"] == "ei-test-eks"
    assert json.loads(addon["configurationValues"]) == {"enableNetworkPolicy": "true"}
    # EKS installed it self-managed: the adoption overwrites, or creating the add-on fails on the conflict
    assert addon["resolveConflictsOnCreate"] == "OVERWRITE"
    assert addon["preserve"] is True  # deleting the resource must not take the nodes' pod network with it
    assert "addonVersion" not in addon  # EKS's default version for the cluster's Kubernetes version
    pinned = load(AWS, aws={"vpcCniVersion": "v1.20.4-eksbuild.2"})
    plan = run(lambda: build_platform(pinned), "elastic-inference", "test", {}, [])
    assert inputs(plan, "aws:eks/addon:Addon", "cluster-vpc-cni")["addonVersion"] == "v1.20.4-eksbuild.2"
