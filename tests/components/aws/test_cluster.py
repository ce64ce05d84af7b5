"""The EKS cluster under mocks: what each access entry may do, and where; the API endpoint; the key that encrypts
Secrets."""

from __future__ import annotations

import json
import re

from cloud_factories import AWS, CPU_BURST_SERVICE, GPU_SERVICE, load, merge
from components.platform import build_platform
from planner.engine import run

ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ROLE = "arn:aws:iam::123456789012:role/"


def test_default_entries_view_the_catalogs_namespaces_and_explicit_ones_get_what_they_say():
    config = load(AWS, aws={**AWS["aws"], "accessEntries": [
        {"principalArn": ROLE + "viewer"},
        {"principalArn": ROLE + "admins", "policy": "AmazonEKSClusterAdminPolicy", "namespaces": []},
        {"principalArn": ROLE + "team", "policy": "AmazonEKSEditPolicy", "namespaces": ["team-b"]},
    ]}, services=[GPU_SERVICE, merge(CPU_BURST_SERVICE, {"namespace": "team-b"})])
    plan = run(lambda: build_platform(config), "elastic-inference", "test", {}, [])
    granted = {a.inputs["principalArn"].removeprefix(ROLE): (a.inputs["policyArn"].rsplit("/", 1)[1], a.inputs["accessScope"])
               for a in plan.by_type(ASSOCIATION)}
    assert granted == {
        "viewer": ("AmazonEKSViewPolicy", {"type": "namespace", "namespaces": ["inference", "team-b"]}),
        "admins": ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
        "team": ("AmazonEKSEditPolicy", {"type": "namespace", "namespaces": ["team-b"]}),
    }
    # A new scope replaces the association under the same id: the old one must go first.
    assert all(a.delete_before_replace for a in plan.by_type(ASSOCIATION))


def vpc_config_of(**aws: object) -> dict:
    plan = run(lambda: build_platform(load(AWS, aws={**AWS["aws"], **aws})), "elastic-inference", "test", {}, [])
    [cluster] = plan.by_type("aws:eks/cluster:Cluster")
    return cluster.inputs["vpcConfig"]


def test_api_server_is_private_by_default_and_public_only_to_the_listed_networks():
    private = vpc_config_of()
    assert private["endpointPrivateAccess"] is True and private["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in private
    public = vpc_config_of(publicApiServer=True, publicAccessCidrs=["203.0.113.0/24", "198.51.100.7/32"])
    assert public["endpointPublicAccess"] is True
    assert public["publicAccessCidrs"] == ["203.0.113.0/24", "198.51.100.7/32"]


CLUSTER = "aws:eks/cluster:Cluster"
KEY = "aws:kms/key:Key"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
GIVEN_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"]
PRODUCTION = {"production": True, "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
              "aws": {**AWS["aws"], "publicSubnetCidrs": ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22"],
                      "privateSubnetCidrs": ["10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"]}}


def plan_of(base: dict = AWS, **overrides: object):
    config = load(base, **overrides)
    return run(lambda: build_platform(config), "elastic-inference", "test", {}, [])


def with_encryption(**settings: object) -> dict:
    return {"aws": {**AWS["aws"], "secretsEncryption": settings}}


def test_secrets_are_encrypted_with_a_key_the_stack_creates_for_the_cluster_role():
    plan = plan_of()
    cluster, role = plan.get(CLUSTER, "cluster"), plan.get("aws:iam/role:Role", "cluster-role")
    [key] = plan.by_type(KEY)
    assert key.name == "cluster-secrets-key"
    assert key.parent == plan.get("elastic-inference:eks-cluster:EksCluster", "cluster").urn
    assert cluster.inputs["encryptionConfig"]["resources"] == ["secrets"]
    key_arn = cluster.inputs["encryptionConfig"]["provider"]["keyArn"]  # the key's ARN, as the mock provider answers it
    assert re.fullmatch(r"arn:aws:kms:us-east-1:123456789012:key/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", key_arn)
    assert key.urn in cluster.depends_on
    assert (key.inputs["customerMasterKeySpec"], key.inputs["keyUsage"]) == ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
    assert key.protect is False
    role_arn = "arn:aws:iam::123456789012:role/ei-test-eks-cluster"
    assert json.loads(key.inputs["policy"])["Statement"] == [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "ClusterRoleUses", "Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": KEY_ACTIONS, "Resource": "*"},
    ]
    assert role.urn in key.depends_on  # the role exists before a key policy names it
    assert not [p for p in plan.by_type(ROLE_POLICY) if p.name.startswith("cluster-secrets")]  # the key policy grants it


def test_production_protects_the_key_it_creates():
    key = plan_of(**PRODUCTION).get(KEY, "cluster-secrets-key")
    assert key.protect is True


def test_a_given_key_is_used_without_creating_one_and_the_cluster_role_may_use_it():
    plan = plan_of(**with_encryption(kmsKeyArn=GIVEN_KEY))
    assert plan.by_type(KEY) == []
    cluster = plan.get(CLUSTER, "cluster")
    assert cluster.inputs["encryptionConfig"] == {"provider": {"keyArn": GIVEN_KEY}, "resources": ["secrets"]}
    access = plan.get(ROLE_POLICY, "cluster-secrets-key-access")
    assert access.inputs["role"] == "ei-test-eks-cluster"
    assert json.loads(access.inputs["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": KEY_ACTIONS, "Resource": GIVEN_KEY}]
    assert access.urn in cluster.depends_on  # the role may use the key before EKS associates it


def test_encryption_turned_off_leaves_the_cluster_without_encryption_config_or_key():
    plan = plan_of(**with_encryption(enabled=False))
    assert "encryptionConfig" not in plan.get(CLUSTER, "cluster").inputs
    assert plan.by_type(KEY) == []
    assert not [p for p in plan.by_type(ROLE_POLICY) if p.name.startswith("cluster-secrets")]
