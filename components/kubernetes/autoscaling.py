"""Autoscaler specs from ``AutoscalingConfig``, shared by plain workloads and SeldonDeployments.

:func:`hpa_metrics` and :func:`hpa_behavior` feed both an ``autoscaling/v2`` HorizontalPodAutoscaler and
Seldon's ``hpaSpec.metricsv2``; :func:`keda_spec` (``keda`` and ``gpu``) feeds both a ``keda.sh/v1alpha1`` ScaledObject and
Seldon's ``kedaSpec`` (the two share their field names; checked against the KEDA and Seldon v1 CRDs).
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi

from stackconfig import AutoscalingConfig, BehaviorConfig, KedaAuthentication, ScalingRules, ServiceConfig

from . import monitoring
from .context import MetricsBackend, PrometheusAccess, QpsMetric
from .secret_values import secret_input


def qps_route(namespace: str, service_name: str, port: int) -> str:
    """The route of an Ingress backend as QPS metrics name it: ``<namespace>-<service>-<port>``
    (the ESS guide's ``default-fashion-mnist-ecs-predictor-8000``)."""
    return f"{namespace}-{service_name}-{port}"


def quantity(value: float) -> str:
    """A Kubernetes quantity for a per-pod target: ``10`` or, for fractions, milli-units (``2.5`` -> ``2500m``)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{round(value * 1000)}m"


def hpa_metrics(autoscaling: AutoscalingConfig, *, qps: Optional[QpsMetric], route: str) -> list[dict[str, Any]]:
    """The ``autoscaling/v2`` ``metrics`` of an HPA mode (``qps``, ``cpu``, ``memory``).

    ``qps``: the cluster's External QPS metric selected for the route of the service's Ingress backend, target
    ``AverageValue`` per pod (the ECI guide's ``autoscaling/v2beta2`` HPA, ported to ``autoscaling/v2``).
    ``cpu``/``memory``: ``Resource`` ``Utilization`` of the requests.
    """
    mode = autoscaling.mode
    if mode == "qps":
        assert autoscaling.qps is not None
        if qps is None:
            raise ValueError("autoscaling mode qps needs a cluster that counts ingress QPS")
        return [{"type": "External", "external": {
            "metric": {"name": qps.metric_name, "selector": {"matchLabels": dict(qps.selector(route))}},
            "target": {"type": "AverageValue", "averageValue": quantity(autoscaling.qps.target_per_pod)},
        }}]
    if mode in ("cpu", "memory"):
        metric = autoscaling.cpu if mode == "cpu" else autoscaling.memory
        assert metric is not None
        return [{"type": "Resource", "resource": {
            "name": mode, "target": {"type": "Utilization", "averageUtilization": metric.target_utilization}}}]
    raise ValueError(f"autoscaling mode {mode} is not an HPA metric")


def _rules(rules: ScalingRules) -> dict[str, Any]:
    result: dict[str, Any] = {"stabilizationWindowSeconds": rules.stabilization_window_seconds,
                              "selectPolicy": rules.select_policy}
    # No policies means Kubernetes' default rate limits; an explicit empty list is not the same thing.
    if rules.policies:
        result["policies"] = [{"type": p.type, "value": p.value, "periodSeconds": p.period_seconds}
                              for p in rules.policies]
    return result


def hpa_behavior(behavior: BehaviorConfig) -> dict[str, Any]:
    """``autoscaling/v2`` ``behavior``: scale-up and scale-down rules."""
    return {"scaleUp": _rules(behavior.scale_up), "scaleDown": _rules(behavior.scale_down)}


def secret_access(authentication: Optional[KedaAuthentication]) -> Optional[PrometheusAccess]:
    """KEDA's access of configured credentials: their mode and parameters, as secret Outputs."""
    if authentication is None:
        return None
    return PrometheusAccess(auth_mode=authentication.mode, secret_parameters={
        name: secret_input(value) for name, value in authentication.parameters.items()})


def keda_source(service: ServiceConfig, metrics: Optional[MetricsBackend]) -> tuple[pulumi.Input[str], Optional[PrometheusAccess]]:
    """The Prometheus a ``keda`` or ``gpu`` service's trigger queries, and how KEDA authenticates to it: the
    trigger's own ``serverAddress`` and ``authentication``, or else the stack's metrics backend and its access."""
    keda = service.autoscaling.keda
    if keda is not None and keda.server_address is not None:
        return keda.server_address, secret_access(keda.authentication)
    if metrics is None:
        raise ValueError(f"service {service.name} autoscales on Prometheus, but the cluster has no metrics backend")
    return metrics.query_url, metrics.access


def keda_trigger(service: ServiceConfig, metrics: Optional[MetricsBackend]) -> dict[str, Any]:
    """The ScaledObject's one Prometheus trigger. ``keda``: the configured query, KEDA's default metric type
    ``AverageValue`` (the query is a total, divided by the replicas). ``gpu``: the average GPU utilisation of the pods
    (:func:`components.kubernetes.monitoring.gpu_utilization_query`) with ``metricType: Value``, so the HPA compares the
    average itself with the target (replicas = ceil(current * average / target)). ``threshold`` and
    ``activationThreshold`` are strings because trigger metadata is a string map (KEDA CRD). With access the trigger
    names its credentials' mode in ``authModes`` (KEDA ``authentication_types.go``), adds the access' metadata and
    refers to the service's TriggerAuthentication (:func:`trigger_authentication_spec`), named after the service."""
    scaling = service.autoscaling
    url, access = keda_source(service, metrics)
    if scaling.keda is not None:
        trigger: dict[str, Any] = {"type": "prometheus", "metadata": {
            "serverAddress": url,
            "query": scaling.keda.query,
            "threshold": f"{scaling.keda.threshold:g}",
            "activationThreshold": f"{scaling.keda.activation_threshold:g}",
        }}
    elif scaling.gpu is not None:
        trigger = {"type": "prometheus", "metricType": "Value", "metadata": {
            "serverAddress": url,
            "query": monitoring.gpu_utilization_query(service),
            "threshold": str(scaling.gpu.target_utilization),
        }}
    else:
        raise ValueError("autoscaling mode is not keda or gpu")
    if access is not None:
        if access.auth_mode is not None:
            trigger["metadata"]["authModes"] = access.auth_mode
        trigger["metadata"].update(access.trigger_metadata)
        trigger["authenticationRef"] = {"name": service.name}
    return trigger


def keda_spec(service: ServiceConfig, metrics: Optional[MetricsBackend]) -> dict[str, Any]:
    """The ScaledObject fields of a ``keda`` or ``gpu`` service, without ``scaleTargetRef``: :func:`keda_trigger`,
    the polling and cooldown periods, and the replica bounds. ``minReplicaCount`` 0 lets KEDA scale to zero; the HPA
    it creates gets the configured ``behavior``."""
    scaling = service.autoscaling
    polling = scaling.keda or scaling.gpu
    if polling is None:
        raise ValueError("autoscaling mode is not keda or gpu")
    return {
        "pollingInterval": polling.polling_interval_seconds,
        "cooldownPeriod": polling.cooldown_period_seconds,
        "minReplicaCount": scaling.min_replicas,
        "maxReplicaCount": scaling.max_replicas,
        "triggers": [keda_trigger(service, metrics)],
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": hpa_behavior(scaling.behavior)}},
    }


def trigger_authentication_spec(access: PrometheusAccess, secret: Optional[pulumi.Input[str]]) -> dict[str, Any]:
    """``keda.sh/v1alpha1`` TriggerAuthentication spec: KEDA's pod identity, or each secret parameter from its key of
    the Secret ``secret`` (made from ``access.secret_parameters``)."""
    if access.pod_identity is not None:
        return {"podIdentity": {"provider": access.pod_identity}}
    return {"secretTargetRef": [{"parameter": name, "name": secret, "key": name}
                                for name in access.secret_parameters]}
