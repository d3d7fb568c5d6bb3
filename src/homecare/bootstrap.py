"""The composition root: one URL in, a wired `Homecare` out.

Why one place: the CLI, the HTTP app, the tests and host applications all get
the same wiring of event store, read models and integration buffer, so no two
of them can disagree on where the data lives or how it is projected.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    MapperDeserialisationError,
    PersistenceError,
)

from homecare.application import UNREADABLE_EVENTS, HomecareApplication
from homecare.errors import HomecareError, InvalidInputError, StorageError
from homecare.outbox.messages import ParagoFormat
from homecare.outbox.month_close import MonthClose
from homecare.outbox.projection import BufferProjection
from homecare.outbox.sealing import Sealer
from homecare.outbox.store import Buffer
from homecare.projections.database import Database
from homecare.projections.pause_overview import PauseOverview
from homecare.projections.runner import FaultHook, ProjectionRunner, catch_up_together
from homecare.settings import Settings

__all__ = ["Homecare", "connect"]


class Homecare:
    """A connected store: `app` for commands, read models for queries, `catch_up()` to project."""

    def __init__(self, settings: Settings, *, fault: FaultHook | None = None) -> None:
        self.settings = settings
        try:
            connect_kwargs = None if settings.is_sqlite else settings.postgres_connect_kwargs()
            self.app = HomecareApplication(
                settings.eventsourcing_environment(), connect_kwargs=connect_kwargs
            )
            self.database = Database(
                settings.url,
                pool_size=settings.pool_size,
                max_overflow=settings.max_overflow,
                lock_timeout=settings.lock_timeout,
                connect_args=connect_kwargs,
            )
            self.database.create_tables(self.app.recorder.create_table)  # type: ignore[attr-defined]
            sealer = Sealer(self.app.mapper.cipher)
            message_format = ParagoFormat()
            self.buffer = Buffer(self.database, sealer, message_format)
            self.month_close = MonthClose(
                self.buffer, saturday_is_holiday=settings.saturday_is_holiday
            )
        except HomecareError:
            raise
        except Exception as error:
            raise _storage_error(settings, error) from error
        self.runners: list[ProjectionRunner] = []
        self._fault = fault
        self.pauses = PauseOverview(self.database)
        self.add_projection(self.pauses)
        self.add_projection(BufferProjection(sealer, message_format))

    def add_projection(self, projection: Any, *, page_size: int = 1000) -> ProjectionRunner:
        runner = ProjectionRunner(
            self.database,
            self.app.recorder,
            self.app.mapper,
            projection,
            page_size=page_size,
            fault=self._fault,
        )
        self.runners.append(runner)
        return runner

    def catch_up(self) -> int:
        """Bring every read model and the buffer up to the end of the log (on demand)."""
        try:
            return catch_up_together(self.runners)
        except HomecareError:
            raise
        except MapperDeserialisationError as error:
            raise StorageError(UNREADABLE_EVENTS) from error
        except (PersistenceError, ConnectionPoolClosedError) as error:
            raise _storage_error(self.settings, error) from error

    def follow(self, stop: threading.Event, *, interval: float = 0.5) -> None:
        """Keep every projection caught up until `stop` is set (one follower per store)."""
        from contextlib import ExitStack

        with ExitStack() as stack:
            for runner in self.runners:
                stack.enter_context(runner.follower_lease())
            while not stop.is_set():
                self.catch_up()
                stop.wait(interval)

    def close(self) -> None:
        self.database.dispose()
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
    fault: FaultHook | None = None,
) -> Homecare:
    """Open (and on first use create) the store at `database_url`.

    Configuration comes from one place (D9): the arguments given here win over
    the `HOMECARE_*` environment (`HOMECARE_DATABASE_URL`, `HOMECARE_CIPHER_KEY`,
    pool sizes, timeouts; see `Settings`), which wins over the defaults
    (`sqlite:///homecare.db` in the working directory, no encryption).
    `cipher_key` encrypts stored events at rest (D8). Or pass a ready
    `settings` (then `database_url` and `cipher_key` must not be given).
    Raises InvalidInputError for a malformed setting, StorageError when the
    store cannot be opened.
    """
    if settings is None:
        settings = Settings.load(database_url=database_url, cipher_key=cipher_key)
    elif database_url is not None or cipher_key is not None:
        raise InvalidInputError("connect(): give either settings or database_url/cipher_key.")
    return Homecare(settings, fault=fault)


def _storage_error(settings: Settings, error: Exception) -> StorageError:
    return StorageError(
        f"Cannot open the store at {settings.redacted_url}: {type(error).__name__}: "
        f"{str(error).splitlines()[0] if str(error) else 'no detail'}"
    )
