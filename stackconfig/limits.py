"""Rules from the APIs the stack's values reach, over several sections: logical names that must stay unique (two
values giving one URN, which ``pulumi preview`` refuses), Ingress routes, vSwitch sizes, reserved tag keys, bucket
names and the Kubernetes version the configured features need.

Sources checked: Ingress paths as ``pkg/apis/networking/validation`` of kubernetes/kubernetes validates a
``pathType: Prefix`` path (absolute; no ``//``, ``/./``, ``/../``, ``%2f``; not ending in ``/..`` or ``/.``); a
vSwitch mask of /16 to /29 and a VPC mask of /8 to /28 (the ``cidr_block`` docstrings of pulumi_alicloud
``vpc.Switch`` and ``vpc.Network``); tags on Alibaba Cloud go to the OSS bucket too, whose PutBucketTags refuses
keys over 64 bytes, keys starting with ``aliyun`` or ``acs`` (either case) or ``http://``/``https://``, and
characters other than letters, digits, spaces and ``+ - = . _ : /`` (OSS errors 0010-00000002, -00000207,
-00000213), while ECS TagResources refuses values starting with ``acs:`` or holding ``http://``/``https://``; AWS
reserves ``aws:`` keys and takes letters, digits, spaces and ``_ . : / = + - @`` ("Tag naming limits and
requirements"); S3 bucket names ("General purpose bucket naming rules"): 3-63 lowercase letters, digits, ``.`` and
``-``, starting and ending with a letter or digit, no ``..``, not an IP address, no ``xn--``/``sthree-``/
``amzn-s3-demo-`` prefix, no ``-s3alias``/``--ol-s3``/``.mrap``/``--x-s3``/``--table-s3`` suffix; RRSA with the OSS
CSI plugin needs ACK 1.26 (ACK "Use RRSA to mount OSS volumes")."""

from __future__ import annotations

import ipaddress
import re
import typing

from .base import Finding
from .rules import CrossSectionRule

if typing.TYPE_CHECKING:
    from .stack import StackConfig

INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
INVALID_PATH_SUFFIXES = ("/..", "/.")
VSWITCH_MASKS = (16, 29)
VPC_MASKS = (8, 28)
RESERVED_TAG_PREFIXES = {"alicloud": ("aliyun", "acs"), "aws": ("aws:",)}
TAG_KEY_CHARACTERS = {"alicloud": (r"[A-Za-z0-9 +=._:/-]+", "letters, digits, spaces and + - = . _ : /"),
                      "aws": (r"[\w +=._:/@-]+", "letters, digits, spaces and _ . : / = + - @")}
ALICLOUD_TAG_KEY_BYTES = 64
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
RRSA_MINIMUM = (1, 26)


