"""D10, D11 and D8 at the door, on both stores (issue 11, items 1, 4 and 5).

What a command accepts, both stores carry; what they cannot carry is refused
before anything is written. A command dated before the record's last event
is refused. Identity numbers are taken exactly as Skatteverket issues them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from homecare.bootstrap import Homecare
from homecare.domain import Customer, Pause
from homecare.domain.fields import (
    ACTIVITY_MAX,
    ACTOR_MAX,
    NAME_MAX,
    ORGANISATION_MAX,
    REASON_TEXT_MAX,
    SD_NUMBER_MAX,
)
from homecare.errors import (
    InvalidInputError,
    InvalidPersonalIdentityNumberError,
    TimeWentBackwardsError,
)
from tests.domain.pnr import VALID, with_check_digit
from tests.scenario import ACTOR, HOUR, T0, pair

DAY = timedelta(days=1)


def log_length(hc: Homecare) -> int:
    return hc.app.recorder.max_notification_id() or 0


def refused(
    hc: Homecare,
    command: Callable[[], Any],
    error: type[Exception] = InvalidInputError,
    match: str | None = None,
) -> InvalidInputError:
    """The command raises `error` and the log holds nothing new."""
    before = log_length(hc)
    with pytest.raises(error, match=match) as caught:
        command()
    assert log_length(hc) == before, "a refused command wrote an event"
    assert isinstance(caught.value, InvalidInputError)
    return caught.value


def carried(hc: Homecare) -> None:
    """Every projection goes on, and its views can be read."""
    hc.catch_up()
    assert all(runner.lag() == 0 for runner in hc.runners)
    hc.buffer.fetch()
    hc.buffer.month(2026, 3)
    hc.pauses.list(
        period_from=date(2026, 1, 1), period_to=date(2026, 12, 31), now=T0, include_inactive=True
    )


def register(hc: Homecare, **fields: Any) -> Any:
    arguments: dict[str, Any] = {
        "personnummer": VALID,
        "name": "Tolvan",
        "organisation": "Team Norr",
        "actor": ACTOR,
        "at": T0,
    } | fields
    return hc.app.register_customer(**arguments)


# -- D10: lengths are the domain's, and the columns are sized from them --------------


def test_D10_organisation_over_its_limit_is_refused_and_nothing_is_written(hc: Homecare) -> None:
    """The issue's example: 201 characters used to stop every projection on PostgreSQL."""
    error = refused(hc, lambda: register(hc, organisation="O" * (ORGANISATION_MAX + 1)))
    assert error.code == "invalid_input"
    assert "organisation" in str(error)
    assert ORGANISATION_MAX == 200
    carried(hc)


def test_D10_every_limit_itself_is_carried_through_every_projection(hc: Homecare) -> None:
    longest = "Ö" * ORGANISATION_MAX
    customer = register(hc, name="N" * NAME_MAX, organisation=longest, actor="a" * ACTOR_MAX)
    contract = hc.app.open_contract(customer, actor="a" * ACTOR_MAX, at=T0)
    hc.app.register_decision(
        customer,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        activities=["x" * ACTIVITY_MAX],
        actor=ACTOR,
        at=T0,
    )
    hc.app.register_staff(
        name="S", personnummer="19811218-9876", sd_number="9" * SD_NUMBER_MAX, actor=ACTOR, at=T0
    )
    hc.app.create_pause(
        level="contract",
        target_id=contract,
        notified_at=T0,
        reason="other",
        reason_text="line one\nline two\t" + "r" * (REASON_TEXT_MAX - 20),
        starts_at=T0 + DAY,
        actor="a" * ACTOR_MAX,
        at=T0,
    )
    carried(hc)
    (row,) = hc.pauses.list(period_from=date(2026, 3, 1), period_to=date(2026, 3, 31), now=T0)
    assert row.organisation == longest
    assert row.created_by == "a" * ACTOR_MAX


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "N" * (NAME_MAX + 1)),
        ("actor", "a" * (ACTOR_MAX + 1)),
        ("name", "Tol\x00van"),  # PostgreSQL refuses NUL in text
        ("organisation", "Team\x00Norr"),
        ("actor", "an\x1bna"),
        ("organisation", "Team\nNorr"),
        ("name", "Tolvan\ud800"),  # a lone surrogate cannot be encoded as UTF-8
        ("name", "   "),
        ("organisation", ""),
        ("name", "\u200b"),  # nothing visible: a zero width space
        ("name", "\u200b\u3000\u0301"),  # ... and an ideographic space, a combining mark
        ("name", "Tolvan \u202eavlot"),  # a right-to-left override: shows as another name
        ("organisation", "Team \u2066Norr\u2069"),  # an isolate
        ("actor", "an\u2028na"),  # a line separator in a one-line field
        ("name", None),
        ("organisation", 42),
        ("actor", b"anna"),
    ],
)
def test_D10_customer_fields_are_checked_at_the_door(
    hc: Homecare, field: str, value: object
) -> None:
    error = refused(hc, lambda: register(hc, **{field: value}))
    assert field in str(error)
    carried(hc)


