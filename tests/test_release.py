"""A release is one version everywhere: ``elastic_inference.VERSION``, the CHANGELOG's newest release, the policy
pack, and every pin of this repository that the templates, the plugin and the README tell users to install."""

from __future__ import annotations

import re

import yaml

from elastic_inference import VERSION
from paths import ROOT

PIN = re.compile(r"ACME/elastic-inference(?:/plugin)?@(v[\w.]+)|ACME/elastic-inference/tree/(v[\w.]+)/")
PINNING_FILES = ("README.md", "pyproject.toml", "plugin/PulumiPlugin.yaml", "templates/environment/requirements.txt",
                 "templates/inference-service-python/requirements.txt")


def test_every_pin_names_the_current_release():
    pins = {path: {a or b for a, b in PIN.findall((ROOT / path).read_text())} for path in PINNING_FILES}
    assert all(pins.values()), {path: found for path, found in pins.items() if not found}
    assert {tag for found in pins.values() for tag in found} == {f"v{VERSION}"}


def test_the_changelogs_newest_release_is_the_version_and_the_policy_pack_carries_it():
    [newest, *_] = re.findall(r"^## (\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert newest == VERSION
    assert str(yaml.safe_load((ROOT / "policypack" / "PulumiPolicy.yaml").read_text())["version"]) == VERSION
