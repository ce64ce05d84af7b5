"""Config mistakes as a flat list of (key path, message, hint), printed without a traceback."""

from __future__ import annotations

import dataclasses
import json
import difflib
import re
import typing
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from .base import PATTERN_RULES
from .introspect import held


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    """Key path in the stack config, e.g. ``services[1].autoscaling.maxReplicas``."""
    message: str
    hint: str = ""
    line: int | None = None
    """Line of the stack file the key is on, when the config was read from one (``planner.stackfile``)."""

    def at_line(self, line: int | None) -> "ConfigIssue":
        return dataclasses.replace(self, line=line)

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}" + (f" (hint: {self.hint})" if self.hint else "")


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


def under(path: str, ancestor: str) -> bool:
    """Whether key path ``path`` is ``ancestor`` or inside it (``services[0].env.A`` is under ``services``)."""
    return path == ancestor or path.startswith((ancestor + ".", ancestor + "["))


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


def meant_key(model: type[BaseModel], loc: typing.Sequence[str | int]) -> str | None:
    """The key an unknown key at ``loc`` is a misspelling of (``nodepools``: ``nodePools``), if one is close."""
    close = difflib.get_close_matches(str(loc[-1]), _keys_at(model, loc[:-1]), n=1)
    return close[0] if close else None


def issues_from_validation_error(error: ValidationError, model: type[BaseModel],
                                 secret: typing.Collection[str] = ()) -> list[ConfigIssue]:
    """One issue per error; values at or under the key paths in ``secret`` (``s3Credentials``,
    ``services[0].secretEnv.TOKEN``) are never shown."""
    issues: list[ConfigIssue] = []
    for entry in error.errors(include_url=False):
        loc = entry["loc"]
        path = format_path(loc)
        kind = entry["type"]
        if kind == "config_rules":
            issues += [ConfigIssue(join_path(path, rel), message, hint) for rel, message, hint in entry["ctx"]["findings"]]
        elif kind == "extra_forbidden":
            close = meant_key(model, loc)
            hint = f"did you mean '{close}'?" if close else f"allowed keys: {', '.join(_keys_at(model, loc[:-1]))}"
            issues.append(ConfigIssue(path, "unknown key", hint))
        elif kind == "missing":
            issues.append(ConfigIssue(path, "required key is missing"))
        else:
            shown = "(secret value)" if any(under(path, key) for key in secret) else _shown(entry.get("input"))
            message, hint = _in_words(kind, entry, shown)
            issues.append(ConfigIssue(path or "(stack config)", message, hint))
    return _misspelled_once(issues)


def _misspelled_once(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    """A misspelled required key is one mistake: its 'unknown key ... did you mean' says it, so the 'required key is
    missing' of the key it meant is left out."""
    meant = {join_path(issue.path.rpartition(".")[0], issue.hint.removeprefix("did you mean '").removesuffix("'?"))
             for issue in issues if issue.message == "unknown key" and issue.hint.startswith("did you mean '")}
    return [issue for issue in issues if not (issue.message == "required key is missing" and issue.path in meant)]


MAPPING_HINT = "write key: value lines under the key"
TYPE_WORDS = {"int_type": ("an integer", "write a whole number without quotes, such as 3"),
              "int_from_float": ("an integer", "write a whole number, such as 3"),
              "bool_type": ("true or false", "write true or false without quotes"),
              "float_type": ("a number", "write a number without quotes, such as 10"),
              "string_type": ("a string", "quote the value, e.g. \"2\""),
              "list_type": ("a list", "write [a, b] or one '- item' line each"),
              "dict_type": ("a mapping", MAPPING_HINT), "model_type": ("a mapping of keys", MAPPING_HINT),
              "model_attributes_type": ("a mapping of keys", MAPPING_HINT)}
"""pydantic's type errors -> (what the key takes, how to write it)."""


def _shown(value: object) -> str:
    """The value as the stack file spells it: a string quoted, anything else as JSON (``true``, ``null``)."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _in_words(kind: str, entry: typing.Any, shown: str) -> tuple[str, str]:
    """(message, hint) for one pydantic error: the value given and the rule in words, never a regex."""
    ctx = entry.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        rule = PATTERN_RULES.get(ctx.get("pattern", ""), "of the form this key takes")
        return f"{shown} is not {rule}", "see this key in the README's Configuration reference"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(entry.get("input")), choices, n=1)
        return f"{shown} is not one of {', '.join(choices)}", (f"did you mean '{close[0]}'?" if close else "")
    if kind in TYPE_WORDS:
        words, hint = TYPE_WORDS[kind]
        return f"{shown} is not {words}", hint
    bounds = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
              "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"{shown} is out of range: it must be {words} {ctx.get(key)}", ""
    if kind in ("too_long", "string_too_long"):
        return f"{shown} is too long: at most {ctx.get('max_length')} {'characters' if kind.startswith('string') else 'entries'}", ""
    if kind in ("too_short", "string_too_short"):
        return f"{shown} is too short: at least {ctx.get('min_length')} {'characters' if kind.startswith('string') else 'entries'}", ""
    if kind == "finite_number":
        return f"{shown} is not a finite number", "give a finite number"
    return entry["msg"].removeprefix("Value error, "), ""
