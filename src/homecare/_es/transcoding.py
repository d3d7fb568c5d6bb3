"""How events become bytes and back: eventsourcing's JSON format, made fast.

Why a module of its own: this is the one place that extends eventsourcing's
persistence internals (its transcoder and transcodings), which may move
between releases; the facade only calls `homecare_transcoder()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex

from homecare.domain.identity import PersonalIdentityNumber

__all__ = ["OrjsonTranscoder", "register_transcodings"]


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Our custom types, registered after eventsourcing's own (a faster UUID replaces its)."""
    transcoder.register(_UUIDAsHexFast())
    transcoder.register(_DateAsISO())
    transcoder.register(_PersonalIdentityNumberAsText())


class _DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class _PersonalIdentityNumberAsText(Transcoding):
    type = PersonalIdentityNumber
    name = "personnummer"

    def encode(self, obj: PersonalIdentityNumber) -> str:
        return obj.value

    def decode(self, data: str) -> PersonalIdentityNumber:
        return PersonalIdentityNumber.from_store(data)


_UNKNOWN = SafeUUID.unknown  # looked up once: an enum member's lookup costs a call


class _UUIDAsHexFast(UUIDAsHex):
    """eventsourcing's `uuid_hex`, decoded without `UUID.__init__`'s string clean-up.

    Why: building UUIDs is the largest single cost of decoding our events. A stored
    value is the 32 hex digits `UUID.hex` wrote; anything else takes the slow path,
    which accepts and rejects exactly what `UUID(data)` does.
    """

    def decode(self, data: str) -> UUID:
        if type(data) is str and len(data) == 32 and data.isascii() and data.isalnum():
            value = int(data, 16)  # ascii alphanumerics: hex digits or ValueError, as UUID()
            uuid = object.__new__(UUID)
            object.__setattr__(uuid, "int", value)
            object.__setattr__(uuid, "is_safe", _UNKNOWN)
            return uuid
        return UUID(data)


_PLAIN = (str, int, bool, type(None))
_CONTAINERS = (dict, list)


class OrjsonTranscoder(JSONTranscoder):
    """eventsourcing's JSON format, read and written with orjson.

    Why: decoding events is most of the work of catch-up, rebuild and loading
    aggregates, and the standard library's `json` with an `object_hook` is
    several times slower than orjson plus one walk over the result.

    Compatibility: the bytes are the same JSON as `JSONTranscoder` writes
    (compact separators, UTF-8, custom types as `{"_type_": name, "_data_": ...}`
    with the same registered transcodings), so events stored before and after
    this change read alike, in either direction. Anything the fast paths do not
    cover exactly (floats, subclasses of built-in types, tuples, unknown types,
    input orjson rejects) goes through `JSONTranscoder` itself, unchanged.
    """

    def encode(self, obj: Any) -> bytes:
        try:
            prepared = self._prepare(obj)
            return orjson.dumps(prepared)
        except (_SlowPathError, orjson.JSONEncodeError):
            return super().encode(obj)  # the same bytes, or the same error, as before

    def decode(self, data: bytes) -> Any:
        try:
            loaded = orjson.loads(data)
            return self._restore(loaded) if type(loaded) in _CONTAINERS else loaded
        except (orjson.JSONDecodeError, _SlowPathError):
            return super().decode(data)  # whatever json accepts, or how it fails

    def _prepare(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is dict:
            prepared: dict[str, Any] = {}
            for key, value in obj.items():
                if type(key) is not str:
                    raise _SlowPathError
                prepared[key] = value if type(value) in _PLAIN else self._prepare(value)
            return prepared
        if kind is list:
            return [v if type(v) in _PLAIN else self._prepare(v) for v in obj]
        transcoding = self.types.get(kind)
        if transcoding is None or issubclass(kind, (str, int, float, dict, list, tuple)):
            # json would encode these natively or differently, or raise: let it.
            raise _SlowPathError
        return {"_type_": transcoding.name, "_data_": self._prepare(transcoding.encode(obj))}

    def register(self, transcoding: Transcoding) -> None:
        """eventsourcing's registration, plus the decoding function `_restore` calls for
        the name (`datetime.fromisoformat` itself for eventsourcing's `datetime_iso`,
        whose `decode` only adds a type check that `_restore` has made)."""
        super().register(transcoding)
        direct = type(transcoding) is DatetimeAsISO
        decoders = self.__dict__.setdefault("_decoders", {})
        decoders[transcoding.name] = datetime.fromisoformat if direct else transcoding.decode

    def _restore(self, obj: Any) -> Any:
        """Bottom-up, as json's object_hook: inner objects are decoded first.

        The containers are orjson's fresh objects, changed in place. orjson reads
        integers beyond 64 bits as floats, json as ints: any float sends the whole
        document to json (our events hold no floats).
        """
        if type(obj) is list:
            for index, value in enumerate(obj):
                kind = type(value)
                if kind is dict or kind is list:
                    obj[index] = self._restore(value)
                elif kind is float:
                    raise _SlowPathError
            return obj
        decoders: dict[str, Callable[[str], Any]] = self.__dict__.get("_decoders", {})
        for key, value in obj.items():
            kind = type(value)
            if kind is str or value is None:
                continue
            if kind is dict:
                if (
                    len(value) == 2
                    and type(data := value.get("_data_")) is str
                    and (decode := decoders.get(value.get("_type_"))) is not None
                ):
                    obj[key] = decode(data)  # the common case, inlined
                else:
                    obj[key] = self._restore(value)
            elif kind is list:
                obj[key] = self._restore(value)
            elif kind is float:
                raise _SlowPathError
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return self._decode_obj(obj)
        return obj


class _SlowPathError(Exception):
    """Raised inside `OrjsonTranscoder._prepare` to hand the whole object to json."""
