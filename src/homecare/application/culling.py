"""Culling a data subject (R16): the record first, then the subject's key destroyed.

Why this order: the record (`homecare.domain.culling.Culling`, no personal
data) is an event, so the projections withdraw and overwrite what they hold
(`homecare.outbox.culled`, `homecare.projections.pause_overview`) on their next
page; the key (`homecare._sql.subject_keys`) is a row in the same database,
destroyed after. Each step is idempotent, so a crash anywhere is finished by
running the cull again:

1. `record_culling`: the Culling event, unless the subject already has one
   (its id comes from the subject's; a second cull finds it). It records the
   buffer's served mark at that moment (`fetched_up_to`, acknowledged or not): the
   subject's items after it, which the city was not served, are withdrawn.
2. `SubjectKeys.cull`: the key's bytes overwritten, then NULLed (or a row
   saying culled, if the subject had no key yet: nothing is sealed for them
   later), then `scrub` (the SQLite WAL truncated; PostgreSQL's key table
   rewritten).
3. The caller (`Homecare.cull`) brings the projections past the event and
   scrubs their tables (`homecare._sql.scrub`), so the overwritten rows' old
   versions are gone from disk too.

A crash after 1 leaves the record with the key intact; after 2, the
projections not yet past the event (the worker or the next catch-up applies
it). Both are finished by culling again (`homecare privacy cull --customer ID`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from homecare._es.application import EventStore
from homecare._es.error_map import boundary
from homecare._es.log import Log
from homecare.domain.culling import Culling, CullingReason
from homecare.domain.customer import Customer
from homecare.domain.fields import require_id
from homecare.domain.privacy import SubjectKind
from homecare.domain.record import Record
from homecare.domain.staff import Staff
from homecare.errors import ConcurrentUpdateError, NotFoundError
from homecare.privacy.resolve import resolve_subject

__all__ = ["CullingCommands", "Recorded"]

_RECORDS: dict[SubjectKind, type[Record]] = {
    SubjectKind.CUSTOMER: Customer,
    SubjectKind.STAFF: Staff,
}


@dataclass(frozen=True)
class Recorded:
    """A subject's culling record: `new` when this call saved it, False when it was there."""

    culling: Culling
    new: bool


@boundary
class CullingCommands(EventStore):
    """R16: the record of a culling (the key is destroyed by the caller, `Homecare.cull`)."""

    def record_culling(
        self,
        subject_id: UUID,
        *,
        subject_kind: SubjectKind | str,
        reason: CullingReason | str,
        legal_basis: str,
        fetched_up_to: int,
        actor: str,
        at: datetime,
    ) -> Recorded:
        """Save the subject's Culling (R16) unless it has one. The subject is resolved first
        (`homecare.privacy.resolve`): InvalidInputError for a bad field, NotFoundError
        when no customer (or staff member, as `subject_kind` says) has this id,
        TimeWentBackwardsError when `at` is before the subject's last event (D11; a
        subject culled already keeps its record, whatever `at`)."""
        subject = resolve_subject(Log(self.recorder, self.mapper), subject_id, subject_kind)
        arguments: dict[str, Any] = dict(
            subject_id=subject.id,
            subject_kind=subject.kind,
            reason=reason,
            legal_basis=legal_basis,
            fetched_up_to=fetched_up_to,
            actor=actor,
            at=at,
        )
        if subject.culled_at is not None:  # checked as a new one would be, then kept
            Culling.record(**arguments)
            return Recorded(self._load(Culling, Culling.id_for(subject.id)), new=False)
        own = _RECORDS[subject.kind]
        culling = Culling.record(**arguments, last_change=self._load(own, subject.id).modified_on)
        try:
            self.save(culling)
        except ConcurrentUpdateError:  # a cull at the same time recorded it first
            again = self.culling_of(subject.id)
            if again is None:
                raise
            return Recorded(again, new=False)
        return Recorded(culling, new=True)

    def culling_of(self, subject_id: UUID) -> Culling | None:
        """The subject's culling record, None when they were not culled."""
        try:
            return self._load(Culling, Culling.id_for(require_id(subject_id, "subject_id")))
        except NotFoundError:
            return None
