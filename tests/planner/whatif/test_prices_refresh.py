"""``python -m planner prices refresh`` and its fetchers, offline: the Alibaba Cloud SDK's clients replaced by ones
that answer through the SDK's own response models, boto3's clients under botocore's Stubber, both from the
responses in tests/data/prices/ (the APIs' documented shapes; the figures are made up for the tests, and every
expected number below is worked out by hand from those files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import boto3
import pytest
from alibabacloud_eci20180808 import models as eci
from alibabacloud_ecs20140526 import models as ecs
from botocore.stub import ANY, Stubber

from planner.cli import main as planner_main
from planner.whatif.prices import PACKAGE_DIR, InstancePrice, load_prices, read_prices
from planner.whatif.prices import alicloud, aws

from paths import DATA, ROOT

NOW = datetime(2026, 12, 4, 17, 30, tzinfo=timezone.utc)
RECORDED = DATA / "prices"


class AlibabaClients:
    """The ECS and ECI clients' methods the fetcher calls, answering from tests/data/prices/alicloud/<Action>.json
    through the SDK's ``from_map``; ``sent`` keeps each request as the API receives it (``to_map``)."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.recorded = {path.stem: json.loads(path.read_text()) for path in (RECORDED / "alicloud").glob("*.json")}

    def _answer(self, action, request, key, response):
        self.sent.append((action, request.to_map()))
        return response().from_map(self.recorded[action][key])

    def describe_price(self, request):
        return self._answer("DescribePrice", request, request.instance_type, ecs.DescribePriceResponse)

    def describe_spot_price_history(self, request):
        return self._answer("DescribeSpotPriceHistory", request, f"{request.instance_type} {request.zone_id}",
                            ecs.DescribeSpotPriceHistoryResponse)

    def describe_container_group_price(self, request):
        return self._answer("DescribeContainerGroupPrice", request,
                            f"{request.cpu:g} {request.memory:g} {request.spot_strategy or 'NoSpot'}",
                            eci.DescribeContainerGroupPriceResponse)


def refresh(argv, clients=None):
    from planner.whatif.prices.refresh import main
    return main(["refresh", *argv], clients)


DEV_TYPES = ["ecs.g6.xlarge", "ecs.g7.xlarge", "ecs.gn6i-c4g1.xlarge", "ecs.gn7i-c8g1.2xlarge"]
DEV_ZONES = ["cn-beijing-h", "cn-beijing-i"]


def test_alicloud_sends_the_documented_requests():
    clients = AlibabaClients()
    alicloud.fetch("cn-beijing", DEV_ZONES, ["ecs.g7.xlarge"], {"ecs": clients, "eci": clients}, NOW)
    assert clients.sent == [
        ("DescribePrice", {"InstanceType": "ecs.g7.xlarge", "PriceUnit": "Hour", "RegionId": "cn-beijing",
                           "ResourceType": "instance", "DataDisk": [], "RecurrenceRules": []}),
        *[("DescribeSpotPriceHistory", {"EndTime": "2026-12-04T17:30:00Z", "InstanceType": "ecs.g7.xlarge",
                                        "NetworkType": "vpc", "OSType": "linux", "RegionId": "cn-beijing",
                                        "StartTime": "2026-12-04T14:30:00Z", "ZoneId": zone}) for zone in DEV_ZONES],
        ("DescribeContainerGroupPrice", {"Cpu": 2.0, "Memory": 4.0, "RegionId": "cn-beijing"}),
        ("DescribeContainerGroupPrice", {"Cpu": 4.0, "Memory": 4.0, "RegionId": "cn-beijing"}),
        ("DescribeContainerGroupPrice", {"Cpu": 2.0, "Memory": 4.0, "RegionId": "cn-beijing",
                                         "SpotStrategy": "SpotAsPriceGo"}),
    ]


