"""Error wording: every pattern of the config has its rule in words, so no error shows a regex."""

from __future__ import annotations

import json
import re

from stackconfig import StackConfig
from stackconfig.base import PATTERN_RULES


def test_every_pattern_of_the_config_has_its_rule_in_words():
    schema = json.dumps(StackConfig.model_json_schema(by_alias=True))
    patterns = {json.loads(f'"{raw}"') for raw in re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', schema)}
    assert patterns and patterns <= set(PATTERN_RULES), patterns - set(PATTERN_RULES)
