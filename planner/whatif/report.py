"""Summaries of a simulated fleet (per service, per pool, the fleet), SLO verdicts, the side-by-side comparison, the
CSV time series and the plot.

**Episodes.** An episode is a stretch of seconds in which demand exceeds capacity. It is *reached* when it ends
because capacity rose to the load (at its end, capacity is at least the demand of its last second under capacity),
and *not reached* when it ends because the load fell (a spike capacity never met) or the run ended. Time to
capacity is the length of reached episodes only. Each episode names what held capacity back most of its seconds
(:data:`planner.whatif.simulate.LIMITS`).

**SLOs** are each service's ``slo`` (the alerts' objectives): requests above capacity count as failed, so the share
served must be at least ``1 - slo.errorRatio``. With ``--latency`` the p99 latency is estimated with a queueing model
(each ready pod an M/M/1 server whose service rate is the per-pod capacity: the p99 of the time in system is
``ln(100) / (mu - lambda)``): at least 99 % of requests must be served in seconds whose estimate is within
``slo.p99LatencySeconds``. The model ranks configurations; it does not predict your server's latency.
"""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .simulate import LIMITS, NO_LIMIT, FleetResult, PoolSeries, ServiceSeries

LATENCY_OBJECTIVE = 0.99
"""With ``--latency``, the share of requests that must be served within ``slo.p99LatencySeconds``: a p99."""


@dataclass(frozen=True)
class Episode:
    start: int
    seconds: int
    reached: bool
    limit: str


@dataclass(frozen=True)
class ServiceSummary:
    name: str
    mode: str
    seconds: int
    episodes: tuple[Episode, ...]
    requests_under: float
    requests_total: float
    peak_replicas: int
    peak_ready: int
    peak_burst_pods: int
    burst_cost_per_hour: float
    error_budget: float
    latency_share: float | None
    """Share of requests served within the latency objective (with ``--latency``)."""

    @property
    def reached(self) -> list[int]:
        return [e.seconds for e in self.episodes if e.reached]

    @property
    def served_share(self) -> float:
        return 1 - self.requests_under / self.requests_total if self.requests_total else 1.0

    @property
    def slo_met(self) -> bool:
        latency_ok = self.latency_share is None or self.latency_share >= LATENCY_OBJECTIVE
        return self.served_share >= 1 - self.error_budget - 1e-12 and latency_ok

    @property
    def slo_shortfall(self) -> float:
        """How far the service is from its SLO: the share served short of ``1 - errorRatio``, plus (with
        ``--latency``) the share within the p99 latency short of :data:`LATENCY_OBJECTIVE`; 0 when it meets it."""
        served = max(0.0, 1 - self.error_budget - self.served_share)
        return served + (max(0.0, LATENCY_OBJECTIVE - self.latency_share) if self.latency_share is not None else 0.0)


@dataclass(frozen=True)
class PoolSummary:
    name: str
    peak_nodes: int
    peak_spot: int
    peak_payg: int
    mean_nodes: float
    payg_share: float
    """Pay-as-you-go node-seconds over all node-seconds."""
    cost_per_hour: float
    all_payg_cost_per_hour: float
    max_size: int
    priced: bool


@dataclass(frozen=True)
class FleetSummary:
    services: tuple[ServiceSummary, ...]
    pools: tuple[PoolSummary, ...]
    burst_label: str | None

    @property
    def cost_per_hour(self) -> float:
        return sum(p.cost_per_hour for p in self.pools) + sum(s.burst_cost_per_hour for s in self.services)

    @property
    def all_payg_cost_per_hour(self) -> float:
        return sum(p.all_payg_cost_per_hour for p in self.pools) + sum(s.burst_cost_per_hour for s in self.services)

    @property
    def slo_met(self) -> bool:
        return all(s.slo_met for s in self.services)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each stretch where ``mask`` holds."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def episodes(series: ServiceSeries) -> tuple[Episode, ...]:
    under = series.demand > series.capacity + 1e-9
    found = []
    for start, end in _runs(under):
        reached = end < len(under) and series.capacity[end] >= series.demand[end - 1] - 1e-9
        limits = np.bincount(series.limit[start:end], minlength=len(LIMITS))
        blocking = [code for code in LIMITS if code != NO_LIMIT and limits[code]]
        limit = max(blocking, key=lambda code: limits[code]) if blocking else NO_LIMIT
        found.append(Episode(start, end - start, bool(reached), LIMITS[limit]))
    return tuple(found)


