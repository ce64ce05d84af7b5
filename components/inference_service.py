"""One inference service of the catalog: its workload (Deployment or SeldonDeployment), Service, Ingress,
disruption budget and exactly one autoscaler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.apps.v1 import Deployment
from pulumi_kubernetes.autoscaling.v2 import HorizontalPodAutoscaler
from pulumi_kubernetes.core.v1 import ConfigMap, Secret, Service, ServiceAccount
from pulumi_kubernetes.networking.v1 import Ingress, NetworkPolicy
from pulumi_kubernetes.policy.v1 import PodDisruptionBudget

from stackconfig import S3Credentials, ServiceConfig

from . import autoscaling, seldon, serving
from .pod_template import BurstTarget, PodOptions, pod_template, selector_labels, standard_labels
from .s3_model_repository import credentials_secret_data

KEDA_API_VERSION = "keda.sh/v1alpha1"


IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
"""ServiceAccount annotation of IRSA: EKS's pod identity webhook gives the pods web-identity credentials of
this role (a projected token and ``AWS_ROLE_ARN``/``AWS_WEB_IDENTITY_TOKEN_FILE``/``AWS_REGION``), which the
AWS SDK's default credential chain reads (EKS "IAM roles for service accounts")."""


@dataclass(frozen=True)
class S3Access:
    """How a service reaches the S3 bucket it reads models from: access keys, or a workload identity."""

    bucket: str
    region: str
    credentials: Optional[S3Credentials] = None
    """An access key in a Secret (the Seldon tutorial's way, for clusters without a workload identity)."""
    role_arn: Optional[pulumi.Input[str]] = None
    """IAM role of the service's ServiceAccount (IRSA), used instead of keys on EKS."""

    def __post_init__(self) -> None:
        if (self.credentials is None) == (self.role_arn is None):
            raise ValueError("S3 access needs exactly one of credentials and role_arn")


@dataclass(frozen=True)
class InferenceServiceArgs:
    service: ServiceConfig
    """The catalog entry (``services[]``)."""
    log_project: Optional[pulumi.Input[str]]
    """SLS project of the cluster's logs, for the QPS metric selector (``Cluster.log_project``); ACK only."""
    model_claim: Optional[str]
    """The model store's PersistentVolumeClaim (in the service's namespace); None when the cluster has none."""
    burst: BurstTarget
    """Where the cloud puts the pods of a bursting service (:data:`components.pod_template.ECI`, Fargate, ...)."""
    s3: Optional[S3Access] = None
    """The S3 model repository and its credentials; required when ``model.source`` is ``s3``."""
    storage: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """What the model source needs in place before pods start (the model store, the S3 repository);
    the workload waits for it. Passed here because children do not inherit a component's ``depends_on``
    (pulumi/pulumi#8721)."""
    operators: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """Add-on releases the autoscaler and custom resources need (Seldon Core, KEDA, the QPS metrics adapter)."""


def _routing(service: ServiceConfig) -> tuple[str, int]:
    """The Service and port the Ingress routes to: Seldon's predictor Service, or our own on the REST port."""
    if service.server == "seldon":
        return seldon.service_name(service), seldon.HTTP_PORT
    return service.name, serving.profile(service).rest_port


def ingress_spec(service: ServiceConfig) -> dict[str, Any]:
    """NGINX Ingress of ``ingress.host`` + ``ingress.path`` (Prefix) to the service's REST port."""
    ingress = service.ingress
    assert ingress is not None
    backend_service, port = _routing(service)
    spec: dict[str, Any] = {
        "ingressClassName": ingress.class_name,
        "rules": [{"host": ingress.host, "http": {"paths": [{
            "path": ingress.path, "pathType": "Prefix",
            "backend": {"service": {"name": backend_service, "port": {"number": port}}},
        }]}}],
    }
    if ingress.tls_secret_name:
        spec["tls"] = [{"hosts": [ingress.host], "secretName": ingress.tls_secret_name}]
    return spec


def qps_route(service: ServiceConfig) -> str:
    """The ``sls.ingress.route`` of the service's Ingress backend."""
    backend_service, port = _routing(service)
    return autoscaling.qps_route(service.namespace, backend_service, port)


def deployment_target(service: ServiceConfig) -> dict[str, str]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": service.name}


