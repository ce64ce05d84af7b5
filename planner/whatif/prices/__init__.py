"""The what-if simulator's price tables: hourly prices of one cloud and region, with the date they were taken and
where from, in ``planner/whatif/prices/<cloud>.<region>.yaml``.

A table holds, per instance type, the pay-as-you-go and spot price of one instance-hour, and the serverless burst
target's price (ECI on Alibaba Cloud, Fargate on AWS) per vCPU-hour and per GiB-hour with a spot factor. Any entry
may be a *placeholder* (an example figure, not a quote); every report that uses a table cites it
(:meth:`PriceTable.citation`), placeholders included.

One date per table: ``taken`` is the day every non-placeholder instance entry was read from ``source``. The
refresh command (``python -m planner prices refresh``, :mod:`planner.whatif.prices.refresh`) keeps that true: it
reads the stack's instance types *and* every entry that is already real, so no entry keeps an older date. The
serverless figures name their own source (``serverless.source``): other APIs than the instances', or a billing
page until a refresh reads them.

The fetchers, one module per cloud with the same ``fetch(region, zones, instance_types, clients, now) -> Fetched``
and ``SOURCE`` (:mod:`.alicloud`, :mod:`.aws`), need the clouds' SDKs (``requirements-dev.txt``) and import them
only when called; this module needs only PyYAML, so the simulator loads tables without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent.parent
REFRESH_COMMAND = "python -m planner prices refresh --stack <STACK>"


@dataclass(frozen=True)
class InstancePrice:
    """One instance-hour of a type, in the table's currency."""

    pay_as_you_go: float
    spot: float
    placeholder: bool


@dataclass(frozen=True)
class PriceTable:
    """Hourly prices of one cloud and region (``<cloud>.<region>.yaml``)."""

    cloud: str
    region: str
    currency: str
    taken: str | None
    """ISO date every non-placeholder instance entry was read; None for a table of placeholders only."""
    source: str
    """Where the instance entries were read, e.g. "Alibaba Cloud ECS DescribePrice / DescribeSpotPriceHistory"."""
    path: Path
    instances: dict[str, InstancePrice]
    serverless_vcpu_hour: float
    serverless_memory_gib_hour: float
    serverless_spot_factor: float
    serverless_placeholder: bool
    serverless_source: str = ""
    """Where the serverless figures come from (and when), which may differ from ``source``."""

    def instance(self, instance_type: str) -> InstancePrice:
        if instance_type not in self.instances:
            raise KeyError(f"no price for {instance_type} in {display_path(self.path)}; add it with "
                           f"`{REFRESH_COMMAND}` for a stack that uses it (or by hand, marked placeholder: true)")
        return self.instances[instance_type]

    def serverless_pod_hour(self, vcpu: float, memory_gib: float, spot: bool) -> float:
        """One hour of a serverless pod billed by vCPU and memory (ECI without a GPU spec, Fargate)."""
        hourly = vcpu * self.serverless_vcpu_hour + memory_gib * self.serverless_memory_gib_hour
        return hourly * self.serverless_spot_factor if spot else hourly

    @property
    def placeholder(self) -> bool:
        """Any entry (an instance type, or the serverless figures) is a placeholder."""
        return self.serverless_placeholder or any(p.placeholder for p in self.instances.values())

    def placeholder_count(self) -> tuple[int, int]:
        """(placeholder entries, entries): each instance type and the serverless figures are one entry each."""
        flags = [p.placeholder for p in self.instances.values()] + [self.serverless_placeholder]
        return sum(flags), len(flags)

    def citation(self) -> str:
        """One line for a report: the file, the currency, the date and source, and the placeholders if any."""
        when = f"taken {self.taken} from {self.source}" if self.taken else f"no date, source {self.source}"
        line = f"{display_path(self.path)} ({self.currency}, {when})"
        placeholders, entries = self.placeholder_count()
        if placeholders:
            line += f" — {placeholders} of {entries} entries are PLACEHOLDERS"
        return line


def display_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def table_path(cloud: str, region: str, directory: Path = PACKAGE_DIR) -> Path:
    return directory / f"{cloud}.{region}.yaml"


