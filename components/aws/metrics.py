"""Amazon Managed Service for Prometheus (AMP) as the stack's metrics backend (``observability.backend: managed``).

Collection is kube-prometheus-stack's Prometheus in agent mode on the cluster (``Observability``,
:func:`components.kubernetes.observability.prometheus_agent_values`), remote-writing to the workspace with SigV4
(AMP user guide "Set up ingestion from a new Prometheus server using Helm"), rather than AMP's managed scraper:
the scraper takes a static Prometheus scrape configuration and reads no PodMonitor, so the services of app-team
stacks, KEDA's and the DCGM exporter's monitors would go unscraped; the agent reads them all.

Facts used: the AMP endpoints are ``https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`` with
``/api/v1/remote_write`` and ``/api/v1/query`` below it; KEDA's Prometheus scaler signs its queries with SigV4
(service ``aps``) when the TriggerAuthentication names ``podIdentity: aws`` and the trigger ``awsRegion``, and a
trailing ``/`` on ``serverAddress`` breaks the signature (kedacore/keda ``pkg/scalers/prometheus_scaler.go``,
``tests/scalers/aws/aws_managed_prometheus_pod_identity``); the keda chart puts the IRSA role on the
``keda-operator`` service account from ``podIdentity.aws.irsa.{enabled,roleArn}`` (kedacore/charts 2.20.2
``templates/manager/serviceaccount.yaml``); IAM actions ``aps:RemoteWrite`` and those of the managed policy
``AmazonPrometheusQueryAccess`` (``aps:QueryMetrics``, ``aps:GetSeries``, ``aps:GetLabels``, ``aps:GetMetricMetadata``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws
import yaml

from stackconfig import ServiceConfig
from stackconfig.observability import ObservabilityConfig

from ..kubernetes import monitoring
from ..kubernetes.inference_service import IRSA_ROLE_ANNOTATION
from ..kubernetes.observability import prometheus_service_account
from ..kubernetes.context import BurstTarget, MetricsBackend, PrometheusAccess, PrometheusAgent
from ..naming import physical_name
from .cluster import irsa_role

KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator"
"""The keda chart's ``serviceAccount.operator.name``."""
IDENTITY_ANNOTATION = "elastic-inference/workload-identity"
"""Pod annotation with the role a pod's service account names: EKS injects the identity only into new pods, and the
keda chart's operator pod template does not change with ``podIdentity.aws.irsa`` (it only annotates the service
account), so a changed role restarts the pods through this annotation."""
QUERY_ACTIONS = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"]


def workspace_url(region: str, workspace_id: str) -> str:
    """The workspace's Prometheus-compatible base URL, without a trailing ``/`` (KEDA signs the path as given)."""
    return f"https://aps-workspaces.{region}.amazonaws.com/workspaces/{workspace_id}"


def rule_namespace_name(environment: str) -> str:
    """The stack's rule group namespace: one per environment, so stacks that share a workspace keep their own."""
    return f"{monitoring.ALERT_GROUP}-{environment}"


