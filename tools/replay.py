"""Record what a plan asks of the mock engine, and replay it with bare SDK calls: the floor of ``make bench``.

:func:`recording` runs inside a plan process: it makes the offline plan's monitor (``planner.engine.RecordingMonitor``)
also keep each request the Pulumi SDK sent it, in arrival order: resource registrations, component and stack
outputs, invokes and reads. :func:`replay` then sends the same requests from a fresh process without the program:
each registration through a bare ``pulumi.CustomResource`` (``pulumi.ProviderResource`` for a provider,
``pulumi.ComponentResource`` for a component) with the same type, name, parent, provider, options (protect, aliases,
ignoreChanges, dependsOn, additional secret outputs, version, ...) and the same inputs, already resolved: secrets as
secret outputs, unknowns as unknown outputs, resource references as the replayed resources, and each input that came
from other resources as an output of those resources, so the request's dependencies come out the same. It runs
under the same mock engine (``planner.engine.run``, ``planner.mocks.PlanMocks``), so the mock answers are computed
as in the plan.

What the replay leaves out is the program: config validation, the components' Python, Output chains (``apply``,
``Output.all``) waiting on other resources' outputs, the typed SDK classes' argument handling, the policy pack and
the printed plan. It keeps Pulumi's work per request: serialising inputs, the mock engine's echo of each resource's
state, translating that state back into outputs, the stack trace taken at each registration.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from policypack.sentinels import RESOURCE_SIG, SECRET_SIG, SIG_KEY, WIRE_UNKNOWN

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"

REQUEST_TYPES = {
    "register": resource_pb2.RegisterResourceRequest,
    "outputs": resource_pb2.RegisterResourceOutputsRequest,
    "invoke": resource_pb2.ResourceInvokeRequest,
    "read": resource_pb2.ReadResourceRequest,
}


@dataclass
class Recording:
    """The requests of one plan run, in the order the monitor received them, each as (kind, serialised request)."""

    project: str = ""
    stack: str = ""
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    requests: list[tuple[str, bytes]] = field(default_factory=list)
    exports: bytes = b""
    """The stack's outputs (``pulumi.export``), serialised as a ``Struct``."""

    def parsed(self) -> Iterator[tuple[str, Any]]:
        for kind, data in self.requests:
            yield kind, REQUEST_TYPES[kind].FromString(data)

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps(self))

    @staticmethod
    def load(path: Path) -> "Recording":
        return pickle.loads(path.read_bytes())


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Within the block, every offline plan (``planner.engine.run``) records its requests into the recording yielded."""
    from planner import engine

    record = Recording()
    base_monitor, base_run = engine.RecordingMonitor, engine.run

    class Monitor(base_monitor):  # type: ignore[misc, valid-type]
        def RegisterResource(self, request):  # noqa: N802 - gRPC method names
            record.requests.append(("register", request.SerializeToString()))
            return super().RegisterResource(request)

        def RegisterResourceOutputs(self, request):  # noqa: N802
            record.requests.append(("outputs", request.SerializeToString()))
            return super().RegisterResourceOutputs(request)

        def Invoke(self, request):  # noqa: N802
            record.requests.append(("invoke", request.SerializeToString()))
            return super().Invoke(request)

        def ReadResource(self, request):  # noqa: N802
            record.requests.append(("read", request.SerializeToString()))
            return super().ReadResource(request)

    def run(program, project, stack, config, secret_keys):
        record.project, record.stack, record.config, record.secret_keys = project, stack, dict(config), list(secret_keys)
        record.requests.clear()
        plan = base_run(program, project, stack, config, secret_keys)
        # The stack's exports reach the mock monitor empty (the SDK registers them before the program's exports
        # resolve); the plan reads them from the root resource, and so does the recording.
        exports = getattr(pulumi_settings.get_root_resource(), "outputs", {})
        record.exports = _sync_await(rpc.serialize_properties(exports, {})).SerializeToString()
        return plan

    engine.RecordingMonitor, engine.run = Monitor, run
    try:
        yield record
    finally:
        engine.RecordingMonitor, engine.run = base_monitor, base_run


def _known(value: Any) -> asyncio.Future:
    future = asyncio.get_event_loop().create_future()
    future.set_result(value)
    return future


def _output(value: Any, resources: set[pulumi.Resource] | None = None, known: bool = True,
            secret: bool = False) -> pulumi.Output:
    return pulumi.Output(resources or set(), _known(value), _known(known), _known(secret))


class Replayer:
    """Sends a recording's requests again through bare SDK resources (:func:`replay`)."""

    def __init__(self) -> None:
        self.resources: dict[str, pulumi.Resource] = {}
        """Replayed resources by URN."""
        self.stack_urn: str | None = None

    def resource(self, urn: str) -> pulumi.Resource:
        try:
            return self.resources[urn]
        except KeyError:
            raise KeyError(f"the recording refers to {urn} before registering it") from None

    def parent(self, urn: str) -> pulumi.Resource | None:
        """The replayed parent; None (the stack, by default) for the stack itself."""
        return None if not urn or urn == self.stack_urn else self.resource(urn)

    def value(self, value: struct_pb2.Value) -> Any:
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            return _output(None, known=False) if value.string_value == WIRE_UNKNOWN else value.string_value
        if kind == "struct_value":
            fields = value.struct_value.fields
            if SIG_KEY in fields:
                sig = fields[SIG_KEY].string_value
                if sig == SECRET_SIG:
                    inner = fields["value"] if "value" in fields else struct_pb2.Value(null_value=0)
                    if inner.WhichOneof("kind") == "string_value" and inner.string_value == WIRE_UNKNOWN:
                        return _output(None, known=False, secret=True)
                    return _output(self.value(inner), secret=True)
                if sig == RESOURCE_SIG:
                    return self.resource(fields["urn"].string_value)
                raise ValueError(f"no replay for a value of signature {sig}")
            return {key: self.value(item) for key, item in fields.items()}
        if kind == "list_value":
            return [self.value(item) for item in value.list_value.values]
        if kind == "number_value":
            return value.number_value
        if kind == "bool_value":
            return value.bool_value
        return None

    def struct(self, struct: struct_pb2.Struct) -> dict[str, Any]:
        return {key: self.value(item) for key, item in struct.fields.items()}

    def provider(self, reference: str) -> pulumi.ProviderResource | None:
        """The replayed provider of a provider reference (``urn::id``); None for the default provider."""
        return self.resource(reference.rsplit("::", 1)[0]) if reference else None  # type: ignore[return-value]

    @staticmethod
    def alias(alias: Any) -> pulumi.Alias | str:
        if alias.WhichOneof("alias") == "urn":
            return alias.urn
        spec = alias.spec
        parent: Any = ...
        if spec.WhichOneof("parent") == "noParent" and spec.noParent:
            parent = None
        elif spec.WhichOneof("parent") == "parentUrn" and spec.parentUrn:
            parent = spec.parentUrn
        return pulumi.Alias(name=spec.name or ..., type_=spec.type or ..., stack=spec.stack or ...,
                            project=spec.project or ..., parent=parent)

    def register(self, request: resource_pb2.RegisterResourceRequest) -> None:
        if request.type == STACK_TYPE:  # the run's own root stack registers itself
            self.stack_urn = pulumi.runtime.mocks.MockMonitor.make_urn(None, "", request.type, request.name)  # type: ignore[arg-type]
            return
        props = self.struct(request.object)
        property_urns: set[str] = set()
        for key, deps in request.propertyDependencies.items():
            if deps.urns and key in props:
                property_urns.update(deps.urns)
                props[key] = _output(props[key], {self.resource(urn) for urn in deps.urns})
        opts = pulumi.ResourceOptions(
            parent=self.parent(request.parent),
            protect=request.protect if request.HasField("protect") else None,
            depends_on=[self.resource(urn) for urn in sorted(set(request.dependencies) - property_urns)] or None,
            ignore_changes=list(request.ignoreChanges) or None,
            aliases=[self.alias(alias) for alias in request.aliases] or list(request.aliasURNs) or None,
            additional_secret_outputs=list(request.additionalSecretOutputs) or None,
            replace_on_changes=list(request.replaceOnChanges) or None,
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
            deleted_with=self.resource(request.deletedWith) if request.deletedWith else None,
            version=request.version or None,
            plugin_download_url=request.pluginDownloadURL or None,
            import_=request.importId or None,
        )
        if request.HasField("customTimeouts"):
            timeouts = request.customTimeouts
            opts.custom_timeouts = pulumi.CustomTimeouts(create=timeouts.create or None, update=timeouts.update or None,
                                                         delete=timeouts.delete or None)
        if request.custom and request.type.startswith(PROVIDER_PREFIX):
            resource: pulumi.Resource = pulumi.ProviderResource(request.type[len(PROVIDER_PREFIX):], request.name,
                                                                props, opts)
        elif request.custom:
            opts.provider = self.provider(request.provider)
            resource = pulumi.CustomResource(request.type, request.name, props, opts)
        else:
            opts.providers = {package: self.provider(ref) for package, ref in request.providers.items()} or None
            resource = pulumi.ComponentResource(request.type, request.name, props, opts)
        urn = pulumi.runtime.mocks.MockMonitor.make_urn(None, request.parent, request.type, request.name)  # type: ignore[arg-type]
        self.resources[urn] = resource

    def outputs(self, request: resource_pb2.RegisterResourceOutputsRequest) -> None:
        outputs = self.struct(request.outputs)
        if request.urn == self.stack_urn:  # the stack registers its own, the recording's exports (__call__)
            return
        resource = self.resource(request.urn)
        if isinstance(resource, pulumi.ComponentResource):
            resource.register_outputs(outputs)

    def invoke(self, request: resource_pb2.ResourceInvokeRequest) -> None:
        pulumi.runtime.invoke(request.tok, self.struct(request.args), pulumi.InvokeOptions(
            provider=self.provider(request.provider), version=request.version or None,
            plugin_download_url=request.pluginDownloadURL or None))

    def read(self, request: resource_pb2.ReadResourceRequest) -> None:
        opts = pulumi.ResourceOptions(
            id=request.id, parent=self.parent(request.parent),
            provider=self.provider(request.provider), version=request.version or None,
            depends_on=[self.resource(urn) for urn in sorted(set(request.dependencies))] or None,
            additional_secret_outputs=list(request.additionalSecretOutputs) or None)
        resource = pulumi.CustomResource(request.type, request.name, self.struct(request.properties), opts)
        urn = pulumi.runtime.mocks.MockMonitor.make_urn(None, request.parent, request.type, request.name)  # type: ignore[arg-type]
        self.resources[urn] = resource

    def __call__(self, recording: Recording) -> None:
        handlers = {"register": self.register, "outputs": self.outputs, "invoke": self.invoke, "read": self.read}
        for kind, request in recording.parsed():
            handlers[kind](request)
        for name, value in self.struct(struct_pb2.Struct.FromString(recording.exports)).items():
            pulumi.export(name, value)


def replay(recording: Recording):
    """Run the recording's requests under the mock engine, as the plan did; returns the replay's plan."""
    from planner.engine import run

    return run(lambda: Replayer()(recording), recording.project, recording.stack, recording.config,
               recording.secret_keys)
