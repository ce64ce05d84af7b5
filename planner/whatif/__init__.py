"""``python -m planner whatif``: replay load against a stack's autoscalers and node pools, offline.

Reads the stack file, validates it like the offline plan does (no Pulumi run), and simulates each
service at one-second resolution (see :mod:`planner.whatif.simulate` for the model and
:mod:`planner.whatif.inputs` for every latency, its default and its source).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stackconfig import StackConfigError

from ..stackfile import load_validated
from .capacity import PriceTable, load_prices
from .inputs import Timings, with_overrides
from .patterns import PATTERNS, read_trace
from .report import plot, render_comparison, render_summary, summarize, write_csv
from .run import Load, default_demand, setups, simulate, with_capacity
from .simulate import Result

STACKS_DIR = Path(__file__).resolve().parent.parent.parent / "stacks"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner whatif",
        description="Simulate each service's autoscaler and the nodes behind it under a load pattern; "
                    "print time to capacity, requests under capacity, peak replicas and nodes, and cost per hour.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="a committed stack: stacks/Pulumi.<STACK>.yaml")
    source.add_argument("--stack-file", type=Path, help="any stack file")
    parser.add_argument("--service", help="simulate only this service")
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--pattern", choices=PATTERNS, default="step", help="built-in load shape (default: step)")
    load.add_argument("--trace", type=Path, metavar="FILE.csv", help="load trace with header t_seconds,qps")
    parser.add_argument("--duration", type=int, help="seconds to simulate (default: 3600, diurnal 86400)")
    parser.add_argument("--base-qps", type=float, help="lowest load (default: half of what minReplicas serve)")
    parser.add_argument("--peak-qps", type=float, help="highest load (default: 80%% of what maxReplicas serve)")
    parser.add_argument("--pod-qps", type=float, help="QPS one replica serves (default: its per-pod target)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a latency or rate of planner/whatif/inputs.py, e.g. node_provision_seconds=240")
    parser.add_argument("--compare", type=Path, metavar="OTHER_STACK_FILE",
                        help="simulate this stack file under the same load and show both side by side")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the per-second time series here")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw demand, capacity, replicas and nodes")
    return parser


def _price_notes(prices: PriceTable) -> list[str]:
    notes = [f"prices: planner/whatif/prices.{prices.region}.yaml ({prices.currency}, taken {prices.taken or 'date unknown'})"]
    if any(p.placeholder for p in prices.ecs.values()) or prices.eci_spot_factor_placeholder:
        notes.append("WARNING: the ECS prices in that file are PLACEHOLDERS (example values, not quotes); "
                     "costs below only compare configurations. Replace them with real prices.")
    return notes


UNMODELLED_CAPACITY = {
    "aws": "its capacity is an EC2 Auto Scaling group with Fargate burst",
    "existing": "its capacity is a cluster this program does not manage",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = STACKS_DIR / f"Pulumi.{args.stack}.yaml" if args.stack else args.stack_file
    try:
        timings = with_overrides(Timings(), args.set)
        config = load_validated(path)
        other = load_validated(args.compare) if args.compare else None
        for stack in (config, other):
            if stack is not None and stack.cloud != "alicloud":
                raise ValueError(f"the what-if models ACK node pools and ECI; cloud {stack.cloud} is not modelled "
                                 f"({UNMODELLED_CAPACITY[stack.cloud]})")
        prices = load_prices(config.region)
        mine = setups(config, timings, prices, args.service, args.pod_qps)
        theirs = {(s.service.namespace, s.service.name): s
                  for s in setups(other, timings, load_prices(other.region), args.service, args.pod_qps)} \
            if other else {}
        trace = read_trace(args.trace) if args.trace else None
    except StackConfigError as error:
        print(error.report(), file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not mine and args.service:
        names = ", ".join(s.name for s in config.services) or "none"
        print(f"error: {path} has no service named {args.service} (its services: {names})", file=sys.stderr)
        return 2
    if not mine:
        print(f"{path}: no services; nothing to simulate.")
        return 0
    load = Load(args.pattern, args.duration, args.base_qps, args.peak_qps)
    print(f"What-if for {path}: {'trace ' + str(args.trace) if trace else 'pattern ' + load.name}, one-second steps.")
    print("\n".join(_price_notes(prices)))
    print("latencies: defaults of planner/whatif/inputs.py (those marked assumption are estimates to measure)\n")
    results: list[Result] = []
    for setup in mine:
        demand = trace if trace is not None else default_demand(setup, load)
        result = simulate(setup, demand)
        results.append(result)
        counterpart = theirs.get((setup.service.namespace, setup.service.name))
        if other is None:
            print(render_summary(summarize(result), prices.currency) + "\n")
        elif counterpart is None:
            print(f"service {setup.service.name}: not in {args.compare}\n" + render_summary(summarize(result), prices.currency) + "\n")
        else:
            alt = simulate(with_capacity(counterpart, setup.pod_capacity_qps), demand)
            alt.service = f"{alt.service}@{args.compare.name}"
            results.append(alt)
            print(render_comparison(summarize(result), summarize(alt), prices.currency, (path.name, args.compare.name)) + "\n")
    if args.csv:
        write_csv(results, args.csv)
        print(f"time series written to {args.csv}")
    if args.plot:
        plot(results, args.plot, f"what-if: {path.name}, {'trace' if trace else load.name}")
        print(f"plot written to {args.plot}")
    return 0
