"""D5 on the command line: a time without an offset inside a DST switch is refused.

`buffer deadline --now 2026-03-29T02:30` (a time no Stockholm clock showed) was read
as 03:30+02:00, `2026-10-25T02:30` (shown twice) as the first pass, silently; the same
parser reads `assignments decline --when`, so a recorded business time could move an
hour without a word. Every option and argument read as a time goes through it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from homecare.bootstrap import connect
from homecare.domain.assignment import Assignment
from tests.cli.conftest import MARCH, Cli, assert_one_line_error
from tests.scenario import Scenario

GAP, TWICE = "2026-03-29T02:30", "2026-10-25T02:30"
CUSTOMER = "0f8fad5b-d9cb-469f-a165-70867728950e"
READERS = [
    ("buffer", "deadline", "--now", "{}"),
    ("pauses", "list", *MARCH, "--now", "{}"),
    ("pauses", "previous-month", "--now", "{}"),
    ("pauses", "reconcile", "--now", "{}"),
    ("audit", "as-of", "{}", "--customer", CUSTOMER),
    ("assignments", "decline", CUSTOMER, "--by", "Anna", "--actor", "karin", "--when", "{}"),
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_time_the_clocks_skipped_is_refused_naming_the_gap(
    sqlite_cli: Cli, args: tuple[str, ...]
) -> None:
    result = sqlite_cli(*(a.format(GAP) for a in args))
    assert_one_line_error(
        result,
        "invalid_input",
        "does not exist in Stockholm",
        "from 02:00 to 03:00",
        "2026-03-29T02:30:00+01:00",
    )


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_time_the_clocks_showed_twice_is_refused_without_an_offset(
    sqlite_cli: Cli, args: tuple[str, ...]
) -> None:
    result = sqlite_cli(*(a.format(TWICE) for a in args))
    assert_one_line_error(
        result,
        "invalid_input",
        "happens twice in Stockholm",
        "2026-10-25T02:30:00+02:00 (the first)",
        "2026-10-25T02:30:00+01:00 (the second)",
    )


def test_the_deadline_counts_from_the_instant_an_offset_names(sqlite_cli: Cli) -> None:
    first = sqlite_cli.json("buffer", "deadline", "--now", f"{TWICE}+02:00", "--json")
    second = sqlite_cli.json("buffer", "deadline", "--now", f"{TWICE}+01:00", "--json")
    assert first["seconds_left"] - second["seconds_left"] == 3600
    before = sqlite_cli.json("buffer", "deadline", "--now", "2026-03-29T01:59", "--json")
    after = sqlite_cli.json("buffer", "deadline", "--now", "2026-03-29T03:00", "--json")
    assert before["seconds_left"] - after["seconds_left"] == 60  # one minute apart


def test_a_decline_in_the_repeated_hour_is_recorded_only_as_meant(cli: Cli) -> None:
    with connect(cli.url) as hc:
        world = Scenario(hc.app)
        world.at = datetime(2026, 10, 26, tzinfo=UTC)
        visit = world.visit(world.customer(), world.staff(), day=date(2026, 10, 24))
    decline = ("assignments", "decline", str(visit), "--by", "Anna", "--actor", "karin")
    assert_one_line_error(cli(*decline, "--when", TWICE), "happens twice")
    with connect(cli.url) as hc:
        assert hc.app.get(Assignment, visit).declined_at is None
    cli.ok(*decline, "--when", f"{TWICE}+01:00")
    with connect(cli.url) as hc:
        assert hc.app.get(Assignment, visit).declined_at == datetime(
            2026, 10, 25, 1, 30, tzinfo=UTC
        )
