"""Why a store could not be opened, in an operator's words: the cause and the fix.

Why not the driver's text: it is libpq's or sqlite3's wording
(`(psycopg.OperationalError) connection failed: ... FATAL: database "x" does not
exist`), several lines long at times, and says nothing of what to run. Here the
driver's error is recognised (SQLite by its result code, PostgreSQL by libpq's and
the server's English message, which its connection errors carry without a SQLSTATE)
and told as one line naming the store and the fix; what is not recognised is named
by its kind, never by its text. The driver's error stays the cause (`__cause__`).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from homecare._sql.store_names import StoreName
from homecare.errors import StorageError, StoreNotInitialisedError

__all__ = ["opening_failure", "sqlite_path_problem"]

# SQLite's primary result codes (https://sqlite.org/rescode.html) -> what to do.
_SQLITE: dict[int, str] = {
    3: "the file or its folder may not be read or written by this user",  # SQLITE_PERM
    5: "another program holds the file's lock: try again, or stop it",  # SQLITE_BUSY
    6: "another program holds the file's lock: try again, or stop it",  # SQLITE_LOCKED
    8: "the file or its folder is read-only for this user",  # SQLITE_READONLY
    10: "the disk failed to read or write the file (is it full or gone?)",  # SQLITE_IOERR
    11: "the file is damaged: restore it from a backup",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "SQLite cannot open the file: check that it exists and that this user may "
    "read and write it and its folder",  # SQLITE_CANTOPEN
}
_NOT_A_DATABASE = 26  # SQLITE_NOTADB
_FULL = "the server at {host} has no connection left"
_NOT_YET = "the server at {host} does not accept connections now"
_UNKNOWN = "the host name {name} is unknown: fix the URL's host"
_TLS = "the secure connection to {host} failed: check ?sslmode= and the certificates"
# libpq's and the server's messages (English; every phrase of a row must be there)
# -> what to do, first match wins; {host} and {user} are the URL's.
_POSTGRES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("role ", "does not exist"), "the server at {host} has no role {user}: fix the URL's user"),
    (
        ("password authentication failed",),
        "the server at {host} refused the password of {user}: fix the URL's password",
    ),
    (
        ("no password supplied",),
        "the server at {host} asks {user} for a password: give one in the URL",
    ),
    (
        ("no pg_hba.conf entry",),
        "the server at {host} admits {user} from nowhere here: add a pg_hba.conf entry",
    ),
    (
        ("authentication failed",),
        "the server at {host} refused to authenticate {user}: check the user and password",
    ),
    (
        ("permission denied for database",),
        "{user} may not connect to the database: GRANT CONNECT ON DATABASE to it",
    ),
    (("too many clients",), _FULL),
    (("remaining connection slots",), _FULL),
    (("starting up",), _NOT_YET),
    (("shutting down",), _NOT_YET),
    (("recovery mode",), _NOT_YET),
    (
        ("connection refused",),
        "nothing answers at {host} (connection refused): check that the server runs "
        "and that the host and port are right",
    ),
    (
        ("no such file or directory",),
        "no server socket at {host}: check that the server runs and that ?host= names "
        "its socket folder",
    ),
    (("timeout expired",), "the server at {host} did not answer within connect_timeout"),
    (("resolve host",), _UNKNOWN),
    (("translate host name",), _UNKNOWN),
    (("ssl",), _TLS),
    (("certificate",), _TLS),
)


def opening_failure(error: Exception, shown_url: str, schema: str | None = None) -> StorageError:
    """The error to raise for `error`, met while opening the store at `shown_url` (masked),
    in the PostgreSQL `schema` if one is set (`StoreName`)."""
    driver = _driver_error(error)
    store = StoreName(shown_url, schema)
    if isinstance(driver, sqlite3.Error):
        return _sqlite(driver, store)
    if driver is not None:
        return _postgres(driver, store)
    if type(error).__module__.partition(".")[0] in ("sqlalchemy", "eventsourcing"):
        return StorageError(f"Cannot open the store at {store}: {type(error).__name__}.")
    first = str(error).splitlines()[0] if str(error) else "no detail"
    return StorageError(f"Cannot open the store at {store}: {type(error).__name__}: {first}")


def sqlite_path_problem(path: Path | None, *, must_exist: bool) -> str | None:
    """What keeps a SQLite store at `path` from being opened (None: nothing, or not SQLite),
    seen before sqlite3 says only "unable to open database file"."""
    if path is not None and path.is_dir():
        return f"{path} is a directory: name the store's file, e.g. sqlite:///{path}/homecare.db"
    if not must_exist and path is not None and not path.parent.is_dir():
        return f"the folder {path.parent} does not exist"
    return None


def _driver_error(error: BaseException) -> BaseException | None:
    """sqlite3's or psycopg's error behind `error` (SQLAlchemy's `.orig`, a cause), if any."""
    psycopg = sys.modules.get("psycopg")
    kinds: tuple[type[BaseException], ...] = (sqlite3.Error,)
    if psycopg is not None:
        kinds += (psycopg.Error,)
    for found in _chain(error):
        if isinstance(found, kinds):
            return found
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            yield orig
        current = current.__cause__ or current.__context__


def _sqlite(error: sqlite3.Error, shown: StoreName) -> StorageError:
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == _NOT_A_DATABASE:
        return StorageError(
            f"The file of the store at {shown} is not a SQLite database (another kind of "
            "file, or encrypted): name the store's file, or a new one for `homecare db init`."
        )
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    reason = _SQLITE.get(primary, name) if primary is not None else name
    return StorageError(f"Cannot open the store at {shown}: {reason}.")


def _postgres(error: BaseException, shown: StoreName) -> StorageError:
    text = str(error).lower()
    try:
        url = make_url(shown.url)
    except (ArgumentError, ValueError):  # pragma: no cover - a URL the settings parsed
        url = None
    database = url.database if url is not None else None
    host = _host(url) if url is not None else "the server"
    name = repr(url.host) if url is not None and url.host else "in the URL"
    user = repr(url.username) if url is not None and url.username else "the default user"
    if 'database "' in text and "does not exist" in text and database:
        return StoreNotInitialisedError(
            f"No homecare store at {shown}: the server has no database {database!r}. "
            f"Create it (CREATE DATABASE), then run `{shown.command} db init`."
        )
    for phrases, reason in _POSTGRES:
        if all(phrase in text for phrase in phrases):
            said = reason.format(host=host, user=user, name=name)
            return StorageError(f"Cannot open the store at {shown}: {said}.")
    return StorageError(
        f"Cannot open the store at {shown}: the PostgreSQL server at {host} could not be "
        f"reached or refused the connection ({type(error).__name__}; its log says why)."
    )


def _host(url: URL) -> str:
    """`host:port` as libpq reads the URL (`?host=` for a Unix socket, 5432 by default)."""
    host = url.host or url.query.get("host") or "the default socket"
    port = url.port or url.query.get("port") or 5432
    return f"{host}:{port}"