def workspace_policy(workspace_arn: str, actions: Sequence[str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": workspace_arn}]})


def rule_namespace_data(services: Sequence[ServiceConfig], config: ObservabilityConfig, burst: BurstTarget) -> str:
    """The workspace's rules file: the catalog's alert groups (:func:`components.kubernetes.monitoring.rule_groups`)
    in the Prometheus rules format AMP takes."""
    return yaml.safe_dump({"groups": monitoring.rule_groups(list(services), config.alerts, burst)}, sort_keys=False)


@dataclass(frozen=True)
class AmpBackendArgs:
    config: ObservabilityConfig
    services: Sequence[ServiceConfig]
    burst: BurstTarget
    region: str
    environment: str
    tags: dict[str, str]
    protect: bool
    """Protect a workspace the stack creates (production)."""
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    """The ``cluster`` label on every sample the agent forwards."""
    keda_namespace: str
    """Where the keda chart runs its operator."""


class AmpBackend(pulumi.ComponentResource):
    """The AMP workspace (``<name>-workspace``, alias ``ei-<environment>-inference``), or the one of
    ``observability.managed.workspaceId``; the IRSA roles of the Prometheus agent (``<name>-agent``: remote write to
    the workspace only) and of the KEDA operator (``<name>-keda``: queries only); and the rule group namespace
    ``elastic-inference-<environment>`` (``<name>-rules``) with the catalog's alerts. The agent labels every sample
    with ``cluster``; the catalog's queries and alerts do not filter on it, so a workspace serves one cluster's
    autoscaling (README).

    ``backend``: the :class:`~components.kubernetes.context.MetricsBackend` the catalog uses. Outputs:
    ``workspaceArn``, ``queryUrl``.
    """

    backend: MetricsBackend

    def __init__(self, name: str, args: AmpBackendArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:amp:AmpBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        managed = args.config.managed
        if managed.workspace_id is None:
            workspace = aws.amp.Workspace(f"{name}-workspace", alias=physical_name(args.environment, "inference"),
                                          tags=args.tags,
                                          opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
            workspace_id, workspace_arn = workspace.id, workspace.arn
        else:
            adopted = aws.amp.get_workspace_output(workspace_id=managed.workspace_id, opts=pulumi.InvokeOutputOptions(parent=self))
            workspace_id, workspace_arn = pulumi.Output.from_input(managed.workspace_id), adopted.arn
        query_url = workspace_id.apply(lambda ws: workspace_url(args.region, ws))
        agent_namespace = managed.agent_chart.namespace
        agent_role, _ = irsa_role(
            self, f"{name}-agent", role_name=physical_name(args.environment, "amp-agent"),
            oidc_provider_arn=args.oidc_provider_arn, issuer_url=args.oidc_issuer_url,
            service_accounts=[(agent_namespace, prometheus_service_account(managed.agent_chart))],
            policy=workspace_arn.apply(lambda arn: workspace_policy(arn, ["aps:RemoteWrite"])),
            description=f"The Prometheus agent of {args.environment}: remote write to its AMP workspace (IRSA).",
            tags=args.tags)
        keda_role, _ = irsa_role(
            self, f"{name}-keda", role_name=physical_name(args.environment, "amp-keda"),
            oidc_provider_arn=args.oidc_provider_arn, issuer_url=args.oidc_issuer_url,
            service_accounts=[(args.keda_namespace, KEDA_OPERATOR_SERVICE_ACCOUNT)],
            policy=workspace_arn.apply(lambda arn: workspace_policy(arn, QUERY_ACTIONS)),
            description=f"KEDA of {args.environment}: queries of its AMP workspace (IRSA).", tags=args.tags)
        aws.amp.RuleGroupNamespace(f"{name}-rules", name=rule_namespace_name(args.environment), workspace_id=workspace_id,
                                   data=rule_namespace_data(args.services, args.config, args.burst), tags=args.tags,
                                   opts=child)
        self.backend = MetricsBackend(
            query_url=query_url,
            access=PrometheusAccess(pod_identity="aws", trigger_metadata={"awsRegion": args.region}),
            agent=PrometheusAgent(remote_write_url=query_url.apply(lambda url: f"{url}/api/v1/remote_write"),
                                  sigv4_region=args.region,
                                  service_account_annotations={IRSA_ROLE_ANNOTATION: agent_role.arn},
                                  external_labels={"cluster": args.cluster_name},
                                  pod_annotations={IDENTITY_ANNOTATION: agent_role.arn}),
            keda_values={"podIdentity": {"aws": {"irsa": {"enabled": True, "roleArn": keda_role.arn}}},
                         "podAnnotations": {"keda": {IDENTITY_ANNOTATION: keda_role.arn}}},
            scraper_namespace=agent_namespace, rules_in_cluster=False, grafana_sidecar=False)
        self.register_outputs({"workspaceArn": workspace_arn, "queryUrl": query_url})
