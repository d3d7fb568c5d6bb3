"""The process that runs a write-behind connection's statements (`write_behind`).

Run as a script (`python -I _write_behind_child.py PATH CACHE_MB`), standard
library only: it opens the SQLite file at PATH, then reads frames from stdin,
each a pickled list of operations, and runs them in order on its one
connection. Only a read or a sync is answered (a frame on stdout). A failure
rolls the transaction back whole; it is answered to every read and sync, and
every other operation is skipped, until the caller rolls back after being told
(a rollback before that, such as a pool's on giving a connection back, does
not clear it: the caller may believe its commit went through). EOF on stdin
(the caller closed the pipe, or died) ends the process.

Frames: an 8-byte big-endian length, then that many bytes of pickle.
Operations: ("x", sql, params) execute; ("m", sql, rows) executemany;
("c",) commit; ("r",) rollback; ("q", sql, params) execute and answer the rows;
("s",) answer. Answers: ("ok", counts, lastrowid, description, rows) or ("error", class name,
message, sql, counts); `counts` are the row
counts of the x, m and q operations since the last answer, in order.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
from typing import IO, Any

_HEADER = 8


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


class Runner:
    """One connection and what has happened on it since the last answer."""

    def __init__(self, path: str, cache_mb: int) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        self.cursor = self.conn.cursor()
        self.counts: list[int] = []
        self.failed: tuple[str, str, str] | None = None
        self.reported = False

    def run(self, op: tuple[Any, ...], out: IO[bytes]) -> None:
        kind = op[0]
        if kind == "r" and self.reported:  # the caller was told, and rolls back
            self.failed, self.reported = None, False
        if self.failed is None:
            try:
                self._do(kind, op)
            except sqlite3.Error as error:
                sql = op[1] if kind in "xmq" else kind
                self.failed = (type(error).__name__, str(error), str(sql)[:200])
                self.reported = False
                self.conn.rollback()  # the transaction is lost whole, never in part
        if kind in "qs":
            self._answer(kind, out)

    def _do(self, kind: str, op: tuple[Any, ...]) -> None:
        if kind == "x" or kind == "q":
            self.cursor.execute(op[1], op[2])
        elif kind == "m":
            self.cursor.executemany(op[1], op[2])
        elif kind == "c":
            self.conn.commit()
        elif kind == "r":
            self.conn.rollback()
        if kind in "xmq":
            self.counts.append(self.cursor.rowcount)

    def _answer(self, kind: str, out: IO[bytes]) -> None:
        counts, self.counts = self.counts, []
        if self.failed is not None:  # told until the caller, told, rolls back
            name, message, sql = self.failed
            self.reported = True
            write_frame(out, ("error", name, message, sql, counts))
            return
        rows = self.cursor.fetchall() if kind == "q" else []
        description = self.cursor.description if kind == "q" else None
        write_frame(out, ("ok", counts, self.cursor.lastrowid, description, rows))


def main(path: str, cache_mb: int) -> None:
    runner = Runner(path, cache_mb)
    source, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        while (frame := read_frame(source)) is not None:
            for op in pickle.loads(frame):  # noqa: S301 (our parent, on our pipe)
                runner.run(op, out)
    except BrokenPipeError:  # the caller is gone: nothing to tell
        pass
    finally:
        runner.conn.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
