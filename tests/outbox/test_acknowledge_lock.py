"""The acknowledgement writes only when the delivered mark moves (issue 16).

A fetch whose cursor acknowledges nothing new (the city polling an empty
buffer, or fetching the same page again) reads only: on SQLite it takes no
write lock, so it neither waits for nor blocks a writer such as the catch-up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from homecare.bootstrap import Homecare, connect
from tests.conftest import init_sqlite
from tests.http.conftest import fill

_WRITES = ("BEGIN IMMEDIATE", "UPDATE", "INSERT", "DELETE")


@contextmanager
def statements(hc: Homecare) -> Iterator[list[str]]:
    """Every statement the store's engine sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip().upper())

    event.listen(hc.database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(hc.database.engine, "before_cursor_execute", record)


def _writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith(_WRITES)]


def test_only_a_fetch_that_moves_the_mark_writes(hc: Homecare) -> None:
    fill(hc, 5, customers=5)
    first = hc.buffer.fetch(limit=2)
    with statements(hc) as seen:
        hc.buffer.fetch(after=first.cursor, limit=2)  # moves the mark to 2: one receipt
    assert any(s.startswith("UPDATE") for s in seen)
    assert any(s.startswith("INSERT") for s in seen)
    receipts = hc.buffer.delivered_at(2)
    assert receipts is not None
    for again in (first.cursor, "1", None):  # at or below the mark, or no cursor
        with statements(hc) as seen:
            hc.buffer.fetch(after=again, limit=2)
            hc.buffer.fetch_json(after=again, limit=2)
        assert _writes(seen) == []
    assert hc.buffer.delivered_position() == 2
    assert hc.buffer.delivered_at(2) == receipts


def test_sqlite_a_held_write_lock_does_not_block_a_fetch_that_acknowledges_nothing_new(
    tmp_path: Any,
) -> None:
    url = init_sqlite(tmp_path / "homecare.db")
    with connect(url) as hc:
        fill(hc, 4, customers=4)
        first = hc.buffer.fetch(limit=2)
        second = hc.buffer.fetch(after=first.cursor, limit=2)  # the mark is at 2
        database = make_url(url).database
        assert database
        holder = sqlite3.connect(database, isolation_level=None, timeout=0)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            again = hc.buffer.fetch(after=first.cursor, limit=2)
            assert again == second
            assert hc.buffer.fetch_page(after=first.cursor, limit=2).count == 2
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert hc.buffer.delivered_position() == 2
