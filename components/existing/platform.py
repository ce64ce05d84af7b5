"""The catalog on a cluster that already exists (``cloud: existing``), e.g. a local kind cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from stackconfig import StackConfig

from ..kubernetes.catalog import catalog_args, deploy_catalog
from ..kubernetes.context import ClusterContext
from ..kubernetes.observability import metrics_backend, shared_metrics
from ..naming import cloud_tags
from ..outputs import ExistingOutputs
from ..s3.repository import key_based_s3_access
from .cluster import provider_args


@dataclass(frozen=True)
class ExistingClusterPlatformArgs:
    config: StackConfig
    """The validated stack config; every option and its default is in the README's configuration reference."""


class ExistingClusterPlatform(pulumi.ComponentResource):
    """Only the workloads, onto the cluster of a kubeconfig context; no cloud resource except the optional S3 repository.

    Creates a ``kubernetes`` provider (``k8s``) for ``existing.context`` of ``existing.kubeconfig``
    (:func:`~components.existing.cluster.provider_args`); the :class:`~components.s3.repository.S3ModelRepository`
    when ``s3ModelRepository`` is set (pods read it with the ``s3Credentials`` keys, as in the Seldon tutorial); and
    the catalog (:func:`components.kubernetes.catalog.deploy_catalog`): Seldon Core and KEDA when a service needs
    them, one InferenceService per ``services`` entry. Services with ``model.source: store`` mount the existing claim
    ``existing.modelClaim``, which this program never creates or deletes. Nothing bursts (no burst capacity), and
    there is no network, capacity or cluster add-on of its own: the cluster's owner runs them. The cluster needs
    metrics-server for ``cpu``/``memory`` autoscaling (kind has none by default: see the README).

    ``outputs``: :class:`~components.outputs.ExistingOutputs`.
    """

    outputs: ExistingOutputs

    def __init__(self, name: str, args: ExistingClusterPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:platform:ExistingClusterPlatform", name, None, opts)
        config = args.config
        provider = k8s.Provider("k8s", **provider_args(config.existing), opts=pulumi.ResourceOptions(parent=self))
        repository, s3 = key_based_s3_access(self, config.s3_model_repository, config.s3_credentials,
                                             protect=config.protect_data, tags=cloud_tags(config))
        metrics = metrics_backend(config.observability)
        catalog = deploy_catalog(self, catalog_args(config), ClusterContext(
            provider=provider, cloud=config.cloud, model_claim=config.model_claim, s3=s3, storage=repository,
            metrics=metrics))
        claim = config.model_claim
        self.outputs = ExistingOutputs(
            cloud=config.cloud,
            model_claim_name=claim.name if claim else None,
            model_claim_namespace=claim.namespace if claim else None,
            addons=catalog.addon_roles,
            services=catalog.hosts,
            metrics=shared_metrics(metrics),
            context=config.existing.context,
        )
        self.register_outputs(self.outputs.exports())
