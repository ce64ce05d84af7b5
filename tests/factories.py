"""Valid stack configs for tests, built from one base and overridden per test."""

from __future__ import annotations

import copy
import json
from typing import Any

from stackconfig import StackConfig, load_stack_config

BASE: dict[str, Any] = {
    "environment": "test",
    "region": "cn-beijing",
    "zones": ["cn-beijing-h", "cn-beijing-i"],
    "network": {
        "vpcCidr": "192.168.0.0/16",
        "nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20"],
        "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19"],
    },
}

PRODUCTION: dict[str, Any] = {
    "production": True,
    "zones": ["cn-beijing-h", "cn-beijing-i", "cn-beijing-j"],
    "network": {
        "nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20", "192.168.32.0/20"],
        "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19", "192.168.128.0/19"],
    },
}
"""Overrides that make BASE a valid production stack (three zones)."""


def keys_and_strings(value: Any):
    """Every dict key and string value anywhere in ``value`` (for scans of plans and manifests)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_and_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_and_strings(item)
    elif isinstance(value, str):
        yield value


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overrides`` into a copy of ``base``; a value of ``None`` deletes the key."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def config_values(**overrides: Any) -> dict[str, Any]:
    return merge(BASE, overrides)


def pulumi_config(**overrides: Any) -> dict[str, str]:
    """The same config as Pulumi hands it to the program: ``elastic-inference:<key>`` -> string."""
    return {f"elastic-inference:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config_values(**overrides).items()}


def stack_config(**overrides: Any) -> StackConfig:
    return load_stack_config(pulumi_config(**overrides), secret=[])