def test_alicloud_reads_the_instance_price_and_the_highest_latest_spot_price():
    clients = AlibabaClients()
    fetched = alicloud.fetch("cn-beijing", DEV_ZONES, DEV_TYPES, {"ecs": clients, "eci": clients}, NOW)
    assert fetched.currency == "CNY"
    # DescribePrice: the instanceType detail, without the system disk's 0.0473 of the total. Spot: each zone's
    # latest row, the highest of the two zones (ecs.g7.xlarge: h 0.229 at 17:00, i 0.24 at 17:00 and not its
    # older 0.251); ecs.gn6i-c4g1.xlarge has no row in cn-beijing-i.
    assert fetched.instances == {
        "ecs.g6.xlarge": InstancePrice(0.984, 0.198, False),
        "ecs.g7.xlarge": InstancePrice(1.104, 0.24, False),
        "ecs.gn6i-c4g1.xlarge": InstancePrice(7.38, 1.48, False),
        "ecs.gn7i-c8g1.2xlarge": InstancePrice(9.836, 3.12, False),
    }
    assert fetched.notes == ["ecs.gn6i-c4g1.xlarge: no spot price in cn-beijing-i; the highest of cn-beijing-h is used"]
    # ECI, per second: 2 vCPU 4 GiB 0.00012252, 4 vCPU 4 GiB 0.00022052, so 0.000049 per vCPU-second (0.1764 an
    # hour) and 0.00000613 per GiB-second (0.022068 an hour); spot: 0.0858 / 0.39 in cn-beijing-i over
    # 0.072 / 0.39 in cn-beijing-h (cn-beijing-k's 0.3 is not a zone of the stack).
    serverless = fetched.serverless
    assert (serverless.vcpu_hour, serverless.memory_gib_hour, serverless.spot_factor) == (0.1764, 0.022068, 0.22)
    assert serverless.source.startswith("Alibaba Cloud ECI DescribeContainerGroupPrice, read 2026-12-04: ")


def test_alicloud_prices_without_spot_in_the_zones_keep_the_serverless_figures():
    clients = AlibabaClients()
    fetched = alicloud.fetch("cn-beijing", ["cn-beijing-a"], [], {"ecs": clients, "eci": clients}, NOW)
    assert fetched.serverless is None
    assert fetched.notes == ["ECI: no spot price in cn-beijing-a; the serverless figures are not refreshed"]


def _stubbed(service: str, region: str):
    client = boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    return client, Stubber(client)