def hpa_spec(service: ServiceConfig, log_project: pulumi.Input[str]) -> dict[str, Any]:
    scaling = service.autoscaling
    return {
        "scaleTargetRef": deployment_target(service),
        "minReplicas": scaling.min_replicas,
        "maxReplicas": scaling.max_replicas,
        "metrics": autoscaling.hpa_metrics(scaling, log_project=log_project, route=qps_route(service)),
        "behavior": autoscaling.hpa_behavior(scaling.behavior),
    }


def scaled_object_spec(service: ServiceConfig) -> dict[str, Any]:
    return {"scaleTargetRef": deployment_target(service), **autoscaling.keda_spec(service.autoscaling)}


def deployment_spec(service: ServiceConfig, template: dict[str, Any]) -> dict[str, Any]:
    """No ``replicas``: the autoscaler owns the count, and a value here would reset it on every update.
    Rollouts add a pod before removing one, so capacity never drops during an update."""
    return {
        "selector": {"matchLabels": selector_labels(service)},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "template": template,
    }


def service_spec(service: ServiceConfig) -> dict[str, Any]:
    return {
        "type": "ClusterIP",
        "selector": selector_labels(service),
        "ports": [{"name": name, "port": port, "targetPort": name, "protocol": "TCP"}
                  for name, port in serving.profile(service).ports],
    }


def network_policy_spec(service: ServiceConfig) -> dict[str, Any]:
    """Admit traffic to the service's pods only from pods of the cluster (the ingress controller, the
    metrics scraper, in-cluster clients), and for our own servers only on their serving ports. Seldon's
    pods (label ``seldon-deployment-id``) also listen on ports Seldon's operator chooses, so there the
    policy limits the sources only. Kubelet probes are not subject to NetworkPolicy."""
    in_cluster = [{"namespaceSelector": {}}]
    if service.server == "seldon":
        return {"podSelector": {"matchLabels": {seldon.DEPLOYMENT_ID_LABEL: service.name}},
                "policyTypes": ["Ingress"], "ingress": [{"from": in_cluster}]}
    return {
        "podSelector": {"matchLabels": selector_labels(service)},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": in_cluster,
                     "ports": [{"port": port, "protocol": "TCP"} for _, port in serving.profile(service).ports]}],
    }


