"""``python -m planner whatif --recommend``: the cheapest settings of a stack that meet every service's SLO under the
same load, as an edit of its stack file.

**What is searched**: the settings a stack owns that the simulator models, per service (``autoscaling``: the per-pod
target of its metric, ``minReplicas``, ``maxReplicas``, ``behavior.scaleDown.stabilizationWindowSeconds`` unless the
HPA takes Seldon's legacy path, which has no ``behavior``; ``burst.mode`` where the cloud bursts) and per autoscaled
node group some service's pods may use (``scaling.minSize``, ``scaling.maxSize`` and, for a group with a spot
share, its pay-as-you-go share ``onDemandBaseCapacity`` and ``onDemandPercentageAboveBaseCapacity``), each over a
few values around the current one (:func:`settings`). A group no service uses (the system pool of most stacks)
is left alone, and a group without GPUs that services use (the system pool of a stack whose CPU services run
there) may only grow: the add-ons run there and are not simulated, so nothing shows what they need. What a
reviewer would refuse is not tried: a service that runs 2 or more replicas keeps at least 2
(:data:`AVAILABLE_REPLICAS`), and no scale-down window is 0 (:data:`SCALE_DOWN_WINDOWS`).

**Within the stack's policies**: the values tried stay within the limits of the policies the offline plan runs for
the stack (``policypack/config/<stack>.json``, :func:`policy_bounds`): ``maxReplicas`` up to
``workload-autoscaler-bounds.maxReplicas``, ``maxSize`` up to ``node-pool-bounds.maxNodePoolSize``, a spot pool's
``onDemandPercentageAboveBaseCapacity`` within ``spot-on-demand-share``'s minimum and maximum (prod keeps its
pay-as-you-go share within those bounds), so a recommendation passes the policy pack it will be previewed with.

**What is held fixed**: the load (each service's demand of the current config, or the trace) and each replica's
capacity (the current per-pod target, or ``--pod-qps``), so a lower target means more replicas for the same load,
not a slower server.

**A candidate** is the stack file with one setting changed (a targeted edit of the value's text,
:func:`planner.stackfile.set_config_value`); it counts only if that file validates as the offline plan validates it
and the simulator can place every service, so no recommendation is an invalid stack. It is then simulated as a
whole fleet. Candidates are ranked by the services missing their SLO, then by how far they miss it (the shares
served short of their objectives, and of 99 % within the p99 latency with ``--latency``), then by the fleet's cost
per hour; a service without ``slo`` is held to the defaults of ``slo`` (``errorRatio`` 0.01: 99 % of requests
served; ``p99LatencySeconds`` 1 with ``--latency``), as the report holds it.

**The search** is coordinate descent from the current file: each setting in turn is set to its best value with the
others kept, service settings first and then pool settings (services are coupled only through the pools they
share), and passes repeat until one changes nothing, at most :data:`PASSES` times. A value replaces the current
one only when it ranks strictly better, so equal-cost settings stay as they are and the diff holds only what pays.
Every file is simulated once (results are kept by file text). Its limits: it finds a local optimum (two settings
that only pay together, such as a lower target with a higher ``maxReplicas``, are found only if each step alone
ranks no worse), it tries the listed values only, and it is as good as the simulator's inputs. The pay-as-you-go
share is searched only with a spot reclaim rate (``--set spot_reclaims_per_node_hour=...``,
:func:`searches_spot_share`): with the default of 0 spot nodes are never lost, and a lower share would always win.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, replace

import numpy as np

from policypack.rules import DISABLED, RULES, read_policy_config
from stackconfig import StackConfig, StackConfigError
from stackconfig.errors import format_path

from ..policies import default_policy_config
from ..stackfile import set_config_value, validate_stack_text
from .inputs import Timings
from .prices import PriceTable
from .report import FleetSummary, summarize
from .run import fleet_setup, pod_qps_of, simulate
from .simulate import FleetSetup

PASSES = 3
"""Most passes over all settings; the search stops earlier when a pass changes nothing."""
SCALES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0)
"""Multiples of the current value tried for replica and node maxima."""
TARGET_SCALES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 1.25)
"""Multiples of the current per-pod target tried: below 1 buys headroom, above 1 runs replicas past what the
target was sized for."""
SCALE_DOWN_WINDOWS = (60, 120, 300, 600, 900)
"""Scale-down stabilisation windows tried. Not 0: an HPA that scales in on every dip flaps with the load, which the
simulator's smooth patterns do not show (the Kubernetes default is 300)."""
AVAILABLE_REPLICAS = 2
"""The fewest replicas a service that runs this many or more for availability keeps: with one replica a node drain
or a spot reclaim takes the service down (its PodDisruptionBudget allows one pod unavailable)."""
PAY_AS_YOU_GO_PERCENTAGES = (0, 10, 20, 30, 50, 100)
BURST_MODES = ("none", "overflow", "only")


@dataclass(frozen=True)
class PolicyBounds:
    """The policy limits the searched values stay within; the defaults are the search's own ranges."""

    max_replicas: int = 1000
    max_pool_size: int = 1000
    pay_as_you_go_percentage: tuple[int, int] = (0, 100)


