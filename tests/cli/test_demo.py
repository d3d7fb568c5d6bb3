"""`homecare demo`: the summary's numbers are the buffer's own, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from homecare.bootstrap import Homecare, connect
from homecare.demo import DemoSummary, run_demo
from homecare.errors import InvalidInputError
from homecare.outbox.cursor import parse_cursor
from tests.cli.conftest import SMALL, Cli, assert_one_line_error


def _all_released(hc: Homecare) -> list[Any]:
    """Every item the buffer ever released, through the city's own fetch (no new acknowledgement
    after a drain: the mark is already at the end)."""
    items: list[Any] = []
    cursor = None
    while True:
        result = hc.buffer.fetch(after=cursor, limit=500)
        if not result.items:
            return items
        items += result.items
        cursor = result.cursor


def test_demo_summary_matches_the_buffer_and_verifies(cli: Cli) -> None:
    summary = DemoSummary.model_validate(cli.json("demo", *SMALL, "--json"))

    with connect(cli.url) as hc:
        released = _all_released(hc)
        problems = hc.buffer.problems()
        assert summary.delivered == len(released) > 0
        assert summary.cursor is not None
        assert parse_cursor(summary.cursor).position == hc.buffer.delivered_position()
        assert max(item.position for item in released) == hc.buffer.delivered_position()
        assert summary.held_by_reason == {g.reason: len(g.items) for g in problems}
        assert summary.held == len({i.message_id for g in problems for i in g.items}) > 0
        # R4: after the drain, only held items are left in the month views.
        assert {item.status.value for item in hc.buffer.month(2026, 3)} == {"held"}
    assert summary.polls == 3  # the first drains, the second after the fixes, the third is empty
    assert summary.fetches > summary.delivered // 20
    assert summary.skipped_in_pause > 0
    assert summary.confirmed + summary.skipped_in_pause == summary.visits
    assert summary.staff_fixed == 1
    assert summary.pauses == 6

    verified = cli.ok("audit", "verify")
    assert verified.stdout.startswith("identical")


def test_demo_is_deterministic_for_a_seed(tmp_path: Any) -> None:
    first = Cli(f"sqlite:///{tmp_path}/a.db").json("demo", *SMALL, "--seed", "7", "--json")
    second = Cli(f"sqlite:///{tmp_path}/b.db").json("demo", *SMALL, "--seed", "7", "--json")
    other = Cli(f"sqlite:///{tmp_path}/c.db").json("demo", *SMALL, "--seed", "8", "--json")
    # the cursor's history tag chains message ids, which come from random aggregate ids
    for summary in (first, second, other):
        summary["cursor"] = parse_cursor(summary["cursor"]).position
    assert first == second
    assert first != other


def test_no_drain_leaves_the_buffer_full(sqlite_cli: Cli) -> None:
    summary = sqlite_cli.json("demo", *SMALL, "--no-drain", "--json")
    assert (summary["drained"], summary["delivered"], summary["polls"]) == (False, 0, 0)
    fetched = sqlite_cli.json("buffer", "fetch", "--limit", "500")
    assert len(fetched["items"]) > 0


def test_demo_prints_a_summary_table(sqlite_cli: Cli) -> None:
    out = sqlite_cli.ok("demo", *SMALL).stdout
    for heading in ("Demo summary", "items delivered to the city", "Held by reason", "city polls"):
        assert heading in out


def test_demo_bad_input(sqlite_cli: Cli, tmp_path: Any) -> None:
    # click's usage error in the CLI's one error style (issue 17)
    assert_one_line_error(sqlite_cli("demo", "--customers", "0"), "invalid_input", "--customers")
    assert_one_line_error(
        Cli(f"sqlite:///{tmp_path}/missing/dir/x.db")("demo", *SMALL), "storage_error"
    )
    assert_one_line_error(Cli("mysql://someone@host/db")("demo"), "Unsupported database")


def test_demo_refuses_a_store_that_holds_events(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("demo", "--customers", "2", "--days", "1")
    assert_one_line_error(sqlite_cli("demo"), "needs an empty store")


def test_run_demo_rejects_sizes_out_of_range(hc: Homecare) -> None:
    with pytest.raises(InvalidInputError):
        run_demo(hc, customers=0)
    with pytest.raises(InvalidInputError):
        run_demo(hc, days=367)
