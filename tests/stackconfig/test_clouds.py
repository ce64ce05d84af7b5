"""Config rules per cloud: which options and catalog entries each cloud accepts, with the key and the fix."""

from __future__ import annotations

from cloud_factories import ALICLOUD, ALICLOUD_POOLS, AWS, BUCKET, CPU_BURST_SERVICE, EXISTING, GPU_SERVICE, issues, load
from factories import merge


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
    found = issues(ALICLOUD, aws={"publicApiServer": False})
    assert any(i.startswith("aws: configures cloud aws, but cloud is alicloud") for i in found), found
    found = issues(EXISTING, aws={"publicApiServer": False}, region="us-east-1")
    assert any(i.startswith("aws: configures cloud aws, but cloud is existing") for i in found), found
    assert any(i.startswith("region: is not used by cloud existing") for i in found), found


def test_qps_autoscaling_is_rejected_off_ack_with_the_prometheus_alternative():
    qps = merge(GPU_SERVICE, {"autoscaling": {"cpu": None, "qps": {"targetPerPod": 10}}, "ingress": {"host": "bert.example.com", "tls": False}})
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




def test_gpu_families_without_an_accelerator_name_are_rejected():
    found = issues(AWS, aws={**AWS["aws"], "gpuNodes": {"instanceTypes": ["g5.xlarge", "p5.48xlarge"]}})
    assert [i for i in found if i.startswith("aws.gpuNodes.instanceTypes")] == [
        "aws.gpuNodes.instanceTypes[1]: p5.48xlarge has no GPU name that cluster-autoscaler knows, so its nodes cannot "
        "get the k8s.amazonaws.com/accelerator label that its GPU readiness check needs (hint: use one of the families "
        "g4dn, g5, g6, g6e, p2, p3, p3dn, p4d, p4de)"], found
    assert load(AWS).aws.gpu_nodes.accelerators == {"nvidia-a10g": ["g5.xlarge"], "nvidia-l4": ["g6.xlarge"],
                                                   "nvidia-tesla-t4": ["g4dn.xlarge"]}


def test_eks_defaults_are_in_standard_support_with_a_matching_autoscaler():
    aws = load(AWS).aws
    assert (aws.kubernetes_version, aws.upgrade_policy) == ("1.35", "STANDARD")
    assert aws.cluster_autoscaler_image_tag.startswith("v1.35.")
    found = issues(AWS, aws={**AWS["aws"], "upgradePolicy": "NONE"})
    assert any(i.startswith("aws.upgradePolicy:") for i in found), found


def test_an_ingress_off_ack_needs_the_namespace_of_its_controller():
    routed = merge(GPU_SERVICE, {"ingress": {"host": "bert.example.com", "tlsSecretName": "bert-tls"}})
    for base in (AWS, EXISTING):
        found = [i for i in issues(base, services=[routed]) if i.startswith("services[0].networkPolicy")]
        assert found and "installs no ingress controller" in found[0] and "ingress-nginx" in found[0], found
        allowed = merge(routed, {"networkPolicy": {"allowFromNamespaces": ["ingress-nginx"]}})
        assert load(base, services=[allowed]).services[0].network_policy.allow_from_namespaces == ["ingress-nginx"]
    ack = merge(ALICLOUD, {"alicloud": {"nodePools": [*ALICLOUD_POOLS, {"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"],
                                                                         "scaling": {"minSize": 0, "maxSize": 2},
                                                                         "labels": {"workload": "inference"}}]}})
    assert load(ack, services=[routed]).services[0].ingress is not None
