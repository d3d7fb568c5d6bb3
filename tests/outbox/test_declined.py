"""R15: a visit the customer declined goes to the city like a performed one, as `declined`."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from homecare.bootstrap import Homecare
from homecare.domain.assignment import Assignment, AssignmentStatus
from homecare.errors import (
    AssignmentInPauseError,
    AssignmentNotAttestedError,
    ConfirmationRejectedError,
    InvalidInputError,
)
from homecare.outbox.messages import VisitReportMessage
from homecare.outbox.store import IntegrationStatus
from tests.conftest import ACTOR, T0
from tests.scenario import Customer, Scenario

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 9, tzinfo=T0.tzinfo)


def _planned(world: Scenario, customer: Customer, staff: UUID) -> UUID:
    return world.app.plan_assignment(
        order_id=customer.order,
        staff_id=staff,
        planned_start=START,
        planned_end=START + timedelta(minutes=45),
        shift_day=DAY,
        actor=ACTOR,
        at=world.tick(),
    )


def test_r15_declined_end_to_end_held_for_sd_number_released_fetched_as_declined(
    hc: Homecare,
) -> None:
    world = Scenario(hc.app)
    staff = world.staff(sd_number=False)
    visit = _planned(world, world.customer(), staff)
    app = hc.app
    world.at = START + timedelta(hours=1)
    app.record_declined_visit(
        visit,
        declined_at=START - timedelta(minutes=5),
        declined_by="Staff 1",
        reason="not feeling well",
        actor=ACTOR,
        at=world.tick(),
    )
    with pytest.raises(AssignmentNotAttestedError):
        app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    app.confirm_assignments([visit], actor=ACTOR, at=world.tick())
    hc.catch_up()
    status = hc.buffer.integration_status(visit)
    assert (status.status, status.reasons) == (IntegrationStatus.HELD, ["staff_missing_sd_number"])
    assert hc.buffer.fetch().items == []
    app.update_staff(staff, sd_number="SD-77", actor=ACTOR, at=world.tick())
    hc.catch_up()
    (message,) = hc.buffer.fetch().items
    assert isinstance(message, VisitReportMessage)
    assert message.outcome == "declined"
    assert message.activities == []
    assert (message.performed_start, message.performed_end) == (
        START,
        START + timedelta(minutes=45),
    )
    assert message.staff_sd_number == "SD-77"
    assert message.business_date == DAY


def test_r15_corrections_work_both_ways(hc: Homecare) -> None:
    world = Scenario(hc.app)
    staff = world.staff()
    visit = world.visit(world.customer(), staff)  # performed and confirmed: revision 1
    app = hc.app
    world.at = START + timedelta(hours=1)
    app.record_declined_visit(
        visit, declined_at=START, declined_by="Staff 1", actor=ACTOR, at=world.tick()
    )
    hc.catch_up()
    assert hc.buffer.integration_status(visit).status is IntegrationStatus.NOT_CONFIRMED
    app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    app.correct_assignment(
        visit,
        start=START,
        end=START + timedelta(minutes=20),
        activities=["shower"],
        actor=ACTOR,
        at=world.tick(),
    )
    app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    hc.catch_up()
    reports = [m for m in hc.buffer.fetch().items if isinstance(m, VisitReportMessage)]
    assert [(m.revision, m.outcome, m.activities) for m in reports] == [
        (1, "performed", ["shower"]),
        (2, "declined", []),
        (3, "performed", ["shower"]),
    ]


def test_r15_a_performed_reports_payload_keeps_its_old_shape(hc: Homecare) -> None:
    world = Scenario(hc.app)
    world.visit(world.customer(), world.staff())
    hc.catch_up()
    (item,) = hc.buffer.fetch().items
    payload = json.loads(hc.buffer.format.render(item))
    assert "outcome" not in payload
    assert hc.buffer.format.parse_many([json.dumps(payload)]) == [item]
    assert item.outcome == "performed"  # type: ignore[union-attr]


def test_r15_domain_guards() -> None:
    visit = Assignment.plan(
        customer_id=uuid4(),
        order_id=uuid4(),
        staff_id=uuid4(),
        planned_start=START,
        planned_end=START + timedelta(hours=1),
        actor=ACTOR,
        at=T0,
    )
    with pytest.raises(InvalidInputError, match="declined_by"):
        visit.decline(declined_at=START, declined_by=" ", actor=ACTOR, at=START)
    with pytest.raises(InvalidInputError, match="time zone"):
        visit.decline(
            declined_at=START.replace(tzinfo=None), declined_by="Anna", actor=ACTOR, at=START
        )
    with pytest.raises(InvalidInputError, match="once it happened"):
        visit.decline(declined_at=START, declined_by="Anna", actor=ACTOR, at=START - timedelta(1))
    visit.decline(declined_at=START, declined_by=" Anna ", reason="  ", actor=ACTOR, at=START)
    assert (visit.status, visit.outcome) == (AssignmentStatus.DECLINED, "declined")
    assert (visit.declined_by, visit.decline_reason, visit.activities) == ("Anna", None, ())
    visit.attest(actor=ACTOR, at=START)
    assert visit.status is AssignmentStatus.ATTESTED


def test_r7_r15_a_declined_visit_inside_a_pause_is_not_confirmed(hc: Homecare) -> None:
    world = Scenario(hc.app)
    customer = world.customer()
    visit = _planned(world, customer, world.staff())
    world.pause("customer", customer.id, START - timedelta(days=1), START + timedelta(days=1))
    world.at = START + timedelta(hours=1)
    hc.app.record_declined_visit(
        visit, declined_at=START, declined_by="Staff 1", actor=ACTOR, at=world.tick()
    )
    hc.app.attest_assignments([visit], actor=ACTOR, at=world.tick())
    with pytest.raises(AssignmentInPauseError):
        hc.app.confirm_assignment(visit, actor=ACTOR, at=world.tick())
    with pytest.raises(ConfirmationRejectedError):
        hc.app.confirm_assignments([visit], actor=ACTOR, at=world.tick())
