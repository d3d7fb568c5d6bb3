"""R8 lifecycle, R11/D5 effective periods, R13 never deleted, R10 whole days (DST included).

Through the facade on both stores: each pause is re-loaded from the store
before it is checked, so the event round trip (times with offsets) is covered.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from homecare.bootstrap import Homecare
from homecare.domain import Pause, PauseReason, PauseStatus
from homecare.domain.citydays import DayPeriod, city_periods, day_period
from homecare.errors import (
    InvalidInputError,
    InvalidPeriodError,
    PauseCancelledError,
    PauseUnchangedError,
)
from tests.conftest import ACTOR
from tests.scenario import Scenario, local

START = local(2026, 3, 10, 8)
END = local(2026, 3, 12, 8)


@pytest.fixture
def world(hc: Homecare) -> Scenario:
    return Scenario(hc.app)


def load(world: Scenario, pause_id: UUID) -> Pause:
    return world.app.get(Pause, pause_id)


# -- R8 --------------------------------------------------------------------------


def test_R8_new_then_changed_then_cancelled(world: Scenario) -> None:
    family = world.customer()
    notified = world.at
    pause_id = world.pause("order", family.order, START, END, reason="own_request")
    pause = load(world, pause_id)
    assert pause.status is PauseStatus.NEW
    assert (pause.notified_at, pause.reason, pause.starts_at, pause.ends_at) == (
        notified,
        PauseReason.OWN_REQUEST,
        START,
        END,
    )
    world.app.change_pause(pause_id, ends_at=END + timedelta(days=1), actor=ACTOR, at=world.tick())
    assert load(world, pause_id).status is PauseStatus.CHANGED
    world.app.change_pause(
        pause_id, starts_at=START - timedelta(hours=2), actor=ACTOR, at=world.tick()
    )
    assert load(world, pause_id).status is PauseStatus.CHANGED
    world.app.cancel_pause(pause_id, actor=ACTOR, at=world.tick())
    assert load(world, pause_id).status is PauseStatus.CANCELLED


def test_R8_a_change_that_changes_nothing_is_rejected_and_stores_nothing(world: Scenario) -> None:
    family = world.customer()
    pause_id = world.pause("customer", family.id, START, END)
    with pytest.raises(PauseUnchangedError):
        world.app.change_pause(pause_id, ends_at=END, actor=ACTOR, at=world.tick())
    with pytest.raises(PauseUnchangedError):
        world.app.change_pause(pause_id, actor=ACTOR, at=world.tick())
    pause = load(world, pause_id)
    assert (pause.status, pause.version) == (PauseStatus.NEW, 1)


def test_R8_R13_a_cancelled_pause_cannot_be_changed_or_cancelled_again(world: Scenario) -> None:
    family = world.customer()
    pause_id = world.pause("contract", family.contract, START, END)
    world.app.cancel_pause(pause_id, actor=ACTOR, at=world.tick())
    with pytest.raises(PauseCancelledError):
        world.app.change_pause(
            pause_id, ends_at=END + timedelta(hours=1), actor=ACTOR, at=world.tick()
        )
    with pytest.raises(PauseCancelledError):
        world.app.cancel_pause(pause_id, actor=ACTOR, at=world.tick())
    assert load(world, pause_id).version == 2


def test_R8_an_end_not_after_the_start_is_an_invalid_period(world: Scenario) -> None:
    family = world.customer()
    for end in (START, START - timedelta(minutes=1)):
        with pytest.raises(InvalidPeriodError):
            world.pause("order", family.order, START, end)
    pause_id = world.pause("order", family.order, START, END)
    with pytest.raises(InvalidPeriodError):
        world.app.change_pause(pause_id, starts_at=END, actor=ACTOR, at=world.tick())
    assert load(world, pause_id).status is PauseStatus.NEW


def test_R8_reason_other_needs_a_text(world: Scenario) -> None:
    family = world.customer()
    for text in (None, "", "   "):
        with pytest.raises(InvalidInputError, match="other"):
            world.pause("order", family.order, START, END, reason="other", reason_text=text)
    pause_id = world.pause("order", family.order, START, END)
    with pytest.raises(InvalidInputError, match="other"):
        world.app.change_pause(pause_id, reason="other", actor=ACTOR, at=world.tick())
    world.app.change_pause(
        pause_id, reason="other", reason_text=" dog sitter ", actor=ACTOR, at=world.tick()
    )
    pause = load(world, pause_id)
    assert (pause.reason, pause.reason_text) == (PauseReason.OTHER, "dog sitter")
    with pytest.raises(InvalidInputError, match="reason"):
        world.pause("order", family.order, START, END, reason="holiday")


# -- R11, D5 -------------------------------------------------------------------------


def test_D5_a_pause_cancelled_before_it_started_has_no_effective_period(world: Scenario) -> None:
    family = world.customer()
    pause_id = world.pause("customer", family.id, START, END)
    world.app.cancel_pause(pause_id, actor=ACTOR, at=world.tick())
    assert world.at < START
    assert load(world, pause_id).effective_period is None


def test_D5_a_pause_cancelled_exactly_at_its_start_has_no_effective_period(world: Scenario) -> None:
    family = world.customer()
    start = world.at + timedelta(seconds=2)
    pause_id = world.pause("customer", family.id, start, None)
    world.app.cancel_pause(pause_id, actor=ACTOR, at=world.tick())
    assert world.at == start
    assert load(world, pause_id).effective_period is None


def test_D5_R11_a_pause_cancelled_while_ongoing_ends_at_the_cancel_time(world: Scenario) -> None:
    family = world.customer()
    start = world.at - timedelta(days=1)
    open_id = world.pause("customer", family.id, start, None)
    closed_id = world.pause("order", family.order, start, world.at + timedelta(days=3))
    world.app.cancel_pause(open_id, actor=ACTOR, at=world.tick())
    cancelled_open_at = world.at
    world.app.cancel_pause(closed_id, actor=ACTOR, at=world.tick())
    assert load(world, open_id).effective_period == (start, cancelled_open_at)
    assert load(world, closed_id).effective_period == (start, world.at)


def test_D5_R11_an_end_edited_before_the_cancel_wins(world: Scenario) -> None:
    """R11: times edited first (status Changed), then cancelled: the earlier end counts."""
    family = world.customer()
    start = world.at - timedelta(days=1)
    edited_end = world.at + timedelta(hours=1)
    pause_id = world.pause("contract", family.contract, start, None)
    world.app.change_pause(pause_id, ends_at=edited_end, actor=ACTOR, at=world.tick())
    world.tick(7200)  # the edited end has passed when the pause is cancelled
    world.app.cancel_pause(pause_id, actor=ACTOR, at=world.at)
    pause = load(world, pause_id)
    assert pause.status is PauseStatus.CANCELLED
    assert pause.effective_period == (start, edited_end)


# -- R13 ---------------------------------------------------------------------------


def test_R13_a_cancelled_pause_is_never_deleted(world: Scenario) -> None:
    family = world.customer()
    pause_id = world.pause("order", family.order, START, END)
    world.app.change_pause(
        pause_id, ends_at=END + timedelta(days=1), actor="editor", at=world.tick()
    )
    world.app.cancel_pause(pause_id, actor="canceller", at=world.tick())
    redo = world.pause("order", family.order, START, END)  # R13: redo = cancel + create new
    assert redo != pause_id
    events = list(world.app.events.get(pause_id))
    assert [type(e).__qualname__ for e in events] == [
        "Pause.Created",
        "Pause.Changed",
        "Pause.Cancelled",
    ]
    assert [e.actor for e in events] == [ACTOR, "editor", "canceller"]  # type: ignore[attr-defined]
    assert load(world, pause_id).status is PauseStatus.CANCELLED
    assert world.app.get(Pause, pause_id, version=1).status is PauseStatus.NEW
    assert world.app.get(Pause, pause_id, version=2).status is PauseStatus.CHANGED
    order_pauses = {p.id for p in world.app.pauses_of_order(family.order)}
    assert order_pauses == {pause_id, redo}


# -- R10, D5: whole Stockholm days ---------------------------------------------------


def effective(world: Scenario, *pause_ids: UUID) -> list[tuple[datetime, datetime | None]]:
    periods = [load(world, p).effective_period for p in pause_ids]
    return [p for p in periods if p is not None]


def test_R10_contract_and_order_pauses_are_whole_days_of_the_customer(world: Scenario) -> None:
    family = world.customer()
    on_contract = world.pause(
        "contract", family.contract, local(2026, 3, 10, 22, 30), local(2026, 3, 12)
    )
    on_order = world.pause("order", family.order, local(2026, 3, 20, 8), local(2026, 3, 20, 9))
    assert city_periods(effective(world, on_contract)) == (
        DayPeriod(date(2026, 3, 10), date(2026, 3, 11)),
    )
    assert city_periods(effective(world, on_order)) == (
        DayPeriod(date(2026, 3, 20), date(2026, 3, 20)),
    )
    assert city_periods(effective(world, on_contract, on_order)) == (
        DayPeriod(date(2026, 3, 10), date(2026, 3, 11)),
        DayPeriod(date(2026, 3, 20), date(2026, 3, 20)),
    )
    # An order pause on the next day joins the contract's: one unbroken customer pause.
    joined = world.pause("order", family.order, local(2026, 3, 12, 7), local(2026, 3, 12, 8))
    assert city_periods(effective(world, on_contract, on_order, joined)) == (
        DayPeriod(date(2026, 3, 10), date(2026, 3, 12)),
        DayPeriod(date(2026, 3, 20), date(2026, 3, 20)),
    )


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        # Spring forward (2026-03-29 02:00 -> 03:00): 02:30 does not exist on the wall;
        # zoneinfo reads it with the winter offset, i.e. 03:30 summer time.
        pytest.param(
            local(2026, 3, 28, 22, 30),
            local(2026, 3, 29, 2, 30),
            DayPeriod(date(2026, 3, 28), date(2026, 3, 29)),
            id="spring-over-midnight",
        ),
        pytest.param(
            local(2026, 3, 28, 22, 30),
            local(2026, 3, 29),
            DayPeriod(date(2026, 3, 28), date(2026, 3, 28)),
            id="spring-ends-at-midnight",
        ),
        pytest.param(
            local(2026, 3, 29),
            local(2026, 3, 29) + timedelta(hours=23),
            DayPeriod(date(2026, 3, 29), date(2026, 3, 29)),
            id="spring-23-hour-day",
        ),
        # Fall back (2026-10-25 03:00 -> 02:00): the 25-hour day.
        pytest.param(
            local(2026, 10, 24, 23),
            local(2026, 10, 25, 23, 30),
            DayPeriod(date(2026, 10, 24), date(2026, 10, 25)),
            id="autumn-over-midnight",
        ),
        pytest.param(
            local(2026, 10, 25),
            local(2026, 10, 25) + timedelta(hours=24),
            DayPeriod(date(2026, 10, 25), date(2026, 10, 25)),
            id="autumn-24h-inside-25h-day",
        ),
        pytest.param(
            local(2026, 10, 25),
            local(2026, 10, 26),
            DayPeriod(date(2026, 10, 25), date(2026, 10, 25)),
            id="autumn-whole-day",
        ),
        pytest.param(
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 23, 1, tzinfo=UTC),
            DayPeriod(date(2026, 10, 25), date(2026, 10, 26)),
            id="autumn-given-in-utc",
        ),
    ],
)
def test_D5_R10_pauses_over_a_dst_switch_map_to_stockholm_days(
    world: Scenario, start: datetime, end: datetime, days: DayPeriod
) -> None:
    family = world.customer()
    pause_id = world.pause("order", family.order, start, end)
    stored = load(world, pause_id)
    # The same instants. Compared in UTC: Python makes a wall time that falls in a DST gap
    # or fold compare unequal to every time of another zone (PEP 495), even the same instant.
    assert stored.starts_at.astimezone(UTC) == start.astimezone(UTC)
    assert stored.ends_at is not None
    assert stored.ends_at.astimezone(UTC) == end.astimezone(UTC)
    assert city_periods(effective(world, pause_id)) == (days,)
    assert day_period(start, end) == days


def test_D5_R10_a_pause_cancelled_during_the_autumn_night_keeps_its_first_day(
    world: Scenario,
) -> None:
    """R11: the final fields count; cancelled at 02:30 of the second (winter) pass."""
    family = world.customer()
    world.at = datetime(2026, 10, 24, 12, tzinfo=UTC)
    pause_id = world.pause("customer", family.id, local(2026, 10, 24, 23), None)
    world.app.cancel_pause(
        pause_id, actor=ACTOR, at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    )  # 02:30 CET
    assert city_periods(effective(world, pause_id)) == (
        DayPeriod(date(2026, 10, 24), date(2026, 10, 25)),
    )
