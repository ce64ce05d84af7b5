"""The HorizontalPodAutoscaler (``autoscaling/v2``) as the Kubernetes documentation describes it.

Source: kubernetes.io "Horizontal Pod Autoscaling" (Algorithm details, Configurable scaling behavior,
Default Behavior); where the page leaves a detail open (rounding of percent policies, how replica
changes are counted per period, the order of stabilisation and rate limits) the model follows the
controller it documents, ``pkg/controller/podautoscaler`` (``replica_calculator.go``, ``horizontal.go``).

The replica calculations are plain functions; :class:`Hpa` adds the state the controller keeps
between syncs (recommendations for the stabilisation windows, scale events for the rate limits).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

from stackconfig import ScalingRules

SelectPolicy = Literal["Max", "Min", "Disabled"]


@dataclass(frozen=True)
class Policy:
    type: Literal["Pods", "Percent"]
    value: int
    period_seconds: int


@dataclass(frozen=True)
class Rules:
    """One direction of ``behavior`` with every default filled in."""

    stabilization_window_seconds: int
    policies: tuple[Policy, ...]
    select_policy: SelectPolicy = "Max"


DEFAULT_SCALE_UP = Rules(0, (Policy("Percent", 100, 15), Policy("Pods", 4, 15)), "Max")
"""Default Behavior: no stabilisation; add 100 % or 4 pods every 15 s, whichever is more."""
DEFAULT_SCALE_DOWN = Rules(300, (Policy("Percent", 100, 15),), "Max")
"""Default Behavior: 300 s stabilisation; remove up to 100 % of the pods every 15 s."""
LEGACY_DOWNSCALE_STABILIZATION_SECONDS = 300
"""``--horizontal-pod-autoscaler-downscale-stabilization`` default (5 minutes), the window of the legacy path."""


def rules_from_config(config: ScalingRules, default: Rules) -> Rules:
    """Merge a config direction with the Kubernetes defaults: "custom values are merged with default
    values" — empty ``policies`` take the default policies."""
    policies = tuple(Policy(p.type, p.value, p.period_seconds) for p in config.policies) or default.policies
    return Rules(config.stabilization_window_seconds, policies, config.select_policy)


# --------------------------------------------------------------------------- replica calculations


def within_tolerance(ratio: float, tolerance: float) -> bool:
    return abs(1.0 - ratio) <= tolerance


def per_pod_replicas(current_replicas: int, ready_values: Sequence[float], target: float, *,
                     unready: int = 0, missing: int = 0, tolerance: float = 0.1, utilization: bool = True) -> int:
    """Replicas for a per-pod average (Resource ``Utilization`` when ``utilization``, else a Pods ``AverageValue``).

    ``ready_values`` are the metric values of ready pods (percent of the request for a utilisation, all pods
    requesting the same); ``unready`` pods (not yet ready, set aside) and ``missing`` pods (no metric) dampen the
    result as ``replica_calculator.go`` does: on a scale-down a missing pod counts as using ``max(100, target)``
    percent of its request (``GetResourceReplicas``; the target value for a Pods metric, ``GetMetricReplicas``),
    on a scale-up 0; unready pods count as 0 on a scale-up; if the recomputed ratio is within tolerance or
    reverses the direction, nothing changes.
    """
    if not ready_values:
        return current_replicas
    usage_ratio = sum(ready_values) / len(ready_values) / target
    scale_up_with_unready = unready > 0 and usage_ratio > 1.0
    if not scale_up_with_unready and missing == 0:
        if within_tolerance(usage_ratio, tolerance):
            return current_replicas
        return math.ceil(usage_ratio * len(ready_values))
    values = list(ready_values)
    if missing:
        scale_down_fill = max(100.0, target) if utilization else target
        values += [scale_down_fill if usage_ratio < 1.0 else 0.0] * missing
    if scale_up_with_unready:
        values += [0.0] * unready
    new_ratio = sum(values) / len(values) / target
    if within_tolerance(new_ratio, tolerance) or (usage_ratio < 1.0 < new_ratio) or (usage_ratio > 1.0 > new_ratio):
        return current_replicas
    new_replicas = math.ceil(new_ratio * len(values))
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
        return current_replicas
    return new_replicas


