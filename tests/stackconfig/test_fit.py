"""Configs that can never schedule are refused: unknown instance types, and pods larger than every instance type of
the capacity they land on (node pools and groups by labels and taints, ECI, Fargate), each beside the accepted
config one step smaller."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from cloud_factories import ALICLOUD, AWS, CPU_BURST_SERVICE, EXISTING, GPU_SERVICE, S3_KEYS, issues, load
from factories import merge
from paths import DATA, ROOT
from stackconfig import INSTANCE_TYPES
from stackconfig.alicloud import default_node_pools
from stackconfig.aws import AwsGpuCapacityConfig, AwsNodeGroupConfig
from stackconfig.fit import FARGATE_COMPONENTS_MIB, node_allocatable

GPU_NODE = node_allocatable(INSTANCE_TYPES["ecs.gn7i-c8g1.2xlarge"])
"""The largest type of the default GPU pool (gn7i-c8g1.2xlarge before gn6i-c4g1.xlarge)."""
FASHION = {"name": "fashion", "server": "seldon", "seldon": {"implementation": "tfserving"},
           "model": {"name": "fashion", "path": "models/fashion"}, "placement": {"nodeSelector": {"workload": "inference"}},
           "autoscaling": {"maxReplicas": 4, "keda": {"serverAddress": "http://prometheus:9090", "query": "sum(up)", "threshold": 1}}}


def gpu(resources: dict, base: dict = GPU_SERVICE, **more) -> dict:
    return merge(base, {"resources": resources, **more})


def at(path: str, found: list[str]) -> list[str]:
    return [issue for issue in found if issue.startswith(f"{path}:")]


def milli(value: float) -> str:
    return f"{math.floor(value)}m"


def mebi(value: float) -> str:
    return f"{math.floor(value)}Mi"


# ------------------------------------------------------------------ the catalog


def test_every_entry_names_its_source_and_gpu_entries_their_model():
    for spec in INSTANCE_TYPES.values():
        assert spec.source and spec.vcpu > 0 and spec.memory_gib > 0
        assert (spec.gpus > 0) == (spec.gpu_model is not None), spec.name
        assert (spec.max_pods is None) == spec.name.startswith("ecs."), spec.name


def _types_in(value) -> set[str]:
    if isinstance(value, dict):
        return {t for key, item in value.items() for t in
                (item if key in ("instanceTypes", "eciGpuSpecs") and isinstance(item, list) else _types_in(item))}
    if isinstance(value, list):
        return {t for item in value for t in _types_in(item)}
    return set()


def test_catalog_covers_every_type_of_the_committed_stacks_templates_defaults_and_test_data():
    files = [*(ROOT / "stacks").glob("Pulumi.*.yaml"), ROOT / "templates/environment/Pulumi.example.yaml", *DATA.glob("*.yaml")]
    named = {t for path in files for value in yaml.safe_load(Path(path).read_text())["config"].values() for t in _types_in(value)}
    named |= {t for pool in default_node_pools() for t in pool.instance_types}
    named |= set(AwsNodeGroupConfig().instance_types) | set(AwsGpuCapacityConfig().instance_types)
    assert named and named <= set(INSTANCE_TYPES)


def test_eks_allocatable_is_karpenters_published_figure_less_the_daemonset_allowance():
    # Karpenter's instance-types reference (AL2023, default kubelet): m5.large 1930m/6903Mi, g5.xlarge 3920m/14162Mi.
    for name, cpu, memory in (("m5.large", 1930, 6903), ("g5.xlarge", 3920, 14162)):
        offer = node_allocatable(INSTANCE_TYPES[name])
        assert math.floor(offer.cpu_milli) + 200 == cpu and math.floor(offer.memory_mib) + 256 == memory


# ------------------------------------------------------------------ unknown instance types


SYSTEM_POOL = {"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 1, "maxSize": 2}}


def gpu_pool(instance_type: str) -> dict:
    return {"name": "gpu", "instanceTypes": [instance_type], "scaling": {"minSize": 0, "maxSize": 2}, "labels": {"workload": "inference"},
            "spot": {"strategy": "SpotWithPriceLimit", "priceLimits": [{"instanceType": instance_type, "priceLimit": 3}]}}


def system_pool(instance_type: str) -> dict:
    return {**SYSTEM_POOL, "instanceTypes": ["ecs.g6.xlarge", instance_type]}


def eci_service(spec: str) -> dict:
    return gpu({}, burst={"mode": "overflow", "eciGpuSpecs": [spec]})


GPU_TYPES = ("ecs.gn7i-c8g2.2xlarge", "ecs.gn7i-c8g1.2xlarge")


@pytest.mark.parametrize("overrides, path, types", [
    (lambda t: {"alicloud": {"nodePools": [system_pool(t)]}}, "alicloud.nodePools[0].instanceTypes[1]",
     ("ecs.g7.4xlarge", "ecs.g7.2xlarge")),
    (lambda t: {"alicloud": {"nodePools": [SYSTEM_POOL, gpu_pool(t)]}}, "alicloud.nodePools[1].instanceTypes[0]", GPU_TYPES),
    (lambda t: {"alicloud": {"nodePools": [SYSTEM_POOL, gpu_pool(t)]}}, "alicloud.nodePools[1].spot.priceLimits[0].instanceType", GPU_TYPES),
    (lambda t: {"services": [eci_service(t)]}, "services[0].burst.eciGpuSpecs[0]", GPU_TYPES),
])
def test_unknown_ack_types_are_refused_with_did_you_mean_and_how_to_add_one(overrides, path, types):
    unknown, known = types
    found = at(path, issues(ALICLOUD, **overrides(unknown)))
    assert len(found) == 1 and f"{unknown} is not in the program's instance catalog" in found[0]
    assert known in found[0].split("did you mean ")[1].split("?")[0] and "add it to stackconfig/instance_types.yaml" in found[0]
    load(ALICLOUD, **overrides(known))


def test_a_made_up_gpu_type_is_refused():
    found = issues(ALICLOUD, services=[eci_service("ecs.gn99-c8g1.2xlarge")])
    assert at("services[0].burst.eciGpuSpecs[0]", found) and "did you mean ecs.gn" in found[0]


@pytest.mark.parametrize("group", ["systemNodes", "gpuNodes"])
def test_unknown_eks_types_are_refused_with_an_ec2_suggestion(group):
    unknown, known = {"systemNodes": ("m6i.3xlarge", "m6i.2xlarge"), "gpuNodes": ("g5.3xlarge", "g5.2xlarge")}[group]
    found = at(f"aws.{group}.instanceTypes[0]", issues(AWS, aws={group: {"instanceTypes": [unknown]}}))
    assert len(found) == 1 and f"{unknown} is not in the program's instance catalog" in found[0]
    hint = found[0].split("hint: ")[1]
    assert hint.startswith("did you mean ") and known in hint and "ecs." not in hint
    load(AWS, aws={group: {"instanceTypes": [known]}})


# ------------------------------------------------------------------ ACK node pools


def test_more_gpus_than_the_largest_pool_type_has_are_refused():
    found = issues(ALICLOUD, services=[gpu({"gpus": 4})])
    assert at("services[0].resources.gpus", found) == [found[0]] and len(found) == 1
    assert "gpus 4 per replica can never be scheduled" in found[0] and "offers is 1, on ecs.gn7i-c8g1.2xlarge" in found[0]
    assert load(ALICLOUD, services=[gpu({"gpus": 1})]).services[0].resources.gpus == 1


@pytest.mark.parametrize("dimension, largest, show", [("cpu", GPU_NODE.cpu_milli, milli), ("memory", GPU_NODE.memory_mib, mebi)])
def test_cpu_and_memory_are_checked_at_the_node_allocatable_boundary(dimension, largest, show):
    fits = show(largest)
    load(ALICLOUD, services=[gpu({dimension: fits})])
    over = show(largest + 1)
    found = issues(ALICLOUD, services=[gpu({dimension: over})])
    assert len(found) == 1 and found[0].startswith(f"services[0].resources.{dimension}: {dimension} '{over}'")
    assert f"at most {fits}" in found[0]


def test_sixty_four_cpus_on_eight_vcpu_nodes_are_refused():
    found = issues(ALICLOUD, services=[gpu({"cpu": "64"})])
    assert at("services[0].resources.cpu", found) and "8 vCPUs" in found[0]


def test_seldon_sidecars_count_in_the_pod():
    # The executor and the TF Serving proxy take 500m and 512Mi each.
    load(ALICLOUD, services=[gpu({"cpu": milli(GPU_NODE.cpu_milli - 1000)}, base=FASHION)])
    found = issues(ALICLOUD, services=[gpu({"cpu": milli(GPU_NODE.cpu_milli - 999)}, base=FASHION)])
    assert at("services[0].resources.cpu", found) and "the TF Serving proxy take 1000m" in found[0]
    load(ALICLOUD, services=[gpu({"cpu": milli(GPU_NODE.cpu_milli - 999)})])


def test_a_pod_that_fits_each_dimension_somewhere_but_no_type_as_a_whole_is_refused():
    # Without a nodeSelector a GPU service may use both EKS groups: the GPUs are on g5.xlarge, 6 CPUs only on
    # m6i.2xlarge.
    groups = {"systemNodes": {"instanceTypes": ["m6i.2xlarge"]}, "gpuNodes": {"instanceTypes": ["g5.xlarge"]}}
    service = gpu({"gpus": 1, "cpu": "6"}, placement=None)
    found = issues(AWS, aws=groups, services=[service])
    assert len(found) == 1 and found[0].startswith("services[0].resources: no single instance type")
    load(AWS, aws={**groups, "gpuNodes": {"instanceTypes": ["g5.2xlarge"]}}, services=[service])


def test_cpu_services_do_not_land_on_tainted_gpu_pools():
    cpu = merge(GPU_SERVICE, {"resources": {"gpus": 0, "cpu": "1", "memory": "2Gi"}})
    found = issues(ALICLOUD, services=[cpu])
    assert len(found) == 1 and found[0].startswith("services[0].placement.nodeSelector:")
    assert "nvidia.com/gpu:NoSchedule" in found[0]
    load(ALICLOUD, services=[merge(cpu, {"placement": {"nodeSelector": {"workload": "system"}}})])


def test_a_cpu_service_without_placement_is_sized_against_the_cpu_pools_only():
    system = node_allocatable(INSTANCE_TYPES["ecs.g7.xlarge"])
    cpu = merge(GPU_SERVICE, {"placement": None})
    load(ALICLOUD, services=[merge(cpu, {"resources": {"gpus": 0, "cpu": milli(system.cpu_milli)}})])
    found = issues(ALICLOUD, services=[merge(cpu, {"resources": {"gpus": 0, "cpu": "5"}})])
    assert at("services[0].resources.cpu", found) and "node pool system" in found[0]


# ------------------------------------------------------------------ ECI


def test_eci_gpu_pods_fit_their_spec_whole():
    only = {"mode": "only", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge"]}
    load(ALICLOUD, services=[gpu({"cpu": "4", "memory": "15Gi"}, burst=only)])
    found = issues(ALICLOUD, services=[gpu({"cpu": "4", "memory": "16Gi"}, burst=only)])
    assert len(found) == 1 and found[0].startswith("services[0].resources.memory:") and "ECI GPU specs" in found[0]
    load(ALICLOUD, services=[gpu({"cpu": "4", "memory": "16Gi"}, burst={**only, "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge", "ecs.gn7i-c8g1.2xlarge"]})])


def test_overflow_must_fit_the_nodes_and_eci():
    # 16Gi fits the pool's gn7i nodes but not the gn6i ECI spec: overflowing replicas would never start.
    found = issues(ALICLOUD, services=[gpu({"memory": "16Gi"}, burst={"mode": "overflow", "eciGpuSpecs": ["ecs.gn6i-c4g1.xlarge"]})])
    assert len(found) == 1 and "ECI GPU specs" in found[0]


def test_cpu_bursts_are_bounded_by_ecis_largest_specification():
    cpu_eci = merge(CPU_BURST_SERVICE, {"resources": {"cpu": "64", "memory": "512Gi"}})
    load(ALICLOUD, services=[cpu_eci], **S3_KEYS)
    for resources, path in (({"cpu": "65"}, "cpu"), ({"memory": "513Gi"}, "memory")):
        found = issues(ALICLOUD, services=[merge(cpu_eci, {"resources": resources})], **S3_KEYS)
        assert len(found) == 1 and found[0].startswith(f"services[0].resources.{path}:") and "ECI" in found[0]


# ------------------------------------------------------------------ EKS


def test_eks_gpu_group_and_fargate():
    found = issues(AWS, services=[gpu({"gpus": 2})])
    assert len(found) == 1 and "aws.gpuNodes" in found[0] and "g5.xlarge" in found[0]
    fargate_memory = 120 * 1024 - FARGATE_COMPONENTS_MIB
    load(AWS, services=[merge(CPU_BURST_SERVICE, {"resources": {"cpu": "16", "memory": f"{fargate_memory}Mi"}})])
    for resources, path in (({"cpu": "17"}, "cpu"), ({"memory": "120Gi"}, "memory")):
        found = issues(AWS, services=[merge(CPU_BURST_SERVICE, {"resources": resources})])
        assert len(found) == 1 and found[0].startswith(f"services[0].resources.{path}:") and "Fargate" in found[0]


def test_an_existing_cluster_is_not_checked():
    assert load(EXISTING, services=[gpu({"gpus": 16, "cpu": "512", "memory": "4Ti"}, placement=None)]).services


def test_refusals_name_the_key_the_value_what_the_largest_type_offers_and_a_fix():
    [issue] = issues(ALICLOUD, services=[gpu({"memory": "100Gi"})])
    assert issue == ("services[0].resources.memory: memory '100Gi' per replica can never be scheduled on the node groups "
                     f"this service can use (node pool gpu-inference): the most any of its instance types offers is "
                     f"{mebi(GPU_NODE.memory_mib)}, on ecs.gn7i-c8g1.2xlarge (8 vCPUs, 30 GiB less what the node reserves) "
                     f"(hint: set memory to at most {mebi(GPU_NODE.memory_mib)}, or add a node pool (or instance type) "
                     "large enough, with these labels)")
