"""``python -m planner diff BASE HEAD``: what a change does to each stack, as Markdown for a pull-request comment.

BASE and HEAD are JSON plans (``python -m planner --stack S --json FILE``) or folders of them named
``<stack>.json``; folders are compared stack by stack. Resources are matched by URN, so a renamed resource
shows as removed and added (as ``pulumi preview`` would show it without an alias).

A change whose new value comes from a resource the change adds (the plan's ``inputDependencies``) shows as
computed, as ``pulumi preview`` shows it, not as the offline plan's mock value.

A change counts as "likely replaces" when its path (list indexes dropped) is, or is inside, a property listed in
:data:`REPLACE_PATHS` for the resource type (or, when the property is removed, in :data:`REPLACED_WHEN_REMOVED`),
or in :data:`KUBERNETES_REPLACE_PATHS` / :data:`KUBERNETES_KIND_REPLACE_PATHS` for Kubernetes objects. For cloud resources the list is the Terraform
provider's ``ForceNew`` attributes (``force_new.json``); for Kubernetes objects, names and namespaces and the fields
the API server refuses to change (a workload's ``spec.selector``, a claim's storage class and volume). A change of
an input the resource ignores (``ignoreChanges`` in the plan) is flagged as not applied, with the reason from
:data:`IGNORED_BECAUSE`. A same-repository pull request also gets ``pulumi preview``, which is the authority.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policypack.sentinels import SECRET_MARK

MISSING = object()
"""A property that is absent on one side."""

FORCE_NEW_TABLE = Path(__file__).with_name("force_new.json")
"""Per cloud resource type, the inputs whose change replaces it, from the Terraform provider's schema
(``ForceNew``), with the provider version and file each came from; ``python -m tools.force_new`` regenerates it."""
REPLACE_PATHS: dict[str, tuple[str, ...]] = {
    **{t: tuple(entry["replaces"]) for t, entry in json.loads(FORCE_NEW_TABLE.read_text()).items()},
    # pulumi-kubernetes' own Release (not a Terraform resource): the release name and namespace identify it.
    "kubernetes:helm.sh/v3:Release": ("name", "namespace"),
}
REPLACED_WHEN_REMOVED: dict[str, tuple[str, ...]] = {
    # hashicorp/terraform-provider-aws internal/service/eks/cluster.go (00555dc): its CustomizeDiff forces a new
    # cluster when encryption_config goes from one block to none ("You cannot disable envelope encryption after
    # enabling it"); adding one is an update (AssociateEncryptionConfig), so it is no ForceNew attribute.
    "aws:eks/cluster:Cluster": ("encryptionConfig",),
}
"""Inputs whose removal, though not their change, replaces the resource."""
IGNORED_BECAUSE: dict[str, str] = {
    "alicloud:cs/managedKubernetes:ManagedKubernetes": "read only when the cluster is created; to change it, create a new cluster",
}
"""Why a resource type ignores changes of some inputs (its ``ignoreChanges`` in the plan); see
:data:`components.alicloud.cluster.CREATE_ONLY_INPUTS`."""
KUBERNETES_REPLACE_PATHS = ("metadata.name", "metadata.namespace")
KUBERNETES_KIND_REPLACE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec.selector",),
    "StatefulSet": ("spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"),
    "DaemonSet": ("spec.selector",),
    "Job": ("spec.selector", "spec.template"),
    "Service": ("spec.clusterIP",),
    "PersistentVolumeClaim": ("spec.accessModes", "spec.storageClassName", "spec.volumeName", "spec.selector"),
    "PersistentVolume": ("spec.csi", "spec.storageClassName"),
}


@dataclass
class Change:
    path: str
    before: Any
    after: Any
    replaces: bool
    ignored: bool = False
    computed: bool = False
    """The new value comes from a resource this change adds: ``pulumi preview`` shows it as computed, not the
    offline plan's mock value."""


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    changes: list[Change]
    service: str | None = None
    """The catalog service it belongs to (``<namespace>-<name>``), None for the platform's own resources."""

    @property
    def replaces(self) -> bool:
        return any(c.replaces for c in self.changes)


@dataclass
class StackDiff:
    stack: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)
    note: str = ""


def _child(path: str, key: str) -> str:
    key = str(key)
    if "." in key or "/" in key:
        return f'{path}["{key}"]'
    return f"{path}.{key}" if path else key


JSON_MARK = "(json)"
"""Path step into a string input that holds JSON (an IAM ``policyDocument``, an add-on's ``config``)."""


