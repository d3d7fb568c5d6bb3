"""eventsourcing's mapper and event store, with personal fields sealed (R16, D8).

Why subclasses: eventsourcing's `Mapper` turns an event into a stored event in
one go (state, transcoding, store cipher); the personal fields must be sealed
with the subject's key before transcoding and opened after decoding
(`homecare._es.personal`). The whole-event store cipher still applies on top
when one is set. `EventStore.put` reads the keys of a save's subjects in one
query before mapping its events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    EventStore,
    Mapper,
    Recording,
    StoredEvent,
    Transcoder,
)

from homecare._es.personal import PersonalFields

__all__ = ["PersonalMapper", "SealingEventStore", "decode_many", "open_sealed"]

Event = DomainEventProtocol[UUID]


class PersonalMapper(Mapper[UUID]):
    """A `Mapper` that seals declared personal fields on the way in and opens them out."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        *,
        fields: PersonalFields,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)
        self.fields = fields

    def to_stored_event(self, domain_event: Event) -> StoredEvent:
        return super().to_stored_event(self.fields.sealed(domain_event))

    def to_domain_event(self, stored_event: StoredEvent) -> Event:
        event = super().to_domain_event(stored_event)
        self.fields.open((event,), refresh=False)  # the loader refreshed (EventStore._load)
        return event

    def to_domain_events(
        self, stored_events: Sequence[StoredEvent], *, refresh: bool = True
    ) -> list[Event]:
        """A page decoded, its subjects' keys read in one query (after the cull generation,
        unless the caller read it: `PersonalFields.open`)."""
        events = [Mapper.to_domain_event(self, stored) for stored in stored_events]
        self.fields.open(events, refresh=refresh)
        return events


def open_sealed(mapper: Mapper[Any], events: Iterable[Event]) -> None:
    """The sealed fields of events decoded without `mapper` (`homecare._es.fastdecode`)
    opened in place, as `mapper` would (`PersonalFields.open`); nothing when it seals none."""
    if isinstance(mapper, PersonalMapper):
        mapper.fields.open(events)


def decode_many(
    mapper: Mapper[Any], stored_events: Sequence[StoredEvent], *, refresh: bool = True
) -> list[Event]:
    """Stored events decoded by `mapper`, sealed fields opened in one batch when it seals
    (`refresh=False`: the caller read the cull generation already, R16)."""
    if isinstance(mapper, PersonalMapper):
        return mapper.to_domain_events(stored_events, refresh=refresh)
    return [mapper.to_domain_event(stored) for stored in stored_events]


class SealingEventStore(EventStore[UUID]):
    """eventsourcing's event store, reading a save's subject keys in one query first."""

    def put(self, domain_events: Sequence[Event], **kwargs: Any) -> list[Recording[UUID]]:
        if isinstance(self.mapper, PersonalMapper):
            self.mapper.fields.prepare(domain_events)
        return super().put(domain_events, **kwargs)
