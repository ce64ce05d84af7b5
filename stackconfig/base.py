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
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, ValidationInfo,
                      WithJsonSchema, field_validator, model_validator)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from .introspect import held

PROJECT = "elastic-inference"

PATTERN_RULES: dict[str, str] = {}
"""Each pattern of the config types -> the rule in words (``stackconfig.errors`` says it instead of the regex)."""


def matching(pattern: str, rule: str, max_length: int | None = None) -> Any:
    """A string type that must match ``pattern``; ``rule`` is what an error says, e.g. ``an ECS instance type name
    such as ecs.gn7i-c8g1.2xlarge`` (read as "'x' is not <rule>")."""
    if PATTERN_RULES.setdefault(pattern, rule) != rule:
        raise ValueError(f"pattern {pattern} already has the rule {PATTERN_RULES[pattern]!r}; reuse its type")
    return Annotated[str, StringConstraints(pattern=pattern, max_length=max_length)]


DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
"""RFC 1123 label starting with a letter: a Kubernetes object or container name usable everywhere."""
DnsLabel = matching(DNS_LABEL.pattern, "a Kubernetes name of at most 63 lowercase letters, digits and '-', starting "
                    "with a letter and ending with a letter or digit", 63)
"""A Kubernetes object name usable everywhere (RFC 1123 label, starting with a letter)."""

InstanceType = matching(r"^ecs\.[a-z]+[0-9]*[a-z]*(-[a-z0-9]+)*\.([0-9]*x)?(large|medium|small|micro|nano)$",
                        "an ECS instance type name such as ecs.gn7i-c8g1.2xlarge (ecs.<family>.<size>)", 64)
"""An ECS instance type, ``ecs.<family>.<size>``, e.g. ``ecs.gn7i-c8g1.2xlarge``."""

MEMORY_UNITS = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12}
"""Kubernetes quantity suffixes a memory size may have (``resource.Quantity``)."""
MEMORY_RANGE = (2 ** 20, 64 * 2 ** 40)
"""1Mi to 64Ti: below is a missing unit, above more than any ECS/EC2 instance or a plausible volume has."""
CPU_RANGE = (Decimal("0.001"), Decimal(1024))
"""1m (Kubernetes' smallest CPU unit) to 1024 cores (more than any instance type has)."""


def _quantity_error(value: str, rule: str, hint: str) -> PydanticCustomError:
    return PydanticCustomError("quantity", "{value} is not {rule} ({hint})", {"value": repr(value), "rule": rule, "hint": hint})


def _cpu(value: str) -> str:
    match = re.fullmatch(r"([0-9]+)m|([0-9]+(\.[0-9]{1,3})?)", value)
    rule = "a CPU quantity between 1m and 1024 cores"
    if not match:
        raise _quantity_error(value, rule, "write cores such as \"2\" or \"0.5\", or millicores such as \"500m\"")
    cores = Decimal(match.group(1)) / 1000 if match.group(1) else Decimal(match.group(2))
    if not CPU_RANGE[0] <= cores <= CPU_RANGE[1]:
        raise _quantity_error(value, rule, "a replica needs at least 1m; give what one replica uses")
    return value


def _memory(value: str) -> str:
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?", value)
    rule = "a memory size between 1Mi and 64Ti"
    if not match:
        raise _quantity_error(value, rule, "write a number with a unit such as 8Gi or 512Mi")
    number, unit = match.groups()
    if unit is None:
        raise _quantity_error(value, rule, f"without a unit it is {number} bytes; did you mean {number}Gi?")
    size = Decimal(number) * MEMORY_UNITS[unit]
    if not MEMORY_RANGE[0] <= size <= MEMORY_RANGE[1]:
        raise _quantity_error(value, rule, "give the size in Mi, Gi or Ti, e.g. 8Gi")
    return value


CpuQuantity = Annotated[str, AfterValidator(_cpu)]
"""A Kubernetes CPU quantity: cores (``"2"``, ``"0.5"``) or millicores (``"500m"``), 1m to 1024 cores."""
MemoryQuantity = Annotated[str, AfterValidator(_memory)]
"""A Kubernetes memory quantity with a unit (``8Gi``, ``512Mi``), 1Mi to 64Ti: a bare number would be bytes."""
LabelKey = matching(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
                    "a Kubernetes label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' "
                    "or '.', starting and ending with a letter or digit", 317)
LabelValue = matching(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
                      "a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
                      "letter or digit", 63)
BucketName = matching(r"^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$", "a name of 3-63 lowercase letters, digits and '-', "
                      "starting and ending with a letter or digit")
"""An OSS or S3 bucket name without dots, or an SLS project name (the same rules)."""
ZoneId = matching(r"^[a-z]{2}-[a-z0-9-]+-[a-z0-9]+$", "a zone id such as cn-beijing-h or us-east-1a", 64)
"""An Alibaba Cloud zone (``cn-beijing-h``) or an AWS availability zone (``us-east-1a``)."""


