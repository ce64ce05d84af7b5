"""``python -m planner dashboards``: a stack's Grafana dashboards as JSON files, for a Grafana the stack does not
provision (ARMS' Grafana on ACK, Amazon Managed Grafana, or your own without a dashboard sidecar): import each file
(Grafana: Dashboards > New > Import, or its HTTP API ``POST /api/dashboards/db``) with the backend as data source.

The files are the dashboards :class:`~components.kubernetes.observability.Observability` delivers as ConfigMaps
where a sidecar loads them (:func:`components.kubernetes.dashboards.catalog_dashboards`), byte for byte.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from components.kubernetes.context import NO_BURST, BurstTarget
from components.kubernetes.dashboards import catalog_dashboards
from .cli import stack_source, validated


def burst_target(cloud: str) -> BurstTarget:
    """Where the cloud's bursting pods run, which the dashboards' burst share counts."""
    if cloud == "alicloud":
        from components.alicloud.burst import ECI
        return ECI
    if cloud == "aws":
        from components.aws.burst import FARGATE
        return FARGATE
    return NO_BURST


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planner dashboards",
                                     description="Write the stack's Grafana dashboards as JSON files to import.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="a committed stack: stacks/Pulumi.<STACK>.yaml")
    source.add_argument("--stack-file", type=Path, help="any stack file")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="write <uid>.json files here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _, path = stack_source(args)
    config = validated(path)
    boards = catalog_dashboards(list(config.services), burst_target(config.cloud))
    args.out.mkdir(parents=True, exist_ok=True)
    for uid, board in boards.items():
        (args.out / f"{uid}.json").write_text(board)
    print(f"{len(boards)} dashboards of {path} written to {args.out}: {', '.join(sorted(boards))}")
    return 0
