"""Loading aggregates: one by id, and those of one command in a few round trips.

Why a module of its own: it owns every way the facade reads an aggregate
(`load_aggregate`, `CommandLoads`, the pauses of an order, R7), and the batch
read goes to the core SQLite and PostgreSQL recorders' tables directly (their
private table names and connections), which may change between eventsourcing
releases; it falls back to the repository for any other configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import AggregateRecorder, StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder

from homecare._es.aggregate_cache import AggregateCache
from homecare._es.mapping import decode_many
from homecare.domain.assignment import Assignment
from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.order import Order
from homecare.domain.pausable import Pausable
from homecare.domain.pause import Pause
from homecare.errors import InvalidInputError, NotFoundError

__all__ = ["CommandLoads", "load_aggregate"]

A = TypeVar("A", bound=Aggregate)
_LARGEST_VERSION = 2**63 - 1


def load_aggregate(
    repository: Any, kind: type[A], aggregate_id: UUID, *, version: int | None = None
) -> A:
    """One aggregate of `kind` by id, optionally at a version (from 1 to its last).

    Raises InvalidInputError for a malformed kind, id or version, or a version the
    aggregate has not reached (never its latest state instead, D6); NotFoundError for an
    unknown id or one of another kind.
    """
    if not isinstance(kind, type) or not issubclass(kind, Aggregate):
        raise InvalidInputError(f"kind must be an aggregate class, got {kind!r}.")
    if not isinstance(aggregate_id, UUID):
        raise InvalidInputError(
            f"{kind.__name__} id must be a UUID, got {type(aggregate_id).__name__}."
        )
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        raise InvalidInputError(f"version must be a whole number from 1, got {version!r}.")
    # A version beyond any store's integers is beyond the last one too (SQLite's driver
    # would overflow, D7): asked as the largest, refused below as any beyond the last.
    upto = None if version is None else min(version, _LARGEST_VERSION)
    try:
        aggregate: object = repository.get(aggregate_id, version=upto)
    except AggregateNotFoundError:
        raise NotFoundError(kind.__name__.lower(), aggregate_id) from None
    if not isinstance(aggregate, kind):
        raise NotFoundError(kind.__name__.lower(), aggregate_id)
    if version is not None and aggregate.version < version:  # the library gives the last
        raise InvalidInputError(
            f"version must be a whole number from 1 to {aggregate.version} (the last of "
            f"{kind.__name__.lower()} {aggregate_id}), got {version}."
        )
    return aggregate


class _Loading(Protocol):
    """What the loader needs of the application: its recorder, mapper and repository."""

    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Any: ...

    @property
    def snapshots(self) -> Any: ...

    @property
    def repository(self) -> Any: ...


class CommandLoads:
    """The aggregates of one command, read in a few round trips and each decoded once.

    Why: confirming a visit reads its assignment, order, contract, customer and
    their pauses; one round trip per aggregate made a shift of ten about fifty
    queries, and a shift shares orders and customers. `prefetch` reads the
    stored events of many aggregates in one query (on the two recorders we
    configure; any other recorder, a snapshot store or a repository cache falls
    back to the repository, one aggregate at a time). `load` then behaves
    exactly as `load_aggregate`, in the same order: an aggregate's
    events are decoded only when it is loaded, so errors (not found, wrong kind,
    unreadable) surface where and when they did before. Read-only aggregates are
    memoised for the command; a command mutates each assignment once.
    Consistency is unchanged: each aggregate was read in its own transaction
    before too, and `save` still rejects a stale version.

    With a `cache` (`AggregateCache`, shared by the application's commands),
    `prefetch` first asks the recorder for the current version of the cached
    ids in one query and takes copies of those still current; only the rest
    are read and decoded, and what is decoded of a cached kind is kept.
    """

    _CHUNK = 500

    def __init__(
        self, app: _Loading, cache: AggregateCache | None = None, generation: int | None = None
    ) -> None:
        """`generation`: the cull generation read before this command (`SubjectKeys.refresh`,
        `cache.at_generation` called with it); what it decodes is kept only at that one."""
        self.app = app
        self._generation = generation
        recorder = app.recorder
        self._batch = (
            isinstance(recorder, SQLiteAggregateRecorder | _postgres_recorder_class(recorder))
            and app.snapshots is None
            and not app.repository.cache
        )
        self._cache = cache if self._batch else None
        self._stored: dict[UUID, list[StoredEvent]] = {}
        self._loaded: dict[UUID, Aggregate] = {}

    def prefetch(self, ids: Iterable[Any]) -> None:
        """Read the stored events of every id not read yet (absent ids read as none)."""
        if not self._batch:
            return
        wanted = sorted({i for i in ids if isinstance(i, UUID) and i not in self._stored}, key=str)
        wanted = self._take_cached(wanted)
        for start in range(0, len(wanted), self._CHUNK):
            chunk = wanted[start : start + self._CHUNK]
            for aggregate_id in chunk:
                self._stored[aggregate_id] = []
            for stored in _select_events_of(self.app.recorder, chunk):
                self._stored[cast(UUID, stored.originator_id)].append(stored)

    def _take_cached(self, wanted: list[UUID]) -> list[UUID]:
        """Copies of the cached aggregates still at their stored version; the ids left to read."""
        if self._cache is None:
            return wanted
        known = self._cache.known(i for i in wanted if i not in self._loaded)
        current: dict[UUID, int] = {}
        recorder = self.app.recorder
        for start in range(0, len(known), self._CHUNK):
            current.update(_select_versions_of(recorder, known[start : start + self._CHUNK]))
        for aggregate_id in known:
            cached = self._cache.get(aggregate_id, current.get(aggregate_id))
            if cached is not None:
                self._stored[aggregate_id] = []
                self._loaded[aggregate_id] = cached
        return [i for i in wanted if i not in self._loaded]

    def load(self, kind: type[A], aggregate_id: UUID) -> A:
        """As `load_aggregate(kind, aggregate_id)`, memoised for the command."""
        loaded = self._loaded.get(aggregate_id) if isinstance(aggregate_id, UUID) else None
        if loaded is None:
            stored = self._stored.get(aggregate_id) if isinstance(aggregate_id, UUID) else None
            if stored is None:
                loaded = load_aggregate(self.app.repository, kind, aggregate_id)
            else:
                loaded = self._project(kind, aggregate_id, stored)
            self._loaded[aggregate_id] = loaded
        if not isinstance(loaded, kind):
            raise NotFoundError(kind.__name__.lower(), aggregate_id)
        return loaded

    def peek(self, kind: type[A], aggregate_id: Any) -> A | None:
        """For prefetching only: the aggregate, or None on any error (raised later by `load`)."""
        try:
            return self.load(kind, aggregate_id)
        except Exception:
            return None

    def prefetch_pause_check(self, assignments: Iterable[Assignment | None]) -> None:
        """Read what `pauses_of_order` will need for these visits in up to three round trips."""
        if not self._batch:
            return
        checked = [a for a in assignments if a is not None and a.reported_period is not None]
        self.prefetch([a.order_id for a in checked] + [a.customer_id for a in checked])
        orders = [self.peek(Order, a.order_id) for a in checked]
        self.prefetch([o.contract_id for o in orders if o] + [o.customer_id for o in orders if o])
        targets: list[Pausable | None] = [
            *orders,
            *(self.peek(Contract, o.contract_id) for o in orders if o),
            *(self.peek(Customer, o.customer_id) for o in orders if o),
        ]
        self.prefetch(pid for t in targets if t for pid in t.pause_ids)

    def pauses_of_order(self, order_id: UUID) -> list[Pause]:
        """Every pause that can stop this order: its own, its contract's, its customer's (R7)."""
        order = self.load(Order, order_id)
        contract = self.load(Contract, order.contract_id)
        customer = self.load(Customer, order.customer_id)
        return self.pauses_of(order, contract, customer)

    def pauses_of(self, *targets: Pausable) -> list[Pause]:
        """The pauses attached to these customers, contracts or orders, in that order."""
        return [self.load(Pause, pid) for target in targets for pid in target.pause_ids]

    def _project(self, kind: type[A], aggregate_id: UUID, stored: list[StoredEvent]) -> A:
        """What `repository.get` does with the same stored events (no snapshots, no cache)."""
        aggregate: Any = None
        for event in decode_many(self.app.mapper, stored, refresh=self._generation is None):
            aggregate = cast(Any, event).mutate(aggregate)
        if aggregate is None:
            raise NotFoundError(kind.__name__.lower(), aggregate_id)
        if self._cache is not None:
            self._cache.put(aggregate, self._generation)
        return cast(A, aggregate)


def _postgres_recorder_class(recorder: AggregateRecorder) -> type[Any]:
    """The core PostgreSQL recorder class, imported only on PostgreSQL: psycopg needs a
    libpq (`homecare[postgres]`), which a SQLite-only install may not have."""
    if not type(recorder).__module__.startswith("eventsourcing.postgres"):
        return type(None)
    from eventsourcing.postgres import PostgresAggregateRecorder

    return PostgresAggregateRecorder


def _select_events_of(recorder: AggregateRecorder, ids: list[UUID]) -> list[StoredEvent]:
    """Every stored event of these aggregates, each aggregate's in version order."""
    rows = _select_by_ids(
        recorder,
        "originator_id, originator_version, topic, state",
        ids,
        "ORDER BY originator_id, originator_version",
    )
    convert = getattr(recorder, "convert_originator_id", None)
    return [
        StoredEvent(
            originator_id=convert(row[0]) if convert else row[0],
            originator_version=row[1],
            topic=row[2],
            state=bytes(row[3]),
        )
        for row in rows
    ]


def _select_versions_of(recorder: AggregateRecorder, ids: list[UUID]) -> dict[UUID, int]:
    """The stored version (the highest) of each of these aggregates that has events."""
    rows = _select_by_ids(
        recorder, "originator_id, MAX(originator_version)", ids, "GROUP BY originator_id"
    )
    convert = getattr(recorder, "convert_originator_id", None)
    return {(convert(row[0]) if convert else row[0]): row[1] for row in rows}


def _select_by_ids(
    recorder: AggregateRecorder, columns: str, ids: list[UUID], tail: str
) -> list[tuple[Any, ...]]:
    """`SELECT columns FROM <events> WHERE originator_id IN ids tail` on either recorder,
    as plain tuples (`columns` and `tail` are constants of this module)."""
    if isinstance(recorder, SQLiteAggregateRecorder):
        statement = (
            f"SELECT {columns} FROM {recorder.events_table_name} "  # noqa: S608
            f"WHERE originator_id IN ({','.join('?' * len(ids))}) {tail}"
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, [i.hex for i in ids])
            return [tuple(row) for row in cursor.fetchall()]
    from eventsourcing.postgres import PostgresAggregateRecorder
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    assert isinstance(recorder, PostgresAggregateRecorder)
    query = SQL(
        f"SELECT {columns} FROM {{schema}}.{{table}} WHERE originator_id = ANY(%s) {tail}"  # noqa: S608
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with (
        recorder.datastore.get_connection() as conn,
        conn.cursor(row_factory=tuple_row) as cursor,
    ):
        cursor.execute(query, [ids], prepare=True)
        return cursor.fetchall()
