"""The ACK Pro managed cluster, the Kubernetes provider that talks to it, and the autoscaler's RAM role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_alicloud as alicloud
import pulumi_kubernetes as k8s

from stackconfig import AckSecretsEncryptionConfig, ClusterConfig

from ..naming import physical_name
from .addons import cluster_addons, log_project_of

CREATE_ONLY_INPUTS = ("addons", "podVswitchIds", "slbInternetEnabled", "newNatGateway")
"""Inputs of ``cs.ManagedKubernetes`` that ACK reads only when the cluster is created. In the Terraform provider
(aliyun/terraform-provider-alicloud v1.289.0, ``alicloud/resource_alicloud_cs_managed_kubernetes.go``) none of them
is ``ForceNew``, the update function has no branch for any of them and the read function does not read them back, so
a change would preview as an update, "succeed" and change nothing. Forcing replacement instead would delete a
running cluster and every workload on it for what is usually a small wish (an add-on, a pod vSwitch, a private API
server), so the cluster ignores changes of them (``ignore_changes``), and ``planner diff`` flags such a change
(:data:`planner.diff.IGNORED_BECAUSE`). To change one, create a new cluster (a new stack)."""
AUTOSCALER_POLICY = "AliyunCSManagedAutoScalerRolePolicy"
"""The system policy of the autoscaler role."""
AUTOSCALER_ROLE_CONSOLE = (
    "https://ram.console.aliyun.com/role/authorization?request=%7B%22Services%22%3A%5B%7B%22Service%22%3A%22CS%22"
    "%2C%22Roles%22%3A%5B%7B%22RoleName%22%3A%22AliyunCSManagedAutoScalerRole%22%2C%22TemplateId%22%3A%22"
    "AliyunCSManagedAutoScalerRole%22%7D%5D%7D%5D%2C%22ReturnUrl%22%3A%22https%3A%2F%2Fcs.console.aliyun.com%2F%22%7D"
)
"""One-click authorization of the autoscaler role, from the cs.NodePool docstring."""


@dataclass(frozen=True)
class ServiceRole:
    """An account-wide RAM role that ACK assumes for a feature, and what to do when the account lacks it."""

    name: str
    needed_by: str
    """What needs it, as a clause: "autoscaling node pools need it"."""
    fix: str


AUTOSCALER_ROLE = ServiceRole(
    "AliyunCSManagedAutoScalerRole", "autoscaling node pools need it",
    f"Authorize it once at {AUTOSCALER_ROLE_CONSOLE} , or let this stack create it: "
    "pulumi config set --path 'alicloud.cluster.createAutoscalerRole' true")
"""Role ACK's cluster autoscaler assumes to scale node pools (cs.NodePool docstring; RAM docs "Service roles of ACK")."""
SECURITY_ROLE = ServiceRole(
    "AliyunCSManagedSecurityRole", "Secret encryption with KMS (alicloud.cluster.secretsEncryption) needs it",
    "Authorize it once: the ACK console offers it when you turn on Secret encryption of any ACK Pro cluster, and the "
    "RAM console's cloud resource access authorization lists it")
"""Role ACK assumes to have KMS encrypt and decrypt the data keys of Secrets (ACK "Use KMS to encrypt Kubernetes
Secrets": the account must be authorized to assume it, or enabling encryption fails)."""


def autoscaler_trust_policy() -> str:
    """Trust policy of the autoscaler role: only the ACK service may assume it (ACK Terraform guide)."""
    return json.dumps({
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["cs.aliyuncs.com"]}}],
        "Version": "1",
    })


def control_plane_log_args(cluster: ClusterConfig) -> dict[str, Any]:
    """Control-plane logging arguments; components and TTL go together or not at all (ManagedKubernetes docstring)."""
    if not cluster.control_plane_logs:
        return {}
    args: dict[str, Any] = {
        "control_plane_log_components": list(cluster.control_plane_logs),
        "control_plane_log_ttl": str(cluster.control_plane_log_ttl_days),  # a string of days in the SDK
    }
    if cluster.log_project:
        args["control_plane_log_project"] = cluster.log_project
    return args


