"""The shared pod template: resources, placement per burst mode (with ACK's ECI as the burst target), ECI
annotations on the template, security, volumes."""

from __future__ import annotations

import kubernetes_validate

from components.kubernetes import pod_template as pt
from components.alicloud.burst import ECI, VIRTUAL_NODE_TOLERATION
from components.kubernetes.pod_template import PodOptions, pod_template
from factories import keys_and_strings
from service_factories import BERT, CIFAR, service

OPTIONS = PodOptions(service_account_name="bert", model_claim="model-store", config_map="bert-tfserving", burst=ECI)
VIRTUAL = {"key": "type", "operator": "In", "values": ["virtual-kubelet"]}
POOL = {"key": "workload", "operator": "In", "values": ["inference"]}
ECI_GPU = {"mode": "overflow", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge", "ecs.gn7i-c8g1.2xlarge"]}


def server(template):
    return template["spec"]["containers"][-1]


def as_deployment(template):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bert", "namespace": "inference"},
            "spec": {"selector": {"matchLabels": pt.selector_labels(service(BERT))}, "template": template}}


def test_template_is_a_valid_strict_deployment_template_for_every_burst_mode():
    for burst in ({"mode": "none"}, ECI_GPU, {**ECI_GPU, "mode": "only", "spot": True}):
        kubernetes_validate.validate(as_deployment(pod_template(service(BERT, burst=burst), OPTIONS)), "1.35.0",
                                     strict=True)


def test_gpu_requests_equal_limits():
    resources = server(pod_template(service(BERT, resources={"gpus": 1, "cpu": "6", "memory": "24Gi"}), OPTIONS))["resources"]
    assert resources["requests"] == resources["limits"] == {"cpu": "6", "memory": "24Gi", "nvidia.com/gpu": "1"}


def test_cpu_service_asks_for_no_gpu_and_tolerates_no_gpu_taint():
    template = pod_template(service(BERT, resources={"gpus": 0}, placement={"nodeSelector": {"workload": "system"}}), OPTIONS)
    assert "nvidia.com/gpu" not in server(template)["resources"]["limits"]
    assert "tolerations" not in template["spec"]


def test_no_burst_requires_the_pool_labels_and_tolerates_the_gpu_taint():
    spec = pod_template(service(BERT), OPTIONS)["spec"]
    assert spec["affinity"]["nodeAffinity"] == {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [POOL]}]}}
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_overflow_allows_pool_or_virtual_nodes_and_prefers_ecs():
    spec = pod_template(service(BERT, burst=ECI_GPU), OPTIONS)["spec"]
    affinity = spec["affinity"]["nodeAffinity"]
    # Terms are ORed: the pool's nodes, or a virtual node.
    assert affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] == [
        {"matchExpressions": [POOL]}, {"matchExpressions": [VIRTUAL]}]
    assert affinity["preferredDuringSchedulingIgnoredDuringExecution"] == [{"weight": 100, "preference": {
        "matchExpressions": [{"key": "type", "operator": "NotIn", "values": ["virtual-kubelet"]}]}}]
    assert spec["tolerations"] == [
        {"key": "virtual-kubelet.io/provider", "operator": "Equal", "value": "alibabacloud", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_overflow_without_pool_labels_only_prefers_ecs():
    affinity = pod_template(service(BERT, placement=None, burst=ECI_GPU), OPTIONS)["spec"]["affinity"]
    assert set(affinity["nodeAffinity"]) == {"preferredDuringSchedulingIgnoredDuringExecution"}


def test_only_requires_virtual_nodes():
    spec = pod_template(service(BERT, burst={**ECI_GPU, "mode": "only"}), OPTIONS)["spec"]
    assert spec["affinity"]["nodeAffinity"] == {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [VIRTUAL]}]}}
    assert spec["tolerations"] == [VIRTUAL_NODE_TOLERATION]


def test_eci_annotations_only_when_bursting_and_never_burst_resource():
    assert not {k for k in pod_template(service(BERT), OPTIONS)["metadata"]["annotations"] if k.startswith("k8s.aliyun.com/")}
    annotations = pod_template(service(BERT, burst={**ECI_GPU, "spot": True}), OPTIONS)["metadata"]["annotations"]
    assert annotations["k8s.aliyun.com/eci-use-specs"] == "ecs.gn6i-c4g1.xlarge,ecs.gn7i-c8g1.2xlarge"
    assert annotations["k8s.aliyun.com/eci-auto-imc"] == "true"
    assert annotations["k8s.aliyun.com/eci-spot-strategy"] == "SpotAsPriceGo"
    no_cache = pod_template(service(BERT, burst={**ECI_GPU, "imageCache": False}), OPTIONS)["metadata"]["annotations"]
    assert no_cache["k8s.aliyun.com/eci-auto-imc"] == "false" and "k8s.aliyun.com/eci-spot-strategy" not in no_cache
    cpu_only = pod_template(service(BERT, resources={"gpus": 0}, burst={"mode": "only"}), OPTIONS)
    assert "k8s.aliyun.com/eci-use-specs" not in cpu_only["metadata"]["annotations"]
    for template in (annotations, no_cache, cpu_only):
        assert not any("burst-resource" in s for s in keys_and_strings(template))


