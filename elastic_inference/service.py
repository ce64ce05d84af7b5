"""An inference service deployed onto an existing platform stack: the app teams' component.

The arguments are the catalog entry of a stack file (``services[]``, see the README's configuration
reference) as typed dictionaries (``service_args``, generated from ``ServiceConfig``), so Pulumi can infer
a schema from them and every Pulumi language can use the component (``pulumi package add``, see
``plugin/``). Two keys of the catalog entry are
not arguments: ``namespace`` and ``model.source``, because a service deployed this way reads its
model from the platform's model store, whose claim lives in the platform's namespace.

This module deliberately does not use ``from __future__ import annotations``: Pulumi's schema
inference reads the annotations of the argument classes as real types.
"""

import typing
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from components.inference_service import InferenceService as ServiceWorkload
from components.inference_service import InferenceServiceArgs as ServiceWorkloadArgs
from components.pod_template import ECI
from stackconfig.errors import StackConfigError, issues_from_validation_error
from stackconfig.introspect import held, strip
from stackconfig import ServiceConfig

from .service_args import InferenceServiceArgs


# --------------------------------------------------------------------------- arguments


PLATFORM_ONLY_KEYS = frozenset({"platform_stack"})
"""Arguments that place the service rather than describe it; not part of the catalog entry."""


# --------------------------------------------------------------------------- translation


def catalog_entry(args: typing.Mapping[str, Any], kind: type = InferenceServiceArgs) -> dict[str, Any]:
    """The stack-file catalog entry (camelCase keys) that ``args`` (snake_case keys of ``kind``) describe.

    Only keys of the argument classes are renamed; keys of maps (``env``, ``placement.nodeSelector``)
    are data and stay as given.
    """
    hints = typing.get_type_hints(kind)  # NotRequired stripped
    entry: dict[str, Any] = {}
    for key, value in args.items():
        if key in PLATFORM_ONLY_KEYS:
            continue
        annotation = hints[key]
        nested = held(annotation, typing.is_typeddict)
        if nested and typing.get_origin(strip(annotation)) is list:
            value = [catalog_entry(item, nested[0]) for item in value]
        elif nested:
            value = catalog_entry(value, nested[0])
        entry[to_camel(key)] = value
    return entry


def service_config(args: typing.Mapping[str, Any], namespace: str) -> ServiceConfig:
    """The validated catalog entry of ``args`` in ``namespace``; every mistake is listed at once."""
    try:
        return ServiceConfig.model_validate({**catalog_entry(args), "namespace": namespace})
    except ValidationError as error:
        raise StackConfigError(f"inference service {args.get('name')!r}",
                               issues_from_validation_error(error, ServiceConfig)) from None


# --------------------------------------------------------------------------- the platform stack


PLATFORM_OUTPUTS = ("kubeconfig", "clusterId", "logProject", "modelClaimName", "modelClaimNamespace")
"""Outputs of an ACK platform stack (``components.platform``) an app-team service reads."""

SUPPORTED_CLOUDS = ("alicloud",)
"""Platforms this component deploys onto. EKS and existing-cluster platforms export other outputs and burst
elsewhere (Fargate, nowhere); until they are supported, the component stops with a clear error."""


def require_supported_cloud(cloud: Optional[str]) -> str:
    """The platform's ``cloud`` output (stacks from before it was exported are ACK), or a clear error."""
    cloud = cloud or "alicloud"
    if cloud not in SUPPORTED_CLOUDS:
        raise pulumi.RunError(f"the app-team InferenceService deploys onto ACK platform stacks; this platform stack "
                              f"is cloud '{cloud}'. Add the service to that stack's catalog (services) instead.")
    return cloud


@dataclass(frozen=True)
class PlatformStack:
    """What a service needs from the platform stack it is deployed onto."""

    kubeconfig: pulumi.Output[str]
    """Secret: a temporary kubeconfig of the cluster (valid ``cluster.kubeconfigTtlMinutes`` after the platform's last run)."""
    cluster_id: pulumi.Output[str]
    log_project: pulumi.Output[str]
    claim_name: pulumi.Output[str]
    claim_namespace: pulumi.Output[str]


