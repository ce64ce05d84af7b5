"""The whole fleet at once: every service's autoscaler and pods, packed onto shared node pools and burst capacity.

Time advances from event to event: the control loops' periods (KEDA's ``pollingInterval``, the HPA sync every
``hpa_sync_seconds``, the cluster autoscaler's scan every ``ca_scan_seconds``) and the moments a node becomes ready
or a reclaimed spot node is released. Between events nothing decides anything; what changes second by second (pods
turning ready, demand) is kept as per-second arrays, so a day costs the same whatever the load does.

At each event, in this order:

1. Infrastructure: spot reclaim notices (random, ``spot_reclaims_per_node_hour``; the node is cordoned and its pods
   evicted: each keeps serving ``termination_grace_seconds`` and its replacement is created at once; with
   ``spot.instanceRemedy`` the pool starts a replacement spot node), released nodes, evicted pods ending.
2. Per service: KEDA's poll, the HPA sync (skipped at 0 replicas; without ``behavior`` for Seldon's ``hpaSpec``,
   the legacy path), and the ReplicaSet creating or deleting pods. Deletion order is upstream's
   (``controller.ActivePodsWithRanks``): unscheduled, then not ready, then pods on the node holding most pods of the
   service, then the most recently ready (in log2 buckets of the time ready, ``LogarithmicScaleDown``), then the
   newest.
3. The scheduler binds pending pods of every service, oldest first, to the ready node with the most room left among
   the pools the pod may use (``NodeResourcesFit`` ``LeastAllocated``); with ``burst.mode: overflow`` a pod no node
   has room for goes to ECI at once (the scheduler does not wait for nodes on their way), with ``only`` every pod.
4. The cluster autoscaler (on its scan): pending pods that a node on its way will take are left to it; for the rest
   it adds nodes to the first pool that takes them (config order) up to ``maxSize``. It removes a node that has been
   unneeded for ``ca_scale_down_unneeded_seconds``: under ``ca_scale_down_utilization_threshold`` of its
   allocatable (GPUs only on a GPU node, else the larger of CPU and memory) and its pods fit on the other ready
   nodes, not within ``ca_scale_down_delay_after_add_seconds`` of a scale-up, never below ``minSize``. Empty nodes
   go together; of the others, one per scan, its pods evicted and recreated.

Pod start-up: on a node, scheduling, the image pull (once per node and image; later pods wait for that pull), the
model load (+ Seldon's overhead); on burst capacity, its creation, the image pull (or ECI's image cache) and the
model load. A node's kind (spot or pay-as-you-go) is chosen when it is added, from the pool's share of its new size
(:func:`planner.whatif.fleet.pay_as_you_go_count`). Nodes are billed from creation to removal, burst pods from
creation to deletion.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import reduce

import numpy as np

from stackconfig import ServiceConfig

from . import hpa as hpa_model
from .fleet import Pool, Shape, pay_as_you_go_count
from .inputs import Timings
from .keda import KedaOperator, hpa_min_replicas

NO_LIMIT, MAX_REPLICAS, POOL_MAX, BURST_QUOTA = 0, 1, 2, 3
LIMITS = {NO_LIMIT: "capacity on its way (pods starting, nodes provisioning, metrics lagging)",
          MAX_REPLICAS: "maxReplicas", POOL_MAX: "node pool maxSize", BURST_QUOTA: "burst pod quota"}
"""What holds a service's capacity back, as reported per episode under capacity."""


@dataclass(frozen=True)
class ServiceSetup:
    """Everything fixed about one service's run."""

    service: ServiceConfig
    shape: Shape
    pools: tuple[int, ...]
    """Indexes of the pools its pods may use, in the order the autoscaler tries them."""
    burst_price: float
    node_start_seconds: int
    """From binding on a node whose image is present to ready."""
    burst_start_seconds: int
    pull_seconds: int
    image: str
    pod_capacity_qps: float
    legacy_hpa: bool

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def burst(self) -> str:
        return self.service.burst.mode


