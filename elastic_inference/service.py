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
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s
from pydantic import ValidationError
from pydantic.alias_generators import to_camel, to_snake

from components.kubernetes.addons import required_addons
from components.kubernetes.context import ClusterContext
from components.kubernetes.inference_service import InferenceService as ServiceWorkload
from components.kubernetes.inference_service import InferenceServiceArgs as ServiceWorkloadArgs
from components.kubernetes.observability import metrics_from_output
from components.outputs import AlicloudOutputs, AwsOutputs, PlatformOutputs, read_platform
from stackconfig.errors import ConfigIssue, StackConfigError, issues_from_validation_error
from stackconfig import ClaimRef, ServiceConfig
from stackconfig.introspect import held, strip
from stackconfig.secrets import credential_issues

from .service_args import InferenceServiceArgs


# --------------------------------------------------------------------------- arguments


PLATFORM_ONLY_KEYS = frozenset({"platform_stack"})
"""Arguments that place the service rather than describe it; not part of the catalog entry."""


# --------------------------------------------------------------------------- translation


def argument_name(key: str, hints: typing.Mapping[str, Any]) -> Optional[str]:
    """The argument ``key`` spells, snake_case (``max_replicas``) or camelCase (``maxReplicas``); None for neither."""
    return key if key in hints else to_snake(key) if to_snake(key) in hints else None


def catalog_entry(args: typing.Mapping[str, Any], kind: type = InferenceServiceArgs) -> dict[str, Any]:
    """The stack-file catalog entry (camelCase keys) that ``args`` describe. Each key may be spelled as the argument
    classes spell it (snake_case, ``max_replicas``) or as stack files do (camelCase, ``maxReplicas``); a key of neither
    is kept (camelCased) for :func:`service_config` to report with its path and the nearest key. Only keys of the
    argument classes are renamed; keys of maps (``env``, ``placement.nodeSelector``) are data and stay as given.
    """
    hints = typing.get_type_hints(kind)  # NotRequired stripped
    entry: dict[str, Any] = {}
    for key, value in args.items():
        if key in PLATFORM_ONLY_KEYS:
            continue
        known = argument_name(key, hints)
        annotation = hints.get(known) if known else None
        nested = held(annotation, typing.is_typeddict) if annotation is not None else ()
        if nested and typing.get_origin(strip(annotation)) is list and isinstance(value, list):
            value = [catalog_entry(item, nested[0]) if isinstance(item, typing.Mapping) else item for item in value]
        elif nested and isinstance(value, typing.Mapping):
            value = catalog_entry(value, nested[0])
        entry[to_camel(known or key)] = value
    return entry


def spelled_twice(args: typing.Mapping[str, Any], kind: type = InferenceServiceArgs, at: str = "") -> list[ConfigIssue]:
    """Keys given in both spellings (``max_replicas`` and ``maxReplicas``), which would silently keep one of them."""
    hints = typing.get_type_hints(kind)
    issues, seen = [], {}
    for key, value in args.items():
        snake = argument_name(key, hints) or to_snake(key)
        path = f"{at}{to_camel(snake)}"
        if snake in seen:
            issues.append(ConfigIssue(path, f"is given twice, as {seen[snake]!r} and {key!r}", "keep one spelling"))
        seen[snake] = key
        nested = held(hints[snake], typing.is_typeddict) if snake in hints else ()
        if nested and isinstance(value, typing.Mapping):
            issues += spelled_twice(value, nested[0], f"{path}.")
    return issues


def service_config(args: typing.Mapping[str, Any], namespace: str) -> ServiceConfig:
    """The validated catalog entry of ``args`` in ``namespace``; every mistake is listed at once."""
    source = f"inference service {args.get('name')!r}"
    twice = spelled_twice(args)
    if twice:
        raise StackConfigError(source, twice)
    entry = {**catalog_entry(args), "namespace": namespace}
    credentials = credential_issues(ServiceConfig, entry, secure_paths=())
    try:
        service = ServiceConfig.model_validate(entry)
    except ValidationError as error:
        raise StackConfigError(source, credentials + issues_from_validation_error(error, ServiceConfig)) from None
    if credentials:
        raise StackConfigError(source, credentials)
    return service


# --------------------------------------------------------------------------- the platform stack


def workload_facts(platform: PlatformOutputs) -> dict[str, Any]:
    """How workloads run on the platform's cluster (burst target, QPS metric, network boundary), from the platform's
    own cloud module, imported only for its own platforms, so an app-team project loads only the SDK of its
    platform's cloud."""
    if isinstance(platform, AlicloudOutputs):
        from components.alicloud.burst import workload_facts as ack_facts
        return ack_facts(platform.log_project)
    if isinstance(platform, AwsOutputs):
        from components.aws.burst import WORKLOAD_FACTS
        return WORKLOAD_FACTS
    return {}


