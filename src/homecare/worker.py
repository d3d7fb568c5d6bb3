"""`homecare worker`: keeps every projection caught up until it is stopped (issue 13).

- One writer per store: it holds the lease (`homecare._sql.lease`) and the
  lease is checked inside every page's transaction; a worker that lost it writes
  nothing more until it holds it again, while a second worker waits for it.
- Wakes on new events: on PostgreSQL it LISTENs on the event store's channel
  (the recorder NOTIFYs in each insert's transaction) on its lease session
  (`Lease.listen`, `Lease.wait_for_notification`), so
  new events are projected within a second; SQLite has no notifications, so it
  polls with a short backoff (50 ms doubling to `idle_max` while idle).
- Survives the store going away: storage errors (the libraries' mapped to
  StorageError by `homecare._es.error_map`, and the OS's) are logged and retried
  with backoff (the lease is given up and taken again with a new epoch).
- Stops on a store that waiting cannot bring back (`Worker.run` raises it, the CLI
  exits 1): its SQLite file deleted or replaced (`homecare._sql.opened_file`), or, when
  the store answered with a failure rather than not answering, its tables gone or not
  as the migrations made them (the same check as every command's, `homecare.schema`):
  StoreNotInitialisedError, SchemaOutdatedError or SchemaDriftError, named in the log.
- Stops cleanly: `stop` (SIGTERM/SIGINT in the CLI) is checked between pages, so
  the page in hand is finished (committed or not started), never cut.
- Rebuilds a projection whose version changed (the runner does, in its first page).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from homecare import schema
from homecare._es.error_map import is_unreachable, mapped
from homecare._sql.lease import Lease
from homecare._sql.opened_file import opened_file
from homecare.bootstrap import Homecare
from homecare.errors import (
    HomecareError,
    InvalidInputError,
    LeaseLostError,
    SchemaDriftError,
    SchemaOutdatedError,
    StorageError,
    StoreNotInitialisedError,
)

__all__ = ["Worker", "WorkerOptions", "WorkerStats"]

logger = logging.getLogger("homecare.worker")

_LASTING = (StoreNotInitialisedError, SchemaOutdatedError, SchemaDriftError)
"""A store's state that no retry changes: it needs an operator (`homecare db ...`)."""


@dataclass(frozen=True)
class WorkerOptions:
    """Waits in seconds: `idle_max` between polls when idle (SQLite) or the longest
    wait for a notification (PostgreSQL); `retry_*` the backoff after a storage error;
    `lease_poll` how often a waiting worker tries the lease; `renew_every` how often
    the holder records that it is alive (the lease row's `renewed_at`)."""

    idle_min: float = 0.05
    idle_max: float = 1.0
    retry_initial: float = 0.5
    retry_max: float = 30.0
    lease_poll: float = 0.5
    renew_every: float = 5.0

    def __post_init__(self) -> None:
        """Raises InvalidInputError for a wait that is not a finite number of seconds > 0,
        or a longest wait below its first (never silently clamped)."""
        for name, value in vars(self).items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise InvalidInputError(f"WorkerOptions.{name} must be seconds > 0, got {value!r}.")
        if self.idle_max < self.idle_min or self.retry_max < self.retry_initial:
            raise InvalidInputError(
                "WorkerOptions: idle_max must be at least idle_min and retry_max at least "
                f"retry_initial (got {self.idle_min}..{self.idle_max}, "
                f"{self.retry_initial}..{self.retry_max})."
            )


@dataclass
class WorkerStats:
    pages: int = 0
    events: int = 0
    errors: int = 0
    leases: int = 0


