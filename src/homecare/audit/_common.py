"""What the audit's jobs share: the page size, the scratch store, event times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from eventsourcing.domain import Aggregate, DomainEventProtocol
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from homecare._es.sealing import Sealer
from homecare._sql.database import Database, metadata, relax_durability
from homecare._sql.write_behind_store import WriteBehindStore
from homecare.audit._scratch_folder import scratch_folder
from homecare.registry import Parts

PAGE_SIZE = 5000
"""Events read from the log per page (and written to a scratch store per transaction)."""


@contextmanager
def scratch_parts(parts: Parts, job: str) -> Iterator[Parts]:
    """`parts` with a new scratch store (`scratch_store`) in a private folder of its own
    (`_scratch_folder.scratch_folder`: removed at the end, or by the next run if this one
    is killed) and, where the store has a cipher key, a sealer with a key of its own
    (`scratch_sealer`). Within: projections built from them replay into the scratch."""
    with scratch_folder(job) as folder:
        database = scratch_store(folder)
        try:
            yield replace(parts, database=database, sealer=scratch_sealer(parts.sealer))
        finally:
            database.dispose()


def scratch_sealer(live: Sealer) -> Sealer:
    """The sealer a scratch store is written with (D8): where the store has a cipher key,
    one with a new random key that is never stored, so a scratch file left behind holds
    no personnummer or payload the store's key opens; without one, `live` (nothing is
    sealed, in the store either)."""
    return Sealer.with_new_key() if live.keyed else live


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
