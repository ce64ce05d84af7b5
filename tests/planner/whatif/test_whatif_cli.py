"""``python -m planner whatif`` end to end: every committed stack with every pattern, the comparison of
the seeds' settings with a tuned variant, the CSV, the plot, traces and input errors."""

from __future__ import annotations

import contextlib
import csv
import io
import re

import pytest

from planner.cli import committed_stacks
from planner.cli import main as planner_main
from planner.whatif.patterns import PATTERNS

from paths import DATA


@pytest.mark.parametrize("stack", committed_stacks())
@pytest.mark.parametrize("pattern", PATTERNS)
def test_runs_on_every_committed_stack_with_each_pattern(stack, pattern, capsys):
    """Every cloud: ACK pools and ECI, EKS groups and Fargate, an existing cluster's declared nodes."""
    assert planner_main(["whatif", "--stack", stack, "--pattern", pattern, "--duration", "1800"]) == 0
    out = capsys.readouterr().out
    assert "time to capacity p50" in out and "\nfleet\n" in out


def test_every_cost_cites_its_price_table():
    for stack, table in (("dev", "alicloud.cn-beijing.yaml"), ("aws-dev", "aws.us-east-1.yaml")):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert planner_main(["whatif", "--stack", stack, "--duration", "600"]) == 0
        assert f"planner/whatif/prices/{table}" in out.getvalue()


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
    assert _row(out, "whatif-seeds.yaml") == ["whatif-seeds.yaml", "whatif-tuned.yaml", "difference"]
    label, seeds, tuned, diff = _row(out, "time to capacity max")
    assert int(seeds.split()[0]) > int(tuned.split()[0])
    assert diff == f"{int(tuned.split()[0]) - int(seeds.split()[0]):+d} s"
    fleet = out[out.index("\nfleet\n"):]
    label, seeds, tuned, diff = _row(fleet, "cost per hour ")
    assert float(tuned.split()[0]) > float(seeds.split()[0])
    assert diff == f"{float(tuned.split()[0]) - float(seeds.split()[0]):+.2f} CNY " \
                   f"({(float(tuned.split()[0]) - float(seeds.split()[0])) / float(seeds.split()[0]):+.0%})"
    assert "PLACEHOLDERS" in out


def test_csv_has_every_service_and_pool_second_and_the_plots_one_figure_per_service(tmp_path, capsys):
    series, picture = tmp_path / "ts.csv", tmp_path / "whatif.png"
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-keda.yaml"), "--pattern", "ramp",
                         "--duration", "600", "--csv", str(series), "--plot", str(picture)]) == 0
    rows = list(csv.DictReader(series.open()))
    services = [r for r in rows if r["kind"] == "service"]
    pools = [r for r in rows if r["kind"] == "pool"]
    assert len(services) == 600 and services[0]["name"] == "fashion-mnist"
    assert float(services[-1]["demand_qps"]) == pytest.approx(80.0)
    assert {r["name"] for r in pools} == {"node pool system", "node pool gpu-inference"} and len(pools) == 1200
    for row in services:
        assert (row["held_back_by"] != "") == (float(row["demand_qps"]) > float(row["capacity_qps"]))
    figure = tmp_path / "whatif-fashion-mnist.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib import image
    assert image.imread(figure).shape[:2] == (1000, 1000)


def test_trace_file_drives_the_load(tmp_path, capsys):
    trace = tmp_path / "trace.csv"
    trace.write_text("t_seconds,qps\n0,5\n60,40\n299,40\n")
    series = tmp_path / "ts.csv"
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), "--trace", str(trace),
                         "--csv", str(series)]) == 0
    demand = [float(r["demand_qps"]) for r in csv.DictReader(series.open()) if r["kind"] == "service"]
    assert len(demand) == 300 and demand[59] == 5 and demand[60] == 40


def test_slo_exit_code_fails_a_run_that_misses_an_slo(capsys):
    argv = ["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), "--pattern", "step", "--duration", "1200"]
    assert planner_main(argv) == 0
    assert planner_main([*argv, "--slo-exit-code"]) == 1
    assert "SLO met                          NO" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--set", "no_such_input=1"], "expected NAME=VALUE"),
    (["--set", "node_provision_seconds=abc"], "node_provision_seconds takes a number"),
    (["--set", "node_provision_seconds=-5"], "takes a whole number, 0 or more"),
    (["--set", "burst_pod_quota=1.5"], "takes a whole number, 0 or more"),
    (["--service", "missing"], "has no service named missing"),
    (["--duration", "0"], "argument --duration: 0 is out of range"),
    (["--pod-qps", "0"], "argument --pod-qps: 0 is out of range: more than 0"),
    (["--peak-qps", "-100"], "argument --peak-qps: -100 is out of range"),
    (["--plot", "figure.txt"], "write .png or .svg or .pdf"),
])
def test_bad_inputs(argv, message, capsys):
    with contextlib.suppress(SystemExit):  # argparse's own errors exit 2 themselves
        assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("rows, message", [
    ("0,5\n60\n", "line 3: t_seconds and qps must be numbers, got '60' and None"),
    ("0,nan\n", "line 2: t_seconds and qps must be finite and qps not negative"),
    ("0,-5\n", "line 2: t_seconds and qps must be finite and qps not negative, got 0 and -5"),
    ("0,5\n10000000000,1\n", "more than 2678400 (31 days)"),
])
def test_a_bad_trace_row_is_named_by_its_line(rows, message, tmp_path, capsys):
    trace = tmp_path / "trace.csv"
    trace.write_text("t_seconds,qps\n" + rows)
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), "--trace", str(trace)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {trace}") and message in err and len(err.splitlines()) == 1


def test_a_trace_saved_by_a_spreadsheet_with_a_byte_order_mark_is_read(tmp_path, capsys):
    trace = tmp_path / "trace.csv"
    trace.write_bytes("\ufefft_seconds,qps\n0,5\n60,40\n".encode("utf-8"))
    assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), "--trace", str(trace)]) == 0


def test_an_output_that_cannot_be_written_is_refused_before_the_run(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for option in ("--csv", "--plot", "--recommend-out"):
        assert planner_main(["whatif", "--stack-file", str(DATA / "whatif-seeds.yaml"), option,
                             str(a_file / "out.png")]) == 2
        captured = capsys.readouterr()
        assert captured.err == f"error: {a_file / 'out.png'}: {a_file} is a file, not a folder\n"
        assert "What-if for" not in captured.out
