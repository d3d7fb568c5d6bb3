"""A SQLite connection whose statements run in a process of their own (issue 16).

Why: the audit's replay spent about a quarter of its time in SQLite writing and
committing the rows each page produced, on one core of two. Here those writes
are sent, as plain values, to a child process that owns the scratch store's one
connection and runs them in order, while the replaying process reads and
decodes the next page. The child runs exactly the statements, in exactly the
order, a plain connection would have; the caller only stops waiting for them:

- a write, a commit or a rollback returns at once (queued, sent at the commit);
- a read (anything that is not INSERT, UPDATE, DELETE, BEGIN, COMMIT or ROLLBACK)
  waits for everything before it and for its own rows, so it sees every earlier
  write, as on one connection;
- a row count is known later: `cursor.rowcount` is a `LateCount` that waits for
  the child when it is first compared or converted;
- a failed write is raised by the next read (or `sync`) as the same sqlite3
  error class, its message naming the statement that failed. Its transaction is
  rolled back whole (what was queued after it is not run), so the connection
  refuses everything but a rollback until it gets one: never a partial commit.

Only for a store with a single writer that may lose its last transaction (the
audit's scratch store, thrown away after the comparison); the child opens it
with `synchronous=OFF`. The child is a script of the standard library only
(`_write_behind_child.py`); it ends when the pipe closes, also if this process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import pickle
import sqlite3
import subprocess
import sys
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from homecare._sql import _write_behind_child as child

__all__ = ["Cursor", "LateCount", "WriteBehind"]

_WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK", "REPLACE")
_PIPE_BYTES = 1 << 20
"""The pipe's buffer where Linux lets it grow: a page's frame is sent without waiting."""


class LateCount:
    """A row count the child reports later; resolved (waiting for it) on first use."""

    __slots__ = ("__weakref__", "_conn", "_value")

    def __init__(self, conn: WriteBehind) -> None:
        self._conn: WriteBehind | None = conn
        self._value = -1

    def resolve(self, value: int) -> None:
        self._value, self._conn = value, None

    def __int__(self) -> int:
        if self._conn is not None:
            self._conn.sync()
        return self._value

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        return int(self) == other

    def __hash__(self) -> int:
        return hash(int(self))

    def __lt__(self, other: int) -> bool:
        return int(self) < other

    def __gt__(self, other: int) -> bool:
        return int(self) > other

    def __bool__(self) -> bool:
        return bool(int(self))

    def __repr__(self) -> str:
        return repr(int(self))


class WriteBehind:
    """The DB-API connection SQLAlchemy is given (`write_behind_engine`)."""

    def __init__(self, path: Path, cache_mb: int = 16) -> None:
        self.isolation_level: str | None = None
        self._failed: str | None = None
        self._queued: list[tuple[Any, ...]] = []
        self._late: weakref.WeakValueDictionary[int, LateCount] = weakref.WeakValueDictionary()
        self._counted = 0  # x, m and q operations sent so far
        self._reported = 0  # ... and whose counts the child has reported
        script = Path(child.__file__)
        self._process = subprocess.Popen(  # noqa: S603 (this interpreter, our script)
            [sys.executable, "-I", str(script), str(path), str(cache_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        with contextlib.suppress(OSError, AttributeError):  # Linux only
            fcntl.fcntl(self._to.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)

    # -- DB-API ------------------------------------------------------------------

    def cursor(self) -> Cursor:
        return Cursor(self)

    def commit(self) -> None:
        self.refuse_if_failed()
        self._queued.append(("c",))
        self._send()

    def rollback(self) -> None:
        self._failed = None
        self._queued.append(("r",))  # sent with what comes next, in order

    def refuse_if_failed(self) -> None:
        """After a failure was raised, only a rollback is accepted."""
        if self._failed is not None:
            raise sqlite3.OperationalError(f"roll back first: {self._failed}")

    def close(self) -> None:
        """Wait for what was sent to be run, then end the child."""
        if self._process.poll() is None:
            with contextlib.suppress(OSError, sqlite3.Error):
                self.sync()
        with contextlib.suppress(OSError):
            self._to.close()  # EOF: the child ends
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
        self._from.close()
        if self._process.stderr is not None:
            self._process.stderr.close()

    def kill(self) -> None:
        """End the child now, dropping what it has not run."""
        self._process.kill()
        self._process.wait()

    def create_function(self, *_args: Any, **_kwargs: Any) -> None:
        """SQLAlchemy's SQL functions (regexp, floor) are not available in the child."""

    # -- ours ----------------------------------------------------------------------

    def sync(self) -> tuple[Any, ...]:
        """Wait until every statement sent has run; raise the first that failed."""
        return self._ask(("s",))

    def query(self, sql: str, params: Any) -> tuple[Any, ...]:
        self._counted += 1
        return self._ask(("q", sql, params))

    def queue(self, op: tuple[Any, ...]) -> LateCount:
        self._queued.append(op)
        count = LateCount(self)
        self._late[self._counted] = count
        self._counted += 1
        return count

    def _ask(self, op: tuple[Any, ...]) -> tuple[Any, ...]:
        self._queued.append(op)
        self._send()
        answer = self._receive()
        self._resolve(answer[4] if answer[0] == "error" else answer[1])
        if answer[0] == "error":
            _, name, message, sql, *_ = answer
            failed: type[sqlite3.Error] = getattr(sqlite3, name, sqlite3.OperationalError)
            self._failed = f"{message} (an earlier statement, run behind: {sql})"
            raise failed(self._failed)
        return answer

    def _resolve(self, counts: Sequence[int]) -> None:
        for count in counts:
            late = self._late.pop(self._reported, None)
            if late is not None:
                late.resolve(count)
            self._reported += 1
        # what failed and what was skipped after it reports no count
        for index in range(self._reported, self._counted):
            late = self._late.pop(index, None)
            if late is not None:
                late.resolve(-1)
        self._reported = self._counted

    def _send(self) -> None:
        frame = pickle.dumps(self._queued, protocol=pickle.HIGHEST_PROTOCOL)
        self._queued = []
        try:
            self._to.write(len(frame).to_bytes(8, "big") + frame)
            self._to.flush()
        except (BrokenPipeError, ValueError) as error:
            raise self._gone() from error

    def _receive(self) -> tuple[Any, ...]:
        frame = child.read_frame(self._from)
        if frame is None:
            raise self._gone()
        answer: tuple[Any, ...] = pickle.loads(frame)  # noqa: S301 (our child, our pipe)
        return answer

    def _gone(self) -> sqlite3.OperationalError:
        code = self._process.wait()
        told = b"" if self._process.stderr is None else self._process.stderr.read()[-500:]
        last = told.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return sqlite3.OperationalError(f"the write-behind process ended ({code}): {last[0]}")


