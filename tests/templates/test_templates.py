"""The `pulumi new` templates: rendered as `pulumi new --yes` would, then planned under the mock engine."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest
import yaml

from elastic_inference import VERSION
from planner import mocks
from planner.engine import Plan, run_program
from planner.program import main as program_main
from planner.program import answer_stack_references, plan_program, render_template, template_config
from planner.stackfile import read_stack_file
from stackconfig import PROJECT

from paths import ROOT
from policypack.sentinels import SECRET_MARK

TEMPLATES = ROOT / "templates"
APP = TEMPLATES / "inference-service-python"
ENVIRONMENT = TEMPLATES / "environment"

PLATFORM = "acme/elastic-inference/dev"
"""The template's default ``platformStack``."""
PLATFORM_OUTPUTS = {
    **mocks.PLATFORM_STACK_OUTPUTS,
    "clusterId": "c0123456789abcdef0123456789abcdef",
    "logProject": "k8s-log-prod-platform",
    "modelClaimName": "shared-models",
    "modelClaimNamespace": "models",
}
"""A platform whose values all differ from the platform's defaults, so each can be traced into the plan."""


@pytest.fixture
def platform_stack(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setitem(mocks.STACK_REFERENCES, PLATFORM, {"outputs": PLATFORM_OUTPUTS, "secretOutputNames": ["kubeconfig"]})
    return PLATFORM_OUTPUTS


@pytest.fixture
def app_project(tmp_path: Path) -> Path:
    render_template(APP, tmp_path / "bert-app", "bert-app", "BERT for the search team")
    return tmp_path / "bert-app"


@pytest.mark.parametrize("template", [APP, ENVIRONMENT], ids=lambda p: p.name)
def test_every_prompt_has_a_description_and_a_default(template: Path) -> None:
    document = yaml.safe_load((template / "Pulumi.yaml").read_text())
    assert document["name"] == "${PROJECT}" and document["description"] == "${DESCRIPTION}"
    assert document["runtime"]["name"] == "python"
    assert document["template"]["description"]
    prompts = document["template"]["config"]
    assert prompts
    for key, prompt in prompts.items():
        assert prompt.get("description"), key
        assert "default" in prompt, key


def test_rendering_substitutes_the_placeholders_like_pulumi_new(app_project: Path) -> None:
    files = {p.relative_to(app_project).as_posix() for p in app_project.rglob("*") if p.is_file()}
    assert files == {"Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "requirements.txt", ".gitignore"}
    for path in app_project.rglob("*"):
        if path.is_file():
            assert "${" not in path.read_text(), path
    project = yaml.safe_load((app_project / "Pulumi.yaml").read_text())
    assert project["name"] == "bert-app" and project["description"] == "BERT for the search team"
    assert "template" not in project
    assert '"""BERT for the search team' in (app_project / "__main__.py").read_text()
    stack = yaml.safe_load((app_project / "Pulumi.dev.yaml").read_text())["config"]
    assert stack["bert-app:platformStack"] == PLATFORM
    assert stack["bert-app:maxReplicas"] == "4"


def test_app_template_installs_this_repository_at_a_release() -> None:
    requirement = [line for line in (APP / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    assert requirement == [f"elastic-inference @ git+https://github.com/ACME/elastic-inference@v{VERSION}"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'name = "elastic-inference"' in pyproject
    # What the wheel holds: tests/elastic_inference/test_component_package.py, with setuptools' own finder.


def _app_plan(project: Path) -> Plan:
    return plan_program(project, "dev")


def test_app_template_deploys_one_service_onto_the_platform_stack(app_project: Path, platform_stack: dict) -> None:
    plan = _app_plan(app_project)
    defaults = template_config(APP)
    name = defaults["serviceName"]

    component = plan.get("elastic-inference:index:InferenceService", name)
    provider = plan.get("pulumi:providers:kubernetes", f"{name}-cluster")
    workload = plan.get("elastic-inference:inference:InferenceService", name)
    assert provider.parent == component.urn and workload.parent == component.urn
    # The cluster comes from the platform stack: its id, and a kubeconfig (secret) the app stack fetches itself in the
    # platform's region, so it does not expire with the platform's.
    assert provider.inputs["kubeconfig"] == SECRET_MARK
    assert provider.inputs["clusterIdentifier"] == platform_stack["clusterId"]
    assert plan.get("pulumi:providers:alicloud", f"{name}-alicloud").inputs["region"] == platform_stack["region"]

    kubernetes = [r for r in plan.resources if r.type.startswith("kubernetes:")]
    assert sorted((r.type, r.name) for r in kubernetes) == sorted([
        ("kubernetes:apps/v1:Deployment", f"{name}-deployment"),
        ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", f"{name}-hpa"),
        ("kubernetes:core/v1:ConfigMap", f"{name}-tfserving-config"),
        ("kubernetes:core/v1:Service", f"{name}-service"),
        ("kubernetes:core/v1:ServiceAccount", f"{name}-service-account"),
        ("kubernetes:networking.k8s.io/v1:Ingress", f"{name}-ingress"),
        ("kubernetes:policy/v1:PodDisruptionBudget", f"{name}-pdb"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{name}-network-policy"),
        # The platform stack's metrics backend (its metrics output) scrapes the service.
        ("kubernetes:monitoring.coreos.com/v1:PodMonitor", f"{name}-pod-monitor"),
    ])
    for resource in kubernetes:
        assert resource.parent == workload.urn
        assert resource.provider.startswith(provider.urn + "::"), resource.name
        assert resource.inputs["metadata"]["namespace"] == platform_stack["modelClaimNamespace"], resource.name

    pod = plan.get("kubernetes:apps/v1:Deployment", f"{name}-deployment").inputs["spec"]["template"]["spec"]
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert claims == [platform_stack["modelClaimName"]]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == defaults["gpus"]
    model_config = plan.get("kubernetes:core/v1:ConfigMap", f"{name}-tfserving-config").inputs["data"]
    assert any(defaults["modelPath"] in text for text in model_config.values())

    hpa = plan.get("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", f"{name}-hpa").inputs["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (int(defaults["minReplicas"]), int(defaults["maxReplicas"]))
    [metric] = hpa["metrics"]
    labels = metric["external"]["metric"]["selector"]["matchLabels"]
    assert labels["sls.project"] == platform_stack["logProject"]
    assert labels["sls.ingress.route"].startswith(f"{platform_stack['modelClaimNamespace']}-{name}-")
    assert metric["external"]["target"]["averageValue"] == defaults["qpsTargetPerPod"]

    ingress = plan.get("kubernetes:networking.k8s.io/v1:Ingress", f"{name}-ingress").inputs["spec"]
    assert ingress["rules"][0]["host"] == defaults["ingressHost"]
    assert ingress["tls"] == [{"hosts": [defaults["ingressHost"]], "secretName": defaults["tlsSecretName"]}]
    assert plan.outputs == {"namespace": "models", "serviceName": name, "url": f"https://{defaults['ingressHost']}/"}


def test_app_template_reports_config_mistakes_with_their_keys(app_project: Path, platform_stack: dict) -> None:
    stack_file = app_project / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["bert-app:maxReplicas"] = "0"
    document["config"]["bert-app:server"] = "torchserve"
    stack_file.write_text(yaml.safe_dump(document))
    with pytest.raises(pulumi.RunError) as error:
        _app_plan(app_project)
    assert "autoscaling.maxReplicas" in str(error.value) and "server" in str(error.value)


def test_offline_path_of_the_readme_plans_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m planner.program templates/inference-service-python --json plan.json`, as the README shows."""
    assert program_main([str(APP), "--json", str(tmp_path / "plan.json")]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    deployment = next(r for r in plan["resources"] if r["type"] == "kubernetes:apps/v1:Deployment")
    assert deployment["inputs"]["metadata"]["namespace"] == mocks.PLATFORM_STACK_OUTPUTS["modelClaimNamespace"]
    assert "bert-deployment" in capsys.readouterr().out


def test_offline_plan_against_a_committed_platform_stack(tmp_path: Path) -> None:
    """`--platform dev`: the dev stack's own offline outputs answer the app's stack reference."""
    config, secret = read_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    platform = run_program(ROOT, PROJECT, "dev", config, secret)
    try:
        assert program_main([str(APP), "--platform", "dev", "--json", str(tmp_path / "plan.json")]) == 0
    finally:
        mocks.STACK_REFERENCES.pop(mocks.ANY_STACK, None)
    plan = json.loads((tmp_path / "plan.json").read_text())
    hpa = next(r for r in plan["resources"] if r["type"] == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    labels = hpa["inputs"]["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchLabels"]
    assert labels["sls.project"] == platform.outputs["logProject"]
    assert hpa["inputs"]["metadata"]["namespace"] == platform.outputs["modelClaimNamespace"]


def test_an_app_service_over_the_platforms_cap_fails_the_offline_plan(
        app_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The platform's policy pack runs over app-team plans too: dev caps replicas at 10."""
    stack_file = app_project / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["bert-app:maxReplicas"] = "40"
    stack_file.write_text(yaml.safe_dump(document))
    try:
        assert program_main([str(app_project), "--platform", "dev"]) == 1
    finally:
        mocks.STACK_REFERENCES.pop(mocks.ANY_STACK, None)
    assert "HorizontalPodAutoscaler: maximum 40 is over this stack's cap of 10" in capsys.readouterr().out


def _plan_against(platform_stack: str, project: Path, **config: str) -> tuple[Plan, Plan]:
    """The platform stack's offline plan, and the app project planned against its outputs with ``config`` set."""
    platform_config, secret = read_stack_file(ROOT / "stacks" / f"Pulumi.{platform_stack}.yaml")
    platform = run_program(ROOT, PROJECT, platform_stack, platform_config, secret)
    answer_stack_references(platform)
    stack_file = project / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"].update({f"{project.name}:{key}": value for key, value in config.items()})
    stack_file.write_text(yaml.safe_dump(document))
    try:
        return platform, plan_program(project, "dev")
    finally:
        mocks.STACK_REFERENCES.pop(mocks.ANY_STACK, None)


@pytest.mark.parametrize("platform, provider_inputs", [
    ("aws-dev", {"kubeconfig": SECRET_MARK, "clusterIdentifier": "ei-aws-dev-eks"}),
    ("local", {"context": "kind-kind"}),
])
def test_app_template_deploys_onto_eks_and_existing_platforms(app_project: Path, platform: str,
                                                              provider_inputs: dict) -> None:
    """The same app project on an EKS and an existing-cluster platform: reached through that platform's own way in,
    placed in its model store's namespace and claim, autoscaled on CPU (neither platform counts ingress QPS)."""
    platform_plan, plan = _plan_against(platform, app_project, autoscaler="cpu", cpuTargetUtilization="70")
    claim = {"namespace": platform_plan.outputs["modelClaimNamespace"], "name": platform_plan.outputs["modelClaimName"]}
    assert claim != {"namespace": None, "name": None}
    provider = plan.get("pulumi:providers:kubernetes", "bert-cluster")
    assert {key: provider.inputs.get(key) for key in ("kubeconfig", "clusterIdentifier", "context")} == {
        "kubeconfig": None, "clusterIdentifier": None, "context": None, **provider_inputs}
    deployment = plan.get("kubernetes:apps/v1:Deployment", "bert-deployment").inputs
    assert deployment["metadata"]["namespace"] == claim["namespace"]
    volumes = deployment["spec"]["template"]["spec"]["volumes"]
    assert [v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v] == [claim["name"]]
    hpa = plan.get("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "bert-hpa").inputs["spec"]
    assert hpa["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
    assert plan.outputs["namespace"] == claim["namespace"]


@pytest.mark.parametrize("platform", ["aws-dev", "local"])
def test_qps_autoscaling_on_a_platform_without_a_qps_metric_stops_with_what_to_do(
        app_project: Path, platform: str) -> None:
    with pytest.raises(pulumi.RunError, match="autoscaling.qps counts ingress requests with ACK's log service.*"
                                              "autoscale on cpu, memory or keda"):
        _plan_against(platform, app_project)


def test_a_service_needing_an_addon_the_platform_does_not_run_is_refused(app_project: Path) -> None:
    """aws-dev's catalog has no Seldon service, so that platform does not run Seldon Core."""
    with pytest.raises(pulumi.RunError, match="needs the seldon-core add-on"):
        _plan_against("aws-dev", app_project, autoscaler="cpu", server="seldon")


def test_environment_template_plans_the_platform(tmp_path: Path) -> None:
    project = tmp_path / "acme-inference"
    render_template(ENVIRONMENT, project, "acme-inference", "ACME inference, QA", stack="example")
    config = yaml.safe_load((project / "Pulumi.example.yaml").read_text())["config"]
    assert config[f"{PROJECT}:environment"] == template_config(ENVIRONMENT)[f"{PROJECT}:environment"]
    plan = plan_program(project, "example")
    cluster = plan.by_type("alicloud:cs/managedKubernetes:ManagedKubernetes")
    assert len(cluster) == 1 and "qa" in cluster[0].inputs["name"]
    assert set(plan.outputs) >= {"clusterId", "kubeconfig", "logProject", "modelClaimName", "modelClaimNamespace"}


def test_environment_template_plans_with_pulumi_new_yes_defaults(tmp_path: Path) -> None:
    """`pulumi new <template> --stack dev --yes`: the stack file holds the prompts' defaults only, and plans."""
    project = tmp_path / "acme-inference"
    stack_file = render_template(ENVIRONMENT, project, "acme-inference", "ACME inference", stack="dev")
    assert set(yaml.safe_load(stack_file.read_text())["config"]) == set(template_config(ENVIRONMENT))
    plan = plan_program(project, "dev")
    assert len(plan.by_type("alicloud:vpc/switch:Switch")) == 4


def test_app_template_plans_with_pulumi_new_yes_defaults(tmp_path: Path) -> None:
    project = tmp_path / "bert-app"
    render_template(APP, project, "bert-app", "BERT", stack="dev")
    assert program_main([str(project), "--stack", "dev"]) == 0


def test_an_app_on_a_platform_stack_without_a_region_output_uses_its_kubeconfig(
        app_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Platform stacks from before the ``region`` output: the app falls back to their (expiring) kubeconfig."""
    older = {key: value for key, value in PLATFORM_OUTPUTS.items() if key != "region"}
    monkeypatch.setitem(mocks.STACK_REFERENCES, PLATFORM, {"outputs": older, "secretOutputNames": ["kubeconfig"]})
    plan = _app_plan(app_project)
    assert not plan.by_type("pulumi:providers:alicloud")
    cluster = plan.get("pulumi:providers:kubernetes", f"{template_config(APP)['serviceName']}-cluster")
    assert cluster.inputs["kubeconfig"] == SECRET_MARK and cluster.inputs["clusterIdentifier"] == older["clusterId"]
