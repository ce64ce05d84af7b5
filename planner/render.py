"""The plan as ``pulumi preview`` prints it: a tree by parent, then counts."""

from __future__ import annotations

from collections import Counter, defaultdict

from .engine import Plan, PlannedResource


def _label(resource: PlannedResource) -> str:
    return f"{resource.name}" + ("  [protect]" if resource.protect else "")


def render_tree(plan: Plan) -> str:
    children: dict[str | None, list[PlannedResource]] = defaultdict(list)
    urns = {r.urn for r in plan.resources}
    for resource in plan.resources:
        children[resource.parent if resource.parent in urns else None].append(resource)
    rows: list[tuple[str, str]] = [("pulumi:pulumi:Stack", f"{plan.project}-{plan.stack}")]

    def walk(parent: str | None, prefix: str) -> None:
        kids = children.get(parent, [])
        for index, child in enumerate(kids):
            last = index == len(kids) - 1
            rows.append((f"{prefix}{'└─ ' if last else '├─ '}{child.type}", _label(child)))
            walk(child.urn, prefix + ("   " if last else "│  "))

    walk(None, "")
    width = max(len(t) for t, _ in rows) + 2
    lines = [f"     {'Type':<{width}}Name"]
    lines += [f" +   {t:<{width}}{n}" for t, n in rows]
    return "\n".join(lines)


def render_counts(plan: Plan) -> str:
    counts = Counter(r.type for r in plan.resources)
    width = max((len(str(n)) for n in counts.values()), default=1)
    lines = ["Resources by type:"]
    lines += [f"    {n:>{width}}  {t}" for t, n in sorted(counts.items())]
    lines += ["", "Resources:", f"    + {len(plan.resources) + 1} to create (including the stack)"]
    return "\n".join(lines)


def render_outputs(plan: Plan) -> str:
    lines = ["Outputs:"]
    width = max((len(k) for k in plan.outputs), default=0)
    lines += [f"    {k:<{width}}: {v}" for k, v in sorted(plan.outputs.items())]
    return "\n".join(lines)
