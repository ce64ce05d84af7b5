"""What a cloud's platform hands the Kubernetes layer: :class:`ClusterContext`, the one typed contract between them.

Everything the catalog and each inference service need to know about the cluster they run on, and nothing
about how the cloud built it: the Kubernetes provider, where bursting pods go, how ingress QPS is counted, the
claim that holds models, how services reach S3, which add-ons run, and what pods must wait for. A cloud's
platform (``components/<cloud>/platform.py``) builds one from its own components; the app-team
``InferenceService`` builds one from a platform stack's outputs (``components.outputs``).

This module imports no cloud SDK, so neither does anything in ``components.kubernetes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from policypack.metadata import METADATA_CIDRS
from stackconfig import ClaimRef, S3Credentials

if TYPE_CHECKING:
    from stackconfig import ServiceConfig


def _no_annotations(service: "ServiceConfig") -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class BurstTarget:
    """How the cloud places the pods of a service whose ``burst.mode`` is not ``none``: the only part of the
    pod template that differs between clouds.

    Two mechanisms exist: burst nodes that pods reach by node affinity and a toleration (ACK virtual nodes,
    which also read ECI annotations), and a pod label that the cloud's admission selects (an EKS Fargate
    profile's selector; Fargate then schedules every selected pod, so it supports ``only`` but not ``overflow``).
    """

    description: str
    """What the burst capacity is, for error messages."""
    node_label: Optional[tuple[str, str]] = None
    """Label of the burst nodes, which node affinity selects (ACK: ``type=virtual-kubelet``)."""
    toleration: Optional[dict[str, Any]] = None
    """Toleration of the burst nodes' taint."""
    pod_labels: dict[str, str] = field(default_factory=dict)
    """Labels that send a pod to burst capacity (EKS: the Fargate profile's selector)."""
    annotations: Callable[["ServiceConfig"], dict[str, str]] = _no_annotations
    """Pod annotations a bursting service needs (ACK: the ECI annotations)."""
    node_name_pattern: Optional[str] = None
    """RE2 pattern of the burst nodes' names, by which dashboards and alerts tell burst pods apart (ACK:
    ``virtual-kubelet-<zone>``; EKS: ``fargate-ip-...``)."""

    def supports(self, mode: str) -> bool:
        """Whether pods of a service with ``burst.mode`` ``mode`` can be placed here."""
        if mode == "none" or self.node_label is not None:
            return True
        return mode == "only" and bool(self.pod_labels)


NO_BURST = BurstTarget(description="no burst capacity")
"""A cluster without burst capacity (``cloud: existing``); the config rejects bursting services there."""


@dataclass(frozen=True)
class QpsMetric:
    """How the cluster counts ingress requests per second for HPAs: an External metric per Ingress backend.

    ACK has one (the SLS metric served by ``ack-alibaba-cloud-metrics-adapter``); other clusters have none,
    and the config refuses ``autoscaling.qps`` there.
    """

    metric_name: str
    """Name of the External metric."""
    selector: Callable[[str], Mapping[str, pulumi.Input[str]]]
    """``matchLabels`` of the metric for one Ingress route (``<namespace>-<service>-<port>``). The metric is
    served by the QPS metrics adapter add-on (``components.kubernetes.addons.QPS_METRICS_ADAPTER``)."""


@dataclass(frozen=True)
class S3Access:
    """How a service reaches the S3 bucket it reads models from: access keys, or a workload identity."""

    bucket: str
    region: str
    credentials: Optional[S3Credentials] = None
    """An access key in a Secret (the Seldon tutorial's way, for clusters without a workload identity)."""
    role_arn: Optional[pulumi.Input[str]] = None
    """IAM role of the service's ServiceAccount (IRSA), used instead of keys on EKS."""

    def __post_init__(self) -> None:
        if (self.credentials is None) == (self.role_arn is None):
            raise ValueError("S3 access needs exactly one of credentials and role_arn")


@dataclass(frozen=True)
class NetworkBoundary:
    """What every service's NetworkPolicy admits beyond its own namespace, and which addresses its pods never reach."""

    ingress_namespaces: frozenset[str] = frozenset()
    """Namespaces of the ingress controller the platform installs (ACK: ``kube-system``); none where the program
    installs none, and a stack names its controller's namespace in ``services[].networkPolicy.allowFromNamespaces``."""
    metadata_cidrs: tuple[str, ...] = METADATA_CIDRS
    """Instance metadata addresses pods may not reach: they hand out the node's credentials. Default: every cloud's
    this program knows, for a cluster whose cloud it does not know (an existing cluster); excepting an address
    nothing listens on costs nothing."""


ANY_CLOUD = NetworkBoundary()
"""A cluster of unknown cloud: no ingress controller known, every known metadata address excepted."""


