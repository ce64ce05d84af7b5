"""``make bench``: wall times of the offline plan against two bare-SDK floors, and the simulator's throughput.

(a) For catalogs of 1, 50 and 200 generated services (TF Serving on GPU, QPS autoscaling, added to
``stacks/Pulumi.dev.yaml``), a fresh Python process runs the offline plan as ``python -m planner`` does
(:func:`planner.cli.main`: the program under the mock engine, the printed plan, and the policy pack with
the dev stack's policy config). Two floors, each a fresh process that imports the same SDK modules (every
``pulumi_*`` module the plan had loaded) and runs under the same mock engine:

- the replay floor (:mod:`tools.replay`): the plan's own requests, recorded in another run of the plan, sent again
  through bare ``pulumi.CustomResource`` / ``pulumi.ComponentResource`` calls: the same types, names, parents,
  options and inputs, without the program. plan/replay is what the program's own work costs on top of Pulumi's
  work for exactly these resources;
- the trivial floor: as many empty ConfigMaps, Pulumi's least work per resource.

All wall times include interpreter start and imports.
(b) The what-if simulator's throughput: simulated service-seconds per wall second, and the wall time of
``whatif --recommend`` for the prod stack over a diurnal day.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import re
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOG_SIZES = (1, 50, 200)
SIMULATED_SERVICES = 20
SIMULATED_SECONDS = 86400
SIMULATED_GPU_NODES = 250
DEV_POLICY_CONFIG = ROOT / "policypack" / "config" / "dev.json"
"""The bench stacks are the dev stack with a generated catalog, so the policy pack runs with dev's config."""


def catalog(size: int) -> list[dict[str, Any]]:
    """``size`` valid services that render the full QPS path: Deployment, Service, Ingress, HPA."""
    return [{
        "name": f"model-{i:03d}",
        "server": "tfserving",
        "model": {"name": f"model-{i:03d}", "path": f"models/model-{i:03d}"},
        "resources": {"gpus": 1, "cpu": "4", "memory": "12Gi"},
        "placement": {"nodeSelector": {"workload": "inference"}},
        "ingress": {"host": f"model-{i:03d}.example.com", "tlsSecretName": f"model-{i:03d}-tls"},
        "autoscaling": {"minReplicas": 1, "maxReplicas": 10, "qps": {"targetPerPod": 10}},
    } for i in range(size)]


def bench_stack_document(size: int) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    document["config"]["elastic-inference:services"] = catalog(size)
    return document


def _child_plan(stack_file: str) -> None:
    from planner.cli import main as plan_main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = plan_main(["--stack-file", stack_file, "--policy-config", str(DEV_POLICY_CONFIG)])
    if status != 0:
        raise SystemExit(f"the offline plan exited with {status}:\n{printed.getvalue()}")
    created = int(re.search(r"\+ (\d+) to create \(including the stack\)", printed.getvalue()).group(1))
    # Loaded modules only: the SDKs also list every submodule as a lazy module, loaded on first use.
    sdk_modules = sorted(name for name, module in sys.modules.items()
                         if name.startswith("pulumi_") and type(module) is types.ModuleType)
    print(json.dumps({"resources": created - 1, "sdk_modules": sdk_modules}))


def _child_record(stack_file: str) -> None:
    """The plan again, untimed, recording its requests into ``<stack_file>.recording`` for the replay floor."""
    from planner.cli import main as plan_main
    from tools.replay import recording

    with recording() as record, contextlib.redirect_stdout(io.StringIO()):
        status = plan_main(["--stack-file", stack_file, "--policy-config", str(DEV_POLICY_CONFIG)])
    if status != 0:
        raise SystemExit(f"the offline plan exited with {status}")
    record.save(Path(stack_file + ".recording"))
    print(json.dumps({"requests": len(record.requests)}))


def _import_sdk_modules() -> None:
    for module in json.load(sys.stdin):  # the provider SDK modules the plan loaded
        importlib.import_module(module)


def _child_replay(recording_file: str) -> None:
    _import_sdk_modules()
    from tools.replay import Recording, replay

    plan = replay(Recording.load(Path(recording_file)))
    print(json.dumps({"resources": len(plan.resources)}))


def _child_floor(resources: str) -> None:
    _import_sdk_modules()
    import pulumi
    import pulumi_kubernetes as k8s

    from planner.engine import run

    def program() -> None:
        for i in range(int(resources)):
            k8s.core.v1.ConfigMap(f"floor-{i}", metadata={"name": f"floor-{i}"}, opts=pulumi.ResourceOptions())

    plan = run(program, "elastic-inference", "bench", {}, [])
    print(json.dumps({"resources": len(plan.resources)}))


