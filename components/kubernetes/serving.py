"""What differs between model servers: ports, command line, probes and TF Serving's model config.

One :class:`ServerProfile` per server kind that loads a model (``tfserving``, ``triton``); a ``seldon``
service uses the profile of its implementation (``ServiceConfig.serving_kind``), so plain and Seldon
workloads share these facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from stackconfig import ServiceConfig, VersionPolicy

MODEL_MOUNT_PATH = "/models"
"""Where the model store's claim is mounted; a model's path in the store is relative to it."""
TFSERVING_CONFIG_DIR = "/etc/tfserving"
"""Where the TF Serving ConfigMap (model config and monitoring config) is mounted."""
TFSERVING_MODEL_CONFIG = "models.config"
TFSERVING_MONITORING_CONFIG = "monitoring.config"
TFSERVING_METRICS_PATH = "/monitoring/prometheus/metrics"
"""TF Serving serves Prometheus metrics on its REST port at the path its monitoring config names
(tensorflow.org/tfx/serving/serving_config, "Monitoring Configuration")."""


@dataclass(frozen=True)
class ServerProfile:
    """Facts of one model server, from its documentation."""

    ports: tuple[tuple[str, int], ...]
    """Container ports by name (``rest``, ``grpc``, ``metrics``); the Service exposes the same names."""
    rest_port: int
    """Port of the HTTP API: Ingress backend, probes, and the QPS route."""
    metrics_port: int
    metrics_path: str
    readiness_path: str
    """HTTP path that answers 200 only when the model can serve."""
    liveness_path: str
    """HTTP path that answers 200 while the server process is healthy."""


TFSERVING = ServerProfile(
    # TF Serving: gRPC 8500, REST 8501 (the tensorflow/serving image's defaults, "TensorFlow Serving with Docker").
    ports=(("grpc", 8500), ("rest", 8501)),
    rest_port=8501,
    metrics_port=8501,
    metrics_path=TFSERVING_METRICS_PATH,
    # REST "Model status API": GET /v1/models/<name> fails until a version of the model is loaded.
    readiness_path="/v1/models/{model}",
    liveness_path="/v1/models/{model}",
)
TRITON = ServerProfile(
    # Triton: HTTP 8000, gRPC 8001, metrics 8002 at /metrics (Triton docs, "Metrics" and quickstart).
    ports=(("rest", 8000), ("grpc", 8001), ("metrics", 8002)),
    rest_port=8000,
    metrics_port=8002,
    metrics_path="/metrics",
    # KServe v2 health API that Triton implements: ready once the loaded models are ready, live while up.
    readiness_path="/v2/health/ready",
    liveness_path="/v2/health/live",
)
PROFILES: dict[str, ServerProfile] = {"tfserving": TFSERVING, "triton": TRITON}

STARTUP_PERIOD_SECONDS = 10
STARTUP_FAILURE_THRESHOLD = 60
"""Ten minutes for the first model load before liveness takes over: GPU models of several GB read
through ossfs (or S3) and warmed up on the GPU load slowly, and a killed server would only start over."""


def profile(service: ServiceConfig) -> ServerProfile:
    """The profile of the server that loads the service's model (a Seldon service's implementation)."""
    return PROFILES[service.serving_kind]


def model_location(service: ServiceConfig, s3_bucket: Optional[str]) -> str:
    """Where the server reads the model: the mounted store, or ``s3://<bucket>/<path>`` (Triton's S3 syntax)."""
    if service.model.source == "s3":
        if not s3_bucket:
            raise ValueError(f"service {service.name} reads from S3 but no S3 model repository is configured")
        return f"s3://{s3_bucket}/{service.model.path}"
    return f"{MODEL_MOUNT_PATH}/{service.model.path}"


def tfserving_version_policy(policy: VersionPolicy) -> str:
    """``model_version_policy`` of TF Serving's ModelServerConfig (``file_system_storage_path_source.proto``)."""
    if policy.latest is not None:
        return f"latest {{ num_versions: {policy.latest} }}"
    if policy.specific is not None:
        return "specific { " + " ".join(f"versions: {v}" for v in policy.specific) + " }"
    return "all {}"


