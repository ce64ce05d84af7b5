"""Turn Pulumi config (``project:key`` -> string) into a validated :class:`StackConfig`."""

from __future__ import annotations

import json
import typing

from pydantic import BaseModel, TypeAdapter, ValidationError

from .base import PROJECT
from .errors import ConfigIssue, StackConfigError, issues_from_validation_error, meant_key, under
from .introspect import held
from .rules import CROSS_SECTION_RULES
from .secrets import credential_issues, secure_leaves_of_keys
from .stack import StackConfig
from .upgrade import take_moved_keys

PROVIDER_NAMESPACES = ("alicloud", "aws", "kubernetes", "pulumi")
"""Config namespaces that belong to providers or the engine, not to this program."""


def _decode(value: str) -> typing.Any:
    """Pulumi passes structured config as JSON text and plain values as bare strings."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _overlap(path: str, other: str) -> bool:
    """Whether one key path contains the other (``alicloud`` and ``alicloud.network``) or they are the same."""
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")


def _failed_paths(error: ValidationError) -> set[str]:
    """The sections an error is in, as key paths three levels deep (``alicloud.network.vpcCidr``,
    ``alicloud.cluster.existing``, ``services.0.autoscaling``), so a rule may read one part of a section, and the
    key a misspelt one stands for (``alicloud.nodepools``: ``alicloud.nodePools``), whose value is not where it is
    read, so rules over it would report the defaults standing in for it."""
    paths: set[str] = set()
    for e in error.errors():
        loc = e["loc"]
        meant = meant_key(StackConfig, loc) if e["type"] == "extra_forbidden" else None
        paths |= {".".join(str(part) for part in at[:3]) for at in (loc, (*loc[:-1], meant) if meant else ()) if at}
    return paths


def _valid_part(model: type[BaseModel], values: typing.Any, failed: set[str], prefix: str = "") -> BaseModel:
    """``model`` built from its fields in ``values`` that validate on their own, descending into sections with
    a mistake inside (their other fields are still valid); every other field keeps its default."""
    parsed = {}
    for name, field in model.model_fields.items():
        path = prefix + field.alias
        if field.alias not in values:
            continue
        broken = {f for f in failed if _overlap(f, path)}
        nested = held(field.annotation)
        if not broken:
            parsed[name] = TypeAdapter(field.rebuild_annotation()).validate_python(values[field.alias])
        elif path not in broken and isinstance(values[field.alias], dict) and len(nested) == 1:
            parsed[name] = _valid_part(nested[0], values[field.alias], failed, path + ".")
    return model.model_construct(**parsed)


def _rules_over_valid_sections(values: dict[str, typing.Any], failed: set[str]) -> list[ConfigIssue]:
    """Cross-section rules whose sections all validated, so a typo in one section does not hide
    a contradiction between two others. Sections that are absent count as valid (their defaults)."""
    partial = typing.cast(StackConfig, _valid_part(StackConfig, values, failed))
    return [
        ConfigIssue(path, message, hint)
        for rule in CROSS_SECTION_RULES if not any(_overlap(read, f) for read in rule.reads for f in failed)
        for path, message, hint in rule.check(partial)
    ]


def load_stack_config(config: typing.Mapping[str, str], secret: typing.Collection[str], source: str = "stack config",
                      secure_paths: typing.Optional[typing.Collection[str]] = None) -> StackConfig:
    """Validate every ``elastic-inference:*`` key at once; raise :class:`StackConfigError` listing all mistakes.

    ``secret``: the config keys holding a ``secure:`` value, as the Pulumi CLI names them. ``secure_paths``: the key
    paths of the ``secure:`` leaves themselves (``services[0].secretEnv.HF_TOKEN``), when the stack file was read;
    without them the leaves are inferred from ``secret`` (:mod:`stackconfig.secrets`). Secure values never appear in
    an error."""
    issues: list[ConfigIssue] = []
    values: dict[str, typing.Any] = {}
    for full_key, raw in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace == PROJECT:
            values[key] = _decode(raw)
        elif namespace not in PROVIDER_NAMESPACES:
            issues.append(ConfigIssue(full_key, f"unknown config namespace '{namespace}'",
                                      f"this program's keys are '{PROJECT}:<key>'"))
    secret_top = {key.partition(":")[2] for key in secret if key.startswith(f"{PROJECT}:")}
    if secure_paths is None:
        secure = secure_leaves_of_keys(StackConfig, values, secret_top)
        credentials = credential_issues(StackConfig, values, secure, secret_keys=secret_top)
        hidden = [*secret_top]
    else:
        secure = set(secure_paths)
        credentials = credential_issues(StackConfig, values, secure)
        hidden = [*secure]
    issues += credentials
    # Offline, secure: where it is not taken is reported once, not again as a type error of its placeholder; under
    # the CLI the values are the decrypted ones, whose errors all count.
    misplaced = {issue.path for issue in credentials} & secure if secure_paths is not None else set()
    moved_issues, moved = take_moved_keys(values)
    issues += moved_issues
    failed: set[str] = set()
    try:
        model = StackConfig.model_validate(values)
    except ValidationError as error:
        failed = _failed_paths(error)
        if failed or not moved:  # else only the rules failed, on defaults standing in for the moved sections
            issues += [issue for issue in issues_from_validation_error(error, StackConfig, hidden)
                       if not any(under(issue.path, path) for path in misplaced)]
        model = None
    if failed or moved:  # otherwise every section validated and the rules have already reported
        issues += _rules_over_valid_sections(values, failed | moved)
    if issues:
        raise StackConfigError(source, issues)
    assert model is not None
    return model


def load_from_pulumi() -> StackConfig:
    """The stack config of the running Pulumi program, as the CLI (or the offline plan) passed it."""
    import pulumi
    from pulumi.runtime.config import get_config_env, get_config_secret_keys_env

    return load_stack_config(get_config_env(), get_config_secret_keys_env(), source=f"stack '{pulumi.get_stack()}'")
