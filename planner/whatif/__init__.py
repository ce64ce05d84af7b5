"""``python -m planner whatif``: replay load against a stack's autoscalers and node pools, offline.

Reads the stack file, validates it like the offline plan does (no Pulumi run), and simulates the whole fleet, every
service on the node pools and burst capacity it shares with the others, at one-second resolution (see
:mod:`planner.whatif.simulate` for the model, :mod:`planner.whatif.report` for episodes and SLOs and
:mod:`planner.whatif.inputs` for every latency, its default and its source).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

from stackconfig import StackConfigError

from ..cli import stack_source
from ..stackfile import load_validated, read_stack_text
from .inputs import Timings, with_overrides
from .patterns import MAX_SECONDS, PATTERNS, read_trace
from .prices import display_path
from .recommend import Recommendation, policy_bounds, recommend, searches_spot_share
from .report import plot, render, render_comparison, render_cost_and_slo, summarize, write_csv
from .run import Load, default_demand, fleet_setup, pod_qps_of, simulate, stack_prices, with_pod_qps


PLOT_FORMATS = (".png", ".svg", ".pdf")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner whatif",
        description="Simulate each service's autoscaler and the nodes behind it under a load pattern; "
                    "print time to capacity, requests under capacity, peak replicas and nodes, and cost per hour; "
                    "or, with --recommend, the cheapest settings that meet every SLO as a diff of the stack file.",
    )
    parser.add_argument("--stack", help="a committed stack: stacks/Pulumi.<STACK>.yaml; with --stack-file, the stack "
                                        "the file is for (its policy limits bound --recommend)")
    parser.add_argument("--stack-file", type=Path, help="any stack file")
    parser.add_argument("--service", help="report only this service (the whole fleet is simulated: it shares the nodes)")
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--pattern", choices=PATTERNS, default="step", help="built-in load shape (default: step)")
    load.add_argument("--trace", type=Path, metavar="FILE.csv", help="load trace with header t_seconds,qps")
    parser.add_argument("--duration", type=_number(int, 1, MAX_SECONDS),
                        help=f"seconds to simulate, 1 to {MAX_SECONDS} (default: 3600, diurnal 86400)")
    parser.add_argument("--base-qps", type=_number(float, 0), help="lowest load (default: half of what minReplicas serve)")
    parser.add_argument("--peak-qps", type=_number(float, 0), help="highest load (default: 80%% of what maxReplicas serve)")
    parser.add_argument("--pod-qps", type=_number(float, 0, positive=True),
                        help="QPS one replica serves (default: its per-pod target)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a latency or rate of planner/whatif/inputs.py, e.g. node_provision_seconds=240")
    parser.add_argument("--compare", type=Path, metavar="OTHER_STACK_FILE",
                        help="simulate this stack file under the same load and show both side by side")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the per-second time series here")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="draw demand, capacity, replicas, nodes and cost: one FILE-<service>.png per service")
    parser.add_argument("--latency", action="store_true",
                        help="also hold each service to its slo.p99LatencySeconds with a queueing estimate (see README)")
    parser.add_argument("--recommend", action="store_true",
                        help="search the stack's autoscaling, pool and burst settings for the cheapest configuration "
                             "meeting every SLO under the same load; print it as a diff of the stack file")
    parser.add_argument("--recommend-out", type=Path, metavar="FILE",
                        help="write the recommended stack file here (implies --recommend)")
    parser.add_argument("--slo-exit-code", action="store_true",
                        help="exit 1 when a service misses its SLO (with --recommend: when no configuration found meets them all)")
    return parser


def _number(kind: type, low: float, high: float = math.inf, positive: bool = False):
    """An argparse type: a finite ``kind`` within ``[low, high]`` (above ``low`` when ``positive``)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}") from None
        if not math.isfinite(value) or value < low or value > high or (positive and value == low):
            bound = f"more than {low:g}" if positive else f"{low:g} or more" + (f", at most {kind(high)}" if high < math.inf else "")
            raise argparse.ArgumentTypeError(f"{text} is out of range: {bound}")
        return value
    return parse


def _writable(path: Path, suffixes: tuple[str, ...] | None = None) -> str | None:
    """Why an output file cannot be written there, checked before the simulation runs; None when it can."""
    if suffixes and (path.suffix or ".png") not in suffixes:
        return f"{path}: write {' or '.join(suffixes)} (matplotlib's formats this program draws)"
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return f"{path}: {folder} is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"{path}: cannot create its folder: {error.strerror or error}"
    if not os.access(folder, os.W_OK) or path.is_dir():
        return f"{path}: not writable" + (" (a folder)" if path.is_dir() else "")
    return None


def _demands(setup, load: Load, trace, like: dict[str, np.ndarray] | None = None) -> list[np.ndarray]:
    """Each service's load: the trace, else the same series as in ``like`` (the first stack of a comparison), else
    its default pattern."""
    out = []
    for service in setup.services:
        if trace is not None:
            out.append(trace)
        elif like and service.name in like:
            out.append(like[service.name])
        else:
            out.append(default_demand(service, load))
    return out


