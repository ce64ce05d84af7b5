"""The config reference (README) and the config declarations (Pulumi.yaml), generated from the model."""

from __future__ import annotations

import yaml

from stackconfig import StackConfig
from tools.config_reference import PULUMI_YAML, README, pulumi_yaml, readme_with_reference


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
