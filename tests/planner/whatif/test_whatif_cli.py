"""``python -m planner whatif`` end to end: every committed stack with every pattern, the comparison of
the seeds' settings with a tuned variant, the CSV, the plot, traces and input errors."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from planner.cli import committed_stacks
from planner.cli import main as planner_main
from planner.stackfile import read_stack_file
from planner.whatif.patterns import PATTERNS

from paths import DATA


ACK_STACKS = [s for s in committed_stacks() if "elastic-inference:cloud" not in read_stack_file(Path("stacks") / f"Pulumi.{s}.yaml")[0]]
"""Stacks on ACK (no ``cloud`` key): the only cloud the what-if models."""


@pytest.mark.parametrize("stack", ACK_STACKS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_runs_on_every_committed_ack_stack_with_each_pattern(stack, pattern, capsys):
    assert planner_main(["whatif", "--stack", stack, "--pattern", pattern, "--duration", "1800"]) == 0
    out = capsys.readouterr().out
    assert "nothing to simulate" in out or "time to capacity p50" in out


def test_refuses_other_clouds_with_a_clear_message(capsys):
    assert set(committed_stacks()) - set(ACK_STACKS) == {"aws-dev", "local"}
    assert planner_main(["whatif", "--stack", "aws-dev"]) == 2
    assert "cloud aws is not modelled" in capsys.readouterr().err


def _row(out: str, label: str) -> list[str]:
    line = next(l for l in out.splitlines() if l.strip().startswith(label))
    return re.split(r"\s{2,}", line.strip())


def test_compare_seeds_with_tuned_variant_shows_time_to_capacity_and_cost_differences(capsys):
    """Seeds: QPS target 10, 1-10 replicas, 5-minute scale-down, no warm GPU node. Tuned: 2 warm replicas
    on a warm node, target 7, 4 pods per 15 s up, 1-minute scale-down. Same load (the seeds' per-pod
    capacity) for both."""
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"),
                         "--compare", str(DATA / "whatif-tuned.yaml"), "--pattern", "step"]) == 0
    out = capsys.readouterr().out
    header = _row(out, "whatif-seeds.yaml")
    assert header == ["whatif-seeds.yaml", "whatif-tuned.yaml", "difference"]
    label, seeds, tuned, diff = _row(out, "time to capacity max")
    assert int(seeds.split()[0]) > int(tuned.split()[0])
    assert diff == f"{int(tuned.split()[0]) - int(seeds.split()[0]):+d} s"
    label, seeds, tuned, diff = _row(out, "cost per hour, total")
    assert float(tuned.split()[0]) > float(seeds.split()[0])
    assert diff.startswith("+") and diff.endswith("%)")
    assert "PLACEHOLDERS" in out


def test_csv_and_plot(tmp_path, capsys):
    series, picture = tmp_path / "ts.csv", tmp_path / "whatif.png"
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-keda.yaml"), "--pattern", "ramp",
                         "--duration", "600", "--csv", str(series), "--plot", str(picture)]) == 0
    rows = list(csv.DictReader(series.open()))
    assert len(rows) == 600 and rows[0]["service"] == "fashion-mnist"
    assert float(rows[-1]["demand_qps"]) == pytest.approx(80.0)
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_trace_file_drives_the_load(tmp_path, capsys):
    trace = tmp_path / "trace.csv"
    trace.write_text("t_seconds,qps\n0,5\n60,40\n299,40\n")
    series = tmp_path / "ts.csv"
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), "--trace", str(trace),
                         "--csv", str(series)]) == 0
    demand = [float(r["demand_qps"]) for r in csv.DictReader(series.open())]
    assert len(demand) == 300 and demand[59] == 5 and demand[60] == 40


@pytest.mark.parametrize("argv, message", [
    (["--set", "no_such_input=1"], "expected NAME=VALUE"),
    (["--service", "missing"], "has no service named missing"),
])
def test_bad_inputs(argv, message, capsys):
    code = planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), *argv])
    assert code == 2 and message in capsys.readouterr().err
