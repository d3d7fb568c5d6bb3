"""Personal fields of events sealed with their subject's data key, and opened (R16, D8).

Why here: the domain declares which fields are personal and whose
(`homecare.domain.personal.PERSONAL`); this module, in the private layer,
turns that into bytes. Before an event is transcoded (and then encrypted whole
by the store's cipher when one is set), each declared field that is not None is
sealed with the subject's key (`homecare._sql.subject_keys.SubjectKeys`) and
stored as `{"_type_": "hc_sealed", "_data_": SUBJECT_HEX + TAG + "hc1:..."}`:
the subject's id travels with the text, so opening never looks anything up
but the key; TAG is `s` (text) or `p` (a `PersonalIdentityNumber`).

Opening is ONE function, `PersonalFields.open(events)`, called by every path
that decodes events (the mapper here, for loading aggregates, the log's pages
and the audit; any faster decoder must call it too): it reads the keys of a
batch's subjects in one query, then replaces each sealed value by its clear
value, or, for a culled subject, by the culled marker of the same type
(`CULLED.text`, `PersonalIdentityNumber.culled()`), never an error. Events
stored before sealing hold clear values, which are left as they are.

Finding the subject (docs/privacy.md): the aggregate itself, a field of the
event, or a field of the aggregate's creating event (`on_creation`: a pause
change or a decline carries only its aggregate's id). The last is remembered
per aggregate once seen (the creating event being sealed, or read back from
the store once: one query per aggregate and process, never per event).

Keys: a subject's key is made, in a transaction of its own that commits,
before the event that needs it is saved. If the save then fails, the key stays
behind without data: harmless (it seals nothing, and culling destroys it like
any other).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoding

from homecare._sql.subject_keys import SubjectKeys, is_sealed
from homecare.domain.identity import PersonalIdentityNumber
from homecare.domain.personal import PERSONAL, Personal
from homecare.domain.privacy import CULLED, Culled
from homecare.errors import StorageError

__all__ = ["PersonalFields", "SealedField", "SealedFieldAsText"]

_TEXT = "s"
_NUMBER = "p"
_OWNER_FIELDS = frozenset(p.subject_field for p in PERSONAL.values() if p.on_creation)
_OWNERS_KEPT = 65536


@dataclass(frozen=True, slots=True)
class SealedField:
    """A personal field as stored: whose it is, its type tag, the sealed text (`hc1:`)."""

    subject_id: UUID
    tag: str
    text: str


class SealedFieldAsText(Transcoding):
    """`SealedField` <-> `SUBJECT_HEX + TAG + hc1:...` inside eventsourcing's JSON."""

    type = SealedField
    name = "hc_sealed"

    def encode(self, obj: SealedField) -> str:
        return obj.subject_id.hex + obj.tag + obj.text

    def decode(self, data: str) -> SealedField:
        return SealedField(UUID(hex=data[:32]), data[32:33], data[33:])


CreationReader = Callable[[UUID], Any]
"""An aggregate's creating event read back from the store (None when there is none)."""


class PersonalFields:
    """Seals and opens the declared personal fields of events with `keys`."""

    def __init__(self, keys: SubjectKeys, creation_event: CreationReader) -> None:
        self.keys = keys
        self._creation_event = creation_event
        self._owners: OrderedDict[UUID, UUID] = OrderedDict()

    # -- sealing ------------------------------------------------------------

    def prepare(self, events: Sequence[Any]) -> None:
        """Before a save: the subjects' keys read in one query (a missing one is made
        by `sealed`, in a transaction of its own that commits first)."""
        subjects = [self._subject(e, p) for e in events if (p := PERSONAL.get(type(e)))]
        if subjects:
            self.keys.warm(subjects)

    def sealed(self, event: Any) -> Any:
        """A copy of `event` with its personal fields sealed; `event` itself when it
        declares none. RuleViolationError for a culled subject (nothing new is written)."""
        self._remember_owner(event)
        personal = PERSONAL.get(type(event))
        if personal is None:
            return event
        subject = self._subject(event, personal)
        state = dict(vars(event))
        for name in personal.fields:
            value = state.get(name)
            if value is None:
                continue
            tag = _NUMBER if isinstance(value, PersonalIdentityNumber) else _TEXT
            text = value.value if isinstance(value, PersonalIdentityNumber) else str(value)
            state[name] = SealedField(subject, tag, self.keys.seal(subject, personal.kind, text))
        copy = object.__new__(type(event))
        object.__setattr__(copy, "__dict__", state)
        return copy

    def _subject(self, event: Any, personal: Personal) -> UUID:
        if personal.subject_field is None:
            return UUID(str(event.originator_id))
        if not personal.on_creation:
            return UUID(str(getattr(event, personal.subject_field)))
        aggregate_id = UUID(str(event.originator_id))
        owner = self._owners.get(aggregate_id)
        if owner is None:
            created = self._creation_event(aggregate_id)
            if created is None or not hasattr(created, personal.subject_field):
                raise StorageError(
                    f"The subject of {type(event).__qualname__} on {aggregate_id} cannot be "
                    "found: its aggregate's creating event is missing."
                )
            owner = UUID(str(getattr(created, personal.subject_field)))
            self._keep_owner(aggregate_id, owner)
        return owner

    def _remember_owner(self, event: Any) -> None:
        if getattr(event, "originator_version", None) != 1:
            return
        for name in _OWNER_FIELDS:
            owner = getattr(event, name, None) if name else None
            if isinstance(owner, UUID):
                self._keep_owner(UUID(str(event.originator_id)), owner)

    def _keep_owner(self, aggregate_id: UUID, owner: UUID) -> None:
        self._owners[aggregate_id] = owner
        if len(self._owners) > _OWNERS_KEPT:
            self._owners.popitem(last=False)

    # -- opening --------------------------------------------------------------

    def open(self, events: Iterable[Any], *, refresh: bool = True) -> None:
        """THE one opening of sealed fields, in place, for a batch of decoded events:
        the batch's keys in one query, then clear values or culled markers (module doc).
        First the cull generation (`SubjectKeys.refresh`), unless the caller read it
        already (`refresh=False`: a load of one aggregate, event by event)."""
        found: list[tuple[dict[str, Any], str, SealedField]] = []
        for event in events:
            personal = PERSONAL.get(type(event))
            if personal is None:
                continue
            state = event.__dict__
            for name in personal.fields:
                value = state.get(name)
                if type(value) is SealedField:
                    found.append((state, name, value))
        if not found:
            return
        if refresh:
            self.keys.refresh()
        keyless = self.keys.warm({sealed.subject_id for _, _, sealed in found})
        for state, name, sealed in found:
            # a subject without a key row when its events were already stored never had
            # one (its key is committed before them): culled, without asking again
            clear = (
                CULLED
                if sealed.subject_id in keyless and is_sealed(sealed.text)
                else self.keys.open(sealed.subject_id, sealed.text)
            )
            state[name] = _opened(sealed, clear)


def _opened(sealed: SealedField, clear: str | Culled) -> object:
    if sealed.tag == _NUMBER:
        return PersonalIdentityNumber.opened(clear)
    return CULLED.text if isinstance(clear, Culled) else clear
