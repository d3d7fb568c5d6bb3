"""Whole Stockholm calendar days: what the city holds for a paused customer (R10, R11, D5).

The city's system knows a pause only as whole calendar days of the *customer*,
whatever the pause's level (customer, contract or order) and whatever its
clock times (R10). Our pauses are instants, so this module is the single place
that turns instants into days, and it does so in Europe/Stockholm local time
with DST handled by `zoneinfo` (D5): a day is a local calendar date, which is
23, 24 or 25 hours long.

D5 also promises that after the city has applied every delivered message in
order, the day periods it holds equal the whole-day union of the customer's
effective periods, and that it *never* holds two overlapping periods, not even
between two messages. Hence three pieces:

- `day_period` / `city_periods` compute the target: the whole-day union;
- `plan_city_messages` computes the New/Changed/Cancelled messages that move
  the city from what it holds to that target, in an order that never makes two
  held periods overlap, and sends a cancelled period's final days (R11);
- `apply_city_messages` is a reference model of the city that rejects every
  message sequence breaking those promises, so tests can check the plan.

Pure: standard library only, no clock reads, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from homecare.domain.common import STOCKHOLM

__all__ = [
    "STOCKHOLM",
    "CityAction",
    "CityPauseMessage",
    "DayPeriod",
    "HeldPeriod",
    "apply_city_messages",
    "city_periods",
    "day_period",
    "plan_city_messages",
]

"""The zone whose calendar days the city counts in (D5)."""

_RESOLUTION = timedelta(microseconds=1)
"""`datetime`'s resolution: the last instant before an end is the end minus this."""


@dataclass(frozen=True, order=True)
class DayPeriod:
    """A whole-calendar-day period as the city holds it. last_day None = open-ended (ongoing).

    Both days are included. The city counts whole days only (R10), so this is
    the unit every comparison with the city is made in (D5).
    """

    first_day: date
    last_day: date | None


class CityAction(StrEnum):
    """The status a pause message carries to the city (R8: New, Changed, Cancelled)."""

    NEW = "new"
    CHANGED = "changed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class HeldPeriod:
    """A day period the city holds, with the identity it was created under.

    The identity matters because a Changed or Cancelled message must name the
    period the city already has (R8, R11).
    """

    period_id: str
    first_day: date
    last_day: date | None


@dataclass(frozen=True)
class CityPauseMessage:
    """One message to the city about one held day period.

    For CANCELLED, `first_day`/`last_day` are the held period's final days: R11
    says a cancelled pause's (possibly edited) final fields are what is sent.
    """

    action: CityAction
    period_id: str
    first_day: date
    last_day: date | None


# -- instants to days (R10, D5) ------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime has no defined instant, so its Stockholm date is a guess;
    # D5 requires the real local date, so refuse rather than guess.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive datetime {value.isoformat()}")


def day_period(start: datetime, end: datetime | None) -> DayPeriod | None:
    """Stockholm calendar days touched with positive duration by the interval [start, end).

    Why: the city counts whole days (R10) in Stockholm local time (D5), so a
    pause from 22:30 to 02:30 pauses two days, and a pause ending exactly at
    local midnight does not pause the day that midnight starts.

    start/end must be timezone-aware (ValueError otherwise). end None -> open
    (last_day None). first_day = local date of start; last_day = local date of
    the last instant before end. Returns None if end is not None and
    end <= start (no positive duration, so no day is touched).

    All arithmetic and comparison is done in UTC: Python compares and subtracts
    two datetimes sharing one tzinfo by wall clock, which is wrong across a DST
    switch (D5).
    """
    _require_aware(start, "start")
    start_utc = start.astimezone(UTC)
    first_day = start_utc.astimezone(STOCKHOLM).date()
    if end is None:
        return DayPeriod(first_day, None)
    _require_aware(end, "end")
    end_utc = end.astimezone(UTC)
    if end_utc <= start_utc:
        return None
    last_day = (end_utc - _RESOLUTION).astimezone(STOCKHOLM).date()
    return DayPeriod(first_day, last_day)


def _reaches(earlier: DayPeriod, later_first: date) -> bool:
    """Whether a period starting on `later_first` (not before `earlier`) overlaps or touches it."""
    # Subtraction instead of `last_day + 1 day` so that date.max cannot overflow.
    return earlier.last_day is None or (later_first - earlier.last_day).days <= 1


def city_periods(
    effective_periods: Iterable[tuple[datetime, datetime | None]],
) -> tuple[DayPeriod, ...]:
    """The whole-day union of a customer's effective periods: what the city must hold (R10, D5).

    Every pause counts as a pause of the customer whatever its level (R10), so
    the periods of all levels are unioned. Each is mapped with `day_period`
    (periods touching no day are dropped); overlapping periods and periods on
    adjacent days (e.g. ..-05 and 06-..) merge, because for the city two
    adjacent whole-day periods are one unbroken pause; an open-ended period
    absorbs everything from its first day on.

    Result: sorted by first_day, pairwise disjoint and non-adjacent, so it is a
    canonical form: equal day sets give equal results.
    """
    days = [p for start, end in effective_periods if (p := day_period(start, end)) is not None]
    days.sort(key=lambda p: p.first_day)
    merged: list[DayPeriod] = []
    for period in days:
        if merged and _reaches(merged[-1], period.first_day):
            current = merged[-1]
            if current.last_day is None or period.last_day is None:
                last: date | None = None
            else:
                last = max(current.last_day, period.last_day)
            merged[-1] = DayPeriod(current.first_day, last)
        else:
            merged.append(period)
    return tuple(merged)


