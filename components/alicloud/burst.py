"""Burst on ACK: the ``ack-virtual-node`` add-on through which pods burst onto ECI, and how pods get there (:data:`ECI`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_alicloud as alicloud

from stackconfig import ServiceConfig

from ..kubernetes.context import BurstTarget
from .addons import ACK_NETWORK, sls_qps_metric

ADDON_NAME = "ack-virtual-node"

VIRTUAL_NODE_LABEL = ("type", "virtual-kubelet")
"""Label of ACK virtual nodes (ECI), ACK "Schedule pods to ECI" (configure-eci-scaling)."""
VIRTUAL_NODE_TOLERATION = {"key": "virtual-kubelet.io/provider", "operator": "Equal", "value": "alibabacloud",
                           "effect": "NoSchedule"}
"""Tolerates the taint of ACK virtual nodes (same page)."""
ECI_USE_SPECS = "k8s.aliyun.com/eci-use-specs"
ECI_AUTO_IMAGE_CACHE = "k8s.aliyun.com/eci-auto-imc"
ECI_SPOT_STRATEGY = "k8s.aliyun.com/eci-spot-strategy"
"""ECI pod annotations (ACK "Pod annotations" for ECI). They only matter when the pod lands on a virtual
node; the discontinued ``alibabacloud.com/burst-resource`` annotation is never set."""


def eci_annotations(service: ServiceConfig) -> dict[str, str]:
    """ECI annotations of the pod template when the service may burst; none otherwise."""
    burst = service.burst
    if burst.mode == "none":
        return {}
    annotations = {ECI_AUTO_IMAGE_CACHE: "true" if burst.image_cache else "false"}
    if burst.eci_gpu_specs:
        annotations[ECI_USE_SPECS] = ",".join(burst.eci_gpu_specs)
    if burst.spot:
        annotations[ECI_SPOT_STRATEGY] = "SpotAsPriceGo"
    return annotations


ECI = BurstTarget(description="ECI virtual nodes", node_label=VIRTUAL_NODE_LABEL, toleration=VIRTUAL_NODE_TOLERATION,
                  annotations=eci_annotations, node_name_pattern="virtual-kubelet-.+")
"""ACK: pods burst onto ECI through virtual nodes."""


def workload_facts(log_project: pulumi.Input[str]) -> dict[str, Any]:
    """The ``ClusterContext`` fields that say how workloads run on an ACK cluster: they burst onto ECI, count ingress
    QPS in the cluster's log project, and are reached through ``kube-system``'s ingress controller. Shared by the
    platform and by app-team stacks that read an ACK platform stack."""
    return {"burst": ECI, "qps": sls_qps_metric(log_project), "network": ACK_NETWORK}


def virtual_node_config(vswitch_ids: Sequence[str], security_group_id: str) -> str:
    """The add-on's ``config`` JSON: the vSwitches and security group ECI pods get.

    The keys and formats are those of the ConfigMap ``kube-system/eci-profile`` that
    ack-virtual-node reads (``vSwitchIds`` comma-separated, ``securityGroupId``; ACK "Configure an
    eci-profile"). The add-on's own config schema is not published; before the first ``pulumi up``
    compare with ``cs.get_kubernetes_addon_metadata(cluster_id, name="ack-virtual-node").config_schema``.
    """
    return json.dumps({"vSwitchIds": ",".join(vswitch_ids), "securityGroupId": security_group_id}, sort_keys=True)


@dataclass(frozen=True)
class VirtualNodesArgs:
    cluster_id: pulumi.Input[str]
    """The ACK cluster."""
    vswitch_ids: pulumi.Input[Sequence[str]]
    """vSwitches ECI pods get their IPs from, one per zone (the Terway pod vSwitches); they also fix the zones."""
    security_group_id: pulumi.Input[str]
    """Security group of ECI pods; the cluster's, so they reach and are reached like pods on nodes."""


class VirtualNodes(pulumi.ComponentResource):
    """The ``ack-virtual-node`` add-on, so pods can burst from ECS nodes onto ECI.

    Creates one ``alicloud.cs.KubernetesAddon`` named ``ack-virtual-node`` at ACK's latest version
    (no ``version`` pinned: ACK offers only current add-on versions) with :func:`virtual_node_config`.
    ``cleanup_cloud_resources`` is on, so removing the add-on also removes the ECI resources it
    created (the SDK requires the flag for this add-on's uninstall). Installed when
    ``alicloud.virtualNodes.enabled`` (README configuration reference).

    Attributes / outputs: ``addon_id`` (``addonId``, ``<cluster id>:ack-virtual-node``), ``addon_name``
    (``addonName``).
    """

    addon_id: pulumi.Output[str]
    addon_name: pulumi.Output[str]

    def __init__(self, name: str, args: VirtualNodesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("elastic-inference:virtual-nodes:VirtualNodes", name, None, opts)
        config = pulumi.Output.all(args.vswitch_ids, args.security_group_id).apply(
            lambda resolved: virtual_node_config(resolved[0], resolved[1]))
        addon = alicloud.cs.KubernetesAddon(
            name,
            cluster_id=args.cluster_id,
            name=ADDON_NAME,
            config=config,
            cleanup_cloud_resources=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.addon_id = addon.id
        self.addon_name = addon.name
        self.register_outputs({"addonId": self.addon_id, "addonName": self.addon_name})
