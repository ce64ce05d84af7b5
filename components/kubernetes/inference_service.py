"""One inference service of the catalog: its workload (Deployment or SeldonDeployment), Service, Ingress,
disruption budget and exactly one autoscaler."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_network
from typing import Any, Mapping, Optional

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.apps.v1 import Deployment
from pulumi_kubernetes.autoscaling.v2 import HorizontalPodAutoscaler
from pulumi_kubernetes.core.v1 import ConfigMap, Secret, Service, ServiceAccount
from pulumi_kubernetes.networking.v1 import Ingress, NetworkPolicy
from pulumi_kubernetes.policy.v1 import PodDisruptionBudget

from stackconfig import S3Credentials, ServiceConfig
from stackconfig.observability import service_namespace

from . import autoscaling, seldon, serving
from .addons import QPS_METRICS_ADAPTER, required_addons
from .context import ClusterContext, MetricsBackend, NetworkBoundary, QpsMetric
from .observability import MONITORING_API_VERSION, pod_monitor_spec
from .pod_template import PodOptions, pod_template, selector_labels, standard_labels
from .secret_values import secret_input

KEDA_API_VERSION = "keda.sh/v1alpha1"


IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
"""ServiceAccount annotation of IRSA: EKS's pod identity webhook gives the pods web-identity credentials of
this role (a projected token and ``AWS_ROLE_ARN``/``AWS_WEB_IDENTITY_TOKEN_FILE``/``AWS_REGION``), which the
AWS SDK's default credential chain reads (EKS "IAM roles for service accounts")."""


def credentials_secret_data(credentials: S3Credentials, region: str, *, for_seldon: bool) -> dict[str, pulumi.Input[str]]:
    """``stringData`` of the Secret that gives pods read access to an S3 model repository.

    Seldon's rclone storage initializer reads an rclone remote named ``s3`` from ``RCLONE_CONFIG_S3_*``
    variables (the Seldon tutorial's Secret, plus the region); plain Triton reads the standard AWS
    variables (Triton "Cloud Storage with Environment variables"). The two credential values are secret
    Outputs, so they stay encrypted in state and hidden in previews wherever the map is used; the
    ``core.v1.Secret`` resource additionally marks its whole ``stringData`` secret.
    """
    key_id = secret_input(credentials.access_key_id)
    secret_key = secret_input(credentials.secret_access_key)
    if for_seldon:
        return {
            "RCLONE_CONFIG_S3_TYPE": "s3",
            "RCLONE_CONFIG_S3_PROVIDER": "aws",
            "RCLONE_CONFIG_S3_ENV_AUTH": "false",
            "RCLONE_CONFIG_S3_ACCESS_KEY_ID": key_id,
            "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": secret_key,
            "RCLONE_CONFIG_S3_REGION": region,
        }
    return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret_key, "AWS_DEFAULT_REGION": region}


@dataclass(frozen=True)
class InferenceServiceArgs:
    service: ServiceConfig
    """The catalog entry (``services[]``)."""
    cluster: ClusterContext
    """The cluster the service runs on: provider, burst target, QPS metric, model claim, S3 access, add-ons."""
    operators: Mapping[str, pulumi.Resource] = field(default_factory=dict)
    """Releases of the add-ons installed with the catalog, by role; the autoscaler and custom resources wait for
    those the service needs. Empty when another stack installed the add-ons (an app team's service)."""
    namespace: Optional[pulumi.Resource] = None
    """The Namespace the catalog creates for the service, which every object waits for; None when it exists."""


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
    if ingress.tls:
        spec["tls"] = [{"hosts": [ingress.host], "secretName": ingress.tls_secret_name}]
    return spec


NGINX_ANNOTATION = "nginx.ingress.kubernetes.io/"
"""Prefix of ingress-nginx's annotations (``docs/user-guide/nginx-configuration/annotations.md``); ACK's NGINX
ingress controller reads the same ones."""


