"""One map from the errors of the libraries underneath to homecare's own (issue 12).

    library error (most specific first)        homecare error         code
    eventsourcing IntegrityError,              ConcurrentUpdateError  concurrent_update
      RecordConflictError
    eventsourcing MapperDeserialisationError   CipherKeyError (D8)    wrong_cipher_key
    eventsourcing ConnectionPoolClosedError    StorageError           storage_error
    eventsourcing PersistenceError             StorageError           storage_error
    sqlalchemy OperationalError, InterfaceError,
      DisconnectionError, TimeoutError         StorageError           storage_error
      (unreachable; not an OperationalError
      that says the schema is damaged)
    sqlalchemy SQLAlchemyError                 StorageError           storage_error
    psycopg Error (the driver, when loaded)    StorageError           storage_error

`LIBRARY_ERRORS` is that table; the nearest class in an error's MRO wins, so
eventsourcing's IntegrityError (a PersistenceError and a RecordConflictError)
is a conflict. `is_unreachable(error)` is the one test of "the store cannot be
reached": SQLite also raises OperationalError for a missing table or column, which
PostgreSQL raises as ProgrammingError; both are a failing store (the store answered),
so the runner stops a projection at the event on either store (D10). A `HomecareError`
passes through untouched, and an error the table does not name (a bug) is left as it is.
Messages name the library error's type only: a driver's text may quote a row,
personnummer included (D8).

Apply it at a boundary, as httpx maps httpcore's errors in one place:
`translated(function)` (a decorator), `mapped()` (a `with` block), or
`boundary(cls)` (every public method of a class, except `process`: a
projection's page is classified by the runner, D10). `opening(url)` is the
boundary of opening a store: any failure there is a StorageError naming the URL,
the cause and the fix (`homecare._sql.open_failure`).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final, ParamSpec, TypeVar

import eventsourcing.persistence as es
import sqlalchemy.exc as sa

from homecare._sql.database import STORE_CLOSED, is_read_only_error
from homecare._sql.open_failure import opening_failure
from homecare._sql.store_url import redact_url
from homecare.errors import CipherKeyError, ConcurrentUpdateError, HomecareError, StorageError

__all__ = [
    "LIBRARY_ERRORS",
    "READ_ONLY",
    "UNREACHABLE",
    "UNREADABLE_EVENTS",
    "Translation",
    "boundary",
    "is_unreachable",
    "mapped",
    "opening",
    "translate",
    "translated",
]

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound=type)

UNREADABLE_EVENTS: Final = (
    "Stored events cannot be read: the cipher key is wrong or missing "
    "(HOMECARE_CIPHER_KEY must be the key the store was written with)."
)
_CONFLICT: Final = (
    "Someone else changed the same record at the same time; nothing was saved. "
    "Load it again and retry."
)
UNREACHABLE: Final[tuple[type[Exception], ...]] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,
)
"""SQLAlchemy's errors of reaching the store (not of an event), unless the driver's text
says the schema is damaged (`is_unreachable`)."""
_DAMAGED_SCHEMA: Final = ("no such table", "no such column", "has no column named")
"""SQLite's OperationalError texts for a missing table or column (PostgreSQL's are a
ProgrammingError, which is not in UNREACHABLE)."""
_INSIDE_A_PAGE: Final = frozenset({"process"})
"""A projection's `process` runs inside the runner's page, which classifies its failures."""


@dataclass(frozen=True)
class Translation:
    """One row of the table: the homecare error and its message (`{kind}`: the type's name)."""

    error: type[HomecareError]
    message: str

    def of(self, library_error: BaseException) -> HomecareError:
        return self.error(self.message.format(kind=type(library_error).__name__))


_STORE_FAILED: Final = Translation(StorageError, "The store failed: {kind}.")
_CLOSED: Final = Translation(StorageError, STORE_CLOSED)
_UNREACHED: Final = Translation(StorageError, "The store cannot be reached: {kind}.")
READ_ONLY: Final = Translation(
    StorageError,
    "The store refused a write: the file or the database role is read-only "
    "or lacks a privilege ({kind}).",
)
"""Any store error whose cause says read-only or permission denied: the operator's fix is
a file mode or a grant, which the bare type name would not tell them."""
LIBRARY_ERRORS: Final[Mapping[type[Exception], Translation]] = {
    es.IntegrityError: Translation(ConcurrentUpdateError, _CONFLICT),
    es.RecordConflictError: Translation(ConcurrentUpdateError, _CONFLICT),
    es.MapperDeserialisationError: Translation(CipherKeyError, UNREADABLE_EVENTS),
    es.ConnectionPoolClosedError: _CLOSED,
    es.PersistenceError: Translation(StorageError, "The event store failed: {kind}."),
    **dict.fromkeys(UNREACHABLE, _UNREACHED),
    sa.SQLAlchemyError: _STORE_FAILED,
}
"""The table: library error class -> Translation (psycopg.Error joins it once psycopg is
loaded; it is optional for a SQLite store, so it is never imported here)."""


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` says the store cannot be reached (connection, pool, timeout), as
    opposed to a store that answered with a failure: an OperationalError whose driver
    text says a table or column is missing is a damaged schema, as on PostgreSQL."""
    return isinstance(error, UNREACHABLE) and not _says_damaged_schema(error)


def _says_damaged_schema(error: BaseException) -> bool:
    text = str(getattr(error, "orig", None) or error).lower()
    return any(phrase in text for phrase in _DAMAGED_SCHEMA)


def translate(error: BaseException) -> HomecareError | None:
    """The homecare error for `error`: itself if it is one, the nearest row of the table in
    its MRO, or None (not a library error: a bug, left as it is)."""
    if isinstance(error, HomecareError):
        return error
    psycopg = sys.modules.get("psycopg")
    if _is_store_error(error, psycopg) and is_read_only_error(error):
        return READ_ONLY.of(error)
    if isinstance(error, UNREACHABLE) and not is_unreachable(error):
        return _STORE_FAILED.of(error)
    for cls in type(error).__mro__:
        found = LIBRARY_ERRORS.get(cls)
        if found is not None:
            return found.of(error)
        if psycopg is not None and cls is psycopg.Error:
            return _STORE_FAILED.of(error)
    return None


def _is_store_error(error: BaseException, psycopg: Any) -> bool:
    return isinstance(error, sa.SQLAlchemyError | es.PersistenceError) or (
        psycopg is not None and isinstance(error, psycopg.Error)
    )


class mapped:  # noqa: N801 - used like a function: `with mapped():`
    """A `with` block whose library errors leave it as their HomecareError (cause kept)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, _type: object, error: BaseException | None, _trace: object) -> None:
        found = None if error is None else translate(error)
        if found is not None and found is not error:
            raise found from error


@contextmanager
def opening(shown_url: str, schema: str | None = None) -> Iterator[None]:
    """Opening the store at `shown_url` (in the PostgreSQL `schema`, if one is set, which
    the message names too): any failure that is not a HomecareError (a refused
    connection, a database that does not exist, a file that is not a database, a missing
    driver) is a StorageError in one line naming the URL (its secrets masked again: a
    caller may have masked only the password), the cause and the fix, with no driver text
    (`homecare._sql.open_failure`; a missing database is StoreNotInitialisedError)."""
    try:
        yield
    except HomecareError:
        raise
    except Exception as error:
        raise opening_failure(error, redact_url(shown_url), schema) from error


def translated(function: Callable[P, R]) -> Callable[P, R]:
    """`function` with the map applied to whatever it raises (not for generators)."""
    if inspect.isgeneratorfunction(function):
        raise TypeError(f"{function.__qualname__}: a generator runs after its boundary returns")

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mapped():
            return function(*args, **kwargs)

    return wrapper


def boundary(cls: C) -> C:
    """`cls` with every public method `translated` (not `process`, see the module)."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and name not in _INSIDE_A_PAGE and inspect.isfunction(member):
            setattr(cls, name, translated(member))
    return cls
