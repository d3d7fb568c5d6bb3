"""`run_demo`: the provider's days, then the city's poller, and the summary of both."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from homecare.bootstrap import Homecare
from homecare.demo.city import City, ProgressCallback
from homecare.demo.clock import START
from homecare.demo.fixes import Operator
from homecare.demo.provider import Provider
from homecare.errors import InvalidInputError

__all__ = ["DemoSummary", "run_demo"]


class DemoSummary(BaseModel):
    """What the demo did, and what the buffer and the city's poller saw."""

    model_config = ConfigDict(frozen=True)

    seed: int
    first_day: date
    last_day: date
    customers: int
    staff: int
    visits: int
    confirmed: int
    skipped_in_pause: int
    corrected_in_shift: int
    declined: int
    pauses: int
    pause_changes: int
    pause_cancellations: int
    staff_fixed: int
    corrected_after_hold: int
    drained: bool
    delivered: int
    held: int
    held_by_reason: dict[str, int]
    polls: int
    fetches: int
    cursor: str | None


def run_demo(
    hc: Homecare,
    *,
    customers: int = 40,
    days: int = 7,
    seed: int = 1,
    drain: bool = True,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Build the provider, run its days, and (unless `drain` is False) the city's poller.

    Only on an empty store: synthetic customers must never mix with real ones,
    and the simulated clock starts on START. InvalidInputError for a store that
    holds events, or customers outside 1-10000 or days outside 1-366.
    """
    if not 1 <= customers <= 10_000 or not 1 <= days <= 366:
        raise InvalidInputError("The demo needs 1-10000 customers and 1-366 days.")
    if hc.log.end():
        raise InvalidInputError(
            "The demo writes synthetic data and needs an empty store; this one holds events. "
            "Point --db at a new file, e.g. --db sqlite:///demo.db."
        )
    report = progress or (lambda _phase, _done, _total: None)
    provider = Provider(hc, random.Random(seed), days)  # noqa: S311 - synthetic data
    report("Setting up the provider", 0, days + 1)
    provider.set_up(customers)
    for index in range(days):
        report(f"Working {START + timedelta(days=index)}", index + 1, days + 1)
        provider.work_day(index)
    provider.wrap_up()
    report("Provider done", days + 1, days + 1)
    city = City(hc, provider, Operator(provider))
    if drain:
        city.drain(report)
    else:
        hc.catch_up()
    return _summary(hc, seed, provider, city)


def _summary(hc: Homecare, seed: int, provider: Provider, city: City) -> DemoSummary:
    problems = hc.buffer.problems()
    held = {item.message_id for group in problems for item in group.items}
    return DemoSummary(
        seed=seed,
        first_day=START,
        last_day=START + timedelta(days=provider.days - 1),
        customers=len(provider.customers),
        staff=len(provider.staff),
        **asdict(provider.counts),
        **asdict(provider.supervisor.counts),
        **asdict(provider.pause_counts),
        staff_fixed=city.operator.staff_fixed,
        corrected_after_hold=city.operator.corrected_after_hold,
        drained=city.polls > 0,
        delivered=city.delivered,
        held=len(held),
        held_by_reason={g.reason: len(g.items) for g in problems},
        polls=city.polls,
        fetches=city.fetches,
        cursor=city.cursor,
    )
