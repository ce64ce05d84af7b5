"""The service catalog (``services[]``): one inference service per entry, and the images it runs by default."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Optional

from pydantic import Field, SecretStr, StringConstraints, model_validator

from .base import (DNS_LABEL, Cidr, ConfigModel, CpuQuantity, DnsLabel, Finding, InstanceType, LabelKey, LabelValue,
                   MemoryQuantity, is_gpu_instance_type, matching, raise_findings)

ServerKind = Literal["tfserving", "triton", "seldon"]

DEFAULT_IMAGES: dict[tuple[str, bool], str] = {
    ("tfserving", True): "tensorflow/serving:2.19.1-gpu",
    ("tfserving", False): "tensorflow/serving:2.19.1",
    ("triton", True): "nvcr.io/nvidia/tritonserver:25.01-py3",
    ("triton", False): "nvcr.io/nvidia/tritonserver:25.01-py3",
}
"""Pinned server images per (kind, uses GPUs). A ``seldon`` service uses its implementation's image."""


EnvName = matching(r"^[A-Za-z_][A-Za-z0-9_]*$", "an environment variable name of letters, digits and '_', not starting with a digit", 256)
"""A container environment variable's name."""


class VersionPolicy(ConfigModel):
    """Which model versions the server loads: exactly one of ``latest``, ``specific``, ``all``."""

    latest: Optional[Annotated[int, Field(ge=1, le=100)]] = None
    """Serve the newest N versions."""
    specific: Optional[Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)]] = None
    """Serve exactly these versions (the guides: ``specific: [1623831335]``)."""
    all: Optional[Literal[True]] = None
    """Serve every version found."""

    @model_validator(mode="after")
    def _check(self) -> "VersionPolicy":
        chosen = [k for k in ("latest", "specific", "all") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise_findings([("", f"sets {', '.join(chosen) or 'nothing'}",
                             "set exactly one of latest, specific, all")])
        return self


class ModelConfig(ConfigModel):
    """The model a service serves."""

    name: matching(r"^[A-Za-z0-9][-A-Za-z0-9_.]*$", "a model name of at most 255 letters, digits, '-', '_' and '.', starting with a letter or digit (it names a folder)", 255)
    """Model name as the server knows it (TF Serving ``--model_name``, Triton model folder)."""
    path: Annotated[str, StringConstraints(min_length=1, max_length=1023)]
    """Path of the model folder (TF Serving) or model repository (Triton) inside the model store, e.g. ``models/fashion-mnist``."""
    source: Literal["store", "s3"] = "store"
    """``store``: the stack's model store (OSS on ACK, S3 on EKS, the given claim on an existing cluster), mounted read-only. ``s3``: the S3 model repository (``s3ModelRepository``, or the EKS model bucket through IRSA)."""
    version_policy: VersionPolicy = VersionPolicy(latest=1)
    """Versions to serve. Default: the newest one."""

    @model_validator(mode="after")
    def _check(self) -> "ModelConfig":
        parts = self.path.split("/")
        if self.path.startswith("/") or ".." in parts or "" in parts or "." in parts:
            raise_findings([("path", f"{self.path!r} is not a relative path inside the model store",
                             "use a relative path without '..', e.g. models/bert")])
        return self


class ResourcesConfig(ConfigModel):
    """Compute per replica. GPU requests always equal GPU limits."""

    gpus: Annotated[int, Field(ge=0, le=16)] = 1
    """NVIDIA GPUs per replica (``nvidia.com/gpu``). 0 for CPU serving."""
    cpu: CpuQuantity = "2"
    """CPU request (and limit)."""
    memory: MemoryQuantity = "8Gi"
    """Memory request (and limit)."""


class PlacementConfig(ConfigModel):
    """Where replicas run on the cluster's own nodes."""

    node_selector: dict[LabelKey, LabelValue] = {}
    """Node labels the pods require; they must match a node pool's labels. Default: any pool whose taints the pod tolerates."""


class BurstConfig(ConfigModel):
    """Bursting beyond the cluster's nodes: onto ECI through virtual nodes on ACK, onto Fargate on EKS."""

    mode: Literal["none", "overflow", "only"] = "none"
    """``none``: ECS nodes only. ``overflow``: ECS first, ECI when the nodes are full. ``only``: ECI only."""
    eci_gpu_specs: list[InstanceType] = []
    """ECI GPU instance types (``k8s.aliyun.com/eci-use-specs``), required when a GPU service bursts."""
    image_cache: bool = True
    """Let ECI create and use image caches automatically (``k8s.aliyun.com/eci-auto-imc``)."""
    spot: bool = False
    """Run ECI pods as spot instances at market price (``k8s.aliyun.com/eci-spot-strategy: SpotAsPriceGo``)."""


class ScalingPolicy(ConfigModel):
    """One rate limit of the autoscaler."""

    type: Literal["Pods", "Percent"]
    """``Pods`` or ``Percent``."""
    value: Annotated[int, Field(ge=1)]
    """Pods, or percent of the current replicas, per period."""
    period_seconds: Annotated[int, Field(ge=1, le=1800)]
    """Length of the period in seconds (1-1800)."""


class ScalingRules(ConfigModel):
    """One direction of HPA ``behavior``."""

    stabilization_window_seconds: Annotated[int, Field(ge=0, le=3600)]
    """Seconds of past recommendations the autoscaler considers before changing the replica count (0-3600)."""
    policies: list[ScalingPolicy] = []
    """Rate limits; empty means the Kubernetes defaults."""
    select_policy: Literal["Max", "Min", "Disabled"] = "Max"
    """Which policy applies when several do: ``Max``, ``Min``, or ``Disabled`` (no scaling in this direction)."""


class BehaviorConfig(ConfigModel):
    """HPA scaling behaviour (``autoscaling/v2`` ``behavior``)."""

    scale_up: ScalingRules = ScalingRules.model_validate({"stabilizationWindowSeconds": 0})
    """Scale-up rules. Default: no stabilisation, Kubernetes' default rate limits."""
    scale_down: ScalingRules = ScalingRules.model_validate({"stabilizationWindowSeconds": 300})
    """Scale-down rules. Default: 5-minute stabilisation, as in the guides."""


class QpsMetric(ConfigModel):
    """HPA on ingress requests per second from SLS (``sls_ingress_qps``), per pod."""

    target_per_pod: Annotated[float, Field(gt=0)]
    """Average QPS per replica to aim for (the guides: 10)."""


class UtilizationMetric(ConfigModel):
    """HPA on resource utilisation of the requests."""

    target_utilization: Annotated[int, Field(ge=1, le=100)]
    """Average utilisation in percent of the request."""


TOP_LEVEL_AVG = re.compile(r"^\s*avg(?=\s*(\(|\bby\b|\bwithout\b))", re.IGNORECASE)
"""A PromQL query whose outermost aggregation is ``avg`` (``avg(...)``, ``avg by (...)``, ``avg without (...)``;
not ``avg_over_time``). PromQL keywords are case-insensitive."""


class KedaAuthentication(ConfigModel):
    """How KEDA authenticates to Prometheus: a KEDA ``TriggerAuthentication`` reading a Kubernetes Secret made from
    these values, never a credential in ``serverAddress``. The modes and parameter names are those of KEDA's
    Prometheus scaler (``pkg/scalers/authentication/authentication_types.go``, kedacore/keda 8b4f083): ``bearer``
    sends ``Authorization: Bearer <bearerToken>``; ``basic`` sends ``username`` and ``password``; ``custom`` sends
    the header ``headerName: <headerValue>`` (KEDA's ``customAuthHeader``/``customAuthValue``)."""

    mode: Literal["bearer", "basic", "custom"]
    """Which credential Prometheus takes."""
    bearer_token: Optional[SecretStr] = None
    """Token of ``mode: bearer``; ``secure:``."""
    username: Optional[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = None
    """User of ``mode: basic``."""
    password: Optional[SecretStr] = None
    """Password of ``mode: basic``; ``secure:``."""
    header_name: Optional[matching(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", "an HTTP header name (RFC 9110 token characters)", 256)] = None
    """Header of ``mode: custom``, e.g. ``X-Scope-OrgID`` or ``Authorization``."""
    header_value: Optional[SecretStr] = None
    """Header value of ``mode: custom``; ``secure:``."""

    @property
    def parameters(self) -> dict[str, SecretStr | str]:
        """KEDA's auth parameters of this mode -> their values."""
        chosen = {"bearer": {"bearerToken": self.bearer_token},
                  "basic": {"username": self.username, "password": self.password},
                  "custom": {"customAuthHeader": self.header_name, "customAuthValue": self.header_value}}[self.mode]
        return {name: value for name, value in chosen.items() if value is not None}

    @model_validator(mode="after")
    def _check(self) -> "KedaAuthentication":
        needed = {"bearer": ("bearerToken",), "basic": ("username", "password"), "custom": ("headerName", "headerValue")}
        given = {field.alias for name, field in type(self).model_fields.items() if name != "mode" and getattr(self, name) is not None}
        findings: list[Finding] = [(key, f"mode {self.mode} needs {key}", f"set {key}") for key in needed[self.mode] if key not in given]
        findings += [(key, f"{key} is not used by mode {self.mode}", f"remove {key}")
                     for key in sorted(given - set(needed[self.mode]))]
        raise_findings(findings)
        return self


PrometheusUrl = matching(r"^https?://\S+$", "an http:// or https:// URL without spaces", 2048)
"""A Prometheus query URL."""


class KedaPolling(ConfigModel):
    """How often a KEDA ScaledObject queries, and how long it waits before scaling to zero."""

    polling_interval_seconds: Annotated[int, Field(ge=1, le=3600)] = 30
    """How often KEDA queries Prometheus."""
    cooldown_period_seconds: Annotated[int, Field(ge=0, le=86400)] = 300
    """Wait after the last active trigger before scaling to zero."""


class KedaTrigger(KedaPolling):
    """KEDA ``ScaledObject`` with a Prometheus trigger."""

    server_address: Optional[PrometheusUrl] = None
    """Prometheus URL, without credentials (``authentication`` carries them). Default: the stack's metrics backend
    (``observability``)."""
    authentication: Optional[KedaAuthentication] = None
    """Credentials KEDA sends to Prometheus. Default: none (an in-cluster Prometheus)."""
    query: Annotated[str, StringConstraints(min_length=1)]
    """PromQL query returning the total over all replicas, e.g. ``sum(rate(...))``: the trigger has KEDA's default metric type ``AverageValue``, so the autoscaler divides the value by the replica count before comparing it with ``threshold``. A top-level ``avg(...)`` is refused."""
    threshold: Annotated[float, Field(gt=0)]
    """Target value per replica."""
    activation_threshold: Annotated[float, Field(ge=0)] = 0
    """Above this value KEDA scales from 0 to 1."""

    @model_validator(mode="after")
    def _check(self) -> "KedaTrigger":
        # KEDA's GetMetricTargetType (pkg/scalers/scaler.go, kedacore/keda v2.20) returns AverageValue when the
        # trigger sets no metricType, and keda_spec sets none: the HPA takes the value as the total of all pods.
        if TOP_LEVEL_AVG.match(self.query):
            raise_findings([("query", f"{self.query!r} averages over pods, but the trigger's metric type is AverageValue: "
                             "the autoscaler divides the value by the replica count again, so replicas do not follow load",
                             f"return the total across pods with sum: {TOP_LEVEL_AVG.sub('sum', self.query, count=1)}")])
        return self


class GpuUtilizationMetric(KedaPolling):
    """KEDA on the GPU utilisation of the service's pods, as NVIDIA's DCGM exporter reports it
    (``DCGM_FI_DEV_GPU_UTIL``, percent), queried from the stack's metrics backend."""

    target_utilization: Annotated[int, Field(ge=1, le=100)]
    """Average GPU utilisation in percent over the service's GPUs to aim for."""


AUTOSCALING_MODES = ("qps", "cpu", "memory", "keda", "gpu")
"""The autoscaling kinds; a service sets exactly one."""


class AutoscalingConfig(ConfigModel):
    """Replica bounds and exactly one of ``qps``, ``cpu``, ``memory``, ``keda``, ``gpu``."""

    min_replicas: Annotated[int, Field(ge=0, le=1000)] = 1
    """Fewest replicas; 0 (scale to zero) only with ``keda``."""
    max_replicas: Annotated[int, Field(ge=1, le=1000)]
    """Most replicas."""
    behavior: BehaviorConfig = BehaviorConfig()
    """Scale-up and scale-down behaviour."""
    qps: Optional[QpsMetric] = None
    """Scale on ingress QPS (ACK only); needs ``ingress``."""
    cpu: Optional[UtilizationMetric] = None
    """Scale on CPU utilisation."""
    memory: Optional[UtilizationMetric] = None
    """Scale on memory utilisation."""
    keda: Optional[KedaTrigger] = None
    """Scale with KEDA on a Prometheus query."""
    gpu: Optional[GpuUtilizationMetric] = None
    """Scale with KEDA on GPU utilisation; needs ``resources.gpus`` and a metrics backend."""

    @property
    def mode(self) -> str:
        return next(k for k in AUTOSCALING_MODES if getattr(self, k) is not None)

    @property
    def uses_keda(self) -> bool:
        """KEDA's ScaledObject scales the service (``keda`` and ``gpu``), not an HPA of the program's own."""
        return self.mode in ("keda", "gpu")

    @model_validator(mode="after")
    def _check(self) -> "AutoscalingConfig":
        findings: list[Finding] = []
        chosen = [k for k in AUTOSCALING_MODES if getattr(self, k) is not None]
        if len(chosen) != 1:
            findings.append(("", f"sets {' and '.join(chosen) or 'no autoscaler'}",
                             f"set exactly one of {', '.join(AUTOSCALING_MODES)}"))
        if self.min_replicas > self.max_replicas:
            findings.append(("maxReplicas", f"maxReplicas {self.max_replicas} is less than minReplicas {self.min_replicas}",
                             "maxReplicas must be at least minReplicas"))
        if self.min_replicas == 0 and chosen == ["gpu"]:
            findings.append(("minReplicas", "GPU utilisation is measured on running pods, so with none KEDA would never "
                             "scale up again", "set minReplicas: 1, or scale to zero with keda on a request metric"))
        elif self.min_replicas == 0 and chosen and chosen != ["keda"]:
            findings.append(("minReplicas", "scale to zero needs keda; an HPA keeps at least one replica",
                             "set minReplicas: 1 or autoscale with keda"))
        raise_findings(findings)
        return self


NGINX_INGRESS_CLASS = "nginx"
"""The IngressClass of ACK's NGINX ingress controller and of ingress-nginx, whose annotations
``allowSourceCidrs``, ``rateLimitRps`` and ``authSecretName`` are."""


class IngressConfig(ConfigModel):
    """An Ingress in front of the service's REST port (ACK installs the NGINX ingress controller; elsewhere bring one).

    TLS is expected: an Ingress names its certificate's Secret (``tlsSecretName``) or opts out with ``tls: false``,
    which production stacks refuse. Source allow-list, rate limit and basic authentication are NGINX annotations
    (ingress-nginx ``docs/user-guide/nginx-configuration/annotations.md``; ACK's controller is ingress-nginx and
    takes the same annotations, ACK "Nginx Ingress configuration dictionary"), so they need ``className: nginx``."""

    host: matching(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", "a lowercase DNS host name such as api.example.com (labels of at most 63 characters, at most 253 in all)", 253)
    """Host name routed to the service."""
    path: matching(r"^/\S*$", "an absolute URL path such as /v1/models, without spaces", 2048) = "/"
    """Path prefix."""
    class_name: DnsLabel = NGINX_INGRESS_CLASS
    """IngressClass; ACK's NGINX ingress controller is ``nginx``."""
    tls: bool = True
    """Serve ``host`` over TLS with the certificate in ``tlsSecretName``. ``false`` serves plain HTTP; production stacks refuse it."""
    tls_secret_name: Optional[DnsLabel] = None
    """Secret (type ``kubernetes.io/tls``, in the service's namespace) with the certificate for ``host``; the program does not create it. Required unless ``tls: false``."""
    allow_source_cidrs: list[Cidr] = []
    """Client networks allowed in (``nginx.ingress.kubernetes.io/whitelist-source-range``); others get 403. Default: every source the load balancer admits."""
    rate_limit_rps: Optional[Annotated[int, Field(ge=1, le=100000)]] = None
    """Requests per second accepted from one client address (``nginx.ingress.kubernetes.io/limit-rps``; bursts up to 5 times that, NGINX's default multiplier); more get 503. Default: no limit."""
    auth_secret_name: Optional[DnsLabel] = None
    """Secret (in the service's namespace) whose ``auth`` key holds htpasswd lines: HTTP basic authentication (``nginx.ingress.kubernetes.io/auth-type: basic``, ``auth-secret``); the program does not create it. Default: none."""

    @model_validator(mode="after")
    def _check(self) -> "IngressConfig":
        findings: list[Finding] = []
        if self.tls and not self.tls_secret_name:
            findings.append(("tlsSecretName", "an Ingress is served over TLS unless it says otherwise, but names no certificate",
                             "name the kubernetes.io/tls Secret of the host's certificate, or set tls: false (not in production)"))
        if not self.tls and self.tls_secret_name:
            findings.append(("tls", "tls is false but tlsSecretName names a certificate", "remove tls: false or tlsSecretName"))
        findings += [("allowSourceCidrs", f"{cidr} admits every address, which is no allow-list",
                      "list the client networks, or remove allowSourceCidrs")
                     for cidr in self.allow_source_cidrs if cidr.prefixlen == 0]
        if self.class_name != NGINX_INGRESS_CLASS:
            findings += [(key, f"is an NGINX ingress annotation, but className is {self.class_name}",
                          f"use className: {NGINX_INGRESS_CLASS}, or configure this on your ingress controller and remove {key}")
                         for key, field in (("allowSourceCidrs", "allow_source_cidrs"), ("rateLimitRps", "rate_limit_rps"),
                                            ("authSecretName", "auth_secret_name")) if field in self.model_fields_set]
        raise_findings(findings)
        return self


class SeldonConfig(ConfigModel):
    """How a ``seldon`` service serves its model."""

    implementation: Literal["tfserving", "triton"] = "tfserving"
    """``tfserving``: TF Serving behind Seldon's TF Serving proxy (the ESS guide). ``triton``: Seldon's Triton server (the tutorial)."""


class SloConfig(ConfigModel):
    """The service's objectives; an alert fires when one is missed for 10 minutes."""

    error_ratio: Annotated[float, Field(gt=0, lt=1)] = 0.01
    """Share of requests that may fail (server errors)."""
    p99_latency_seconds: Annotated[float, Field(gt=0, le=600)] = 1.0
    """99th percentile of request latency (the mean for Triton, which exports no latency histogram)."""


class NetworkPolicyConfig(ConfigModel):
    """Who may reach the service's serving ports besides its own namespace, the platform's ingress controller, the
    stack's metrics backend and the namespace of the Prometheus a ``keda`` trigger names by its
    ``<service>.<namespace>.svc`` address."""

    allow_from_namespaces: list[DnsLabel] = []
    """Further namespaces whose pods may connect (the ingress controller's on EKS or an existing cluster, a
    Prometheus named by another address, in-cluster clients elsewhere)."""


class ServiceConfig(ConfigModel):
    """One inference service of the catalog."""

    name: DnsLabel
    """Service name, unique within its namespace; names the Deployment, Service, Ingress, ..."""
    namespace: DnsLabel = "inference"
    """Kubernetes namespace."""
    server: ServerKind
    """``tfserving``, ``triton`` or ``seldon``."""
    seldon: Optional[SeldonConfig] = None
    """Seldon options; only with ``server: seldon`` (default ``implementation: tfserving``)."""
    image: Optional[matching(r"^\S+:[\w][\w.-]{0,127}$|^\S+@sha256:[a-f0-9]{64}$", "an image reference with a tag or digest, such as tensorflow/serving:2.19.1", 512)] = None
    """Server image with a tag or digest. Default: a pinned image per kind and GPU/CPU."""
    model: ModelConfig
    """The model served."""
    resources: ResourcesConfig = ResourcesConfig()
    """Compute per replica."""
    placement: PlacementConfig = PlacementConfig()
    """ECS node placement."""
    burst: BurstConfig = BurstConfig()
    """ECI burst."""
    autoscaling: AutoscalingConfig
    """Replica bounds and autoscaler."""
    ingress: Optional[IngressConfig] = None
    """Ingress; required by ``autoscaling.qps``."""
    env: dict[EnvName, str] = {}
    """Extra environment variables of the server container. Credentials are refused here: use ``secretEnv``."""
    secret_env: dict[EnvName, SecretStr] = {}
    """Environment variables of the server container from ``secure:`` values (API tokens, e.g. ``HF_TOKEN``): a Kubernetes Secret ``<name>-env-<suffix>`` read through ``secretKeyRef``. A new value replaces the Secret under a new name, which rolls the pods."""
    network_policy: NetworkPolicyConfig = NetworkPolicyConfig()
    """Sources the service's NetworkPolicy admits."""
    slo: SloConfig = SloConfig()
    """Error and latency objectives the alerts hold the service to."""

    @property
    def serving_kind(self) -> str:
        """The server that actually loads the model: the kind, or a Seldon service's implementation."""
        return (self.seldon or SeldonConfig()).implementation if self.server == "seldon" else self.server

    @property
    def component_name(self) -> str:
        """The name of the service's ``InferenceService`` component, and so of its URN: ``<namespace>-<name>``."""
        return f"{self.namespace}-{self.name}"

    @property
    def default_image(self) -> str:
        return DEFAULT_IMAGES[(self.serving_kind, self.resources.gpus > 0)]

    @model_validator(mode="after")
    def _check(self) -> "ServiceConfig":
        findings: list[Finding] = []
        if self.seldon is not None and self.server != "seldon":
            findings.append(("seldon", f"seldon options are set but server is {self.server}",
                             "remove seldon or set server: seldon"))
        if self.autoscaling.qps is not None and self.ingress is None:
            findings.append(("autoscaling.qps", "QPS autoscaling counts ingress requests, but the service has no ingress",
                             "add ingress (host, path) or autoscale on cpu, memory or keda"))
        for i, spec in enumerate(self.burst.eci_gpu_specs):
            if not is_gpu_instance_type(spec):
                findings.append((f"burst.eciGpuSpecs[{i}]", f"{spec} is not a GPU instance type", "use a gn* family"))
        if self.burst.eci_gpu_specs and self.burst.mode == "none":
            findings.append(("burst.eciGpuSpecs", "ECI specs are set but burst.mode is none", "set burst.mode or remove eciGpuSpecs"))
        for name in sorted(set(self.env) & set(self.secret_env)):
            findings.append((f"secretEnv.{name}", f"{name} is also set in env", f"remove {name} from env or from secretEnv"))
        if self.serving_kind == "triton" and self.model.version_policy != VersionPolicy(latest=1):
            findings.append(("model.versionPolicy", "Triton takes its version policy from the model's config.pbtxt, not from the command line",
                             "set version_policy in the model repository's config.pbtxt and remove versionPolicy"))
        if self.autoscaling.gpu is not None and self.resources.gpus == 0:
            findings.append(("autoscaling.gpu", "the service uses no GPU, so it has no GPU utilisation to scale on",
                             "set resources.gpus or autoscale on cpu, memory or keda"))
        if self.server == "seldon" and not self.autoscaling.uses_keda and self.autoscaling.behavior != BehaviorConfig():
            findings.append(("autoscaling.behavior", "Seldon's hpaSpec has no behavior, so it cannot be applied",
                             "remove behavior (Kubernetes' defaults apply) or autoscale with keda"))
        if self.serving_kind == "triton" and self.server == "seldon" and not DNS_LABEL.match(self.model.name):
            findings.append(("model.name", f"{self.model.name!r} names Seldon's Triton container and must be a DNS label",
                             "use lowercase letters, digits and '-' (rename the model folder to match)"))
        if self.model.source == "s3" and self.serving_kind != "triton":
            findings.append(("model.source", f"{self.serving_kind} cannot read models from S3 here",
                             "S3 model repositories are served by triton; use source: store"))
        raise_findings(findings)
        return self
