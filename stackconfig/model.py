"""The typed stack configuration: everything a stack file can say, and every default.

Each Pulumi config key of the project namespace (``elastic-inference:<key>``) is one field of
:class:`StackConfig`. Keys are camelCase, as Pulumi config keys conventionally are; unknown keys
are errors. Field defaults here are the only defaults of the program: components receive the
validated model and never invent a value of their own.

Rules that span several fields are checked in ``model_validator``s that collect *all* their
findings and raise them together (see :func:`_raise_findings`), so one run reports every
mistake, each with its own key path.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Callable, Literal, Optional

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

PROJECT = "elastic-inference"

DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
"""RFC 1123 label starting with a letter: a Kubernetes object or container name usable everywhere."""
DnsLabel = Annotated[str, StringConstraints(pattern=DNS_LABEL.pattern, max_length=63)]
"""A Kubernetes object name usable everywhere (RFC 1123 label, starting with a letter)."""

InstanceType = Annotated[
    str,
    StringConstraints(pattern=r"^ecs\.[a-z]+[0-9]*[a-z]*(-[a-z0-9]+)*\.([0-9]*x)?(large|medium|small|micro|nano)$"),
]
"""An ECS instance type, ``ecs.<family>.<size>``, e.g. ``ecs.gn7i-c8g1.2xlarge``."""

CpuQuantity = Annotated[str, StringConstraints(pattern=r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$")]
MemoryQuantity = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")]
LabelKey = Annotated[
    str,
    StringConstraints(pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"),
]
LabelValue = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")]
ZoneId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}-[a-z0-9-]+-[a-z0-9]+$")]
"""An Alibaba Cloud zone (``cn-beijing-h``) or an AWS availability zone (``us-east-1a``)."""
AwsInstanceType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*\.[0-9]*x?(large|medium|small|micro|nano|metal)(-[0-9]+xl)?$")]
"""An EC2 instance type, ``<family>.<size>``, e.g. ``g5.xlarge``."""


def _cidr_text(value: object) -> object:
    if not isinstance(value, (str, ipaddress.IPv4Network)):
        raise ValueError("must be a CIDR string such as 10.0.0.0/16")
    return value


Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text)]

GPU_FAMILY = re.compile(r"^ecs\.(ebm|s|v)?gn")
"""ECS families with NVIDIA GPUs: gn*, vgn*, sgn*, ebmgn* (ECS instance family documentation)."""

CREDENTIAL_NAME = re.compile(r"(ACCESS_?KEY|SECRET|PASSWORD|PASSWD|TOKEN|AK_?ID|AK_?SECRET)", re.IGNORECASE)
"""Env names that carry credentials; those belong in a Secret or workload identity, never in config."""


AWS_GPU_FAMILY = re.compile(r"^(g[0-9]+[a-z]*|gr[0-9]+[a-z]*|p[0-9]+[a-z]*)\.")
"""EC2 families with NVIDIA GPUs: g4dn, g5, g6, g6e, gr6, p4d, p5, ... (EKS "Use EKS-optimized accelerated AMIs")."""


def is_gpu_instance_type(instance_type: str) -> bool:
    return bool(GPU_FAMILY.match(instance_type))


Cloud = Literal["alicloud", "aws", "existing"]


class ConfigModel(BaseModel):
    """Base of every config section: camelCase keys only, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        frozen=True,
        use_attribute_docstrings=True,
    )


Finding = tuple[str, str, str]
"""(key path relative to the model being validated, message, hint)."""


def _raise_findings(findings: list[Finding]) -> None:
    """Raise every cross-field finding of one model at once; ``stackconfig.errors`` splits them."""
    if findings:
        raise PydanticCustomError(
            "config_rules",
            "{summary}",
            {"summary": "; ".join(message for _, message, _ in findings), "findings": findings},
        )


# --------------------------------------------------------------------------- network


def subnet_findings(vpc_cidr: ipaddress.IPv4Network,
                    subnets: list[tuple[str, list[ipaddress.IPv4Network]]]) -> list[Finding]:
    """Each subnet lies inside ``vpc_cidr`` and overlaps no other: ``subnets`` is ``[(key, cidrs), ...]``."""
    findings: list[Finding] = []
    flat = [(key, i, cidr) for key, cidrs in subnets for i, cidr in enumerate(cidrs)]
    for key, i, cidr in flat:
        if not cidr.subnet_of(vpc_cidr):
            findings.append((f"{key}[{i}]", f"{cidr} is not inside the VPC CIDR {vpc_cidr}", "pick a subnet of the VPC CIDR"))
    for a in range(len(flat)):
        for b in range(a + 1, len(flat)):
            if flat[a][2].overlaps(flat[b][2]):
                findings.append((f"{flat[b][0]}[{flat[b][1]}]",
                                 f"{flat[b][2]} overlaps {flat[a][0]}[{flat[a][1]}] ({flat[a][2]})",
                                 "subnet CIDRs must not overlap"))
    return findings


class NetworkConfig(ConfigModel):
    """The VPC the cluster lives in: created here, or an existing one."""

    vpc_cidr: Cidr = ipaddress.IPv4Network("192.168.0.0/16")
    """CIDR of the VPC created for the stack. Ignored when ``existingVpcId`` is set."""
    node_vswitch_cidrs: list[Cidr] = []
    """One CIDR per zone for the node vSwitches, in the order of ``zones``. Required when the VPC is created."""
    pod_vswitch_cidrs: list[Cidr] = []
    """One CIDR per zone for Terway pod vSwitches, in the order of ``zones``. Required when the VPC is created."""
    existing_vpc_id: Optional[Annotated[str, StringConstraints(pattern=r"^vpc-[a-z0-9]+$")]] = None
    """Use this VPC instead of creating one. Then ``existingNodeVswitchIds`` and ``existingPodVswitchIds`` are required."""
    existing_node_vswitch_ids: list[Annotated[str, StringConstraints(pattern=r"^vsw-[a-z0-9]+$")]] = []
    """Existing node vSwitch ids, one per zone, in the order of ``zones``."""
    existing_pod_vswitch_ids: list[Annotated[str, StringConstraints(pattern=r"^vsw-[a-z0-9]+$")]] = []
    """Existing Terway pod vSwitch ids, one per zone, in the order of ``zones``."""
    nat_gateway: bool = True
    """Create an Internet NAT gateway with an EIP and one SNAT entry per node and per pod vSwitch, so nodes and pods reach the Internet (public images, APIs). Ignored when ``existingVpcId`` is set."""
    nat_bandwidth_mbps: Annotated[int, Field(ge=1, le=200)] = 100
    """Bandwidth cap of the NAT gateway's EIP in Mbit/s (1-200). The EIP is billed by data transfer (``PayByTraffic``), so a high cap costs nothing by itself; every node pulls its (multi-GB) inference images through it."""

    @property
    def creates_vpc(self) -> bool:
        return self.existing_vpc_id is None

    @model_validator(mode="after")
    def _check(self) -> "NetworkConfig":
        findings: list[Finding] = []
        if self.creates_vpc:
            if self.existing_node_vswitch_ids or self.existing_pod_vswitch_ids:
                findings.append(("existingVpcId", "existing vSwitch ids are set but existingVpcId is not",
                                 "set existingVpcId too, or remove the existing vSwitch ids"))
            findings += subnet_findings(self.vpc_cidr, [("nodeVswitchCidrs", list(self.node_vswitch_cidrs)),
                                                        ("podVswitchCidrs", list(self.pod_vswitch_cidrs))])
        elif self.node_vswitch_cidrs or self.pod_vswitch_cidrs:
            findings.append(("existingVpcId", "vSwitch CIDRs are set but the VPC is an existing one",
                             "with existingVpcId, give existingNodeVswitchIds and existingPodVswitchIds instead"))
        _raise_findings(findings)
        return self


