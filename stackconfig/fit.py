"""Refuse, before anything is registered, what can never be scheduled: instance types the catalog does not know,
and services whose pod (per replica, sidecars included) is larger than every instance type it can land on.

**Where a pod can land.** On ACK, the node pools whose labels include the service's ``placement.nodeSelector``
and whose taints it tolerates (GPU pools are tainted ``nvidia.com/gpu``; only GPU services tolerate it), unless
``burst.mode`` is ``only``; and ECI when it bursts: its ``burst.eciGpuSpecs``, or ECI's largest vCPU/memory
specification for a pod without GPUs. On EKS, the system group and the GPU group (tainted like ACK's GPU pools)
by the same rules, and Fargate for ``burst.mode: only``. An existing cluster is checked against the node groups it declares (``existing.nodeGroups``), if any.
``overflow`` must fit both the nodes and the burst capacity, since replicas run on either.

**What a node offers** (:func:`node_allocatable`), per instance type of the catalog: its vCPUs and memory less

- the memory the VM itself keeps (kernel, firmware): 7.5 %, Karpenter's default ``vmMemoryOverheadPercent``;
- kube-reserved as the EKS AMI computes it (the formula Karpenter's published allocatable figures follow; a test
  checks two) and as cloudpilot-ai/karpenter-provider-alibabacloud implements ACK's "Node resource reservation
  policy" page, which it cites (the page's own formula text could not be read here): CPU 6 % of the first core,
  1 % of the second, 0.5 % of the third and fourth, 0.25 % of the rest; memory
  ``min(255 MiB + 11 MiB x maxPods, 25 % of memory)``, with maxPods from the catalog (EC2) or the kubelet's
  default 110 (ECS, whose Terway pod limit the catalog does not hold);
- the kubelet's hard eviction threshold, 100 MiB (``memory.available<100Mi``, its default);
- an allowance for the DaemonSets on every node (CNI, kube-proxy, CSI node plugins, log agents, the NVIDIA device
  plugin): 200m CPU and 256 MiB. Not taken from a document: it is an estimate; the add-ons of a cluster may need more.

An ECI pod gets the whole of its specification (one pod per instance, nothing else runs there), within ECI's
largest specification, 64 vCPU and 512 GiB (ECI "Specify multiple specifications": the table of specifications
every region supports). A Fargate pod gets at most 16 vCPU and 120 GiB, and Fargate adds 256 MiB for kubelet,
kube-proxy and containerd to the pod's memory before rounding up (EKS "Fargate Pod configuration").

**The pod**: the service's ``resources`` plus what Seldon adds to a ``server: seldon`` pod: the executor
(``seldon-container-engine``, the operator chart's ``executor.resources``: 500m and 512Mi in seldon-core-operator
1.18.2 and 1.19.0-rc.1, not overridden by this program) and, for the TF Serving implementation, the TF Serving proxy
(:data:`TFSERVING_PROXY_RESOURCES`). Init containers (Seldon's storage initializer) are smaller than the pod and
so do not change its size.
"""

from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass

from .alicloud import GPU_TAINT
from .base import Finding
from .capacity import node_groups, untolerated_taints
from .instances import INSTANCE_TYPES, InstanceSpec, unknown_instance_type

if typing.TYPE_CHECKING:
    from .services import ServiceConfig
    from .stack import StackConfig

TFSERVING_PROXY_RESOURCES = {"cpu": "500m", "memory": "512Mi"}
"""The TF Serving proxy container of a Seldon TF Serving service: the guide requests half a CPU for the proxy;
requests equal limits like the server's."""
SELDON_EXECUTOR_RESOURCES = {"cpu": "500m", "memory": "512Mi"}
"""What the Seldon operator gives the executor it adds to every SeldonDeployment pod (chart default)."""

VM_MEMORY_OVERHEAD = 0.075
EVICTION_THRESHOLD_MIB = 100
DAEMONSET_CPU_MILLI = 200
DAEMONSET_MEMORY_MIB = 256
DEFAULT_MAX_PODS = 110
ECI_MAX = (64_000, 512 * 1024)
"""ECI's largest specification: (millicores, MiB)."""
FARGATE_MAX = (16_000, 120 * 1024)
FARGATE_COMPONENTS_MIB = 256

_MEMORY_UNITS = {"Ki": 2**-20, "Mi": 2**-10, "Gi": 1.0, "Ti": 2**10, "K": 1e3 / 2**30, "M": 1e6 / 2**30,
                 "G": 1e9 / 2**30, "T": 1e12 / 2**30, "": 1 / 2**30}


