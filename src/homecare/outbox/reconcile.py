"""R12: reconcile the whole days the city holds against the days the pauses imply.

Per customer, two independent views meet:

- *the city holds*: the customer's pause messages the city has fetched
  (acknowledged, in position order), applied by the reference model of the
  city (`apply_city_messages`);
- *the pauses imply*: the whole-day union (R10, D5) of the customer's
  effective pause periods, as the pause overview (a separate projection) has
  them.

Every day on which they differ is reported with its cause: `queued` (the
message that settles it is in the buffer, and the city has not fetched it
yet), `held` (it waits behind a held item of the same customer, D4),
`withdrawn` (R16: the customer was culled before the city was served it; it
will never be sent) or `not_in_buffer` (the buffer has not caught up with
the pause's latest events, or no message settles it). The inactivated pauses (R12: ended, or
cancelled before they started) are listed with the messages sent for each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from homecare.domain.citydays import (
    STOCKHOLM,
    CityAction,
    CityPauseMessage,
    HeldPeriod,
    apply_city_messages,
    city_periods,
)
from homecare.domain.month import Month
from homecare.outbox.intervals import (
    Interval,
    clip,
    days,
    intersect,
    interval,
    minus,
    month_window,
    normal,
)
from homecare.outbox.pause_messages import (
    PauseMessageView,
    load_messages,
    load_pauses,
    messages_of_pauses,
)
from homecare.outbox.store import Buffer
from homecare.projections.pause_overview import overview_customers

__all__ = [
    "CustomerReconciliation",
    "DayDifference",
    "DayRange",
    "InactivatedPause",
    "PauseMessageView",
    "Reconciliation",
    "reconcile_pauses",
]

Cause = Literal["queued", "held", "withdrawn", "not_in_buffer"]
CAUSES: tuple[Cause, ...] = ("queued", "held", "withdrawn", "not_in_buffer")
"""R12: why a day differs, in the order tried: a queued message would settle it, a held
one, a withdrawn one (R16: its customer was culled before the city was served it; it
will never be sent), or none in the buffer (check the projections)."""
Side = Literal["missing_at_city", "extra_at_city"]


class DayRange(BaseModel):
    """Whole Stockholm days, both included; `last_day` None: open (ongoing)."""

    model_config = ConfigDict(frozen=True)

    first_day: date
    last_day: date | None


class DayDifference(DayRange):
    """Days on which the city and the pauses disagree, and why."""

    side: Side
    cause: Cause
    messages: list[UUID]


class InactivatedPause(BaseModel):
    """R12: an ended pause (or one cancelled before it started) and its messages."""

    model_config = ConfigDict(frozen=True)

    pause_id: UUID
    level: str
    status: str
    effective_start: datetime | None
    effective_end: datetime | None
    messages: list[PauseMessageView]


class CustomerReconciliation(BaseModel):
    """One customer: the days the city holds, the days the pauses imply, the differences."""

    model_config = ConfigDict(frozen=True)

    customer: UUID
    organisation: str | None
    city_holds: list[DayRange]
    pauses_imply: list[DayRange]
    differences: list[DayDifference]
    inactivated_pauses: list[InactivatedPause]


class Reconciliation(BaseModel):
    """R12 for every customer with pauses (or one); `differences` counts all customers'."""

    model_config = ConfigDict(frozen=True)

    month: str | None
    customers: list[CustomerReconciliation]
    differences: int


def reconcile_pauses(
    buffer: Buffer,
    now: datetime,
    *,
    customer_id: UUID | None = None,
    month: Month | None = None,
) -> Reconciliation:
    """R12: per customer, the days the city holds beside the days the pauses imply.

    `month` limits the days compared (and the inactivated pauses listed) to
    that calendar month; `now` decides which pauses have ended.
    """
    window = month_window(month)
    with buffer.database.engine.connect() as conn:
        mark = buffer.delivered_position(conn)
        pauses = load_pauses(conn, customer_id)
        messages = load_messages(conn, customer_id, mark)
        organisations: dict[UUID, str] = {
            row.customer_id: row.organisation for row in conn.execute(select(overview_customers))
        }
        sent = messages_of_pauses(
            conn,
            [p for ps in pauses.values() for p in ps if _inactive(p, now) and _touches(p, window)],
            mark,
        )
    customers = sorted(set(pauses) | set(messages), key=str)
    results = [
        _customer(
            c, organisations.get(c), pauses.get(c, []), messages.get(c, []), sent, now, window
        )
        for c in customers
    ]
    return Reconciliation(
        month=None if month is None else str(month),
        customers=results,
        differences=sum(len(r.differences) for r in results),
    )


