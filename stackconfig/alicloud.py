"""The ACK platform (``cloud: alicloud``, the ``alicloud`` section): VPC, cluster, node pools, OSS model store,
virtual nodes and the SLS QPS metrics adapter."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, Optional

from pydantic import Field, StringConstraints, model_validator

from .addons import HelmChartConfig
from .base import (BucketName, Cidr, ConfigModel, DnsLabel, Finding, ForceDestroy, InstanceType, LabelKey, LabelValue,
                   MemoryQuantity, ModelBucketConfig, ScalingConfig, is_gpu_instance_type, matching, raise_findings,
                   subnet_findings)


VswitchId = matching(r"^vsw-[a-z0-9]+$", "a vSwitch id such as vsw-2zeabc123", 64)


class NetworkConfig(ConfigModel):
    """The VPC the cluster lives in: created here, or an existing one."""

    vpc_cidr: Cidr = ipaddress.IPv4Network("192.168.0.0/16")
    """CIDR of the VPC created for the stack. Ignored when ``existingVpcId`` is set."""
    node_vswitch_cidrs: list[Cidr] = []
    """One CIDR per zone for the node vSwitches, in the order of ``zones``. Required when the VPC is created."""
    pod_vswitch_cidrs: list[Cidr] = []
    """One CIDR per zone for Terway pod vSwitches, in the order of ``zones``. Required when the VPC is created."""
    existing_vpc_id: Optional[matching(r"^vpc-[a-z0-9]+$", "a VPC id such as vpc-2zeabc123", 64)] = None
    """Use this VPC instead of creating one. Then ``existingNodeVswitchIds`` and ``existingPodVswitchIds`` are required."""
    existing_node_vswitch_ids: list[VswitchId] = []
    """Existing node vSwitch ids, one per zone, in the order of ``zones``."""
    existing_pod_vswitch_ids: list[VswitchId] = []
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
        raise_findings(findings)
        return self


# --------------------------------------------------------------------------- cluster


ControlPlaneLogComponent = Literal["apiserver", "kcm", "scheduler", "ccm", "controlplane-events", "alb", "ack-goatscaler", "coredns"]

AckKmsKeyId = matching(r"^(key-[a-z0-9]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
                       "a KMS key id such as key-bjj62f5ba3dnpb6v8abcd (or a KMS 1.0 id such as 1234abcd-12ab-34cd-56ef-1234567890ab)", 64)


class AckSecretsEncryptionConfig(ConfigModel):
    """Envelope encryption of the cluster's Kubernetes Secrets in etcd with a KMS key (ACK "Use KMS to encrypt
    Kubernetes Secrets": the API server encrypts each Secret with a data key and has KMS encrypt that data key).

    The key is always given, never created here. In KMS 3.0 a new key lives in a KMS instance (a subscription this
    program does not buy: ``kms.Key``'s ``dkms_instance_id``), and outside one an account has a single default key per
    region (KMS "Manage keys": "You can create only one default key of the CMK type in each region"), which several
    stacks of a region cannot each create and delete. Creating one would also have to match ``protection_level`` to the
    instance's type, or the provider replaces the key on every run (``kms.Key`` docstring). So ``kmsKeyId`` is
    required and a missing one is an error saying what to create."""

    kms_key_id: Optional[AckKmsKeyId] = None
    """The KMS key that encrypts the Secrets' data keys: a symmetric ``Aliyun_AES_256`` key, enabled, in the cluster's region; ACK Pro takes default keys, software-protected and hardware-protected keys. Required (the program creates no key). Never disable, delete or schedule the deletion of it while the cluster uses it: the API server then cannot read Secrets or service accounts. A change moves the cluster to the new key in place (ACK ``UpdateKMSEncryption``)."""

    @model_validator(mode="after")
    def _check(self) -> "AckSecretsEncryptionConfig":
        if self.kms_key_id is None:
            raise_findings([("kmsKeyId", "is required: ACK encrypts Secrets with a KMS key you give, and this program "
                             "creates none (a new KMS 3.0 key needs a KMS instance; the account's one default key per "
                             "region is shared by every stack there)",
                             "create or pick a symmetric Aliyun_AES_256 key in the cluster's region in the KMS console "
                             "and set its id, e.g. kmsKeyId: key-bjj62f5ba3dnpb6v8abcd")])
        return self


ClusterId = matching(r"^c[0-9a-f]{32}$", "an ACK cluster id such as c0123456789abcdef0123456789abcdef (c and 32 hex digits)", 33)


class ExistingAckClusterConfig(ConfigModel):
    """An ACK cluster the stack adopts instead of creating one (the starting point of every ACK elastic-inference
    guide). The stack reads it through the provider's data sources (``cs.get_clusters``, and
    ``cs.get_managed_kubernetes_clusters`` for its RRSA OIDC provider) and a kubeconfig from
    ``cs.get_cluster_credential``; it never creates, changes or deletes the cluster, its VPC, vSwitches, security group,
    NAT gateway or log project. ``pulumi up`` stops early, saying what to do, when the cluster is not found in the
    stack's region, is not an ACK managed cluster, runs Kubernetes older than 1.26, or has RRSA off."""

    cluster_id: ClusterId
    """Id of the ACK managed cluster (ACK console, cluster list), in the stack's ``region``."""
    node_vswitch_ids: Annotated[list[VswitchId], Field(max_length=8)] = []
    """vSwitches of the node pools the stack adds. Default: the cluster's own vSwitches (``vswitch_ids`` of ``cs.get_clusters``), as the guides' node pools use."""
    pod_vswitch_ids: Annotated[list[VswitchId], Field(max_length=8)] = []
    """vSwitches ECI pods on virtual nodes get their addresses from (the add-on's ``eci-profile``); with Terway, give the cluster's pod vSwitches. Default: the node pools' vSwitches. Used only when the stack installs the virtual-node add-on."""


