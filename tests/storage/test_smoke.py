from __future__ import annotations

from datetime import timedelta

from homecare.bootstrap import Homecare
from homecare.domain import Assignment, AssignmentStatus, Pause, PauseStatus
from tests.conftest import ACTOR, T0


def test_customer_pause_and_confirmed_visit_round_trip(hc: Homecare) -> None:
    app = hc.app
    customer = app.register_customer(
        personnummer="19121212-1212", name="Tolvan", organisation="Team Norr", actor=ACTOR, at=T0
    )
    contract = app.open_contract(customer, actor=ACTOR, at=T0)
    order = app.place_order(contract, activities=["shower"], actor=ACTOR, at=T0)
    staff = app.register_staff(name="Anna", sd_number="SD1", actor=ACTOR, at=T0)
    visit = app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=T0,
        planned_end=T0 + timedelta(hours=1),
        shift_day=T0.date(),
        actor=ACTOR,
        at=T0,
    )
    done = T0 + timedelta(hours=1)  # a visit is reported once it is done
    app.record_performance(visit, start=T0, end=done, activities=["shower"], actor=ACTOR, at=done)
    app.attest_assignments([visit], actor=ACTOR, at=done)
    app.confirm_assignment(visit, actor=ACTOR, at=done)
    pause = app.create_pause(
        level="customer",
        target_id=customer,
        notified_at=T0,
        reason="hospital_stay",
        starts_at=T0 + timedelta(days=1),
        actor=ACTOR,
        at=T0,
    )
    assert app.get(Assignment, visit).status is AssignmentStatus.CONFIRMED
    assert app.get(Assignment, visit, version=2).status is AssignmentStatus.PERFORMED
    assert app.get(Pause, pause).status is PauseStatus.NEW
    assert app.recorder.max_notification_id() == 12