def test_D10_name_none_is_invalid_input_not_an_attribute_error(hc: Homecare) -> None:
    error = refused(hc, lambda: hc.app.register_staff(name=None, actor=ACTOR, at=T0))  # type: ignore[arg-type]
    assert error.code == "invalid_input"


@pytest.mark.parametrize(
    ("sd_number", "why"),
    [
        ("9" * (SD_NUMBER_MAX + 1), "longer than the buffer's column"),
        ("SD\x00", "NUL"),
        (12, "a number"),
    ],
)
def test_D10_sd_number_is_checked_at_the_door(hc: Homecare, sd_number: object, why: str) -> None:
    refused(hc, lambda: hc.app.register_staff(name="S", sd_number=sd_number, actor=ACTOR, at=T0))  # type: ignore[arg-type]
    staff = hc.app.register_staff(name="S", actor=ACTOR, at=T0)
    refused(hc, lambda: hc.app.update_staff(staff, sd_number=sd_number, actor=ACTOR, at=T0))  # type: ignore[arg-type]
    carried(hc)


@pytest.mark.parametrize(
    "activities",
    [
        "shower",
        b"shower",
        None,
        42,
        ["shower", None],
        ["a\x00"],
        ["x" * (ACTIVITY_MAX + 1)],
        [],
        [" "],
        {"shower": True},
        [f"a{i}" for i in range(51)],
    ],
    ids=[
        "str",
        "bytes",
        "None",
        "int",
        "None item",
        "NUL",
        "long",
        "empty",
        "blank",
        "dict",
        "too many",
    ],
)
def test_D10_activities_are_a_list_of_names(hc: Homecare, activities: object) -> None:
    """`activities="shower"` must not become the set {s, h, o, w, e, r}."""
    w = pair(hc.app)
    refused(hc, lambda: hc.app.place_order(w.contract, activities=activities, actor=ACTOR, at=T0))  # type: ignore[arg-type]
    refused(
        hc,
        lambda: hc.app.register_decision(
            w.customer,
            valid_from=date(2026, 1, 1),
            valid_to=None,
            activities=activities,  # type: ignore[arg-type]
            actor=ACTOR,
            at=T0,
        ),
    )
    visit = w.visit("planned", start=T0)
    refused(
        hc,
        lambda: hc.app.record_performance(
            visit, start=T0, end=T0 + HOUR, activities=activities, actor=ACTOR, at=T0 + HOUR
        ),
    )  # type: ignore[arg-type]
    carried(hc)


@pytest.mark.parametrize(
    "reason_text",
    ["x" * (REASON_TEXT_MAX + 1), "hospital\x00", "\ud83d", 7],
)
def test_D10_reason_text_is_checked_at_the_door(hc: Homecare, reason_text: object) -> None:
    w = pair(hc.app)
    refused(
        hc,
        lambda: hc.app.create_pause(
            level="customer",
            target_id=w.customer,
            notified_at=T0,
            reason="other",
            reason_text=reason_text,
            starts_at=T0 + DAY,
            actor=ACTOR,
            at=T0,
        ),
    )  # type: ignore[arg-type]
    carried(hc)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("valid_from", datetime(2026, 1, 1, tzinfo=UTC)),  # a datetime is not a day
        ("valid_from", "2026-01-01"),
        ("valid_to", True),
        ("valid_to", 0),
        ("valid_from", date(1899, 12, 31)),
        ("valid_to", date(9999, 12, 31)),
    ],
)
def test_D10_decision_days_are_dates_in_range(hc: Homecare, field: str, value: object) -> None:
    w = pair(hc.app)
    days: dict[str, Any] = {"valid_from": date(2026, 1, 1), "valid_to": None} | {field: value}
    refused(
        hc,
        lambda: hc.app.register_decision(
            w.customer, activities=["shower"], actor=ACTOR, at=T0, **days
        ),
    )
    carried(hc)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 2, 8, 0),  # naive
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),  # overflows on conversion
        datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=5))),
        datetime(1899, 12, 31, 22, tzinfo=UTC),
        datetime(2200, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        "2026-03-02T08:00:00+00:00",
        date(2026, 3, 2),
        1_700_000_000,
    ],
)
def test_D10_instants_are_aware_datetimes_in_range(hc: Homecare, at: object) -> None:
    refused(hc, lambda: register(hc, at=at))
    carried(hc)


