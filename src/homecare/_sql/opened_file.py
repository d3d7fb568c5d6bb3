"""Whether a SQLite store's path still names the file this process opened.

Why: SQLite reads and writes through the descriptors it holds, whatever becomes of
the file's name. A store deleted (`rm homecare.db*`) or replaced (another file moved
over it: `mv restored.db homecare.db`) under a running server went on as if nothing
had happened: `/health` said ok, `/metrics` showed the old counts, and a fetch moved
the delivered mark in a file nobody could open again (D3: the city's next server
would serve those items again, or never). Now every use of the read side's engine
first checks the path: one `os.stat` at each pool checkout (every read, every write
transaction: the fetch and its acknowledgement, a projection's page, a health probe)
and before a new connection is opened. The file's device and inode must be those
the engine opened first; otherwise StorageError saying which, and the connection in
hand is dropped (the pool closes a connection whose checkout failed). Nothing waits
or retries: a file that is gone does not come back (`homecare worker` stops on it).

The inode cannot be reused while this process holds the old file open, so a new file
at the path is never mistaken for the old one while a connection is pooled.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

from homecare.errors import StorageError

__all__ = ["OpenedFile", "opened_file", "watch_file"]

_GONE = (FileNotFoundError, NotADirectoryError)
_WATCHED: WeakKeyDictionary[Engine, OpenedFile] = WeakKeyDictionary()


class OpenedFile:
    """The identity (device, inode) of the file at `path` when it was first opened."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._noted = False
        self._identity: tuple[int, int] | None = None

    def note(self) -> None:
        """Remember the file now at `path`, the first time a connection opened it (a name
        SQLite does not open as a file, such as `:memory:`, is then never checked)."""
        if not self._noted:
            self._identity = self._stat()
            self._noted = True

    def problem(self) -> str | None:
        """Why `path` no longer names the opened file (deleted, or another file there);
        None while it does, before the first connection, and when it cannot be told."""
        if self._identity is None:
            return None
        try:
            found = self._stat()
        except OSError:  # not "gone" (permission, I/O): SQLite's own error will say what
            return None
        if found == self._identity:
            return None
        what = "deleted" if found is None else "replaced by another file"
        return (
            f"The store's file {self.path} was {what} while this process had it open: "
            "nothing more is read from or written to it. Restart the process on the store "
            "it should use (restore a deleted file from a backup first)."
        )

    def check(self) -> None:
        """Raises StorageError (`problem`) unless `path` still names the opened file."""
        found = self.problem()
        if found is not None:
            raise StorageError(found)

    def _stat(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except _GONE:
            return None
        return found.st_dev, found.st_ino


def watch_file(engine: Engine, path: Path) -> OpenedFile:
    """Check `path` at every checkout of `engine`'s connections and before each new one
    (module doc); the identity is noted by the first connection."""
    opened = OpenedFile(path)

    def _before_connect(*_args: Any) -> None:  # no new file made at a path now empty
        opened.check()

    def _connected(*_args: Any) -> None:
        opened.note()

    def _checkout(*_args: Any) -> None:
        opened.check()

    event.listen(engine, "do_connect", _before_connect)
    event.listen(engine, "connect", _connected)
    event.listen(engine, "checkout", _checkout)
    _WATCHED[engine] = opened
    return opened


def opened_file(engine: Engine) -> OpenedFile | None:
    """The file `engine` is watched for (`watch_file`); None: not a watched SQLite file."""
    return _WATCHED.get(engine)