class Worker:
    """Runs every projection of `hc` until `stop` is set; see the module docstring.

    `run` returns the stats when stopped, and raises the store's lasting problem
    (StorageError for a SQLite file deleted or replaced; StoreNotInitialisedError,
    SchemaOutdatedError, SchemaDriftError) instead of retrying it forever.
    """

    def __init__(self, hc: Homecare, options: WorkerOptions | None = None) -> None:
        self.hc = hc
        self.options = options or WorkerOptions()
        self.lease = Lease(hc.database)
        self.stats = WorkerStats()
        self._idle = self.options.idle_min
        self._renewed = 0.0
        self._waiting_logged = False

    def run(self, stop: threading.Event) -> WorkerStats:
        retry = self.options.retry_initial
        logger.info("worker started on %s", self.hc.settings.redacted_url)
        try:
            while not stop.is_set():
                try:
                    with mapped():
                        if not self._hold(stop):
                            continue
                        worked = self._drain(stop)
                        self._renew_if_due()
                        retry = self.options.retry_initial
                        if not worked:
                            self._wait(stop)
                except LeaseLostError as error:
                    logger.warning("%s", error)
                    self._let_go()
                except (StorageError, OSError) as error:
                    self.stats.errors += 1
                    lasting = self._lasting(error)
                    if lasting is not None:
                        logger.error("the store cannot be used, stopping: %s", _one_line(lasting))
                        raise lasting from error
                    logger.warning("storage error, retrying in %.1f s: %s", retry, _one_line(error))
                    self._let_go()
                    stop.wait(retry)
                    retry = min(retry * 2, self.options.retry_max)
                except Exception as error:  # a projection that cannot go on: keep trying
                    self.stats.errors += 1
                    logger.error(
                        "projection failed, retrying in %.1f s: %s", retry, _one_line(error)
                    )
                    self._let_go()
                    stop.wait(retry)
                    retry = min(retry * 2, self.options.retry_max)
        finally:
            self._let_go()
            logger.info(
                "worker stopped: %d events in %d pages", self.stats.events, self.stats.pages
            )
        return self.stats

    def _lasting(self, error: BaseException) -> HomecareError | None:
        """What waiting will not fix behind `error` (module doc), or None: retry. A store
        that cannot be reached, or a check that itself fails, is retried."""
        if isinstance(error, _LASTING):
            return error
        opened = opened_file(self.hc.database.engine)
        gone = opened.problem() if opened is not None else None
        if gone is not None:
            return StorageError(gone)
        if isinstance(error, OSError) or is_unreachable(error.__cause__ or error):
            return None
        try:  # the store answered with a failure: are its tables still there, as made?
            schema.require_current(
                self.hc.database, self.hc.settings.redacted_url, every_table=True
            )
        except _LASTING as found:
            return found
        except HomecareError:
            return None
        return None

    # -- the lease ----------------------------------------------------------

    def _hold(self, stop: threading.Event) -> bool:
        if self.lease.held:
            return True
        if not self.lease.acquire():
            if not self._waiting_logged:
                logger.info("another worker holds the lease; waiting for it")
                self._waiting_logged = True
            stop.wait(self.options.lease_poll)
            return False
        self._waiting_logged = False
        self.stats.leases += 1
        self.hc.guard_with(self.lease.guard)
        self._listen()
        self._renewed = time.monotonic()
        logger.info("holding the lease (epoch %s)", self.lease.epoch)
        return True

    def _let_go(self) -> None:
        self.hc.guard_with(None)
        self.lease.release()

    def _renew_if_due(self) -> None:
        if time.monotonic() - self._renewed >= self.options.renew_every:
            self.lease.renew()
            self._renewed = time.monotonic()

    # -- work and waiting ------------------------------------------------------

    def _drain(self, stop: threading.Event) -> bool:
        """Pages until caught up or stopped; True if anything was processed."""
        worked = False
        while not stop.is_set():
            count = self.hc.run_page()
            if count == 0:
                break
            worked = True
            self.stats.pages += 1
            self.stats.events += count
            logger.debug("projected a page of %d events", count)
            self._renew_if_due()  # alive through a long catch-up or rebuild too
        if worked:
            self._idle = self.options.idle_min
        return worked

    def _listen(self) -> None:
        self.lease.listen(self.hc.app.notification_channel)

    def _wait(self, stop: threading.Event) -> None:
        if not self.lease.can_listen:  # SQLite: poll with a short backoff
            stop.wait(self._idle)
            self._idle = min(self._idle * 2, self.options.idle_max)
            return
        self.lease.wait_for_notification(self.options.idle_max)


def _one_line(error: BaseException) -> str:
    if isinstance(error, HomecareError):  # written for an operator: the code and all of it
        return f"{error.code}: {' '.join(error.message.split())}"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200] if text else ''}"
