"""Turn Pulumi config (``project:key`` -> string) into a validated :class:`StackConfig`."""

from __future__ import annotations

import json
import typing

from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from .errors import ConfigIssue, StackConfigError, issues_from_validation_error
from .model import CROSS_SECTION_RULES, PROJECT, StackConfig

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


def _rules_over_valid_sections(values: dict[str, typing.Any], failed: set[str]) -> list[ConfigIssue]:
    """Cross-section rules whose sections all validated, so a typo in one section does not hide
    a contradiction between two others. Sections that are absent count as valid (their defaults)."""
    fields = {field.alias: (name, field) for name, field in StackConfig.model_fields.items()}
    required_missing = {alias for alias, (_, field) in fields.items() if field.is_required() and alias not in values}
    unusable = failed | required_missing
    parsed = {
        fields[alias][0]: TypeAdapter(fields[alias][1].rebuild_annotation()).validate_python(value)
        for alias, value in values.items() if alias in fields and alias not in unusable
    }
    partial = StackConfig.model_construct(**parsed)
    return [
        ConfigIssue(path, message, hint)
        for rule in CROSS_SECTION_RULES if not rule.reads & unusable
        for path, message, hint in rule.check(partial)
    ]


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
        failed = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
        if failed:  # otherwise every section validated and the rules have already reported
            issues += _rules_over_valid_sections(values, failed)
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