@dataclass(frozen=True)
class FleetSetup:
    pools: tuple[Pool, ...]
    services: tuple[ServiceSetup, ...]
    timings: Timings
    ca_scan_seconds: int
    burst_label: str | None
    """``ECI``, ``Fargate``, or None on an existing cluster (no burst capacity)."""
    burst_pod_quota: int | None = None
    gpu_nodes_count_all_resources: bool = False
    """ACK's rule for GPU nodes (CPU, memory and GPUs all under the GPU threshold); upstream counts GPUs only."""


@dataclass(eq=False)
class Node:
    pool: int
    kind: str
    """``spot`` or ``payg``."""
    created: int
    ready_at: int
    free: list[float]
    pods: dict[int, int] = field(default_factory=dict)
    """Pods on the node per service."""
    count: int = 0
    images: dict[str, int] = field(default_factory=dict)
    cordoned: bool = False
    released_at: int | None = None
    unneeded_since: int | None = None
    below: bool | None = None
    """Whether its requests are under the scale-down threshold, kept until ``free`` changes: the autoscaler asks on
    every scan, for every node."""


@dataclass(eq=False)
class Pod:
    service: int
    created: int
    uid: float
    node: Node | None = None
    burst: bool = False
    ready_at: int | None = None
    evicted_until: int | None = None

    @property
    def pending(self) -> bool:
        return self.node is None and not self.burst


@dataclass
class ServiceSeries:
    """Per-second results of one service."""

    name: str
    mode: str
    pod_capacity_qps: float
    demand: np.ndarray
    metric: np.ndarray
    replicas: np.ndarray
    ready: np.ndarray
    capacity: np.ndarray
    burst_pods: np.ndarray
    burst_cost: np.ndarray
    limit: np.ndarray
    """Per second, what held capacity back (a key of :data:`LIMITS`)."""
    min_replicas: int
    max_replicas: int
    slo: object
    pools: tuple[int, ...]
    """Indexes of the pools its pods may use."""


@dataclass
class PoolSeries:
    name: str
    spot: np.ndarray
    payg: np.ndarray
    cost: np.ndarray
    """Per hour, at each second."""
    all_payg_cost: np.ndarray
    """What the same nodes would cost per hour if all were pay-as-you-go."""
    min_size: int
    max_size: int
    base: int
    percentage: int
    priced: bool
    """False for an existing cluster's nodes, which this program does not pay for."""


@dataclass
class FleetResult:
    seconds: int
    services: list[ServiceSeries]
    pools: list[PoolSeries]
    burst_label: str | None


class _ChangeLog:
    """A per-second step function recorded as (time, value) changes."""

    def __init__(self, value: float):
        self.times = [0]
        self.values = [value]

    def set(self, t: int, value: float) -> None:
        if value != self.values[-1]:
            if self.times[-1] == t:
                self.values[-1] = value
            else:
                self.times.append(t)
                self.values.append(value)

    def series(self, seconds: int, dtype=float) -> np.ndarray:
        bounds = self.times[1:] + [seconds]
        return np.repeat(np.asarray(self.values, dtype=dtype), np.diff([0] + bounds))


