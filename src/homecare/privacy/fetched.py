"""R17: the access-log entries of one fetch by the city (reader: the token's name).

Each fetched item shows its customer's personnummer, and a visit report its
staff member's too, so one fetch of N items reads up to 2N subjects; each
subject read is one entry per fetch, however many of its items it is in (what
`fetch`, purpose `the city's poll`, channel `http`). The subjects come from
the buffer's rows of the items (`customer_id`, `staff_id`: `Buffer.fetch_page`'s
`subjects`), never from the payloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from homecare._sql.database import Database
from homecare.domain.privacy import SubjectKind
from homecare.outbox.messages import CustomerPauseMessage, VisitReportMessage
from homecare.outbox.tables import items as buffer_items
from homecare.privacy.access_log import Access, Channel, reads

__all__ = ["FETCH_PURPOSE", "fetched", "subjects_read", "subjects_served"]

FETCH_PURPOSE = "the city's poll"


def fetched(
    database: Database,
    messages: Sequence[VisitReportMessage | CustomerPauseMessage],
    *,
    reader: str,
    at: datetime,
) -> list[Access]:
    """The entries of one fetch, in the order the items were served."""
    staff = _staff_of(database, [m.message_id for m in messages if m.kind == "visit_report"])
    served = [(m.customer, staff.get(m.message_id)) for m in messages]
    return subjects_read(served, reader=reader, at=at)


def subjects_read(
    served: Sequence[tuple[UUID, UUID | None]], *, reader: str, at: datetime
) -> list[Access]:
    """The entries of one fetch from its items' (customer, staff or None) pairs, in order
    (a visit report's staff member; None for a pause): `Buffer.fetch_page`'s `subjects`."""
    return reads(
        subjects_served(served),
        reader=reader,
        what="fetch",
        purpose=FETCH_PURPOSE,
        channel=Channel.HTTP,
        at=at,
    )


def subjects_served(served: Sequence[tuple[UUID, UUID | None]]) -> list[tuple[UUID, SubjectKind]]:
    """Each item's customer, then its staff member (if any), in order, each subject once."""
    subjects: dict[tuple[UUID, SubjectKind], None] = {}
    for customer, staff_id in served:
        subjects[(customer, SubjectKind.CUSTOMER)] = None
        if staff_id is not None:
            subjects[(staff_id, SubjectKind.STAFF)] = None
    return list(subjects)


def _staff_of(database: Database, message_ids: list[UUID]) -> dict[UUID, UUID]:
    if not message_ids:
        return {}
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(buffer_items.c.message_id, buffer_items.c.staff_id).where(
                buffer_items.c.message_id.in_(message_ids)
            )
        ).all()
    return {row[0]: row[1] for row in rows if row[1] is not None}
