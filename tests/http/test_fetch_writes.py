"""Issue 16: the HTTP fetch writes once (R16, R17, issue 13 in one transaction), atomically.

The acknowledgement, the served mark, the fetch's record and its access-log
entries commit together, durably: if the entries cannot be written the fetch
fails (503) and nothing of it is kept, and the city's retry from the same
cursor gets the same items.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.exc import OperationalError

from homecare.bootstrap import Homecare
from homecare.http import create_app
from homecare.outbox.delivery import served_position
from homecare.outbox.fetches import fetch_figures
from homecare.outbox.store import Served
from homecare.privacy import AccessLog
from tests.http.conftest import CITY, TOKENS, fill


@contextmanager
def statements(hc: Homecare) -> Iterator[list[str]]:
    """Every statement the store's engine sends while the block runs, and 'COMMIT' for
    each commit."""
    seen: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip().upper())

    def committed(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(hc.database.engine, "before_cursor_execute", executed)
    event.listen(hc.database.engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(hc.database.engine, "before_cursor_execute", executed)
        event.remove(hc.database.engine, "commit", committed)


def _served(hc: Homecare) -> int:
    with hc.database.engine.connect() as conn:
        return served_position(conn)


def test_a_fetch_writes_in_one_durable_transaction(hc: Homecare) -> None:
    fill(hc, 6, customers=3)
    client = TestClient(create_app(hc, TOKENS))
    first = client.get("/buffer/items", params={"limit": 3}, headers=CITY).json()
    with statements(hc) as seen:  # acknowledges 3, serves 3 more, records 1 + 4 rows
        second = client.get(
            "/buffer/items", params={"after": first["cursor"], "limit": 3}, headers=CITY
        )
    assert len(second.json()["items"]) == 3
    writes = [s for s in seen if s.startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 5  # served mark, delivered mark, receipt, fetch record, entries
    if hc.database.is_sqlite:
        assert seen.count("BEGIN IMMEDIATE") == 1
        assert seen.count("COMMIT") == 2  # the read's, and the one write transaction's
    else:
        assert seen.count("COMMIT") == 1
    assert not any("SYNCHRONOUS_COMMIT" in s for s in seen)  # R17's entries: durable
    assert hc.buffer.delivered_position() == 3
    assert _served(hc) == 6
    assert [f.fetches for f in fetch_figures(hc.database)] == [2]


def test_entries_that_cannot_be_written_fail_the_fetch_and_keep_nothing(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(hc, 6, customers=3)
    client = TestClient(create_app(hc, TOKENS), raise_server_exceptions=False)
    first = client.get("/buffer/items", params={"limit": 3}, headers=CITY).json()
    entries, served = len(hc.access.entries()), _served(hc)
    recorded = AccessLog.record

    def written_then_failing(log: AccessLog, *args: Any, **kwargs: Any) -> int:
        recorded(log, *args, **kwargs)  # the rows are in the fetch's transaction...
        raise OperationalError("INSERT", {}, Exception("disk full"))  # ...which then fails

    monkeypatch.setattr(AccessLog, "record", written_then_failing)
    params = {"after": first["cursor"], "limit": 3}
    failed = client.get("/buffer/items", params=params, headers=CITY)
    assert failed.status_code == 503
    assert hc.buffer.delivered_position() == 0  # nothing acknowledged
    assert hc.buffer.delivered_at(3) is None
    assert _served(hc) == served == 3  # the items did not go out
    assert len(hc.access.entries()) == entries
    assert [f.fetches for f in fetch_figures(hc.database)] == [1]
    monkeypatch.undo()
    retried = client.get("/buffer/items", params=params, headers=CITY)
    assert retried.status_code == 200
    assert retried.json()["items"]
    again = client.get("/buffer/items", params=params, headers=CITY)
    assert retried.content == again.content  # the same items, byte for byte
    assert hc.buffer.delivered_position() == 3
    assert _served(hc) == 6
    assert len(hc.access.entries()) > entries


def test_a_hosts_writes_share_the_fetchs_transaction(hc: Homecare) -> None:
    fill(hc, 4, customers=2)
    first = hc.buffer.fetch_page(limit=2)
    seen: list[Served] = []

    def failing(_conn: Connection, served: Served) -> None:
        seen.append(served)
        raise RuntimeError("the host's write failed")

    with pytest.raises(RuntimeError):
        hc.buffer.fetch_page(after=first.cursor, limit=2, then=failing)
    assert hc.buffer.delivered_position() == 0
    assert [(s.count, len(s.subjects)) for s in seen] == [(2, 2)]
    page = hc.buffer.fetch_page(after=first.cursor, limit=2, then=lambda *_: None)
    assert (page.count, page.subjects) == (seen[0].count, seen[0].subjects)
    assert page.cursor == seen[0].cursor
    assert hc.buffer.delivered_position() == 2


def test_a_store_that_may_only_be_read_fetches_as_before(
    hc: Homecare, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fill(hc, 2, customers=2)
    client = TestClient(create_app(hc, TOKENS), raise_server_exceptions=False)
    expected = client.get("/buffer/items", headers=CITY).content
    entries = len(hc.access.entries())

    def read_only(*_args: Any, **_kwargs: Any) -> int:
        raise OperationalError("INSERT", {}, Exception("attempt to write a readonly database"))

    monkeypatch.setattr(AccessLog, "record", read_only)
    with caplog.at_level("WARNING", logger="homecare.privacy"):
        response = client.get("/buffer/items", headers=CITY)
    assert response.status_code == 200
    assert response.content == expected
    warned = [m for m in caplog.messages if "access not recorded (read-only store)" in m]
    assert len(warned) == 3  # two customers, one staff member
    monkeypatch.undo()
    assert len(hc.access.entries()) == entries
