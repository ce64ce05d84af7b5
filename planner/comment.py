"""``python -m planner comment BASE HEAD``: the pull-request comment, written to be merged on.

BASE and HEAD are folders of ``<stack>.json`` plans (``python -m planner --stack S --json``), of the base branch and
of the pull request. The comment opens with one row per stack: ✅ or ❌ (a mandatory policy violation in the pull
request's plan), what it adds, changes, likely replaces and removes, its mandatory violations, and its capacity (the
most nodes its pools may grow to) before and after. Then, per stack, its violations with the config key that
decides each, followed by its changes (:func:`planner.diff.render_stack`, grouped by service). The policies are
those of ``python -m planner``: the same rules and each stack's ``policypack/config/<stack>.json``.

Not in it: a cost delta. The what-if model prices ACK node pools only, with a price table that still holds
placeholders (issue: what-if v2); a figure from it would look authoritative and not be.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from policypack.rules import MANDATORY, ResourceView, Violation, evaluate, read_policy_config

from .diff import StackDiff, diff_plans, load_pairs, render_stack
from .policies import default_policy_config, resource_type

MARKER = "<!-- elastic-inference-plan-diff -->"
"""The first line of the comment: how the commenting workflow finds its comment to update in place."""

CONFIG_KEYS: dict[str, str] = {
    "workload-autoscaler-bounds": "services[].autoscaling.maxReplicas (the stack's cap: workload-autoscaler-bounds.maxReplicas)",
    "node-pool-bounds": "alicloud.nodePools[].scaling.maxSize, aws.gpuNodes.maxSize (cap: node-pool-bounds.maxNodePoolSize)",
    "spot-on-demand-share": "alicloud.nodePools[].spot, aws.gpuNodes.onDemandPercentage",
    "gpu-requests-match-limits": "services[].resources.gpus",
    "inference-readiness-probes": "services[].server, services[].model",
    "inference-pod-disruption-budget": "services[]",
    "inference-network-policy": "services[].networkPolicy",
    "inference-graceful-termination": "services[]",
    "images-pinned": "services[].image, addons.*",
    "stateful-resources-protected": "production",
    "ingress-tls-in-production": "services[].ingress.tls, services[].ingress.tlsSecretName",
    "api-server-restricted-in-production": "alicloud.cluster.publicApiServer, aws.publicApiServer, aws.publicAccessCidrs",
    "ingress-load-balancer-restricted-in-production": "alicloud.cluster.ingressLoadBalancer",
    "least-privilege-in-production": "aws.accessEntries",
    "secrets-encrypted-in-production": "alicloud.cluster.secretsEncryption, aws.secretsEncryption",
    "no-credentials-in-inputs": "the secret fields (README \"Security: secrets\"): secretEnv, s3Credentials, keda authentication",
    "buckets-locked-down": "alicloud.modelStore, aws.modelStore, s3ModelRepository",
    "current-kubernetes-apis": "alicloud.cluster.kubernetesVersion, aws.kubernetesVersion",
}
"""The stack-file keys that decide what each policy checks: where to look when it fails."""

NODE_MAXIMA = {"alicloud:cs/nodePool:NodePool": ("scalingConfig", "maxSize"),
               "aws:autoscaling/group:Group": ("maxSize",), "aws:eks/nodeGroup:NodeGroup": ("scalingConfig", "maxSize")}
"""Where each node group type holds the most nodes it may grow to."""


def violations_of(plan: dict[str, Any], stack: str) -> list[Violation]:
    """The policy pack over a JSON plan, with the stack's committed policy config."""
    views = [ResourceView(type=r["type"], name=r["name"], urn=r["urn"], inputs=r["inputs"], protect=r["protect"],
                          dependencies=frozenset(r.get("dependsOn") or ())) for r in plan["resources"]]
    return evaluate(views, read_policy_config(default_policy_config(stack)))


def node_capacity(plan: dict[str, Any] | None) -> int:
    """The most nodes the plan's node groups may grow to, together."""
    total = 0
    for resource in (plan or {}).get("resources", []):
        value: Any = resource["inputs"]
        for key in NODE_MAXIMA.get(resource["type"], ("",)):
            value = value.get(key) if isinstance(value, dict) else None
        total += int(value) if isinstance(value, (int, float, str)) and str(value).isdigit() else 0
    return total


def status_row(diff: StackDiff, violations: list[Violation], base: dict[str, Any] | None,
               head: dict[str, Any] | None) -> str:
    mandatory = sum(v.enforcement == MANDATORY for v in violations)
    before, after = node_capacity(base), node_capacity(head)
    capacity = f"{before} → {after}" if before != after else str(after)
    return (f"| `{diff.stack}` | {'❌' if mandatory else '✅'} | {len(diff.added)} | {len(diff.changed)} | "
            f"{sum(c.replaces for c in diff.changed)} | {len(diff.removed)} | {mandatory} | {capacity} |")


def render_violations(violations: list[Violation]) -> list[str]:
    lines = []
    for v in violations:
        icon = ":x:" if v.enforcement == MANDATORY else ":warning:"
        lines.append(f"- {icon} **{v.policy}** on `{resource_type(v.urn)}` **{v.name}**: "
                     f"{v.message} (config: `{CONFIG_KEYS.get(v.policy, 'see the README, Guardrails')}`)")
    return lines + ([""] if lines else [])


def render_comment(pairs: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]) -> str:
    rows, sections = [], []
    for stack, base, head in pairs:
        diff = diff_plans(stack, base, head)
        violations = violations_of(head, stack) if head is not None else []
        rows.append(status_row(diff, violations, base, head))
        config = default_policy_config(stack)
        where = f"policypack/config/{config.name}" if config else "defaults, no policy config"
        policies = ([f"Policies ({where}): {len(violations)} violation(s)", ""] + render_violations(violations)
                    if violations else [f"Policies ({where}): no violations.", ""])
        sections.append(render_stack(diff).replace(f"### Stack `{stack}`\n", f"### Stack `{stack}`\n\n" + "\n".join(policies), 1))
    head_lines = [MARKER, "## Offline plan: what this pull request changes", "",
                  "| Stack | Policies | Add | Change | Replace | Remove | Mandatory violations | Max nodes |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |", *rows, "",
                  "Resources are matched by URN; :warning: marks changes that likely replace the resource (a heuristic: "
                  "`pulumi preview` decides). Secret values show as `[secret]`. Max nodes: the most nodes the stack's "
                  "node groups may grow to.", ""]
    return "\n".join(head_lines + sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner comment",
                                     description="The pull-request comment: a status table, then each stack's "
                                                 "violations and changes.")
    parser.add_argument("base", type=Path, help="folder of the base branch's <stack>.json plans")
    parser.add_argument("head", type=Path, help="folder of the pull request's <stack>.json plans")
    args = parser.parse_args(argv)
    try:
        pairs = load_pairs(args.base, args.head)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"error: cannot read the plans in {args.base} and {args.head}: {error!r}", file=sys.stderr)
        return 2
    print(render_comment(pairs))
    return 0

