"""Catalog entries for tests: the guides' services, validated through the whole stack config."""

from __future__ import annotations

from typing import Any

from stackconfig import StackConfig
from stackconfig import ServiceConfig

from factories import config_values, load_with_secure_secrets, merge

BERT: dict[str, Any] = {
    "name": "bert",
    "server": "tfserving",
    "model": {"name": "chnsenticorp", "path": "models/tensorflow/chnsenticorp"},
    "placement": {"nodeSelector": {"workload": "inference"}},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 10, "qps": {"targetPerPod": 10}},
    "ingress": {"host": "bert.example.com", "tls": False},
}
"""The ECS node pool guide: TF Serving on the spot GPU pool, QPS HPA."""

FASHION: dict[str, Any] = {
    "name": "fashion-mnist",
    "server": "seldon",
    "model": {"name": "fashion-mnist", "path": "models/fashion-mnist"},
    "placement": {"nodeSelector": {"workload": "inference"}},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 10, "qps": {"targetPerPod": 10}},
    "ingress": {"host": "fashion.example.com", "tls": False},
}
"""The ESS guide: TF Serving behind Seldon's proxy, QPS HPA."""

CIFAR: dict[str, Any] = {
    "name": "cifar10",
    "server": "seldon",
    "seldon": {"implementation": "triton"},
    "model": {"name": "cifar10-pytorch", "path": "cifar10-model", "source": "s3"},
    "resources": {"gpus": 0, "cpu": "1", "memory": "2Gi"},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 2, "cpu": {"targetUtilization": 50}},
}
"""The Seldon tutorial: Triton from S3, CPU HPA."""

KEDA = {"keda": {"serverAddress": "http://prometheus.monitoring.svc:9090",
                 "query": "sum(rate(nginx_ingress_controller_requests[1m]))",
                 "threshold": 20, "pollingIntervalSeconds": 15}}

S3_STACK: dict[str, Any] = {
    "s3ModelRepository": {"bucketName": "acme-triton-models", "region": "us-east-1"},
    "s3Credentials": {"accessKeyId": "AKIAEXAMPLEKEYID", "secretAccessKey": "example-secret-access-key"},
}


def stack_with(*entries: dict[str, Any], **overrides: Any) -> StackConfig:
    """A stack serving ``entries``; with the S3 repository and its (secure) credentials when one reads S3."""
    if any(e["model"].get("source") == "s3" for e in entries):
        overrides = {**S3_STACK, **overrides}
    return load_with_secure_secrets(config_values(services=list(entries), **overrides))


def service(base: dict[str, Any], **overrides: Any) -> ServiceConfig:
    """``base`` with ``overrides`` merged in, validated in a stack (so cross-section rules apply too)."""
    return stack_with(merge(base, overrides)).services[0]
