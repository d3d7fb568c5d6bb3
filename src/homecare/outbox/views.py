"""The operator's views of the buffer: a month's undelivered items (R4), the held ones (R5).

Items are shown without their personal data: ids, dates, status and reasons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, or_, select

from homecare.domain.month import Month
from homecare.errors import InvalidInputError
from homecare.outbox import tables as t
from homecare.outbox.delivery import delivered_position
from homecare.outbox.item_status import ItemStatus, item_status, shown_reasons
from homecare.outbox.items import ItemState
from homecare.outbox.validation import REASONS, Reason

__all__ = ["FIRST_BUFFER_MONTH", "ItemView", "ProblemGroup", "month_items", "problem_groups"]

FIRST_BUFFER_MONTH = Month(1900, 1)


class ItemView(BaseModel):
    """One buffer item as the operator sees it (never its personal data)."""

    model_config = ConfigDict(frozen=True)

    message_id: UUID
    kind: str
    customer: UUID
    business_date: date
    status: ItemStatus
    reasons: list[str]
    position: int | None
    assignment_id: UUID | None
    staff_id: UUID | None
    delivered_at: datetime | None = None
    """When the city's acknowledgement arrived (UTC); None until delivered, and for
    items delivered before delivery times were recorded."""


class ProblemGroup(BaseModel):
    """R5: held items that share a cause, with the fix (R6)."""

    model_config = ConfigDict(frozen=True)

    reason: str
    text: str
    hint: str
    items: list[ItemView]


def month_items(conn: Connection, asked: Month) -> list[ItemView]:
    """R4: the items of `asked` not yet delivered, by business date and age.

    From 1900-01 (`FIRST_BUFFER_MONTH`); an earlier month is InvalidInputError.
    """
    if asked < FIRST_BUFFER_MONTH:
        raise InvalidInputError(f"Not a month of the buffer: {asked} (they start at 1900-01).")
    mark = delivered_position(conn)
    rows = conn.execute(
        select(t.items)
        .where(
            t.items.c.business_date >= asked.first_day,
            t.items.c.business_date <= asked.last_day,
            t.items.c.state != ItemState.SUPERSEDED,
            or_(t.items.c.position.is_(None), t.items.c.position > mark),
        )
        .order_by(t.items.c.business_date, t.items.c.seq)
    ).mappings()
    return [_view(r, mark) for r in rows]


def problem_groups(conn: Connection) -> list[ProblemGroup]:
    """R5: held items grouped by reason (sorted), each group with its fix hint."""
    groups: dict[str, list[ItemView]] = defaultdict(list)
    rows = conn.execute(
        select(t.items).where(t.items.c.state == ItemState.PENDING).order_by(t.items.c.seq)
    ).mappings()
    for row in rows:
        view = _view(row, 0)
        for reason in view.reasons:
            groups[reason].append(view)
    return [
        ProblemGroup(
            reason=reason,
            text=REASONS[Reason(reason)][0],
            hint=REASONS[Reason(reason)][1],
            items=groups[reason],
        )
        for reason in sorted(groups)
    ]


def _view(row: Mapping[Any, Any], mark: int) -> ItemView:
    status = item_status(row, mark)
    assert status is not None, "superseded items are not shown"
    return ItemView(
        message_id=row["message_id"],
        kind=row["kind"],
        customer=row["customer_id"],
        business_date=row["business_date"],
        status=status,
        reasons=shown_reasons(row, status),
        position=row["position"],
        assignment_id=row["assignment_id"],
        staff_id=row["staff_id"],
    )
