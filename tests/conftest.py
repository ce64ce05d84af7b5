"""Shared fixtures: run programs or single components under the offline plan's mock engine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from planner.engine import Plan, run  # noqa: E402


@pytest.fixture
def run_under_mocks() -> Callable[..., Plan]:
    """``run_under_mocks(fn, config={...}, stack="test")`` runs ``fn`` as a Pulumi program and returns its Plan."""

    def _run(program: Callable[[], None], config: dict[str, str] | None = None, stack: str = "test",
             secret_keys: list[str] | None = None) -> Plan:
        return run(program, "elastic-inference", stack, config or {}, secret_keys or [])

    return _run