def _render_recommendation(found: Recommendation, name: str, currency: str, timings: Timings) -> str:
    lines = [f"search: {found.simulated} configurations simulated ({found.invalid} more refused by validation or "
             f"placement) in {found.seconds:.1f} s"]
    if not found.slo_met:
        failing = [s for s in found.after.summary.services if not s.slo_met]
        lines.append("no configuration found meets every SLO; in the closest, still missing: " + ", ".join(
            f"{s.name} ({s.served_share:.2%} served, objective {1 - s.error_budget:.2%})" for s in failing))
        return "\n".join(lines)
    if not found.changes:
        lines.append("the current configuration is already the cheapest found that meets every SLO")
        return "\n".join(lines)
    lines += ["", "changes:"] + [f"  {setting.name}: {old} -> {new}" for setting, old, new in found.changes]
    if not searches_spot_share(timings):
        lines.append("  (the pools' pay-as-you-go share is kept: without spot reclaims in the model spot only saves "
                     "money; --set spot_reclaims_per_node_hour=0.05, or your rate, searches it too)")
    lines += ["", render_cost_and_slo(found.before.summary, found.after.summary, currency, ("current", "recommended")),
              "", found.diff(name).rstrip("\n")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stack, path = stack_source(args)
    wants_recommendation = args.recommend or args.recommend_out is not None
    if wants_recommendation and args.compare:
        print("error: --recommend compares the stack with its recommendation; it takes no --compare", file=sys.stderr)
        return 2
    problems = [problem for path_, suffixes in ((args.csv, None), (args.plot, PLOT_FORMATS), (args.recommend_out, None))
                if path_ is not None and (problem := _writable(path_, suffixes))]
    if problems:
        print("\n".join(f"error: {problem}" for problem in problems), file=sys.stderr)
        return 2
    try:
        timings = with_overrides(Timings(), args.set)
        config = load_validated(path)
        other = load_validated(args.compare) if args.compare else None
        prices = stack_prices(config)
        mine = fleet_setup(config, timings, prices)
        if args.pod_qps is not None:
            mine = with_pod_qps(mine, args.pod_qps)
        theirs = fleet_setup(other, timings, stack_prices(other), pod_qps_of(mine)) if other else None
        trace = read_trace(args.trace) if args.trace else None
    except StackConfigError as error:
        print(error.report(), file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error.args[0] if isinstance(error, KeyError) else error}", file=sys.stderr)
        return 2
    if args.service and args.service not in {s.name for s in config.services}:
        names = ", ".join(s.name for s in config.services) or "none"
        print(f"error: {path} has no service named {args.service} (its services: {names})", file=sys.stderr)
        return 2
    if not mine.services:
        print(f"{path}: no services; nothing to simulate.")
        return 0
    load = Load(args.pattern, args.duration, args.base_qps, args.peak_qps)
    print(f"What-if for {path}: {'trace ' + str(args.trace) if trace is not None else 'pattern ' + load.name}, the whole fleet"
          f"{' (showing ' + args.service + ')' if args.service else ''}.")
    print(prices.citation() if prices else "prices: none (an existing cluster's nodes are not priced)")
    print("latencies: defaults of planner/whatif/inputs.py (those marked assumption are estimates to measure)\n")
    currency = prices.currency if prices else ""
    demands = _demands(mine, load, trace)
    if wants_recommendation:
        found = recommend(read_stack_text(path), str(path), mine, demands, timings, prices, args.latency,
                          policy_bounds(stack))
        name = display_path(path)  # a file outside the repository: its name, so that the diff applies where it is
        print(_render_recommendation(found, path.name if Path(name).is_absolute() else name, currency, timings))
        if args.recommend_out and found.changes and found.slo_met:
            try:
                args.recommend_out.write_text(found.after.text, encoding="utf-8")
            except OSError as error:
                return _cannot_write(error)
            print(f"\nrecommended stack file written to {args.recommend_out}")
        elif args.recommend_out:
            print(f"\n{args.recommend_out} not written: nothing to recommend")
        return 0 if found.slo_met or not args.slo_exit_code else 1
    result = simulate(mine, demands)
    summary = summarize(result, args.latency)
    results = {path.name: result}
    if theirs is None:
        print(render(summary, currency, args.service))
    else:
        their_result = simulate(theirs, _demands(theirs, load, trace, {s.name: d for s, d in zip(mine.services, demands)}))
        results[args.compare.name] = their_result
        print(render_comparison(summary, summarize(their_result, args.latency), currency,
                                (path.name, args.compare.name), args.service))
    try:
        if args.csv:
            write_csv(results, args.csv)
            print(f"\ntime series written to {args.csv}")
        if args.plot:
            for written in plot(results, args.plot, f"what-if: {path.name}, {'trace' if trace is not None else load.name}"):
                print(f"plot written to {written}")
    except OSError as error:
        return _cannot_write(error)
    return 0 if summary.slo_met or not args.slo_exit_code else 1


def _cannot_write(error: OSError) -> int:
    """A write the checks before the run could not foresee (a read-only file system, a full disk): status 2."""
    print(f"error: cannot write {error.filename or 'the output'}: {error.strerror or error}", file=sys.stderr)
    return 2
