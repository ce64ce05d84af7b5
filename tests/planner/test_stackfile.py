"""The stack-file reader reads what the Pulumi CLI (yaml.v3) would pass, and refuses what it would refuse."""

from __future__ import annotations

import json
import time

import pytest

from planner.stackfile import MAX_DEPTH, read_stack_file
from stackconfig import StackConfigError


def _read(tmp_path, body: str):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n" + body)
    return read_stack_file(path)


def _refusal(tmp_path, body: str) -> str:
    with pytest.raises(StackConfigError) as caught:
        _read(tmp_path, body)
    return str(caught.value.issues[0])


@pytest.mark.parametrize(("yaml_text", "value"), [
    ("expires: 2026-12-31", {"expires": "2026-12-31 00:00:00 +0000 UTC"}),  # Go's time.Time.String()
    ("x: !!binary aGVsbG8=", {"x": "hello"}),
    ("x: !!set {a, b}", {"x": {"a": None, "b": None}}),
    ("2026-12-31: x", {"2026-12-31 00:00:00 +0000 UTC": "x"}),
    ("a: yes\n    b: on\n    c: 1:20", {"a": "yes", "b": "on", "c": "1:20"}),  # YAML 1.2 core, not 1.1
    ("a: 0x1f\n    b: 017\n    c: 1e3\n    d: 1_000", {"a": 31, "b": 15, "c": 1000.0, "d": 1000}),
])
def test_scalars_reach_the_program_as_the_cli_passes_them(tmp_path, yaml_text, value):
    config, _ = _read(tmp_path, f"  elastic-inference:tags:\n    {yaml_text}\n")
    assert json.loads(config["elastic-inference:tags"]) == value


def test_a_duplicate_key_is_refused_with_both_lines(tmp_path):
    issue = _refusal(tmp_path, "  elastic-inference:environment: dev\n  elastic-inference:environment: prod\n")
    assert issue.startswith("environment (line 3): is defined twice, at line 2 and line 3")


@pytest.mark.parametrize("body", [
    "  x: " + "[" * 1000 + "]" * 1000 + "\n",
    "  x:\n" + "".join("  " * (i + 2) + "-\n" for i in range(MAX_DEPTH + 5)),
])
def test_deep_nesting_is_refused(tmp_path, body):
    assert "nests deeper than" in _refusal(tmp_path, body)


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    rows = ['    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    rows += [f"    {n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefg", "bcdefgh")]
    started = time.monotonic()
    assert "aliases are expanded" in _refusal(tmp_path, "  x:\n" + "\n".join(rows) + "\n")
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(("body", "words"), [
    ("  elastic-inference:x: {t: .inf}\n", "x.t (line 2): inf is not a finite number"),
    ("  elastic-inference:x: &a [*a]\n", "an anchor's value contains itself"),
    ("  elastic-inference:x: !!int nope\n", "cannot decode `nope` as a !!int"),
])
def test_values_the_cli_cannot_pass_are_refused_at_their_line(tmp_path, body, words):
    assert words in _refusal(tmp_path, body)
