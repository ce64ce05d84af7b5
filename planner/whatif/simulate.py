"""One service, one second at a time: demand → metric → autoscaler → pods → nodes → capacity and cost.

What runs each simulated second ``t`` (in this order):

1. Infrastructure events: spot reclaim notices (random, ``spot_reclaims_per_node_hour``; the node is
   cordoned and drained — each pod is evicted, keeps serving for ``termination_grace_seconds``, and its
   replacement is created at once; with ``spot.instanceRemedy`` the pool starts a replacement spot node
   at the notice), released spot nodes (``spot_notice_seconds`` after the notice), drained pods ending.
2. Capacity: ready pods × the per-pod capacity (QPS); requests above it are *under capacity*.
3. Control loops on their own periods: KEDA's poll (``pollingInterval``), the HPA sync (every
   ``hpa_sync_seconds``, skipped at 0 replicas), the cluster autoscaler scan (``ca_scan_seconds``).
4. The Deployment creates or deletes pods to match its replicas. Deletion order (ReplicaSet ranking,
   simplified): pending pods, then starting pods, then ECI pods, then pods on the fullest node.
5. The scheduler binds pending pods to ready, uncordoned nodes of the service's pool (least allocated
   first, kube-scheduler's default), or to ECI: always with ``burst.mode: only``, and with ``overflow``
   whenever no node has room (the scheduler does not wait for nodes being created, so overflow pods do
   not make the autoscaler add nodes).

Pod start-up: on a node, scheduling + the image pull (once per node; later pods wait for the same pull)
+ model load (+ Seldon's overhead); on ECI, sandbox creation + the image pull (or the image cache) +
model load. The cluster autoscaler adds ``ceil(pending pods not covered by nodes on their way / pods
per node)`` nodes up to ``maxSize``, split into spot and pay-as-you-go by the pool's spot settings,
and removes nodes that have been empty for ``ca_scale_down_unneeded_seconds``, never below ``minSize``
and keeping the pay-as-you-go share. Each service is simulated alone, as if it were its pool's only
tenant; spot capacity shortages (``compensateWithOnDemand``) are not modelled.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from stackconfig import InstanceSpec, NodePoolConfig, ServiceConfig

from . import hpa as hpa_model
from .capacity import PriceTable, eci_pod_price, pay_as_you_go_nodes, pods_per_node
from .inputs import Timings
from .keda import KedaOperator, hpa_min_replicas


@dataclass
class Node:
    kind: str
    """``spot`` or ``payg``."""
    created: float
    ready_at: float
    pods: int = 0
    image_ready_at: float | None = None
    cordoned: bool = False
    released_at: float | None = None
    empty_since: float | None = None


@dataclass
class Pod:
    created: float
    node: Node | None = None
    eci: bool = False
    ready_at: float | None = None
    evicted_until: float | None = None

    @property
    def pending(self) -> bool:
        return self.node is None and not self.eci

    def serving(self, t: float) -> bool:
        if self.ready_at is None or self.ready_at > t:
            return False
        return self.evicted_until is None or self.evicted_until > t


@dataclass
class Sample:
    """The state at the end of one simulated second."""

    t: int
    demand: float
    metric: float
    replicas: int
    ready: int
    capacity: float
    spot_nodes: int
    payg_nodes: int
    eci_pods: int
    cost_per_hour: dict[str, float]


@dataclass
class Result:
    service: str
    mode: str
    pod_capacity_qps: float
    pods_per_node: int
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceSetup:
    """Everything fixed for one service's run."""

    service: ServiceConfig
    pool: NodePoolConfig | None
    instance: InstanceSpec | None
    prices: PriceTable
    timings: Timings
    pod_capacity_qps: float


