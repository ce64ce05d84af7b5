"""A private, encrypted, versioned S3 bucket for models: the EKS model store's and the S3 model repository's."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_aws as aws


def private_bucket(parent: pulumi.Resource, name: str, *, bucket_name: str, protect: bool, tags: dict[str, str],
                   provider: Optional[aws.Provider] = None) -> aws.s3.Bucket:
    """A private, encrypted, versioned S3 bucket for models; shared by the S3 model repository and the EKS model store.

    - ``s3.Bucket`` ``bucket_name`` with ``tags``; ``protect``-ed, and never force-destroyed, when ``protect``;
      otherwise ``pulumi destroy`` deletes it with its objects.
    - As separate resources (the bucket's inline forms are deprecated): ``BucketVersioning`` ``Enabled``,
      ``BucketServerSideEncryptionConfiguration`` ``AES256`` (S3-managed keys), ``BucketPublicAccessBlock`` with
      all four blocks on, ``BucketOwnershipControls`` ``BucketOwnerEnforced`` (ACLs disabled).

    Children of ``parent`` named ``<name>-bucket``, ``-versioning``, ``-encryption``, ``-public-access-block`` and
    ``-ownership``; ``provider`` when the parent's providers hold no AWS provider.
    """
    child = pulumi.ResourceOptions(parent=parent, provider=provider)
    bucket = aws.s3.Bucket(
        f"{name}-bucket",
        bucket=bucket_name,
        force_destroy=not protect,
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
    return bucket
