"""Each guardrail passes a good resource and fails a bad one; the offline plan applies them to every stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.cli import committed_stacks, main
from planner.policies import default_policy_config
from planner.stackfile import read_stack_file
from policypack import rules
from policypack.rules import RULES, PolicyConfig, ResourceView, Settings, evaluate, parse_policy_config
from policypack.sentinels import SECRET_MARK, UNKNOWN_MARK
from stackconfig import load_stack_config

from paths import DATA


def view(type_: str, inputs: dict[str, Any], name: str = "r", protect: bool = False,
         dependencies: frozenset[str] = frozenset()) -> ResourceView:
    return ResourceView(type=type_, name=name, urn=f"urn:pulumi:test::elastic-inference::{type_}::{name}",
                        inputs=inputs, protect=protect, dependencies=dependencies)


def k8s(kind: str, api_version: str, spec: dict[str, Any], name: str = "svc", namespace: str = "inference",
        labels: dict[str, str] | None = None) -> ResourceView:
    group = api_version.split("/")[0] if "/" in api_version else "core"
    version = api_version.split("/")[-1]
    return view(f"kubernetes:{group}/{version}:{kind}", {
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}}, "spec": spec}, name=name)


def container(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "server", "image": "tensorflow/serving:2.19.1-gpu",
        "resources": {"requests": {"cpu": "4", "memory": "12Gi", "nvidia.com/gpu": "1"},
                      "limits": {"cpu": "4", "memory": "12Gi", "nvidia.com/gpu": "1"}},
        "readinessProbe": {"httpGet": {"path": "/v1/models/m", "port": 8501}},
    }
    return {**base, **overrides}


def deployment(pod: dict[str, Any] | None = None, labels: dict[str, str] | None = None) -> ResourceView:
    pod_spec = {"containers": [container()], "terminationGracePeriodSeconds": 60, **(pod or {})}
    return k8s("Deployment", "apps/v1", {
        "selector": {"matchLabels": labels or {"app": "svc"}},
        "template": {"metadata": {"labels": labels or {"app": "svc"}}, "spec": pod_spec}})


def spot_pool(**overrides: Any) -> ResourceView:
    inputs = {"spotStrategy": "SpotAsPriceGo", "onDemandPercentageAboveBaseCapacity": "30",
              "compensateWithOnDemand": True, "scalingConfig": {"minSize": 0, "maxSize": 4}}
    return view("alicloud:cs/nodePool:NodePool", {**inputs, **overrides}, name="gpu")


def check(rule_name: str, resource: ResourceView, settings: Settings = Settings()) -> list[str]:
    rule = next(r for r in RULES if r.name == rule_name)
    assert not rule.stack
    return rule.check(resource, settings)  # type: ignore[call-arg, arg-type]


def check_stack(rule_name: str, resources: list[ResourceView], settings: Settings = Settings()) -> list[tuple[str, str]]:
    rule = next(r for r in RULES if r.name == rule_name)
    assert rule.stack
    return [(r.name, message) for r, message in rule.check(resources, settings)]  # type: ignore[call-arg, arg-type]


# --------------------------------------------------------------------------- the policy set


def test_at_least_ten_policies_with_unique_names_and_reasons():
    names = [r.name for r in RULES]
    assert len(names) >= 10 and len(set(names)) == len(names)
    assert all(r.enforcement in (rules.MANDATORY, rules.ADVISORY) and len(r.description) > 40 for r in RULES)
    assert {r.name for r in RULES if r.enforcement == rules.ADVISORY} == set()
    assert all(set(r.settings) <= set(rules.SETTING_SCHEMAS) for r in RULES)


def test_a_policy_without_a_docstring_is_refused():
    """The docstring is the description ``pulumi preview`` shows; an empty one would go unnoticed."""
    with pytest.raises(TypeError, match="undocumented-policy: its docstring"):
        rules.policy("undocumented-policy", rules.MANDATORY)(lambda resource, settings: [])


# --------------------------------------------------------------------------- one test per policy


def test_spot_on_demand_share():
    assert check("spot-on-demand-share", spot_pool()) == []
    assert check("spot-on-demand-share", view("alicloud:cs/nodePool:NodePool", {"instanceChargeType": "PostPaid"})) == []
    low = check("spot-on-demand-share", spot_pool(onDemandPercentageAboveBaseCapacity="5"))
    assert low == ["spot pool keeps 5 % pay-as-you-go above its base; the stack allows 10-100 %"]
    assert check("spot-on-demand-share", spot_pool(onDemandPercentageAboveBaseCapacity="5"),
                 Settings(minOnDemandPercentage=5)) == []
    assert "compensateWithOnDemand" in check("spot-on-demand-share", spot_pool(compensateWithOnDemand=False))[0]
    assert len(check("spot-on-demand-share", spot_pool(onDemandPercentageAboveBaseCapacity=None,
                                                       compensateWithOnDemand=None))) == 2


@pytest.mark.parametrize("inputs, expected", [
    ({"volumeAttributes": {"akId": SECRET_MARK, "roleName": "r"}}, []),
    ({"tags": {"owner": "team-ml"}}, []),
    ({"volumeAttributes": {"akId": "id", "akSecret": "s"}}, ["volumeAttributes.akId", "volumeAttributes.akSecret"]),
    ({"tags": {"note": "key LTAI5tQ3Xk9vB2mN8pR4sW7z here"}}, ["tags.note"]),
    ({"config": "AKIAIOSFODNN7EXAMPLE"}, ["config"]),
    ({"spec": {"env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "abc"}]}}, ["spec.env[0]"]),
    ({"spec": {"env": [{"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "s3", "key": "k"}}}]}}, []),
    ({"password": ""}, []),
    ({"config": {"AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjE"}}, ["config.AWS_SESSION_TOKEN"]),
    ({"mountOptions": ["endpoint=https://reader:hunter2@oss.example.com"]}, ["mountOptions[0]"]),
    ({"spec": {"automountServiceAccountToken": False, "volumes": [{"name": "s3", "secret": {"secretName": "s3"}}],
               "env": [{"name": "AWS_SECRET_ACCESS_KEY_FILE", "value": "/var/run/secrets/s3/key"}]}}, []),
])
def test_no_credentials_in_inputs(inputs, expected):
    found = check("no-credentials-in-inputs", view("kubernetes:core/v1:PersistentVolume", inputs))
    assert [m.split(" ")[0] for m in found] == expected


def test_no_credentials_allows_kubernetes_secret_payload_only():
    secret = view("kubernetes:core/v1:Secret", {"apiVersion": "v1", "kind": "Secret",
                                                "stringData": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}})
    assert check("no-credentials-in-inputs", secret) == []
    config_map = view("kubernetes:core/v1:ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "data": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}})
    assert len(check("no-credentials-in-inputs", config_map)) == 1


OSS = "alicloud:oss/"
BUCKET_URN = f"urn:pulumi:test::elastic-inference::{OSS}bucket:Bucket::models"


def tls_only(service: str, key: str, resources: list[str], **statement: Any) -> str:
    return json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": f"{service}:*", "Resource": resources,
                                      "Condition": {"Bool": {key: "false"}}, **statement}]})


OSS_TLS_ONLY = tls_only("oss", "acs:SecureTransport", ["acs:oss:*:*:models", "acs:oss:*:*:models/*"])


def oss_bucket_set(**broken: Any) -> list[ResourceView]:
    settings = {
        "bucketAcl:BucketAcl": {"acl": "private"},
        "bucketVersioning:BucketVersioning": {"status": "Enabled"},
        "bucketServerSideEncryption:BucketServerSideEncryption": {"sseAlgorithm": "KMS"},
        "bucketPublicAccessBlock:BucketPublicAccessBlock": {"blockPublicAccess": True},
        "bucketPolicy:BucketPolicy": {"policy": OSS_TLS_ONLY},
    }
    resources = [view(f"{OSS}bucket:Bucket", {"bucket": "models"}, name="models")]
    for type_, inputs in settings.items():
        if broken.get(type_) is not False:
            resources.append(view(OSS + type_, {"bucket": "models", **inputs, **(broken.get(type_) or {})},
                                  name=type_.split(":")[1]))
    return resources


def test_buckets_locked_down_oss():
    assert check_stack("buckets-locked-down", oss_bucket_set()) == []
    assert check_stack("buckets-locked-down", oss_bucket_set(**{"bucketAcl:BucketAcl": {"acl": "public-read"}})) == [
        ("models", "needs an oss.BucketAcl with acl private")]
    assert check_stack("buckets-locked-down", oss_bucket_set(**{"bucketVersioning:BucketVersioning": False})) == [
        ("models", "needs an oss.BucketVersioning with status Enabled")]
    missing = check_stack("buckets-locked-down", oss_bucket_set(**{
        "bucketServerSideEncryption:BucketServerSideEncryption": False,
        "bucketPublicAccessBlock:BucketPublicAccessBlock": {"blockPublicAccess": False}}))
    assert [m for _, m in missing] == ["needs an oss.BucketServerSideEncryption (AES256, KMS or SM4)",
                                       "needs an oss.BucketPublicAccessBlock with blockPublicAccess true"]


def test_buckets_locked_down_matches_settings_by_dependency_when_the_name_is_unknown():
    resources = [r if r.type.endswith("bucket:Bucket") else view(
        r.type, {**r.inputs, "bucket": UNKNOWN_MARK}, name=r.name, dependencies=frozenset({BUCKET_URN}))
        for r in oss_bucket_set()]
    assert check_stack("buckets-locked-down", resources) == []
    unrelated = [r if r.type.endswith("bucket:Bucket") else view(r.type, {**r.inputs, "bucket": UNKNOWN_MARK}, name=r.name)
                 for r in oss_bucket_set()]
    assert len(check_stack("buckets-locked-down", unrelated)) == 5


OSS_TLS_FINDING = "needs a bucket policy denying oss:* on the bucket and its objects when acs:SecureTransport is false"


@pytest.mark.parametrize("policy", [
    OSS_TLS_ONLY.replace('"Deny"', '"Allow"'),
    OSS_TLS_ONLY.replace('"false"', '"true"'),
    OSS_TLS_ONLY.replace("acs:SecureTransport", "aws:SecureTransport"),
    tls_only("oss", "acs:SecureTransport", ["acs:oss:*:*:models/*"]),  # objects only: bucket calls stay open
    tls_only("oss", "acs:SecureTransport", ["acs:oss:*:*:models", "acs:oss:*:*:models/*"], Principal=["acs:ram::1:root"]),
    tls_only("oss", "acs:SecureTransport", ["acs:oss:*:*:models", "acs:oss:*:*:models/*"], Action=["oss:GetObject"]),
    "not json",
])
def test_buckets_locked_down_needs_a_tls_only_policy(policy):
    assert check_stack("buckets-locked-down", oss_bucket_set(**{"bucketPolicy:BucketPolicy": {"policy": policy}})) == [
        ("models", OSS_TLS_FINDING)]


def test_buckets_locked_down_accepts_the_tls_only_policy_in_any_spelling_and_waits_for_an_unknown_one():
    lists = tls_only("oss", "acs:SecureTransport", ["acs:oss:*:*:models", "acs:oss:*:*:models/*"],
                     Principal=["*"], Action=["oss:*"], Condition={"Bool": {"acs:SecureTransport": ["false"]}})
    for policy in (lists, json.loads(lists), UNKNOWN_MARK):
        assert check_stack("buckets-locked-down", oss_bucket_set(**{"bucketPolicy:BucketPolicy": {"policy": policy}})) == []
    assert check_stack("buckets-locked-down", oss_bucket_set(**{"bucketPolicy:BucketPolicy": False})) == [
        ("models", OSS_TLS_FINDING)]


def test_buckets_locked_down_s3():
    s3 = "aws:s3/"
    good = [
        view(f"{s3}bucket:Bucket", {"bucket": "repo"}, name="repo"),
        view(f"{s3}bucketVersioning:BucketVersioning", {"bucket": "repo", "versioningConfiguration": {"status": "Enabled"}}),
        view(f"{s3}bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             {"bucket": "repo", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}),
        view(f"{s3}bucketPublicAccessBlock:BucketPublicAccessBlock", {"bucket": "repo", "blockPublicAcls": True,
             "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}),
        view(f"{s3}bucketPolicy:BucketPolicy", {"bucket": "repo", "policy": tls_only(
            "s3", "aws:SecureTransport", ["arn:aws:s3:::repo", "arn:aws:s3:::repo/*"], Principal={"AWS": "*"})}),
    ]
    assert check_stack("buckets-locked-down", good) == []
    assert [m for _, m in check_stack("buckets-locked-down", good[:4])] == [
        "needs a bucket policy denying s3:* on the bucket and its objects when aws:SecureTransport is false"]
    open_block = good[:3] + [view(good[3].type, {**good[3].inputs, "restrictPublicBuckets": False})] + good[4:]
    assert [m for _, m in check_stack("buckets-locked-down", open_block)] == [
        "needs an s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, "
        "restrictPublicBuckets all true"]
    assert len(check_stack("buckets-locked-down", good[:1])) == 4


def test_gpu_requests_match_limits():
    assert check("gpu-requests-match-limits", deployment()) == []
    cpu_only = container(resources={"requests": {"cpu": "1"}, "limits": {"cpu": "2"}})
    assert check("gpu-requests-match-limits", deployment({"containers": [cpu_only]})) == []
    short = container(resources={"requests": {"cpu": "2", "memory": "12Gi"},
                                 "limits": {"cpu": "4", "memory": "12Gi", "nvidia.com/gpu": "1"}})
    assert check("gpu-requests-match-limits", deployment({"containers": [short]})) == [
        "container server: requests cpu=2 but limits cpu=4",
        "container server: requests nvidia.com/gpu=None but limits nvidia.com/gpu=1"]


def test_gpu_requests_match_limits_in_seldon_component_specs():
    spec = {"predictors": [{"name": "default", "componentSpecs": [{"spec": {"containers": [
        container(resources={"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "2"}})]}}]}]}
    seldon = k8s("SeldonDeployment", "machinelearning.seldon.io/v1", spec)
    assert len(check("gpu-requests-match-limits", seldon)) == 1


def test_workload_autoscaler_bounds():
    hpa = k8s("HorizontalPodAutoscaler", "autoscaling/v2", {"minReplicas": 1, "maxReplicas": 8})
    assert check("workload-autoscaler-bounds", hpa) == []
    assert check("workload-autoscaler-bounds", hpa, Settings(maxReplicas=5)) == [
        "HorizontalPodAutoscaler: maximum 8 is over this stack's cap of 5"]
    inverted = k8s("ScaledObject", "keda.sh/v1alpha1", {"minReplicaCount": 6, "maxReplicaCount": 3})
    assert check("workload-autoscaler-bounds", inverted) == ["ScaledObject: minimum 6 is greater than maximum 3"]
    keda_default = k8s("ScaledObject", "keda.sh/v1alpha1", {})
    assert check("workload-autoscaler-bounds", keda_default) == ["ScaledObject: maximum 100 is over this stack's cap of 10"]
    seldon = k8s("SeldonDeployment", "machinelearning.seldon.io/v1", {"predictors": [{"name": "default", "componentSpecs": [
        {"hpaSpec": {"minReplicas": 1, "maxReplicas": 40}}]}]})
    assert check("workload-autoscaler-bounds", seldon) == [
        "predictor default componentSpecs[0].hpaSpec: maximum 40 is over this stack's cap of 10"]


def test_spot_share_of_an_eks_mixed_instances_group():
    def group(share):
        return view("aws:autoscaling/group:Group", {"minSize": 0, "maxSize": 4, "mixedInstancesPolicy": {
            "instancesDistribution": {"onDemandPercentageAboveBaseCapacity": share,
                                      "spotAllocationStrategy": "price-capacity-optimized"}}})
    assert check("spot-on-demand-share", group(30)) == []
    assert check("spot-on-demand-share", group(0)) == [
        "mixed-instances group keeps 0 % pay-as-you-go above its base; the stack allows 10-100 %"]
    assert check("spot-on-demand-share", view("aws:autoscaling/group:Group", {"minSize": 0, "maxSize": 2})) == []


def test_node_capacity_bounds_on_eks():
    node_group = view("aws:eks/nodeGroup:NodeGroup", {"scalingConfig": {"minSize": 2, "maxSize": 12}})
    assert check("node-pool-bounds", node_group) == ["scalingConfig: maximum 12 is over this stack's cap of 10"]
    group = view("aws:autoscaling/group:Group", {"minSize": 3, "maxSize": 2})
    assert check("node-pool-bounds", group) == ["Auto Scaling group: minimum 3 is greater than maximum 2"]


def test_node_pool_bounds():
    assert check("node-pool-bounds", spot_pool()) == []
    assert check("node-pool-bounds", spot_pool(scalingConfig={"minSize": 5, "maxSize": 3})) == [
        "scalingConfig: minimum 5 is greater than maximum 3"]
    assert check("node-pool-bounds", spot_pool(scalingConfig={"minSize": 0, "maxSize": 30}), Settings(maxNodePoolSize=30)) == []
    assert check("node-pool-bounds", spot_pool(scalingConfig={"minSize": 0, "maxSize": 31}), Settings(maxNodePoolSize=30)) == [
        "scalingConfig: maximum 31 is over this stack's cap of 30"]


def test_inference_readiness_probes():
    assert check("inference-readiness-probes", deployment()) == []
    no_probe = {k: v for k, v in container().items() if k != "readinessProbe"}
    assert check("inference-readiness-probes", deployment({"containers": [container(), {**no_probe, "name": "proxy"}]})) == [
        "container proxy has no readinessProbe"]


def test_inference_pod_disruption_budget():
    pdb = k8s("PodDisruptionBudget", "policy/v1", {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "svc"}}}, name="pdb")
    assert check_stack("inference-pod-disruption-budget", [deployment(), pdb]) == []
    assert check_stack("inference-pod-disruption-budget", [deployment()]) == [
        ("svc", "no PodDisruptionBudget in its namespace selects its pods")]
    other_namespace = k8s("PodDisruptionBudget", "policy/v1", pdb.inputs["spec"], name="pdb", namespace="default")
    assert len(check_stack("inference-pod-disruption-budget", [deployment(), other_namespace])) == 1
    other_pods = k8s("PodDisruptionBudget", "policy/v1", {"selector": {"matchLabels": {"app": "other"}}}, name="pdb")
    assert len(check_stack("inference-pod-disruption-budget", [deployment(), other_pods])) == 1


def seldon_deployment(component: dict[str, Any]) -> ResourceView:
    return k8s("SeldonDeployment", "machinelearning.seldon.io/v1", {"predictors": [{"name": "default", "componentSpecs": [
        {"spec": {"containers": [container()], "terminationGracePeriodSeconds": 60}, **component}]}]}, name="fashion")


def test_seldon_components_need_a_pdb_spec():
    assert check_stack("inference-pod-disruption-budget", [seldon_deployment({"pdbSpec": {"maxUnavailable": 1}})]) == []
    assert check_stack("inference-pod-disruption-budget", [seldon_deployment({})]) == [
        ("fashion", "predictor default componentSpecs[0] has no pdbSpec")]


def test_seldon_pods_drain_gracefully_too():
    short = k8s("SeldonDeployment", "machinelearning.seldon.io/v1", {"predictors": [{"name": "default", "componentSpecs": [
        {"spec": {"containers": [container()], "terminationGracePeriodSeconds": 1}}]}]}, name="fashion")
    assert check("inference-graceful-termination", short) == [
        "terminationGracePeriodSeconds is 1; at least 30 lets in-flight requests finish"]


def test_inference_graceful_termination():
    assert check("inference-graceful-termination", deployment()) == []
    assert check("inference-graceful-termination", deployment({"terminationGracePeriodSeconds": 30})) == []
    assert check("inference-graceful-termination", deployment({"terminationGracePeriodSeconds": 1})) == [
        "terminationGracePeriodSeconds is 1; at least 30 lets in-flight requests finish"]


@pytest.mark.parametrize("image, pinned", [
    ("tensorflow/serving:2.19.1-gpu", True),
    ("nvcr.io/nvidia/tritonserver@sha256:" + "a" * 64, True),
    ("registry.example.com:5000/team/server:1.2", True),
    ("tensorflow/serving:latest", False),
    ("tensorflow/serving", False),
    ("registry.example.com:5000/team/server", False),
])
def test_images_pinned(image, pinned):
    found = check("images-pinned", deployment({"initContainers": [container(name="init", image=image)]}))
    assert (found == []) == pinned


def test_stateful_resources_protected():
    cluster = "alicloud:cs/managedKubernetes:ManagedKubernetes"
    assert check("stateful-resources-protected", view(cluster, {}, protect=True), Settings(production=True)) == []
    assert check("stateful-resources-protected", view(cluster, {}), Settings(production=False)) == []
    assert len(check("stateful-resources-protected", view("aws:s3/bucket:Bucket", {}), Settings(production=True))) == 1
    assert check("stateful-resources-protected", view("alicloud:vpc/network:Network", {}), Settings(production=True)) == []
    assert len(check("stateful-resources-protected", view("aws:eks/cluster:Cluster", {}), Settings(production=True))) == 1


def test_ingress_tls_in_production():
    rules_ = [{"host": "a.example.com"}, {"host": "b.example.com"}]
    tls = k8s("Ingress", "networking.k8s.io/v1", {"rules": rules_, "tls": [{"hosts": ["a.example.com", "b.example.com"]}]})
    plain = k8s("Ingress", "networking.k8s.io/v1", {"rules": rules_, "tls": [{"hosts": ["a.example.com"]}]})
    assert check("ingress-tls-in-production", tls, Settings(production=True)) == []
    assert check("ingress-tls-in-production", plain, Settings(production=False)) == []
    assert check("ingress-tls-in-production", plain, Settings(production=True)) == ["host b.example.com has no TLS"]


EKS = "aws:eks/cluster:Cluster"
ACK = "alicloud:cs/managedKubernetes:ManagedKubernetes"


@pytest.mark.parametrize(("resource", "problem"), [
    (view(EKS, {"vpcConfig": {"endpointPublicAccess": False}}), None),
    (view(EKS, {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}}), None),
    (view(EKS, {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": UNKNOWN_MARK}}), None),
    (view(EKS, {"vpcConfig": {"endpointPublicAccess": True}}), "EKS opens it to 0.0.0.0/0"),
    (view(EKS, {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": []}}), "EKS opens it to 0.0.0.0/0"),
    (view(EKS, {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["10.0.0.0/8", "0.0.0.0/0"]}}),
     "admits the whole internet"),
    (view(ACK, {"slbInternetEnabled": False}), None),
    (view(ACK, {"slbInternetEnabled": True}), "Internet SLB"),
])
def test_api_server_restricted_in_production(resource, problem):
    found = check("api-server-restricted-in-production", resource, Settings(production=True))
    assert found == [] if problem is None else (len(found) == 1 and problem in found[0]), found
    assert check("api-server-restricted-in-production", resource, Settings(production=False)) == []


def ack_cluster(slb: str) -> ResourceView:
    return view(ACK, {"addons": [{"name": "terway-eniip"}, {
        "name": "nginx-ingress-controller", "config": json.dumps({"IngressSlbNetworkType": slb})}]}, name="cluster")


def ingress(name: str, allowed: str | None = None) -> ResourceView:
    resource = k8s("Ingress", "networking.k8s.io/v1", {"rules": [{"host": f"{name}.example.com"}]}, name=name)
    if allowed is not None:
        resource.inputs["metadata"]["annotations"] = {rules.INGRESS_ALLOW_LIST: allowed}
    return resource


def test_ingress_load_balancer_restricted_in_production():
    name = "ingress-load-balancer-restricted-in-production"
    on, off = Settings(production=True), Settings(production=False)
    ingresses = [ingress("listed", "203.0.113.0/24,10.0.0.0/8"), ingress("open"), ingress("world", "10.0.0.0/8,0.0.0.0/0"),
                 ingress("pending", UNKNOWN_MARK)]
    found = check_stack(name, [ack_cluster("internet"), *ingresses], on)
    assert [resource for resource, _ in found] == ["open", "world"]
    assert all("admits every client address" in message and "allowSourceCidrs" in message for _, message in found)
    assert check_stack(name, [ack_cluster("intranet"), *ingresses], on) == []
    unknown = view(ACK, {"addons": [{"name": "nginx-ingress-controller", "config": UNKNOWN_MARK}]}, name="cluster")
    assert check_stack(name, [unknown, *ingresses], on) == []
    assert check_stack(name, [ack_cluster("internet"), *ingresses], off) == []


def test_current_kubernetes_apis():
    assert check("current-kubernetes-apis", k8s("HorizontalPodAutoscaler", "autoscaling/v2", {})) == []
    assert check("current-kubernetes-apis", k8s("HorizontalPodAutoscaler", "autoscaling/v2beta1", {})) == [
        "apiVersion autoscaling/v2beta1 is no longer served; use autoscaling/v2"]
    burst = deployment()
    burst = view(burst.type, {**burst.inputs, "metadata": {"name": "svc", "annotations": {rules.DISCONTINUED_ANNOTATION: "eci"}}})
    assert len(check("current-kubernetes-apis", burst)) == 1


# --------------------------------------------------------------------------- config and evaluation


def test_policy_config_overrides_settings_and_enforcement():
    hpa = k8s("HorizontalPodAutoscaler", "autoscaling/v2", {"minReplicas": 1, "maxReplicas": 20})
    assert [v.policy for v in evaluate([hpa], PolicyConfig())] == ["workload-autoscaler-bounds"]
    assert evaluate([hpa], parse_policy_config({"workload-autoscaler-bounds": {"maxReplicas": 20}}, "t")) == []
    advisory = evaluate([hpa], parse_policy_config({"workload-autoscaler-bounds": "advisory"}, "t"))
    assert [v.enforcement for v in advisory] == ["advisory"]
    assert evaluate([hpa], parse_policy_config({"workload-autoscaler-bounds": {"enforcementLevel": "disabled"}}, "t")) == []


@pytest.mark.parametrize("document, message", [
    ({"no-such-policy": "advisory"}, "no-such-policy: no such policy"),
    ({"node-pool-bounds": {"maxReplicas": 3}}, "node-pool-bounds.maxReplicas: not a setting of this policy"),
    ({"node-pool-bounds": {"maxNodePoolSize": "30"}}, "node-pool-bounds.maxNodePoolSize: must be an integer"),
    ({"stateful-resources-protected": {"production": 1}}, "stateful-resources-protected.production: must be a boolean"),
    ({"images-pinned": "strict"}, "images-pinned.enforcementLevel: 'strict' is not one of"),
])
def test_policy_config_mistakes_are_named(document, message):
    with pytest.raises(ValueError, match=message):
        parse_policy_config(document, "t.json")


@pytest.mark.parametrize("stack", committed_stacks())
def test_committed_policy_config_matches_the_stack(stack):
    """Each committed stack has a policy config whose ``production`` says what the stack config says."""
    path = default_policy_config(stack)
    assert path is not None, f"policypack/config/{stack}.json is missing"
    config = parse_policy_config(json.loads(path.read_text()), str(path))
    stack_config = load_stack_config(*read_stack_file(Path("stacks") / f"Pulumi.{stack}.yaml"))
    for rule in RULES:
        if "production" in rule.settings:
            assert config.settings(rule).production == stack_config.production, rule.name


@pytest.mark.parametrize("stack", committed_stacks())
def test_committed_stacks_pass_every_mandatory_policy(stack, capsys):
    assert main(["--stack", stack]) == 0
    out = capsys.readouterr().out
    assert "[mandatory]" not in out


def test_violations_stack_exits_1_and_names_each_violation_with_its_resource(capsys):
    assert main(["--stack-file", str(DATA / "Pulumi.violations.yaml")]) == 1
    out = capsys.readouterr().out
    pool, hpa, deployment = ("alicloud:cs/nodePool:NodePool", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                             "kubernetes:apps/v1:Deployment")
    expected = [
        ("spot-on-demand-share", "gpu-inference", pool, "0 % pay-as-you-go"),
        ("spot-on-demand-share", "gpu-inference", pool, "compensateWithOnDemand"),
        ("node-pool-bounds", "system", pool, "maximum 200"),
        ("workload-autoscaler-bounds", "inference-latest-image-hpa", hpa, "maximum 50"),
        ("images-pinned", "inference-latest-image-deployment", deployment, "tensorflow/serving:latest"),
    ]
    blocks = out.split("  [mandatory] ")[1:]
    assert len(blocks) == len(expected)
    for policy, resource, kind, message in expected:
        assert any(b.startswith(f"{policy}: {resource} ({kind})") and message in b for b in blocks), policy
    # Short names and paths relative to the repository, as reviewers read them.
    assert "urn:pulumi" not in out and "(policy config: defaults" in out


def test_advisory_violations_are_printed_but_do_not_fail(tmp_path, capsys):
    stack = yaml.safe_load((Path("stacks") / "Pulumi.dev.yaml").read_text())
    stack["config"]["elastic-inference:services"] = [{
        "name": "open", "server": "tfserving", "model": {"name": "m", "path": "models/m"}, "resources": {"gpus": 0},
        "ingress": {"host": "open.example.com", "tls": False},
        "autoscaling": {"maxReplicas": 2, "cpu": {"targetUtilization": 60}}}]
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(json.dumps(stack))
    policy_config = tmp_path / "policy.json"
    policy_config.write_text(json.dumps({"ingress-tls-in-production": {"production": True, "enforcementLevel": "advisory"}}))
    assert main(["--stack-file", str(path), "--policy-config", str(policy_config)]) == 0
    out = capsys.readouterr().out
    assert "0 mandatory, 1 advisory" in out
    assert "[advisory] ingress-tls-in-production: " in out and "host open.example.com has no TLS" in out


PRODUCTION = Settings(production=True)
ACK_CLUSTER = view("alicloud:cs/managedKubernetes:ManagedKubernetes", {}, name="cluster")
EKS_CLUSTER = view("aws:eks/cluster:Cluster", {}, name="cluster")
NAMED_SOURCES = [{"namespaceSelector": {"matchExpressions": [
    {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["inference", "kube-system"]}]}}]


def network_policy(egress_except: list[str] | None, sources: list[dict[str, Any]] | None = None,
                   selector: dict[str, str] | None = None, types: tuple[str, ...] = ("Ingress", "Egress")) -> ResourceView:
    spec: dict[str, Any] = {"podSelector": {"matchLabels": selector or {"app": "svc"}}, "policyTypes": list(types),
                            "ingress": [{"from": NAMED_SOURCES if sources is None else sources}]}
    if egress_except is not None:
        spec["egress"] = [{"to": [{"namespaceSelector": {}},
                                  {"ipBlock": {"cidr": "0.0.0.0/0", "except": [c for c in egress_except if ":" not in c]}},
                                  {"ipBlock": {"cidr": "::/0", "except": [c for c in egress_except if ":" in c]}}]}]
    return k8s("NetworkPolicy", "networking.k8s.io/v1", spec, name="netpol")


def network_findings(*resources: ResourceView, settings: Settings = PRODUCTION) -> list[tuple[str, str]]:
    return check_stack("inference-network-policy", list(resources), settings)


def test_network_policy_denying_the_clusters_metadata_address_and_naming_its_sources_passes():
    assert network_findings(ACK_CLUSTER, deployment(), network_policy(["100.100.100.200/32"])) == []
    assert network_findings(EKS_CLUSTER, deployment(), network_policy(["169.254.169.254/32", "fd00:ec2::254/128"])) == []
    everything = ["100.100.100.200/32", "169.254.169.254/32", "fd00:ec2::254/128"]
    assert network_findings(deployment(), network_policy(everything)) == []  # an existing cluster: every address
    # An adopted cluster is not in the plan, but an ACK platform's provider and an EKS one's node group are.
    alicloud_provider = view("pulumi:providers:alicloud", {"region": "cn-beijing"}, name="alicloud")
    assert network_findings(alicloud_provider, deployment(), network_policy(["100.100.100.200/32"])) == []
    eks_nodes = view("aws:eks/nodeGroup:NodeGroup", {}, name="system")
    assert network_findings(eks_nodes, deployment(), network_policy(["169.254.169.254/32", "fd00:ec2::254/128"])) == []
    assert len(network_findings(deployment(), network_policy(["100.100.100.200/32"]))) == 2


def test_network_policy_that_lets_pods_reach_metadata_fails():
    # ACK's address excepted on EKS: IMDS stays reachable on both families
    assert network_findings(EKS_CLUSTER, deployment(), network_policy(["100.100.100.200/32"])) == [
        ("svc", "its NetworkPolicy egress admits the instance metadata address 169.254.169.254: except it from every ipBlock"),
        ("svc", "its NetworkPolicy egress admits the instance metadata address fd00:ec2::254: except it from every ipBlock")]
    [(_, message)] = network_findings(ACK_CLUSTER, deployment(), network_policy(None, types=("Ingress",)))
    assert message.startswith("no NetworkPolicy restricts its egress")
    # a second policy that admits every destination opens what the first closed: policies add up
    anywhere = k8s("NetworkPolicy", "networking.k8s.io/v1", {"podSelector": {"matchLabels": {"app": "svc"}},
                                                             "policyTypes": ["Egress"], "egress": [{}]}, name="open")
    assert len(network_findings(ACK_CLUSTER, deployment(), network_policy(["100.100.100.200/32"]), anywhere)) == 1


def test_network_policy_admitting_every_namespace_or_selecting_other_pods_fails():
    cidrs = ["100.100.100.200/32"]
    for sources in ([{"namespaceSelector": {}}], []):
        assert network_findings(ACK_CLUSTER, deployment(), network_policy(cidrs, sources=sources)) == [
            ("svc", "its NetworkPolicy admits pods of every namespace: name the ingress controller's, the metrics "
                    "scraper's and its own namespace")]
    unselected = network_findings(ACK_CLUSTER, deployment(), network_policy(cidrs, selector={"app": "other"}))
    assert [m.split(":")[0] for _, m in unselected] == ["no NetworkPolicy restricts its egress", "no NetworkPolicy restricts its ingress"]
    assert network_findings(ACK_CLUSTER, deployment(), settings=Settings()) == []  # production only


def test_seldon_pods_are_selected_by_their_deployment_id():
    sdep = seldon_deployment({"pdbSpec": {"maxUnavailable": 1}})
    selected = network_policy(["100.100.100.200/32"], selector={"seldon-deployment-id": "fashion"})
    assert network_findings(ACK_CLUSTER, sdep, selected) == []
    assert len(network_findings(ACK_CLUSTER, sdep, network_policy(["100.100.100.200/32"]))) == 2


HARDENED_TEMPLATE = {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
                     "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]}


@pytest.mark.parametrize("type_, hardened, open_, problem", [
    ("aws:ec2/launchTemplate:LaunchTemplate", HARDENED_TEMPLATE,
     {**HARDENED_TEMPLATE, "metadataOptions": {"httpTokens": "optional", "httpPutResponseHopLimit": 1}}, "IMDSv1"),
    ("aws:ec2/launchTemplate:LaunchTemplate", HARDENED_TEMPLATE,
     {**HARDENED_TEMPLATE, "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2}}, "more than one hop"),
    ("aws:ec2/launchTemplate:LaunchTemplate", HARDENED_TEMPLATE,
     {**HARDENED_TEMPLATE, "blockDeviceMappings": [{"ebs": {"encrypted": "false"}}]}, "unencrypted EBS volume"),
    ("aws:eks/nodeGroup:NodeGroup", {"launchTemplate": {"id": "lt-1", "version": "1"}}, {}, "no launch template"),
    ("alicloud:cs/nodePool:NodePool", {"systemDiskEncrypted": True}, {"systemDiskEncrypted": False}, "system disks"),
    ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
     {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"},
     {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"}, "cluster admin"),
])
def test_least_privilege_in_production_both_ways(type_, hardened, open_, problem):
    production = Settings(production=True)
    assert check("least-privilege-in-production", view(type_, hardened), production) == []
    (found,) = check("least-privilege-in-production", view(type_, open_), production)
    assert problem in found
    assert check("least-privilege-in-production", view(type_, open_), Settings(production=False)) == []


def test_no_credentials_allows_the_kubernetes_providers_kubeconfig_only():
    """Under ``pulumi preview`` the policy sees the ACK kubeconfig decrypted, client key included."""
    kubeconfig = "apiVersion: v1\nusers:\n- name: u\n  user:\n    client-key-data: LS0tLS1CRUdJTiBSU0E=\n"
    assert check("no-credentials-in-inputs", view("pulumi:providers:kubernetes", {"kubeconfig": kubeconfig})) == []
    (found,) = check("no-credentials-in-inputs", view("pulumi:providers:kubernetes", {"cluster": kubeconfig}))
    assert "kubeconfig credential" in found


ENCRYPTED_EKS = {"encryptionConfig": {"provider": {"keyArn": "arn:aws:kms:us-east-1:123456789012:key/k"}, "resources": ["secrets"]}}


@pytest.mark.parametrize("type_, encrypted, plain", [
    ("alicloud:cs/managedKubernetes:ManagedKubernetes", {"encryptionProviderKey": "key-bjj62f5ba3dnpb6v8abcd",
                                                         "disableEncryption": False}, {}),
    ("alicloud:cs/managedKubernetes:ManagedKubernetes", {"encryptionProviderKey": "key-bjj62f5ba3dnpb6v8abcd"},
     {"encryptionProviderKey": "key-bjj62f5ba3dnpb6v8abcd", "disableEncryption": True}),
    ("aws:eks/cluster:Cluster", ENCRYPTED_EKS, {}),
    ("aws:eks/cluster:Cluster", ENCRYPTED_EKS, {"encryptionConfig": {"provider": {"keyArn": "arn:k"}, "resources": []}}),
    # The key the stack creates is unknown until it exists: encrypted all the same.
    ("aws:eks/cluster:Cluster", {"encryptionConfig": {"provider": {"keyArn": UNKNOWN_MARK}, "resources": ["secrets"]}}, {}),
])
def test_secrets_encrypted_in_production_both_ways(type_, encrypted, plain):
    production = Settings(production=True)
    assert check("secrets-encrypted-in-production", view(type_, encrypted), production) == []
    (found,) = check("secrets-encrypted-in-production", view(type_, plain), production)
    assert found.startswith("does not encrypt Secrets with a KMS key: ")
    assert check("secrets-encrypted-in-production", view(type_, plain), Settings(production=False)) == []
    assert check("secrets-encrypted-in-production", view("alicloud:cs/nodePool:NodePool", {}), production) == []


def test_the_kms_key_a_stack_creates_is_protected_in_production():
    key = "aws:kms/key:Key"
    assert check("stateful-resources-protected", view(key, {}, protect=True), Settings(production=True)) == []
    assert len(check("stateful-resources-protected", view(key, {}), Settings(production=True))) == 1
    assert check("stateful-resources-protected", view(key, {}), Settings(production=False)) == []


def test_a_production_stack_on_an_adopted_ack_cluster_without_node_pools_passes_the_production_policies(tmp_path, capsys):
    """Nothing of the adopted cluster is in the plan, and the guide adds no node pool, yet its pods are ECI pods of
    ACK: the network policy must deny ACK's metadata address, not every cloud's."""
    stack = yaml.safe_load((Path("examples/guides") / "Pulumi.ack-eci-guide.yaml").read_text())
    config = stack["config"]
    config["elastic-inference:production"] = True
    config["elastic-inference:services"][0]["ingress"] = {"host": "bert-eci.example.com", "tlsSecretName": "bert-tls"}
    path = tmp_path / "Pulumi.prod-eci.yaml"
    path.write_text(json.dumps(stack))
    assert main(["--stack-file", str(path), "--policy-config", "policypack/config/prod.json"]) == 0
    assert "Policies: no violations" in capsys.readouterr().out