# -- moving the city (R11, D5) -------------------------------------------------


def _overlap(a_first: date, a_last: date | None, b_first: date, b_last: date | None) -> bool:
    """Whether two day periods share at least one day (None = open to infinity)."""
    return (a_last is None or b_first <= a_last) and (b_last is None or a_first <= b_last)


def _overlap_or_touch(
    a_first: date, a_last: date | None, b_first: date, b_last: date | None
) -> bool:
    """Whether two day periods share a day or lie on adjacent days."""
    if a_first <= b_first:
        return a_last is None or (b_first - a_last).days <= 1
    return b_last is None or (a_first - b_last).days <= 1


def _check_period(first_day: date, last_day: date | None, what: str) -> None:
    if last_day is not None and last_day < first_day:
        raise ValueError(f"{what} ends ({last_day}) before it starts ({first_day})")


def _check_disjoint(periods: Sequence[tuple[date, date | None]], what: str) -> None:
    ordered = sorted(periods, key=lambda p: p[0])
    for (a_first, a_last), (b_first, b_last) in pairwise(ordered):
        if _overlap(a_first, a_last, b_first, b_last):
            raise ValueError(
                f"{what} overlap: {a_first}..{a_last or 'open'} and {b_first}..{b_last or 'open'}"
            )


@dataclass
class _Change:
    """A pending CHANGED: the held period `old` takes the days of `new`."""

    old: HeldPeriod
    new: DayPeriod


def plan_city_messages(
    held: Sequence[HeldPeriod],
    target: Sequence[DayPeriod],
    new_period_id: Callable[[int], str],
) -> list[CityPauseMessage]:
    """Messages that move the city from `held` (disjoint) to exactly `target` (disjoint).

    Why: D5 requires that after the city applies the messages in order it holds
    exactly the whole-day union (`target`, as from `city_periods`), and that it
    never holds two overlapping periods in between, since the city would then
    count a day twice or reject the message. Keeping a held period's identity
    (CHANGED rather than CANCELLED + NEW) keeps the city's history of one pause
    as one period (R8).

    Matching: periods identical in both -> no message. Each remaining target
    period (by first_day) is matched to the earliest unmatched held period that
    overlaps or touches it -> CHANGED keeping that period_id; unmatched target
    -> NEW; unmatched held -> CANCELLED carrying its final days (R11).

    Order (so no intermediate state overlaps):
    1. CANCELLEDs, by first_day: they only free days.
    2. CHANGEDs, repeatedly the first (by new first_day) whose new days do not
       overlap any other currently held period. New days never overlap another
       target period, so only not-yet-changed old days can block. If every
       pending change is blocked (a cycle), the first pending one becomes a
       CANCELLED of its old days now and a NEW of its new days later, which
       frees its old days and so always makes progress.
    3. NEWs, by first_day: by then only target periods are held, and targets
       are disjoint. The k-th NEW (k = 0, 1, 2...) gets id new_period_id(k).

    The output depends only on the inputs' values, not on their order, so the
    same history always yields the same messages (D6 replay). Raises ValueError
    if `held` or `target` contain an inverted or overlapping period, if held
    ids repeat, or if new_period_id returns an id already in use.
    """
    for h in held:
        _check_period(h.first_day, h.last_day, f"held period {h.period_id!r}")
    for t in target:
        _check_period(t.first_day, t.last_day, "target period")
    _check_disjoint([(h.first_day, h.last_day) for h in held], "held periods")
    _check_disjoint([(t.first_day, t.last_day) for t in target], "target periods")
    held_ids = [h.period_id for h in held]
    if len(set(held_ids)) != len(held_ids):
        raise ValueError(f"held period ids repeat: {sorted(held_ids)}")

    # Sorting with the id as tie-breaker makes the result independent of input order.
    remaining_held = sorted(held, key=lambda h: (h.first_day, h.period_id))
    remaining_target: list[DayPeriod] = []
    for t in sorted(target, key=lambda p: p.first_day):
        same = next(
            (h for h in remaining_held if (h.first_day, h.last_day) == (t.first_day, t.last_day)),
            None,
        )
        if same is None:
            remaining_target.append(t)
        else:
            remaining_held.remove(same)

    changes: list[_Change] = []
    unmatched_targets: list[DayPeriod] = []
    for t in remaining_target:
        match = next(
            (
                h
                for h in remaining_held
                if _overlap_or_touch(h.first_day, h.last_day, t.first_day, t.last_day)
            ),
            None,
        )
        if match is None:
            unmatched_targets.append(t)
        else:
            remaining_held.remove(match)
            changes.append(_Change(match, t))

    messages = [
        CityPauseMessage(CityAction.CANCELLED, h.period_id, h.first_day, h.last_day)
        for h in remaining_held
    ]
    ordered, broken = _order_changes(held, remaining_held, changes)
    messages.extend(ordered)

    news = sorted([*unmatched_targets, *broken], key=lambda p: p.first_day)
    used = set(held_ids)
    for k, t in enumerate(news):
        period_id = new_period_id(k)
        if period_id in used:
            raise ValueError(f"new_period_id({k}) returned {period_id!r}, which is already in use")
        used.add(period_id)
        messages.append(CityPauseMessage(CityAction.NEW, period_id, t.first_day, t.last_day))
    return messages


