"""D10, D11: every facade command, driven with arbitrary text and instants, on both stores.

Each input is either refused (invalid_input or one of its kinds, the D11 code
`time_went_backwards`, or a rule of the domain) with nothing written, or
accepted and carried through every projection: catch-up succeeds and the
buffer and the pause overview can be read. No raw library error escapes.

One store per test run, shared by the examples (a world built once: building
it per example would make the test too slow for CI); the command time that
is "good" moves forward with every accepted command.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from homecare.application import HomecareApplication, VisitReport
from homecare.bootstrap import Homecare
from homecare.domain.common import STOCKHOLM
from homecare.errors import HomecareError, InvalidInputError, RuleViolationError
from tests.domain.pnr import VALID, VALID_STAFF
from tests.scenario import ACTOR, T0, pair

ODD_CHARACTERS = "\x00\x01\x1b\x7f\x85\n\t\r \u00a0\u2028\u200b\ufeff\ud800\udfffaÖ😀"

TEXT: st.SearchStrategy[object] = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(exclude_categories=()), max_size=20),  # surrogates, controls
    st.text(st.sampled_from(ODD_CHARACTERS), max_size=8),
    st.builds(lambda n, c: c * n, st.integers(60, 2100), st.sampled_from(["a", "Ö", "😀", " "])),
    st.none(),
    st.integers(),
    st.booleans(),
    st.binary(max_size=4),
)
OFFSETS = st.builds(
    lambda m: timezone(timedelta(minutes=m)), st.integers(-23 * 60 - 59, 23 * 60 + 59)
)
ANY_INSTANT: st.SearchStrategy[object] = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.one_of(st.timezones(), OFFSETS),
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    st.datetimes(),  # naive
    st.dates(),
    st.none(),
    st.integers(),
    st.text(max_size=5),
)
ANY_DAY: st.SearchStrategy[object] = st.one_of(
    st.dates(), st.datetimes(timezones=st.just(UTC)), st.none(), st.booleans(), st.integers()
)
ACTIVITIES: st.SearchStrategy[object] = st.one_of(
    st.lists(TEXT, max_size=4), TEXT, st.frozensets(st.text(max_size=5), max_size=3)
)


@dataclass
class Door:
    hc: Homecare
    customer: UUID
    contract: UUID
    order: UUID
    staff: UUID
    planned: UUID  # for record_performance and record_declined_visit
    performed: UUID  # for correct_assignment and attest_assignments
    attested: UUID  # for confirm_assignment and confirm_assignments
    shift_staff: UUID  # a shift of one performed visit, for confirm_shift
    shift_visit: UUID
    pause: UUID
    clock: datetime
    subject: UUID | None = None  # a customer of its own for each example of record_culling

    def log_length(self) -> int:
        return self.hc.app.recorder.max_notification_id() or 0


def _visit(hc: Homecare, order: UUID, staff: UUID, stage: int) -> UUID:
    """A visit on T0's day: 0 planned, 1 performed, 2 attested."""
    start = T0 - timedelta(hours=2)
    visit = hc.app.plan_assignment(
        order_id=order,
        staff_id=staff,
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        shift_day=T0.date(),
        actor=ACTOR,
        at=T0 - timedelta(hours=3),
    )
    if stage >= 1:
        hc.app.record_performance(
            visit,
            start=start,
            end=start + timedelta(hours=1),
            activities=["shower"],
            actor=ACTOR,
            at=T0,
        )
    if stage >= 2:
        hc.app.attest_assignments([visit], actor=ACTOR, at=T0)
    return visit


@pytest.fixture
def door(hc: Homecare) -> Door:
    w = pair(hc.app, at=T0 - timedelta(days=1))
    app = hc.app
    app.register_decision(
        w.customer,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        activities=["shower"],
        actor=ACTOR,
        at=T0,
    )
    other = app.register_staff(
        name="Shift",
        personnummer=VALID_STAFF,
        sd_number="SD-9",
        actor=ACTOR,
        at=T0 - timedelta(days=1),
    )
    pause = w.pause("order", w.order, T0 + timedelta(days=20), at=T0)
    made = Door(
        hc,
        w.customer,
        w.contract,
        w.order,
        w.staff,
        planned=_visit(hc, w.order, w.staff, 0),
        performed=_visit(hc, w.order, w.staff, 1),
        attested=_visit(hc, w.order, w.staff, 2),
        shift_staff=other,
        shift_visit=_visit(hc, w.order, other, 1),
        pause=pause,
        clock=T0,
    )
    hc.catch_up()
    return made


