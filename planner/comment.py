"""``python -m planner comment BASE HEAD``: the pull-request comment, written to be merged on.

BASE and HEAD are folders of ``<stack>.json`` plans (``python -m planner --stack S --json``), of the base branch and
of the pull request. The comment opens with one row per stack: ✅ or ❌ (a mandatory policy violation in the pull
request's plan), what it adds, changes, likely replaces and removes, its mandatory violations, its capacity (the
most nodes its pools may grow to) and what that capacity costs per hour, before and after. The cost is the what-if
model's bracket (:func:`planner.whatif.run.capacity_bracket`): idle (no load, once settled: the pools at ``minSize``
and what ``minReplicas`` needs on top, nodes and burst pods) to at most (every pool at its ``maxSize`` split into
spot and pay-as-you-go as the pool's share rounds, plus burst pods at ``maxReplicas``), priced by the stack's price
table, which the comment cites with its date and its placeholders. Then, per stack, its violations,
each with the stack-file entry that decides it (``services[2].autoscaling.maxReplicas``: the plan JSON records which
entry each component is built from), followed by its changes (:func:`planner.diff.render_stack`, grouped by
service). The policies are those of ``python -m planner``: the same rules and each stack's
``policypack/config/<stack>.json``. A stack whose file is on the branch but whose plan is missing failed to plan
(the workflow plans every stack file): it shows as ❌ plan failed, not as removed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from policypack.rules import MANDATORY, ResourceView, Violation, evaluate, read_policy_config

from .cli import committed_stacks
from .diff import StackDiff, diff_plans, load_pairs, render_stack
from .policies import default_policy_config, resource_type

MARKER = "<!-- elastic-inference-plan-diff -->"
"""The first line of the comment: how the commenting workflow finds its comment to update in place."""

CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "workload-autoscaler-bounds": ("services[].autoscaling.maxReplicas",),
    "node-pool-bounds": ("alicloud.nodePools[].scaling.maxSize", "aws.systemNodes.scaling.maxSize",
                         "aws.gpuNodes.scaling.maxSize"),
    "spot-on-demand-share": ("alicloud.nodePools[].spot", "aws.gpuNodes.onDemandPercentageAboveBaseCapacity"),
    "gpu-requests-match-limits": ("services[].resources.gpus",),
    "inference-readiness-probes": ("services[].server", "services[].model"),
    "inference-pod-disruption-budget": ("services[]",),
    "inference-network-policy": ("services[].networkPolicy",),
    "inference-graceful-termination": ("services[]",),
    "images-pinned": ("services[].image", "addons.*"),
    "stateful-resources-protected": ("production",),
    "ingress-tls-in-production": ("services[].ingress.tls", "services[].ingress.tlsSecretName"),
    "api-server-restricted-in-production": ("alicloud.cluster.publicApiServer", "aws.publicApiServer",
                                            "aws.publicAccessCidrs"),
    "ingress-load-balancer-restricted-in-production": ("alicloud.cluster.ingressLoadBalancer",),
    "least-privilege-in-production": ("aws.accessEntries",),
    "secrets-encrypted-in-production": ("alicloud.cluster.secretsEncryption", "aws.secretsEncryption"),
    "no-credentials-in-inputs": ("the secret fields (README \"Security: secrets\"): secretEnv, s3Credentials, "
                                 "keda authentication",),
    "buckets-locked-down": ("alicloud.modelStore", "aws.modelStore", "s3ModelRepository"),
    "current-kubernetes-apis": ("alicloud.cluster.kubernetesVersion", "aws.kubernetesVersion"),
}
"""The stack-file keys that decide what each policy checks: where to look when it fails. ``[]`` stands for the entry
of the violating resource's service or node pool (:func:`config_keys`)."""

POLICY_CAPS = {"workload-autoscaler-bounds": "maxReplicas", "node-pool-bounds": "maxNodePoolSize"}
"""The policies whose limit is a number of the stack's policy config, and its key there."""

CLOUD_SECTIONS = ("alicloud", "aws", "existing")

TYPE_ENTRIES = {"aws:eks/nodeGroup:NodeGroup": "aws.systemNodes", "aws:autoscaling/group:Group": "aws.gpuNodes"}
"""The stack-file entry of a resource known by its type alone: on EKS the system nodes are the one managed node
group and the GPU nodes the one Auto Scaling group (``components/aws/capacity.py``)."""

ENTRY_SCOPES = ("services[]", "alicloud.nodePools[]", *(f"{entry}." for entry in TYPE_ENTRIES.values()))
"""The key prefixes that belong to one entry, which a violation of another entry's resource does not need."""

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
            f"{sum(c.replaces for c in diff.changed)} | {len(diff.removed)} | {mandatory} | {capacity} | "
            f"{cost_cell(base, head)} |")


def config_entry(urn: str, plan: dict[str, Any]) -> str | None:
    """The stack-file entry (``services[2]``, ``alicloud.nodePools[1]``) whose component the resource ``urn`` is or is
    under, from the plan's ``configEntries``; None for the platform's own resources or a plan without them."""
    entries = plan.get("configEntries") or {}
    by_urn = {r["urn"]: r for r in plan["resources"]}
    current = by_urn.get(urn)
    if current is not None and current["type"] in TYPE_ENTRIES:
        return TYPE_ENTRIES[current["type"]]
    while current is not None:
        entry = entries.get(current["type"], {}).get(current["name"])
        if entry:
            return entry
        current = by_urn.get(current.get("parent") or "")
    return None


