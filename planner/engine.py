"""Run the real ``__main__.py`` under Pulumi's mock engine and record what it registers.

The recording monitor sees each registration request exactly as the Pulumi engine would
(type, name, parent, protect, ignoreChanges, dependencies, inputs in the provider's camelCase),
which is what ``pulumi preview`` would diff against an empty state.
"""

from __future__ import annotations

import json
import math
import os
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from policypack.sentinels import RESOURCE_SIG, SECRET_MARK, SECRET_SIG, SIG_KEY, UNKNOWN_MARK, WIRE_UNKNOWN

from .mocks import PlanMocks


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    ignore_changes: list[str]
    depends_on: list[str]
    provider: str | None
    inputs: dict[str, Any]
    input_dependencies: dict[str, list[str]] = field(default_factory=dict)
    """Top-level input -> the resources its value comes from (the request's ``propertyDependencies``)."""
    delete_before_replace: bool = False
    """Not in the plan JSON (its shape is a contract); tests read it."""
    retain_on_delete: bool = False
    """Likewise."""

    def as_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent, "custom": self.custom,
            "protect": self.protect, "ignoreChanges": self.ignore_changes, "dependsOn": self.depends_on,
            "inputDependencies": self.input_dependencies, "inputs": self.inputs,
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    review: dict[str, Any] = field(default_factory=dict)
    """What the PR comment needs from the validated stack config that the resources do not say
    (:func:`planner.cli.review_facts`): the capacity and cost bracket, and which config entry each component is."""

    def as_json(self) -> dict[str, Any]:
        return {"project": self.project, "stack": self.stack,
                "resources": [r.as_json() for r in self.resources], "outputs": self.outputs, **self.review}

    def by_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]

    def get(self, type_token: str, name: str) -> PlannedResource:
        matches = [r for r in self.resources if r.type == type_token and r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources of type {type_token} named {name}")
        return matches[0]


def redact(value: Any) -> Any:
    """Wire-format property values to plain JSON: secrets hidden, references as URNs."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET_MARK
        if sig == RESOURCE_SIG:
            return value.get("urn")
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if value == WIRE_UNKNOWN:
        return UNKNOWN_MARK
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def wire_inputs(inputs: struct_pb2.Struct) -> dict[str, Any]:
    """``redact(json_format.MessageToDict(inputs))`` in one pass over the protobuf, without the intermediate dict.

    The recording monitor converts every registration request; this is its hot path.
    """
    return _wire_struct(inputs)


def _wire_struct(struct: struct_pb2.Struct) -> Any:
    fields = struct.fields
    if SIG_KEY in fields:  # ``in`` first: indexing a protobuf map inserts missing keys
        sig = _wire_value(fields[SIG_KEY])
        if sig == SECRET_SIG:
            return SECRET_MARK
        if sig == RESOURCE_SIG:
            return json_format.MessageToDict(fields["urn"]) if "urn" in fields else None
    # Sorted: a protobuf map's order is not the program's, and plans must come out the same in every run.
    return {key: _wire_value(fields[key]) for key in sorted(fields)}


def _wire_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return UNKNOWN_MARK if value.string_value == WIRE_UNKNOWN else value.string_value
    if kind == "struct_value":
        return _wire_struct(value.struct_value)
    if kind == "list_value":
        return [_wire_value(item) for item in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        if not math.isfinite(number):
            raise ValueError(f"{number} is not a JSON number")  # as json_format.MessageToDict
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    return None  # null_value, or unset


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks, plan: Plan):
        super().__init__(mocks)
        self.plan = plan

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.plan.resources.append(PlannedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=request.custom,
                protect=request.protect if request.HasField("protect") else False,
                ignore_changes=list(request.ignoreChanges),
                depends_on=sorted(set(request.dependencies)),
                input_dependencies={key: sorted(set(deps.urns)) for key, deps in sorted(request.propertyDependencies.items())
                                    if deps.urns},
                provider=request.provider or None,
                inputs=wire_inputs(request.object),
                delete_before_replace=request.deleteBeforeReplace,
                retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else False,
            ))
        return response


async def _resolve_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    resolved = {}
    for name, value in outputs.items():
        output = pulumi.Output.from_input(value)
        resolved[name] = SECRET_MARK if await output.is_secret() else redact(await output.future())
    return resolved


def plan_order(resource: PlannedResource) -> tuple[str, str, str]:
    """Where a resource stands in a plan: by parent, type and name, the same in every run."""
    return resource.parent or "", resource.type, resource.name


def run(program: Callable[[], None], project: str, stack: str, config: dict[str, str], secret_keys: list[str]) -> Plan:
    """Run ``program`` with ``config`` (``project:key`` -> string) under mocks and return what it registered.

    Config reaches the program the way the Pulumi CLI hands it over (``PULUMI_CONFIG`` and
    ``PULUMI_CONFIG_SECRET_KEYS``). Exceptions of the program, ``pulumi.RunError`` included,
    propagate unchanged.
    """
    # A previous run that failed may have left pending outputs behind; start clean, as pulumi's own test helper does.
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(secret_keys)
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    plan = Plan(project=project, stack=stack)
    pulumi_settings.set_root_resource(None)  # type: ignore[arg-type] - a fresh stack per run
    mocks = PlanMocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True,
                             monitor=RecordingMonitor(mocks, plan))
    _sync_await(run_pulumi_func(program))
    # Registrations arrive in the order their inputs resolve, which varies between runs; the plan does not.
    plan.resources.sort(key=plan_order)
    root = pulumi_settings.get_root_resource()
    plan.outputs = _sync_await(_resolve_outputs(getattr(root, "outputs", {})))
    return plan


def run_program(program_dir: Path, project: str, stack: str, config: dict[str, str], secret_keys: list[str]) -> Plan:
    """Run the Pulumi program in ``program_dir`` (its ``__main__.py``) as ``pulumi preview`` would."""
    if str(program_dir) not in sys.path:
        sys.path.insert(0, str(program_dir))
    return run(lambda: runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__"),
               project, stack, config, secret_keys)
