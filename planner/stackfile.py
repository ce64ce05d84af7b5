"""Read a ``Pulumi.<stack>.yaml`` stack file into the config the Pulumi CLI would hand the program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from stackconfig import PROJECT, ConfigIssue, StackConfigError

SECRET_PLACEHOLDER = "offline-plan-secret-placeholder"
"""Stands in for a ``secure:`` value, which cannot be decrypted offline; always marked secret."""

STACK_FILE_KEYS = {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}
"""Top-level keys of a Pulumi stack file."""


def _replace_secure(value: Any) -> tuple[Any, bool]:
    """Replace every ``{secure: ...}`` leaf with the placeholder; report whether there was one."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        replaced = {k: _replace_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in replaced.items()}, any(s for _, s in replaced.values())
    if isinstance(value, list):
        replaced_items = [_replace_secure(v) for v in value]
        return [v for v, _ in replaced_items], any(s for _, s in replaced_items)
    return value, False


def parse_stack_document(document: Any, source: str) -> tuple[dict[str, str], list[str]]:
    """Config as ``namespace:key`` -> string (JSON text for structured values) and the secret keys."""
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise StackConfigError(source, [ConfigIssue("(file)", "a stack file must be a YAML mapping with a 'config' key")])
    unknown = sorted(set(document) - STACK_FILE_KEYS)
    if unknown:
        raise StackConfigError(source, [ConfigIssue(key, "unknown top-level key of a stack file",
                                                    "config values go under 'config:'") for key in unknown])
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, dict):
        raise StackConfigError(source, [ConfigIssue("config", "must be a mapping of config keys")])
    config: dict[str, str] = {}
    secret: list[str] = []
    for key, value in raw_config.items():
        full_key = str(key) if ":" in str(key) else f"{PROJECT}:{key}"
        value, is_secret = _replace_secure(value)
        config[full_key] = value if isinstance(value, str) else json.dumps(value)
        if is_secret:
            secret.append(full_key)
    return config, secret


def read_stack_file(path: Path) -> tuple[dict[str, str], list[str]]:
    try:
        text = path.read_text()
    except OSError as error:
        raise StackConfigError(str(path), [ConfigIssue("(file)", f"cannot read: {error.strerror}")]) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise StackConfigError(str(path), [ConfigIssue(where, f"not valid YAML: {getattr(error, 'problem', error)}")]) from None
    return parse_stack_document(document, str(path))