# --------------------------------------------------------------------------- cluster


ControlPlaneLogComponent = Literal["apiserver", "kcm", "scheduler", "ccm", "controlplane-events", "alb", "ack-goatscaler", "coredns"]


class ClusterConfig(ConfigModel):
    """The ACK Pro managed cluster."""

    kubernetes_version: Annotated[str, StringConstraints(pattern=r"^1\.[0-9]{2}\.[0-9]+-aliyun\.[0-9]+$")] = "1.35.2-aliyun.1"
    """ACK Kubernetes version, ``1.<minor>.<patch>-aliyun.<n>``. RRSA with the OSS CSI plugin needs 1.26 or later."""
    cluster_spec: Literal["ack.pro.small", "ack.standard"] = "ack.pro.small"
    """``ack.pro.small`` (ACK Pro, SLA-backed control plane) or ``ack.standard``."""
    service_cidr: Cidr = ipaddress.IPv4Network("172.16.0.0/16")
    """CIDR of Kubernetes Services; must not overlap the VPC."""
    public_api_server: bool = True
    """Expose the API server on an Internet SLB so ``pulumi up`` and CI outside the VPC can reach it."""
    control_plane_logs: list[ControlPlaneLogComponent] = ["apiserver", "kcm", "scheduler", "ccm"]
    """Control-plane components whose logs go to SLS."""
    control_plane_log_ttl_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Retention of control-plane logs, in days."""
    deletion_protection: Optional[bool] = None
    """Refuse to delete the cluster through the API. Default: on in production stacks, off elsewhere."""
    log_project: Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$")]] = None
    """Existing SLS project for cluster logs. Default: ACK creates ``k8s-log-<cluster id>``."""
    kubeconfig_ttl_minutes: Annotated[int, Field(ge=15, le=4320)] = 4320
    """Lifetime of the temporary kubeconfig the program fetches on every run for its Kubernetes provider and exports (15-4320 minutes). Once it has expired, run ``pulumi refresh``/``destroy`` with ``--run-program`` so they fetch a fresh one."""
    create_autoscaler_role: bool = False
    """Create the account-wide RAM role ``AliyunCSManagedAutoScalerRole`` that autoscaling node pools need. Leave off when the account already has it (ACK creates it when you authorize the console once); ``pulumi up`` then fails early with a clear message if it is missing. When on, the role belongs to this stack and is deleted with it: let only one stack per account own it."""


# --------------------------------------------------------------------------- node pools


class ScalingConfig(ConfigModel):
    """Bounds for the cluster autoscaler; it owns the node count in between."""

    min_size: Annotated[int, Field(ge=0, le=1000)]
    """Fewest nodes the autoscaler keeps."""
    max_size: Annotated[int, Field(ge=1, le=1000)]
    """Most nodes the autoscaler may create."""

    @model_validator(mode="after")
    def _check(self) -> "ScalingConfig":
        if self.min_size > self.max_size:
            _raise_findings([("minSize", f"minSize {self.min_size} is greater than maxSize {self.max_size}",
                              "minSize must be at most maxSize")])
        return self


class SpotPriceLimit(ConfigModel):
    instance_type: InstanceType
    """Instance type the limit applies to; must be one of the pool's instanceTypes."""
    price_limit: Annotated[float, Field(gt=0)]
    """Highest hourly price to bid, in the account's currency."""


class SpotConfig(ConfigModel):
    """Preemptible (spot) capacity with a pay-as-you-go share, as in the ACK elastic-inference guides."""

    strategy: Literal["SpotAsPriceGo", "SpotWithPriceLimit"] = "SpotAsPriceGo"
    """``SpotAsPriceGo`` bids the market price; ``SpotWithPriceLimit`` needs ``priceLimits``."""
    price_limits: list[SpotPriceLimit] = []
    """Per-type price caps, for ``SpotWithPriceLimit``."""
    on_demand_base_capacity: Annotated[int, Field(ge=0, le=1000)] = 0
    """Pay-as-you-go nodes kept before any spot node is added."""
    on_demand_percentage_above_base_capacity: Annotated[int, Field(ge=0, le=100)] = 30
    """Share of pay-as-you-go nodes above the base capacity, in percent (the guides: 30)."""
    compensate_with_on_demand: bool = True
    """Add pay-as-you-go nodes when spot capacity is short (needs ``multiAzPolicy: COST_OPTIMIZED``)."""
    instance_pools: Annotated[int, Field(ge=1, le=10)] = 3
    """Number of cheapest instance types to spread spot nodes over (1-10)."""
    instance_remedy: bool = True
    """Replace a spot node ahead of its reclaim notice."""


class NodeTaint(ConfigModel):
    key: LabelKey
    value: LabelValue = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"


GPU_TAINT = NodeTaint(key="nvidia.com/gpu", value="present", effect="NoSchedule")
"""Taint put on GPU pools unless ``taints`` is given: only pods that ask for GPUs tolerate it."""


