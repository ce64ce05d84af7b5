"""The HPA model against the worked examples of the Kubernetes documentation.

Sources: kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale ("Algorithm details",
"Scaling policies", "Stabilization window", "Default Behavior", "Example: limit scale down rate",
"Example: disable scale down") and the HPA walkthrough (horizontal-pod-autoscale-walkthrough,
"Increase the load": 305 % CPU of the request against a 50 % target resizes 1 replica to 7).
"""

from __future__ import annotations

from planner.whatif.hpa import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    Hpa,
    Policy,
    Rules,
    ScaleEvent,
    external_average_value_replicas,
    per_pod_replicas,
    rules_from_config,
    scale_down_limit,
    scale_up_limit,
    value_replicas,
)
from stackconfig import ScalingRules

DOCS_SCALE_DOWN = Rules(0, (Policy("Pods", 4, 60), Policy("Percent", 10, 60)), "Max")
"""The docs' scaling-policies example: at most 4 pods or 10 % per minute, whichever removes more."""


def test_current_200m_against_100m_doubles_and_50m_halves():
    """Algorithm details: "if the current metric value is 200m, and the desired value is 100m, the number
    of replicas will be doubled ... If the current value is instead 50m, you'll halve the number"."""
    assert per_pod_replicas(3, [200, 200, 200], 100) == 6
    assert per_pod_replicas(4, [50, 50, 50, 50], 100) == 2


def test_no_scaling_within_the_tolerance_of_0_1():
    """"The control plane skips any scaling action if the ratio is sufficiently close to 1.0 (within ...
    0.1 by default)"."""
    assert per_pod_replicas(4, [108] * 4, 100) == 4
    assert per_pod_replicas(4, [92] * 4, 100) == 4
    assert per_pod_replicas(4, [115] * 4, 100) == 5
    assert external_average_value_replicas(4, 43, 10) == 4
    assert external_average_value_replicas(4, 45, 10) == 5


def test_walkthrough_305_percent_cpu_against_50_percent_target_gives_7_replicas():
    """HPA walkthrough: one php-apache replica at 305 % of its CPU request, target 50 % → 7 replicas."""
    assert per_pod_replicas(1, [305], 50) == 7


def test_missing_metrics_count_as_100_percent_of_target_on_scale_down():
    """Pods with missing metrics are assumed at "100% of the desired value in case of a scale down":
    4 pods at half the target and 2 without metrics go to 4, not to 2."""
    assert per_pod_replicas(6, [50] * 4, 100) == 2
    assert per_pod_replicas(6, [50] * 4, 100, missing=2) == 4


def test_upstream_missing_metrics_unready_scale_down_fills_the_request_not_the_target():
    """kubernetes ``replica_calculator_test.go`` ``TestReplicaCalcMissingMetricsUnreadyScaleDown``: 4 pods
    requesting 1 CPU, one without a metric, three at 100m (10 %), target 50 % → 3. The missing pod counts as
    max(100, target) = 100 % of its request; counting it at the target (50 %) would give 2."""
    assert per_pod_replicas(4, [10, 10, 10], 50, missing=1) == 3


def test_upstream_missing_metrics_target_over_100_fills_the_target():
    """``TestReplicaCalcMissingMetricsScaleDownTargetOver100``'s rule with equal requests: with a 300 % target
    a missing pod counts as 300 % of its request on a scale-down. 2 ready pods at 10 % and 1 missing:
    (10 + 10 + 300) / 3 / 300 = 0.36 → ceil(0.36 × 3) = 2 (at 100 % it would be 1)."""
    assert per_pod_replicas(4, [10, 10], 300, missing=1) == 2


def test_a_pods_metric_fills_missing_pods_with_the_target_value():
    """``GetMetricReplicas`` (Pods ``AverageValue``): a missing pod counts as the target on a scale-down."""
    assert per_pod_replicas(6, [50] * 4, 100, missing=2, utilization=False) == 4
    assert per_pod_replicas(6, [20] * 4, 300, missing=2, utilization=False) == 3