def platform_stack(reference: pulumi.StackReference) -> PlatformStack:
    """The platform's outputs, each resolved only after its cloud is checked, so an unsupported platform
    fails with :func:`require_supported_cloud`'s message rather than a missing output."""
    cloud = reference.get_output("cloud").apply(require_supported_cloud)
    kubeconfig, cluster_id, log_project, claim_name, claim_namespace = (
        pulumi.Output.all(cloud, reference.get_output(name)).apply(lambda values: values[1])
        for name in PLATFORM_OUTPUTS)
    return PlatformStack(kubeconfig=pulumi.Output.secret(kubeconfig), cluster_id=cluster_id, log_project=log_project,
                         claim_name=claim_name, claim_namespace=claim_namespace)


# --------------------------------------------------------------------------- the component


class InferenceService(pulumi.ComponentResource):
    """One inference service on an existing elastic-inference platform stack on Alibaba Cloud (ACK), for app teams.

    Reads the platform stack's outputs through a ``StackReference`` (``<name>-platform``), creates a
    Kubernetes provider for its cluster (``<name>-cluster``, from the platform's kubeconfig, replaced
    only when the cluster id changes), and deploys the same workload as a catalog entry of the
    platform's own stack file: in the platform's model-store namespace, mounting its model claim, with
    the QPS autoscaler reading the platform's log project. What the workload consists of (Deployment or
    SeldonDeployment, Service, PodDisruptionBudget, HPA or KEDA ScaledObject, Ingress) and every
    default are documented in the README's configuration reference under ``services[]``.

    Bursting services go to the platform's ECI virtual nodes. The platform installs Seldon Core, KEDA and
    the QPS metrics adapter for its own catalog: a service with ``server: seldon`` or ``autoscaling.keda``
    needs a platform that runs them.
    """

    namespace: pulumi.Output[str]
    """Kubernetes namespace of the service's objects: the platform's model-store namespace."""
    service_name: pulumi.Output[str]
    """Name of the Kubernetes Service that serves the model (the Ingress backend)."""
    host: pulumi.Output[Optional[str]]
    """Ingress host, when ``ingress`` is set."""

    def __init__(self, name: str, args: InferenceServiceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:index:InferenceService", name, None, opts)
        # Validated now with the default namespace, so a mistake stops the run before anything is read;
        # the namespace is the platform's, known once the stack reference resolves (namespace rules of
        # the catalog span the whole platform config and are the platform's to check).
        service = service_config(args, ServiceConfig.model_fields["namespace"].default)
        platform = platform_stack(pulumi.StackReference(
            f"{name}-platform", stack_name=args["platform_stack"], opts=pulumi.ResourceOptions(parent=self)))
        cluster = k8s.Provider(f"{name}-cluster", kubeconfig=platform.kubeconfig,
                               cluster_identifier=platform.cluster_id, opts=pulumi.ResourceOptions(parent=self))

        def deploy(namespace: str, claim_name: str) -> ServiceWorkload:
            # Inside apply because the namespace and claim name name Kubernetes objects and must be plain
            # strings. Stack reference outputs are known during `pulumi preview`, so the workload shows there.
            return ServiceWorkload(name, ServiceWorkloadArgs(
                service=service.model_copy(update={"namespace": namespace}),
                log_project=platform.log_project, model_claim=claim_name, burst=ECI),
                opts=pulumi.ResourceOptions(parent=self, providers=[cluster]))

        workload = pulumi.Output.all(platform.claim_namespace, platform.claim_name).apply(lambda v: deploy(*v))
        self.namespace = platform.claim_namespace
        self.service_name = workload.apply(lambda w: w.service_name)
        self.host = pulumi.Output.from_input(service.ingress.host if service.ingress else None)
        self.register_outputs({"namespace": self.namespace, "serviceName": self.service_name, "host": self.host})
