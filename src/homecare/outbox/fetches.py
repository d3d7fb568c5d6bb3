"""The city's fetches, recorded for watching (issue 13): time, token name, cursor, count.

A record is an operator's figure (when did the city last fetch, how much did it
take), not part of the delivery guarantee, which is the city's kept cursor. The
HTTP fetch writes it in the fetch's own write transaction (`insert_fetch`, with
its R17 entries: one commit per fetch, issue 16); `record_fetch` writes one in a
transaction of its own.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, func, select

from homecare._sql.database import Database, fetches

__all__ = ["FetchFigures", "fetch_figures", "insert_fetch", "record_fetch"]

logger = logging.getLogger("homecare.outbox")


class FetchFigures(BaseModel):
    """Per token name: fetches, items served, and the last fetch (UTC)."""

    model_config = ConfigDict(frozen=True)

    token: str
    fetches: int
    items: int
    last_fetch: datetime | None


def record_fetch(
    database: Database,
    *,
    token: str,
    cursor: int | None,
    count: int,
    last_position: int | None,
    at: datetime,
) -> None:
    """Record one fetch; a store that cannot be written (read-only) is logged, not raised."""
    try:
        with database.write_engine.begin() as conn:
            insert_fetch(
                conn, token=token, cursor=cursor, count=count, last_position=last_position, at=at
            )
    except Exception as error:
        logger.warning("could not record a fetch by %s: %s", token, type(error).__name__)


def insert_fetch(
    conn: Connection,
    *,
    token: str,
    cursor: int | None,
    count: int,
    last_position: int | None,
    at: datetime,
) -> None:
    """Record one fetch in `conn`'s transaction (`at` timezone-aware); errors are raised."""
    conn.execute(
        fetches.insert().values(
            fetched_at=at, token=token[:64], cursor=cursor, count=count, last_position=last_position
        )
    )


def fetch_figures(database: Database) -> list[FetchFigures]:
    """Every token's fetches, items served and last fetch, by token name."""
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                fetches.c.token,
                func.count(),
                func.coalesce(func.sum(fetches.c.count), 0),
                func.max(fetches.c.fetched_at),
            )
            .group_by(fetches.c.token)
            .order_by(fetches.c.token)
        ).all()
    return [
        FetchFigures(token=r[0], fetches=int(r[1]), items=int(r[2]), last_fetch=r[3]) for r in rows
    ]
