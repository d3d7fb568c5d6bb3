"""The integration buffer through the real facade, on SQLite and PostgreSQL (R2-R6, D2-D4)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from homecare.bootstrap import Homecare
from homecare.domain import Assignment
from homecare.errors import InvalidCursorError, InvalidLimitError
from homecare.outbox.cursor import parse_cursor
from homecare.outbox.messages import CustomerPauseMessage, VisitReportMessage
from homecare.outbox.store import IntegrationStatus
from tests.conftest import ACTOR
from tests.scenario import Scenario, forty_five, pnr


def drain(
    hc: Homecare, cursor: str | None = None, limit: int = 20
) -> tuple[list[int], list[Any], str | None]:
    """Fetch until an empty batch, as the city does (R3); returns batch sizes, items, cursor."""
    sizes, items = [], []
    while True:
        result = hc.buffer.fetch(after=cursor, limit=limit)
        cursor = result.cursor
        if not result.items:
            return sizes, items, cursor
        sizes.append(len(result.items))
        items.extend(result.items)


def test_r3_drain_of_45_items_comes_in_batches_of_20_20_5(hc: Homecare) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    for _ in range(45):
        world.visit(world.customer(), staff)
    hc.catch_up()
    sizes, items, _ = drain(hc)
    assert sizes == [20, 20, 5]
    assert len({i.message_id for i in items}) == 45
    assert [i.position for i in items] == sorted(i.position for i in items)


def test_r4_r5_r6_scenario_45_visits_3_without_sd_number(hc: Homecare) -> None:
    """The issue's acceptance scenario: 20, 20, 2; 3 held; fixed; exactly those 3; month empty."""
    world = Scenario(hc.app)
    no_sd, held_visits = forty_five(world)
    hc.catch_up()

    sizes, items, cursor = drain(hc)
    assert sizes == [20, 20, 2]
    assert not held_visits & {i.assignment_id for i in items if isinstance(i, VisitReportMessage)}

    month = hc.buffer.month(2026, 3)
    assert {v.assignment_id for v in month} == held_visits
    assert all(v.status == "held" and v.reasons == ["staff_missing_sd_number"] for v in month)
    problems = hc.buffer.problems()
    assert [p.reason for p in problems] == ["staff_missing_sd_number"]
    assert problems[0].text == "staff has no SD number"
    assert "SD number" in problems[0].hint

    hc.app.update_staff(no_sd, sd_number="SD9999", actor=ACTOR, at=world.tick())
    hc.catch_up()
    result = hc.buffer.fetch(after=cursor)
    assert {
        i.assignment_id for i in result.items if isinstance(i, VisitReportMessage)
    } == held_visits
    assert all(
        i.staff_sd_number == "SD9999" for i in result.items if isinstance(i, VisitReportMessage)
    )
    assert all(i.position > parse_cursor(cursor).position for i in result.items)
    assert hc.buffer.fetch(after=result.cursor).items == []
    assert hc.buffer.month(2026, 3) == []


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("no_pnr", "staff_missing_personnummer"),
        ("no_sd", "staff_missing_sd_number"),
        ("no_decision", "no_valid_decision"),
        ("not_granted", "activity_not_granted"),
        ("decision_expired", "no_valid_decision"),
    ],
)
def test_r5_each_cause_holds_the_item_with_its_reason(
    hc: Homecare, setup: str, reason: str
) -> None:
    world = Scenario(hc.app)
    staff = world.staff(personnummer=setup != "no_pnr", sd_number=setup != "no_sd")
    customer = world.customer(decision=setup not in {"no_decision", "decision_expired"})
    if setup == "decision_expired":
        hc.app.register_decision(
            customer.id,
            valid_from=date(2025, 1, 1),
            valid_to=date(2026, 3, 1),
            activities=["shower"],
            actor=ACTOR,
            at=world.tick(),
        )
    activities = ("cleaning",) if setup == "not_granted" else ("shower",)
    if setup == "not_granted":
        hc.app.place_order(customer.contract, activities=["cleaning"], actor=ACTOR, at=world.tick())
    visit = world.visit(customer, staff, activities=activities)
    hc.catch_up()
    assert hc.buffer.fetch().items == []
    status = hc.buffer.integration_status(visit)
    assert status.status is IntegrationStatus.HELD
    assert status.reasons == [reason]
    assert [p.reason for p in hc.buffer.problems()] == [reason]


