"""The pod template of an inference server, shared by its Deployment and a SeldonDeployment's componentSpecs.

Plain functions returning Kubernetes objects as camelCase dicts, exactly as the API server gets them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi

from stackconfig import ServiceConfig

from . import serving
from .context import NO_BURST, BurstTarget

PART_OF = "elastic-inference"
COMPONENT = "inference-server"

RUN_AS_USER = 10001
"""Non-root user and group of every server container, above 10000 so it cannot collide with a user of the
node (checkov CKV_K8S_40). The tensorflow/serving and tritonserver images run their binaries as any user:
they write only to ``/tmp`` (an emptyDir) and read models from a read-only volume."""
TERMINATION_GRACE_PERIOD_SECONDS = 60
"""Seconds between SIGTERM and SIGKILL: the 15 s pre-stop pause plus up to 45 s for in-flight inference
requests. The guides' value of 1 s drops requests on every scale-down and spot reclaim. 60 s fits well
inside the notice ECS gives before it reclaims a spot instance (about five minutes; ECS "Preemptible
instances"), which the node pool's spot instance remedy turns into a drain."""
PRE_STOP_SLEEP_SECONDS = 15
"""Keep serving while the endpoints controller and the NGINX ingress drop the terminating pod; without
the pause, requests already routed to it fail. Exec form so it works on every kubelet and on ECI."""

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
"""Tolerates the GPU pools' ``nvidia.com/gpu`` taint (stackconfig ``GPU_TAINT``) whatever its value."""
TMP_VOLUME = "tmp"
TMP_MOUNT = {"name": TMP_VOLUME, "mountPath": "/tmp"}
MODEL_VOLUME = "models"
CONFIG_VOLUME = "server-config"


def selector_labels(service: ServiceConfig) -> dict[str, str]:
    """Labels that identify the service's pods: Deployment selector, Service selector, PDB, spread constraints."""
    return {"app.kubernetes.io/name": service.name, "app.kubernetes.io/component": COMPONENT}


def standard_labels(service: ServiceConfig) -> dict[str, str]:
    """Recommended Kubernetes labels (kubernetes.io "Recommended Labels") on every object of a service."""
    return {**selector_labels(service), "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi"}


def resources(service: ServiceConfig) -> dict[str, Any]:
    """Requests equal to limits: Guaranteed QoS, and GPUs must be equal anyway (extended resources cannot overcommit)."""
    amounts: dict[str, Any] = {"cpu": service.resources.cpu, "memory": service.resources.memory}
    if service.resources.gpus > 0:
        amounts[GPU_RESOURCE] = str(service.resources.gpus)
    return {"requests": dict(amounts), "limits": dict(amounts)}


def _required_terms(match_expressions: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": terms} for terms in match_expressions]}}


def placement(service: ServiceConfig, burst: BurstTarget) -> dict[str, Any]:
    """``affinity`` and ``tolerations`` for the burst mode.

    - ``none``: only nodes with the ``placement.nodeSelector`` labels (if any).
    - ``overflow``: those nodes OR burst nodes (terms of ``nodeSelectorTerms`` are ORed), and a strong
      preference for non-burst nodes, so the node pools fill first and burst capacity takes the rest.
    - ``only``: burst capacity only: burst nodes by affinity, or whatever the target's pod labels select.
    GPU pods tolerate the GPU taint whenever they may land on GPU nodes.
    """
    pool = [{"key": k, "operator": "In", "values": [v]} for k, v in sorted(service.placement.node_selector.items())]
    mode = service.burst.mode
    if not burst.supports(mode):
        raise ValueError(f"service {service.name}: burst.mode {mode} is not possible on {burst.description}")
    node_affinity: dict[str, Any] = {}
    tolerations: list[dict[str, Any]] = []
    if mode == "none":
        if pool:
            node_affinity = _required_terms([pool])
    elif burst.node_label is not None:
        key, value = burst.node_label
        virtual = [{"key": key, "operator": "In", "values": [value]}]
        if mode == "overflow":
            if pool:
                node_affinity = _required_terms([pool, virtual])
            node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = [{
                "weight": 100, "preference": {"matchExpressions": [{"key": key, "operator": "NotIn", "values": [value]}]}}]
        else:
            node_affinity = _required_terms([virtual])
        if burst.toleration:
            tolerations.append(burst.toleration)
    if service.resources.gpus > 0 and mode != "only":
        tolerations.append(GPU_TOLERATION)
    result: dict[str, Any] = {}
    if node_affinity:
        result["affinity"] = {"nodeAffinity": node_affinity}
    if tolerations:
        result["tolerations"] = tolerations
    return result


def burst_pod_labels(service: ServiceConfig, burst: BurstTarget) -> dict[str, str]:
    """The target's pod labels when the service bursts; none otherwise."""
    return dict(burst.pod_labels) if service.burst.mode != "none" else {}


def spread(service: ServiceConfig) -> list[dict[str, Any]]:
    """Spread replicas over zones, then nodes; ``ScheduleAnyway`` so a zone short of GPUs never blocks scale-out."""
    return [
        {"maxSkew": 1, "topologyKey": topology_key, "whenUnsatisfiable": "ScheduleAnyway",
         "labelSelector": {"matchLabels": selector_labels(service)}}
        for topology_key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


CONTAINER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
POD_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS_USER,
    "runAsGroup": RUN_AS_USER,
    "fsGroup": RUN_AS_USER,
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""The Kubernetes "restricted" Pod Security Standard."""


@dataclass(frozen=True)
class PodOptions:
    """What the workload around the pod decides."""

    service_account_name: str
    container_name: str = "server"
    """Name of the server container. A Seldon prepackaged server's container must carry its graph node's name."""
    model_claim: Optional[str] = None
    """The model store's PVC, mounted read-only at ``/models``; None when the model comes from elsewhere."""
    config_map: Optional[str] = None
    """ConfigMap mounted at ``/etc/tfserving`` (TF Serving's model and monitoring config)."""
    env_secret: Optional[str] = None
    """Secret whose keys become environment variables of the server (S3 credentials)."""
    secret_env: Optional[pulumi.Input[str]] = None
    """Secret holding the service's ``secretEnv``, one key per variable."""
    s3_bucket: Optional[str] = None
    """S3 model repository bucket, for ``model.source: s3``."""
    managed_by_seldon: bool = False
    """Seldon's operator supplies command, ports and probes of a prepackaged server (Triton): leave them out."""
    sidecars: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    """Containers placed before the server (Seldon's TF Serving proxy)."""
    burst: BurstTarget = NO_BURST
    """Where the cloud puts the pods of a bursting service."""


def server_container(service: ServiceConfig, options: PodOptions) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": options.container_name,
        "image": service.image or service.default_image,
        "resources": resources(service),
        "securityContext": CONTAINER_SECURITY_CONTEXT,
        "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", f"sleep {PRE_STOP_SLEEP_SECONDS}"]}}},
    }
    if not options.managed_by_seldon:
        command, args = serving.server_command(service, options.s3_bucket)
        container.update({"command": command, "args": args, "ports": serving.container_ports(service),
                          **serving.probes(service)})
    env = [{"name": k, "value": v} for k, v in service.env.items()]
    if options.secret_env is not None:
        env += [{"name": k, "valueFrom": {"secretKeyRef": {"name": options.secret_env, "key": k}}} for k in service.secret_env]
    if env:
        container["env"] = sorted(env, key=lambda variable: variable["name"])
    if options.env_secret:
        container["envFrom"] = [{"secretRef": {"name": options.env_secret}}]
    mounts = []
    if options.model_claim:
        mounts.append({"name": MODEL_VOLUME, "mountPath": serving.MODEL_MOUNT_PATH, "readOnly": True})
    if options.config_map:
        mounts.append({"name": CONFIG_VOLUME, "mountPath": serving.TFSERVING_CONFIG_DIR, "readOnly": True})
    if mounts:
        container["volumeMounts"] = mounts
    return container


