"""A fetch's `then` that calls homecare back for a write of its own is refused at once.

Found by review: `hc.buffer.fetch_page(after=None, limit=1, then=lambda conn, s:
hc.app.register_customer(...))` (or `hc.buffer.fetch`, `hc.catch_up` in `then`) hung
for the whole lock timeout on SQLite (30 s by default), then failed as "cannot be
reached: OperationalError": `then` runs inside the fetch's BEGIN IMMEDIATE, holding
the write gate, and the call's own write waited for it. On PostgreSQL the same call
succeeded. Now both stores refuse it at once with ReentrantWriteError (code
`reentrant_write`, D7), and the fetch fails as any error in `then` fails it: nothing
acknowledged, nothing written. `then` writes through the `conn` it is given.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from homecare import ReentrantWriteError
from homecare._sql.database import Database
from homecare._sql.write_gate import WriteGate
from homecare.bootstrap import Homecare
from homecare.domain import Customer
from homecare.domain.privacy import SubjectKind
from homecare.outbox.store import Served
from homecare.privacy import Access, Channel
from tests.domain.pnr import VALID
from tests.scenario import ACTOR, Scenario

LATER = datetime(2026, 12, 1, 9, tzinfo=UTC)

Inner = Callable[[Homecare, UUID], Any]

INNER: dict[str, Inner] = {
    "register a customer": lambda hc, c: hc.app.register_customer(
        personnummer=VALID, name="Y", organisation="O", actor=ACTOR, at=LATER
    ),
    "open a contract (no personal field)": lambda hc, c: hc.app.open_contract(
        c, actor=ACTOR, at=LATER
    ),
    "a read that is logged": lambda hc, c: hc.app.get(Customer, c),
    "another fetch that writes": lambda hc, c: hc.buffer.fetch(),
    "catch up": lambda hc, c: hc.catch_up(),
    "an access-log entry of its own": lambda hc, c: hc.access.record(
        [
            Access(
                reader="eva",
                subject_id=c,
                subject_kind=SubjectKind.CUSTOMER,
                what="customer",
                purpose="p",
                channel=Channel.FACADE,
            )
        ]
    ),
}


def _world(hc: Homecare) -> UUID:
    scenario = Scenario(hc.app)
    staff, customer = scenario.staff(), scenario.customer()
    scenario.visit(customer, staff)
    scenario.visit(customer, staff)
    hc.catch_up()
    return customer.id


def _state(hc: Homecare) -> tuple[int, int, int, str | None]:
    """Events, access-log entries, delivered mark, and what a fetch from the start serves."""
    first = hc.buffer.fetch_page(limit=1)
    return hc.log.end(), len(hc.access.entries()), hc.buffer.delivered_position(), first.cursor


@pytest.mark.parametrize("inner", list(INNER), ids=list(INNER))
def test_a_write_of_its_own_inside_then_is_refused_at_once_on_both_stores(
    hc: Homecare, inner: str
) -> None:
    customer = _world(hc)
    first = hc.buffer.fetch(limit=1).cursor
    before = _state(hc)
    started = time.monotonic()
    with pytest.raises(ReentrantWriteError) as caught:
        hc.buffer.fetch_page(
            after=first, limit=1, then=lambda conn, served: INNER[inner](hc, customer)
        )
    assert time.monotonic() - started < 5  # not the lock timeout (30 s)
    assert caught.value.code == "reentrant_write"
    assert isinstance(caught.value, RuntimeError)
    assert "then" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert _state(hc)[:3] == before[:3]  # nothing acknowledged, nothing written
    # after the fetch returns, the same call works
    served = hc.buffer.fetch_page(after=first, limit=1)
    assert served.count == 1
    INNER[inner](hc, customer)


def test_then_writes_through_its_conn_and_may_read(hc: Homecare) -> None:
    """What `then` is for still works: writes through `conn`, and reads that write
    nothing (a view of the buffer) on connections of their own."""
    _world(hc)
    seen: list[Any] = []

    def then(conn: Connection, served: Served) -> None:
        seen.append(hc.buffer.month(2026, 3))
        seen.append(hc.buffer.delivered_position())
        hc.access.record(
            [
                Access(
                    reader="city",
                    subject_id=subject,
                    subject_kind=SubjectKind.CUSTOMER,
                    what="fetch",
                    purpose="p",
                    channel=Channel.HTTP,
                )
                for subject, _staff in served.subjects
            ],
            conn=conn,
        )

    entries = len(hc.access.entries())
    page = hc.buffer.fetch_page(limit=2, then=then)
    assert page.count == 2
    assert len(seen) == 2
    assert len(hc.access.entries()) == entries + 2


def test_the_write_gate_refuses_its_holders_thread_a_second_connection(tmp_path: Path) -> None:
    """SQLite, underneath: a thread holding the write lock on one connection asking for it
    on another would wait for itself; refused at once. A turn left on a connection that
    is no longer in a transaction (leaked) is gone on without, as before."""
    database = Database(make_url(f"sqlite:///{tmp_path / 'gate.db'}"), lock_timeout=30)
    try:
        with database.write_engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        started = time.monotonic()
        with database.write_engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            with pytest.raises(ReentrantWriteError), database.write_engine.begin() as other:
                other.exec_driver_sql("INSERT INTO t VALUES (2)")
            with pytest.raises(ReentrantWriteError):
                database.before_write()
            database.before_write(conn)  # into this very transaction: fine
        assert time.monotonic() - started < 5
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT n FROM t").scalars().all() == [1]
    finally:
        database.dispose()
    gate, leaked = WriteGate(0.2), sqlite3.connect(":memory:")
    assert gate.enter(leaked)  # not in a transaction
    assert not gate.enter(object())  # this thread's leaked turn: gone on without
    assert not gate.held_here()
    done: list[bool] = []
    other_thread = threading.Thread(target=lambda: done.append(gate.held_here()))
    other_thread.start()
    other_thread.join(5)
    assert done == [False]


class _CallingBack:
    """A host's projection that calls the facade from inside its page."""

    name = "calling_back"
    version = 1
    tables = ()
    topics = (get_topic(Customer.Registered),)

    def __init__(self, hc: Homecare) -> None:
        self.hc = hc

    def process(self, conn: Connection, events: Sequence[Any]) -> None:
        for _position, event in events:
            self.hc.app.open_contract(event.originator_id, actor=ACTOR, at=LATER)


def test_a_projection_calling_homecare_back_from_its_page_is_refused_on_both_stores(
    hc: Homecare,
) -> None:
    """The same kind inside a projection's page (`add_projection`): its write would wait
    for the page on SQLite; refused at once on both, as the projection's code's error
    (not an event it cannot apply), and nothing of the page is kept."""
    customer = _world(hc)
    hc.add_projection(_CallingBack(hc))
    events = hc.log.end()
    started = time.monotonic()
    with pytest.raises(ReentrantWriteError):
        hc.catch_up()
    assert time.monotonic() - started < 5
    assert hc.log.end() == events
    assert {r.name: r.position() for r in hc.runners}["calling_back"] == 0
    assert hc.stopped() == []
    hc.runners.pop()
    hc.app.open_contract(customer, actor=ACTOR, at=LATER)  # outside the page: fine
