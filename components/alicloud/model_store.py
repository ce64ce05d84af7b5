"""The OSS model store: a private bucket, the RAM role the OSS CSI plugin mounts it with (RRSA), and its PV and PVC."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_alicloud as alicloud
from pulumi_kubernetes.core.v1 import CSIPersistentVolumeSourceArgs, ObjectReferenceArgs, PersistentVolumeSpecArgs

from stackconfig import ModelStoreConfig

from ..kubernetes.model_claim import static_claim
from ..naming import physical_name

OSS_CSI_DRIVER = "ossplugin.csi.alibabacloud.com"
"""The ACK OSS CSI driver (ACK "Mount statically provisioned volumes with ossfs 1.0")."""
CSI_FUSE_SERVICE_ACCOUNT = "system:serviceaccount:ack-csi-fuse:csi-fuse-ossfs"
"""Identity of the ossfs pods the CSI plugin (v1.30.4+, cluster 1.26+) runs in ``ack-csi-fuse`` to mount OSS
volumes with ``authType: rrsa``. The namespace is fixed by ACK; the name is ACK's default (same page)."""
RRSA_AUDIENCE = "sts.aliyuncs.com"
"""``oidc:aud`` of RRSA tokens (ack-ram-tool ``MakeAssumeRolePolicyStatementWithServiceAccount``)."""
READ_ACTIONS = ("oss:GetObject", "oss:ListObjects", "oss:GetBucketInfo")
"""Reading models: objects and their metadata (GetObject also covers HeadObject), listing, bucket info."""
WRITE_ACTIONS = ("oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts",
                 "oss:ListMultipartUploads")
"""Writing through ossfs: uploads (PutObject covers multipart upload and copy), deletes, cleanup of uploads."""
BUCKET_ACTIONS = ("oss:ListObjects", "oss:GetBucketInfo", "oss:ListMultipartUploads")
"""The bucket-level ones among them (resource ``acs:oss:*:*:<bucket>``); the others act on objects (OSS
"Authorization syntax and elements": bucket-level and object-level actions)."""


def internal_endpoint(region: str) -> str:
    """The region's VPC-internal OSS endpoint, over TLS.

    Nodes and bucket share the region, so the internal endpoint applies (no Internet traffic or fees).
    Format ``http(s)://oss-<region>-internal.aliyuncs.com`` from the ACK OSS static volume page, which
    calls ``vpc100-oss-<region>.aliyuncs.com`` deprecated.
    """
    return f"https://oss-{region}-internal.aliyuncs.com"


def require_existing_bucket(buckets: Any, name: str, region: str) -> str:
    """``name`` when ``oss.get_buckets`` found it in the stack's region; otherwise the run stops, saying what to do."""
    found = [bucket for bucket in buckets if bucket.name == name]
    if not found:
        raise pulumi.RunError(f"alicloud.modelStore.existingBucket: the OSS bucket {name} is not among this account's "
                              "buckets (oss:ListBuckets with the credentials of this run): check its name, or remove "
                              "existingBucket to have the stack create one")
    if found[0].location != f"oss-{region}":
        raise pulumi.RunError(f"alicloud.modelStore.existingBucket: the OSS bucket {name} is in {found[0].location}, but "
                              f"the cluster in {region}, and nodes mount it through the internal endpoint of {region}: "
                              "copy the models to a bucket of the cluster's region")
    return name


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
    """RAM policy of the CSI role: this bucket only, and only the mounted folder (``path``) of it; read-only unless
    ``writeAccess``.

    The ACK page grants ``oss:Get*``/``oss:List*`` (read) or ``oss:*`` (read-write) on
    ``acs:oss:*:*:<bucket>`` and ``acs:oss:*:*:<bucket>/*``; these are the named actions ossfs uses
    instead, so the role can never change the bucket's ACL, policy or encryption. When ``path`` is a folder, the
    object actions are limited to ``acs:oss:*:*:<bucket>/<folder>/*`` and listing to that prefix, with the
    ``oss:Prefix`` condition of ``ListObjects`` on the bucket (OSS "Control access to OSS by using RAM policies":
    ``StringLike`` ``oss:Prefix``; the bucket-level actions take the bucket as resource). A specific KMS key
    (``kmsKeyId``) must also be usable by the role (ACK "Encrypt an OSS volume"): ``kms:Decrypt`` to read,
    ``kms:GenerateDataKey`` to write.
    """
    actions = READ_ACTIONS + (WRITE_ACTIONS if store.write_access else ())
    prefix = store.key_prefix
    statements: list[dict[str, Any]]
    if not prefix:
        statements = [{
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": [f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/*"],
        }]
    else:
        on_bucket = [a for a in actions if a in BUCKET_ACTIONS]
        statements = [
            {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": [f"acs:oss:*:*:{bucket}"],
             "Condition": {"StringLike": {"oss:Prefix": [f"{prefix}*"]}}},
            {"Effect": "Allow", "Action": [a for a in on_bucket if a != "oss:ListObjects"],
             "Resource": [f"acs:oss:*:*:{bucket}"]},
            {"Effect": "Allow", "Action": [a for a in actions if a not in BUCKET_ACTIONS],
             "Resource": [f"acs:oss:*:*:{bucket}/{prefix}*"]},
        ]
    if store.kms_key_id:
        statements.append({
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if store.write_access else ["kms:Decrypt"],
            "Resource": [f"acs:kms:{region}:*:key/{store.kms_key_id}"],
        })
    return json.dumps({"Version": "1", "Statement": statements})


