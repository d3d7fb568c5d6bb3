"""The cyclic garbage collector paced for the replay's and catch-up's hot loops (issue 16)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["fewer_collections"]


class _Collections:
    """Who asked for fewer collections, and the thresholds to restore after the last."""

    lock = threading.Lock()
    users = 0
    saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector run less often while a replay or catch-up runs.

    Why: pages allocate millions of short-lived containers (rows, events, states),
    each 700 of which start a collection by default; measured, the collections were
    about a sixth of a replay's CPU time. Thresholds (50,000, 2, 2): young collections
    70 times rarer, while a full one is still considered every 200,000 allocations
    (default: 70,000), since garbage in reference cycles waits for it and the resident
    size grows meanwhile (docs/benchmarks.md, memory along a replay). Nested and
    concurrent uses share one setting; the thresholds in force before the first are
    restored after the last.
    """
    with _Collections.lock:
        if _Collections.users == 0:
            _Collections.saved = gc.get_threshold()
            gc.set_threshold(50_000, 2, 2)
        _Collections.users += 1
    try:
        yield
    finally:
        with _Collections.lock:
            _Collections.users -= 1
            if _Collections.users == 0:
                gc.set_threshold(*_Collections.saved)
