"""``cloud: aws`` and ``cloud: existing``: config rules per cloud, the EKS platform under mocks (mixed instances,
IRSA trust, Fargate selectors, the Mountpoint PV), and that a catalog entry renders the same on every cloud except
where the cloud requires a difference."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.platform import build_platform
from factories import merge
from planner.engine import Plan, run
from planner.mocks import digest
from stackconfig import StackConfigError, load_stack_config
from stackconfig import StackConfig

AWS: dict[str, Any] = {
    "cloud": "aws",
    "environment": "test",
    "region": "us-east-1",
    "zones": ["us-east-1a", "us-east-1b"],
    "aws": {"vpcCidr": "10.0.0.0/16", "publicSubnetCidrs": ["10.0.0.0/22", "10.0.4.0/22"],
            "privateSubnetCidrs": ["10.0.64.0/18", "10.0.128.0/18"]},
}
EXISTING: dict[str, Any] = {
    "cloud": "existing",
    "environment": "test",
    "existing": {"context": "kind-kind", "modelClaim": {"namespace": "inference", "name": "model-store"}},
}
ALICLOUD: dict[str, Any] = {
    "environment": "test",
    "region": "cn-beijing",
    "zones": ["cn-beijing-h", "cn-beijing-i"],
    "alicloud": {"network": {"nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20"],
                             "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19"]}},
}
GPU_SERVICE: dict[str, Any] = {
    "name": "bert", "server": "tfserving",
    "model": {"name": "chnsenticorp", "path": "models/tensorflow/chnsenticorp"},
    "placement": {"nodeSelector": {"workload": "inference"}},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "cpu": {"targetUtilization": 60}},
}
CPU_BURST_SERVICE: dict[str, Any] = {
    "name": "cifar10", "server": "triton",
    "model": {"name": "cifar10-pytorch", "path": "cifar10-model", "source": "s3"},
    "resources": {"gpus": 0, "cpu": "2", "memory": "4Gi"},
    "burst": {"mode": "only"},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "cpu": {"targetUtilization": 60}},
}
ALICLOUD_POOLS = [{"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 1, "maxSize": 2}}]
BUCKET = "acme-models"
S3_KEYS: dict[str, Any] = {
    "s3ModelRepository": {"bucketName": BUCKET, "region": "us-east-1"},
    "s3Credentials": {"accessKeyId": "AKIAEXAMPLEKEYID", "secretAccessKey": "example-secret"},
}


def load(base: dict[str, Any], **overrides: Any) -> StackConfig:
    values = merge(base, overrides)
    return load_stack_config({f"elastic-inference:{k}": json.dumps(v) if not isinstance(v, str) else v
                              for k, v in values.items()}, secret=["elastic-inference:s3Credentials"])


def issues(base: dict[str, Any], **overrides: Any) -> list[str]:
    with pytest.raises(StackConfigError) as error:
        load(base, **overrides)
    return [str(issue) for issue in error.value.issues]


def plan_of(run_under_mocks, config: StackConfig) -> Plan:
    return run_under_mocks(lambda: build_platform(config), stack="test")


def inputs(plan: Plan, type_token: str, name: str) -> dict[str, Any]:
    return plan.get(type_token, name).inputs


# --------------------------------------------------------------------------- config rules per cloud


def test_aws_names_are_accepted_and_alicloud_zones_are_not():
    assert load(AWS).zones == ["us-east-1a", "us-east-1b"]
    found = issues(AWS, zones=["cn-beijing-h", "us-east-1b"])
    assert any(i.startswith("zones[0]: cn-beijing-h is not a zone of region us-east-1") for i in found), found


def test_gpu_service_bursting_on_aws_is_rejected_because_fargate_has_no_gpus():
    found = issues(AWS, services=[merge(GPU_SERVICE, {"burst": {"mode": "only"}})])
    assert any(i.startswith("services[0].burst.mode: Fargate has no GPUs") for i in found), found


def test_overflow_on_aws_and_store_mount_on_fargate_are_rejected():
    found = issues(AWS, services=[merge(CPU_BURST_SERVICE, {"burst": {"mode": "overflow"}, "model": {"source": "store"}})])
    assert any(i.startswith("services[0].burst.mode: Fargate places every pod") for i in found), found
    assert any(i.startswith("services[0].model.source: the Mountpoint for S3 CSI driver does not run on Fargate") for i in found), found


def test_ack_options_are_rejected_on_eks_naming_the_key():
    found = issues(AWS, alicloud={"nodePools": ALICLOUD_POOLS, "virtualNodes": {"enabled": False}},
                   services=[merge(CPU_BURST_SERVICE, {"burst": {"imageCache": False}})])
    assert [i for i in found if i.startswith("alicloud")] == [
        "alicloud: configures cloud alicloud, but cloud is aws (hint: remove alicloud or set cloud: alicloud)"]
    assert any(i.startswith("services[0].burst.imageCache: is an ECI option, but cloud is aws") for i in found), found



def test_aws_only_options_are_rejected_on_ack_and_existing():
    found = issues(ALICLOUD, aws={"kubernetesVersion": "1.33"})
    assert any(i.startswith("aws: configures cloud aws, but cloud is alicloud") for i in found), found
    found = issues(EXISTING, aws={"kubernetesVersion": "1.33"}, region="us-east-1")
    assert any(i.startswith("aws: configures cloud aws, but cloud is existing") for i in found), found
    assert any(i.startswith("region: is not used by cloud existing") for i in found), found


def test_qps_autoscaling_is_rejected_off_ack_with_the_prometheus_alternative():
    qps = merge(GPU_SERVICE, {"autoscaling": {"cpu": None, "qps": {"targetPerPod": 10}}, "ingress": {"host": "bert.example.com"}})
    for base in (AWS, EXISTING):
        found = [i for i in issues(base, services=[qps]) if i.startswith("services[0].autoscaling.qps:")]
        assert found and "nginx_ingress_controller_requests" in found[0], found


def test_keys_and_burst_on_aws_and_existing():
    found = issues(AWS, s3ModelRepository={"bucketName": BUCKET, "region": "us-east-1"})
    assert any(i.startswith("s3ModelRepository: is the Alibaba Cloud/existing-cluster way") for i in found), found
    found = issues(EXISTING, services=[merge(CPU_BURST_SERVICE, {"model": {"source": "store"}})])
    assert any(i.startswith("services[0].burst.mode: an existing cluster has no burst capacity") for i in found), found


def test_existing_store_service_needs_the_existing_claim():
    found = issues(merge(EXISTING, {"existing": {"modelClaim": None}}), services=[merge(GPU_SERVICE, {"placement": None})])
    assert any(i.startswith("services[0].model.source: source store needs a model store") for i in found), found


def test_committed_alicloud_meaning_is_unchanged_by_default():
    config = load(ALICLOUD)
    assert config.cloud == "alicloud" and config.model_claim.name == config.alicloud.model_store.claim_name


# --------------------------------------------------------------------------- the EKS platform


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


# --------------------------------------------------------------------------- one catalog entry, three clouds


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{path}.{key}" if path else key).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{path}[{i}]").items()}
    return {path: value}


def service_objects(plan: Plan, prefix: str) -> dict[str, dict[str, Any]]:
    """The Kubernetes objects of one service by kind (its URN names start with ``prefix``)."""
    return {r.inputs["kind"]: r.inputs for r in plan.resources
            if r.type.startswith("kubernetes:") and r.name.startswith(prefix) and "kind" in r.inputs}


def differing(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    left, right = flatten(a), flatten(b)
    return {k for k in set(left) | set(right) if left.get(k) != right.get(k)}


def test_gpu_entry_renders_identically_on_ack_eks_and_an_existing_cluster(run_under_mocks):
    gpu_pool = {"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
                "labels": {"workload": "inference"}}
    configs = {"alicloud": load(ALICLOUD, services=[GPU_SERVICE], alicloud={"nodePools": [*ALICLOUD_POOLS, gpu_pool]}),
               "aws": load(AWS, services=[GPU_SERVICE]),
               "existing": load(EXISTING, services=[GPU_SERVICE])}
    objects = {cloud: service_objects(plan_of(run_under_mocks, config), "inference-bert") for cloud, config in configs.items()}
    assert set(objects["alicloud"]) == set(objects["aws"]) == set(objects["existing"]) == {
        "ServiceAccount", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy"}
    for kind in objects["alicloud"]:
        assert objects["alicloud"][kind] == objects["aws"][kind] == objects["existing"][kind], kind


def test_bursting_entry_differs_between_ack_and_eks_only_in_placement_annotations_and_s3_access(run_under_mocks):
    ack = load(ALICLOUD, services=[CPU_BURST_SERVICE], **S3_KEYS)
    eks = load(AWS, services=[CPU_BURST_SERVICE], aws={"modelStore": {"bucketName": BUCKET}})
    objects = {cloud: service_objects(plan_of(run_under_mocks, config), "inference-cifar10")
               for cloud, config in (("alicloud", ack), ("aws", eks))}
    # ACK hands pods the tutorial's keys in a Secret; EKS gives the ServiceAccount an IRSA role instead.
    assert set(objects["alicloud"]) - set(objects["aws"]) == {"Secret"}
    template = "spec.template."
    allowed = (template + "metadata.annotations.k8s.aliyun.com/",      # ECI annotations
               template + "metadata.labels.elastic-inference/capacity",  # the Fargate profile's selector
               template + "spec.affinity.", template + "spec.tolerations",  # virtual-node placement
               template + "spec.containers[0].envFrom")                    # the Secret's keys
    deployment = differing(objects["alicloud"]["Deployment"], objects["aws"]["Deployment"])
    assert deployment and all(path.startswith(allowed) for path in deployment), deployment
    assert differing(objects["alicloud"]["ServiceAccount"], objects["aws"]["ServiceAccount"]) == {
        "metadata.annotations.eks.amazonaws.com/role-arn"}
    for kind in ("Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy"):
        assert objects["alicloud"][kind] == objects["aws"][kind], kind
