"""Argument types of the app teams' ``InferenceService`` (``elastic_inference.service``): the catalog entry of a
stack file (``services[]``, ``stackconfig.ServiceConfig``) as typed dictionaries with snake_case keys, without
``namespace`` and ``model.source``. Generated from the config model by ``make docs``
(``python -m tools.service_args --write``); do not edit here.

Deliberately without ``from __future__ import annotations``: Pulumi's schema inference reads the annotations of
these classes as real types.
"""

from typing import NotRequired, TypedDict


class SeldonArgs(TypedDict):
    """How a ``seldon`` service serves its model."""

    implementation: NotRequired[str]
    """``tfserving``: TF Serving behind Seldon's TF Serving proxy (the ESS guide). ``triton``: Seldon's Triton server (the tutorial)."""


class VersionPolicyArgs(TypedDict):
    """Which model versions the server loads: exactly one of ``latest``, ``specific``, ``all``."""

    latest: NotRequired[int]
    """Serve the newest N versions."""
    specific: NotRequired[list[int]]
    """Serve exactly these versions (the guides: ``specific: [1623831335]``)."""
    all: NotRequired[bool]
    """Serve every version found."""


class ModelArgs(TypedDict):
    """The model a service serves."""

    name: str
    """Model name as the server knows it (TF Serving ``--model_name``, Triton model folder)."""
    path: str
    """Path of the model folder (TF Serving) or model repository (Triton) inside the model store, e.g. ``models/fashion-mnist``."""
    version_policy: NotRequired[VersionPolicyArgs]
    """Versions to serve. Default: the newest one."""


class ResourcesArgs(TypedDict):
    """Compute per replica. GPU requests always equal GPU limits."""

    gpus: NotRequired[int]
    """NVIDIA GPUs per replica (``nvidia.com/gpu``). 0 for CPU serving."""
    cpu: NotRequired[str]
    """CPU request (and limit)."""
    memory: NotRequired[str]
    """Memory request (and limit)."""


class PlacementArgs(TypedDict):
    """Where replicas run on the cluster's own nodes."""

    node_selector: NotRequired[dict[str, str]]
    """Node labels the pods require; they must match a node pool's labels. Default: any pool whose taints the pod tolerates."""


class BurstArgs(TypedDict):
    """Bursting beyond the cluster's nodes: onto ECI through virtual nodes on ACK, onto Fargate on EKS."""

    mode: NotRequired[str]
    """``none``: ECS nodes only. ``overflow``: ECS first, ECI when the nodes are full. ``only``: ECI only."""
    eci_gpu_specs: NotRequired[list[str]]
    """ECI GPU instance types (``k8s.aliyun.com/eci-use-specs``), required when a GPU service bursts."""
    image_cache: NotRequired[bool]
    """Let ECI create and use image caches automatically (``k8s.aliyun.com/eci-auto-imc``)."""
    spot: NotRequired[bool]
    """Run ECI pods as spot instances at market price (``k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo``)."""


class ScalingPolicyArgs(TypedDict):
    """One rate limit of the autoscaler."""

    type: str
    """``Pods`` or ``Percent``."""
    value: int
    """Pods, or percent of the current replicas, per period."""
    period_seconds: int
    """Length of the period in seconds (1-1800)."""


class ScalingRulesArgs(TypedDict):
    """One direction of HPA ``behavior``."""

    stabilization_window_seconds: int
    """Seconds of past recommendations the autoscaler considers before changing the replica count (0-3600)."""
    policies: NotRequired[list[ScalingPolicyArgs]]
    """Rate limits; empty means the Kubernetes defaults."""
    select_policy: NotRequired[str]
    """Which policy applies when several do: ``Max``, ``Min``, or ``Disabled`` (no scaling in this direction)."""


class BehaviorArgs(TypedDict):
    """HPA scaling behaviour (``autoscaling/v2`` ``behavior``)."""

    scale_up: NotRequired[ScalingRulesArgs]
    """Scale-up rules. Default: no stabilisation, Kubernetes' default rate limits."""
    scale_down: NotRequired[ScalingRulesArgs]
    """Scale-down rules. Default: 5-minute stabilisation, as in the guides."""


class QpsMetricArgs(TypedDict):
    """HPA on ingress requests per second from SLS (``sls_ingress_qps``), per pod."""

    target_per_pod: float
    """Average QPS per replica to aim for (the guides: 10)."""


class UtilizationMetricArgs(TypedDict):
    """HPA on resource utilisation of the requests."""

    target_utilization: int
    """Average utilisation in percent of the request."""


class KedaTriggerArgs(TypedDict):
    """KEDA ``ScaledObject`` with a Prometheus trigger."""

    polling_interval_seconds: NotRequired[int]
    """How often KEDA queries Prometheus."""
    cooldown_period_seconds: NotRequired[int]
    """Wait after the last active trigger before scaling to zero."""
    server_address: NotRequired[str]
    """Prometheus URL, without credentials (``authentication`` carries them). Default: the stack's metrics backend (``observability``)."""
    query: str
    """PromQL query returning the total over all replicas, e.g. ``sum(rate(...))``: the trigger has KEDA's default metric type ``AverageValue``, so the autoscaler divides the value by the replica count before comparing it with ``threshold``. A top-level ``avg(...)`` is refused."""
    threshold: float
    """Target value per replica."""
    activation_threshold: NotRequired[float]
    """Above this value KEDA scales from 0 to 1."""


