"""The EKS cluster: its IAM role, access entries, the IAM OIDC provider for IRSA, and a Kubernetes provider."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from policypack.metadata import EC2_METADATA_CIDRS
from stackconfig import AwsAccessEntry, AwsConfig, AwsSecretsEncryptionConfig

from ..kubernetes.context import NetworkBoundary
from ..naming import physical_name

STS_AUDIENCE = "sts.amazonaws.com"
"""Audience of the tokens EKS projects for IRSA; the OIDC provider's client id (EKS "Create an IAM OIDC provider")."""
CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"]
"""Control-plane log types sent to CloudWatch: API calls, the audit trail, and who authenticated as whom."""
ACCESS_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/{policy}"
SECRETS_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"]
"""What the cluster role does with the KMS key that encrypts Secrets: encrypt and decrypt the data keys, read the
key's metadata, and grant the control plane's use of it."""
SECRETS_KEY_DELETION_WINDOW_DAYS = 30
"""Days between a created key leaving the stack and KMS deleting it: the most KMS allows (7-30, ``kms.Key`` docstring),
so a key deleted by mistake can be recovered for a month; a cluster whose key is gone cannot read its Secrets."""


def eks_cluster_name(environment: str) -> str:
    """The EKS cluster's name, ``ei-<environment>-eks``; subnets, node tags and the autoscaler name it before it exists."""
    return physical_name(environment, "eks")


def assume_role_policy(service: str) -> str:
    """Trust policy letting an AWS service (``eks.amazonaws.com``, ``ec2.amazonaws.com``, ...) assume a role."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def service_account_subject(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


def irsa_trust_policy(oidc_provider_arn: str, issuer_url: str, service_accounts: Sequence[tuple[str, str]]) -> str:
    """Trust policy of an IRSA role: only the cluster's OIDC provider, only for these ``(namespace, name)``
    service accounts, only with the STS audience (EKS "Assign IAM roles to Kubernetes service accounts").

    Condition keys are the issuer without ``https://``, suffixed ``:sub`` and ``:aud``.
    """
    issuer = issuer_url.removeprefix("https://")
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": oidc_provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            f"{issuer}:sub": [service_account_subject(ns, name) for ns, name in service_accounts],
            f"{issuer}:aud": STS_AUDIENCE,
        }},
    }]})


def irsa_role(parent: pulumi.Resource, name: str, *, role_name: str, oidc_provider_arn: pulumi.Input[str],
              issuer_url: pulumi.Input[str], service_accounts: Sequence[tuple[str, str]], policy: pulumi.Input[str],
              description: str, tags: dict[str, str]) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """An IAM role for Kubernetes service accounts (:func:`irsa_trust_policy`) with one inline ``policy``.
    Children of ``parent`` named ``<name>-role`` and ``<name>-policy``."""
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-role", name=role_name, description=description, tags=tags,
        assume_role_policy=pulumi.Output.all(oidc_provider_arn, issuer_url).apply(
            lambda values: irsa_trust_policy(values[0], values[1], service_accounts)),
        opts=child)
    inline = aws.iam.RolePolicy(f"{name}-policy", role=role.name, policy=policy, opts=child)
    return role, inline


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig for the cluster that holds no credential: ``kubectl`` and the Kubernetes provider run
    ``aws eks get-token`` for a short-lived token of whoever runs them (AWS CLI v2; EKS "Connect kubectl to an
    EKS cluster by creating a kubeconfig file")."""
    return json.dumps({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
        "users": [{"name": cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
        }}}],
    }, indent=2)


def access_scope(entry: AwsAccessEntry, catalog_namespaces: Sequence[str]) -> dict[str, Any]:
    """``access_scope`` of an access policy association (SDK docstring of ``AccessPolicyAssociationAccessScope``:
    ``type`` ``namespace`` with ``namespaces``, or ``cluster``): the entry's namespaces, the catalog's when it names
    none, the whole cluster for ``namespaces: []`` (which the config model admits only with an explicit policy)."""
    namespaces = entry.scope_namespaces(catalog_namespaces)
    if namespaces:
        return {"type": "namespace", "namespaces": namespaces}
    return {"type": "cluster"}


def account_root(role_arn: str) -> str:
    """The root principal of the account an IAM role belongs to (``arn:<partition>:iam::<account>:root``)."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:iam::{parts[4]}:root"


def secrets_key_policy(cluster_role_arn: str) -> str:
    """Key policy of the key the stack creates: the account administers it, and its IAM policies govern who else may
    use it (the root statement of KMS's default key policy); the cluster role uses it (:data:`SECRETS_KEY_ACTIONS`)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": account_root(cluster_role_arn)},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "ClusterRoleUses", "Effect": "Allow", "Principal": {"AWS": cluster_role_arn},
         "Action": SECRETS_KEY_ACTIONS, "Resource": "*"},
    ]})


