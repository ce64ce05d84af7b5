"""Rules across the top-level sections of :class:`~stackconfig.stack.StackConfig`: what the stack's cloud allows,
zones, per-zone subnets, node pools, and what each catalog entry asks of the platform."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from .alicloud import OWNED_CLUSTER_OPTIONS
from .aws import OWNED_EKS_OPTIONS
from .base import Cloud, Finding
from .capacity import node_groups
from .fit import check_fit, check_instance_types

if typing.TYPE_CHECKING:
    from .services import ServiceConfig
    from .stack import StackConfig


@dataclass(frozen=True)
class CrossSectionRule:
    """A rule over several sections. It runs whenever the sections it ``reads`` are valid, even if other
    sections have errors, so one run reports every mistake (see ``stackconfig.load``)."""

    reads: frozenset[str]
    """Key paths (camelCase) of the sections the rule reads: top-level keys, or parts of one (``alicloud.nodePools``)."""
    check: Callable[["StackConfig"], list[Finding]]


def _set(model: BaseModel, field: str) -> bool:
    """Whether the stack file set ``field`` of ``model`` (defaults do not count)."""
    return field in model.model_fields_set


def _check_cloud_sections(config: StackConfig) -> list[Finding]:
    """A cloud's section (``alicloud``, ``aws``, ``existing``) is set only on that cloud."""
    return [(section, f"configures cloud {section}, but cloud is {config.cloud}", f"remove {section} or set cloud: {section}")
            for section in typing.get_args(Cloud) if section != config.cloud and _set(config, section)]


def _check_cloud_keys(config: StackConfig) -> list[Finding]:
    """Top-level keys a stack sets but its cloud ignores, or needs but does not set."""
    findings: list[Finding] = []
    cloud = config.cloud
    if cloud == "existing":
        findings += [(key, "is not used by cloud existing (the cluster is already there)", f"remove {key}")
                     for key in ("region", "zones") if _set(config, key)]
    elif config.adopts_cluster:
        findings += [("region", f"is required on cloud {cloud}: the adopted cluster is looked up in it", "set region")
                     ] if not config.region else []
    else:
        findings += [(key, f"is required on cloud {cloud}", f"set {key}")
                     for key in ("region", "zones") if not getattr(config, key)]
    if cloud == "aws":
        findings += [(key, "is the Alibaba Cloud/existing-cluster way to reach S3 with access keys; on aws, services with "
                      "model.source s3 read the aws.modelStore bucket through IRSA", f"remove {key}")
                     for key, value in (("s3ModelRepository", config.s3_model_repository),
                                        ("s3Credentials", config.s3_credentials)) if value is not None]
    return findings


def _check_already_installed(config: StackConfig) -> list[Finding]:
    """Only an adopted cluster may already run the virtual-node add-on or the QPS metrics adapter; with virtual nodes,
    an adopted cluster's stack says whether it runs the add-on. That cannot be looked up: after the stack installed it,
    the cluster runs it too. And ``cs.KubernetesAddon`` takes over an installed add-on without a word (the provider's
    docs: an add-on already in the cluster "will be skipped" on create; config is merged into it), so the stack would
    reconfigure, and on destroy uninstall, an add-on it did not install."""
    virtual_nodes = config.alicloud.virtual_nodes
    if config.cloud != "alicloud":
        return []
    existing = config.alicloud.cluster.existing
    if existing is not None:
        findings: list[Finding] = []
        if virtual_nodes.enabled and not _set(virtual_nodes, "already_installed"):
            findings.append(("alicloud.virtualNodes.alreadyInstalled", "is required with alicloud.cluster.existing and "
                             "virtual nodes enabled: whether the adopted cluster already runs the ack-virtual-node add-on "
                             "cannot be looked up", "set alreadyInstalled: true if the cluster runs it (the stack uses it "
                             "and never changes it), or false to have the stack install and own it (and uninstall it on "
                             "destroy)"))
        if existing.pod_vswitch_ids and (virtual_nodes.already_installed or not virtual_nodes.enabled):
            findings.append(("alicloud.cluster.existing.podVswitchIds", "gives ECI pods' vSwitches to an add-on the stack "
                             "does not install (virtual nodes off or already installed)",
                             "remove podVswitchIds; the running add-on's eci-profile keeps its own"))
        return findings
    return [(key, "a cluster the stack creates runs nothing it did not install",
             f"remove {key.rsplit('.', 1)[1]}, or adopt a cluster with alicloud.cluster.existing")
            for key, installed in (("alicloud.virtualNodes.alreadyInstalled", config.alicloud.virtual_nodes.already_installed),
                                   ("alicloud.metricsAdapterAlreadyInstalled",
                                    config.alicloud.metrics_adapter_already_installed)) if installed]


