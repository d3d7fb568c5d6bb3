"""Culling end to end (R16): record, destroy the key, project, scrub (`Homecare.cull`).

The order and why it is crash-safe are in `homecare.application.culling`. This
module adds the read side: after the key is destroyed, the projections are
brought past the culling event (by this process, or by a running worker,
waited for while it moves), which withdraws the subject's unfetched items and
overwrites their personal fields with the culled marker; then every table holding
personal data is scrubbed (`homecare._sql.scrub`: SQLite's WAL checkpointed
and truncated, every write connection having run with `secure_delete`;
PostgreSQL's tables rewritten by VACUUM FULL once no older transaction runs),
so the overwritten values are gone from disk, not only from the rows.

A cull never returns with the read side not projected: a worker whose lease
looks alive but does not move (stuck, stopped at an event) is not trusted for
longer than `STALLED` seconds, nor at all once its lease lapses or its lock is
free (killed: `Homecare.worker_alive`); then this process catches up itself
(its pages and the worker's are serialised by the projections' locks,
`homecare._es.runner`). If that fails too, the cull raises the cause (the
subject is culled; culling again finishes it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from homecare._es.runner import ProjectionRunner
from homecare._sql.database import Database
from homecare._sql.scrub import mark, scrub_tables
from homecare._sql.subject_keys import SubjectKeys, subject_keys
from homecare.application.culling import CullingCommands
from homecare.domain.culling import CullingReason
from homecare.domain.privacy import SubjectKind
from homecare.domain.retention import RetentionPolicy
from homecare.errors import HomecareError, StorageError
from homecare.outbox.delivery import served_position

__all__ = ["CullResult", "Culler"]

logger = logging.getLogger("homecare.culling")

WAIT_FOR_WORKER = 30.0
"""Seconds a cull waits for a running worker to project the culling event; then it
catches up itself."""
STALLED = 5.0
"""Seconds without a projection moving after which a worker whose lease looks alive is
taken for not working (killed within its lease's 15 s, stuck, stopped at an event)."""


class CullResult(BaseModel):
    """One subject's culling: `recorded` (this call saved the record; False: it was there),
    `key_destroyed` (this call destroyed the key), `scrubbed` (the old bytes are gone
    from disk; False: run the cull again), and the record's time and basis."""

    model_config = ConfigDict(frozen=True)

    subject_id: UUID
    kind: SubjectKind
    reason: CullingReason
    legal_basis: str
    culled_at: datetime
    recorded: bool
    key_destroyed: bool
    scrubbed: bool


class Culler:
    """Culls subjects of one store: `app` records, `keys` destroys, `catch_up` projects
    in this process; `worker_alive` says whether a worker's lease looks alive (then
    the worker is waited for while it moves, through `runners`)."""

    def __init__(
        self,
        app: CullingCommands,
        database: Database,
        keys: SubjectKeys,
        policy: RetentionPolicy,
        runners: Callable[[], Sequence[ProjectionRunner]],
        *,
        catch_up: Callable[[], object],
        worker_alive: Callable[[], bool],
    ) -> None:
        self._app = app
        self._database = database
        self._keys = keys
        self._policy = policy
        self._runners = runners
        self._catch_up = catch_up
        self._worker_alive = worker_alive

    def cull(
        self,
        subject_id: UUID,
        *,
        kind: SubjectKind | str,
        reason: CullingReason | str,
        actor: str,
        at: datetime,
        scrub_after: bool = True,
    ) -> CullResult:
        """R16: record, destroy the key, project, scrub (module doc); idempotent. Returns
        only once the read side is past the record; raises the cause when it cannot be
        brought there (the subject stays culled: culling again finishes it)."""
        with self._database.engine.connect() as conn:
            fetched = served_position(conn)  # served, acknowledged or not
        done = self._app.record_culling(
            subject_id,
            subject_kind=kind,
            reason=reason,
            legal_basis=self._policy.legal_basis,
            fetched_up_to=fetched,
            actor=actor,
            at=at,
        )
        record = done.culling
        with self._database.write_engine.begin() as conn:  # scrubbed below, once per run
            destroyed = self._keys.cull(
                record.subject_id, conn=conn, kind=record.subject_kind, at=record.culled_at
            )
        self._app.forget_decoded()  # kept aggregates hold the subject's opened fields
        try:
            self.project()
        except HomecareError as error:
            raise _not_projected(record.subject_kind, record.subject_id, error) from error
        scrubbed = self.scrub() if scrub_after else True
        return CullResult(
            subject_id=record.subject_id,
            kind=record.subject_kind,
            reason=record.reason,
            legal_basis=record.legal_basis,
            culled_at=record.culled_at,
            recorded=done.new,
            key_destroyed=destroyed,
            scrubbed=scrubbed,
        )

    def project(self) -> None:
        """Every projection past the log's end as it is now: waited for while a worker
        with a live lease moves them (`WAIT_FOR_WORKER` at most), else, or then, by this
        process (module doc). Raises what catching up raises."""
        runners = self._runners()
        target = max((runner.log.end() for runner in runners), default=0)
        if self._worker_alive():
            self._wait_for_worker(runners, target)
        self._catch_up()  # nothing left when the worker got there; else finishes it

    def _wait_for_worker(self, runners: Sequence[ProjectionRunner], target: int) -> None:
        """Wait while the worker holding the lease moves the projections towards `target`;
        return once it is not alive any more (asked every second) or stopped moving."""
        start = moved = time.monotonic()
        checked = start  # the lease checked again once a second
        positions = [runner.position() for runner in runners]
        why = None
        while any(position < target for position in positions):
            now = time.monotonic()
            if now - start > WAIT_FOR_WORKER:
                why = f"it did not get there in {WAIT_FOR_WORKER:.0f} s"
            elif now - moved > STALLED:
                why = f"its lease looks alive, but it did not move for {STALLED:.0f} s"
            elif now - checked >= 1.0:
                checked = now
                if not self._worker_alive():
                    why = "its lease lapsed, or nobody holds its lock: was it killed?"
            if why is not None:
                logger.warning("homecare: warning: the worker did not project the culling (%s): "
                               "catching up in this process.", why)  # fmt: skip
                return
            time.sleep(0.2)
            now_at = [runner.position() for runner in runners]
            if now_at != positions:
                positions, moved = now_at, time.monotonic()

    def scrub(self) -> bool:
        """No overwritten personal data left on disk: the key table and every projected
        table (module doc); False when it could not finish (run it again). The only
        scrub of a cull or a batch: the key is destroyed in a transaction of the
        Culler's own, so `SubjectKeys.cull` does not scrub (or wait) on its own."""
        if self._database.is_sqlite:
            return scrub_tables(self._database, [subject_keys.name])
        with self._database.write_engine.begin() as conn:
            after = mark(self._database, conn)
        names = [
            subject_keys.name,
            *(table.name for r in self._runners() for table in r.projection.tables),
        ]
        return scrub_tables(self._database, names, after)  # one wait, one warning


def _not_projected(kind: SubjectKind, subject_id: UUID, error: HomecareError) -> HomecareError:
    """The error of a cull whose read side could not be brought past its record: the
    cause's class and code (StorageError's for another), saying what is done and not."""
    message = (
        f"The {kind} {subject_id} is culled (recorded, key destroyed), but the buffer and "
        f"the pause overview could not be brought past it: {error.message} Until they are, "
        "the city's fetch serves none of their items (it stops before them); fix the "
        "cause, then cull again to finish it."
    )
    cls = type(error) if isinstance(error, StorageError) else StorageError
    try:
        return cls(message)
    except TypeError:  # an error class with other arguments
        return StorageError(message)