def _order_changes(
    held: Sequence[HeldPeriod],
    cancelled: Sequence[HeldPeriod],
    changes: Sequence[_Change],
) -> tuple[list[CityPauseMessage], list[DayPeriod]]:
    """Order the CHANGEDs so none overlaps another held period when applied (D5).

    Returns the messages (CHANGEDs, plus CANCELLEDs of changes turned into
    cancel + new to break a cycle) and the new days of those broken changes,
    which the caller sends as NEWs after everything else.
    """
    cancelled_ids = {h.period_id for h in cancelled}
    current: dict[str, tuple[date, date | None]] = {
        h.period_id: (h.first_day, h.last_day) for h in held if h.period_id not in cancelled_ids
    }
    pending = sorted(changes, key=lambda c: (c.new.first_day, c.old.period_id))
    messages: list[CityPauseMessage] = []
    broken: list[DayPeriod] = []

    def blocked(change: _Change) -> bool:
        return any(
            _overlap(first, last, change.new.first_day, change.new.last_day)
            for period_id, (first, last) in current.items()
            if period_id != change.old.period_id
        )

    while pending:
        ready = next((c for c in pending if not blocked(c)), None)
        if ready is not None:
            pending.remove(ready)
            current[ready.old.period_id] = (ready.new.first_day, ready.new.last_day)
            messages.append(
                CityPauseMessage(
                    CityAction.CHANGED,
                    ready.old.period_id,
                    ready.new.first_day,
                    ready.new.last_day,
                )
            )
        else:
            victim = pending.pop(0)
            del current[victim.old.period_id]
            messages.append(
                CityPauseMessage(
                    CityAction.CANCELLED,
                    victim.old.period_id,
                    victim.old.first_day,
                    victim.old.last_day,
                )
            )
            broken.append(victim.new)
    return messages, broken


# -- a reference model of the city (D5) ---------------------------------------


def apply_city_messages(
    held: Sequence[HeldPeriod], messages: Iterable[CityPauseMessage]
) -> list[HeldPeriod]:
    """Apply messages in order, as the city does, checking every intermediate state (D5).

    Why: D5's promise ("never two overlapping periods") is about every state
    the city passes through, not only the last one, so tests and other code's
    property tests replay plans through this model. It is deliberately strict:
    it raises ValueError for a NEW with an id already held, a CHANGED or
    CANCELLED of an unknown id, a CANCELLED whose days differ from the held
    period's final days (R11: the final fields are sent), a period ending
    before it starts, repeated ids in `held`, or any state (including the
    initial one) in which two held periods overlap.

    Returns the held periods sorted by first_day (then id).
    """
    state: dict[str, HeldPeriod] = {}
    for h in held:
        _check_period(h.first_day, h.last_day, f"held period {h.period_id!r}")
        if h.period_id in state:
            raise ValueError(f"held period id {h.period_id!r} appears twice")
        state[h.period_id] = h
    _check_disjoint([(h.first_day, h.last_day) for h in held], "held periods")

    for step, message in enumerate(messages):
        where = f"message {step} ({message.action.value} {message.period_id!r})"
        _check_period(message.first_day, message.last_day, where)
        if message.action is CityAction.NEW:
            if message.period_id in state:
                raise ValueError(f"{where}: NEW for an id the city already holds")
        elif message.period_id not in state:
            raise ValueError(f"{where}: the city holds no period with this id")

        if message.action is CityAction.CANCELLED:
            old = state[message.period_id]
            if (old.first_day, old.last_day) != (message.first_day, message.last_day):
                raise ValueError(
                    f"{where}: carries {message.first_day}..{message.last_day or 'open'} but the "
                    f"held period's final days are {old.first_day}..{old.last_day or 'open'} (R11)"
                )
            del state[message.period_id]
            continue

        for other in state.values():
            if other.period_id != message.period_id and _overlap(
                other.first_day, other.last_day, message.first_day, message.last_day
            ):
                raise ValueError(
                    f"{where}: {message.first_day}..{message.last_day or 'open'} would overlap "
                    f"held period {other.period_id!r} "
                    f"{other.first_day}..{other.last_day or 'open'}"
                )
        state[message.period_id] = HeldPeriod(
            message.period_id, message.first_day, message.last_day
        )
    return sorted(state.values(), key=lambda h: (h.first_day, h.period_id))
