"""What an operator watches (issue 13): the figures behind `/metrics`, `/health/ready`
and `homecare status`, read from the store in one place so the three always agree.

- per projection: position, lag in events and in seconds (while it lags: how
  long since a page last moved it), whether its version changed (rebuild pending);
- the buffer: items queued, held (by reason) and delivered; the age of the
  oldest item not yet delivered (from the time of the event that made it, the
  `at` the host passed);
- the city: fetches and items served per token, when it last fetched and how long ago;
- the worker: the lease's epoch, when the holder last renewed it and how long ago.

Times are UTC instants; ages are seconds against `now` (passed in, or the clock).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select

from homecare._es.error_map import translated
from homecare._sql.database import lease
from homecare.bootstrap import Homecare
from homecare.outbox import tables as t
from homecare.outbox.deadline import MetricSample
from homecare.outbox.fetches import FetchFigures, fetch_figures
from homecare.outbox.items import ItemState
from homecare.outbox.validation import Reason

PENDING, RELEASED = ItemState.PENDING, ItemState.RELEASED

__all__ = [
    "ProjectionFigures",
    "StoreFigures",
    "check_readable",
    "figures",
    "key_proven",
    "readiness",
]


class ProjectionFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    position: int
    lag_events: int
    lag_seconds: float
    """While it lags: seconds since a page last moved it (0 when caught up)."""
    stale: bool


class StoreFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    log_position: int
    projections: list[ProjectionFigures]
    queued: int
    held: int
    delivered: int
    held_by_reason: dict[str, int]
    oldest_undelivered_seconds: float | None
    fetches: list[FetchFigures]
    last_fetch_at: datetime | None
    """The city's last fetch, any token (None: never)."""
    seconds_since_last_fetch: float | None
    lease_epoch: int | None
    lease_renewed_at: datetime | None
    """When the worker holding the lease last renewed it (None: no worker ever ran)."""
    lease_renewed_seconds_ago: float | None
    payment_run: list[MetricSample]
    """R14 gauges of the month due next (`hc.month_close.metrics`)."""


def _event_time(hc: Homecare, position: int) -> datetime | None:
    """When the event at notification `position` happened (None if there is none).

    Raises CipherKeyError when the event cannot be read (a wrong or missing cipher key:
    the library's error is mapped by the caller's boundary, `homecare._es.error_map`).
    """
    found = hc.log.page(position - 1, 1)
    if not found:
        return None
    stamp: Any = getattr(hc.log.decode(found[0]), "timestamp", None)
    return stamp if isinstance(stamp, datetime) else None


@translated
def check_readable(hc: Homecare) -> int:
    """The log's last notification position (0 when empty), after opening its event (D8).

    Raises CipherKeyError when the cipher key is wrong or missing, so a worker or
    an operator's command stops at once instead of failing on every event.
    """
    end = hc.log.end()
    if end:
        _event_time(hc, end)
    return end


@translated
def key_proven(hc: Homecare) -> bool:
    """D8: `hc.check_cipher_key()` (CipherKeyError when the key cannot open the newest
    event or buffer item); True when an event was opened with it, so the key is the
    store's, False when the log was empty (nothing proves it yet)."""
    end = hc.log.end()  # read first: the check opens this event or a newer one
    hc.check_cipher_key()
    return end > 0


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


def _projections(hc: Homecare, now: datetime, end: int) -> list[ProjectionFigures]:
    found = []
    for runner in hc.runners:
        position = runner.position()
        lag = max(0, end - position)
        moved = hc.database.updated_at(runner.name)
        found.append(
            ProjectionFigures(
                name=runner.name,
                position=position,
                lag_events=lag,
                lag_seconds=(_age(now, moved) or 0.0) if lag else 0.0,
                stale=runner.stale(),
            )
        )
    return found


@translated
def figures(hc: Homecare, now: datetime | None = None) -> StoreFigures:
    """Every figure, read now (raises StorageError and the like if the store fails: the
    libraries' errors are mapped, `homecare._es.error_map`)."""
    now = now or datetime.now(UTC)
    end = check_readable(hc)
    projections = _projections(hc, now, end)
    mark = hc.buffer.delivered_position()
    items = t.items.c
    with hc.database.engine.connect() as conn:
        released = items.state == RELEASED
        queued = conn.execute(
            select(func.count()).where(released, items.position > mark)
        ).scalar_one()
        delivered = conn.execute(
            select(func.count()).where(released, items.position <= mark)
        ).scalar_one()
        reasons: Counter[str] = Counter()
        for (row_reasons,) in conn.execute(select(items.reasons).where(items.state == PENDING)):
            for reason in row_reasons or [Reason.WAITING_FOR_EARLIER_ITEM.value]:
                reasons[reason] += 1
        held = conn.execute(select(func.count()).where(items.state == PENDING)).scalar_one()
        oldest_source = conn.execute(
            select(func.min(items.source_position)).where(
                or_(items.state == PENDING, (released & (items.position > mark)))
            )
        ).scalar()
        holder = conn.execute(select(lease.c.epoch, lease.c.renewed_at)).first()
    fetched = fetch_figures(hc.database)
    last = max((f.last_fetch for f in fetched if f.last_fetch), default=None)
    oldest = _event_time(hc, int(oldest_source)) if oldest_source else None
    return StoreFigures(
        at=now,
        log_position=end,
        projections=projections,
        queued=int(queued),
        held=int(held),
        delivered=int(delivered),
        held_by_reason=dict(sorted(reasons.items())),
        oldest_undelivered_seconds=_age(now, oldest),
        fetches=fetched,
        last_fetch_at=last,
        seconds_since_last_fetch=_age(now, last),
        lease_epoch=None if holder is None else int(holder[0]),
        lease_renewed_at=None if holder is None else holder[1],
        lease_renewed_seconds_ago=None if holder is None else _age(now, holder[1]),
        payment_run=hc.month_close.metrics(now),
    )


def readiness(
    found: StoreFigures, *, lag_threshold: int, stall_seconds: float, worker_expected: bool = True
) -> list[str]:
    """Why the store is not ready to serve current data (empty: ready).

    A projection is behind when it lags more than `lag_threshold` events; stopped
    when it lags and has not moved for `stall_seconds` while no worker renewed its
    lease in that time (only if a worker is expected: not for a server that
    catches up on each fetch); stale when its version changed and it has not been
    rebuilt yet.
    """
    problems = []
    worker_alive = (
        found.lease_renewed_seconds_ago is not None
        and found.lease_renewed_seconds_ago <= stall_seconds
    )
    for p in found.projections:
        if p.stale:
            problems.append(f"projection {p.name} awaits a rebuild (its version changed)")
        if p.lag_events > lag_threshold:
            problems.append(f"projection {p.name} lags {p.lag_events} events")
        if worker_expected and p.lag_events and p.lag_seconds > stall_seconds and not worker_alive:
            problems.append(
                f"projection {p.name} stopped: {p.lag_events} events behind, not moved for "
                f"{p.lag_seconds:.0f} s and no worker alive (run `homecare worker`)"
            )
    return problems
