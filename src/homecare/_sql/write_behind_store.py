"""The audit's scratch store written by a process of its own (issue 16, D6).

An engine over one `homecare._sql.write_behind.WriteBehind` connection: see
there for what is run where and how failures are told.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from homecare._sql.write_behind import WriteBehind

__all__ = ["WriteBehindStore"]


class WriteBehindStore:
    """An engine of one `WriteBehind` connection to the SQLite file at `path`, and the
    child behind it: `sync` waits for what was sent, `close` ends the child.

    Transactions begin with a plain BEGIN: the child is the file's only writer. The
    child starts at once; OSError if it cannot be (no interpreter to run it with, no
    processes allowed).
    """

    def __init__(self, path: Path, *, cache_mb: int = 16) -> None:
        self._made: list[WriteBehind] = []

        def connect() -> WriteBehind:
            behind = WriteBehind(path, cache_mb)
            self._made.append(behind)
            return behind

        self.engine: Engine = create_engine(
            "sqlite+pysqlite://", creator=connect, poolclass=StaticPool
        )

        @event.listens_for(self.engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

        self.engine.connect().close()  # the child now: OSError if it cannot be started

    def sync(self) -> None:
        """Wait for every statement sent to have run; raise the first that failed as
        SQLAlchemy raises a failed statement (a `DBAPIError` subclass)."""
        for behind in self._made:
            try:
                behind.sync()
            except sqlite3.Error as error:
                raise DBAPIError.instance("(sync)", None, error, sqlite3.Error) from error

    def close(self, *, abandon: bool = False) -> None:
        """End the child: after running what was sent, or at once (`abandon`: the
        caller failed and what is queued will not be looked at)."""
        if abandon:
            for behind in self._made:
                behind.kill()
        self.engine.dispose()