class _ServiceState:
    def __init__(self, index: int, setup: ServiceSetup, demand: np.ndarray, timings: Timings):
        self.index = index
        self.s = setup
        auto = setup.service.autoscaling
        self.demand = demand
        self.mode = auto.mode
        self.keda = KedaOperator(auto.min_replicas, auto.keda.activation_threshold, auto.keda.cooldown_period_seconds) \
            if auto.keda else None
        self.keda_poll = (auto.keda or auto.gpu).polling_interval_seconds if auto.uses_keda else 0
        self.hpa = hpa_model.Hpa(
            min_replicas=hpa_min_replicas(auto.min_replicas) if auto.uses_keda else auto.min_replicas,
            max_replicas=auto.max_replicas,
            scale_up=hpa_model.rules_from_config(auto.behavior.scale_up, hpa_model.DEFAULT_SCALE_UP),
            scale_down=hpa_model.rules_from_config(auto.behavior.scale_down, hpa_model.DEFAULT_SCALE_DOWN),
            legacy=setup.legacy_hpa,
        )
        self.replicas = auto.min_replicas
        self.pods: list[Pod] = []
        seconds = len(demand)
        self.ready_delta = np.zeros(seconds + 1, dtype=np.int64)
        self.burst_delta = np.zeros(seconds + 1, dtype=np.int64)
        self.ready_known = np.zeros(seconds, dtype=np.int64)
        self.known_until = 0
        self.replica_log = _ChangeLog(self.replicas)
        self.metric_log = _ChangeLog(0.0)
        self.limit_log = _ChangeLog(NO_LIMIT)
        self.wanted_beyond_max = False
        self.rate_means: list[float] = []
        """The windowed QPS a poll or sync at ``t`` reads, at index ``t // tick`` (see :meth:`compute_rate_means`)."""
        if auto.qps or auto.keda:
            self.target = auto.qps.target_per_pod if auto.qps else auto.keda.threshold
            self.rate_window, self.rate_delay = (timings.keda_rate_window_seconds, timings.keda_scrape_delay_seconds) \
                if auto.keda else (timings.qps_window_seconds, timings.qps_delay_seconds)
        self.live_count = 0
        """Pods not being evicted: what the ReplicaSet counts."""
        self.pending_count = 0

    # --- accounting of what each pod serves and costs, second by second

    def pod_ready(self, pod: Pod, ready_at: int) -> None:
        pod.ready_at = ready_at
        self.ready_delta[min(ready_at, len(self.demand))] += 1

    def pod_ends(self, pod: Pod, t: int) -> None:
        end = len(self.demand)
        if pod.ready_at is not None:
            self.ready_delta[min(max(pod.ready_at, t), end)] -= 1
        if pod.burst:
            self.burst_delta[min(t, end)] -= 1

    def ready_until(self, t: int) -> np.ndarray:
        """Ready pods each second before ``t`` (final: nothing decided at ``t`` or later changes them)."""
        if t > self.known_until:
            start = self.known_until
            base = self.ready_known[start - 1] if start else 0
            self.ready_known[start:t] = base + np.cumsum(self.ready_delta[start:t])
            self.known_until = t
        return self.ready_known[:t]

    def compute_rate_means(self, tick: int) -> None:
        """The request rate over the window the metric pipeline ends ``delay`` before each multiple of ``tick``
        (every poll and sync falls on one), all at once: demand does not depend on the simulation."""
        prefix = np.concatenate([[0.0], np.cumsum(self.demand)])
        t = np.arange(0, len(self.demand), tick)
        end = np.where(t > self.rate_delay, t - self.rate_delay, 0)
        start = np.where(end > self.rate_window, end - self.rate_window, 0)
        self.rate_means = ((prefix[end] - prefix[start]) / self.rate_window).tolist()

    def serving(self, t: int) -> int:
        return sum(1 for p in self.pods if p.ready_at is not None and p.ready_at <= t)

    def live(self) -> list[Pod]:
        return [p for p in self.pods if p.evicted_until is None]

    def unschedulable(self) -> bool:
        return self.pending_count > 0


