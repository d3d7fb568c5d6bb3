"""The city's fetches of one server process take turns, first come first served (issue 16).

Why: a fetch is a dozen short round trips to the store, each of which gives up
Python's GIL and must win it back. With 8 pollers fetching at once, a thread
whose reply has arrived waits for the GIL behind threads that are busy, again
at every round trip, in no order: the tail grows long (p99 above 100 ms on
PostgreSQL, with the median near 30 ms), while one poller alone is served in
about 4 ms. Letting `width` fetches run at once and queueing the others in
arrival order keeps the server as busy (the round trips of two fetches overlap)
and makes the wait each fetch sees its place in the queue.

A fetch waits at most `timeout` seconds for its turn, then runs anyway: a turn
never held back by a fault can stop the city's feed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Turns"]


class Turns:
    """At most `width` holders at a time, admitted in the order they arrived.

    Each arrival draws the next ticket; ticket k may go once fewer than `width`
    of the tickets before it are still running (turns end in any order).
    """

    def __init__(self, width: int = 2, timeout: float = 30.0) -> None:
        if width < 1:
            raise ValueError("width must be at least 1")
        self.width = width
        self.timeout = timeout
        self._changed = threading.Condition()
        self._issued = 0
        self._ended = 0
        self._inside = 0

    @property
    def running(self) -> int:
        """Holders in their block now (more than `width` only after timed-out waits)."""
        return self._inside

    @contextmanager
    def turn(self) -> Iterator[bool]:
        """Wait for this caller's turn and hold it for the block; yields False when the
        wait timed out (the block runs anyway)."""
        with self._changed:
            ticket = self._issued
            self._issued += 1
            got = self._changed.wait_for(
                lambda: ticket < self._ended + self.width, timeout=self.timeout
            )
            self._inside += 1
        try:
            yield got
        finally:
            with self._changed:
                self._inside -= 1
                self._ended += 1
                self._changed.notify_all()
