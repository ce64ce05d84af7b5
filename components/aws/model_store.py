"""The EKS model store: a private S3 bucket mounted through the Mountpoint for Amazon S3 CSI driver with IRSA, and
the IRSA role of services that read the bucket directly (Triton ``s3://``, e.g. on Fargate)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws
from pulumi_kubernetes.core.v1 import CSIPersistentVolumeSourceArgs, ObjectReferenceArgs, PersistentVolumeSpecArgs

from stackconfig import AwsModelStoreConfig, ServiceConfig

from ..kubernetes.model_claim import static_claim
from ..kubernetes.pod_template import RUN_AS_USER
from ..naming import physical_name
from ..s3.bucket import private_bucket
from .cluster import addon_version, irsa_role

MOUNTPOINT_DRIVER = "s3.csi.aws.com"
"""CSI driver name of Mountpoint for Amazon S3 (awslabs/mountpoint-s3-csi-driver, static provisioning example)."""
MOUNTPOINT_ADDON = "aws-mountpoint-s3-csi-driver"
"""EKS add-on that installs the driver (EKS "Deploy the Mountpoint for Amazon S3 driver")."""
MOUNTPOINT_SERVICE_ACCOUNT = ("kube-system", "s3-csi-driver-sa")
"""Service account of the driver's node pods, which mount buckets with the role the add-on binds to it (same page:
the IRSA trust names ``system:serviceaccount:kube-system:s3-csi-driver-sa``)."""


def bucket_read_policy(bucket_arn: str, prefix: str = "", kms_key_arn: Optional[str] = None) -> str:
    """Read-only access to one bucket, or to the keys under ``prefix`` of it: list, get objects (Mountpoint's IAM
    permissions for read-only mounts, awslabs/mountpoint-s3 ``doc/CONFIGURATION.md``). With a prefix, ``GetObject``
    covers ``<bucket arn>/<prefix>*`` and ``ListBucket`` (a bucket action) holds only for listings whose
    ``s3:prefix`` is under it (S3 "Condition keys": ``s3:prefix`` of ``ListBucket``; ``StringLike``, so ``*`` also
    matches the prefix itself, which Mountpoint lists the mount's root with). With ``kms_key_arn`` (objects encrypted
    with SSE-KMS), ``kms:Decrypt`` on that key: S3 hands out such an object only to a caller that may decrypt with its
    key (S3 user guide, "Using server-side encryption with AWS KMS keys": "You need the kms:Decrypt permission when you
    ... download an Amazon S3 object encrypted with an AWS KMS key")."""
    listing: dict[str, Any] = {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]}
    if prefix:
        listing["Condition"] = {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
    decrypt = [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [kms_key_arn]}] if kms_key_arn else []
    return json.dumps({"Version": "2012-10-17", "Statement": [
        listing,
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{bucket_arn}/{prefix}*"]},
        *decrypt,
    ]})


def mount_options(store: AwsModelStoreConfig, region: str) -> list[str]:
    """Mountpoint options: the bucket's region, the mounted prefix, and files owned by the pods' non-root user
    (``uid``/``gid`` plus ``allow-other``, the driver's ``non_root`` example). Read-only comes from the claim's
    read-only mount and the role, which cannot write."""
    options = [f"region {region}"]
    if store.prefix:
        options.append(f"prefix {store.prefix}")
    return options + [f"uid={RUN_AS_USER}", f"gid={RUN_AS_USER}", "allow-other"]


def mountpoint_volume_spec(store: AwsModelStoreConfig, bucket: pulumi.Input[str], region: str) -> PersistentVolumeSpecArgs:
    """The static Mountpoint PV: ``bucketName`` in ``volumeAttributes``, a ``volumeHandle`` unique in the cluster (the
    claim name), ``storageClassName: ""`` and ``claimRef`` so only the model store's claim binds it, ``Retain``."""
    return PersistentVolumeSpecArgs(
        capacity={"storage": store.capacity},
        access_modes=["ReadOnlyMany"],
        persistent_volume_reclaim_policy="Retain",
        storage_class_name="",
        claim_ref=ObjectReferenceArgs(namespace=store.namespace, name=store.claim_name),
        mount_options=mount_options(store, region),
        csi=CSIPersistentVolumeSourceArgs(driver=MOUNTPOINT_DRIVER, volume_handle=store.claim_name,
                                          volume_attributes={"bucketName": bucket}),
    )


def s3_readers(services: Sequence[ServiceConfig]) -> list[tuple[str, str]]:
    """Service accounts (namespace, name) of services that read the bucket themselves (``model.source: s3``)."""
    return [(s.namespace, s.name) for s in services if s.model.source == "s3"]


