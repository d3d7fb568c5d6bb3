"""How a SQLite store's file is opened: transactions that can say IMMEDIATE, WAL, read-only media.

Why one place: the read side's engine and eventsourcing's recorder open the same file,
and must agree on how. A store lives in WAL mode (`db init` sets it; `use_wal` brings a
copy made in rollback-journal mode, such as `VACUUM INTO`'s, over to it). A file on a
read-only mount is opened immutable, so that an auditor can read a backup there: SQLite
cannot create the `-shm` file a WAL store needs beside it, and nothing can change the
file through that mount.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL

from homecare._sql.opened_file import watch_file
from homecare._sql.write_gate import WriteGate
from homecare.errors import StorageError

__all__ = [
    "folder_problem",
    "immutable_here",
    "install_transactions",
    "sqlite_dbname",
    "sqlite_uri",
    "use_wal",
]


def sqlite_dbname(path: Path, *, immutable: bool = False) -> str:
    """The SQLite URI filename of an existing store at `path`, never creating it: read-write,
    or read-only and immutable (`immutable_here`)."""
    query = "mode=ro&immutable=1" if immutable else "mode=rw"
    return f"file:{quote(str(path.resolve()))}?{query}"


def sqlite_uri(url: URL, mode: str, *, immutable: bool = False) -> URL:
    """`url` as a SQLite URI filename opened with `mode` (`rw` never creates the file);
    `immutable`: read-only (`mode=ro`) and immutable, whatever `mode` says."""
    path = Path(url.database or "").resolve()
    if immutable:
        mode = "ro"
    query = {"mode": mode, "uri": "true"} | ({"immutable": "1"} if immutable else {})
    return url.set(database=f"file:{quote(str(path))}", query=query)


def _on_read_only_mount(folder: Path) -> bool:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:  # pragma: no cover - Windows
        return False
    try:
        return bool(statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _pending(path: Path) -> list[Path]:
    """The write-ahead log or rollback journal beside `path` that still holds pages."""
    found = []
    for suffix in ("-wal", "-journal"):
        side = path.with_name(path.name + suffix)
        try:
            if side.stat().st_size > 0:
                found.append(side)
        except OSError:
            continue
    return found


def immutable_here(path: Path) -> bool:
    """Whether the store at `path` is read as immutable: its folder is on a read-only mount,
    and no log beside it holds pages the file lacks (it alone is then the whole store)."""
    return path.is_file() and _on_read_only_mount(path.parent) and not _pending(path)


def folder_problem(path: Path) -> str | None:
    """Why SQLite cannot open the existing store at `path` when its folder cannot be
    written (None: the folder can be, or there is no such file)."""
    folder = path.parent
    if not path.is_file() or (os.access(folder, os.W_OK) and not _on_read_only_mount(folder)):
        return None
    pending = _pending(path)
    if pending:
        names = " and ".join(p.name for p in pending)
        return (
            f"its folder {folder} is read-only and {names} beside it holds changes not yet in "
            f"{path.name}: copy {path.name} with {names} to a writable folder and read the copy"
        )
    return (
        f"its folder {folder} is not writable, and SQLite must create {path.name}-shm there "
        f"to read a store in WAL mode: copy {path.name} to a writable folder and read the copy"
    )


def use_wal(engine: Engine, path: Path) -> None:
    """Switch the store's file at `path` to WAL if it is not (a backup made by `VACUUM INTO`
    or a copy of a file in rollback-journal mode).

    Why before anything else reads: the switch needs the file to itself. eventsourcing's
    recorder makes it on its first connection, which, with a read of ours open, fails with
    `database is locked` every time, and the file never changes. A file that cannot be
    written cannot be switched, and the recorder would fail on it: StorageError saying so.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() != "wal":
            cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        cursor.close()
    except sqlite3.OperationalError as error:
        if "readonly" not in str(error).lower():
            raise
        raise StorageError(
            f"Cannot open the store in {path}: the file is in rollback-journal mode (a copy "
            "made by VACUUM INTO?) and cannot be written, so it cannot be switched to the WAL "
            "mode homecare reads: run `homecare db upgrade` on a writable copy once, or read "
            "it from a read-only mount."
        ) from error
    finally:
        raw.close()


def install_transactions(
    engine: Engine, gate: WriteGate, *, set_wal: bool = True, path: Path | None = None
) -> None:
    """Take over BEGIN from pysqlite so that writers can say IMMEDIATE (SQLAlchemy's recipe).

    `set_wal`: switch the file to WAL (a change to the file, kept in it: done when a
    store is created; an existing one is opened as it is, so that opening a file that
    is not a homecare store changes nothing in it). `path`: the store's file, checked
    before each use to be still the file first opened (`homecare._sql.opened_file`).
    """
    if path is not None:
        watch_file(engine, path)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if set_wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(gate.timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # R16: what is deleted or overwritten (a culled subject's rows) is zeroed on disk
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    gate.install(engine)  # this process's writers queue for the lock, not poll (issue 16)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("homecare_write", False):
            gate.begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")
