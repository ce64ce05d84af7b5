"""The S3 model repository Triton reads models from (the Seldon tutorial's bucket), and the pods' credentials Secret data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from stackconfig import S3Credentials, S3ModelRepositoryConfig


def credentials_secret_data(credentials: S3Credentials, region: str, *, for_seldon: bool) -> dict[str, pulumi.Input[str]]:
    """``stringData`` of the Secret that gives pods read access to the repository.

    Seldon's rclone storage initializer reads an rclone remote named ``s3`` from ``RCLONE_CONFIG_S3_*``
    variables (the Seldon tutorial's Secret, plus the region); plain Triton reads the standard AWS
    variables (Triton "Cloud Storage with Environment variables"). The two credential values are secret
    Outputs, so they stay encrypted in state and hidden in previews wherever the map is used; the
    ``core.v1.Secret`` resource additionally marks its whole ``stringData`` secret.
    """
    key_id = pulumi.Output.secret(credentials.access_key_id.get_secret_value())
    secret_key = pulumi.Output.secret(credentials.secret_access_key.get_secret_value())
    if for_seldon:
        return {
            "RCLONE_CONFIG_S3_TYPE": "s3",
            "RCLONE_CONFIG_S3_PROVIDER": "aws",
            "RCLONE_CONFIG_S3_ENV_AUTH": "false",
            "RCLONE_CONFIG_S3_ACCESS_KEY_ID": key_id,
            "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": secret_key,
            "RCLONE_CONFIG_S3_REGION": region,
        }
    return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret_key, "AWS_DEFAULT_REGION": region}


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


@dataclass(frozen=True)
class S3ModelRepositoryArgs:
    config: S3ModelRepositoryConfig
    """``s3ModelRepository``: bucket name and region."""
    protect: bool
    """Protect the bucket from deletion (production stacks)."""
    tags: dict[str, str]
    """Tags of the bucket (the stack's cloud tags)."""


class S3ModelRepository(pulumi.ComponentResource):
    """A private, encrypted, versioned S3 bucket for Triton model repositories (pulumi-aws 7).

    Creates an ``aws.Provider`` for ``s3ModelRepository.region`` (the stack's cloud is Alibaba Cloud, so no
    AWS provider is configured otherwise; credentials come from the usual AWS chain of whoever runs
    ``pulumi up``), and with it the :func:`private_bucket` ``s3ModelRepository.bucketName`` with the stack's
    tags, protected in production.

    Outputs: ``bucket_name``, ``bucket_arn``.
    """

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: S3ModelRepositoryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:s3-model-repository:S3ModelRepository", name, None, opts)
        provider = aws.Provider(f"{name}-aws", region=args.config.region, opts=pulumi.ResourceOptions(parent=self))
        bucket = private_bucket(self, name, bucket_name=args.config.bucket_name, protect=args.protect, tags=args.tags,
                                provider=provider)

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn})
