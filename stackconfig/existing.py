"""An existing cluster (``cloud: existing``, the ``existing`` section): only the workloads are deployed."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import StringConstraints

from .base import ConfigModel, DnsLabel
from .secrets import SECRET_ALLOWED


class ClaimRef(ConfigModel):
    """An existing PersistentVolumeClaim."""

    namespace: DnsLabel
    """Namespace of the claim; services that mount it run here."""
    name: DnsLabel
    """Name of the claim."""


class ExistingClusterConfig(ConfigModel):
    """An existing cluster reached through a kubeconfig (``cloud: existing``), e.g. a local kind cluster."""

    context: Optional[Annotated[str, StringConstraints(min_length=1)]] = None
    """kubeconfig context to deploy to, e.g. ``kind-kind``. Default: the kubeconfig's current context."""
    kubeconfig: Optional[Annotated[str, StringConstraints(min_length=1), SECRET_ALLOWED]] = None
    """Path of the kubeconfig file, or its contents (then ``secure:``, as it names the cluster's endpoint and user). Default: ``$KUBECONFIG``, else ``~/.kube/config``."""
    model_claim: Optional[ClaimRef] = None
    """The existing claim that holds models, for services with ``model.source: store``."""

    @property
    def holds_kubeconfig(self) -> bool:
        """Whether ``kubeconfig`` is a kubeconfig's contents (YAML or JSON over several lines, or a JSON object)
        rather than a path."""
        text = (self.kubeconfig or "").lstrip()
        return "\n" in text or text.startswith("{")
