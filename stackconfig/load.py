"""Turn Pulumi config (``project:key`` -> string) into a validated :class:`StackConfig`."""

from __future__ import annotations

import json
import typing

from pydantic import BaseModel, SecretStr, ValidationError

from .errors import ConfigIssue, StackConfigError, issues_from_validation_error
from .model import PROJECT, StackConfig

PROVIDER_NAMESPACES = ("alicloud", "aws", "kubernetes", "pulumi")
"""Config namespaces that belong to providers or the engine, not to this program."""


def _holds_secret(annotation: typing.Any) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_holds_secret(f.annotation) for f in annotation.model_fields.values())
    return any(_holds_secret(arg) for arg in typing.get_args(annotation))


def secret_keys() -> list[str]:
    """Keys of StackConfig holding a credential: their values must be set with ``pulumi config set --secret``."""
    return [field.alias for field in StackConfig.model_fields.values() if _holds_secret(field.annotation)]


def _decode(value: str) -> typing.Any:
    """Pulumi passes structured config as JSON text and plain values as bare strings."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def load_stack_config(config: typing.Mapping[str, str], secret: typing.Collection[str], source: str = "stack config") -> StackConfig:
    """Validate every ``elastic-inference:*`` key at once; raise :class:`StackConfigError` listing all mistakes."""
    issues: list[ConfigIssue] = []
    values: dict[str, typing.Any] = {}
    for full_key, raw in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace == PROJECT:
            values[key] = _decode(raw)
            if key in secret_keys() and full_key not in secret:
                issues.append(ConfigIssue(key, "holds a credential but is stored in plain text",
                                          f"pulumi config set --secret {key} ..."))
        elif namespace not in PROVIDER_NAMESPACES:
            issues.append(ConfigIssue(full_key, f"unknown config namespace '{namespace}'",
                                      f"this program's keys are '{PROJECT}:<key>'"))
    try:
        model = StackConfig.model_validate(values)
    except ValidationError as error:
        issues += issues_from_validation_error(error, StackConfig)
        model = None
    if issues:
        raise StackConfigError(source, issues)
    assert model is not None
    return model


def load_from_pulumi() -> StackConfig:
    """The stack config of the running Pulumi program, as the CLI (or the offline plan) passed it."""
    import pulumi
    from pulumi.runtime.config import get_config_env, get_config_secret_keys_env

    return load_stack_config(get_config_env(), get_config_secret_keys_env(), source=f"stack '{pulumi.get_stack()}'")
