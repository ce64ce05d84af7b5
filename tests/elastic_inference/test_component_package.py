"""The component package (plugin/): the schema Pulumi infers for other languages, and its translation to the catalog."""

from __future__ import annotations

import json
import dataclasses
import runpy
import typing
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from pydantic.alias_generators import to_camel

import elastic_inference
from elastic_inference import COMPONENTS, PACKAGE_NAME, VERSION, InferenceServiceArgs
from components.outputs import outputs_type
from planner import mocks
from elastic_inference.service import PLATFORM_ONLY_KEYS, catalog_entry, service_config
from planner.engine import run_program
from planner.stackfile import read_stack_file
from policypack.sentinels import SECRET_MARK
from pulumi.provider.experimental.component import ComponentProvider
from stackconfig import PROJECT, StackConfigError
from stackconfig import ServiceConfig
from stackconfig.introspect import held

from paths import ROOT
TOKEN = f"{PACKAGE_NAME}:index:InferenceService"

DOCUMENTED_INPUTS = {"platformStack", "name", "server", "seldon", "image", "model", "resources", "placement", "burst",
                     "autoscaling", "ingress", "env", "networkPolicy", "slo"}
"""The inputs the README documents for other languages."""


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema exactly as the provider host infers and serves it (``component_provider_host``)."""
    return json.loads(ComponentProvider(COMPONENTS, PACKAGE_NAME, version=VERSION).schema)


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every property of the schema by path: component inputs and outputs, and each type's properties."""
    found = {}
    for token, resource in schema["resources"].items():
        for kind in ("inputProperties", "properties"):
            found.update({f"{token}.{kind}.{name}": prop for name, prop in resource[kind].items()})
    for token, kind in schema["types"].items():
        found.update({f"{token}.{name}": prop for name, prop in kind["properties"].items()})
    return found


def test_schema_exposes_inference_service_with_its_documented_inputs(schema: dict[str, Any]) -> None:
    assert schema["name"] == PACKAGE_NAME and schema["version"] == VERSION
    assert list(schema["resources"]) == [TOKEN]
    component = schema["resources"][TOKEN]
    assert component["isComponent"] is True
    assert "StackReference" in component["description"]
    assert set(component["inputProperties"]) == DOCUMENTED_INPUTS
    assert set(component["requiredInputs"]) == {"platformStack", "name", "server", "model", "autoscaling"}
    assert set(component["properties"]) == {"namespace", "serviceName", "host"}
    autoscaling = schema["types"][component["inputProperties"]["autoscaling"]["$ref"].removeprefix("#/types/")]
    assert set(autoscaling["properties"]) == {"minReplicas", "maxReplicas", "behavior", "qps", "cpu", "memory", "keda", "gpu"}
    assert autoscaling["required"] == ["maxReplicas"]


def test_every_input_output_and_type_has_a_description(schema: dict[str, Any]) -> None:
    properties = _properties(schema)
    assert len(properties) > 50
    assert [path for path, prop in properties.items() if not (prop.get("description") or "").strip()] == []
    assert [token for token, kind in schema["types"].items() if not (kind.get("description") or "").strip()] == []


def test_service_inputs_are_plain_because_they_name_kubernetes_objects(schema: dict[str, Any]) -> None:
    inputs = schema["resources"][TOKEN]["inputProperties"]
    assert all(prop.get("plain") for prop in inputs.values())


def _unmatched(kind: type, model: type[BaseModel], path: str = "") -> list[str]:
    """Argument keys with no config key of the same (camelCase) name in ``model``: drift between the two."""
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    missing = []
    for key, annotation in typing.get_type_hints(kind).items():
        if key in PLATFORM_ONLY_KEYS:
            continue
        alias = to_camel(key)
        if alias not in fields:
            missing.append(f"{path}{alias}")
            continue
        for nested, model in zip(held(annotation, typing.is_typeddict), held(fields[alias].annotation)):
            missing += _unmatched(nested, model, f"{path}{alias}.")
    return missing


def test_every_argument_is_a_key_of_the_catalog_entry() -> None:
    assert _unmatched(InferenceServiceArgs, ServiceConfig) == []