def secrets_key_role_policy(key_arn: str) -> str:
    """Inline policy of the cluster role for a key the stack is given: :data:`SECRETS_KEY_ACTIONS` on that key."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": SECRETS_KEY_ACTIONS, "Resource": key_arn}]})


def encryption_config(key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """``encryption_config`` of the cluster: Secrets (the only resource EKS takes) under ``key_arn``.

    Checked in hashicorp/terraform-provider-aws ``internal/service/eks/cluster.go`` (00555dc): not ForceNew; adding it
    to a running cluster calls ``AssociateEncryptionConfig`` in place, a later change of the key is not applied (the
    update associates only when the cluster had none), and removing it replaces the cluster (its CustomizeDiff: "You
    cannot disable envelope encryption after enabling it")."""
    return {"provider": {"key_arn": key_arn}, "resources": ["secrets"]}


def vpc_config(config: AwsConfig, subnet_ids: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """``vpc_config`` of the cluster: private endpoint always; the public one only with ``aws.publicApiServer``,
    and then to ``aws.publicAccessCidrs`` only (``ClusterVpcConfig`` docstring: EKS defaults the CIDRs to
    ``0.0.0.0/0`` and the provider tracks drift only when they are given; not ForceNew, ``planner/force_new.json``)."""
    vpc: dict[str, Any] = {"subnet_ids": list(subnet_ids), "endpoint_private_access": True,
                           "endpoint_public_access": config.public_api_server}
    if config.public_api_server:
        vpc["public_access_cidrs"] = [str(cidr) for cidr in config.public_access_cidrs]
    return vpc


@dataclass(frozen=True)
class EksClusterArgs:
    config: AwsConfig
    """The ``aws`` section (``kubernetesVersion``, ``publicApiServer``, ``accessEntries``)."""
    cluster_name: str
    """:func:`eks_cluster_name` of the stack."""
    environment: str
    """Environment name, part of the cluster role's name."""
    region: str
    """The cluster's region (the kubeconfig's ``aws eks get-token``)."""
    tags: dict[str, str]
    """Tags of every resource that takes tags."""
    deletion_protection: bool
    """EKS's own deletion protection (production stacks)."""
    protect: bool
    """``protect`` the cluster (``StackConfig.protect_data``)."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the control plane's network interfaces, in at least two zones."""
    catalog_namespaces: Sequence[str]
    """``StackConfig.catalog_namespaces``: where access entries that name no namespaces apply."""


VPC_CNI_ADDON = "vpc-cni"
EKS_NETWORK = NetworkBoundary(metadata_cidrs=EC2_METADATA_CIDRS)
"""EKS as this program builds it has no ingress controller (a stack names its own in
``services[].networkPolicy.allowFromNamespaces``); IMDS answers at 169.254.169.254 and fd00:ec2::254. Services
read S3 with IRSA (a projected web identity token file and STS), never through IMDS."""


def addon_version(version: Optional[str]) -> dict[str, str]:
    """The ``addon_version`` argument of an EKS add-on: the configured version, else none, so that EKS installs its
    default version for the cluster's Kubernetes version."""
    return {"addon_version": version} if version else {}


def vpc_cni_addon(version: Optional[str]) -> dict[str, Any]:
    """Arguments of the ``vpc-cni`` EKS add-on with its network policy agent on, so that NetworkPolicies are enforced
    (EKS user guide, "Configure the VPC CNI for network policies": ``enableNetworkPolicy`` in the add-on's
    configuration values, VPC CNI v1.14+, Kubernetes 1.25+; not on Fargate pods).

    EKS installs the VPC CNI into every cluster as a self-managed add-on; creating the EKS add-on adopts it, and
    ``resolve_conflicts_on_create: OVERWRITE`` (``NONE`` or ``OVERWRITE``, pulumi-aws ``eks.Addon``) lets the
    adoption replace its settings instead of failing on them. ``OVERWRITE`` on update as well: this stack owns the
    add-on's configuration, so a later version does not keep a hand edit that switched the agent off. ``preserve``:
    deleting the add-on resource leaves the plugin running, because pods on the nodes have no network without it."""
    return {"addon_name": VPC_CNI_ADDON, **addon_version(version),
            "configuration_values": json.dumps({"enableNetworkPolicy": "true"}),
            "resolve_conflicts_on_create": "OVERWRITE", "resolve_conflicts_on_update": "OVERWRITE", "preserve": True}


def grant_access_entries(parent: pulumi.Resource, name: str, cluster_name: pulumi.Input[str], entries: Sequence[AwsAccessEntry],
                         catalog_namespaces: Sequence[str], tags: dict[str, str]) -> None:
    """One ``eks.AccessEntry`` and ``AccessPolicyAssociation`` (``<name>-access-<i>``, children of ``parent``) per
    ``aws.accessEntries`` item, scoped by :func:`access_scope`."""
    for i, entry in enumerate(entries):
        access = aws.eks.AccessEntry(f"{name}-access-{i}", cluster_name=cluster_name, principal_arn=entry.principal_arn,
                                     type="STANDARD", tags=tags, opts=pulumi.ResourceOptions(parent=parent))
        # Every input is ForceNew and the provider's id is cluster#principal#policy: a new scope must disassociate
        # the old one first, or the old one's deletion after the new association would remove the new one too.
        aws.eks.AccessPolicyAssociation(
            f"{name}-access-{i}", cluster_name=cluster_name, principal_arn=access.principal_arn,
            policy_arn=ACCESS_POLICY_ARN.format(policy=entry.policy), access_scope=access_scope(entry, catalog_namespaces),
            opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True))


class EksClusterContract(pulumi.ComponentResource):
    """What the rest of the EKS platform reads of its cluster, created (:class:`EksCluster`) or adopted
    (:class:`AdoptedEksCluster`): ``cluster_name`` (an output, so what joins the cluster waits for it), ``endpoint``,
    ``certificate_authority``, ``service_cidr``, ``cluster_security_group_id``, ``oidc_provider_arn``,
    ``oidc_issuer_url``, ``kubeconfig`` (secret) and the ``k8s_provider`` that talks to it."""

    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    certificate_authority: pulumi.Output[str]
    service_cidr: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    k8s_provider: k8s.Provider

    def _connect(self, region: str) -> None:
        """The secret :func:`kubeconfig` of the cluster and the ``kubernetes`` provider ``k8s`` that uses it."""
        self.kubeconfig = pulumi.Output.secret(pulumi.Output.all(self.cluster_name, self.endpoint, self.certificate_authority).apply(
            lambda values: kubeconfig(values[0], values[1], values[2], region)))
        self.k8s_provider = k8s.Provider("k8s", kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                                         opts=pulumi.ResourceOptions(parent=self))

    def _register_contract(self, **more: pulumi.Input[Any]) -> None:
        self.register_outputs({
            "clusterName": self.cluster_name, "endpoint": self.endpoint, "certificateAuthority": self.certificate_authority,
            "serviceCidr": self.service_cidr, "clusterSecurityGroupId": self.cluster_security_group_id,
            "oidcProviderArn": self.oidc_provider_arn, "oidcIssuerUrl": self.oidc_issuer_url, "kubeconfig": self.kubeconfig,
            **more,
        })


class EksCluster(EksClusterContract):
    """An EKS cluster that admits only through access entries, with IRSA, and a Kubernetes provider for it. Options
    and their defaults: the README's configuration reference, ``aws``.

    Creates an IAM role (``ei-<environment>-eks-cluster``) trusted by ``eks.amazonaws.com`` with
    ``AmazonEKSClusterPolicy``; the ``eks.Cluster`` ``cluster_name`` at ``aws.kubernetesVersion`` with
    authentication mode ``API`` (access entries only, no ``aws-auth`` ConfigMap) and the creator's admin access
    bootstrapped (so ``pulumi up`` can install the add-ons), private endpoint on and public endpoint per
    ``aws.publicApiServer`` (:func:`vpc_config`), the upgrade policy ``aws.upgradePolicy``, control-plane logs :data:`CONTROL_PLANE_LOGS`, deletion protection and ``protect`` per the
    args, and, with ``aws.secretsEncryption``, Secrets envelope-encrypted (:func:`encryption_config`) with a KMS key:
    one created here (``<name>-secrets-key``, symmetric, rotated yearly, :func:`secrets_key_policy`, deleted
    :data:`SECRETS_KEY_DELETION_WINDOW_DAYS` days after it leaves the stack, ``protect``-ed with the cluster), or the
    given ``kmsKeyArn``, which the cluster role may use through an inline policy (``<name>-secrets-key-access``,
    :func:`secrets_key_role_policy`); the IAM OIDC provider of the cluster's issuer (audience :data:`STS_AUDIENCE`; no thumbprint: IAM
    fetches it itself, per the SDK docstring of ``thumbprint_lists``); one ``eks.AccessEntry`` and
    ``AccessPolicyAssociation`` per ``aws.accessEntries`` item (:func:`access_scope`); and a ``kubernetes`` provider (``k8s``) with
    :func:`kubeconfig`.

    Outputs: those of :class:`EksClusterContract`. Attribute ``cluster`` (the ``eks.Cluster``, for ``depends_on``).
    """

    cluster: aws.eks.Cluster

    def __init__(self, name: str, args: EksClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:eks-cluster:EksCluster", name, None, opts)
        config = args.config
        tags = args.tags
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", name=physical_name(args.environment, "eks-cluster"),
                            assume_role_policy=assume_role_policy("eks.amazonaws.com"), tags=tags, opts=child)
        policy = aws.iam.RolePolicyAttachment(f"{name}-role-policy", role=role.name,
                                              policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", opts=child)
        encryption, key_access = self._secrets_encryption(name, config.secrets_encryption, role, args)
        cluster = aws.eks.Cluster(
            name,
            name=args.cluster_name,
            role_arn=role.arn,
            version=config.kubernetes_version,
            vpc_config=vpc_config(config, args.subnet_ids),
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
            enabled_cluster_log_types=CONTROL_PLANE_LOGS,
            upgrade_policy={"support_type": config.upgrade_policy},
            deletion_protection=args.deletion_protection,
            **encryption,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[policy, *key_access]),
        )
        self.cluster = cluster
        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data)
        self.service_cidr = cluster.kubernetes_network_config.apply(lambda net: net.service_ipv4_cidr)
        self.cluster_security_group_id = cluster.vpc_config.apply(lambda vpc: vpc.cluster_security_group_id)
        self.oidc_issuer_url = cluster.identities.apply(lambda identities: identities[0].oidcs[0].issuer)
        provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=self.oidc_issuer_url, client_id_lists=[STS_AUDIENCE], tags=tags, opts=child)
        self.oidc_provider_arn = provider.arn
        aws.eks.Addon(f"{name}-vpc-cni", **vpc_cni_addon(config.vpc_cni_version), cluster_name=cluster.name, tags=tags,
                      opts=child)
        grant_access_entries(self, name, cluster.name, config.access_entries, args.catalog_namespaces, tags)
        self._connect(args.region)
        self._register_contract()

    def _secrets_encryption(self, name: str, encryption: AwsSecretsEncryptionConfig, role: aws.iam.Role,
                            args: EksClusterArgs) -> tuple[dict[str, Any], list[pulumi.Resource]]:
        """The cluster's ``encryption_config`` argument (none when ``enabled`` is false), and what the cluster waits for
        before it uses the key: the given key's access policy (a created key's policy is the key's own)."""
        if not encryption.enabled:
            return {}, []
        if encryption.kms_key_arn is not None:
            access = aws.iam.RolePolicy(f"{name}-secrets-key-access", role=role.name,
                                        policy=secrets_key_role_policy(encryption.kms_key_arn),
                                        opts=pulumi.ResourceOptions(parent=self))
            return {"encryption_config": encryption_config(encryption.kms_key_arn)}, [access]
        key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"Envelope encryption of the Kubernetes Secrets of EKS cluster {args.cluster_name}",
            customer_master_key_spec="SYMMETRIC_DEFAULT",  # EKS takes symmetric encrypt/decrypt keys only
            key_usage="ENCRYPT_DECRYPT",
            enable_key_rotation=True,  # yearly (KMS's default period); KMS keeps the older material to decrypt
            deletion_window_in_days=SECRETS_KEY_DELETION_WINDOW_DAYS,
            policy=role.arn.apply(secrets_key_policy),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        return {"encryption_config": encryption_config(key.arn)}, []