def test_r6_registering_a_decision_releases_the_held_item(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customer = world.customer(decision=False)
    visit = world.visit(customer, world.staff())
    hc.catch_up()
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.HELD
    hc.app.register_decision(
        customer.id,
        valid_from=date(2026, 3, 1),
        valid_to=date(2026, 3, 31),
        activities=["shower"],
        actor=ACTOR,
        at=world.tick(),
    )
    hc.catch_up()
    assert [i.assignment_id for i in hc.buffer.fetch().items] == [visit]
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.QUEUED


def test_r6_corrected_and_confirmed_again_replaces_the_held_item(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customer = world.customer(activities=("shower",))
    hc.app.place_order(customer.contract, activities=["cleaning"], actor=ACTOR, at=world.tick())
    visit = world.visit(customer, world.staff(), activities=("cleaning",))
    hc.catch_up()
    assert hc.buffer.integration_status(visit).reasons == ["activity_not_granted"]

    assignment = hc.app.get(Assignment, visit)
    assert assignment.performed_start
    assert assignment.performed_end
    hc.app.correct_assignment(
        visit,
        start=assignment.performed_start,
        end=assignment.performed_end,
        activities=["shower"],
        actor=ACTOR,
        at=world.tick(),
    )
    hc.catch_up()
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.NOT_CONFIRMED
    assert hc.buffer.problems() == []
    hc.app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    hc.app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    hc.catch_up()
    items = hc.buffer.fetch().items
    assert len(items) == 1
    message = items[0]
    assert isinstance(message, VisitReportMessage)
    assert (message.assignment_id, message.revision, message.activities) == (visit, 2, ["shower"])


def test_d4_held_item_holds_back_its_customer_only(hc: Homecare) -> None:
    world = Scenario(hc.app)
    good, no_pnr = world.staff(), world.staff(personnummer=False)
    first, second = world.customer(), world.customer()
    held = world.visit(first, no_pnr)
    later_same_customer = world.visit(first, good, day=date(2026, 3, 3))
    other_customer = world.visit(second, good)
    hc.catch_up()

    result = hc.buffer.fetch()
    assert [i.assignment_id for i in result.items] == [other_customer]
    waiting = hc.buffer.integration_status(later_same_customer)
    assert waiting.status is IntegrationStatus.HELD
    assert waiting.reasons == ["waiting_for_earlier_item"]

    hc.app.update_staff(no_pnr, personnummer=pnr(999), actor=ACTOR, at=world.tick())
    hc.catch_up()
    after_fix = hc.buffer.fetch(after=result.cursor)
    assert [i.assignment_id for i in after_fix.items] == [held, later_same_customer]


def test_d3_older_cursor_gets_the_same_items_again_and_the_mark_never_moves_back(
    hc: Homecare,
) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    for _ in range(5):
        world.visit(world.customer(), staff)
    hc.catch_up()
    first = hc.buffer.fetch(limit=3)
    second = hc.buffer.fetch(after=first.cursor, limit=3)
    assert hc.buffer.delivered_position() == 3
    again = hc.buffer.fetch(after=first.cursor, limit=3)
    assert again == second
    hc.buffer.fetch(after=None)
    assert hc.buffer.delivered_position() == 3
    hc.buffer.fetch(after="1")
    assert hc.buffer.delivered_position() == 3
    end = hc.buffer.fetch(after=second.cursor)
    assert end.items == []
    assert end.cursor == second.cursor
    assert hc.buffer.delivered_position() == 5


@pytest.mark.parametrize("limit", [0, -1, 501, True])
def test_r3_limit_outside_1_to_500_is_a_clear_error(hc: Homecare, limit: int) -> None:
    with pytest.raises(InvalidLimitError, match="1 to 500"):
        hc.buffer.fetch(limit=limit)


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "", "9" * 30, "²", "٣"])
def test_d3_malformed_cursor_is_a_clear_error(hc: Homecare, cursor: str) -> None:
    with pytest.raises(InvalidCursorError, match="Malformed cursor"):
        hc.buffer.fetch(after=cursor)


def test_d3_unknown_cursor_beyond_the_end_is_a_clear_error(hc: Homecare) -> None:
    with pytest.raises(InvalidCursorError, match="Unknown cursor"):
        hc.buffer.fetch(after="7")


def test_r2_integration_status_follows_the_visit(hc: Homecare) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    visit = world.visit(world.customer(), staff, until="attested")
    hc.catch_up()
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.NOT_CONFIRMED
    hc.app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    hc.catch_up()
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.QUEUED
    result = hc.buffer.fetch()
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.QUEUED
    hc.buffer.fetch(after=result.cursor)
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.DELIVERED
    assert [s.assignment_id for s in hc.buffer.integration_statuses(status="delivered")] == [visit]


def test_r10_pause_messages_new_changed_cancelled(hc: Homecare) -> None:
    from datetime import datetime, timedelta

    from homecare.domain.citydays import STOCKHOLM

    world = Scenario(hc.app)
    customer = world.customer()
    start = datetime(2026, 3, 10, 14, 0, tzinfo=STOCKHOLM)
    pause = hc.app.create_pause(
        level="order",
        target_id=customer.order,
        notified_at=world.at,
        reason="hospital_stay",
        starts_at=start,
        ends_at=start + timedelta(days=2),
        actor=ACTOR,
        at=world.tick(),
    )
    hc.app.change_pause(pause, ends_at=start + timedelta(days=4), actor=ACTOR, at=world.tick())
    hc.app.cancel_pause(pause, actor=ACTOR, at=world.tick())
    hc.catch_up()
    items = hc.buffer.fetch().items
    assert all(isinstance(i, CustomerPauseMessage) for i in items)
    pauses = [i for i in items if isinstance(i, CustomerPauseMessage)]
    assert [(p.action, p.first_day, p.last_day) for p in pauses] == [
        ("new", date(2026, 3, 10), date(2026, 3, 12)),
        ("changed", date(2026, 3, 10), date(2026, 3, 14)),
        ("cancelled", date(2026, 3, 10), date(2026, 3, 14)),
    ]
    assert len({p.period_id for p in pauses}) == 1
    assert all(p.customer == customer.id and p.business_date == date(2026, 3, 10) for p in pauses)