def ingress_annotations(service: ServiceConfig) -> dict[str, str]:
    """NGINX annotations of the service's Ingress: source allow-list, per-client rate limit, basic authentication.
    Annotation values are strings (ingress-nginx: numbers quoted); the allow-list is comma-separated CIDRs."""
    ingress = service.ingress
    assert ingress is not None
    annotations: dict[str, str] = {}
    if ingress.allow_source_cidrs:
        annotations[NGINX_ANNOTATION + "whitelist-source-range"] = ",".join(str(c) for c in ingress.allow_source_cidrs)
    if ingress.rate_limit_rps is not None:
        annotations[NGINX_ANNOTATION + "limit-rps"] = str(ingress.rate_limit_rps)
    if ingress.auth_secret_name:
        annotations[NGINX_ANNOTATION + "auth-type"] = "basic"
        annotations[NGINX_ANNOTATION + "auth-secret"] = ingress.auth_secret_name
    return annotations


def qps_route(service: ServiceConfig) -> str:
    """The ``sls.ingress.route`` of the service's Ingress backend."""
    backend_service, port = _routing(service)
    return autoscaling.qps_route(service.namespace, backend_service, port)


def deployment_target(service: ServiceConfig) -> dict[str, str]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": service.name}


def hpa_spec(service: ServiceConfig, qps: Optional[QpsMetric]) -> dict[str, Any]:
    scaling = service.autoscaling
    return {
        "scaleTargetRef": deployment_target(service),
        "minReplicas": scaling.min_replicas,
        "maxReplicas": scaling.max_replicas,
        "metrics": autoscaling.hpa_metrics(scaling, qps=qps, route=qps_route(service)),
        "behavior": autoscaling.hpa_behavior(scaling.behavior),
    }


def scaled_object_spec(service: ServiceConfig, metrics: Optional[MetricsBackend]) -> dict[str, Any]:
    return {"scaleTargetRef": deployment_target(service), **autoscaling.keda_spec(service, metrics)}


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


NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""Label the API server sets on every namespace to its name (Kubernetes 1.22+), so a policy can select one by name."""


def scraper_namespaces(service: ServiceConfig, metrics: Optional[MetricsBackend]) -> set[str]:
    """Namespaces Prometheus scrapes the service from: the stack's metrics backend's, and that of the Prometheus a
    ``keda`` trigger names by a Service's cluster DNS name (``<service>.<namespace>.svc[.<cluster domain>]``)."""
    found = {metrics.scraper_namespace} if metrics is not None and metrics.scraper_namespace else set()
    keda = service.autoscaling.keda
    named = service_namespace(keda.server_address) if keda is not None and keda.server_address else None
    return found | ({named} if named else set())


def admitted_namespaces(service: ServiceConfig, network: NetworkBoundary, metrics: Optional[MetricsBackend]) -> list[str]:
    """Namespaces whose pods may reach the service: its own (in-cluster clients), the platform's ingress controller's,
    the metrics scrapers' (:func:`scraper_namespaces`), and those the service allows (``networkPolicy.allowFromNamespaces``)."""
    return sorted({service.namespace, *network.ingress_namespaces, *scraper_namespaces(service, metrics),
                   *service.network_policy.allow_from_namespaces})


def egress_rules(network: NetworkBoundary) -> list[dict[str, Any]]:
    """Egress anywhere but the instance metadata addresses: DNS, the model store's and S3/OSS endpoints, STS (the
    workload identities read token files and call STS, not metadata) and in-cluster Services stay reachable. Pods
    are named by a namespace selector as well, because whether an ``ipBlock`` matches pod addresses is up to the
    network plugin."""
    peers: list[dict[str, Any]] = [{"namespaceSelector": {}}]
    for everything in ("0.0.0.0/0", "::/0"):
        family = ip_network(everything).version
        excepted = [cidr for cidr in network.metadata_cidrs if ip_network(cidr).version == family]
        peers.append({"ipBlock": {"cidr": everything, **({"except": excepted} if excepted else {})}})
    return [{"to": peers}]