def managed_kubernetes_args(cluster: ClusterConfig, *, environment: str, tags: dict[str, str],
                            deletion_protection: bool) -> dict[str, Any]:
    """Every ``cs.ManagedKubernetes`` argument that comes from the stack config (the vSwitches come from the network)."""
    return {
        "name": physical_name(environment, "ack"),
        "cluster_spec": cluster.cluster_spec,
        "version": cluster.kubernetes_version,
        "service_cidr": str(cluster.service_cidr),
        # The Network component owns egress (NAT gateway and SNAT entries); with an existing VPC
        # egress is the VPC owner's business. ACK's own NAT gateway would be a second one.
        "new_nat_gateway": False,
        "slb_internet_enabled": cluster.public_api_server,
        "enable_rrsa": True,  # workload identity for pods (OSS CSI, services) instead of AccessKeys
        "deletion_protection": deletion_protection,
        "proxy_mode": cluster.effective_proxy_mode,
        "addons": cluster_addons(cluster),
        "tags": tags,
        **control_plane_log_args(cluster),
    }


def secrets_encryption_args(encryption: AckSecretsEncryptionConfig, security_role: pulumi.Input[str]) -> dict[str, Any]:
    """The ``cs.ManagedKubernetes`` arguments of ``alicloud.cluster.secretsEncryption``: ``encryption_provider_key``,
    the given KMS key, passed on once ``security_role`` resolves (so a missing role stops the run first), and
    ``disable_encryption: false``.

    Checked in the SDK docstring and aliyun/terraform-provider-alicloud v1.289.0
    ``resource_alicloud_cs_managed_kubernetes.go``: neither argument is ForceNew; an update of either calls ACK's
    ``UpdateKMSEncryption`` in place (since v1.276.0, in the commit that added ``disable_encryption``, which the
    pulumi-alicloud 4.0.0 SDK has), so a running cluster gets encryption, or a new key, without being replaced. ``disable_encryption`` is Optional and Computed and ``encryption_provider_key``'s diff is suppressed while
    it is true, so turning encryption on needs both (the docstring: "you must specify both"). Without the section the
    cluster gets neither, so clusters without encryption plan as before."""
    key_id = encryption.kms_key_id
    return {"encryption_provider_key": pulumi.Output.from_input(security_role).apply(lambda _: key_id),
            "disable_encryption": False}


def require_role(role: ServiceRole, role_names: list[str]) -> str:
    """The role's name if the account has it; otherwise stop ``pulumi up``/``preview`` with what to do."""
    if role.name not in role_names:
        raise pulumi.RunError(f"the RAM role {role.name} does not exist in this account, and {role.needed_by}. {role.fix}")
    return role.name


@dataclass(frozen=True)
class ClusterArgs:
    cluster: ClusterConfig
    """The ``cluster`` section."""
    environment: str
    """Environment name, part of the cluster's name ``ei-<environment>-ack``."""
    tags: dict[str, str]
    """Tags of the cluster and the autoscaler role."""
    protect: bool
    """``protect`` the cluster (production stacks)."""
    deletion_protection: bool
    """ACK's own deletion protection (``StackConfig.deletion_protection``)."""
    node_vswitch_ids: pulumi.Input[list[str]]
    """Node vSwitches, one per zone: the cluster's ``vswitch_ids``."""
    pod_vswitch_ids: pulumi.Input[list[str]]
    """Terway pod vSwitches, one per zone, in the zones of ``node_vswitch_ids``."""


