"""``python -m planner``: the offline plan of a stack, without a Pulumi CLI or cloud account."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, TextIO

import pulumi

from elastic_inference import VERSION
from stackconfig import PROJECT, StackConfig, StackConfigError, load_stack_config

from .diff import SERVICE_TYPE
from .engine import Plan, run_program
from .manifests import write_manifests
from .policies import check_plan, default_policy_config, has_mandatory, render_violations
from .render import render_counts, render_outputs, render_tree
from .stackfile import load_validated, read_stack_file

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS_DIR = PROJECT_DIR / "stacks"


SUBCOMMANDS = {"diff": "planner.diff", "comment": "planner.comment", "whatif": "planner.whatif",
               "dashboards": "planner.dashboards", "program": "planner.program", "prices": "planner.whatif.prices.refresh"}
"""``python -m planner <name> ...`` runs ``<module>.main(argv)``; without a subcommand it plans a stack."""
SUBCOMMAND_HELP = {"diff": "the changes between two plans, as the pull-request comment shows them",
                   "comment": "the pull-request comment: a status table, each stack's violations and changes",
                   "whatif": "simulate the autoscalers and node pools under load",
                   "dashboards": "write the stack's Grafana dashboards as JSON files to import",
                   "program": "plan another Pulumi program (an app-team project, a template) against a platform stack",
                   "prices": "prices refresh: read the stack's prices from its cloud's APIs into the what-if's table"}
EXIT_CODES = {0: "planned (or compared, simulated) without a mandatory policy violation",
              1: "a mandatory policy violation (diff --exit-code: the plans differ)",
              2: "a mistake in what was given: stack file, stack name, plan file, service name, policy config",
              3: "prices refresh: the cloud's prices could not be read (its SDK missing, no credentials, an API error)"}
"""The exit statuses of every subcommand (README "Offline plan")."""


def committed_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in STACKS_DIR.glob("Pulumi.*.yaml"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description="Run the Pulumi program offline under the mock engine and show what `pulumi preview` would create.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="subcommands (python -m planner <subcommand> --help):\n"
               + "\n".join(f"  {name:<11} {text}" for name, text in SUBCOMMAND_HELP.items())
               + "\n\nexit status:\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items()),
    )
    parser.add_argument("--version", action="version", version=f"elastic-inference {VERSION}")
    parser.add_argument("--stack", help=f"the stack: stacks/Pulumi.<STACK>.yaml ({', '.join(committed_stacks())}), or with "
                                        "--stack-file the stack name that file is for (its policy config)")
    parser.add_argument("--stack-file", type=Path, help="any stack file in the same format, e.g. a config you are trying out")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the machine-readable plan here (- for stdout)")
    parser.add_argument("--manifests", type=Path, metavar="DIR", help="write every Kubernetes object here, one YAML file each")
    parser.add_argument("--policy-config", type=Path, metavar="FILE",
                        help="policy config of the stack (default: policypack/config/<stack>.json if it exists); "
                             "a mandatory policy violation exits with status 1")
    return parser


def validated(path: Path) -> StackConfig:
    """The validated config of a stack file for a subcommand: a mistake in it, or a file that cannot be read
    (:func:`planner.stackfile.read_stack_text` reports it as one), exits with status 2 with the report."""
    try:
        return load_validated(path)
    except StackConfigError as error:
        print(error.report(), file=sys.stderr)
        raise SystemExit(2) from None


def stack_source(args: argparse.Namespace) -> tuple[str, Path]:
    """The stack's name and file: ``--stack`` alone names a committed stack; ``--stack-file`` a file, for the stack
    ``--stack`` names or else the one its name says (``Pulumi.<stack>.yaml``, or the file's stem). A stack that does
    not exist exits with status 2."""
    if args.stack_file is None and args.stack is None:
        fail("give --stack NAME or --stack-file FILE")
    if args.stack_file is None:
        path = STACKS_DIR / f"Pulumi.{args.stack}.yaml"
        if not path.exists():
            fail(f"no stack '{args.stack}': {path} does not exist (committed stacks: {', '.join(committed_stacks())})")
        return args.stack, path
    if not args.stack_file.is_file():
        fail(f"no stack file {args.stack_file}")
    return args.stack or stack_name(args.stack_file), args.stack_file


def stack_name(path: Path) -> str:
    """The stack a stack file is for by its name: ``Pulumi.<stack>.yaml``, or else the file's stem."""
    name = path.name
    return name[len("Pulumi."):-len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else path.stem


def fail(message: str) -> NoReturn:
    """Stop on a mistake in what was given: the message, and exit status 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def plan_stack_file(directory: Path, project: str, stack: str, path: Path) -> Plan:
    """Plan ``directory``'s program with the stack file ``path``. This project's config is validated first, so its
    errors name their line in the file (the program itself only sees the values, as under the Pulumi CLI)."""
    config, secret_keys = read_stack_file(path)
    if project != PROJECT:
        return run_program(directory, project, stack, config, secret_keys)
    try:
        validated = load_stack_config(config, secret_keys, secure_paths=config.secure_paths)
    except StackConfigError as error:
        raise config.locate(error) from None
    plan = run_program(directory, project, stack, config, secret_keys)
    plan.review = review_facts(validated)
    return plan


def review_facts(config: StackConfig) -> dict[str, Any]:
    """``capacity``: the stack's capacity and cost bracket (:func:`planner.whatif.run.capacity_bracket`);
    ``configEntries``: per component type and name, the stack-file entry it is built from, so the PR comment can name
    the exact entry behind a violation (``services[2]``, not ``services[]``)."""
    from components.alicloud.capacity import NODE_POOL_TYPE

    from .whatif.run import capacity_bracket  # the what-if needs numpy, which app-team installs do not have

    pools = config.alicloud.node_pools if config.cloud == "alicloud" else []
    return {"capacity": capacity_bracket(config), "configEntries": {
        SERVICE_TYPE: {s.component_name: f"services[{i}]" for i, s in enumerate(config.services)},
        NODE_POOL_TYPE: {p.name: f"alicloud.nodePools[{i}]" for i, p in enumerate(pools)},
    }}


def planned(make_plan: Callable[[], Plan]) -> Plan | None:
    """The plan, or None once a config mistake or the program's own error is printed (no traceback)."""
    try:
        return make_plan()
    except StackConfigError as error:
        print(error.report(), file=sys.stderr)
    except pulumi.RunError as error:
        print(f"error: {error}", file=sys.stderr)
    return None


def plan_document(plan: Plan) -> str:
    """The machine-readable plan (``--json``)."""
    return json.dumps(plan.as_json(), indent=2) + "\n"


def report_plan(plan: Plan, what: str, json_path: Path | None, manifests_dir: Path | None) -> None:
    """Print the plan as ``pulumi preview`` would, and write the JSON plan and manifests when asked. With ``--json -``
    the JSON plan is standard output and the rest goes to standard error."""
    to_stdout = json_path == Path("-")
    out = sys.stderr if to_stdout else sys.stdout
    print(f"Offline plan of {what}: what `pulumi preview` would create.\n", file=out)
    print(render_tree(plan), file=out)
    print(file=out)
    print(render_outputs(plan), file=out)
    print(file=out)
    print(render_counts(plan), file=out)
    # The JSON document only when asked for: at a few thousand resources it costs as much as printing the tree.
    if to_stdout:
        sys.stdout.write(plan_document(plan))
    elif json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(plan_document(plan))
        print(f"\nPlan written to {json_path}", file=out)
    if manifests_dir:
        written = write_manifests(plan, manifests_dir)
        print(f"{len(written)} Kubernetes manifests written to {manifests_dir}", file=out)


def main(argv: list[str] | None = None) -> int:
    """``python -m planner``: plan a stack, or run a subcommand; the exit status is one of :data:`EXIT_CODES`."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    args = _parser().parse_args(argv)
    stack, path = stack_source(args)
    policy_config = args.policy_config or default_policy_config(stack)
    if policy_config is None and args.stack_file is not None and stack in committed_stacks():
        print(f"warning: {path} is planned as stack '{stack}' without its policy config", file=sys.stderr)
    elif policy_config is None and args.stack_file is not None:
        print(f"note: stack '{stack}' has no policy config (policypack/config/{stack}.json): every policy runs with its "
              f"defaults; --stack NAME plans {path.name} with stack NAME's", file=sys.stderr)
    plan = planned(lambda: plan_stack_file(PROJECT_DIR, PROJECT, stack, path))
    if plan is None:
        return 2
    report_plan(plan, f"stack '{stack}' ({path})", args.json, args.manifests)
    return report_policies(plan, policy_config, sys.stderr if args.json == Path("-") else sys.stdout)


def report_policies(plan: Plan, policy_config: Path | None, out: TextIO) -> int:
    """Run the policy pack over ``plan`` with ``policy_config`` and print the result to ``out``: the exit status, 1
    for a mandatory violation, 2 for a policy config that cannot be read."""
    try:
        violations = check_plan(plan, policy_config)
    except (OSError, ValueError) as error:
        print(f"error: policy config: {error}", file=sys.stderr)
        return 2
    print(file=out)
    print(render_violations(violations, policy_config), file=out)
    return 1 if has_mandatory(violations) else 0


def console() -> None:
    """The ``elastic-inference`` command (``pyproject.toml``; ``pip install -e .`` in a clone): ``plan`` is
    ``python -m planner``, the others its subcommands, from any directory."""
    import os
    argv = sys.argv[1:]
    try:
        status = main(argv[1:] if argv[:1] == ["plan"] else argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`head`) closed the pipe: it has what it wanted (Python docs, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    sys.exit(status)