def latency_share(series: ServiceSeries) -> float:
    """Share of requests served in seconds whose M/M/1 p99 estimate is within the SLO (see the module docstring)."""
    mu = series.pod_capacity_qps
    with np.errstate(divide="ignore", invalid="ignore"):
        per_pod = np.where(series.ready > 0, series.demand / np.maximum(series.ready, 1), np.inf)
        p99 = np.where(per_pod < mu, math.log(100) / (mu - per_pod), np.inf)
    ok = series.demand[p99 <= series.slo.p99_latency_seconds].sum()
    total = series.demand.sum()
    return float(ok / total) if total else 1.0


def summarize_service(series: ServiceSeries, with_latency: bool = False) -> ServiceSummary:
    hours = len(series.demand) / 3600 or 1.0
    return ServiceSummary(
        name=series.name, mode=series.mode, seconds=len(series.demand), episodes=episodes(series),
        requests_under=float(np.maximum(0.0, series.demand - series.capacity).sum()),
        requests_total=float(series.demand.sum()),
        peak_replicas=int(series.replicas.max(initial=0)), peak_ready=int(series.ready.max(initial=0)),
        peak_burst_pods=int(series.burst_pods.max(initial=0)),
        burst_cost_per_hour=float(series.burst_cost.sum()) / 3600 / hours,
        error_budget=series.slo.error_ratio,
        latency_share=latency_share(series) if with_latency else None,
    )


def summarize_pool(series: PoolSeries) -> PoolSummary:
    seconds = len(series.spot) or 1
    total = series.spot + series.payg
    node_seconds = float(total.sum())
    return PoolSummary(
        name=series.name, peak_nodes=int(total.max(initial=0)), peak_spot=int(series.spot.max(initial=0)),
        peak_payg=int(series.payg.max(initial=0)), mean_nodes=node_seconds / seconds,
        payg_share=float(series.payg.sum()) / node_seconds if node_seconds else 0.0,
        cost_per_hour=float(series.cost.sum()) / seconds, all_payg_cost_per_hour=float(series.all_payg_cost.sum()) / seconds,
        max_size=series.max_size, priced=series.priced,
    )


def summarize(result: FleetResult, with_latency: bool = False) -> FleetSummary:
    return FleetSummary(tuple(summarize_service(s, with_latency) for s in result.services),
                        tuple(summarize_pool(p) for p in result.pools), result.burst_label)


# --------------------------------------------------------------------------- text


def _ttc(summary: ServiceSummary, pick) -> str:
    reached = summary.reached
    missed = len(summary.episodes) - len(reached)
    text = f"{pick(reached):.0f} s" if reached else "-"
    return text + (f" ({missed} not reached)" if missed else "")


def _limits(summary: ServiceSummary) -> str:
    names = sorted({e.limit for e in summary.episodes if e.limit != LIMITS[NO_LIMIT]})
    return ", ".join(names) or "-"


def service_rows(summary: ServiceSummary, currency: str, burst_label: str | None) -> list[tuple[str, str]]:
    """(label, value) lines of one service, in report order."""
    rows = [
        ("autoscaler", summary.mode),
        ("load increases not met at once", str(len(summary.episodes))),
        ("time to capacity p50", _ttc(summary, statistics.median)),
        ("time to capacity max", _ttc(summary, max)),
        ("held back by", _limits(summary)),
        ("requests under capacity", f"{summary.requests_under:.0f} ({1 - summary.served_share:.2%})"),
        ("SLO: share served", f"{summary.served_share:.2%} (objective {1 - summary.error_budget:.2%})"),
    ]
    if summary.latency_share is not None:
        rows.append(("SLO: served within p99 latency", f"{summary.latency_share:.2%} (objective {LATENCY_OBJECTIVE:.2%})"))
    rows += [
        ("SLO met", "yes" if summary.slo_met else "NO"),
        ("peak replicas (desired / ready)", f"{summary.peak_replicas} / {summary.peak_ready}"),
    ]
    if burst_label:
        rows += [(f"peak {burst_label} pods", str(summary.peak_burst_pods)),
                 (f"cost per hour, {burst_label}", f"{summary.burst_cost_per_hour:.2f} {currency}")]
    return rows


def pool_rows(summary: PoolSummary, currency: str) -> list[tuple[str, str]]:
    rows = [
        ("peak nodes (spot / pay-as-you-go)", f"{summary.peak_nodes} of {summary.max_size} ({summary.peak_spot} / {summary.peak_payg})"),
        ("mean nodes", f"{summary.mean_nodes:.2f}"),
    ]
    if not summary.priced:
        return rows + [("cost per hour", "not priced (the existing cluster's nodes)")]
    return rows + [
        ("pay-as-you-go share of node time", f"{summary.payg_share:.0%}"),
        ("cost per hour", f"{summary.cost_per_hour:.2f} {currency}"),
        ("cost per hour if all pay-as-you-go", f"{summary.all_payg_cost_per_hour:.2f} {currency}"),
    ]


