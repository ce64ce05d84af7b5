"""The catalog on a cluster that already exists (``cloud: existing``), e.g. a local kind cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from stackconfig import StackConfig

from .pod_template import NO_BURST
from .workloads import WorkloadsArgs, deploy_workloads, key_based_s3_access


def provider_args(config: StackConfig) -> dict[str, Any]:
    """``kubernetes.Provider`` arguments for ``existing.context`` in ``existing.kubeconfig``.

    Unset values are left out, so the provider falls back to its own defaults (SDK docstring of
    ``kubeconfig``/``context``): ``$KUBECONFIG`` or ``~/.kube/config``, and its current context.
    """
    existing = config.existing
    args: dict[str, Any] = {"enable_server_side_apply": True}
    if existing.kubeconfig:
        args["kubeconfig"] = existing.kubeconfig
    if existing.context:
        args["context"] = existing.context
    return args


@dataclass(frozen=True)
class ExistingClusterPlatformArgs:
    config: StackConfig
    """The validated stack config; every option and its default is documented in ``stackconfig.model``."""


class ExistingClusterPlatform(pulumi.ComponentResource):
    """Only the workloads, onto the cluster of a kubeconfig context; no cloud resource except the optional S3 repository.

    Creates a ``kubernetes`` provider (``k8s``) for ``existing.context`` of ``existing.kubeconfig`` (defaults: the
    current context of ``$KUBECONFIG`` or ``~/.kube/config``); the
    :class:`~components.s3_model_repository.S3ModelRepository` when ``s3ModelRepository`` is set (pods read it with
    the ``s3Credentials`` keys, as in the Seldon tutorial); and the catalog's workloads
    (:func:`components.workloads.deploy_workloads`): Seldon Core and KEDA when a service needs them, one
    InferenceService per ``services`` entry. Services with ``model.source: store`` mount the existing claim
    ``existing.modelClaim``, which this program never creates or deletes. Nothing bursts (no burst capacity).
    The cluster needs metrics-server for ``cpu``/``memory`` autoscaling (kind has none by default: see the README).

    ``exports``: ``context`` (the kubeconfig context, or None for the current one), ``modelClaimName`` and
    ``modelClaimNamespace`` (or None), and ``services`` (Ingress host or None by ``<namespace>/<name>``).
    """

    def __init__(self, name: str, args: ExistingClusterPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:platform:ExistingClusterPlatform", name, None, opts)
        config = args.config
        provider = k8s.Provider("k8s", **provider_args(config), opts=pulumi.ResourceOptions(parent=self))
        repository, s3 = key_based_s3_access(self, config)
        workloads = deploy_workloads(self, WorkloadsArgs(
            config=config, k8s_provider=provider, burst=NO_BURST, s3=s3, storage=repository))
        claim = config.existing.model_claim
        self.exports: dict[str, Any] = {
            "context": config.existing.context,
            "modelClaimName": claim.name if claim else None,
            "modelClaimNamespace": claim.namespace if claim else None,
            "services": workloads.hosts(config),
        }
        self.register_outputs(self.exports)
