"""Walk type annotations of the config models (and of classes generated from them): the one place that knows
how ``Optional``, ``Annotated``, ``NotRequired``, ``list`` and ``dict`` wrap the types they hold."""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel

WRAPPERS = (typing.Annotated, typing.NotRequired, typing.Required)
"""Forms whose first argument is the type itself, the rest metadata."""
CONTAINERS = (typing.Union, types.UnionType, list, dict)
"""Forms that hold values of each of their arguments."""


def is_model(kind: type) -> bool:
    return issubclass(kind, BaseModel)


def held(annotation: typing.Any, wanted: typing.Callable[[type], bool] = is_model) -> list[type]:
    """The classes for which ``wanted`` holds that a value of ``annotation`` can contain, through ``Optional``,
    unions, ``list``, ``dict``, ``Annotated`` and ``NotRequired``, in order (default: the pydantic models)."""
    origin = typing.get_origin(annotation)
    if origin in WRAPPERS:
        return held(typing.get_args(annotation)[0], wanted)
    if origin in CONTAINERS:
        return [kind for arg in typing.get_args(annotation) for kind in held(arg, wanted)]
    return [annotation] if isinstance(annotation, type) and wanted(annotation) else []


def strip(annotation: typing.Any) -> typing.Any:
    """``annotation`` without ``Annotated``/``NotRequired`` metadata and without ``Optional``:
    ``Optional[Annotated[list[X], ...]]`` is ``list[X]``. A union of several types stays as it is."""
    origin = typing.get_origin(annotation)
    if origin in WRAPPERS:
        return strip(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return strip(args[0]) if len(args) == 1 else annotation
    return annotation
