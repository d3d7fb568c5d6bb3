"""SQLite's writers of one process queue for the write lock in order (issue 16, `write_gate`).

The gate is taken before BEGIN IMMEDIATE and handed on after COMMIT or
ROLLBACK; an error in a write transaction, a BEGIN that fails, or a connection
given back to the pool ends its turn; a wait is bounded by the lock timeout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from homecare._sql.database import Database
from homecare._sql.write_gate import WriteGate


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    store = Database(make_url(f"sqlite:///{tmp_path / 'gate.db'}"), lock_timeout=1)
    with store.write_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    yield store
    store.dispose()


def _gate(database: Database) -> WriteGate:
    assert database.write_gate is not None
    return database.write_gate


def _count(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT n FROM counter").scalar_one())


def _increment(database: Database, pause: float = 0.0) -> None:
    with database.write_engine.begin() as conn:
        n = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
        time.sleep(pause)  # read, then write: lost updates if two writers overlapped
        conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def test_waiting_writers_take_their_turn_in_arrival_order() -> None:
    gate, order = WriteGate(5), []
    first = object()
    assert gate.enter(first)

    def writer(name: int) -> None:
        owner = object()
        assert gate.enter(owner)
        order.append(name)
        gate.leave(owner)

    threads = []
    for name in range(5):
        threads.append(threading.Thread(target=writer, args=(name,)))
        threads[-1].start()
        time.sleep(0.05)  # each queued before the next arrives
    assert order == []  # all wait for the first
    gate.leave(object())  # not the holder's: nothing happens
    assert order == []
    gate.leave(first)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert gate.holder is None


def test_a_wait_is_bounded_by_the_lock_timeout() -> None:
    gate, holder = WriteGate(0.2), object()
    assert gate.enter(holder)
    waited: list[tuple[bool, float]] = []

    def writer() -> None:
        start = time.monotonic()
        waited.append((gate.enter(object()), time.monotonic() - start))

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join(5)
    entered, seconds = waited[0]
    assert not entered  # went on without it
    assert 0.15 < seconds < 2
    assert gate.holder is holder
    assert not gate.enter(object())  # this thread already has the turn: no wait for itself
    gate.leave(holder)
    assert gate.holder is None


def test_concurrent_writers_interleave_without_lost_updates(database: Database) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(15):
                _increment(database)
        except BaseException as error:  # pragma: no cover - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert _count(database) == 8 * 15
    assert _gate(database).holder is None


def test_a_second_writer_begins_only_after_the_first_commits(database: Database) -> None:
    started, times = threading.Event(), {}

    def first() -> None:
        with database.write_engine.begin() as conn:
            started.set()
            conn.exec_driver_sql("UPDATE counter SET n = n + 1")
            time.sleep(0.3)
        times["committed"] = time.monotonic()

    def second() -> None:
        with database.write_engine.begin() as conn:
            times["began"] = time.monotonic()
            conn.exec_driver_sql("UPDATE counter SET n = n + 1")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    started.wait(5)
    threads[1].start()
    deadline = time.monotonic() + 2
    while _gate(database).waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert _gate(database).waiting == 1  # queued in the gate, not polling SQLite's lock
    for thread in threads:
        thread.join(5)
    assert times["began"] >= times["committed"]
    assert _count(database) == 2


def test_an_error_in_a_write_transaction_ends_its_turn(database: Database) -> None:
    held: list[object | None] = []

    def failing() -> None:
        with database.write_engine.begin() as conn:
            conn.exec_driver_sql("UPDATE counter SET n = 99")
            held.append(_gate(database).holder)
            raise RuntimeError("a bug in the middle of a write")

    with pytest.raises(RuntimeError):
        failing()
    assert held[0] is not None
    assert _gate(database).holder is None
    assert _count(database) == 0  # rolled back
    with pytest.raises(OperationalError), database.write_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE no_such_table SET n = 1")
    assert _gate(database).holder is None
    done = threading.Thread(target=_increment, args=(database,))
    start = time.monotonic()
    done.start()
    done.join(5)
    assert time.monotonic() - start < 0.5  # the next writer did not wait for a leak
    assert _count(database) == 1


def test_a_connection_given_back_mid_transaction_ends_its_turn(database: Database) -> None:
    conn = database.write_engine.connect()
    conn.begin()
    conn.exec_driver_sql("UPDATE counter SET n = 5")
    assert _gate(database).holder is not None
    conn.close()  # the pool rolls it back
    assert _gate(database).holder is None
    assert _count(database) == 0


def test_a_begin_that_fails_ends_its_turn(database: Database) -> None:
    path = database.sqlite_path
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            _increment(database)  # SQLite's busy timeout (1 s) still applies
        assert _gate(database).holder is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    _increment(database)
    assert _count(database) == 1


def test_the_turn_and_sqlites_busy_wait_share_the_lock_timeout(database: Database) -> None:
    """Behind another process's writer, each writer of this process gives up after about
    the lock timeout (1 s) in all: not a wait for its turn and then SQLite's own again."""
    path = database.sqlite_path
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    gave_up: list[float] = []

    def write() -> None:
        started = time.monotonic()
        try:
            _increment(database)
        except OperationalError:
            gave_up.append(time.monotonic() - started)

    threads = [threading.Thread(target=write) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
            time.sleep(0.02)
        for thread in threads:
            thread.join(10)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(gave_up) == 3
    assert max(gave_up) < 1.8  # one lock timeout and a little, not two or three
    _increment(database)  # the busy timeout is whole again for the next writer
    with database.write_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1000