def _customer(
    customer: UUID,
    organisation: str | None,
    pauses: list[Any],
    messages: list[PauseMessageView],
    sent: dict[UUID, list[PauseMessageView]],
    now: datetime,
    window: Interval,
) -> CustomerReconciliation:
    implied = _ranges(
        city_periods(
            (p["effective_start"], p["effective_end"])
            for p in pauses
            if p["effective_start"] is not None
        )
    )
    by_status: defaultdict[str, list[PauseMessageView]] = defaultdict(list)
    for message in messages:
        by_status[message.status].append(message)
    held_now = _apply(by_status["delivered"])
    differences: list[DayDifference] = []
    sides: tuple[tuple[Side, list[Interval], list[Interval]], ...] = (
        ("missing_at_city", implied, held_now),
        ("extra_at_city", held_now, implied),
    )
    for side, have, want in sides:
        differences += _differences(side, have, want, by_status, window)
    differences.sort(key=lambda d: (d.first_day, d.side))
    inactivated = [
        InactivatedPause(
            pause_id=p["pause_id"],
            level=p["level"],
            status=p["status"],
            effective_start=p["effective_start"],
            effective_end=p["effective_end"],
            messages=sent.get(p["pause_id"], []),
        )
        for p in pauses
        if _inactive(p, now) and _touches(p, window)
    ]
    return CustomerReconciliation(
        customer=customer,
        organisation=organisation,
        city_holds=[_range(*r) for r in held_now],
        pauses_imply=[_range(*r) for r in implied],
        differences=differences,
        inactivated_pauses=inactivated,
    )


def _differences(
    side: Side,
    have: list[Interval],
    want: list[Interval],
    by_status: dict[str, list[PauseMessageView]],
    window: Interval,
) -> list[DayDifference]:
    """One side's differences, each day by the first of `CAUSES` whose messages, applied
    after those before it, would settle it; `not_in_buffer` if none would."""
    whole = clip(minus(have, want), window)
    gap = whole  # what the causes before this one leave unsettled
    differences: list[DayDifference] = []
    applied = list(by_status["delivered"])
    for cause in CAUSES:
        waiting = by_status[cause] if cause != "not_in_buffer" else []
        applied += waiting
        after = _apply(applied)
        still = minus(have, after) if side == "missing_at_city" else minus(after, want)
        settled, gap = minus(gap, still), intersect(whole, still)
        differences += [
            DayDifference(
                **_range(first, end).model_dump(),
                side=side,
                cause=cause,
                messages=[m.message_id for m in waiting],
            )
            for first, end in (gap if cause == "not_in_buffer" else settled)
        ]
    return differences


def _apply(messages: Iterable[PauseMessageView]) -> list[Interval]:
    """The days the city holds after applying `messages` in order (its reference model)."""
    held = apply_city_messages(
        [],
        (
            CityPauseMessage(CityAction(m.action), m.period_id, m.first_day, m.last_day)
            for m in messages
        ),
    )
    return normal(interval(h.first_day, h.last_day) for h in held if isinstance(h, HeldPeriod))


def _ranges(periods: Iterable[Any]) -> list[Interval]:
    return normal(interval(p.first_day, p.last_day) for p in periods)


def _range(first: int, end: int) -> DayRange:
    first_day, last_day = days(first, end)
    return DayRange(first_day=first_day, last_day=last_day)


def _inactive(pause: Any, now: datetime) -> bool:
    """R12: ended (its effective end has passed) or never effective (cancelled before start)."""
    return pause["effective_start"] is None or (
        pause["effective_end"] is not None and pause["effective_end"] <= now
    )


def _touches(pause: Any, window: Interval) -> bool:
    if pause["effective_start"] is None:
        day = pause["starts_at"].astimezone(STOCKHOLM).date()
        return bool(clip([interval(day, day)], window))
    periods = city_periods([(pause["effective_start"], pause["effective_end"])])
    return bool(clip(_ranges(periods), window))
