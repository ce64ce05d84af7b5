"""ACK add-ons: those installed with the cluster, and the ingress QPS metric they make possible.

The ``logtail-ds`` add-on ships NGINX ingress logs to SLS; the ``ack-alibaba-cloud-metrics-adapter`` chart (installed
with the catalog, ``components.kubernetes.addons``) serves them to HPAs as :data:`QPS_METRIC`. Later add-ons are
``cs.KubernetesAddon`` resources of other components (``ack-virtual-node``: ``components.alicloud.burst``).
"""

from __future__ import annotations

import json

import pulumi

from policypack.metadata import ECS_METADATA_CIDRS
from stackconfig import ClusterConfig

from ..kubernetes.context import NetworkBoundary, QpsMetric

QPS_METRIC = "sls_ingress_qps"
"""External metric of ``ack-alibaba-cloud-metrics-adapter``: NGINX ingress requests per second from SLS."""
INGRESS_LOGSTORE = "nginx-ingress"
"""Logstore ACK's ``logtail-ds`` add-on (``IngressDashboardEnabled``) writes NGINX ingress logs to."""
ACK_NETWORK = NetworkBoundary(ingress_namespaces=frozenset({"kube-system"}), metadata_cidrs=ECS_METADATA_CIDRS)
"""ACK's NGINX ingress controller add-on runs in ``kube-system``; ECS metadata answers at 100.100.100.200. Pods read
OSS through the CSI mount (the node's RRSA token) or S3 keys from a Secret, never through metadata."""


def cluster_addons(cluster: ClusterConfig) -> list[dict[str, str]]:
    """ACK add-ons installed when the cluster is created (names and config keys: ManagedKubernetesAddonArgs docstring).

    - ``terway-eniip``: Terway, so pods get VPC addresses from the pod vSwitches (and ECI pods share the network).
    - ``csi-plugin`` and ``csi-provisioner``: the CSI driver that mounts the OSS model store.
    - ``logtail-ds`` with ``IngressDashboardEnabled``: ships NGINX Ingress access logs to the ``nginx-ingress``
      logstore of the log project, the source of the ``sls_ingress_qps`` metric; ``sls_project_name`` when the
      stack names an existing project (else ACK creates ``k8s-log-<cluster id>``).
    - ``nginx-ingress-controller`` behind an SLB of ``alicloud.cluster.ingressLoadBalancer``
      (``IngressSlbNetworkType``: ``internet``|``intranet``, the ``ManagedKubernetesAddon`` docstring's example).

    Later add-ons (``ack-virtual-node``, ...) are ``cs.KubernetesAddon`` resources of other components: an add-on
    must not be declared both ways.
    """
    logtail = {"IngressDashboardEnabled": "true"}
    if cluster.log_project:
        logtail["sls_project_name"] = cluster.log_project
    return [
        {"name": "terway-eniip"},
        {"name": "csi-plugin"},
        {"name": "csi-provisioner"},
        {"name": "logtail-ds", "config": json.dumps(logtail)},
        {"name": "nginx-ingress-controller", "config": json.dumps({"IngressSlbNetworkType": cluster.ingress_load_balancer})},
    ]


def log_project_of(cluster: ClusterConfig, cluster_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The SLS project of the cluster's logs: the configured one, or the ``k8s-log-<cluster id>`` ACK creates."""
    if cluster.log_project:
        return pulumi.Output.from_input(cluster.log_project)
    return pulumi.Output.from_input(cluster_id).apply(lambda cluster_id: f"k8s-log-{cluster_id}")


def sls_qps_metric(log_project: pulumi.Input[str]) -> QpsMetric:
    """The cluster's ingress QPS: :data:`QPS_METRIC` selected by the log project, the ingress logstore and the route
    of the service's Ingress backend (the ESS guide's HPA)."""
    return QpsMetric(metric_name=QPS_METRIC, selector=lambda route: {
        "sls.project": log_project,
        "sls.logstore": INGRESS_LOGSTORE,
        "sls.ingress.route": route,
    })
