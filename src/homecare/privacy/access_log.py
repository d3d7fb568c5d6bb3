"""R17: who read whose personal data, when, what and why: an append-only log.

Why in the store: the log must be as durable as what it guards, and a read path records
its entries in the same database (in the caller's transaction when it has one). The log
holds no personal data itself: subjects appear by id and kind, readers by the name they
act under (an operator's user name, an API token's name), `purpose` is a short reason
given by the caller or implied by the command (never a subject's data; at most 200
characters). A reader or purpose holding a digit run shaped like a personnummer or
samordningsnummer is refused (`PersonalDataInAccessLogError`, `homecare.domain.identity.
holds_identity_number`), as is a blank one or one with a control character. With a
cipher key, `reader` and `purpose` are stored sealed with the store's cipher (`sealed`
says so per row) and opened by `entries` and `review`.

API (the read paths call `record`; `log = AccessLog(database, sealer)`):
- `log.record([Access(reader=..., subject_id=..., subject_kind=..., what=...,
  purpose=..., channel=...)], conn=None) -> int`: one batched insert, in `conn`'s
  transaction or its own; returns the number recorded. `at` defaults to now (UTC).
  `what` is a short code: `customer`, `staff` (a facade read of one), `history`,
  `as_of` (audit), `fetch` (the city's fetch of an item), `view` (a CLI or console
  page), `export` (art. 15); new codes need no migration.
- `log.record_reads(entries, conn=None) -> int`: `record` for a read path: a read
  whose entries cannot be written is refused (StorageError "... not shown: its
  access-log entry could not be written"), never shown unlogged (R17); on a
  read-only store (issue 11) the entries go to the logger as warnings instead.
  `reads(subjects, reader=..., what=..., purpose=..., channel=...)` builds the
  entries of one reader's read of many subjects (a list view, a fetched page);
  a malformed reader or purpose is its one-line refusal (`refusal`).
- `log.entries(subject=None, month=None) -> list[AccessEntry]` in the order recorded
  (`month`: a Stockholm calendar month); `log.review(month, threshold=..., factor=...)
  -> AccessReview`, the monthly review (logguppföljning, `homecare.privacy.review`).
Nothing updates or deletes a row (no API does; docs/privacy.md). Both write paths ask
`Database.before_write` first: CipherKeyError when the cipher key is not the store's
(D8), ReentrantWriteError for a write of its own inside a fetch's `then`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    Uuid,
    false,
    func,
    select,
)

from homecare._es.error_map import translate
from homecare._es.sealing import Sealer
from homecare._sql.database import Database, UtcDateTime, is_read_only_error, metadata
from homecare.domain.month import Month
from homecare.errors import StorageError
from homecare.privacy.entries import STORED, Access, Channel, reads, refusal
from homecare.privacy.review import DEFAULT_FACTOR, DEFAULT_THRESHOLD, AccessReview, PairCount
from homecare.privacy.review import review as build_review

__all__ = ["Access", "AccessEntry", "AccessLog", "Channel", "access_log", "reads", "refusal"]

logger = logging.getLogger("homecare.privacy")

access_log = Table(
    "homecare_access_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UtcDateTime, nullable=False),
    # sealed with the store's cipher when it has a key (`sealed`), hence TEXT (0007)
    Column("reader", Text, nullable=False),
    Column("subject_id", Uuid, nullable=False),
    Column("subject_kind", String(8), nullable=False),
    Column("what", String(32), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("sealed", Boolean, nullable=False, server_default=false()),
    Index("ix_homecare_access_log_at", "at"),
    Index("ix_homecare_access_log_subject", "subject_id"),
)
"""R17: one row per read of one subject's personal data; no personal data in it."""


class AccessEntry(Access):
    """A recorded read: `id` in the order recorded, `at` in UTC."""

    id: int
    at: datetime


