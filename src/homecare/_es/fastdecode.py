"""Stored events to domain events without eventsourcing's Mapper, for the replay's hot path.

Why: the projections' catch-up and the audit's rebuild decode every handled
event of the log; the Mapper resolves the topic, looks up the originator id's
convertor and reads the class version for each one. This decoder does the same
steps with what it looked up once per topic, and opens the personal fields
sealed with their subject's key through the mapper's one opening
(`homecare._es.mapping.open_sealed`, a page at a time in `decode_many`): decrypt
when the store has a cipher, decompress when it has a compressor, the
application's transcoder (the orjson one with the UUID, date, datetime and
personnummer transcodings), the class version's upcasters, and the same event
object, built as the Mapper builds it (`object.__new__`, the decoded state as
its `__dict__`).

Equivalence: `tests/storage/test_fastdecode.py` compares its result with the
Mapper's for every event type of the domain, on both stores, with and without
a cipher key. A failure to open or parse a stored event raises eventsourcing's
`MapperDeserialisationError`, as the Mapper does (a wrong key: `CipherKeyError`
through the error map). An originator id of another type than `UUID` (never
stored by homecare) goes through the Mapper itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent

from homecare._es.mapping import open_sealed
from homecare._es.topics import resolve

__all__ = ["FastDecoder", "StoredLike"]

_Kind = tuple[type, int]
"""An event class and its class version (1 when it declares none)."""


class StoredLike(Protocol):
    """What decoding reads of a stored event: eventsourcing's `StoredEvent` (and
    `Notification`) or the lean reader's `homecare._es.log_rows.Row`."""

    @property
    def originator_id(self) -> Any: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


class FastDecoder:
    """Decodes stored events exactly as `mapper.to_domain_event` does, faster."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        self._opened = _opener(mapper)
        self._parse = mapper.transcoder.decode
        self._kinds: dict[str, _Kind] = {}

    def decode(self, stored: StoredLike) -> DomainEventProtocol[Any]:
        """The domain event `stored` holds (opened with the store's key)."""
        event = self._decode(stored)
        open_sealed(self.mapper, (event,))
        return event

    def decode_many(self, page: Sequence[StoredLike]) -> list[DomainEventProtocol[Any]]:
        """A page of stored events decoded, their sealed personal fields opened in one
        batch (`homecare._es.personal`: the one opening every decoding path calls)."""
        events = [self._decode(stored) for stored in page]
        open_sealed(self.mapper, events)
        return events

    def _decode(self, stored: StoredLike) -> DomainEventProtocol[Any]:
        kind = self._kinds.get(stored.topic)
        if kind is None:
            kind = self._kinds[stored.topic] = _kind(stored.topic)
        originator_id = stored.originator_id
        if type(originator_id) is not UUID:
            return Mapper.to_domain_event(
                self.mapper, cast(StoredEvent, stored)
            )  # opened by the caller
        try:
            state: dict[str, Any] = self._parse(self._opened(stored.state))
        except Exception as error:
            raise MapperDeserialisationError(_failed(stored, error)) from error
        state["originator_id"] = originator_id
        state["originator_version"] = stored.originator_version
        cls, class_version = kind
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event: DomainEventProtocol[Any] = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event


def _kind(topic: str) -> _Kind:
    cls = resolve(topic)
    return cls, int(getattr(cls, "class_version", 1))


def _opener(mapper: Mapper[Any]) -> Callable[[bytes], bytes]:
    """The stored bytes to the transcoder's input: decrypted, then decompressed."""
    cipher, compressor = mapper.cipher, mapper.compressor
    if cipher is None and compressor is None:
        return _as_is
    if compressor is None:
        return cipher.decrypt  # type: ignore[union-attr]
    if cipher is None:
        return compressor.decompress

    def opened(state: bytes) -> bytes:
        return compressor.decompress(cipher.decrypt(state))

    return opened


def _as_is(state: bytes) -> bytes:
    return state


def _failed(stored: StoredLike, error: Exception) -> str:
    """The Mapper's message for an event it cannot open (no payload in it)."""
    return (
        f"Failed to deserialise state of stored event with topic '{stored.topic}', "
        f"originator_id '{stored.originator_id}' and "
        f"originator_version {stored.originator_version}: {error}"
    )
