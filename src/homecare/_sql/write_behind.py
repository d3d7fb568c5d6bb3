"""A SQLite connection whose statements run in a process of their own (issue 16).

Why: the audit's replay spent about a quarter of its time in SQLite writing and
committing the rows each page produced, on one core of two. Here those writes
are sent, as plain values, to a child process that owns the scratch store's one
connection and runs them in order, while the replaying process reads and
decodes the next page. The child runs exactly the statements, in exactly the
order, a plain connection would have; the caller only stops waiting for them:

- a write, a commit or a rollback returns at once (queued, sent at the commit);
- a read (anything that is not INSERT, UPDATE, DELETE, REPLACE, BEGIN, COMMIT or
  END) waits for everything before it and for its own rows, so it sees every
  earlier write, as on one connection; a SELECT of tables the open transaction has
  not written runs in this process once the child has run the transactions before
  it (`write_behind_reads`): the same rows, without sending them through the pipe;
- a row count is known later: `cursor.rowcount` is a `LateCount` that waits for
  the child when it is first compared or converted;
- parameters are sent as sqlite3 would bind them (`write_behind_cursor.pickled`):
  adapted here, in builtin types; one it cannot bind is refused at once;
- a failed read fails as it would on a plain connection; a failed write is raised
  by the next read that waits for the child (the next transaction's first, at the
  latest) or by `sync`, as the same error class, its message naming the statement.
  What was queued after it is not run, and the connection refuses everything but a
  rollback until it gets one: never a partial commit;
- an interruption while talking to the child (Ctrl-C in the middle of a frame)
  kills the child: the connection is broken, and says so.

Only for a store with a single writer that may lose its last transaction (the
audit's scratch store, thrown away after the comparison); the child opens it
with `synchronous=OFF`. The child is a script of the standard library only
(`_write_behind_child.py`); it ends when the pipe closes, also if this process dies.
"""

from __future__ import annotations

import contextlib
import pickle
import sqlite3
import subprocess
import sys
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from homecare._sql import _write_behind_child as child
from homecare._sql.write_behind_cursor import Cursor, LateCount, pickled
from homecare._sql.write_behind_reads import DirectReads

__all__ = ["WriteBehind"]

_PIPE_BYTES = 1 << 20
"""The pipe's buffer where Linux lets it grow: a page's frame is sent without waiting."""