def load_prices(cloud: str, region: str, directory: Path = PACKAGE_DIR) -> PriceTable:
    """The table of ``cloud`` and ``region``; FileNotFoundError saying how to create it."""
    path = table_path(cloud, region, directory)
    if not path.exists():
        raise FileNotFoundError(f"no price table for {cloud} {region}: {display_path(path)} does not exist; create it with "
                                f"`{REFRESH_COMMAND}` for a stack in that region (committed tables: "
                                f"{', '.join(sorted(p.name for p in directory.glob('*.*.yaml'))) or 'none'})")
    return read_prices(path)


def read_prices(path: Path) -> PriceTable:
    """The table in the file ``path`` (any name)."""
    raw = yaml.safe_load(path.read_text())
    try:
        serverless = raw["serverless"]
        return PriceTable(
            cloud=str(raw["cloud"]), region=str(raw["region"]), currency=str(raw["currency"]),
            taken=None if raw.get("taken") is None else str(raw["taken"]), source=str(raw["source"]), path=path,
            instances={str(name): InstancePrice(float(v["payAsYouGo"]), float(v["spot"]), bool(v.get("placeholder", False)))
                       for name, v in (raw.get("instances") or {}).items()},
            serverless_vcpu_hour=float(serverless["vcpuHour"]),
            serverless_memory_gib_hour=float(serverless["memoryGibHour"]),
            serverless_spot_factor=float(serverless["spotFactor"]),
            serverless_placeholder=bool(serverless.get("placeholder", False)),
            serverless_source=str(serverless.get("source", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{display_path(path)} is not a price table: {type(error).__name__} {error}") from None


HEADER = """\
# Hourly prices for the what-if simulator: {cloud} {region}, in {currency}.
# Written by `{command}` (planner/whatif/prices/).
# Edit by hand only to add an entry, marked placeholder: true, until a refresh reads it.
#
# instances: per instance type, payAsYouGo is the list price of one instance-hour and spot the spot price of one
#   instance-hour (the highest of the stack's zones); both were read on `taken` from `source`, except where
#   placeholder: true (an EXAMPLE figure, not a quote: the simulator warns whenever it uses one).
# serverless: the burst target's price per vCPU-hour and GiB-hour, and the factor for spot pods; its own source.
"""


class _Flow(dict):
    """A mapping written on one line (an instance entry)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True))


def write_prices(table: PriceTable, path: Path) -> None:
    """Write ``table`` to ``path``: a header comment, then the keys sorted, so the same table gives the same bytes."""
    document = {
        "cloud": table.cloud, "region": table.region, "currency": table.currency,
        "taken": table.taken, "source": table.source,
        "instances": {name: {"payAsYouGo": p.pay_as_you_go, "spot": p.spot, "placeholder": p.placeholder}
                      for name, p in table.instances.items()},
        "serverless": {"vcpuHour": table.serverless_vcpu_hour, "memoryGibHour": table.serverless_memory_gib_hour,
                       "spotFactor": table.serverless_spot_factor, "placeholder": table.serverless_placeholder,
                       "source": table.serverless_source},
    }
    document["instances"] = {name: _Flow(entry) for name, entry in document["instances"].items()}
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=110)
    header = HEADER.format(cloud=table.cloud, region=table.region, currency=table.currency,
                           command=REFRESH_COMMAND.replace("<STACK>", "NAME"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body)


@dataclass(frozen=True)
class Serverless:
    """Serverless figures read by a fetcher."""

    vcpu_hour: float
    memory_gib_hour: float
    spot_factor: float
    source: str


@dataclass(frozen=True)
class Fetched:
    """What a fetcher read: the currency quoted, the refreshed instance types, the serverless figures if it reads
    them, and notes for the user (e.g. a type without a spot price in the stack's zones)."""

    currency: str
    instances: dict[str, InstancePrice]
    serverless: Serverless | None = None
    notes: list[str] = field(default_factory=list)


class CurrencyMismatch(ValueError):
    """The cloud quotes another currency than the table's (an international-site account, say)."""


class FetchError(Exception):
    """A fetcher could not read the prices: its SDK is missing, no credentials were found, or the API refused; the
    message is one line for the user."""


def highest_spot(instance_type: str, quotes: Iterable[tuple[str, Any, float]], zones: Sequence[str],
                 pay_as_you_go: float) -> tuple[float, list[str]]:
    """The spot price of a type, as the table's header says: the latest of each zone's ``(zone, timestamp, price)``
    quotes (timestamps that compare in time order: ISO 8601 UTC strings, datetimes), the highest over ``zones``, or
    over every zone quoted when the stack names none (an adopted cluster). With no quote at all, the pay-as-you-go
    price: the most a spot instance is billed at its default price limit. The notes say what was missing."""
    latest: dict[str, tuple[Any, float]] = {}
    for zone, when, price in quotes:
        if (not zones or zone in zones) and (zone not in latest or when > latest[zone][0]):
            latest[zone] = (when, price)
    if not latest:
        return pay_as_you_go, [f"{instance_type}: no spot price in {', '.join(zones) or 'any zone'}; "
                               f"spot set to the pay-as-you-go price"]
    missing = [zone for zone in zones if zone not in latest]
    notes = [f"{instance_type}: no spot price in {', '.join(missing)}; the highest of {', '.join(sorted(latest))} "
             f"is used"] if missing else []
    return max(price for _, price in latest.values()), notes


def refreshed(base: PriceTable, fetched: Fetched, source: str, taken: str, path: Path) -> PriceTable:
    """``base`` with the fetched entries replaced (placeholder cleared), dated ``taken`` and sourced ``source``;
    entries not fetched are kept as they are. Every non-placeholder entry of ``base`` must be among the fetched
    ones, or it would keep an older date than the table's."""
    stale = sorted(name for name, p in base.instances.items() if not p.placeholder and name not in fetched.instances)
    if stale:
        raise ValueError(f"{', '.join(stale)}: real entries of {display_path(base.path)} that were not refreshed")
    if base.instances and fetched.currency != base.currency:
        raise CurrencyMismatch(f"the cloud quotes {fetched.currency} but {display_path(base.path)} is in {base.currency}; "
                               f"give --out FILE for a {fetched.currency} table")
    instances = dict(base.instances)
    instances.update({name: replace(price, placeholder=False) for name, price in fetched.instances.items()})
    table = replace(base, currency=fetched.currency, taken=taken, source=source, path=path,
                    instances=dict(sorted(instances.items())))
    if fetched.serverless is not None:
        s = fetched.serverless
        table = replace(table, serverless_vcpu_hour=s.vcpu_hour, serverless_memory_gib_hour=s.memory_gib_hour,
                        serverless_spot_factor=s.spot_factor, serverless_placeholder=False, serverless_source=s.source)
    return table


def empty_table(cloud: str, region: str, currency: str, path: Path) -> PriceTable:
    """A table with no instance entries and placeholder serverless figures of zero, to refresh into."""
    return PriceTable(cloud=cloud, region=region, currency=currency, taken=None, source="placeholder", path=path,
                      instances={}, serverless_vcpu_hour=0.0, serverless_memory_gib_hour=0.0, serverless_spot_factor=1.0,
                      serverless_placeholder=True, serverless_source="none: no figures yet")


def changes(old: PriceTable, new: PriceTable) -> list[str]:
    """One line per entry that was added or changed between two tables, then a count of the unchanged ones."""
    lines: list[str] = []
    unchanged = 0
    for name in sorted(new.instances):
        after = new.instances[name]
        before = old.instances.get(name)
        if before is None:
            lines.append(f"  + {name}: pay-as-you-go {after.pay_as_you_go:g}, spot {after.spot:g} (new)")
        elif before != after:
            was = " (was a placeholder)" if before.placeholder and not after.placeholder else ""
            lines.append(f"  ~ {name}: pay-as-you-go {before.pay_as_you_go:g} -> {after.pay_as_you_go:g}, "
                         f"spot {before.spot:g} -> {after.spot:g}{was}")
        else:
            unchanged += 1
    figures = lambda t: (t.serverless_vcpu_hour, t.serverless_memory_gib_hour, t.serverless_spot_factor, t.serverless_placeholder)
    if figures(old) != figures(new):
        lines.append(f"  ~ serverless: per vCPU-hour {old.serverless_vcpu_hour:g} -> {new.serverless_vcpu_hour:g}, "
                     f"per GiB-hour {old.serverless_memory_gib_hour:g} -> {new.serverless_memory_gib_hour:g}, "
                     f"spot factor {old.serverless_spot_factor:g} -> {new.serverless_spot_factor:g}")
    else:
        unchanged += 1
    if old.currency != new.currency:
        lines.insert(0, f"  currency {old.currency} -> {new.currency}")
    lines.append(f"  {unchanged} entr{'y' if unchanged == 1 else 'ies'} unchanged")
    return lines
