"""Folders the tests read, wherever a test module sits below ``tests/``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository."""
DATA = ROOT / "tests" / "data"
"""Stack files and load traces made for the tests."""

STACK_FILES = sorted([*ROOT.glob("stacks/Pulumi.*.yaml"), *ROOT.glob("examples/guides/Pulumi.*.yaml"),
                      *ROOT.glob("tests/data/Pulumi.*.yaml"), *ROOT.glob("templates/**/Pulumi.*.yaml")])
"""Every stack file of the project: committed stacks, guides, test fixtures and templates."""