OWNED_CLUSTER_OPTIONS = ("kubernetes_version", "cluster_spec", "service_cidr", "public_api_server",
                         "ingress_load_balancer", "control_plane_logs", "control_plane_log_ttl_days",
                         "deletion_protection", "proxy_mode", "secrets_encryption")
"""Options of ``alicloud.cluster`` that shape a cluster the stack creates; an adopted cluster's owner sets them."""


class ClusterConfig(ConfigModel):
    """The ACK Pro managed cluster: created by the stack, or an existing one (``existing``)."""

    existing: Optional[ExistingAckClusterConfig] = None
    """Adopt this existing ACK cluster instead of creating one: the stack then creates no VPC, vSwitch, NAT gateway or cluster, and adds to the cluster only what the guides add: the node pools, the virtual-node add-on (unless ``alicloud.virtualNodes.alreadyInstalled``), the QPS metrics adapter, the model store with its RRSA role, and the catalog. The options that shape a created cluster (``kubernetesVersion``, ``clusterSpec``, ``serviceCidr``, ``publicApiServer``, ``ingressLoadBalancer``, ``controlPlaneLogs``, ``controlPlaneLogTtlDays``, ``deletionProtection``, ``proxyMode``, ``secretsEncryption``), the ``alicloud.network`` section and ``zones`` are then errors. Default: the stack creates the cluster."""

    # 1.35 and not ACK's newer 1.36.1-aliyun.1 (offered since 2026-06): the pinned Seldon Core operator 1.19 is
    # validated up to 1.35 (docs.seldon.ai "Install in Kubernetes", see addons.py). ACK's support of 1.35 ends
    # 2027-02-28, so the move to 1.36 goes with the next Seldon Core release.
    kubernetes_version: matching(r"^1\.[0-9]{2}\.[0-9]+-aliyun\.[0-9]+$", "an ACK version such as 1.35.2-aliyun.1", 32) = "1.35.2-aliyun.1"
    """ACK Kubernetes version, ``1.<minor>.<patch>-aliyun.<n>``. The default is the newest version the pinned add-ons support. RRSA with the OSS CSI plugin needs 1.26 or later."""
    cluster_spec: Literal["ack.pro.small", "ack.standard"] = "ack.pro.small"
    """``ack.pro.small`` (ACK Pro, SLA-backed control plane) or ``ack.standard``."""
    service_cidr: Cidr = ipaddress.IPv4Network("172.16.0.0/16")
    """CIDR of Kubernetes Services; must not overlap the VPC."""
    public_api_server: bool = False
    """Expose the API server on an Internet SLB so ``pulumi up`` and CI outside the VPC can reach it. Off: the API server is reachable from the VPC only (run ``pulumi up`` from it, or through a VPN). ``cs.ManagedKubernetes`` has no input for an access control list, so when on, restrict the sources in the ACK console (Cluster Information, Basic Information, Network, Internal Endpoint, Set access control: a whitelist on the port-6443 listener of the API server's CLB, which serves the public endpoint too; ACK "Configure access control policies for the API server"). Chosen when the cluster is created: a change is ignored (a new cluster, a new stack)."""
    ingress_load_balancer: Literal["internet", "intranet"] = "intranet"
    """SLB of the NGINX ingress controller add-on (its ``IngressSlbNetworkType``): ``intranet`` serves the inference endpoints inside the VPC only; ``internet`` gives them a public address, and production stacks then allow-list every Ingress's clients (``ingress.allowSourceCidrs``). Chosen when the cluster is created: a change is ignored (a new cluster, a new stack)."""
    control_plane_logs: list[ControlPlaneLogComponent] = ["apiserver", "kcm", "scheduler", "ccm"]
    """Control-plane components whose logs go to SLS."""
    control_plane_log_ttl_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Retention of control-plane logs, in days."""
    deletion_protection: Optional[bool] = None
    """Refuse to delete the cluster through the API. Default: on in production stacks, off elsewhere."""
    log_project: Optional[BucketName] = None
    """Existing SLS project for cluster logs. Default: ACK creates ``k8s-log-<cluster id>``."""
    kubeconfig_ttl_minutes: Annotated[int, Field(ge=15, le=4320)] = 4320
    """Lifetime of the temporary kubeconfig the program fetches on every run for its Kubernetes provider and exports (15-4320 minutes). Once it has expired, run ``pulumi refresh``/``destroy`` with ``--run-program`` so they fetch a fresh one."""
    proxy_mode: Optional[Literal["ipvs", "iptables", "nftables"]] = None
    """kube-proxy mode (``ipvs``, ``iptables`` or ``nftables``). Default: ``nftables`` from Kubernetes 1.35, ``ipvs`` below: Kubernetes 1.35 deprecates the ``ipvs`` mode and ACK recommends ``nftables`` for new 1.35+ clusters. Chosen when the cluster is created: a change replaces the cluster (the provider's ``proxy_mode`` is ForceNew), so a stack whose cluster runs keeps the mode it was created with (pin it)."""
    create_autoscaler_role: bool = False
    """Create the account-wide RAM role ``AliyunCSManagedAutoScalerRole`` that autoscaling node pools need. Leave off when the account already has it (ACK creates it when you authorize the console once); ``pulumi up`` then fails early with a clear message if it is missing. When on, the role belongs to this stack and is deleted with it: let only one stack per account own it."""
    secrets_encryption: Optional[AckSecretsEncryptionConfig] = None
    """Envelope-encrypt Kubernetes Secrets with the KMS key ``kmsKeyId`` (ACK Pro only). Required in production stacks. Off by default elsewhere, because the key must be given (see ``kmsKeyId``). Needs the account's RAM role ``AliyunCSManagedSecurityRole`` (authorized once; ``pulumi up`` stops early without it) and egress from the cluster to 100.64.0.0/10, where its control plane reaches KMS. Set on a running cluster, it is applied in place (ACK ``UpdateKMSEncryption``); Secrets stored before are encrypted when next written. To turn it off, disable Secret encryption in the ACK console (cluster, Basic Information), ``pulumi refresh``, then remove this key."""

    @property
    def creates_cluster(self) -> bool:
        return self.existing is None

    @model_validator(mode="after")
    def _check(self) -> "ClusterConfig":
        if self.secrets_encryption is not None and self.cluster_spec != "ack.pro.small":
            raise_findings([("secretsEncryption", f"needs an ACK Pro cluster, but clusterSpec is {self.cluster_spec}",
                             "set clusterSpec: ack.pro.small, or remove secretsEncryption")])
        return self

    @property
    def effective_proxy_mode(self) -> str:
        if self.proxy_mode:
            return self.proxy_mode
        return "nftables" if int(self.kubernetes_version.split(".")[1]) >= 35 else "ipvs"


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
    instance_pools: Optional[Annotated[int, Field(ge=1, le=10)]] = None
    """Number of cheapest instance types to spread spot nodes over (1-10), at most the pool's number of ``instanceTypes`` (Auto Scaling picks the pools among them, so more has no effect). Default: 3, or fewer when the pool lists fewer types."""
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
    system_disk_encrypted: bool = True
    """Encrypt the nodes' system disks (ECS disk encryption with the region's default service key). ACK applies it to nodes the pool creates from then on; existing nodes keep their disks until they are replaced."""

    @property
    def gpu(self) -> bool:
        return is_gpu_instance_type(self.instance_types[0])

    @property
    def effective_multi_az_policy(self) -> str:
        if self.multi_az_policy:
            return self.multi_az_policy
        return "COST_OPTIMIZED" if self.spot else "BALANCE"

    @property
    def effective_spot_instance_pools(self) -> int:
        assert self.spot is not None
        return self.spot.instance_pools or min(3, len(self.instance_types))

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
            if (self.spot.instance_pools or 0) > len(self.instance_types):
                findings.append(("spot.instancePools",
                                 f"{self.spot.instance_pools} is more than the pool's {len(self.instance_types)} instanceTypes, "
                                 "so the extra pools have no effect",
                                 f"set instancePools to at most {len(self.instance_types)}, add instance types, "
                                 "or remove instancePools (default: up to 3)"))
            if self.spot.on_demand_base_capacity > self.scaling.max_size:
                findings.append(("spot.onDemandBaseCapacity",
                                 f"{self.spot.on_demand_base_capacity} is more than scaling.maxSize {self.scaling.max_size}",
                                 "the base capacity must fit in the pool"))
        raise_findings(findings)
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


class ModelStoreConfig(ModelBucketConfig):
    """The OSS bucket that holds models, mounted into pods read-only through the OSS CSI plugin and RRSA: one the
    stack creates, or an existing one (``existingBucket``)."""

    existing_bucket: Optional[BucketName] = None
    """An OSS bucket of the stack's account that already holds the models, in the stack's region (looked up with ``oss.get_buckets``: ``pulumi up`` stops early if it is not there). The stack then creates, changes, protects and deletes no bucket resource (no bucket, ACL, versioning, encryption, public-access block or bucket policy): it mounts ``path`` of that bucket and allows the CSI role that folder only (``acs:oss:*:*:<bucket>/<path>*``, listing under it). The options of a created bucket (``bucketName``, ``redundancyType``, ``encryption``, ``forceDestroy``) are then errors; ``kmsKeyId`` names the KMS key the bucket's objects are encrypted with, if it is not the OSS service key. Default: the stack creates the bucket."""
    bucket_name: Optional[BucketName] = None
    """Name of the bucket the stack creates (globally unique). Default: ``elastic-inference-<environment>-models``."""
    namespace: DnsLabel = "inference"
    """Namespace of the PersistentVolumeClaim; services that mount the store run here."""
    claim_name: DnsLabel = "model-store"
    """Name of the PersistentVolume and its claim."""
    capacity: MemoryQuantity = "100Gi"
    """Nominal size of the volume (OSS is not size-limited; Kubernetes requires a value)."""
    path: matching(r"^/([-A-Za-z0-9_.]+/?)*$", "an absolute folder path such as /models (letters, digits, '-', '_', '.')", 1023) = "/"
    """Folder of the bucket that is mounted, and the only one the CSI role may read (or write); services' model paths are relative to it."""
    write_access: bool = False
    """Mount read-write and allow the role to write. Needs ``writeAccessReason``."""
    write_access_reason: Optional[Annotated[str, StringConstraints(min_length=10)]] = None
    """Why pods must write to the model store (reviewed in the pull request)."""
    encryption: Literal["AES256", "KMS"] = "AES256"
    """Server-side encryption: OSS-managed keys (``AES256``) or KMS (``KMS``, optionally ``kmsKeyId``)."""
    kms_key_id: Optional[str] = None
    """KMS key for ``encryption: KMS`` (the CSI role may use it: decrypt, and encrypt with ``writeAccess``); with ``existingBucket``, the key its objects are encrypted with. Default: the OSS service key of the account."""
    redundancy_type: Literal["ZRS", "LRS"] = "ZRS"
    """Bucket redundancy. ``ZRS`` stores copies in several zones of the region, so models stay readable when a zone fails, like the multi-zone node pools; ``LRS`` stores them in one zone. OSS offers ZRS only in some regions (OSS "Disaster recovery" page: cn-hangzhou, cn-shanghai, cn-beijing, cn-zhangjiakou, cn-wulanchabu, cn-shenzhen, cn-hongkong, ap-northeast-1, ap-southeast-1, ap-southeast-5, eu-central-1, ...); elsewhere set ``LRS``. Chosen when the bucket is created."""
    mount_options: str = "-o max_stat_cache_size=0 -o allow_other"
    """ossfs options (``otherOpts``); the guides' values by default."""
    force_destroy: ForceDestroy = False

    @property
    def key_prefix(self) -> str:
        """The object key prefix of ``path``: ``""`` for the whole bucket, else the folder with a trailing ``/``."""
        folder = self.path.strip("/")
        return f"{folder}/" if folder else ""

    @model_validator(mode="after")
    def _check(self) -> "ModelStoreConfig":
        findings: list[Finding] = self.created_bucket_findings(("bucket_name", "redundancy_type", "encryption", "force_destroy"))
        if self.write_access and not self.write_access_reason:
            findings.append(("writeAccessReason", "writeAccess is on but no reason is given",
                             "say why pods must write models, or keep the store read-only"))
        if self.write_access_reason and not self.write_access:
            findings.append(("writeAccessReason", "a reason is given but writeAccess is off", "remove writeAccessReason"))
        if self.kms_key_id and self.encryption != "KMS" and self.creates_bucket:
            findings.append(("kmsKeyId", "kmsKeyId is set but encryption is not KMS", "set encryption: KMS"))
        raise_findings(findings)
        return self


# --------------------------------------------------------------------------- burst and add-ons


class VirtualNodesConfig(ConfigModel):
    """Virtual nodes (the ``ack-virtual-node`` add-on) through which pods burst onto ECI."""

    enabled: bool = True
    """Burst onto ECI through virtual nodes. Services with ``burst`` other than ``none`` need it."""
    already_installed: bool = False
    """The adopted cluster (``alicloud.cluster.existing``) already runs the ``ack-virtual-node`` add-on: the stack checks that it does (``cs.get_kubernetes_addons``; ``pulumi up`` stops early if not) and schedules onto its virtual nodes, but never installs, configures or uninstalls it. Off: the stack installs the add-on and owns it (``pulumi destroy`` uninstalls it)."""

    @model_validator(mode="after")
    def _check(self) -> "VirtualNodesConfig":
        if self.already_installed and not self.enabled:
            raise_findings([("alreadyInstalled", "is set but enabled is false, so no service bursts onto the add-on's "
                             "virtual nodes", "remove alreadyInstalled, or set enabled: true")])
        return self


class AlicloudConfig(ConfigModel):
    """The ACK platform (``cloud: alicloud``)."""

    network: NetworkConfig = NetworkConfig()
    """VPC and vSwitches."""
    cluster: ClusterConfig = ClusterConfig()
    """The ACK cluster."""
    node_pools: list[NodePoolConfig] = Field(default_factory=default_node_pools)
    """Node pools. Default: a ``system`` pool and the spot ``gpu-inference`` pool. A created cluster needs a pay-as-you-go CPU pool of at least one node for its system add-ons; an adopted one may get none (``[]``, as in the ECI guide: every replica on ECI)."""
    model_store: ModelStoreConfig = ModelStoreConfig()
    """OSS model store."""
    virtual_nodes: VirtualNodesConfig = VirtualNodesConfig()
    """ECI burst through virtual nodes."""
    # 1.3.3: newest version found published; Alibaba Cloud's own ROS HPA solution template installs
    # charts-incubator/ack-alibaba-cloud-metrics-adapter-1.3.3.tgz. No in-place upgrades (ACK doc
    # "Horizontally scale pods with Alibaba Cloud metrics"): components.addons reinstalls on a change.
    metrics_adapter: HelmChartConfig = HelmChartConfig(
        repository="https://aliacs-app-catalog.oss-cn-hangzhou.aliyuncs.com/charts-incubator/",
        chart="ack-alibaba-cloud-metrics-adapter",
        version="1.3.3",
        namespace="kube-system",
    )
    """``ack-alibaba-cloud-metrics-adapter``: serves ``sls_ingress_qps`` to HPAs of services with ``autoscaling.qps``. A version change reinstalls it."""
    metrics_adapter_already_installed: bool = False
    """The adopted cluster (``alicloud.cluster.existing``) already runs ``ack-alibaba-cloud-metrics-adapter`` (the ECI guide installs it from the ACK app catalog): the stack does not install ``metricsAdapter`` and its QPS services use the running one, which it never upgrades or uninstalls. Off: the stack installs the chart when a service scales on QPS, and owns the release."""
