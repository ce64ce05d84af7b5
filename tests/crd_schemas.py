"""Strict validation of custom resources against the vendored operator schemas in ``tests/schemas``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def _strict(schema: Any) -> Any:
    """Reject unknown fields like the API server's strict field validation: every object schema that lists
    ``properties`` and neither allows extra keys nor preserves unknown fields gets ``additionalProperties: false``."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _strict(value) if key != "properties" else {k: _strict(v) for k, v in value.items()}
              for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema \
            and not schema.get("x-kubernetes-preserve-unknown-fields"):
        result["additionalProperties"] = False
    return result


@lru_cache(maxsize=None)
def _validators() -> dict[tuple[str, str], jsonschema.Draft7Validator]:
    validators = {}
    for path in SCHEMAS.glob("*.schema.json"):
        document = json.loads(path.read_text())
        validators[document["apiVersion"], document["kind"]] = jsonschema.Draft7Validator(_strict(document["schema"]))
    return validators


def validate_custom_resource(obj: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``obj`` fits its operator's schema exactly."""
    _validators()[obj["apiVersion"], obj["kind"]].validate(obj)


def has_schema(obj: dict[str, Any]) -> bool:
    """Whether ``tests/schemas`` holds the schema of ``obj``'s kind."""
    return (obj.get("apiVersion"), obj.get("kind")) in _validators()
