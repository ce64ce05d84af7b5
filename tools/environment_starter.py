"""Generate ``templates/environment/Pulumi.example.yaml``: a stack file with every config key explained.

Every key of the config model appears with its description, type and default: the few a new environment must
set with example values, every other one commented out at its default. Generated from the ``stackconfig`` models
like the README's reference, so it cannot drift: ``--check`` exits 1 when the file is stale (a test runs it).

    python -m tools.environment_starter --write
"""

from __future__ import annotations

import json
import sys
import textwrap
import typing

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from stackconfig import PROJECT, StackConfig
from stackconfig.introspect import held, strip

from .config_reference import default_text, type_name
from .generated import ROOT, write_or_check

STARTER = ROOT / "templates" / "environment" / "Pulumi.example.yaml"

EXAMPLE: dict[str, typing.Any] = {
    "environment": "qa",
    "region": "cn-beijing",
    "zones": ["cn-beijing-h", "cn-beijing-i"],
    "alicloud": {
        "network": {
            "nodeVswitchCidrs": ["192.168.0.0/20", "192.168.16.0/20"],
            "podVswitchCidrs": ["192.168.64.0/19", "192.168.96.0/19"],
        },
    },
}
"""The keys a new environment sets (the rest have defaults): a two-zone ACK environment in cn-beijing."""

HEADER = """\
# A new environment of elastic-inference: every config key, explained. Generated from the stackconfig
# models by `make docs` (python -m tools.environment_starter --write); do not edit here.
#
# Active lines are what a new two-zone environment on Alibaba Cloud must set; every other key is commented
# out at its default. Copy this file to Pulumi.<environment>.yaml (stacks/ in the platform repository),
# change the values, uncomment what you need, and plan it offline before `pulumi up`:
#   .venv/bin/python -m planner --stack-file stacks/Pulumi.<environment>.yaml
# Secrets (s3Credentials) go in with `pulumi config set --secret --path ...`, never as plain text.
"""
WIDTH = 110


def _flow(value: typing.Any) -> str:
    """A YAML flow scalar, list or map (JSON is valid YAML)."""
    return value if isinstance(value, str) and value and not value[0] in "[{*&!|>%@`'\"#" and ": " not in value \
        else json.dumps(value)


def _comment(field: FieldInfo, indent: str) -> list[str]:
    description = " ".join((field.description or "").split())
    kind = _plain_type(field)
    text = f"{description} [{kind}; default: {default_text(field).replace('`', '').replace('**', '')}]".strip()
    return textwrap.wrap(text, WIDTH - len(indent) - 2, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# ")


def _plain_type(field: FieldInfo) -> str:
    """The README's type name without Markdown (backticks, escaped pipes)."""
    return type_name(field.annotation).replace("\\|", "|").replace("`", "")


def _value(field: FieldInfo) -> str:
    if field.is_required() or field.default is PydanticUndefined:
        return f"<{_plain_type(field)}>"
    default = field.default
    if isinstance(default, BaseModel):
        default = default.model_dump(mode="json", by_alias=True, exclude_none=True)
    return _flow(json.loads(json.dumps(default, default=str)))


def render_model(model: type[BaseModel], example: dict[str, typing.Any] | None, indent: str,
                 key_prefix: str = "") -> list[str]:
    """``model``'s keys at ``indent``, each under its explanation: keys in ``example`` active with its values,
    the others (and everything under them) commented out; uncommenting a key line gives valid YAML."""
    lines: list[str] = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        given = example is not None and alias in example
        mark = "" if given else "# "
        lines += _comment(field, indent)
        nested = held(field.annotation)
        if given and not isinstance(example[alias], dict):
            lines.append(f"{indent}{key_prefix}{alias}: {_flow(example[alias])}")
        elif nested and typing.get_origin(strip(field.annotation)) is list:
            lines += [f"{indent}{mark}{key_prefix}{alias}:", f"{indent}  # -"]
            lines += render_model(nested[0], None, indent + "    ")
        elif nested:
            lines.append(f"{indent}{mark}{key_prefix}{alias}:")
            lines += render_model(nested[0], example[alias] if given else None, indent + "  ")
        else:
            lines.append(f"{indent}# {key_prefix}{alias}: {_value(field)}")
    return lines


def starter() -> str:
    lines = render_model(StackConfig, EXAMPLE, "  ", key_prefix=f"{PROJECT}:")
    return HEADER + "config:\n" + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    return write_or_check(__doc__ or "", {STARTER: starter()}, argv)


if __name__ == "__main__":
    sys.exit(main())
