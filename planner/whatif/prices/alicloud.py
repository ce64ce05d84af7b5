"""Alibaba Cloud's prices, read with its official Python SDK: ECS pay-as-you-go (``DescribePrice``) and spot
(``DescribeSpotPriceHistory``) prices per instance type, and ECI's per vCPU and GiB (``DescribeContainerGroupPrice``).

Field names and response paths are those of the SDK's own models, read in ``alibabacloud_ecs20140526`` 7.11.8
(``models/_describe_price_request.py``, ``_describe_price_response_body.py``,
``_describe_spot_price_history_request.py``, ``_describe_spot_price_history_response_body.py``) and
``alibabacloud_eci20180808`` 2.1.0 (``models.py``, ``DescribeContainerGroupPriceRequest`` and its response), with
``alibabacloud_tea_openapi`` 0.4.6 and ``alibabacloud_credentials`` 1.0.12. Credentials come from the SDK's default
chain (:data:`CREDENTIALS`), never from the stack's config.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Sequence

from . import Fetched, FetchError, InstancePrice, Serverless, highest_spot

SOURCE = "Alibaba Cloud ECS DescribePrice (TradePrice of the instance type, per hour) / DescribeSpotPriceHistory"
CREDENTIALS = ("the Alibaba Cloud default credential chain found none: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET (ALIBABA_CLOUD_SECURITY_TOKEN for STS), or ALIBABA_CLOUD_ROLE_ARN, "
               "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE (RRSA), or a profile (aliyun configure, "
               "~/.alibabacloud/credentials), or run on an ECS instance with a RAM role; read-only access: "
               "ecs:DescribePrice, ecs:DescribeSpotPriceHistory, eci:DescribeContainerGroupPrice")
SPOT_WINDOW = timedelta(hours=3)
"""How far back the spot history is read: the API's own default window. A few rows per zone, one page."""
ECI_SPECS = ((2.0, 4.0), (4.0, 4.0))
"""Two ECI specifications (vCPU, GiB) that ECI offers and that differ in vCPU only: their prices give the price of
one vCPU and, with it, of one GiB."""


def fetch(region: str, zones: Sequence[str], instance_types: Sequence[str], clients: dict | None = None,
          now: datetime | None = None) -> Fetched:
    """Prices of ``instance_types`` in ``region``, spot over ``zones``, and ECI's figures, as of ``now`` (UTC).
    ``clients`` maps ``ecs`` and ``eci`` to SDK clients (tests pass fakes that answer with the SDK's response
    models); by default the SDK's clients of ``region`` with the default credential chain."""
    try:
        import alibabacloud_credentials.provider.refreshable  # noqa: F401 - it sets up its logger when imported
        from alibabacloud_credentials.exceptions import CredentialException
        from alibabacloud_ecs20140526 import models as ecs
        from alibabacloud_eci20180808 import models as eci
        # Every SDK error derives from it: the API's (darabonba's ResponseException) and the one that wraps a
        # failure before the request, such as no credentials (UnretryableException).
        from Tea.exceptions import TeaException
    except ImportError as error:
        raise FetchError(f"the Alibaba Cloud SDK is not installed (no module {error.name}): "
                         f"pip install -r requirements-dev.txt") from None
    now = now or datetime.now(timezone.utc)
    # The credentials SDK logs every failed refresh, traceback included, through a stderr handler of its own
    # (logger "credentials"); a failure is reported here, in one line.
    credentials_log = logging.getLogger("credentials")
    was_disabled, credentials_log.disabled = credentials_log.disabled, True
    try:
        clients = clients or _clients(region)
        return _read(ecs, eci, clients["ecs"], clients["eci"], region, zones, instance_types, now)
    except (TeaException, CredentialException) as error:
        raise _failure(error, CredentialException) from None
    finally:
        credentials_log.disabled = was_disabled


def _clients(region: str) -> dict:
    from alibabacloud_credentials.client import Client as Credentials
    from alibabacloud_eci20180808.client import Client as Eci
    from alibabacloud_ecs20140526.client import Client as Ecs
    from alibabacloud_tea_openapi.models import Config

    credential = Credentials()  # without a config: the default chain, resolved at the first request
    # The ECI SDK's endpoint rule gives the central eci.aliyuncs.com; the region's own endpoint is named instead.
    return {"ecs": Ecs(Config(credential=credential, region_id=region)),
            "eci": Eci(Config(credential=credential, region_id=region, endpoint=f"eci.{region}.aliyuncs.com"))}


def _failure(error: Exception, no_credentials: type) -> FetchError:
    cause = getattr(error, "inner_exception", None) or error
    if isinstance(cause, no_credentials):
        return FetchError(CREDENTIALS)
    message = getattr(cause, "message", None) or str(cause)
    code = getattr(cause, "code", None)
    return FetchError(f"Alibaba Cloud API: {code + ': ' if code else ''}{' '.join(str(message).split())}")


