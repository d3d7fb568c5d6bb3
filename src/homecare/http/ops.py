"""What a load balancer and Prometheus read: `/health/live`, `/health/ready`, `/metrics`.

- `/health/live`: the process answers (200, reads nothing).
- `/health/ready`: 200 only when the store answers, the cipher key opens its
  events, and no projection is behind (`lag_threshold` events), stopped (its
  lagging, unmoved for `stall_seconds` with no live worker) or awaiting a rebuild;
  else 503 with the reasons. It answers within `READY_TIMEOUT` (2 s) even
  when the database does not: the check runs in a thread of its own.
- `/metrics`: Prometheus text format, read from the store at each scrape by a
  custom collector (`homecare.status.figures`), so every process reports the
  same figures. No personal data; no token needed (restrict it at the proxy).
  No sample is ever NaN, and a series known in advance is there at 0 before anything
  happens (every held reason; Prometheus' instrumentation practice, "avoid missing
  metrics": a comparison with NaN is never true, so an alert such as `> 900` on a
  fetch that never happened never fired).
  When something last happened is its Unix time, 0 if it never has (the practice's
  "timestamps, not time since"): `time() - homecare_city_last_fetch_timestamp_seconds
  > 900` fires for a city that stopped fetching and for one that never started.

None takes a query parameter, and each refuses one (422) as every other route
does: `/metrics?name[]=x` is not a filter here (prometheus_client's own server
has one), and answering the whole set as if it were would be silently wrong.
"""

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel

from homecare.bootstrap import Homecare
from homecare.http.requests import answers_head, no_query
from homecare.outbox.validation import Reason
from homecare.status import StoreFigures, figures, readiness

__all__ = ["READY_TIMEOUT", "Ready", "ops_router"]

logger = logging.getLogger("homecare.http")

READY_TIMEOUT = 2.0


class Ready(BaseModel):
    """The readiness answer: `ready`, or `not_ready` with the problems found."""

    status: Literal["ready", "not_ready"]
    problems: list[str]


class _Figures:
    """Reads the figures in one background thread, with a deadline for the caller."""

    def __init__(self, homecare: Homecare) -> None:
        self.homecare = homecare
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="homecare-figures")
        self._lock = threading.Lock()
        self._pending: Future[StoreFigures] | None = None

    def read(self, timeout: float = READY_TIMEOUT) -> StoreFigures:
        with self._lock:
            if self._pending is None or self._pending.done():
                self._pending = self._pool.submit(figures, self.homecare)
            pending = self._pending
        return pending.result(timeout=timeout)


class _Collector(Collector):
    def __init__(self, source: _Figures) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily("homecare_up", "1 if the store answered this scrape, else 0.")
        try:
            found = self.source.read()
        except Exception as error:
            logger.warning("metrics: store unavailable (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _families(found)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc)
    family.add_metric([], value)
    return family


def _unix_time(at: datetime | None) -> float:
    """Seconds since 1970 UTC; 0 for what never happened (an alert on the age fires)."""
    return 0.0 if at is None else at.timestamp()


def _families(found: StoreFigures) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
    events = GaugeMetricFamily(
        "homecare_projection_lag_events", "Events not yet projected.", labels=["projection"]
    )
    seconds = GaugeMetricFamily(
        "homecare_projection_lag_seconds",
        "While behind: seconds since a page last moved it (0 when caught up).",
        labels=["projection"],
    )
    stale = GaugeMetricFamily(
        "homecare_projection_stale", "1 while a rebuild is pending.", labels=["projection"]
    )
    for p in found.projections:
        events.add_metric([p.name], p.lag_events)
        seconds.add_metric([p.name], p.lag_seconds)
        stale.add_metric([p.name], 1 if p.stale else 0)
    yield from (events, seconds, stale)
    items = GaugeMetricFamily("homecare_buffer_items", "Buffer items by status.", labels=["status"])
    for status, count in (
        ("queued", found.queued),
        ("held", found.held),
        ("delivered", found.delivered),
    ):
        items.add_metric([status], count)
    yield items
    held = GaugeMetricFamily(
        "homecare_buffer_held_items", "Held items by reason (R5).", labels=["reason"]
    )
    for reason, count in ({r.value: 0 for r in Reason} | found.held_by_reason).items():
        held.add_metric([reason], count)
    yield held
    yield _gauge(
        "homecare_buffer_oldest_undelivered_seconds",
        "Age of the oldest item not yet delivered (0: none).",
        found.oldest_undelivered_seconds or 0.0,
    )
    yield _gauge(
        "homecare_city_last_fetch_timestamp_seconds",
        "Unix time of the city's last fetch, any token (0: never).",
        _unix_time(found.last_fetch_at),
    )
    fetches = CounterMetricFamily(
        "homecare_city_fetches", "Fetches by the city, by token name.", labels=["token"]
    )
    served = CounterMetricFamily(
        "homecare_city_items_served", "Items served to the city, by token name.", labels=["token"]
    )
    for f in found.fetches:
        fetches.add_metric([f.token], f.fetches)
        served.add_metric([f.token], f.items)
    yield from (fetches, served)
    yield _gauge(
        "homecare_worker_lease_renewed_timestamp_seconds",
        "Unix time the worker holding the lease last renewed it (0: no worker ever ran).",
        _unix_time(found.lease_renewed_at),
    )
    yield _gauge("homecare_log_position", "The event log's last position.", found.log_position)
    families: dict[str, GaugeMetricFamily] = {}
    for sample in found.payment_run:  # R14: the payment run of the month due next
        labels = sorted(sample.labels)
        family = families.setdefault(
            sample.name, GaugeMetricFamily(sample.name, sample.help, labels=labels)
        )
        family.add_metric([sample.labels[k] for k in labels], sample.value)
    yield from families.values()


def ops_router(homecare: Homecare, *, worker_expected: bool = True) -> APIRouter:
    source = _Figures(homecare)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(source))
    settings = homecare.settings
    router = APIRouter(tags=["health"], dependencies=[Depends(no_query)])

    @router.get(
        "/health/live",
        operation_id="health_live",
        summary="The process answers (reads nothing)",
    )
    @answers_head  # nothing read, nothing written
    def live() -> dict[str, str]:
        return {"status": "alive"}

    @router.get(
        "/health/ready",
        operation_id="health_ready",
        response_model=Ready,
        summary="The store answers, the key opens it, the projections are current",
        responses={503: {"model": Ready, "description": "Not ready; the reasons."}},
    )
    @answers_head  # reads figures only: no personal data, nothing written
    def ready(response: Response) -> Ready:
        try:
            found = source.read()
        except FutureTimeout:
            problems = [f"the store did not answer within {READY_TIMEOUT:.0f} s"]
        except Exception as error:
            problems = [f"the store cannot be read: {_reason(error)}"]
        else:
            problems = readiness(
                found,
                lag_threshold=settings.lag_threshold,
                stall_seconds=settings.stall_seconds,
                worker_expected=worker_expected,
            )
        problems = [*problems, *(stop.describe() for stop in homecare.stopped())]  # D10
        if problems:
            response.status_code = 503
            return Ready(status="not_ready", problems=problems)
        return Ready(status="ready", problems=[])

    @router.get(
        "/metrics",
        operation_id="metrics",
        summary="Prometheus metrics: lag, buffer, the city's fetches, the worker",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
    )
    @answers_head  # reads figures only: no personal data, nothing written
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def _reason(error: BaseException) -> str:
    from homecare.errors import HomecareError

    if isinstance(error, HomecareError):
        return f"{error.code}: {error.message}"
    return type(error).__name__