def with_writable_tmp(container: dict[str, Any]) -> dict[str, Any]:
    """The container, with the pod's ``tmp`` emptyDir at ``/tmp`` if its root filesystem is read-only.

    One rule for every container of the pod, the server and any sidecar: the model servers write only to
    ``/tmp``, and Seldon's Python wrapper (the TF Serving proxy) cannot start without a writable temporary
    directory (see :data:`components.kubernetes.seldon.TFSERVING_PROXY_IMAGE`). Seldon's operator keeps these
    mounts: checked in SeldonIO/seldon-core v1.19.0-rc.1, ``operator/controllers``: ``createDeploymentWithoutEngine``
    takes the componentSpec's pod spec as given and adds its ``seldon-podinfo`` volume; ``createContainerService``
    adds ports, probes, a preStop hook and env to graph containers; ``addTritonServer`` fills image, args,
    envFrom, probes and securityContext only where unset and replaces ports; the model initializer appends its
    own mount (``addVolumeMountToContainer``). None replaces a container's ``volumeMounts``. The executor and the
    storage initializer are the operator's containers, with the operator's security context and mounts.
    """
    if not container.get("securityContext", {}).get("readOnlyRootFilesystem"):
        return container
    mounts = container.get("volumeMounts", [])
    if any(mount["mountPath"] == TMP_MOUNT["mountPath"] for mount in mounts):
        return container
    return {**container, "volumeMounts": [dict(TMP_MOUNT), *mounts]}