def policy_bounds(stack: str) -> PolicyBounds:
    """The limits of ``stack``'s policy config that bound a setting the search changes (enabled policies only)."""
    config = read_policy_config(default_policy_config(stack))
    enabled = {rule.name: config.settings(rule) for rule in RULES if config.enforcement(rule) != DISABLED}
    bounds = PolicyBounds()
    if "workload-autoscaler-bounds" in enabled:
        bounds = replace(bounds, max_replicas=enabled["workload-autoscaler-bounds"].maxReplicas)
    if "node-pool-bounds" in enabled:
        bounds = replace(bounds, max_pool_size=enabled["node-pool-bounds"].maxNodePoolSize)
    if "spot-on-demand-share" in enabled:
        share = enabled["spot-on-demand-share"]
        bounds = replace(bounds, pay_as_you_go_percentage=(share.minOnDemandPercentage, share.maxOnDemandPercentage))
    return bounds


@dataclass(frozen=True)
class Setting:
    path: tuple[str | int, ...]
    """Under the project's config: ``("services", 0, "autoscaling", "minReplicas")``."""
    values: tuple
    """Values to try, the current one among them."""

    @property
    def name(self) -> str:
        return format_path(self.path)


def _around(current: int, low: int, high: int) -> tuple[int, ...]:
    """Counts from ``low`` to a few above ``current``, and multiples of it, within ``[low, high]``."""
    values = set(range(low, current + 3)) | {round(current * scale) for scale in SCALES}
    return tuple(sorted(v for v in values if low <= v <= high))


def _fewest_replicas(auto) -> int:
    """The lowest ``minReplicas`` tried: 0 only for KEDA, and never below :data:`AVAILABLE_REPLICAS` for a service
    that has that many now."""
    if auto.min_replicas >= AVAILABLE_REPLICAS:
        return AVAILABLE_REPLICAS
    return 0 if auto.mode == "keda" else 1


def _target_setting(service, at: tuple) -> Setting:
    auto = service.autoscaling
    mode = auto.mode
    if mode in ("qps", "keda"):
        current = auto.qps.target_per_pod if auto.qps else auto.keda.threshold
        values = {round(current * scale, 2) for scale in TARGET_SCALES} | {current}  # the current one however precise
        return Setting((*at, mode, "targetPerPod" if mode == "qps" else "threshold"), tuple(sorted(values)))
    current = getattr(auto, mode).target_utilization
    values = {min(100, max(1, round(current * scale))) for scale in TARGET_SCALES}
    return Setting((*at, mode, "targetUtilization"), tuple(sorted(values)))


def settings(config: StackConfig, fleet: FleetSetup, bounds: PolicyBounds = PolicyBounds(),
             spot_share: bool = True) -> tuple[list[Setting], list[Setting]]:
    """(service settings, pool settings) of the stack, with the values the search tries within ``bounds``; the
    pools' pay-as-you-go share only with ``spot_share``."""
    services = []
    for index, (service, setup) in enumerate(zip(config.services, fleet.services)):
        auto = service.autoscaling
        at = ("services", index, "autoscaling")
        services += [
            _target_setting(service, at),
            Setting((*at, "minReplicas"), _around(auto.min_replicas, _fewest_replicas(auto), auto.max_replicas)),
            Setting((*at, "maxReplicas"), _around(auto.max_replicas, max(1, auto.min_replicas), bounds.max_replicas)),
        ]
        if not setup.legacy_hpa:
            window = auto.behavior.scale_down.stabilization_window_seconds
            services.append(Setting((*at, "behavior", "scaleDown", "stabilizationWindowSeconds"),
                                    tuple(sorted({*SCALE_DOWN_WINDOWS, window}))))
        if fleet.burst_label is not None:
            services.append(Setting(("services", index, "burst", "mode"), BURST_MODES))
    pools = []
    used = {index for setup in fleet.services for index in setup.pools}
    for index, (at, group, share) in enumerate(_groups(config)):
        if index not in used:
            continue
        scaling = group.scaling
        if not fleet.pools[index].group.gpu:
            # The add-ons run here and are not simulated: it may grow for the services, never shrink.
            pools.append(Setting((*at, "scaling", "maxSize"), _around(scaling.max_size, scaling.max_size, bounds.max_pool_size)))
            continue
        pools += [Setting((*at, "scaling", "minSize"), _around(scaling.min_size, 0, scaling.max_size)),
                  Setting((*at, "scaling", "maxSize"), _around(scaling.max_size, max(1, scaling.min_size), bounds.max_pool_size))]
        if share is not None and spot_share:
            spot_at, spot = share
            low, high = bounds.pay_as_you_go_percentage
            percentages = {*PAY_AS_YOU_GO_PERCENTAGES, low, high, spot.on_demand_percentage_above_base_capacity}
            pools += [Setting((*spot_at, "onDemandBaseCapacity"), _around(spot.on_demand_base_capacity, 0, scaling.max_size)),
                      Setting((*spot_at, "onDemandPercentageAboveBaseCapacity"),
                              tuple(sorted(v for v in percentages if low <= v <= high)))]
    return services, pools


