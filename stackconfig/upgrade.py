"""Keys that moved between releases: each old key gives one error that names its new place, instead of an
'unknown key' and the errors of the sections left at their defaults (README: Upgrade notes)."""

from __future__ import annotations

import typing

from .base import PROJECT
from .errors import ConfigIssue

MOVED: dict[tuple[str, ...], str] = {
    **{(key,): f"alicloud.{key}" for key in ("network", "cluster", "nodePools", "modelStore", "virtualNodes")},
    ("addons", "metricsAdapter"): "alicloud.metricsAdapter",
}
"""Old key path -> new key path. 0.2.0 moved the ACK options under ``alicloud``, as the EKS ones are under ``aws``."""


def take_moved_keys(values: dict[str, typing.Any]) -> tuple[list[ConfigIssue], set[str]]:
    """Remove the moved keys from ``values`` (the decoded stack config); one issue per key, and the new key
    paths, whose sections are unusable (the stack's values for them are not where they are read)."""
    issues: list[ConfigIssue] = []
    moved: set[str] = set()
    for (*parents, key), new in MOVED.items():
        holder = values
        for parent in parents:
            holder = holder.get(parent) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and key in holder:
            del holder[key]
            section, leaf = new.split(".", 1)
            issues.append(ConfigIssue(".".join((*parents, key)), f"moved to {new} in 0.2.0",
                                      f"move this block under {PROJECT}:{section} as {leaf} (README: Upgrade notes)"))
            moved.add(new)
    return issues, moved
