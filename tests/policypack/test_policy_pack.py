"""The Pulumi policy pack wraps every rule, and its policies work with the real ``pulumi_policy`` SDK.

``pulumi_policy`` pins protobuf 5, so it lives in the tools virtualenv (``make test`` creates it), not in the
project's: these tests drive the pack there, with the SDK's own argument types, unknown-value proxies and
per-policy config, as ``pulumi preview --policy-pack policypack`` would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from policypack.rules import RULES

from paths import ROOT

TOOLS_PYTHON = Path(os.environ.get("TOOLS_VENV", ROOT / ".venv-tools")).resolve() / "bin" / "python"

PROBE = r'''
import json
from pulumi_policy import (PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, ResourceValidationArgs,
                           ResourceValidationPolicy, StackValidationArgs)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy
from policypack.pack import PACK_NAME, build_policies

def opts(protect=False):
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])

def run(policy, args):
    found = []
    policy.validate(args, lambda message, urn=None: found.append([message, urn]))
    return found

policies = {p.name: p for p in build_policies()}
out = {"pack": PACK_NAME, "policies": {
    name: {"enforcement": p.enforcement_level.value, "stack": not isinstance(p, ResourceValidationPolicy),
           "description": p.description,
           "config": sorted((p.config_schema.properties if p.config_schema else {}).items())}
    for name, p in policies.items()}}

pool = {"clusterId": UNKNOWN_STRING_VALUE, "spotStrategy": "SpotAsPriceGo", "compensateWithOnDemand": True,
        "onDemandPercentageAboveBaseCapacity": "30", "scalingConfig": {"minSize": 0, "maxSize": 20}}
def pool_args(config):
    return ResourceValidationArgs("alicloud:cs/nodePool:NodePool", unknown_checking_proxy(pool), "urn:pool", "gpu",
                                  opts(), None, config)
out["pool-default-cap"] = run(policies["node-pool-bounds"], pool_args({}))
out["pool-configured-cap"] = run(policies["node-pool-bounds"], pool_args({"maxNodePoolSize": 20}))
out["pool-spot-share"] = run(policies["spot-on-demand-share"], pool_args({}))

bucket_urn = "urn:bucket"
bucket = PolicyResource("alicloud:oss/bucket:Bucket", unknown_checking_proxy({"bucket": "models"}), bucket_urn,
                        "models", opts(protect=True), None, None, [], {})
def setting(type_, inputs):
    return PolicyResource(type_, unknown_checking_proxy({"bucket": UNKNOWN_STRING_VALUE, **inputs}), "urn:" + type_,
                          type_, opts(), None, None, [bucket], {})
settings = [setting("alicloud:oss/bucketAcl:BucketAcl", {"acl": "private"}),
            setting("alicloud:oss/bucketServerSideEncryption:BucketServerSideEncryption", {"sseAlgorithm": "AES256"}),
            setting("alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock", {"blockPublicAccess": True}),
            # A policy document built from an output is unknown at preview: checked at up, not refused now.
            setting("alicloud:oss/bucketPolicy:BucketPolicy", {"policy": UNKNOWN_STRING_VALUE})]
out["bucket-without-versioning"] = run(policies["buckets-locked-down"], StackValidationArgs([bucket, *settings]))
out["cluster-unprotected-in-prod"] = run(policies["stateful-resources-protected"], ResourceValidationArgs(
    "alicloud:cs/managedKubernetes:ManagedKubernetes", unknown_checking_proxy({}), "urn:cluster", "cluster", opts(),
    None, {"production": True}))
out["bucket-protected-in-prod"] = run(policies["stateful-resources-protected"], ResourceValidationArgs(
    bucket.resource_type, bucket.props, bucket_urn, "models", opts(protect=True), None, {"production": True}))
def eks(inputs):
    return ResourceValidationArgs("aws:eks/cluster:Cluster", unknown_checking_proxy(inputs), "urn:eks", "cluster", opts(),
                                  None, {"production": True})
out["eks-key-unknown-at-preview"] = run(policies["secrets-encrypted-in-production"], eks(
    {"encryptionConfig": {"provider": {"keyArn": UNKNOWN_STRING_VALUE}, "resources": ["secrets"]}}))
out["eks-unencrypted-in-prod"] = run(policies["secrets-encrypted-in-production"], eks({}))
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def probe() -> dict:
    if not TOOLS_PYTHON.exists():
        pytest.fail(f"{TOOLS_PYTHON} is missing: `make test` creates the tools virtualenv with pulumi-policy")
    result = subprocess.run([str(TOOLS_PYTHON), "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_pack_has_one_policy_per_rule_with_its_enforcement_description_and_settings(probe):
    assert probe["pack"] == "elastic-inference-guardrails"
    assert list(probe["policies"]) == [rule.name for rule in RULES]
    for rule in RULES:
        policy = probe["policies"][rule.name]
        assert (policy["enforcement"], policy["stack"], policy["description"]) == (rule.enforcement, rule.stack, rule.description)
        assert [name for name, _ in policy["config"]] == sorted(rule.settings)


def test_settings_come_from_the_policy_config_with_defaults_otherwise(probe):
    assert probe["pool-default-cap"] == [["scalingConfig: maximum 20 is over this stack's cap of 10", None]]
    assert probe["pool-configured-cap"] == []


def test_unknown_inputs_do_not_abort_a_policy(probe):
    """The pool's clusterId is unknown during preview; reading the inputs must not raise."""
    assert probe["pool-spot-share"] == []


def test_stack_policy_relates_resources_by_dependency_and_reports_the_resource(probe):
    assert probe["bucket-without-versioning"] == [
        ["models: needs an oss.BucketVersioning with status Enabled", "urn:bucket"]]


def test_protect_is_read_from_the_resource_options(probe):
    assert probe["cluster-unprotected-in-prod"] == [
        ["holds state in a production stack but is not protected (ResourceOptions protect=True)", None]]
    assert probe["bucket-protected-in-prod"] == []


def test_secrets_encryption_with_a_key_not_created_yet_passes_and_none_fails(probe):
    assert probe["eks-key-unknown-at-preview"] == []
    assert probe["eks-unencrypted-in-prod"] == [
        ["does not encrypt Secrets with a KMS key: remove aws.secretsEncryption.enabled: false", None]]
