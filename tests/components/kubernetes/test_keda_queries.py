"""Every KEDA query a stack file can ship is PromQL that Prometheus parses and evaluates as the autoscaler expects,
checked with Prometheus's own ``promtool`` (Debian's ``prometheus`` package; ``.ci/run`` installs it)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from components.kubernetes.monitoring import autoscaler_query
from paths import ROOT, STACK_FILES
from prometheus_tools import promtool
from planner.stackfile import read_stack_file
from stackconfig import load_stack_config

def keda_queries() -> list[tuple[str, str]]:
    """``(where, query)`` of every KEDA trigger (``keda`` and ``gpu``) in every stack file of the project."""
    queries = []
    for path in STACK_FILES:
        config, secret = read_stack_file(path)
        stack = load_stack_config(config, secret, source=str(path), secure_paths=config.secure_paths)
        queries += [(f"{path.relative_to(ROOT)} {s.name}", autoscaler_query(s))
                    for s in stack.services if autoscaler_query(s) is not None]
    return queries


def recording_rules(queries: list[tuple[str, str]]) -> str:
    """The queries as recording rules, the form ``promtool check rules`` parses."""
    return yaml.safe_dump({"groups": [{"name": "keda", "rules": [
        {"record": "keda:" + re.sub(r"[^a-zA-Z0-9_]", "_", where), "expr": query} for where, query in queries]}]})


def check_rules(tmp_path: Path, queries: list[tuple[str, str]]) -> subprocess.CompletedProcess:
    rules = tmp_path / "keda.rules.yaml"
    rules.write_text(recording_rules(queries))
    return subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)


def test_the_project_ships_keda_queries():
    assert len(keda_queries()) >= 3


def test_every_keda_query_of_every_stack_file_parses(tmp_path):
    result = check_rules(tmp_path, keda_queries())
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_query_that_does_not_parse_is_caught(tmp_path):
    result = check_rules(tmp_path, [("broken", "sum(rate(seldon_api_executor_client_requests_seconds_count[1m])")])
    assert result.returncode != 0 and "parse error" in (result.stdout + result.stderr).lower()


TUTORIAL_QUERY = 'sum(rate(seldon_api_executor_client_requests_seconds_count{deployment_name=~"cifar10"}[1m]))'


def test_the_tutorials_query_is_the_total_request_rate_of_all_replicas(tmp_path):
    """KEDA divides the query's value by the replicas (AverageValue, ``stackconfig.services``), so the query is the
    total: two replicas serving 30 and 10 requests per second give 40, which KEDA compares with 20 per replica."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(recording_rules([("tutorial", TUTORIAL_QUERY)]))
    series = 'seldon_api_executor_client_requests_seconds_count{{deployment_name="cifar10",pod="{pod}"}}'
    (tmp_path / "test.yaml").write_text(yaml.safe_dump({
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [{"series": series.format(pod="a"), "values": "0+1800x10"},
                             {"series": series.format(pod="b"), "values": "0+600x10"},
                             {"series": series.format(pod="other").replace("cifar10", "mnist"), "values": "0+6000x10"}],
            "promql_expr_test": [{"expr": TUTORIAL_QUERY, "eval_time": "5m", "exp_samples": [{"labels": "{}", "value": 40}]}],
        }],
    }))
    result = subprocess.run([promtool(), "test", "rules", str(tmp_path / "test.yaml")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