class InferenceService(pulumi.ComponentResource):
    """One catalog entry served on the cluster, in ``namespace`` (default ``inference``).

    Every object is named after the service and carries the recommended ``app.kubernetes.io`` labels.
    Always: a ServiceAccount without an API token; for TF Serving (also behind Seldon) a ConfigMap
    ``<name>-tfserving`` with the model config (``model.versionPolicy``, default ``latest: 1``) and the
    Prometheus monitoring config; with ``model.source: s3`` either a Secret ``<name>-s3`` with the S3
    credentials (secret in state and previews), or, when ``s3.role_arn`` is given (EKS), the IRSA annotation
    :data:`IRSA_ROLE_ANNOTATION` on the ServiceAccount and no Secret; with ``ingress`` an Ingress (class ``nginx`` by default,
    TLS with ``tlsSecretName``).

    ``server: tfserving|triton``: a Deployment (pod: :func:`components.pod_template.pod_template`;
    image ``image`` or the pinned default per kind and GPU/CPU), a ClusterIP Service with the ports
    ``rest``, ``grpc`` (and ``metrics`` for Triton), a PodDisruptionBudget (``maxUnavailable: 1``), and
    exactly one autoscaler: an ``autoscaling/v2`` HorizontalPodAutoscaler (``qps``, ``cpu``, ``memory``)
    or a KEDA ``ScaledObject`` (``keda``).

    ``server: seldon``: a SeldonDeployment (:mod:`components.seldon`) that carries the pod, the autoscaler
    (``hpaSpec`` or ``kedaSpec``) and the disruption budget (``pdbSpec``); Seldon's operator creates the
    Deployment, Service ``<name>-default``, HPA/ScaledObject and PDB from it.

    Always a NetworkPolicy (:func:`network_policy_spec`) that admits only in-cluster traffic.

    Pods of a bursting service are placed by the cloud's ``burst`` target. The workload waits for ``storage``;
    the autoscaler and custom resources for ``operators``. Outputs: ``service_name`` (the Service the Ingress routes
    to), ``host`` (the Ingress host, or None).
    """

    service_name: pulumi.Output[str]
    host: Optional[str]

    def __init__(self, name: str, args: InferenceServiceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:inference:InferenceService", name, None, opts)
        service = args.service
        child = pulumi.ResourceOptions(parent=self)
        with_storage = pulumi.ResourceOptions(parent=self, depends_on=list(args.storage))
        with_operators = pulumi.ResourceOptions(parent=self, depends_on=list(args.operators))
        with_both = pulumi.ResourceOptions(parent=self, depends_on=[*args.storage, *args.operators])

        def metadata(object_name: str) -> dict[str, Any]:
            return {"name": object_name, "namespace": service.namespace, "labels": standard_labels(service)}

        account_metadata = metadata(service.name)
        if service.model.source == "s3" and args.s3 is not None and args.s3.role_arn is not None:
            account_metadata["annotations"] = {IRSA_ROLE_ANNOTATION: args.s3.role_arn}
        account = ServiceAccount(f"{name}-service-account", metadata=account_metadata,
                                 automount_service_account_token=False, opts=child)
        config_map = None
        if service.serving_kind == "tfserving":
            config_map = ConfigMap(f"{name}-tfserving-config", metadata=metadata(f"{service.name}-tfserving"), data={
                serving.TFSERVING_MODEL_CONFIG: serving.tfserving_model_config(service),
                serving.TFSERVING_MONITORING_CONFIG: serving.tfserving_monitoring_config(),
            }, opts=child)
        secret = None
        if service.model.source == "s3" and args.s3 is None:
            raise ValueError(f"service {service.name} reads models from S3 but no S3 access is given")
        if service.model.source == "s3" and args.s3 is not None and args.s3.credentials is not None:
            secret = Secret(f"{name}-s3-credentials", metadata=metadata(f"{service.name}-s3"), type="Opaque",
                            string_data=credentials_secret_data(args.s3.credentials, args.s3.region,
                                                                for_seldon=service.server == "seldon"),
                            opts=child)

        from_store = service.model.source == "store"
        s3_bucket = args.s3.bucket if args.s3 else None
        is_seldon = service.server == "seldon"
        seldon_triton = is_seldon and service.serving_kind == "triton"
        template = pod_template(service, PodOptions(
            service_account_name=account.metadata.name,
            container_name=service.model.name if seldon_triton else "server",
            # Seldon mounts a pvc:// model itself for its Triton server.
            model_claim=args.model_claim if from_store and not seldon_triton else None,
            config_map=config_map.metadata.name if config_map else None,
            # Seldon hands the Secret to its storage initializer (envSecretRefName), not to the server.
            env_secret=secret.metadata.name if secret and not is_seldon else None,
            s3_bucket=s3_bucket,
            managed_by_seldon=seldon_triton,
            sidecars=(seldon.tfserving_proxy(service),) if is_seldon and not seldon_triton else (),
            burst=args.burst,
        ))

        if is_seldon:
            CustomResource(
                f"{name}-seldon-deployment", api_version=seldon.API_VERSION, kind=seldon.KIND,
                metadata=metadata(service.name),
                spec=seldon.seldon_deployment_spec(
                    service, template, log_project=args.log_project, model_claim=args.model_claim,
                    s3_bucket=s3_bucket, s3_secret=secret.metadata.name if secret else None),
                opts=with_both)
            self.service_name = pulumi.Output.from_input(seldon.service_name(service))
        else:
            Deployment(f"{name}-deployment", metadata=metadata(service.name),
                       spec=deployment_spec(service, template), opts=with_storage)
            own_service = Service(f"{name}-service", metadata=metadata(service.name), spec=service_spec(service),
                                  opts=child)
            PodDisruptionBudget(f"{name}-pdb", metadata=metadata(service.name), spec={
                "maxUnavailable": 1, "selector": {"matchLabels": selector_labels(service)}}, opts=child)
            if service.autoscaling.mode == "keda":
                CustomResource(f"{name}-scaled-object", api_version=KEDA_API_VERSION, kind="ScaledObject",
                               metadata=metadata(service.name), spec=scaled_object_spec(service), opts=with_operators)
            else:
                HorizontalPodAutoscaler(f"{name}-hpa", metadata=metadata(service.name),
                                        spec=hpa_spec(service, args.log_project), opts=with_operators)
            self.service_name = own_service.metadata.name

        NetworkPolicy(f"{name}-network-policy", metadata=metadata(service.name), spec=network_policy_spec(service),
                      opts=child)
        self.host = service.ingress.host if service.ingress else None
        if service.ingress:
            Ingress(f"{name}-ingress", metadata=metadata(service.name), spec=ingress_spec(service), opts=child)
        self.register_outputs({"serviceName": self.service_name, "host": self.host})