def network_policy_spec(service: ServiceConfig, network: NetworkBoundary,
                        metrics: Optional[MetricsBackend] = None) -> dict[str, Any]:
    """Admit traffic to the service's pods only from :func:`admitted_namespaces`, and for our own servers only on
    their serving ports; let them reach everything but instance metadata (:func:`egress_rules`). Seldon's pods
    (label ``seldon-deployment-id``) also listen on ports Seldon's operator chooses and its executor talks to the
    server over localhost, so there the policy limits the sources only. Kubelet probes are not subject to
    NetworkPolicy. Enforced only where the network plugin enforces NetworkPolicy (the README's security notes)."""
    sources = [{"namespaceSelector": {"matchExpressions": [
        {"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": admitted_namespaces(service, network, metrics)}]}}]
    if service.server == "seldon":
        selector, ingress = {seldon.DEPLOYMENT_ID_LABEL: service.name}, {"from": sources}
    else:
        selector = selector_labels(service)
        ingress = {"from": sources,
                   "ports": [{"port": port, "protocol": "TCP"} for _, port in serving.profile(service).ports]}
    return {"podSelector": {"matchLabels": selector}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [ingress], "egress": egress_rules(network)}


def unmet_needs(service: ServiceConfig, cluster: ClusterContext) -> list[str]:
    """What the service needs that the cluster does not offer, each with what to do. A platform's own catalog
    never has any (its config rules refuse such entries); an app team's service may, on another team's platform."""
    problems = []
    no_qps = service.autoscaling.mode == "qps" and cluster.qps is None
    if no_qps:
        problems.append("autoscaling.qps counts ingress requests with ACK's log service, which this cluster does not "
                        "have: autoscale on cpu, memory or keda")
    # Without a QPS metric no adapter could help, so its absence is not a second problem.
    problems += [f"it needs the {role} add-on, which the platform runs only when a service of its own catalog "
                 "needs it: add the service to the platform stack's services instead"
                 for role in required_addons(service)
                 if role not in cluster.addons and not (no_qps and role == QPS_METRICS_ADAPTER)]
    keda = service.autoscaling.keda
    if service.autoscaling.uses_keda and cluster.metrics is None and (keda is None or keda.server_address is None):
        problems.append(f"autoscaling.{service.autoscaling.mode} queries the platform's metrics backend, and the platform "
                        "shares none (observability.backend none, or a backend that takes credentials): set "
                        "autoscaling.keda.serverAddress (and authentication) to a Prometheus of your own")
    if not cluster.burst.supports(service.burst.mode):
        problems.append(f"burst.mode {service.burst.mode} is not possible on {cluster.burst.description}")
    return problems


