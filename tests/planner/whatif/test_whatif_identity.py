"""A pin of the simulator's output while its core is optimised: the digest of every series of a few committed stacks
and test stacks under several patterns, spot reclaims included. Removed once the optimisation is done."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from planner.whatif.inputs import Timings, with_overrides

from paths import DATA
from whatif_runs import run_fleet

STACKS = Path(__file__).resolve().parents[3] / "stacks"
RUNS = [(STACKS / f"Pulumi.{stack}.yaml", pattern, seconds, ())
        for stack in ("dev", "prod", "staging", "aws-dev") for pattern, seconds in (("step", 3600), ("spike", 7200), ("diurnal", 86400))]
RUNS += [(DATA / "whatif-seeds.yaml", "step", 7200, ("spot_reclaims_per_node_hour=2",)),
         (DATA / "whatif-eci.yaml", "ramp", 3600, ("burst_pod_quota=2",)),
         (DATA / "whatif-gpu.yaml", "diurnal", 20000, ()), (DATA / "whatif-keda.yaml", "spike", 3600, ())]


def digest(result) -> str:
    sha = hashlib.sha256()
    for series in [*result.services, *result.pools]:
        for value in dataclasses.asdict(series).values():
            if isinstance(value, np.ndarray):
                sha.update(np.ascontiguousarray(value).tobytes())
    return sha.hexdigest()[:16]


PINNED = {
    "Pulumi.dev.yaml:step:3600:": "9c1ad56174aae686",
    "Pulumi.dev.yaml:spike:7200:": "dcccdeae7c9c40eb",
    "Pulumi.dev.yaml:diurnal:86400:": "a30dbce5ca6bcb74",
    "Pulumi.prod.yaml:step:3600:": "baa5e8008479317f",
    "Pulumi.prod.yaml:spike:7200:": "409a3dc0ead39ca8",
    "Pulumi.prod.yaml:diurnal:86400:": "74c4e71527141014",
    "Pulumi.staging.yaml:step:3600:": "76a115ea735d53fa",
    "Pulumi.staging.yaml:spike:7200:": "32bc668fbb239525",
    "Pulumi.staging.yaml:diurnal:86400:": "7ec83dd31008a795",
    "Pulumi.aws-dev.yaml:step:3600:": "1052ada09923f368",
    "Pulumi.aws-dev.yaml:spike:7200:": "0cdc96a0510b1ebd",
    "Pulumi.aws-dev.yaml:diurnal:86400:": "7aeeaa966cdddfe4",
    "whatif-seeds.yaml:step:7200:spot_reclaims_per_node_hour=2": "a66f276b7e3e7d97",
    "whatif-eci.yaml:ramp:3600:burst_pod_quota=2": "794ab51bab79ed16",
    "whatif-gpu.yaml:diurnal:20000:": "5b7891da92ad782d",
    "whatif-keda.yaml:spike:3600:": "0c10fbaa75a5be71",
    "bench": "9466ac1ffa70ac48",
}


@pytest.mark.parametrize("path, pattern, seconds, overrides", RUNS, ids=lambda v: v.name if isinstance(v, Path) else None)
def test_series_are_unchanged(path, pattern, seconds, overrides):
    result = run_fleet(path, pattern, seconds, with_overrides(Timings(), list(overrides)))[2]
    key = f"{path.name}:{pattern}:{seconds}:{','.join(overrides)}"
    assert digest(result) == PINNED[key]


def test_bench_fleet_is_unchanged():
    from planner.whatif.run import simulate
    from tools.bench import simulator_fleet

    assert digest(simulate(*simulator_fleet())) == PINNED["bench"]
