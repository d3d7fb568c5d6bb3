"""Whole Stockholm calendar days: what the city holds for a paused customer (R10, R11, D5).

D5 promises that after the city has applied every delivered message in order,
the day periods it holds equal the whole-day union of the customer's effective
periods, and that it *never* holds two overlapping periods, not even between
two messages. Hence three modules:

- `localdays`: `day_period` / `city_periods` turn instants into Stockholm
  local days and compute the target, the whole-day union (R10, D5);
- `plan`: `plan_city_messages` computes the New/Changed/Cancelled messages
  that move the city from what it holds to that target, in an order that never
  makes two held periods overlap, and sends a cancelled period's final days (R11);
- `model`: `apply_city_messages` is a reference model of the city that rejects
  every message sequence breaking those promises, so tests can check the plan.

Pure: standard library only, no clock reads, no I/O.
"""

from homecare.domain.citydays.localdays import STOCKHOLM, DayPeriod, city_periods, day_period
from homecare.domain.citydays.model import apply_city_messages
from homecare.domain.citydays.plan import (
    CityAction,
    CityPauseMessage,
    HeldPeriod,
    plan_city_messages,
)

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
