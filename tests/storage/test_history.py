"""D6: any aggregate read as of an earlier version or time; D1: who and when on every event."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from homecare.application import VisitReport
from homecare.bootstrap import Homecare
from homecare.domain import Assignment, AssignmentStatus, Customer, Pause, PauseStatus
from homecare.errors import InvalidInputError, NotFoundError
from tests.scenario import ACTOR, HOUR, T0, pair

PLANNED_AT = T0 - timedelta(days=1)
PERFORMED_AT = T0 + HOUR
ATTESTED_AT = T0 + 2 * HOUR
CONFIRMED_AT = T0 + 3 * HOUR
EARLY = T0 - 3 * HOUR


def confirmed_visit(hc: Homecare) -> UUID:
    w = pair(hc.app)
    visit = hc.app.plan_assignment(
        order_id=w.order,
        staff_id=w.staff,
        planned_start=T0,
        planned_end=T0 + HOUR,
        shift_day=T0.date(),
        actor="planner",
        at=PLANNED_AT,
    )
    hc.app.record_performance(
        visit, start=T0, end=T0 + HOUR, activities=["shower"], actor="staff", at=PERFORMED_AT
    )
    hc.app.attest_assignments([visit], actor="lead", at=ATTESTED_AT)
    hc.app.confirm_assignment(visit, actor="lead", at=CONFIRMED_AT)
    return visit


def test_D6_an_assignment_read_at_each_earlier_version_shows_the_earlier_state(
    hc: Homecare,
) -> None:
    visit = confirmed_visit(hc)
    expected = [
        AssignmentStatus.PLANNED,
        AssignmentStatus.PERFORMED,
        AssignmentStatus.ATTESTED,
        AssignmentStatus.CONFIRMED,
    ]
    for version, status in enumerate(expected, start=1):
        earlier = hc.app.get(Assignment, visit, version=version)
        assert (earlier.version, earlier.status) == (version, status)
    first = hc.app.get(Assignment, visit, version=1)
    assert first.performed_period is None
    assert hc.app.get(Assignment, visit).status is AssignmentStatus.CONFIRMED


def test_D6_an_assignment_read_as_of_an_earlier_time_shows_the_state_then(hc: Homecare) -> None:
    visit = confirmed_visit(hc)
    app = hc.app
    assert app.get_as_of(Assignment, visit, PLANNED_AT - HOUR) is None
    cases = [
        (PLANNED_AT, AssignmentStatus.PLANNED),
        (PERFORMED_AT - timedelta(seconds=1), AssignmentStatus.PLANNED),
        (PERFORMED_AT, AssignmentStatus.PERFORMED),
        (ATTESTED_AT + timedelta(minutes=30), AssignmentStatus.ATTESTED),
        (CONFIRMED_AT, AssignmentStatus.CONFIRMED),
        (CONFIRMED_AT + timedelta(days=365), AssignmentStatus.CONFIRMED),
    ]
    for at, status in cases:
        then = app.get_as_of(Assignment, visit, at)
        assert then is not None
        assert then.status is status, at


def test_D6_as_of_works_in_any_time_zone(hc: Homecare) -> None:
    from zoneinfo import ZoneInfo

    visit = confirmed_visit(hc)
    stockholm = (ATTESTED_AT + timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Stockholm"))
    then = hc.app.get_as_of(Assignment, visit, stockholm)
    assert then is not None
    assert then.status is AssignmentStatus.ATTESTED


def test_D6_a_pause_read_at_an_earlier_version(hc: Homecare) -> None:
    w = pair(hc.app)
    pause = w.pause("customer", w.customer, T0 + timedelta(days=1), at=T0, reason="own_request")
    hc.app.change_pause(pause, ends_at=T0 + timedelta(days=2), actor=ACTOR, at=T0 + HOUR)
    hc.app.cancel_pause(pause, actor=ACTOR, at=T0 + 2 * HOUR)
    assert [hc.app.get(Pause, pause, version=v).status for v in (1, 2, 3)] == [
        PauseStatus.NEW,
        PauseStatus.CHANGED,
        PauseStatus.CANCELLED,
    ]
    assert hc.app.get(Pause, pause, version=1).ends_at is None


@pytest.mark.parametrize("version", [5, 99, 2**63 - 1, 2**63, 10**30])
def test_D6_a_version_beyond_the_last_is_refused_not_the_latest_state(
    hc: Homecare, version: int
) -> None:
    """A visit has 4 versions: `version=5` and beyond do not exist (the library gave the
    latest state for them); refused as version 0 is, the same on both stores (SQLite's
    driver cannot even bind an integer of 2**63 and more)."""
    visit = confirmed_visit(hc)
    entries = len(hc.access.entries())
    with pytest.raises(InvalidInputError, match="from 1 to 4") as caught:
        hc.app.get(Assignment, visit, version=version)
    assert caught.value.code == "invalid_input"
    with hc.app.reading(what="assignment") as read, pytest.raises(InvalidInputError):
        read.get(Assignment, visit, version=version)
    assert len(hc.access.entries()) == entries  # nothing shown, nothing recorded
    assert hc.app.get(Assignment, visit, version=4).status is AssignmentStatus.CONFIRMED
    for malformed in (0, -1):
        with pytest.raises(InvalidInputError, match="from 1"):
            hc.app.get(Assignment, visit, version=malformed)


def test_D6_as_of_with_a_naive_time_is_rejected(hc: Homecare) -> None:
    visit = confirmed_visit(hc)
    with pytest.raises(InvalidInputError, match="time zone"):
        hc.app.get_as_of(Assignment, visit, T0.replace(tzinfo=None))


def test_D6_as_of_of_an_unknown_or_wrong_type_id_is_NotFoundError(hc: Homecare) -> None:
    w = pair(hc.app)
    with pytest.raises(NotFoundError):
        hc.app.get_as_of(Assignment, uuid4(), T0)
    with pytest.raises(NotFoundError):
        hc.app.get_as_of(Assignment, w.customer, T0)
    assert hc.app.get_as_of(Customer, w.customer, T0) is not None


def test_D1_every_stored_event_carries_its_actor_and_the_time_passed_in(hc: Homecare) -> None:
    """A full flow with a distinct (actor, at) per command; read back from the store."""
    app = hc.app
    steps: list[str] = []

    def step() -> dict[str, object]:
        steps.append(f"user-{len(steps) + 1}")
        return {"actor": steps[-1], "at": T0 + timedelta(minutes=len(steps))}

    customer = app.register_customer(
        personnummer="19121212-1212", name="T", organisation="O", **step()
    )
    app.register_decision(
        customer, valid_from=T0.date(), valid_to=None, activities=["shower"], **step()
    )
    contract = app.open_contract(customer, **step())
    order = app.place_order(contract, activities=["shower"], **step())
    staff = app.register_staff(name="A", **step())
    app.update_staff(staff, personnummer="19811218-9876", sd_number="SD-1", **step())
    visit = app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=EARLY,
        planned_end=EARLY + HOUR,
        shift_day=T0.date(),
        **step(),
    )
    # Done before it is reported: the visit's end is not after the report's time.
    app.record_performance(visit, start=EARLY, end=EARLY + HOUR, activities=["shower"], **step())
    app.attest_assignments([visit], **step())
    app.confirm_assignment(visit, **step())
    app.correct_assignment(
        visit, start=EARLY, end=EARLY + 2 * HOUR, activities=["shower"], **step()
    )
    report = VisitReport(start=EARLY, end=EARLY + 2 * HOUR, activities=("shower", "shopping"))
    app.confirm_shift(staff, T0.date(), corrections={visit: report}, **step())
    for level, target in (("customer", customer), ("contract", contract), ("order", order)):
        pause = app.create_pause(
            level=level,
            target_id=target,
            notified_at=T0,
            reason="hospital_stay",
            starts_at=T0 + timedelta(days=2),
            **step(),
        )
    app.change_pause(pause, ends_at=T0 + timedelta(days=3), **step())
    app.cancel_pause(pause, **step())

    notifications = app.recorder.select_notifications(start=1, limit=1000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    seen_steps = set()
    for event in events:
        actor = getattr(event, "actor", None)
        assert actor in steps, f"{type(event).__qualname__} has no actor"
        number = int(actor.removeprefix("user-"))
        assert event.timestamp == T0 + timedelta(minutes=number), event
        seen_steps.add(number)
    assert seen_steps == set(range(1, len(steps) + 1)), "a command stored no event"
    assert [int(getattr(e, "actor", "-0").split("-")[1]) for e in events] == sorted(
        int(getattr(e, "actor", "-0").split("-")[1]) for e in events
    ), "events are not stored in command order"
