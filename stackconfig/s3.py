"""Key-based access to an S3 model repository (``s3ModelRepository``, ``s3Credentials``): the Seldon tutorial's way,
for clusters without an AWS workload identity (ACK, an existing cluster)."""

from __future__ import annotations


from pydantic import SecretStr, model_validator

from .base import ConfigModel, ForceDestroy, matching, raise_findings

S3BucketName = matching(r"^[a-z0-9][-a-z0-9.]{1,61}[a-z0-9]$", "an S3 bucket name of 3-63 lowercase letters, digits, '.' "
                        "and '-', starting and ending with a letter or digit")
"""An S3 general purpose bucket name (the finer rules: ``stackconfig.limits.s3_bucket_problem``)."""


class S3ModelRepositoryConfig(ConfigModel):
    """The S3 bucket Triton loads models from, as in the Seldon tutorial: one the stack creates with pulumi-aws, or one
    that already holds the models (``existing``)."""

    bucket_name: S3BucketName
    """Bucket name (globally unique)."""
    region: matching(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", "an AWS region such as us-east-1", 32)
    """AWS region of the bucket."""
    existing: bool = False
    """The bucket already exists and holds the models (the tutorial's ``aws s3 cp --recursive cifar10-model s3://<bucket>/cifar10-model``): the stack creates, changes, protects and deletes no AWS resource and needs no AWS credentials of its own; pods read the bucket with ``s3Credentials``, whose IAM user must be allowed ``s3:GetObject`` and ``s3:ListBucket`` on it. ``forceDestroy`` is then an error. Default: the stack creates the bucket."""
    force_destroy: ForceDestroy = False

    @model_validator(mode="after")
    def _check(self) -> "S3ModelRepositoryConfig":
        if self.existing and "force_destroy" in self.model_fields_set:
            raise_findings([("forceDestroy", "only applies to a bucket the stack creates, but existing says bucket "
                             f"{self.bucket_name} is not created by this stack",
                             "remove forceDestroy (the bucket's owner decides), or remove existing to create the bucket")])
        return self


class S3Credentials(ConfigModel):
    """An AWS access key for reading the S3 model repository, set with
    ``pulumi config set --secret --path s3Credentials.accessKeyId ...`` (and ``.secretAccessKey``).
    It reaches pods only as a Kubernetes Secret; prefer a workload identity where the cluster has one."""

    access_key_id: SecretStr
    """AWS access key id."""
    secret_access_key: SecretStr
    """AWS secret access key."""
