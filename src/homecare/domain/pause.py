"""A pause (uppehåll) of a customer, contract or order: R7, R8, R11, R13, D5.

Lifecycle (R8): created with status New; a change of start, end or reason
makes it Changed; cancelling makes it Cancelled, which is final (R13: never
deleted; to redo one, cancel it and create another). A change that changes
nothing is rejected (PauseUnchangedError) so that no empty event is stored.
Each `change` call is one event: a host that edits a pause in several steps
passes all edits in one call to store them as one explicit save.

The effective period (D5) is what actually paused deliveries: start to end;
none if cancelled before it started; if cancelled while ongoing, it ends at
the cancel time, or at the end it was edited to first if that is earlier (R11).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from homecare.domain.common import (
    UNSET,
    Unset,
    parse_choice,
    require_aware,
    require_instant,
    require_period,
    stamp,
)
from homecare.domain.fields import REASON_TEXT_MAX, require_id, require_optional_text
from homecare.domain.record import Record, check_happened
from homecare.errors import (
    InvalidInputError,
    PauseCancelledError,
    PauseUnchangedError,
)

__all__ = [
    "Pause",
    "PauseCancelled",
    "PauseChanged",
    "PauseCreated",
    "PauseLevel",
    "PauseReason",
    "PauseStatus",
    "effective_period",
]


class PauseLevel(StrEnum):
    CUSTOMER = "customer"
    CONTRACT = "contract"
    ORDER = "order"


class PauseStatus(StrEnum):
    """Ny / Ändrad / Inställd."""

    NEW = "new"
    CHANGED = "changed"
    CANCELLED = "cancelled"


class PauseReason(StrEnum):
    """Orsak: a closed set; OTHER needs a free-text explanation."""

    HOSPITAL_STAY = "hospital_stay"
    SHORT_TERM_STAY = "short_term_stay"
    OWN_REQUEST = "own_request"
    OTHER = "other"


class Pause(Record):
    """A pause of deliveries to a customer, or under one contract or order (R7, R8)."""

    class Created(Aggregate.Created):
        """PauseCreated (D1)."""

        level: str
        target_id: UUID
        customer_id: UUID
        notified_at: datetime
        reason: str
        reason_text: str | None
        starts_at: datetime
        ends_at: datetime | None
        actor: str

    class Changed(Aggregate.Event):
        """PauseChanged (D1): the full new period and reason, not a diff."""

        starts_at: datetime
        ends_at: datetime | None
        reason: str
        reason_text: str | None
        actor: str

    class Cancelled(Aggregate.Event):
        """PauseCancelled (D1); the event's timestamp is the cancel time (D5)."""

        actor: str

    @event(Created)
    def __init__(
        self,
        level: str,
        target_id: UUID,
        customer_id: UUID,
        notified_at: datetime,
        reason: str,
        reason_text: str | None,
        starts_at: datetime,
        ends_at: datetime | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.level = PauseLevel(level)
        self.target_id = target_id
        self.customer_id = customer_id
        self.notified_at = notified_at
        self.reason = PauseReason(reason)
        self.reason_text = reason_text
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.status = PauseStatus.NEW
        self.cancelled_at: datetime | None = None

    @classmethod
    def create(
        cls,
        *,
        level: PauseLevel | str,
        target_id: UUID,
        customer_id: UUID,
        notified_at: datetime,
        reason: PauseReason | str,
        starts_at: datetime,
        ends_at: datetime | None = None,
        reason_text: str | None = None,
        actor: str,
        at: datetime,
    ) -> Pause:
        """R8: records notified-at, reason and duration; status New.

        The customer told the provider before (or when) the pause is recorded:
        `notified_at` may not lie after `at`.
        """
        notified_at = require_instant(notified_at, "notified_at")
        check_happened(
            notified_at,
            require_instant(at, "at"),
            "Pause: notified at {instant}, after it is recorded at {at} (Stockholm time).",
        )
        starts_at, ends_at = require_period(starts_at, ends_at, "Pause")
        checked_reason, checked_text = _check_reason(reason, reason_text)
        return cls(
            level=parse_choice(PauseLevel, level, "level"),
            target_id=require_id(target_id, "target_id"),
            customer_id=require_id(customer_id, "customer_id"),
            notified_at=notified_at,
            reason=checked_reason,
            reason_text=checked_text,
            starts_at=starts_at,
            ends_at=ends_at,
            **stamp(actor, at),
        )

    def change(
        self,
        *,
        starts_at: datetime | Unset = UNSET,
        ends_at: datetime | Unset | None = UNSET,
        reason: PauseReason | str | Unset = UNSET,
        reason_text: str | Unset | None = UNSET,
        actor: str,
        at: datetime,
    ) -> None:
        """R8, R11: edit start, end or reason; status becomes Changed."""
        self.check_not_cancelled()
        new_start = self.starts_at if isinstance(starts_at, Unset) else starts_at
        new_end = self.ends_at if isinstance(ends_at, Unset) else ends_at
        new_start, new_end = require_period(new_start, new_end, "Pause")
        new_reason, new_text = _check_reason(
            self.reason if isinstance(reason, Unset) else reason,
            self.reason_text if isinstance(reason_text, Unset) else reason_text,
        )
        if (new_start, new_end, new_reason, new_text) == (
            self.starts_at,
            self.ends_at,
            self.reason,
            self.reason_text,
        ):
            raise PauseUnchangedError(f"Pause {self.id}: the change changes nothing.")
        self._changed(
            starts_at=new_start,
            ends_at=new_end,
            reason=new_reason,
            reason_text=new_text,
            **stamp(actor, at),
        )

    def cancel(self, *, actor: str, at: datetime) -> None:
        """R8, R11, R13: cancelling is final; the pause stays in the history."""
        self.check_not_cancelled()
        self._cancelled(**stamp(actor, at))

    def check_not_cancelled(self) -> None:
        if self.status is PauseStatus.CANCELLED:
            raise PauseCancelledError(
                f"Pause {self.id} is cancelled and cannot be changed or cancelled again "
                "(R13: create a new pause instead)."
            )

    @property
    def effective_period(self) -> tuple[datetime, datetime | None] | None:
        """D5: the period in which deliveries really were (or are) paused."""
        return effective_period(self.starts_at, self.ends_at, self.cancelled_at)

    def is_active_at(self, instant: datetime) -> bool:
        period = self.effective_period
        if period is None:
            return False
        instant = require_aware(instant, "instant")
        start, end = period
        return start <= instant and (end is None or instant < end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        period = self.effective_period
        if period is None:
            return False
        start, end = require_aware(start, "start"), require_aware(end, "end")
        p_start, p_end = period
        return p_start < end and (p_end is None or start < p_end)

    @event(Changed)
    def _changed(
        self,
        starts_at: datetime,
        ends_at: datetime | None,
        reason: str,
        reason_text: str | None,
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.reason = PauseReason(reason)
        self.reason_text = reason_text
        self.status = PauseStatus.CHANGED

    @event(Cancelled)
    def _cancelled(self, actor: str, timestamp: datetime) -> None:
        self.status = PauseStatus.CANCELLED
        self.cancelled_at = timestamp


def effective_period(
    starts_at: datetime, ends_at: datetime | None, cancelled_at: datetime | None
) -> tuple[datetime, datetime | None] | None:
    """D5, shared by the aggregate and the projections that replay pause events."""
    if cancelled_at is None:
        return starts_at, ends_at
    if cancelled_at <= starts_at:
        return None
    end = cancelled_at if ends_at is None else min(ends_at, cancelled_at)
    return starts_at, end


PauseCreated = Pause.Created
PauseChanged = Pause.Changed
PauseCancelled = Pause.Cancelled


def _check_reason(reason: PauseReason | str, text: str | None) -> tuple[PauseReason, str | None]:
    """The reason and its free text (at most REASON_TEXT_MAX characters, may span lines)."""
    checked = parse_choice(PauseReason, reason, "reason")
    cleaned = require_optional_text(text, "reason_text", REASON_TEXT_MAX, multiline=True)
    if checked is PauseReason.OTHER and not cleaned:
        raise InvalidInputError("A pause with reason 'other' needs a free-text explanation.")
    return checked, cleaned or None