class FleetSimulation:
    def __init__(self, setup: FleetSetup, demands: list[np.ndarray]):
        self.setup = setup
        self.timings = setup.timings
        self.seconds = len(demands[0]) if demands else 0
        self.rng = random.Random(self.timings.seed)
        self.services = [_ServiceState(i, s, np.asarray(d, dtype=float), self.timings)
                         for i, (s, d) in enumerate(zip(setup.services, demands))]
        self.nodes: list[Node] = []
        self.node_delta = {(p, kind): np.zeros(self.seconds + 1, dtype=np.int64)
                           for p in range(len(setup.pools)) for kind in ("spot", "payg")}
        self.burst_pods = 0
        self.last_scale_up = -10 ** 9
        self.wakeups: set[int] = set()
        self.pending: dict[Pod, None] = {}
        """Pods waiting for a node, oldest first."""
        self.fresh: list[Pod] = []
        """Pods that became pending since the last scheduling pass."""
        self.room_changed = True
        """Whether a node became ready or room was freed since the last scheduling pass."""
        self.live_nodes = [0] * len(setup.pools)
        self.tick = self._periods()
        """Every control loop runs at multiples of it."""
        for state in self.services:
            if state.mode in ("qps", "keda"):
                state.compute_rate_means(self.tick)
        self.expiring = 0
        """Evicted pods and cordoned nodes still to remove."""
        self._start_warm()

    # ------------------------------------------------------------------ set-up

    def _start_warm(self) -> None:
        """At t=0 every pool has its minimum nodes and every service its minimum replicas, ready, on nodes that
        have their images (a steady state); nodes a minimum needs beyond ``minSize`` exist too."""
        for index, pool in enumerate(self.setup.pools):
            for _ in range(pool.group.min_size):
                self._add_node(index, 0, ready_at=0)
        for state in self.services:
            for _ in range(state.replicas):
                pod = self._new_pod(state, 0)
                if pod.pending and not self._bind(pod, 0):
                    self._place_warm(state, pod)
        for node in self.nodes:
            node.images = {image: 0 for image in node.images}
        for state in self.services:
            for pod in state.pods:
                if pod.ready_at is not None:
                    state.ready_delta[min(pod.ready_at, self.seconds)] -= 1
                    state.pod_ready(pod, 0)

    def _place_warm(self, state: _ServiceState, pod: Pod) -> None:
        for index in state.s.pools:
            pool = self.setup.pools[index]
            if self._live_count(index) < pool.group.max_size:
                self._add_node(index, 0, ready_at=0)
                if self._bind(pod, 0):
                    return

    # ------------------------------------------------------------------ nodes

    def _live_count(self, pool: int) -> int:
        return self.live_nodes[pool]

    def _add_node(self, pool_index: int, t: int, ready_at: int | None = None, kind: str | None = None) -> Node:
        pool = self.setup.pools[pool_index]
        live = [n for n in self.nodes if n.pool == pool_index and not n.cordoned]
        if kind is None:
            payg = sum(1 for n in live if n.kind == "payg")
            share = pay_as_you_go_count(len(live) + 1, pool.group.on_demand_base_capacity,
                                        pool.group.on_demand_percentage_above_base_capacity)
            kind = "payg" if payg < share else "spot"
        ready = ready_at if ready_at is not None else t + self.timings.node_provision_seconds
        have = pool.allocatable
        node = Node(pool_index, kind, t, ready, [have.gpus, have.cpu_milli, have.memory_mib])
        self.nodes.append(node)
        self.live_nodes[pool_index] += 1
        self.room_changed = True
        self.node_delta[(pool_index, kind)][t] += 1
        if ready > t:
            self.wakeups.add(ready)
        return node

    def _remove_node(self, node: Node, t: int) -> None:
        self.nodes.remove(node)
        if node.cordoned:
            self.expiring -= 1
        else:
            self.live_nodes[node.pool] -= 1
        self.node_delta[(node.pool, node.kind)][min(t, self.seconds)] -= 1

    def _reclaims(self, t: int, elapsed: int) -> None:
        rate = self.timings.spot_reclaims_per_node_hour / 3600 * elapsed
        if rate <= 0:
            return
        for node in list(self.nodes):
            if node.kind == "spot" and not node.cordoned and node.ready_at <= t and self.rng.random() < rate:
                node.cordoned = True
                self.expiring += 1
                self.live_nodes[node.pool] -= 1
                node.released_at = t + self.timings.spot_notice_seconds
                self.wakeups.add(node.released_at)
                for state in self.services:
                    for pod in state.pods:
                        if pod.node is node and pod.evicted_until is None:
                            self._evict(state, pod, t)
                if self.setup.pools[node.pool].group.spot_remedy:
                    self._add_node(node.pool, t, kind="spot")

    def _evict(self, state: _ServiceState, pod: Pod, t: int) -> None:
        """A drained pod keeps serving through its grace period; the ReplicaSet replaces it at once."""
        pod.evicted_until = t + self.timings.termination_grace_seconds
        state.live_count -= 1
        self.expiring += 1
        self.wakeups.add(pod.evicted_until)

    def _expire(self, t: int) -> None:
        if not self.expiring:
            return
        for state in self.services:
            for pod in [p for p in state.pods if p.evicted_until is not None and p.evicted_until <= t]:
                self._delete_pod(state, pod, pod.evicted_until)
        for node in [n for n in self.nodes if n.released_at is not None and n.released_at <= t]:
            for state in self.services:
                for pod in [p for p in state.pods if p.node is node]:
                    self._delete_pod(state, pod, t)
            self._remove_node(node, t)

    # ------------------------------------------------------------------ pods

    def _new_pod(self, state: _ServiceState, t: int) -> Pod:
        pod = Pod(state.index, t, self.rng.random())
        state.pods.append(pod)
        state.live_count += 1
        if not (state.s.burst == "only" and self._to_burst(state, pod, t)):
            self._set_pending(state, pod)
        return pod

    def _set_pending(self, state: _ServiceState, pod: Pod) -> None:
        self.pending[pod] = None
        self.fresh.append(pod)
        state.pending_count += 1

    def _unset_pending(self, pod: Pod) -> None:
        if pod in self.pending:
            del self.pending[pod]
            self.services[pod.service].pending_count -= 1

    def _to_burst(self, state: _ServiceState, pod: Pod, t: int) -> bool:
        quota = self.setup.burst_pod_quota
        if quota is not None and self.burst_pods >= quota:
            state.limit_log.set(t, BURST_QUOTA)
            return False
        self._unset_pending(pod)
        pod.burst = True
        self.burst_pods += 1
        state.burst_delta[t] += 1
        state.pod_ready(pod, t + state.s.burst_start_seconds)
        return True

    def _bind(self, pod: Pod, t: int) -> bool:
        state = self.services[pod.service]
        shape = state.s.shape
        best, best_room = None, -1.0
        for node in self.nodes:
            if node.pool in state.s.pools and not node.cordoned and node.ready_at <= t and shape.fits_in(node.free):
                have = self.setup.pools[node.pool].allocatable
                room = (node.free[1] - shape.cpu_milli) / have.cpu_milli + (node.free[2] - shape.memory_mib) / have.memory_mib
                if room > best_room:
                    best, best_room = node, room
        if best is not None:
            self._occupy(best, pod, t)
            return True
        if state.s.burst == "overflow":
            return self._to_burst(state, pod, t)
        return False

    def _occupy(self, node: Node, pod: Pod, t: int) -> None:
        state = self.services[pod.service]
        shape = state.s.shape
        node.free = [node.free[0] - shape.gpus, node.free[1] - shape.cpu_milli, node.free[2] - shape.memory_mib]
        node.below = None
        node.pods[pod.service] = node.pods.get(pod.service, 0) + 1
        node.count += 1
        node.unneeded_since = None
        pod.node = node
        self._unset_pending(pod)
        image_ready = node.images.setdefault(state.s.image, t + state.s.pull_seconds)
        state.pod_ready(pod, max(t, image_ready) + state.s.node_start_seconds)

    def _release(self, pod: Pod) -> None:
        node = pod.node
        if node is not None:
            shape = self.services[pod.service].s.shape
            node.free = [node.free[0] + shape.gpus, node.free[1] + shape.cpu_milli, node.free[2] + shape.memory_mib]
            node.below = None
            node.pods[pod.service] -= 1
            node.count -= 1
            pod.node = None
            self.room_changed = True
        if pod.burst:
            self.burst_pods -= 1

    def _delete_pod(self, state: _ServiceState, pod: Pod, t: int) -> None:
        state.pod_ends(pod, t)
        self._unset_pending(pod)
        self._release(pod)
        if pod.evicted_until is None:
            state.live_count -= 1
        else:
            self.expiring -= 1
        state.pods.remove(pod)

    def _deletion_rank(self, pod: Pod, t: int) -> tuple:
        """``ActivePodsWithRanks.Less``: unassigned < assigned; not ready < ready; more of the same ReplicaSet's
        pods on the node first; ready for less time first (log2 buckets); newer first. Burst pods share one
        virtual node (ECI's virtual kubelet; a Fargate pod is alone on its node)."""
        if pod.pending:
            return (0,)
        ready = pod.ready_at is not None and pod.ready_at <= t
        if not ready:
            return (1, -pod.created, pod.uid)
        if pod.burst:
            same_node = self.burst_pods if self.setup.burst_label == "ECI" else 1
        else:
            same_node = pod.node.pods.get(pod.service, 0)
        ready_for = t - pod.ready_at
        bucket = int(math.log2(ready_for * 1e9)) if ready_for > 0 else -1
        return (2, -same_node, bucket, -pod.created, pod.uid)

    def _reconcile(self, state: _ServiceState, t: int) -> None:
        if state.replicas == state.live_count:
            return
        for _ in range(state.replicas - state.live_count):
            self._new_pod(state, t)
        surplus = state.live_count - state.replicas
        if surplus > 0:
            for pod in sorted(state.live(), key=lambda p: self._deletion_rank(p, t))[:surplus]:
                self._delete_pod(state, pod, t)

    def _schedule(self, t: int) -> None:
        """Bind pending pods; when no room appeared since the last pass, only the pods new since then can bind."""
        candidates = list(self.pending) if self.room_changed else [p for p in self.fresh if p in self.pending]
        self.room_changed = False
        self.fresh = []
        for pod in candidates:
            self._bind(pod, t)

    # ------------------------------------------------------------------ metrics

    def _utilisation(self, state: _ServiceState, start: int, end: int) -> float:
        """Mean utilisation (percent of the request) of the serving pods over ``[start, end)``: a pod serving its
        capacity uses all of its request (and keeps its GPU busy)."""
        if end <= start:
            return 0.0
        ready = state.ready_until(end)[start:end]
        demand = state.demand[start:end]
        capacity = ready * state.s.pod_capacity_qps
        with np.errstate(divide="ignore", invalid="ignore"):
            used = np.where(capacity > 0, np.minimum(1.0, demand / np.where(capacity > 0, capacity, 1)), 1.0)
        return float(used.mean() * 100)

    def _metric_replicas(self, state: _ServiceState, t: int) -> int:
        """What the HPA's metric asks for at a sync at ``t``: see :mod:`planner.whatif` (QPS from the SLS log, late
        by the ingestion delay; KEDA's Prometheus rate; CPU/memory utilisation over the last complete
        metrics-server window, young pods set aside; GPU utilisation as a ``Value`` target)."""
        timings = self.timings
        tol = timings.hpa_tolerance
        current = state.live_count
        if state.mode in ("qps", "keda"):
            metric = state.rate_means[t // self.tick]
            state.metric_log.set(t, metric)
            return hpa_model.external_average_value_replicas(current, metric, state.target, tol)
        auto = state.s.service.autoscaling
        scrape = timings.cpu_scrape_seconds
        sample_end = (t // scrape) * scrape
        metric = self._utilisation(state, max(0, sample_end - scrape), sample_end)
        state.metric_log.set(t, metric)
        if auto.gpu is not None:
            return hpa_model.value_replicas(current, state.serving(t), metric, auto.gpu.target_utilization, tol)
        target = (auto.cpu or auto.memory).target_utilization
        measured = [p for p in state.live() if p.ready_at is not None and p.ready_at <= t
                    and (t - p.created >= timings.hpa_cpu_initialization_seconds or p.ready_at <= sample_end - scrape)]
        return hpa_model.per_pod_replicas(current, [metric] * len(measured), target,
                                          unready=current - len(measured), tolerance=tol)

    def _autoscale_service(self, state: _ServiceState, t: int) -> None:
        timings = self.timings
        if state.keda and t % state.keda_poll == 0:
            value = state.rate_means[t // self.tick]
            state.metric_log.set(t, value)
            decided = state.keda.poll(state.replicas, value, t)
            state.replicas = state.replicas if decided is None else decided
        replicas = state.replicas
        if replicas > 0 and t % timings.hpa_sync_seconds == 0:
            wanted = self._metric_replicas(state, t)
            hpa = state.hpa
            state.wanted_beyond_max = wanted > hpa.max_replicas
            replicas = state.replicas = hpa.sync(replicas, wanted, t)
        if replicas != state.replica_log.values[-1]:
            state.replica_log.set(t, replicas)

    # ------------------------------------------------------------------ cluster autoscaler

    def _scale_up(self, t: int) -> None:
        """Nodes for the pending pods, service by service (oldest pending first): what fits on nodes on their way is
        left to them, the rest goes onto new nodes of the first pool with room under ``maxSize``."""
        if not self.pending:
            return
        waiting: dict[int, int] = {}
        for pod in self.pending:
            waiting[pod.service] = waiting.get(pod.service, 0) + 1
        room = [(n.pool, list(n.free)) for n in self.nodes if not n.cordoned and n.ready_at > t]
        planned: dict[int, list[list[float]]] = {}
        for service, count in waiting.items():
            state = self.services[service]
            shape = state.s.shape
            for pool, free in room + [(i, f) for i, frees in planned.items() for f in frees]:
                if count and pool in state.s.pools:
                    count -= self._take(free, shape, count)
            for index in state.s.pools:
                group = self.setup.pools[index].group
                have = self.setup.pools[index].allocatable
                while count and group.autoscaled and self.live_nodes[index] + len(planned.get(index, [])) < group.max_size:
                    free = [have.gpus, have.cpu_milli, have.memory_mib]
                    planned.setdefault(index, []).append(free)
                    count -= self._take(free, shape, count)
            if count:
                quota_full = state.s.burst != "none" and self.setup.burst_pod_quota is not None \
                    and self.burst_pods >= self.setup.burst_pod_quota
                state.limit_log.set(t, BURST_QUOTA if quota_full else POOL_MAX)
        for index, nodes in planned.items():
            for _ in nodes:
                self._add_node(index, t)
        if planned:
            self.last_scale_up = t

    @staticmethod
    def _take(free: list[float], shape: Shape, count: int) -> int:
        """Put up to ``count`` pods of ``shape`` into ``free`` (updated); how many fit."""
        fits = [free[0] / shape.gpus if shape.gpus else math.inf, (free[1] + 1e-9) / shape.cpu_milli,
                (free[2] + 1e-9) / shape.memory_mib]
        taken = max(0, min(count, math.floor(min(fits))))
        free[0] -= taken * shape.gpus
        free[1] -= taken * shape.cpu_milli
        free[2] -= taken * shape.memory_mib
        return taken

    def _node_utilisation(self, node: Node) -> tuple[float, float]:
        """(utilisation, the threshold it is held to): the larger of CPU and memory requests over allocatable; on a
        GPU node the GPUs' (upstream ``simulator/utilization``), or the largest of all three on ACK."""
        have = self.setup.pools[node.pool].allocatable
        cpu_memory = max((have.cpu_milli - node.free[1]) / have.cpu_milli, (have.memory_mib - node.free[2]) / have.memory_mib)
        if not have.gpus:
            return cpu_memory, self.timings.ca_scale_down_utilization_threshold
        gpus = (have.gpus - node.free[0]) / have.gpus
        used = max(gpus, cpu_memory) if self.setup.gpu_nodes_count_all_resources else gpus
        return used, self.timings.ca_scale_down_gpu_utilization_threshold

    def _below_threshold(self, node: Node) -> bool:
        if node.below is None:
            used, threshold = self._node_utilisation(node)
            node.below = used < threshold
        return node.below

    def _movable(self, node: Node, t: int, leaving: set[int]) -> bool:
        """Whether every pod on ``node`` fits on the other ready nodes it may use (a first-fit simulation)."""
        room = {id(n): list(n.free) for n in self.nodes
                if n is not node and id(n) not in leaving and not n.cordoned and n.ready_at <= t}
        for service, count in node.pods.items():
            state = self.services[service]
            shape = state.s.shape
            for _ in range(count):
                target = next((free for n in self.nodes if id(n) in room and n.pool in state.s.pools
                               for free in (room[id(n)],) if shape.fits_in(free)), None)
                if target is None:
                    return False
                target[0] -= shape.gpus
                target[1] -= shape.cpu_milli
                target[2] -= shape.memory_mib
        return True

    def _scale_down(self, t: int) -> None:
        """Track unneeded nodes on every scan; remove those unneeded long enough unless a scale-up was recent (the
        cooldown holds removals back, not the tracking)."""
        timings = self.timings
        cooldown = t - self.last_scale_up < timings.ca_scale_down_delay_after_add_seconds
        leaving: list[Node] = []
        leaving_ids: set[int] = set()
        per_pool = [0] * len(self.setup.pools)
        drained = False
        for node in self.nodes:
            if node.cordoned or node.ready_at > t or not self.setup.pools[node.pool].group.autoscaled:
                continue
            empty = node.count == 0
            if not empty and (not self._below_threshold(node) or not self._movable(node, t, leaving_ids)):
                node.unneeded_since = None
                continue
            if node.unneeded_since is None:
                node.unneeded_since = t
            if cooldown or t - node.unneeded_since < timings.ca_scale_down_unneeded_seconds \
                    or self.live_nodes[node.pool] - per_pool[node.pool] <= self.setup.pools[node.pool].group.min_size:
                continue
            if not empty:
                if drained:
                    continue
                drained = True
            leaving.append(node)
            leaving_ids.add(id(node))
            per_pool[node.pool] += 1
        for node in leaving:
            for state in self.services:
                for pod in [p for p in state.pods if p.node is node]:
                    self._delete_pod(state, pod, t)
            self._remove_node(node, t)

    # ------------------------------------------------------------------ the loop

    def _periods(self) -> int:
        periods = [self.timings.hpa_sync_seconds, self.setup.ca_scan_seconds, self.timings.cpu_scrape_seconds]
        periods += [state.keda_poll for state in self.services if state.keda_poll]
        return reduce(math.gcd, periods)

    def run(self) -> FleetResult:
        tick = self.tick
        t, previous = 0, 0
        sync = self.timings.hpa_sync_seconds
        reclaims = self.timings.spot_reclaims_per_node_hour > 0
        while t < self.seconds:
            if reclaims:
                self._reclaims(t, t - previous)
            if self.expiring:
                self._expire(t)
            on_sync = t % sync == 0
            for state in self.services:
                if on_sync or state.keda_poll:
                    self._autoscale_service(state, t)
                if state.replicas != state.live_count:
                    self._reconcile(state, t)
            self._schedule(t)
            if t % self.setup.ca_scan_seconds == 0:
                self._scale_up(t)
                self._scale_down(t)
            for state in self.services:
                limit = state.limit_log.values[-1]
                if state.wanted_beyond_max and state.replicas >= state.hpa.max_replicas:
                    state.limit_log.set(t, MAX_REPLICAS)
                elif limit == MAX_REPLICAS or (limit != NO_LIMIT and not state.pending_count):
                    state.limit_log.set(t, NO_LIMIT)
            previous = t
            t_next = (t // tick + 1) * tick
            if self.wakeups:
                self.wakeups = {w for w in self.wakeups if w > t}
                if self.wakeups:
                    soonest = min(self.wakeups)
                    if soonest <= t_next:
                        t_next = soonest
                        self.room_changed = True
            t = t_next
        return self._result()

    def _result(self) -> FleetResult:
        seconds = self.seconds
        services = []
        for state in self.services:
            ready = np.cumsum(state.ready_delta[:seconds])
            burst = np.cumsum(state.burst_delta[:seconds])
            auto = state.s.service.autoscaling
            services.append(ServiceSeries(
                name=state.s.name, mode=state.mode, pod_capacity_qps=state.s.pod_capacity_qps, demand=state.demand,
                metric=state.metric_log.series(seconds), replicas=state.replica_log.series(seconds, int),
                ready=ready, capacity=ready * state.s.pod_capacity_qps, burst_pods=burst,
                burst_cost=burst * state.s.burst_price, limit=state.limit_log.series(seconds, int),
                min_replicas=auto.min_replicas, max_replicas=auto.max_replicas, slo=state.s.service.slo,
                pools=state.s.pools))
        pools = []
        for index, pool in enumerate(self.setup.pools):
            spot = np.cumsum(self.node_delta[(index, "spot")][:seconds])
            payg = np.cumsum(self.node_delta[(index, "payg")][:seconds])
            group = pool.group
            pools.append(PoolSeries(pool.name, spot, payg, spot * pool.spot_price + payg * pool.pay_as_you_go_price,
                                    (spot + payg) * pool.pay_as_you_go_price, group.min_size, group.max_size,
                                    group.on_demand_base_capacity, group.on_demand_percentage_above_base_capacity,
                                    group.autoscaled))
        return FleetResult(seconds, services, pools, self.setup.burst_label)
