"""The EKS cluster's access entries under mocks: what each entry may do, and where."""

from __future__ import annotations

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
