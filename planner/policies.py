"""The policy pack's rules on the offline plan: same rule functions as ``pulumi preview --policy-pack policypack``."""

from __future__ import annotations

from pathlib import Path

from policypack.rules import MANDATORY, PolicyConfig, ResourceView, Violation, evaluate, read_policy_config

from .engine import Plan

REPOSITORY = Path(__file__).resolve().parent.parent
POLICY_CONFIG_DIR = REPOSITORY / "policypack" / "config"
"""``<stack>.json`` here is the stack's policy config, for the pack (``--policy-pack-config``) and the offline plan."""


def default_policy_config(stack: str) -> Path | None:
    """The committed policy config of ``stack``, if there is one (else every policy runs with its defaults)."""
    path = POLICY_CONFIG_DIR / f"{stack}.json"
    return path if path.exists() else None


def resource_views(plan: Plan) -> list[ResourceView]:
    return [ResourceView(type=r.type, name=r.name, urn=r.urn, inputs=r.inputs, protect=r.protect,
                         dependencies=frozenset(r.depends_on)) for r in plan.resources]


def check_plan(plan: Plan, config_path: Path | None) -> list[Violation]:
    config: PolicyConfig = read_policy_config(config_path)
    return evaluate(resource_views(plan), config)


def shown_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it, as reviewers and logs should see it."""
    return str(path.relative_to(REPOSITORY)) if path.is_absolute() and path.is_relative_to(REPOSITORY) else str(path)


def render_violations(violations: list[Violation], config_path: Path | None) -> str:
    source = shown_path(config_path) if config_path else "defaults, no policy config file"
    if not violations:
        return f"Policies: no violations (policy config: {source})."
    mandatory = sum(v.enforcement == MANDATORY for v in violations)
    lines = [f"Policy violations: {mandatory} mandatory, {len(violations) - mandatory} advisory "
             f"(policy config: {source})"]
    for v in violations:
        lines.append(f"  [{v.enforcement}] {v.policy}: {v.name} ({resource_type(v.urn)})")
        lines.append(f"      {v.message}")
    return "\n".join(lines)


def resource_type(urn: str) -> str:
    """The type token of a URN (``urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>``)."""
    return urn.rsplit("::", 2)[-2].rsplit("$", 1)[-1]


def has_mandatory(violations: list[Violation]) -> bool:
    return any(v.enforcement == MANDATORY for v in violations)