def tls_only_policy(bucket: str) -> str:
    """Bucket policy refusing every request to the bucket or its objects made without TLS: a deny for anyone when
    ``acs:SecureTransport`` is false (OSS "Bucket Policy" condition keys; the Cloud Config rule
    ``oss-bucket-only-https-enabled`` checks exactly this). What reads the bucket already uses TLS: the CSI
    mount's :func:`internal_endpoint`, and the Pulumi provider (its ``protocol`` defaults to HTTPS)."""
    return json.dumps({"Version": "1", "Statement": [{
        "Effect": "Deny",
        "Principal": ["*"],
        "Action": ["oss:*"],
        "Resource": [f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/*"],
        "Condition": {"Bool": {"acs:SecureTransport": ["false"]}},
    }]})


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


@dataclass(frozen=True)
class ModelStoreArgs:
    store: ModelStoreConfig
    """The ``modelStore`` section."""
    bucket_name: str
    """The bucket's name (``StackConfig.bucket_name``: the existing one, the configured one or the default)."""
    environment: str
    """Environment name, part of the RAM role and policy names."""
    region: str
    """Region of the bucket and the cluster (the internal OSS endpoint)."""
    tags: dict[str, str]
    """Tags of the bucket, the role and the policy."""
    protect: bool
    """Protect the bucket the stack creates (production stacks)."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's RRSA OIDC provider (``Cluster.oidc_provider_arn``)."""
    oidc_issuer_url: pulumi.Input[str]
    """Issuer URL of the cluster's RRSA tokens (``Cluster.oidc_issuer_url``)."""
    retain_namespace: bool = False
    """The cluster is adopted: ``pulumi destroy`` leaves the claim's namespace (``ClusterContext.retains_namespaces``)."""


class ModelStore(pulumi.ComponentResource):
    """The OSS bucket that holds models, and a PersistentVolumeClaim pods mount it through, without any AccessKey.
    Options and their defaults: the README's configuration reference, ``alicloud.modelStore``.

    Creates, with the ``alicloud`` and ``kubernetes`` providers of ``opts``:

    - With ``alicloud.modelStore.existingBucket``, no bucket resource: the bucket is looked up with ``oss.get_buckets``
      and the run stops early if it is not in the account or not in the stack's region (:func:`require_existing_bucket`).
    - Otherwise:
      ``oss.Bucket`` ``bucket_name``, ``Standard`` storage, redundancy ``alicloud.modelStore.redundancyType``, the stack's
      tags; and, as separate resources (the bucket's inline ``acl`` is deprecated): ``BucketAcl`` ``private``,
      ``BucketVersioning`` ``Enabled``, ``BucketServerSideEncryption`` ``alicloud.modelStore.encryption`` (with
      ``alicloud.modelStore.kmsKeyId`` when set), ``BucketPublicAccessBlock`` on and ``BucketPolicy``
      :func:`tls_only_policy`. The bucket ignores drift of the inline
      attributes those resources own, as the SDK requires. It is ``protect``-ed when ``protect``; ``pulumi destroy``
      deletes its objects only with ``alicloud.modelStore.forceDestroy`` (the provider's ``force_destroy``, a
      setting of the provider alone: not ForceNew, see ``planner/force_new.json``).
    - ``ram.Role`` ``ei-<environment>-model-store-csi`` trusted only by the cluster's RRSA OIDC provider for
      the CSI plugin's ossfs service account (:data:`CSI_FUSE_SERVICE_ACCOUNT`), and a custom ``ram.Policy``
      ``ei-<environment>-model-store-oss`` limited to this bucket's ``path`` (:func:`bucket_access_policy`): read-only,
      or read-write with ``alicloud.modelStore.writeAccess``.
    - :func:`~components.kubernetes.model_claim.static_claim`: the namespace ``alicloud.modelStore.namespace`` (unless
      built-in), a PersistentVolume ``alicloud.modelStore.claimName`` mounting ``alicloud.modelStore.path`` of the bucket through the
      internal endpoint with ``alicloud.modelStore.mountOptions`` (:func:`persistent_volume_spec`), and its claim.

    Outputs: ``bucket_name``, ``role_name``, ``role_arn``, ``claim_name``, ``namespace``.
    """

    bucket_name: pulumi.Output[str]
    role_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    claim_name: pulumi.Output[str]
    namespace: pulumi.Output[str]

    def __init__(self, name: str, args: ModelStoreArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:model-store:ModelStore", name, None, opts)
        store = args.store
        bucket = self._bucket(name, args).bucket if store.creates_bucket else self._existing_bucket(args)
        role, attachment = self._csi_role(name, bucket, args)

        # The mount works only once the role holds its policy.
        claim = static_claim(self, name, namespace=store.namespace, claim_name=store.claim_name,
                             volume=persistent_volume_spec(store, bucket, role.role_name, args.region),
                             volume_depends_on=[attachment], retain_namespace=args.retain_namespace)

        self.bucket_name = bucket
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

    def _existing_bucket(self, args: ModelStoreArgs) -> pulumi.Output[str]:
        """The existing bucket's name once ``oss.get_buckets`` has found it in the stack's region
        (:func:`require_existing_bucket`), so nothing mounts a bucket that is missing or out of reach."""
        found = alicloud.oss.get_buckets_output(name_regex=f"^{re.escape(args.bucket_name)}$",
                                                opts=pulumi.InvokeOutputOptions(parent=self))
        # The whole result, not its list: Output.all-style unwrapping would turn the typed buckets into dicts.
        return found.apply(lambda result: require_existing_bucket(result.buckets, args.bucket_name, args.region))

    def _bucket(self, name: str, args: ModelStoreArgs) -> alicloud.oss.Bucket:
        """The bucket and its ACL, versioning, encryption, public-access block and policy, each a resource of its own."""
        store = args.store
        bucket = alicloud.oss.Bucket(
            f"{name}-bucket",
            bucket=args.bucket_name,
            storage_class="Standard",
            redundancy_type=store.redundancy_type,
            # Opt-in (never in production, a config rule): `pulumi destroy` empties the versioned bucket.
            force_destroy=store.force_destroy,
            tags=args.tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                # The oss.Bucket docstring: with the standalone resources below, the bucket must ignore the
                # inline attributes they manage, or every update would revert them.
                ignore_changes=["acl", "versioning", "server_side_encryption_rule", "policy"],
            ),
        )
        child = pulumi.ResourceOptions(parent=self)
        alicloud.oss.BucketAcl(f"{name}-bucket-acl", bucket=bucket.bucket, acl="private", opts=child)
        alicloud.oss.BucketVersioning(f"{name}-bucket-versioning", bucket=bucket.bucket, status="Enabled", opts=child)
        alicloud.oss.BucketServerSideEncryption(
            f"{name}-bucket-encryption", bucket=bucket.bucket, **encryption_args(store), opts=child)
        alicloud.oss.BucketPublicAccessBlock(
            f"{name}-bucket-public-access-block", bucket=bucket.bucket, block_public_access=True, opts=child)
        alicloud.oss.BucketPolicy(f"{name}-bucket-policy", bucket=bucket.bucket,
                                  policy=bucket.bucket.apply(tls_only_policy), opts=child)
        return bucket

    def _csi_role(self, name: str, bucket: pulumi.Output[str], args: ModelStoreArgs
                  ) -> tuple[alicloud.ram.Role, alicloud.ram.RolePolicyAttachment]:
        """The RAM role the OSS CSI plugin assumes through RRSA, and the attachment of its bucket policy."""
        child = pulumi.ResourceOptions(parent=self)
        # RAM names: roles 1-64 characters (CreateRole API), policies 1-128 letters, digits and dashes
        # (ram.Policy docstring); with a 16-character environment these stay under 40.
        role = alicloud.ram.Role(
            f"{name}-csi-role",
            role_name=physical_name(args.environment, "model-store-csi"),
            assume_role_policy_document=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer_url).apply(
                lambda values: csi_trust_policy(*values)),
            description=f"The OSS CSI plugin of the {args.environment} ACK cluster mounts the model store with this role (RRSA).",
            tags=args.tags,
            opts=child,
        )
        policy = alicloud.ram.Policy(
            f"{name}-csi-policy",
            policy_name=physical_name(args.environment, "model-store-oss"),
            policy_document=bucket.apply(lambda b: bucket_access_policy(b, args.store, args.region)),
            description=f"Access to the model bucket {args.bucket_name} only.",
            # Each document change adds a policy version and RAM keeps at most five: drop the oldest.
            rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded",
            tags=args.tags,
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
