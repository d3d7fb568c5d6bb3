"""The projection writer's lease: one writer of the projections per store, fenced in each page.

Why a lock alone is not enough: a PostgreSQL session-level advisory lock is
released when its session is lost (`pg_terminate_backend`, a network cut), but
the process that held it may still have pooled connections and go on writing
while a second worker has taken the lock. So the lease is two things:

- a *lock* that a second worker waits for: the advisory lock on a dedicated
  session (PostgreSQL), or a file lock beside the SQLite file (`filelock`);
- a *lease row* (`homecare_worker_lease`: owner token and epoch), taken over
  with a new epoch by whoever gets the lock, and checked inside every page's
  transaction (`guard`): the row is locked `FOR UPDATE`, its owner and epoch
  must be ours, and on PostgreSQL our lock session must still hold the lock
  (`pg_locks`). A page that fails the check writes nothing (LeaseLostError);
  a takeover waits for the row lock, so it lands between two pages, never in one.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Connection, select, text

from homecare._sql.database import Database, lease, lock_key
from homecare.errors import LeaseLostError

__all__ = ["Lease"]

logger = logging.getLogger("homecare._sql.lease")


class Lease:
    """The lease named `name` on `database`, for one process at a time.

    `acquire()` tries once (False: someone else holds it); `guard(conn)` is the
    check run inside each page's transaction; `release()` gives it up. On
    PostgreSQL `session` (a psycopg connection, autocommit) holds the lock; a
    worker LISTENs on it too (`listen`, `wait_for_notification`).
    """

    def __init__(self, database: Database, name: str = "projections") -> None:
        self.database = database
        self.name = name
        self.owner: str | None = None
        self.epoch: int | None = None
        self.session: Any = None
        self._pid: int | None = None
        self._file: FileLock | None = None
        self._key = lock_key(f"lease:{name}")

    @property
    def held(self) -> bool:
        return self.owner is not None

    def acquire(self) -> bool:
        """Take the lock and a new epoch of the lease row; False if another holds the lock."""
        if self.held:
            return True
        if not self._lock():
            return False
        owner = uuid.uuid4().hex
        try:
            with self.database.write_engine.begin() as conn:
                found = conn.execute(
                    select(lease.c.epoch).where(lease.c.name == self.name).with_for_update()
                ).scalar_one_or_none()
                epoch = (found or 0) + 1
                values = {"owner": owner, "epoch": epoch, "renewed_at": datetime.now(UTC)}
                if found is None:
                    conn.execute(lease.insert().values(name=self.name, **values))
                else:
                    conn.execute(lease.update().where(lease.c.name == self.name).values(**values))
        except BaseException:
            self.release()
            raise
        self.owner, self.epoch = owner, epoch
        logger.info("lease %s taken (epoch %d)", self.name, epoch)
        return True

    def lock_is_free(self) -> bool:
        """Whether nobody holds the lease's lock, tried once and given back; the row is not
        touched. A holder killed with `kill -9` loses its lock with its process (the file
        lock, the PostgreSQL session) while the row's `renewed_at` still looks recent.
        A lock this process may not try (its file another user's, the server refusing)
        counts as held: the row alone decides, as before the lock was asked."""
        from psycopg import Error as DriverError

        try:
            if self.held or not self._lock():
                return False
        except (OSError, DriverError):
            return False
        self.release(mark_row=False)
        return True

    def guard(self, conn: Connection) -> None:
        """Inside a page's transaction: raise LeaseLostError unless the lease is still ours."""
        if not self.held:
            raise LeaseLostError(f"The lease {self.name!r} is not held: nothing was written.")
        row = conn.execute(
            select(lease.c.owner, lease.c.epoch).where(lease.c.name == self.name).with_for_update()
        ).one_or_none()
        if row is None or row.owner != self.owner or row.epoch != self.epoch:
            self._lost("taken over by another worker")
        if self._pid is not None and not self._still_locked(conn):
            self._lost("its database session was lost")

    def renew(self) -> None:
        """Record that the holder is alive (the lease row's `renewed_at`), under the guard."""
        with self.database.write_engine.begin() as conn:
            self.guard(conn)
            conn.execute(
                lease.update().where(lease.c.name == self.name).values(renewed_at=datetime.now(UTC))
            )

    def release(self, *, mark_row: bool = True) -> None:
        """Give the lock up (the row keeps its epoch; the next holder takes a new one).

        `mark_row`: also record in the row that nobody holds it (best effort; not
        from inside a page's transaction, which holds the row's lock).
        """
        if self.owner is not None and mark_row:
            with (
                contextlib.suppress(Exception),
                self.database.write_engine.begin() as conn,
            ):
                conn.execute(
                    lease.update()
                    .where(lease.c.name == self.name, lease.c.owner == self.owner)
                    .values(owner="")
                )
        self.owner = self.epoch = None
        if self._file is not None:
            self._file.release()
            self._file = None
        if self.session is not None:
            with contextlib.suppress(Exception):  # a lost session is closed already
                self.session.close()
            self.session = None
            self._pid = None

    # -- notifications (PostgreSQL) ---------------------------------------

    @property
    def can_listen(self) -> bool:
        """Whether this lease holds a session that can wait for notifications (PostgreSQL)."""
        return self.session is not None

    def listen(self, channel: str | None) -> None:
        """LISTEN on `channel` (the event store's, NOTIFYed in each insert's transaction)
        on the lock session; a no-op without one (SQLite) or without a channel."""
        if self.session is None or not channel:
            return
        from psycopg import sql

        self.session.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait_for_notification(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for one notification on a channel `listen`ed to;
        True if one came. False at once without a session (SQLite: poll instead)."""
        if self.session is None:
            return False
        return any(True for _ in self.session.notifies(timeout=timeout, stop_after=1))

    # -- the lock ---------------------------------------------------------

    def _lock(self) -> bool:
        path = self.database.sqlite_path
        if path is not None:
            lock = FileLock(str(Path(f"{path}.{self.name}.lease.lock")))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return False
            self._file = lock
            return True
        import psycopg

        if self.database.connect_args:  # the whole URL's keywords, as both sides use (D9)
            session = psycopg.connect(**self.database.connect_args, autocommit=True)
        else:
            url = self.database.url.set(drivername="postgresql")
            session = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
            )
        got = session.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        if not got or not got[0]:
            session.close()
            return False
        self.session, self._pid = session, session.info.backend_pid
        return True

    def _still_locked(self, conn: Connection) -> bool:
        found = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = :pid AND classid = 0 AND objid = :key AND objsubid = 1 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"pid": self._pid, "key": self._key},
        ).scalar()
        return bool(found)

    def _lost(self, why: str) -> None:
        logger.warning("lease %s lost (epoch %s): %s", self.name, self.epoch, why)
        self.release(mark_row=False)
        raise LeaseLostError(
            f"The lease {self.name!r} was lost ({why}); this page was not written."
        )
