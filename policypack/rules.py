"""The guardrails as plain functions over a neutral view of resources: one implementation, two entry points.

``pulumi preview --policy-pack policypack`` runs them through ``pulumi_policy`` (``policypack/pack.py``);
the offline plan runs them on its resource list (``planner/policies.py``). Each policy is a function declared
with :func:`policy` or :func:`stack_policy` (its name, enforcement level and settings); the function's docstring
is the description ``pulumi preview`` shows, and :data:`RULES` lists the policies in definition order. Both build a
:class:`ResourceView` per resource (inputs in the provider's camelCase, as the engine sends them) and a
:class:`Settings` from the same per-stack config file, so a rule cannot behave differently in the two.

Policy config (``policypack/config/<stack>.json``) uses Pulumi's ``--policy-pack-config`` format: an object
keyed by policy name, each value either an enforcement level (``"advisory"``, ``"mandatory"``,
``"disabled"``) or an object with an optional ``enforcementLevel`` and the policy's settings, e.g.
``{"node-pool-bounds": {"maxNodePoolSize": 30}, "stateful-resources-protected": {"production": true}}``.
A setting a policy does not get from the file keeps its default from :class:`Settings` (the only place
defaults live). Each policy reads only the settings listed in its :attr:`Rule.settings`, because Pulumi hands
a policy only its own config.

This module uses the standard library only: the policy pack's virtualenv has ``pulumi_policy`` and
nothing of this repository's other requirements.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence  # not typing's aliases: isinstance on those is slow
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar, Union

from .credentials import credential_name, credential_value
from .metadata import EC2_METADATA_CIDRS, ECS_METADATA_CIDRS, METADATA_CIDRS
from .sentinels import SECRET_MARK, UNKNOWN_MARK

ADVISORY = "advisory"
MANDATORY = "mandatory"
DISABLED = "disabled"
REMEDIATE = "remediate"
ENFORCEMENT_LEVELS = (ADVISORY, MANDATORY, REMEDIATE, DISABLED)


@dataclass(frozen=True)
class ResourceView:
    """What a rule may look at: the same fields under ``pulumi preview`` and in the offline plan."""

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    protect: bool = False
    dependencies: frozenset[str] = frozenset()
    """URNs of the resources this one depends on (its inputs' resources and ``depends_on``)."""

    @property
    def kind(self) -> str | None:
        """The Kubernetes ``kind`` of a Kubernetes object, else None."""
        if self.type.startswith("kubernetes:") and isinstance(self.inputs.get("kind"), str):
            return self.inputs["kind"]
        return None


@dataclass(frozen=True)
class Settings:
    """Per-stack settings of the policies, with their defaults (camelCase names in the config file)."""

    production: bool = False
    """The stack runs production: stateful resources protected, Ingresses over TLS, API server and ingress load balancer not open to the world."""
    minOnDemandPercentage: int = 10  # noqa: N815 - the config file's key
    """Lowest pay-as-you-go share above the base capacity of a spot pool, in percent."""
    maxOnDemandPercentage: int = 100  # noqa: N815
    """Highest pay-as-you-go share of a spot pool, in percent (100 allows a spot pool kept on-demand for a while)."""
    maxReplicas: int = 10  # noqa: N815
    """Cap on the maximum replica count of any HPA, ScaledObject or Seldon autoscaler: a cost ceiling."""
    maxNodePoolSize: int = 10  # noqa: N815
    """Cap on ``scalingConfig.maxSize`` of any node pool: a cost ceiling."""


SETTING_SCHEMAS: dict[str, dict[str, Any]] = {
    "production": {"type": "boolean", "description": "The stack runs production."},
    "minOnDemandPercentage": {"type": "integer", "minimum": 0, "maximum": 100,
                              "description": "Lowest pay-as-you-go share of a spot pool above its base, in percent."},
    "maxOnDemandPercentage": {"type": "integer", "minimum": 0, "maximum": 100,
                              "description": "Highest pay-as-you-go share of a spot pool, in percent."},
    "maxReplicas": {"type": "integer", "minimum": 1, "description": "Cap on any autoscaler's maximum replicas."},
    "maxNodePoolSize": {"type": "integer", "minimum": 1, "description": "Cap on any node pool's maximum size."},
}
"""JSON schema of each setting (the pack's ``config_schema``); the default is added from :class:`Settings`."""


Finding = tuple[ResourceView, str]
ResourceCheck = Callable[[ResourceView, Settings], list[str]]
StackCheck = Callable[[Sequence[ResourceView], Settings], list[Finding]]


@dataclass(frozen=True)
class Rule:
    name: str
    enforcement: str
    description: str
    """What the policy requires and why (shown by ``pulumi preview`` with every violation)."""
    check: Union[ResourceCheck, StackCheck]
    stack: bool = False
    """A stack rule sees every resource at once (relations between resources); else one resource at a time."""
    settings: tuple[str, ...] = ()


_DECLARED: list[Rule] = []
Check = TypeVar("Check", ResourceCheck, StackCheck)


def _declare(name: str, enforcement: str, settings: tuple[str, ...], stack: bool) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if not check.__doc__:
            raise TypeError(f"policy {name}: its docstring is the description pulumi preview shows; it has none")
        description = " ".join(check.__doc__.split())  # the docstring's line breaks and indents are layout
        _DECLARED.append(Rule(name, enforcement, description, check, stack, settings))
        return check
    return register


def policy(name: str, enforcement: str, settings: tuple[str, ...] = ()) -> Callable[[ResourceCheck], ResourceCheck]:
    """Declare a policy checked on one resource at a time that reads the :class:`Settings` fields in ``settings``."""
    return _declare(name, enforcement, settings, stack=False)


def stack_policy(name: str, enforcement: str, settings: tuple[str, ...] = ()) -> Callable[[StackCheck], StackCheck]:
    """Declare a policy checked on every resource at once, for relations between resources (see :func:`policy`)."""
    return _declare(name, enforcement, settings, stack=True)


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str
    name: str
    message: str


# --------------------------------------------------------------------------- value helpers


def as_int(value: Any) -> int | None:
    """An integer input that may arrive as a number or a string (the SDK's on-demand counts are strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def is_known(value: Any) -> bool:
    return value is not None and value != UNKNOWN_MARK


def get_path(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every ``(dotted path, key, value)`` below ``value``; list items are ``[i]`` with the key None."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, key, item
            yield from walk(item, child)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            child = f"{path}[{index}]"
            yield child, None, item
            yield from walk(item, child)


def _has_key(value: Any, wanted: str) -> bool:
    """Whether a mapping anywhere below ``value`` has the key ``wanted``: :func:`walk` without building paths."""
    if isinstance(value, Mapping):
        return wanted in value or any(_has_key(item, wanted) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_key(item, wanted) for item in value)
    return False


# --------------------------------------------------------------------------- Kubernetes helpers

WORKLOAD_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
"""Where each workload kind keeps its pod spec."""


def pod_specs(resource: ResourceView) -> list[Mapping[str, Any]]:
    """The pod specs a Kubernetes object runs: a workload's template, or a SeldonDeployment's componentSpecs."""
    kind = resource.kind
    if kind in WORKLOAD_POD_SPEC_PATHS:
        spec = get_path(resource.inputs, *WORKLOAD_POD_SPEC_PATHS[kind])
        return [spec] if isinstance(spec, Mapping) else []
    if kind == "SeldonDeployment":
        return [
            component["spec"]
            for predictor in get_path(resource.inputs, "spec", "predictors") or []
            for component in (predictor.get("componentSpecs") or [])
            if isinstance(component.get("spec"), Mapping)
        ]
    return []


def containers(pod_spec: Mapping[str, Any], include_init: bool = True) -> list[Mapping[str, Any]]:
    found = list(pod_spec.get("containers") or [])
    if include_init:
        found += list(pod_spec.get("initContainers") or [])
    return [c for c in found if isinstance(c, Mapping)]


def is_deployment(resource: ResourceView) -> bool:
    """Every Deployment this program registers serves a model: add-ons arrive as Helm releases, not Deployments."""
    return resource.kind == "Deployment"


def is_inference_workload(resource: ResourceView) -> bool:
    """A Deployment, or a SeldonDeployment whose pods Seldon's operator creates from its componentSpecs."""
    return is_deployment(resource) or resource.kind == "SeldonDeployment"


# --------------------------------------------------------------------------- the policies


AUTO_SCALING_GROUP = "aws:autoscaling/group:Group"


def _share_problems(share_given: Any, settings: Settings, what: str) -> list[str]:
    share = as_int(share_given)
    if share_given is None:
        return [f"{what} does not set onDemandPercentageAboveBaseCapacity (its pay-as-you-go share)"]
    if share is not None and not settings.minOnDemandPercentage <= share <= settings.maxOnDemandPercentage:
        return [f"{what} keeps {share} % pay-as-you-go above its base; the stack allows "
                f"{settings.minOnDemandPercentage}-{settings.maxOnDemandPercentage} %"]
    return []


@policy("spot-on-demand-share", MANDATORY, settings=("minOnDemandPercentage", "maxOnDemandPercentage"))
def spot_on_demand_share(resource: ResourceView, settings: Settings) -> list[str]:
    """Spot capacity (ACK spot node pools, EKS mixed-instances groups) keeps a pay-as-you-go share within the
    stack's bounds, and ACK pools keep compensateWithOnDemand on: when spot capacity is reclaimed or out of stock,
    inference keeps running on pay-as-you-go nodes."""
    if resource.type == AUTO_SCALING_GROUP:
        distribution = get_path(resource.inputs, "mixedInstancesPolicy", "instancesDistribution")
        if not isinstance(distribution, Mapping):
            return []
        return _share_problems(distribution.get("onDemandPercentageAboveBaseCapacity"), settings,
                               "mixed-instances group")
    if resource.type != "alicloud:cs/nodePool:NodePool":
        return []
    strategy = resource.inputs.get("spotStrategy")
    if strategy in (None, "NoSpot"):
        return []
    problems = _share_problems(resource.inputs.get("onDemandPercentageAboveBaseCapacity"), settings, "spot pool")
    if resource.inputs.get("compensateWithOnDemand") is not True:
        problems.append("spot pool must set compensateWithOnDemand: true, or a spot shortage leaves GPU pods pending")
    return problems


def _literal(value: Any) -> bool:
    return isinstance(value, str) and value not in ("", SECRET_MARK, UNKNOWN_MARK)


def _is_kubernetes_secret_payload(resource: ResourceView, path: str) -> bool:
    """A Kubernetes Secret's ``data``/``stringData``: pulumi-kubernetes always stores them as secrets (PR #803)."""
    return resource.kind == "Secret" and path.split(".")[0].split("[")[0] in ("data", "stringData")


def _is_provider_kubeconfig(resource: ResourceView, path: str) -> bool:
    """A Kubernetes provider's ``kubeconfig``: how the provider reaches the cluster, passed as a secret Output
    (the ACK kubeconfig holds a client key); under ``pulumi preview`` policies see it decrypted."""
    return resource.type == "pulumi:providers:kubernetes" and path == "kubeconfig"


@policy("no-credentials-in-inputs", MANDATORY)
def no_credentials(resource: ResourceView, settings: Settings) -> list[str]:
    """No AccessKey id, AWS access key or password as a plain value in any input: state and plans are read by many
    people. Use RRSA (workload identity), or a Kubernetes Secret fed from a secure config value."""
    problems = []
    # The two exemptions hold for two kinds of resource only: asked once per resource, not at every value.
    secret, provider = resource.kind == "Secret", resource.type == "pulumi:providers:kubernetes"
    for path, key, value in walk(resource.inputs):
        if (secret and _is_kubernetes_secret_payload(resource, path)) or (provider and _is_provider_kubeconfig(resource, path)):
            continue
        if isinstance(value, str) and (credential := credential_value(value)):
            problems.append(f"{path} holds {credential}")
        elif isinstance(key, str) and credential_name(key) and _literal(value):
            problems.append(f"{path} is a credential set as a plain value")
        elif key is None and isinstance(value, Mapping) and isinstance(value.get("name"), str) \
                and credential_name(value["name"]) and _literal(value.get("value")):
            # Container env: [{name: AWS_SECRET_ACCESS_KEY, value: ...}] instead of valueFrom.secretKeyRef.
            problems.append(f"{path} sets {value['name']} as a plain value; use valueFrom.secretKeyRef")
    return problems


OSS_BUCKET = "alicloud:oss/bucket:Bucket"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


def _bucket_name(resource: ResourceView) -> Any:
    return resource.inputs.get("bucket")


def _settings_of(bucket: ResourceView, resources: Sequence[ResourceView], types: tuple[str, ...]) -> list[ResourceView]:
    """The resources of ``types`` that configure ``bucket``: they name it, or depend on it while its name is unknown."""
    name = _bucket_name(bucket)
    return [r for r in resources if r.type in types
            and ((is_known(name) and r.inputs.get("bucket") == name)
                 or (not is_known(r.inputs.get("bucket")) and bucket.urn in r.dependencies))]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _denies_plain_transport(statement: Any, service: str, key: str) -> bool:
    """A statement that denies everyone every ``<service>:*`` action on the bucket and its objects when ``key``
    (``aws:SecureTransport``, ``acs:SecureTransport``) is false."""
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    principals = _as_list(principal.get("AWS") if isinstance(principal, Mapping) else principal)
    resources = [r for r in _as_list(statement.get("Resource")) if isinstance(r, str)]
    condition = get_path(statement, "Condition", "Bool", key)
    return ("*" in principals and f"{service}:*" in _as_list(statement.get("Action"))
            and any(r.endswith("/*") for r in resources) and any(not r.endswith("*") for r in resources)
            and [str(v).lower() for v in _as_list(condition)] == ["false"])


def _tls_only_problems(bucket: ResourceView, resources: Sequence[ResourceView], policy_type: str, service: str,
                       key: str) -> list[str]:
    """The bucket needs a policy denying requests without TLS; a policy still unknown at preview is checked at up."""
    for policy in _settings_of(bucket, resources, (policy_type,)):
        document = policy.inputs.get("policy")
        if not is_known(document):
            return []
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                continue
        if any(_denies_plain_transport(s, service, key) for s in _as_list(get_path(document, "Statement"))):
            return []
    return [f"needs a bucket policy denying {service}:* on the bucket and its objects when {key} is false"]


def _oss_bucket_problems(bucket: ResourceView, resources: Sequence[ResourceView]) -> list[str]:
    problems = []
    if bucket.inputs.get("acl") not in (None, "private"):
        problems.append(f"inline acl is {bucket.inputs['acl']!r}")
    acls = _settings_of(bucket, resources, ("alicloud:oss/bucketAcl:BucketAcl",))
    if not acls or any(a.inputs.get("acl") != "private" for a in acls):
        problems.append("needs an oss.BucketAcl with acl private")
    versioning = _settings_of(bucket, resources, ("alicloud:oss/bucketVersioning:BucketVersioning",))
    if not any(v.inputs.get("status") == "Enabled" for v in versioning):
        problems.append("needs an oss.BucketVersioning with status Enabled")
    encryption = _settings_of(bucket, resources, ("alicloud:oss/bucketServerSideEncryption:BucketServerSideEncryption",))
    if not any(e.inputs.get("sseAlgorithm") in ("AES256", "KMS", "SM4") for e in encryption):
        problems.append("needs an oss.BucketServerSideEncryption (AES256, KMS or SM4)")
    blocks = _settings_of(bucket, resources, ("alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock",))
    if not any(b.inputs.get("blockPublicAccess") is True for b in blocks):
        problems.append("needs an oss.BucketPublicAccessBlock with blockPublicAccess true")
    return problems + _tls_only_problems(bucket, resources, "alicloud:oss/bucketPolicy:BucketPolicy", "oss",
                                         "acs:SecureTransport")


S3_PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _s3_bucket_problems(bucket: ResourceView, resources: Sequence[ResourceView]) -> list[str]:
    problems = []
    acls = _settings_of(bucket, resources, ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"))
    if bucket.inputs.get("acl") not in (None, "private") or any(a.inputs.get("acl") not in (None, "private") for a in acls):
        problems.append("has a non-private ACL")
    versioning = _settings_of(bucket, resources, ("aws:s3/bucketVersioning:BucketVersioning",
                                                  "aws:s3/bucketVersioningV2:BucketVersioningV2"))
    if not any(get_path(v.inputs, "versioningConfiguration", "status") == "Enabled" for v in versioning):
        problems.append("needs an s3.BucketVersioning with status Enabled")
    encryption = _settings_of(bucket, resources, (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"))
    if not any(get_path(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
               for e in encryption for rule in e.inputs.get("rules") or []):
        problems.append("needs an s3.BucketServerSideEncryptionConfiguration with a default algorithm")
    blocks = _settings_of(bucket, resources, ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",))
    if not any(all(b.inputs.get(flag) is True for flag in S3_PUBLIC_ACCESS_FLAGS) for b in blocks):
        problems.append(f"needs an s3.BucketPublicAccessBlock with {', '.join(S3_PUBLIC_ACCESS_FLAGS)} all true")
    return problems + _tls_only_problems(bucket, resources, "aws:s3/bucketPolicy:BucketPolicy", "s3", "aws:SecureTransport")


@stack_policy("buckets-locked-down", MANDATORY)
def buckets_locked_down(resources: Sequence[ResourceView], settings: Settings) -> list[Finding]:
    """Every OSS and S3 bucket has a private ACL, server-side encryption, versioning, a public access block and a
    policy denying requests without TLS (each a separate resource): models are intellectual property, must survive
    an overwrite and never cross a network in the clear."""
    findings: list[Finding] = []
    for bucket in resources:
        if bucket.type == OSS_BUCKET:
            findings += [(bucket, p) for p in _oss_bucket_problems(bucket, resources)]
        elif bucket.type in S3_BUCKETS:
            findings += [(bucket, p) for p in _s3_bucket_problems(bucket, resources)]
    return findings


GPU_RESOURCES = ("nvidia.com/gpu", "aliyun.com/gpu-mem", "aliyun.com/gpu-core.percentage")


@policy("gpu-requests-match-limits", MANDATORY)
def gpu_requests_match_limits(resource: ResourceView, settings: Settings) -> list[str]:
    """GPU containers request exactly what they limit: the scheduler then places them only where the GPU, CPU and
    memory really are, and the pods get Guaranteed QoS."""
    problems = []
    for spec in pod_specs(resource):
        for container in containers(spec):
            limits = get_path(container, "resources", "limits") or {}
            requests = get_path(container, "resources", "requests") or {}
            if not any(g in limits or g in requests for g in GPU_RESOURCES):
                continue
            for name in sorted(set(limits) | set(requests)):
                if str(requests.get(name)) != str(limits.get(name)):
                    problems.append(f"container {container.get('name')}: requests {name}={requests.get(name)} "
                                    f"but limits {name}={limits.get(name)}")
    return problems


def _bounds(low: Any, high: Any, cap: int, what: str) -> list[str]:
    low_value, high_value = as_int(low), as_int(high)
    problems = []
    if low_value is not None and high_value is not None and low_value > high_value:
        problems.append(f"{what}: minimum {low_value} is greater than maximum {high_value}")
    if high_value is not None and high_value > cap:
        problems.append(f"{what}: maximum {high_value} is over this stack's cap of {cap}")
    return problems


@policy("workload-autoscaler-bounds", MANDATORY, settings=("maxReplicas",))
def workload_autoscaler_bounds(resource: ResourceView, settings: Settings) -> list[str]:
    """HPAs, KEDA ScaledObjects and Seldon autoscalers have min ≤ max and max under the stack's cap: a typo in a
    replica count must not buy a hundred GPUs."""
    spec = resource.inputs.get("spec") or {}
    cap = settings.maxReplicas
    if resource.kind == "HorizontalPodAutoscaler":
        return _bounds(spec.get("minReplicas", 1), spec.get("maxReplicas"), cap, "HorizontalPodAutoscaler")
    if resource.kind == "ScaledObject":
        # KEDA's defaults: minReplicaCount 0, maxReplicaCount 100.
        return _bounds(spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100), cap, "ScaledObject")
    if resource.kind == "SeldonDeployment":
        problems = []
        for predictor in spec.get("predictors") or []:
            for index, component in enumerate(predictor.get("componentSpecs") or []):
                where = f"predictor {predictor.get('name')} componentSpecs[{index}]"
                if isinstance(component.get("hpaSpec"), Mapping):
                    hpa = component["hpaSpec"]
                    problems += _bounds(hpa.get("minReplicas", 1), hpa.get("maxReplicas"), cap, f"{where}.hpaSpec")
                if isinstance(component.get("kedaSpec"), Mapping):
                    keda = component["kedaSpec"]
                    problems += _bounds(keda.get("minReplicaCount", 0), keda.get("maxReplicaCount", 100), cap,
                                        f"{where}.kedaSpec")
        return problems
    return []


@policy("node-pool-bounds", MANDATORY, settings=("maxNodePoolSize",))
def node_pool_bounds(resource: ResourceView, settings: Settings) -> list[str]:
    """Node pools have minSize ≤ maxSize and maxSize under the stack's cap: the autoscaler never buys more nodes
    than the environment's budget allows."""
    if resource.type in ("alicloud:cs/nodePool:NodePool", "aws:eks/nodeGroup:NodeGroup"):
        scaling = resource.inputs.get("scalingConfig") or {}
        return _bounds(scaling.get("minSize"), scaling.get("maxSize"), settings.maxNodePoolSize, "scalingConfig")
    if resource.type == AUTO_SCALING_GROUP:
        return _bounds(resource.inputs.get("minSize"), resource.inputs.get("maxSize"), settings.maxNodePoolSize,
                       "Auto Scaling group")
    return []


@policy("inference-readiness-probes", MANDATORY)
def inference_readiness_probes(resource: ResourceView, settings: Settings) -> list[str]:
    """Inference containers have readiness probes: a replica gets traffic only once its model is loaded."""
    if not is_deployment(resource):
        return []
    return [f"container {c.get('name')} has no readinessProbe"
            for spec in pod_specs(resource) for c in containers(spec, include_init=False)
            if not isinstance(c.get("readinessProbe"), Mapping)]


def _selects(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a PDB's or NetworkPolicy's ``matchLabels`` select pods with ``labels`` (``matchExpressions`` are not evaluated)."""
    match = get_path(selector, "matchLabels")
    return isinstance(match, Mapping) and bool(match) and all(labels.get(k) == v for k, v in match.items())


@stack_policy("inference-pod-disruption-budget", MANDATORY)
def inference_pod_disruption_budget(resources: Sequence[ResourceView], settings: Settings) -> list[Finding]:
    """Each inference Deployment has a PodDisruptionBudget (each SeldonDeployment component a pdbSpec): node drains
    and spot reclaims never take all replicas at once."""
    budget_selectors: dict[str, list[Any]] = {}  # by namespace
    for budget in resources:
        if budget.kind == "PodDisruptionBudget":
            budget_selectors.setdefault(get_path(budget.inputs, "metadata", "namespace") or "default", []).append(
                get_path(budget.inputs, "spec", "selector"))
    findings: list[Finding] = []
    for workload in filter(is_inference_workload, resources):
        if workload.kind == "SeldonDeployment":  # Seldon's operator makes the budget from each pdbSpec
            findings += [(workload, f"predictor {predictor.get('name')} componentSpecs[{i}] has no pdbSpec")
                         for predictor in get_path(workload.inputs, "spec", "predictors") or []
                         for i, component in enumerate(predictor.get("componentSpecs") or [])
                         if not isinstance(component.get("pdbSpec"), Mapping)]
            continue
        namespace = get_path(workload.inputs, "metadata", "namespace") or "default"
        labels = get_path(workload.inputs, "spec", "template", "metadata", "labels") or {}
        if not any(_selects(selector, labels) for selector in budget_selectors.get(namespace, ())):
            findings.append((workload, "no PodDisruptionBudget in its namespace selects its pods"))
    return findings


SELDON_DEPLOYMENT_ID_LABEL = "seldon-deployment-id"
"""Label Seldon's operator puts on every pod of a SeldonDeployment, valued with its name."""
CLUSTER_METADATA = {"alicloud:cs/managedKubernetes:ManagedKubernetes": ECS_METADATA_CIDRS,
                    "pulumi:providers:alicloud": ECS_METADATA_CIDRS, "aws:eks/cluster:Cluster": EC2_METADATA_CIDRS,
                    "aws:eks/nodeGroup:NodeGroup": EC2_METADATA_CIDRS}
"""The metadata addresses of the nodes of each kind of cluster this program creates or adds to. An adopted cluster is
not in the plan: an ACK platform always has its ``alicloud`` provider (ECS nodes and ECI pods both answer at
100.100.100.200), an EKS one its system node group. On a cluster the program neither creates nor adds to
(``cloud: existing``) every known address must be denied."""


def _pod_labels(workload: ResourceView) -> list[Mapping[str, Any]]:
    """The labels of each kind of pod the workload runs (a SeldonDeployment: one per component)."""
    if workload.kind == "Deployment":
        return [get_path(workload.inputs, "spec", "template", "metadata", "labels") or {}]
    sdep = {SELDON_DEPLOYMENT_ID_LABEL: get_path(workload.inputs, "metadata", "name")}
    return [{**(get_path(component, "metadata", "labels") or {}), **sdep}
            for predictor in get_path(workload.inputs, "spec", "predictors") or []
            for component in predictor.get("componentSpecs") or []] or [sdep]


def _admits(rule: Any, address: str) -> bool:
    """Whether an egress rule lets pods connect to an address outside the cluster: a rule without peers admits
    everything, a pod or namespace selector no address outside the cluster, an ipBlock its CIDR but its exceptions."""
    peers = get_path(rule, "to")
    if not peers:
        return True
    ip = ipaddress.ip_address(address)
    for block in (get_path(peer, "ipBlock") for peer in peers):
        if not isinstance(block, Mapping):
            continue
        cidr = ipaddress.ip_network(str(block.get("cidr")), strict=False)
        if cidr.version == ip.version and ip in cidr and not any(
                ip in ipaddress.ip_network(str(excepted), strict=False) for excepted in block.get("except") or []
                if ipaddress.ip_network(str(excepted), strict=False).version == ip.version):
            return True
    return False


def _from_every_namespace(rule: Any) -> bool:
    """Whether an ingress rule admits pods of every namespace: no ``from``, or a peer with an empty namespace selector."""
    peers = get_path(rule, "from")
    return not peers or any(isinstance(get_path(peer, "namespaceSelector"), Mapping)
                            and not any(get_path(peer, "namespaceSelector").values()) for peer in peers)


def _network_policy_problems(policies: list[Mapping[str, Any]], metadata: Sequence[str]) -> list[str]:
    """What is open about pods that ``policies`` (all that select them) govern: NetworkPolicies add up, so one
    policy that admits a source or destination admits it."""
    governing = {kind: [p for p in policies if kind in (get_path(p, "policyTypes") or [])] for kind in ("Ingress", "Egress")}
    problems = []
    if not governing["Egress"]:
        problems.append("no NetworkPolicy restricts its egress: its pods reach instance metadata and the node's credentials")
    else:
        reached = [a for a in (str(ipaddress.ip_network(c).network_address) for c in metadata)
                   if any(_admits(rule, a) for p in governing["Egress"] for rule in get_path(p, "egress") or [])]
        problems += [f"its NetworkPolicy egress admits the instance metadata address {a}: except it from every ipBlock"
                     for a in reached]
    if not governing["Ingress"]:
        problems.append("no NetworkPolicy restricts its ingress")
    elif any(_from_every_namespace(rule) for p in governing["Ingress"] for rule in get_path(p, "ingress") or []):
        problems.append("its NetworkPolicy admits pods of every namespace: name the ingress controller's, the metrics "
                        "scraper's and its own namespace")
    return problems


@stack_policy("inference-network-policy", MANDATORY, settings=("production",))
def inference_network_policy(resources: Sequence[ResourceView], settings: Settings) -> list[Finding]:
    """In production, NetworkPolicies select the pods of every inference workload, deny their egress to the
    cluster's instance metadata address (ECS 100.100.100.200 on ACK, EC2 IMDS on EKS, both elsewhere) and admit
    ingress only from named namespaces: a compromised server cannot take the node's credentials, and only the
    ingress controller and the metrics scraper reach serving ports."""
    if not settings.production:
        return []
    metadata = [c for r in resources for c in CLUSTER_METADATA.get(r.type, ())] or list(METADATA_CIDRS)
    policies: dict[str, list[Mapping[str, Any]]] = {}  # by namespace
    for policy in resources:
        if policy.kind == "NetworkPolicy":
            policies.setdefault(get_path(policy.inputs, "metadata", "namespace") or "default", []).append(
                policy.inputs.get("spec") or {})
    findings: list[Finding] = []
    for workload in filter(is_inference_workload, resources):
        namespace = get_path(workload.inputs, "metadata", "namespace") or "default"
        for labels in _pod_labels(workload):
            selecting = [p for p in policies.get(namespace, ()) if _selects(get_path(p, "podSelector"), labels)]
            findings += [(workload, problem) for problem in _network_policy_problems(selecting, metadata)]
    return findings


MIN_GRACE_PERIOD_SECONDS = 30
KUBERNETES_DEFAULT_GRACE_PERIOD_SECONDS = 30


@policy("inference-graceful-termination", MANDATORY)
def inference_graceful_termination(resource: ResourceView, settings: Settings) -> list[str]:
    """Inference pods have terminationGracePeriodSeconds of at least 30 (the ESS guide used 1): in-flight requests
    finish when a spot node is reclaimed or the autoscaler scales in."""
    if not is_inference_workload(resource):
        return []
    problems = []
    for spec in pod_specs(resource):
        grace = as_int(spec.get("terminationGracePeriodSeconds", KUBERNETES_DEFAULT_GRACE_PERIOD_SECONDS))
        if grace is not None and grace < MIN_GRACE_PERIOD_SECONDS:
            problems.append(f"terminationGracePeriodSeconds is {grace}; at least {MIN_GRACE_PERIOD_SECONDS} lets "
                            "in-flight requests finish")
    return problems


def image_pinned(image: str) -> bool:
    """An image reference with a digest, or a tag other than ``latest``."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]  # a registry port (host:5000/name) is not a tag
    return ":" in last and last.rsplit(":", 1)[1] not in ("", "latest")


@policy("images-pinned", MANDATORY)
def images_pinned(resource: ResourceView, settings: Settings) -> list[str]:
    """Container images are pinned to a tag other than latest, or a digest: what runs is what was reviewed, and a
    node replacement cannot pull a different server."""
    return [f"container {c.get('name')} runs {c.get('image')!r}, which is not pinned to a tag or digest"
            for spec in pod_specs(resource) for c in containers(spec)
            if isinstance(c.get("image"), str) and is_known(c["image"]) and not image_pinned(c["image"])]


STATEFUL_TYPES = (
    "alicloud:cs/managedKubernetes:ManagedKubernetes",
    "aws:eks/cluster:Cluster",
    "alicloud:oss/bucket:Bucket",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:kms/key:Key",
)


@policy("stateful-resources-protected", MANDATORY, settings=("production",))
def stateful_resources_protected(resource: ResourceView, settings: Settings) -> list[str]:
    """In production, the clusters, the OSS/S3 model buckets and the KMS keys the stack creates are protected, so a
    refactor or a mistaken destroy cannot delete them (a cluster whose key is deleted can no longer read its
    Secrets)."""
    if settings.production and resource.type in STATEFUL_TYPES and not resource.protect:
        return ["holds state in a production stack but is not protected (ResourceOptions protect=True)"]
    return []


@policy("ingress-tls-in-production", MANDATORY, settings=("production",))
def ingress_tls_in_production(resource: ResourceView, settings: Settings) -> list[str]:
    """In production, every Ingress host is served over TLS: inference requests and their answers are customer
    data, and basic-auth passwords would otherwise cross the network in the clear."""
    if not settings.production or resource.kind != "Ingress":
        return []
    spec = resource.inputs.get("spec") or {}
    covered = {host for tls in spec.get("tls") or [] for host in tls.get("hosts") or []}
    hosts = [rule.get("host") for rule in spec.get("rules") or [] if rule.get("host")]
    return [f"host {host} has no TLS" for host in hosts if host not in covered]


def _whole_internet(cidrs: Any) -> bool:
    return any(isinstance(c, str) and c.strip().endswith("/0") for c in _as_list(cidrs))


@policy("api-server-restricted-in-production", MANDATORY, settings=("production",))
def api_server_restricted_in_production(resource: ResourceView, settings: Settings) -> list[str]:
    """In production, the Kubernetes API server is not open to the world: the EKS endpoint is private, or public
    to a list of networks without 0.0.0.0/0; the ACK API server is not on an Internet SLB, because the program
    cannot give that SLB an access control list (set one in the ACK console and lower this policy for the stack)."""
    if not settings.production:
        return []
    if resource.type == "aws:eks/cluster:Cluster":
        vpc = resource.inputs.get("vpcConfig") or {}
        if vpc.get("endpointPublicAccess") is not True:
            return []
        cidrs = vpc.get("publicAccessCidrs")
        if cidrs == UNKNOWN_MARK:
            return []
        if not cidrs:
            return ["the public API server endpoint lists no publicAccessCidrs, so EKS opens it to 0.0.0.0/0"]
        return ["the public API server endpoint admits the whole internet (a /0 in publicAccessCidrs)"] \
            if _whole_internet(cidrs) else []
    if resource.type == "alicloud:cs/managedKubernetes:ManagedKubernetes" and resource.inputs.get("slbInternetEnabled") is True:
        return ["the API server is on an Internet SLB without an access control list the program can see"]
    return []


INGRESS_ALLOW_LIST = "nginx.ingress.kubernetes.io/whitelist-source-range"
"""The ingress-nginx annotation that admits only the listed client CIDRs (comma-separated)."""


def _slb_network_type(addon: Any) -> Any:
    """``IngressSlbNetworkType`` of an ACK ``nginx-ingress-controller`` add-on (a JSON string), else None."""
    if not isinstance(addon, Mapping) or addon.get("name") != "nginx-ingress-controller":
        return None
    try:
        return json.loads(addon.get("config") or "{}").get("IngressSlbNetworkType")
    except (TypeError, ValueError, AttributeError):  # unknown or secret during preview
        return None


def _has_internet_ingress_controller(resources: Sequence[ResourceView]) -> bool:
    """Whether an ACK cluster puts its NGINX ingress controller on an Internet SLB."""
    return any(_slb_network_type(addon) == "internet" for cluster in resources
               if cluster.type == "alicloud:cs/managedKubernetes:ManagedKubernetes"
               for addon in _as_list(cluster.inputs.get("addons")))


@stack_policy("ingress-load-balancer-restricted-in-production", MANDATORY, settings=("production",))
def ingress_load_balancer_restricted_in_production(resources: Sequence[ResourceView], settings: Settings) -> list[Finding]:
    """In production, the inference endpoints are not open to the world: the ACK ingress controller's SLB is
    intranet, or every Ingress admits only listed client networks (whitelist-source-range without a /0), so
    anonymous traffic cannot drive QPS autoscaling to maxReplicas GPU replicas."""
    if not settings.production or not _has_internet_ingress_controller(resources):
        return []
    findings: list[Finding] = []
    for ingress in resources:
        if ingress.kind != "Ingress":
            continue
        allowed = ((ingress.inputs.get("metadata") or {}).get("annotations") or {}).get(INGRESS_ALLOW_LIST)
        if allowed == UNKNOWN_MARK:
            continue
        if not allowed or _whole_internet(str(allowed).split(",")):
            findings.append((ingress, "is served by an Internet SLB but admits every client address; set "
                                      "ingress.allowSourceCidrs, or create the cluster with ingressLoadBalancer: intranet"))
    return findings


CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@policy("least-privilege-in-production", MANDATORY, settings=("production",))
def least_privilege_in_production(resource: ResourceView, settings: Settings) -> list[str]:
    """In production, nodes and access are no more open than the platform's defaults: EKS launch templates allow
    only IMDSv2 one hop away (pods cannot take the node role) and encrypt their volumes, every EKS node group has
    such a template, ACK node pools encrypt their system disks, and no EKS access entry is cluster admin."""
    if not settings.production:
        return []
    inputs = resource.inputs
    if resource.type == "aws:ec2/launchTemplate:LaunchTemplate":
        metadata = inputs.get("metadataOptions") or {}
        problems = []
        if metadata.get("httpTokens") != "required" or metadata.get("httpPutResponseHopLimit") != 1:
            problems.append("allows IMDSv1 or more than one hop to instance metadata: set metadataOptions httpTokens "
                            "required and httpPutResponseHopLimit 1")
        if any(str(get_path(device, "ebs", "encrypted")).lower() != "true" for device in _as_list(inputs.get("blockDeviceMappings"))):
            problems.append("has an unencrypted EBS volume: set ebs.encrypted")
        return problems
    if resource.type == "aws:eks/nodeGroup:NodeGroup" and not inputs.get("launchTemplate"):
        return ["has no launch template, so its nodes keep EC2's metadata defaults (IMDSv1, two hops) and unencrypted disks"]
    if resource.type == "alicloud:cs/nodePool:NodePool" and inputs.get("systemDiskEncrypted") is not True:
        return ["does not encrypt its nodes' system disks: set alicloud.nodePools[].systemDiskEncrypted"]
    if resource.type == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation" and inputs.get("policyArn") == CLUSTER_ADMIN_POLICY:
        return ["makes an access entry cluster admin: give it AmazonEKSAdminPolicy or a narrower policy in named namespaces"]
    return []


@policy("secrets-encrypted-in-production", MANDATORY, settings=("production",))
def secrets_encrypted_in_production(resource: ResourceView, settings: Settings) -> list[str]:
    """In production, the cluster envelope-encrypts Kubernetes Secrets with a KMS key (ACK encryptionProviderKey with
    encryption not disabled, EKS encryptionConfig for secrets): the credentials Secrets hold are unreadable from etcd's
    disks or backups without the key, and every decryption is a KMS call the account audits."""
    if not settings.production:
        return []
    inputs = resource.inputs
    if resource.type == "alicloud:cs/managedKubernetes:ManagedKubernetes" \
            and (not inputs.get("encryptionProviderKey") or inputs.get("disableEncryption") is True):
        return ["does not encrypt Secrets with a KMS key: set alicloud.cluster.secretsEncryption.kmsKeyId"]
    if resource.type == "aws:eks/cluster:Cluster":
        config = inputs.get("encryptionConfig")
        if config == UNKNOWN_MARK:
            return []
        if not get_path(config, "provider", "keyArn") or "secrets" not in _as_list(get_path(config, "resources")):
            return ["does not encrypt Secrets with a KMS key: remove aws.secretsEncryption.enabled: false"]
    return []


REMOVED_API_VERSIONS = {
    "autoscaling/v2beta1": "autoscaling/v2", "autoscaling/v2beta2": "autoscaling/v2",
    "policy/v1beta1": "policy/v1", "extensions/v1beta1": "networking.k8s.io/v1 or apps/v1",
    "networking.k8s.io/v1beta1": "networking.k8s.io/v1", "apps/v1beta1": "apps/v1", "apps/v1beta2": "apps/v1",
}
"""API versions the supported Kubernetes versions (1.25 and later) no longer serve, with their replacement."""
DISCONTINUED_ANNOTATION = "alibabacloud.com/burst-resource"
"""The ECI burst annotation of the ACK elastic-inference guides; ACK discontinued it for Kubernetes 1.24 and
later in favour of the virtual-kubelet toleration and node affinity (ACK "Schedule pods to ECI")."""


@policy("current-kubernetes-apis", MANDATORY)
def current_kubernetes_apis(resource: ResourceView, settings: Settings) -> list[str]:
    """No removed Kubernetes API versions (autoscaling/v2beta1, policy/v1beta1, ...) and no discontinued
    alibabacloud.com/burst-resource annotation: both stop working without an error on current clusters."""
    if not resource.type.startswith("kubernetes:"):
        return []
    problems = []
    api_version = resource.inputs.get("apiVersion")
    if api_version in REMOVED_API_VERSIONS:
        problems.append(f"apiVersion {api_version} is no longer served; use {REMOVED_API_VERSIONS[api_version]}")
    for path, key, _ in walk(resource.inputs) if _has_key(resource.inputs, DISCONTINUED_ANNOTATION) else ():
        if key == DISCONTINUED_ANNOTATION:
            problems.append(f"{path}: the burst-resource annotation is discontinued; use the virtual-node "
                            "toleration and node affinity")
    return problems


RULES: tuple[Rule, ...] = tuple(_DECLARED)
"""Every policy, in the order of their definitions above."""


# --------------------------------------------------------------------------- policy config


def settings_for(rule: Rule, given: Mapping[str, Any]) -> Settings:
    """The defaults, overridden by the config given to ``rule`` (Pulumi hands each policy only its own keys)."""
    return replace(Settings(), **{name: given[name] for name in rule.settings if name in given})


@dataclass(frozen=True)
class PolicyConfig:
    """A stack's policy config file, read the way ``pulumi preview --policy-pack-config`` reads it."""

    entries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def enforcement(self, rule: Rule) -> str:
        level = self.entries.get(rule.name, {}).get("enforcementLevel", rule.enforcement)
        return MANDATORY if level == REMEDIATE else level  # the pack reports remediate violations as mandatory

    def settings(self, rule: Rule) -> Settings:
        return settings_for(rule, self.entries.get(rule.name, {}))


def parse_policy_config(document: Any, source: str) -> PolicyConfig:
    """Validate a policy config document; a mistake raises ValueError naming the policy and key."""
    if not isinstance(document, Mapping):
        raise ValueError(f"{source}: a policy config is a JSON object keyed by policy name")
    rules = {rule.name: rule for rule in RULES}
    types = {f.name: f.type for f in fields(Settings)}
    entries: dict[str, dict[str, Any]] = {}
    errors = []
    for name, value in document.items():
        if name not in rules:
            errors.append(f"{name}: no such policy (policies: {', '.join(rules)})")
            continue
        entry = {"enforcementLevel": value} if isinstance(value, str) else value
        if not isinstance(entry, Mapping):
            errors.append(f"{name}: must be an enforcement level or an object")
            continue
        for key, item in entry.items():
            if key == "enforcementLevel":
                if item not in ENFORCEMENT_LEVELS:
                    errors.append(f"{name}.enforcementLevel: {item!r} is not one of {', '.join(ENFORCEMENT_LEVELS)}")
            elif key not in rules[name].settings:
                errors.append(f"{name}.{key}: not a setting of this policy "
                              f"(its settings: {', '.join(rules[name].settings) or 'none'})")
            elif (types[key] == "bool") != isinstance(item, bool) or not isinstance(item, int):
                errors.append(f"{name}.{key}: must be {'a boolean' if types[key] == 'bool' else 'an integer'}")
        entries[name] = dict(entry)
    if errors:
        raise ValueError(f"{source}: " + "; ".join(errors))
    return PolicyConfig(entries)


def read_policy_config(path: Path | None) -> PolicyConfig:
    """The config file at ``path``; no file means every default."""
    if path is None:
        return PolicyConfig()
    return parse_policy_config(json.loads(path.read_text()), str(path))


# --------------------------------------------------------------------------- evaluation


def evaluate(resources: Sequence[ResourceView], config: PolicyConfig) -> list[Violation]:
    """Every violation of every enabled policy, policies in :data:`RULES` order."""
    violations = []
    for rule in RULES:
        enforcement = config.enforcement(rule)
        if enforcement == DISABLED:
            continue
        settings = config.settings(rule)
        if rule.stack:
            findings = rule.check(resources, settings)  # type: ignore[arg-type]
        else:
            findings = [(r, message) for r in resources for message in rule.check(r, settings)]  # type: ignore[arg-type]
        violations += [Violation(rule.name, enforcement, r.urn, r.name, message) for r, message in findings]
    return violations