class NodePoolConfig(ConfigModel):
    """An ACK node pool scaled by the cluster autoscaler."""

    name: DnsLabel
    """Node pool name, unique in the stack."""
    instance_types: Annotated[list[InstanceType], Field(min_length=1, max_length=10)]
    """Instance types tried in order. GPU pools use GPU families (gn*, ebmgn*, ...)."""
    scaling: ScalingConfig
    """Autoscaler bounds."""
    spot: Optional[SpotConfig] = None
    """Spot settings; omit for a pay-as-you-go pool."""
    multi_az_policy: Optional[Literal["PRIORITY", "COST_OPTIMIZED", "BALANCE"]] = None
    """How nodes spread over zones. Default: ``COST_OPTIMIZED`` for spot pools, ``BALANCE`` otherwise."""
    labels: dict[LabelKey, LabelValue] = {}
    """Kubernetes labels of the nodes; services select pools by these."""
    taints: Optional[list[NodeTaint]] = None
    """Node taints. Default: GPU pools get ``nvidia.com/gpu=present:NoSchedule``, others none."""
    system_disk_category: Literal["cloud_essd", "cloud_auto", "cloud_efficiency", "cloud_ssd"] = "cloud_essd"
    """System disk category."""
    system_disk_size_gib: Annotated[int, Field(ge=40, le=2048)] = 120
    """System disk size in GiB; inference images are large."""

    @property
    def gpu(self) -> bool:
        return is_gpu_instance_type(self.instance_types[0])

    @property
    def effective_multi_az_policy(self) -> str:
        if self.multi_az_policy:
            return self.multi_az_policy
        return "COST_OPTIMIZED" if self.spot else "BALANCE"

    @property
    def effective_taints(self) -> list[NodeTaint]:
        if self.taints is not None:
            return self.taints
        return [GPU_TAINT] if self.gpu else []

    @model_validator(mode="after")
    def _check(self) -> "NodePoolConfig":
        findings: list[Finding] = []
        kinds = {is_gpu_instance_type(t) for t in self.instance_types}
        if len(kinds) > 1:
            findings.append(("instanceTypes", "mixes GPU and non-GPU instance types",
                             "a pool is either GPU or CPU; split it into two pools"))
        if self.spot:
            if self.spot.compensate_with_on_demand and self.effective_multi_az_policy != "COST_OPTIMIZED":
                findings.append(("spot.compensateWithOnDemand",
                                 f"needs multiAzPolicy COST_OPTIMIZED, not {self.effective_multi_az_policy}",
                                 "set multiAzPolicy: COST_OPTIMIZED or compensateWithOnDemand: false"))
            if self.spot.strategy == "SpotWithPriceLimit" and not self.spot.price_limits:
                findings.append(("spot.priceLimits", "SpotWithPriceLimit needs at least one price limit",
                                 "add priceLimits or use strategy SpotAsPriceGo"))
            if self.spot.strategy == "SpotAsPriceGo" and self.spot.price_limits:
                findings.append(("spot.priceLimits", "price limits are only used with SpotWithPriceLimit",
                                 "remove priceLimits or set strategy: SpotWithPriceLimit"))
            for i, limit in enumerate(self.spot.price_limits):
                if limit.instance_type not in self.instance_types:
                    findings.append((f"spot.priceLimits[{i}].instanceType",
                                     f"{limit.instance_type} is not one of the pool's instanceTypes",
                                     "limit only types the pool uses"))
            if self.spot.on_demand_base_capacity > self.scaling.max_size:
                findings.append(("spot.onDemandBaseCapacity",
                                 f"{self.spot.on_demand_base_capacity} is more than scaling.maxSize {self.scaling.max_size}",
                                 "the base capacity must fit in the pool"))
        _raise_findings(findings)
        return self


def default_node_pools() -> list[NodePoolConfig]:
    """A small pay-as-you-go system pool and the guides' spot GPU inference pool."""
    return [
        NodePoolConfig.model_validate(
            {"name": "system", "instanceTypes": ["ecs.g7.xlarge", "ecs.g6.xlarge"],
             "scaling": {"minSize": 2, "maxSize": 4}, "labels": {"workload": "system"}}
        ),
        NodePoolConfig.model_validate(
            {"name": "gpu-inference", "instanceTypes": ["ecs.gn7i-c8g1.2xlarge", "ecs.gn6i-c4g1.xlarge"],
             "scaling": {"minSize": 0, "maxSize": 10}, "spot": {},
             "labels": {"workload": "inference"}}
        ),
    ]


# --------------------------------------------------------------------------- model store


class ModelStoreConfig(ConfigModel):
    """The OSS bucket that holds models, mounted into pods read-only through the OSS CSI plugin and RRSA."""

    bucket_name: Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$")]] = None
    """Bucket name (globally unique). Default: ``elastic-inference-<environment>-models``."""
    namespace: DnsLabel = "inference"
    """Namespace of the PersistentVolumeClaim; services that mount the store run here."""
    claim_name: DnsLabel = "model-store"
    """Name of the PersistentVolume and its claim."""
    capacity: MemoryQuantity = "100Gi"
    """Nominal size of the volume (OSS is not size-limited; Kubernetes requires a value)."""
    path: Annotated[str, StringConstraints(pattern=r"^/([-A-Za-z0-9_.]+/?)*$")] = "/"
    """Folder of the bucket that is mounted; services' model paths are relative to it."""
    write_access: bool = False
    """Mount read-write and allow the role to write. Needs ``writeAccessReason``."""
    write_access_reason: Optional[Annotated[str, StringConstraints(min_length=10)]] = None
    """Why pods must write to the model store (reviewed in the pull request)."""
    encryption: Literal["AES256", "KMS"] = "AES256"
    """Server-side encryption: OSS-managed keys (``AES256``) or KMS (``KMS``, optionally ``kmsKeyId``)."""
    kms_key_id: Optional[str] = None
    """KMS key for ``encryption: KMS``. Default: the OSS service key of the account."""
    redundancy_type: Literal["ZRS", "LRS"] = "ZRS"
    """Bucket redundancy. ``ZRS`` stores copies in several zones of the region, so models stay readable when a zone fails, like the multi-zone node pools; ``LRS`` stores them in one zone. OSS offers ZRS only in some regions (OSS "Disaster recovery" page: cn-hangzhou, cn-shanghai, cn-beijing, cn-zhangjiakou, cn-wulanchabu, cn-shenzhen, cn-hongkong, ap-northeast-1, ap-southeast-1, ap-southeast-5, eu-central-1, ...); elsewhere set ``LRS``. Chosen when the bucket is created."""
    mount_options: str = "-o max_stat_cache_size=0 -o allow_other"
    """ossfs options (``otherOpts``); the guides' values by default."""

    @model_validator(mode="after")
    def _check(self) -> "ModelStoreConfig":
        findings: list[Finding] = []
        if self.write_access and not self.write_access_reason:
            findings.append(("writeAccessReason", "writeAccess is on but no reason is given",
                             "say why pods must write models, or keep the store read-only"))
        if self.write_access_reason and not self.write_access:
            findings.append(("writeAccessReason", "a reason is given but writeAccess is off", "remove writeAccessReason"))
        if self.kms_key_id and self.encryption != "KMS":
            findings.append(("kmsKeyId", "kmsKeyId is set but encryption is not KMS", "set encryption: KMS"))
        _raise_findings(findings)
        return self


# --------------------------------------------------------------------------- burst and add-ons


class VirtualNodesConfig(ConfigModel):
    """Virtual nodes (the ``ack-virtual-node`` add-on) through which pods burst onto ECI."""

    enabled: bool = True
    """Install the add-on. Services with ``burst`` other than ``none`` need it."""


