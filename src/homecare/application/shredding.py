"""Culling end to end (R16): record, destroy the key, project, scrub (`Homecare.cull`).

The order and why it is crash-safe are in `homecare.application.culling`. This
module adds the read side: after the key is destroyed, the projections are
brought past the culling event (by this process, or by a running worker,
waited for), which withdraws the subject's unfetched items and overwrites
their personal fields with the culled marker; then every table holding
personal data is scrubbed (`homecare._sql.scrub`: SQLite's WAL checkpointed
and truncated, every write connection having run with `secure_delete`;
PostgreSQL's tables rewritten by VACUUM FULL once no older transaction runs),
so the overwritten values are gone from disk, not only from the rows.
"""

from __future__ import annotations

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
from homecare.outbox.delivery import served_position

__all__ = ["CullResult", "Culler"]

WAIT_FOR_WORKER = 30.0
"""Seconds a cull waits for a running worker to project the culling event."""


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
    (None: a worker does it, waited for through `runners`)."""

    def __init__(
        self,
        app: CullingCommands,
        database: Database,
        keys: SubjectKeys,
        policy: RetentionPolicy,
        runners: Callable[[], Sequence[ProjectionRunner]],
    ) -> None:
        self._app = app
        self._database = database
        self._keys = keys
        self._policy = policy
        self._runners = runners

    def cull(
        self,
        subject_id: UUID,
        *,
        kind: SubjectKind | str,
        reason: CullingReason | str,
        actor: str,
        at: datetime,
        catch_up: Callable[[], object] | None,
        scrub_after: bool = True,
    ) -> CullResult:
        """R16: record, destroy the key, project, scrub (module doc); idempotent."""
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
            destroyed = self._keys.cull(record.subject_id, conn=conn, kind=record.subject_kind)
        self._app.forget_decoded()  # kept aggregates hold the subject's opened fields
        projected = self.project(catch_up)
        scrubbed = projected and (self.scrub() if scrub_after else True)
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

    def project(self, catch_up: Callable[[], object] | None) -> bool:
        """Every projection past the log's end as it is now: by `catch_up`, or waited
        for (a running worker) up to `WAIT_FOR_WORKER` seconds; False if it was not."""
        if catch_up is not None:
            catch_up()
            return True
        runners = self._runners()
        target = max((runner.log.end() for runner in runners), default=0)
        deadline = time.monotonic() + WAIT_FOR_WORKER
        while any(runner.position() < target for runner in runners):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

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
