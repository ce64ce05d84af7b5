"""An inference service deployed onto an existing platform stack: the app teams' component.

The arguments are the catalog entry of a stack file (``services[]``, see the README's configuration
reference) as typed dictionaries, so Pulumi can infer a schema from them and every Pulumi language
can use the component (``pulumi package add``, see ``plugin/``). Two keys of the catalog entry are
not arguments: ``namespace`` and ``model.source``, because a service deployed this way reads its
model from the platform's model store, whose claim lives in the platform's namespace.

This module deliberately does not use ``from __future__ import annotations``: Pulumi's schema
inference reads the annotations of the argument classes as real types.
"""

import typing
from typing import Any, NotRequired, Optional, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from components.kubernetes.addons import required_addons
from components.kubernetes.context import NO_BURST, BurstTarget, ClusterContext, QpsMetric
from components.kubernetes.inference_service import InferenceService as ServiceWorkload
from components.kubernetes.inference_service import InferenceServiceArgs as ServiceWorkloadArgs
from components.outputs import AlicloudOutputs, AwsOutputs, PlatformOutputs, read_platform
from stackconfig.errors import StackConfigError, issues_from_validation_error
from stackconfig import ClaimRef, ServiceConfig


# --------------------------------------------------------------------------- arguments


class VersionPolicyArgs(TypedDict, total=False):
    """Model versions to serve (``model.versionPolicy``): set exactly one key. Default: the newest version."""

    latest: int
    """Serve the newest N versions."""
    specific: list[int]
    """Serve exactly these versions, e.g. ``[1623831335]``."""
    all: bool
    """``true``: serve every version found."""


class ModelArgs(TypedDict):
    """The model served (``model``), read from the platform's OSS model store."""

    name: str
    """Model name as the server knows it (TF Serving ``--model_name``, Triton model folder)."""
    path: str
    """Folder of the model (TF Serving) or model repository (Triton) inside the model store, e.g. ``models/bert``."""
    version_policy: NotRequired[VersionPolicyArgs]
    """Versions to serve (not for Triton, which reads its policy from ``config.pbtxt``). Default: the newest one."""


class ResourcesArgs(TypedDict, total=False):
    """Compute per replica (``resources``)."""

    gpus: int
    """NVIDIA GPUs per replica (``nvidia.com/gpu``); 0 serves on CPU. Default: 1."""
    cpu: str
    """CPU request and limit, e.g. ``"2"`` or ``"500m"``. Default: ``"2"``."""
    memory: str
    """Memory request and limit, e.g. ``"8Gi"``. Default: ``"8Gi"``."""


class PlacementArgs(TypedDict, total=False):
    """ECS node placement (``placement``)."""

    node_selector: dict[str, str]
    """Node labels the pods require; they must match labels of one of the platform's node pools. Default: none."""


class BurstArgs(TypedDict, total=False):
    """Bursting onto ECI through the platform's virtual nodes (``burst``)."""

    mode: str
    """``none`` (ECS nodes only, the default), ``overflow`` (ECI when the nodes are full) or ``only`` (ECI only)."""
    eci_gpu_specs: list[str]
    """ECI GPU instance types, required when a GPU service bursts, e.g. ``["ecs.gn6i-c4g1.xlarge"]``."""
    image_cache: bool
    """Let ECI create and use image caches automatically. Default: true."""
    spot: bool
    """Run ECI pods as spot instances at market price. Default: false."""


class ScalingPolicyArgs(TypedDict):
    """One rate limit of the autoscaler (``policies[]``)."""

    type: str
    """``Pods`` or ``Percent``."""
    value: int
    """Pods, or percent of the current replicas, per period."""
    period_seconds: int
    """Length of the period in seconds (1-1800)."""


