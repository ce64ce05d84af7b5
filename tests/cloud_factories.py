"""Stack configs of each cloud for tests, and how to load them; the catalog entries the cloud tests share."""

from __future__ import annotations

import json
from typing import Any

import pytest

from factories import merge
from stackconfig import StackConfig, StackConfigError, load_stack_config

AWS: dict[str, Any] = {
    "cloud": "aws",
    "environment": "test",
    "region": "us-east-1",
    "zones": ["us-east-1a", "us-east-1b"],
    "aws": {"vpcCidr": "10.0.0.0/16", "publicSubnetCidrs": ["10.0.0.0/22", "10.0.4.0/22"],
            "privateSubnetCidrs": ["10.0.64.0/18", "10.0.128.0/18"]},
}
ADOPTED_EKS: dict[str, Any] = {
    "cloud": "aws",
    "environment": "test",
    "region": "us-east-1",
    "aws": {"existingCluster": {"name": "ml-platform"}},
}
"""A stack adopting the existing EKS cluster ``ml-platform`` (no network, no zones)."""
EXISTING: dict[str, Any] = {
    "cloud": "existing",
    "environment": "test",
    "existing": {"context": "kind-kind", "modelClaim": {"namespace": "inference", "name": "model-store"}},
}
ALICLOUD: dict[str, Any] = {
    "environment": "test",
    "region": "cn-beijing",
    "zones": ["cn-beijing-h", "cn-beijing-i"],
    "alicloud": {"network": {"nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20"],
                             "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19"]}},
}
GPU_SERVICE: dict[str, Any] = {
    "name": "bert", "server": "tfserving",
    "model": {"name": "chnsenticorp", "path": "models/tensorflow/chnsenticorp"},
    "placement": {"nodeSelector": {"workload": "inference"}},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "cpu": {"targetUtilization": 60}},
}
CPU_BURST_SERVICE: dict[str, Any] = {
    "name": "cifar10", "server": "triton",
    "model": {"name": "cifar10-pytorch", "path": "cifar10-model", "source": "s3"},
    "resources": {"gpus": 0, "cpu": "2", "memory": "4Gi"},
    "burst": {"mode": "only"},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "cpu": {"targetUtilization": 60}},
}
ALICLOUD_POOLS = [{"name": "system", "instanceTypes": ["ecs.g7.xlarge"], "scaling": {"minSize": 1, "maxSize": 2}}]
BUCKET = "acme-models"
S3_KEYS: dict[str, Any] = {
    "s3ModelRepository": {"bucketName": BUCKET, "region": "us-east-1"},
    "s3Credentials": {"accessKeyId": "AKIAEXAMPLEKEYID", "secretAccessKey": "example-secret"},
}


def load(base: dict[str, Any], **overrides: Any) -> StackConfig:
    values = merge(base, overrides)
    return load_stack_config({f"elastic-inference:{k}": json.dumps(v) if not isinstance(v, str) else v
                              for k, v in values.items()}, secret=["elastic-inference:s3Credentials"])


def issues(base: dict[str, Any], **overrides: Any) -> list[str]:
    with pytest.raises(StackConfigError) as error:
        load(base, **overrides)
    return [str(issue) for issue in error.value.issues]
