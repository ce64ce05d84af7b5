"""``python -m planner.program``: the offline plan of another Pulumi program, e.g. an app-team project.

An app-team project deploys onto a platform stack it reads through a ``StackReference``. Offline, the platform
stack is one of this repository's stack files, planned first: its outputs (``clusterId``, ``logProject``,
``modelClaimName``, ...) answer the project's stack references (``planner.mocks.STACK_REFERENCES``). Without
``--platform``, references answer a platform with the config defaults (``planner.mocks.PLATFORM_STACK_OUTPUTS``).

The program is a project folder (``Pulumi.yaml``, ``__main__.py``) with its stack file
``Pulumi.<stack>.yaml``, or a template folder (``Pulumi.yaml`` with a ``template:`` section): a template is
first rendered as ``pulumi new --yes`` would (:func:`render_template`), with its default config.
Python programs only; they run in this virtualenv, where this repository's packages are importable.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

from policypack.sentinels import SECRET_MARK
from stackconfig import PROJECT

from . import mocks
from .engine import Plan
from .cli import plan_stack_file, planned, report_plan, report_policies, stack_name
from .policies import default_policy_config

REPO = Path(__file__).resolve().parent.parent


def template_config(template: Path) -> dict[str, str]:
    """The default of each ``template.config`` prompt, as ``pulumi new --yes`` accepts them."""
    prompts = yaml.safe_load((template / "Pulumi.yaml").read_text())["template"].get("config") or {}
    return {key: str(prompt["default"]) for key, prompt in prompts.items() if "default" in prompt}


def render_template(template: Path, target: Path, project: str, description: str, stack: str = "dev") -> Path:
    """Write the project ``pulumi new <template> --name <project> --description <description> --stack <stack> --yes``
    would write into ``target``: every file with ``${PROJECT}`` and ``${DESCRIPTION}`` substituted, ``Pulumi.yaml``
    without its ``template:`` section, and ``Pulumi.<stack>.yaml`` with the prompts' defaults (keys without a
    namespace go to the project's), added to the template's own stack file of that name if it has one.
    Returns the stack file."""
    config = template_config(template)
    for source in sorted(template.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        destination = target / source.relative_to(template)
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text().replace("${PROJECT}", project).replace("${DESCRIPTION}", description)
        if source.relative_to(template) == Path("Pulumi.yaml"):
            document = yaml.safe_load(text)
            document.pop("template")
            text = yaml.safe_dump(document, sort_keys=False)
        destination.write_text(text)
    stack_file = target / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(stack_file.read_text()) if stack_file.exists() else {}
    document.setdefault("config", {}).update(
        {key if ":" in key else f"{project}:{key}": value for key, value in config.items()})
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return stack_file


def plan_program(directory: Path, stack: str) -> Plan:
    """Plan the project in ``directory`` with its ``Pulumi.<stack>.yaml``, as ``pulumi preview`` would."""
    project = yaml.safe_load((directory / "Pulumi.yaml").read_text())["name"]
    return plan_stack_file(directory, project, stack, directory / f"Pulumi.{stack}.yaml")


def answer_stack_references(platform_plan: Plan) -> None:
    """Let every stack reference of the next runs answer the outputs of ``platform_plan``."""
    outputs = platform_plan.outputs
    mocks.STACK_REFERENCES[mocks.ANY_STACK] = {
        "outputs": outputs, "secretOutputNames": [name for name, value in outputs.items() if value == SECRET_MARK]}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner.program",
        description="Plan another Pulumi program (a project or a template folder) offline against a platform stack.")
    parser.add_argument("program", type=Path, help="folder with Pulumi.yaml and __main__.py (a project or a template)")
    parser.add_argument("--stack", default="dev", help="the project's stack: Pulumi.<STACK>.yaml in the folder (default: dev)")
    platform = parser.add_mutually_exclusive_group()
    platform.add_argument("--platform", metavar="STACK", help="platform stack of this repository (stacks/Pulumi.<STACK>.yaml) "
                                                              "whose offline outputs answer the program's stack references")
    platform.add_argument("--platform-file", type=Path, metavar="FILE", help="a platform stack file instead")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the machine-readable plan here")
    parser.add_argument("--manifests", type=Path, metavar="DIR", help="write every Kubernetes object here, one YAML file each")
    return parser


def _platform_plan(args: argparse.Namespace) -> Plan | None:
    path = args.platform_file or (REPO / "stacks" / f"Pulumi.{args.platform}.yaml" if args.platform else None)
    if path is None:
        return None
    return plan_stack_file(REPO, PROJECT, stack_name(path), path)


def _plan(args: argparse.Namespace) -> Plan:
    platform = _platform_plan(args)
    if platform is not None:
        answer_stack_references(platform)
    program = args.program.resolve()
    if "template" not in yaml.safe_load((program / "Pulumi.yaml").read_text()):
        return plan_program(program, args.stack)
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / program.name
        render_template(program, project, program.name, f"{program.name} (offline plan of the template)", args.stack)
        return plan_program(project, args.stack)


def platform_stack_name(args: argparse.Namespace) -> str | None:
    if args.platform:
        return args.platform
    return stack_name(args.platform_file) if args.platform_file else None


def main(argv: list[str] | None = None) -> int:
    """Plan the program, then run the platform stack's policy pack over it (its ``policypack/config/<stack>.json``),
    as the platform's own plans are checked: an app-team service over the platform's caps fails here (exit 1)."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    plan = planned(lambda: _plan(args))
    if plan is None:
        return 2
    report_plan(plan, f"{args.program} (stack '{args.stack}')", args.json, args.manifests)
    platform = platform_stack_name(args)
    return report_policies(plan, default_policy_config(platform) if platform else None,
                           sys.stderr if args.json == Path("-") else sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
