"""Whole days as half-open ordinal intervals: the arithmetic of the reconciliation (R12).

An interval `(first, end)` holds the days `date.fromordinal(first)` up to,
not including, `date.fromordinal(end)`; `OPEN` as the end is "ongoing". A
list of intervals is kept normal: sorted, disjoint, not touching.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from homecare.domain.month import Month

__all__ = [
    "OPEN",
    "Interval",
    "clip",
    "days",
    "intersect",
    "interval",
    "minus",
    "month_window",
    "normal",
]

Interval = tuple[int, int]
OPEN = date.max.toordinal() + 1
"""The exclusive end of an open (ongoing) period."""


def interval(first: date, last: date | None) -> Interval:
    """The days `first` to `last`, both included; `last` None: open."""
    return first.toordinal(), OPEN if last is None else last.toordinal() + 1


def days(first: int, end: int) -> tuple[date, date | None]:
    """An interval back as its first and last day (None: open)."""
    return date.fromordinal(first), None if end >= OPEN else date.fromordinal(end - 1)


def month_window(month: Month | None) -> Interval:
    """The days of `month`; None: every day."""
    if month is None:
        return date.min.toordinal(), OPEN
    return interval(month.first_day, month.last_day)


def normal(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals merged; empty ones dropped."""
    merged: list[Interval] = []
    for first, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((first, end))
    return merged


def minus(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The days of `a` not in `b`."""
    result: list[Interval] = []
    for first, end in a:
        pieces = [(first, end)]
        for b_first, b_end in b:
            pieces = [
                piece
                for p_first, p_end in pieces
                for piece in ((p_first, min(p_end, b_first)), (max(p_first, b_end), p_end))
                if piece[0] < piece[1]
            ]
        result += pieces
    return normal(result)


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The days in both `a` and `b`."""
    return normal(
        (max(af, bf), min(ae, be)) for af, ae in a for bf, be in b if max(af, bf) < min(ae, be)
    )


def clip(a: list[Interval], window: Interval) -> list[Interval]:
    """The days of `a` inside `window`."""
    return intersect(a, [window])