def test_D10_ids_must_be_uuids_and_lists_of_ids_lists(hc: Homecare) -> None:
    w = pair(hc.app)
    visit = w.visit("attested")
    refused(hc, lambda: hc.app.open_contract(str(w.customer), actor=ACTOR, at=T0))  # type: ignore[arg-type]
    refused(hc, lambda: hc.app.confirm_assignments(str(visit), actor=ACTOR, at=T0 + 3 * HOUR))  # type: ignore[arg-type]
    refused(hc, lambda: hc.app.attest_assignments([], actor=ACTOR, at=T0 + 3 * HOUR))
    refused(hc, lambda: hc.app.confirm_shift(w.staff, T0, actor=ACTOR, at=T0 + 3 * HOUR))  # type: ignore[arg-type]
    refused(
        hc,
        lambda: hc.app.confirm_shift(
            w.staff, T0.date(), corrections=[visit], actor=ACTOR, at=T0 + 3 * HOUR
        ),
    )  # type: ignore[arg-type]
    carried(hc)


# -- D11: time only moves forward on a record --------------------------------------


def test_D11_changing_a_pause_a_day_before_it_was_created_is_refused(hc: Homecare) -> None:
    """The issue's example; the message names both times in Stockholm time."""
    w = pair(hc.app)
    created = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    pause = w.pause("customer", w.customer, T0 + 2 * DAY, at=created)
    error = refused(
        hc,
        lambda: hc.app.change_pause(pause, ends_at=T0 + 5 * DAY, actor=ACTOR, at=created - DAY),
        TimeWentBackwardsError,
    )
    assert error.code == "time_went_backwards"
    assert "2026-03-01 10:30:00+01:00" in str(error)  # the command, Stockholm time
    assert "2026-03-02 10:30:00+01:00" in str(error)  # the pause's last change
    assert hc.app.get(Pause, pause).version == 1
    carried(hc)


def test_D11_same_instant_is_not_backwards(hc: Homecare) -> None:
    w = pair(hc.app)
    pause = w.pause("order", w.order, T0 + DAY, at=T0)
    hc.app.cancel_pause(pause, actor=ACTOR, at=T0)
    carried(hc)


def test_D11_every_aggregate_command_refuses_a_backdated_change(hc: Homecare) -> None:
    w = pair(hc.app, at=T0)
    earlier = T0 - HOUR
    backwards = TimeWentBackwardsError
    refused(
        hc,
        lambda: hc.app.register_decision(
            w.customer,
            valid_from=date(2026, 1, 1),
            valid_to=None,
            activities=["shower"],
            actor=ACTOR,
            at=earlier,
        ),
        backwards,
    )
    refused(
        hc,
        lambda: hc.app.update_staff(w.staff, sd_number="SD-2", actor=ACTOR, at=earlier),
        backwards,
    )
    start = T0 + DAY + HOUR  # planned a day before (T0 + HOUR), reported at start + 1h
    visit = w.visit("performed", start=start)
    reported = start + HOUR
    refused(hc, lambda: hc.app.attest_assignments([visit], actor=ACTOR, at=start), backwards)
    refused(
        hc,
        lambda: hc.app.correct_assignment(
            visit, start=T0, end=T0 + HOUR, activities=["shower"], actor=ACTOR, at=start
        ),
        backwards,
    )
    hc.app.attest_assignments([visit], actor=ACTOR, at=reported + HOUR)
    refused(hc, lambda: hc.app.confirm_assignment(visit, actor=ACTOR, at=reported), backwards)
    pause = w.pause("customer", w.customer, T0 + DAY, at=T0)
    refused(hc, lambda: hc.app.cancel_pause(pause, actor=ACTOR, at=earlier), backwards)
    carried(hc)


def test_D11_a_record_is_not_made_for_another_before_that_one_existed(hc: Homecare) -> None:
    w = pair(hc.app, at=T0)
    before = T0 - DAY
    refused(
        hc, lambda: hc.app.open_contract(w.customer, actor=ACTOR, at=before), TimeWentBackwardsError
    )
    refused(
        hc,
        lambda: hc.app.place_order(w.contract, activities=["shower"], actor=ACTOR, at=before),
        TimeWentBackwardsError,
    )
    refused(
        hc,
        lambda: hc.app.plan_assignment(
            order_id=w.order,
            staff_id=w.staff,
            planned_start=T0 + DAY,
            planned_end=T0 + DAY + HOUR,
            shift_day=(T0 + DAY).date(),
            actor=ACTOR,
            at=before,
        ),
        TimeWentBackwardsError,
    )
    refused(
        hc,
        lambda: hc.app.create_pause(
            level="contract",
            target_id=w.contract,
            notified_at=before,
            reason="hospital_stay",
            starts_at=T0 + DAY,
            actor=ACTOR,
            at=before,
        ),
        TimeWentBackwardsError,
    )
    carried(hc)


