"""The projections registry: every read model the log is projected into, described once (D6).

A projection describes itself with a `ProjectionSpec`: its name (its row in
`homecare_tracking`), the tables it owns (emptied when it is rebuilt, compared
by `homecare audit verify`), the event types it handles (topics: the runner
reads only those), a schema version (bumped when its rows change meaning: the
runner rebuilds it from the log) and how to build it from a store's `Parts`.
Name, tables, topics and version are the projection class's own attributes,
read through the spec, so they are stated once, beside the code that writes
the rows.

`bootstrap.Homecare` builds a runner for every spec in `PROJECTIONS`; the
audit builds the same specs again over a scratch store to replay and compare
(D6). Adding a projection: write its class (name, version, tables, topics,
`process`) in `homecare/projections/`, then add its spec to `PROJECTIONS`.

The registry sits above both `homecare.projections` and `homecare.outbox`
(the buffer is a projection too) and below the facade's users: import-linter
keeps it there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Table

from homecare._es.runner import Projection
from homecare._es.sealing import Sealer
from homecare._sql.database import Database
from homecare.outbox.messages import MessageFormat
from homecare.outbox.projection import BufferProjection
from homecare.projections.pause_overview import PauseOverview
from homecare.projections.pause_overview.tables import SEALED as OVERVIEW_SEALED

__all__ = ["BUFFER", "PAUSE_OVERVIEW", "PROJECTIONS", "Parts", "ProjectionSpec"]

T = TypeVar("T", bound=Projection)


@dataclass(frozen=True)
class Parts:
    """What a projection may be built from: one store's read side, its sealer (D8) and
    the city system's message format. The audit swaps `database` for a scratch store.
    `require_customer(id)`: NotFoundError unless `id` names a customer (read from the
    log), asked by the queries that filter by a customer (None: not asked)."""

    database: Database
    sealer: Sealer
    message_format: MessageFormat
    require_customer: Callable[[UUID], object] | None = None


@dataclass(frozen=True)
class ProjectionSpec(Generic[T]):
    """A projection, described: what it is called, owns, reads and is built from.

    `kind` is the projection's class; `build` makes a new, empty-handed instance
    writing through the connection the runner gives it. `sealed` names the columns
    it stores sealed (D8): the audit opens them to compare and never shows them.
    """

    kind: type[T]
    build: Callable[[Parts], T]
    sealed: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """Its row in the tracking table, e.g. "pause_overview"."""
        return str(self._declared("name"))

    @property
    def tables(self) -> tuple[Table, ...]:
        """The tables it owns, in the order it fills them (never the event log)."""
        return tuple(self._declared("tables"))

    @property
    def topics(self) -> tuple[str, ...]:
        """The event topics it handles; () means every event."""
        return tuple(self._declared("topics", ()))

    @property
    def version(self) -> int:
        """Its schema version: rows written by another version are rebuilt from the log."""
        return int(self._declared("version"))

    def _declared(self, attribute: str, default: object = None) -> Any:
        """What the class states, read each time (a test may bump a version)."""
        return getattr(self.kind, attribute, default)


PAUSE_OVERVIEW = ProjectionSpec(
    PauseOverview,
    lambda parts: PauseOverview(
        parts.database, parts.sealer, require_customer=parts.require_customer
    ),
    sealed=OVERVIEW_SEALED,
)
"""The pause overview (R9, R12): `homecare/projections/pause_overview/`."""
BUFFER = ProjectionSpec(
    BufferProjection,
    lambda parts: BufferProjection(parts.sealer, parts.message_format),
    sealed=frozenset({"personnummer", "payload"}),
)
"""The integration buffer (R2-R6): `homecare/outbox/`; its delivery mark is fetch state,
not projected, so not among its tables."""
PROJECTIONS: tuple[ProjectionSpec[Any], ...] = (PAUSE_OVERVIEW, BUFFER)
"""Every projection a store runs, in the order they are run and compared."""
