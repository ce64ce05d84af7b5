"""What every config section shares: the base model, how a section reports its findings, and the constrained
types (names, quantities, labels, CIDRs, zones, ECS instance types) several sections use.

Every config section is a :class:`ConfigModel`: camelCase keys, unknown keys rejected. Field defaults are the only
defaults of the program: components receive the validated model and never invent a value of their own. A rule over
several fields of one section is a ``model_validator`` that collects *all* its findings and raises them together
(:func:`raise_findings`), so one run reports every mistake, each with its own key path.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

PROJECT = "elastic-inference"

DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
"""RFC 1123 label starting with a letter: a Kubernetes object or container name usable everywhere."""
DnsLabel = Annotated[str, StringConstraints(pattern=DNS_LABEL.pattern, max_length=63)]
"""A Kubernetes object name usable everywhere (RFC 1123 label, starting with a letter)."""

InstanceType = Annotated[
    str,
    StringConstraints(pattern=r"^ecs\.[a-z]+[0-9]*[a-z]*(-[a-z0-9]+)*\.([0-9]*x)?(large|medium|small|micro|nano)$"),
]
"""An ECS instance type, ``ecs.<family>.<size>``, e.g. ``ecs.gn7i-c8g1.2xlarge``."""

CpuQuantity = Annotated[str, StringConstraints(pattern=r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$")]
MemoryQuantity = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")]
LabelKey = Annotated[
    str,
    StringConstraints(pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"),
]
LabelValue = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")]
ZoneId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}-[a-z0-9-]+-[a-z0-9]+$")]
"""An Alibaba Cloud zone (``cn-beijing-h``) or an AWS availability zone (``us-east-1a``)."""


def _cidr_text(value: object) -> object:
    if not isinstance(value, (str, ipaddress.IPv4Network)):
        raise ValueError("must be a CIDR string such as 10.0.0.0/16")
    return value


Cidr = Annotated[ipaddress.IPv4Network, BeforeValidator(_cidr_text)]

GPU_FAMILY = re.compile(r"^ecs\.(ebm|s|v)?gn")
"""ECS families with NVIDIA GPUs: gn*, vgn*, sgn*, ebmgn* (ECS instance family documentation)."""


def is_gpu_instance_type(instance_type: str) -> bool:
    return bool(GPU_FAMILY.match(instance_type))


Cloud = Literal["alicloud", "aws", "existing"]


class ConfigModel(BaseModel):
    """Base of every config section: camelCase keys only, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        frozen=True,
        use_attribute_docstrings=True,
    )


Finding = tuple[str, str, str]
"""(key path relative to the model being validated, message, hint)."""


def raise_findings(findings: list[Finding]) -> None:
    """Raise every cross-field finding of one model at once; ``stackconfig.errors`` splits them."""
    if findings:
        raise PydanticCustomError(
            "config_rules",
            "{summary}",
            {"summary": "; ".join(message for _, message, _ in findings), "findings": findings},
        )


def subnet_findings(vpc_cidr: ipaddress.IPv4Network,
                    subnets: list[tuple[str, list[ipaddress.IPv4Network]]]) -> list[Finding]:
    """Each subnet lies inside ``vpc_cidr`` and overlaps no other: ``subnets`` is ``[(key, cidrs), ...]``."""
    findings: list[Finding] = []
    flat = [(key, i, cidr) for key, cidrs in subnets for i, cidr in enumerate(cidrs)]
    for key, i, cidr in flat:
        if not cidr.subnet_of(vpc_cidr):
            findings.append((f"{key}[{i}]", f"{cidr} is not inside the VPC CIDR {vpc_cidr}", "pick a subnet of the VPC CIDR"))
    for a in range(len(flat)):
        for b in range(a + 1, len(flat)):
            if flat[a][2].overlaps(flat[b][2]):
                findings.append((f"{flat[b][0]}[{flat[b][1]}]",
                                 f"{flat[b][2]} overlaps {flat[a][0]}[{flat[a][1]}] ({flat[a][2]})",
                                 "subnet CIDRs must not overlap"))
    return findings


class ScalingConfig(ConfigModel):
    """Bounds for the cluster autoscaler; it owns the node count in between."""

    min_size: Annotated[int, Field(ge=0, le=1000)]
    """Fewest nodes the autoscaler keeps."""
    max_size: Annotated[int, Field(ge=1, le=1000)]
    """Most nodes the autoscaler may create."""

    @model_validator(mode="after")
    def _check(self) -> "ScalingConfig":
        if self.min_size > self.max_size:
            raise_findings([("minSize", f"minSize {self.min_size} is greater than maxSize {self.max_size}",
                             "minSize must be at most maxSize")])
        return self
