"""R8, R11, R13, D5: the pause's lifecycle and its guards, on the aggregate alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from homecare.domain import Pause, PauseLevel, PauseReason, PauseStatus
from homecare.errors import (
    InvalidInputError,
    InvalidPeriodError,
    PauseCancelledError,
    PauseUnchangedError,
    RuleViolationError,
)

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
START = AT + timedelta(days=1)
NAIVE = datetime(2026, 3, 2, 8, 0)


def new_pause(**overrides: object) -> Pause:
    customer_id = uuid4()
    arguments: dict[str, object] = {
        "level": PauseLevel.CUSTOMER,
        "target_id": customer_id,
        "customer_id": customer_id,
        "notified_at": AT,
        "reason": PauseReason.HOSPITAL_STAY,
        "starts_at": START,
        "ends_at": None,
        "actor": "anna",
        "at": AT,
    } | overrides
    return Pause.create(**arguments)  # type: ignore[arg-type]


def test_R8_a_new_pause_is_New_and_records_notified_at_reason_and_period() -> None:
    pause = new_pause(ends_at=START + timedelta(days=3))
    assert pause.status is PauseStatus.NEW
    assert (pause.notified_at, pause.reason) == (AT, PauseReason.HOSPITAL_STAY)
    assert (pause.starts_at, pause.ends_at) == (START, START + timedelta(days=3))
    assert [type(e).__name__ for e in pause.collect_events()] == ["Created"]


@pytest.mark.parametrize("end", [START - timedelta(minutes=1), START], ids=["before", "equal"])
def test_R8_pause_end_before_or_at_start_is_rejected(end: datetime) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        new_pause(ends_at=end)
    assert caught.value.code == "invalid_period"
    assert "after the start" in str(caught.value)


def test_R8_changing_the_end_to_before_the_start_is_rejected_and_records_nothing() -> None:
    pause = new_pause()
    pause.collect_events()
    with pytest.raises(InvalidPeriodError):
        pause.change(ends_at=START - timedelta(hours=1), actor="anna", at=AT)
    with pytest.raises(InvalidPeriodError):
        pause.change(starts_at=START + timedelta(days=2), ends_at=START, actor="anna", at=AT)
    assert pause.collect_events() == []
    assert (pause.status, pause.ends_at) == (PauseStatus.NEW, None)


def test_R8_editing_start_or_end_makes_it_Changed() -> None:
    pause = new_pause()
    pause.change(ends_at=START + timedelta(days=2), actor="bertil", at=AT + timedelta(hours=1))
    assert pause.status is PauseStatus.CHANGED
    assert pause.ends_at == START + timedelta(days=2)


def test_R8_a_change_that_changes_nothing_is_rejected() -> None:
    pause = new_pause()
    with pytest.raises(PauseUnchangedError):
        pause.change(starts_at=START, actor="anna", at=AT)


def change_it(pause: Pause) -> None:
    pause.change(ends_at=START + timedelta(days=1), actor="anna", at=AT)


def cancel_it(pause: Pause) -> None:
    pause.cancel(actor="anna", at=AT + timedelta(hours=2))


@pytest.mark.parametrize("action", [change_it, cancel_it], ids=["change", "cancel"])
def test_R13_a_cancelled_pause_cannot_be_changed_or_cancelled_again(
    action: Callable[[Pause], None],
) -> None:
    pause = new_pause()
    pause.cancel(actor="anna", at=AT + timedelta(hours=1))
    pause.collect_events()
    with pytest.raises(PauseCancelledError) as caught:
        action(pause)
    assert isinstance(caught.value, RuleViolationError)
    assert caught.value.code == "pause_cancelled"
    assert str(pause.id) in str(caught.value)
    assert pause.collect_events() == []
    assert pause.status is PauseStatus.CANCELLED


def test_R11_edit_then_cancel_keeps_the_edited_end_as_the_effective_end() -> None:
    """D5: cancelled while ongoing, after an edit to an earlier end."""
    pause = new_pause()
    edited_end = START + timedelta(days=2)
    pause.change(ends_at=edited_end, actor="anna", at=START + timedelta(hours=1))
    pause.cancel(actor="anna", at=START + timedelta(days=5))
    assert pause.status is PauseStatus.CANCELLED
    assert pause.effective_period == (START, edited_end)


def test_D5_cancelled_before_it_started_has_no_effective_period() -> None:
    pause = new_pause()
    pause.cancel(actor="anna", at=AT)
    assert pause.effective_period is None


@pytest.mark.parametrize(
    "naive",
    ["at", "notified_at", "starts_at", "ends_at"],
)
def test_D1_naive_datetimes_are_rejected(naive: str) -> None:
    with pytest.raises(InvalidInputError, match="time zone"):
        new_pause(**{naive: NAIVE + timedelta(days=3 if naive == "ends_at" else 0)})


def test_D1_changing_with_a_naive_datetime_is_rejected() -> None:
    pause = new_pause()
    with pytest.raises(InvalidInputError, match="time zone"):
        pause.change(ends_at=START + timedelta(days=1), actor="anna", at=NAIVE)
    with pytest.raises(InvalidInputError, match="time zone"):
        pause.cancel(actor="anna", at=NAIVE)


def test_D1_a_change_without_an_actor_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="actor"):
        new_pause(actor=" ")


@pytest.mark.parametrize(("field", "value"), [("level", "team"), ("reason", "holiday")])
def test_R8_unknown_level_or_reason_is_rejected(field: str, value: str) -> None:
    with pytest.raises(InvalidInputError, match="expected one of"):
        new_pause(**{field: value})


def test_R8_reason_other_needs_an_explanation() -> None:
    with pytest.raises(InvalidInputError):
        new_pause(reason=PauseReason.OTHER)
    assert new_pause(reason="other", reason_text="moving").reason_text == "moving"
