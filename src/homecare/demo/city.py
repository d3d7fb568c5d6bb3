"""The city's side in the demo (R3): a poller on simulated time, every five minutes,
fetching batches of 20 (each fetch acknowledging the last) until a poll gets nothing
more; between the first two polls the operator fixes problems at the source (R6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from homecare.bootstrap import Homecare
from homecare.demo.clock import START, local
from homecare.demo.fixes import Operator
from homecare.demo.provider import Provider

__all__ = ["BATCH", "MAX_POLLS", "POLL_INTERVAL", "City", "ProgressCallback"]

POLL_INTERVAL = timedelta(minutes=5)
BATCH = 20
MAX_POLLS = 1000

ProgressCallback = Callable[[str, int, int | None], None]
"""Called as progress(phase, completed, total); total None while it is not known."""


@dataclass
class City:
    """The city's poller (R3): every five minutes, batches of 20 until nothing more comes."""

    hc: Homecare
    provider: Provider
    operator: Operator
    polls: int = 0
    fetches: int = 0
    delivered: int = 0
    cursor: str | None = None

    def drain(self, report: ProgressCallback) -> None:
        """Poll from the morning after the last day until a poll after the fixes gets nothing."""
        mark = self.hc.buffer.delivered_position()
        self.cursor = str(mark) if mark else None
        poll_at = local(START + timedelta(days=self.provider.days), 6)
        fixed = False
        while self.polls < MAX_POLLS:
            self.provider.clock.at(poll_at)
            got = self.poll()
            report(f"City poll {self.polls}: {got} items", self.polls, None)
            if got == 0 and fixed:
                return
            if not fixed:
                self.operator.fix_problems(poll_at + timedelta(minutes=2))
                fixed = True
            poll_at += POLL_INTERVAL

    def poll(self) -> int:
        """One poll: catch up, then fetch until a fetch returns nothing (it acknowledges all)."""
        self.polls += 1
        self.hc.catch_up()
        got = 0
        while True:
            result = self.hc.buffer.fetch(
                after=self.cursor, limit=BATCH, at=self.provider.clock.now
            )
            self.fetches += 1
            if result.cursor is not None:
                self.cursor = result.cursor
            got += len(result.items)
            if not result.items:
                break
        self.delivered += got
        return got