class ScalingRulesArgs(TypedDict):
    """Scale-up or scale-down rules of the autoscaler."""

    stabilization_window_seconds: int
    """Seconds of past recommendations the autoscaler considers before changing the replica count."""
    policies: NotRequired[list[ScalingPolicyArgs]]
    """Rate limits; none means Kubernetes' defaults."""
    select_policy: NotRequired[str]
    """``Max`` (the default), ``Min`` or ``Disabled``."""


class BehaviorArgs(TypedDict, total=False):
    """How fast the autoscaler scales (``autoscaling.behavior``)."""

    scale_up: ScalingRulesArgs
    """Scale-up rules. Default: no stabilisation, Kubernetes' default rate limits."""
    scale_down: ScalingRulesArgs
    """Scale-down rules. Default: a 5-minute stabilisation window."""


class QpsArgs(TypedDict):
    """Autoscaling on the ingress requests per second counted by the platform's log service (``autoscaling.qps``)."""

    target_per_pod: float
    """Average QPS per replica to aim for, e.g. 10."""


class UtilizationArgs(TypedDict):
    """Autoscaling on average CPU or memory utilisation (``autoscaling.cpu``, ``autoscaling.memory``)."""

    target_utilization: int
    """Average utilisation in percent of the request."""


class KedaArgs(TypedDict):
    """KEDA ``ScaledObject`` with a Prometheus trigger (``autoscaling.keda``); the platform must run KEDA."""

    server_address: str
    """Prometheus URL."""
    query: str
    """PromQL query whose value is compared with ``threshold``."""
    threshold: float
    """Target value per replica."""
    activation_threshold: NotRequired[float]
    """Above this value KEDA scales from 0 to 1. Default: 0."""
    polling_interval_seconds: NotRequired[int]
    """How often KEDA queries Prometheus, in seconds. Default: 30."""
    cooldown_period_seconds: NotRequired[int]
    """Seconds after the last active trigger before scaling to zero. Default: 300."""


class AutoscalingArgs(TypedDict):
    """Replica bounds and exactly one of ``qps``, ``cpu``, ``memory``, ``keda`` (``autoscaling``)."""

    min_replicas: NotRequired[int]
    """Fewest replicas; 0 (scale to zero) only with ``keda``. Default: 1."""
    max_replicas: int
    """Most replicas."""
    behavior: NotRequired[BehaviorArgs]
    """Scale-up and scale-down behaviour."""
    qps: NotRequired[QpsArgs]
    """Scale on ingress QPS; needs ``ingress``."""
    cpu: NotRequired[UtilizationArgs]
    """Scale on CPU utilisation."""
    memory: NotRequired[UtilizationArgs]
    """Scale on memory utilisation."""
    keda: NotRequired[KedaArgs]
    """Scale with KEDA on a Prometheus query."""


class IngressArgs(TypedDict):
    """Ingress of the service (``ingress``)."""

    host: str
    """Host name routed to the service."""
    path: NotRequired[str]
    """Path prefix. Default: ``/``."""
    class_name: NotRequired[str]
    """IngressClass. Default: ``nginx``, ACK's NGINX ingress controller."""
    tls_secret_name: NotRequired[str]
    """Secret with the TLS certificate for ``host``; no TLS when unset."""


class SeldonArgs(TypedDict):
    """Seldon options (``seldon``), only with ``server: seldon``; the platform must run Seldon Core."""

    implementation: str
    """``tfserving`` (TF Serving behind Seldon's proxy, the default) or ``triton``."""


