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
