"""How the poller stops: a stop event or SIGINT/SIGTERM, looked at between waits."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Stopping", "stopped_by_signals"]


class Stopping:
    """Stop requested by `event` or by a signal.

    A signal handler only sets a flag (taking no lock, so it cannot deadlock
    with the thread it interrupts); waits therefore look at it every 0.2 s.
    """

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self.signalled = False

    def is_set(self) -> bool:
        return self.signalled or self.event.is_set()

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.event.wait(min(left, 0.2))
        return True


@contextmanager
def stopped_by_signals(stopping: Stopping) -> Iterator[None]:
    """SIGINT/SIGTERM finish the batch in hand, then stop; a second one acts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) or signal.SIG_DFL for s in signals}

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.signalled = True
        for s in signals:
            signal.signal(s, previous[s])

    for s in signals:
        signal.signal(s, on_signal)
    try:
        yield
    finally:
        for s in signals:
            signal.signal(s, previous[s])
