"""Planning the city's messages: from the periods it holds to the whole-day union (R11, D5).

D5 promises that after the city has applied every delivered message in order,
the day periods it holds equal the whole-day union of the customer's effective
periods (`city_periods`), and that it *never* holds two overlapping periods,
not even between two messages. `plan_city_messages` computes the
New/Changed/Cancelled messages that do so, and sends a cancelled period's
final days (R11).

Pure: standard library only, no clock reads, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from homecare.domain.citydays.localdays import (
    DayPeriod,
    check_disjoint,
    check_period,
    overlap,
    overlap_or_touch,
)

__all__ = ["CityAction", "CityPauseMessage", "HeldPeriod", "plan_city_messages"]


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
    _check_inputs(held, target)
    remaining_held, changes, unmatched_targets = _match(held, target)
    messages = [
        CityPauseMessage(CityAction.CANCELLED, h.period_id, h.first_day, h.last_day)
        for h in remaining_held
    ]
    ordered, broken = _order_changes(held, remaining_held, changes)
    messages.extend(ordered)

    news = sorted([*unmatched_targets, *broken], key=lambda p: p.first_day)
    used = {h.period_id for h in held}
    for k, t in enumerate(news):
        period_id = new_period_id(k)
        if period_id in used:
            raise ValueError(f"new_period_id({k}) returned {period_id!r}, which is already in use")
        used.add(period_id)
        messages.append(CityPauseMessage(CityAction.NEW, period_id, t.first_day, t.last_day))
    return messages


def _check_inputs(held: Sequence[HeldPeriod], target: Sequence[DayPeriod]) -> None:
    """ValueError for an inverted or overlapping period, or a repeated held id."""
    for h in held:
        check_period(h.first_day, h.last_day, f"held period {h.period_id!r}")
    for t in target:
        check_period(t.first_day, t.last_day, "target period")
    check_disjoint([(h.first_day, h.last_day) for h in held], "held periods")
    check_disjoint([(t.first_day, t.last_day) for t in target], "target periods")
    held_ids = [h.period_id for h in held]
    if len(set(held_ids)) != len(held_ids):
        raise ValueError(f"held period ids repeat: {sorted(held_ids)}")


def _match(
    held: Sequence[HeldPeriod], target: Sequence[DayPeriod]
) -> tuple[list[HeldPeriod], list[_Change], list[DayPeriod]]:
    """(held periods to cancel, changes, target periods to send as NEW); identical ones drop."""
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
                if overlap_or_touch(h.first_day, h.last_day, t.first_day, t.last_day)
            ),
            None,
        )
        if match is None:
            unmatched_targets.append(t)
        else:
            remaining_held.remove(match)
            changes.append(_Change(match, t))
    return remaining_held, changes, unmatched_targets


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
            overlap(first, last, change.new.first_day, change.new.last_day)
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