def _timed_child(*args: str, stdin: str = "") -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tools.bench", "--child", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout.strip().splitlines()[-1])


def simulator_fleet():
    """The fleet of the simulator's figure and its load: the dev stack with the generated catalog, its GPU pool
    allowed the 250 nodes the catalog's peaks need (so every service scales rather than waiting on ``maxSize``),
    each service under the diurnal pattern over a day."""
    from planner.stackfile import parse_stack_document
    from planner.whatif.inputs import Timings
    from planner.whatif.run import Load, default_demand, fleet_setup, stack_prices
    from stackconfig import load_stack_config

    document = bench_stack_document(SIMULATED_SERVICES)
    gpu_pool = next(p for p in document["config"]["elastic-inference:alicloud"]["nodePools"] if p["name"] == "gpu-inference")
    gpu_pool["scaling"]["maxSize"] = SIMULATED_GPU_NODES
    config = load_stack_config(*parse_stack_document(document, "bench"))
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    return fleet, [default_demand(s, Load("diurnal", SIMULATED_SECONDS)) for s in fleet.services]


def simulator_throughput() -> tuple[int, float]:
    """Service-seconds simulated and the best wall time of three runs of :func:`simulator_fleet` (one fleet
    simulation each; the machine's other work only ever slows a run down)."""
    from planner.whatif.run import simulate

    fleet, demands = simulator_fleet()
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        simulate(fleet, demands)
        walls.append(time.perf_counter() - start)
    return len(fleet.services) * SIMULATED_SECONDS, min(walls)


def recommendation_wall() -> tuple[int, float]:
    """Configurations simulated and wall seconds of the recommendation for ``stacks/Pulumi.prod.yaml`` under the
    diurnal pattern over 24 h, as ``python -m planner whatif --stack prod --pattern diurnal --recommend`` runs it."""
    from planner.stackfile import read_stack_text, validate_stack_text
    from planner.whatif.inputs import Timings
    from planner.whatif.recommend import policy_bounds, recommend
    from planner.whatif.run import Load, default_demand, fleet_setup, stack_prices

    path = ROOT / "stacks" / "Pulumi.prod.yaml"
    start = time.perf_counter()
    text = read_stack_text(path)
    config = validate_stack_text(text, str(path))
    fleet = fleet_setup(config, Timings(), stack_prices(config))
    demands = [default_demand(s, Load("diurnal", SIMULATED_SECONDS)) for s in fleet.services]
    found = recommend(text, str(path), fleet, demands, Timings(), stack_prices(config), bounds=policy_bounds("prod"))
    return found.simulated, time.perf_counter() - start


def main() -> None:
    print(f"{'services':>8}  {'resources':>9}  {'plan s':>7}  {'replay s':>8}  {'plan/replay':>11}  "
          f"{'trivial s':>9}  {'plan/trivial':>12}")
    with tempfile.TemporaryDirectory() as scratch:
        for size in CATALOG_SIZES:
            stack_file = Path(scratch) / f"Pulumi.bench-{size}.yaml"
            stack_file.write_text(yaml.safe_dump(bench_stack_document(size), sort_keys=False))
            plan_seconds, plan = _timed_child("plan", str(stack_file))
            modules = json.dumps(plan["sdk_modules"])
            _timed_child("record", str(stack_file))
            replay_seconds, replayed = _timed_child("replay", f"{stack_file}.recording", stdin=modules)
            if replayed["resources"] != plan["resources"]:
                raise SystemExit(f"the replay registered {replayed['resources']} resources, the plan {plan['resources']}")
            floor_seconds, _ = _timed_child("floor", str(plan["resources"]), stdin=modules)
            print(f"{size:>8}  {plan['resources']:>9}  {plan_seconds:>7.2f}  {replay_seconds:>8.2f}  "
                  f"{plan_seconds / replay_seconds:>10.2f}x  {floor_seconds:>9.2f}  {plan_seconds / floor_seconds:>11.2f}x")
    service_seconds, wall = simulator_throughput()
    print(f"\nwhat-if simulator: {SIMULATED_SERVICES} services x {SIMULATED_SECONDS} s diurnal, one fleet, best of 3: "
          f"{service_seconds} service-seconds in {wall:.2f} s = {service_seconds / wall:,.0f} simulated service-seconds "
          f"per wall second")
    simulated, wall = recommendation_wall()
    print(f"what-if --recommend, prod over a diurnal day: {simulated} configurations simulated in {wall:.1f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        {"plan": _child_plan, "record": _child_record, "replay": _child_replay,
         "floor": _child_floor}[sys.argv[2]](sys.argv[3])
    else:
        main()
