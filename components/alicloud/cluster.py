"""The ACK Pro managed cluster, the Kubernetes provider that talks to it, and the autoscaler's RAM role."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_alicloud as alicloud
import pulumi_kubernetes as k8s

from stackconfig import AckSecretsEncryptionConfig, ClusterConfig
from stackconfig.limits import RRSA_MINIMUM

from ..kubernetes.observability import ScrapeTarget
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


def existing_role(parent: pulumi.Resource, role: ServiceRole) -> pulumi.Output[str]:
    """The role's name, looked up by exact name; the run stops with what to do if the account lacks it."""
    roles = alicloud.ram.get_roles_output(name_regex=f"^{role.name}$", opts=pulumi.InvokeOutputOptions(parent=parent))
    return roles.names.apply(lambda names: require_role(role, names))


def once_autoscaler_role_exists(parent: pulumi.Resource, name: str, cluster_id: pulumi.Input[str],
                                cluster: ClusterConfig, tags: dict[str, str]) -> pulumi.Output[str]:
    """``cluster_id``, resolved once the autoscaler role exists (so node pools created with it can autoscale): with
    ``createAutoscalerRole`` the role and its policy attachment (children ``<name>-autoscaler-role`` and
    ``<name>-autoscaler-role-policy`` of ``parent``), else the account's role looked up."""
    if cluster.create_autoscaler_role:
        role = alicloud.ram.Role(
            f"{name}-autoscaler-role",
            role_name=AUTOSCALER_ROLE.name,
            assume_role_policy_document=autoscaler_trust_policy(),
            description="The auto scaling component of ACK clusters assumes this role to access your resources in Auto Scaling and ECS.",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        attachment = alicloud.ram.RolePolicyAttachment(
            f"{name}-autoscaler-role-policy",
            role_name=role.role_name,
            policy_name=AUTOSCALER_POLICY,
            policy_type="System",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        role_name = attachment.role_name
    else:
        role_name = existing_role(parent, AUTOSCALER_ROLE)
    return pulumi.Output.all(cluster_id, role_name).apply(lambda values: values[0])


def temporary_kubeconfig(parent: pulumi.Resource, cluster_id: pulumi.Input[str], ttl_minutes: int,
                         provider: Optional[pulumi.ProviderResource] = None) -> pulumi.Output[str]:
    """A temporary kubeconfig of the cluster for whoever runs the program (``cs.get_cluster_credential``, valid
    ``ttl_minutes``, fetched anew on every run; secret): its RBAC is that RAM identity's grants in the cluster."""
    credential = alicloud.cs.get_cluster_credential_output(
        cluster_id=cluster_id,
        temporary_duration_minutes=ttl_minutes,
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
    )
    return pulumi.Output.secret(credential.kube_config)


def kubernetes_access(parent: pulumi.Resource, cluster_id: pulumi.Input[str],
                      ttl_minutes: int) -> tuple[pulumi.Output[str], k8s.Provider]:
    """A :func:`temporary_kubeconfig` of the cluster and the ``kubernetes`` provider ``k8s`` (a child of
    ``parent``) that uses it."""
    kubeconfig = temporary_kubeconfig(parent, cluster_id, ttl_minutes)
    provider = k8s.Provider(
        "k8s",
        kubeconfig=kubeconfig,
        # The kubeconfig changes on every run (a new temporary credential): without an identifier
        # the provider's heuristics decide whether that replaces it and every Kubernetes object.
        cluster_identifier=cluster_id,
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return kubeconfig, provider


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


class AckCluster(pulumi.ComponentResource):
    """What the rest of the ACK platform reads of its cluster, created (:class:`Cluster`) or adopted
    (:class:`AdoptedCluster`): ``cluster_id`` (resolved once the autoscaler role exists), ``kubeconfig`` (secret),
    ``oidc_provider_arn`` and ``oidc_issuer_url`` (RRSA), ``security_group_id``, ``log_project``, and the
    ``k8s_provider`` that talks to it."""

    cluster_id: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_project: pulumi.Output[str]
    k8s_provider: k8s.Provider

    def _register_contract(self, **more: pulumi.Input[Any]) -> None:
        self.register_outputs({
            "clusterId": self.cluster_id,
            "kubeconfig": self.kubeconfig,
            "oidcProviderArn": self.oidc_provider_arn,
            "oidcIssuerUrl": self.oidc_issuer_url,
            "securityGroupId": self.security_group_id,
            "logProject": self.log_project,
            **more,
        })


class Cluster(AckCluster):
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

    Outputs: those of :class:`AckCluster`.
    """

    def __init__(self, name: str, args: ClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:cluster:Cluster", name, None, opts)
        config = args.cluster
        encryption = config.secrets_encryption
        encryption_args = secrets_encryption_args(encryption, existing_role(self, SECURITY_ROLE)) if encryption else {}
        cluster = alicloud.cs.ManagedKubernetes(
            name,
            vswitch_ids=args.node_vswitch_ids,
            pod_vswitch_ids=args.pod_vswitch_ids,
            **managed_kubernetes_args(config, environment=args.environment, tags=args.tags,
                                      deletion_protection=args.deletion_protection),
            **encryption_args,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, ignore_changes=list(CREATE_ONLY_INPUTS)),
        )
        self.cluster_id = once_autoscaler_role_exists(self, name, cluster.id, args.cluster, args.tags)
        self.oidc_provider_arn = cluster.rrsa_metadata.apply(lambda rrsa: rrsa.ram_oidc_provider_arn)
        self.oidc_issuer_url = cluster.rrsa_metadata.apply(lambda rrsa: rrsa.rrsa_oidc_issuer_url)
        self.security_group_id = cluster.security_group_id
        self.log_project = log_project_of(config, cluster.id)
        self.kubeconfig, self.k8s_provider = kubernetes_access(self, cluster.id, config.kubeconfig_ttl_minutes)
        self._register_contract()



Version = tuple[int, ...]


def version_of(text: str) -> Optional[Version]:
    """``(major, minor, patch)`` of an ACK cluster or add-on version (``1.35.2-aliyun.1``, ``v1.30.4-1a2b3c4-aliyun``);
    ``None`` when the text has none (an add-on that is not installed reports ``""``)."""
    match = re.match(r"^v?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?", text or "")
    return tuple(int(part or 0) for part in match.groups()) if match else None


def dotted(version: Version) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True)
class AddonNeed:
    """An add-on an adopted cluster must already run, because the stack uses it but does not install it there."""

    name: str
    needed_by: str
    """What needs it, as a clause: "services with autoscaling.qps read ingress logs it ships to SLS"."""
    minimum: Optional[Version] = None


RRSA_CSI_MINIMUM: Version = (1, 30, 4)
"""csi-plugin and csi-provisioner mount OSS volumes with RRSA from v1.30.4, whose ossfs pods run as
``ack-csi-fuse/csi-fuse-ossfs``, the service account the model store's role trusts (ACK "Use dynamically provisioned OSS
volumes": RRSA needs cluster 1.26+ and CSI v1.30.4+; "ossfs version upgrade ... in CSI": the namespace moved to
``ack-csi-fuse`` in v1.30.4)."""
MODEL_STORE_ADDONS = (AddonNeed("csi-plugin", "the model store is an OSS volume it mounts with RRSA", RRSA_CSI_MINIMUM),
                      AddonNeed("csi-provisioner", "OSS volumes need it since CSI v1.30.4", RRSA_CSI_MINIMUM))
QPS_ADDON = AddonNeed("logtail-ds", "services with autoscaling.qps scale on the NGINX ingress logs it ships to SLS "
                      "(its ingress dashboard must be on)")
INGRESS_ADDON = AddonNeed("nginx-ingress-controller", "services with an ingress are served by it")
INGRESS_SCRAPE_TARGET = ScrapeTarget(name="ack-ingress-nginx", namespace="kube-system", selector={"app": "ingress-nginx"},
                                     port_number=10254)
"""The ACK NGINX ingress controller's metrics: its pods in ``kube-system`` are labelled ``app=ingress-nginx`` (ACK
docs, "NGINX Ingress controller"), and ingress-nginx serves Prometheus metrics on port 10254 (``--metrics-port``'s
default)."""
VIRTUAL_NODE_ADDON = AddonNeed("ack-virtual-node", "alicloud.virtualNodes.alreadyInstalled says the cluster runs it")
ADOPTABLE = {"cluster_type": "ManagedKubernetes", "profile": "Default"}
"""``cs.get_clusters`` fields of an ACK managed cluster (Basic or Pro) with node pools: not serverless, edge, Lingjun or
registered (the ``cluster_type`` and ``profile`` docstrings)."""


@dataclass(frozen=True)
class AdoptedClusterFacts:
    """What the stack reads of an adopted cluster."""

    vswitch_ids: list[str]
    security_group_id: str
    oidc_provider_arn: str
    oidc_issuer_url: str


def adoption_problems(cluster_id: str, clusters: Sequence[Any], managed: Sequence[Any], addons: Sequence[Any],
                      needed: Sequence[AddonNeed]) -> list[str]:
    """Why the looked-up cluster cannot take what the stack adds, each with its fix; none when it can. ``clusters``:
    ``cs.get_clusters`` results, ``managed``: ``cs.get_managed_kubernetes_clusters`` results (RRSA), ``addons``:
    ``cs.get_kubernetes_addons`` results (``current_version`` empty when not installed)."""
    if not clusters or not managed:
        return [f"ACK cluster {cluster_id} (alicloud.cluster.existing.clusterId) is not found in the stack's region with "
                "the credentials of this run: check the id in the ACK console's cluster list, the stack's region, and that "
                "the RAM identity may call cs:DescribeClusters"]
    cluster, rrsa = clusters[0], managed[0].rrsa_config
    problems = [f"cluster {cluster_id} is a {cluster.cluster_type} cluster of profile {cluster.profile}, not an ACK "
                "managed cluster (Basic or Pro) with node pools: adopt an ACK managed cluster, or use cloud: existing"
                ] if any(getattr(cluster, key) != value for key, value in ADOPTABLE.items()) else []
    version = version_of(cluster.current_version)
    if version is not None and version[:2] < RRSA_MINIMUM:
        problems.append(f"cluster {cluster_id} runs Kubernetes {cluster.current_version}, but the model store's RRSA mount "
                        f"needs {dotted(RRSA_MINIMUM)} or later: upgrade the cluster (ACK console, Cluster Information, "
                        "Upgrade)")
    if rrsa is None or not rrsa.enabled:
        problems.append(f"cluster {cluster_id} has RRSA off, and the model store's OSS volume is mounted with RRSA: turn "
                        "it on in the ACK console (cluster, Basic Information, Security and Auditing, RRSA OIDC, Enable), "
                        "then run again")
    installed = {addon.name: addon.current_version for addon in addons}
    for need in needed:
        found = version_of(installed.get(need.name, ""))
        if found is None:
            problems.append(f"cluster {cluster_id} does not run the add-on {need.name}, and {need.needed_by}: install it "
                            "in the ACK console (cluster, Operations, Add-ons)")
        elif need.minimum and found < need.minimum:
            problems.append(f"cluster {cluster_id} runs {need.name} {installed[need.name]}, and {need.needed_by}, which "
                            f"needs {dotted(need.minimum)} or later: upgrade it (ACK console, cluster, Operations, Add-ons)")
    return problems


def require_adoptable(cluster_id: str, clusters: Sequence[Any], managed: Sequence[Any], addons: Sequence[Any],
                      needed: Sequence[AddonNeed]) -> AdoptedClusterFacts:
    """The facts of the adopted cluster; the run stops with every :func:`adoption_problems` if there are any."""
    problems = adoption_problems(cluster_id, clusters, managed, addons, needed)
    if problems:
        raise pulumi.RunError("alicloud.cluster.existing: " + "; ".join(problems))
    rrsa = managed[0].rrsa_config
    return AdoptedClusterFacts(vswitch_ids=list(clusters[0].vswitch_ids), security_group_id=clusters[0].security_group_id,
                               oidc_provider_arn=rrsa.ram_oidc_provider_arn, oidc_issuer_url=rrsa.rrsa_oidc_issuer_url)


@dataclass(frozen=True)
class AdoptedClusterArgs:
    cluster: ClusterConfig
    """The ``cluster`` section, with ``existing`` set."""
    needed_addons: Sequence[AddonNeed]
    """Add-ons the cluster must already run (:func:`components.alicloud.platform.needed_addons`)."""
    tags: dict[str, str]
    """Tags of the autoscaler role, when the stack creates it."""


class AdoptedCluster(AckCluster):
    """An existing ACK managed cluster (``alicloud.cluster.existing``), read and never changed, and a Kubernetes provider
    for it.

    Reads the cluster with ``cs.get_clusters`` (vSwitches, security group, version, type; the data source the provider
    recommends since v1.276.0) and ``cs.get_managed_kubernetes_clusters`` (deprecated, but the only data source with
    ``rrsa_config``: the RRSA OIDC provider's ARN and issuer), both with ``enable_details``, and its add-ons with
    ``cs.get_kubernetes_addons``. Checked in aliyun/terraform-provider-alicloud ``data_source_alicloud_cs_clusters.go``:
    it calls ``DescribeClustersForRegion`` for the provider's region with ``cluster_id`` as a server-side filter, then
    ``DescribeClusterDetail`` for the details, so a cluster of another region is not found; :func:`require_adoptable` stops the run before anything is
    registered against the cluster if it cannot take what the stack adds. Like :class:`Cluster`, it fetches a temporary
    kubeconfig (:func:`kubernetes_access`) and, with ``createAutoscalerRole``, creates the autoscaler role (else looks
    it up). It registers no cloud resource for the cluster itself, so nothing of it is ever protected, replaced or
    deleted by the stack.

    Outputs: those of :class:`AckCluster`, and ``node_vswitch_ids`` (``existing.nodeVswitchIds``, else the cluster's
    vSwitches) and ``pod_vswitch_ids`` (``existing.podVswitchIds``, else the node vSwitches), for the node pools and ECI.
    """

    node_vswitch_ids: pulumi.Output[list[str]]
    pod_vswitch_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: AdoptedClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:cluster:AdoptedCluster", name, None, opts)
        config = args.cluster
        existing = config.existing
        assert existing is not None
        lookup = pulumi.InvokeOutputOptions(parent=self)
        clusters = alicloud.cs.get_clusters_output(cluster_id=existing.cluster_id, enable_details=True, opts=lookup)
        managed = alicloud.cs.get_managed_kubernetes_clusters_output(ids=[existing.cluster_id], enable_details=True,
                                                                       opts=lookup)
        addons = alicloud.cs.get_kubernetes_addons_output(cluster_id=existing.cluster_id, opts=lookup)
        # The whole results, not their lists: Output.all turns the typed results inside a list into plain dicts.
        facts = pulumi.Output.all(clusters, managed, addons).apply(lambda found: require_adoptable(
            existing.cluster_id, found[0].clusters, found[1].clusters, found[2].addons, args.needed_addons))
        checked_id = facts.apply(lambda _: existing.cluster_id)
        self.cluster_id = once_autoscaler_role_exists(self, name, checked_id, config, args.tags)
        self.oidc_provider_arn = facts.apply(lambda f: f.oidc_provider_arn)
        self.oidc_issuer_url = facts.apply(lambda f: f.oidc_issuer_url)
        self.security_group_id = facts.apply(lambda f: f.security_group_id)
        self.log_project = log_project_of(config, checked_id)
        self.node_vswitch_ids = facts.apply(lambda f: list(existing.node_vswitch_ids) or f.vswitch_ids)
        self.pod_vswitch_ids = self.node_vswitch_ids.apply(lambda nodes: list(existing.pod_vswitch_ids) or nodes)
        self.kubeconfig, self.k8s_provider = kubernetes_access(self, checked_id, config.kubeconfig_ttl_minutes)
        self._register_contract(nodeVswitchIds=self.node_vswitch_ids, podVswitchIds=self.pod_vswitch_ids)