class Cursor:
    """A DB-API cursor of `WriteBehind`: writes queued, reads answered by the child."""

    arraysize = 1

    def __init__(self, conn: WriteBehind) -> None:
        self._conn = conn
        self.description: Any = None
        self.rowcount: Any = -1
        self._rows: list[Any] = []
        self._lastrowid: int | None = None

    @property
    def lastrowid(self) -> int | None:
        """The child's lastrowid after the statements sent so far (waits for them)."""
        last: int | None = self._conn.sync()[2]
        return last

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        self._conn.refuse_if_failed()
        if _is_write(sql):
            self._wrote(self._conn.queue(("x", sql, params)))
        else:
            _, counts, _, self.description, self._rows = self._conn.query(sql, params)
            self.rowcount = counts[-1] if counts else -1
        return self

    def executemany(self, sql: str, rows: Any) -> Cursor:
        self._conn.refuse_if_failed()
        if not _is_write(sql):
            raise sqlite3.ProgrammingError("executemany of a statement that returns rows")
        self._wrote(self._conn.queue(("m", sql, list(rows))))
        return self

    def _wrote(self, count: LateCount) -> None:
        self.description, self._rows, self.rowcount = None, [], count

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        taken, self._rows = self._rows[:size], self._rows[size:]
        return taken

    def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    def close(self) -> None:
        self._rows = []


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:8].upper()
    return head.startswith(_WRITES) and "RETURNING" not in sql.upper()
