"""The month close's arguments: a month named by half is refused the same way by every query
(the reviewer's t2: `deadline(2026, None)` silently answered for the month due next while
`reconcile_pauses(year=2026)` said "Give both year and month, or neither.")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from homecare.bootstrap import Homecare
from homecare.errors import InvalidInputError

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("year", "month"), [(2026, None), (None, 3)])
@pytest.mark.parametrize("query", ["deadline", "reconcile_pauses"])
def test_a_month_named_by_half_is_refused(
    hc: Homecare, query: str, year: int | None, month: int | None
) -> None:
    ask: dict[str, Any] = {
        "deadline": lambda: hc.month_close.deadline(year, month, now=NOW),
        "reconcile_pauses": lambda: hc.month_close.reconcile_pauses(
            year=year, month=month, now=NOW
        ),
    }
    with pytest.raises(InvalidInputError, match=r"^Give both year and month, or neither\.$"):
        ask[query]()


def test_a_month_named_in_full_or_not_at_all_is_answered(hc: Homecare) -> None:
    assert hc.month_close.deadline(now=NOW).month == "2026-02"  # the month due next
    assert hc.month_close.deadline(2026, 3, now=NOW).month == "2026-03"
    assert hc.month_close.reconcile_pauses(now=NOW).month is None
    assert hc.month_close.reconcile_pauses(year=2026, month=3, now=NOW).month == "2026-03"


@pytest.mark.parametrize(("year", "month"), [("2026", 3), (2026, 13), (2026.0, 3), (True, 3)])
def test_a_month_that_is_not_one_is_refused_by_both(hc: Homecare, year: Any, month: Any) -> None:
    with pytest.raises(InvalidInputError):
        hc.month_close.deadline(year, month, now=NOW)
    with pytest.raises(InvalidInputError):
        hc.month_close.reconcile_pauses(year=year, month=month, now=NOW)
