"""Summaries of simulated runs, the side-by-side comparison, the CSV time series and the plot."""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path

from .simulate import Result

KINDS = ("spot", "payg", "eci")
KIND_LABELS = {"spot": "spot", "payg": "pay-as-you-go", "eci": "ECI"}


@dataclass(frozen=True)
class Summary:
    service: str
    mode: str
    seconds: int
    episodes: tuple[int, ...]
    """Length in seconds of each stretch during which demand exceeded capacity: the time to capacity
    after the load increase that opened it."""
    recovered: bool
    """False when the run ends while still under capacity (the last episode is then a lower bound)."""
    seconds_under: int
    requests_under: float
    requests_total: float
    peak_replicas: int
    peak_ready: int
    peak_nodes: dict[str, int]
    cost_per_hour: dict[str, float]

    @property
    def ttc_p50(self) -> float | None:
        return statistics.median(self.episodes) if self.episodes else None

    @property
    def ttc_max(self) -> int | None:
        return max(self.episodes) if self.episodes else None


def summarize(result: Result) -> Summary:
    episodes: list[int] = []
    run = 0
    for sample in result.samples:
        if sample.demand > sample.capacity + 1e-9:
            run += 1
        elif run:
            episodes.append(run)
            run = 0
    if run:
        episodes.append(run)
    samples = result.samples
    hours = len(samples) / 3600
    return Summary(
        service=result.service,
        mode=result.mode,
        seconds=len(samples),
        episodes=tuple(episodes),
        recovered=run == 0,
        seconds_under=sum(1 for s in samples if s.demand > s.capacity + 1e-9),
        requests_under=sum(max(0.0, s.demand - s.capacity) for s in samples),
        requests_total=sum(s.demand for s in samples),
        peak_replicas=max(s.replicas for s in samples),
        peak_ready=max(s.ready for s in samples),
        peak_nodes={"spot": max(s.spot_nodes for s in samples), "payg": max(s.payg_nodes for s in samples),
                    "eci": max(s.eci_pods for s in samples)},
        cost_per_hour={k: sum(s.cost_per_hour[k] for s in samples) / 3600 / hours for k in KINDS},
    )


def _seconds(value: float | None, recovered: bool = True) -> str:
    if value is None:
        return "-"
    text = f"{value:.0f} s"
    return text if recovered else f">= {text} (not reached)"


def rows(summary: Summary, currency: str) -> list[tuple[str, str]]:
    """(label, value) lines of one summary, in report order."""
    total_cost = sum(summary.cost_per_hour.values())
    share = summary.requests_under / summary.requests_total if summary.requests_total else 0.0
    return [
        ("autoscaler", summary.mode),
        ("load increases not met at once", str(len(summary.episodes))),
        ("time to capacity p50", _seconds(summary.ttc_p50)),
        ("time to capacity max", _seconds(summary.ttc_max, summary.recovered)),
        ("seconds under capacity", f"{summary.seconds_under} of {summary.seconds}"),
        ("requests under capacity", f"{summary.requests_under:.0f} ({share:.1%})"),
        ("peak replicas (desired / ready)", f"{summary.peak_replicas} / {summary.peak_ready}"),
        *[(f"peak {KIND_LABELS[k]} {'pods' if k == 'eci' else 'nodes'}", str(summary.peak_nodes[k])) for k in KINDS],
        *[(f"cost per hour, {KIND_LABELS[k]}", f"{summary.cost_per_hour[k]:.2f} {currency}") for k in KINDS],
        ("cost per hour, total", f"{total_cost:.2f} {currency}"),
    ]


def render_summary(summary: Summary, currency: str) -> str:
    lines = rows(summary, currency)
    width = max(len(label) for label, _ in lines)
    return "\n".join([f"service {summary.service}"] + [f"  {label:<{width}}  {value}" for label, value in lines])


def render_comparison(a: Summary, b: Summary, currency: str, names: tuple[str, str]) -> str:
    """Both runs side by side; the last column shows what changes from the first to the second."""
    left, right = rows(a, currency), rows(b, currency)
    deltas = _deltas(a, b, currency)
    header = ("", names[0], names[1], "difference")
    table = [header] + [(label, va, vb, deltas.get(label, "") if va != vb else "same")
                        for (label, va), (_, vb) in zip(left, right)]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    out = [f"service {a.service}"]
    for row in table:
        out.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(out)