@dataclass(frozen=True)
class EksModelStoreArgs:
    store: AwsModelStoreConfig
    """The ``aws.modelStore`` section."""
    bucket_name: str
    """The bucket's name (``StackConfig.bucket_name``: the existing one, the configured one or the default)."""
    environment: str
    """Environment name, part of the IAM roles' names."""
    region: str
    """Region of the bucket and the cluster."""
    tags: dict[str, str]
    """Tags of every resource that takes tags."""
    protect: bool
    """Protect the bucket the stack creates (production stacks)."""
    readers: list[tuple[str, str]]
    """Service accounts of the services that read the bucket themselves (:func:`s3_readers`)."""
    cluster_name: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    nodes: Sequence[pulumi.Resource]
    """Nodes the driver's pods run on; the add-on waits for them."""
    retain_namespace: bool = False
    """The cluster is adopted: ``pulumi destroy`` leaves the claim's namespace (``ClusterContext.retains_namespaces``)."""


class EksModelStore(pulumi.ComponentResource):
    """The S3 bucket that holds models, and a claim pods mount it through, without any access key. Options and
    their defaults: the README's configuration reference, ``aws.modelStore``.

    Needs the ``aws`` and ``kubernetes`` providers in ``opts``. Creates the
    :func:`~components.s3.bucket.private_bucket` ``bucket_name``, protected when ``protect``, force-destroyed only
    with ``aws.modelStore.forceDestroy``; or, with ``aws.modelStore.existingBucket``, no bucket resource at all: it
    looks the bucket up (``aws.s3.get_bucket``: its ARN, and an early failure if it is missing). Then an IRSA role
    ``ei-<env>-model-store-csi`` for :data:`MOUNTPOINT_SERVICE_ACCOUNT` with :func:`bucket_read_policy` of the
    bucket and ``aws.modelStore.prefix``; the
    ``aws-mountpoint-s3-csi-driver`` EKS add-on (version ``aws.modelStore.csiDriverVersion`` when set) bound to
    that role; and, like the OSS store, :func:`~components.kubernetes.model_claim.static_claim` with
    :func:`mountpoint_volume_spec`. When services read the bucket themselves (``readers``): an IRSA role
    ``ei-<env>-model-reader`` trusted for exactly their service accounts, read-only.

    Outputs: ``bucket_name``, ``bucket_arn``, ``csi_role_arn``, ``claim_name``, ``namespace``, ``reader_role_arn``
    (or None). Attribute ``ready``: what pods that mount the claim wait for.
    """

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    csi_role_arn: pulumi.Output[str]
    claim_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    reader_role_arn: Optional[pulumi.Output[str]]
    ready: list[pulumi.Resource]

    def __init__(self, name: str, args: EksModelStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:eks-model-store:EksModelStore", name, None, opts)
        store = args.store
        tags = args.tags
        region = args.region
        bucket_name, bucket_arn = self._bucket(name, args)
        read_policy = bucket_arn.apply(lambda arn: bucket_read_policy(arn, store.key_prefix, store.kms_key_arn))
        role, grant = irsa_role(
            self, f"{name}-csi", role_name=physical_name(args.environment, "model-store-csi"),
            oidc_provider_arn=args.oidc_provider_arn, issuer_url=args.oidc_issuer_url,
            service_accounts=[MOUNTPOINT_SERVICE_ACCOUNT], policy=read_policy,
            description=f"The Mountpoint S3 CSI driver mounts the model bucket {args.bucket_name} with this role (IRSA).",
            tags=tags)
        driver = aws.eks.Addon(
            f"{name}-csi-driver", cluster_name=args.cluster_name, addon_name=MOUNTPOINT_ADDON,
            service_account_role_arn=role.arn, tags=tags, **addon_version(store.csi_driver_version),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[grant, *args.nodes]))
        claim = static_claim(self, name, namespace=store.namespace, claim_name=store.claim_name,
                             volume=mountpoint_volume_spec(store, bucket_name, region), volume_depends_on=[driver, grant],
                             retain_namespace=args.retain_namespace)
        self.reader_role_arn = None
        readers = args.readers
        if readers:
            reader, _ = irsa_role(
                self, f"{name}-reader", role_name=physical_name(args.environment, "model-reader"),
                oidc_provider_arn=args.oidc_provider_arn, issuer_url=args.oidc_issuer_url, service_accounts=readers,
                policy=read_policy, description=f"Inference services read the model bucket {args.bucket_name} (IRSA).",
                tags=tags)
            self.reader_role_arn = reader.arn
        self.ready = [claim, driver]
        self.bucket_name = bucket_name
        self.bucket_arn = bucket_arn
        self.csi_role_arn = role.arn
        self.claim_name = claim.metadata.name
        self.namespace = claim.metadata.namespace
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn, "csiRoleArn": self.csi_role_arn,
                               "claimName": self.claim_name, "namespace": self.namespace,
                               "readerRoleArn": self.reader_role_arn})

    def _bucket(self, name: str, args: EksModelStoreArgs) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """Name and ARN of the model bucket: the one created here, or the existing one looked up (nothing registered)."""
        store = args.store
        if store.creates_bucket:
            bucket = private_bucket(self, name, bucket_name=args.bucket_name, protect=args.protect,
                                    force_destroy=store.force_destroy, tags=args.tags)
            return bucket.bucket, bucket.arn
        found = aws.s3.get_bucket_output(bucket=args.bucket_name, opts=pulumi.InvokeOutputOptions(parent=self))
        return found.bucket, found.arn
