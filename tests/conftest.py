"""Shared fixtures: run programs or single components under the offline plan's mock engine."""

from __future__ import annotations

from typing import Callable

import pytest

from planner.engine import Plan, run


@pytest.fixture
def run_under_mocks() -> Callable[..., Plan]:
    """``run_under_mocks(fn, config={...}, stack="test")`` runs ``fn`` as a Pulumi program and returns its Plan."""

    def _run(program: Callable[[], None], config: dict[str, str] | None = None, stack: str = "test",
             secret_keys: list[str] | None = None) -> Plan:
        return run(program, "elastic-inference", stack, config or {}, secret_keys or [])

    return _run
