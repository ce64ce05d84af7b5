"""The app teams' argument types (elastic_inference/service_args.py), generated from ServiceConfig."""

from __future__ import annotations

import ast
import typing

from elastic_inference import service_args
from elastic_inference.service import InferenceServiceArgs
from tools.service_args import SERVICE_ARGS, service_args_module


def test_service_args_module_is_current():
    assert SERVICE_ARGS.read_text() == service_args_module(), "run `make docs`"


def test_the_component_takes_the_generated_types():
    assert InferenceServiceArgs is service_args.InferenceServiceArgs


def test_module_keeps_real_annotations_for_pulumi_schema_inference():
    imports = [node for node in ast.parse(SERVICE_ARGS.read_text()).body if isinstance(node, ast.ImportFrom)]
    assert "__future__" not in {node.module for node in imports}
    hints = typing.get_type_hints(service_args.ModelArgs)
    assert hints["version_policy"] is service_args.VersionPolicyArgs


def test_arguments_are_the_catalog_entry_without_namespace_and_model_source_plus_the_platform_stack():
    keys = InferenceServiceArgs.__required_keys__ | InferenceServiceArgs.__optional_keys__
    assert "namespace" not in keys and "platform_stack" in InferenceServiceArgs.__required_keys__
    assert service_args.ModelArgs.__required_keys__ == {"name", "path"}
    assert service_args.ModelArgs.__optional_keys__ == {"version_policy"}
    assert service_args.AutoscalingArgs.__required_keys__ == {"max_replicas"}
