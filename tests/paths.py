"""Where the repository and the test data are, for tests at any depth below ``tests/``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
