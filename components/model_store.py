"""The OSS model store: a private bucket, the RAM role the OSS CSI plugin mounts it with (RRSA), and its PV and PVC."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_alicloud as alicloud
from pulumi_kubernetes.core.v1 import (
    CSIPersistentVolumeSourceArgs,
    Namespace,
    ObjectReferenceArgs,
    PersistentVolume,
    PersistentVolumeClaim,
    PersistentVolumeClaimSpecArgs,
    PersistentVolumeSpecArgs,
    VolumeResourceRequirementsArgs,
)
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from stackconfig import StackConfig
from stackconfig import ModelStoreConfig

from .common import cloud_tags, physical_name

OSS_CSI_DRIVER = "ossplugin.csi.alibabacloud.com"
"""The ACK OSS CSI driver (ACK "Mount statically provisioned volumes with ossfs 1.0")."""
CSI_FUSE_SERVICE_ACCOUNT = "system:serviceaccount:ack-csi-fuse:csi-fuse-ossfs"
"""Identity of the ossfs pods the CSI plugin (v1.30.4+, cluster 1.26+) runs in ``ack-csi-fuse`` to mount OSS
volumes with ``authType: rrsa``. The namespace is fixed by ACK; the name is ACK's default (same page)."""
RRSA_AUDIENCE = "sts.aliyuncs.com"
"""``oidc:aud`` of RRSA tokens (ack-ram-tool ``MakeAssumeRolePolicyStatementWithServiceAccount``)."""
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces every cluster has; the model store never creates (and so never deletes) them."""

READ_ACTIONS = ("oss:GetObject", "oss:ListObjects", "oss:GetBucketInfo")
"""Reading models: objects and their metadata (GetObject also covers HeadObject), listing, bucket info."""
WRITE_ACTIONS = ("oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts",
                 "oss:ListMultipartUploads")
"""Writing through ossfs: uploads (PutObject covers multipart upload and copy), deletes, cleanup of uploads."""


def internal_endpoint(region: str) -> str:
    """The region's VPC-internal OSS endpoint, over TLS.

    Nodes and bucket share the region, so the internal endpoint applies (no Internet traffic or fees).
    Format ``http(s)://oss-<region>-internal.aliyuncs.com`` from the ACK OSS static volume page, which
    calls ``vpc100-oss-<region>.aliyuncs.com`` deprecated.
    """
    return f"https://oss-{region}-internal.aliyuncs.com"


def csi_trust_policy(oidc_provider_arn: str, oidc_issuer_url: str) -> str:
    """Trust policy of the CSI role: only the cluster's RRSA OIDC provider, for the ossfs service account only.

    Shape from ack-ram-tool (``MakeAssumeRolePolicyStatementWithServiceAccount``) and the ACK page:
    ``oidc:iss`` pins the cluster's issuer, ``oidc:aud`` the STS audience, ``oidc:sub`` the service account.
    """
    return json.dumps({
        "Version": "1",
        "Statement": [{
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Federated": [oidc_provider_arn]},
            "Condition": {"StringEquals": {
                "oidc:aud": RRSA_AUDIENCE,
                "oidc:iss": oidc_issuer_url,
                "oidc:sub": CSI_FUSE_SERVICE_ACCOUNT,
            }},
        }],
    })


def bucket_access_policy(bucket: str, store: ModelStoreConfig, region: str) -> str:
    """RAM policy of the CSI role: this bucket only, read-only unless ``writeAccess``.

    The ACK page grants ``oss:Get*``/``oss:List*`` (read) or ``oss:*`` (read-write) on
    ``acs:oss:*:*:<bucket>`` and ``acs:oss:*:*:<bucket>/*``; these are the named actions ossfs uses
    instead, so the role can never change the bucket's ACL, policy or encryption. A specific KMS key
    (``kmsKeyId``) must also be usable by the role (ACK "Encrypt an OSS volume"): ``kms:Decrypt`` to read,
    ``kms:GenerateDataKey`` to write.
    """
    actions = READ_ACTIONS + (WRITE_ACTIONS if store.write_access else ())
    statements: list[dict[str, Any]] = [{
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": [f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/*"],
    }]
    if store.kms_key_id:
        statements.append({
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if store.write_access else ["kms:Decrypt"],
            "Resource": [f"acs:kms:{region}:*:key/{store.kms_key_id}"],
        })
    return json.dumps({"Version": "1", "Statement": statements})


def encryption_args(store: ModelStoreConfig) -> dict[str, str]:
    """``oss.BucketServerSideEncryption`` algorithm and key; the key id is only valid with KMS (SDK docstring)."""
    args = {"sse_algorithm": store.encryption}
    if store.kms_key_id:
        args["kms_master_key_id"] = store.kms_key_id
    return args


def access_modes(store: ModelStoreConfig) -> list[str]:
    """The only two modes OSS volumes support; with ``ReadOnlyMany`` ossfs mounts read-only (ACK page)."""
    return ["ReadWriteMany"] if store.write_access else ["ReadOnlyMany"]


def persistent_volume_spec(store: ModelStoreConfig, bucket: pulumi.Input[str], role_name: pulumi.Input[str],
                           region: str) -> PersistentVolumeSpecArgs:
    """The static OSS PV (ACK "Mount statically provisioned volumes with ossfs 1.0", RRSA method).

    ``volumeHandle`` must equal the PV name; ``Retain`` is the only reclaim policy OSS volumes support;
    ``authType: rrsa`` with ``roleName`` replaces the guides' AccessKey secret; ``sigVersion: v4`` is the
    page's recommendation. ``storageClassName: ""`` keeps the default StorageClass out, and ``claimRef``
    reserves the volume for the model store's claim alone.
    """
    return PersistentVolumeSpecArgs(
        capacity={"storage": store.capacity},
        access_modes=access_modes(store),
        persistent_volume_reclaim_policy="Retain",
        storage_class_name="",
        claim_ref=ObjectReferenceArgs(namespace=store.namespace, name=store.claim_name),
        csi=CSIPersistentVolumeSourceArgs(
            driver=OSS_CSI_DRIVER,
            volume_handle=store.claim_name,
            read_only=not store.write_access,
            volume_attributes={
                "bucket": bucket,
                "url": internal_endpoint(region),
                "path": store.path,
                "otherOpts": store.mount_options,
                "authType": "rrsa",
                "roleName": role_name,
                "sigVersion": "v4",
            },
        ),
    )


def persistent_volume_claim_spec(volume: PersistentVolumeSpecArgs, volume_name: pulumi.Input[str]) -> PersistentVolumeClaimSpecArgs:
    """The claim of exactly the model store's PV: ``volumeName`` binds it, ``storageClassName: ""`` stops
    provisioning; access modes and size are the volume's."""
    return PersistentVolumeClaimSpecArgs(
        access_modes=volume.access_modes,
        resources=VolumeResourceRequirementsArgs(requests=volume.capacity),
        storage_class_name="",
        volume_name=volume_name,
    )


def static_claim(parent: pulumi.Resource, name: str, *, namespace: str, claim_name: str,
                 volume: PersistentVolumeSpecArgs, volume_depends_on: list[pulumi.Resource]) -> PersistentVolumeClaim:
    """The Kubernetes side of a model store, whatever the bucket behind it (OSS on ACK, S3 on EKS): the namespace
    (unless built-in), a static PersistentVolume named ``claim_name`` with the ``volume`` spec, and its claim.

    Children of ``parent`` named ``<name>-namespace``, ``<name>-volume`` and ``<name>-claim``; the volume waits for
    ``volume_depends_on`` (what the mount needs, e.g. the CSI driver's role and its policy).
    """
    child = pulumi.ResourceOptions(parent=parent)
    claim_namespace: pulumi.Input[str] = namespace
    if namespace not in BUILTIN_NAMESPACES:
        claim_namespace = Namespace(f"{name}-namespace", metadata=ObjectMetaArgs(name=namespace), opts=child).metadata.name
    persistent_volume = PersistentVolume(
        f"{name}-volume",
        metadata=ObjectMetaArgs(name=claim_name),
        spec=volume,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=volume_depends_on),
    )
    return PersistentVolumeClaim(
        f"{name}-claim",
        metadata=ObjectMetaArgs(name=claim_name, namespace=claim_namespace),
        spec=persistent_volume_claim_spec(volume, persistent_volume.metadata.name),
        opts=child,
    )


@dataclass(frozen=True)
class ModelStoreArgs:
    config: StackConfig
    """The validated stack config (``modelStore``, plus environment, region, tags and production)."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's RRSA OIDC provider (``Cluster.oidc_provider_arn``)."""
    oidc_issuer_url: pulumi.Input[str]
    """Issuer URL of the cluster's RRSA tokens (``Cluster.oidc_issuer_url``)."""


class ModelStore(pulumi.ComponentResource):
    """The OSS bucket that holds models, and a PersistentVolumeClaim pods mount it through, without any AccessKey.

    Creates, with the ``alicloud`` and ``kubernetes`` providers of ``opts``:

    - ``oss.Bucket`` named ``modelStore.bucketName`` (default ``elastic-inference-<environment>-models``),
      ``Standard`` storage, redundancy ``modelStore.redundancyType`` (default ``ZRS``), the stack's tags; and,
      as separate resources (the bucket's inline ``acl`` is deprecated): ``BucketAcl`` ``private``,
      ``BucketVersioning`` ``Enabled``, ``BucketServerSideEncryption`` ``modelStore.encryption`` (default
      ``AES256``; ``KMS`` with ``modelStore.kmsKeyId``, default the OSS service key) and
      ``BucketPublicAccessBlock`` on. The bucket ignores drift of the inline attributes those resources
      own, as the SDK requires. In production stacks the bucket is ``protect``-ed and never force-destroyed;
      elsewhere ``pulumi destroy`` deletes it with every object version.
    - ``ram.Role`` ``ei-<environment>-model-store-csi`` trusted only by the cluster's RRSA OIDC provider for
      the CSI plugin's ossfs service account (:data:`CSI_FUSE_SERVICE_ACCOUNT`), and a custom ``ram.Policy``
      ``ei-<environment>-model-store-oss`` limited to this bucket (:func:`bucket_access_policy`): read-only,
      or read-write with ``modelStore.writeAccess`` (default off).
    - A Namespace ``modelStore.namespace`` (default ``inference``) unless it is a built-in one.
    - A PersistentVolume ``modelStore.claimName`` (default ``model-store``) mounting ``modelStore.path``
      (default ``/``) of the bucket through the internal endpoint with ``modelStore.mountOptions``, capacity
      ``modelStore.capacity`` (default ``100Gi``, nominal), ``Retain``; and the claim of the same name in the
      namespace, bound to that volume. ``ReadOnlyMany`` unless ``modelStore.writeAccess``.

    Outputs: ``bucket_name``, ``role_name``, ``role_arn``, ``claim_name``, ``namespace``.
    """

    bucket_name: pulumi.Output[str]
    role_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    claim_name: pulumi.Output[str]
    namespace: pulumi.Output[str]

    def __init__(self, name: str, args: ModelStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:model-store:ModelStore", name, None, opts)
        config = args.config
        store = config.alicloud.model_store
        bucket = self._bucket(name, config)
        role, attachment = self._csi_role(name, config, bucket.bucket, args)

        # The mount works only once the role holds its policy.
        claim = static_claim(self, name, namespace=store.namespace, claim_name=store.claim_name,
                             volume=persistent_volume_spec(store, bucket.bucket, role.role_name, config.region),
                             volume_depends_on=[attachment])

        self.bucket_name = bucket.bucket
        self.role_name = role.role_name
        self.role_arn = role.arn
        self.claim_name = claim.metadata.name
        self.namespace = claim.metadata.namespace
        self.register_outputs({
            "bucketName": self.bucket_name,
            "roleName": self.role_name,
            "roleArn": self.role_arn,
            "claimName": self.claim_name,
            "namespace": self.namespace,
        })

    def _bucket(self, name: str, config: StackConfig) -> alicloud.oss.Bucket:
        """The bucket and its ACL, versioning, encryption and public-access block, each a resource of its own."""
        store = config.alicloud.model_store
        bucket = alicloud.oss.Bucket(
            f"{name}-bucket",
            bucket=config.bucket_name,
            storage_class="Standard",
            redundancy_type=store.redundancy_type,
            # Outside production, let `pulumi destroy` empty the versioned bucket; production data stays.
            force_destroy=not config.protect_data,
            tags=cloud_tags(config),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=config.protect_data,
                # The oss.Bucket docstring: with the standalone resources below, the bucket must ignore the
                # inline attributes they manage, or every update would revert them.
                ignore_changes=["acl", "versioning", "server_side_encryption_rule"],
            ),
        )
        child = pulumi.ResourceOptions(parent=self)
        alicloud.oss.BucketAcl(f"{name}-bucket-acl", bucket=bucket.bucket, acl="private", opts=child)
        alicloud.oss.BucketVersioning(f"{name}-bucket-versioning", bucket=bucket.bucket, status="Enabled", opts=child)
        alicloud.oss.BucketServerSideEncryption(
            f"{name}-bucket-encryption", bucket=bucket.bucket, **encryption_args(store), opts=child)
        alicloud.oss.BucketPublicAccessBlock(
            f"{name}-bucket-public-access-block", bucket=bucket.bucket, block_public_access=True, opts=child)
        return bucket

    def _csi_role(self, name: str, config: StackConfig, bucket: pulumi.Output[str], args: ModelStoreArgs
                  ) -> tuple[alicloud.ram.Role, alicloud.ram.RolePolicyAttachment]:
        """The RAM role the OSS CSI plugin assumes through RRSA, and the attachment of its bucket policy."""
        child = pulumi.ResourceOptions(parent=self)
        tags = cloud_tags(config)
        # RAM names: roles 1-64 characters (CreateRole API), policies 1-128 letters, digits and dashes
        # (ram.Policy docstring); with a 16-character environment these stay under 40.
        role = alicloud.ram.Role(
            f"{name}-csi-role",
            role_name=physical_name(config.environment, "model-store-csi"),
            assume_role_policy_document=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer_url).apply(
                lambda values: csi_trust_policy(*values)),
            description=f"The OSS CSI plugin of the {config.environment} ACK cluster mounts the model store with this role (RRSA).",
            tags=tags,
            opts=child,
        )
        policy = alicloud.ram.Policy(
            f"{name}-csi-policy",
            policy_name=physical_name(config.environment, "model-store-oss"),
            policy_document=bucket.apply(lambda b: bucket_access_policy(b, config.alicloud.model_store, config.region)),
            description=f"Access to the model bucket {config.bucket_name} only.",
            # Each document change adds a policy version and RAM keeps at most five: drop the oldest.
            rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded",
            tags=tags,
            opts=child,
        )
        attachment = alicloud.ram.RolePolicyAttachment(
            f"{name}-csi-role-policy",
            role_name=role.role_name,
            policy_name=policy.policy_name,
            policy_type="Custom",
            opts=child,
        )
        return role, attachment
