"""R16: when a subject is due for culling (both ends of each period inclusive)."""

from __future__ import annotations

from datetime import date

import pytest

from homecare.domain.retention import (
    DEFAULT_LEGAL_BASIS,
    Due,
    RetentionPolicy,
    due,
    kept_for_research,
)

FIVE = RetentionPolicy(years=5, keep_birth_days=frozenset({5, 15, 25}))
LAST = date(2020, 3, 2)


def test_off_by_default() -> None:
    assert not RetentionPolicy().enabled
    assert FIVE.enabled
    assert due(LAST, 1, date(2100, 1, 1), RetentionPolicy()) is None


def test_due_from_the_anniversary_of_the_last_entry_to_the_end_of_the_next_year() -> None:
    assert due(LAST, 1, date(2025, 3, 1), FIVE) is None
    found = due(LAST, 1, date(2025, 3, 2), FIVE)
    assert found == Due(
        since=date(2025, 3, 2),
        deadline=date(2026, 12, 31),
        reason="5 years after the last entry on 2020-03-02 (due since 2025-03-02)",
        legal_basis=DEFAULT_LEGAL_BASIS,
    )
    assert due(LAST, 1, date(2030, 1, 1), FIVE) == found  # still due, later


@pytest.mark.parametrize("day", [5, 15, 25])
def test_people_born_on_the_kept_days_are_kept_for_research(day: int) -> None:
    assert kept_for_research(day, FIVE)
    assert due(LAST, day, date(2040, 1, 1), FIVE) is None


def test_an_unknown_birth_day_is_not_kept() -> None:
    assert not kept_for_research(None, FIVE)
    assert due(LAST, None, date(2025, 3, 2), FIVE) is not None


def test_a_last_entry_on_29_february_comes_due_on_1_march_of_a_common_year() -> None:
    assert due(date(2024, 2, 29), 1, date(2029, 2, 28), FIVE) is None
    found = due(date(2024, 2, 29), 1, date(2029, 3, 1), FIVE)
    assert found is not None
    assert found.since == date(2029, 3, 1)
    four = RetentionPolicy(years=4)
    assert due(date(2024, 2, 29), 1, date(2028, 2, 29), four) is not None


def test_the_calendars_end_is_no_crash() -> None:
    found = due(date(9998, 6, 1), 1, date(9999, 12, 31), RetentionPolicy(years=1))
    assert found is not None
    assert found.deadline == date(9999, 12, 31)
    assert due(date(9950, 1, 1), 1, date(9999, 12, 31), RetentionPolicy(years=100)) is None


def test_the_legal_basis_comes_from_the_policy() -> None:
    policy = RetentionPolicy(years=2, legal_basis="Egen gallringsplan 2026")
    found = due(LAST, 1, date(2022, 3, 2), policy)
    assert found is not None
    assert found.legal_basis == "Egen gallringsplan 2026"