def _check_running_adapter(config: StackConfig) -> list[Finding]:
    """KEDA cannot join a cluster whose QPS metrics adapter already serves external metrics (see ``_check_services``)."""
    if config.cloud != "alicloud" or not config.alicloud.metrics_adapter_already_installed:
        return []
    return [(f"services[{i}].autoscaling.{svc.autoscaling.mode}", "the adopted cluster runs the QPS metrics adapter "
             "(alicloud.metricsAdapterAlreadyInstalled), which serves external.metrics.k8s.io, so KEDA cannot run there",
             "autoscale on qps, cpu or memory, or uninstall the adapter and remove metricsAdapterAlreadyInstalled")
            for i, svc in enumerate(config.services) if svc.autoscaling.uses_keda]


def _owned_option_findings(section: BaseModel, at: str, fields: typing.Iterable[str], adopted: str,
                           undo: str) -> list[Finding]:
    """Each of ``fields`` of ``section`` (at key path ``at``) that the stack file sets, as an error: it shapes a cluster
    the stack creates, but the stack adopts one (``adopted`` says which, ``undo`` how to create one instead)."""
    return [(f"{at}.{to_camel(field)}", f"shapes a cluster the stack creates, but {adopted}",
             f"remove {to_camel(field)} (the adopted cluster keeps its own), or {undo} to create a cluster")
            for field in fields if _set(section, field)]


def _check_adopted_cluster(config: StackConfig) -> list[Finding]:
    """When the stack adopts a cluster (``alicloud.cluster.existing``, ``aws.existingCluster``), what shapes a cluster
    or network the stack creates is an error naming its key."""
    if config.cloud == "alicloud" and config.alicloud.cluster.existing is not None:
        adopted = f"alicloud.cluster.existing adopts cluster {config.alicloud.cluster.existing.cluster_id}"
        findings = _owned_option_findings(config.alicloud.cluster, "alicloud.cluster", OWNED_CLUSTER_OPTIONS, adopted,
                                          "remove existing")
        if _set(config.alicloud, "network"):
            findings.append(("alicloud.network", f"shapes the network of a cluster the stack creates, but {adopted}, "
                             "whose VPC and vSwitches are looked up",
                             "remove network; to pick the node pools' vSwitches, set alicloud.cluster.existing.nodeVswitchIds"))
    elif config.cloud == "aws" and config.aws.existing_cluster is not None:
        adopted = f"aws.existingCluster adopts cluster {config.aws.existing_cluster.name}"
        findings = _owned_option_findings(config.aws, "aws", OWNED_EKS_OPTIONS, adopted, "remove existingCluster")
    else:
        return []
    if _set(config, "zones"):
        findings.append(("zones", f"places the network of a cluster the stack creates, but {adopted}, whose subnets "
                         "fix the zones", "remove zones"))
    return findings


