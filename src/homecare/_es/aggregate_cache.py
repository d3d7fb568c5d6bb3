"""Decoded aggregates kept across commands, each valid only at the version it was read at.

Why: a confirmation of a hundred visits reads some fifty orders, contracts and
customers, and the next command reads the same ones again; rebuilding them
from their events was about 40% of a confirm (issue 16). The cache keeps a
private copy of each such aggregate with its version; a command asks the
recorder for the current version of every cached id it needs in one query
(`CommandLoads.prefetch`) and takes a copy only where the versions match, so
a change written by another application or process is always seen. It never
hands out its own objects: a command that mutates what it loaded, fails or is
refused leaves the cache as it was, and threads sharing one application never
share an aggregate. Saving still rejects a stale version (the recorder's
unique constraint on id and version).

Privacy: a culling (R16) keeps the subject's version unchanged, so the version
check does not see it; the cull generation does (`SubjectKeys.refresh`, read
by each command before it uses the cache): when it moved, in any process,
`at_generation` drops every entry, and an aggregate decoded before that is not
kept after it. Only kinds many commands read are kept (`CACHED_KINDS`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from homecare.domain.contract import Contract
from homecare.domain.customer import Customer
from homecare.domain.order import Order
from homecare.domain.pause import Pause

__all__ = ["CACHED_KINDS", "CACHE_SIZE", "AggregateCache"]

A = TypeVar("A", bound=Aggregate)

CACHE_SIZE = 20_000
"""Aggregates kept per application (LRU): a city's active orders, contracts and
customers with their pauses; about 2-4 kB each, so some 40-80 MB at the most."""

CACHED_KINDS: tuple[type[Aggregate], ...] = (Order, Contract, Customer, Pause)
"""What many commands read and few change: a visit's order, contract, customer and
their pauses (R7). Visits themselves are read once per confirmation and not kept."""


class AggregateCache:
    """Copies of aggregates by id at one version each; thread-safe, bounded (LRU)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        """`size`: the most aggregates kept (from 1); the least recently used leave first."""
        self._size = max(1, size)
        self._entries: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._lock = threading.Lock()
        self._generation: int | None = None  # the cull generation the entries are valid at

    def known(self, ids: Iterable[UUID]) -> list[UUID]:
        """Which of these ids have an entry (at some version)."""
        with self._lock:
            return [i for i in ids if i in self._entries]

    def get(self, aggregate_id: UUID, version: int | None) -> Aggregate | None:
        """A fresh copy of the entry if it is at `version` (the stored one), else None;
        an entry at another version is dropped."""
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is None:
                return None
            if entry.version != version:
                del self._entries[aggregate_id]
                return None
            self._entries.move_to_end(aggregate_id)
        return _copy(entry)

    def at_generation(self, generation: int) -> None:
        """Drop every entry when the cull generation (`SubjectKeys.refresh`, R16) is not
        the one they were kept at: their opened fields may be a culled subject's."""
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._entries.clear()

    def put(self, aggregate: Aggregate, generation: int | None = None) -> None:
        """Keep a copy of a just-decoded aggregate of a cached kind (others are ignored);
        not when it was decoded at another cull `generation` than the cache is at."""
        if not isinstance(aggregate, CACHED_KINDS) or aggregate.pending_events:
            return
        kept = _copy(aggregate)
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            self._entries[aggregate.id] = kept
            self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, ids: Iterable[UUID]) -> None:
        """Drop these ids' entries (a failed save, a culling)."""
        with self._lock:
            for aggregate_id in ids:
                self._entries.pop(aggregate_id, None)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _copy(aggregate: A) -> A:
    """A copy that shares nothing mutable with `aggregate`, no pending events.

    The kept kinds hold immutable values (ids, times, strings, enums, tuples,
    frozensets, frozen dataclasses) or lists, dicts and sets of such values
    (a customer's decisions): each container is copied, its items shared.
    Much cheaper than `copy.deepcopy`, which cost more than decoding.
    """
    copied = object.__new__(type(aggregate))
    state = {
        name: _MUTABLE.get(type(value), _same)(value) for name, value in vars(aggregate).items()
    }
    state["_pending_events"] = []
    copied.__dict__.update(state)
    return copied


def _same(value: object) -> object:
    return value


_MUTABLE: dict[type, Callable[[Any], object]] = {list: list, dict: dict, set: set}
