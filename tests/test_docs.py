"""Documentation that is generated from code must match it; the README's commands must exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tools.config_reference import PULUMI_YAML, README, pulumi_yaml, readme_with_reference
from stackconfig import StackConfig

ROOT = Path(__file__).resolve().parent.parent


def test_config_reference_in_readme_is_current():
    assert README.read_text() == readme_with_reference(README.read_text()), "run `make docs`"


def test_pulumi_yaml_is_current_and_declares_the_project():
    assert PULUMI_YAML.read_text() == pulumi_yaml(), "run `make docs`"
    project = yaml.safe_load(PULUMI_YAML.read_text())
    assert project["name"] == "elastic-inference" and project["stackConfigDir"] == "stacks"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    aliases = {f.alias for f in StackConfig.model_fields.values()}
    for key, declaration in project["config"].items():
        assert key in aliases and declaration["description"]
        assert declaration["type"] in ("string", "boolean", "integer", "array")


def test_every_config_key_is_documented():
    text = README.read_text()
    for field in StackConfig.model_fields.values():
        assert f"| `{field.alias}` |" in text


def test_readme_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w+)", README.read_text(), flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


def test_policy_table_is_the_policy_pack():
    from policypack.rules import RULES

    text = README.read_text()
    for rule in RULES:
        assert f"| `{rule.name}` | {rule.enforcement} | {rule.description} |" in text, rule.name
