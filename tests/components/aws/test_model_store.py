"""The EKS model store: a created bucket or an existing one, and IRSA policies scoped to the bucket and prefix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloud_factories import AWS, CPU_BURST_SERVICE, GPU_SERVICE, load
from components.aws.model_store import bucket_read_policy
from components.platform import build_platform
from planner.engine import Plan, run

BUCKET_TYPES = {"aws:s3/bucket:Bucket", "aws:s3/bucketVersioning:BucketVersioning",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPolicy:BucketPolicy"}
EXISTING = {"existingBucket": "acme.shared-models", "prefix": "teams/nlp/"}
READER = {**CPU_BURST_SERVICE, "model": {**CPU_BURST_SERVICE["model"], "path": "teams/nlp/cifar10-model"}}


def plan_with(production: bool = False, **model_store: Any) -> Plan:
    extra = {"production": True, "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
             "aws": {**AWS["aws"], "publicSubnetCidrs": ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22"],
                     "privateSubnetCidrs": ["10.0.64.0/20", "10.0.80.0/20", "10.0.96.0/20"]}} if production else {}
    values = {**AWS, **extra}
    config = load(values, aws={**values["aws"], "modelStore": model_store}, services=[GPU_SERVICE, READER])
    return run(lambda: build_platform(config), "elastic-inference", "test", {}, [])


def policy(plan: Plan, role: str) -> list[dict[str, Any]]:
    return json.loads(plan.get("aws:iam/rolePolicy:RolePolicy", role).inputs["policy"])["Statement"]


@pytest.fixture(scope="module")
def existing_plan() -> Plan:
    return plan_with(**EXISTING)


@pytest.mark.parametrize("production", [False, True])
def test_existing_bucket_registers_no_bucket_resource_and_protects_nothing_of_the_store(production):
    plan = plan_with(production, **EXISTING)
    assert BUCKET_TYPES.isdisjoint(r.type for r in plan.resources)
    store = plan.get("elastic-inference:eks-model-store:EksModelStore", "model-store").urn
    assert [r.name for r in plan.resources if r.protect and store in (r.parent, r.urn)] == []


def test_created_bucket_keeps_its_objects_unless_force_destroy_is_chosen():
    assert plan_with().get("aws:s3/bucket:Bucket", "model-store-bucket").inputs["forceDestroy"] is False
    assert plan_with(forceDestroy=True).get("aws:s3/bucket:Bucket", "model-store-bucket").inputs["forceDestroy"] is True
    production = plan_with(True).get("aws:s3/bucket:Bucket", "model-store-bucket")
    assert production.protect and production.inputs["forceDestroy"] is False


@pytest.mark.parametrize("role", ["model-store-csi-policy", "model-store-reader-policy"])
def test_irsa_policies_cover_only_the_prefix_of_the_existing_bucket(existing_plan, role):
    listing, objects = policy(existing_plan, role)
    assert listing == {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::acme.shared-models"],
                       "Condition": {"StringLike": {"s3:prefix": ["teams/nlp/*"]}}}
    assert objects == {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::acme.shared-models/teams/nlp/*"]}


def test_the_mountpoint_volume_mounts_the_prefix_of_the_existing_bucket(existing_plan):
    spec = existing_plan.get("kubernetes:core/v1:PersistentVolume", "model-store-volume").inputs["spec"]
    assert spec["csi"]["volumeAttributes"] == {"bucketName": "acme.shared-models"}
    assert "prefix teams/nlp/" in spec["mountOptions"]
    # The reader reads s3://<bucket>/<model.path>, inside the prefix its role may read.
    deployment = existing_plan.get("kubernetes:apps/v1:Deployment", "inference-cifar10-deployment").inputs
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--model-repository=s3://acme.shared-models/teams/nlp/cifar10-model" in args


def test_the_whole_bucket_policy_is_unchanged_without_a_prefix():
    assert json.loads(bucket_read_policy("arn:aws:s3:::b"))["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}]


def test_readers_of_an_existing_sse_kms_bucket_may_decrypt_with_its_key_only():
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    statements = json.loads(bucket_read_policy("arn:aws:s3:::b", "models/", key))["Statement"]
    assert statements[-1] == {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key]}
    assert not any("kms:Decrypt" in s["Action"] for s in json.loads(bucket_read_policy("arn:aws:s3:::b"))["Statement"])


def test_a_kms_key_is_only_for_an_existing_bucket():
    from cloud_factories import AWS, issues, load
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert [i for i in issues(AWS, aws={**AWS["aws"], "modelStore": {"kmsKeyArn": key}})
            if i.startswith("aws.modelStore.kmsKeyArn:")]
    load(AWS, aws={**AWS["aws"], "modelStore": {"existingBucket": "acme-models", "kmsKeyArn": key}})