# -- facts that contradict time or the calendar ------------------------------------


def test_facts_that_contradict_time_are_refused(hc: Homecare) -> None:
    w = pair(hc.app)
    start = T0 + DAY
    # A visit is reported once it is done: not before its end.
    visit = w.visit("planned", start=start)
    refused(
        hc,
        lambda: hc.app.record_performance(
            visit,
            start=start,
            end=start + HOUR,
            activities=["shower"],
            actor=ACTOR,
            at=start + HOUR / 2,
        ),
        match="after the report",
    )
    # The customer told the provider before the pause was recorded, not after.
    refused(
        hc,
        lambda: hc.app.create_pause(
            level="customer",
            target_id=w.customer,
            notified_at=T0 + HOUR,
            reason="hospital_stay",
            starts_at=start,
            actor=ACTOR,
            at=T0,
        ),
        match="notified",
    )
    # A decision's valid_to is not before its valid_from.
    refused(
        hc,
        lambda: hc.app.register_decision(
            w.customer,
            valid_from=date(2026, 3, 2),
            valid_to=date(2026, 3, 1),
            activities=["shower"],
            actor=ACTOR,
            at=T0,
        ),
    )
    # A planned visit ends after it starts, and belongs to a shift of its own day (or next to it).
    plan: dict[str, Any] = {"order_id": w.order, "staff_id": w.staff, "actor": ACTOR, "at": T0}
    refused(
        hc,
        lambda: hc.app.plan_assignment(
            planned_start=start, planned_end=start, shift_day=start.date(), **plan
        ),
    )
    refused(
        hc,
        lambda: hc.app.plan_assignment(
            planned_start=start, planned_end=start + HOUR, shift_day=start.date() + 2 * DAY, **plan
        ),
        match="shift_day",
    )
    hc.app.plan_assignment(  # a night shift that began the evening before
        planned_start=start, planned_end=start + HOUR, shift_day=start.date() - DAY, **plan
    )
    carried(hc)


# -- item 5: identity numbers through the facade, on both stores -------------------


def test_D8_fullwidth_digits_are_refused_at_the_facade(hc: Homecare) -> None:
    error = refused(
        hc,
        lambda: register(hc, personnummer="\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-1212"),
        InvalidPersonalIdentityNumberError,
    )
    assert error.code == "invalid_personnummer"


def test_D8_plus_number_through_the_facade(hc: Homecare) -> None:
    customer = register(hc, personnummer="261231+1239", at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert hc.app.get(Customer, customer).personnummer.value == "192612311239"
    carried(hc)


def test_D8_the_facade_takes_today_as_the_stockholm_day_of_the_command(hc: Homecare) -> None:
    """23:30 UTC on 31 December is already 1 January in Stockholm: born 1 January is today."""
    number = with_check_digit("20270101", "239")
    customer = register(
        hc,
        personnummer=f"{number[2:8]}-{number[8:]}",
        at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
    )
    assert hc.app.get(Customer, customer).personnummer.value == number


def test_D8_samordningsnummer_with_unknown_month_through_the_facade(hc: Homecare) -> None:
    customer = register(hc, personnummer="19150072-2390")
    assert hc.app.get(Customer, customer).personnummer.value == "191500722390"
    staff = hc.app.register_staff(
        name="S", personnummer="19150072-2390", sd_number="SD-9", actor=ACTOR, at=T0
    )
    assert staff
    carried(hc)


def test_D8_a_personnummer_that_is_not_text_is_refused(hc: Homecare) -> None:
    refused(hc, lambda: register(hc, personnummer=191212121212))
    refused(hc, lambda: register(hc, personnummer=None))


@pytest.mark.parametrize("organisation", ["Team\x00Norr", "O" * (ORGANISATION_MAX + 1), 5])
def test_D10_the_overview_filter_by_organisation_is_checked_like_a_command(
    hc: Homecare, organisation: object
) -> None:
    """A NUL in a query parameter is refused by PostgreSQL's driver: refused here first."""
    with pytest.raises(InvalidInputError, match="organisation"):
        hc.pauses.list(
            period_from=date(2026, 3, 1),
            period_to=date(2026, 3, 31),
            now=T0,
            organisation=organisation,  # type: ignore[arg-type]
        )
