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
yet), `held` (it waits behind a held item of the same customer, D4) or
`not_in_buffer` (the buffer has not caught up with the pause's latest
events, or no message settles it). The inactivated pauses (R12: ended, or
cancelled before they started) are listed with the messages sent for each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select

from homecare.domain.citydays import (
    STOCKHOLM,
    CityAction,
    CityPauseMessage,
    HeldPeriod,
    apply_city_messages,
    city_periods,
)
from homecare.outbox import tables as t
from homecare.outbox.messages import MessageKind, message_id_for
from homecare.outbox.projection import PENDING
from homecare.outbox.store import Buffer, receipt_times
from homecare.projections.pause_overview import overview_customers, overview_pauses

__all__ = [
    "CustomerReconciliation",
    "DayDifference",
    "DayRange",
    "InactivatedPause",
    "PauseMessageView",
    "Reconciliation",
    "reconcile_pauses",
]

Cause = Literal["queued", "held", "not_in_buffer"]
_OPEN = date.max.toordinal() + 1  # exclusive end of an open period
_BLOCK = 8  # message indexes looked up at a time per pause event (ids are derived)


class DayRange(BaseModel):
    """Whole Stockholm days, both included; `last_day` None: open (ongoing)."""

    model_config = ConfigDict(frozen=True)

    first_day: date
    last_day: date | None


class DayDifference(DayRange):
    """Days on which the city and the pauses disagree, and why."""

    side: Literal["missing_at_city", "extra_at_city"]
    cause: Cause
    messages: list[UUID]


class PauseMessageView(BaseModel):
    """One pause message as sent (or waiting to be): `status` delivered, queued or held."""

    model_config = ConfigDict(frozen=True)

    message_id: UUID
    action: str
    period_id: str
    first_day: date
    last_day: date | None
    status: Literal["delivered", "queued", "held"]
    position: int | None
    delivered_at: datetime | None


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
    month: tuple[int, int] | None = None,
) -> Reconciliation:
    """R12: per customer, the days the city holds beside the days the pauses imply.

    `month` limits the days compared (and the inactivated pauses listed) to
    that calendar month; `now` decides which pauses have ended.
    """
    window = _month_window(month)
    with buffer.database.engine.connect() as conn:
        mark = buffer.delivered_position(conn)
        pauses = _pauses(conn, customer_id)
        messages = _messages(conn, customer_id, mark)
        organisations: dict[UUID, str] = {
            row.customer_id: row.organisation for row in conn.execute(select(overview_customers))
        }
        sent = _messages_of(
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
        month=None if month is None else f"{month[0]:04d}-{month[1]:02d}",
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
    window: tuple[int, int],
) -> CustomerReconciliation:
    implied = _ranges(
        city_periods(
            (p["effective_start"], p["effective_end"])
            for p in pauses
            if p["effective_start"] is not None
        )
    )
    by_status = defaultdict(list)
    for message in messages:
        by_status[message.status].append(message)
    held_now = _apply(by_status["delivered"])
    after_queued = _apply(by_status["delivered"] + by_status["queued"])
    after_held = _apply(by_status["delivered"] + by_status["queued"] + by_status["held"])
    differences: list[DayDifference] = []
    for side, have, want in (
        ("missing_at_city", implied, held_now),
        ("extra_at_city", held_now, implied),
    ):
        gap = _clip(_minus(have, want), window)
        still_after_queued = (
            _minus(have, after_queued) if side == "missing_at_city" else _minus(after_queued, want)
        )
        still_after_held = (
            _minus(have, after_held) if side == "missing_at_city" else _minus(after_held, want)
        )
        for cause, part in (
            ("queued", _minus(gap, still_after_queued)),
            ("held", _minus(_intersect(gap, still_after_queued), still_after_held)),
            ("not_in_buffer", _intersect(gap, still_after_held)),
        ):
            waiting = by_status["queued"] if cause == "queued" else by_status["held"]
            for first, end in part:
                differences.append(
                    DayDifference(
                        **_range(first, end).model_dump(),
                        side=side,
                        cause=cause,
                        messages=[]
                        if cause == "not_in_buffer"
                        else [m.message_id for m in waiting],
                    )
                )
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


# -- loading ---------------------------------------------------------------------


def _pauses(conn: Connection, customer_id: UUID | None) -> dict[UUID, list[Any]]:
    query = select(overview_pauses).order_by(
        overview_pauses.c.starts_at, overview_pauses.c.pause_id
    )
    if customer_id is not None:
        query = query.where(overview_pauses.c.customer_id == customer_id)
    found: dict[UUID, list[Any]] = defaultdict(list)
    for row in conn.execute(query).mappings():
        found[row["customer_id"]].append(row)
    return found


def _messages(
    conn: Connection, customer_id: UUID | None, mark: int
) -> dict[UUID, list[PauseMessageView]]:
    i = t.items
    query = (
        select(i.c.customer_id, i.c.message_id, i.c.facts, i.c.state, i.c.position)
        .where(i.c.kind == MessageKind.CUSTOMER_PAUSE.value)
        .order_by(i.c.seq)
    )
    if customer_id is not None:
        query = query.where(i.c.customer_id == customer_id)
    rows = conn.execute(query).mappings().all()
    receipts = receipt_times(conn, [r["position"] for r in rows if _delivered(r, mark)])
    found: dict[UUID, list[PauseMessageView]] = defaultdict(list)
    for row in rows:
        found[row["customer_id"]].append(_view(row, mark, receipts))
    for views in found.values():  # delivered ones in the order the city applied them
        views.sort(key=lambda v: (v.status != "delivered", v.position or 0))
    return found


