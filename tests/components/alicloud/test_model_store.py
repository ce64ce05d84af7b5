"""The ModelStore component under the mock engine: bucket hardening, the RRSA role of the OSS CSI plugin, PV and PVC."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.alicloud.model_store import (
    CSI_FUSE_SERVICE_ACCOUNT,
    ModelStore,
    bucket_access_policy,
    csi_trust_policy,
    internal_endpoint,
    tls_only_policy,
)
from components.alicloud.platform import model_store_args
from factories import PRODUCTION, keys_and_strings, stack_config
from planner import mocks

COMPONENT = "elastic-inference:model-store:ModelStore"
BUCKET = "alicloud:oss/bucket:Bucket"
BUCKET_ACL = "alicloud:oss/bucketAcl:BucketAcl"
BUCKET_VERSIONING = "alicloud:oss/bucketVersioning:BucketVersioning"
BUCKET_ENCRYPTION = "alicloud:oss/bucketServerSideEncryption:BucketServerSideEncryption"
BUCKET_PUBLIC_ACCESS = "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "alicloud:oss/bucketPolicy:BucketPolicy"
ROLE = "alicloud:ram/role:Role"
POLICY = "alicloud:ram/policy:Policy"
ATTACHMENT = "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment"
NAMESPACE = "kubernetes:core/v1:Namespace"
PV = "kubernetes:core/v1:PersistentVolume"
PVC = "kubernetes:core/v1:PersistentVolumeClaim"
K8S_PROVIDER = "pulumi:providers:kubernetes"

OIDC_ARN = f"acs:ram::{mocks.ACCOUNT_ID}:oidc-provider/ack-rrsa-c0ffee"
ISSUER = "https://oidc-ack-cn-beijing.oss-cn-beijing.aliyuncs.com/c0ffee"
WRITABLE = {"alicloud": {"modelStore": {"writeAccess": True, "writeAccessReason": "fine-tuning jobs publish checkpoints"}}}
ACCESS_KEY_NAME = re.compile(r"(access_?key|secret_?key|ak_?id|ak_?secret|secretref|accesskeyid|accesskeysecret)",
                             re.IGNORECASE)


def plan_store(run_under_mocks, **overrides):
    config = stack_config(**overrides)

    def program() -> None:
        provider = k8s.Provider("k8s", kubeconfig=mocks.PLACEHOLDER_KUBECONFIG)
        store = ModelStore("model-store", model_store_args(config, OIDC_ARN, ISSUER),
            opts=pulumi.ResourceOptions(providers=[provider]))
        for output in ("bucket_name", "role_name", "role_arn", "claim_name", "namespace"):
            pulumi.export(output, getattr(store, output))
        pulumi.export("k8sProviderUrn", provider.urn)

    return run_under_mocks(program)


def only(plan, type_token):
    resources = plan.by_type(type_token)
    assert len(resources) == 1, f"{len(resources)} resources of type {type_token}"
    return resources[0]


def pv_attributes(plan) -> dict[str, Any]:
    return only(plan, PV).inputs["spec"]["csi"]["volumeAttributes"]


def statements(plan) -> list[dict[str, Any]]:
    return json.loads(only(plan, POLICY).inputs["policyDocument"])["Statement"]


# ----------------------------------------------------------------------------- bucket


def test_bucket_name_class_redundancy_and_tags(run_under_mocks):
    plan = plan_store(run_under_mocks, tags={"team": "ml-platform"})
    bucket = only(plan, BUCKET).inputs
    assert bucket["bucket"] == "elastic-inference-test-models" == plan.outputs["bucket_name"]
    assert bucket["storageClass"] == "Standard"
    assert bucket["redundancyType"] == "ZRS"
    assert bucket["tags"] == {"project": "elastic-inference", "environment": "test", "managed-by": "pulumi",
                              "team": "ml-platform"}
    # Deprecated inline settings are not used; their standalone resources own them.
    assert not {"acl", "versioning", "serverSideEncryptionRule", "policy", "refererConfig"} & bucket.keys()


def test_configured_bucket_name_and_lrs(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {"bucketName": "acme-models", "redundancyType": "LRS"}})
    bucket = only(plan, BUCKET).inputs
    assert bucket["bucket"] == "acme-models" and bucket["redundancyType"] == "LRS"


def test_bucket_is_private_versioned_encrypted_and_blocks_public_access(run_under_mocks):
    plan = plan_store(run_under_mocks)
    name = only(plan, BUCKET).inputs["bucket"]
    assert only(plan, BUCKET_ACL).inputs == {"bucket": name, "acl": "private"}
    assert only(plan, BUCKET_VERSIONING).inputs == {"bucket": name, "status": "Enabled"}
    assert only(plan, BUCKET_ENCRYPTION).inputs == {"bucket": name, "sseAlgorithm": "AES256"}
    assert only(plan, BUCKET_PUBLIC_ACCESS).inputs == {"bucket": name, "blockPublicAccess": True}
    bucket_urn = only(plan, BUCKET).urn
    for token in (BUCKET_ACL, BUCKET_VERSIONING, BUCKET_ENCRYPTION, BUCKET_PUBLIC_ACCESS):
        assert bucket_urn in only(plan, token).depends_on  # the name flows from the bucket


def test_kms_encryption_with_key(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {"encryption": "KMS", "kmsKeyId": "key-abc123"}})
    encryption = only(plan, BUCKET_ENCRYPTION).inputs
    assert encryption["sseAlgorithm"] == "KMS" and encryption["kmsMasterKeyId"] == "key-abc123"
    kms = [s for s in statements(plan) if any(a.startswith("kms:") for a in s["Action"])]
    assert kms == [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": ["acs:kms:cn-beijing:*:key/key-abc123"]}]


def test_kms_encryption_with_service_key_sets_no_key_and_no_kms_grant(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {"encryption": "KMS"}})
    assert only(plan, BUCKET_ENCRYPTION).inputs == {"bucket": "elastic-inference-test-models", "sseAlgorithm": "KMS"}
    assert len(statements(plan)) == 1


def test_bucket_ignores_the_inline_attributes_of_its_standalone_resources(run_under_mocks):
    bucket = only(plan_store(run_under_mocks), BUCKET)
    assert sorted(bucket.ignore_changes) == ["acl", "policy", "serverSideEncryptionRule", "versioning"]


def test_bucket_refuses_every_request_without_tls(run_under_mocks):
    plan = plan_store(run_under_mocks)
    name = only(plan, BUCKET).inputs["bucket"]
    policy = only(plan, BUCKET_POLICY)
    assert policy.inputs["bucket"] == name and only(plan, BUCKET).urn in policy.depends_on
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    assert statement == {"Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"],
                         "Resource": [f"acs:oss:*:*:{name}", f"acs:oss:*:*:{name}/*"],
                         "Condition": {"Bool": {"acs:SecureTransport": ["false"]}}}


def test_the_csi_mount_speaks_tls_so_the_tls_only_policy_admits_it(run_under_mocks):
    assert pv_attributes(plan_store(run_under_mocks))["url"].startswith("https://")
    # A deny only: who may read the bucket stays RAM's business (the CSI role's policy).
    assert {s["Effect"] for s in json.loads(tls_only_policy("models"))["Statement"]} == {"Deny"}


def test_production_bucket_is_protected_and_never_force_destroyed(run_under_mocks):
    plan = plan_store(run_under_mocks, **PRODUCTION)
    bucket = only(plan, BUCKET)
    assert bucket.protect is True
    assert bucket.inputs["forceDestroy"] is False


def test_dev_bucket_is_not_protected_and_keeps_its_objects_unless_force_destroy_is_chosen(run_under_mocks):
    bucket = only(plan_store(run_under_mocks), BUCKET)
    assert bucket.protect is False
    assert bucket.inputs["forceDestroy"] is False
    chosen = only(plan_store(run_under_mocks, alicloud={"modelStore": {"forceDestroy": True}}), BUCKET)
    assert chosen.inputs["forceDestroy"] is True and chosen.protect is False
    # Nothing else holds data: only the bucket is ever protected.
    assert [r.type for r in plan_store(run_under_mocks, **PRODUCTION).resources if r.protect] == [BUCKET]


# ----------------------------------------------------------------------------- RAM


def test_role_trusts_only_the_clusters_oidc_provider_for_the_csi_service_account(run_under_mocks):
    plan = plan_store(run_under_mocks)
    trust = json.loads(only(plan, ROLE).inputs["assumeRolePolicyDocument"])
    assert trust == {
        "Version": "1",
        "Statement": [{
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Federated": [OIDC_ARN]},
            "Condition": {"StringEquals": {
                "oidc:aud": "sts.aliyuncs.com",
                "oidc:iss": ISSUER,
                "oidc:sub": "system:serviceaccount:ack-csi-fuse:csi-fuse-ossfs",
            }},
        }],
    }


def test_trust_policy_function_has_no_wildcards():
    trust = csi_trust_policy("arn-x", "https://issuer-y")
    assert "*" not in trust and "StringLike" not in trust
    assert json.loads(trust)["Statement"][0]["Condition"]["StringEquals"]["oidc:sub"] == CSI_FUSE_SERVICE_ACCOUNT


def test_role_and_policy_names_and_attachment(run_under_mocks):
    plan = plan_store(run_under_mocks)
    role, policy = only(plan, ROLE), only(plan, POLICY)
    assert role.inputs["roleName"] == "ei-test-model-store-csi" == plan.outputs["role_name"]
    assert plan.outputs["role_arn"] == f"acs:ram::{mocks.ACCOUNT_ID}:role/ei-test-model-store-csi"
    assert policy.inputs["policyName"] == "ei-test-model-store-oss"
    assert policy.inputs["rotateStrategy"] == "DeleteOldestNonDefaultVersionWhenLimitExceeded"
    attachment = only(plan, ATTACHMENT)
    assert attachment.inputs == {"roleName": "ei-test-model-store-csi", "policyName": "ei-test-model-store-oss",
                                 "policyType": "Custom"}
    assert {role.urn, policy.urn} <= set(attachment.depends_on)


def test_ram_names_fit_the_limits_with_the_longest_environment(run_under_mocks):
    plan = plan_store(run_under_mocks, environment="a" * 16)
    role_name = only(plan, ROLE).inputs["roleName"]
    policy_name = only(plan, POLICY).inputs["policyName"]
    assert re.fullmatch(r"[A-Za-z0-9.-]{1,64}", role_name)  # RAM CreateRole
    assert re.fullmatch(r"[A-Za-z0-9-]{1,128}", policy_name)  # ram.Policy docstring


def test_read_only_policy_covers_only_this_bucket(run_under_mocks):
    plan = plan_store(run_under_mocks)
    [statement] = statements(plan)
    assert statement == {
        "Effect": "Allow",
        "Action": ["oss:GetObject", "oss:ListObjects", "oss:GetBucketInfo"],
        "Resource": ["acs:oss:*:*:elastic-inference-test-models", "acs:oss:*:*:elastic-inference-test-models/*"],
    }
    assert only(plan, BUCKET).urn in only(plan, POLICY).depends_on  # the bucket name flows into the policy


def test_write_access_adds_writes_on_the_same_bucket_only(run_under_mocks):
    plan = plan_store(run_under_mocks, **WRITABLE)
    [statement] = statements(plan)
    assert {"oss:GetObject", "oss:ListObjects", "oss:PutObject", "oss:DeleteObject",
            "oss:AbortMultipartUpload"} <= set(statement["Action"])
    assert not any("*" in action for action in statement["Action"])
    assert statement["Resource"] == ["acs:oss:*:*:elastic-inference-test-models",
                                     "acs:oss:*:*:elastic-inference-test-models/*"]


@pytest.mark.parametrize("write", [False, True])
def test_policy_never_grants_bucket_administration(write):
    store = stack_config(**(WRITABLE if write else {})).alicloud.model_store
    actions = json.loads(bucket_access_policy("b", store, "cn-beijing"))["Statement"][0]["Action"]
    assert not any(re.match(r"oss:(Put|Delete)Bucket|oss:\*|oss:.*Acl", a) for a in actions)
    assert ("oss:PutObject" in actions) is write


# ----------------------------------------------------------------------------- Kubernetes


def test_pv_mounts_the_bucket_with_rrsa_through_the_internal_endpoint(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {"path": "/models/", "mountOptions": "-o allow_other"}})
    pv = only(plan, PV)
    spec = pv.inputs["spec"]
    assert pv.inputs["metadata"]["name"] == "model-store"
    assert spec["csi"]["driver"] == "ossplugin.csi.alibabacloud.com"
    assert spec["csi"]["volumeHandle"] == pv.inputs["metadata"]["name"]
    assert spec["csi"]["readOnly"] is True
    assert spec["accessModes"] == ["ReadOnlyMany"]
    assert spec["persistentVolumeReclaimPolicy"] == "Retain"
    assert spec["storageClassName"] == ""
    assert spec["capacity"] == {"storage": "100Gi"}
    assert pv_attributes(plan) == {
        "bucket": only(plan, BUCKET).inputs["bucket"],
        "url": "https://oss-cn-beijing-internal.aliyuncs.com",
        "path": "/models/",
        "otherOpts": "-o allow_other",
        "authType": "rrsa",
        "roleName": only(plan, ROLE).inputs["roleName"],
        "sigVersion": "v4",
    }
    assert "nodePublishSecretRef" not in spec["csi"]


def test_pv_waits_for_the_role_to_hold_its_policy(run_under_mocks):
    plan = plan_store(run_under_mocks)
    depends_on = only(plan, PV).depends_on
    assert only(plan, ATTACHMENT).urn in depends_on and only(plan, ROLE).urn in depends_on


def test_internal_endpoint_follows_the_region():
    assert internal_endpoint("cn-hangzhou") == "https://oss-cn-hangzhou-internal.aliyuncs.com"


def test_pvc_binds_exactly_that_pv(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {"namespace": "models", "claimName": "weights", "capacity": "1Ti"}})
    pv, pvc = only(plan, PV), only(plan, PVC)
    assert pvc.inputs["metadata"] == {"name": "weights", "namespace": "models"}
    assert pvc.inputs["spec"] == {
        "accessModes": ["ReadOnlyMany"],
        "resources": {"requests": {"storage": "1Ti"}},
        "storageClassName": "",
        "volumeName": pv.inputs["metadata"]["name"],
    }
    assert pv.urn in pvc.depends_on
    assert pv.inputs["spec"]["claimRef"] == {"namespace": "models", "name": "weights"}
    assert (plan.outputs["claim_name"], plan.outputs["namespace"]) == ("weights", "models")


def test_write_access_mounts_read_write(run_under_mocks):
    plan = plan_store(run_under_mocks, **WRITABLE)
    pv, pvc = only(plan, PV), only(plan, PVC)
    assert pv.inputs["spec"]["accessModes"] == pvc.inputs["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pv.inputs["spec"]["csi"]["readOnly"] is False


def test_namespace_is_created_and_holds_the_claim(run_under_mocks):
    plan = plan_store(run_under_mocks)
    namespace = only(plan, NAMESPACE)
    assert namespace.inputs["metadata"] == {"name": "inference"}
    assert namespace.urn in only(plan, PVC).depends_on


@pytest.mark.parametrize("builtin", ["default", "kube-system"])
def test_builtin_namespace_is_not_created(run_under_mocks, builtin):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {"namespace": builtin}})
    assert plan.by_type(NAMESPACE) == []
    assert only(plan, PVC).inputs["metadata"]["namespace"] == builtin
    assert plan.outputs["namespace"] == builtin


# ----------------------------------------------------------------------------- component-wide


def test_every_child_belongs_to_the_component_and_uses_the_given_kubernetes_provider(run_under_mocks):
    plan = plan_store(run_under_mocks)
    component = only(plan, COMPONENT)
    children = [r for r in plan.resources if r.type not in (COMPONENT, K8S_PROVIDER)]
    assert {r.type for r in children} == {BUCKET, BUCKET_ACL, BUCKET_VERSIONING, BUCKET_ENCRYPTION,
                                          BUCKET_PUBLIC_ACCESS, BUCKET_POLICY, ROLE, POLICY, ATTACHMENT, NAMESPACE, PV, PVC}
    assert all(r.parent == component.urn for r in children)
    for r in children:
        if r.type.startswith("kubernetes:"):
            assert r.provider.startswith(plan.outputs["k8sProviderUrn"] + "::")


@pytest.mark.parametrize("overrides", [{}, WRITABLE, {"alicloud": {"modelStore": {"encryption": "KMS", "kmsKeyId": "key-1"}}}])
def test_no_access_key_anywhere(run_under_mocks, overrides):
    plan = plan_store(run_under_mocks, **overrides)
    found = [(r.name, text) for r in plan.resources for text in keys_and_strings(r.inputs)
             if ACCESS_KEY_NAME.search(text)]
    assert found == []
    assert plan.by_type("kubernetes:core/v1:Secret") == []


# ----------------------------------------------------------------------------- an existing bucket

EXISTING = {"alicloud": {"modelStore": {"existingBucket": "acme-models", "path": "/teams/vision"}}}
BUCKET_TYPES = {BUCKET, BUCKET_ACL, BUCKET_VERSIONING, BUCKET_ENCRYPTION, BUCKET_PUBLIC_ACCESS, BUCKET_POLICY}


@pytest.mark.parametrize("overrides", [EXISTING, {**PRODUCTION, "alicloud": {**PRODUCTION["alicloud"], **EXISTING["alicloud"]}}])
def test_existing_bucket_registers_no_bucket_resource_and_protects_nothing(run_under_mocks, overrides):
    plan = plan_store(run_under_mocks, **overrides)
    assert BUCKET_TYPES.isdisjoint(r.type for r in plan.resources)
    assert [r.name for r in plan.resources if r.protect] == []
    assert {r.type for r in plan.resources} == {COMPONENT, K8S_PROVIDER, ROLE, POLICY, ATTACHMENT, NAMESPACE, PV, PVC}
    assert plan.outputs["bucket_name"] == "acme-models"


def test_existing_bucket_policy_covers_only_its_folder(run_under_mocks):
    listing, bucket_info, objects = statements(plan_store(run_under_mocks, **EXISTING))
    assert listing == {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": ["acs:oss:*:*:acme-models"],
                       "Condition": {"StringLike": {"oss:Prefix": ["teams/vision/*"]}}}
    assert bucket_info == {"Effect": "Allow", "Action": ["oss:GetBucketInfo"], "Resource": ["acs:oss:*:*:acme-models"]}
    assert objects == {"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["acs:oss:*:*:acme-models/teams/vision/*"]}


def test_existing_bucket_with_write_access_writes_only_in_its_folder(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {
        **EXISTING["alicloud"]["modelStore"], "writeAccess": True, "writeAccessReason": "fine-tuning jobs publish checkpoints"}})
    listing, on_bucket, objects = statements(plan)
    assert on_bucket["Action"] == ["oss:GetBucketInfo", "oss:ListMultipartUploads"]
    assert on_bucket["Resource"] == listing["Resource"] == ["acs:oss:*:*:acme-models"]
    assert {"oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts"} == set(objects["Action"])
    assert objects["Resource"] == ["acs:oss:*:*:acme-models/teams/vision/*"]


def test_existing_bucket_with_kms_key_grants_decrypt(run_under_mocks):
    plan = plan_store(run_under_mocks, alicloud={"modelStore": {**EXISTING["alicloud"]["modelStore"], "kmsKeyId": "key-abc123"}})
    assert statements(plan)[-1] == {"Effect": "Allow", "Action": ["kms:Decrypt"],
                                    "Resource": ["acs:kms:cn-beijing:*:key/key-abc123"]}


def test_existing_bucket_pv_mounts_its_folder(run_under_mocks):
    plan = plan_store(run_under_mocks, **EXISTING)
    attributes = pv_attributes(plan)
    assert (attributes["bucket"], attributes["path"]) == ("acme-models", "/teams/vision")
    assert attributes["roleName"] == only(plan, ROLE).inputs["roleName"]


@pytest.mark.parametrize("path, prefix", [("/", ""), ("/models", "models/"), ("/models/", "models/"), ("/a/b", "a/b/")])
def test_created_bucket_policy_is_scoped_to_the_mounted_folder_too(path, prefix):
    store = stack_config(alicloud={"modelStore": {"path": path}}).alicloud.model_store
    resources = [r for st in json.loads(bucket_access_policy("b", store, "cn-beijing"))["Statement"] for r in st["Resource"]]
    assert f"acs:oss:*:*:b/{prefix}*" in resources
    assert ("acs:oss:*:*:b/*" in resources) is (prefix == "")


def test_existing_bucket_is_looked_up_by_its_exact_name(run_under_mocks, monkeypatch):
    token = "alicloud:oss/getBuckets:getBuckets"
    calls, answer = [], mocks.CALL_RESULTS[token]
    monkeypatch.setitem(mocks.CALL_RESULTS, token, lambda args: calls.append(args["nameRegex"]) or answer(args))
    plan_store(run_under_mocks, alicloud={"modelStore": {"existingBucket": "acme-models-1"}})
    assert calls == [r"^acme\-models\-1$"]


def test_existing_bucket_found_in_the_stacks_region_is_mounted():
    from types import SimpleNamespace
    from components.alicloud.model_store import require_existing_bucket
    found = [SimpleNamespace(name="acme-models-old", location="oss-cn-beijing"),
             SimpleNamespace(name="acme-models", location="oss-cn-beijing")]
    assert require_existing_bucket(found, "acme-models", "cn-beijing") == "acme-models"
    with pytest.raises(pulumi.RunError, match="the OSS bucket acme-models is in oss-cn-beijing, but the cluster in "
                                              "cn-hangzhou"):
        require_existing_bucket(found, "acme-models", "cn-hangzhou")
    with pytest.raises(pulumi.RunError, match="the OSS bucket acme-model is not among this account's buckets"):
        require_existing_bucket(found, "acme-model", "cn-beijing")
