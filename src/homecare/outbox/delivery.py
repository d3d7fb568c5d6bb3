"""What the city has received: the delivered mark and the times of its receipts (R4, R14).

The delivered mark is the highest position the city has acknowledged (its
cursor); it only moves forward. Each fetch that moved it left a receipt
(`homecare_buffer_acknowledgements`): every item's `delivered_at` is the time
of the receipt that moved the mark past its position. The served mark is the
highest position a fetch has served (R16: what a culling leaves in place).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from homecare.errors import InvalidInputError
from homecare.outbox import tables as t

__all__ = [
    "delivered_at",
    "delivered_position",
    "delivered_position_at",
    "receipt_times",
    "served_position",
    "utc_instant",
]


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
    """When the city acknowledged the item at `position` (UTC), or None if not yet."""
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

    Every item at or below it was delivered at or before `when`; a naive
    `when` is InvalidInputError.
    """
    a = t.acknowledgements
    query = select(func.max(a.c.up_to_position)).where(a.c.acknowledged_at <= utc_instant(when))
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


def utc_instant(when: datetime) -> datetime:
    """A timezone-aware `when` in UTC; a naive one is InvalidInputError."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInputError("A time must be timezone-aware (Stockholm time or UTC).")
    return when.astimezone(UTC)
