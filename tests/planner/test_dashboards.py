"""``python -m planner dashboards``: the dashboards to import where no sidecar loads them are the ones delivered in-cluster."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.engine import run
from components.platform import build_platform
from planner.stackfile import load_validated
from paths import DATA, ROOT


def test_the_files_are_the_dashboards_a_sidecar_would_load(tmp_path):
    stack_file = ROOT / "stacks" / "Pulumi.staging.yaml"
    assert main(["dashboards", "--stack-file", str(stack_file), "--out", str(tmp_path)]) == 0
    config = load_validated(stack_file)
    plan = run(lambda: build_platform(config), "elastic-inference", "staging", {}, [])
    delivered = {r.inputs["metadata"]["name"]: next(iter(r.inputs["data"].values()))
                 for r in plan.by_type("kubernetes:core/v1:ConfigMap") if r.name.startswith("observability-dashboard-")}
    written = {path.stem: path.read_text() for path in tmp_path.glob("*.json")}
    assert written and written == delivered
    assert {json.loads(board)["uid"] for board in written.values()} == set(written)


def test_a_managed_backend_gets_its_dashboards_as_files_only(tmp_path, capsys):
    assert main(["dashboards", "--stack-file", str(DATA / "Pulumi.managed-eks.yaml"), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ei-inference-bert-tfserving.json", "elastic-inference-overview.json"]
    assert "2 dashboards" in capsys.readouterr().out


def test_a_config_mistake_is_reported_without_a_traceback(tmp_path, capsys):
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  elastic-inference:observability:\n    backend: prometheus\n")
    with pytest.raises(SystemExit) as exit:
        main(["dashboards", "--stack-file", str(broken), "--out", str(tmp_path / "out")])
    assert exit.value.code == 2
    assert "observability.backend" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