def _proto_string(text: str) -> str:
    """``text`` as a protobuf text-format string literal: backslash, quotes and non-printable bytes escaped, as
    protobuf's ``CEscape`` writes them (``text_format.cc``), so a value cannot end the literal early."""
    escaped = "".join({"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c)
                      or (c if 0x20 <= ord(c) < 0x7F else "".join(f"\\{b:03o}" for b in c.encode("utf-8"))) for c in text)
    return f'"{escaped}"'


def tfserving_model_config(service: ServiceConfig) -> str:
    """The ``--model_config_file`` text: one model, its base path and version policy (text protobuf,
    as in tensorflow.org/tfx/serving/serving_config, "Model Server Configuration")."""
    return (
        "model_config_list {\n"
        "  config {\n"
        f"    name: {_proto_string(service.model.name)}\n"
        f"    base_path: {_proto_string(model_location(service, None))}\n"
        "    model_platform: \"tensorflow\"\n"
        f"    model_version_policy {{ {tfserving_version_policy(service.model.version_policy)} }}\n"
        "  }\n"
        "}\n"
    )


def tfserving_monitoring_config() -> str:
    """The ``--monitoring_config_file`` text that turns on Prometheus metrics (same page, "Monitoring Configuration")."""
    return f"prometheus_config {{\n  enable: true,\n  path: \"{TFSERVING_METRICS_PATH}\"\n}}\n"


def server_files(service: ServiceConfig) -> dict[str, str]:
    """The config files the server reads, by file name in :data:`TFSERVING_CONFIG_DIR`: TF Serving's model and
    monitoring config; none for Triton, whose command line says it all."""
    if service.serving_kind != "tfserving":
        return {}
    return {TFSERVING_MODEL_CONFIG: tfserving_model_config(service),
            TFSERVING_MONITORING_CONFIG: tfserving_monitoring_config()}


def server_command(service: ServiceConfig, s3_bucket: Optional[str]) -> tuple[list[str], list[str]]:
    """Command and arguments of the server container.

    TF Serving: the binary itself, not the image's entrypoint script, which would add
    ``--model_name``/``--model_base_path`` of its own; the model comes from the config file.
    Triton: ``--model-control-mode=explicit`` with ``--load-model`` loads exactly the catalog's model
    even when the repository holds others (Triton "Model Management"). Auto-completion of a missing
    ``config.pbtxt`` stays on (the default; the old ``--strict-model-config=false`` flag is replaced by
    ``--disable-auto-complete-config`` in current Triton, which we do not pass).
    """
    if service.serving_kind == "tfserving":
        ports = dict(TFSERVING.ports)
        return ["/usr/bin/tensorflow_model_server"], [
            f"--port={ports['grpc']}",
            f"--rest_api_port={ports['rest']}",
            f"--model_config_file={TFSERVING_CONFIG_DIR}/{TFSERVING_MODEL_CONFIG}",
            f"--monitoring_config_file={TFSERVING_CONFIG_DIR}/{TFSERVING_MONITORING_CONFIG}",
        ]
    ports = dict(TRITON.ports)
    return ["tritonserver"], [
        f"--model-repository={model_location(service, s3_bucket)}",
        "--model-control-mode=explicit",
        f"--load-model={service.model.name}",
        f"--http-port={ports['rest']}",
        f"--grpc-port={ports['grpc']}",
        f"--metrics-port={ports['metrics']}",
    ]


def probes(service: ServiceConfig) -> dict[str, Any]:
    """``readinessProbe``, ``livenessProbe`` and ``startupProbe`` of the server container.

    Liveness and readiness start only after the startup probe succeeded, so they can be strict
    (3 failures of 10 s) without killing a server that is still loading its model.
    """
    server = profile(service)

    def http(path: str, **timing: int) -> dict[str, Any]:
        return {"httpGet": {"path": path.format(model=service.model.name), "port": server.rest_port},
                "timeoutSeconds": 5, **timing}

    return {
        "startupProbe": http(server.liveness_path, periodSeconds=STARTUP_PERIOD_SECONDS,
                             failureThreshold=STARTUP_FAILURE_THRESHOLD),
        "readinessProbe": http(server.readiness_path, periodSeconds=10, failureThreshold=3),
        "livenessProbe": http(server.liveness_path, periodSeconds=10, failureThreshold=3),
    }


def container_ports(service: ServiceConfig) -> list[dict[str, Any]]:
    return [{"name": name, "containerPort": port, "protocol": "TCP"} for name, port in profile(service).ports]
