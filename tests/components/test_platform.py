"""One catalog entry on three clouds: it renders the same on every cloud except where the cloud requires a difference."""

from __future__ import annotations

from typing import Any

from cloud_factories import ALICLOUD, ALICLOUD_POOLS, AWS, BUCKET, CPU_BURST_SERVICE, EXISTING, GPU_SERVICE, S3_KEYS, load
from components.platform import build_platform
from planner.engine import Plan
from stackconfig import StackConfig


def plan_of(run_under_mocks, config: StackConfig) -> Plan:
    return run_under_mocks(lambda: build_platform(config), stack="test")


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


def assert_policies_differ_only_in_the_clouds_network_boundary(objects: dict[str, dict[str, Any]]) -> None:
    """The NetworkPolicies differ only in the admitted namespaces (ACK's ingress controller) and the metadata
    addresses each cloud's egress excepts."""
    for cloud in set(objects) - {"alicloud"}:
        paths = differing(objects["alicloud"]["NetworkPolicy"], objects[cloud]["NetworkPolicy"])
        assert paths and all(p.startswith(("spec.egress[0].to[", "spec.ingress[0].from[0].namespaceSelector."))
                             for p in paths), (cloud, paths)


def test_gpu_entry_renders_identically_on_ack_eks_and_an_existing_cluster(run_under_mocks):
    gpu_pool = {"name": "gpu", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge"], "scaling": {"minSize": 0, "maxSize": 2},
                "labels": {"workload": "inference"}}
    configs = {"alicloud": load(ALICLOUD, services=[GPU_SERVICE], alicloud={"nodePools": [*ALICLOUD_POOLS, gpu_pool]}),
               "aws": load(AWS, services=[GPU_SERVICE]),
               "existing": load(EXISTING, services=[GPU_SERVICE])}
    objects = {cloud: service_objects(plan_of(run_under_mocks, config), "inference-bert") for cloud, config in configs.items()}
    assert set(objects["alicloud"]) == set(objects["aws"]) == set(objects["existing"]) == {
        "ServiceAccount", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
        "PodMonitor"}
    for kind in set(objects["alicloud"]) - {"NetworkPolicy"}:
        assert objects["alicloud"][kind] == objects["aws"][kind] == objects["existing"][kind], kind
    assert_policies_differ_only_in_the_clouds_network_boundary(objects)


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
    for kind in ("Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
        assert objects["alicloud"][kind] == objects["aws"][kind], kind
    assert_policies_differ_only_in_the_clouds_network_boundary(objects)