class HelmChartConfig(ConfigModel):
    """A Helm chart pinned to one version."""

    repository: Annotated[str, StringConstraints(pattern=r"^(https|oci)://\S+$")]
    """Chart repository URL (https or oci)."""
    chart: Annotated[str, StringConstraints(min_length=1)]
    """Chart name in the repository."""
    version: Annotated[str, StringConstraints(pattern=r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")]
    """Exact chart version (no ranges: an upgrade is a reviewed change)."""
    namespace: DnsLabel
    """Namespace the release is installed into."""


class AddonsConfig(ConfigModel):
    """Cluster software beyond ACK's create-time add-ons."""

    # 1.3.3: newest version found published; Alibaba Cloud's own ROS HPA solution template installs
    # charts-incubator/ack-alibaba-cloud-metrics-adapter-1.3.3.tgz. No in-place upgrades (ACK doc
    # "Horizontally scale pods with Alibaba Cloud metrics"): components.addons reinstalls on a change.
    metrics_adapter: HelmChartConfig = HelmChartConfig(
        repository="https://aliacs-app-catalog.oss-cn-hangzhou.aliyuncs.com/charts-incubator/",
        chart="ack-alibaba-cloud-metrics-adapter",
        version="1.3.3",
        namespace="kube-system",
    )
    """``ack-alibaba-cloud-metrics-adapter``: serves ``sls_ingress_qps`` to HPAs. A version change reinstalls it."""
    # 1.19: Seldon's compatibility matrix validates 1.16-1.18 only up to Kubernetes 1.27, 1.19 on
    # 1.23-1.35 (docs.seldon.ai "Install in Kubernetes"). BSL 1.1 licensed since 1.18.
    seldon_core: HelmChartConfig = HelmChartConfig(
        repository="https://storage.googleapis.com/seldon-charts",
        chart="seldon-core-operator",
        version="1.19.0",
        namespace="seldon-system",
    )
    """Seldon Core v1 operator; installed only when a service has ``server: seldon``."""
    # KEDA supports the three newest Kubernetes minors at its release (2.18: 1.31-1.33, 2.19: 1.32-1.34;
    # keda.sh "Cluster"), so ACK 1.35 needs 2.20+; 2.21.1 is the latest chart (kedacore/charts releases).
    keda: HelmChartConfig = HelmChartConfig(
        repository="https://kedacore.github.io/charts",
        chart="keda",
        version="2.21.1",
        namespace="keda",
    )
    """KEDA; installed only when a service autoscales with ``keda``."""


# --------------------------------------------------------------------------- services


ServerKind = Literal["tfserving", "triton", "seldon"]

DEFAULT_IMAGES: dict[tuple[str, bool], str] = {
    ("tfserving", True): "tensorflow/serving:2.19.1-gpu",
    ("tfserving", False): "tensorflow/serving:2.19.1",
    ("triton", True): "nvcr.io/nvidia/tritonserver:25.01-py3",
    ("triton", False): "nvcr.io/nvidia/tritonserver:25.01-py3",
}
"""Pinned server images per (kind, uses GPUs). A ``seldon`` service uses its implementation's image."""


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
            _raise_findings([("", f"sets {', '.join(chosen) or 'nothing'}",
                              "set exactly one of latest, specific, all")])
        return self


class ModelConfig(ConfigModel):
    """The model a service serves."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*$")]
    """Model name as the server knows it (TF Serving ``--model_name``, Triton model folder)."""
    path: Annotated[str, StringConstraints(min_length=1)]
    """Path of the model folder (TF Serving) or model repository (Triton) inside the model store, e.g. ``models/fashion-mnist``."""
    source: Literal["store", "s3"] = "store"
    """``store``: the stack's model store (OSS on ACK, S3 on EKS, the given claim on an existing cluster), mounted read-only. ``s3``: the S3 model repository (``s3ModelRepository``, or the EKS model bucket through IRSA)."""
    version_policy: VersionPolicy = VersionPolicy(latest=1)
    """Versions to serve. Default: the newest one."""

    @model_validator(mode="after")
    def _check(self) -> "ModelConfig":
        parts = self.path.split("/")
        if self.path.startswith("/") or ".." in parts or "" in parts or "." in parts:
            _raise_findings([("path", f"{self.path!r} is not a relative path inside the model store",
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
    type: Literal["Pods", "Percent"]
    value: Annotated[int, Field(ge=1)]
    period_seconds: Annotated[int, Field(ge=1, le=1800)]


class ScalingRules(ConfigModel):
    """One direction of HPA ``behavior``."""

    stabilization_window_seconds: Annotated[int, Field(ge=0, le=3600)]
    policies: list[ScalingPolicy] = []
    """Rate limits; empty means the Kubernetes defaults."""
    select_policy: Literal["Max", "Min", "Disabled"] = "Max"


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


class KedaTrigger(ConfigModel):
    """KEDA ``ScaledObject`` with a Prometheus trigger."""

    server_address: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    """Prometheus URL."""
    query: Annotated[str, StringConstraints(min_length=1)]
    """PromQL query whose value is compared with ``threshold``."""
    threshold: Annotated[float, Field(gt=0)]
    """Target value per replica."""
    activation_threshold: Annotated[float, Field(ge=0)] = 0
    """Above this value KEDA scales from 0 to 1."""
    polling_interval_seconds: Annotated[int, Field(ge=1, le=3600)] = 30
    """How often KEDA queries Prometheus."""
    cooldown_period_seconds: Annotated[int, Field(ge=0, le=86400)] = 300
    """Wait after the last active trigger before scaling to zero."""


class AutoscalingConfig(ConfigModel):
    """Replica bounds and exactly one of ``qps``, ``cpu``, ``memory``, ``keda``."""

    min_replicas: Annotated[int, Field(ge=0, le=1000)] = 1
    """Fewest replicas; 0 (scale to zero) only with ``keda``."""
    max_replicas: Annotated[int, Field(ge=1, le=1000)]
    """Most replicas."""
    behavior: BehaviorConfig = BehaviorConfig()
    """Scale-up and scale-down behaviour."""
    qps: Optional[QpsMetric] = None
    cpu: Optional[UtilizationMetric] = None
    memory: Optional[UtilizationMetric] = None
    keda: Optional[KedaTrigger] = None

    @property
    def mode(self) -> str:
        return next(k for k in ("qps", "cpu", "memory", "keda") if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _check(self) -> "AutoscalingConfig":
        findings: list[Finding] = []
        chosen = [k for k in ("qps", "cpu", "memory", "keda") if getattr(self, k) is not None]
        if len(chosen) != 1:
            findings.append(("", f"sets {' and '.join(chosen) or 'no autoscaler'}",
                             "set exactly one of qps, cpu, memory, keda"))
        if self.min_replicas > self.max_replicas:
            findings.append(("maxReplicas", f"maxReplicas {self.max_replicas} is less than minReplicas {self.min_replicas}",
                             "maxReplicas must be at least minReplicas"))
        if self.min_replicas == 0 and chosen and chosen != ["keda"]:
            findings.append(("minReplicas", "scale to zero needs keda; an HPA keeps at least one replica",
                             "set minReplicas: 1 or autoscale with keda"))
        _raise_findings(findings)
        return self


class IngressConfig(ConfigModel):
    """An Ingress in front of the service's REST port (ACK installs the NGINX ingress controller; elsewhere bring one)."""

    host: Annotated[str, StringConstraints(pattern=r"^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$")]
    """Host name routed to the service."""
    path: Annotated[str, StringConstraints(pattern=r"^/\S*$")] = "/"
    """Path prefix."""
    class_name: DnsLabel = "nginx"
    """IngressClass; ACK's NGINX ingress controller is ``nginx``."""
    tls_secret_name: Optional[DnsLabel] = None
    """Secret with the TLS certificate for ``host``; no TLS when unset."""


class SeldonConfig(ConfigModel):
    """How a ``seldon`` service serves its model."""

    implementation: Literal["tfserving", "triton"] = "tfserving"
    """``tfserving``: TF Serving behind Seldon's TF Serving proxy (the ESS guide). ``triton``: Seldon's Triton server (the tutorial)."""


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
    image: Optional[Annotated[str, StringConstraints(pattern=r"^\S+:[\w][\w.-]{0,127}$|^\S+@sha256:[a-f0-9]{64}$")]] = None
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
    env: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str] = {}
    """Extra environment variables of the server container. Credentials are refused here."""

    @property
    def serving_kind(self) -> str:
        """The server that actually loads the model: the kind, or a Seldon service's implementation."""
        return (self.seldon or SeldonConfig()).implementation if self.server == "seldon" else self.server

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
        for name in self.env:
            if CREDENTIAL_NAME.search(name):
                findings.append((f"env.{name}", "looks like a credential; config is stored in the repository",
                                 "use workload identity (RRSA), or a Kubernetes Secret from a secure config value"))
        if self.serving_kind == "triton" and self.model.version_policy != VersionPolicy(latest=1):
            findings.append(("model.versionPolicy", "Triton takes its version policy from the model's config.pbtxt, not from the command line",
                             "set version_policy in the model repository's config.pbtxt and remove versionPolicy"))
        if self.server == "seldon" and self.autoscaling.mode != "keda" and self.autoscaling.behavior != BehaviorConfig():
            findings.append(("autoscaling.behavior", "Seldon's hpaSpec has no behavior, so it cannot be applied",
                             "remove behavior (Kubernetes' defaults apply) or autoscale with keda"))
        if self.serving_kind == "triton" and self.server == "seldon" and not DNS_LABEL.match(self.model.name):
            findings.append(("model.name", f"{self.model.name!r} names Seldon's Triton container and must be a DNS label",
                             "use lowercase letters, digits and '-' (rename the model folder to match)"))
        if self.model.source == "s3" and self.serving_kind != "triton":
            findings.append(("model.source", f"{self.serving_kind} cannot read models from S3 here",
                             "S3 model repositories are served by triton; use source: store"))
        _raise_findings(findings)
        return self


class S3ModelRepositoryConfig(ConfigModel):
    """The S3 bucket Triton loads models from, as in the Seldon tutorial (created with pulumi-aws)."""

    bucket_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][-a-z0-9.]{1,61}[a-z0-9]$")]
    """Bucket name (globally unique)."""
    region: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")]
    """AWS region of the bucket."""


class S3Credentials(ConfigModel):
    """An AWS access key for reading the S3 model repository, set with
    ``pulumi config set --secret --path s3Credentials.accessKeyId ...`` (and ``.secretAccessKey``).
    It reaches pods only as a Kubernetes Secret; prefer a workload identity where the cluster has one."""

    access_key_id: SecretStr
    """AWS access key id."""
    secret_access_key: SecretStr
    """AWS secret access key."""


# --------------------------------------------------------------------------- cloud: aws


class AwsNodeGroupConfig(ConfigModel):
    """The EKS managed node group for system add-ons (CoreDNS, the cluster autoscaler, operators)."""

    instance_types: Annotated[list[AwsInstanceType], Field(min_length=1, max_length=10)] = ["m6i.large", "m5.large"]
    """On-demand instance types of the group."""
    scaling: ScalingConfig = ScalingConfig.model_validate({"minSize": 2, "maxSize": 4})
    """Bounds; the cluster autoscaler owns the count in between."""
    labels: dict[LabelKey, LabelValue] = {"workload": "system"}
    """Kubernetes labels of the nodes."""
    disk_size_gib: Annotated[int, Field(ge=20, le=16384)] = 50
    """Root volume size in GiB."""


class AwsGpuCapacityConfig(ConfigModel):
    """The GPU inference capacity: an EC2 Auto Scaling group of spot and on-demand GPU instances.

    EKS managed node groups cannot mix on-demand and spot, so the guides' 30 % pay-as-you-go share needs an Auto
    Scaling group with a mixed-instances policy; it joins the cluster through an EKS access entry and is scaled by
    the cluster autoscaler, which discovers it by its tags."""

    instance_types: Annotated[list[AwsInstanceType], Field(min_length=1, max_length=20)] = ["g5.xlarge", "g6.xlarge", "g4dn.xlarge"]
    """GPU instance types (``g*``/``p*`` families) the group may launch; more types, more spot pools."""
    scaling: ScalingConfig = ScalingConfig.model_validate({"minSize": 0, "maxSize": 10})
    """Bounds of the group; the cluster autoscaler owns the desired capacity."""
    on_demand_base_capacity: Annotated[int, Field(ge=0, le=1000)] = 0
    """On-demand instances kept before any spot instance is added."""
    on_demand_percentage_above_base_capacity: Annotated[int, Field(ge=0, le=100)] = 30
    """Share of on-demand instances above the base capacity, in percent (the guides: 30)."""
    spot_allocation_strategy: Literal["price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized", "lowest-price"] = "price-capacity-optimized"
    """How spot capacity is spread over the spot pools; ``price-capacity-optimized`` picks the pools least likely to be interrupted, then the cheapest (AWS's recommendation)."""
    labels: dict[LabelKey, LabelValue] = {"workload": "inference"}
    """Kubernetes labels of the nodes; services select the capacity by these. The nodes are also tainted ``nvidia.com/gpu=present:NoSchedule``."""
    root_volume_size_gib: Annotated[int, Field(ge=20, le=16384)] = 200
    """Root volume size in GiB; inference images are large."""

    @model_validator(mode="after")
    def _check(self) -> "AwsGpuCapacityConfig":
        findings: list[Finding] = [(f"instanceTypes[{i}]", f"{t} is not a GPU instance type", "use a g* or p* family")
                                   for i, t in enumerate(self.instance_types) if not AWS_GPU_FAMILY.match(t)]
        if self.on_demand_base_capacity > self.scaling.max_size:
            findings.append(("onDemandBaseCapacity", f"{self.on_demand_base_capacity} is more than scaling.maxSize {self.scaling.max_size}",
                             "the base capacity must fit in the group"))
        _raise_findings(findings)
        return self


EksAccessPolicy = Literal["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"]


class AwsAccessEntry(ConfigModel):
    """An IAM principal allowed into the cluster: an EKS access entry with one access policy."""

    principal_arn: Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/\S+$")]
    """ARN of the IAM role or user."""
    policy: EksAccessPolicy = "AmazonEKSClusterAdminPolicy"
    """EKS access policy granted (``arn:aws:eks::aws:cluster-access-policy/<policy>``)."""
    namespaces: list[DnsLabel] = []
    """Limit the policy to these namespaces. Default: the whole cluster."""


class AwsModelStoreConfig(ConfigModel):
    """The S3 bucket that holds models, mounted read-only into pods with the Mountpoint for Amazon S3 CSI driver."""

    bucket_name: Optional[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$")]] = None
    """Bucket name (globally unique). Default: ``<project>-<environment>-models``."""
    namespace: DnsLabel = "inference"
    """Namespace of the PersistentVolumeClaim; services that mount the store run here."""
    claim_name: DnsLabel = "model-store"
    """Name of the PersistentVolume and its claim."""
    capacity: MemoryQuantity = "100Gi"
    """Nominal size of the volume (S3 is not size-limited; Kubernetes requires a value)."""
    prefix: Optional[Annotated[str, StringConstraints(pattern=r"^([-A-Za-z0-9_.]+/)+$")]] = None
    """Mount only this prefix of the bucket (ending in ``/``); services' model paths are relative to it. Default: the whole bucket."""
    csi_driver_version: Optional[Annotated[str, StringConstraints(pattern=r"^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$")]] = None
    """Version of the ``aws-mountpoint-s3-csi-driver`` EKS add-on, e.g. ``v1.15.0-eksbuild.1``. Default: the version EKS installs by default for the cluster's Kubernetes version."""


class AwsConfig(ConfigModel):
    """The AWS platform (``cloud: aws``): VPC, EKS, capacity, model store and the add-ons that serve them."""

    vpc_cidr: Cidr = ipaddress.IPv4Network("10.0.0.0/16")
    """CIDR of the VPC created for the stack."""
    public_subnet_cidrs: list[Cidr] = []
    """One public subnet CIDR per zone (load balancers, NAT gateways), in the order of ``zones``."""
    private_subnet_cidrs: list[Cidr] = []
    """One private subnet CIDR per zone (nodes, Fargate pods), in the order of ``zones``. Pods take VPC addresses (VPC CNI): make them large."""
    kubernetes_version: Annotated[str, StringConstraints(pattern=r"^1\.[0-9]{2}$")] = "1.33"
    """EKS Kubernetes version, ``1.<minor>``."""
    public_api_server: bool = True
    """Expose the API server endpoint publicly (and privately inside the VPC) so ``pulumi up`` and CI outside the VPC can reach it."""
    access_entries: list[AwsAccessEntry] = []
    """IAM principals allowed into the cluster besides the identity that creates it (which EKS makes cluster admin)."""
    system_nodes: AwsNodeGroupConfig = AwsNodeGroupConfig()
    """The managed node group for system add-ons."""
    gpu_nodes: AwsGpuCapacityConfig = AwsGpuCapacityConfig()
    """The GPU inference capacity (spot and on-demand)."""
    model_store: AwsModelStoreConfig = AwsModelStoreConfig()
    """The S3 model store."""
    cluster_autoscaler: HelmChartConfig = HelmChartConfig(
        repository="https://kubernetes.github.io/autoscaler",
        chart="cluster-autoscaler",
        version="9.50.1",
        namespace="kube-system",
    )
    """The cluster autoscaler chart; it scales the system node group and the GPU Auto Scaling group."""
    cluster_autoscaler_image_tag: Annotated[str, StringConstraints(pattern=r"^v1\.[0-9]{2}\.[0-9]+$")] = "v1.33.3"
    """Cluster autoscaler image tag; its minor version must equal ``kubernetesVersion`` (the autoscaler simulates the scheduler of its own minor)."""
    nvidia_device_plugin: HelmChartConfig = HelmChartConfig(
        repository="https://nvidia.github.io/k8s-device-plugin",
        chart="nvidia-device-plugin",
        version="0.17.4",
        namespace="kube-system",
    )
    """NVIDIA device plugin chart: EKS's AL2023 NVIDIA AMIs need it to offer ``nvidia.com/gpu``."""
    metrics_server: HelmChartConfig = HelmChartConfig(
        repository="https://kubernetes-sigs.github.io/metrics-server/",
        chart="metrics-server",
        version="3.12.2",
        namespace="kube-system",
    )
    """metrics-server chart, for ``cpu``/``memory`` autoscaling (EKS does not install it); installed only when a service needs it."""

    @model_validator(mode="after")
    def _check(self) -> "AwsConfig":
        findings = subnet_findings(self.vpc_cidr, [("publicSubnetCidrs", list(self.public_subnet_cidrs)),
                                                   ("privateSubnetCidrs", list(self.private_subnet_cidrs))])
        if self.cluster_autoscaler_image_tag.removeprefix("v").rsplit(".", 1)[0] != self.kubernetes_version:
            findings.append(("clusterAutoscalerImageTag", f"{self.cluster_autoscaler_image_tag} does not match kubernetesVersion {self.kubernetes_version}",
                             f"use a v{self.kubernetes_version}.<patch> tag"))
        _raise_findings(findings)
        return self


# --------------------------------------------------------------------------- cloud: existing


class ClaimRef(ConfigModel):
    """An existing PersistentVolumeClaim."""

    namespace: DnsLabel
    """Namespace of the claim; services that mount it run here."""
    name: DnsLabel
    """Name of the claim."""


class ExistingClusterConfig(ConfigModel):
    """An existing cluster reached through a kubeconfig (``cloud: existing``), e.g. a local kind cluster."""

    context: Optional[Annotated[str, StringConstraints(min_length=1)]] = None
    """kubeconfig context to deploy to, e.g. ``kind-kind``. Default: the kubeconfig's current context."""
    kubeconfig: Optional[Annotated[str, StringConstraints(min_length=1)]] = None
    """Path of the kubeconfig file. Default: ``$KUBECONFIG``, else ``~/.kube/config``."""
    model_claim: Optional[ClaimRef] = None
    """The existing claim that holds models, for services with ``model.source: store``."""


# --------------------------------------------------------------------------- the stack


class StackConfig(ConfigModel):
    """Everything one stack (environment) says: the ``elastic-inference:*`` config keys."""

    cloud: Cloud = "alicloud"
    """Where the platform runs. ``alicloud``: ACK Pro on Alibaba Cloud (the top-level ``network``, ``cluster``, ``nodePools``, ``modelStore``, ``virtualNodes`` keys). ``aws``: EKS (the ``aws`` key). ``existing``: only the workloads, onto the cluster of a kubeconfig context (the ``existing`` key)."""
    environment: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,15}$")]
    """Environment name (dev, staging, prod, ...), used in resource names and tags."""
    production: bool = False
    """Production stack: three zones required, deletion protection, and ``protect`` on what holds data."""
    region: Optional[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z0-9-]+$")]] = None
    """Region, e.g. ``cn-beijing`` (alicloud) or ``us-east-1`` (aws). Required on alicloud and aws; not used by ``existing``."""
    zones: Annotated[list[ZoneId], Field(min_length=2, max_length=5)] = []
    """Zones to spread nodes over, e.g. ``cn-beijing-h`` or ``us-east-1a``: at least two, three in production. Required on alicloud and aws; not used by ``existing``."""
    network: NetworkConfig = NetworkConfig()
    """VPC and vSwitches (alicloud)."""
    cluster: ClusterConfig = ClusterConfig()
    """The ACK cluster (alicloud)."""
    node_pools: Annotated[list[NodePoolConfig], Field(min_length=1)] = Field(default_factory=default_node_pools)
    """Node pools (alicloud). Default: a ``system`` pool and the spot ``gpu-inference`` pool."""
    model_store: ModelStoreConfig = ModelStoreConfig()
    """OSS model store (alicloud)."""
    virtual_nodes: VirtualNodesConfig = VirtualNodesConfig()
    """ECI burst through virtual nodes (alicloud)."""
    aws: AwsConfig = AwsConfig()
    """The EKS platform (aws)."""
    existing: ExistingClusterConfig = ExistingClusterConfig()
    """The existing cluster (existing)."""
    addons: AddonsConfig = AddonsConfig()
    """Pinned Helm charts installed into the cluster (``metricsAdapter`` only on alicloud)."""
    services: list[ServiceConfig] = []
    """The catalog of inference services."""
    s3_model_repository: Optional[S3ModelRepositoryConfig] = None
    """S3 model repository for services with ``model.source: s3`` (alicloud, existing; on aws such services read the ``aws.modelStore`` bucket with IRSA)."""
    s3_credentials: Optional[S3Credentials] = None
    """AWS credentials the pods use to read the S3 model repository (the tutorial's way); both values must be ``secure:``."""
    tags: Annotated[
        dict[Annotated[str, StringConstraints(min_length=1, max_length=128)], Annotated[str, StringConstraints(max_length=128)]],
        Field(max_length=7),
    ] = {}
    """Tags added to every cloud resource that takes tags, besides project, environment and managed-by. At most 7: an OSS bucket takes 10 tags."""

    @model_validator(mode="after")
    def _check(self) -> "StackConfig":
        _raise_findings([finding for rule in CROSS_SECTION_RULES for finding in rule.check(self)])
        return self

    @property
    def bucket_name(self) -> str:
        """The model store's bucket: OSS on alicloud, S3 on aws (default ``<project>-<environment>-models`` on both)."""
        chosen = self.aws.model_store.bucket_name if self.cloud == "aws" else self.model_store.bucket_name
        return chosen or f"{PROJECT}-{self.environment}-models"

    @property
    def model_claim(self) -> Optional[ClaimRef]:
        """The claim services with ``model.source: store`` mount: the stack's own store, or an existing claim."""
        if self.cloud == "alicloud":
            return ClaimRef(namespace=self.model_store.namespace, name=self.model_store.claim_name)
        if self.cloud == "aws":
            return ClaimRef(namespace=self.aws.model_store.namespace, name=self.aws.model_store.claim_name)
        return self.existing.model_claim

    @property
    def protect_data(self) -> bool:
        return self.production

    @property
    def deletion_protection(self) -> bool:
        return self.production if self.cluster.deletion_protection is None else self.cluster.deletion_protection

    @property
    def needs_seldon(self) -> bool:
        return any(s.server == "seldon" for s in self.services)

    @property
    def needs_keda(self) -> bool:
        return any(s.autoscaling.keda is not None for s in self.services)


# --------------------------------------------------------------------------- rules across sections


@dataclass(frozen=True)
class CrossSectionRule:
    """A rule over several top-level sections. It runs whenever the sections it ``reads`` are valid,
    even if other sections have errors, so one run reports every mistake (see ``stackconfig.load``)."""

    reads: frozenset[str]
    """Top-level keys (camelCase) the rule reads."""
    check: Callable[["StackConfig"], list[Finding]]


ACK_ONLY_KEYS: dict[str, str] = {
    "network": "network", "cluster": "cluster", "node_pools": "nodePools", "model_store": "modelStore",
    "virtual_nodes": "virtualNodes",
}
"""Top-level keys (field name -> key) that configure ACK; a stack on another cloud must not set them."""
CLOUD_SECTIONS: dict[str, tuple[str, str]] = {"aws": ("aws", "aws"), "existing": ("existing", "existing")}
"""The section (field name, key) of each non-ACK cloud; only that cloud may set it."""


def _set(model: BaseModel, field: str) -> bool:
    """Whether the stack file set ``field`` of ``model`` (defaults do not count)."""
    return field in model.model_fields_set


def _check_cloud_keys(config: StackConfig) -> list[Finding]:
    """Each cloud's options appear only on that cloud: a key a stack sets but its cloud ignores is a mistake."""
    findings: list[Finding] = []
    cloud = config.cloud
    if cloud != "alicloud":
        findings += [(key, f"is an ACK option, but cloud is {cloud}", f"remove {key}; cloud {cloud} is configured under '{cloud}'")
                     for field, key in ACK_ONLY_KEYS.items() if _set(config, field)]
        if _set(config.addons, "metrics_adapter"):
            findings.append(("addons.metricsAdapter", f"the SLS QPS metrics adapter exists only on ACK, but cloud is {cloud}",
                             "remove addons.metricsAdapter"))
    for section, (field, key) in CLOUD_SECTIONS.items():
        if cloud != section and _set(config, field):
            findings.append((key, f"configures cloud {section}, but cloud is {cloud}", f"remove {key} or set cloud: {section}"))
    if cloud == "existing":
        findings += [(key, "is not used by cloud existing (the cluster is already there)", f"remove {key}")
                     for key in ("region", "zones") if _set(config, key)]
    else:
        findings += [(key, f"is required on cloud {cloud}", f"set {key}")
                     for key in ("region", "zones") if not getattr(config, key)]
    if cloud == "aws":
        findings += [(key, "is the Alibaba Cloud/existing-cluster way to reach S3 with access keys; on aws, services with "
                      "model.source s3 read the aws.modelStore bucket through IRSA", f"remove {key}")
                     for key, value in (("s3ModelRepository", config.s3_model_repository),
                                        ("s3Credentials", config.s3_credentials)) if value is not None]
    return findings


def _check_zones(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    if config.cloud == "existing" or not config.region:
        return findings
    zones = len(config.zones)
    if config.production and zones < 3:
        findings.append(("zones", f"a production stack needs three zones, not {zones}", "add a third zone"))
    if len(set(config.zones)) != zones:
        findings.append(("zones", "lists a zone twice", "list each zone once"))
    # ACK zones are <region>-<letter> (cn-beijing-h); AWS availability zones <region><letter> (us-east-1a).
    zone_name = re.compile(re.escape(config.region) + (r"-[a-z0-9]+$" if config.cloud == "alicloud" else r"[a-z]$"))
    example = f"{config.region}-<letter>" if config.cloud == "alicloud" else f"{config.region}<letter>"
    for i, zone in enumerate(config.zones):
        if not zone_name.match(zone):
            findings.append((f"zones[{i}]", f"{zone} is not a zone of region {config.region}", f"use zones named {example}"))
    return findings


def _check_network(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    zones = len(config.zones)
    if config.cloud == "aws":
        for key, values in (("publicSubnetCidrs", config.aws.public_subnet_cidrs),
                            ("privateSubnetCidrs", config.aws.private_subnet_cidrs)):
            if len(values) != zones:
                findings.append((f"aws.{key}", f"has {len(values)} entries for {zones} zones", "give one per zone, in the order of zones"))
        return findings
    if config.cloud != "alicloud":
        return findings
    net = config.network
    per_zone = (("nodeVswitchCidrs", net.node_vswitch_cidrs), ("podVswitchCidrs", net.pod_vswitch_cidrs)) \
        if net.creates_vpc else \
        (("existingNodeVswitchIds", net.existing_node_vswitch_ids), ("existingPodVswitchIds", net.existing_pod_vswitch_ids))
    for key, values in per_zone:
        if len(values) != zones:
            findings.append((f"network.{key}", f"has {len(values)} entries for {zones} zones", "give one per zone, in the order of zones"))
    if net.creates_vpc and config.cluster.service_cidr.overlaps(net.vpc_cidr):
        findings.append(("cluster.serviceCidr", f"{config.cluster.service_cidr} overlaps network.vpcCidr {net.vpc_cidr}",
                         "pick a service CIDR outside the VPC"))
    return findings


def _check_node_pools(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    if config.cloud != "alicloud":
        return findings
    seen: set[str] = set()
    for i, pool in enumerate(config.node_pools):
        if pool.name in seen:
            findings.append((f"nodePools[{i}].name", f"duplicate node pool name {pool.name}", "names must be unique"))
        seen.add(pool.name)
    if not any(not pool.gpu and pool.spot is None and pool.scaling.min_size >= 1 for pool in config.node_pools):
        findings.append(("nodePools", "no pay-as-you-go CPU pool with at least one node for system add-ons",
                         "add a small non-spot pool (minSize >= 1) without GPUs"))
    return findings


ECI_ONLY_BURST_OPTIONS = {"eci_gpu_specs": "eciGpuSpecs", "image_cache": "imageCache", "spot": "spot"}
"""``burst`` options that are ECI pod annotations: they mean nothing outside ACK."""


def _node_groups(config: StackConfig) -> list[tuple[dict[str, str], bool]]:
    """(labels, has GPUs) of the node capacity a service may select: ACK node pools, or the two EKS groups."""
    if config.cloud == "alicloud":
        return [(pool.labels, pool.gpu) for pool in config.node_pools]
    if config.cloud == "aws":
        return [(config.aws.system_nodes.labels, False), (config.aws.gpu_nodes.labels, True)]
    return []


def _check_service_cloud(config: StackConfig, at: str, svc: ServiceConfig) -> list[Finding]:
    """What a catalog entry may ask of the stack's cloud: burst target, autoscaler, model source, placement."""
    findings: list[Finding] = []
    cloud = config.cloud
    burst = svc.burst
    if cloud == "alicloud":
        if burst.mode != "none" and svc.resources.gpus > 0 and not burst.eci_gpu_specs:
            findings.append((f"{at}.burst.eciGpuSpecs", f"a GPU service bursting to ECI ({burst.mode}) needs ECI GPU instance types",
                             "list GPU specs such as ecs.gn6i-c4g1.xlarge"))
        if burst.mode != "none" and not config.virtual_nodes.enabled:
            findings.append((f"{at}.burst.mode", "bursting needs virtual nodes, but virtualNodes.enabled is false",
                             "enable virtualNodes or set burst.mode: none"))
    else:
        findings += [(f"{at}.burst.{key}", f"is an ECI option, but cloud is {cloud}", f"remove burst.{key}")
                     for field, key in ECI_ONLY_BURST_OPTIONS.items() if _set(burst, field)]
        if svc.autoscaling.mode == "qps":
            findings.append((f"{at}.autoscaling.qps", f"QPS autoscaling reads ACK's SLS ingress logs, which cloud {cloud} does not have",
                             "autoscale with keda on a Prometheus query of ingress-nginx metrics, e.g. "
                             "sum(rate(nginx_ingress_controller_requests{ingress=\"<name>\"}[1m])), or on cpu/memory"))
    if cloud == "aws" and burst.mode != "none":
        if svc.resources.gpus > 0:
            findings.append((f"{at}.burst.mode", "Fargate has no GPUs, so a GPU service cannot burst on aws",
                             "set burst.mode: none (the GPU Auto Scaling group scales out), or gpus: 0"))
        elif burst.mode == "overflow":
            findings.append((f"{at}.burst.mode", "Fargate places every pod its profile selects, so there is no nodes-first "
                             "overflow on aws", "use burst.mode: only (all replicas on Fargate) or none (the cluster autoscaler adds nodes)"))
        if svc.model.source == "store":
            findings.append((f"{at}.model.source", "the Mountpoint for S3 CSI driver does not run on Fargate, so a bursting "
                             "service cannot mount the model store", "use model.source: s3 (Triton reads the bucket through IRSA)"))
    if cloud == "aws" and svc.model.source == "s3" and svc.server == "seldon":
        findings.append((f"{at}.model.source", "Seldon's storage initializer reads S3 with access keys, which aws does not use",
                         "use model.source: store (the model store is mounted with IRSA) or server: triton"))
    if cloud == "existing" and burst.mode != "none":
        findings.append((f"{at}.burst.mode", "an existing cluster has no burst capacity this program manages", "set burst.mode: none"))
    selector = svc.placement.node_selector
    groups = _node_groups(config)
    if groups and selector and not any(selector.items() <= labels.items() for labels, _ in groups):
        findings.append((f"{at}.placement.nodeSelector", f"no node pool has the labels {selector}",
                         "use labels of a node pool (alicloud: nodePools, aws: aws.systemNodes/aws.gpuNodes)"))
    if groups and burst.mode == "none" and svc.resources.gpus > 0 \
            and not any(gpu and selector.items() <= labels.items() for labels, gpu in groups):
        findings.append((f"{at}.resources.gpus", "no GPU node group matches this service's placement",
                         "add GPU capacity with these labels" + (" or burst to ECI" if cloud == "alicloud" else "")))
    claim = config.model_claim
    if svc.model.source == "store":
        if claim is None:
            findings.append((f"{at}.model.source", "source store needs a model store, but existing.modelClaim is not set",
                             "set existing.modelClaim (namespace, name) or use source: s3"))
        elif svc.namespace != claim.namespace:
            findings.append((f"{at}.namespace", f"the model store's claim lives in {claim.namespace}",
                             f"run services that read the model store in namespace {claim.namespace}"))
    if svc.model.source == "s3" and cloud != "aws" and config.s3_model_repository is None:
        findings.append((f"{at}.model.source", "source s3 needs s3ModelRepository", "configure s3ModelRepository"))
    return findings


def _check_services(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    for i, svc in enumerate(config.services):
        at = f"services[{i}]"
        key = (svc.namespace, svc.name)
        if key in seen:
            findings.append((f"{at}.name", f"duplicate service {svc.namespace}/{svc.name} (also services[{seen[key]}])",
                             "service names must be unique within a namespace"))
        seen.setdefault(key, i)
        findings += _check_service_cloud(config, at, svc)
    modes = {s.autoscaling.mode for s in config.services}
    if {"qps", "keda"} <= modes:
        findings.append(("services", "mixes qps and keda autoscaling; the QPS metrics adapter and KEDA both serve "
                         "external.metrics.k8s.io and cannot run in one cluster",
                         "use keda (e.g. a Prometheus query on ingress-nginx metrics) or qps for every service of this stack"))
    if config.cloud != "aws" and any(s.model.source == "s3" for s in config.services) and config.s3_credentials is None:
        findings.append(("s3Credentials", "services read models from S3 but no credentials are configured",
                         "pulumi config set --secret --path s3Credentials.accessKeyId ... (and s3Credentials.secretAccessKey)"))
    return findings


CROSS_SECTION_RULES: tuple[CrossSectionRule, ...] = (
    CrossSectionRule(frozenset({"cloud", "region", "zones", "network", "cluster", "nodePools", "modelStore", "virtualNodes",
                                "aws", "existing", "addons", "s3ModelRepository", "s3Credentials"}), _check_cloud_keys),
    CrossSectionRule(frozenset({"cloud", "production", "zones", "region"}), _check_zones),
    CrossSectionRule(frozenset({"cloud", "zones", "network", "cluster", "aws"}), _check_network),
    CrossSectionRule(frozenset({"cloud", "nodePools"}), _check_node_pools),
    CrossSectionRule(frozenset({"cloud", "services", "nodePools", "virtualNodes", "modelStore", "aws", "existing",
                                "s3ModelRepository", "s3Credentials"}), _check_services),
)
