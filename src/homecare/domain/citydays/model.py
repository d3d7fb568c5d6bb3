"""A reference model of the city: it applies messages and rejects any that break D5 or R11.

Why: D5's promise ("never two overlapping periods") is about every state the
city passes through, not only the last one, so tests and other code's property
tests replay plans (`plan_city_messages`) through this model.

Pure: standard library only, no clock reads, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from homecare.domain.citydays.localdays import check_disjoint, check_period, overlap
from homecare.domain.citydays.plan import CityAction, CityPauseMessage, HeldPeriod

__all__ = ["apply_city_messages"]


def apply_city_messages(
    held: Sequence[HeldPeriod], messages: Iterable[CityPauseMessage]
) -> list[HeldPeriod]:
    """Apply messages in order, as the city does, checking every intermediate state (D5).

    It is deliberately strict: it raises ValueError for a NEW with an id
    already held, a CHANGED or CANCELLED of an unknown id, a CANCELLED whose
    days differ from the held period's final days (R11: the final fields are
    sent), a period ending before it starts, repeated ids in `held`, or any
    state (including the initial one) in which two held periods overlap.

    Returns the held periods sorted by first_day (then id).
    """
    state: dict[str, HeldPeriod] = {}
    for h in held:
        check_period(h.first_day, h.last_day, f"held period {h.period_id!r}")
        if h.period_id in state:
            raise ValueError(f"held period id {h.period_id!r} appears twice")
        state[h.period_id] = h
    check_disjoint([(h.first_day, h.last_day) for h in held], "held periods")
    for step, message in enumerate(messages):
        _apply(state, f"message {step} ({message.action.value} {message.period_id!r})", message)
    return sorted(state.values(), key=lambda h: (h.first_day, h.period_id))


def _apply(state: dict[str, HeldPeriod], where: str, message: CityPauseMessage) -> None:
    """One message onto `state` (period id -> held period), or ValueError saying `where`."""
    check_period(message.first_day, message.last_day, where)
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
        return

    for other in state.values():
        if other.period_id != message.period_id and overlap(
            other.first_day, other.last_day, message.first_day, message.last_day
        ):
            raise ValueError(
                f"{where}: {message.first_day}..{message.last_day or 'open'} would overlap "
                f"held period {other.period_id!r} "
                f"{other.first_day}..{other.last_day or 'open'}"
            )
    state[message.period_id] = HeldPeriod(message.period_id, message.first_day, message.last_day)
