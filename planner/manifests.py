"""Kubernetes objects of a plan, as files ready for ``kubectl apply --dry-run=server``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from policypack.sentinels import SECRET_MARK

from .engine import Plan
from .mocks import kubernetes_autoname

NOT_OBJECTS = ("pulumi:providers:", "kubernetes:helm.sh/")
"""Kubernetes-package resources that are not API objects (providers, Helm releases)."""


def _named(obj: dict[str, Any], resource_name: str) -> dict[str, Any]:
    """``obj`` with the name pulumi-kubernetes would give it when its ``metadata`` has none."""
    metadata = obj.get("metadata") or {}
    if metadata.get("name"):
        return obj
    return {**obj, "metadata": {**metadata, "name": kubernetes_autoname(resource_name)}}


def kubernetes_objects(plan: Plan) -> list[dict[str, Any]]:
    """Every Kubernetes API object the plan creates, core and custom, in registration order."""
    return [
        _named(r.inputs, r.name) for r in plan.resources
        if r.type.startswith("kubernetes:") and not r.type.startswith(NOT_OBJECTS)
        and "apiVersion" in r.inputs and "kind" in r.inputs
    ]


FIRST_KEYS = ("apiVersion", "kind", "metadata")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


REDACTED_ANNOTATION = "elastic-inference.dev/offline-plan"


def without_secret_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop top-level fields whose value is a secret (a Secret's ``data``/``stringData``): the offline
    plan never has them, and a placeholder would not be valid there. An annotation says so."""
    hidden = sorted(k for k, v in obj.items() if v == SECRET_MARK)
    if not hidden:
        return obj
    metadata = dict(obj.get("metadata", {}))
    metadata["annotations"] = {**metadata.get("annotations", {}),
                               REDACTED_ANNOTATION: f"secret fields omitted: {', '.join(hidden)}"}
    return {**{k: v for k, v in obj.items() if k not in hidden}, "metadata": metadata}


def ordered(obj: dict[str, Any]) -> dict[str, Any]:
    """``apiVersion``, ``kind``, ``metadata`` first, the rest sorted: stable files that read like kubectl's."""
    rest = sorted(k for k in obj if k not in FIRST_KEYS)
    return {k: _sorted(obj[k]) for k in (*[k for k in FIRST_KEYS if k in obj], *rest)}


def manifest_filename(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata", {})
    return f"{obj['kind'].lower()}-{metadata.get('namespace') or 'cluster'}-{metadata['name']}.yaml"


def write_manifests(plan: Plan, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for obj in kubernetes_objects(plan):
        path = directory / manifest_filename(obj)
        path.write_text(yaml.safe_dump(ordered(without_secret_fields(obj)), sort_keys=False))
        written.append(path)
    return written
