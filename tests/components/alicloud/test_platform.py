"""What the ACK platform asks of a cluster it adopts."""

from __future__ import annotations

from components.alicloud.platform import needed_addons
from factories import ADOPTED_ACK, catalog_entry, merge, stack_config


def needed(**overrides) -> list[str]:
    return [need.name for need in needed_addons(stack_config(**merge(ADOPTED_ACK, overrides)))]


def test_an_adopted_cluster_needs_the_csi_addons_for_the_model_store_and_nothing_else_without_services():
    assert needed() == ["csi-plugin", "csi-provisioner"]


def test_qps_services_need_logtail_and_ingresses_need_the_ingress_controller():
    qps = catalog_entry(autoscaling={"cpu": None, "qps": {"targetPerPod": 10}}, ingress={"host": "a.example.com", "tls": False})
    assert needed(services=[qps]) == ["csi-plugin", "csi-provisioner", "logtail-ds", "nginx-ingress-controller"]
    assert needed(services=[catalog_entry(ingress={"host": "a.example.com", "tls": False})]) == [
        "csi-plugin", "csi-provisioner", "nginx-ingress-controller"]


def test_an_installed_virtual_node_addon_is_needed():
    assert needed(alicloud={"virtualNodes": {"alreadyInstalled": True}})[-1] == "ack-virtual-node"
