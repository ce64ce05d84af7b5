"""Security scan of the rendered Kubernetes manifests with checkov (installed in the tools virtualenv by ``make``).

Scanned: the manifests of every committed stack, plus those of ``tests/data/Pulumi.scan-*.yaml`` so every kind of
workload the platform renders is scanned even while no committed stack has services, and the Deployments Seldon's
operator makes of each SeldonDeployment (:func:`operator_deployments`). Every failing check is fixed or listed,
with its reason, in ``.checkov.yaml``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.cli import committed_stacks, main

ROOT = Path(__file__).resolve().parent.parent
SKIP_FILE = ROOT / ".checkov.yaml"
SCAN_FIXTURES = sorted((ROOT / "tests" / "data").glob("Pulumi.scan-*.yaml"))
CHECKOV = Path(os.environ.get("TOOLS_VENV", ROOT / ".venv-tools")).resolve() / "bin" / "checkov"


def checkov(directory: Path, *options: str) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make test` installs checkov into the tools virtualenv")
    # --skip-download: no network (checkov otherwise fetches guideline links from its SaaS); run from the
    # scanned folder so checkov does not pick up a config file on its own.
    result = subprocess.run(
        [str(CHECKOV), "-d", str(directory), "--framework", "kubernetes", "--compact", "-o", "json",
         "--skip-download", *options],
        cwd=directory, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert isinstance(report, dict) and report.get("check_type") == "kubernetes", result.stdout[:500]
    return report


@pytest.fixture(scope="module")
def manifests(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("manifests")
    for stack in committed_stacks():
        assert main(["--stack", stack, "--manifests", str(root / stack)]) == 0
    for fixture in SCAN_FIXTURES:
        assert main(["--stack-file", str(fixture), "--manifests", str(root / fixture.stem),
                     "--policy-config", str(ROOT / "policypack" / "config" / "prod.json")]) == 0
    for seldon_deployment in sorted(root.rglob("seldondeployment-*.yaml")):
        for deployment in operator_deployments(yaml.safe_load(seldon_deployment.read_text())):
            path = seldon_deployment.parent / f"deployment-{deployment['metadata']['namespace']}-{deployment['metadata']['name']}.yaml"
            path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    return root


def operator_deployments(seldon_deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The Deployments Seldon Core v1's operator runs for a SeldonDeployment: one per ``componentSpecs`` entry, with
    that entry's pod metadata and spec as given (``createDeploymentWithoutEngine``, SeldonIO/seldon-core v1.19.0-rc.1,
    takes the pod spec as it is and adds its own ``seldon-podinfo`` volume, which is left out here), and with the
    TCP liveness and readiness probes ``createContainerService`` gives each graph container that has none (same
    source: on the node's HTTP port, 60 s and 20 s initial delay). The executor and storage-initializer containers
    the operator adds are its own, with its own security context, and are not rendered. Names are
    ``<deployment>-<predictor>-<index>``; the operator's add the container names."""
    metadata = seldon_deployment["metadata"]
    deployments = []
    for predictor in seldon_deployment["spec"]["predictors"]:
        graph = graph_nodes(predictor["graph"])
        for index, component in enumerate(predictor.get("componentSpecs", [])):
            pod = {**component["spec"], "containers": [
                {**container, **({} if container["name"] not in graph else {
                    "livenessProbe": container.get("livenessProbe") or operator_probe(graph[container["name"]], 60),
                    "readinessProbe": container.get("readinessProbe") or operator_probe(graph[container["name"]], 20)})}
                for container in component["spec"]["containers"]]}
            labels = {**component["metadata"].get("labels", {}), "seldon-deployment-id": metadata["name"]}
            deployments.append({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": f"{metadata['name']}-{predictor['name']}-{index}", "namespace": metadata["namespace"],
                             "labels": labels},
                "spec": {"selector": {"matchLabels": {"seldon-deployment-id": metadata["name"]}},
                         "template": {"metadata": {**component["metadata"], "labels": labels}, "spec": pod}},
            })
    return deployments


SELDON_HTTP_PORT = 9000
"""The first HTTP port Seldon's operator gives graph nodes without an endpoint (``constants.FirstHttpPortNumber``, v1.19.0-rc.1)."""


def graph_nodes(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every node of a Seldon inference graph by name."""
    nodes = {node["name"]: node}
    for child in node.get("children", []):
        nodes |= graph_nodes(child)
    return nodes


def operator_probe(node: dict[str, Any], initial_delay: int) -> dict[str, Any]:
    port = node.get("endpoint", {}).get("httpPort", SELDON_HTTP_PORT)
    return {"tcpSocket": {"port": port}, "initialDelaySeconds": initial_delay, "periodSeconds": 5,
            "successThreshold": 1, "failureThreshold": 3, "timeoutSeconds": 1}


def skipped_ids() -> list[str]:
    return list(yaml.safe_load(SKIP_FILE.read_text())["skip-check"])


def test_manifests_pass_checkov_with_the_skip_list(manifests):
    report = checkov(manifests, "--config-file", str(SKIP_FILE))
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
              for c in report["results"]["failed_checks"]]
    assert failed == [], "fix these or add them to .checkov.yaml with a reason:\n" + "\n".join(failed)
    assert report["summary"]["parsing_errors"] == 0
    scanned = {c["resource"] for c in report["results"]["passed_checks"]}
    deployments = [yaml.safe_load(p.read_text()) for p in manifests.rglob("deployment-*.yaml")]
    assert deployments, "the scan must see at least one Deployment"
    assert any("seldon-deployment-id" in d["metadata"]["labels"] for d in deployments), "and one of Seldon's"
    for obj in deployments:
        assert f"Deployment.{obj['metadata']['namespace']}.{obj['metadata']['name']}" in scanned


def test_every_skip_has_a_reason_and_is_still_needed(manifests):
    lines = SKIP_FILE.read_text().splitlines()
    for check_id in skipped_ids():
        index = lines.index(f"  - {check_id}")
        assert lines[index - 1].lstrip().startswith("#"), f"{check_id} needs a reason comment above it"
    failing = {c["check_id"] for c in checkov(manifests)["results"]["failed_checks"]}
    stale = [check_id for check_id in skipped_ids() if check_id not in failing]
    assert stale == [], f"no longer failing, remove from .checkov.yaml: {stale}"
    assert len(skipped_ids()) <= 6, "keep the skip list short: fix checks instead"