def cluster_access(parent: pulumi.Resource, name: str, platform: PlatformOutputs) -> dict[str, Any]:
    """``kubernetes.Provider`` arguments of the app's stack. On ACK (a platform stack exporting ``region``) a temporary
    kubeconfig the app stack fetches itself on every run, as whoever runs it (an ``alicloud`` provider
    ``<name>-alicloud`` in the platform's region; RAM permission ``cs:DescribeClusterUserKubeconfig``, RBAC of that
    identity in the cluster), so it never depends on when the platform stack last ran; else the platform's own
    (EKS: ``aws eks get-token`` of whoever runs it; an existing cluster: the kubeconfig context)."""
    if isinstance(platform, AlicloudOutputs) and platform.region:
        from components.alicloud.cluster import temporary_kubeconfig
        from stackconfig.alicloud import ClusterConfig
        import pulumi_alicloud as alicloud
        region = alicloud.Provider(f"{name}-alicloud", region=platform.region,
                                   opts=pulumi.ResourceOptions(parent=parent))
        ttl = ClusterConfig.model_fields["kubeconfig_ttl_minutes"].default
        return {"kubeconfig": temporary_kubeconfig(parent, platform.cluster_id, ttl, provider=region),
                "cluster_identifier": platform.cluster_id}
    if isinstance(platform, AlicloudOutputs):
        pulumi.log.warn("the platform stack exports no region (it predates that output), so this stack uses the "
                        "platform's temporary kubeconfig, which expires a while after the platform's last run: run "
                        "pulumi up on the platform stack to export it", resource=parent)
    return platform.provider_args()


def cluster_context(platform: PlatformOutputs, provider: k8s.Provider, service: ServiceConfig) -> ClusterContext:
    """The platform stack's cluster as the Kubernetes layer sees it. Platform stacks from before the ``addons``
    output (0.1.0) are taken to run what the service needs, as they did then."""
    if not (platform.model_claim_name and platform.model_claim_namespace):
        raise pulumi.RunError(f"the {platform.cloud} platform stack has no model store claim (modelClaimName), and an "
                              "app-team service reads its model from the platform's model store; on an existing "
                              "cluster set existing.modelClaim in the platform stack")
    addons = required_addons(service) if platform.addons is None else platform.addons
    return ClusterContext(
        provider=provider, cloud=platform.cloud, **workload_facts(platform), addons=frozenset(addons),
        model_claim=ClaimRef(namespace=platform.model_claim_namespace, name=platform.model_claim_name),
        metrics=metrics_from_output(platform.metrics))


# --------------------------------------------------------------------------- the component


class InferenceService(pulumi.ComponentResource):
    """One inference service on an existing elastic-inference platform stack (ACK, EKS or an existing cluster), for
    app teams.

    Reads the platform stack's outputs (:class:`components.outputs.PlatformOutputs`) through a ``StackReference``
    (``<name>-platform``), creates a Kubernetes provider for its cluster (``<name>-cluster``: the platform's
    kubeconfig, replaced only when the cluster changes; on an existing cluster the platform's kubeconfig context),
    and deploys the same workload as a catalog entry of the platform's own stack file: in the platform's model-store
    namespace, mounting its model claim, bursting where the platform bursts (ECI, Fargate, nowhere) and, on ACK,
    with the QPS autoscaler reading the platform's log project. What the workload consists of (Deployment or
    SeldonDeployment, Service, PodDisruptionBudget, HPA or KEDA ScaledObject, Ingress) and every default are
    documented in the README's configuration reference under ``services[]``.

    The platform installs Seldon Core, KEDA and the QPS metrics adapter for its own catalog (its ``addons`` output):
    a service that needs one the platform does not run stops with a clear error.
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
        reference = pulumi.StackReference(
            f"{name}-platform", stack_name=args["platform_stack"], opts=pulumi.ResourceOptions(parent=self))
        platform = read_platform(reference)

        def deploy(outputs: PlatformOutputs) -> ServiceWorkload:
            # Inside apply because the cloud decides the provider's arguments and the namespace and claim name name
            # Kubernetes objects. Stack reference outputs are known during `pulumi preview`, so all of it shows there.
            cluster = k8s.Provider(f"{name}-cluster", **cluster_access(self, name, outputs),
                                   opts=pulumi.ResourceOptions(parent=self, depends_on=[reference]))
            context = cluster_context(outputs, cluster, service)
            return ServiceWorkload(name, ServiceWorkloadArgs(
                service=service.model_copy(update={"namespace": context.model_claim.namespace}), cluster=context),
                opts=pulumi.ResourceOptions(parent=self, providers=[cluster]))

        workload = platform.apply(deploy)
        # The platform's outputs are secret as a whole (they hold its kubeconfig); these parts are not.
        self.namespace = pulumi.Output.unsecret(platform.apply(lambda outputs: outputs.model_claim_namespace))
        self.service_name = pulumi.Output.unsecret(workload.apply(lambda w: w.service_name))
        self.host = pulumi.Output.from_input(service.ingress.host if service.ingress else None)
        self.register_outputs({"namespace": self.namespace, "serviceName": self.service_name, "host": self.host})