def config_keys(policy: str, entry: str | None, cloud: str | None) -> list[str]:
    """Where to fix a violation of ``policy``: its keys of the stack's cloud, and of the violating resource's entry
    (``services[]`` becomes ``services[2]``) when it has one, else those that are not an entry's."""
    keys = [k for k in CONFIG_KEYS.get(policy, ()) if not cloud or k.split(".")[0] not in set(CLOUD_SECTIONS) - {cloud}]
    if entry and "[" in entry:
        scope = entry.split("[")[0] + "[]"
        own = [k.replace(scope, entry, 1) for k in keys if k.startswith(scope)]
    else:
        own = [k for k in keys if entry and k.startswith(f"{entry}.")]
    return own or [k for k in keys if not k.startswith(ENTRY_SCOPES)] or keys


def render_violations(violations: list[Violation], plan: dict[str, Any], policy_config: str) -> list[str]:
    cloud = plan.get("outputs", {}).get("cloud")
    lines = []
    for v in violations:
        icon = ":x:" if v.enforcement == MANDATORY else ":warning:"
        keys = ", ".join(f"`{k}`" for k in config_keys(v.policy, config_entry(v.urn, plan), cloud))
        cap = f"; the limit: `{v.policy}.{POLICY_CAPS[v.policy]}` in {policy_config}" if v.policy in POLICY_CAPS else ""
        lines.append(f"- {icon} **{v.policy}** on `{resource_type(v.urn)}` **{v.name}**: {v.message} "
                     f"(config: {keys or 'see the README, Guardrails'}{cap})")
    return lines + ([""] if lines else [])


def _cost(plan: dict[str, Any] | None) -> str | None:
    capacity = (plan or {}).get("capacity") or {}
    if capacity.get("costPerHourIdle") is None or capacity.get("costPerHourAtMax") is None:
        return None
    return f"{capacity['costPerHourIdle']:.2f}–{capacity['costPerHourAtMax']:.2f} {capacity['currency']}"


def cost_cell(base: dict[str, Any] | None, head: dict[str, Any] | None) -> str:
    """The cost per hour idle and at most, before → after; — where a plan has no priced capacity
    (an existing cluster, a removed stack, a base branch planned before plans carried it)."""
    before, after = _cost(base) or "—", _cost(head) or "—"
    return after if before == after else f"{before} → {after}"


def price_citations(plans: list[tuple[str, dict[str, Any] | None]]) -> list[str]:
    """One line per price table the pull request's plans were priced with: the stacks, its date, its placeholders."""
    tables: dict[tuple, list[str]] = {}
    for stack, plan in plans:
        capacity = (plan or {}).get("capacity") or {}
        if capacity.get("priceTable"):
            key = (capacity["priceTable"], capacity["priceTableTaken"], capacity["placeholders"])
            tables.setdefault(key, []).append(stack)
    lines = []
    for (table, taken, placeholders), stacks in sorted(tables.items()):
        when = f"taken {taken}" if taken else "not dated"
        marks = f", {placeholders} entries are PLACEHOLDERS (`elastic-inference prices refresh`)" \
            if not placeholders.startswith("0 ") else ""
        lines.append(f"- `{table}` ({', '.join(f'`{s}`' for s in stacks)}): {when}{marks}")
    return lines


def failed_row(stack: str) -> str:
    return f"| `{stack}` | ❌ plan failed | — | — | — | — | — | — | — |"


def failed_section(stack: str) -> str:
    return (f"### Stack `{stack}`\n\n:x: **The offline plan of this stack failed** (a stack-file error, or the program "
            f"failed): its errors are in the job log, and `python -m planner --stack {stack}` shows them.\n")


def render_comment(pairs: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
                   failed: frozenset[str] = frozenset()) -> str:
    """The comment for ``(stack, base plan, head plan)`` pairs; ``failed`` are the stacks whose head plan failed
    (they have a stack file on the branch but no plan), shown as such rather than as removed."""
    rows, sections = [], []
    for stack, base, head in pairs:
        if stack in failed:
            rows.append(failed_row(stack))
            sections.append(failed_section(stack))
            continue
        diff = diff_plans(stack, base, head)
        violations = violations_of(head, stack) if head is not None else []
        rows.append(status_row(diff, violations, base, head))
        config = default_policy_config(stack)
        where = f"policypack/config/{config.name}" if config else "defaults, no policy config"
        policies = ([f"Policies ({where}): {len(violations)} violation(s)", ""] + render_violations(violations, head, where)
                    if violations else [f"Policies ({where}): no violations.", ""])
        sections.append(render_stack(diff).replace(f"### Stack `{stack}`\n", f"### Stack `{stack}`\n\n" + "\n".join(policies), 1))
    head_lines = [MARKER, "## Offline plan: what this pull request changes", "",
                  "| Stack | Policies | Add | Change | Replace | Remove | Mandatory violations | Max nodes | Cost/h idle–max |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |", *rows, "",
                  "Resources are matched by URN; :warning: marks changes that likely replace the resource (a heuristic: "
                  "`pulumi preview` decides). Secret values show as `[secret]`. Max nodes: the most nodes the stack's "
                  "node groups may grow to. Cost/h, by the what-if model: idle (no load, once settled: the pools at "
                  "minSize and the nodes and burst pods minReplicas needs) to at most (every pool at maxSize, spot and "
                  "pay-as-you-go as the pool's share rounds, plus burst pods at maxReplicas); priced with:", "", *(price_citations([(stack, head) for stack, _, head in pairs]) or ["- no price table (no priced capacity)"]), ""]
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
        failed = frozenset(stack for stack in committed_stacks() if not (args.head / f"{stack}.json").exists()) \
            if args.head.is_dir() else frozenset()
        pairs = sorted(pairs + [(stack, None, None) for stack in failed - {stack for stack, _, _ in pairs}])
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"error: cannot read the plans in {args.base} and {args.head}: {error!r}", file=sys.stderr)
        return 2
    print(render_comment(pairs, failed))
    return 0

