"""``python -m planner prices refresh``: read a stack's prices from its cloud's own APIs, with the user's
credentials, and write the dated table the what-if uses (``planner/whatif/prices/<cloud>.<region>.yaml``).

The instance types read are the stack's (every node group's types, and on ACK the ECI GPU specs bursting pods run
as) and every entry the table already holds for real, so that every real entry carries the table's one date
(:func:`planner.whatif.prices.refreshed`). The fetchers (:mod:`.alicloud`, :mod:`.aws`) need the clouds' SDKs of
``requirements-dev.txt``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import datetime, timezone
from pathlib import Path

from stackconfig import StackConfig
from stackconfig.capacity import node_groups

from ...cli import stack_source, validated
from . import CurrencyMismatch, FetchError, changes, display_path, empty_table, read_prices, refreshed, table_path, write_prices

FETCHERS = {"alicloud": "planner.whatif.prices.alicloud", "aws": "planner.whatif.prices.aws"}
NOT_READ = 3
"""The exit status when the cloud's prices could not be read: an SDK missing, no credentials, an API error."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planner prices",
                                     description="The what-if simulator's price tables (planner/whatif/prices/).")
    commands = parser.add_subparsers(dest="command", required=True)
    refresh = commands.add_parser(
        "refresh", help="read the stack's prices from its cloud's APIs and write the dated table",
        description="Read pay-as-you-go and spot prices of the stack's instance types, and the serverless burst "
                    "target's, from the cloud's APIs with your credentials (Alibaba Cloud: the default credential "
                    "chain, e.g. ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET; AWS: boto3's, e.g. AWS_PROFILE), and write "
                    f"the dated table. Exit status {NOT_READ} when the prices could not be read.")
    source = refresh.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="a committed stack: stacks/Pulumi.<STACK>.yaml")
    source.add_argument("--stack-file", type=Path, help="any stack file")
    refresh.add_argument("--out", type=Path, metavar="FILE",
                         help="the table to refresh (default: planner/whatif/prices/<cloud>.<region>.yaml); a file "
                              "that does not exist yet starts with no entries")
    refresh.add_argument("--dry-run", action="store_true", help="read the prices and show the changes; write nothing")
    return parser


def stack_instance_types(config: StackConfig) -> list[str]:
    """The instance types a stack's costs are priced with: every type of every node group, and the ECS types of
    ECI GPU pods (``burst.eciGpuSpecs``)."""
    names = {spec.name for group in node_groups(config) for spec in group.instance_types}
    names |= {name for service in config.services for name in service.burst.eci_gpu_specs}
    return sorted(names)


def main(argv: list[str] | None = None, clients: dict | None = None) -> int:
    """``clients`` go to the cloud's fetcher (tests inject recorded answers); by default the SDK's own."""
    args = _parser().parse_args(argv)
    stack, path = stack_source(args)
    config = validated(path)
    if config.cloud not in FETCHERS:
        print(f"error: stack '{stack}' runs on a cluster you already have (cloud: {config.cloud}): its nodes are not "
              f"priced, so it has no price table to refresh", file=sys.stderr)
        return 2
    out = args.out or table_path(config.cloud, config.region)
    try:
        base = read_prices(out) if out.exists() else None
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if base is not None and (base.cloud, base.region) != (config.cloud, config.region):
        print(f"error: {display_path(out)} is the table of {base.cloud} {base.region}, not of stack '{stack}' "
              f"({config.cloud} {config.region})", file=sys.stderr)
        return 2
    names = sorted(set(stack_instance_types(config))
                   | {name for name, price in (base.instances.items() if base else ()) if not price.placeholder})
    fetcher = importlib.import_module(FETCHERS[config.cloud])
    now = datetime.now(timezone.utc)
    try:
        fetched = fetcher.fetch(config.region, config.zones, names, clients, now)
        old = base or empty_table(config.cloud, config.region, fetched.currency, out)
        table = refreshed(old, fetched, fetcher.SOURCE, now.date().isoformat(), out)
    except FetchError as error:
        print(f"error: {error}", file=sys.stderr)
        return NOT_READ
    except CurrencyMismatch as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    zones = ", ".join(config.zones) or "every zone (the stack names none)"
    print(f"Prices of stack '{stack}' ({config.cloud} {config.region}; spot over {zones}), {table.taken}, "
          f"from {fetcher.SOURCE}:")
    print("\n".join(changes(old, table)))
    for note in fetched.notes:
        print(f"note: {note}")
    if args.dry_run:
        print(f"dry run: {display_path(out)} not written")
    else:
        write_prices(table, out)
        print(f"written: {table.citation()}")
    return 0