def _cidr(value: object) -> ipaddress.IPv4Network:
    if isinstance(value, ipaddress.IPv4Network):
        return value
    if isinstance(value, str):
        try:
            return ipaddress.IPv4Network(value)
        except ValueError:
            pass
    raise PydanticCustomError("cidr", "{value} is not an IPv4 CIDR block such as 10.0.0.0/16 (address bits after the "
                              "mask must be 0)", {"value": repr(value)})


Cidr = Annotated[ipaddress.IPv4Network, PlainValidator(_cidr), WithJsonSchema({"type": "string", "format": "ipv4-cidr"})]

GPU_FAMILY = re.compile(r"^ecs\.(ebm|s|v)?gn")
"""ECS families with NVIDIA GPUs: gn*, vgn*, sgn*, ebmgn* (ECS instance family documentation)."""


def is_gpu_instance_type(instance_type: str) -> bool:
    return bool(GPU_FAMILY.match(instance_type))


Cloud = Literal["alicloud", "aws", "existing"]


MAX_TEXT = 4096
"""Longest string any config value may be (a KEDA query is the longest real one); names have tighter limits."""
INT64 = (-(2 ** 63), 2 ** 63 - 1)
"""The integers every consumer takes exactly: Go's int64 in the Pulumi CLI, TF Serving's int64 model versions."""


def _plain_problem(value: str | int) -> str | None:
    if isinstance(value, int):
        return None if INT64[0] <= value <= INT64[1] else \
            f"is beyond the 64-bit integers the Pulumi CLI and TF Serving take exactly ({INT64[0]} to {INT64[1]})"
    if len(value) > MAX_TEXT:
        return f"is {len(value)} characters long; at most {MAX_TEXT} are allowed"
    for char in value:
        category = unicodedata.category(char)
        # Cc: control characters; Cf: format characters, among them the bidi overrides and isolates (U+202A-202E,
        # U+2066-2069) that make text read differently from what it is.
        if (category == "Cc" and char not in "\n\t") or category == "Cf":
            return f"contains the invisible character U+{ord(char):04X} ({unicodedata.name(char, 'control')})"
    return None


def _plain_values(value: object) -> list[str | int]:
    """The strings and integers of ``value``: itself, or in its lists and dicts (keys too)."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    if isinstance(value, dict):
        return [plain for key, item in value.items() for plain in (*_plain_values(key), *_plain_values(item))]
    if isinstance(value, list):
        return [plain for item in value for plain in _plain_values(item)]
    return []


class ConfigModel(BaseModel):
    """Base of every config section: camelCase keys only, unknown keys rejected, immutable. Values are strict, as
    the JSON the Pulumi CLI passes them in: ``true`` is no integer and ``"2"`` no number; numbers are finite."""

    model_config = ConfigDict(
        strict=True,
        allow_inf_nan=False,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        frozen=True,
        use_attribute_docstrings=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain(cls, value: object, info: ValidationInfo) -> object:
        """Every string a field holds directly (or in its lists and dicts of plain values) is of bounded length and
        free of control and bidi characters, which reach cloud tags, names and container settings as they are, and
        every integer fits 64 bits; a field of nested sections leaves their values to their own fields. Newlines and
        tabs pass (a query may be multi-line); names and tags refuse them by their patterns."""
        field = cls.model_fields[info.field_name] if info.field_name else None
        nested = field is not None and bool(held(field.annotation))
        for plain in _plain_values(value) if not nested or isinstance(value, (str, int)) else []:
            problem = _plain_problem(plain)
            if problem:
                shown = plain if isinstance(plain, int) else repr(plain if len(plain) <= 40 else plain[:37] + "...")
                raise PydanticCustomError("plain_value", "{value} {problem}", {"value": str(shown), "problem": problem})
        return value


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


FORCE_DESTROY_DOC = ("Let ``pulumi destroy`` delete the bucket the stack created together with every object (and object "
                     "version) in it. Off: destroy stops at a bucket that still holds objects, so models are never "
                     "deleted by accident; empty the bucket first, or turn this on and ``pulumi up`` before destroying. "
                     "Refused in production stacks. A change is an in-place update of the bucket.")
ForceDestroy = Annotated[bool, Field(description=FORCE_DESTROY_DOC)]
"""The ``forceDestroy`` option of every bucket the stack creates (OSS and EKS model stores, the S3 model repository)."""


class ModelBucketConfig(ConfigModel):
    """A model store's bucket: one the stack creates, or ``existingBucket``, which each cloud's section declares with
    its own name rules."""

    existing_bucket: Optional[str] = None

    @property
    def creates_bucket(self) -> bool:
        return self.existing_bucket is None

    def created_bucket_findings(self, created_only: tuple[str, ...]) -> list[Finding]:
        """With an existing bucket, each of ``created_only`` (field names of options that only shape a bucket the
        stack creates) that the stack file sets is an error naming its key and value."""
        if self.creates_bucket:
            return []
        return [(to_camel(field), f"{to_camel(field)} {getattr(self, field)!r} only applies to a bucket the stack creates, "
                 f"but existingBucket {self.existing_bucket} is not created by this stack",
                 f"remove {to_camel(field)} (the existing bucket's owner sets it), or remove existingBucket to create a bucket")
                for field in created_only if field in self.model_fields_set]


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