class Fields:
    """Per field kind: a good value, or (with this example's odds) anything at all."""

    def __init__(self, door: Door, data: st.DataObject) -> None:
        self.data = data
        self.odds = data.draw(st.sampled_from([0, 10, 25, 60]), label="odd field %")
        minutes = data.draw(st.integers(0, 120), label="minutes after the clock")
        self.base = door.clock + timedelta(minutes=minutes)

    def pick(self, good: object, odd: st.SearchStrategy[object]) -> object:
        if self.data.draw(st.integers(0, 99)) < self.odds:
            return self.data.draw(odd)
        return good

    def text(self, good: object) -> object:
        return self.pick(good, TEXT)

    def instant(self, after: timedelta = timedelta()) -> object:
        return self.pick(self.base + after, ANY_INSTANT)

    def day(self, good: object) -> object:
        return self.pick(good, ANY_DAY)

    def activities(self) -> object:
        return self.pick(["shower"], ACTIVITIES)

    def common(self) -> dict[str, Any]:
        """Who and when: the command is dated after every good time it names."""
        return {"actor": self.text(ACTOR), "at": self.instant(timedelta(hours=5))}


def commands(door: Door, data: st.DataObject) -> dict[str, Callable[[], object]]:
    f = Fields(door, data)
    app = door.hc.app
    hour, day = timedelta(hours=1), timedelta(days=1)
    planned_day = (f.base + day).astimezone(STOCKHOLM).date()

    def report() -> VisitReport:
        return VisitReport(
            start=f.instant(),  # type: ignore[arg-type]
            end=f.instant(hour),  # type: ignore[arg-type]
            activities=f.activities(),  # type: ignore[arg-type]
        )

    return {
        "register_customer": lambda: app.register_customer(
            personnummer=f.text(VALID), name=f.text("N"), organisation=f.text("O"), **f.common()
        ),
        "register_decision": lambda: app.register_decision(
            door.customer,
            valid_from=f.day(date(2026, 1, 1)),
            valid_to=f.day(None),
            activities=f.activities(),
            **f.common(),
        ),
        "open_contract": lambda: app.open_contract(door.customer, **f.common()),
        "place_order": lambda: app.place_order(
            door.contract, activities=f.activities(), **f.common()
        ),
        "register_staff": lambda: app.register_staff(
            name=f.text("S"),
            personnummer=f.text(VALID_STAFF),
            sd_number=f.text("SD"),
            **f.common(),
        ),
        "update_staff": lambda: app.update_staff(
            door.staff,
            personnummer=f.text(VALID_STAFF),
            sd_number=f.text(f"SD-{f.base.timestamp():.0f}"),
            **f.common(),
        ),
        "plan_assignment": lambda: app.plan_assignment(
            order_id=door.order,
            staff_id=door.staff,
            planned_start=f.instant(day),
            planned_end=f.instant(day + hour),
            shift_day=f.day(planned_day),
            **f.common(),
        ),
        "record_performance": lambda: app.record_performance(
            door.planned,
            start=f.instant(),
            end=f.instant(hour),
            activities=f.activities(),
            **f.common(),
        ),
        "correct_assignment": lambda: app.correct_assignment(
            door.performed,
            start=f.instant(),
            end=f.instant(hour),
            activities=f.activities(),
            **f.common(),
        ),
        "record_declined_visit": lambda: app.record_declined_visit(
            door.planned,
            declined_at=f.instant(),
            declined_by=f.text("Anna"),
            reason=f.text(None),
            **f.common(),
        ),
        "attest_assignments": lambda: app.attest_assignments([door.performed], **f.common()),
        "confirm_assignment": lambda: app.confirm_assignment(door.attested, **f.common()),
        "confirm_assignments": lambda: app.confirm_assignments([door.attested], **f.common()),
        "confirm_shift": lambda: app.confirm_shift(
            door.shift_staff, T0.date(), corrections={door.shift_visit: report()}, **f.common()
        ),
        "create_pause": lambda: app.create_pause(
            level=f.text("customer"),
            target_id=door.customer,
            notified_at=f.instant(),
            reason=f.text("other"),
            reason_text=f.text("in hospital"),
            starts_at=f.instant(day),
            ends_at=f.instant(3 * day),
            **f.common(),
        ),
        "change_pause": lambda: app.change_pause(
            door.pause,
            starts_at=f.instant(day),
            ends_at=f.instant(4 * day),
            reason=f.text("other"),
            reason_text=f.text("changed"),
            **f.common(),
        ),
        "cancel_pause": lambda: app.cancel_pause(door.pause, **f.common()),
        "record_culling": lambda: app.record_culling(
            door.subject or door.customer,
            subject_kind=f.text("customer"),
            reason=f.text("on_demand"),
            legal_basis=f.text("SoL 12 kap."),
            fetched_up_to=f.pick(0, st.one_of(st.integers(), TEXT, st.none(), st.booleans())),
            **f.common(),
        ),
    }


