"""The KEDA model against keda.sh/docs/2.21: "Scaling Deployments" (Activating and Scaling thresholds)
and "ScaledObject specification" (pollingInterval, cooldownPeriod, minReplicaCount)."""

from __future__ import annotations

import numpy as np

from planner.whatif.hpa import external_average_value_replicas
from planner.whatif.inputs import Timings
from planner.whatif.keda import KedaOperator, hpa_min_replicas, is_active
from planner.whatif.run import Load, default_demand, fleet_setup, simulate, stack_prices

from paths import DATA
from whatif_runs import load


def test_activation_needs_a_value_strictly_above_the_threshold():
    """"Activation only occurs when this value is greater than the set value; not greater than or equal
    to ... activationThreshold: 0 will only activate when the metric value is 1 or more"."""
    assert not is_active(0, 0)
    assert is_active(1, 0)
    assert not is_active(50, 50)


def test_activation_wins_over_the_scaling_threshold():
    """"threshold: 10 and activationThreshold: 50, in case of 40 messages the scaler is not active and
    it'll be scaled to zero even the HPA requires 4 instances"."""
    assert external_average_value_replicas(4, 40, 10) == 4
    operator = KedaOperator(min_replica_count=0, activation_threshold=50, cooldown_seconds=300)
    assert operator.poll(replicas=4, value=40, now=0) == 0


def test_from_zero_keda_scales_to_min_replica_count_or_one():
    """Activation phase: "KEDA sets the replica count to minReplicaCount if it is greater than 0, or to 1
    otherwise"; the generated HPA's minReplicas is 1 when minReplicaCount is 0."""
    assert KedaOperator(0, 0, 300).poll(replicas=0, value=5, now=0) == 1
    assert KedaOperator(3, 0, 300).poll(replicas=0, value=5, now=0) == 3
    assert hpa_min_replicas(0) == 1 and hpa_min_replicas(3) == 3


def test_scale_to_zero_waits_for_the_cooldown_after_the_last_active_poll():
    """cooldownPeriod: "The period to wait after the last trigger reported active before scaling the
    resource back to 0" (default 300 s); while active KEDA leaves 1 ↔ N to the HPA."""
    operator = KedaOperator(0, 0, 300)
    assert operator.poll(replicas=2, value=5, now=0) is None
    assert operator.poll(replicas=2, value=0, now=30) is None
    assert operator.poll(replicas=2, value=0, now=299) is None
    assert operator.poll(replicas=2, value=0, now=300) == 0


def test_no_scale_to_zero_when_min_replica_count_is_above_zero():
    """"If minReplicaCount is greater than 0 and idleReplicaCount is not set, inactive triggers do not
    cause the workload to scale to zero"."""
    operator = KedaOperator(1, 0, 300)
    assert operator.poll(replicas=1, value=0, now=10_000) is None


def test_simulated_keda_service_scales_to_zero_and_back():
    """The spike pattern with base 0: the service idles at 0 replicas, wakes on the spike within a
    polling interval plus start-up, and returns to 0 one cooldown after the load stops."""
    config = load(DATA / "whatif-keda.yaml")
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    setup = fleet.services[0]
    series = simulate(fleet, [default_demand(setup, Load("spike", 3600, base_qps=0.0, peak_qps=50.0))]).services[0]
    replicas = series.replicas
    assert replicas[0] == 0 and replicas.max() >= 5
    first_up = int(np.flatnonzero(replicas > 0)[0])
    assert 1080 <= first_up <= 1080 + 30 + 60  # spike at 30 % of an hour; ≤ one poll after the 60 s rate window fills
    spike_end = 1260
    back_to_zero = spike_end + int(np.flatnonzero(replicas[spike_end:] == 0)[0])
    assert back_to_zero >= spike_end + 300
    assert not series.ready[back_to_zero + 60:].any() and not series.capacity[back_to_zero + 60:].any()
