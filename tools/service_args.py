"""Generate ``elastic_inference/service_args.py``, the argument types of the app teams' ``InferenceService``, from
the catalog entry's model (``ServiceConfig``), so the component's arguments cannot drift from the stack file.

One ``TypedDict`` with snake_case keys per model, ``NotRequired`` for the keys with a default, each key documented
with its field's description; without the keys ``namespace`` and ``model.source`` (a service deployed this way reads
the platform's model store, whose claim lives in the platform's namespace), and with the ``platform_stack`` to
deploy onto. ``python -m tools.service_args --write`` rewrites the module; ``--check`` exits 1 when it is stale
(a test runs the same comparison).
"""

from __future__ import annotations

import ipaddress
import sys
import typing

from pydantic import BaseModel

from stackconfig import ServiceConfig
from stackconfig.services import KedaTrigger
from stackconfig.introspect import held, strip

from .generated import ROOT, write_or_check

SERVICE_ARGS = ROOT / "elastic_inference" / "service_args.py"

OMITTED = {ServiceConfig: {"namespace", "secret_env"}, ServiceConfig.model_fields["model"].annotation: {"source"},
           KedaTrigger: {"authentication"}}
"""Fields of the catalog entry that are not arguments, by model. The secret fields (``secretEnv``, KEDA's
``authentication``) come only from a platform stack's ``secure:`` config for now: an app team's values would be
Outputs of its own secret config, which the catalog entry's validation cannot read."""

ROOT_NAME = "InferenceServiceArgs"
ROOT_DOC = """An inference service on an existing platform stack: the catalog entry of a stack file
    (``services[]``) without ``namespace`` and ``model.source``, and the platform stack to deploy onto."""
PLATFORM_STACK = '''    platform_stack: str
    """Fully qualified name of the platform stack, ``<organization>/<project>/<stack>``, e.g. ``acme/elastic-inference/prod``.
    An ACK, EKS or existing-cluster platform; its outputs (``components.outputs``) place the service."""
'''

HEADER = '''"""Argument types of the app teams' ``InferenceService`` (``elastic_inference.service``): the catalog entry of a
stack file (``services[]``, ``stackconfig.ServiceConfig``) as typed dictionaries with snake_case keys, without
``namespace`` and ``model.source``. Generated from the config model by ``make docs``
(``python -m tools.service_args --write``); do not edit here.

Deliberately without ``from __future__ import annotations``: Pulumi's schema inference reads the annotations of
these classes as real types.
"""

from typing import NotRequired, TypedDict
'''

PLAIN = (str, int, float, bool)
"""Types an argument keeps as they are."""


def class_name(model: type[BaseModel]) -> str:
    return ROOT_NAME if model is ServiceConfig else model.__name__.removesuffix("Config") + "Args"


def arguments(model: type[BaseModel]) -> dict[str, typing.Any]:
    """The fields of ``model`` that are arguments, by name."""
    return {name: field for name, field in model.model_fields.items() if name not in OMITTED.get(model, set())}


def python_type(annotation: typing.Any) -> str:
    """The argument type of a field's annotation: plain types, lists, maps with string keys, argument classes."""
    annotation = strip(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        (kind,) = {type(value) for value in typing.get_args(annotation)}
        return kind.__name__
    if origin is list:
        return f"list[{python_type(typing.get_args(annotation)[0])}]"
    if origin is dict:
        return f"dict[str, {python_type(typing.get_args(annotation)[1])}]"
    if annotation in PLAIN:
        return annotation.__name__
    if annotation is ipaddress.IPv4Network:  # a CIDR, given as its string
        return "str"
    (model,) = held(annotation)
    return class_name(model)


def docstring(text: str, indent: str) -> str:
    text = " ".join(text.split())
    if not text or '"""' in text or "\\" in text:
        raise ValueError(f"cannot document an argument with {text!r}: give its field a plain description")
    return f'{indent}"""{text}"""\n'


def models_in_order(model: type[BaseModel], seen: list[type[BaseModel]] | None = None) -> list[type[BaseModel]]:
    """``model`` and the models its arguments hold, each after the ones it uses (the module defines them in order)."""
    seen = [] if seen is None else seen
    for field in arguments(model).values():
        for nested in held(field.annotation):
            if nested not in seen:
                models_in_order(nested, seen)
    seen.append(model)
    return seen


def class_source(model: type[BaseModel]) -> str:
    lines = f"\n\nclass {class_name(model)}(TypedDict):\n"
    lines += f'    """{ROOT_DOC}"""\n\n' if model is ServiceConfig else docstring(model.__doc__ or "", "    ") + "\n"
    if model is ServiceConfig:
        lines += PLATFORM_STACK
    for name, field in arguments(model).items():
        kind = python_type(field.annotation)
        lines += f"    {name}: {kind if field.is_required() else f'NotRequired[{kind}]'}\n"
        lines += docstring(field.description or "", "    ")
    return lines


def service_args_module() -> str:
    return HEADER + "".join(class_source(model) for model in models_in_order(ServiceConfig))


def main(argv: list[str] | None = None) -> int:
    return write_or_check(__doc__ or "", {SERVICE_ARGS: service_args_module()}, argv)


if __name__ == "__main__":
    sys.exit(main())
