"""The private bucket every S3 bucket of the program is: its TLS-only policy."""

from __future__ import annotations

import json

import pulumi

from components.s3.bucket import private_bucket

BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def test_bucket_refuses_every_request_without_tls(run_under_mocks):
    def program():
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        private_bucket(parent, "models", bucket_name="acme-models", protect=False, force_destroy=False, tags={})

    plan = run_under_mocks(program)
    [bucket] = plan.by_type(BUCKET)
    [policy] = plan.by_type(POLICY)
    assert bucket.urn in policy.depends_on and policy.parent == bucket.parent
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    arn = "arn:aws:s3:::acme-models"
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert statement["Resource"] == [arn, f"{arn}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
