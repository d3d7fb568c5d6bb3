"""When a data subject's personal data is due for culling (R16).

The rule, as the municipality applies it (../shared/DOMAIN.md): records are
culled a number of years after the last entry, and the culling is finished
within the following calendar year; records of people born on certain days of
the month (the 5th, 15th and 25th) are kept for research. Both are settings
(`Settings.retention_years`, `retention_keep_birth_days`): off by default.

Days, precisely (both ends inclusive):
- `since`: the anniversary, `years` after the day of the last entry; due from
  that day on (`today >= since`). A last entry on 29 February has its
  anniversary on 1 March in a common year (never early).
- `deadline`: 31 December of the calendar year after `since`: the day by which
  the culling must be done ("finished in the following calendar year").

Pure: the caller passes today (the Stockholm day) and the subject's birth day
(`PersonalIdentityNumber.birth_day`, None when unknown or culled).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

__all__ = ["DEFAULT_LEGAL_BASIS", "Due", "RetentionPolicy", "due", "kept_for_research"]

DEFAULT_LEGAL_BASIS: Final = (
    "Gallring enligt socialtjänstlagen: uppgifter i personakt gallras fem år efter "
    "sista anteckningen (kommunens gallringsbeslut)"
)
"""What a culling event records as its legal basis unless the setting says otherwise."""


@dataclass(frozen=True)
class RetentionPolicy:
    """`years` after the last entry (None: culling off); birth days of the month kept."""

    years: int | None = None
    keep_birth_days: frozenset[int] = field(default_factory=frozenset)
    legal_basis: str = DEFAULT_LEGAL_BASIS

    @property
    def enabled(self) -> bool:
        return self.years is not None


@dataclass(frozen=True)
class Due:
    """A subject due for culling: from `since` (inclusive), to be done by `deadline`."""

    since: date
    deadline: date
    reason: str
    legal_basis: str


def kept_for_research(birth_day: int | None, policy: RetentionPolicy) -> bool:
    """Whether the policy keeps a subject born on `birth_day` (1-31; None: not known)."""
    return birth_day is not None and birth_day in policy.keep_birth_days


def due(
    last_entry: date, birth_day: int | None, today: date, policy: RetentionPolicy
) -> Due | None:
    """The subject's culling, if due on `today`; None when the policy is off, the subject
    is kept for research (`kept_for_research`) or the period has not run out."""
    if policy.years is None or kept_for_research(birth_day, policy):
        return None
    since = _anniversary(last_entry, policy.years)
    if since is None or today < since:
        return None
    reason = (
        f"{policy.years} years after the last entry on {last_entry.isoformat()} "
        f"(due since {since.isoformat()})"
    )
    deadline = date(min(since.year + 1, date.max.year), 12, 31)
    return Due(since, deadline, reason, policy.legal_basis)


def _anniversary(day: date, years: int) -> date | None:
    """`years` after `day`; None past the calendar's end (year 9999): never due."""
    year = day.year + years
    if year > date.max.year:
        return None
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year: the day after 28 February
        return date(year, 3, 1)
