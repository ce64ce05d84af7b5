"""Config mistakes as a flat list of (key path, message, hint), printed without a traceback."""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from .introspect import held


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    """Key path in the stack config, e.g. ``services[1].autoscaling.maxReplicas``."""
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" + (f" (hint: {self.hint})" if self.hint else "")


class StackConfigError(Exception):
    """The stack config is invalid; ``issues`` lists every mistake found."""

    def __init__(self, source: str, issues: list[ConfigIssue]):
        self.source = source
        self.issues = issues
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{self.source}: {len(self.issues)} configuration error(s):"]
        lines += [f"  - {issue}" for issue in self.issues]
        return "\n".join(lines)


def format_path(loc: typing.Sequence[str | int]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def join_path(base: str, relative: str) -> str:
    if not relative:
        return base
    if not base or relative.startswith("["):
        return base + relative
    return f"{base}.{relative}"


def _keys_at(model: type[BaseModel], loc: typing.Sequence[str | int]) -> list[str]:
    """The keys a mapping at ``loc`` accepts, for 'did you mean' hints."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following: list[type[BaseModel]] = []
        for cls in current:
            for name, field in cls.model_fields.items():
                if part in (field.alias, name):
                    following += held(field.annotation)
        current = following
    return sorted({field.alias or name for cls in current for name, field in cls.model_fields.items()})


def issues_from_validation_error(error: ValidationError, model: type[BaseModel]) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for entry in error.errors(include_input=False, include_url=False):
        loc = entry["loc"]
        path = format_path(loc)
        kind = entry["type"]
        if kind == "config_rules":
            issues += [ConfigIssue(join_path(path, rel), message, hint) for rel, message, hint in entry["ctx"]["findings"]]
        elif kind == "extra_forbidden":
            allowed = _keys_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
            issues.append(ConfigIssue(path, "unknown key", hint))
        elif kind == "missing":
            issues.append(ConfigIssue(path, "required key is missing"))
        else:
            issues.append(ConfigIssue(path or "(stack config)", entry["msg"]))
    return issues
