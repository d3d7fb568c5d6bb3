"""Opening a store's read side from its settings: the engines, and a new file made private.

Why apart from `homecare.bootstrap`: `connect()` and `homecare db` both open a store this
way (`open_database`, re-exported there), and a SQLite file is checked, or made
owner-only, before anything reads it.
"""

from __future__ import annotations

from homecare._es.error_map import translated
from homecare._files import UnsafeTargetError, create_private
from homecare._sql.database import Database
from homecare._sql.open_failure import sqlite_path_problem
from homecare.errors import StorageError
from homecare.settings import Settings

__all__ = ["open_database"]


@translated
def open_database(settings: Settings, *, must_exist: bool = True) -> Database:
    """The read side's engines for `settings` (no store is created: `must_exist`
    keeps a SQLite file from being made by opening it)."""
    database = Database(
        settings.url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        lock_timeout=settings.lock_timeout,
        connect_args=None if settings.is_sqlite else settings.postgres_connect_kwargs(),
        schema=settings.db_schema,
        must_exist=must_exist,
    )
    problem = sqlite_path_problem(database.sqlite_path, must_exist=must_exist)
    if problem is not None:
        database.dispose()
        raise StorageError(f"Cannot open the store at {settings.redacted_url}: {problem}.")
    path = database.sqlite_path
    if not must_exist and path is not None:
        try:  # a new store owner-only (its WAL and shared memory follow): personal data
            create_private(path)
        except (OSError, UnsafeTargetError) as error:
            database.dispose()
            why = error.strerror if isinstance(error, OSError) else str(error)
            shown = settings.redacted_url
            raise StorageError(f"Cannot create the store at {shown}: {why}.") from None
    return database
