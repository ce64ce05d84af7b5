"""Prometheus's own tools for the tests."""

from __future__ import annotations

import shutil


def promtool() -> str:
    """``promtool`` from Debian's ``prometheus`` package, which ``.ci/run`` installs."""
    found = shutil.which("promtool")
    assert found, "promtool is missing: install Debian's prometheus package (apt-get install prometheus), as .ci/run does"
    return found