class WriteBehind:
    """The DB-API connection SQLAlchemy is given (`write_behind_store.WriteBehindStore`).

    Raises OSError if the child cannot be started (no interpreter to run it with)."""

    def __init__(self, path: Path, cache_mb: int = 16) -> None:
        if not sys.executable:
            raise OSError("no Python interpreter to run the write-behind process with")
        self.isolation_level: str | None = None
        self._failed: str | None = None
        self._broken: str | None = None
        self._queued: list[bytes] = []
        self._late: weakref.WeakValueDictionary[int, LateCount] = weakref.WeakValueDictionary()
        path = path.resolve()  # the child and the reads: the same file, whatever the cwd
        self._reads = DirectReads(path, max(1, cache_mb // 2))  # RSS: the OS caches the file
        self._ended = False  # a transaction ended in the child since the last answer
        self._counted = 0  # x, m, q and n operations sent so far
        self._reported = 0  # ... and whose results the child has reported
        self._process = subprocess.Popen(  # noqa: S603 (this interpreter, our script)
            [sys.executable, "-I", str(Path(child.__file__)), str(path), str(cache_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        with contextlib.suppress(ImportError, OSError, AttributeError):  # Linux only
            import fcntl

            fcntl.fcntl(self._to.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)

    # -- DB-API ------------------------------------------------------------------

    def cursor(self) -> Cursor:
        return Cursor(self)

    def commit(self) -> None:
        self.refuse_if_failed()
        self._queued.append(pickled(("c",)))
        self._transaction_ended()
        self._send()

    def rollback(self) -> None:
        self.rolled_back()
        self._queued.append(pickled(("r",)))  # sent with what comes next, in order

    def close(self) -> None:
        """Wait for what was sent to be run, then end the child (at once if broken)."""
        try:
            if self._broken is None and self._process.poll() is None:
                with contextlib.suppress(OSError, sqlite3.Error):
                    self.sync()
        finally:
            self._reads.close()
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

    def create_function(self, name: str, *_args: Any, **_kwargs: Any) -> None:
        """SQLAlchemy's SQL functions for SQLite (regexp, floor) are registered by the
        child itself; a function of this process cannot run there."""
        if name not in ("regexp", "floor"):
            raise sqlite3.NotSupportedError(f"{name}: no functions in the write-behind process")

    # -- what the cursor uses --------------------------------------------------------

    def refuse_if_failed(self) -> None:
        """After a failure was raised, only a rollback is accepted."""
        if self._broken is not None:
            raise sqlite3.OperationalError(self._broken)
        if self._failed is not None:
            raise sqlite3.OperationalError(f"roll back first: {self._failed}")

    def rolled_back(self) -> None:
        self._failed = None
        self._transaction_ended()

    def _transaction_ended(self) -> None:
        self._reads.ended()
        self._ended = True

    def read_direct(self, sql: str, params: Any) -> tuple[Any, list[Any]] | None:
        """The rows of a read run in this process (`write_behind_reads`), or None where
        only the child can answer it. Waits, once per transaction, for the child to have
        run the transactions ended before."""
        self.refuse_if_failed()
        if not self._reads.may_read(sql):
            return None
        if self._ended or self._queued:
            self.sync()
        return self._reads.read(sql, params)  # None if the file does not allow them

    def sync(self) -> tuple[Any, ...]:
        """Wait until every statement sent has run; raise the first that failed."""
        return self._ask(("s",))

    def query(self, sql: str, params: Any, *, many: bool = False) -> tuple[Any, ...]:
        """Run `sql` now (executemany of `params` if `many`) and answer its rows."""
        op = pickled(("n" if many else "q", sql, params))
        self._reads.sent(sql)
        self._counted += 1
        return self._ask(op)

    def queue(self, op: tuple[Any, ...]) -> LateCount:
        self._queued.append(pickled(op))
        self._reads.sent(op[1])
        count = LateCount(self)
        self._late[self._counted] = count
        self._counted += 1
        return count

    def _ask(self, op: tuple[Any, ...] | bytes) -> tuple[Any, ...]:
        self.refuse_if_broken()
        self._queued.append(op if isinstance(op, bytes) else pickled(op))
        self._send()
        answer = self._receive()
        self._ended = False
        self._resolve(answer[4] if answer[0] == "error" else answer[1])
        if answer[0] == "error":
            raise self._error(*answer[1:4], failed_read=answer[5])
        return answer

    def refuse_if_broken(self) -> None:
        if self._broken is not None:
            raise sqlite3.OperationalError(self._broken)

    def _error(self, name: str, message: str, sql: str, *, failed_read: bool) -> Exception:
        failed: type[Exception] = getattr(sqlite3, name, None) or _BUILTIN.get(
            name, sqlite3.OperationalError
        )
        if failed_read:
            return failed(message)
        self._failed = f"{message} (an earlier statement, run behind: {sql})"
        return failed(self._failed)

    def _resolve(self, results: Sequence[tuple[int, int | None]]) -> None:
        for count, lastrowid in results:
            late = self._late.pop(self._reported, None)
            if late is not None:
                late.resolve(count, lastrowid)
            self._reported += 1
        # what failed and what was skipped after it reports nothing
        for index in range(self._reported, self._counted):
            late = self._late.pop(index, None)
            if late is not None:
                late.resolve(-1, None)
        self._reported = self._counted

    def _send(self) -> None:
        self.refuse_if_broken()
        frame = pickle.dumps(self._queued, protocol=pickle.HIGHEST_PROTOCOL)
        self._queued = []
        with self._talking():
            self._to.write(len(frame).to_bytes(8, "big") + frame)
            self._to.flush()

    def _receive(self) -> tuple[Any, ...]:
        with self._talking():
            frame = child.read_frame(self._from)
        if frame is None:
            raise self._gone()
        answer: tuple[Any, ...] = pickle.loads(frame)  # noqa: S301 (our child, our pipe)
        return answer

    @contextlib.contextmanager
    def _talking(self) -> Any:
        """A frame half sent or half read leaves the pipe unusable: the child is ended."""
        try:
            yield
        except (BrokenPipeError, ValueError) as error:
            raise self._gone() from error
        except BaseException:
            self._broken = "the write-behind process was stopped mid-frame (interrupted)"
            self.kill()
            raise

    def _gone(self) -> sqlite3.OperationalError:
        code = self._process.wait()
        told = b""
        with contextlib.suppress(OSError, ValueError):
            told = b"" if self._process.stderr is None else self._process.stderr.read()[-500:]
        last = told.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        self._broken = f"the write-behind process ended ({code}): {last[0]}"
        return sqlite3.OperationalError(self._broken)


_BUILTIN: dict[str, type[Exception]] = {
    kind.__name__: kind for kind in (OverflowError, ValueError, TypeError, MemoryError, LookupError)
}
"""What the child raises besides sqlite3's own errors (a too large int: OverflowError; an
UPDATE of every row that found fewer: LookupError, `_write_behind_child.check_every_row`)."""