def test_legacy_path_without_behavior_takes_the_highest_recommendation_of_5_minutes():
    """``normalizeDesiredReplicas`` (an HPA without ``behavior``, as Seldon's ``hpaSpec`` makes): a drop of the
    recommendation waits for the 5-minute window, then goes all the way down at once."""
    hpa = Hpa(min_replicas=1, max_replicas=20, legacy=True)
    assert hpa.sync(6, 6, 0) == 6
    assert hpa.sync(6, 2, 15) == 6
    assert hpa.sync(6, 2, 299) == 6
    assert hpa.sync(6, 2, 300) == 2


def test_legacy_path_caps_a_scale_up_at_twice_the_replicas_or_4():
    """``convertDesiredReplicasWithRules``: ``scaleUpLimit = max(2 x current, 4)`` (scaleUpLimitFactor 2,
    scaleUpLimitMinimum 4), then ``maxReplicas``; the behaviour path would allow max(2x, +4) per 15 s."""
    assert Hpa(min_replicas=1, max_replicas=50, legacy=True).sync(1, 30, 0) == 4
    assert Hpa(min_replicas=1, max_replicas=50, legacy=True).sync(10, 30, 0) == 20
    assert Hpa(min_replicas=1, max_replicas=15, legacy=True).sync(10, 30, 0) == 15
    assert Hpa(min_replicas=1, max_replicas=50).sync(1, 30, 0) == 5


def test_missing_metrics_count_as_0_percent_on_scale_up():
    """... "and 0% in case of a scale up": 2 pods at 3× the target and 2 without metrics average 1.5× over
    4 pods → 6; at 1.2× they average 0.6×, which reverses the direction, so nothing changes."""
    assert per_pod_replicas(4, [300, 300], 100, missing=2) == 6
    assert per_pod_replicas(4, [300, 300], 100) == 6
    assert per_pod_replicas(4, [120, 120], 100, missing=2) == 4


def test_not_yet_ready_pods_dampen_a_scale_up_and_can_cancel_it():
    """Not-yet-ready pods count as 0 % on a scale-up; "if the new ratio ... is within the tolerance,
    the controller doesn't take any scaling action": 2 ready pods at 200 % and 2 unready ones average
    100 % → no change; at 300 % they average 150 % → 6."""
    assert per_pod_replicas(4, [200, 200], 100, unready=2) == 4
    assert per_pod_replicas(4, [300, 300], 100, unready=2) == 6


def test_external_average_value_divides_by_the_target_and_value_target_scales_ready_pods():
    """sls_ingress_qps with targetAverageValue 10 (the seeds): 35 QPS on 1 replica → 4 replicas.
    A Value target: 30 against 10 with 2 ready pods → 6."""
    assert external_average_value_replicas(1, 35, 10) == 4
    assert value_replicas(2, 2, 30, 10) == 6


def test_scale_down_4_pods_or_10_percent_per_minute_example():
    """Scaling policies: "if there are 80 replicas ... during the first step 8 replicas will be reduced.
    In the next iteration when the number of replicas is 72, 10% of the pods is 7.2 but the number is
    rounded up to 8 ... When the number of replicas falls below 40 the first policy (Pods) is applied"."""
    assert scale_down_limit(80, DOCS_SCALE_DOWN, [], [], now=0) == 72
    assert scale_down_limit(72, DOCS_SCALE_DOWN, [], [], now=0) == 64
    assert scale_down_limit(40, DOCS_SCALE_DOWN, [], [], now=0) == 36
    assert scale_down_limit(30, DOCS_SCALE_DOWN, [], [], now=0) == 26


def test_select_policy_min_picks_the_smallest_change():
    """Example: limit scale down rate — 10 % and 5 pods per minute with selectPolicy Min: from 80 at most
    5 pods go (10 % would be 8); from 30 at most 3 (10 %, fewer than 5)."""
    rules = Rules(0, (Policy("Percent", 10, 60), Policy("Pods", 5, 60)), "Min")
    assert scale_down_limit(80, rules, [], [], now=0) == 75
    assert scale_down_limit(30, rules, [], [], now=0) == 27


