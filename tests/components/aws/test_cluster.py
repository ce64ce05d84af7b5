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


# ----------------------------------------------------------------------------- an adopted cluster

def plan_adopted(**aws: object):
    from cloud_factories import ADOPTED_EKS
    config = load(ADOPTED_EKS, aws={**ADOPTED_EKS["aws"], **aws}, services=[GPU_SERVICE, CPU_BURST_SERVICE],
                  s3ModelRepository=None, s3Credentials=None)
    return run(lambda: build_platform(config), "elastic-inference", "test", {}, [])


def looked_up_cluster() -> dict:
    from planner import mocks
    return mocks.CALL_RESULTS["aws:eks/getCluster:getCluster"]({"name": "ml-platform"})


def test_an_adopted_cluster_and_bucket_register_no_network_cluster_key_oidc_provider_or_bucket():
    plan = plan_adopted(modelStore={"existingBucket": "acme-models"})
    types = {r.type for r in plan.resources}
    assert not types & {"aws:eks/cluster:Cluster", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway",
                        "aws:ec2/internetGateway:InternetGateway", "aws:kms/key:Key", "aws:s3/bucket:Bucket",
                        "aws:iam/openIdConnectProvider:OpenIdConnectProvider"}
    assert not [r for r in plan.by_type("aws:eks/addon:Addon") if r.inputs["addonName"] == "vpc-cni"]
    assert not [r.urn for r in plan.resources if r.protect]


def test_what_the_stack_adds_joins_the_looked_up_cluster_in_its_subnets():
    plan = plan_adopted()
    cluster = looked_up_cluster()
    subnets = cluster["vpcConfig"]["subnetIds"]
    [group] = plan.by_type("aws:autoscaling/group:Group")
    assert group.inputs["vpcZoneIdentifiers"] == subnets
    [node_group] = plan.by_type("aws:eks/nodeGroup:NodeGroup")
    assert node_group.inputs["clusterName"] == "ml-platform" and node_group.inputs["subnetIds"] == subnets
    [fargate] = plan.by_type("aws:eks/fargateProfile:FargateProfile")
    assert fargate.inputs["clusterName"] == "ml-platform" and fargate.inputs["subnetIds"] == subnets
    [join] = [e for e in plan.by_type("aws:eks/accessEntry:AccessEntry") if e.inputs["type"] == "EC2_LINUX"]
    assert join.inputs["clusterName"] == "ml-platform"
    templates = plan.by_type("aws:ec2/launchTemplate:LaunchTemplate")
    gpu_templates = [t for t in templates if "gpu" in t.name]
    assert gpu_templates and all(t.inputs["vpcSecurityGroupIds"] == [cluster["vpcConfig"]["clusterSecurityGroupId"]]
                                 for t in gpu_templates)


def test_irsa_roles_trust_the_adopted_clusters_oidc_provider():
    plan = plan_adopted()
    issuer = looked_up_cluster()["identities"][0]["oidcs"][0]["issuer"].removeprefix("https://")
    trusting = [json.loads(r.inputs["assumeRolePolicy"])["Statement"][0] for r in plan.by_type("aws:iam/role:Role")
                if "Federated" in json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]["Principal"]]
    assert trusting and all(s["Principal"]["Federated"] == f"arn:aws:iam::123456789012:oidc-provider/{issuer}"
                            for s in trusting)


def test_named_subnets_replace_the_clusters():
    plan = plan_adopted(existingCluster={"name": "ml-platform", "subnetIds": ["subnet-0abc1234def567890"]})
    [group] = plan.by_type("aws:autoscaling/group:Group")
    assert group.inputs["vpcZoneIdentifiers"] == ["subnet-0abc1234def567890"]


def eks_result(**changes):
    from types import SimpleNamespace
    base = {"status": "ACTIVE", "version": "1.35", "access_configs": [SimpleNamespace(authentication_mode="API")]}
    return SimpleNamespace(**{**base, **changes})


def test_an_adoptable_eks_cluster_passes_and_each_problem_is_refused_with_its_fix():
    from types import SimpleNamespace
    from components.aws.cluster import adoption_problems
    assert adoption_problems("ml", eks_result(), "1.35") == []
    [version] = adoption_problems("ml", eks_result(version="1.33"), "1.35")
    assert 'runs Kubernetes 1.33, but aws.kubernetesVersion is 1.35' in version and 'kubernetesVersion: "1.33"' in version
    [mode] = adoption_problems("ml", eks_result(access_configs=[SimpleNamespace(authentication_mode="CONFIG_MAP")]), "1.35")
    assert "authentication mode CONFIG_MAP" in mode and "authenticationMode=API_AND_CONFIG_MAP" in mode
    assert len(adoption_problems("ml", eks_result(status="UPDATING", version="1.34", access_configs=[]), "1.35")) == 3


ADOPTION_STOP_PROGRAM = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from planner import mocks
from planner.engine import run
from cloud_factories import ADOPTED_EKS, load
from components.platform import build_platform

answer = mocks.CALL_RESULTS["aws:eks/getCluster:getCluster"]
mocks.CALL_RESULTS["aws:eks/getCluster:getCluster"] = lambda args: {{**answer(args), "version": "1.33"}}
run(lambda: build_platform(load(ADOPTED_EKS)), "elastic-inference", "test", {{}}, [])
"""


def test_an_adopted_cluster_of_another_version_stops_the_run():
    # In a process of its own: a failed run leaves Pulumi output tasks behind that would fail the next run.
    import subprocess
    import sys
    from paths import ROOT
    program = ADOPTION_STOP_PROGRAM.format(root=str(ROOT), tests=str(ROOT / "tests"))
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "pulumi.errors.RunError: aws.existingCluster: cluster ml-platform runs Kubernetes 1.33" in result.stderr


def test_namespaces_on_an_adopted_eks_cluster_outlive_the_stack():
    namespaces = plan_adopted().by_type("kubernetes:core/v1:Namespace")
    assert namespaces and all(n.retain_on_delete for n in namespaces)
    created = run(lambda: build_platform(load(AWS, services=[GPU_SERVICE])), "elastic-inference", "test", {}, [])
    assert not any(n.retain_on_delete for n in created.by_type("kubernetes:core/v1:Namespace"))
