"""The city's fetches of one server process take turns, first come first served (issue 16).

Why: a fetch is a dozen short round trips to the store, each of which gives up
Python's GIL and must win it back. With 8 pollers fetching at once, a thread
whose reply has arrived waits for the GIL behind threads that are busy, again
at every round trip, in no order: the tail grows long (p99 above 100 ms on
PostgreSQL, with the median near 30 ms), while one poller alone is served in
about 4 ms. Letting `width` fetches run at once and queueing the others in
arrival order keeps the server as busy (the round trips of two fetches overlap)
and makes the wait each fetch sees its place in the queue.

A fetch waits at most `timeout` seconds (the store's lock timeout) for its turn,
then fails as a fetch that waited that long for the store's lock does (StorageError,
503: the city polls again): so a store held by another process's writer makes each
fetch fail after about the lock timeout, not after its place in a growing queue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from homecare.errors import StorageError

__all__ = ["Turns"]

_BUSY = (
    "The store is busy: this fetch waited {seconds:g} s (the lock timeout) behind "
    "others; nothing was acknowledged, fetch again from the same cursor"
)


class Turns:
    """At most `width` holders at a time, admitted in the order they arrived.

    Each arrival draws the next ticket; ticket k may go once fewer than `width`
    of the tickets before it are still running or waiting (turns end in any order;
    a ticket whose wait timed out counts as ended).
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
    def turn(self) -> Iterator[None]:
        """Wait for this caller's turn and hold it for the block; StorageError when the
        wait timed out (the block does not run)."""
        with self._changed:
            ticket = self._issued
            self._issued += 1
            got = self._changed.wait_for(
                lambda: ticket < self._ended + self.width, timeout=self.timeout
            )
            if not got:
                self._ended += 1  # the ticket is spent: those behind it move up
                self._changed.notify_all()
                raise StorageError(_BUSY.format(seconds=self.timeout))
            self._inside += 1
        try:
            yield
        finally:
            with self._changed:
                self._inside -= 1
                self._ended += 1
                self._changed.notify_all()