def fleet_rows(summary: FleetSummary, currency: str) -> list[tuple[str, str]]:
    met = ("services meeting their SLO", f"{sum(s.slo_met for s in summary.services)} of {len(summary.services)}")
    if not any(p.priced for p in summary.pools) and summary.burst_label is None:
        return [met]
    saving = 1 - summary.cost_per_hour / summary.all_payg_cost_per_hour if summary.all_payg_cost_per_hour else 0.0
    return [
        ("cost per hour", f"{summary.cost_per_hour:.2f} {currency}"),
        ("cost per hour if all pay-as-you-go", f"{summary.all_payg_cost_per_hour:.2f} {currency} (saving {saving:.0%})"),
        met,
    ]


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join([title] + [f"  {label:<{width}}  {value}" for label, value in rows])


def render(summary: FleetSummary, currency: str, only: str | None = None) -> str:
    blocks = [_table(f"service {s.name}", service_rows(s, currency, summary.burst_label))
              for s in summary.services if only is None or s.name == only]
    if only is None:
        blocks += [_table(pool.name, pool_rows(pool, currency)) for pool in summary.pools]
        blocks.append(_table("fleet", fleet_rows(summary, currency)))
    return "\n\n".join(blocks)


def _side_by_side(title: str, left: list[tuple[str, str]], right: list[tuple[str, str]] | None,
                  names: tuple[str, str]) -> str:
    right_values = dict(right or [])
    table = [("", names[0], names[1], "difference")]
    for label, value in left:
        other = right_values.get(label, "(absent)")
        table.append((label, value, other, "same" if value == other else _difference(value, other)))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    return "\n".join([title] + ["  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in table])


def _number(text: str) -> float | None:
    head = text.split(" ")[0].rstrip("%")
    try:
        return float(head)
    except ValueError:
        return None


def _difference(a: str, b: str) -> str:
    """``b - a`` of two cells that start with a number: with their unit, percentage points for shares, and the
    relative change of money."""
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return "changed"
    words = a.split(" ")
    unit = words[1] if len(words) > 1 and words[1] in ("s", "CNY", "USD") else ""
    if words[0].endswith("%"):
        return f"{y - x:+.2f} pp"
    if unit in ("CNY", "USD"):
        return f"{y - x:+.2f} {unit}" + (f" ({(y - x) / x:+.0%})" if x else "")
    decimals = 2 if "." in words[0] else 0
    return f"{y - x:+.{decimals}f} {unit}".rstrip()


def render_comparison(a: FleetSummary, b: FleetSummary, currency: str, names: tuple[str, str],
                      only: str | None = None) -> str:
    """Both fleets side by side, service by service, pool by pool and in total."""
    theirs = {s.name: s for s in b.services}
    blocks = [_side_by_side(f"service {s.name}", service_rows(s, currency, a.burst_label),
                            service_rows(theirs[s.name], currency, b.burst_label) if s.name in theirs else None, names)
              for s in a.services if only is None or s.name == only]
    if only is None:
        their_pools = {p.name: p for p in b.pools}
        blocks += [_side_by_side(p.name, pool_rows(p, currency),
                                 pool_rows(their_pools[p.name], currency) if p.name in their_pools else None, names)
                   for p in a.pools]
        blocks += [_table(f"{p.name} (only in {names[1]})", pool_rows(p, currency))
                   for p in b.pools if p.name not in {q.name for q in a.pools}]
        blocks.append(_side_by_side("fleet", fleet_rows(a, currency), fleet_rows(b, currency), names))
    return "\n\n".join(blocks)


def render_cost_and_slo(a: FleetSummary, b: FleetSummary, currency: str, names: tuple[str, str]) -> str:
    """Only the SLO and cost lines of :func:`render_comparison`: what a recommendation changes (same services and
    pools on both sides)."""
    def kept(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(label, value) for label, value in rows if label.startswith(("SLO", "cost per hour"))]

    blocks = [_side_by_side(f"service {x.name}", kept(service_rows(x, currency, a.burst_label)),
                            kept(service_rows(y, currency, b.burst_label)), names) for x, y in zip(a.services, b.services)]
    blocks += [_side_by_side(x.name, kept(pool_rows(x, currency)), kept(pool_rows(y, currency)), names)
               for x, y in zip(a.pools, b.pools) if x.priced]
    blocks.append(_side_by_side("fleet", fleet_rows(a, currency), fleet_rows(b, currency), names))
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- files

CSV_HEADER = ["kind", "name", "t_seconds", "demand_qps", "metric", "replicas", "ready_pods", "capacity_qps",
              "burst_pods", "spot_nodes", "payg_nodes", "cost_per_hour", "held_back_by"]


def write_csv(results: dict[str, FleetResult], path: Path) -> None:
    """One row per second of every service and every pool; ``results`` by label (the stack file's name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["stack"] + CSV_HEADER)
        for label, result in results.items():
            for s in result.services:
                for t in range(result.seconds):
                    writer.writerow([label, "service", s.name, t, f"{s.demand[t]:.3f}", f"{s.metric[t]:.3f}",
                                     int(s.replicas[t]), int(s.ready[t]), f"{s.capacity[t]:.3f}", int(s.burst_pods[t]),
                                     "", "", f"{s.burst_cost[t]:.4f}", LIMITS[int(s.limit[t])] if s.demand[t] > s.capacity[t] else ""])
            for p in result.pools:
                for t in range(result.seconds):
                    writer.writerow([label, "pool", p.name, t, "", "", "", "", "", "", int(p.spot[t]), int(p.payg[t]),
                                     f"{p.cost[t]:.4f}", ""])


def served_share_so_far(series: ServiceSeries) -> np.ndarray:
    """Per second, the share of the requests so far that capacity served (1 before the first request)."""
    demand = np.cumsum(series.demand)
    served = np.cumsum(np.minimum(series.demand, series.capacity))
    return np.divide(served, demand, out=np.ones_like(demand, dtype=float), where=demand > 0)


def plot(results: dict[str, FleetResult], path: Path, title: str) -> list[Path]:
    """One figure per service, sized for a pull request (1000 x 1000 px), every stack overlaid on shared axes:
    demand and capacity (QPS) with the shortfall shaded, replicas with the ``maxReplicas`` line, the nodes of
    the pools it may use with their ``maxSize`` line, the fleet's cost per hour, and the share of requests served
    so far against the SLO's line (``1 - slo.errorRatio``); hours on the time axis.
    Written next to ``path`` as ``<stem>-<service>.png``; returns the files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(results)
    first = results[labels[0]]
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    written = []
    path.parent.mkdir(parents=True, exist_ok=True)
    for service in first.services:
        fig, axes = plt.subplots(5, 1, figsize=(10, 10), sharex=True)
        demand_drawn = False
        for colour, label in zip(colours, labels):
            result = results[label]
            series = next((s for s in result.services if s.name == service.name), None)
            if series is None:
                continue
            hours = np.arange(result.seconds) / 3600
            if not demand_drawn:
                axes[0].plot(hours, series.demand, color="tab:red", label="demand", linewidth=1)
                demand_drawn = True
            axes[0].plot(hours, series.capacity, color=colour, label=f"capacity, {label}", linewidth=1)
            axes[0].fill_between(hours, series.capacity, series.demand, where=series.demand > series.capacity,
                                 color=colour, alpha=0.15, step="post")
            axes[1].step(hours, series.replicas, where="post", color=colour, label=f"desired, {label}", linewidth=1)
            axes[1].axhline(series.max_replicas, color=colour, linestyle=":", linewidth=1, label=f"maxReplicas, {label}")
            pools = [result.pools[i] for i in series.pools]
            if pools:
                nodes = sum((p.spot + p.payg for p in pools), np.zeros(result.seconds))
                axes[2].step(hours, nodes, where="post", color=colour, linewidth=1,
                             label=f"nodes of {', '.join(p.name for p in pools)}, {label}")
                axes[2].axhline(sum(p.max_size for p in pools), color=colour, linestyle=":", linewidth=1,
                                label=f"maxSize, {label}")
            cost = sum((p.cost for p in result.pools), np.zeros(result.seconds)) \
                + sum((s.burst_cost for s in result.services), np.zeros(result.seconds))
            axes[3].step(hours, cost, where="post", color=colour, label=f"fleet, {label}", linewidth=1)
            axes[4].plot(hours, served_share_so_far(series), color=colour, label=f"served, {label}", linewidth=1)
            axes[4].axhline(1 - series.slo.error_ratio, color=colour, linestyle=":", linewidth=1, label=f"SLO, {label}")
        for axis, ylabel in zip(axes, ("QPS", "replicas", "nodes", "cost per hour", "share served")):
            axis.set_ylabel(ylabel)
            axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
            axis.grid(alpha=0.3)
        axes[-1].set_xlabel("hours")
        fig.suptitle(f"{title}: {service.name} ({service.mode})")
        fig.tight_layout()
        target = path.with_name(f"{path.stem}-{service.name}{path.suffix or '.png'}")
        fig.savefig(target, dpi=100)
        plt.close(fig)
        written.append(target)
    return written