def _check_zones(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    if config.cloud == "existing" or config.adopts_cluster or not config.region:
        return findings
    zones = len(config.zones)
    if config.production and zones < 3:
        findings.append(("zones", f"a production stack needs three zones, not {zones}", "add a third zone"))
    if len(set(config.zones)) != zones:
        findings.append(("zones", "lists a zone twice", "list each zone once"))
    # ACK zones are <region>-<letter> (cn-beijing-h); AWS availability zones <region><letter> (us-east-1a).
    zone_name = re.compile(re.escape(config.region) + (r"-[a-z0-9]+$" if config.cloud == "alicloud" else r"[a-z]$"))
    example = f"{config.region}-<letter>" if config.cloud == "alicloud" else f"{config.region}<letter>"
    for i, zone in enumerate(config.zones):
        if not zone_name.match(zone):
            findings.append((f"zones[{i}]", f"{zone} is not a zone of region {config.region}", f"use zones named {example}"))
    return findings


def _check_network(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    zones = len(config.zones)
    if config.adopts_cluster:  # _check_adopted_cluster refuses the network of a created cluster
        return findings
    if config.cloud == "aws":
        for key, values in (("publicSubnetCidrs", config.aws.public_subnet_cidrs),
                            ("privateSubnetCidrs", config.aws.private_subnet_cidrs)):
            if len(values) != zones:
                findings.append((f"aws.{key}", f"has {len(values)} entries for {zones} zones", "give one per zone, in the order of zones"))
        return findings
    if config.cloud != "alicloud":
        return findings
    net = config.alicloud.network
    per_zone = (("nodeVswitchCidrs", net.node_vswitch_cidrs), ("podVswitchCidrs", net.pod_vswitch_cidrs)) \
        if net.creates_vpc else \
        (("existingNodeVswitchIds", net.existing_node_vswitch_ids), ("existingPodVswitchIds", net.existing_pod_vswitch_ids))
    for key, values in per_zone:
        if len(values) != zones:
            findings.append((f"alicloud.network.{key}", f"has {len(values)} entries for {zones} zones", "give one per zone, in the order of zones"))
    return findings


def _check_service_cidr(config: StackConfig) -> list[Finding]:
    net, service_cidr = config.alicloud.network, config.alicloud.cluster.service_cidr
    if config.cloud != "alicloud" or config.adopts_cluster or not net.creates_vpc or not service_cidr.overlaps(net.vpc_cidr):
        return []
    return [("alicloud.cluster.serviceCidr", f"{service_cidr} overlaps alicloud.network.vpcCidr {net.vpc_cidr}",
             "pick a service CIDR outside the VPC")]


def _check_node_pools(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    if config.cloud != "alicloud":
        return findings
    seen: set[str] = set()
    pools = config.alicloud.node_pools
    for i, pool in enumerate(pools):
        if pool.name in seen:
            findings.append((f"alicloud.nodePools[{i}].name", f"duplicate node pool name {pool.name}", "names must be unique"))
        seen.add(pool.name)
    # An adopted cluster already has the nodes its system add-ons run on.
    if config.alicloud.cluster.creates_cluster and \
            not any(not pool.gpu and pool.spot is None and pool.scaling.min_size >= 1 for pool in pools):
        findings.append(("alicloud.nodePools", "no pay-as-you-go CPU pool with at least one node for system add-ons",
                         "add a small non-spot pool (minSize >= 1) without GPUs"))
    return findings


ECI_ONLY_BURST_OPTIONS = {"eci_gpu_specs": "eciGpuSpecs", "image_cache": "imageCache", "spot": "spot"}
"""``burst`` options that are ECI pod annotations: they mean nothing outside ACK."""


def _check_service_cloud(config: StackConfig, at: str, svc: ServiceConfig) -> list[Finding]:
    """What a catalog entry may ask of the stack's cloud: burst target, autoscaler, model source, placement."""
    findings: list[Finding] = []
    cloud = config.cloud
    burst = svc.burst
    if cloud == "alicloud":
        if burst.mode != "none" and svc.resources.gpus > 0 and not burst.eci_gpu_specs:
            findings.append((f"{at}.burst.eciGpuSpecs", f"a GPU service bursting to ECI ({burst.mode}) needs ECI GPU instance types",
                             "list GPU specs such as ecs.gn6i-c4g1.xlarge"))
        if burst.mode != "none" and not config.alicloud.virtual_nodes.enabled:
            findings.append((f"{at}.burst.mode", "bursting needs virtual nodes, but alicloud.virtualNodes.enabled is false",
                             "enable alicloud.virtualNodes or set burst.mode: none"))
    else:
        findings += [(f"{at}.burst.{key}", f"is an ECI option, but cloud is {cloud}", f"remove burst.{key}")
                     for field, key in ECI_ONLY_BURST_OPTIONS.items() if _set(burst, field)]
        if svc.autoscaling.mode == "qps":
            findings.append((f"{at}.autoscaling.qps", f"QPS autoscaling reads ACK's SLS ingress logs, which cloud {cloud} does not have",
                             "autoscale with keda on a Prometheus query of ingress-nginx metrics, e.g. "
                             "sum(rate(nginx_ingress_controller_requests{ingress=\"<name>\"}[1m])), or on cpu/memory"))
    if cloud == "aws" and burst.mode != "none":
        if svc.resources.gpus > 0:
            findings.append((f"{at}.burst.mode", "Fargate has no GPUs, so a GPU service cannot burst on aws",
                             "set burst.mode: none (the GPU Auto Scaling group scales out), or gpus: 0"))
        elif burst.mode == "overflow":
            findings.append((f"{at}.burst.mode", "Fargate places every pod its profile selects, so there is no nodes-first "
                             "overflow on aws", "use burst.mode: only (all replicas on Fargate) or none (the cluster autoscaler adds nodes)"))
        if svc.model.source == "store":
            findings.append((f"{at}.model.source", "the Mountpoint for S3 CSI driver does not run on Fargate, so a bursting "
                             "service cannot mount the model store", "use model.source: s3 (Triton reads the bucket through IRSA)"))
    if cloud == "aws" and svc.model.source == "s3" and svc.server == "seldon":
        findings.append((f"{at}.model.source", "Seldon's storage initializer reads S3 with access keys, which aws does not use",
                         "use model.source: store (the model store is mounted with IRSA) or server: triton"))
    if cloud != "alicloud" and svc.ingress is not None and not svc.network_policy.allow_from_namespaces:
        findings.append((f"{at}.networkPolicy.allowFromNamespaces", f"the service has an Ingress, but on cloud {cloud} this "
                         "program installs no ingress controller, so its NetworkPolicy admits none",
                         "list the namespace the ingress controller runs in, e.g. [ingress-nginx]"))
    if cloud == "existing" and burst.mode != "none":
        findings.append((f"{at}.burst.mode", "an existing cluster has no burst capacity this program manages", "set burst.mode: none"))
    selector = svc.placement.node_selector
    groups = [(group.labels, group.gpu) for group in node_groups(config)]
    if groups and selector and not any(selector.items() <= labels.items() for labels, _ in groups):
        findings.append((f"{at}.placement.nodeSelector", f"no node pool has the labels {selector}",
                         "use labels of a node pool (alicloud: alicloud.nodePools, aws: aws.systemNodes/aws.gpuNodes)"))
    if groups and burst.mode == "none" and svc.resources.gpus > 0 \
            and not any(gpu and selector.items() <= labels.items() for labels, gpu in groups):
        findings.append((f"{at}.resources.gpus", "no GPU node group matches this service's placement",
                         "add GPU capacity with these labels" + (" or burst to ECI" if cloud == "alicloud" else "")))
    claim = config.model_claim
    if svc.model.source == "store":
        if claim is None:
            findings.append((f"{at}.model.source", "source store needs a model store, but existing.modelClaim is not set",
                             "set existing.modelClaim (namespace, name) or use source: s3"))
        elif svc.namespace != claim.namespace:
            findings.append((f"{at}.namespace", f"the model store's claim lives in {claim.namespace}",
                             f"run services that read the model store in namespace {claim.namespace}"))
    if svc.model.source == "s3" and cloud != "aws" and config.s3_model_repository is None:
        findings.append((f"{at}.model.source", "source s3 needs s3ModelRepository", "configure s3ModelRepository"))
    return findings


def _check_services(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    for i, svc in enumerate(config.services):
        at = f"services[{i}]"
        key = (svc.namespace, svc.name)
        if key in seen:
            findings.append((f"{at}.name", f"duplicate service {svc.namespace}/{svc.name} (also services[{seen[key]}])",
                             "service names must be unique within a namespace"))
        seen.setdefault(key, i)
        findings += _check_service_cloud(config, at, svc)
        if config.production and svc.ingress is not None and not svc.ingress.tls:
            findings.append((f"{at}.ingress.tls", "a production stack serves every Ingress over TLS, but this one opts out",
                             "remove tls: false and name the host's certificate Secret in tlsSecretName"))
    modes = {s.autoscaling.mode for s in config.services}
    if "qps" in modes and any(s.autoscaling.uses_keda for s in config.services):
        findings.append(("services", "mixes qps and keda (or gpu) autoscaling; the QPS metrics adapter and KEDA both serve "
                         "external.metrics.k8s.io and cannot run in one cluster",
                         "use keda (e.g. a Prometheus query on ingress-nginx metrics) or qps for every service of this stack"))
    if config.cloud != "aws" and any(s.model.source == "s3" for s in config.services) and config.s3_credentials is None:
        findings.append(("s3Credentials", "services read models from S3 but no credentials are configured",
                         "pulumi config set --secret --path s3Credentials.accessKeyId ... (and s3Credentials.secretAccessKey)"))
    return findings


def _check_metrics_backend(config: StackConfig) -> list[Finding]:
    """KEDA triggers without a ``serverAddress`` and GPU autoscaling query the stack's metrics backend, so there must
    be one; GPU utilisation comes from the DCGM exporter, which runs on nodes, not on burst capacity. A managed
    backend is a cloud's (ARMS, AMP), and an AMP workspace to adopt exists only on aws."""
    findings: list[Finding] = []
    observability = config.observability
    if observability.backend == "managed" and config.cloud not in ("alicloud", "aws"):
        findings.append(("observability.backend", f"managed is the cloud's Prometheus, and cloud {config.cloud} has none",
                         "choose inCluster, or external with the URL of your Prometheus"))
    if observability.managed.workspace_id is not None and config.cloud != "aws":
        findings.append(("observability.managed.workspaceId", f"{observability.managed.workspace_id!r} is an AMP "
                         f"workspace, which only cloud aws uses (cloud is {config.cloud})", "remove workspaceId"))
    if "agent_chart" in observability.managed.model_fields_set and config.cloud != "aws":
        findings.append(("observability.managed.agentChart", f"is the chart of AMP's agent, which only cloud aws runs "
                         f"(cloud is {config.cloud}; ARMS brings its own agent)", "remove agentChart"))
    for i, svc in enumerate(config.services):
        scaling, at = svc.autoscaling, f"services[{i}].autoscaling"
        if config.observability.backend == "none":
            if scaling.keda is not None and scaling.keda.server_address is None:
                findings.append((f"{at}.keda.serverAddress", "is not set, and observability.backend is none, so there is no "
                                 "Prometheus to query", "set serverAddress, or choose observability.backend inCluster, managed or external"))
            if scaling.gpu is not None:
                findings.append((f"{at}.gpu", "GPU utilisation is read from the metrics backend, but observability.backend is none",
                                 "choose observability.backend inCluster, managed or external"))
        if scaling.gpu is not None and svc.burst.mode == "only":
            findings.append((f"{at}.gpu", "the DCGM exporter runs on the cluster's GPU nodes, not on burst capacity, so "
                             "pods of a burst.mode only service have no GPU utilisation", "set burst.mode none or overflow, "
                             "or autoscale on keda with a request metric"))
    return findings


def _check_buckets_kept(config: StackConfig) -> list[Finding]:
    """A production stack keeps its model objects: no ``forceDestroy`` on a bucket it creates."""
    if not config.production:
        return []
    stores = [("s3ModelRepository", config.s3_model_repository)]
    stores += [("alicloud.modelStore", config.alicloud.model_store)] if config.cloud == "alicloud" else []
    stores += [("aws.modelStore", config.aws.model_store)] if config.cloud == "aws" else []
    return [(f"{at}.forceDestroy", "is true, but a production stack protects its model bucket and never deletes its objects",
             f"remove {at}.forceDestroy; to retire the bucket, unprotect it and empty it deliberately")
            for at, store in stores if store is not None and store.force_destroy]


def _check_s3_reader_paths(config: StackConfig) -> list[Finding]:
    """On aws with ``aws.modelStore.prefix``, the IRSA reader role may read only that prefix, and services with
    ``model.source: s3`` name their model from the bucket's root: their path must lie under the prefix."""
    prefix = config.aws.model_store.key_prefix
    if config.cloud != "aws" or not prefix:
        return []
    return [(f"services[{i}].model.path", f"{svc.model.path!r} is outside aws.modelStore.prefix {prefix!r}, the only part "
             "of the bucket the stack's IRSA roles may read (model.source s3 paths start at the bucket's root)",
             f"use a path under the prefix, e.g. {prefix}{svc.model.path}")
            for i, svc in enumerate(config.services) if svc.model.source == "s3" and not svc.model.path.startswith(prefix)]


def _check_secrets_encryption(config: StackConfig) -> list[Finding]:
    """Production clusters envelope-encrypt Secrets with a KMS key, and a given EKS key is in the stack's region (EKS
    and ACK both need the key in the cluster's region)."""
    findings: list[Finding] = []
    if config.cloud == "alicloud" and config.production and config.alicloud.cluster.creates_cluster \
            and config.alicloud.cluster.secrets_encryption is None:
        findings.append(("alicloud.cluster.secretsEncryption", "a production stack encrypts Kubernetes Secrets with a "
                         "KMS key, but none is set", "create a symmetric Aliyun_AES_256 key in the stack's region and "
                         "set alicloud.cluster.secretsEncryption.kmsKeyId"))
    encryption = config.aws.secrets_encryption
    if config.cloud == "aws":
        if config.production and not encryption.enabled:
            findings.append(("aws.secretsEncryption.enabled", "a production stack encrypts Kubernetes Secrets with a KMS "
                             "key, but this turns it off", "remove enabled: false"))
        key_region = encryption.kms_key_arn.split(":")[3] if encryption.kms_key_arn else None
        if key_region and config.region and key_region != config.region:
            findings.append(("aws.secretsEncryption.kmsKeyArn", f"the key is in {key_region}, but the cluster in "
                             f"{config.region}; EKS takes a key of the cluster's region only",
                             f"give a key of {config.region}, or remove kmsKeyArn to have the stack create one"))
    return findings


CROSS_SECTION_RULES: tuple[CrossSectionRule, ...] = (
    CrossSectionRule(frozenset({"cloud", "production", "alicloud.modelStore", "aws.modelStore", "s3ModelRepository"}), _check_buckets_kept),
    CrossSectionRule(frozenset({"cloud", "services", "aws.modelStore"}), _check_s3_reader_paths),
    # Whether a section is set is known even when its content is invalid: the rule reads only the cloud.
    CrossSectionRule(frozenset({"cloud"}), _check_cloud_sections),
    CrossSectionRule(frozenset({"cloud", "region", "zones", "s3ModelRepository", "s3Credentials",
                                "alicloud.cluster.existing", "aws.existingCluster"}), _check_cloud_keys),
    CrossSectionRule(frozenset({"cloud", "production", "zones", "region", "alicloud.cluster.existing",
                                "aws.existingCluster"}), _check_zones),
    # Reads which options the stack file sets, which even a section with a mistake elsewhere in it still says.
    CrossSectionRule(frozenset({"cloud", "zones", "alicloud.cluster.existing", "aws.existingCluster"}), _check_adopted_cluster),
    CrossSectionRule(frozenset({"cloud", "alicloud.cluster", "alicloud.virtualNodes", "alicloud.metricsAdapterAlreadyInstalled"}),
                     _check_already_installed),
    CrossSectionRule(frozenset({"cloud", "services", "alicloud.metricsAdapterAlreadyInstalled"}), _check_running_adapter),
    CrossSectionRule(frozenset({"cloud", "zones", "alicloud.network", "alicloud.cluster.existing", "aws"}), _check_network),
    CrossSectionRule(frozenset({"cloud", "alicloud.network", "alicloud.cluster"}), _check_service_cidr),
    CrossSectionRule(frozenset({"cloud", "alicloud.nodePools", "alicloud.cluster"}), _check_node_pools),
    CrossSectionRule(frozenset({"cloud", "production", "services", "alicloud.nodePools", "alicloud.virtualNodes",
                                "alicloud.modelStore", "aws", "existing", "s3ModelRepository", "s3Credentials"}),
                     _check_services),
    CrossSectionRule(frozenset({"cloud", "production", "region", "alicloud.cluster", "aws"}), _check_secrets_encryption),
    CrossSectionRule(frozenset({"cloud", "services", "observability"}), _check_metrics_backend),
    CrossSectionRule(frozenset({"cloud", "services", "alicloud.nodePools", "aws"}), check_instance_types),
    CrossSectionRule(frozenset({"cloud", "services", "alicloud.nodePools", "aws"}), check_fit),
)

# Imported last: the rules of stackconfig.limits are CrossSectionRules of this module.
from .limits import LIMIT_RULES  # noqa: E402

CROSS_SECTION_RULES += LIMIT_RULES
