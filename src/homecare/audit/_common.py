"""What the audit's jobs share: the page size, the scratch store, event times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from eventsourcing.domain import Aggregate, DomainEventProtocol
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from homecare._sql.database import Database, metadata, relax_durability
from homecare._sql.write_behind_store import WriteBehindStore

PAGE_SIZE = 5000
"""Events read from the log per page (and written to a scratch store per transaction)."""


def scratch_store(folder: Path) -> Database:
    """A new SQLite store in `folder` with every read-side table, for a replay; written
    without disk syncs (thrown away after the comparison, so nothing to make durable)."""
    scratch = Database(make_url(f"sqlite+pysqlite:///{folder / 'scratch.db'}"))
    relax_durability(scratch)
    metadata.create_all(scratch.engine)
    return scratch


@contextmanager
def scratch_writer(scratch: Database) -> Iterator[Engine]:
    """The engine a replay writes `scratch` (from `scratch_store`) with: its statements
    run in a process of their own while the replay goes on (`_sql.write_behind`, issue
    16). Leaving the block normally waits for them and raises the first that failed;
    the process ends either way. Where no process can be started (an embedded
    interpreter), the scratch store's own engine: the same rows, on one core."""
    path = scratch.engine.url.database
    try:
        store = WriteBehindStore(Path(path)) if scratch.is_sqlite and path else None
    except OSError:
        store = None
    if store is None:
        yield scratch.write_engine
        return
    try:
        yield store.engine
        store.sync()
    except BaseException:
        store.close(abandon=True)
        raise
    store.close()


def timestamp(event: DomainEventProtocol[Any]) -> datetime:
    """When the event happened (every homecare event is an aggregate event)."""
    return cast(Aggregate.Event, event).timestamp
