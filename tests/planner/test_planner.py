"""The offline plan's command line: stack files, secrets, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

from planner.engine import redact, wire_inputs
from planner.manifests import REDACTED_ANNOTATION, manifest_filename, ordered, without_secret_fields
from planner.stackfile import SECRET_PLACEHOLDER, parse_stack_document
from policypack.sentinels import SECRET_MARK, UNKNOWN_MARK
from stackconfig import StackConfigError

from factories import config_values
from paths import ROOT


def run_planner(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def write_stack(tmp_path: Path, values: dict) -> Path:
    path = tmp_path / "Pulumi.trial.yaml"
    path.write_text(yaml.safe_dump({"config": {f"elastic-inference:{k}": v for k, v in values.items()}}))
    return path


def test_recorded_inputs_are_the_redacted_json_of_the_request():
    """The request is in the wire format of Pulumi's own SDK: its sentinels, not this repository's copy."""
    inputs = struct_pb2.Struct()
    inputs.update({
        "count": 3.0, "ratio": 0.5, "on": True, "off": None, "pending": rpc.UNKNOWN, "empty": {}, "none": [],
        "password": {rpc._special_sig_key: rpc._special_secret_sig, "value": "hunter2"},
        "refs": [{rpc._special_sig_key: rpc._special_resource_sig, "urn": "urn:pulumi:dev::p::t::n", "id": "i"},
                 {"nested": [1.0, "a"]}],
        "other": {rpc._special_sig_key: "not-a-signature", "x": 2.0},
    })
    before = inputs.SerializeToString(deterministic=True)
    recorded = wire_inputs(inputs)
    assert recorded == redact(json_format.MessageToDict(inputs))
    assert list(recorded) == sorted(recorded)  # whatever order the map arrived in
    assert recorded["password"] == SECRET_MARK and recorded["pending"] == UNKNOWN_MARK and recorded["count"] == 3
    assert inputs.SerializeToString(deterministic=True) == before


def test_secure_values_become_secret_placeholders_at_any_depth():
    config, secret = parse_stack_document({"config": {
        "elastic-inference:s3Credentials": {"secure": "v1:abc"},
        "elastic-inference:tags": {"owner": {"secure": "v1:def"}, "team": "ml"},
        "alicloud:region": "cn-beijing",
        "environment": "dev",
    }}, "test")
    assert config["elastic-inference:s3Credentials"] == SECRET_PLACEHOLDER
    assert json.loads(config["elastic-inference:tags"]) == {"owner": SECRET_PLACEHOLDER, "team": "ml"}
    assert config["elastic-inference:environment"] == "dev"
    assert sorted(secret) == ["elastic-inference:s3Credentials", "elastic-inference:tags"]


def test_unknown_top_level_key_of_a_stack_file_is_an_error():
    with pytest.raises(StackConfigError) as caught:
        parse_stack_document({"confg": {}}, "Pulumi.x.yaml")
    assert caught.value.issues[0].path == "confg"


def test_manifest_filename_uses_kind_namespace_or_cluster_and_name():
    assert manifest_filename({"kind": "PersistentVolume", "metadata": {"name": "models"}}) == "persistentvolume-cluster-models.yaml"
    assert manifest_filename({"kind": "Service", "metadata": {"name": "bert", "namespace": "inference"}}) == "service-inference-bert.yaml"


def test_manifests_put_api_version_kind_metadata_first_and_sort_the_rest():
    obj = {"spec": {"b": 1, "a": [{"z": 1, "y": 2}]}, "metadata": {"name": "x"}, "kind": "K", "apiVersion": "v1"}
    assert list(ordered(obj)) == ["apiVersion", "kind", "metadata", "spec"]
    assert list(ordered(obj)["spec"]) == ["a", "b"] and list(ordered(obj)["spec"]["a"][0]) == ["y", "z"]


def test_secret_fields_are_left_out_of_manifests_and_said_so():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s3"}, "type": "Opaque", "stringData": SECRET_MARK}
    written = without_secret_fields(secret)
    assert "stringData" not in written and written["type"] == "Opaque"
    assert "stringData" in written["metadata"]["annotations"][REDACTED_ANNOTATION]
    plain = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}
    assert without_secret_fields(plain) == plain


def test_bad_stack_file_exits_non_zero_naming_every_key_without_traceback(tmp_path):
    values = config_values(production=True, servces=[], alicloud={"network": {"vpcCidr": "10.0.0.0/8", "nodeVswitchCidrs": ["10.0.0.0/20"]}})
    stack_file = write_stack(tmp_path, values)
    result = run_planner("--stack-file", str(stack_file))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    line = next(i for i, text in enumerate(stack_file.read_text().splitlines(), start=1) if "servces" in text)
    assert f"servces (line {line}): unknown key (hint: did you mean 'services'?)" in result.stderr


def test_cross_field_errors_are_reported_with_paths(tmp_path):
    values = config_values(production=True, alicloud={"network": {"nodeVswitchCidrs": ["192.168.0.0/20"]}})
    result = run_planner("--stack-file", str(write_stack(tmp_path, values)))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "zones (line " in result.stderr and "): a production stack needs three zones" in result.stderr
    assert "network.nodeVswitchCidrs (line 5): has 1 entries for 2 zones" in result.stderr


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text("config:\n  elastic-inference:zones: [a, b\n")
    result = run_planner("--stack-file", str(path))
    assert result.returncode == 2 and "line" in result.stderr and "Traceback" not in result.stderr


def test_unknown_stack_lists_the_committed_ones():
    result = run_planner("--stack", "nope")
    assert result.returncode == 2 and "dev" in result.stderr and "Traceback" not in result.stderr


def test_plan_prints_tree_and_counts_for_a_stack_file(tmp_path):
    result = run_planner("--stack-file", str(write_stack(tmp_path, config_values())))
    assert result.returncode == 0, result.stderr
    assert "elastic-inference:platform:AlicloudPlatform" in result.stdout
    assert "└─ " in result.stdout and "Resources by type:" in result.stdout and "to create" in result.stdout


@pytest.mark.parametrize("stack", ["prod", "aws-dev"])
def test_two_plans_of_a_stack_are_byte_identical(stack, tmp_path, capsys):
    """Registrations arrive in the order their inputs resolve; the tree, the JSON plan and the manifests do not."""
    from planner.cli import main
    printed, files = [], []
    for run in ("first", "second"):
        out = tmp_path / run
        assert main(["--stack", stack, "--json", str(out / "plan.json"), "--manifests", str(out / "manifests")]) == 0
        printed.append(capsys.readouterr().out.replace(str(out), "OUT"))
        files.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert printed[0] == printed[1]
    assert files[0] == files[1]
    plan = json.loads(files[0][Path("plan.json")])
    order = [(r["parent"] or "", r["type"], r["name"]) for r in plan["resources"]]
    assert order == sorted(order)


def test_the_cli_keeps_the_usual_conventions(tmp_path):
    from elastic_inference import VERSION
    assert run_planner("--version").stdout.strip() == f"elastic-inference {VERSION}"
    usage = run_planner("--help").stdout
    assert all(name in usage for name in ("diff", "whatif", "dashboards", "exit status"))
    # --json - is the plan on stdout; everything else goes to stderr.
    planned = run_planner("--stack", "dev", "--json", "-")
    assert planned.returncode == 0 and json.loads(planned.stdout)["stack"] == "dev"
    assert "Policies:" in planned.stderr
    # A closed pipe ends quietly.
    piped = subprocess.run(f"{sys.executable} -m planner --stack prod | head -1", shell=True, cwd=ROOT,
                           capture_output=True, text=True)
    assert piped.stdout.startswith("Offline plan of stack 'prod'") and piped.stderr == ""


def test_a_stack_file_is_planned_as_the_stack_it_is_for(tmp_path):
    trial = tmp_path / "my-trial.yaml"
    trial.write_text((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    alone = run_planner("--stack-file", str(trial))
    assert "stack 'my-trial' has no policy config" in alone.stderr
    as_dev = run_planner("--stack-file", str(trial), "--stack", "dev")
    assert as_dev.returncode == 0 and "policypack/config/dev.json" in as_dev.stdout


def test_diff_and_whatif_report_bad_input_with_status_2_and_diff_can_gate(tmp_path):
    broken = run_planner("diff", str(tmp_path / "missing.json"), str(tmp_path / "missing.json"))
    assert broken.returncode == 2 and "Traceback" not in broken.stderr and "cannot compare" in broken.stderr
    plan = tmp_path / "dev.json"
    assert run_planner("--stack", "dev", "--json", str(plan)).returncode == 0
    assert run_planner("diff", "--exit-code", str(plan), str(plan)).returncode == 0
    other = tmp_path / "changed.json"
    document = json.loads(plan.read_text())
    document["resources"] = document["resources"][1:]
    other.write_text(json.dumps(document))
    assert run_planner("diff", "--exit-code", str(plan), str(other)).returncode == 1
    unknown = run_planner("whatif", "--stack", "dev", "--service", "nope")
    assert unknown.returncode == 2 and "has no service named nope" in unknown.stderr


def test_the_console_script_plans_from_any_directory(tmp_path):
    """``elastic-inference plan ...`` (pyproject's console script) outside the clone's root."""
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); sys.argv = ['elastic-inference', 'plan', '--stack', "
              "'dev', '--json', '-']; from planner.cli import console; console()")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stack"] == "dev"