def carried(door: Door) -> None:
    """Every projection goes on and every view can be read."""
    hc = door.hc
    hc.catch_up()
    assert all(runner.lag() == 0 for runner in hc.runners)
    hc.buffer.fetch(limit=500)
    hc.buffer.problems()
    hc.buffer.month(door.clock.year, door.clock.month)
    hc.pauses.list(
        period_from=date(1900, 1, 1), period_to=date(2199, 12, 31), now=T0, include_inactive=True
    )


COMMANDS = [
    "attest_assignments",
    "cancel_pause",
    "change_pause",
    "confirm_assignment",
    "confirm_assignments",
    "confirm_shift",
    "correct_assignment",
    "create_pause",
    "open_contract",
    "place_order",
    "plan_assignment",
    "record_culling",
    "record_declined_visit",
    "record_performance",
    "register_customer",
    "register_decision",
    "register_staff",
    "update_staff",
]


def test_every_facade_command_is_fuzzed() -> None:
    """A command (a facade method that takes an `actor`) added later must be added here too."""
    commands_of_the_facade = {
        name
        for cls in HomecareApplication.__mro__  # the facade is split by job (people, visits, ...)
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and callable(member)
        and "actor" in inspect.signature(member).parameters
    }
    assert commands_of_the_facade == set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_D10_every_command_with_any_input_is_refused_cleanly_or_carried(
    door: Door, name: str, data: st.DataObject
) -> None:
    if name == "record_culling":  # a culling is once per subject: a fresh one each example
        door.subject = door.hc.app.register_customer(
            personnummer=VALID, name="To cull", organisation="O", actor=ACTOR, at=door.clock
        )
    command = commands(door, data)[name]
    before = door.log_length()
    refusal: HomecareError | None = None
    try:
        command()
    except (InvalidInputError, RuleViolationError) as error:
        refusal = error
    except HomecareError as error:  # pragma: no cover - a failure, shown with its code
        pytest.fail(f"{name}: unexpected {error.code}: {error}")
    event(f"{name}: {'accepted' if refusal is None else refusal.code}")
    if refusal is not None:
        assert door.log_length() == before, f"{name} refused ({refusal.code}) but wrote"
    else:
        assert door.log_length() > before
        door.clock = max(door.clock, _latest_event_time(door))
    carried(door)


def _latest_event_time(door: Door) -> datetime:
    """The time of the newest stored event: the "good" clock moves past it."""
    app = door.hc.app
    last = app.recorder.max_notification_id() or 0
    (notification,) = app.recorder.select_notifications(start=last, limit=1)
    event = app.mapper.to_domain_event(notification)
    stamp: datetime = event.timestamp  # type: ignore[attr-defined]
    return stamp.astimezone(UTC)
