"""Kubernetes objects of a plan, as files ready for ``kubectl apply --dry-run=server``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .engine import Plan

NOT_OBJECTS = ("pulumi:providers:", "kubernetes:helm.sh/")
"""Kubernetes-package resources that are not API objects (providers, Helm releases)."""


def kubernetes_objects(plan: Plan) -> list[dict[str, Any]]:
    """Every Kubernetes API object the plan creates, core and custom, in registration order."""
    return [
        r.inputs for r in plan.resources
        if r.type.startswith("kubernetes:") and not r.type.startswith(NOT_OBJECTS)
        and "apiVersion" in r.inputs and "kind" in r.inputs
    ]


def manifest_filename(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata", {})
    return f"{obj['kind'].lower()}-{metadata.get('namespace') or 'cluster'}-{metadata['name']}.yaml"


def write_manifests(plan: Plan, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for obj in kubernetes_objects(plan):
        path = directory / manifest_filename(obj)
        path.write_text(yaml.safe_dump(obj, sort_keys=False))
        written.append(path)
    return written