def _groups(config: StackConfig):
    """(path, group config, (path, settings) of its pay-as-you-go share or None) of each node group the stack
    scales, in the simulator's pool order. A pool without ``spot`` is all pay-as-you-go by choice, and stays so."""
    if config.cloud == "alicloud":
        for index, pool in enumerate(config.alicloud.node_pools):
            at = ("alicloud", "nodePools", index)
            yield at, pool, ((*at, "spot"), pool.spot) if pool.spot else None
    elif config.cloud == "aws":
        yield ("aws", "systemNodes"), config.aws.system_nodes, None
        yield ("aws", "gpuNodes"), config.aws.gpu_nodes, (("aws", "gpuNodes"), config.aws.gpu_nodes)


@dataclass(frozen=True)
class Trial:
    """One stack file simulated, or why it could not be."""

    text: str
    summary: FleetSummary | None
    problem: str | None = None

    @property
    def rank(self) -> tuple[int, float, float]:
        """Services missing their SLO, by how much, then cost: lower is better."""
        services = self.summary.services
        short = sum(s.slo_shortfall for s in services)
        return sum(not s.slo_met for s in services), round(short, 9), round(self.summary.cost_per_hour, 9)


@dataclass(frozen=True)
class Recommendation:
    before: Trial
    after: Trial
    changes: tuple[tuple[Setting, object, object], ...]
    """(setting, current value, recommended value) of each setting changed."""
    simulated: int
    invalid: int
    """Candidate files refused by validation or by the simulator's placement."""
    seconds: float

    @property
    def slo_met(self) -> bool:
        return self.after.summary.slo_met

    def diff(self, name: str) -> str:
        """The change as a unified diff of the stack file ``name`` (``git apply`` takes it)."""
        return "".join(difflib.unified_diff(self.before.text.splitlines(keepends=True),
                                            self.after.text.splitlines(keepends=True), f"a/{name}", f"b/{name}"))


class _Search:
    def __init__(self, source: str, baseline: FleetSetup, demands: list[np.ndarray], timings: Timings,
                 prices: PriceTable | None, with_latency: bool):
        self.source, self.demands, self.timings, self.prices, self.with_latency = \
            source, demands, timings, prices, with_latency
        self.pod_qps = pod_qps_of(baseline)
        self.trials: dict[str, Trial] = {}
        self.invalid = 0

    def trial(self, text: str) -> Trial:
        if text not in self.trials:
            try:
                fleet = fleet_setup(validate_stack_text(text, self.source), self.timings, self.prices, self.pod_qps)
            except (StackConfigError, ValueError) as error:
                self.invalid += 1
                self.trials[text] = Trial(text, None, str(error))
            else:
                self.trials[text] = Trial(text, summarize(simulate(fleet, self.demands), self.with_latency))
        return self.trials[text]


def config_value(config: StackConfig, path: tuple) -> object:
    """The validated value at a config path (its default when the file omits it)."""
    value: object = config
    for part in path:
        if isinstance(part, int):
            value = value[part]
        else:
            value = getattr(value, next(name for name, field in type(value).model_fields.items()
                                        if (field.alias or name) == part))
    return value


def searches_spot_share(timings: Timings) -> bool:
    """Whether the pay-as-you-go share is searched: only when spot nodes can be reclaimed in the model. Without
    reclaims (``spot_reclaims_per_node_hour`` 0, the default) spot only saves money, and the search would always take
    the policy's lowest share; the share a stack keeps is a bet on reclaims, which only a rate can price."""
    return timings.spot_reclaims_per_node_hour > 0


def recommend(text: str, source: str, baseline: FleetSetup, demands: list[np.ndarray], timings: Timings,
              prices: PriceTable | None, with_latency: bool = False, bounds: PolicyBounds = PolicyBounds()) \
        -> Recommendation:
    """The cheapest stack file found that meets every SLO (see the module docstring), from the file ``text``
    whose fleet is ``baseline`` under ``demands``."""
    started = time.perf_counter()
    search = _Search(source, baseline, demands, timings, prices, with_latency)
    before = best = search.trial(text)
    config = validate_stack_text(text, source)
    service_settings, pool_settings = settings(config, baseline, bounds, searches_spot_share(timings))
    chosen = {s.path: config_value(config, s.path) for s in service_settings + pool_settings}
    for _ in range(PASSES):
        improved = False
        for setting in service_settings + pool_settings:
            for value in setting.values:
                if value == chosen[setting.path]:
                    continue
                trial = search.trial(set_config_value(best.text, setting.path, value))
                if trial.summary is not None and trial.rank < best.rank:
                    best, chosen[setting.path], improved = trial, value, True
        if not improved:
            break
    changes = tuple((s, config_value(config, s.path), chosen[s.path]) for s in service_settings + pool_settings
                    if chosen[s.path] != config_value(config, s.path))
    return Recommendation(before, best, changes, len(search.trials) - search.invalid, search.invalid,
                          time.perf_counter() - started)
