"""Which config values are secret, and plaintext credentials refused anywhere in a stack file.

A **secret field** is typed :class:`pydantic.SecretStr` (``s3Credentials.*``, ``services[].secretEnv.*``,
``services[].autoscaling.keda.authentication`` tokens and passwords): its value must be ``secure:`` and the
components only ever pass it on as a secret Output, into a Kubernetes Secret. A field marked
:data:`SECRET_ALLOWED` (``existing.kubeconfig``) may be ``secure:`` and is always handed on as a secret when it
holds more than a path. ``secure:`` anywhere else is refused: a host name, a URL or a query becomes part of
names, labels and whole objects, which would then all be secret and hide the plan's diffs, so a credential goes
into a secret field instead (the error says which).

What the program knows of ``secure:`` depends on who runs it. The offline plan reads the stack file and knows
each ``secure:`` leaf (``secure_paths``). ``pulumi preview``/``up`` tell a program only which top-level keys hold
a ``secure:`` value somewhere (``PULUMI_CONFIG_SECRET_KEYS``); then every secret field of such a key counts as
``secure:`` and a key with none is refused. The leaf-exact rules (a plaintext ``secretAccessKey`` next to a
``secure:`` ``accessKeyId``, ``secure:`` on a host in a key that also holds a secret field) are therefore the
offline plan's, which every pull request runs.

Every other string leaf is scanned with the one credential detector (:mod:`policypack.credentials`): by its
shape (access key ids, secret-key-like strings, tokens, passwords and tokens in URLs, kubeconfig credentials),
and, in free-form maps (``env``, ``tags``, ...), by its key's name.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from pydantic import BaseModel, SecretStr

from policypack.credentials import credential_name, credential_value

from .errors import ConfigIssue, format_path
from .introspect import held, strip

SECRET_ALLOWED = "secret-allowed"
"""``Annotated`` metadata of a string field that may be ``secure:`` (its consumer keeps it secret either way)."""

SECRET_FIELD_HINT = ("put a credential in a secret field: services[].secretEnv for a server's environment, "
                     "autoscaling.keda.authentication for Prometheus, s3Credentials for S3")


@dataclass(frozen=True)
class Leaf:
    """One string (or other scalar) of the config and what its schema says of it."""

    path: str
    value: Any
    secret_field: bool
    """Typed SecretStr: must be ``secure:``."""
    secret_allowed: bool
    """May be ``secure:`` (a secret field, or marked :data:`SECRET_ALLOWED`)."""
    free_key: Optional[str]
    """The key naming this value in a free-form map (``env``, ``tags``), where its name is the user's."""


def _marked(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return SECRET_ALLOWED in typing.get_args(annotation)[1:] or _marked(typing.get_args(annotation)[0])
    return any(_marked(arg) for arg in typing.get_args(annotation)) if origin is typing.Union else False


def _mapping_values(annotation: Any) -> Any:
    """The value type of a ``dict[K, V]`` annotation (through Optional/Annotated), or None."""
    stripped = strip(annotation)
    return typing.get_args(stripped)[1] if typing.get_origin(stripped) is dict else None


def leaves(annotation: Any, value: Any, loc: tuple[str | int, ...] = (), free_key: Optional[str] = None) -> Iterator[Leaf]:
    """Every scalar of ``value`` read as ``annotation`` (a config model or a type of one of its fields), with what
    the schema says of it. Keys the schema does not know are walked with no type (validation reports them)."""
    if isinstance(value, dict):
        models = held(annotation) if annotation is not None else []
        values_type = _mapping_values(annotation) if annotation is not None else None
        if models and values_type is None:
            fields = {field.alias or name: field for name, field in models[0].model_fields.items()}
            for key, item in value.items():
                field = fields.get(key)
                yield from leaves(field.rebuild_annotation() if field else None, item, (*loc, key))
        else:
            for key, item in value.items():
                yield from leaves(values_type, item, (*loc, key), free_key=str(key))
    elif isinstance(value, list):
        stripped = strip(annotation) if annotation is not None else None
        item_type = typing.get_args(stripped)[0] if typing.get_origin(stripped) is list else None
        for i, item in enumerate(value):
            yield from leaves(item_type, item, (*loc, i))
    else:
        secret_field = annotation is not None and bool(held(annotation, lambda kind: kind is SecretStr))
        yield Leaf(format_path(loc), value, secret_field, secret_field or _marked(annotation), free_key)


def secret_field_paths(model: type[BaseModel], values: dict[str, Any]) -> set[str]:
    """The paths of the secret fields set in ``values``."""
    return {leaf.path for leaf in leaves(model, values) if leaf.secret_field}


def _top(path: str) -> str:
    return path.split(".")[0].split("[")[0]


def secure_leaves_of_keys(model: type[BaseModel], values: dict[str, Any], secret_keys: typing.Collection[str]) -> set[str]:
    """What ``secure:`` leaves are taken to be when only the top-level keys holding one are known: the fields of
    those keys that may be secret."""
    return {leaf.path for leaf in leaves(model, values) if leaf.secret_allowed and _top(leaf.path) in secret_keys}


def credential_issues(model: type[BaseModel], values: dict[str, Any], secure_paths: typing.Collection[str],
                      secret_keys: Optional[typing.Collection[str]] = None) -> list[ConfigIssue]:
    """Every secret field stored in plain text, every ``secure:`` leaf on a key that is not secret, and every
    plaintext value that looks like a credential. ``secret_keys``: the top-level keys known to hold a ``secure:``
    value when the leaves are not known (``secure_paths`` then comes from :func:`secure_leaves_of_keys`); a key
    among them with no secret field set is refused."""
    issues: list[ConfigIssue] = []
    all_leaves = list(leaves(model, values))
    for leaf in all_leaves:
        secure = leaf.path in secure_paths
        if secure and not leaf.secret_allowed:
            issues.append(ConfigIssue(leaf.path, "holds a secure: value, but this key is not secret: its value would "
                                      "be written in plain text into resource inputs, state and previews",
                                      f"set it as plain config; {SECRET_FIELD_HINT}"))
        elif not secure and leaf.secret_field:
            issues.append(ConfigIssue(leaf.path, "holds a credential but is stored in plain text",
                                      f"pulumi config set --secret --path '{leaf.path}' <value>"))
        elif not secure and isinstance(leaf.value, str):
            issues += _plaintext_credential(leaf)
    for key in sorted(set(secret_keys or ()) - {_top(leaf.path) for leaf in all_leaves if leaf.secret_allowed}):
        if key in values:
            issues.append(ConfigIssue(key, "holds a secure: value, but none of its keys is secret: the value would be "
                                      "written in plain text into resource inputs, state and previews",
                                      f"set it as plain config; {SECRET_FIELD_HINT}"))
    return issues


def _plaintext_credential(leaf: Leaf) -> list[ConfigIssue]:
    if leaf.free_key is not None and credential_name(leaf.free_key) and leaf.value:
        return [ConfigIssue(leaf.path, f"{leaf.free_key} names a credential, and config is stored in the repository "
                            "in plain text", f"remove it; {SECRET_FIELD_HINT}")]
    what = credential_value(leaf.value)
    if what:
        hint = (f"pulumi config set --secret --path '{leaf.path}' <value>" if leaf.secret_allowed
                else f"remove the credential; {SECRET_FIELD_HINT}, or a workload identity (RRSA, IRSA)")
        return [ConfigIssue(leaf.path, f"looks like {what}, and config is stored in the repository in plain text", hint)]
    return []
