"""The composition root: one URL in, a wired `Homecare` out.

Why one place: the CLI, the HTTP app, the tests and host applications all get the
same wiring of event store, read models and buffer, so none can disagree on it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, cast

from sqlalchemy import select

from homecare import schema
from homecare._es.error_map import boundary, opening, translated
from homecare._es.log import Log
from homecare._es.open_store import open_database
from homecare._es.runner import (
    FaultHook,
    Guard,
    ProjectionRunner,
    Stopped,
    catch_up_together,
    run_page_together,
)
from homecare._es.sealing import Sealer
from homecare._sql.database import STORE_CLOSED, lease
from homecare._sql.lease import Lease
from homecare._sql.subject_keys import SubjectKeys
from homecare.application import HomecareApplication
from homecare.application.retention import DueSubject, due_subjects
from homecare.application.shredding import Culler, CullResult
from homecare.domain.culling import CullingReason
from homecare.domain.privacy import SubjectKind
from homecare.errors import (
    HomecareError,
    InvalidInputError,
    ProjectionBusyError,
    StorageError,
)
from homecare.outbox.messages import ParagoFormat
from homecare.outbox.month_close import MonthClose
from homecare.outbox.store import Buffer
from homecare.privacy import AccessLog, resolve_subject
from homecare.projections.pause_overview import PauseOverview
from homecare.registry import PAUSE_OVERVIEW, PROJECTIONS, Parts, ProjectionSpec
from homecare.settings import Settings

__all__ = ["Homecare", "connect", "open_database"]

logger = logging.getLogger("homecare.bootstrap")


@boundary
class Homecare:
    """A connected store: `app` for commands, read models for queries, `catch_up()` to project.

    Every public method raises only HomecareErrors: the libraries' are mapped
    (`homecare._es.error_map`); opening the store fails as a StorageError naming it.
    """

    def __init__(
        self, settings: Settings, *, create: bool = False, fault: FaultHook | None = None
    ) -> None:
        self.settings = settings
        connect_kwargs = None if settings.is_sqlite else settings.postgres_connect_kwargs()
        self.database = open_database(settings, must_exist=not create)
        try:
            with opening(settings.redacted_url, settings.db_schema):
                if create:
                    schema.upgrade(self.database)
                else:
                    self._require_store()
                env = settings.eventsourcing_environment() | self.database.recorder_options()
                self.access = AccessLog(self.database, Sealer.for_key(env["CIPHER_KEY"]))  # R17
                self.subject_keys = SubjectKeys(self.database, env["CIPHER_KEY"] or None)  # R16
                self.app = HomecareApplication(
                    env,
                    connect_kwargs=connect_kwargs,
                    access_log=self.access,
                    subject_keys=self.subject_keys,
                )
                self._log = Log(self.app.recorder, self.app.mapper)
                sealer = Sealer(self.app.mapper.cipher)
                message_format = ParagoFormat()

                # a customer filter names a customer (culled or not), or is NotFoundError
                def customer(customer_id: object) -> object:  # `log`: refused once closed
                    return resolve_subject(self.log, customer_id, kind=SubjectKind.CUSTOMER)

                self.parts = Parts(self.database, sealer, message_format, customer)
                """What the registry's projections are built from (`homecare.registry`)."""
                self.buffer = Buffer(
                    self.database, sealer, message_format, require_customer=customer
                )
                self.month_close = MonthClose(
                    self.buffer,
                    saturday_is_holiday=settings.saturday_is_holiday,
                    pause_covering=self.app.pause_covering,
                )
                key = self.subject_keys.store_key  # D8: is it the store's? before any write
                key.add_probe(self._newest_event_opens)
                key.add_probe(self._buffer_opens)
                self.database.write_check = key.require
        except HomecareError:
            self.database.dispose()
            raise
        logger.debug("opened the store at %s", settings.redacted_url)
        self.runners: list[ProjectionRunner] = []
        self._fault = fault
        self.registry: dict[str, ProjectionSpec[Any]] = {spec.name: spec for spec in PROJECTIONS}
        """The projections this store runs, by name: one runner each (`homecare.registry`)."""
        for spec in self.registry.values():
            self.add_projection(spec.build(self.parts))
        overview = next(r for r in self.runners if r.name == PAUSE_OVERVIEW.name)
        self.pauses = cast(PauseOverview, overview.projection)  # the one its runner projects
        policy, runners = settings.retention_policy(), lambda: self.runners
        self._culler = Culler(self.app, self.database, self.subject_keys, policy, runners,
                              catch_up=self.catch_up, worker_alive=self.worker_alive)  # fmt: skip

    @property
    def log(self) -> Log:
        """The event log, read in pages (`homecare._es.log`); StorageError once closed."""
        if self.database.closed:  # its recorder's own error differs by store (D7)
            raise StorageError(STORE_CLOSED)
        return self._log

    def cull(
        self,
        subject_id: Any,
        *,
        kind: SubjectKind | str = SubjectKind.CUSTOMER,
        reason: CullingReason | str = CullingReason.ON_DEMAND,
        actor: str,
        at: datetime,
        scrub: bool = True,
    ) -> CullResult:
        """R16: cull one subject (record, key destroyed, projected, scrubbed; idempotent;
        never returns unprojected: `homecare.application.shredding`). `scrub=False` for a
        batch: `scrub()` once after it. NotFoundError, InvalidInputError for a bad subject."""
        return self._culler.cull(
            subject_id, kind=kind, reason=reason, actor=actor, at=at, scrub_after=scrub
        )

    def scrub(self) -> bool:
        """R16: after culls, no overwritten personal data left on disk (False: run again)."""
        return self._culler.scrub()

    def due_for_culling(self, today: date) -> list[DueSubject]:
        """R16: the subjects the retention policy makes due on `today` (a Stockholm day),
        not yet culled; empty when the policy is off (`settings.retention_years`).
        InvalidInputError unless `today` is a date (not a datetime) in 1900-2199."""
        culled = {subject.subject_id for subject in self.subject_keys.culled()}
        return due_subjects(self.log, self.settings.retention_policy(), today, culled=culled)

    def _require_store(self) -> None:
        """A read never creates a store: a missing file or an uninitialised or older
        store fails with one line naming the URL and what to run; a SQLite file in
        rollback-journal mode is then switched to WAL (`Database.use_wal`)."""
        schema.require_current(self.database, self.settings.redacted_url)
        self.database.use_wal()

    def add_projection(self, projection: Any, *, page_size: int = 1000) -> ProjectionRunner:
        runner = ProjectionRunner(
            self.database,
            self.log,
            projection,
            page_size=page_size,
            fault=self._fault,
        )
        self.runners.append(runner)
        return runner

    def catch_up(self) -> int:
        """Bring every read model and the buffer up to the end of the log (on demand)."""
        return catch_up_together(self.runners)

    def run_page(self) -> int:
        """One page of the log for every projection, in one transaction; 0 when caught up."""
        return run_page_together(self.runners)

    def worker_alive(self, within: float = 15.0) -> bool:
        """Whether a worker holds the projections' lease, renewed it in the last `within`
        seconds (it renews every 5) and still holds its lock (a killed one's row looks
        alive, its lock is gone): then it keeps them current (one writer)."""
        with self.database.engine.connect() as conn:
            found = conn.execute(select(lease.c.owner, lease.c.renewed_at)).first()
        if found is None or not found.owner:
            return False
        renewed: datetime = found.renewed_at
        recent = (datetime.now(UTC) - renewed).total_seconds() <= within
        return recent and not Lease(self.database).lock_is_free()

    def guard_with(self, guard: Guard | None) -> None:
        """Run `guard` inside every page's transaction (the worker's lease check), or stop."""
        for runner in self.runners:
            runner.guard = guard

    def stopped(self) -> list[Stopped]:
        """The projections that stopped at an event they cannot apply (D10), for health."""
        return [runner.stopped for runner in self.runners if runner.stopped is not None]

    def follow(self, stop: threading.Event, *, interval: float = 0.5) -> None:
        """Keep every projection caught up until `stop` is set, in this thread.

        Holds the projection writers' lease (`homecare._sql.lease`) and checks
        it in every page: a second follower or worker raises ProjectionBusyError, and
        a follower that lost its lease raises LeaseLostError having written nothing
        more. `homecare worker` is the long-running, self-healing form of this.
        """
        lease = Lease(self.database)
        if not lease.acquire():
            raise ProjectionBusyError(
                "Another worker or follower is already running on this store."
            )
        self.guard_with(lease.guard)
        try:
            while not stop.is_set():
                self.catch_up()
                stop.wait(interval)
        finally:
            self.guard_with(None)
            lease.release()

    def check_cipher_key(self) -> None:
        """D8: CipherKeyError unless this key opens the store's key row (or a data key),
        the newest stored event and the newest buffer item. Every write path checks it
        once by itself (`homecare._sql.store_key`): nothing is written with another key."""
        if self.subject_keys.store_key.check():
            self._newest_event_opens()
            self._buffer_opens()

    @translated
    def _newest_event_opens(self) -> bool:
        last = self.log.end()
        for stored in self.log.page(last - 1, 1) if last else ():
            self.log.decode(stored)
        return last > 0

    def _buffer_opens(self) -> bool:
        self.buffer.check_readable()  # refutes a key; the newest event proves it
        return False

    def close(self) -> None:
        """Close the store: every use of this Homecare from now on, any part of it, is a
        StorageError ("The store is closed: connect() again"). Idempotent."""
        self.database.close()
        self.app.close()

    def __enter__(self) -> Homecare:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def connect(
    database_url: str | None = None,
    *,
    cipher_key: str | None = None,
    settings: Settings | None = None,
    create: bool = False,
    fault: FaultHook | None = None,
) -> Homecare:
    """Open the store at `database_url`; it must exist at this release's schema.

    Configuration comes from one place (D9): the arguments given here win over
    the `HOMECARE_*` environment (`HOMECARE_DATABASE_URL`, `HOMECARE_CIPHER_KEY`,
    pool sizes, timeouts; see `Settings`), which wins over the defaults
    (`sqlite:///homecare.db` in the working directory, no encryption).
    `cipher_key` encrypts stored events at rest (D8). Or pass a ready
    `settings` (then `database_url` and `cipher_key` must not be given).

    `connect()` never creates or alters a table: a missing file or empty database
    raises StoreNotInitialisedError (create it with `homecare db init`), an older
    schema SchemaOutdatedError (`homecare db upgrade`). `create=True` (tests, the
    demo, an embedded SQLite store) runs the migrations first, like `db init`.
    Raises InvalidInputError for a malformed setting, StorageError when the
    store cannot be opened.

    The key must be the store's: another, none for a store written encrypted, or one
    for a store written in clear is refused with CipherKeyError (`wrong_cipher_key`)
    by the first write, before anything is written (`homecare._sql.store_key`), and by
    every read of what it cannot open.
    """
    if settings is None:
        settings = Settings.load(database_url=database_url, cipher_key=cipher_key)
    elif database_url is not None or cipher_key is not None:
        raise InvalidInputError("connect(): give either settings or database_url/cipher_key.")
    return Homecare(settings, create=create, fault=fault)
