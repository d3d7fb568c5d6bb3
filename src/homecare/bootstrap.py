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
from homecare.errors import HomecareError, StorageError
from homecare.outbox.messages import ParagoFormat
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
            self.app = HomecareApplication(env=settings.eventsourcing_environment())
            self.database = Database(settings.url)
            self.database.create_tables(self.app.recorder.create_table)  # type: ignore[attr-defined]
            sealer = Sealer(self.app.mapper.cipher)
            message_format = ParagoFormat()
            self.buffer = Buffer(self.database, sealer, message_format)
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
    fault: FaultHook | None = None,
) -> Homecare:
    """Open (and on first use create) the store at `database_url`.

    Without a URL: `HOMECARE_DATABASE_URL`, else `sqlite:///homecare.db` in the
    working directory. `cipher_key` (or `HOMECARE_CIPHER_KEY`) encrypts stored
    events at rest (D8).
    """
    settings = Settings.from_environment(database_url)
    if cipher_key is not None:
        settings = Settings(settings.database_url, cipher_key)
    return Homecare(settings, fault=fault)


def _storage_error(settings: Settings, error: Exception) -> StorageError:
    return StorageError(
        f"Cannot open the store at {settings.redacted_url}: {type(error).__name__}: "
        f"{str(error).splitlines()[0] if str(error) else 'no detail'}"
    )
