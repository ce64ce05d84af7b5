"""The price tables' model (planner/whatif/prices/): placeholders counted and cited, the writer deterministic, a
refresh that would leave an entry with an older date or another currency refused, spot over zones."""

from __future__ import annotations

import dataclasses

import pytest

from planner.whatif.prices import (PACKAGE_DIR, CurrencyMismatch, Fetched, InstancePrice, Serverless, changes,
                                   empty_table, highest_spot, load_prices, read_prices, refreshed, write_prices)


def test_committed_tables_count_their_placeholders_and_cite_them():
    alicloud = load_prices("alicloud", "cn-beijing")
    # Seven ECS types and the ECI figures, every one a placeholder.
    assert alicloud.placeholder_count() == (8, 8) and alicloud.placeholder
    assert alicloud.citation() == ("planner/whatif/prices/alicloud.cn-beijing.yaml (CNY, no date, source placeholder) "
                                   "— 8 of 8 entries are PLACEHOLDERS")
    aws = load_prices("aws", "us-east-1")
    # Five EC2 types and the Fargate figures (a third-party quote, not read from the Price List API).
    assert aws.placeholder_count() == (6, 6)
    assert aws.citation().endswith("— 6 of 6 entries are PLACEHOLDERS")


def test_the_citation_of_a_refreshed_table_gives_its_date_and_source(tmp_path):
    base = load_prices("alicloud", "cn-beijing")
    fetched = Fetched("CNY", {"ecs.g7.xlarge": InstancePrice(1.104, 0.24, True)})
    table = refreshed(base, fetched, "Alibaba Cloud ECS DescribePrice", "2026-12-04", tmp_path / "t.yaml")
    assert table.instance("ecs.g7.xlarge") == InstancePrice(1.104, 0.24, placeholder=False)
    assert table.citation() == (f"{tmp_path / 't.yaml'} (CNY, taken 2026-12-04 from Alibaba Cloud ECS DescribePrice) "
                                f"— 7 of 8 entries are PLACEHOLDERS")
    everything = Fetched("CNY", {name: InstancePrice(1.0, 0.2, False) for name in base.instances},
                         Serverless(0.1764, 0.022068, 0.22, "ECI DescribeContainerGroupPrice"))
    real = refreshed(base, everything, "ECS", "2026-12-04", tmp_path / "t.yaml")
    assert not real.placeholder and real.citation().endswith("(CNY, taken 2026-12-04 from ECS)")


@pytest.mark.parametrize("name", ["alicloud.cn-beijing.yaml", "aws.us-east-1.yaml"])
def test_write_then_read_gives_the_same_table_and_the_same_bytes(name, tmp_path):
    committed = PACKAGE_DIR / name
    table = read_prices(committed)
    write_prices(table, tmp_path / name)
    assert (tmp_path / name).read_bytes() == committed.read_bytes()
    again = read_prices(tmp_path / name)
    assert dataclasses.replace(again, path=committed) == table


def test_refresh_refuses_a_real_entry_it_did_not_read(tmp_path):
    base = refreshed(empty_table("aws", "us-east-1", "USD", tmp_path / "t.yaml"),
                     Fetched("USD", {"m5.large": InstancePrice(0.096, 0.04, False),
                                     "g5.xlarge": InstancePrice(1.006, 0.45, False)}), "EC2", "2026-11-01", tmp_path / "t.yaml")
    with pytest.raises(ValueError, match="^g5.xlarge: real entries of .* that were not refreshed"):
        refreshed(base, Fetched("USD", {"m5.large": InstancePrice(0.096, 0.041, False)}), "EC2", "2026-12-04", base.path)


def test_refresh_refuses_another_currency():
    base = load_prices("alicloud", "cn-beijing")
    with pytest.raises(CurrencyMismatch, match="the cloud quotes USD but .* is in CNY; give --out FILE for a USD table"):
        refreshed(base, Fetched("USD", {"ecs.g7.xlarge": InstancePrice(0.15, 0.03, False)}), "ECS", "2026-12-04", base.path)


def test_changes_name_each_entry_that_changed(tmp_path):
    base = load_prices("aws", "us-east-1")
    table = refreshed(base, Fetched("USD", {"m5.large": InstancePrice(0.096, 0.0412, False),
                                            "c7i.large": InstancePrice(0.08925, 0.03, False)}), "EC2", "2026-12-04", base.path)
    assert changes(base, table) == ["  + c7i.large: pay-as-you-go 0.08925, spot 0.03 (new)",
                                    "  ~ m5.large: pay-as-you-go 0.096 -> 0.096, spot 0.0384 -> 0.0412 (was a placeholder)",
                                    "  5 entries unchanged"]


def test_spot_is_the_latest_price_of_each_zone_and_the_highest_over_zones():
    quotes = [("a", "2026-12-04T17:00:00Z", 0.229), ("b", "2026-12-04T16:00:00Z", 0.251),
              ("b", "2026-12-04T17:00:00Z", 0.24), ("c", "2026-12-04T17:00:00Z", 0.9), ("a", "2026-12-04T15:00:00Z", 0.5)]
    # b's 0.251 is older than its 0.24; c is not a zone of the stack.
    assert highest_spot("t", quotes, ["a", "b"], 1.0) == (0.24, [])
    assert highest_spot("t", quotes, [], 1.0) == (0.9, [])
    assert highest_spot("t", quotes, ["a", "d"], 1.0) == (0.229, ["t: no spot price in d; the highest of a is used"])
    assert highest_spot("t", [], ["a", "b"], 1.0) == (1.0, ["t: no spot price in a, b; spot set to the pay-as-you-go price"])
