"""R2: where each visit stands in the reporting flow: not confirmed, queued, held, delivered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select

from homecare.domain.common import parse_choice
from homecare.domain.fields import require_id
from homecare.errors import InvalidInputError
from homecare.outbox import tables as t
from homecare.outbox.delivery import delivered_position, receipt_times
from homecare.outbox.item_status import ItemStatus, item_status, shown_reasons

__all__ = ["CHUNK", "AssignmentIntegration", "IntegrationStatus", "id_list", "integration_statuses"]

CHUNK = 500
"""Ids per IN (...) list: PostgreSQL takes at most 65,535 parameters a statement, SQLite
32,766; a caller's list of any length is read in chunks, the same on both (D7)."""


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
    customer_id: UUID | None = None,
) -> list[AssignmentIntegration]:
    """R2: every visit's status (or those of `assignment_ids`, or of `customer_id`'s
    visits), by id; `status` filters. Ids are checked (InvalidInputError), not queried."""
    wanted = None if status is None else parse_choice(IntegrationStatus, status, "status")
    ids = None if assignment_ids is None else id_list(assignment_ids, "assignment_ids")
    customer = None if customer_id is None else require_id(customer_id, "customer_id")
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
    if customer is not None:
        query = query.where(a.c.customer_id == customer)
    query = query.order_by(a.c.assignment_id)
    mark = delivered_position(conn)
    if ids is None:
        rows = list(conn.execute(query).mappings())
    else:  # sorted chunks, each in id order: the whole in id order
        rows = []
        for start in range(0, len(ids), CHUNK):
            chunk = query.where(a.c.assignment_id.in_(ids[start : start + CHUNK]))
            rows += conn.execute(chunk).mappings()
    result = [_integration(row, mark) for row in rows]
    receipts = receipt_times(
        conn, [r.position for r in result if r.status is IntegrationStatus.DELIVERED]
    )
    result = [
        r.model_copy(update={"delivered_at": receipts.get(r.position)})
        if r.position in receipts
        else r
        for r in result
    ]
    if wanted is not None:
        result = [r for r in result if r.status is wanted]
    return result


def id_list(value: object, name: str) -> list[UUID]:
    """A collection of UUIDs (a bare string is not a list of ids), distinct and sorted;
    empty is allowed (nothing asked for, nothing found). Else InvalidInputError."""
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{name} must be a list of ids, got {type(value).__name__}.")
    return sorted({require_id(item, f"{name} item") for item in value}, key=lambda u: u.int)


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
