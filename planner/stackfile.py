"""Read a ``Pulumi.<stack>.yaml`` stack file into the config the Pulumi CLI would hand the program.

The CLI reads stack files with Go's ``gopkg.in/yaml.v3`` (``sdk/go/common/encoding/marshal.go``), decodes the
document into ``any``, checks its keys (``workspace.SimplifyMarshalledProject``), writes it back and decodes the
config values into ``config.Value`` (``resource/config/object.go``: ``unmarshalObject``, ``MarshalString``).
:class:`PulumiYamlLoader` reads the same values, checked in pulumi/pulumi and go-yaml/yaml v3
(``resolve.go``, ``decode.go``, ``scannerc.go``):

- plain scalars resolve as yaml.v3 resolves them (YAML 1.2 core): ``yes``/``on``/``no`` and ``1:20`` are strings,
  ``0x1f``, ``0o17``, ``0b101``, ``017`` and ``1_000`` are integers, ``1e3`` is a float;
- a timestamp (``expires: 2026-12-31``) decodes to Go's ``time.Time`` and reaches the program as its ``String()``,
  ``2026-12-31 00:00:00 +0000 UTC``; ``!!binary`` to its decoded text; unknown tags (``!!set``, ``!foo``) change
  nothing: their node is read as the mapping, sequence or string it is;
- a mapping key that is not a string (a date, a number, ``true``, ``null``) is refused ("expected only string keys");
- a duplicate key is refused with both lines ("mapping key already defined at line N", ``decoder.mapping``);
- ``.inf`` and ``.nan`` are refused: ``json.Marshal`` cannot write them ("unsupported value");
- an integer beyond 64 bits reaches the program as an inexact float (``ParseInt``, ``ParseUint``, then
  ``ParseFloat``): kept whole here, the config model refuses every integer outside int64;
- yaml.v3 stops at a nesting depth of 10,000 and at "excessive aliasing" (``allowedAliasRatio``); this reader
  stops far earlier, at :data:`MAX_DEPTH` levels and :data:`MAX_NODES` nodes with aliases expanded, because no
  stack needs more and Python's recursion limit and memory are smaller.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
import re
from pathlib import Path
from typing import Any, Iterator

import yaml
from yaml.events import Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from stackconfig import PROJECT, ConfigIssue, StackConfig, StackConfigError, load_stack_config
from stackconfig.errors import format_path

SECRET_PLACEHOLDER = "offline-plan-secret-placeholder"
"""Stands in for a ``secure:`` value, which cannot be decrypted offline; always marked secret."""

STACK_FILE_KEYS = {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}
"""Top-level keys of a Pulumi stack file."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences read (the deepest committed stack has 7 levels)."""
MAX_NODES = 10_000
"""Most nodes a document may have once its aliases are expanded (the largest committed stack has about 400)."""

_TIMESTAMP = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2}))"
                        r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?$")
"""yaml.v3 ``allowedTimestampFormats``: RFC 3339 with short date fields (``T`` or ``t``), space-separated without a
zone, or a date."""
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
"""yaml.v3 ``yamlStyleFloat``."""
_CONSTANTS: dict[str, Any] = {
    **{s: True for s in ("true", "True", "TRUE")}, **{s: False for s in ("false", "False", "FALSE")},
    **{s: None for s in ("", "~", "null", "Null", "NULL")},
    **{s: math.nan for s in (".nan", ".NaN", ".NAN")},
    **{s: math.inf for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: -math.inf for s in ("-.inf", "-.Inf", "-.INF")},
}
"""yaml.v3 ``resolveMap``."""
_STANDARD = "tag:yaml.org,2002:"


class StackFileProblem(Exception):
    """A stack file the CLI would refuse (or this reader cannot hold): where, what, and how to fix it."""

    def __init__(self, message: str, at: Node | Event, hint: str, path: str | None = None):
        super().__init__(message)
        self.line = at.start_mark.line + 1
        self.hint = hint
        self.path = path


def _go_time(value: datetime.datetime) -> str:
    """Go's ``time.Time.String()``: ``2006-01-02 15:04:05.999999999 -0700 MST``; a zone offset yaml.v3 parses has no
    name but the offset, UTC is ``UTC``."""
    fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
    offset = value.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    numeric = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return f"{value:%Y-%m-%d %H:%M:%S}{fraction} {numeric} {'UTC' if minutes == 0 else numeric}"


def _timestamp(text: str) -> str | None:
    match = _TIMESTAMP.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone, s_hour, s_minute, s_second, s_fraction = match.groups()
    hour, minute, second, fraction = (hour, minute, second, fraction) if hour else (s_hour, s_minute, s_second, s_fraction)
    tz = datetime.timezone.utc
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                  int(((fraction or ".0")[1:] + "000000")[:6]), tzinfo=tz)
    except ValueError:
        return None
    return _go_time(value)


