"""The Kubernetes side of a model store, whatever the bucket behind it (OSS on ACK, S3 on EKS): a namespace, a static
PersistentVolume of the cloud's CSI driver, and the claim services mount."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.core.v1 import (
    Namespace,
    PersistentVolume,
    PersistentVolumeClaim,
    PersistentVolumeClaimSpecArgs,
    PersistentVolumeSpecArgs,
    VolumeResourceRequirementsArgs,
)
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces every cluster has; the model store never creates (and so never deletes) them."""


def persistent_volume_claim_spec(volume: PersistentVolumeSpecArgs, volume_name: pulumi.Input[str]) -> PersistentVolumeClaimSpecArgs:
    """The claim of exactly the model store's PV: ``volumeName`` binds it, ``storageClassName: ""`` stops
    provisioning; access modes and size are the volume's."""
    return PersistentVolumeClaimSpecArgs(
        access_modes=volume.access_modes,
        resources=VolumeResourceRequirementsArgs(requests=volume.capacity),
        storage_class_name="",
        volume_name=volume_name,
    )


def static_claim(parent: pulumi.Resource, name: str, *, namespace: str, claim_name: str,
                 volume: PersistentVolumeSpecArgs, volume_depends_on: list[pulumi.Resource],
                 retain_namespace: bool = False) -> PersistentVolumeClaim:
    """The Kubernetes side of a model store, whatever the bucket behind it (OSS on ACK, S3 on EKS): the namespace
    (unless built-in; with ``retain_namespace``, on an adopted cluster, never deleted: see
    ``ClusterContext.retains_namespaces``), a static PersistentVolume named ``claim_name`` with the ``volume`` spec,
    and its claim.

    Children of ``parent`` named ``<name>-namespace``, ``<name>-volume`` and ``<name>-claim``; the volume waits for
    ``volume_depends_on`` (what the mount needs, e.g. the CSI driver's role and its policy).
    """
    child = pulumi.ResourceOptions(parent=parent)
    claim_namespace: pulumi.Input[str] = namespace
    if namespace not in BUILTIN_NAMESPACES:
        claim_namespace = Namespace(f"{name}-namespace", metadata=ObjectMetaArgs(name=namespace), opts=pulumi.ResourceOptions(
            parent=parent, retain_on_delete=retain_namespace)).metadata.name
    persistent_volume = PersistentVolume(
        f"{name}-volume",
        metadata=ObjectMetaArgs(name=claim_name),
        spec=volume,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=volume_depends_on),
    )
    return PersistentVolumeClaim(
        f"{name}-claim",
        metadata=ObjectMetaArgs(name=claim_name, namespace=claim_namespace),
        spec=persistent_volume_claim_spec(volume, persistent_volume.metadata.name),
        opts=child,
    )
