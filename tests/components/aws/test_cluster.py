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
