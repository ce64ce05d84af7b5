"""Valid stack configs for tests, built from one base and overridden per test."""

from __future__ import annotations

import copy
import json
from typing import Any

from stackconfig import StackConfig, StackConfigError, load_stack_config
from stackconfig.secrets import secret_field_paths

BASE: dict[str, Any] = {
    "environment": "test",
    "region": "cn-beijing",
    "zones": ["cn-beijing-h", "cn-beijing-i"],
    "alicloud": {
        "network": {
            "vpcCidr": "192.168.0.0/16",
            "nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20"],
            "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19"],
        },
    },
}

PRODUCTION: dict[str, Any] = {
    "production": True,
    "zones": ["cn-beijing-h", "cn-beijing-i", "cn-beijing-j"],
    "alicloud": {
        "network": {
            "nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20", "192.168.32.0/20"],
            "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19", "192.168.128.0/19"],
        },
        "cluster": {"secretsEncryption": {"kmsKeyId": "key-bjj62f5ba3dnpb6v8abcd"}},
    },
}
"""Overrides that make BASE a valid production stack (three zones, Secrets encrypted with a given KMS key)."""


ADOPTED_CLUSTER_ID = "c0123456789abcdef0123456789abcdef"
ADOPTED_ACK: dict[str, Any] = {"zones": None, "alicloud": {
    "network": None, "cluster": {"existing": {"clusterId": ADOPTED_CLUSTER_ID}}, "virtualNodes": {"alreadyInstalled": False}}}
"""Overrides that make BASE a stack adopting an existing ACK cluster (no network, no zones) whose virtual-node add-on
the stack installs."""


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


def load_with_secure_secrets(values: dict[str, Any]) -> StackConfig:
    """``values`` loaded as from a stack file in which every secret field is ``secure:``."""
    secure = secret_field_paths(StackConfig, values)
    config = {f"elastic-inference:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    secret_keys = {f"elastic-inference:{path.split('.')[0].split('[')[0]}" for path in secure}
    return load_stack_config(config, secret=secret_keys, secure_paths=secure)


def stack_config(**overrides: Any) -> StackConfig:
    return load_with_secure_secrets(config_values(**overrides))


CPU_SERVICE: dict[str, Any] = {
    "name": "bert",
    "server": "tfserving",
    "model": {"name": "chnsenticorp", "path": "models/bert"},
    "autoscaling": {"minReplicas": 1, "maxReplicas": 10, "cpu": {"targetUtilization": 50}},
}
"""A catalog entry that is valid on the BASE stack (any pool, CPU autoscaling)."""


def catalog_entry(**overrides: Any) -> dict[str, Any]:
    return merge(CPU_SERVICE, overrides)


def config_issues(**overrides: Any) -> list[str]:
    """The issues (``path: message (hint: ...)``) of BASE with ``overrides``, which must be invalid."""
    try:
        stack_config(**overrides)
    except StackConfigError as error:
        return [str(issue) for issue in error.issues]
    raise AssertionError(f"the config is valid: {overrides}")


def issues_at(path: str, issues: list[str]) -> list[str]:
    return [issue for issue in issues if issue.startswith(f"{path}:")]
