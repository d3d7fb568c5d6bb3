"""The log's next page read while the current one is projected (issue 16).

Why: a replay from PostgreSQL waited for the server about two fifths of its time
(events per CPU second 59k, by the wall clock 35k on a 508k-event log); psycopg
lets go of the interpreter while it waits for the whole page, so a thread can
read page n+1 while the replay projects page n (measured on a 208k-event log:
48-49k -> 62-63k events/s). Not for SQLite: its driver lets go of the
interpreter for each row and must win it back from the busy replaying thread
every time, so the reading thread crawls and the replay was slower (63k -> 59k).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")

_DONE = object()
_WAIT = 0.1
"""Seconds between looks at the stop flag while the consumer is behind."""


@contextmanager
def read_ahead(pages: Iterable[T], depth: int = 1) -> Iterator[Iterator[T]]:
    """`pages`, iterated by a thread of its own at most `depth` items ahead of the caller.

    The same items in the same order; an error raised while reading is raised by the
    caller's next step, and leaving the block early stops the reader (and closes the
    source, releasing its connection) before it returns. `pages` must not share a
    connection with the caller's work.
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source: Iterator[T] | None = None
        try:
            source = iter(pages)
            for page in source:
                if not put((page,)):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the caller, raised there
            put(error)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="homecare-read-ahead", daemon=True)
    reader.start()

    def taken() -> Iterator[T]:
        while True:
            if stop.is_set():
                raise RuntimeError("read_ahead's pages are taken after its block was left")
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, tuple)
            yield item[0]

    try:
        yield taken()
    finally:
        stop.set()
        reader.join()
