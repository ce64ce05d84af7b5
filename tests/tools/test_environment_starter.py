"""The environment starter (templates/environment/Pulumi.example.yaml): generated, complete, and a valid stack file."""

from __future__ import annotations

from planner.stackfile import read_stack_file
from stackconfig import PROJECT, StackConfig, load_stack_config
from tools import config_reference, environment_starter


def test_environment_starter_is_generated_from_the_config_model() -> None:
    assert environment_starter.main(["--check"]) == 0, "templates/environment/Pulumi.example.yaml is stale: make docs"


def _key(line: str) -> str:
    """The key a starter line sets, commented out or not (``elastic-inference:`` removed)."""
    return line.strip().lstrip("# ").removeprefix(f"{PROJECT}:").split(":")[0]


def test_environment_starter_explains_every_key() -> None:
    keys = {_key(line) for line in environment_starter.STARTER.read_text().splitlines() if ":" in line}
    for key, _, _, _ in config_reference.rows(StackConfig):
        assert key.split(".")[-1].removesuffix("[]") in keys, key


def test_environment_starter_is_a_valid_stack_file() -> None:
    config, secret = read_stack_file(environment_starter.STARTER)
    stack = load_stack_config(config, secret)
    assert (stack.environment, stack.region, list(stack.zones)) == ("qa", "cn-beijing", ["cn-beijing-h", "cn-beijing-i"])
