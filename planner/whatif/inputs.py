"""Every latency and rate the simulator uses, with its default and where the default comes from.

Defaults marked *assumption* have no public measurement behind them: they are plausible orders
of magnitude for a GPU inference server, to be replaced with figures measured in your account
(``--set NAME=VALUE`` overrides any field for one run). Defaults with a source are quoted from it;
"HPA docs" is kubernetes.io "Horizontal Pod Autoscaling" (Algorithm details, Default Behavior).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Timings:
    """Latencies (seconds) and rates of the control loops, the metric pipeline and the infrastructure."""

    hpa_sync_seconds: int = 15
    """HPA control loop period: ``--horizontal-pod-autoscaler-sync-period`` default 15 s (HPA docs)."""
    hpa_tolerance: float = 0.1
    """No scaling while the usage ratio is within 1 ± tolerance; 0.1 by default (HPA docs)."""
    hpa_cpu_initialization_seconds: int = 300
    """``--horizontal-pod-autoscaler-cpu-initialization-period``, 5 min (HPA docs). A pod younger than
    this whose newest CPU sample window began before it was ready is set aside as not yet ready."""

    qps_window_seconds: int = 15
    """SLS ingress QPS (``sls_ingress_qps``) is a count of requests over this window divided by it (issue 8)."""
    qps_delay_seconds: int = 10
    """Ingestion delay of the SLS ingress log before the adapter can count it (issue 8)."""

    cpu_scrape_seconds: int = 15
    """metrics-server ``--metric-resolution`` default 15 s: the HPA sees CPU usage averaged over the last
    complete scrape window, so CPU utilisation lags demand by 15-30 s (metrics-server README)."""

    keda_rate_window_seconds: int = 60
    """The KEDA Prometheus query averages QPS over this window, as the tutorial's ``rate(...[1m])``
    (seeds/seldon-core-hpa-keda-tutorial)."""
    keda_scrape_delay_seconds: int = 15
    """Age of the newest Prometheus sample when KEDA queries it. *Assumption* (one scrape interval)."""

    ca_scan_seconds: int = 30
    """Cluster autoscaler scan interval on ACK: ``scan_interval`` 30 s (terraform-provider-alicloud
    ``cs_autoscaling_config`` default; the CreateAutoscalingConfig reference says 60 s). Upstream's default is 10 s
    (``eks_ca_scan_seconds``)."""
    eks_ca_scan_seconds: int = 10
    """Scan interval of the cluster autoscaler on EKS: upstream cluster-autoscaler's ``--scan-interval`` default,
    which the program's chart values keep."""
    ca_scale_down_utilization_threshold: float = 0.5
    """A node whose pods request less than this share of its allocatable CPU and memory (the larger of the two) is
    a scale-down candidate: upstream ``--scale-down-utilization-threshold`` 0.5; ACK ``utilization_threshold`` 0.5
    (terraform-provider-alicloud ``cs_autoscaling_config``, CreateAutoscalingConfig)."""
    ca_scale_down_gpu_utilization_threshold: float = 0.5
    """The same for a GPU node: upstream ``--scale-down-gpu-utilization-threshold`` 0.5, counting GPUs only; ACK
    counts CPU, memory and GPUs, all below it (CreateAutoscalingConfig ``gpu_utilization_threshold``; its default is
    0.5 in the Terraform provider's docs and 0.3 in the API reference: try ``--set ca_scale_down_gpu_utilization_threshold=0.3``)."""
    ca_scale_down_delay_after_add_seconds: int = 600
    """No scale-down this long after a scale-up: upstream ``--scale-down-delay-after-add``, 10 min."""
    ca_scale_down_unneeded_seconds: int = 600
    """A node must be unneeded this long before the autoscaler removes it: ACK ``unneeded_duration`` 10 min
    (CreateAutoscalingConfig example value), the upstream ``scale-down-unneeded-time`` default."""
    node_provision_seconds: int = 180
    """From the autoscaler's scale-up decision to a Ready node (ECS create, boot, join, GPU driver).
    *Assumption*: measure it with ``kubectl get nodes -w`` in your account."""
    node_overhead_cpu: float = 0.5
    """vCPUs per node not allocatable to pods (kubelet reservation, DaemonSets). *Assumption*; ACK's node FAQ
    notes that allocatable resources are always less than the instance type's."""
    node_overhead_memory_gib: float = 2.0
    """GiB per node not allocatable to pods. *Assumption*, as ``node_overhead_cpu``."""

    image_pull_tfserving_seconds: int = 60
    """First pull of the TF Serving GPU image (~3 GB) on a fresh node. *Assumption*."""
    image_pull_triton_seconds: int = 180
    """First pull of the Triton image (~15 GB) on a fresh node. *Assumption*."""
    seldon_overhead_seconds: int = 15
    """Extra start-up of a Seldon pod (executor and init containers). *Assumption*."""
    model_load_seconds: int = 30
    """Model load from the OSS mount until the readiness probe passes. *Assumption*."""
    pod_schedule_seconds: int = 2
    """Scheduling and container creation on a node that already has the image. *Assumption*."""

    eci_create_seconds: int = 30
    """ECI sandbox creation (ENI, instance) before the image pull starts. *Assumption*."""
    eci_image_cache_pull_seconds: int = 5
    """Image "pull" from an ECI image cache (a snapshot attached as a disk). *Assumption*; ECI documents
    only that caches cut pull time, not by how much."""

    fargate_create_seconds: int = 60
    """Fargate pod start before the image pull: capacity, micro-VM boot and kubelet registration. *Assumption*;
    Fargate pulls the image every time (no cache)."""
    burst_pod_quota: int = 0
    """Most burst pods (ECI or Fargate) at once, 0 for no limit: set it to what your account's ECI vCPU quota or
    Fargate On-Demand vCPU quota allows, divided by a pod's vCPUs."""

    spot_reclaims_per_node_hour: float = 0.0
    """Rate at which a spot node receives a reclaim notice. Alibaba Cloud publishes no interruption rate,
    so the default is none; try e.g. ``--set spot_reclaims_per_node_hour=0.05``."""
    spot_notice_seconds: int = 300
    """A preemptible ECS instance is released 5 minutes after its interruption notice (Alibaba Cloud
    release note "ECS Instance Status Change Events and Preemptable Instance Release Notifications", 2019-01-29)."""
    termination_grace_seconds: int = 30
    """A drained pod keeps serving in-flight requests this long: Kubernetes' default
    ``terminationGracePeriodSeconds`` (30 s)."""
    seed: int = 1
    """Seed of the random spot reclaims, so runs are reproducible."""

    def image_pull_seconds(self, serving_kind: str) -> int:
        return self.image_pull_triton_seconds if serving_kind == "triton" else self.image_pull_tfserving_seconds


def with_overrides(timings: Timings, assignments: list[str]) -> Timings:
    """``NAME=VALUE`` strings applied to ``timings``; unknown names raise ``ValueError``."""
    fields = {f.name: f for f in dataclasses.fields(Timings)}
    changes: dict[str, object] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or name not in fields:
            raise ValueError(f"--set {assignment!r}: expected NAME=VALUE with NAME one of {', '.join(fields)}")
        kind = type(getattr(timings, name))
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"--set {assignment!r}: {name} takes a number") from None
        if not math.isfinite(number) or number < 0 or (kind is int and not number.is_integer()):
            raise ValueError(f"--set {assignment!r}: {name} takes a {'whole ' if kind is int else ''}number, 0 or more")
        changes[name] = kind(number)
    return dataclasses.replace(timings, **changes)
