"""The instance catalog shipped with the program (``instance_types.yaml`` beside this file): what one instance
of each known type offers, read by the config rules (unknown types, the fit check) and by ``planner.whatif``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

CATALOG_FILE = Path(__file__).resolve().parent / "instance_types.yaml"


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    vcpu: float
    memory_gib: float
    gpus: int
    gpu_model: Optional[str]
    max_pods: Optional[int]
    """Pods the EKS AMI lets the kubelet run on this type; unknown (None) for ECS types."""
    source: str


def _load(path: Path) -> dict[str, InstanceSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {name: InstanceSpec(name, float(v["vcpu"]), float(v["memoryGib"]), int(v["gpus"]), v.get("gpuModel"),
                               v.get("maxPods"), v["source"])
            for name, v in raw.items()}


INSTANCE_TYPES: dict[str, InstanceSpec] = _load(CATALOG_FILE)


def unknown_instance_type(path: str, instance_type: str) -> tuple[str, str, str]:
    """The finding for a type the catalog lacks: the closest known types of the same cloud, and how to add one."""
    same_cloud = [name for name in INSTANCE_TYPES if name.startswith("ecs.") == instance_type.startswith("ecs.")]
    close = difflib.get_close_matches(instance_type, same_cloud, n=3, cutoff=0.6)
    suggestion = f"did you mean {' or '.join(close)}? " if close else ""
    return (path, f"{instance_type} is not in the program's instance catalog, so whether pods fit on it cannot be checked",
            f"{suggestion}To use another type, add it to stackconfig/instance_types.yaml with its vCPUs, memory, GPUs "
            "and the documentation page it comes from (README: 'Instance types')")
