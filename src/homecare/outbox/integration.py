"""R2: where each visit stands in the reporting flow: not confirmed, queued, held, delivered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select

from homecare.domain.common import parse_choice
from homecare.outbox import tables as t
from homecare.outbox.delivery import delivered_position, receipt_times
from homecare.outbox.item_status import ItemStatus, item_status, shown_reasons

__all__ = ["AssignmentIntegration", "IntegrationStatus", "integration_statuses"]


class IntegrationStatus(StrEnum):
    """R2: where a visit stands: not confirmed (or corrected since), else its report's status."""

    NOT_CONFIRMED = "not_confirmed"
    QUEUED = ItemStatus.QUEUED.value
    HELD = ItemStatus.HELD.value
    DELIVERED = ItemStatus.DELIVERED.value
    WITHDRAWN = ItemStatus.WITHDRAWN.value  # R16: customer or staff culled before it was fetched


class AssignmentIntegration(BaseModel):
    """One visit's integration status; `reasons` while held (R5), `delivered_at` once delivered."""

    model_config = ConfigDict(frozen=True)

    assignment_id: UUID
    customer: UUID
    status: IntegrationStatus
    reasons: list[str]
    message_id: UUID | None
    position: int | None
    delivered_at: datetime | None = None
    staff_id: UUID | None = None
    started_at: datetime | None = None  # performed start (planned, if declined); None before


def integration_statuses(
    conn: Connection,
    assignment_ids: list[UUID] | None = None,
    status: IntegrationStatus | str | None = None,
) -> list[AssignmentIntegration]:
    """R2: every visit's status (or those of `assignment_ids`), by id; `status` filters."""
    a, i = t.assignments, t.items
    query = select(
        a.c.assignment_id,
        a.c.customer_id,
        a.c.confirmed,
        a.c.staff_id,
        a.c.performed_start,
        i.c.message_id,
        i.c.state,
        i.c.position,
        i.c.reasons,
    ).select_from(a.outerjoin(i, i.c.seq == a.c.item_seq))
    if assignment_ids is not None:
        query = query.where(a.c.assignment_id.in_(assignment_ids))
    mark = delivered_position(conn)
    result = [
        _integration(row, mark)
        for row in conn.execute(query.order_by(a.c.assignment_id)).mappings()
    ]
    receipts = receipt_times(
        conn, [r.position for r in result if r.status is IntegrationStatus.DELIVERED]
    )
    result = [
        r.model_copy(update={"delivered_at": receipts.get(r.position)})
        if r.position in receipts
        else r
        for r in result
    ]
    if status is not None:
        wanted = parse_choice(IntegrationStatus, status, "status")
        result = [r for r in result if r.status is wanted]
    return result


def _integration(row: Mapping[Any, Any], mark: int) -> AssignmentIntegration:
    shown = item_status(row, mark) if row["confirmed"] and row["state"] is not None else None
    return AssignmentIntegration(
        assignment_id=row["assignment_id"],
        customer=row["customer_id"],
        status=IntegrationStatus.NOT_CONFIRMED if shown is None else IntegrationStatus(shown),
        reasons=shown_reasons(row, shown),
        message_id=row["message_id"],
        position=row["position"],
        staff_id=row["staff_id"],
        started_at=row["performed_start"],
    )