class GpuUtilizationMetricArgs(TypedDict):
    """KEDA on the GPU utilisation of the service's pods, as NVIDIA's DCGM exporter reports it (``DCGM_FI_DEV_GPU_UTIL``, percent), queried from the stack's metrics backend."""

    polling_interval_seconds: NotRequired[int]
    """How often KEDA queries Prometheus."""
    cooldown_period_seconds: NotRequired[int]
    """Wait after the last active trigger before scaling to zero."""
    target_utilization: int
    """Average GPU utilisation in percent over the service's GPUs to aim for."""


class AutoscalingArgs(TypedDict):
    """Replica bounds and exactly one of ``qps``, ``cpu``, ``memory``, ``keda``, ``gpu``."""

    min_replicas: NotRequired[int]
    """Fewest replicas; 0 (scale to zero) only with ``keda``."""
    max_replicas: int
    """Most replicas."""
    behavior: NotRequired[BehaviorArgs]
    """Scale-up and scale-down behaviour."""
    qps: NotRequired[QpsMetricArgs]
    """Scale on ingress QPS (ACK only); needs ``ingress``."""
    cpu: NotRequired[UtilizationMetricArgs]
    """Scale on CPU utilisation."""
    memory: NotRequired[UtilizationMetricArgs]
    """Scale on memory utilisation."""
    keda: NotRequired[KedaTriggerArgs]
    """Scale with KEDA on a Prometheus query."""
    gpu: NotRequired[GpuUtilizationMetricArgs]
    """Scale with KEDA on GPU utilisation; needs ``resources.gpus`` and a metrics backend."""


class IngressArgs(TypedDict):
    """An Ingress in front of the service's REST port (ACK installs the NGINX ingress controller; elsewhere bring one). TLS is expected: an Ingress names its certificate's Secret (``tlsSecretName``) or opts out with ``tls: false``, which production stacks refuse. Source allow-list, rate limit and basic authentication are NGINX annotations (ingress-nginx ``docs/user-guide/nginx-configuration/annotations.md``; ACK's controller is ingress-nginx and takes the same annotations, ACK "Nginx Ingress configuration dictionary"), so they need ``className: nginx``."""

    host: str
    """Host name routed to the service."""
    path: NotRequired[str]
    """Path prefix."""
    class_name: NotRequired[str]
    """IngressClass; ACK's NGINX ingress controller is ``nginx``."""
    tls: NotRequired[bool]
    """Serve ``host`` over TLS with the certificate in ``tlsSecretName``. ``false`` serves plain HTTP; production stacks refuse it."""
    tls_secret_name: NotRequired[str]
    """Secret (type ``kubernetes.io/tls``, in the service's namespace) with the certificate for ``host``; the program does not create it. Required unless ``tls: false``."""
    allow_source_cidrs: NotRequired[list[str]]
    """Client networks allowed in (``nginx.ingress.kubernetes.io/whitelist-source-range``); others get 403. Default: every source the load balancer admits."""
    rate_limit_rps: NotRequired[int]
    """Requests per second accepted from one client address (``nginx.ingress.kubernetes.io/limit-rps``; bursts up to 5 times that, NGINX's default multiplier); more get 503. Default: no limit."""
    auth_secret_name: NotRequired[str]
    """Secret (in the service's namespace) whose ``auth`` key holds htpasswd lines: HTTP basic authentication (``nginx.ingress.kubernetes.io/auth-type: basic``, ``auth-secret``); the program does not create it. Default: none."""


class NetworkPolicyArgs(TypedDict):
    """Who may reach the service's serving ports besides its own namespace, the platform's ingress controller, the stack's metrics backend and the namespace of the Prometheus a ``keda`` trigger names by its ``<service>.<namespace>.svc`` address."""

    allow_from_namespaces: NotRequired[list[str]]
    """Further namespaces whose pods may connect (the ingress controller's on EKS or an existing cluster, a Prometheus named by another address, in-cluster clients elsewhere)."""


class SloArgs(TypedDict):
    """The service's objectives; an alert fires when one is missed for 10 minutes."""

    error_ratio: NotRequired[float]
    """Share of requests that may fail (server errors)."""
    p99_latency_seconds: NotRequired[float]
    """99th percentile of request latency (the mean for Triton, which exports no latency histogram)."""


class InferenceServiceArgs(TypedDict):
    """An inference service on an existing platform stack: the catalog entry of a stack file
    (``services[]``) without ``namespace`` and ``model.source``, and the platform stack to deploy onto."""

    platform_stack: str
    """Fully qualified name of the platform stack, ``<organization>/<project>/<stack>``, e.g. ``acme/elastic-inference/prod``.
    An ACK, EKS or existing-cluster platform; its outputs (``components.outputs``) place the service."""
    name: str
    """Service name, unique within its namespace; names the Deployment, Service, Ingress, ..."""
    server: str
    """``tfserving``, ``triton`` or ``seldon``."""
    seldon: NotRequired[SeldonArgs]
    """Seldon options; only with ``server: seldon`` (default ``implementation: tfserving``)."""
    image: NotRequired[str]
    """Server image with a tag or digest. Default: a pinned image per kind and GPU/CPU."""
    model: ModelArgs
    """The model served."""
    resources: NotRequired[ResourcesArgs]
    """Compute per replica."""
    placement: NotRequired[PlacementArgs]
    """ECS node placement."""
    burst: NotRequired[BurstArgs]
    """ECI burst."""
    autoscaling: AutoscalingArgs
    """Replica bounds and autoscaler."""
    ingress: NotRequired[IngressArgs]
    """Ingress; required by ``autoscaling.qps``."""
    env: NotRequired[dict[str, str]]
    """Extra environment variables of the server container. Credentials are refused here: use ``secretEnv``."""
    network_policy: NotRequired[NetworkPolicyArgs]
    """Sources the service's NetworkPolicy admits."""
    slo: NotRequired[SloArgs]
    """Error and latency objectives the alerts hold the service to."""
