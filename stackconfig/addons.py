"""Pinned Helm charts, and the cloud-neutral add-ons a service catalog may need (``addons``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from .base import ConfigModel, DnsLabel, matching


class HelmChartConfig(ConfigModel):
    """A Helm chart pinned to one version."""

    repository: matching(r"^(https|oci)://\S+$", "an https:// or oci:// chart repository URL without spaces", 2048)
    """Chart repository URL (https or oci)."""
    chart: Annotated[str, StringConstraints(min_length=1, max_length=253)]
    """Chart name in the repository."""
    version: matching(r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$", "an exact chart version such as 1.19.0 (no ranges)", 128)
    """Exact chart version (no ranges: an upgrade is a reviewed change)."""
    namespace: DnsLabel
    """Namespace the release is installed into."""


class AddonsConfig(ConfigModel):
    """Cluster software a service catalog may need, on every cloud; each is installed only when a service needs it."""

    # 1.19: Seldon's compatibility matrix validates 1.16-1.18 only up to Kubernetes 1.27, 1.19 on
    # 1.23-1.35 (docs.seldon.ai "Install in Kubernetes"). BSL 1.1 licensed since 1.18.
    seldon_core: HelmChartConfig = HelmChartConfig(
        repository="https://storage.googleapis.com/seldon-charts",
        chart="seldon-core-operator",
        version="1.19.0",
        namespace="seldon-system",
    )
    """Seldon Core v1 operator; installed only when a service has ``server: seldon``."""
    # KEDA supports the three newest Kubernetes minors at its release (2.18: 1.31-1.33, 2.19: 1.32-1.34;
    # keda.sh "Cluster"), so ACK 1.35 needs 2.20+; 2.21.1 is the latest chart (kedacore/charts releases).
    keda: HelmChartConfig = HelmChartConfig(
        repository="https://kedacore.github.io/charts",
        chart="keda",
        version="2.21.1",
        namespace="keda",
    )
    """KEDA; installed only when a service autoscales with ``keda``."""
