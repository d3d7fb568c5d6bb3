"""What the city has received: the delivered mark and the times of its receipts (R4, R14).

The delivered mark is the highest position the city has acknowledged (its
cursor); it only moves forward. Each fetch that moved it left a receipt
(`homecare_buffer_acknowledgements`): every item's `delivered_at` is the time
of the receipt that moved the mark past its position. The served mark is the
highest position a fetch has served (R16: what a culling leaves in place).

Receipts only move forward in time (D11): a receipt is never dated before the
one before it, so "delivered by the payment run" (R14) reads the same from
`delivered_at`, `delivered_position_at` and the month report. A time the
caller gives (`Buffer.fetch(at=...)`) earlier than the last receipt is
refused (TimeWentBackwardsError, nothing acknowledged); the buffer's own clock,
if it has been set back, dates the receipt at the last one's time instead of
failing the city's fetch (`receipt_clock`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, func, select

from homecare.domain.common import require_aware, require_instant
from homecare.domain.record import check_not_before
from homecare.errors import InvalidInputError
from homecare.outbox import tables as t
from homecare.outbox.cursor import MAX_POSITION_DIGITS

__all__ = [
    "Received",
    "delivered_at",
    "delivered_position",
    "delivered_position_at",
    "receipt_clock",
    "receipt_times",
    "require_position",
    "served_position",
]

Received = Callable[[datetime | None], datetime]
"""When a fetch's receipt is dated (UTC), given the last receipt's time (None: none yet)."""

_POSITION_LIMIT = 10**MAX_POSITION_DIGITS


def delivered_position(conn: Connection) -> int:
    """The delivered mark: every item at or below it was acknowledged (0: none)."""
    query = select(t.delivery.c.delivered_position).where(t.delivery.c.id == 1)
    return int(conn.execute(query).scalar() or 0)


def served_position(conn: Connection) -> int:
    """R16: the highest position the city has been served, acknowledged or not (0: none).
    A fetch raises it before its items go out (`homecare.outbox.drain`)."""
    query = select(t.delivery.c.served_position).where(t.delivery.c.id == 1)
    return int(conn.execute(query).scalar() or 0)


def delivered_at(conn: Connection, position: int) -> datetime | None:
    """When the city acknowledged the item at `position` (UTC), or None if not yet;
    `position` as `require_position` accepts it."""
    position = require_position(position, "position")
    a = t.acknowledgements
    found: datetime | None = conn.execute(
        select(a.c.acknowledged_at)
        .where(a.c.up_to_position >= position)
        .order_by(a.c.up_to_position)
        .limit(1)
    ).scalar()
    return found


def delivered_position_at(conn: Connection, when: datetime) -> int:
    """R14: the highest position the city had acknowledged at `when` (0 if none).

    Every item at or below it was delivered at or before `when`; a `when` that is
    not a timezone-aware datetime is InvalidInputError.
    """
    instant = require_aware(when, "when")
    a = t.acknowledgements
    query = select(func.max(a.c.up_to_position)).where(a.c.acknowledged_at <= instant)
    return int(conn.execute(query).scalar() or 0)


def receipt_times(conn: Connection, positions: list[int | None]) -> dict[int, datetime]:
    """Each delivered position's `delivered_at`: the receipt that moved the mark past it."""
    wanted = sorted({p for p in positions if p is not None})
    if not wanted:
        return {}
    a = t.acknowledgements
    rows = conn.execute(
        select(a.c.up_to_position, a.c.acknowledged_at)
        .where(a.c.up_to_position >= wanted[0])
        .order_by(a.c.up_to_position)
    ).all()
    bounds = [int(r[0]) for r in rows]
    found: dict[int, datetime] = {}
    for position in wanted:
        index = bisect_left(bounds, position)
        if index < len(rows):
            found[position] = rows[index][1]
    return found


def require_position(value: object, name: str) -> int:
    """A buffer position: a whole number (not a bool) from 0 to below 10**18, as a cursor's
    (`homecare.outbox.cursor`); anything else is InvalidInputError, not a failed query."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be a whole number, got {type(value).__name__}.")
    if not 0 <= value < _POSITION_LIMIT:
        raise InvalidInputError(
            f"{name} must be from 0 to {_POSITION_LIMIT - 1}, got {int(value)}."
        )
    return int(value)


def receipt_clock(at: datetime | None, clock: Callable[[], datetime]) -> Received:
    """D11, R14: how a fetch dates its receipt (`Received`, called with the last one's time).

    `at` given: that instant, checked now as a command's time is (`require_instant`:
    timezone-aware, 1900-2199 Stockholm time; else InvalidInputError) and, when the
    receipt is recorded, not before the last receipt (TimeWentBackwardsError).
    `at` None: `clock()`, or the last receipt's time if the clock is behind it.
    """
    if at is not None:
        given = require_instant(at, "at")

        def stated(last: datetime | None) -> datetime:
            if last is not None:
                check_not_before(given, last, "The city's receipt (at)", since="the last receipt")
            return given

        return stated

    def clocked(last: datetime | None) -> datetime:
        now = require_aware(clock(), "the buffer's clock")
        return now if last is None or now >= last else last

    return clocked