@dataclass(frozen=True)
class PrometheusAccess:
    """How KEDA authenticates to a Prometheus: through a TriggerAuthentication that reads ``secret_parameters`` from
    a Secret (KEDA ``authModes`` ``auth_mode``), or that names KEDA's own ``pod_identity`` (the operator's workload
    identity, no Secret); ``trigger_metadata`` is what the trigger adds (such as ``awsRegion``)."""

    auth_mode: Optional[str] = None
    secret_parameters: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    pod_identity: Optional[str] = None
    trigger_metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PrometheusAgent:
    """A Prometheus in agent mode on the cluster that scrapes the monitors and forwards every sample to a managed
    backend by remote write, signed with AWS SigV4 by the workload identity its service account is annotated with."""

    remote_write_url: pulumi.Input[str]
    sigv4_region: str
    service_account_annotations: Mapping[str, pulumi.Input[str]]
    external_labels: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Labels on every sample it forwards (the cluster's, so one backend can tell clusters apart)."""
    pod_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """On its pods, so they restart (and take new credentials) when the workload identity changes."""


@dataclass(frozen=True)
class MetricsBackend:
    """The Prometheus that scrapes the catalog, evaluates its alerts and answers KEDA's queries
    (``observability``; built by :func:`components.kubernetes.observability.metrics_backend`, or by a cloud's
    ``metrics.py`` for ``backend: managed``)."""

    query_url: pulumi.Input[str]
    """URL KEDA queries when a trigger names no ``serverAddress``."""
    access: Optional[PrometheusAccess] = None
    """How KEDA authenticates to it; None: it takes no credential."""
    agent: Optional[PrometheusAgent] = None
    """The agent that collects for it, where the cluster must run one."""
    keda_values: Mapping[str, Any] = field(default_factory=dict)
    """Values of the keda chart it needs (the operator's workload identity)."""
    rules_in_cluster: bool = True
    """It evaluates PrometheusRule objects of the cluster; False: the cloud's component gives it the rules."""
    grafana_sidecar: bool = True
    """A Grafana dashboard sidecar loads the dashboards' ConfigMaps from its namespace; False: import them (README)."""
    scraper_namespace: Optional[str] = None
    """Namespace its scrapes come from, admitted by every service's NetworkPolicy."""
    object_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels by which it selects PodMonitors, ServiceMonitors and PrometheusRules."""
    monitoring_crds: bool = True
    """The cluster serves the Prometheus operator's CRDs, so scrape objects and rules can be applied."""
    ready: Sequence[pulumi.Resource] = ()
    """What must exist before a PodMonitor is applied (the release that installs the CRDs)."""


@dataclass(frozen=True)
class ClusterContext:
    """The cluster as the Kubernetes layer sees it. Built by each cloud's platform, or from a platform stack."""

    provider: k8s.Provider
    """The cluster's Kubernetes provider; every Kubernetes object of the catalog is created with it."""
    cloud: str
    """``alicloud``, ``aws`` or ``existing``: for messages only; behaviour comes from the fields below."""
    burst: BurstTarget = NO_BURST
    """Where the pods of bursting services go."""
    qps: Optional[QpsMetric] = None
    """How ingress QPS is counted; None where the cluster cannot count it."""
    model_claim: Optional[ClaimRef] = None
    """The PersistentVolumeClaim that holds models (``StackConfig.model_claim``); services with ``model.source: store``
    mount it read-only. None when the cluster has none."""
    s3: Optional[S3Access] = None
    """How services with ``model.source: s3`` reach their bucket; None when no S3 model source is configured."""
    creates_namespaces: bool = False
    """The platform owns the cluster's namespaces: the catalog creates the namespace of a service outside the
    built-in ones and the model claim's. False: the cluster's owner manages namespaces (an existing cluster, or a
    platform seen from an app team's stack), so none is created."""
    retains_namespaces: bool = False
    """The cluster is adopted, not created: a namespace the catalog creates may already hold others' workloads (a
    server-side apply of an existing Namespace adopts it without a word), so ``pulumi destroy`` leaves it in place
    (``retain_on_delete``) instead of deleting it with everything in it."""
    addons: frozenset[str] = frozenset()
    """Add-ons running on the cluster that services may need, by role (``components.kubernetes.addons``:
    Seldon Core, KEDA, the QPS metrics adapter)."""
    storage: Sequence[pulumi.Resource] = ()
    """What must exist before pods start (the model store, the S3 repository, the CSI driver). Passed explicitly
    because children do not inherit a component's ``depends_on`` (pulumi/pulumi#8721)."""
    network: NetworkBoundary = ANY_CLOUD
    """Sources admitted to serving ports and addresses excluded from egress (:func:`components.kubernetes.inference_service.network_policy_spec`)."""
    capacity: Sequence[pulumi.Resource] = ()
    """The nodes add-on pods run on; Helm releases wait for them, or they time out on a new cluster."""
    gpu_node_label: Optional[str] = None
    """A label every GPU node of the cluster's own has, where the DCGM exporter runs (ACK:
    ``aliyun.accelerator/nvidia_name``; EKS: ``nvidia.com/gpu.present``). None: no GPU nodes known to the stack."""
    metrics: Optional[MetricsBackend] = None
    """The stack's metrics backend; None with ``observability.backend: none``."""
