"""The catalog on a cluster: namespaces it creates for services outside the platform's, on the clouds that own them."""

from __future__ import annotations

from typing import Any

import pytest

from cloud_factories import EXISTING, S3_KEYS, load
from components.platform import build_platform
from service_factories import stack_with

NAMESPACE = "kubernetes:core/v1:Namespace"
TEAM_SERVICE: dict[str, Any] = {
    "name": "cifar10", "namespace": "team-a", "server": "triton",
    "model": {"name": "cifar10-pytorch", "path": "cifar10-model", "source": "s3"},
    "resources": {"gpus": 0, "cpu": "1", "memory": "2Gi"},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 2, "cpu": {"targetUtilization": 50}},
}
"""A service outside the model store's namespace: it reads its model from S3, so it may run anywhere."""


def test_a_service_outside_the_platforms_namespaces_gets_its_namespace_first(run_under_mocks):
    plan = run_under_mocks(lambda: build_platform(stack_with(TEAM_SERVICE)))
    created = {r.inputs["metadata"]["name"]: r for r in plan.by_type(NAMESPACE)}
    assert set(created) == {"inference", "team-a"}  # the model store's, and the service's
    team = created["team-a"]
    objects = [r for r in plan.resources if r.type.startswith("kubernetes:")
               and r.inputs.get("metadata", {}).get("namespace") == "team-a"]
    assert {r.inputs["kind"] for r in objects} >= {"ServiceAccount", "Deployment", "Service", "Secret",
                                                   "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget"}
    assert all(team.urn in r.depends_on for r in objects)


def test_services_in_the_model_store_namespace_get_no_namespace_of_their_own(run_under_mocks):
    plan = run_under_mocks(lambda: build_platform(stack_with({**TEAM_SERVICE, "namespace": "inference"})))
    assert [r.name for r in plan.by_type(NAMESPACE)] == ["model-store-namespace"]


@pytest.mark.parametrize("namespace", ["team-a", "inference"])
def test_an_existing_clusters_namespaces_are_its_owners(run_under_mocks, namespace):
    config = load(EXISTING, services=[{**TEAM_SERVICE, "namespace": namespace}], **S3_KEYS)
    assert run_under_mocks(lambda: build_platform(config)).by_type(NAMESPACE) == []
