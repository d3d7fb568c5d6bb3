"""`homecare buffer month | fetch | problems` (R2-R6, D3)."""

from __future__ import annotations

from typing import Any

import pytest

from homecare.bootstrap import connect
from homecare.outbox.cursor import parse_cursor
from tests.cli.conftest import SMALL, Cli, assert_one_line_error

ITEM_KEYS = {"message_id", "business_date", "status", "reasons"}


def test_month_names_the_previous_and_next_month(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    out = cli.ok("buffer", "month", "2026-03").stdout
    assert "Buffer 2026-03 (previous: 2026-02, next: 2026-04)" in out
    january = cli.ok("buffer", "month", "2026-01").stdout
    assert "previous: 2025-12, next: 2026-02" in january
    assert "Empty" in january


def test_month_json_lists_the_items_not_delivered(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    items = cli.json("buffer", "month", "2026-03", "--json")
    with connect(cli.url) as hc:
        expected = hc.buffer.month(2026, 3)
    assert [i["message_id"] for i in items] == [str(e.message_id) for e in expected]
    assert items
    for item in items:
        assert item.keys() >= ITEM_KEYS
        assert item["status"] in {"queued", "held"}
        assert item["business_date"].startswith("2026-03")
        assert item["reasons"]  # drained: what is left is held, with its reasons
    assert cli.json("buffer", "month", "2026-01", "--json") == []


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "march", "2026-03-01"])
def test_month_bad_input(demo_db: tuple[Cli, dict[str, Any]], month: str) -> None:
    cli, _ = demo_db
    assert_one_line_error(cli("buffer", "month", month), "month")


def test_problems_show_each_reason_with_its_fix(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, summary = demo_db
    out = cli.ok("buffer", "problems").stdout
    for reason in summary["held_by_reason"]:
        assert f"{reason}: " in out
    assert out.count("Fix: ") == len(summary["held_by_reason"])


def test_problems_json_groups_the_held_items_by_reason(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, summary = demo_db
    groups = cli.json("buffer", "problems", "--json")
    with connect(cli.url) as hc:
        expected = hc.buffer.problems()
    assert [g["reason"] for g in groups] == [g.reason for g in expected]
    held = {i["message_id"] for g in groups for i in g["items"]}
    assert len(held) == summary["held"]
    for group in groups:
        assert group.keys() == {"reason", "text", "hint", "items"}
        assert group["reason"] in summary["held_by_reason"]
        for item in group["items"]:
            assert item.keys() >= ITEM_KEYS
            assert item["status"] == "held"
            assert group["reason"] in item["reasons"]


def test_problems_on_an_empty_store(sqlite_cli: Cli) -> None:
    assert "No held items" in sqlite_cli.ok("buffer", "problems").stdout
    assert sqlite_cli.json("buffer", "problems", "--json") == []


def test_fetch_is_what_the_city_gets_and_acknowledges(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("demo", *SMALL, "--no-drain")
    first = sqlite_cli.json("buffer", "fetch", "--limit", "5")
    assert set(first) == {"items", "cursor"}
    assert len(first["items"]) == 5
    assert {"message_id", "kind", "customer", "business_date", "position"} <= first["items"][
        0
    ].keys()
    assert parse_cursor(first["cursor"]).position == first["items"][-1]["position"]
    with connect(sqlite_cli.url) as hc:
        assert hc.buffer.delivered_position() == 0  # a first fetch acknowledges nothing
    second = sqlite_cli.json("buffer", "fetch", "--after", first["cursor"], "--limit", "5")
    assert second["items"][0]["position"] == parse_cursor(first["cursor"]).position + 1
    with connect(sqlite_cli.url) as hc:
        assert (
            hc.buffer.delivered_position() == parse_cursor(first["cursor"]).position
        )  # the receipt of the first


def test_fetch_on_an_empty_buffer(sqlite_cli: Cli) -> None:
    assert sqlite_cli.json("buffer", "fetch") == {"items": [], "cursor": None}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--after", "abc"), "invalid_cursor"),
        (("--after", "-1"), "invalid_cursor"),
        (("--after", "99999999"), "Unknown cursor"),
        (("--limit", "0"), "invalid_limit"),
        (("--limit", "501"), "invalid_limit"),
    ],
)
def test_fetch_bad_input(
    demo_db: tuple[Cli, dict[str, Any]], args: tuple[str, ...], fragment: str
) -> None:
    cli, _ = demo_db
    assert_one_line_error(cli("buffer", "fetch", *args), fragment)