def test_arguments_translate_to_the_catalog_entry_keeping_map_keys() -> None:
    args = {
        "platform_stack": "acme/elastic-inference/prod", "name": "bert", "server": "tfserving",
        "model": {"name": "bert", "path": "models/bert", "version_policy": {"specific": [1623831335]}},
        "placement": {"node_selector": {"node_pool": "gpu"}},
        "autoscaling": {"max_replicas": 4, "cpu": {"target_utilization": 70},
                        "behavior": {"scale_up": {"stabilization_window_seconds": 0,
                                                  "policies": [{"type": "Pods", "value": 2, "period_seconds": 60}]}}},
        "env": {"TF_CPP_MIN_LOG_LEVEL": "2", "batch_size": "8"},
    }
    assert catalog_entry(args) == {
        "name": "bert", "server": "tfserving",
        "model": {"name": "bert", "path": "models/bert", "versionPolicy": {"specific": [1623831335]}},
        "placement": {"nodeSelector": {"node_pool": "gpu"}},
        "autoscaling": {"maxReplicas": 4, "cpu": {"targetUtilization": 70},
                        "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0,
                                                 "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]}}},
        "env": {"TF_CPP_MIN_LOG_LEVEL": "2", "batch_size": "8"},
    }
    service = service_config(args, "models")
    assert service.namespace == "models"
    assert service.autoscaling.behavior.scale_up.policies[0].period_seconds == 60
    assert service.model.version_policy.specific == [1623831335]


def _issue_paths(args: dict[str, Any]) -> set[str]:
    with pytest.raises(StackConfigError) as error:
        service_config(args, "inference")
    return {issue.path for issue in error.value.issues}


def test_invalid_arguments_list_every_mistake_with_its_key() -> None:
    base = {"platform_stack": "p", "server": "tfserving", "autoscaling": {"max_replicas": 2, "qps": {"target_per_pod": 10}}}
    assert _issue_paths({**base, "name": "Bert", "model": {"name": "bert"}}) == {"name", "model.path"}
    # With valid keys, the catalog's rules across keys run: QPS autoscaling counts ingress requests.
    assert _issue_paths({**base, "name": "bert", "model": {"name": "bert", "path": "models/bert"}}) == {"autoscaling.qps"}


@pytest.mark.parametrize("stack", ["dev", "aws-dev", "local"])
def test_platform_stacks_export_exactly_their_outputs_type(stack: str) -> None:
    """The contract of ``components.outputs``: a real platform plan exports the fields of its cloud's type, which is
    what the component reads back, and the offline mock of a platform stack has the same keys."""
    config, secret = read_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    outputs = run_program(ROOT, PROJECT, stack, config, secret).outputs
    kind = outputs_type(outputs["cloud"])
    assert list(outputs) == [to_camel(f.name) for f in dataclasses.fields(kind)]
    assert list(mocks.platform_stack_outputs(outputs["cloud"])) == list(outputs)
    if "kubeconfig" in outputs:
        assert outputs["kubeconfig"] == SECRET_MARK


def test_plugin_folder_hosts_the_components(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = yaml.safe_load((ROOT / "plugin" / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert (ROOT / "plugin" / "requirements.txt").read_text().splitlines()[-1] == "-r ../requirements.txt"
    hosted = {}
    monkeypatch.setattr("pulumi.provider.experimental.component_provider_host",
                        lambda components, name, version: hosted.update(components=components, name=name, version=version))
    runpy.run_path(str(ROOT / "plugin" / "__main__.py"), run_name="__main__")
    assert hosted == {"components": elastic_inference.COMPONENTS, "name": PACKAGE_NAME, "version": VERSION}


def test_stack_file_spellings_are_accepted_and_typos_named_with_the_nearest_key() -> None:
    snake = {"name": "bert", "server": "tfserving", "model": {"name": "bert", "path": "models/bert"},
             "autoscaling": {"min_replicas": 1, "max_replicas": 4, "cpu": {"target_utilization": 70}}}
    camel = {"name": "bert", "server": "tfserving", "model": {"name": "bert", "path": "models/bert"},
             "autoscaling": {"minReplicas": 1, "maxReplicas": 4, "cpu": {"targetUtilization": 70}}}
    assert service_config(camel, "inference") == service_config(snake, "inference")
    with pytest.raises(StackConfigError) as error:
        service_config({**snake, "autoscaling": {"min_replicas": 1, "max_replica": 4, "cpu": {"target_utilization": 70}}},
                       "inference")
    typo = next(i for i in error.value.issues if i.path == "autoscaling.maxReplica")
    assert typo.message == "unknown key" and "maxReplicas" in typo.hint
    assert _issue_paths({**snake, "model": "bert", "autoscaling": 4}) == {"model", "autoscaling"}


def test_a_key_in_both_spellings_is_refused_rather_than_one_kept() -> None:
    args = {"name": "bert", "server": "tfserving", "model": {"name": "bert", "path": "models/bert"},
            "autoscaling": {"max_replicas": 4, "maxReplicas": 8, "cpu": {"target_utilization": 70}}}
    with pytest.raises(StackConfigError) as error:
        service_config(args, "inference")
    assert [str(i) for i in error.value.issues] == [
        "autoscaling.maxReplicas: is given twice, as 'max_replicas' and 'maxReplicas' (hint: keep one spelling)"]


def test_the_pip_package_holds_every_module_an_app_team_imports() -> None:
    """pyproject.toml's package patterns (setuptools' own finder) take each package with its subpackages: an include
    of "components" alone left components.kubernetes out of the wheel the app template installs."""
    import tomllib

    from setuptools import find_packages

    from paths import ROOT
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = set(find_packages(str(ROOT), include=settings["tool"]["setuptools"]["packages"]["find"]["include"]))
    roots = {"components", "stackconfig", "elastic_inference", "policypack", "planner"}
    on_disk = {".".join(init.parent.relative_to(ROOT).parts) for init in ROOT.glob("**/__init__.py")
               if init.relative_to(ROOT).parts[0] in roots}
    assert on_disk and on_disk <= found
    assert settings["project"]["scripts"]["elastic-inference"] == "planner.cli:console"
