"""Security scan of the rendered Kubernetes manifests with checkov (installed in the tools virtualenv by ``make``).

Scanned: the manifests of every committed stack, plus those of ``tests/data/Pulumi.scan-services.yaml`` so
every kind of workload the platform renders is scanned even while no committed stack has services.
Every failing check is fixed or listed, with its reason, in ``.checkov.yaml``.
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
SCAN_FIXTURE = ROOT / "tests" / "data" / "Pulumi.scan-services.yaml"
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
    assert main(["--stack-file", str(SCAN_FIXTURE), "--manifests", str(root / "scan-services"),
                 "--policy-config", str(ROOT / "policypack" / "config" / "prod.json")]) == 0
    return root


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
