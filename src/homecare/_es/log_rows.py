"""Pages of the stored log read with the driver's own cursor (issue 16: the lean reader).

Why: eventsourcing's `select_notifications` builds its SQL, reads each row as a
mapping (sqlite3.Row, psycopg's dict rows), parses each originator id with
`UUID.__init__` and builds a frozen dataclass per event: several microseconds
per row, more than the SQL itself. This reader runs the same SELECT (prepared
once per shape, the topics filtered in SQL), reads plain tuples through the
recorder's own connections (its pool, its locking for in-memory SQLite), and
builds each `Row` (a named tuple with `Notification`'s five fields) directly.

Equivalence: the rows are those `select_notifications(start=after, stop=stop,
topics=topics, limit=limit, inclusive_of_start=False)` returns, field for field
(`tests/storage/test_log.py`, `tests/storage/test_fastdecode.py`). A recorder of
another kind gets no reader (None): the log then uses `select_notifications`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from homecare._es.log_row import Reader, Row

__all__ = ["Reader", "Row", "reader_for", "uuid_of"]

# looked up once (an enum member's lookup costs a call; so does a NamedTuple's __new__)
_UNKNOWN = SafeUUID.unknown
_new_object = object.__new__
_set = object.__setattr__
_new_tuple = tuple.__new__


def reader_for(recorder: ApplicationRecorder) -> Reader | None:
    """The plain reader of `recorder`'s table; None for a recorder of another kind."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _SQLiteReader(recorder).read
    # a PostgreSQL recorder exists only once eventsourcing.postgres was imported; not
    # importing it before keeps `import homecare` free of psycopg and libpq (SQLite only)
    if "eventsourcing.postgres" in sys.modules:
        from homecare._es.log_rows_pg import postgres_reader

        return postgres_reader(recorder)
    return None


def uuid_of(text: str) -> UUID:
    """`UUID(text)` for the 36 characters SQLite's recorder stores (or 32 hex digits, as a
    bulk insert may write them), without `UUID.__init__`'s clean-up; anything else (never
    stored by homecare) through `UUID` itself, which accepts and rejects the same."""
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-":
        digits = text.replace("-", "")
    elif len(text) == 32:
        digits = text
    else:
        return UUID(text)
    if not (digits.isascii() and digits.isalnum()):
        return UUID(text)
    uuid = _new_object(UUID)
    _set(uuid, "int", int(digits, 16))  # a non-hex digit: ValueError, as UUID()
    _set(uuid, "is_safe", _UNKNOWN)
    return uuid


_COLUMNS = "rowid, originator_id, originator_version, topic, state"


class _SQLiteReader:
    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        self._table = recorder.events_table_name
        self._uuid: Callable[[Any], Any] = (
            uuid_of if recorder.datastore.originator_id_type == "uuid" else str
        )
        self._statements: dict[tuple[bool, int], str] = {}

    def read(self, after: int, limit: int, stop: int | None, topics: tuple[str, ...]) -> list[Row]:
        statement = self._statement(stop is not None, len(topics))
        params: list[Any] = [after, *([stop] if stop is not None else []), *topics, limit]
        uuid = self._uuid
        with self._datastore.transaction(commit=False) as cursor:
            plain = cursor.sqlite_cursor
            plain.row_factory = None  # tuples, not sqlite3.Row
            plain.execute(statement, params)
            rows = plain.fetchall()
        return [_new_tuple(Row, (r[0], uuid(r[1]), r[2], r[3], r[4])) for r in rows]

    def _statement(self, has_stop: bool, topics: int) -> str:
        key = (has_stop, topics)
        statement = self._statements.get(key)
        if statement is None:
            where = "rowid>? " + ("AND rowid<=? " if has_stop else "")
            if topics:
                where += f"AND topic IN ({','.join('?' * topics)}) "
            # the recorder's own table name and placeholders only: no value in the text
            statement = f"SELECT {_COLUMNS} FROM {self._table} WHERE {where}ORDER BY rowid LIMIT ?"  # noqa: S608
            self._statements[key] = statement
        return statement
