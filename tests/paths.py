"""Folders the tests read, wherever a test module sits below ``tests/``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository."""
DATA = ROOT / "tests" / "data"
"""Stack files and load traces made for the tests."""
