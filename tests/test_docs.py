"""The README's commands must exist and its policy table is the policy pack's."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_readme_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w+)", README.read_text(), flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


def test_policy_table_is_the_policy_pack():
    from policypack.rules import RULES

    text = README.read_text()
    for rule in RULES:
        assert f"| `{rule.name}` | {rule.enforcement} | {rule.description} |" in text, rule.name


def test_stack_outputs_paragraph_names_every_output_of_every_cloud():
    import dataclasses

    from pydantic.alias_generators import to_camel

    from components.outputs import OUTPUT_TYPES, PlatformOutputs

    text = README.read_text()
    paragraph = text[text.index("Stack outputs (typed in `components/outputs.py`"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    named = set(re.findall(r"`([a-zA-Z]+)`", paragraph))
    common = {to_camel(f.name) for f in dataclasses.fields(PlatformOutputs)}
    assert common <= named
    for kind in OUTPUT_TYPES.values():
        assert {to_camel(f.name) for f in dataclasses.fields(kind)} - common <= named, kind.__name__