def external_average_value_replicas(current_replicas: int, total: float, target_per_pod: float,
                                    tolerance: float = 0.1) -> int:
    """External metric with an ``AverageValue`` target (``sls_ingress_qps``, KEDA's default metric type):
    the metric is divided by the current replica count; outside tolerance the answer is ``ceil(total/target)``."""
    if current_replicas > 0 and within_tolerance(total / (target_per_pod * current_replicas), tolerance):
        return current_replicas
    return math.ceil(total / target_per_pod)


def value_replicas(current_replicas: int, ready_pods: int, value: float, target: float, tolerance: float = 0.1) -> int:
    """Object or External metric with a ``Value`` target: ``ceil(ready pods × value/target)``."""
    ratio = value / target
    if current_replicas == 0:
        return math.ceil(ratio)
    if within_tolerance(ratio, tolerance):
        return current_replicas
    return math.ceil(ratio * ready_pods)


# --------------------------------------------------------------------------- behaviour


@dataclass(frozen=True)
class ScaleEvent:
    time: float
    change: int


def _change_in_period(events: Sequence[ScaleEvent], now: float, period: int) -> int:
    return sum(e.change for e in events if e.time > now - period)


def _period_start(current: int, up_events: Sequence[ScaleEvent], down_events: Sequence[ScaleEvent],
                  now: float, period: int) -> int:
    """Replicas at the start of a policy's period: today's count less what was added, plus what was
    removed since (the controller's ``periodStartReplicas``, for both directions)."""
    return current - _change_in_period(up_events, now, period) + _change_in_period(down_events, now, period)


def _proposals(current: int, rules: Rules, up_events: Sequence[ScaleEvent], down_events: Sequence[ScaleEvent],
               now: float, propose: Callable[[int, Any], int]) -> list[int]:
    """Each policy's proposal, from the replica count at the beginning of that policy's period."""
    return [propose(_period_start(current, up_events, down_events, now, policy.period_seconds), policy)
            for policy in rules.policies]


def scale_up_limit(current: int, rules: Rules, up_events: Sequence[ScaleEvent],
                   down_events: Sequence[ScaleEvent], now: float) -> int:
    """Most replicas the scale-up policies allow now. Each policy starts from the replica count at the
    beginning of its period; ``Percent`` rounds up so a small deployment can always grow."""
    if rules.select_policy == "Disabled":
        return current
    proposals = _proposals(current, rules, up_events, down_events, now, lambda start, policy: (
        start + policy.value if policy.type == "Pods" else math.ceil(start * (1 + policy.value / 100))))
    return max(proposals) if rules.select_policy == "Max" else min(proposals)


def scale_down_limit(current: int, rules: Rules, up_events: Sequence[ScaleEvent],
                     down_events: Sequence[ScaleEvent], now: float) -> int:
    """Fewest replicas the scale-down policies allow now; ``Max`` picks the policy allowing the biggest
    change (the lowest count). ``Percent`` truncates (the docs' 80 → 72 → 64 example)."""
    if rules.select_policy == "Disabled":
        return current
    proposals = _proposals(current, rules, up_events, down_events, now, lambda start, policy: (
        start - policy.value if policy.type == "Pods" else int(start * (1 - policy.value / 100))))
    return min(proposals) if rules.select_policy == "Max" else max(proposals)