class InferenceService(pulumi.ComponentResource):
    """One catalog entry served on the cluster of ``args.cluster``, in the entry's ``namespace``. Options and their
    defaults: the README's configuration reference, ``services[]``.

    Every object is named after the service and carries the recommended ``app.kubernetes.io`` labels.
    Always: a ServiceAccount without an API token; for TF Serving (also behind Seldon) a ConfigMap
    ``<name>-tfserving`` with the model config (``model.versionPolicy``) and the Prometheus monitoring config;
    with ``model.source: s3`` either a Secret ``<name>-s3`` with the S3 credentials (secret in state and
    previews), or, when the cluster's S3 access is a role (EKS), the IRSA annotation :data:`IRSA_ROLE_ANNOTATION`
    on the ServiceAccount and no Secret; with ``secretEnv`` a Secret the server's environment reads through
    ``secretKeyRef``; when KEDA authenticates to the Prometheus it queries (``autoscaling.keda.authentication``,
    or the metrics backend's access) a KEDA TriggerAuthentication named after the service, which the trigger refers
    to, and a Secret of the credentials unless it is KEDA's pod identity; with ``ingress`` an Ingress (TLS with ``tlsSecretName`` unless ``tls: false``; NGINX annotations from :func:`ingress_annotations`).

    ``server: tfserving|triton``: a Deployment (pod: :func:`components.kubernetes.pod_template.pod_template`),
    a ClusterIP Service with the ports ``rest``, ``grpc`` (and ``metrics`` for Triton), a PodDisruptionBudget
    (``maxUnavailable: 1``), and exactly one autoscaler: an ``autoscaling/v2`` HorizontalPodAutoscaler
    (``qps``, ``cpu``, ``memory``) or a KEDA ``ScaledObject`` (``keda``).

    ``server: seldon``: a SeldonDeployment (:mod:`components.kubernetes.seldon`) that carries the pod, the
    autoscaler (``hpaSpec`` or ``kedaSpec``) and the disruption budget (``pdbSpec``); Seldon's operator creates
    the Deployment, Service ``<name>-default``, HPA/ScaledObject and PDB from it.

    With a metrics backend that serves the Prometheus operator's CRDs, a PodMonitor of the server's metrics
    (:func:`components.kubernetes.observability.pod_monitor_spec`) carrying the backend's object labels.

    Always a NetworkPolicy (:func:`network_policy_spec`): ingress from the namespaces of the service, the ingress
    controller and the metrics scraper only; egress anywhere but instance metadata.

    Pods of a bursting service are placed by the cluster's burst target. The add-ons the service needs
    (:func:`components.kubernetes.addons.required_addons`) must run on the cluster, or the run stops with a clear
    error. The workload waits for the cluster's ``storage``; the autoscaler and custom resources for the
    ``operators`` releases. Outputs: ``service_name`` (the Service the Ingress routes to), ``host`` (the Ingress
    host, or None).
    """

    service_name: pulumi.Output[str]
    host: Optional[str]

    def __init__(self, name: str, args: InferenceServiceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:inference:InferenceService", name, None, opts)
        service = args.service
        cluster = args.cluster
        problems = unmet_needs(service, cluster)
        if problems:
            raise pulumi.RunError(f"service {service.name} cannot run on the {cluster.cloud} platform's cluster: "
                                  + "; ".join(problems))
        needed = required_addons(service)
        operators = [args.operators[role] for role in needed if role in args.operators]
        storage = list(cluster.storage)
        namespace = [args.namespace] if args.namespace else []
        child = pulumi.ResourceOptions(parent=self, depends_on=namespace)
        with_storage = pulumi.ResourceOptions(parent=self, depends_on=[*namespace, *storage])
        with_operators = pulumi.ResourceOptions(parent=self, depends_on=[*namespace, *operators])
        with_both = pulumi.ResourceOptions(parent=self, depends_on=[*namespace, *storage, *operators])
        s3 = cluster.s3
        model_claim = cluster.model_claim.name if cluster.model_claim else None

        def metadata(object_name: str) -> dict[str, Any]:
            return {"name": object_name, "namespace": service.namespace, "labels": standard_labels(service)}

        account_metadata = metadata(service.name)
        if service.model.source == "s3" and s3 is not None and s3.role_arn is not None:
            account_metadata["annotations"] = {IRSA_ROLE_ANNOTATION: s3.role_arn}
        account = ServiceAccount(f"{name}-service-account", metadata=account_metadata,
                                 automount_service_account_token=False, opts=child)
        config_map = None
        server_files = serving.server_files(service)
        if server_files:
            config_map = ConfigMap(f"{name}-tfserving-config", metadata=metadata(f"{service.name}-tfserving"),
                                   data=server_files, opts=child)
        secret = None
        if service.model.source == "s3" and s3 is None:
            raise ValueError(f"service {service.name} reads models from S3 but no S3 access is given")
        if service.model.source == "s3" and s3 is not None and s3.credentials is not None:
            secret = Secret(f"{name}-s3-credentials", metadata=metadata(f"{service.name}-s3"), type="Opaque",
                            string_data=credentials_secret_data(s3.credentials, s3.region,
                                                                for_seldon=service.server == "seldon"),
                            opts=child)

        # Secrets of secure config have no name: pulumi-kubernetes names them <resource name>-<random suffix> and,
        # Secrets being immutable to it unless the provider sets enableSecretMutable (provider forceNewProperties),
        # replaces one under a new name, created before the old is deleted, when a value changes; what refers to it
        # follows, so a pod template changes and the pods roll.
        unnamed_metadata = {"namespace": service.namespace, "labels": standard_labels(service)}
        env_secret = None
        if service.secret_env:
            env_secret = Secret(f"{name}-env", metadata=unnamed_metadata, type="Opaque",
                                string_data={key: secret_input(value) for key, value in service.secret_env.items()},
                                opts=child)

        from_store = service.model.source == "store"
        s3_bucket = s3.bucket if s3 else None
        is_seldon = service.server == "seldon"
        seldon_triton = is_seldon and service.serving_kind == "triton"
        template = pod_template(service, PodOptions(
            service_account_name=account.metadata.name,
            container_name=service.model.name if seldon_triton else "server",
            # Seldon mounts a pvc:// model itself for its Triton server.
            model_claim=model_claim if from_store and not seldon_triton else None,
            config_map=config_map.metadata.name if config_map else None,
            # Seldon hands the Secret to its storage initializer (envSecretRefName), not to the server.
            env_secret=secret.metadata.name if secret and not is_seldon else None,
            secret_env=env_secret.metadata.name if env_secret else None,
            s3_bucket=s3_bucket,
            managed_by_seldon=seldon_triton,
            sidecars=(seldon.tfserving_proxy(service),) if is_seldon and not seldon_triton else (),
            burst=cluster.burst,
        ))

        if is_seldon:
            CustomResource(
                f"{name}-seldon-deployment", api_version=seldon.API_VERSION, kind=seldon.KIND,
                metadata=metadata(service.name),
                spec=seldon.seldon_deployment_spec(
                    service, template, qps=cluster.qps, metrics=cluster.metrics, model_claim=model_claim,
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
            if service.autoscaling.uses_keda:
                CustomResource(f"{name}-scaled-object", api_version=KEDA_API_VERSION, kind="ScaledObject",
                               metadata=metadata(service.name), spec=scaled_object_spec(service, cluster.metrics),
                               opts=with_operators)
            else:
                HorizontalPodAutoscaler(f"{name}-hpa", metadata=metadata(service.name),
                                        spec=hpa_spec(service, cluster.qps), opts=with_operators)
            self.service_name = own_service.metadata.name

        access = autoscaling.keda_source(service, cluster.metrics)[1] if service.autoscaling.uses_keda else None
        if access is not None:
            auth_secret = Secret(f"{name}-keda-auth", metadata=unnamed_metadata, type="Opaque",
                                 string_data=dict(access.secret_parameters), opts=child) \
                if access.secret_parameters else None
            CustomResource(f"{name}-trigger-authentication", api_version=KEDA_API_VERSION, kind="TriggerAuthentication",
                           metadata=metadata(service.name), spec=autoscaling.trigger_authentication_spec(
                               access, auth_secret.metadata.name if auth_secret else None),
                           opts=with_operators)

        metrics = cluster.metrics
        if metrics is not None and metrics.monitoring_crds:
            CustomResource(f"{name}-pod-monitor", api_version=MONITORING_API_VERSION, kind="PodMonitor",
                           metadata={**metadata(service.name), "labels": {**standard_labels(service), **metrics.object_labels}},
                           spec=pod_monitor_spec(service),
                           opts=pulumi.ResourceOptions(parent=self, depends_on=[*namespace, *metrics.ready]))
        NetworkPolicy(f"{name}-network-policy", metadata=metadata(service.name), spec=network_policy_spec(service, cluster.network, cluster.metrics),
                      opts=child)
        self.host = service.ingress.host if service.ingress else None
        if service.ingress:
            ingress_metadata = metadata(service.name)
            annotations = ingress_annotations(service)
            if annotations:
                ingress_metadata["annotations"] = annotations
            Ingress(f"{name}-ingress", metadata=ingress_metadata, spec=ingress_spec(service), opts=child)
        self.register_outputs({"serviceName": self.service_name, "host": self.host})