def _filters(**attributes):
    return [{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in attributes.items()]


def _aws_clients(instance_types, zones, now=NOW):
    """Stubbed pricing and ec2 clients expecting, in order, the requests of a fetch of ``instance_types`` at
    ``now`` (``ANY``: the command's own clock)."""
    recorded = {path.stem: json.loads(path.read_text()) for path in (RECORDED / "aws").glob("*.json")}
    pricing, pricing_stub = _stubbed("pricing", "us-east-1")
    ec2, ec2_stub = _stubbed("ec2", "us-east-1")
    for name in instance_types:
        for page in recorded["GetProducts.AmazonEC2"][name]:
            pricing_stub.add_response("get_products", page, {
                "ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1",
                "Filters": _filters(instanceType=name, regionCode="us-east-1", operatingSystem="Linux",
                                    tenancy="Shared", preInstalledSw="NA", capacitystatus="Used")})
        for zone in zones:
            history = recorded["DescribeSpotPriceHistory"][f"{name} {zone}"]
            rows = [{**row, "Timestamp": datetime.fromisoformat(row["Timestamp"])} for row in history["SpotPriceHistory"]]
            ec2_stub.add_response("describe_spot_price_history", {**history, "SpotPriceHistory": rows}, {
                "InstanceTypes": [name], "ProductDescriptions": ["Linux/UNIX"], "StartTime": now, "EndTime": now,
                "AvailabilityZone": zone})
    pages = recorded["GetProducts.AmazonECS"]
    for page, token in zip(pages, [None, pages[0]["NextToken"]]):
        pricing_stub.add_response("get_products", page, {
            "ServiceCode": "AmazonECS", "FormatVersion": "aws_v1", "Filters": _filters(regionCode="us-east-1"),
            **({"NextToken": token} if token else {})})
    pricing_stub.activate()
    ec2_stub.activate()
    return {"pricing": pricing, "ec2": ec2}, (pricing_stub, ec2_stub)


AWS_TYPES = ["g4dn.xlarge", "g5.xlarge", "g6.xlarge", "m5.large", "m6i.large"]
AWS_ZONES = ["us-east-1a", "us-east-1b"]


def test_aws_reads_on_demand_spot_and_fargate_prices():
    clients, stubs = _aws_clients(AWS_TYPES, AWS_ZONES)
    fetched = aws.fetch("us-east-1", AWS_ZONES, AWS_TYPES, clients, NOW)
    for stub in stubs:
        stub.assert_no_pending_responses()  # every request sent, with the parameters expected
    # On-demand: the OnDemand term (the Reserved one is 62 % of it). Spot: the highest zone; m6i.large's 0.0498
    # in us-east-1a is older than its 0.0441; g4dn.xlarge has no price in us-east-1b.
    assert fetched.currency == "USD"
    assert fetched.instances == {
        "g4dn.xlarge": InstancePrice(0.526, 0.2351, False),
        "g5.xlarge": InstancePrice(1.006, 0.4512, False),
        "g6.xlarge": InstancePrice(0.8048, 0.4027, False),
        "m5.large": InstancePrice(0.096, 0.0412, False),
        "m6i.large": InstancePrice(0.096, 0.0441, False),
    }
    assert fetched.notes == ["g4dn.xlarge: no spot price in us-east-1b; the highest of us-east-1a is used"]
    # Fargate from the second page too: x86 vCPU and GB, not the ARM, Windows, spot or storage usage types.
    serverless = fetched.serverless
    assert (serverless.vcpu_hour, serverless.memory_gib_hour, serverless.spot_factor) == (0.04048, 0.004445, 1.0)
    assert serverless.source.startswith("AWS Price List GetProducts (AmazonECS, us-east-1), read 2026-12-04: ")


def test_refresh_of_a_committed_stack_writes_the_dated_table(tmp_path, capsys):
    table = tmp_path / "alicloud.cn-beijing.yaml"
    table.write_bytes((PACKAGE_DIR / "alicloud.cn-beijing.yaml").read_bytes())
    clients = AlibabaClients()
    assert refresh(["--stack", "dev", "--out", str(table)], {"ecs": clients, "eci": clients}) == 0
    today = datetime.now(timezone.utc).date().isoformat()
    prices = load_prices("alicloud", "cn-beijing", tmp_path)
    assert prices.taken == today and prices.source == alicloud.SOURCE
    assert {name for name, p in prices.instances.items() if not p.placeholder} == set(DEV_TYPES)
    assert prices.instance("ecs.g7.xlarge") == InstancePrice(1.104, 0.24, False)
    assert not prices.serverless_placeholder and prices.serverless_vcpu_hour == 0.1764
    # The prod-only types were not read: still placeholders, and the citation says how many.
    assert prices.citation() == f"{table} (CNY, taken {today} from {alicloud.SOURCE}) — 3 of 8 entries are PLACEHOLDERS"
    out = capsys.readouterr().out
    assert f"Prices of stack 'dev' (alicloud cn-beijing; spot over cn-beijing-h, cn-beijing-i), {today}" in out
    assert "  ~ ecs.g7.xlarge: pay-as-you-go 1 -> 1.104, spot 0.2 -> 0.24 (was a placeholder)" in out
    assert "note: ecs.gn6i-c4g1.xlarge: no spot price in cn-beijing-i" in out
    assert f"written: {prices.citation()}" in out
    # A second refresh reads every real entry again (here the same), so none keeps an older date.
    clients.sent.clear()
    assert refresh(["--stack", "dev", "--out", str(table), "--dry-run"], {"ecs": clients, "eci": clients}) == 0
    assert sorted(r["InstanceType"] for action, r in clients.sent if action == "DescribePrice") == DEV_TYPES
    assert "  8 entries unchanged" in capsys.readouterr().out


def test_refresh_of_an_aws_stack_into_a_new_table(tmp_path, capsys):
    clients, _ = _aws_clients(AWS_TYPES, AWS_ZONES, ANY)
    out = tmp_path / "new.yaml"
    assert refresh(["--stack", "aws-dev", "--out", str(out)], clients) == 0
    prices = read_prices(out)
    assert (prices.cloud, prices.region, prices.currency) == ("aws", "us-east-1", "USD")
    assert sorted(prices.instances) == AWS_TYPES and prices.placeholder_count() == (0, 6)
    assert prices.instance("g5.xlarge") == InstancePrice(1.006, 0.4512, False)


def test_dry_run_writes_nothing(tmp_path, capsys):
    clients = AlibabaClients()
    out = tmp_path / "t.yaml"
    assert refresh(["--stack", "dev", "--out", str(out), "--dry-run"], {"ecs": clients, "eci": clients}) == 0
    assert not out.exists() and f"dry run: {out} not written" in capsys.readouterr().out


def test_refresh_refuses_an_existing_cluster_and_another_regions_table(capsys):
    assert refresh(["--stack", "local"]) == 2
    assert "stack 'local' runs on a cluster you already have" in capsys.readouterr().err
    assert refresh(["--stack", "dev", "--out", str(PACKAGE_DIR / "aws.us-east-1.yaml")]) == 2
    assert "aws.us-east-1.yaml is the table of aws us-east-1, not of stack 'dev' (alicloud cn-beijing)" in capsys.readouterr().err


@pytest.mark.parametrize("stack,variables", [
    ("dev", ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"]),
    ("aws-dev", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
])
def test_without_credentials_it_says_where_they_are_looked_for_and_exits_3(stack, variables, tmp_path):
    """The real default chains with nothing to find, and none of their instance-metadata look-ups (which would
    reach for a link-local address)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
           "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    run = subprocess.run([sys.executable, "-m", "planner", "prices", "refresh", "--stack", stack, "--dry-run"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 3 and run.stdout == ""
    assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith("error: ")
    assert "default credential chain found none" in run.stderr and all(v in run.stderr for v in variables)


def test_an_api_error_or_a_missing_sdk_is_one_line_and_exit_3(monkeypatch, tmp_path, capsys):
    from alibabacloud_tea_openapi.exceptions import ClientException

    class Refusing(AlibabaClients):
        def describe_price(self, request):
            raise ClientException(status_code=403, code="Forbidden.RAM", request_id="1F2E",
                                  message="code: 403, User not authorized to operate on the specified resource. "
                                          "request id: 1F2E")

    clients = Refusing()
    assert refresh(["--stack", "dev", "--out", str(tmp_path / "t.yaml")], {"ecs": clients, "eci": clients}) == 3
    assert capsys.readouterr().err == ("error: Alibaba Cloud API: Forbidden.RAM: code: 403, User not authorized to "
                                       "operate on the specified resource. request id: 1F2E\n")
    pricing, pricing_stub = _stubbed("pricing", "us-east-1")
    pricing_stub.add_client_error("get_products", "AccessDeniedException", "not authorized to perform: pricing:GetProducts")
    pricing_stub.activate()
    assert refresh(["--stack", "aws-dev", "--out", str(tmp_path / "t.yaml")],
                   {"pricing": pricing, "ec2": _stubbed("ec2", "us-east-1")[0]}) == 3
    assert capsys.readouterr().err == ("error: AWS API: GetProducts: AccessDeniedException: not authorized to perform: "
                                       "pricing:GetProducts\n")
    monkeypatch.setitem(sys.modules, "alibabacloud_ecs20140526", None)
    assert refresh(["--stack", "dev", "--dry-run"]) == 3
    assert capsys.readouterr().err == ("error: the Alibaba Cloud SDK is not installed (no module alibabacloud_ecs20140526): "
                                       "pip install -r requirements-dev.txt\n")


def test_the_credentials_sdks_own_log_of_a_failed_refresh_stays_out_of_the_one_line():
    """The credentials SDK logs each failed refresh with its traceback to stderr through a handler of its own (logger
    "credentials", set up when its module is imported); the fetcher's failure is still the only line. A fresh
    process, so that the SDK's handler writes to the real stderr."""
    code = ("import logging\n"
            "from alibabacloud_credentials.exceptions import CredentialException\n"
            "from planner.whatif.prices import FetchError, alicloud\n"
            "class Failing:\n"
            "    def describe_price(self, request):\n"
            "        logging.getLogger('credentials').warning('Refresh credentials failed', exc_info=RuntimeError('x'))\n"
            "        raise CredentialException('no credentials')\n"
            "try:\n"
            "    alicloud.fetch('cn-beijing', ['cn-beijing-h'], ['ecs.g7.xlarge'], {'ecs': Failing(), 'eci': Failing()})\n"
            "except FetchError as error:\n"
            "    print(error)\n"
            "assert not logging.getLogger('credentials').disabled\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.startswith("the Alibaba Cloud default credential chain found none")


def test_the_command_is_a_planner_subcommand(capsys):
    with pytest.raises(SystemExit) as exit:
        planner_main(["prices", "refresh", "--help"])
    assert exit.value.code == 0 and "--stack-file" in capsys.readouterr().out


def test_the_simulator_runs_without_the_sdks():
    """Only the fetchers import the SDKs, when called."""
    code = ("import contextlib, io, sys; from planner.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['whatif', '--stack', 'aws-dev', '--duration', '600']) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'Tea', 'darabonba') "
            "or m.startswith('alibabacloud')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout == "[]\n", run.stderr
