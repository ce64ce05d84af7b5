"""AWS's prices, read with boto3: EC2 on-demand prices from the Price List API (``pricing`` ``GetProducts``), spot
prices from ``ec2`` ``DescribeSpotPriceHistory``, and Fargate's per vCPU-hour and GB-hour from the Price List.

Parameter names and response shapes are those of botocore 1.44.8's service models (``pricing/2017-10-15``
``GetProducts``, its paginator, ``Filter`` types; ``ec2/2016-11-15`` ``DescribeSpotPriceHistory``). Credentials
come from boto3's default chain (:data:`CREDENTIALS`), never from the stack's config.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Sequence

from . import Fetched, FetchError, InstancePrice, Serverless, highest_spot

SOURCE = "AWS Price List GetProducts (AmazonEC2, Linux, shared tenancy, on-demand) / EC2 DescribeSpotPriceHistory (Linux/UNIX)"
CREDENTIALS = ("boto3's default credential chain found none: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
               "(AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE for a profile in ~/.aws (aws configure, aws sso "
               "login), or run with an instance, task or IRSA role; read-only access: pricing:GetProducts, "
               "ec2:DescribeSpotPriceHistory")
PRICING_REGION = "us-east-1"
"""The Price List API answers in us-east-1 (also eu-central-1 and ap-south-1), for every region's prices."""
FARGATE_USAGE = {"vcpu": re.compile(r"^([A-Z0-9]+-)?Fargate-vCPU-Hours:perCPU$"),
                 "memory": re.compile(r"^([A-Z0-9]+-)?Fargate-GB-Hours$")}
"""Fargate's Linux/x86 usage types in the AmazonECS price list, behind the region's prefix (``USE1-``, ``USW2-``;
matched whether or not a region has one): not the ARM, Windows or spot ones (``...-Fargate-ARM-...``,
``...-SpotUsage:Fargate-...``)."""


def fetch(region: str, zones: Sequence[str], instance_types: Sequence[str], clients: dict | None = None,
          now: datetime | None = None) -> Fetched:
    """Prices of ``instance_types`` in ``region``, spot over ``zones``, and Fargate's figures, as of ``now`` (UTC).
    ``clients`` maps ``pricing`` and ``ec2`` to boto3 clients (tests pass them with botocore's Stubber); by default
    boto3's clients with the default credential chain."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError
    except ImportError as error:
        raise FetchError(f"boto3 is not installed (no module {error.name}): pip install -r requirements-dev.txt") from None
    now = now or datetime.now(timezone.utc)
    try:
        # Creating a client reads the profile (a missing one is an error) but no credentials yet.
        clients = clients or {"pricing": boto3.client("pricing", region_name=PRICING_REGION),
                              "ec2": boto3.client("ec2", region_name=region)}
        return _read(clients["pricing"], clients["ec2"], region, zones, instance_types, now)
    except (NoCredentialsError, PartialCredentialsError):
        raise FetchError(CREDENTIALS) from None
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise FetchError(f"AWS API: {error.operation_name}: {detail.get('Code')}: {detail.get('Message')}") from None
    except BotoCoreError as error:
        raise FetchError(f"AWS API: {' '.join(str(error).split())}") from None


def _read(pricing, ec2, region, zones, instance_types, now) -> Fetched:
    instances: dict[str, InstancePrice] = {}
    notes: list[str] = []
    for name in instance_types:
        products = _products(pricing, "AmazonEC2", instanceType=name, regionCode=region, operatingSystem="Linux",
                             tenancy="Shared", preInstalledSw="NA", capacitystatus="Used")
        prices = {price for product in products for price in _on_demand(product)}
        if len(prices) != 1:
            raise FetchError(f"AWS Price List: {len(prices)} on-demand prices for {name} in {region} "
                             f"({', '.join(map(str, sorted(prices))) or 'none'}); expected one")
        pay_as_you_go = prices.pop()
        quotes = []
        for zone in zones or [None]:
            request = {"InstanceTypes": [name], "ProductDescriptions": ["Linux/UNIX"], "StartTime": now, "EndTime": now}
            # A start time returns the price in effect then too (the API reference), so start = end = now is the
            # price of each zone now.
            for page in ec2.get_paginator("describe_spot_price_history").paginate(
                    **request, **({"AvailabilityZone": zone} if zone else {})):
                quotes += [(row["AvailabilityZone"], row["Timestamp"], float(row["SpotPrice"]))
                           for row in page["SpotPriceHistory"]]
        spot, spot_notes = highest_spot(name, quotes, zones, pay_as_you_go)
        instances[name] = InstancePrice(pay_as_you_go, spot, placeholder=False)
        notes += spot_notes
    return Fetched(currency="USD", instances=instances, serverless=_fargate(pricing, region, now), notes=notes)


def _fargate(pricing, region, now) -> Serverless:
    """Fargate's Linux/x86 on-demand price per vCPU-hour and per GB-hour (the GiB of the pod's memory). EKS pods on
    Fargate are billed at the same rates as ECS tasks (the AmazonECS price list holds them) and have no spot
    capacity, so the spot factor is 1."""
    found: dict[str, set[float]] = {key: set() for key in FARGATE_USAGE}
    for product in _products(pricing, "AmazonECS", regionCode=region):
        usage = product["product"]["attributes"].get("usagetype", "")
        for key, pattern in FARGATE_USAGE.items():
            if pattern.match(usage):
                found[key].update(_on_demand(product))
    if any(len(prices) != 1 for prices in found.values()):
        raise FetchError(f"AWS Price List: Fargate prices in {region}: {found}; expected one per vCPU-hour and GB-hour")
    vcpu, memory = found["vcpu"].pop(), found["memory"].pop()
    source = (f"AWS Price List GetProducts (AmazonECS, {region}), read {now.date().isoformat()}: Fargate Linux/x86 "
              f"on-demand per vCPU-hour and per GB-hour (the GiB of the pod's memory request). spotFactor 1: EKS pods "
              f"on Fargate have no spot capacity (Fargate Spot is ECS-only).")
    return Serverless(vcpu, memory, 1.0, source)


def _products(pricing, service: str, **attributes: str) -> list[dict]:
    """The Price List's products of ``service`` whose attributes match, each parsed (the API sends JSON strings)."""
    filters = [{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in attributes.items()]
    pages = pricing.get_paginator("get_products").paginate(ServiceCode=service, Filters=filters, FormatVersion="aws_v1")
    return [json.loads(item) for page in pages for item in page["PriceList"]]


def _on_demand(product: dict) -> list[float]:
    """A product's on-demand USD prices: one per hour for an EC2 type (unit ``Hrs``), per vCPU-hour or GB-hour for
    Fargate."""
    return [float(dimension["pricePerUnit"]["USD"])
            for term in product.get("terms", {}).get("OnDemand", {}).values()
            for dimension in term["priceDimensions"].values()]
