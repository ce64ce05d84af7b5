"""Key-based access to an S3 model repository (``s3ModelRepository``, ``s3Credentials``): the Seldon tutorial's way,
for clusters without an AWS workload identity (ACK, an existing cluster)."""

from __future__ import annotations


from pydantic import SecretStr

from .base import ConfigModel, ForceDestroy, matching

S3BucketName = matching(r"^[a-z0-9][-a-z0-9.]{1,61}[a-z0-9]$", "an S3 bucket name of 3-63 lowercase letters, digits, '.' "
                        "and '-', starting and ending with a letter or digit")
"""An S3 general purpose bucket name (the finer rules: ``stackconfig.limits.s3_bucket_problem``)."""


class S3ModelRepositoryConfig(ConfigModel):
    """The S3 bucket Triton loads models from, as in the Seldon tutorial (created with pulumi-aws)."""

    bucket_name: S3BucketName
    """Bucket name (globally unique)."""
    region: matching(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", "an AWS region such as us-east-1", 32)
    """AWS region of the bucket."""
    force_destroy: ForceDestroy = False


class S3Credentials(ConfigModel):
    """An AWS access key for reading the S3 model repository, set with
    ``pulumi config set --secret --path s3Credentials.accessKeyId ...`` (and ``.secretAccessKey``).
    It reaches pods only as a Kubernetes Secret; prefer a workload identity where the cluster has one."""

    access_key_id: SecretStr
    """AWS access key id."""
    secret_access_key: SecretStr
    """AWS secret access key."""
