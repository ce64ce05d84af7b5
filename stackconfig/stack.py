"""The whole stack config: each Pulumi config key of the project namespace (``elastic-inference:<key>``) is one field
of :class:`StackConfig`. Keys are camelCase, as Pulumi config keys conventionally are; unknown keys are errors.
Rules across its sections are in ``stackconfig.rules``."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, StringConstraints, model_validator

from .addons import AddonsConfig
from .alicloud import AlicloudConfig
from .aws import AwsConfig
from .base import PROJECT, Cloud, ConfigModel, ZoneId, matching, raise_findings
from .existing import ClaimRef, ExistingClusterConfig
from .observability import ObservabilityConfig
from .rules import CROSS_SECTION_RULES
from .s3 import S3Credentials, S3ModelRepositoryConfig
from .services import ServiceConfig


class StackConfig(ConfigModel):
    """Everything one stack (environment) says: the ``elastic-inference:*`` config keys."""

    cloud: Cloud = "alicloud"
    """Where the platform runs. ``alicloud``: ACK Pro on Alibaba Cloud (the ``alicloud`` key). ``aws``: EKS (the ``aws`` key). ``existing``: only the workloads, onto the cluster of a kubeconfig context (the ``existing`` key)."""
    environment: matching(r"^[a-z][a-z0-9-]{1,15}$", "an environment name of 2-16 lowercase letters, digits and '-', starting with a letter, such as dev")
    """Environment name (dev, staging, prod, ...), used in resource names and tags."""
    production: bool = False
    """Production stack: three zones required, deletion protection, ``protect`` on what holds data, and Kubernetes Secrets encrypted with a KMS key."""
    region: Optional[matching(r"^[a-z]{2}(-gov)?-[a-z0-9-]+$", "a region id such as cn-beijing or us-east-1", 32)] = None
    """Region, e.g. ``cn-beijing`` (alicloud) or ``us-east-1`` (aws). Required on alicloud and aws; not used by ``existing``."""
    zones: Annotated[list[ZoneId], Field(min_length=2, max_length=5)] = []
    """Zones to spread nodes over, e.g. ``cn-beijing-h`` or ``us-east-1a``: at least two, three in production. Required on alicloud and aws; not used by ``existing``."""
    alicloud: AlicloudConfig = AlicloudConfig()
    """The ACK platform (alicloud)."""
    aws: AwsConfig = AwsConfig()
    """The EKS platform (aws)."""
    existing: ExistingClusterConfig = ExistingClusterConfig()
    """The existing cluster (existing)."""
    addons: AddonsConfig = AddonsConfig()
    """Pinned Helm charts of the add-ons a service may need, installed into the cluster on every cloud."""
    services: list[ServiceConfig] = []
    """The catalog of inference services."""
    observability: ObservabilityConfig = ObservabilityConfig()
    """The metrics backend (default: an in-cluster Prometheus and Grafana), its alerts and dashboards."""
    s3_model_repository: Optional[S3ModelRepositoryConfig] = None
    """S3 model repository for services with ``model.source: s3`` (alicloud, existing; on aws such services read the ``aws.modelStore`` bucket with IRSA)."""
    s3_credentials: Optional[S3Credentials] = None
    """AWS credentials the pods use to read the S3 model repository (the tutorial's way); both values must be ``secure:``."""
    tags: Annotated[
        dict[Annotated[str, StringConstraints(min_length=1, max_length=128)], Annotated[str, StringConstraints(max_length=128)]],
        Field(max_length=7),
    ] = {}
    """Tags added to every cloud resource that takes tags, besides project, environment and managed-by. At most 7: an OSS bucket takes 10 tags."""

    @model_validator(mode="after")
    def _check(self) -> "StackConfig":
        raise_findings([finding for rule in CROSS_SECTION_RULES for finding in rule.check(self)])
        return self

    @property
    def bucket_name(self) -> str:
        """The model store's bucket: OSS on alicloud, S3 on aws: the existing one, or the one the stack creates
        (default ``<project>-<environment>-models`` on both)."""
        store = self.aws.model_store if self.cloud == "aws" else self.alicloud.model_store
        return store.existing_bucket or store.bucket_name or f"{PROJECT}-{self.environment}-models"

    @property
    def model_claim(self) -> Optional[ClaimRef]:
        """The claim services with ``model.source: store`` mount: the stack's own store, or an existing claim."""
        if self.cloud == "alicloud":
            return ClaimRef(namespace=self.alicloud.model_store.namespace, name=self.alicloud.model_store.claim_name)
        if self.cloud == "aws":
            return ClaimRef(namespace=self.aws.model_store.namespace, name=self.aws.model_store.claim_name)
        return self.existing.model_claim

    @property
    def catalog_namespaces(self) -> list[str]:
        """The namespaces the catalog's workloads live in: the model claim's and every service's, sorted."""
        claim = self.model_claim
        return sorted({s.namespace for s in self.services} | ({claim.namespace} if claim else set()))

    @property
    def adopts_cluster(self) -> bool:
        """Whether the stack adds to an existing ACK or EKS cluster (``alicloud.cluster.existing``,
        ``aws.existingCluster``) instead of creating one with its network."""
        if self.cloud == "alicloud":
            return self.alicloud.cluster.existing is not None
        return self.cloud == "aws" and self.aws.existing_cluster is not None

    @property
    def protect_data(self) -> bool:
        return self.production

    @property
    def deletion_protection(self) -> bool:
        chosen = self.alicloud.cluster.deletion_protection
        return self.production if chosen is None else chosen

    @property
    def needs_seldon(self) -> bool:
        return any(s.server == "seldon" for s in self.services)

    @property
    def needs_keda(self) -> bool:
        return any(s.autoscaling.uses_keda for s in self.services)