def _json_document(value: Any) -> Any:
    """The object or list a string input holds as JSON, else None."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return document if isinstance(document, (dict, list)) else None


def property_changes(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Dotted paths whose value differs; lists of equal length compare item by item, others as a whole; strings that
    hold JSON on both sides compare as the documents they hold (``policyDocument(json).Statement[0].Action``)."""
    documents = (_json_document(before), _json_document(after))
    if documents[0] is not None and documents[1] is not None:
        return property_changes(documents[0], documents[1], path + JSON_MARK)
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            child = _child(path, key)
            if key not in before:
                found.append((child, MISSING, after[key]))
            elif key not in after:
                found.append((child, before[key], MISSING))
            else:
                found += property_changes(before[key], after[key], child)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [c for i, (b, a) in enumerate(zip(before, after)) for c in property_changes(b, a, f"{path}[{i}]")]
    return [] if before == after else [(path, before, after)]


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "[", prefix + JSON_MARK))


def _without_indexes(path: str) -> str:
    return re.sub(r"\[[0-9]+\]", "", path)


def ignored(resource: dict[str, Any], path: str) -> bool:
    """Whether ``pulumi up`` keeps the old value: ``path`` is inside one of the resource's ``ignoreChanges``."""
    return any(_within(_without_indexes(path), p) for p in resource.get("ignoreChanges") or ())


def likely_replaces(resource: dict[str, Any], path: str, removed: bool = False) -> bool:
    path = _without_indexes(path)
    if removed and path in REPLACED_WHEN_REMOVED.get(resource["type"], ()):
        return True
    prefixes = REPLACE_PATHS.get(resource["type"], ())
    if resource["type"].startswith("kubernetes:") and "kind" in resource["inputs"]:
        prefixes += KUBERNETES_REPLACE_PATHS + KUBERNETES_KIND_REPLACE_PATHS.get(resource["inputs"]["kind"], ())
    return any(_within(path, p) for p in prefixes)


def diff_plans(stack: str, base: dict[str, Any] | None, head: dict[str, Any] | None) -> StackDiff:
    result = StackDiff(stack)
    if base is None:
        result.note = "New stack: everything is added."
    if head is None:
        result.note = "The stack is gone from this branch: everything is removed."
    before = {r["urn"]: r for r in (base or {}).get("resources", [])}
    after = {r["urn"]: r for r in (head or {}).get("resources", [])}
    result.added = [after[u] for u in after if u not in before]
    result.removed = [before[u] for u in before if u not in after]
    added = {r["urn"] for r in result.added}
    for urn in (u for u in after if u in before):
        old, new = before[urn], after[urn]
        from_added = {key for key, urns in (new.get("inputDependencies") or {}).items() if added & set(urns)}
        changes = [Change(p, b, a, likely_replaces(new, p, removed=a is MISSING), ignored(new, p),
                          computed=_top_key(p) in from_added)
                   for p, b, a in property_changes(old["inputs"], new["inputs"])]
        if old["protect"] != new["protect"]:
            changes.append(Change("(protect)", old["protect"], new["protect"], False))
        if changes:
            result.changed.append(ResourceChange(urn, new["type"], new["name"], changes, service_of(new, after)))
    return result


SERVICE_TYPE = "elastic-inference:inference:InferenceService"


