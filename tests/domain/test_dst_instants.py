"""D5: instants in the repeated hour of 25 October 2026 compare as instants, not wall clocks.

Python compares two datetimes sharing a ZoneInfo by wall clock, so 02:10 of the
second pass looked earlier than 02:30 of the first. The domain works in UTC.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from homecare.domain import Pause
from homecare.errors import InvalidPeriodError, PauseUnchangedError

S = ZoneInfo("Europe/Stockholm")
FIRST_PASS_0230 = datetime(2026, 10, 25, 2, 30, tzinfo=S)  # 00:30 UTC
SECOND_PASS_0210 = datetime(2026, 10, 25, 2, 10, tzinfo=S, fold=1)  # 01:10 UTC
AT = datetime(2026, 10, 1, tzinfo=S)


def pause(start: datetime, end: datetime | None) -> Pause:
    return Pause.create(
        level="customer",
        target_id=uuid4(),
        customer_id=uuid4(),
        notified_at=AT,
        reason="own_request",
        starts_at=start,
        ends_at=end,
        actor="t",
        at=AT,
    )


def test_d5_a_pause_ending_before_it_starts_in_the_repeated_hour_is_refused() -> None:
    with pytest.raises(InvalidPeriodError):
        pause(SECOND_PASS_0210, FIRST_PASS_0230)


def test_d5_forty_minutes_across_the_repeated_hour_is_a_valid_pause() -> None:
    p = pause(FIRST_PASS_0230, SECOND_PASS_0210)
    assert p.is_active_at(datetime(2026, 10, 25, 2, 50, tzinfo=S))  # first pass, 00:50 UTC
    assert not p.is_active_at(datetime(2026, 10, 25, 2, 20, tzinfo=S, fold=1))  # 01:20 UTC


def test_r8_the_same_instant_written_in_another_zone_changes_nothing() -> None:
    p = pause(FIRST_PASS_0230, SECOND_PASS_0210)
    with pytest.raises(PauseUnchangedError):
        p.change(ends_at=SECOND_PASS_0210.astimezone(ZoneInfo("UTC")), actor="t", at=AT)