def _read(ecs, eci, ecs_client, eci_client, region, zones, instance_types, now) -> Fetched:
    currencies: set[str] = set()
    instances: dict[str, InstancePrice] = {}
    notes: list[str] = []
    for name in instance_types:
        price = ecs_client.describe_price(ecs.DescribePriceRequest(
            region_id=region, resource_type="instance", instance_type=name, price_unit="Hour")).body.price_info.price
        currencies.add(price.currency)
        # The total adds the default system disk; the table prices the instance-hour alone.
        details = price.detail_infos.detail_info if price.detail_infos else []
        pay_as_you_go = next((d.trade_price for d in details if d.resource == "instanceType"), None)
        if pay_as_you_go is None:
            raise FetchError(f"Alibaba Cloud API: DescribePrice of {name} has no instanceType detail")
        quotes = []
        for zone in zones or [None]:
            body = ecs_client.describe_spot_price_history(ecs.DescribeSpotPriceHistoryRequest(
                region_id=region, zone_id=zone, instance_type=name, network_type="vpc", ostype="linux",
                start_time=_iso(now - SPOT_WINDOW), end_time=_iso(now))).body
            if body.currency:
                currencies.add(body.currency)
            rows = body.spot_prices.spot_price_type if body.spot_prices else []
            quotes += [(row.zone_id, row.timestamp, row.spot_price) for row in rows]
        spot, spot_notes = highest_spot(name, quotes, zones, pay_as_you_go)
        instances[name] = InstancePrice(pay_as_you_go, spot, placeholder=False)
        notes += spot_notes
    serverless, serverless_currency, serverless_notes = _eci(eci, eci_client, region, zones, now)
    currencies.add(serverless_currency)
    if len(currencies) > 1:
        raise FetchError(f"Alibaba Cloud API: prices quoted in several currencies ({', '.join(sorted(currencies))})")
    return Fetched(currency=currencies.pop(), instances=instances, serverless=serverless, notes=notes + serverless_notes)


def _eci(eci, client, region, zones, now) -> tuple[Serverless | None, str, list[str]]:
    """ECI's price per vCPU-hour and GiB-hour, and the spot factor: ``Price`` is quoted per second (the API
    reference's example, 0.00012252 CNY for 2 vCPU and 4 GiB, is the billing page's 0.000049 per vCPU-second plus
    0.00000613 per GiB-second); ``SpotPrices`` per hour, per zone, of the ECS type a spot pod of that size runs on."""
    quoted = [client.describe_container_group_price(eci.DescribeContainerGroupPriceRequest(
        region_id=region, cpu=cpu, memory=memory)).body.price_info.price for cpu, memory in ECI_SPECS]
    (cpu_a, memory_a), (cpu_b, _) = ECI_SPECS
    vcpu_second = (quoted[1].trade_price - quoted[0].trade_price) / (cpu_b - cpu_a)
    gib_second = (quoted[0].trade_price - cpu_a * vcpu_second) / memory_a
    spot = client.describe_container_group_price(eci.DescribeContainerGroupPriceRequest(
        region_id=region, cpu=cpu_a, memory=memory_a, spot_strategy="SpotAsPriceGo")).body.price_info.spot_prices
    rows = spot.spot_price if spot else []
    ratios = [(row.zone_id, "", row.spot_price / row.origin_price) for row in rows
              if row.origin_price and (not zones or row.zone_id in zones)]
    if not ratios:
        return None, quoted[0].currency, [f"ECI: no spot price in {', '.join(zones) or 'any zone'}; the serverless "
                                          f"figures are not refreshed"]
    factor, notes = highest_spot(f"ECI {cpu_a:g} vCPU {memory_a:g} GiB", ratios, zones, 1.0)
    source = (f"Alibaba Cloud ECI DescribeContainerGroupPrice, read {now.date().isoformat()}: the TradePrice per second "
              f"of {cpu_a:g} and {cpu_b:g} vCPU with {memory_a:g} GiB, solved for one vCPU and one GiB, x 3600; "
              f"spotFactor: the highest spot / pay-as-you-go ratio of a {cpu_a:g} vCPU {memory_a:g} GiB spot pod's ECS "
              f"type over the stack's zones. Pods with eci-use-specs are billed at that ECS type's price (instances).")
    return (Serverless(round(vcpu_second * 3600, 6), round(gib_second * 3600, 6), round(factor, 4), source),
            quoted[0].currency, notes)


def _iso(moment: datetime) -> str:
    """The API's time format: ISO 8601 in UTC to the second (``yyyy-MM-ddTHH:mm:ssZ``)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
