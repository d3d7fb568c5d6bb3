"""The cursor of a write-behind connection, its late row counts and its values.

See `homecare._sql.write_behind` for the connection and what runs where.
"""

from __future__ import annotations

import io
import pickle
import re
import sqlite3
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError

from homecare._sql._write_behind_child import is_rollback, keyword

__all__ = ["Cursor", "LateCount", "Sender", "is_write", "pickled"]

_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "COMMIT", "END"})
_RETURNING = re.compile(r"\bRETURNING\b", re.I)


def is_write(sql: str) -> bool:
    """Whether the statement returns no rows and may be queued: INSERT, UPDATE, DELETE,
    REPLACE without RETURNING, and BEGIN, COMMIT, END. Anything else is run as a read."""
    return keyword(sql) in _WRITES and _RETURNING.search(sql) is None


class _PlainPickler(pickle.Pickler):
    """Parameters as the child's sqlite3 will bind them, in builtin types only: what
    sqlite3 would adapt (a registered adapter: dates, datetimes) adapted here, with this
    process's adapters; a subclass of str, int or float as that type; a buffer as bytes;
    anything else refused as sqlite3 refuses it (ProgrammingError)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type) or type(obj) in (list, tuple, dict) or obj is None:
            return NotImplemented  # containers, and the types this reduces values to
        adapted = sqlite3.adapt(obj, sqlite3.PrepareProtocol, obj)
        if isinstance(adapted, int):  # bool and int enums too: sqlite3 binds their value
            return int, (int.__int__(adapted),)
        if isinstance(adapted, float):
            return float, (float.__float__(adapted),)
        if isinstance(adapted, str):
            return str, (str.__str__(adapted),)
        if isinstance(adapted, bytes | bytearray | memoryview):
            return bytes, (bytes(adapted),)
        raise sqlite3.ProgrammingError(f"type '{type(obj).__name__}' is not supported")


def pickled(op: tuple[Any, ...]) -> bytes:
    """One operation for the child, its parameters made plain (`_PlainPickler`)."""
    buffer = io.BytesIO()
    _PlainPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(op)
    return buffer.getvalue()


class Sender(Protocol):
    """What a cursor needs of its connection (`write_behind.WriteBehind`)."""

    def refuse_if_failed(self) -> None: ...
    def queue(self, op: tuple[Any, ...]) -> LateCount: ...
    def query(self, sql: str, params: Any, *, many: bool = False) -> tuple[Any, ...]: ...
    def sync(self) -> tuple[Any, ...]: ...
    def rolled_back(self) -> None: ...
    def read_direct(self, sql: str, params: Any) -> tuple[Any, list[Any]] | None: ...


class LateCount:
    """A queued statement's row count (and lastrowid), known when the child reports
    it: first use as a number waits for it. A failure found then is raised as
    SQLAlchemy raises a failed statement (a `DBAPIError`)."""

    __slots__ = ("__weakref__", "_conn", "_value", "lastrowid_")

    def __init__(self, conn: Sender) -> None:
        self._conn: Sender | None = conn
        self._value = -1
        self.lastrowid_: int | None = None

    def resolve(self, value: int, lastrowid: int | None) -> None:
        self._value, self.lastrowid_, self._conn = value, lastrowid, None

    def __int__(self) -> int:
        if self._conn is not None:
            try:
                self._conn.sync()
            except sqlite3.Error as error:
                raise DBAPIError.instance(None, None, error, sqlite3.Error) from error
        return self._value

    __index__ = __int__

    def __float__(self) -> float:
        return float(int(self))

    def __eq__(self, other: object) -> bool:
        return int(self) == other

    def __ne__(self, other: object) -> bool:
        return int(self) != other

    def __hash__(self) -> int:
        return hash(int(self))

    def __lt__(self, other: int) -> bool:
        return int(self) < other

    def __le__(self, other: int) -> bool:
        return int(self) <= other

    def __gt__(self, other: int) -> bool:
        return int(self) > other

    def __ge__(self, other: int) -> bool:
        return int(self) >= other

    def __add__(self, other: int) -> int:
        return int(self) + other

    __radd__ = __add__

    def __sub__(self, other: int) -> int:
        return int(self) - other

    def __rsub__(self, other: int) -> int:
        return other - int(self)

    def __bool__(self) -> bool:
        return bool(int(self))

    def __format__(self, spec: str) -> str:
        return format(int(self), spec)

    def __str__(self) -> str:
        return str(int(self))

    __repr__ = __str__


class Cursor:
    """A DB-API cursor of `WriteBehind`: writes queued, reads answered by the child."""

    arraysize = 1

    def __init__(self, conn: Sender) -> None:
        self._conn = conn
        self.description: Any = None
        self.rowcount: Any = -1
        self._rows: list[Any] = []
        self._next = 0
        self._last: LateCount | int | None = None

    @property
    def lastrowid(self) -> int | None:
        """This cursor's last statement's lastrowid (waits for a queued one)."""
        if isinstance(self._last, LateCount):
            int(self._last)
            return self._last.lastrowid_
        return self._last

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        if is_rollback(sql):
            self._conn.rolled_back()
        self._conn.refuse_if_failed()
        if is_write(sql):
            self._wrote(self._conn.queue(("x", sql, params)))
            return self
        here = self._conn.read_direct(sql, params)
        if here is not None:
            self.description, rows = here
            self.rowcount, self._rows, self._next = -1, rows, 0
            return self
        _, results, self.description, rows = self._conn.query(sql, params)
        self._read(rows, results[-1] if results else (-1, None))
        return self

    def executemany(self, sql: str, rows: Any) -> Cursor:
        self._conn.refuse_if_failed()
        if is_write(sql):
            self._wrote(self._conn.queue(("m", sql, list(rows))))
            return self
        _, results, self.description, found = self._conn.query(sql, list(rows), many=True)
        self._read(found, results[-1] if results else (-1, None))
        return self

    def _wrote(self, count: LateCount) -> None:
        self.description, self.rowcount, self._last = None, count, count
        self._rows, self._next = [], 0

    def _read(self, rows: list[Any], result: tuple[int, int | None]) -> None:
        self.rowcount, self._last = result
        self._rows, self._next = rows, 0

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchmany(self, size: int | None = None) -> list[Any]:
        end = self._next + (self.arraysize if size is None else size)
        taken = self._rows[self._next : end]
        self._next += len(taken)
        return taken

    def fetchall(self) -> list[Any]:
        taken = self._rows[self._next :]
        self._rows, self._next = [], 0
        return taken

    def close(self) -> None:
        self._rows, self._next = [], 0
