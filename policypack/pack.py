"""The rules of ``policypack.rules`` as ``pulumi_policy`` policies (imported by ``__main__.py``).

Each policy turns the SDK's arguments into :class:`~policypack.rules.ResourceView`s and its config into
:class:`~policypack.rules.Settings`, calls the rule, and reports each message. Unknown values (outputs of
resources not created yet) become :data:`~policypack.sentinels.UNKNOWN_MARK`, as in the offline plan, instead of aborting the policy.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Union

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

from . import rules
from .sentinels import UNKNOWN_MARK

PACK_NAME = "elastic-inference-guardrails"
UNKNOWN_SENTINELS = frozenset({UNKNOWN_ARCHIVE_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_ASSET_VALUE, UNKNOWN_BOOLEAN_VALUE,
                               UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE})
Policy = Union[ResourceValidationPolicy, StackValidationPolicy]


def plain(value: Any) -> Any:
    """Inputs as plain JSON values with unknowns marked (reading the SDK's proxies raises on unknowns)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return UNKNOWN_MARK if isinstance(value, str) and value in UNKNOWN_SENTINELS else value


def view(resource: Union[ResourceValidationArgs, PolicyResource]) -> rules.ResourceView:
    dependencies = getattr(resource, "dependencies", None) or []
    return rules.ResourceView(
        type=resource.resource_type,
        name=resource.name,
        urn=resource.urn,
        inputs=plain(serialize_properties(resource.props)),
        protect=bool(resource.opts.protect),
        dependencies=frozenset(d.urn for d in dependencies),
    )


def config_schema(rule: rules.Rule) -> PolicyConfigSchema | None:
    if not rule.settings:
        return None
    defaults = asdict(rules.Settings())
    return PolicyConfigSchema(properties={
        name: {**rules.SETTING_SCHEMAS[name], "default": defaults[name]} for name in rule.settings})


def policy(rule: rules.Rule) -> Policy:
    enforcement = EnforcementLevel(rule.enforcement)
    if rule.stack:
        def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            views = [view(r) for r in args.resources]
            for resource, message in rule.check(views, rules.settings_for(rule, args.get_config())):  # type: ignore[arg-type]
                report_violation(f"{resource.name}: {message}", resource.urn)

        return StackValidationPolicy(name=rule.name, description=rule.description, validate=validate_stack,
                                     enforcement_level=enforcement, config_schema=config_schema(rule))

    def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule.check(view(args), rules.settings_for(rule, args.get_config())):  # type: ignore[arg-type]
            report_violation(message, None)

    return ResourceValidationPolicy(name=rule.name, description=rule.description, validate=validate_resource,
                                    enforcement_level=enforcement, config_schema=config_schema(rule))


def build_policies() -> list[Policy]:
    return [policy(rule) for rule in rules.RULES]
