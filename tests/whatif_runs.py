"""Running the simulator on a stack file, for the what-if tests."""

from __future__ import annotations

from pathlib import Path

from planner.stackfile import read_stack_file
from planner.whatif.inputs import Timings
from planner.whatif.run import Load, default_demand, fleet_setup, simulate, stack_prices
from stackconfig import load_stack_config


def load(path: Path):
    return load_stack_config(*read_stack_file(path))


def run_fleet(path: Path, pattern: str = "step", duration: int = 3600, timings: Timings = Timings(), config=None):
    """(config, fleet set-up, result) of a stack file under a built-in pattern."""
    config = config or load(path)
    fleet = fleet_setup(config, timings, stack_prices(config))
    demands = [default_demand(s, Load(pattern, duration)) for s in fleet.services]
    return config, fleet, simulate(fleet, demands)
