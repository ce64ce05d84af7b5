"""``python -m planner``: the offline plan of a stack, without a Pulumi CLI or cloud account."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Callable

import pulumi

from stackconfig import PROJECT, StackConfigError, load_stack_config

from .engine import Plan, run_program
from .manifests import write_manifests
from .policies import check_plan, default_policy_config, has_mandatory, render_violations
from .render import render_counts, render_outputs, render_tree
from .stackfile import read_stack_file

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS_DIR = PROJECT_DIR / "stacks"


SUBCOMMANDS = {"diff": "planner.diff", "whatif": "planner.whatif", "dashboards": "planner.dashboards"}
"""``python -m planner <name> ...`` runs ``<module>.main(argv)``; without a subcommand it plans a stack."""


def committed_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in STACKS_DIR.glob("Pulumi.*.yaml"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description="Run the Pulumi program offline under the mock engine and show what `pulumi preview` would create.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help=f"a committed stack: stacks/Pulumi.<STACK>.yaml ({', '.join(committed_stacks())})")
    source.add_argument("--stack-file", type=Path, help="any stack file in the same format, e.g. a config you are trying out")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the machine-readable plan here")
    parser.add_argument("--manifests", type=Path, metavar="DIR", help="write every Kubernetes object here, one YAML file each")
    parser.add_argument("--policy-config", type=Path, metavar="FILE",
                        help="policy config of the stack (default: policypack/config/<stack>.json if it exists); "
                             "a mandatory policy violation exits with status 1")
    return parser


def stack_source(args: argparse.Namespace) -> tuple[str, Path]:
    if args.stack:
        path = STACKS_DIR / f"Pulumi.{args.stack}.yaml"
        if not path.exists():
            raise SystemExit(f"error: no stack '{args.stack}': {path} does not exist "
                             f"(committed stacks: {', '.join(committed_stacks())})")
        return args.stack, path
    name = args.stack_file.name
    stack = name[len("Pulumi."):-len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else args.stack_file.stem
    return stack, args.stack_file


def plan_stack_file(directory: Path, project: str, stack: str, path: Path) -> Plan:
    """Plan ``directory``'s program with the stack file ``path``. This project's config is validated first, so its
    errors name their line in the file (the program itself only sees the values, as under the Pulumi CLI)."""
    config, secret_keys = read_stack_file(path)
    if project == PROJECT:
        try:
            load_stack_config(config, secret_keys, secure_paths=config.secure_paths)
        except StackConfigError as error:
            raise config.locate(error) from None
    return run_program(directory, project, stack, config, secret_keys)


def planned(make_plan: Callable[[], Plan]) -> Plan | None:
    """The plan, or None once a config mistake or the program's own error is printed (no traceback)."""
    try:
        return make_plan()
    except StackConfigError as error:
        print(error.report(), file=sys.stderr)
    except pulumi.RunError as error:
        print(f"error: {error}", file=sys.stderr)
    return None


def report_plan(plan: Plan, what: str, json_path: Path | None, manifests_dir: Path | None) -> None:
    """Print the plan as ``pulumi preview`` would, and write the JSON plan and manifests when asked."""
    print(f"Offline plan of {what}: what `pulumi preview` would create.\n")
    print(render_tree(plan))
    print()
    print(render_outputs(plan))
    print()
    print(render_counts(plan))
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(plan.as_json(), indent=2) + "\n")
        print(f"\nPlan written to {json_path}")
    if manifests_dir:
        written = write_manifests(plan, manifests_dir)
        print(f"{len(written)} Kubernetes manifests written to {manifests_dir}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    args = _parser().parse_args(argv)
    stack, path = stack_source(args)
    policy_config = args.policy_config or default_policy_config(stack)
    plan = planned(lambda: plan_stack_file(PROJECT_DIR, PROJECT, stack, path))
    if plan is None:
        return 2
    report_plan(plan, f"stack '{stack}' ({path})", args.json, args.manifests)
    return report_policies(plan, policy_config)


def report_policies(plan: Plan, policy_config: Path | None) -> int:
    """Run the policy pack over ``plan`` with ``policy_config`` and print the result: the exit status, 1 for a
    mandatory violation, 2 for a policy config that cannot be read."""
    try:
        violations = check_plan(plan, policy_config)
    except (OSError, ValueError) as error:
        print(f"error: policy config: {error}", file=sys.stderr)
        return 2
    print()
    print(render_violations(violations, policy_config))
    return 1 if has_mandatory(violations) else 0
