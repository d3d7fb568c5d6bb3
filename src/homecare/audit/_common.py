"""What the audit's jobs share: the page size, the scratch store, event times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

from eventsourcing.domain import Aggregate, DomainEventProtocol
from sqlalchemy.engine import make_url

from homecare._sql.database import Database, metadata, relax_durability

PAGE_SIZE = 5000
"""Events read from the log per page (and written to a scratch store per transaction)."""


def scratch_store(folder: Path) -> Database:
    """A new SQLite store in `folder` with every read-side table, for a replay; written
    without disk syncs (thrown away after the comparison, so nothing to make durable)."""
    scratch = Database(make_url(f"sqlite+pysqlite:///{folder / 'scratch.db'}"))
    relax_durability(scratch)
    metadata.create_all(scratch.engine)
    return scratch


def timestamp(event: DomainEventProtocol[Any]) -> datetime:
    """When the event happened (every homecare event is an aggregate event)."""
    return cast(Aggregate.Event, event).timestamp