def cpu_cores(quantity: str) -> float:
    """Kubernetes CPU quantity ("2", "0.5", "500m") in cores."""
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def memory_gib(quantity: str) -> float:
    """Kubernetes memory quantity ("8Gi", "512Mi", "8G", bytes) in GiB."""
    match = re.fullmatch(r"([0-9.]+)([KMGT]i?)?", quantity)
    if not match:
        raise ValueError(f"not a memory quantity: {quantity}")
    return float(match.group(1)) * _MEMORY_UNITS[match.group(2) or ""]


class Resources(typing.NamedTuple):
    """GPUs, millicores and MiB: what a pod requests, or what one replica can get."""

    gpus: int
    cpu_milli: float
    memory_mib: float


@dataclass(frozen=True)
class Offer:
    """What one replica can get from one kind of capacity: an instance type, ECI or Fargate."""

    name: str
    allocatable: Resources
    detail: str
    """How ``allocatable`` follows from the type, for messages."""


def _kube_reserved_cpu_milli(vcpu: float) -> float:
    tiers = ((1, 0.06), (1, 0.01), (2, 0.005), (math.inf, 0.0025))
    reserved, left = 0.0, vcpu
    for cores, share in tiers:
        reserved += min(left, cores) * share * 1000
        left -= min(left, cores)
    return reserved


def node_allocatable(spec: InstanceSpec) -> Resources:
    """What pods of a service can request on one node of ``spec`` (see the module docstring)."""
    memory = spec.memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD)
    kube_memory = min(255 + 11 * (spec.max_pods or DEFAULT_MAX_PODS), 0.25 * memory)
    return Resources(spec.gpus, spec.vcpu * 1000 - _kube_reserved_cpu_milli(spec.vcpu) - DAEMONSET_CPU_MILLI,
                     memory - kube_memory - EVICTION_THRESHOLD_MIB - DAEMONSET_MEMORY_MIB)


def _node_offer(spec: InstanceSpec) -> Offer:
    return Offer(spec.name, node_allocatable(spec),
                 f"{spec.vcpu:g} vCPUs, {spec.memory_gib:g} GiB less what the node reserves")


def _eci_spec_offer(spec: InstanceSpec) -> Offer:
    return Offer(spec.name, Resources(spec.gpus, spec.vcpu * 1000, spec.memory_gib * 1024), "the whole ECI instance")


ECI_CPU_OFFER = Offer("ECI", Resources(0, *ECI_MAX), "ECI's largest specification, without GPUs")
FARGATE_OFFER = Offer("Fargate", Resources(0, FARGATE_MAX[0], FARGATE_MAX[1] - FARGATE_COMPONENTS_MIB),
                      "Fargate's largest configuration less the 256 MiB it adds for its Kubernetes components")


def pod_resources(service: ServiceConfig) -> tuple[Resources, Resources, str]:
    """What one replica's server requests, what the sidecars Seldon adds request, and the sidecars' names."""
    sidecars: list[tuple[str, dict[str, str]]] = []
    if service.server == "seldon":
        sidecars.append(("Seldon's executor", SELDON_EXECUTOR_RESOURCES))
        if service.serving_kind == "tfserving":
            sidecars.append(("the TF Serving proxy", TFSERVING_PROXY_RESOURCES))
    server = Resources(service.resources.gpus, cpu_cores(service.resources.cpu) * 1000,
                       memory_gib(service.resources.memory) * 1024)
    extra = Resources(0, sum(cpu_cores(r["cpu"]) * 1000 for _, r in sidecars),
                      sum(memory_gib(r["memory"]) * 1024 for _, r in sidecars))
    return server, extra, " and ".join(name for name, _ in sidecars)


def _fits(pod: Resources, offer: Offer) -> bool:
    have = offer.allocatable
    return pod.gpus <= have.gpus and pod.cpu_milli <= have.cpu_milli and pod.memory_mib <= have.memory_mib


@dataclass(frozen=True)
class Capacity:
    """One kind of capacity a service's replicas land on, and the offers it has."""

    description: str
    offers: list[Offer]
    fix: str


def _capacities(config: StackConfig, at: str, service: ServiceConfig) -> tuple[list[Capacity], list[Finding]]:
    mode = service.burst.mode
    capacities: list[Capacity] = []
    findings: list[Finding] = []
    if mode != "only":
        selector = service.placement.node_selector.items()
        labelled = [g for g in node_groups(config) if selector <= g.labels.items()]
        usable = [g for g in labelled if not untolerated_taints(g.taints, service.resources.gpus)]
        if labelled and not usable:
            taints = sorted({t for g in labelled for t in untolerated_taints(g.taints, service.resources.gpus)})
            findings.append((f"{at}.placement.nodeSelector",
                             f"every node group with these labels ({', '.join(g.name for g in labelled)}) has taints "
                             f"this service's pods do not tolerate ({', '.join(taints)}; only GPU services tolerate "
                             f"{GPU_TAINT.key})", "select the labels of a pool without such taints, or ask for GPUs"))
        offers = [_node_offer(spec) for g in usable for spec in g.instance_types]
        capacities.append(Capacity(f"the node groups this service can use ({', '.join(g.name for g in usable)})", offers,
                                   "add a node pool (or instance type) large enough, with these labels"))
    if config.cloud == "alicloud" and mode != "none":
        if service.resources.gpus > 0:
            offers = [_eci_spec_offer(INSTANCE_TYPES[t]) for t in service.burst.eci_gpu_specs if t in INSTANCE_TYPES]
            capacities.append(Capacity("its ECI GPU specs (burst.eciGpuSpecs)", offers, "list a larger ECI GPU spec in burst.eciGpuSpecs"))
        else:
            capacities.append(Capacity("ECI", [ECI_CPU_OFFER], "split the work over more replicas"))
    if config.cloud == "aws" and mode == "only":
        capacities.append(Capacity("Fargate", [FARGATE_OFFER], "split the work over more replicas, or run on nodes (burst.mode: none)"))
    return capacities, findings


