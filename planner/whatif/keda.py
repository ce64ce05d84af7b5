"""KEDA's part of a ``ScaledObject``: activation and the 0 ↔ 1 step; the HPA it creates does 1 ↔ N.

Source: keda.sh/docs/2.21 "Scaling Deployments" (Activating and Scaling thresholds) and "ScaledObject
specification" (pollingInterval, cooldownPeriod, minReplicaCount):

- every ``pollingInterval`` the operator queries the trigger; it is *active* only when the value is
  strictly greater than ``activationThreshold`` (default 0);
- from 0 replicas an active trigger scales the workload to ``minReplicaCount`` if above 0, else 1;
- when the trigger has not been active for ``cooldownPeriod`` the operator scales to 0, but only when
  ``minReplicaCount`` is 0; activation wins over the scaling threshold;
- the generated HPA has ``minReplicas`` = max(1, minReplicaCount), ``maxReplicas`` = maxReplicaCount and
  an External metric with an ``AverageValue`` target of ``threshold`` (the Prometheus scaler's default
  metric type); it scales 1 ↔ N on the HPA's own sync period.
"""

from __future__ import annotations

from dataclasses import dataclass


def is_active(value: float, activation_threshold: float) -> bool:
    """Activation only when the value is greater than the threshold, "not greater than or equal to"."""
    return value > activation_threshold


def hpa_min_replicas(min_replica_count: int) -> int:
    return max(1, min_replica_count)


@dataclass
class KedaOperator:
    """The operator's loop for one ScaledObject; :meth:`poll` returns the replicas it sets, or None."""

    min_replica_count: int
    activation_threshold: float
    cooldown_seconds: int
    last_active: float | None = None

    def poll(self, replicas: int, value: float, now: float) -> int | None:
        if is_active(value, self.activation_threshold):
            self.last_active = now
            if replicas == 0:
                return hpa_min_replicas(self.min_replica_count)
            return None
        idle_since = self.last_active
        if (replicas > 0 and self.min_replica_count == 0
                and (idle_since is None or now - idle_since >= self.cooldown_seconds)):
            return 0
        return None
