"""Naming and tagging shared by every component."""

from __future__ import annotations

from stackconfig import PROJECT, StackConfig

SHORT_PREFIX = "ei"
"""Prefix of physical names that have tight length limits (RAM roles, node pools)."""


def physical_name(environment: str, *parts: str) -> str:
    """Name of a cloud resource: ``ei-<environment>-<parts...>``; unique per stack, readable in the console."""
    return "-".join((SHORT_PREFIX, environment, *parts))


def cloud_tags(config: StackConfig) -> dict[str, str]:
    """Tags on every cloud resource that takes tags; config ``tags`` win over the standard ones."""
    return {"project": PROJECT, "environment": config.environment, "managed-by": "pulumi", **config.tags}
