"""The lean log reader on PostgreSQL (`homecare._es.log_rows`), apart so that importing
homecare needs neither psycopg nor libpq when the store is SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from homecare._es.log_row import Reader, Row, new_row

__all__ = ["postgres_reader"]


def postgres_reader(recorder: ApplicationRecorder) -> Reader | None:
    """The plain reader of a PostgreSQL recorder's table; None for another recorder."""
    if isinstance(recorder, PostgresApplicationRecorder):
        return _PostgresReader(recorder).read
    return None


class _PostgresReader:
    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        self._table = SQL("{}.{}").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )
        self._statements: dict[tuple[bool, bool], Any] = {}

    def read(self, after: int, limit: int, stop: int | None, topics: tuple[str, ...]) -> list[Row]:
        statement = self._statement(stop is not None, bool(topics))
        params: list[Any] = [after]
        if stop is not None:
            params.append(stop)
        if topics:
            params.append(list(topics))
        params.append(limit)
        with (
            self._datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(statement, params, prepare=True)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
        return [new_row(Row, (r[0], r[1], r[2], r[3], bytes(r[4]))) for r in rows]

    def _statement(self, has_stop: bool, has_topics: bool) -> Any:
        key = (has_stop, has_topics)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} WHERE notification_id > %s"
                + (" AND notification_id <= %s" if has_stop else "")
                + (" AND topic = ANY(%s)" if has_topics else "")
                + " ORDER BY notification_id LIMIT %s"
            ).format(self._table)
        return statement
