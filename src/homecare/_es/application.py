"""The event store under the facade: eventsourcing's `Application`, wired for homecare.

Why here: this is the one place that knows how eventsourcing builds an
application (environment, infrastructure factory, PostgreSQL pool, transcoder)
and reads an aggregate back. `homecare.application.HomecareApplication` subclasses
`EventStore` and sees only loading (`_load`, `_load_as_of`, `_loads`), saving
(`save`, `_change`) and `homecare.errors`; `save` passes the one error map
(`homecare._es.error_map`), as every public command of the facade does. The
public reads (`get`, `get_as_of`) are the facade's (`homecare.application.reads`),
since each records who read whom (R17).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore as StoredEvents
from eventsourcing.persistence import (
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
    Transcoder,
)
from eventsourcing.utils import Environment, EnvType

from homecare._es.aggregate_cache import AggregateCache
from homecare._es.error_map import translated
from homecare._es.loads import CommandLoads, load_aggregate
from homecare._es.mapping import PersonalMapper, SealingEventStore
from homecare._es.personal import PersonalFields, SealedFieldAsText
from homecare._es.transcoding import OrjsonTranscoder, register_transcodings
from homecare._sql.subject_keys import SubjectKeys
from homecare.domain.common import require_aware

__all__ = ["EventStore"]

logger = logging.getLogger("homecare.application")

A = TypeVar("A", bound=Aggregate)


class EventStore(Application[UUID]):
    """Loading and saving aggregates by id, configured from our settings alone (D9)."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        connect_kwargs: Mapping[str, Any] | None = None,
        subject_keys: SubjectKeys | None = None,
    ) -> None:
        """`env` is the whole environment (`Settings.eventsourcing_environment()`, D9);
        `connect_kwargs`, on PostgreSQL, the libpq keywords of the whole URL;
        `subject_keys`, the store's data keys: personal fields of events are then sealed
        with their subject's key (`homecare._es.personal`; `connect()` always passes them)."""
        self._connect_kwargs = dict(connect_kwargs or {})
        self._aggregate_cache = AggregateCache()
        self._subject_keys = subject_keys
        super().__init__(env=dict(env))

    @property
    def notification_channel(self) -> str | None:
        """The channel the recorder NOTIFYs in each insert's transaction (PostgreSQL),
        None when the store has no notifications (SQLite)."""
        channel = getattr(self.recorder, "channel_name", None)
        return channel if isinstance(channel, str) else None

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only what was passed: not os.environ, whose `HOMECARE_*` names would win (D9)."""
        return Environment(name, dict(env or {}))

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        factory = super().construct_factory(env)
        if not self._connect_kwargs:
            return factory
        from eventsourcing.postgres import PostgresDatastore  # psycopg only when needed

        datastore = getattr(factory, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            # psycopg_pool lets `kwargs` change before connections are made (the pool
            # opens on first use): the event store then connects exactly as the read side.
            pool_kwargs = cast(dict[str, Any], datastore.pool.kwargs)
            for keyword in ("dbname", "host", "port", "user", "password"):
                pool_kwargs.pop(keyword, None)  # the factory's; the URL's replace them
            pool_kwargs.update(self._connect_kwargs)
        return factory

    def construct_mapper(self) -> Mapper[UUID]:
        if self._subject_keys is None:
            return super().construct_mapper()
        return PersonalMapper(
            self.construct_transcoder(),
            self.factory.compressor(),
            self.factory.cipher(),
            fields=PersonalFields(self._subject_keys, self._creation_event),
        )

    def construct_event_store(self) -> StoredEvents[UUID]:
        return SealingEventStore(self.mapper, self.recorder)

    def _creation_event(self, aggregate_id: UUID) -> Any:
        """The aggregate's first event as stored (None: no such aggregate)."""
        return next(iter(self.events.get(aggregate_id, limit=1)), None)

    def construct_transcoder(self) -> Transcoder:
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)
        transcoder.register(SealedFieldAsText())

    @translated
    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The unit of work; translated so a host saving aggregates itself gets our errors.

        As eventsourcing's `Application.save`, with the events collected without its
        per-object runtime protocol checks (`_Collected`); a failed write drops the
        saved aggregates from the cache of decoded aggregates. First the store's checks
        (`Database.before_write`): CipherKeyError when the cipher key is not the store's
        (D8), ReentrantWriteError from inside a fetch's `then`.
        """
        if self._subject_keys is not None:  # the store's checks, before anything is written
            self._subject_keys.database.before_write()
        processing_event = _Collected()
        processing_event.collect_events(*objs, **kwargs)
        try:
            recordings = self._record(processing_event)
        except BaseException:
            self._aggregate_cache.forget(processing_event.aggregates)
            raise
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)
        logger.debug("saved %d events", len(recordings))
        return recordings

    # -- loading ---------------------------------------------------------

    def _load(self, kind: type[A], aggregate_id: UUID, *, version: int | None = None) -> A:
        """One aggregate of this kind by id (InvalidInputError, NotFoundError)."""
        self._cull_generation()
        return load_aggregate(self.repository, kind, aggregate_id, version=version)

    def _loads(self) -> CommandLoads:
        """A loader for one command: prefetching, memoised, with the pauses of an order."""
        return CommandLoads(self, self._aggregate_cache, self._cull_generation())

    def _cull_generation(self) -> int | None:
        """Before anything is opened (R16): the cull generation read, and the cached keys
        and decoded aggregates dropped when a cull was committed since, in any process
        (`SubjectKeys.refresh`); None without subject keys (nothing sealed)."""
        if self._subject_keys is None:
            return None
        generation = self._subject_keys.refresh()
        self._aggregate_cache.at_generation(generation)
        return generation

    def forget_decoded(self) -> None:
        """Drop every aggregate decoded and kept for later commands (R16: kept copies
        hold opened fields; a cull by any process does this by itself at the next load)."""
        self._aggregate_cache.clear()

    def _change(self, kind: type[A], aggregate_id: UUID, change: Callable[[A], object]) -> None:
        """Load one aggregate, let `change` record its events, save them."""
        aggregate = self._load(kind, aggregate_id)
        change(aggregate)
        self.save(aggregate)

    def _load_as_of(self, kind: type[A], aggregate_id: UUID, at: datetime) -> A | None:
        """The aggregate as it was at `at` (by its events' times), None if it did not exist (D6)."""
        at = require_aware(at, "at")
        self._cull_generation()  # its events are opened one by one (PersonalMapper)
        version = None
        for stored in self.events.get(aggregate_id):
            if cast(Aggregate.Event, stored).timestamp > at:
                break
            version = stored.originator_version
        if version is None:
            self._load(kind, aggregate_id)  # unknown id -> NotFoundError
            return None
        return self._load(kind, aggregate_id, version=version)


class _Collected(ProcessingEvent[UUID]):
    """`ProcessingEvent` that recognises our aggregates and events by class first.

    Why: the library tells events from aggregates with `isinstance` against
    runtime-checkable Protocols, which walks every protocol attribute per object
    (about 5% of a confirm, issue 16). An `Aggregate` or `Aggregate.Event` is
    handled exactly as the library would; anything else goes to the library.
    """

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, Aggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            elif isinstance(obj, Aggregate.Event):
                self.events.append(obj)
            elif obj is not None:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)
