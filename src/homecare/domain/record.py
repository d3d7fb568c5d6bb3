"""Every aggregate's base: time only moves forward on a record (D11).

Why in one place: every command of every aggregate records its event through
`trigger_event`, so refusing there a change dated before the record's last
event covers all of them, including commands added later. Without it a
history could show version 2 before version 1, and reading a record as of a
time (D6) could never show the state in between. `check_happened` is the
same rule for a fact a command reports: it happened before it is recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate

from homecare.domain.common import STOCKHOLM, require_instant
from homecare.errors import InvalidInputError, TimeWentBackwardsError

__all__ = ["Record", "check_created_before", "check_happened", "check_not_before", "stockholm_text"]


def stockholm_text(instant: datetime) -> str:
    """An instant as an operator reads it: Stockholm wall-clock time with its offset."""
    return instant.astimezone(STOCKHOLM).isoformat(sep=" ")


def check_happened(instant: datetime, at: datetime, complaint: str) -> None:
    """A fact is recorded once it happened: InvalidInputError if `instant` lies after `at`.

    `complaint` is the message, with `{instant}` and `{at}` filled in as
    Stockholm time (both arguments already in UTC, e.g. from require_instant).
    """
    if instant > at:
        raise InvalidInputError(
            complaint.format(instant=stockholm_text(instant), at=stockholm_text(at))
        )


def check_not_before(
    at: datetime, earliest: datetime, what: str, since: str = "its last change"
) -> None:
    """D11: refuse a command dated `at` before `earliest`, naming both in Stockholm time."""
    if at < earliest:
        raise TimeWentBackwardsError(
            f"{what}: the command is dated {stockholm_text(at)}, before {since} at "
            f"{stockholm_text(earliest)} (Stockholm time); time only moves forward on a "
            "record (D11)."
        )


def check_created_before(parent: Aggregate, at: datetime) -> None:
    """D11: a record cannot be made for another (a contract for a customer, a visit
    for an order) before that one existed; raises TimeWentBackwardsError."""
    kind = type(parent).__name__
    check_not_before(
        require_instant(at, "at"), parent.created_on, kind, since=f"{kind} {parent.id} was created"
    )


class Record(Aggregate):
    """An aggregate that refuses events dated before its last one (D11)."""

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        timestamp = kwargs.get("timestamp")
        if isinstance(timestamp, datetime):
            check_not_before(timestamp, self.modified_on, f"{type(self).__name__} {self.id}")
        super().trigger_event(event_class, **kwargs)