class Simulation:
    def __init__(self, setup: ServiceSetup, demand: list[float]):
        self.s = setup
        self.timings = setup.timings
        self.demand = demand
        self.prefix = [0.0]
        for qps in demand:
            self.prefix.append(self.prefix[-1] + qps)
        self.utilisation: list[float] = []
        self.rng = random.Random(setup.timings.seed)
        svc = setup.service
        auto = svc.autoscaling
        self.mode = auto.mode
        self.keda = KedaOperator(auto.min_replicas, auto.keda.activation_threshold, auto.keda.cooldown_period_seconds) \
            if auto.keda else None
        self.hpa = hpa_model.Hpa(
            min_replicas=hpa_min_replicas(auto.min_replicas) if auto.keda else auto.min_replicas,
            max_replicas=auto.max_replicas,
            scale_up=hpa_model.rules_from_config(auto.behavior.scale_up, hpa_model.DEFAULT_SCALE_UP),
            scale_down=hpa_model.rules_from_config(auto.behavior.scale_down, hpa_model.DEFAULT_SCALE_DOWN),
        )
        self.per_node = pods_per_node(svc, setup.instance, setup.timings.node_overhead_cpu,
                                      setup.timings.node_overhead_memory_gib) if setup.instance else 0
        self.nodes: list[Node] = []
        self.pods: list[Pod] = []
        self.replicas = auto.min_replicas
        self.metric = 0.0
        self.eci_price = eci_pod_price(svc, setup.prices) if svc.burst.mode != "none" else 0.0
        if setup.pool and setup.instance:
            price = setup.prices.ecs_price(setup.instance.name)
            self.node_price = {"spot": price.spot, "payg": price.pay_as_you_go}
        else:
            self.node_price = {"spot": 0.0, "payg": 0.0}
        self._start_warm()

    # ------------------------------------------------------------------ set-up

    def _start_warm(self) -> None:
        """At t=0 the pool has its minimum nodes and the minimum replicas run, ready (a steady state)."""
        needed = math.ceil(self.replicas / self.per_node) if self.per_node and self.s.service.burst.mode != "only" else 0
        if self.s.pool:
            self._add_nodes(max(self.s.pool.scaling.min_size, min(needed, self.s.pool.scaling.max_size)), 0.0, ready_at=0.0)
        for _ in range(self.replicas):
            pod = Pod(created=0.0)
            self.pods.append(pod)
            self._bind(pod, 0.0)
            pod.ready_at = 0.0
        for node in self.nodes:
            node.image_ready_at = 0.0

    # ------------------------------------------------------------------ nodes

    def _live_nodes(self) -> list[Node]:
        return [n for n in self.nodes if not n.cordoned]

    def _add_nodes(self, count: int, t: float, ready_at: float | None = None) -> None:
        for _ in range(count):
            live = self._live_nodes()
            payg_now = sum(1 for n in live if n.kind == "payg")
            kind = "payg" if payg_now < pay_as_you_go_nodes(len(live) + 1, self.s.pool) else "spot"
            self.nodes.append(Node(kind, t, ready_at if ready_at is not None else t + self.timings.node_provision_seconds))

    def _reclaims(self, t: float) -> None:
        rate = self.timings.spot_reclaims_per_node_hour / 3600
        if rate <= 0:
            return
        for node in self.nodes:
            if node.kind == "spot" and not node.cordoned and node.ready_at <= t and self.rng.random() < rate:
                node.cordoned = True
                node.released_at = t + self.timings.spot_notice_seconds
                for pod in self.pods:
                    if pod.node is node and pod.evicted_until is None:
                        pod.evicted_until = t + self.timings.termination_grace_seconds
                if self.s.pool and self.s.pool.spot and self.s.pool.spot.instance_remedy:
                    self.nodes.append(Node("spot", t, t + self.timings.node_provision_seconds))

    def _autoscale_nodes(self, t: float) -> None:
        pool = self.s.pool
        if pool is None or self.per_node == 0:
            return
        pending = sum(1 for p in self.pods if p.pending)
        arriving = sum(self.per_node - n.pods for n in self._live_nodes() if n.ready_at > t)
        if pending > arriving:
            room = pool.scaling.max_size - len(self._live_nodes())
            self._add_nodes(min(room, math.ceil((pending - arriving) / self.per_node)), t)
        for node in list(self._live_nodes()):
            if node.pods or node.ready_at > t:
                node.empty_since = None
                continue
            node.empty_since = t if node.empty_since is None else node.empty_since
            live = self._live_nodes()
            if t - node.empty_since < self.timings.ca_scale_down_unneeded_seconds or len(live) <= pool.scaling.min_size:
                continue
            payg_now = sum(1 for n in live if n.kind == "payg")
            removable_kind = "payg" if payg_now > pay_as_you_go_nodes(len(live) - 1, pool) else "spot"
            if node.kind == removable_kind:
                self.nodes.remove(node)

    # ------------------------------------------------------------------ pods

    def _start_seconds(self, on_eci: bool) -> float:
        svc = self.s.service
        extra = self.timings.model_load_seconds + (self.timings.seldon_overhead_seconds if svc.server == "seldon" else 0)
        if on_eci:
            pull = self.timings.eci_image_cache_pull_seconds if svc.burst.image_cache \
                else self.timings.image_pull_seconds(svc.serving_kind)
            return self.timings.eci_create_seconds + pull + extra
        return self.timings.pod_schedule_seconds + extra

    def _bind(self, pod: Pod, t: float) -> bool:
        mode = self.s.service.burst.mode
        if mode != "only":
            free = [n for n in self._live_nodes() if n.ready_at <= t and n.pods < self.per_node]
            if free:
                node = min(free, key=lambda n: n.pods)
                node.pods += 1
                node.empty_since = None
                pod.node = node
                if node.image_ready_at is None:
                    node.image_ready_at = t + self.timings.image_pull_seconds(self.s.service.serving_kind)
                pod.ready_at = max(t, node.image_ready_at) + self._start_seconds(False)
                return True
        if mode in ("only", "overflow"):
            pod.eci = True
            pod.ready_at = t + self._start_seconds(True)
            return True
        return False

    def _remove(self, pod: Pod) -> None:
        if pod.node is not None:
            pod.node.pods -= 1
        self.pods.remove(pod)

    def _reconcile(self, t: float) -> None:
        live = [p for p in self.pods if p.evicted_until is None]
        for _ in range(self.replicas - len(live)):
            self.pods.append(Pod(created=t))
        surplus = len(live) - self.replicas
        if surplus > 0:
            def rank(pod: Pod) -> tuple[int, int]:
                if pod.pending:
                    return (0, 0)
                if not pod.serving(t):
                    return (1, 0)
                if pod.eci:
                    return (2, 0)
                return (3, -pod.node.pods if pod.node else 0)
            for pod in sorted(live, key=rank)[:surplus]:
                self._remove(pod)

    def _schedule(self, t: float) -> None:
        for pod in self.pods:
            if pod.pending:
                self._bind(pod, t)

    def _expire(self, t: float) -> None:
        for pod in [p for p in self.pods if p.evicted_until is not None and p.evicted_until <= t]:
            self._remove(pod)
        for node in [n for n in self.nodes if n.released_at is not None and n.released_at <= t]:
            for pod in [p for p in self.pods if p.node is node]:
                self._remove(pod)
            self.nodes.remove(node)

    # ------------------------------------------------------------------ metrics

    def _window_mean(self, t: int, window: int, delay: int) -> float:
        end = max(0, t - delay)
        start = max(0, end - window)
        return (self.prefix[end] - self.prefix[start]) / window

    def _metric_replicas(self, t: int) -> int:
        """What the HPA's metric asks for at a sync at ``t`` (also records the metric value).

        QPS: the External ``sls_ingress_qps`` with an ``AverageValue`` target, counted over the QPS window
        and late by the ingestion delay; KEDA: its Prometheus rate, same target type. CPU (and memory, a
        simplification: modelled like CPU) utilisation: a ready pod serving its capacity uses 100 % of its
        request; the HPA sees the mean of the last complete metrics-server window, and pods whose sample
        window began before they were ready (younger than the CPU initialization period) are set aside. GPU: KEDA's
        average of the pods' DCGM utilisation (a ready pod serving its capacity keeps its GPU 100 % busy) over the
        last scrape window, a ``Value`` target: ``ceil(ready pods x average / target)``."""
        auto = self.s.service.autoscaling
        tol = self.timings.hpa_tolerance
        current = sum(1 for p in self.pods if p.evicted_until is None)
        if self.mode in ("qps", "keda"):
            target = auto.qps.target_per_pod if auto.qps else auto.keda.threshold
            self.metric = self._keda_value(t) if auto.keda else \
                self._window_mean(t, self.timings.qps_window_seconds, self.timings.qps_delay_seconds)
            return hpa_model.external_average_value_replicas(current, self.metric, target, tol)
        scrape = self.timings.cpu_scrape_seconds
        sample_end = (t // scrape) * scrape
        window = self.utilisation[max(0, sample_end - scrape):sample_end]
        self.metric = sum(window) / len(window) if window else 0.0
        if auto.gpu is not None:
            ready = sum(1 for p in self.pods if p.serving(t))
            return hpa_model.value_replicas(current, ready, self.metric, auto.gpu.target_utilization, tol)
        target = (auto.cpu or auto.memory).target_utilization
        measured = [p for p in self.pods if p.evicted_until is None and p.ready_at is not None and p.ready_at <= t
                    and (t - p.created >= self.timings.hpa_cpu_initialization_seconds or p.ready_at <= sample_end - scrape)]
        return hpa_model.per_pod_replicas(current, [self.metric] * len(measured), target,
                                          unready=current - len(measured), tolerance=tol)

    def _keda_value(self, t: int) -> float:
        return self._window_mean(t, self.timings.keda_rate_window_seconds, self.timings.keda_scrape_delay_seconds)

    # ------------------------------------------------------------------ the loop

    def run(self) -> Result:
        result = Result(self.s.service.name, self.mode, self.s.pod_capacity_qps, self.per_node)
        timings = self.timings
        keda_poll = self.s.service.autoscaling.keda.polling_interval_seconds if self.keda else 0
        for t, demand in enumerate(self.demand):
            self._reclaims(t)
            self._expire(t)
            ready = sum(1 for p in self.pods if p.serving(t))
            capacity = ready * self.s.pod_capacity_qps
            self.utilisation.append(100.0 * min(1.0, demand / capacity) if capacity else 100.0)
            if self.keda and t % keda_poll == 0:
                self.metric = self._keda_value(t)
                decided = self.keda.poll(self.replicas, self.metric, t)
                self.replicas = self.replicas if decided is None else decided
            if t % timings.hpa_sync_seconds == 0 and self.replicas > 0:
                self.replicas = self.hpa.sync(self.replicas, self._metric_replicas(t), t)
            self._reconcile(t)
            self._schedule(t)
            if t % timings.ca_scan_seconds == 0:
                self._autoscale_nodes(t)
            result.samples.append(self._sample(t, demand, ready, capacity))
        return result

    def _sample(self, t: int, demand: float, ready: int, capacity: float) -> Sample:
        spot = sum(1 for n in self.nodes if n.kind == "spot")
        payg = len(self.nodes) - spot
        eci = sum(1 for p in self.pods if p.eci)
        cost = {"spot": spot * self.node_price["spot"], "payg": payg * self.node_price["payg"], "eci": eci * self.eci_price}
        return Sample(t, demand, self.metric, self.replicas, ready, capacity, spot, payg, eci, cost)