ACCESS_ENTRY_MODES = ("API", "API_AND_CONFIG_MAP")
"""Authentication modes of a cluster that admits through access entries, as the GPU nodes and ``aws.accessEntries``
join (EKS "Change authentication mode to use access entries")."""


def adoption_problems(name: str, cluster: Any, kubernetes_version: str) -> list[str]:
    """Why the looked-up EKS cluster (an ``eks.get_cluster`` result) cannot take what the stack adds, each with its fix."""
    problems = []
    if cluster.status != "ACTIVE":
        problems.append(f"cluster {name} is {cluster.status}, not ACTIVE: run again once it is")
    if cluster.version != kubernetes_version:
        problems.append(f"cluster {name} runs Kubernetes {cluster.version}, but aws.kubernetesVersion is "
                        f"{kubernetes_version}, which picks the GPU nodes' AMI and the cluster autoscaler's version: set "
                        f"aws.kubernetesVersion: \"{cluster.version}\" and a v{cluster.version}.<patch> "
                        "clusterAutoscalerImageTag")
    modes = [config.authentication_mode for config in cluster.access_configs]
    if not set(modes) & set(ACCESS_ENTRY_MODES):
        problems.append(f"cluster {name} admits only through the aws-auth ConfigMap (authentication mode "
                        f"{', '.join(modes) or 'CONFIG_MAP'}), and the GPU nodes join through an access entry: switch it "
                        f"to API_AND_CONFIG_MAP (aws eks update-cluster-config --name {name} --access-config "
                        "authenticationMode=API_AND_CONFIG_MAP), which keeps aws-auth working")
    return problems


