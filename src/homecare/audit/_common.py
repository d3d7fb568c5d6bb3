"""What the audit's jobs share: the page size, the scratch store, the error boundary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import MapperDeserialisationError, PersistenceError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from homecare._sql.database import Database, metadata
from homecare.application import UNREADABLE_EVENTS
from homecare.errors import CipherKeyError, HomecareError, StorageError

PAGE_SIZE = 5000
"""Events read from the log per page (and written to a scratch store per transaction)."""
P = ParamSpec("P")
R = TypeVar("R")


def translated(function: Callable[P, R]) -> Callable[P, R]:
    """Storage and library errors become StorageError (one boundary, like the facade's)."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except HomecareError:
            raise
        except MapperDeserialisationError as error:
            raise CipherKeyError(UNREADABLE_EVENTS) from error
        except (PersistenceError, SQLAlchemyError) as error:
            raise StorageError(
                f"The store failed during the audit: {type(error).__name__}."
            ) from error

    return wrapper


def scratch_store(folder: Path) -> Database:
    """A new SQLite store in `folder` with every read-side table, for a replay."""
    scratch = Database(make_url(f"sqlite+pysqlite:///{folder / 'scratch.db'}"))
    metadata.create_all(scratch.engine)
    return scratch


def timestamp(event: DomainEventProtocol[Any]) -> datetime:
    """When the event happened (every homecare event is an aggregate event)."""
    return cast(Aggregate.Event, event).timestamp
