"""Loading for the reconciliation (R12): the pauses, and the pause messages sent for them.

The pauses come from the pause overview (a separate projection), the
messages from the buffer, each with its status beside the city's delivered
mark and, once delivered, when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select

from homecare.outbox import tables as t
from homecare.outbox.delivery import receipt_times
from homecare.outbox.item_status import ItemStatus, item_status
from homecare.outbox.messages import MessageKind, message_id_for
from homecare.projections.pause_overview import overview_pauses

__all__ = ["PauseMessageView", "load_messages", "load_pauses", "messages_of_pauses"]

_BLOCK = 8  # message indexes looked up at a time per pause event (ids are derived)


class PauseMessageView(BaseModel):
    """One pause message as sent (or waiting to be): `status` delivered, queued, held or
    withdrawn (R16: its customer was culled before the city was served it; never sent)."""

    model_config = ConfigDict(frozen=True)

    message_id: UUID
    action: str
    period_id: str
    first_day: date
    last_day: date | None
    status: Literal["delivered", "queued", "held", "withdrawn"]
    position: int | None
    delivered_at: datetime | None


def load_pauses(conn: Connection, customer_id: UUID | None) -> dict[UUID, list[Any]]:
    """The pause overview's rows per customer (of one, or all), by start."""
    query = select(overview_pauses).order_by(
        overview_pauses.c.starts_at, overview_pauses.c.pause_id
    )
    if customer_id is not None:
        query = query.where(overview_pauses.c.customer_id == customer_id)
    found: dict[UUID, list[Any]] = defaultdict(list)
    for row in conn.execute(query).mappings():
        found[row["customer_id"]].append(row)
    return found


def load_messages(
    conn: Connection, customer_id: UUID | None, mark: int
) -> dict[UUID, list[PauseMessageView]]:
    """Every pause message per customer: the delivered ones first, in the order the city
    applied them (position), then the others in the order they were added."""
    i = t.items
    query = (
        select(i.c.customer_id, i.c.message_id, i.c.facts, i.c.state, i.c.position)
        .where(i.c.kind == MessageKind.CUSTOMER_PAUSE.value)
        .order_by(i.c.seq)
    )
    if customer_id is not None:
        query = query.where(i.c.customer_id == customer_id)
    rows = conn.execute(query).mappings().all()
    found: dict[UUID, list[PauseMessageView]] = defaultdict(list)
    for row, view in zip(rows, _views(conn, rows, mark), strict=True):
        found[row["customer_id"]].append(view)
    for views in found.values():
        views.sort(key=lambda v: (v.status != "delivered", v.position or 0))
    return found


def messages_of_pauses(
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
    sent: dict[UUID, list[PauseMessageView]] = defaultdict(list)
    for row, view in zip(rows, _views(conn, rows, mark), strict=True):
        sent[owner[row["message_id"]]].append(view)
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


def _views(
    conn: Connection, rows: Sequence[Mapping[Any, Any]], mark: int
) -> list[PauseMessageView]:
    """Each row as a view, with the receipt times of the delivered ones."""
    statuses = [item_status(row, mark) or ItemStatus.QUEUED for row in rows]
    receipts = receipt_times(
        conn,
        [r["position"] for r, s in zip(rows, statuses, strict=True) if s is ItemStatus.DELIVERED],
    )
    return [_view(row, status, receipts) for row, status in zip(rows, statuses, strict=True)]


def _view(
    row: Mapping[Any, Any], status: ItemStatus, receipts: dict[int, datetime]
) -> PauseMessageView:
    facts = row["facts"]
    return PauseMessageView(
        message_id=row["message_id"],
        action=facts["action"],
        period_id=facts["period_id"],
        first_day=date.fromisoformat(facts["first_day"]),
        last_day=None if facts["last_day"] is None else date.fromisoformat(facts["last_day"]),
        status=status.value,
        position=row["position"],
        delivered_at=receipts.get(row["position"]) if status is ItemStatus.DELIVERED else None,
    )