def require_adoptable(name: str, cluster: Any, kubernetes_version: str) -> Any:
    """The looked-up cluster; the run stops with every :func:`adoption_problems` if there are any."""
    problems = adoption_problems(name, cluster, kubernetes_version)
    if problems:
        raise pulumi.RunError("aws.existingCluster: " + "; ".join(problems))
    return cluster


@dataclass(frozen=True)
class AdoptedEksClusterArgs:
    config: AwsConfig
    """The ``aws`` section, with ``existingCluster`` set (``kubernetesVersion``, ``accessEntries``)."""
    region: str
    """The cluster's region (the kubeconfig's ``aws eks get-token``)."""
    tags: dict[str, str]
    """Tags of the access entries."""
    catalog_namespaces: Sequence[str]
    """``StackConfig.catalog_namespaces``: where access entries that name no namespaces apply."""


class AdoptedEksCluster(EksClusterContract):
    """An existing EKS cluster (``aws.existingCluster``), read and never changed, and a Kubernetes provider for it.

    Reads the cluster with ``eks.get_cluster`` (endpoint, CA, service CIDR, cluster security group, subnets, VPC,
    OIDC issuer, version, status, authentication mode) and its IAM OIDC provider with
    ``iam.get_open_id_connect_provider`` by the issuer's URL (the provider's read fails, naming the URL, when the
    cluster has none: create it with ``eksctl utils associate-iam-oidc-provider --cluster <name> --approve``).
    :func:`require_adoptable` stops the run before anything joins the cluster if it cannot take the stack. Registers
    the access entries of ``aws.accessEntries`` (:func:`grant_access_entries`), which the stack owns, and a
    ``kubernetes`` provider with :func:`kubeconfig`; no resource of the cluster itself, so nothing of it is ever
    protected, replaced or deleted by the stack. EKS does not report Secret encryption through ``eks.get_cluster``:
    on an adopted cluster it is the owner's setting.

    Outputs: those of :class:`EksClusterContract`, and ``subnet_ids`` (``existingCluster.subnetIds``, else the
    cluster's) and ``vpc_id``.
    """

    subnet_ids: pulumi.Output[list[str]]
    vpc_id: pulumi.Output[str]

    def __init__(self, name: str, args: AdoptedEksClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:eks-cluster:AdoptedEksCluster", name, None, opts)
        config = args.config
        existing = config.existing_cluster
        assert existing is not None
        lookup = pulumi.InvokeOutputOptions(parent=self)
        found = aws.eks.get_cluster_output(name=existing.name, opts=lookup)
        cluster = found.apply(lambda result: require_adoptable(existing.name, result, config.kubernetes_version))
        self.cluster_name = cluster.apply(lambda c: c.name)
        self.endpoint = cluster.apply(lambda c: c.endpoint)
        self.certificate_authority = cluster.apply(lambda c: c.certificate_authorities[0].data)
        self.service_cidr = cluster.apply(lambda c: c.kubernetes_network_configs[0].service_ipv4_cidr)
        self.cluster_security_group_id = cluster.apply(lambda c: c.vpc_config.cluster_security_group_id)
        self.oidc_issuer_url = cluster.apply(lambda c: c.identities[0].oidcs[0].issuer)
        self.oidc_provider_arn = aws.iam.get_open_id_connect_provider_output(url=self.oidc_issuer_url, opts=lookup).arn
        self.subnet_ids = cluster.apply(lambda c: list(existing.subnet_ids) or list(c.vpc_config.subnet_ids))
        self.vpc_id = cluster.apply(lambda c: c.vpc_config.vpc_id)
        grant_access_entries(self, name, self.cluster_name, config.access_entries, args.catalog_namespaces, args.tags)
        self._connect(args.region)
        self._register_contract(subnetIds=self.subnet_ids, vpcId=self.vpc_id)
