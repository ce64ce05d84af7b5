"""Random edits of the committed stack files (hypothesis): never a traceback, never a hang, every refusal names a
key path, every accepted mutant plans under the mock engine with unique URNs.

The default run validates ``FUZZ_EXAMPLES`` mutants (default 60) and plans the first ``FUZZ_PLANS`` accepted ones
(default 1, ~1 s); ``make fuzz`` runs several hundred and plans every accepted one. Derandomized: the same
mutants on every run."""

from __future__ import annotations

import copy
import os
import time
from datetime import timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from planner.cli import PROJECT_DIR, committed_stacks
from planner.engine import run_program
from planner.stackfile import read_stack_file
from stackconfig import PROJECT, StackConfigError, load_stack_config

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
PLANS = int(os.environ.get("FUZZ_PLANS", "1"))
SECONDS_PER_CASE = 5

DOCUMENTS = {stack: yaml.safe_load((PROJECT_DIR / "stacks" / f"Pulumi.{stack}.yaml").read_text()) for stack in committed_stacks()}

EXTREMES: list[Any] = [True, False, None, 0, -1, 1, 2 ** 63, -(2 ** 64), 1e308, 0.5, "", "0", "16", "true", "x" * 5000,
                       "a\u202eb", "a\x00b", "tab\there", "é", [], {}, [1, 2], {"a": 1}, "1.20.0-aliyun.1",
                       "/v1//models", "10.0.0.0/8", "acs:x", "ecs_gn7i", "1000000", "0.0001"]
TEXT_TRICKS = [
    "  {key}: !!binary aGVsbG8=\n", "  {key}: !!set {{a, b}}\n", "  {key}: 2026-12-31\n", "  {key}: .inf\n",
    "  {key}: &a [1, *a]\n", "  {key}: yes\n", "  {key}: 0x1f\n", "  {key}: " + "[" * 80 + "]" * 80 + "\n",
    "  {key}:\n    2026-12-31: x\n", "  {key}: !!int nope\n",
]


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        found += [p for key, item in value.items() for p in _paths(item, (*path, key))]
    elif isinstance(value, list):
        found += [p for i, item in enumerate(value) for p in _paths(item, (*path, i))]
    return found


def _holder(document: Any, path: tuple) -> tuple[Any, Any]:
    for part in path[:-1]:
        document = document[part]
    return document, path[-1]


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, str]:
    """(stack, stack file text) of a committed stack with a few random edits."""
    stack = draw(st.sampled_from(sorted(DOCUMENTS)))
    document = copy.deepcopy(DOCUMENTS[stack])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if len(p) >= 2]
        path = draw(st.sampled_from(paths))
        holder, key = _holder(document, path)
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "swap", "unicode"]))
        if action == "replace":
            holder[key] = draw(st.sampled_from(EXTREMES))
        elif action == "delete":
            del holder[key]
        elif action == "duplicate" and isinstance(holder, list):
            holder.insert(key, copy.deepcopy(holder[key]))
        elif action == "swap":
            other = draw(st.sampled_from(paths))
            other_holder, other_key = _holder(document, other)
            if other[:len(path)] != path and path[:len(other)] != other:
                holder[key], other_holder[other_key] = other_holder[other_key], holder[key]
        elif action == "unicode" and isinstance(holder[key], str):
            holder[key] += draw(st.text(min_size=1, max_size=3))
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if draw(st.booleans()) and "config:\n" in text:
        key = draw(st.sampled_from([f"{PROJECT}:environment", f"{PROJECT}:tags", f"{PROJECT}:services", "x"]))
        text = text.replace("config:\n", "config:\n" + draw(st.sampled_from(TEXT_TRICKS)).format(key=key), 1)
    return stack, text


PLANNED: list[str] = []


@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=timedelta(seconds=SECONDS_PER_CASE),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(mutants())
def test_a_mutated_stack_file_is_refused_with_key_paths_or_plans(tmp_path_factory: pytest.TempPathFactory,
                                                                 mutant: tuple[str, str]) -> None:
    stack, text = mutant
    path = tmp_path_factory.mktemp("mutant") / f"Pulumi.{stack}.yaml"
    path.write_text(text)
    started = time.monotonic()
    try:
        config, secret = read_stack_file(path)
        load_stack_config(config, secret)
    except StackConfigError as error:
        assert error.issues and all(issue.path and issue.message for issue in error.issues), error.report()
        return
    finally:
        assert time.monotonic() - started < SECONDS_PER_CASE
    if len(PLANNED) >= PLANS:
        return
    PLANNED.append(stack)
    plan = run_program(PROJECT_DIR, PROJECT, stack, config, secret)
    urns = [resource.urn for resource in plan.resources]
    assert len(urns) == len(set(urns)), sorted({u for u in urns if urns.count(u) > 1})