class Cluster(pulumi.ComponentResource):
    """An ACK managed cluster with RRSA, Terway and create-time add-ons, and a Kubernetes provider for it. Options
    and their defaults: the README's configuration reference, ``alicloud.cluster``.

    Creates:

    - ``cs.ManagedKubernetes`` named ``ei-<environment>-ack`` (:func:`managed_kubernetes_args`): control plane in the
      node vSwitches, Terway pods in the pod vSwitches, kube-proxy in ``alicloud.cluster.proxyMode``, RRSA on, no NAT gateway of its own
      (see :class:`~components.alicloud.network.Network`), the API server on an Internet SLB when
      ``alicloud.cluster.publicApiServer``, control-plane logs, deletion protection, the stack's tags, and the add-ons of
      :func:`components.alicloud.addons.cluster_addons`. Changes of the create-only inputs (:data:`CREATE_ONLY_INPUTS`)
      are ignored; a change of ``proxyMode`` replaces the cluster. ``protect``-ed when ``protect``. With
      ``alicloud.cluster.secretsEncryption``, Secrets are envelope-encrypted with the given KMS key
      (:func:`secrets_encryption_args`) once the account's ``AliyunCSManagedSecurityRole`` is found.
    - A ``kubernetes`` provider (``k8s``) with a temporary kubeconfig valid ``alicloud.cluster.kubeconfigTtlMinutes``,
      fetched anew on every run; it is replaced only if the cluster is.
    - With ``alicloud.cluster.createAutoscalerRole``: the account-wide RAM role ``AliyunCSManagedAutoScalerRole`` trusted by
      ``cs.aliyuncs.com`` with the system policy ``AliyunCSManagedAutoScalerRolePolicy``. Without, the program checks
      the role exists and stops with instructions if not. Either way ``cluster_id`` resolves only once the role is
      there, so node pools created with it can autoscale.

    Outputs: ``cluster_id``, ``kubeconfig`` (secret), ``oidc_provider_arn`` and ``oidc_issuer_url`` (RRSA),
    ``security_group_id``, ``log_project``. Attribute ``k8s_provider``: the Kubernetes provider.
    """

    cluster_id: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_project: pulumi.Output[str]
    k8s_provider: k8s.Provider

    def __init__(self, name: str, args: ClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:cluster:Cluster", name, None, opts)
        config = args.cluster
        encryption = config.secrets_encryption
        encryption_args = secrets_encryption_args(encryption, self._existing_role(SECURITY_ROLE)) if encryption else {}
        cluster = alicloud.cs.ManagedKubernetes(
            name,
            vswitch_ids=args.node_vswitch_ids,
            pod_vswitch_ids=args.pod_vswitch_ids,
            **managed_kubernetes_args(config, environment=args.environment, tags=args.tags,
                                      deletion_protection=args.deletion_protection),
            **encryption_args,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, ignore_changes=list(CREATE_ONLY_INPUTS)),
        )
        autoscaler_role = self._autoscaler_role(name, args)
        self.cluster_id = pulumi.Output.all(cluster.id, autoscaler_role).apply(lambda values: values[0])
        self.oidc_provider_arn = cluster.rrsa_metadata.apply(lambda rrsa: rrsa.ram_oidc_provider_arn)
        self.oidc_issuer_url = cluster.rrsa_metadata.apply(lambda rrsa: rrsa.rrsa_oidc_issuer_url)
        self.security_group_id = cluster.security_group_id
        self.log_project = log_project_of(config, cluster.id)
        credential = alicloud.cs.get_cluster_credential_output(
            cluster_id=cluster.id,
            temporary_duration_minutes=config.kubeconfig_ttl_minutes,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.kubeconfig = pulumi.Output.secret(credential.kube_config)
        self.k8s_provider = k8s.Provider(
            "k8s",
            kubeconfig=self.kubeconfig,
            # The kubeconfig changes on every run (a new temporary credential): without an identifier
            # the provider's heuristics decide whether that replaces it and every Kubernetes object.
            cluster_identifier=cluster.id,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({
            "clusterId": self.cluster_id,
            "kubeconfig": self.kubeconfig,
            "oidcProviderArn": self.oidc_provider_arn,
            "oidcIssuerUrl": self.oidc_issuer_url,
            "securityGroupId": self.security_group_id,
            "logProject": self.log_project,
        })

    def _existing_role(self, role: ServiceRole) -> pulumi.Output[str]:
        """The role's name, looked up by exact name; the run stops with what to do if the account lacks it."""
        roles = alicloud.ram.get_roles_output(name_regex=f"^{role.name}$", opts=pulumi.InvokeOutputOptions(parent=self))
        return roles.names.apply(lambda names: require_role(role, names))

    def _autoscaler_role(self, name: str, args: ClusterArgs) -> pulumi.Output[str]:
        """The autoscaler role's name, resolved once the role exists: created here, or looked up."""
        if not args.cluster.create_autoscaler_role:
            return self._existing_role(AUTOSCALER_ROLE)
        role = alicloud.ram.Role(
            f"{name}-autoscaler-role",
            role_name=AUTOSCALER_ROLE.name,
            assume_role_policy_document=autoscaler_trust_policy(),
            description="The auto scaling component of ACK clusters assumes this role to access your resources in Auto Scaling and ECS.",
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = alicloud.ram.RolePolicyAttachment(
            f"{name}-autoscaler-role-policy",
            role_name=role.role_name,
            policy_name=AUTOSCALER_POLICY,
            policy_type="System",
            opts=pulumi.ResourceOptions(parent=self),
        )
        return attachment.role_name