def test_restricted_security_and_no_api_token():
    template = pod_template(service(BERT), OPTIONS)
    spec = template["spec"]
    assert spec["securityContext"] == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                                       "seccompProfile": {"type": "RuntimeDefault"}}
    assert server(template)["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                                   "capabilities": {"drop": ["ALL"]}}
    assert spec["automountServiceAccountToken"] is False and spec["serviceAccountName"] == "bert"


def test_graceful_drain():
    template = pod_template(service(BERT), OPTIONS)
    assert template["spec"]["terminationGracePeriodSeconds"] >= 30
    assert server(template)["lifecycle"] == {"preStop": {"exec": {"command": ["/bin/sh", "-c", "sleep 15"]}}}
    assert template["spec"]["terminationGracePeriodSeconds"] > pt.PRE_STOP_SLEEP_SECONDS


def test_spread_over_zones_then_hosts_selecting_own_pods():
    template = pod_template(service(BERT), OPTIONS)
    constraints = template["spec"]["topologySpreadConstraints"]
    assert [c["topologyKey"] for c in constraints] == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
    for constraint in constraints:
        assert constraint["maxSkew"] == 1 and constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert constraint["labelSelector"]["matchLabels"].items() <= template["metadata"]["labels"].items()


def test_model_store_mounted_read_only_with_writable_tmp():
    template = pod_template(service(BERT), OPTIONS)
    mounts = {m["name"]: m for m in server(template)["volumeMounts"]}
    assert mounts["models"] == {"name": "models", "mountPath": "/models", "readOnly": True}
    assert mounts["tmp"]["mountPath"] == "/tmp"
    assert mounts["server-config"] == {"name": "server-config", "mountPath": "/etc/tfserving", "readOnly": True}
    volumes = {v["name"]: v for v in template["spec"]["volumes"]}
    assert volumes["models"]["persistentVolumeClaim"] == {"claimName": "model-store", "readOnly": True}
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
    assert volumes["server-config"]["configMap"] == {"name": "bert-tfserving"}


def test_image_env_and_secret_env():
    bert = service(BERT, image="registry.example.com/serving:2.19.1-gpu", env={"TF_CPP_MIN_LOG_LEVEL": "2"})
    container = server(pod_template(bert, OPTIONS))
    assert container["image"] == "registry.example.com/serving:2.19.1-gpu"
    assert container["env"] == [{"name": "TF_CPP_MIN_LOG_LEVEL", "value": "2"}]
    assert server(pod_template(service(BERT), OPTIONS))["image"] == "tensorflow/serving:2.19.1-gpu"
    triton = server(pod_template(service(CIFAR), PodOptions(service_account_name="cifar10", env_secret="cifar10-s3",
                                                            s3_bucket="acme-triton-models")))
    assert triton["envFrom"] == [{"secretRef": {"name": "cifar10-s3"}}]
    assert "models" not in {m["name"] for m in triton["volumeMounts"]}


def test_seldon_managed_server_leaves_command_ports_and_probes_to_seldon():
    container = server(pod_template(service(CIFAR), PodOptions(
        service_account_name="cifar10", container_name="cifar10-pytorch", managed_by_seldon=True)))
    assert container["name"] == "cifar10-pytorch"
    assert not {"command", "args", "ports", "readinessProbe", "livenessProbe", "startupProbe"} & container.keys()
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "2Gi"}


SIDECAR = {"name": "proxy", "image": "example/proxy:1", "securityContext": pt.CONTAINER_SECURITY_CONTEXT}


def test_every_container_with_a_read_only_root_mounts_the_writable_tmp_volume():
    writable_root = {"name": "shell", "image": "example/shell:1", "securityContext": {"readOnlyRootFilesystem": False}}
    own_tmp = {**SIDECAR, "name": "own-tmp", "volumeMounts": [{"name": "scratch", "mountPath": "/tmp"}]}
    template = pod_template(service(BERT), PodOptions(**{**OPTIONS.__dict__, "sidecars": (SIDECAR, writable_root, own_tmp)}))
    spec = template["spec"]
    containers = {c["name"]: c for c in spec["containers"]}
    tmp_volumes = {v["name"] for v in spec["volumes"] if v.get("emptyDir") == {}}
    for name in ("proxy", "server"):
        [tmp] = [m for m in containers[name]["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert tmp["name"] in tmp_volumes and not tmp.get("readOnly")
    assert "volumeMounts" not in containers["shell"]
    assert containers["own-tmp"]["volumeMounts"] == [{"name": "scratch", "mountPath": "/tmp"}]
    assert [m["name"] for m in containers["server"]["volumeMounts"]] == ["tmp", "models", "server-config"]


def checksum(svc, options=OPTIONS):
    return pod_template(svc, options)["metadata"]["annotations"][pt.CHECKSUM_ANNOTATION]


def test_checksum_changes_with_what_the_server_reads_at_start_only():
    base = checksum(service(BERT))
    assert checksum(service(BERT, model={"versionPolicy": {"specific": [1623831335]}})) != base
    assert checksum(service(BERT, model={"path": "models/tensorflow/other"})) != base
    assert checksum(service(BERT, env={"TF_CPP_MIN_LOG_LEVEL": "2"})) != base
    assert checksum(service(BERT, autoscaling={"maxReplicas": 3})) == base
    assert checksum(service(BERT, resources={"cpu": "4"})) == base
    triton = PodOptions(service_account_name="cifar10", s3_bucket="acme-triton-models")
    assert checksum(service(CIFAR, server="triton", seldon=None, env={"LOG_VERBOSE": "1"}), triton) \
        != checksum(service(CIFAR, server="triton", seldon=None), triton)