def _show(dimension: str, value: float) -> str:
    """A quantity as the stack file would write it (rounded down, so that what is shown fits)."""
    if dimension == "gpus":
        return f"{value:g}"
    return f"{math.floor(value)}m" if dimension == "cpu" else f"{math.floor(value)}Mi"


_DIMENSIONS = (("gpus", "gpus"), ("cpu", "cpu_milli"), ("memory", "memory_mib"))


def _misfits(at: str, service: ServiceConfig, capacity: Capacity) -> list[Finding]:
    """Nothing if one offer takes the pod; else each dimension no offer has enough of, against the offer with
    the most of it, or one finding on ``resources`` when each dimension fits some type but none fits all."""
    server, extra, sidecars = pod_resources(service)
    pod = Resources(server.gpus, server.cpu_milli + extra.cpu_milli, server.memory_mib + extra.memory_mib)
    if not capacity.offers or any(_fits(pod, offer) for offer in capacity.offers):
        return []
    findings: list[Finding] = []
    for dimension, attribute in _DIMENSIONS:
        best = max(capacity.offers, key=lambda offer: getattr(offer.allocatable, attribute))
        have = getattr(best.allocatable, attribute)
        if getattr(pod, attribute) > have:
            taken = getattr(extra, attribute)
            beside = f"; {sidecars} take {_show(dimension, taken)} of it" if taken else ""
            findings.append((f"{at}.resources.{dimension}",
                             f"{dimension} {getattr(service.resources, dimension)!r} per replica can never be scheduled on "
                             f"{capacity.description}: the most any of its instance types offers is "
                             f"{_show(dimension, have)}, on {best.name} ({best.detail}{beside})",
                             f"set {dimension} to at most {_show(dimension, have - taken)}, or {capacity.fix}"))
    if not findings:
        findings.append((f"{at}.resources", f"no single instance type of {capacity.description} has the "
                         f"{_show('gpus', pod.gpus)} GPU(s), {_show('cpu', pod.cpu_milli)} CPU and "
                         f"{_show('memory', pod.memory_mib)} memory one replica needs"
                         + (f" (with {sidecars})" if sidecars else "") + " all at once",
                         f"lower resources to what one type offers, or {capacity.fix}"))
    return findings


def check_fit(config: StackConfig) -> list[Finding]:
    """Each service's pod against the largest instance type of every capacity its replicas land on."""
    findings: list[Finding] = []
    if config.cloud == "existing" and not config.existing.node_groups:
        return findings
    for i, service in enumerate(config.services):
        at = f"services[{i}]"
        capacities, placement = _capacities(config, at, service)
        findings += placement
        for capacity in capacities:
            findings += _misfits(at, service, capacity)
    return findings


def check_instance_types(config: StackConfig) -> list[Finding]:
    """Every instance type the stack's cloud would use is in the catalog."""
    named: list[tuple[str, str]] = []
    if config.cloud == "alicloud":
        for i, pool in enumerate(config.alicloud.node_pools):
            at = f"alicloud.nodePools[{i}]"
            named += [(f"{at}.instanceTypes[{j}]", t) for j, t in enumerate(pool.instance_types)]
            if pool.spot is not None:
                named += [(f"{at}.spot.priceLimits[{j}].instanceType", limit.instance_type)
                          for j, limit in enumerate(pool.spot.price_limits)]
        for i, service in enumerate(config.services):
            named += [(f"services[{i}].burst.eciGpuSpecs[{j}]", t) for j, t in enumerate(service.burst.eci_gpu_specs)]
    elif config.cloud == "aws":
        for key, group in (("systemNodes", config.aws.system_nodes), ("gpuNodes", config.aws.gpu_nodes)):
            named += [(f"aws.{key}.instanceTypes[{j}]", t) for j, t in enumerate(group.instance_types)]
    return [unknown_instance_type(path, t) for path, t in named if t not in INSTANCE_TYPES]
