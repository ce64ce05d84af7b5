"""An existing cluster (``cloud: existing``, the ``existing`` section): only the workloads are deployed."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, StringConstraints

from .alicloud import GPU_TAINT, NodeTaint
from .base import ConfigModel, DnsLabel, LabelKey, LabelValue
from .instances import InstanceSpec
from .secrets import SECRET_ALLOWED


class ClaimRef(ConfigModel):
    """An existing PersistentVolumeClaim."""

    namespace: DnsLabel
    """Namespace of the claim; services that mount it run here."""
    name: DnsLabel
    """Name of the claim."""


class ExistingNodeGroup(ConfigModel):
    """Nodes of one shape that the existing cluster has. The program deploys nothing for them; the fit check and the
    what-if simulator place the catalog's pods on them (a fixed count: this program does not scale them)."""

    name: DnsLabel
    """Name, for messages."""
    nodes: Annotated[int, Field(ge=1, le=1000)]
    """How many such nodes the cluster has."""
    vcpu: Annotated[float, Field(gt=0, le=1024)]
    """vCPUs of one node."""
    memory_gib: Annotated[float, Field(gt=0, le=65536)]
    """Memory of one node in GiB."""
    gpus: Annotated[int, Field(ge=0, le=16)] = 0
    """NVIDIA GPUs of one node."""
    labels: dict[LabelKey, LabelValue] = {}
    """Kubernetes labels of the nodes; services select them by these."""
    taints: Optional[list[NodeTaint]] = None
    """Node taints. Default: ``nvidia.com/gpu=present:NoSchedule`` on GPU nodes, none on others."""

    @property
    def spec(self) -> InstanceSpec:
        return InstanceSpec(self.name, self.vcpu, self.memory_gib, self.gpus, None, None, "existing.nodeGroups")

    @property
    def effective_taints(self) -> list[NodeTaint]:
        if self.taints is not None:
            return self.taints
        return [GPU_TAINT] if self.gpus else []


class ExistingClusterConfig(ConfigModel):
    """An existing cluster reached through a kubeconfig (``cloud: existing``), e.g. a local kind cluster."""

    context: Optional[Annotated[str, StringConstraints(min_length=1)]] = None
    """kubeconfig context to deploy to, e.g. ``kind-kind``. Default: the kubeconfig's current context."""
    kubeconfig: Optional[Annotated[str, StringConstraints(min_length=1), SECRET_ALLOWED]] = None
    """Path of the kubeconfig file, or its contents (then ``secure:``, as it names the cluster's endpoint and user). Default: ``$KUBECONFIG``, else ``~/.kube/config``."""
    model_claim: Optional[ClaimRef] = None
    """The existing claim that holds models, for services with ``model.source: store``."""
    node_groups: list[ExistingNodeGroup] = []
    """The cluster's nodes, as far as the catalog's pods may use them: with them, pods that can never fit are refused and ``planner whatif`` can simulate the stack. Default: none declared (no fit check; the what-if cannot run)."""

    @property
    def holds_kubeconfig(self) -> bool:
        """Whether ``kubeconfig`` is a kubeconfig's contents (YAML or JSON over several lines, or a JSON object)
        rather than a path."""
        text = (self.kubeconfig or "").lstrip()
        return "\n" in text or text.startswith("{")