def _deltas(a: Summary, b: Summary, currency: str) -> dict[str, str]:
    def diff(x: float | None, y: float | None, unit: str) -> str:
        if x is None or y is None:
            return "changed"
        return f"{y - x:+.0f}{unit}" if unit != f" {currency}" else f"{y - x:+.2f}{unit}"
    total_a, total_b = sum(a.cost_per_hour.values()), sum(b.cost_per_hour.values())
    return {
        "time to capacity p50": diff(a.ttc_p50, b.ttc_p50, " s"),
        "time to capacity max": diff(a.ttc_max, b.ttc_max, " s"),
        "seconds under capacity": diff(a.seconds_under, b.seconds_under, " s"),
        "requests under capacity": diff(a.requests_under, b.requests_under, ""),
        "cost per hour, total": diff(total_a, total_b, f" {currency}")
        + (f" ({(total_b - total_a) / total_a:+.0%})" if total_a else ""),
        **{f"cost per hour, {KIND_LABELS[k]}": diff(a.cost_per_hour[k], b.cost_per_hour[k], f" {currency}") for k in KINDS},
        **{f"peak {KIND_LABELS[k]} {'pods' if k == 'eci' else 'nodes'}": diff(a.peak_nodes[k], b.peak_nodes[k], "")
           for k in KINDS},
        "load increases not met at once": diff(len(a.episodes), len(b.episodes), ""),
        "peak replicas (desired / ready)": f"{b.peak_replicas - a.peak_replicas:+d} / {b.peak_ready - a.peak_ready:+d}",
    }


def write_csv(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["service", "t_seconds", "demand_qps", "metric", "replicas", "ready_pods", "capacity_qps",
                         "spot_nodes", "payg_nodes", "eci_pods", "cost_per_hour"])
        for result in results:
            for s in result.samples:
                writer.writerow([result.service, s.t, f"{s.demand:.3f}", f"{s.metric:.3f}", s.replicas, s.ready,
                                 f"{s.capacity:.3f}", s.spot_nodes, s.payg_nodes, s.eci_pods,
                                 f"{sum(s.cost_per_hour.values()):.4f}"])


def plot(results: list[Result], path: Path, title: str) -> None:
    """Per service: demand and capacity (QPS) above, replicas and nodes below, sharing the time axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2 * len(results), 1, figsize=(10, 4.5 * len(results)), sharex=True, squeeze=False)
    for i, result in enumerate(results):
        t = [s.t / 60 for s in result.samples]
        top, bottom = axes[2 * i][0], axes[2 * i + 1][0]
        top.plot(t, [s.demand for s in result.samples], label="demand (QPS)", color="tab:red")
        top.plot(t, [s.capacity for s in result.samples], label="capacity (QPS)", color="tab:green")
        top.fill_between(t, [s.capacity for s in result.samples], [s.demand for s in result.samples],
                         where=[s.demand > s.capacity for s in result.samples], color="tab:red", alpha=0.2,
                         label="under capacity")
        top.set_ylabel("QPS")
        top.set_title(f"{result.service} ({result.mode})")
        top.legend(loc="upper left", fontsize=8)
        bottom.step(t, [s.replicas for s in result.samples], where="post", label="desired replicas")
        bottom.step(t, [s.ready for s in result.samples], where="post", label="ready pods")
        bottom.step(t, [s.spot_nodes for s in result.samples], where="post", label="spot nodes", linestyle="--")
        bottom.step(t, [s.payg_nodes for s in result.samples], where="post", label="pay-as-you-go nodes", linestyle="--")
        if any(s.eci_pods for s in result.samples):
            bottom.step(t, [s.eci_pods for s in result.samples], where="post", label="ECI pods", linestyle=":")
        bottom.set_ylabel("count")
        bottom.legend(loc="upper left", fontsize=8)
    axes[-1][0].set_xlabel("minutes")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