@dataclass
class Hpa:
    """The controller's state for one HPA, and one sync step (:meth:`sync`)."""

    min_replicas: int
    max_replicas: int
    scale_up: Rules = DEFAULT_SCALE_UP
    scale_down: Rules = DEFAULT_SCALE_DOWN
    legacy: bool = False
    """An HPA without ``behavior`` (Seldon's ``hpaSpec``): the controller's ``normalizeDesiredReplicas`` path, see
    :meth:`legacy_normalize`."""
    recommendations: deque[list] = field(default_factory=deque)
    """Past recommendations as runs ``[first time, last time, replicas]`` of equal consecutive values."""
    up_events: deque[ScaleEvent] = field(default_factory=deque)
    down_events: deque[ScaleEvent] = field(default_factory=deque)

    def _forget_old(self, now: float) -> None:
        horizon = LEGACY_DOWNSCALE_STABILIZATION_SECONDS if self.legacy else \
            max(self.scale_up.stabilization_window_seconds, self.scale_down.stabilization_window_seconds)
        while self.recommendations and self.recommendations[0][1] <= now - horizon:
            self.recommendations.popleft()
        longest = max(p.period_seconds for p in self.scale_up.policies + self.scale_down.policies)
        for events in (self.up_events, self.down_events):
            while events and events[0].time <= now - longest:
                events.popleft()

    def _record(self, now: float, desired: int) -> None:
        last = self.recommendations[-1] if self.recommendations else None
        if last is not None and last[2] == desired:
            last[1] = now
        else:
            self.recommendations.append([now, now, desired])

    def _window(self, cutoff: float) -> list[int]:
        return [r for _, last, r in self.recommendations if last > cutoff]

    def stabilize(self, current: int, desired: int, now: float) -> int:
        """Bring ``desired`` within the stabilisation limits: the lowest recommendation of the scale-up
        window and the highest of the scale-down window (both including ``desired``), then record it."""
        up_limit = min(self._window(now - self.scale_up.stabilization_window_seconds) + [desired])
        down_limit = max(self._window(now - self.scale_down.stabilization_window_seconds) + [desired])
        self._record(now, desired)
        return min(max(current, up_limit), down_limit)

    def sync(self, current: int, metric_desired: int, now: float) -> int:
        """One reconcile: min/max first when out of bounds, else stabilise the metric's recommendation,
        apply the rate limits and the bounds; record a scale event when the count changes."""
        runs = self.recommendations
        if (metric_desired == current and len(runs) == 1 and runs[0][2] == current
                and self.min_replicas <= current <= self.max_replicas):
            runs[0][1] = now  # steady: every recommendation in the windows is the current count
            return current
        self._forget_old(now)
        if current > self.max_replicas:
            desired = self.max_replicas
        elif current < self.min_replicas:
            desired = self.min_replicas
        elif self.legacy:
            desired = self.legacy_normalize(current, metric_desired, now)
        else:
            stabilized = self.stabilize(current, metric_desired, now)
            desired = self._rate_limited(current, stabilized, now)
        if desired > current:
            self.up_events.append(ScaleEvent(now, desired - current))
        elif desired < current:
            self.down_events.append(ScaleEvent(now, current - desired))
        return desired

    def legacy_normalize(self, current: int, desired: int, now: float) -> int:
        """``horizontal.go`` ``normalizeDesiredReplicas`` for an HPA without ``behavior``: the highest
        recommendation of the last ``--horizontal-pod-autoscaler-downscale-stabilization`` (5 min, the scale-down
        window) including this one (``stabilizeRecommendation``), then ``convertDesiredReplicasWithRules``: at most
        ``max(2 x current, 4)`` (``scaleUpLimitFactor``, ``scaleUpLimitMinimum``) and ``maxReplicas``, at least
        ``minReplicas`` (1 when it is 0)."""
        stabilized = max(self._window(now - LEGACY_DOWNSCALE_STABILIZATION_SECONDS) + [desired])
        self._record(now, desired)
        upper = min(max(2 * current, 4), self.max_replicas)
        return max(min(stabilized, upper), max(1, self.min_replicas))

    def _rate_limited(self, current: int, desired: int, now: float) -> int:
        if desired > current:
            limit = max(current, scale_up_limit(current, self.scale_up, self.up_events, self.down_events, now))
            return min(desired, self.max_replicas, limit)
        if desired < current:
            limit = min(current, scale_down_limit(current, self.scale_down, self.up_events, self.down_events, now))
            return max(desired, self.min_replicas, limit)
        return desired
