"""One SQLite writer at a time within the process, queued first come first served (issue 16).

Why: SQLite has one write lock per file, and a connection that finds it taken
waits in its busy handler, which sleeps and tries again with a growing back-off
(1, 2, 5, 10 ... 100 ms), not in order. With 8 threads of one server writing
(the city's concurrent fetches), an unlucky fetch slept through many others'
transactions: a long, unfair tail. The gate queues this process's writers
before BEGIN IMMEDIATE and hands the turn to the next one as soon as the
previous COMMIT or ROLLBACK has run, so SQLite's busy wait is left for writers
of other processes (the worker, the CLI), where it still applies.

Rules: a connection holds the gate from its BEGIN IMMEDIATE until its
transaction ends (commit, rollback, the pool's reset, checkin, invalidation or
close: whichever comes first releases it; a second release is a no-op). A
writer waits at most the store's lock timeout for its turn, then goes on without
it (a leak cannot stop the store), and SQLite's busy wait gets only what is left
of that timeout: a writer gives up after about the lock timeout in all, as
without the gate. A thread that already holds the gate on another connection,
in a transaction there, is refused at once (ReentrantWriteError): SQLite's lock
would keep its second connection waiting for the first, which waits for it, the
whole lock timeout (a fetch's `then` calling the facade); a turn it holds on a
connection no longer in a transaction (leaked) is gone on without. The
gate orders the writers of this engine (SQLAlchemy's connections: projections,
the fetch's marks, the access log); eventsourcing's recorder writes events on its
own connections, which wait in SQLite's busy handler as before.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event

from homecare.errors import ReentrantWriteError

__all__ = ["REENTRANT", "WriteGate"]

REENTRANT = (
    "homecare was called to write from inside one of its own write transactions on the "
    "same store (a fetch's `then`), which it would wait for: write through the `conn` "
    "given to `then`, or after the fetch returns."
)

_SHORT = 0.001
"""A wait for the turn shorter than this leaves SQLite's busy timeout as it is (seconds)."""
_LEAST = 0.05
"""SQLite's busy wait after a long wait for the turn is never shorter than this (seconds):
a turn that leaked still gets a real try at the lock."""


class WriteGate:
    """A first-come-first-served turn among one engine's SQLite write transactions.

    `timeout`: the longest wait in seconds (the store's lock timeout). The owner of
    a turn is the driver's connection (sqlite3.Connection) that writes.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._changed = threading.Condition()
        self._holder: object | None = None
        self._thread: int | None = None
        self._queue: deque[object] = deque()

    @property
    def holder(self) -> object | None:
        """The driver connection whose transaction has the turn (None: nobody's)."""
        return self._holder

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn."""
        return len(self._queue)

    def held_here(self) -> bool:
        """Whether this thread has the turn, in a transaction on its connection."""
        with self._changed:
            return self._thread == threading.get_ident() and _in_transaction(self._holder)

    def enter(self, owner: object) -> bool:
        """Wait for `owner`'s turn and take it; False: gone on without it (timed out, or
        this thread has the turn on a connection no longer in a transaction: leaked).
        ReentrantWriteError when this thread has it on another connection, in a
        transaction: that one waits for this thread, which would wait for it."""
        me = threading.get_ident()
        with self._changed:
            if self._holder is owner:
                return True
            if self._holder is None and not self._queue:
                self._take(owner, me)
                return True
            if self._thread == me:
                if _in_transaction(self._holder):
                    raise ReentrantWriteError(REENTRANT)
                return False
            self._queue.append(owner)
            if self._changed.wait_for(lambda: self._holder is owner, self.timeout):
                self._thread = me
                return True
            self._queue.remove(owner)  # timed out (and not handed the turn meanwhile)
            return False

    def leave(self, owner: object) -> None:
        """End `owner`'s turn and hand it to the first in the queue; no-op if not its turn."""
        with self._changed:
            if self._holder is not owner:
                return
            self._holder, self._thread = None, None
            if self._queue:
                self._holder = self._queue.popleft()  # its thread sets `_thread` on waking
                self._changed.notify_all()

    def begin_immediate(self, conn: Connection) -> None:
        """BEGIN IMMEDIATE on `conn` in its turn; its turn ends if BEGIN fails.

        The wait for the turn and SQLite's busy wait share the lock timeout: after a
        wait, SQLite waits only for what is left of it (at least `_LEAST` seconds),
        so a writer gives up after about the lock timeout in all, as without the gate."""
        owner = _driver(conn.connection)
        started = time.monotonic()
        self.enter(owner)
        waited = time.monotonic() - started
        try:
            if waited < _SHORT:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                self._begin_within(conn, max(self.timeout - waited, _LEAST))
        except BaseException:
            self.leave(owner)
            raise

    def _begin_within(self, conn: Connection, seconds: float) -> None:
        """BEGIN IMMEDIATE with SQLite's busy timeout cut to `seconds` for it alone."""
        driver: Any = conn.connection.driver_connection
        driver.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            driver.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")

    def install(self, engine: Engine) -> None:
        """End a turn when its transaction ends: after the driver's COMMIT or ROLLBACK
        (the dialect's own, so the next writer never finds SQLite's lock still held),
        and when the pool takes the connection back, invalidates or closes it."""
        dialect: Any = engine.dialect
        dialect.do_commit = self._after(dialect.do_commit)
        dialect.do_rollback = self._after(dialect.do_rollback)

        def released(dbapi_connection: Any, *_args: Any) -> None:
            if dbapi_connection is not None:
                self.leave(dbapi_connection)

        for name in ("checkin", "invalidate", "soft_invalidate", "close"):
            event.listen(engine, name, released)

    def _after(self, ending: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(connection: Any) -> None:
            try:
                ending(connection)
            finally:
                self.leave(_driver(connection))

        return ended

    def _take(self, owner: object, thread: int) -> None:
        self._holder, self._thread = owner, thread


def _in_transaction(connection: object) -> bool:
    """Whether a driver connection (sqlite3) is inside a transaction (False: unknown)."""
    return bool(getattr(connection, "in_transaction", False))


def _driver(connection: Any) -> object:
    """The driver's connection under SQLAlchemy's pool proxy (or `connection` itself)."""
    return getattr(connection, "dbapi_connection", None) or connection
