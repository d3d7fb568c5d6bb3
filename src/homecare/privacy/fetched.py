"""R17: the access-log entries of one fetch by the city (reader: the token's name).

Each fetched item shows its customer's personnummer, and a visit report its
staff member's too, so one fetch of N items reads up to 2N subjects; each
subject read is one entry per fetch, however many of its items it is in (what
`fetch`, purpose `the city's poll`, channel `http`). The subjects come from
the buffer's rows of the items (`customer_id`, `staff_id`: `Buffer.fetch_page`'s
`subjects`), never from the payloads.

`fetch_logged` is the HTTP fetch: the page, its fetch record (issue 13) and its
entries in ONE write transaction with the acknowledgement (issue 16: one commit
and one write lock per fetch, not three). Atomic: if the entries cannot be
written the fetch fails and acknowledges nothing; the city polls again from the
same cursor and gets the same items (R17: never shown unlogged).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, select

from homecare._sql.database import Database, is_read_only_error
from homecare.domain.privacy import SubjectKind
from homecare.errors import HomecareError
from homecare.outbox.fetches import insert_fetch, record_fetch
from homecare.outbox.messages import CustomerPauseMessage, VisitReportMessage
from homecare.outbox.store import Buffer, FetchPage, Served
from homecare.outbox.tables import items as buffer_items
from homecare.privacy.access_log import Access, AccessLog, Channel, reads

__all__ = ["FETCH_PURPOSE", "fetch_logged", "fetched", "subjects_read", "subjects_served"]

FETCH_PURPOSE = "the city's poll"


def fetch_logged(
    buffer: Buffer, log: AccessLog, *, after: str | None, limit: int, reader: str, at: datetime
) -> FetchPage:
    """`buffer.fetch_page(after, limit)` with its fetch record and R17 entries (reader the
    token's name, `at` UTC) in its write transaction; the fetch's errors, and StorageError
    ("... access-log entry ... could not be written") with nothing acknowledged.

    A store that may only be read (issue 11) fetches as before: the record and
    the entries go to the log as warnings (`record_fetch`, `AccessLog.record_reads`)."""

    def then(conn: Connection, served: Served) -> None:
        last = _position(served.cursor)
        insert_fetch(
            conn,
            token=reader,
            cursor=_position(after),
            count=served.count,
            last_position=last,
            at=at,
        )
        entries = subjects_read(served.subjects, reader=reader, at=at)
        log.record_reads(entries, conn=conn, strict=True)

    try:
        return buffer.fetch_page(after, limit, then=then)
    except HomecareError as error:
        if not is_read_only_error(error.__cause__ or error):
            raise
    page = buffer.fetch_page(after, limit)  # writes only if it acknowledges (then: refused)
    record_fetch(
        buffer.database,
        token=reader,
        cursor=_position(after),
        count=page.count,
        last_position=_position(page.cursor),
        at=at,
    )
    log.record_reads(subjects_read(page.subjects, reader=reader, at=at))
    return page


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


def _position(cursor: str | None) -> int | None:
    """The buffer position a cursor names (its leading digits), for the fetch record."""
    digits = ""
    for char in cursor or "":
        if not ("0" <= char <= "9"):
            break
        digits += char
    return int(digits) if digits else None