class InferenceServiceArgs(TypedDict):
    """An inference service on an existing platform stack: the catalog entry of a stack file
    (``services[]``) without ``namespace`` and ``model.source``, and the platform stack to deploy onto."""

    platform_stack: str
    """Fully qualified name of the platform stack, ``<organization>/<project>/<stack>``, e.g. ``acme/elastic-inference/prod``.
    Its outputs ``kubeconfig``, ``clusterId``, ``logProject``, ``modelClaimName`` and ``modelClaimNamespace`` place the service."""
    name: str
    """Service name (a DNS label, unique in the platform's namespace); names the Deployment, Service, Ingress, ..."""
    server: str
    """``tfserving``, ``triton`` or ``seldon``."""
    seldon: NotRequired[SeldonArgs]
    """Seldon options; only with ``server: seldon``."""
    image: NotRequired[str]
    """Server image with a tag or digest. Default: a pinned image per server kind and GPU/CPU."""
    model: ModelArgs
    """The model served."""
    resources: NotRequired[ResourcesArgs]
    """Compute per replica. Default: 1 GPU, 2 CPUs, 8Gi."""
    placement: NotRequired[PlacementArgs]
    """ECS node placement. Default: any node pool whose taints the pods tolerate."""
    burst: NotRequired[BurstArgs]
    """ECI burst. Default: none."""
    autoscaling: AutoscalingArgs
    """Replica bounds and autoscaler."""
    ingress: NotRequired[IngressArgs]
    """Ingress; required by ``autoscaling.qps``."""
    env: NotRequired[dict[str, str]]
    """Extra environment variables of the server container; credentials are refused."""


PLATFORM_ONLY_KEYS = frozenset({"platform_stack"})
"""Arguments that place the service rather than describe it; not part of the catalog entry."""


# --------------------------------------------------------------------------- translation


def _typed_dict(annotation: Any) -> Optional[type]:
    return annotation if typing.is_typeddict(annotation) else None


def catalog_entry(args: typing.Mapping[str, Any], kind: type = InferenceServiceArgs) -> dict[str, Any]:
    """The stack-file catalog entry (camelCase keys) that ``args`` (snake_case keys of ``kind``) describe.

    Only keys of the argument classes are renamed; keys of maps (``env``, ``placement.nodeSelector``)
    are data and stay as given.
    """
    hints = typing.get_type_hints(kind)  # NotRequired stripped
    entry: dict[str, Any] = {}
    for key, value in args.items():
        if key in PLATFORM_ONLY_KEYS:
            continue
        annotation = hints[key]
        nested = _typed_dict(annotation)
        items = _typed_dict(typing.get_args(annotation)[0]) if typing.get_origin(annotation) is list else None
        if nested is not None:
            value = catalog_entry(value, nested)
        elif items is not None:
            value = [catalog_entry(item, items) for item in value]
        entry[to_camel(key)] = value
    return entry


def service_config(args: typing.Mapping[str, Any], namespace: str) -> ServiceConfig:
    """The validated catalog entry of ``args`` in ``namespace``; every mistake is listed at once."""
    try:
        return ServiceConfig.model_validate({**catalog_entry(args), "namespace": namespace})
    except ValidationError as error:
        raise StackConfigError(f"inference service {args.get('name')!r}",
                               issues_from_validation_error(error, ServiceConfig)) from None


# --------------------------------------------------------------------------- the platform stack


def workload_placement(platform: PlatformOutputs) -> tuple[BurstTarget, Optional[QpsMetric]]:
    """Where the platform's bursting pods go and how it counts ingress QPS; a cloud's module is imported only for
    its own platforms, so an app-team project loads only the SDK of its platform's cloud."""
    if isinstance(platform, AlicloudOutputs):
        from components.alicloud.addons import sls_qps_metric
        from components.alicloud.burst import ECI
        return ECI, sls_qps_metric(platform.log_project)
    if isinstance(platform, AwsOutputs):
        from components.aws.burst import FARGATE
        return FARGATE, None
    return NO_BURST, None


