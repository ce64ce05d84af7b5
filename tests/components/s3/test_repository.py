"""The S3 model repository (pulumi-aws)."""

from __future__ import annotations

import pulumi

from components.s3.repository import S3ModelRepository, S3ModelRepositoryArgs
from service_factories import CIFAR, stack_with

PROVIDER = "pulumi:providers:aws"
BUCKET = "aws:s3/bucket:Bucket"


def plan_repository(run_under_mocks, protect=False, **repository):
    config = stack_with(CIFAR)
    if repository:
        config = config.model_copy(update={"s3_model_repository": config.s3_model_repository.model_copy(update=repository)})

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
    assert bucket.inputs["forceDestroy"] is False and not bucket.protect
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


def test_force_destroy_is_opt_in(run_under_mocks):
    bucket = only(plan_repository(run_under_mocks, force_destroy=True), BUCKET)
    assert bucket.inputs["forceDestroy"] is True and not bucket.protect


def test_an_existing_repository_gets_no_aws_resource_but_its_credentials_reach_pods(run_under_mocks):
    from components.s3.repository import key_based_s3_access
    config = stack_with(CIFAR)
    existing = config.s3_model_repository.model_copy(update={"existing": True})

    def program():
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        storage, access = key_based_s3_access(parent, existing, config.s3_credentials, protect=True, tags={})
        assert storage == [] and access.bucket == existing.bucket_name and access.credentials == config.s3_credentials

    plan = run_under_mocks(program)
    assert not [r for r in plan.resources if r.type.startswith(("aws:", "pulumi:providers:aws"))]


def test_force_destroy_of_an_existing_repository_is_refused():
    from factories import config_issues, issues_at
    repository = {"bucketName": "acme-models", "region": "us-east-1", "existing": True, "forceDestroy": False}
    [issue] = issues_at("s3ModelRepository.forceDestroy", config_issues(s3ModelRepository=repository))
    assert "only applies to a bucket the stack creates" in issue
