"""A private, encrypted, versioned, TLS-only S3 bucket for models: the EKS model store's and the S3 model repository's."""

from __future__ import annotations

import json
from typing import Optional

import pulumi
import pulumi_aws as aws


def tls_only_policy(bucket_arn: str) -> str:
    """Bucket policy refusing every request to the bucket or its objects made without TLS: a deny for anyone when
    ``aws:SecureTransport`` is false (S3 "Protecting data in transit with encryption", "Enforcing encryption in
    transit"). A deny is not a public policy, so the public access block does not refuse it. What reads the bucket
    uses TLS already: the AWS SDKs and the Pulumi provider by default, Mountpoint through the bucket's S3 HTTPS
    endpoint (awslabs/mountpoint-s3 ``doc/CONFIGURATION.md``; no endpoint is set), Triton for ``s3://<bucket>/<path>`` (its S3 filesystem switches the SDK's
    default HTTPS scheme to HTTP only for the ``s3://host:port/...`` form: triton-inference-server/core
    ``src/filesystem/implementations/s3.h``), and Seldon's rclone initializer through AWS's own endpoint (not checked
    in rclone's source: the README's "Not verifiable offline")."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyPlainTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]})


def private_bucket(parent: pulumi.Resource, name: str, *, bucket_name: str, protect: bool, force_destroy: bool,
                   tags: dict[str, str], provider: Optional[aws.Provider] = None) -> aws.s3.Bucket:
    """A private, encrypted, versioned S3 bucket for models; shared by the S3 model repository and the EKS model store.

    - ``s3.Bucket`` ``bucket_name`` with ``tags``; ``protect``-ed when ``protect``; ``pulumi destroy`` deletes it with
      its objects only with ``force_destroy`` (the config's ``forceDestroy``, refused in production; a setting of the
      provider alone, updated in place: not ForceNew, see ``planner/force_new.json``).
    - As separate resources (the bucket's inline forms are deprecated): ``BucketVersioning`` ``Enabled``,
      ``BucketServerSideEncryptionConfiguration`` ``AES256`` (S3-managed keys), ``BucketPublicAccessBlock`` with
      all four blocks on, ``BucketOwnershipControls`` ``BucketOwnerEnforced`` (ACLs disabled), ``BucketPolicy``
      :func:`tls_only_policy`.

    Children of ``parent`` named ``<name>-bucket``, ``-versioning``, ``-encryption``, ``-public-access-block``,
    ``-ownership`` and ``-tls-only``; ``provider`` when the parent's providers hold no AWS provider.
    """
    child = pulumi.ResourceOptions(parent=parent, provider=provider)
    bucket = aws.s3.Bucket(
        f"{name}-bucket",
        bucket=bucket_name,
        force_destroy=force_destroy,
        tags=tags,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=protect)),
    )
    aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id,
        versioning_configuration={"status": "Enabled"}, opts=child)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        opts=child)
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access-block", bucket=bucket.id,
        block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
        opts=child)
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child)
    aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, policy=bucket.arn.apply(tls_only_policy), opts=child)
    return bucket