def _messages_of(
    conn: Connection, pauses: Sequence[Any], mark: int
) -> dict[UUID, list[PauseMessageView]]:
    """The messages each pause's events caused, found by their derived ids.

    An event's messages have indexes 0, 1, 2 ...: look up a block of indexes for
    every event, and the next block only for events whose block was full.
    """
    events = [(p["pause_id"], v) for p in pauses for v in range(1, p["version"] + 1)]
    rows: list[Any] = []
    owner: dict[UUID, UUID] = {}
    first = 0
    while events:
        candidates = {
            message_id_for(pause_id, version, index): (pause_id, version)
            for pause_id, version in events
            for index in range(first, first + _BLOCK)
        }
        found = _items_by_id(conn, list(candidates))
        rows += found
        owner |= {r["message_id"]: candidates[r["message_id"]][0] for r in found}
        last = {message_id_for(p, v, first + _BLOCK - 1) for p, v in events}
        events = [candidates[r["message_id"]] for r in found if r["message_id"] in last]
        first += _BLOCK
    rows.sort(key=lambda r: r["seq"])
    receipts = receipt_times(conn, [r["position"] for r in rows if _delivered(r, mark)])
    sent: dict[UUID, list[PauseMessageView]] = defaultdict(list)
    for row in rows:
        sent[owner[row["message_id"]]].append(_view(row, mark, receipts))
    return sent


def _items_by_id(conn: Connection, message_ids: list[UUID]) -> list[Any]:
    i = t.items
    rows: list[Any] = []
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start : start + 500]
        rows += (
            conn.execute(
                select(i.c.seq, i.c.message_id, i.c.facts, i.c.state, i.c.position).where(
                    i.c.message_id.in_(chunk)
                )
            )
            .mappings()
            .all()
        )
    return rows


def _delivered(row: Any, mark: int) -> bool:
    return row["state"] != PENDING and row["position"] is not None and row["position"] <= mark


def _view(row: Any, mark: int, receipts: dict[int, datetime]) -> PauseMessageView:
    facts = row["facts"]
    status: Literal["delivered", "queued", "held"] = (
        "held" if row["state"] == PENDING else "delivered" if _delivered(row, mark) else "queued"
    )
    return PauseMessageView(
        message_id=row["message_id"],
        action=facts["action"],
        period_id=facts["period_id"],
        first_day=date.fromisoformat(facts["first_day"]),
        last_day=None if facts["last_day"] is None else date.fromisoformat(facts["last_day"]),
        status=status,
        position=row["position"],
        delivered_at=receipts.get(row["position"]) if status == "delivered" else None,
    )


# -- days as half-open ordinal intervals -------------------------------------------

Interval = tuple[int, int]


def _apply(messages: Iterable[PauseMessageView]) -> list[Interval]:
    held = apply_city_messages(
        [],
        (
            CityPauseMessage(CityAction(m.action), m.period_id, m.first_day, m.last_day)
            for m in messages
        ),
    )
    return _normal(_interval(h.first_day, h.last_day) for h in held if isinstance(h, HeldPeriod))


def _ranges(periods: Iterable[Any]) -> list[Interval]:
    return _normal(_interval(p.first_day, p.last_day) for p in periods)


def _interval(first: date, last: date | None) -> Interval:
    return first.toordinal(), _OPEN if last is None else last.toordinal() + 1


def _range(first: int, end: int) -> DayRange:
    return DayRange(
        first_day=date.fromordinal(first),
        last_day=None if end >= _OPEN else date.fromordinal(end - 1),
    )


def _normal(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for first, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((first, end))
    return merged


def _minus(a: list[Interval], b: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for first, end in a:
        pieces = [(first, end)]
        for b_first, b_end in b:
            pieces = [
                piece
                for p_first, p_end in pieces
                for piece in ((p_first, min(p_end, b_first)), (max(p_first, b_end), p_end))
                if piece[0] < piece[1]
            ]
        result += pieces
    return _normal(result)


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    return _normal(
        (max(af, bf), min(ae, be)) for af, ae in a for bf, be in b if max(af, bf) < min(ae, be)
    )


def _clip(a: list[Interval], window: Interval) -> list[Interval]:
    return _intersect(a, [window])


def _month_window(month: tuple[int, int] | None) -> Interval:
    if month is None:
        return date.min.toordinal(), _OPEN
    year, number = month
    first = date(year, number, 1)
    after = date(year + number // 12, number % 12 + 1, 1)
    return first.toordinal(), after.toordinal()


def _inactive(pause: Any, now: datetime) -> bool:
    """R12: ended (its effective end has passed) or never effective (cancelled before start)."""
    return pause["effective_start"] is None or (
        pause["effective_end"] is not None and pause["effective_end"] <= now
    )


def _touches(pause: Any, window: Interval) -> bool:
    if pause["effective_start"] is None:
        day = pause["starts_at"].astimezone(STOCKHOLM).date()
        return bool(_clip([_interval(day, day)], window))
    periods = city_periods([(pause["effective_start"], pause["effective_end"])])
    return bool(_clip(_ranges(periods), window))