def service_of(resource: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> str | None:
    """The name of the ``InferenceService`` component ``resource`` is (or is under), if any."""
    current: dict[str, Any] | None = resource
    while current is not None:
        if current["type"] == SERVICE_TYPE:
            return current["name"]
        current = by_urn.get(current.get("parent") or "")
    return None


def _value(value: Any, limit: int = 80) -> str:
    if value is MISSING:
        return "—"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def render_stack(diff: StackDiff) -> str:
    replaced = [c for c in diff.changed if c.replaces]
    lines = [f"### Stack `{diff.stack}`", ""]
    if diff.note:
        lines += [diff.note, ""]
    if not (diff.added or diff.removed or diff.changed):
        return "\n".join(lines + ["No changes.", ""])
    lines += [f"**{len(diff.added)} to add, {len(diff.changed)} to change ({len(replaced)} likely replaced), "
              f"{len(diff.removed)} to remove**", ""]
    if replaced:
        lines += ["Likely replaced (delete and re-create):", ""]
        lines += [f"- :warning: `{c.type}` **{c.name}**: " + ", ".join(f"`{x.path}`" for x in c.changes if x.replaces)
                  for c in replaced]
        lines.append("")
    not_applied = [(c, x) for c in diff.changed for x in c.changes if x.ignored]
    if not_applied:
        lines += ["Not applied (the resource ignores changes of these inputs):", ""]
        lines += [f"- :no_entry: `{c.type}` **{c.name}**: `{x.path}`: "
                  + IGNORED_BECAUSE.get(c.type, "the program keeps the value it has (ignore_changes)")
                  for c, x in not_applied]
        lines.append("")
    for title, resources in (("Added", diff.added), ("Removed", diff.removed)):
        if resources:
            lines += [f"<details><summary>{title} ({len(resources)})</summary>", ""]
            lines += [f"- `{r['type']}` **{r['name']}**" for r in resources]
            lines += ["", "</details>", ""]
    if diff.changed:
        for group, resources in _by_service(diff.changed).items():
            lines += [f"**{group}**", "", "| Resource | Property | Before | After |", "| --- | --- | --- | --- |"]
            texts = []
            for resource in resources:
                for change in resource.changes:
                    flag = " :warning:" if change.replaces else " :no_entry:" if change.ignored else ""
                    if change.computed:
                        before, after = _value(change.before), "*(computed)*"
                    elif _multiline(change):
                        texts.append((resource, change))
                        before = after = "(lines below)"
                    else:
                        before, after = _value(change.before), _value(change.after)
                    lines.append(f"| `{resource.type}` **{resource.name}** | `{change.path}`{flag} | {before} | {after} |")
            lines.append("")
            for resource, change in texts:
                lines += [f"<details><summary>{resource.name}: <code>{change.path}</code></summary>", "", "```diff",
                          *difflib.unified_diff(change.before.splitlines(), change.after.splitlines(),
                                                "before", "after", lineterm="", n=2),
                          "```", "", "</details>", ""]
    return "\n".join(lines)


def _top_key(path: str) -> str:
    """The input a property path starts in (``spec`` of ``spec.template``, ``data`` of ``data["a.b"]``)."""
    return re.split(r"[.\[(]", path, maxsplit=1)[0]


def _multiline(change: Change) -> bool:
    return isinstance(change.before, str) and isinstance(change.after, str) and "\n" in change.before + change.after


def _by_service(changed: list[ResourceChange]) -> dict[str, list[ResourceChange]]:
    """Changed resources by the service they belong to (their ``InferenceService`` ancestor), the platform's last."""
    groups: dict[str, list[ResourceChange]] = {}
    for resource in sorted(changed, key=lambda r: (r.service is None, r.service or "", r.type, r.name)):
        groups.setdefault(f"Service {resource.service}" if resource.service else "Platform", []).append(resource)
    return groups


def render(diffs: list[StackDiff]) -> str:
    head = ["## Offline plan: what this pull request changes", "",
            "Resources are matched by URN; :warning: marks changes that likely replace the resource "
            f"(a heuristic: `pulumi preview` decides). Secret values show as `{SECRET_MARK}`.", ""]
    return "\n".join(head + [render_stack(d) for d in diffs])


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def load_pairs(base: Path, head: Path) -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
    """``(stack, base plan, head plan)`` for two plan files, or for every ``<stack>.json`` in two folders."""
    if base.is_dir() or head.is_dir():
        names = sorted({p.stem for d in (base, head) if d.is_dir() for p in d.glob("*.json")})
        return [(n, _load(base / f"{n}.json") if (base / f"{n}.json").exists() else None,
                 _load(head / f"{n}.json") if (head / f"{n}.json").exists() else None) for n in names]
    head_plan = _load(head)
    return [(head_plan["stack"], _load(base), head_plan)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner diff",
                                     description="Markdown summary of the changes between two offline plans.")
    parser.add_argument("base", type=Path, help="plan JSON of the base branch, or a folder of <stack>.json")
    parser.add_argument("head", type=Path, help="plan JSON of the pull request, or a folder of <stack>.json")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the Markdown here instead of stdout")
    parser.add_argument("--exit-code", action="store_true",
                        help="exit with status 1 when the plans differ (as git diff --exit-code)")
    args = parser.parse_args(argv)
    try:
        diffs = [diff_plans(stack, b, h) for stack, b, h in load_pairs(args.base, args.head)]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"error: cannot compare {args.base} with {args.head}: {error!r} (both must be plans written by "
              "python -m planner --json, or folders of them)", file=sys.stderr)
        return 2
    markdown = render(diffs)
    if args.output:
        args.output.write_text(markdown)
    else:
        print(markdown)
    differs = any(d.added or d.removed or d.changed or d.note for d in diffs)
    return 1 if args.exit_code and differs else 0