class AccessLog:
    """The access log of one store (R17); see the module doc. `sealer`: the store's
    cipher (`Sealer.for_key`; without a key the texts are stored as given)."""

    def __init__(self, database: Database, sealer: Sealer) -> None:
        self._database = database
        self._sealer = sealer

    def record(self, entries: Iterable[Access], *, conn: Connection | None = None) -> int:
        now, seal = datetime.now(UTC), self._sealer.seal
        rows = [
            entry.model_dump(mode="python")
            | {"at": entry.at or now, "sealed": self._sealer.keyed}
            | {"reader": seal(entry.reader), "purpose": seal(entry.purpose)}
            for entry in entries
        ]
        if not rows:
            return 0
        self._database.before_write(conn)  # D8: not sealed with another key than the store's
        if conn is None:
            with self._database.write_engine.begin() as own:
                own.execute(access_log.insert(), rows)
        else:
            conn.execute(access_log.insert(), rows)
        return len(rows)

    def record_reads(
        self, entries: Iterable[Access], *, conn: Connection | None = None, strict: bool = False
    ) -> int:
        """`record`, or refuse the read: StorageError when the entries cannot be written (R17).
        One exception unless `strict` (a transaction shared with other writes: it ended): a
        store that may be read but not written (an immutable file, a read-only role; issue
        11) logs each entry as a warning (ids only) and returns 0."""
        entries = list(entries)
        if entries:  # these refusals as they are, not as "could not be written"
            self._database.before_write(conn)
        try:
            return self.record(entries, conn=conn)
        except Exception as error:
            mapped = translate(error)
            if mapped is None:
                raise
            if is_read_only_error(error) and not strict:
                # It cannot hold the entries; whoever can read it can read its file too.
                for entry in entries:
                    logger.warning(
                        "access not recorded (read-only store): %s read %s %s (%s, %s, %s)",
                        entry.reader,
                        entry.subject_kind,
                        entry.subject_id,
                        entry.what,
                        entry.channel,
                        entry.purpose,
                    )
                return 0
            raise StorageError(
                "The personal data was not shown: its access-log entry (R17) could not be "
                f"written ({mapped.code}: {mapped.message})"
            ) from error

    def entries(
        self, *, subject: UUID | None = None, month: Month | None = None
    ) -> list[AccessEntry]:
        query = select(access_log).order_by(access_log.c.id)
        if subject is not None:
            query = query.where(access_log.c.subject_id == subject)
        if month is not None:
            query = _in_month(query, month)
        with self._database.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [AccessEntry.model_validate(self._opened(row), context=STORED) for row in rows]

    def review(
        self, month: Month, *, threshold: int = DEFAULT_THRESHOLD, factor: float = DEFAULT_FACTOR
    ) -> AccessReview:
        """Who read whom in `month` (Stockholm), and the readers of unusual volume."""
        c = access_log.c
        columns = (c.reader, c.sealed, c.subject_id, c.subject_kind)  # sealed: one row each
        query = _in_month(select(*columns, func.count().label("reads")).group_by(*columns), month)
        with self._database.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        counts: Counter[tuple[str, UUID, str]] = Counter()
        for row in rows:  # opened, then grouped by reader
            pair = (self._open(row, "reader"), row["subject_id"], row["subject_kind"])
            counts[pair] += row["reads"]
        pairs = [
            PairCount(reader=reader, subject_id=subject, subject_kind=kind, reads=n)
            for (reader, subject, kind), n in counts.items()
        ]
        return build_review(month, pairs, threshold=threshold, factor=factor)

    def _opened(self, row: Any) -> dict[str, Any]:
        found = {k: v for k, v in row.items() if k != "sealed"}
        return found | {"reader": self._open(row, "reader"), "purpose": self._open(row, "purpose")}

    def _open(self, row: Any, column: str) -> str:
        """A row's `reader` or `purpose` as recorded: opened when the row was sealed (a row
        sealed in a store now without its key: CipherKeyError), else as stored."""
        stored: str = row[column]
        return self._sealer.open(stored) if row["sealed"] else stored


def _in_month(query: Select[Any], month: Month) -> Select[Any]:
    start, end = month.instants()  # Stockholm midnights, [start, end)
    return query.where(access_log.c.at >= start, access_log.c.at < end)
