"""`homecare pauses list | previous-month` (R9, R12)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from homecare.bootstrap import connect
from tests.cli.conftest import MARCH, Cli, assert_one_line_error

AT_END_OF_DEMO = ("--now", "2026-03-27T12:00")


def test_list_json_is_the_overview(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    rows = cli.json("pauses", "list", *MARCH, "--inactive", "--json")
    with connect(cli.url) as hc:
        expected = hc.pauses.list(
            period_from=date(2026, 3, 1),
            period_to=date(2026, 3, 31),
            now=datetime.now(UTC),
            include_inactive=True,
        )
    assert [r["pause_id"] for r in rows] == [str(e.pause_id) for e in expected]
    assert {r["level"] for r in rows} == {"customer", "contract", "order"}
    assert {r["status"] for r in rows} == {"new", "changed", "cancelled"}


def test_list_filters(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    every = cli.json("pauses", "list", *MARCH, "--inactive", "--json")
    some = every[0]
    by_customer = cli.json(
        "pauses", "list", *MARCH, "--inactive", "--customer", some["customer_id"], "--json"
    )
    assert {r["customer_id"] for r in by_customer} == {some["customer_id"]}
    for option, field in (("--level", "level"), ("--status", "status")):
        chosen = cli.json("pauses", "list", *MARCH, "--inactive", option, some[field], "--json")
        assert chosen == [r for r in every if r[field] == some[field]]
    team = cli.json(
        "pauses", "list", *MARCH, "--inactive", "--organisation", some["organisation"], "--json"
    )
    assert team == [r for r in every if r["organisation"] == some["organisation"]]
    # R12: ended pauses are hidden unless asked for; at the demo's time some were ongoing.
    assert cli.json("pauses", "list", *MARCH, "--json") == []
    current = cli.json("pauses", "list", *MARCH, *AT_END_OF_DEMO, "--json")
    assert 0 < len(current) < len(every)


def test_list_table(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    out = cli.ok("pauses", "list", *MARCH, "--inactive").stdout
    assert "Pauses 2026-03-01 to 2026-03-31" in out
    assert "ended (inactive)" in out
    assert "2026-03-28 18:00" in out  # the DST pause, in Stockholm time


def test_previous_month(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    march = cli.json("pauses", "previous-month", "--today", "2026-04-15", "--inactive", "--json")
    assert march == cli.json("pauses", "list", *MARCH, "--inactive", "--json")
    out = cli.ok("pauses", "previous-month", "--today", "2026-04-15", "--inactive").stdout
    assert "Pauses 2026-03-01 to 2026-03-31" in out
    october = cli.json("pauses", "previous-month", "--today", "2026-11-02", "--inactive", "--json")
    assert [r["reason"] for r in october] == ["other"]  # the pause over the autumn DST switch


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("list", "--from", "2026-03-01", "--to", "2026-02-30"), "--to date"),
        (("list", "--from", "1 March", "--to", "2026-03-31"), "--from date"),
        (("list", *MARCH, "--level", "planet"), "Unknown level"),
        (("list", *MARCH, "--status", "lost"), "Unknown status"),
        (("list", *MARCH, "--customer", "nobody"), "Malformed customer id"),
        (("list", "--from", "2026-03-31", "--to", "2026-03-01"), "before it starts"),
        (("list", *MARCH, "--now", "soon"), "--now time"),
        (("previous-month", "--today", "2026-13-01"), "--today date"),
    ],
)
def test_pauses_bad_input(
    demo_db: tuple[Cli, dict[str, Any]], args: tuple[str, ...], fragment: str
) -> None:
    cli, _ = demo_db
    assert_one_line_error(cli("pauses", *args), fragment)


def test_missing_period_is_a_usage_error(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    result = cli("pauses", "list", "--from", "2026-03-01")
    assert_one_line_error(result, "invalid_input: Missing option '--to'")
