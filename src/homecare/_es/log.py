"""Reading the application log: pages of stored events, filtered by topic, decoded (D2, D6).

One reader for everything that follows the log: the projection runner (its
pages, `homecare._es.runner`) and the audit (history, verify, as-of). The log
is eventsourcing's notification log: every stored event with its position
(`id`, from 1, in commit order), its aggregate and its topic. Reading it by
topic lets a reader skip events it does not handle without decoding them;
decoding does what the application's mapper does (`homecare._es.fastdecode`),
so encrypted events are opened with the store's key (a wrong key raises eventsourcing's
`MapperDeserialisationError`, translated where the call came in).

Reading (issue 16): the lean log reads its pages with the driver's own cursor
(`homecare._es.log_rows`: one prepared SELECT per page, topics filtered in SQL,
plain tuples, ids built without `UUID.__init__`'s parsing) into `Row`s, the
same five fields as eventsourcing's `Notification`. `lean=False` reads and
decodes through eventsourcing's recorder and Mapper, kept for the comparisons.

Page sizes (`check_page_size`): a whole number from 1 to `MAX_PAGE_SIZE`, checked
before anything is read. Why: a page size of 0 reads nothing, so a reader stopped at
once and answered as if the log were empty (the audit's verify found every live row
"extra"); a negative one is SQLite's "no limit" but PostgreSQL's error, and a text or
a float failed deep inside with a raw TypeError.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any, TypeAlias, cast

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from homecare._es.fastdecode import FastDecoder
from homecare._es.log_rows import Row, reader_for
from homecare._es.mapping import decode_many
from homecare._es.topics import resolve
from homecare.errors import InvalidInputError

__all__ = [
    "MAX_PAGE_SIZE",
    "Log",
    "Positioned",
    "Row",
    "Stored",
    "check_page_size",
    "handled_by",
    "union_of_topics",
]

MAX_PAGE_SIZE = 2**63 - 1
"""The largest page size: the largest LIMIT both stores take (a signed 64-bit integer)."""

Stored: TypeAlias = Notification | Row
"""An event as stored, before decoding: `id` (its log position), `originator_id`,
`originator_version`, `topic`, `state` (a `Row` on the lean path)."""
Positioned: TypeAlias = tuple[int, DomainEventProtocol[Any]]
"""A decoded event and its log position, as projections receive them."""


class Log:
    """The application log of one store, read through its recorder and mapper.

    `lean` (the default): events are decoded by `FastDecoder` (the Mapper's steps,
    looked up once per topic, `homecare._es.fastdecode`); False decodes through the
    Mapper itself, kept so that tests can compare the two paths row for row.
    """

    def __init__(
        self, recorder: ApplicationRecorder, mapper: Mapper[Any], *, lean: bool = True
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.lean = lean
        self._fast = FastDecoder(mapper)
        self._read = reader_for(recorder)

    def end(self) -> int:
        """The highest position recorded so far; 0 for an empty log."""
        return self.recorder.max_notification_id() or 0

    def page(
        self, after: int, limit: int, *, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Stored]:
        """At most `limit` stored events after position `after`, up to `stop` (inclusive)
        if given, of the given topics only (all when `topics` is empty), in log order.
        A `limit` that is not a whole number from 1 (`check_page_size`): InvalidInputError."""
        check_page_size(limit, "limit")
        if self.lean and self._read is not None:
            return self._read(after, limit, stop, tuple(topics))
        return self.recorder.select_notifications(
            start=after, limit=limit, stop=stop, topics=topics, inclusive_of_start=False
        )

    def pages(
        self, *, page_size: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Iterator[Sequence[Stored]]:
        """The whole log (up to `stop`, inclusive) in pages of at most `page_size`, so
        memory stays flat whatever its length; an empty page is never yielded.

        `page_size` is checked here, before the first page is asked for
        (`check_page_size`: InvalidInputError).
        """
        return self._pages(check_page_size(page_size), stop, topics)

    def _pages(
        self, page_size: int, stop: int | None, topics: Sequence[str]
    ) -> Iterator[Sequence[Stored]]:
        position = 0
        while stop is None or position < stop:
            page = self.page(position, page_size, stop=stop, topics=topics)
            if not page:
                return
            yield page
            if len(page) < page_size:
                return
            position = page[-1].id

    def decode(self, stored: Stored) -> DomainEventProtocol[Any]:
        """The domain event a stored event holds (opened with the store's key)."""
        if self.lean:
            return self._fast.decode(stored)
        return self.mapper.to_domain_event(cast(Notification, stored))

    def decoded(self, page: Sequence[Stored]) -> list[Positioned]:
        """A page decoded: (position, event) in log order."""
        # either path opens sealed personal fields in one batch (homecare._es.personal)
        if self.lean:
            events = self._fast.decode_many(page)
        else:
            events = decode_many(self.mapper, cast(Sequence[Notification], page))
        return [(stored.id, event) for stored, event in zip(page, events, strict=True)]


def check_page_size(page_size: object, name: str = "page_size") -> int:
    """`page_size` if it is a whole number (an `int`, not a `bool`) from 1 to
    `MAX_PAGE_SIZE`; else InvalidInputError (`invalid_input`, one line naming `name`)."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise InvalidInputError(
            f"{name} must be a whole number from 1 (events per page), "
            f"got {type(page_size).__name__}."
        )
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        # str() of a huge int is itself an error (sys.set_int_max_str_digits)
        got = str(page_size) if page_size.bit_length() <= 64 else "a number beyond 64 bits"
        raise InvalidInputError(
            f"{name} must be a whole number from 1 to {MAX_PAGE_SIZE} (events per page), got {got}."
        )
    return page_size


def union_of_topics(topic_lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The topics several readers handle together, sorted; () (every event) as soon as
    one of them handles everything (names no topics)."""
    union: set[str] = set()
    for topics in topic_lists:
        if not topics:
            return ()
        union.update(topics)
    return tuple(sorted(union))


def handled_by(
    events: Sequence[Positioned], topics: Sequence[str], *, after: int = 0, upto: int | None = None
) -> Sequence[Positioned]:
    """The events of a page one reader handles: of its `topics` (all when empty), at
    positions after `after` and up to `upto` (inclusive) if given, in log order.

    Why: a page holds the union of several readers' topics; each reader is handed
    only its own, so none spends time dispatching events it ignores.
    """
    kinds = _kinds(tuple(topics))
    if kinds is None and not after and upto is None:
        return events
    last = upto if upto is not None else events[-1][0] if events else 0
    return [e for e in events if after < e[0] <= last and (kinds is None or type(e[1]) in kinds)]


@cache
def _kinds(topics: tuple[str, ...]) -> frozenset[type] | None:
    """The event classes the topics name; None for () (every event)."""
    return frozenset(resolve(topic) for topic in topics) if topics else None