CHECKSUM_ANNOTATION = "checksum/config"
"""Pod template annotation with :func:`startup_checksum` (the Helm ``checksum/config`` convention)."""


def startup_checksum(service: ServiceConfig) -> str:
    """SHA-256 of what the server reads once at start: its config files (TF Serving's model config, with the
    version policy, and monitoring config) and its environment.

    The files live in a ConfigMap, outside the pod template, and TF Serving reads ``--model_config_file`` and
    ``--monitoring_config_file`` only at start unless ``--model_config_file_poll_wait_seconds`` is set
    (tensorflow.org/tfx/serving/serving_config, "Reloading Model Server Configuration"), so a changed policy
    must change the template to roll the pods. Seldon's operator copies the componentSpec's annotations onto
    the Deployment's pod template (``createDeploymentWithoutEngine``, SeldonIO/seldon-core v1.19.0-rc.1), so the
    same annotation rolls Seldon's pods. Secret contents (S3 credentials) are left out: they are secret
    Outputs, and a digest of them would make the pod template secret in state and previews; rotating keys
    needs ``kubectl rollout restart``.
    """
    content = {"files": serving.server_files(service), "env": service.env}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def volumes(options: PodOptions) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = [{"name": TMP_VOLUME, "emptyDir": {}}]
    if options.model_claim:
        result.append({"name": MODEL_VOLUME,
                       "persistentVolumeClaim": {"claimName": options.model_claim, "readOnly": True}})
    if options.config_map:
        result.append({"name": CONFIG_VOLUME, "configMap": {"name": options.config_map}})
    return result


def pod_template(service: ServiceConfig, options: PodOptions) -> dict[str, Any]:
    """``{metadata, spec}`` of the server pod: a Deployment's ``spec.template`` or a Seldon componentSpec."""
    server = serving.profile(service)
    annotations = {
        # The common Prometheus scrape convention, so the KEDA trigger's Prometheus sees server metrics.
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(server.metrics_port),
        "prometheus.io/path": server.metrics_path,
        CHECKSUM_ANNOTATION: startup_checksum(service),
        **(options.burst.annotations(service) if service.burst.mode != "none" else {}),
    }
    spec: dict[str, Any] = {
        "serviceAccountName": options.service_account_name,
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": TERMINATION_GRACE_PERIOD_SECONDS,
        "securityContext": POD_SECURITY_CONTEXT,
        "containers": [with_writable_tmp(c) for c in (*options.sidecars, server_container(service, options))],
        "volumes": volumes(options),
        "topologySpreadConstraints": spread(service),
        **placement(service, options.burst),
    }
    labels = {**standard_labels(service), **burst_pod_labels(service, options.burst)}
    return {"metadata": {"labels": labels, "annotations": annotations}, "spec": spec}