def cluster_context(platform: PlatformOutputs, provider: k8s.Provider, service: ServiceConfig) -> ClusterContext:
    """The platform stack's cluster as the Kubernetes layer sees it. Platform stacks from before the ``addons``
    output (0.1.0) are taken to run what the service needs, as they did then."""
    if not (platform.model_claim_name and platform.model_claim_namespace):
        raise pulumi.RunError(f"the {platform.cloud} platform stack has no model store claim (modelClaimName), and an "
                              "app-team service reads its model from the platform's model store; on an existing "
                              "cluster set existing.modelClaim in the platform stack")
    burst, qps = workload_placement(platform)
    addons = required_addons(service) if platform.addons is None else platform.addons
    return ClusterContext(
        provider=provider, cloud=platform.cloud, burst=burst, qps=qps, addons=frozenset(addons),
        model_claim=ClaimRef(namespace=platform.model_claim_namespace, name=platform.model_claim_name))


# --------------------------------------------------------------------------- the component


class InferenceService(pulumi.ComponentResource):
    """One inference service on an existing elastic-inference platform stack (ACK, EKS or an existing cluster), for
    app teams.

    Reads the platform stack's outputs (:class:`components.outputs.PlatformOutputs`) through a ``StackReference``
    (``<name>-platform``), creates a Kubernetes provider for its cluster (``<name>-cluster``: the platform's
    kubeconfig, replaced only when the cluster changes; on an existing cluster the platform's kubeconfig context),
    and deploys the same workload as a catalog entry of the platform's own stack file: in the platform's model-store
    namespace, mounting its model claim, bursting where the platform bursts (ECI, Fargate, nowhere) and, on ACK,
    with the QPS autoscaler reading the platform's log project. What the workload consists of (Deployment or
    SeldonDeployment, Service, PodDisruptionBudget, HPA or KEDA ScaledObject, Ingress) and every default are
    documented in the README's configuration reference under ``services[]``.

    The platform installs Seldon Core, KEDA and the QPS metrics adapter for its own catalog (its ``addons`` output):
    a service that needs one the platform does not run stops with a clear error.
    """

    namespace: pulumi.Output[str]
    """Kubernetes namespace of the service's objects: the platform's model-store namespace."""
    service_name: pulumi.Output[str]
    """Name of the Kubernetes Service that serves the model (the Ingress backend)."""
    host: pulumi.Output[Optional[str]]
    """Ingress host, when ``ingress`` is set."""

    def __init__(self, name: str, args: InferenceServiceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:index:InferenceService", name, None, opts)
        # Validated now with the default namespace, so a mistake stops the run before anything is read;
        # the namespace is the platform's, known once the stack reference resolves (namespace rules of
        # the catalog span the whole platform config and are the platform's to check).
        service = service_config(args, ServiceConfig.model_fields["namespace"].default)
        reference = pulumi.StackReference(
            f"{name}-platform", stack_name=args["platform_stack"], opts=pulumi.ResourceOptions(parent=self))
        platform = read_platform(reference)

        def deploy(outputs: PlatformOutputs) -> ServiceWorkload:
            # Inside apply because the cloud decides the provider's arguments and the namespace and claim name name
            # Kubernetes objects. Stack reference outputs are known during `pulumi preview`, so all of it shows there.
            cluster = k8s.Provider(f"{name}-cluster", **outputs.provider_args(),
                                   opts=pulumi.ResourceOptions(parent=self, depends_on=[reference]))
            context = cluster_context(outputs, cluster, service)
            return ServiceWorkload(name, ServiceWorkloadArgs(
                service=service.model_copy(update={"namespace": context.model_claim.namespace}), cluster=context),
                opts=pulumi.ResourceOptions(parent=self, providers=[cluster]))

        workload = platform.apply(deploy)
        # The platform's outputs are secret as a whole (they hold its kubeconfig); these parts are not.
        self.namespace = pulumi.Output.unsecret(platform.apply(lambda outputs: outputs.model_claim_namespace))
        self.service_name = pulumi.Output.unsecret(workload.apply(lambda w: w.service_name))
        self.host = pulumi.Output.from_input(service.ingress.host if service.ingress else None)
        self.register_outputs({"namespace": self.namespace, "serviceName": self.service_name, "host": self.host})
