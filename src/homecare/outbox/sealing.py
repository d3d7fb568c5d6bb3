"""Personnummer and payloads at rest in the buffer tables (D8).

When the store has a cipher key, eventsourcing encrypts the events; the
buffer holds the same personal data, so it is sealed with the same cipher.
Without a key both functions are the identity.
"""

from __future__ import annotations

from base64 import b64decode, b64encode

from eventsourcing.persistence import Cipher

__all__ = ["Sealer"]


class Sealer:
    def __init__(self, cipher: Cipher | None) -> None:
        self._cipher = cipher

    def seal(self, text: str) -> str:
        if self._cipher is None:
            return text
        return b64encode(self._cipher.encrypt(text.encode("utf-8"))).decode("ascii")

    def open(self, sealed: str) -> str:
        if self._cipher is None:
            return sealed
        return self._cipher.decrypt(b64decode(sealed)).decode("utf-8")
