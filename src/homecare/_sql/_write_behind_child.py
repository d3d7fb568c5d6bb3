"""The process that runs a write-behind connection's statements (`write_behind`).

Run as a script (`python -I _write_behind_child.py PATH CACHE_MB`), standard
library only: it opens the SQLite file at PATH, then reads frames from stdin,
each a pickled list of pickled operations, and runs them in order on its one
connection. Only a read or a sync is answered (a frame on stdout).

A failed read is answered as it fails, and nothing else changes (as on a plain
connection). A failed write, commit or rollback is kept: it is answered to every
read and sync, and every other operation is skipped, until the caller rolls back
after being told (a rollback before that, such as a pool's on taking a
connection back, does not clear it: the caller may believe its commit went
through), so a transaction with a failure is never committed in part. EOF on
stdin (the caller closed the pipe, or died) ends the process.

Frames: an 8-byte big-endian length, then that many bytes of pickle.
Operations: ("x", sql, params) execute; ("m", sql, rows) executemany;
("c",) commit; ("r",) rollback; ("q", sql, params) execute and answer the rows;
("n", sql, rows) executemany and answer (a statement that is not a plain write);
("s",) answer. A statement whose SQL ends with `EVERY_ROW` must change one row per
parameter set (one for x and q), or it fails (LookupError). Answers: ("ok", results, description,
rows) or ("error", class name, message, sql, results, failed_read); `results` are
the (rowcount, lastrowid) of the x, m, q and n operations run since the last answer,
in order.
"""

from __future__ import annotations

import math
import pickle
import re
import sqlite3
import sys
from typing import IO, Any

_HEADER = 8
EVERY_ROW = " /* every row */"
"""Ends an UPDATE that must find one row for each parameter set (`lean.Statement`)."""
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


def keyword(sql: str) -> str:
    """The statement's first word, upper case, after whitespace and comments."""
    rest = sql[_LEADING.match(sql).end() :]  # type: ignore[union-attr]  # matches always
    return rest[:9].split(None, 1)[0].upper() if rest.strip() else ""


def is_rollback(sql: str) -> bool:
    """Whether the statement rolls the whole transaction back (not `ROLLBACK TO`)."""
    if keyword(sql) != "ROLLBACK":
        return False
    return re.search(r"\bTO\b", sql, re.I) is None


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame's bytes, or None at EOF."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    size = int.from_bytes(header, "big")
    body = stream.read(size)
    if len(body) < size:
        return None
    return body


def write_frame(stream: IO[bytes], payload: object) -> None:
    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(body).to_bytes(_HEADER, "big") + body)
    stream.flush()


def _regexp(pattern: str, value: str | None) -> bool | None:
    """SQLAlchemy's REGEXP for SQLite (its pysqlite dialect registers the same)."""
    return None if value is None else re.search(pattern, value) is not None


def add_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions SQLAlchemy's pysqlite dialect adds to a connection: REGEXP, floor."""
    conn.create_function("regexp", 2, _regexp, deterministic=True)
    conn.create_function("floor", 1, math.floor, deterministic=True)


class Runner:
    """One connection and what has happened on it since the last answer."""

    def __init__(self, path: str, cache_mb: int) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        self.conn.execute("PRAGMA secure_delete=ON")  # as every read-side connection (R16)
        add_functions(self.conn)
        self.cursor = self.conn.cursor()
        self.results: list[tuple[int, int | None]] = []
        self.failed: tuple[str, str, str] | None = None
        self.reported = False

    def run(self, op: tuple[Any, ...], out: IO[bytes]) -> None:
        kind = op[0]
        rolls_back = kind == "r" or (kind in "xq" and is_rollback(op[1]))
        if rolls_back and self.reported:  # the caller was told, and rolls back
            self.failed, self.reported = None, False
        if self.failed is None:
            try:
                self._do(kind, op)
            except Exception as error:  # told to the caller, by class name
                told = (type(error).__name__, str(error), _named(op))
                if kind in "qn":  # a read fails as it fails, nothing else changes
                    write_frame(out, ("error", *told, self._taken(), True))
                    return
                self.failed, self.reported = told, False
        if kind in "qns":
            self._answer(kind, out)

    def _do(self, kind: str, op: tuple[Any, ...]) -> None:
        if kind == "x" or kind == "q":
            self.cursor.execute(op[1], op[2])
            check_every_row(op[1], 1, self.cursor.rowcount)  # one row: sent by execute
        elif kind == "m" or kind == "n":
            self.cursor.executemany(op[1], op[2])
            check_every_row(op[1], len(op[2]), self.cursor.rowcount)
        elif kind == "c":
            self.conn.commit()
        elif kind == "r":
            self.conn.rollback()
        if kind in "xmqn":
            self.results.append((self.cursor.rowcount, self.cursor.lastrowid))

    def _taken(self) -> list[tuple[int, int | None]]:
        results, self.results = self.results, []
        return results

    def _answer(self, kind: str, out: IO[bytes]) -> None:
        if self.failed is not None:  # told until the caller, told, rolls back
            self.reported = True
            write_frame(out, ("error", *self.failed, self._taken(), False))
            return
        rows = self.cursor.fetchall() if kind in "qn" else []
        description = self.cursor.description if kind in "qn" else None
        write_frame(out, ("ok", self._taken(), description, rows))


def check_every_row(sql: str, rows: int, count: int) -> None:
    """Raise LookupError if `sql` ends with `EVERY_ROW` and changed fewer than `rows`."""
    if count != rows and sql.endswith(EVERY_ROW):
        target = sql.split(" SET ", 1)[0]
        raise LookupError(f"{target}: {rows - count} of {rows} rows to update are not stored")


def _named(op: tuple[Any, ...]) -> str:
    kind = op[0]
    if kind in "xmqn":
        return str(op[1])[:200]
    return "COMMIT" if kind == "c" else "ROLLBACK" if kind == "r" else str(kind)


def main(path: str, cache_mb: int) -> None:
    runner = Runner(path, cache_mb)
    source, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        while (frame := read_frame(source)) is not None:
            for pickled in pickle.loads(frame):  # noqa: S301 (our parent, on our pipe)
                runner.run(pickle.loads(pickled), out)  # noqa: S301
    except BrokenPipeError:  # the caller is gone: nothing to tell
        pass
    finally:
        runner.conn.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
