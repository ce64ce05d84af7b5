"""The S3 model repository Triton reads models from with access keys (the Seldon tutorial's bucket), for clusters
without an AWS workload identity (ACK, an existing cluster)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from stackconfig import S3Credentials, S3ModelRepositoryConfig

from ..kubernetes.context import S3Access
from .bucket import private_bucket


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
    tags, protected in production, force-destroyed only with ``s3ModelRepository.forceDestroy``.

    Outputs: ``bucket_name``, ``bucket_arn``.
    """

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: S3ModelRepositoryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:s3-model-repository:S3ModelRepository", name, None, opts)
        provider = aws.Provider(f"{name}-aws", region=args.config.region, opts=pulumi.ResourceOptions(parent=self))
        bucket = private_bucket(self, name, bucket_name=args.config.bucket_name, protect=args.protect,
                                force_destroy=args.config.force_destroy, tags=args.tags, provider=provider)

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn})


def key_based_s3_access(parent: pulumi.Resource, repository: Optional[S3ModelRepositoryConfig],
                        credentials: Optional[S3Credentials], *, protect: bool, tags: dict[str, str]
                        ) -> tuple[list[pulumi.Resource], Optional[S3Access]]:
    """The ``s3ModelRepository`` bucket (``s3-model-repository``, a child of ``parent``) when configured and not
    ``existing``, and access to it with the ``s3Credentials`` keys when given: what the cluster context's ``storage``
    and ``s3`` get."""
    if repository is None:
        return [], None
    bucket = [] if repository.existing else [S3ModelRepository(
        "s3-model-repository", S3ModelRepositoryArgs(config=repository, protect=protect, tags=tags),
        opts=pulumi.ResourceOptions(parent=parent))]
    access = S3Access(bucket=repository.bucket_name, region=repository.region, credentials=credentials) \
        if credentials else None
    return bucket, access
