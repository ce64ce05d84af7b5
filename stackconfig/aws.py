"""The EKS platform (``cloud: aws``, the ``aws`` section): VPC, cluster, capacity, S3 model store and the add-ons
that serve them."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal, Optional, Sequence

from pydantic import Field, model_validator

from .addons import HelmChartConfig
from .base import (BucketName, Cidr, ConfigModel, DnsLabel, Finding, ForceDestroy, LabelKey, LabelValue, MemoryQuantity,
                   ModelBucketConfig, ScalingConfig, matching, raise_findings, subnet_findings)
from .s3 import S3BucketName

AwsInstanceType = matching(r"^[a-z][a-z0-9-]*\.[0-9]*x?(large|medium|small|micro|nano|metal)(-[0-9]+xl)?$", "an EC2 instance type name such as g5.xlarge (<family>.<size>)", 64)
"""An EC2 instance type, ``<family>.<size>``, e.g. ``g5.xlarge``."""

AWS_GPU_FAMILY = re.compile(r"^(g[0-9]+[a-z]*|gr[0-9]+[a-z]*|p[0-9]+[a-z]*)\.")
"""EC2 families with NVIDIA GPUs: g4dn, g5, g6, g6e, gr6, p4d, p5, ... (EKS "Use EKS-optimized accelerated AMIs")."""


GPU_ACCELERATORS: dict[str, str] = {
    "p2": "nvidia-tesla-k80", "p3": "nvidia-tesla-v100", "p3dn": "nvidia-tesla-v100", "g4dn": "nvidia-tesla-t4",
    "p4d": "nvidia-tesla-a100", "p4de": "nvidia-tesla-a100", "g5": "nvidia-a10g", "g6": "nvidia-l4",
    "g6e": "nvidia-l40s",
}
"""Value of the node label ``k8s.amazonaws.com/accelerator`` per EC2 family: the GPU names cluster-autoscaler knows
(``availableGPUTypes`` in kubernetes/autoscaler ``cluster-autoscaler/cloudprovider/aws/aws_cloud_provider.go``) for
the GPU each family carries (EC2 "Accelerated computing instances")."""


def accelerator_of(instance_type: str) -> Optional[str]:
    return GPU_ACCELERATORS.get(instance_type.split(".")[0])


class AwsNodeGroupConfig(ConfigModel):
    """The EKS managed node group for system add-ons (CoreDNS, the cluster autoscaler, operators)."""

    instance_types: Annotated[list[AwsInstanceType], Field(min_length=1, max_length=10)] = ["m6i.large", "m5.large"]
    """On-demand instance types of the group."""
    scaling: ScalingConfig = ScalingConfig.model_validate({"minSize": 2, "maxSize": 4})
    """Bounds; the cluster autoscaler owns the count in between."""
    labels: dict[LabelKey, LabelValue] = {"workload": "system"}
    """Kubernetes labels of the nodes."""
    disk_size_gib: Annotated[int, Field(ge=20, le=16384)] = 50
    """Size in GiB of the nodes' root volume (encrypted gp3, in the group's launch template)."""


class AwsGpuCapacityConfig(ConfigModel):
    """The GPU inference capacity: an EC2 Auto Scaling group of spot and on-demand GPU instances.

    EKS managed node groups cannot mix on-demand and spot, so the guides' 30 % pay-as-you-go share needs an Auto
    Scaling group with a mixed-instances policy; it joins the cluster through an EKS access entry and is scaled by
    the cluster autoscaler, which discovers it by its tags."""

    instance_types: Annotated[list[AwsInstanceType], Field(min_length=1, max_length=20)] = ["g5.xlarge", "g6.xlarge", "g4dn.xlarge"]
    """GPU instance types the group may launch; more types, more spot pools. Families with an accelerator name cluster-autoscaler knows: g4dn (T4), g5 (A10G), g6 (L4), g6e (L40S), p2, p3, p3dn, p4d, p4de. The first type is the one the autoscaler simulates when it scales the group up from zero."""
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

    @property
    def accelerators(self) -> dict[str, list[str]]:
        """The instance types by accelerator, in the order of ``instanceTypes``."""
        found: dict[str, list[str]] = {}
        for instance_type in self.instance_types:
            found.setdefault(accelerator_of(instance_type) or "", []).append(instance_type)
        return found

    @model_validator(mode="after")
    def _check(self) -> "AwsGpuCapacityConfig":
        findings: list[Finding] = [(f"instanceTypes[{i}]", f"{t} is not a GPU instance type", "use a g* or p* family")
                                   for i, t in enumerate(self.instance_types) if not AWS_GPU_FAMILY.match(t)]
        findings += [(f"instanceTypes[{i}]", f"{t} has no GPU name that cluster-autoscaler knows, so its nodes cannot get the "
                      "k8s.amazonaws.com/accelerator label that its GPU readiness check needs",
                      "use one of the families " + ", ".join(sorted(GPU_ACCELERATORS)))
                     for i, t in enumerate(self.instance_types) if AWS_GPU_FAMILY.match(t) and not accelerator_of(t)]
        if self.on_demand_base_capacity > self.scaling.max_size:
            findings.append(("onDemandBaseCapacity", f"{self.on_demand_base_capacity} is more than scaling.maxSize {self.scaling.max_size}",
                             "the base capacity must fit in the group"))
        raise_findings(findings)
        return self


EksAccessPolicy = Literal["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"]


class AwsAccessEntry(ConfigModel):
    """An IAM principal allowed into the cluster: an EKS access entry with one access policy.

    Least privilege by default: an entry that names only its principal may view the catalog's namespaces and nothing
    else. Anything wider is spelled out: another ``policy``, other ``namespaces``, or ``namespaces: []`` (the whole
    cluster) together with an explicit ``policy``. The access policies' rules are EKS's ("Review access policy
    permissions"): View reads namespaced objects except Secrets; ClusterAdmin is Kubernetes' ``cluster-admin``."""

    principal_arn: matching(r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/\S+$", "an IAM role or user ARN such as arn:aws:iam::123456789012:role/admin", 2048)
    """ARN of the IAM role or user."""
    policy: EksAccessPolicy = "AmazonEKSViewPolicy"
    """EKS access policy granted (``arn:aws:eks::aws:cluster-access-policy/<policy>``). ``AmazonEKSClusterAdminPolicy`` only with ``namespaces: []``; admin rights within namespaces are ``AmazonEKSAdminPolicy``."""
    namespaces: Optional[list[DnsLabel]] = None
    """Namespaces the policy applies in; ``[]`` means the whole cluster and needs an explicit ``policy``. Default: the catalog's namespaces (the model store's and every service's)."""

    @model_validator(mode="after")
    def _check(self) -> "AwsAccessEntry":
        findings = []
        if self.namespaces == [] and "policy" not in self.model_fields_set:
            findings.append(("namespaces", "namespaces [] grants the whole cluster, but no policy says what",
                             "name the cluster-wide policy (e.g. policy: AmazonEKSViewPolicy), or list namespaces"))
        if self.policy == "AmazonEKSClusterAdminPolicy" and self.namespaces != []:
            findings.append(("policy", "AmazonEKSClusterAdminPolicy is cluster-admin of the whole cluster, but the entry is limited to namespaces",
                             "set namespaces: [] to grant cluster-admin, or use AmazonEKSAdminPolicy for admin rights in namespaces"))
        raise_findings(findings)
        return self

    def scope_namespaces(self, catalog_namespaces: Sequence[str]) -> list[str]:
        """Namespaces of the entry's access scope: its own, else ``catalog_namespaces``; empty for the whole cluster."""
        return list(catalog_namespaces if self.namespaces is None else self.namespaces)


EksAddonVersion = matching(r"^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$", "an EKS add-on version such as v1.15.0-eksbuild.1", 64)


KmsKeyArn = matching(r"^arn:aws[a-z-]*:kms:[a-z]{2}(-gov)?-[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,128}$",
                     "a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", 2048)


class AwsModelStoreConfig(ModelBucketConfig):
    """The S3 bucket that holds models, mounted read-only into pods with the Mountpoint for Amazon S3 CSI driver: one
    the stack creates, or an existing one (``existingBucket``)."""

    existing_bucket: Optional[S3BucketName] = None
    """An S3 bucket that already holds the models, in the stack's region. The stack then creates, changes, protects and deletes no bucket resource (no bucket, versioning, encryption, public-access block, ownership controls or bucket policy): it looks the bucket up (``pulumi up`` stops early if it is missing or unreadable), mounts ``prefix`` of it, and allows the IRSA roles that prefix only (``s3:GetObject`` on ``arn:aws:s3:::<bucket>/<prefix>*``, ``s3:ListBucket`` with an ``s3:prefix`` condition). ``bucketName`` and ``forceDestroy`` are then errors. Default: the stack creates the bucket."""
    bucket_name: Optional[BucketName] = None
    """Name of the bucket the stack creates (globally unique). Default: ``<project>-<environment>-models``."""
    namespace: DnsLabel = "inference"
    """Namespace of the PersistentVolumeClaim; services that mount the store run here."""
    claim_name: DnsLabel = "model-store"
    """Name of the PersistentVolume and its claim."""
    capacity: MemoryQuantity = "100Gi"
    """Nominal size of the volume (S3 is not size-limited; Kubernetes requires a value)."""
    prefix: Optional[matching(r"^([-A-Za-z0-9_.]+/)+$", "an S3 key prefix ending in '/', such as models/", 1024)] = None
    """Mount only this prefix of the bucket (ending in ``/``), and let the IRSA roles read nothing else; mounted services' model paths are relative to it, and ``model.source: s3`` paths (from the bucket's root) must start with it. Default: the whole bucket."""
    csi_driver_version: Optional[EksAddonVersion] = None
    """Version of the ``aws-mountpoint-s3-csi-driver`` EKS add-on, e.g. ``v1.15.0-eksbuild.1``. Default: the version EKS installs by default for the cluster's Kubernetes version."""
    force_destroy: ForceDestroy = False
    kms_key_arn: Optional[KmsKeyArn] = None
    """With ``existingBucket``: the KMS key its objects are encrypted with (SSE-KMS), which the IRSA readers may then ``kms:Decrypt`` with (S3 decrypts an SSE-KMS object only for a caller allowed to use its key). The key's policy must let the account's IAM policies grant its use (KMS's default key policy does). Not for a bucket the stack creates (SSE-S3). Default: the bucket uses S3-managed keys or the AWS managed ``aws/s3`` key, which need no grant."""

    @property
    def key_prefix(self) -> str:
        """The object key prefix the store is limited to: ``prefix``, or ``""`` for the whole bucket."""
        return self.prefix or ""

    @model_validator(mode="after")
    def _check(self) -> "AwsModelStoreConfig":
        findings = self.created_bucket_findings(("bucket_name", "force_destroy"))
        if self.kms_key_arn is not None and self.creates_bucket:
            findings.append(("kmsKeyArn", "names the key of an existing bucket's objects, but the stack creates this "
                             "bucket (encrypted with S3-managed keys)", "remove kmsKeyArn, or set existingBucket"))
        raise_findings(findings)
        return self




class AwsSecretsEncryptionConfig(ConfigModel):
    """Envelope encryption of the cluster's Kubernetes Secrets with a customer managed KMS key (EKS
    ``encryption_config`` for ``secrets``; EKS "Encrypt Kubernetes secrets with KMS on existing clusters").

    On by default, with a key the stack creates, on new and running clusters alike: the provider adds it to a running
    cluster in place (``AssociateEncryptionConfig``). EKS 1.28+ already envelope-encrypts all API data with an AWS owned
    key; a key of the account's own makes every decryption an auditable KMS call (CloudTrail) under a key policy the
    account controls, and becomes the key of all API data (EKS "Default envelope encryption for all Kubernetes API
    data")."""

    enabled: bool = True
    """Encrypt Secrets with a KMS key. Required in production. Once a cluster has it, it stays: EKS cannot turn it off, so ``false`` on such a cluster replaces the cluster (the provider forces replacement when ``encryption_config`` is removed)."""
    kms_key_arn: Optional[KmsKeyArn] = None
    """A key you give instead of the one the stack creates: symmetric (``SYMMETRIC_DEFAULT``, ``ENCRYPT_DECRYPT``), enabled, in the stack's region. The stack gives the cluster role ``kms:Encrypt``, ``kms:Decrypt``, ``kms:DescribeKey`` and ``kms:CreateGrant`` on it in an IAM policy, which takes effect where the key's policy lets the account's IAM policies grant access (KMS's default key policy does). Default: a key the stack creates for the cluster, rotated yearly, deleted 30 days after it leaves the stack (protected in production). Chosen when encryption is first enabled: a later change is not applied (the provider associates a key only with a cluster that has none)."""

    @model_validator(mode="after")
    def _check(self) -> "AwsSecretsEncryptionConfig":
        if self.kms_key_arn is not None and not self.enabled:
            raise_findings([("kmsKeyArn", "is set but enabled is false, so no key encrypts Secrets",
                             "remove kmsKeyArn, or set enabled: true")])
        return self


SubnetId = matching(r"^subnet-[0-9a-f]{8,17}$", "a subnet id such as subnet-0abc1234def567890", 24)


OWNED_EKS_OPTIONS = ("vpc_cidr", "public_subnet_cidrs", "private_subnet_cidrs", "upgrade_policy", "public_api_server",
                     "public_access_cidrs", "secrets_encryption", "vpc_cni_version")
"""Options of ``aws`` that shape a cluster or network the stack creates; an adopted cluster's owner sets them."""


class ExistingEksClusterConfig(ConfigModel):
    """An EKS cluster the stack adopts instead of creating one. The stack reads it with ``eks.get_cluster`` and its IAM
    OIDC provider with ``iam.get_open_id_connect_provider``, and never creates, changes or deletes the cluster, its VPC,
    subnets, security groups, add-ons, encryption or OIDC provider. ``pulumi up`` stops early, saying what to do, when
    the cluster is not ``ACTIVE``, runs another version than ``aws.kubernetesVersion``, or does not admit access
    entries (authentication mode ``API`` or ``API_AND_CONFIG_MAP``)."""

    name: matching(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", "an EKS cluster name such as ml-platform (letters, digits, '-', '_'; at most 100)", 100)
    """Name of the EKS cluster, in the stack's ``region``."""
    subnet_ids: Annotated[list[SubnetId], Field(max_length=16)] = []
    """Private subnets of the node groups and the Fargate profile the stack adds (Fargate takes private subnets only). Default: the cluster's own subnets (``vpc_config.subnet_ids``), which must then all be private."""


class AwsConfig(ConfigModel):
    """The AWS platform (``cloud: aws``): VPC, EKS, capacity, model store and the add-ons that serve them."""

    existing_cluster: Optional[ExistingEksClusterConfig] = None
    """Adopt this existing EKS cluster instead of creating one: the stack then creates no VPC, subnet, gateway, cluster, cluster role, KMS key, OIDC provider or ``vpc-cni`` add-on, and adds to the cluster the system node group, the GPU Auto Scaling group with its access entry, the Fargate profile, the cluster autoscaler (IRSA), the device plugin, metrics-server when needed, the model store and the catalog, plus the access entries of ``accessEntries``. The options that shape a created cluster and its network (``vpcCidr``, ``publicSubnetCidrs``, ``privateSubnetCidrs``, ``upgradePolicy``, ``publicApiServer``, ``publicAccessCidrs``, ``secretsEncryption``, ``vpcCniVersion``) and ``zones`` are then errors; ``kubernetesVersion`` must be the cluster's. Default: the stack creates the cluster."""

    vpc_cidr: Cidr = ipaddress.IPv4Network("10.0.0.0/16")
    """CIDR of the VPC created for the stack."""
    public_subnet_cidrs: list[Cidr] = []
    """One public subnet CIDR per zone (load balancers, NAT gateways), in the order of ``zones``."""
    private_subnet_cidrs: list[Cidr] = []
    """One private subnet CIDR per zone (nodes, Fargate pods), in the order of ``zones``. Pods take VPC addresses (VPC CNI): make them large."""
    vpc_cni_version: Optional[EksAddonVersion] = None
    """Version of the ``vpc-cni`` EKS add-on, which the stack manages to turn on its network policy agent (at least v1.14.0-eksbuild.3). Default: the version EKS installs by default for the cluster's Kubernetes version."""
    # 1.35: the newest EKS version in standard support through 2026-12 (EKS release calendar: 1.33 left standard
    # support 2026-07-29, 1.34 on 2026-12-02, 1.35 has it until 2027-03-27) that what we pin supports: the
    # cluster-autoscaler 1.35 image and chart, KEDA 2.21, the AL2023 NVIDIA AMI parameter of 1.35.
    kubernetes_version: matching(r"^1\.[0-9]{2}$", "an EKS version such as 1.35 (1.<minor>)", 8) = "1.35"
    """EKS Kubernetes version, ``1.<minor>``. EKS upgrades a cluster in place one minor at a time: raise it by one, apply, and repeat (with ``clusterAutoscalerImageTag``)."""
    upgrade_policy: Literal["STANDARD", "EXTENDED"] = "STANDARD"
    """What EKS does when the version leaves standard support: ``STANDARD`` upgrades the cluster to the next version; ``EXTENDED`` keeps it there for up to 12 more months at an extra charge per cluster hour (EKS "Cluster upgrade policy"; the EKS API's own default is ``EXTENDED``). A cluster already in extended support cannot be set to ``STANDARD``: upgrade it into standard support first."""
    public_api_server: bool = False
    """Expose the API server endpoint publicly, to ``publicAccessCidrs`` only, so ``pulumi up`` and CI outside the VPC can reach it. Off: the endpoint is private, reachable from the VPC only. Either way nodes reach it inside the VPC."""
    public_access_cidrs: list[Cidr] = []
    """Networks allowed to the public API server endpoint (``vpc_config.public_access_cidrs``; EKS's own default is ``0.0.0.0/0``, so it is always given here). Required with ``publicApiServer``; a ``/0`` is refused."""
    access_entries: list[AwsAccessEntry] = []
    """IAM principals allowed into the cluster besides the identity that creates it (which EKS makes cluster admin)."""
    secrets_encryption: AwsSecretsEncryptionConfig = AwsSecretsEncryptionConfig()
    """Envelope encryption of Kubernetes Secrets with a KMS key: on, with a key the stack creates, unless set otherwise."""
    system_nodes: AwsNodeGroupConfig = AwsNodeGroupConfig()
    """The managed node group for system add-ons."""
    gpu_nodes: AwsGpuCapacityConfig = AwsGpuCapacityConfig()
    """The GPU inference capacity (spot and on-demand)."""
    model_store: AwsModelStoreConfig = AwsModelStoreConfig()
    """The S3 model store."""
    cluster_autoscaler: HelmChartConfig = HelmChartConfig(
        repository="https://kubernetes.github.io/autoscaler",
        chart="cluster-autoscaler",
        version="9.59.0",  # appVersion 1.35.0 (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0)
        namespace="kube-system",
    )
    """The cluster autoscaler chart; it scales the system node group and the GPU Auto Scaling group."""
    cluster_autoscaler_image_tag: matching(r"^v1\.[0-9]{2}\.[0-9]+$", "a cluster autoscaler image tag such as v1.35.2", 16) = "v1.35.2"
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
        if self.public_api_server and not self.public_access_cidrs:
            findings.append(("publicAccessCidrs", "a public API server needs the networks allowed to it, and none are listed",
                             "list the networks of CI and operators (e.g. [203.0.113.0/24]), or set publicApiServer: false"))
        if self.public_access_cidrs and not self.public_api_server:
            findings.append(("publicAccessCidrs", "is set but publicApiServer is false, so there is no public endpoint",
                             "remove publicAccessCidrs or set publicApiServer: true"))
        findings += [(f"publicAccessCidrs[{i}]", f"{cidr} opens the API server to the whole internet",
                      "list the networks of CI and operators instead")
                     for i, cidr in enumerate(self.public_access_cidrs) if cidr.prefixlen == 0]
        if self.cluster_autoscaler_image_tag.removeprefix("v").rsplit(".", 1)[0] != self.kubernetes_version:
            findings.append(("clusterAutoscalerImageTag", f"{self.cluster_autoscaler_image_tag} does not match kubernetesVersion {self.kubernetes_version}",
                             f"use a v{self.kubernetes_version}.<patch> tag"))
        raise_findings(findings)
        return self
