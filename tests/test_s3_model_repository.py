"""The S3 model repository (pulumi-aws) and the credentials Secret data for pods."""

from __future__ import annotations

import pulumi

from components.s3_model_repository import S3ModelRepository, S3ModelRepositoryArgs, credentials_secret_data
from policypack.sentinels import SECRET_MARK
from service_factories import CIFAR, stack_with

PROVIDER = "pulumi:providers:aws"
BUCKET = "aws:s3/bucket:Bucket"


def plan_repository(run_under_mocks, protect=False):
    config = stack_with(CIFAR)

    def program():
        repository = S3ModelRepository("s3-model-repository", S3ModelRepositoryArgs(
            config=config.s3_model_repository, protect=protect, tags={"project": "elastic-inference"}))
        pulumi.export("bucket", repository.bucket_name)

    return run_under_mocks(program)


def only(plan, type_token):
    [resource] = plan.by_type(type_token)
    return resource


def test_private_encrypted_versioned_bucket_in_the_configured_region(run_under_mocks):
    plan = plan_repository(run_under_mocks)
    provider = only(plan, PROVIDER)
    assert provider.inputs["region"] == "us-east-1"
    bucket = only(plan, BUCKET)
    assert bucket.inputs["bucket"] == "acme-triton-models" == plan.outputs["bucket"]
    assert bucket.inputs["forceDestroy"] is True and not bucket.protect
    assert bucket.provider.startswith(provider.urn)
    name = bucket.inputs["bucket"]
    assert only(plan, "aws:s3/bucketVersioning:BucketVersioning").inputs == {
        "bucket": name, "versioningConfiguration": {"status": "Enabled"}}
    assert only(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
                ).inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    block = only(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block == {"bucket": name, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
                     "restrictPublicBuckets": True}
    assert only(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"}
    component = only(plan, "elastic-inference:s3-model-repository:S3ModelRepository")
    assert all(r.parent == component.urn for r in plan.resources if r is not component)


def test_production_protects_the_bucket(run_under_mocks):
    bucket = only(plan_repository(run_under_mocks, protect=True), BUCKET)
    assert bucket.protect and bucket.inputs["forceDestroy"] is False


def test_secret_data_for_seldons_rclone_and_for_triton(run_under_mocks):
    credentials = stack_with(CIFAR).s3_credentials

    def program():
        for name, for_seldon in (("rclone", True), ("aws", False)):
            data = credentials_secret_data(credentials, "us-east-1", for_seldon=for_seldon)
            pulumi.export(name, data)
            pulumi.export(f"{name}-values", pulumi.Output.unsecret(pulumi.Output.from_input(data)))

    outputs = run_under_mocks(program).outputs
    assert outputs["rclone"] == outputs["aws"] == SECRET_MARK
    assert outputs["rclone-values"] == {
        "RCLONE_CONFIG_S3_TYPE": "s3", "RCLONE_CONFIG_S3_PROVIDER": "aws", "RCLONE_CONFIG_S3_ENV_AUTH": "false",
        "RCLONE_CONFIG_S3_ACCESS_KEY_ID": "AKIAEXAMPLEKEYID",
        "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": "example-secret-access-key", "RCLONE_CONFIG_S3_REGION": "us-east-1"}
    assert outputs["aws-values"] == {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYID",
                                     "AWS_SECRET_ACCESS_KEY": "example-secret-access-key",
                                     "AWS_DEFAULT_REGION": "us-east-1"}