def _integer(text: str) -> int | None:
    """yaml.v3's integers: Go's ``ParseInt(s, 0, 64)`` (``0x``, ``0o``, ``0b``, a leading ``0`` for octal,
    underscores), then ``ParseUint``; bigger ones are floats there, but are kept whole here to be refused."""
    plain = text.replace("_", "")
    sign, digits = (plain[0], plain[1:]) if plain[:1] in "+-" else ("", plain)
    for prefix, base in (("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)):
        if digits.startswith(prefix):
            digits, radix = digits[2:], base
            break
    else:
        radix = 8 if len(digits) > 1 and digits.startswith("0") else 10
    if not digits or not all(c in "0123456789abcdefABCDEF"[:radix if radix <= 10 else 22] for c in digits):
        return None
    return int(sign + digits, radix)


def resolve_plain(text: str) -> Any:
    """The value yaml.v3 gives a plain (unquoted, untagged) scalar, as the program receives it."""
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if text[:1] == ".":
        return float(text) if _FLOAT.match(text) else text
    if text[:1] not in "+-0123456789":
        return text
    stamp = _timestamp(text)
    if stamp is not None:
        return stamp
    number = _integer(text)
    if number is not None:
        return number
    return float(text.replace("_", "")) if _FLOAT.match(text.replace("_", "")) else text


class PulumiYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader with yaml.v3's scalars and tags, unique keys, and bounded depth and aliases."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            return _STANDARD + "merge" if value == "<<" else "!pulumi/plain"
        return super().resolve(kind, value, implicit)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise StackFileProblem(f"nests deeper than {MAX_DEPTH} levels", self.peek_event(), FLATTEN)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        tag = node.tag
        if isinstance(node, ScalarNode):
            text = node.value
            if tag == "!pulumi/plain":
                return resolve_plain(text)
            if tag == _STANDARD + "binary":
                try:
                    return base64.b64decode("".join(text.split()), validate=True).decode("utf-8", errors="replace")
                except binascii.Error:
                    raise StackFileProblem("!!binary value contains invalid base64 data", node,
                                           "give the text itself, without !!binary") from None
            if tag in (_STANDARD + kind for kind in ("int", "float", "bool", "null", "timestamp")):
                value = resolve_plain(text)
                expected = {"int": (int,), "float": (float, int), "bool": (bool,), "null": (type(None),),
                            "timestamp": (str,)}[tag.removeprefix(_STANDARD)]
                if not isinstance(value, expected) or (tag.endswith("timestamp") and _timestamp(text) is None) \
                        or (tag.endswith("int") and isinstance(value, bool)):
                    raise StackFileProblem(f"cannot decode `{text}` as a !!{tag.removeprefix(_STANDARD)}", node,
                                           "remove the tag, or give a value of that type")
                return float(value) if tag.endswith("float") else value
            return text  # !!str and tags yaml.v3 does not know: the text itself
        if isinstance(node, SequenceNode):
            return [self.construct_object(item, deep=True) for item in node.value]
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                mapping[_go_text(self.construct_object(key_node, deep=True))] = self.construct_object(value_node, deep=True)
            return mapping
        return super().construct_object(node, deep)


def _go_text(key: Any) -> str:
    """A mapping key as the CLI spells one that is not a string: ``fmt.Sprintf("%v", key)`` (``unmarshalObject``)."""
    if isinstance(key, str):
        return key
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return str(key).lower()
    if isinstance(key, float):
        if not math.isfinite(key):
            return "NaN" if math.isnan(key) else ("+Inf" if key > 0 else "-Inf")
        return str(int(key)) if key.is_integer() and abs(key) < 1e21 else repr(key)
    return str(key)


FLATTEN = "no stack needs this much nesting; flatten the value"


def _key_text(node: Node) -> str:
    return node.value if isinstance(node, ScalarNode) else "?"


def _config_path(parts: tuple[str | int, ...]) -> str:
    """A document path as the key path config errors name: ``config.elastic-inference:services.1`` is
    ``services[1]``, a provider key keeps its namespace, keys outside ``config`` their own name."""
    if len(parts) >= 2 and parts[0] == "config":
        head = str(parts[1])
        head = head.removeprefix(f"{PROJECT}:") if ":" in head else head
        return format_path((head, *parts[2:]))
    return format_path(parts) or "(file)"


def _walk(node: Node, path: tuple[str | int, ...], depth: int, active: set[int]) -> Iterator[tuple[tuple[str | int, ...], Node]]:
    """Every node with its path, aliases expanded; checks duplicate keys, depth and self-reference on the way and
    stops past :data:`MAX_NODES`."""
    if depth > MAX_DEPTH:
        raise StackFileProblem(f"nests deeper than {MAX_DEPTH} levels once its aliases are expanded", node, FLATTEN,
                               _config_path(path))
    if id(node) in active:
        raise StackFileProblem("an anchor's value contains itself", node, "an alias can only repeat a finished value",
                               _config_path(path))
    yield path, node
    if isinstance(node, ScalarNode):
        return
    active.add(id(node))
    if isinstance(node, SequenceNode):
        children = [(i, item) for i, item in enumerate(node.value)]
    else:
        seen: dict[str, Node] = {}
        for key_node, _ in node.value:
            key = _key_text(key_node)
            if key in seen and key != "<<":
                raise StackFileProblem(f"is defined twice, at line {seen[key].start_mark.line + 1} and line "
                                       f"{key_node.start_mark.line + 1}; the Pulumi CLI refuses duplicate keys", key_node,
                                       "keep one of them (merge the two blocks if both hold values)",
                                       _config_path((*path, key)))
            seen[key] = key_node
        children = [(_key_text(k), v) for k, v in node.value]
    for part, child in children:
        yield from _walk(child, (*path, part) if part != "<<" else path, depth + 1, active)
    active.discard(id(node))


def _record_lines(root: Node, lines: dict[str, int]) -> None:
    """Record the line of each key path of the document (1-based) while checking its shape; raises
    :class:`StackFileProblem` at the first problem."""
    for count, (path, node) in enumerate(_walk(root, (), 1, set()), start=1):
        if count > MAX_NODES:
            raise StackFileProblem(f"has more than {MAX_NODES} values once its aliases are expanded", root,
                                   "write the values out instead of repeating aliases")
        lines.setdefault(_config_path(path), node.start_mark.line + 1)


def _problem_path(lines: dict[str, int], line: int | None) -> str:
    """The deepest key path at ``line`` (the walk records parents first), to name where a problem is."""
    at = [path for path, number in lines.items() if number == line]
    return at[-1] if at else "(file)"


class StackFileConfig(dict[str, str]):
    """Config as ``namespace:key`` -> string, with the stack file's line of each key path."""

    def __init__(self, values: dict[str, str], source: str, lines: dict[str, int], secure_paths: frozenset[str] = frozenset()):
        super().__init__(values)
        self.source = source
        self.lines = lines
        self.secure_paths = secure_paths
        """Key paths of this project's ``secure:`` leaves (``s3Credentials.accessKeyId``), which the CLI does not
        tell a program: it names only the top-level keys that hold one."""

    def line_of(self, path: str) -> int | None:
        """The line of ``path`` or of its nearest ancestor the file has (a missing key: its parent's)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\[\d+\]|\.?[^.\[]+)$", "", path, count=1)
        return None

    def locate(self, error: StackConfigError) -> StackConfigError:
        """``error`` with each issue's line in this file."""
        return StackConfigError(self.source, [issue.at_line(self.line_of(issue.path)) for issue in error.issues])


def _replace_secure(value: Any, loc: tuple[str | int, ...]) -> tuple[Any, list[str]]:
    """Replace every ``{secure: ...}`` leaf with the placeholder; return the key paths of those leaves."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, [format_path(loc)]
        replaced = {k: _replace_secure(v, (*loc, k)) for k, v in value.items()}
        return {k: v for k, (v, _) in replaced.items()}, [path for _, paths in replaced.values() for path in paths]
    if isinstance(value, list):
        replaced_items = [_replace_secure(v, (*loc, i)) for i, v in enumerate(value)]
        return [v for v, _ in replaced_items], [path for _, paths in replaced_items for path in paths]
    return value, []


def _infinite(value: Any, path: str) -> Iterator[ConfigIssue]:
    """``.inf``/``.nan``, which the CLI cannot pass on: ``json.Marshal`` has no form for them."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _infinite(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _infinite(item, f"{path}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        yield ConfigIssue(path, f"{value} is not a finite number; the Pulumi CLI cannot pass it to the program",
                          "give a finite number")


def parse_stack_document(document: Any, source: str, lines: dict[str, int] | None = None) -> tuple[StackFileConfig, list[str]]:
    """Config as ``namespace:key`` -> string (JSON text for structured values) and the secret keys."""
    lines = lines or {}
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise StackConfigError(source, [ConfigIssue("(file)", "a stack file must be a YAML mapping with a 'config' key")])
    unknown = sorted(set(document) - STACK_FILE_KEYS)
    if unknown:
        raise StackConfigError(source, [ConfigIssue(key, "unknown top-level key of a stack file",
                                                    "config values go under 'config:'", lines.get(key)) for key in unknown])
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, dict):
        raise StackConfigError(source, [ConfigIssue("config", "must be a mapping of config keys", line=lines.get("config"))])
    config: dict[str, str] = {}
    secret: list[str] = []
    secure_paths: list[str] = []
    issues: list[ConfigIssue] = []
    for key, value in raw_config.items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        path = _config_path(("config", full_key))
        issues += [issue.at_line(lines.get(issue.path)) for issue in _infinite(value, path)]
        namespace, _, config_key = full_key.partition(":")
        value, paths = _replace_secure(value, (config_key,))
        config[full_key] = value if isinstance(value, str) else json.dumps(value)
        if paths:
            secret.append(full_key)
        if namespace == PROJECT:
            secure_paths += paths
    if issues:
        raise StackConfigError(source, issues)
    return StackFileConfig(config, source, lines, frozenset(secure_paths)), secret


def read_stack_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # the CLI strips a UTF-8 byte-order mark (readFileStripUTF8BOM)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise StackConfigError(str(path), [ConfigIssue("(file)", f"cannot read: {reason}")]) from None


def read_stack_file(path: Path) -> tuple[StackFileConfig, list[str]]:
    return parse_stack_text(read_stack_text(path), str(path))


def parse_stack_text(text: str, source: str) -> tuple[StackFileConfig, list[str]]:
    """:func:`read_stack_file` of a stack file's text; ``source`` names it in errors."""
    loader = PulumiYamlLoader(text)
    lines: dict[str, int] = {}
    try:
        root = loader.get_single_node()
        if root is None:
            return parse_stack_document(None, source)
        _record_lines(root, lines)
        document = loader.construct_object(root)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise StackConfigError(source, [ConfigIssue(
            "(file)", f"not valid YAML: {getattr(error, 'problem', None) or error}",
            "check the indentation and quoting around this line", mark.line + 1 if mark else None)]) from None
    except StackFileProblem as problem:
        raise StackConfigError(source, [ConfigIssue(
            problem.path or _problem_path(lines, problem.line), str(problem), problem.hint, problem.line)]) from None
    finally:
        loader.dispose()
    return parse_stack_document(document, source, lines)


def load_validated(path: Path) -> StackConfig:
    """The validated config of the stack file ``path`` (errors name its lines), without running the program."""
    return validate_stack_text(read_stack_text(path), str(path))


def validate_stack_text(text: str, source: str) -> StackConfig:
    config, secret_keys = parse_stack_text(text, source)
    return load_stack_config(config, secret_keys, source=source, secure_paths=config.secure_paths)


# --------------------------------------------------------------------------- editing values in place


def _yaml_value(value: Any) -> str:
    """A plain scalar that reads back as ``value`` (the settings edited are numbers and words)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _last_line_end(text: str, node: Node) -> int:
    """Where the line holding the end of ``node`` ends (a block collection ends with its last child)."""
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
    end = node.end_mark.index
    if end and text[end - 1] == "\n":  # a block scalar ends after its line break
        end -= 1
    line_end = text.find("\n", end)
    return len(text) if line_end < 0 else line_end


def set_config_value(text: str, path: tuple[str | int, ...], value: Any) -> str:
    """The stack file ``text`` with the project config value at ``path`` (``("services", 0, "autoscaling",
    "minReplicas")``) set to ``value``, everything else kept byte for byte, comments included: an existing value is
    replaced where it stands (in a block or a flow mapping); a missing key is added to the deepest mapping the path
    reaches, after its last entry, with what is missing below it as flow mappings (``behavior: {scaleDown:
    {stabilizationWindowSeconds: 60}}``). The file must already hold the sequences on the path."""
    loader = PulumiYamlLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    top = path[0]
    config = next(v for k, v in root.value if _key_text(k) == "config")
    spelled = next((_key_text(k) for k, _ in config.value if _key_text(k) in (f"{PROJECT}:{top}", top)), f"{PROJECT}:{top}")
    node, keys = config, [spelled, *path[1:]]
    while keys:
        part = keys[0]
        if isinstance(node, SequenceNode):
            node = node.value[part]
        else:
            child = next((v for k, v in reversed(node.value) if _key_text(k) == part), None)
            if child is None:
                break
            node = child
        keys.pop(0)
    if not keys:
        if not isinstance(node, ScalarNode):
            raise ValueError(f"{_config_path(('config', spelled, *path[1:]))} holds a collection, not a value")
        return text[:node.start_mark.index] + _yaml_value(value) + text[node.end_mark.index:]
    entry = _yaml_value(value)
    for key in reversed(keys[1:]):
        entry = f"{{{key}: {entry}}}"
    entry = f"{keys[0]}: {entry}"
    if node.flow_style:
        at = node.value[-1][1].end_mark.index if node.value else node.end_mark.index - 1
        return text[:at] + (", " if node.value else "") + entry + text[at:]
    at = _last_line_end(text, node)
    return text[:at] + "\n" + " " * node.value[0][0].start_mark.column + entry + text[at:]
