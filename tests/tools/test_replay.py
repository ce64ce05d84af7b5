"""``tools.replay``, the floor of ``make bench``: replaying a plan's recorded requests through bare SDK resources
sends the same requests again, so the plan and its replay register the same resources with the same inputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from planner import engine
from planner.cli import PROJECT_DIR, STACKS_DIR, plan_stack_file
from stackconfig import PROJECT
from tools.replay import Recording, recording, replay


def _normalised(record: Recording) -> dict[tuple, list[bytes]]:
    """Each request by what it is about, without what only the caller's code decides: the stack trace and source
    position of a registration, and the order of its dependencies (the order their outputs resolved in)."""
    requests: dict[tuple, list[bytes]] = {}
    for kind, request in record.parsed():
        if kind == "register":
            request.ClearField("stackTrace")
            request.ClearField("sourcePosition")
            dependencies = sorted(request.dependencies)
            del request.dependencies[:]
            request.dependencies.extend(dependencies)
            for deps in request.propertyDependencies.values():
                urns = sorted(deps.urns)
                del deps.urns[:]
                deps.urns.extend(urns)
            key: tuple = (kind, request.type, request.name, request.parent)
        elif kind == "outputs":
            key = (kind, request.urn)
        elif kind == "invoke":
            key = (kind, request.tok)
        else:
            key = (kind, request.type, request.name, request.parent)
        requests.setdefault(key, []).append(request.SerializeToString(deterministic=True))
    return {key: sorted(values) for key, values in requests.items()}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[engine.Plan, Recording]:
    """The prod stack's plan (components, explicit Kubernetes providers, protected resources, ignoreChanges, aliases,
    invokes, secrets) and its recording, saved and read back as ``make bench`` hands it to the replay's process."""
    with recording() as record:
        plan = plan_stack_file(PROJECT_DIR, PROJECT, "prod", STACKS_DIR / "Pulumi.prod.yaml")
    path = tmp_path_factory.mktemp("replay") / "prod.recording"
    record.save(path)
    return plan, Recording.load(path)


def test_the_replay_registers_the_plans_urns_with_the_same_inputs_and_options(recorded):
    plan, record = recorded
    again = replay(record)
    assert [r.urn for r in again.resources] == [r.urn for r in plan.resources]
    # Parents, protect, ignoreChanges, dependencies, inputs, outputs; not the capacity bracket, which the planner
    # adds from the validated config, outside the program's requests.
    assert again.as_json() == dataclasses.replace(plan, capacity=None).as_json()
    assert any(r.protect for r in plan.resources) and any(r.ignore_changes for r in plan.resources)
    assert any(not r.custom for r in plan.resources)


def test_the_replay_sends_the_plans_requests_again(recorded):
    _, record = recorded
    with recording() as again:
        replay(record)
    assert {kind for kind, _ in record.requests} >= {"register", "outputs", "invoke"}
    assert _normalised(again) == _normalised(record)


def test_recording_leaves_the_engine_as_it_was():
    monitor, run = engine.RecordingMonitor, engine.run
    with recording():
        assert engine.RecordingMonitor is not monitor
    assert (engine.RecordingMonitor, engine.run) == (monitor, run)


def test_a_recorded_reference_to_an_unregistered_resource_is_an_error(recorded):
    _, record = recorded
    registrations = [(kind, data) for kind, data in record.requests if kind == "register"]
    # Without the stack and its first resources, their children refer to parents the replay has not seen.
    truncated = Recording(record.project, record.stack, record.config, record.secret_keys, registrations[5:],
                          record.exports)
    with pytest.raises(KeyError, match="before registering it"):
        replay(truncated)


def test_a_recording_round_trips(tmp_path: Path, recorded):
    _, record = recorded
    record.save(tmp_path / "r")
    loaded = Recording.load(tmp_path / "r")
    assert (loaded.project, loaded.stack, loaded.requests, loaded.exports) == \
        (record.project, record.stack, record.requests, record.exports)
