"""What a platform stack exports, typed: the contract between a platform stack and the app-team stacks that read it.

Each cloud's platform returns one of :data:`OUTPUT_TYPES`; its fields, in camelCase, are the stack outputs
(``elastic_inference.platform_program``), and :func:`read_platform` reads the same fields back through a
``StackReference`` (the app-team ``InferenceService``). The offline plan's mock of a platform stack is generated
from these types too (``planner.mocks.platform_stack_outputs``). Adding a field here adds it everywhere.

Plain data and Pulumi outputs only: no cloud SDK is imported, so an app-team project loads none it does not use.
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
from pydantic.alias_generators import to_camel


@dataclass(frozen=True, kw_only=True)
class PlatformOutputs(abc.ABC):
    """Outputs of every platform stack."""

    cloud: str
    """``alicloud``, ``aws`` or ``existing``."""
    model_claim_name: Optional[pulumi.Input[str]]
    """The model store's PersistentVolumeClaim; None on an existing cluster without ``existing.modelClaim``."""
    model_claim_namespace: Optional[pulumi.Input[str]]
    """Its namespace, where services that read the model store run."""
    addons: list[str]
    """Add-ons the platform runs for services, by role (``components.kubernetes.addons``: ``keda``,
    ``qps-metrics-adapter``, ``seldon-core``)."""
    services: dict[str, Optional[str]]
    """The Ingress host (or None) of each catalog service by ``<namespace>/<name>``."""
    metrics: Optional[dict[str, Any]] = None
    """The metrics backend app-team services use (``components.kubernetes.observability.shared_metrics``): None
    without one, when it takes credentials (app teams then name their own), or from a platform stack older than this output."""

    def exports(self) -> dict[str, Any]:
        """The stack outputs: every field, under its camelCase name."""
        return {to_camel(f.name): getattr(self, f.name) for f in dataclasses.fields(self)}

    @abc.abstractmethod
    def provider_args(self) -> dict[str, Any]:
        """``kubernetes.Provider`` arguments that reach the platform's cluster from another stack."""


def _kubeconfig_provider_args(kubeconfig: pulumi.Input[str], cluster_identifier: pulumi.Input[str]) -> dict[str, Any]:
    """The platform's (secret) kubeconfig; the provider is replaced only when the cluster identifier changes, not
    when a temporary kubeconfig is renewed."""
    return {"kubeconfig": pulumi.Output.secret(kubeconfig), "cluster_identifier": cluster_identifier}


@dataclass(frozen=True, kw_only=True)
class AlicloudOutputs(PlatformOutputs):
    """Outputs of an ACK platform stack."""

    cluster_id: pulumi.Input[str]
    kubeconfig: pulumi.Input[str]
    """Secret: a temporary kubeconfig of the cluster, valid ``cluster.kubeconfigTtlMinutes`` after the platform's
    last run."""
    log_project: pulumi.Input[str]
    """SLS project of the cluster's logs: the QPS metric's ``sls.project``."""
    model_bucket: pulumi.Input[str]
    node_pool_ids: dict[str, pulumi.Input[str]]
    """Node pool id by pool name."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's RRSA OIDC provider."""
    region: Optional[pulumi.Input[str]] = None
    """The cluster's region, where an app-team stack fetches its own temporary kubeconfig; None from a platform stack
    older than this output (the app then uses ``kubeconfig``, which expires)."""

    def provider_args(self) -> dict[str, Any]:
        return _kubeconfig_provider_args(self.kubeconfig, self.cluster_id)


@dataclass(frozen=True, kw_only=True)
class AwsOutputs(PlatformOutputs):
    """Outputs of an EKS platform stack."""

    cluster_name: pulumi.Input[str]
    kubeconfig: pulumi.Input[str]
    """Secret: a kubeconfig without credentials; clients run ``aws eks get-token`` as themselves."""
    model_bucket: pulumi.Input[str]
    gpu_auto_scaling_group: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider (IRSA)."""
    vpc_id: pulumi.Input[str]

    def provider_args(self) -> dict[str, Any]:
        return _kubeconfig_provider_args(self.kubeconfig, self.cluster_name)


@dataclass(frozen=True, kw_only=True)
class ExistingOutputs(PlatformOutputs):
    """Outputs of a platform stack on an existing cluster."""

    context: Optional[str]
    """The kubeconfig context deployed to, or None for the current one; an app-team stack uses the same context
    of its own kubeconfig."""

    def provider_args(self) -> dict[str, Any]:
        return {"context": self.context} if self.context else {}


OUTPUT_TYPES: dict[str, type[PlatformOutputs]] = {
    "alicloud": AlicloudOutputs, "aws": AwsOutputs, "existing": ExistingOutputs}
"""The outputs type of each cloud's platform stack."""

def outputs_type(cloud: Optional[str]) -> type[PlatformOutputs]:
    """The outputs type of a platform stack's ``cloud`` output (stacks from before it was exported are ACK), or a
    clear error for a stack that is no elastic-inference platform."""
    cloud = cloud or "alicloud"
    if cloud not in OUTPUT_TYPES:
        raise pulumi.RunError(f"the platform stack's cloud output is '{cloud}'; an elastic-inference platform stack "
                              f"exports one of {', '.join(OUTPUT_TYPES)}")
    return OUTPUT_TYPES[cloud]


def read_platform(reference: pulumi.StackReference) -> pulumi.Output[PlatformOutputs]:
    """The platform stack's outputs as its cloud's type. A secret output (the kubeconfig) makes the whole value
    secret: what is derived from a field that is not secret may be ``Output.unsecret``-ed, and resources built from
    the plain value inside ``apply`` take secret fields as ``Output.secret`` again (:meth:`provider_args` does)."""

    def of_cloud(cloud: Optional[str]) -> pulumi.Output[PlatformOutputs]:
        kind = outputs_type(cloud)
        names = [f.name for f in dataclasses.fields(kind) if f.name != "cloud"]
        return pulumi.Output.all(*(reference.get_output(to_camel(name)) for name in names)).apply(
            lambda values: kind(cloud=cloud or "alicloud", **dict(zip(names, values))))

    return reference.get_output("cloud").apply(of_cloud)
