"""R9, R12, D6: the pause overview read model, on SQLite and PostgreSQL.

One scenario of nine pauses, three customers in two organisations, at every
level and status, and around the Stockholm month boundaries; each test asks
the overview one question and names the pauses it expects, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import delete

from homecare._sql.database import tracking
from homecare.bootstrap import Homecare, connect
from homecare.domain import PauseLevel, PauseReason, PauseStatus
from homecare.errors import InvalidInputError
from homecare.projections.pause_overview import (
    PauseOverview,
    PauseRow,
    TimeState,
    month_bounds,
    overview_customers,
    overview_pauses,
    previous_month,
)
from tests.conftest import ACTOR
from tests.scenario import Scenario, local

NOW = local(2026, 3, 15, 12)
MARCH = month_bounds(2026, 3)


@dataclass
class Overview:
    hc: Homecare
    ids: dict[str, UUID]
    world: Scenario

    def names(self, rows: list[PauseRow]) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[r.pause_id] for r in rows]

    def query(self, period: tuple[date, date] = MARCH, **filters: object) -> list[str]:
        filters.setdefault("now", NOW)
        rows = self.hc.pauses.list(period_from=period[0], period_to=period[1], **filters)  # type: ignore[arg-type]
        return self.names(rows)


@pytest.fixture
def scenario(hc: Homecare) -> Overview:
    """Nine pauses; the overview is caught up between commands so rows span several pages."""
    world = Scenario(hc.app)  # commands at 2026-03-02 08:00 UTC and on
    a, b, c = world.customer("Team Norr"), world.customer("Team Syd"), world.customer("Team Norr")
    app = world.app
    ids: dict[str, UUID] = {}
    # Ended on 03-05: inactive at NOW.
    ids["p1"] = world.pause("customer", a.id, local(2026, 3, 1, 8), local(2026, 3, 5, 8))
    # Ongoing at NOW, open-ended, reason changed by someone else.
    ids["p2"] = world.pause("contract", a.contract, local(2026, 3, 14), None)
    hc.catch_up()
    app.change_pause(
        ids["p2"], reason="other", reason_text="respite", actor="editor", at=world.tick()
    )
    # Upcoming at NOW.
    ids["p3"] = world.pause("order", b.order, local(2026, 3, 20, 8), local(2026, 3, 22, 8))
    # Cancelled before its start: no effective period, so ended (R12, D5).
    ids["p4"] = world.pause("customer", b.id, local(2026, 3, 10), local(2026, 3, 25))
    app.cancel_pause(ids["p4"], actor="canceller", at=world.tick())
    # Ends exactly at Stockholm midnight 03-01: February only.
    ids["p5"] = world.pause("order", c.order, local(2026, 2, 27, 22), local(2026, 3, 1))
    # Starts 03-31 23:30 Stockholm (21:30 UTC): in March and April.
    ids["p6"] = world.pause("customer", c.id, local(2026, 3, 31, 23, 30), local(2026, 4, 2))
    hc.catch_up()
    # Starts at Stockholm midnight 04-01 (still 03-31 in UTC): April only.
    ids["p7"] = world.pause("order", a.order, local(2026, 4, 1), local(2026, 4, 1, 6))
    # Ongoing when cancelled on 03-02: ends at the cancel time (D5).
    ids["p8"] = world.pause("contract", c.contract, local(2026, 3, 1, 12), None)
    app.cancel_pause(ids["p8"], actor="canceller", at=world.tick())
    # R12: an old open pause hidden by giving it an end date.
    ids["p9"] = world.pause("contract", b.contract, local(2026, 2, 15), None)
    hc.catch_up()
    app.change_pause(ids["p9"], ends_at=local(2026, 3, 10, 8), actor="editor", at=world.tick())
    hc.catch_up()
    return Overview(hc, ids, world)


def test_R9_R12_default_lists_only_active_pauses_of_the_period(scenario: Overview) -> None:
    assert scenario.query() == ["p2", "p3", "p6"]
    assert all(
        not r.inactive
        for r in scenario.hc.pauses.list(period_from=MARCH[0], period_to=MARCH[1], now=NOW)
    )


def test_R12_inactive_pauses_are_listed_on_request(scenario: Overview) -> None:
    assert scenario.query(include_inactive=True) == ["p9", "p1", "p8", "p4", "p2", "p3", "p6"]
    rows = scenario.hc.pauses.list(
        period_from=MARCH[0], period_to=MARCH[1], now=NOW, include_inactive=True
    )
    assert {scenario.names([r])[0]: r.inactive for r in rows} == {
        "p9": True,
        "p1": True,
        "p8": True,
        "p4": True,
        "p2": False,
        "p3": False,
        "p6": False,
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("upcoming", ["p3", "p6"]),
        ("ongoing", ["p2"]),
        ("ended", ["p9", "p1", "p8", "p4"]),
        (TimeState.ENDED, ["p9", "p1", "p8", "p4"]),
    ],
)
def test_R12_time_state_filter(scenario: Overview, state: str, expected: list[str]) -> None:
    assert scenario.query(time_state=state) == expected
    assert scenario.query(time_state=state, include_inactive=True) == expected


def test_R12_time_state_follows_now_at_the_exact_boundaries(scenario: Overview) -> None:
    start, end = local(2026, 3, 20, 8), local(2026, 3, 22, 8)
    assert "p3" in scenario.query(now=start, time_state="ongoing")
    assert "p3" in scenario.query(now=start - timedelta(microseconds=1), time_state="upcoming")
    assert "p3" in scenario.query(now=end - timedelta(microseconds=1), time_state="ongoing")
    assert "p3" not in scenario.query(now=end)
    assert "p3" in scenario.query(now=end, time_state="ended")


def test_R9_filter_by_customer(scenario: Overview) -> None:
    a = scenario.world.customers[0].id
    assert scenario.query(customer_id=a) == ["p2"]
    assert scenario.query(customer_id=a, include_inactive=True) == ["p1", "p2"]
    assert scenario.query((date(2026, 4, 1), date(2026, 4, 30)), customer_id=a) == ["p2", "p7"]


def test_R9_filter_by_organisation(scenario: Overview) -> None:
    assert scenario.query(organisation="Team Norr") == ["p2", "p6"]
    assert scenario.query(organisation="Team Norr", include_inactive=True) == [
        "p1",
        "p8",
        "p2",
        "p6",
    ]
    assert scenario.query(organisation="Team Syd", include_inactive=True) == ["p9", "p4", "p3"]
    assert scenario.query(organisation="Team Väst", include_inactive=True) == []


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("customer", ["p1", "p4", "p6"]),
        (PauseLevel.CONTRACT, ["p9", "p8", "p2"]),
        ("order", ["p3"]),
    ],
)
def test_R9_filter_by_level(scenario: Overview, level: str, expected: list[str]) -> None:
    assert scenario.query(level=level, include_inactive=True) == expected


@pytest.mark.parametrize(
    ("status", "inactive", "expected"),
    [
        ("new", False, ["p3", "p6"]),
        ("new", True, ["p1", "p3", "p6"]),
        (PauseStatus.CHANGED, True, ["p9", "p2"]),
        ("cancelled", False, []),
        ("cancelled", True, ["p8", "p4"]),
    ],
)
def test_R9_filter_by_status(
    scenario: Overview, status: str, inactive: bool, expected: list[str]
) -> None:
    assert scenario.query(status=status, include_inactive=inactive) == expected


def test_R9_filters_combine(scenario: Overview) -> None:
    assert scenario.query(
        organisation="Team Norr", level="contract", status="cancelled", time_state="ended"
    ) == ["p8"]
    assert scenario.query(organisation="Team Syd", level="order", time_state="ongoing") == []


def test_R9_period_is_stockholm_days_inclusive(scenario: Overview) -> None:
    """p5 ends at Stockholm midnight 03-01; p6 starts 23:30 on 03-31; p7 at midnight 04-01."""
    assert scenario.query(previous_month(date(2026, 3, 15)), include_inactive=True) == ["p9", "p5"]
    # p8 was cancelled, but its recorded period is open, so it shows (inactive) in April.
    assert scenario.query((date(2026, 4, 1), date(2026, 4, 30)), include_inactive=True) == [
        "p8",
        "p2",
        "p6",
        "p7",
    ]
    assert scenario.query((date(2026, 3, 31), date(2026, 3, 31))) == ["p2", "p6"]
    assert scenario.query((date(2026, 2, 28), date(2026, 3, 1)), include_inactive=True) == [
        "p9",
        "p5",
        "p1",
        "p8",
    ]
    assert scenario.query((date(2026, 1, 1), date(2026, 1, 31)), include_inactive=True) == []


def test_R9_rows_carry_every_field(scenario: Overview) -> None:
    rows = scenario.hc.pauses.list(
        period_from=MARCH[0], period_to=MARCH[1], now=NOW, include_inactive=True
    )
    by_name = dict(zip(scenario.names(rows), rows, strict=True))
    c = scenario.world.customers[2]
    p8 = by_name["p8"]
    assert p8 == PauseRow(
        pause_id=scenario.ids["p8"],
        customer_id=c.id,
        organisation="Team Norr",
        level=PauseLevel.CONTRACT,
        target_id=c.contract,
        status=PauseStatus.CANCELLED,
        reason=PauseReason.HOSPITAL_STAY,
        reason_text=None,
        notified_at=p8.notified_at,
        starts_at=local(2026, 3, 1, 12),
        ends_at=None,
        cancelled_at=p8.cancelled_at,
        effective_start=local(2026, 3, 1, 12),
        effective_end=p8.cancelled_at,
        time_state=TimeState.ENDED,
        inactive=True,
        created_by=ACTOR,
        changed_by="canceller",
        version=2,
    )
    assert p8.cancelled_at is not None
    assert p8.cancelled_at.date() == date(2026, 3, 2)
    assert p8.cancelled_at.tzinfo is not None
    p2 = by_name["p2"]
    assert (p2.status, p2.reason, p2.reason_text, p2.changed_by, p2.version) == (
        PauseStatus.CHANGED,
        PauseReason.OTHER,
        "respite",
        "editor",
        2,
    )
    assert (p2.effective_end, p2.time_state, p2.inactive) == (None, TimeState.ONGOING, False)
    p4 = by_name["p4"]
    assert (p4.effective_start, p4.effective_end, p4.time_state) == (None, None, TimeState.ENDED)
    with pytest.raises(Exception, match="frozen"):
        p4.status = PauseStatus.NEW  # type: ignore[misc]


def test_R9_the_overview_lags_until_caught_up(scenario: Overview) -> None:
    """Read models are projections (D2): a new pause shows after catch_up(), not before."""
    family = scenario.world.customers[0]
    late = scenario.world.pause("order", family.order, local(2026, 3, 16), None)
    assert late not in {r.pause_id for r in _march(scenario.hc.pauses)}
    scenario.hc.catch_up()
    assert late in {r.pause_id for r in _march(scenario.hc.pauses)}


def _march(overview: PauseOverview) -> list[PauseRow]:
    return overview.list(period_from=MARCH[0], period_to=MARCH[1], now=NOW)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"period_from": date(2026, 3, 2), "period_to": date(2026, 3, 1)}, "before it starts"),
        ({"level": "household"}, "Unknown level"),
        ({"status": "deleted"}, "Unknown status"),
        ({"time_state": "soon"}, "Unknown time_state"),
        ({"now": datetime(2026, 3, 15, 12)}, "time zone"),
        ({"period_from": datetime(2026, 3, 1, tzinfo=UTC)}, "calendar date"),
        ({"customer_id": "not-a-uuid"}, "UUID"),
    ],
)
def test_R9_bad_input_is_an_invalid_input_error(
    scenario: Overview, filters: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"period_from": MARCH[0], "period_to": MARCH[1], "now": NOW}
    with pytest.raises(InvalidInputError, match=message):
        scenario.hc.pauses.list(**(args | filters))  # type: ignore[arg-type]


def test_R9_the_whole_calendar_is_a_period(scenario: Overview) -> None:
    """Issue 11, item 6: 0001-01-01 and 9999-12-31 are days like others (no overflow, no
    storage_error): the window is bounded by the first and last instant there is."""
    march = {r.pause_id for r in _march(scenario.hc.pauses)}
    everything = scenario.hc.pauses.list(period_from=date.min, period_to=date.max, now=NOW)
    assert march <= {r.pause_id for r in everything}
    assert scenario.hc.pauses.list(period_from=date.min, period_to=date(1, 1, 2), now=NOW) == []
    last_day = scenario.hc.pauses.list(period_from=date.max, period_to=date.max, now=NOW)
    assert last_day
    assert all(r.ends_at is None for r in last_day)


def _forget_overview(hc: Homecare, *, position: bool) -> None:
    with hc.database.write_engine.begin() as conn:
        conn.execute(delete(overview_pauses))
        conn.execute(delete(overview_customers))
        if position:
            conn.execute(delete(tracking).where(tracking.c.projection == PauseOverview.name))


def test_D6_a_rebuild_from_the_whole_log_equals_the_live_overview(
    scenario: Overview, store_url: str
) -> None:
    """D6 through the runner: forget rows and position, catch up again in small pages."""
    live = scenario.hc.pauses.dump()
    assert len(live[overview_pauses.name]) == 9
    assert len(live[overview_customers.name]) == 3
    _forget_overview(scenario.hc, position=True)
    with connect(store_url) as fresh:
        runner = next(r for r in fresh.runners if r.name == PauseOverview.name)
        runner.page_size = 3  # many pages: changes land in later pages than their creations
        assert fresh.pauses.dump()[overview_pauses.name] == []
        fresh.catch_up()
        assert fresh.pauses.dump() == live
        assert runner.lag() == 0


def test_D6_a_fresh_overview_fed_every_event_of_the_log_equals_the_live_one(
    scenario: Overview,
) -> None:
    """D6 without the runner's topic filter: events it does not handle are ignored."""
    hc = scenario.hc
    live = hc.pauses.dump()
    _forget_overview(hc, position=False)
    notifications = hc.app.recorder.select_notifications(
        start=0, limit=100_000, inclusive_of_start=False
    )
    events = [(n.id, hc.app.mapper.to_domain_event(n)) for n in notifications]
    assert {type(e).__qualname__ for _, e in events} >= {"Contract.Opened", "Order.Placed"}
    with hc.database.write_engine.begin() as conn:
        PauseOverview(hc.database, hc.parts.sealer).process(conn, events)
    assert hc.pauses.dump() == live


def test_D6_the_overview_reads_only_the_events_it_handles() -> None:
    assert PauseOverview.topics == (
        "homecare.domain.culling:Culling.Recorded",
        "homecare.domain.customer:Customer.Registered",
        "homecare.domain.pause:Pause.Cancelled",
        "homecare.domain.pause:Pause.Changed",
        "homecare.domain.pause:Pause.Created",
    )


def test_month_helpers() -> None:
    """R9's month step, including year ends and leap years."""
    assert previous_month(date(2026, 3, 15)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert previous_month(date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert previous_month(date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert month_bounds(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(InvalidInputError, match="No such month"):
        month_bounds(2026, 13)
