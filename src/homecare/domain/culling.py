"""The record of a culling (R16): who culled which subject, when, why and on what basis.

Why an aggregate of its own rather than an event on the customer or the staff
member: the subject's own events stay exactly as they were (their audit still
verifies), and the record holds no personal data: the subject's id and kind,
the reason code, the legal basis and the actor. One per subject: its id comes
from the subject's (`Culling.id_for`), so a second culling of the same subject
is found before anything is written (the facade's `cull` is then a no-op).

The facade (`homecare.application.culling`) saves `Culling.record(...)`
first, then destroys the subject's key (`SubjectKeys.cull`): a crash between
the two leaves the record with the key still there, and running the cull again
finds the record and finishes the job, since both steps are idempotent.

`fetched_up_to` is the integration buffer's served mark when the culling was
recorded (the highest position a fetch has served, acknowledged or not; 0:
nothing served yet): the subject's items after it were not served to the city
and are withdrawn (R16). It is in the event, not
read when the buffer projects it, so a replay withdraws the same items (D6).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import parse_choice, stamp
from homecare.domain.fields import require_id, require_text, require_whole
from homecare.domain.privacy import SubjectKind
from homecare.domain.record import check_not_before

__all__ = ["LEGAL_BASIS_MAX", "Culling", "CullingReason"]

LEGAL_BASIS_MAX = 300
_NAMESPACE = UUID("6f0b7a52-3c1e-4d51-9a53-5b1f3b8a2c15")  # homecare cullings


class CullingReason(StrEnum):
    RETENTION = "retention"  # the retention policy made it due
    ON_DEMAND = "on_demand"  # an operator culled the subject (e.g. an erasure request)
    RESTORE = "restore"  # culled again after a backup made before the culling was restored


class Culling(Aggregate):
    """One subject's culling (R16); no personal data."""

    class Recorded(Aggregate.Created):
        subject_id: UUID
        subject_kind: str
        reason: str
        legal_basis: str
        fetched_up_to: int
        actor: str

    @staticmethod
    def create_id(subject_id: UUID, **_: Any) -> UUID:
        return Culling.id_for(subject_id)

    @staticmethod
    def id_for(subject_id: UUID) -> UUID:
        """The id of the subject's culling record (the same every time)."""
        return uuid5(_NAMESPACE, str(subject_id))

    @event(Recorded)
    def __init__(
        self,
        subject_id: UUID,
        subject_kind: str,
        reason: str,
        legal_basis: str,
        fetched_up_to: int,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.subject_kind = SubjectKind(subject_kind)
        self.reason = CullingReason(reason)
        self.legal_basis = legal_basis
        self.fetched_up_to = fetched_up_to
        self.actor = actor
        self.culled_at = timestamp

    @classmethod
    def record(
        cls,
        *,
        subject_id: UUID,
        subject_kind: SubjectKind | str,
        reason: CullingReason | str,
        legal_basis: str,
        actor: str,
        at: datetime,
        fetched_up_to: int = 0,
        last_change: datetime | None = None,
    ) -> Culling:
        """R16: record that the subject was culled; InvalidInputError for a bad field
        (`fetched_up_to`: a buffer position, a whole number from 0). `last_change`: the
        time of the subject's last event; a culling dated before it is
        TimeWentBackwardsError (D11: the culling is the last entry of the subject's
        record, and its time is the one culling time shown everywhere)."""
        subject_id = require_id(subject_id, "subject_id")
        kind = parse_choice(SubjectKind, subject_kind, "subject kind")
        stamped = stamp(actor, at)
        if last_change is not None:
            check_not_before(stamped["timestamp"], last_change, f"The {kind} {subject_id}")
        return cls(
            subject_id=subject_id,
            subject_kind=kind.value,
            reason=parse_choice(CullingReason, reason, "culling reason").value,
            legal_basis=require_text(legal_basis, "legal_basis", LEGAL_BASIS_MAX),
            fetched_up_to=require_whole(fetched_up_to, "fetched_up_to"),
            **stamped,
        )
