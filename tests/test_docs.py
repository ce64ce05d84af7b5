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


def test_every_variable_and_secret_the_workflows_read_is_documented():
    readme = (ROOT / "README.md").read_text()
    used = {m for path in (ROOT / ".github" / "workflows").glob("*.yml")
            for m in re.findall(r"\b(?:vars|secrets)\.[A-Z_]+", path.read_text())}
    assert used and not {name for name in used if f"`{name}`" not in readme}


def test_every_platform_output_is_in_the_readmes_outputs_list():
    import dataclasses

    from pydantic.alias_generators import to_camel

    from components.outputs import OUTPUT_TYPES
    readme = (ROOT / "README.md").read_text()
    names = {to_camel(f.name) for kind in OUTPUT_TYPES.values() for f in dataclasses.fields(kind)}
    assert not {name for name in names if f"`{name}`" not in readme}