def test_default_scale_up_adds_4_pods_or_100_percent_every_15_seconds():
    """Default Behavior: "4 pods or a 100% of the currently running replicas will be added every 15 seconds"."""
    assert scale_up_limit(2, DEFAULT_SCALE_UP, [], [], now=0) == 6
    assert scale_up_limit(10, DEFAULT_SCALE_UP, [], [], now=0) == 20


def test_policy_counts_changes_made_earlier_in_its_period():
    """periodSeconds "indicates the length of time in the past for which the policy must hold true": after
    removing 4 pods at t=0, no more may go until the minute has passed."""
    rules = Rules(0, (Policy("Pods", 4, 60),), "Max")
    events = [ScaleEvent(0, 4)]
    assert scale_down_limit(76, rules, [], events, now=30) == 76
    assert scale_down_limit(76, rules, [], events, now=61) == 72


def test_walkthrough_scale_up_is_rate_limited_by_the_default_policies():
    """The walkthrough's 1 → 7 happens in two syncs under the default behaviour: 1 + 4 pods = 5 first
    (100 % would be 2), then 7 one sync period (15 s) later."""
    hpa = Hpa(min_replicas=1, max_replicas=10)
    assert hpa.sync(1, per_pod_replicas(1, [305], 50), now=0) == 5
    assert hpa.sync(5, 7, now=15) == 7


def test_scale_down_stabilization_uses_the_highest_recommendation_of_the_window():
    """Stabilization window: "uses the highest value from the specified interval ... all desired states
    from the past 5 minutes will be considered"."""
    hpa = Hpa(min_replicas=1, max_replicas=20, scale_down=DEFAULT_SCALE_DOWN)
    assert hpa.sync(10, 10, now=0) == 10
    assert hpa.sync(10, 2, now=60) == 10
    assert hpa.sync(10, 2, now=299) == 10
    assert hpa.sync(10, 2, now=301) == 2


def test_change_downscale_stabilization_window_to_one_minute():
    """Example: change downscale stabilization window — ``stabilizationWindowSeconds: 60``."""
    hpa = Hpa(min_replicas=1, max_replicas=20, scale_down=Rules(60, DEFAULT_SCALE_DOWN.policies))
    hpa.sync(10, 10, now=0)
    assert hpa.sync(10, 3, now=45) == 10
    assert hpa.sync(10, 3, now=61) == 3


def test_disabled_select_policy_prevents_scale_down():
    """Example: disable scale down — ``selectPolicy: Disabled``."""
    hpa = Hpa(min_replicas=1, max_replicas=20, scale_down=Rules(0, DEFAULT_SCALE_DOWN.policies, "Disabled"))
    assert hpa.sync(10, 1, now=0) == 10
    assert hpa.sync(10, 15, now=15) == 15


def test_replicas_are_clamped_to_min_and_max():
    hpa = Hpa(min_replicas=2, max_replicas=10, scale_down=Rules(0, DEFAULT_SCALE_DOWN.policies))
    assert hpa.sync(8, 50, now=0) == 10
    assert hpa.sync(10, 0, now=15) == 2
    assert hpa.sync(12, 12, now=30) == 10
    assert hpa.sync(1, 1, now=45) == 2


def test_config_rules_merge_with_the_kubernetes_defaults():
    """"Custom values are merged with default values": no policies in config means the default policies."""
    merged = rules_from_config(ScalingRules.model_validate({"stabilizationWindowSeconds": 60}), DEFAULT_SCALE_DOWN)
    assert merged == Rules(60, DEFAULT_SCALE_DOWN.policies, "Max")
    custom = rules_from_config(ScalingRules.model_validate(
        {"stabilizationWindowSeconds": 0, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 30}],
         "selectPolicy": "Min"}), DEFAULT_SCALE_UP)
    assert custom == Rules(0, (Policy("Pods", 2, 30),), "Min")