def _check_logical_names(config: StackConfig) -> list[Finding]:
    """Each service is the component ``<namespace>-<name>``: ``inference`` + ``cifar10-keda`` and
    ``inference-cifar10`` + ``keda`` would be one URN."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for i, svc in enumerate(config.services):
        logical = svc.component_name
        first = seen.setdefault(logical, i)
        if first != i and (config.services[first].namespace, config.services[first].name) != (svc.namespace, svc.name):
            findings.append((f"services[{i}].name", f"{svc.namespace}/{svc.name} and services[{first}] "
                             f"({config.services[first].namespace}/{config.services[first].name}) both name the "
                             f"resources {logical!r}", "rename one of the two services"))
    return findings


def _check_ingress_routes(config: StackConfig) -> list[Finding]:
    findings: list[Finding] = []
    routes: dict[tuple[str, str, str], int] = {}
    for i, svc in enumerate(config.services):
        if svc.ingress is None:
            continue
        path = svc.ingress.path
        bad = [s for s in INVALID_PATH_SEQUENCES if s in path] + [s for s in INVALID_PATH_SUFFIXES if path.endswith(s)]
        if bad:
            findings.append((f"services[{i}].ingress.path", f"{path!r} contains {bad[0]!r}, which the API server refuses "
                             "in a Prefix path", "write the path without empty, '.' or '..' segments, e.g. /v1/models"))
        route = (svc.ingress.class_name, svc.ingress.host, path.rstrip("/") or "/")
        first = routes.setdefault(route, i)
        if first != i:
            findings.append((f"services[{i}].ingress", f"routes {svc.ingress.host}{path} like services[{first}], so "
                             "the controller would send the requests of one to the other", "give one a different host or path"))
    return findings


def _check_vswitch_masks(config: StackConfig) -> list[Finding]:
    if config.cloud != "alicloud" or not config.alicloud.network.creates_vpc:
        return []
    net = config.alicloud.network
    blocks = [("vpcCidr", net.vpc_cidr, VPC_MASKS, "a VPC")]
    blocks += [(f"{key}[{i}]", cidr, VSWITCH_MASKS, "a vSwitch")
               for key, cidrs in (("nodeVswitchCidrs", net.node_vswitch_cidrs), ("podVswitchCidrs", net.pod_vswitch_cidrs))
               for i, cidr in enumerate(cidrs)]
    return [(f"alicloud.network.{key}", f"{cidr} has a /{cidr.prefixlen} mask; {what} takes /{low} to /{high}",
             f"use a /{low} to /{high} block") for key, cidr, (low, high), what in blocks if not low <= cidr.prefixlen <= high]


def _check_tags(config: StackConfig) -> list[Finding]:
    if config.cloud not in RESERVED_TAG_PREFIXES:
        return []
    findings: list[Finding] = []
    cloud = config.cloud
    characters, described = TAG_KEY_CHARACTERS[cloud]
    for key, value in config.tags.items():
        at = f"tags.{key}"
        prefix = next((p for p in RESERVED_TAG_PREFIXES[cloud] if key.lower().startswith(p)), None)
        if prefix:
            findings.append((at, f"tag key {key!r} starts with {prefix!r}, which {cloud} reserves for its own tags",
                             "choose a key without that prefix"))
        if not re.fullmatch(characters, key):
            findings.append((at, f"tag key {key!r} has characters {cloud} refuses in tag keys", f"use only {described}"))
        if cloud == "alicloud":
            if len(key.encode()) > ALICLOUD_TAG_KEY_BYTES:
                findings.append((at, f"tag key {key!r} is {len(key.encode())} bytes; an OSS bucket takes at most "
                                 f"{ALICLOUD_TAG_KEY_BYTES}", "shorten the key"))
            if value.lower().startswith("acs:"):
                findings.append((at, f"tag value {value!r} starts with 'acs:', which Alibaba Cloud reserves",
                                 "choose a value without that prefix"))
            findings += [(at, f"the tag {what} {text!r} contains http:// or https://, which Alibaba Cloud refuses in tags",
                          "drop the scheme, e.g. example.com/wiki")
                         for text, what in ((key, "key"), (value, "value")) if re.search(r"https?://", text, re.IGNORECASE)]
    return findings


def s3_bucket_problem(name: str) -> str | None:
    """Why ``name`` is no S3 general purpose bucket name, or None."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name):
        return "must be 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
    if ".." in name:
        return "must not contain '..'"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    prefix = next((p for p in S3_RESERVED_PREFIXES if name.startswith(p)), None)
    suffix = next((s for s in S3_RESERVED_SUFFIXES if name.endswith(s)), None)
    if prefix or suffix:
        return f"must not {'start' if prefix else 'end'} with {prefix or suffix!r}, which S3 reserves"
    return None


def _check_buckets(config: StackConfig) -> list[Finding]:
    names = []
    if config.s3_model_repository is not None:
        names.append(("s3ModelRepository.bucketName", config.s3_model_repository.bucket_name))
    if config.cloud == "aws" and config.aws.model_store.creates_bucket:  # an existing bucket's name is S3's already
        names.append(("aws.modelStore.bucketName" if config.aws.model_store.bucket_name else "environment", config.bucket_name))
    return [(key, f"S3 bucket name {name!r} {problem}", "pick a name that follows the S3 bucket naming rules")
            for key, name in names if (problem := s3_bucket_problem(name))]


def _check_kubernetes_version(config: StackConfig) -> list[Finding]:
    if config.cloud != "alicloud":
        return []
    version = config.alicloud.cluster.kubernetes_version
    minor = tuple(int(part) for part in version.split("-")[0].split(".")[:2])
    if minor >= RRSA_MINIMUM:
        return []
    floor = ".".join(map(str, RRSA_MINIMUM))
    return [("alicloud.cluster.kubernetesVersion", f"{version} is older than {floor}, which the model store needs: pods "
             f"mount it with the OSS CSI plugin through RRSA", f"use ACK {floor} or later, e.g. 1.35.2-aliyun.1")]


LIMIT_RULES: tuple[CrossSectionRule, ...] = (
    CrossSectionRule(frozenset({"services"}), _check_logical_names),
    CrossSectionRule(frozenset({"services"}), _check_ingress_routes),
    CrossSectionRule(frozenset({"cloud", "alicloud.network"}), _check_vswitch_masks),
    CrossSectionRule(frozenset({"cloud", "tags"}), _check_tags),
    CrossSectionRule(frozenset({"cloud", "environment", "s3ModelRepository", "aws"}), _check_buckets),
    CrossSectionRule(frozenset({"cloud", "alicloud.cluster"}), _check_kubernetes_version),
)
