"""Personnummer and payloads at rest in the buffer tables (D8).

When the store has a cipher key, eventsourcing encrypts the events; the
buffer holds the same personal data, so it is sealed with the same cipher.
Without a key both functions are the identity.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode, b64encode

from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from homecare.errors import CipherKeyError

__all__ = ["UNREADABLE", "Sealer"]

UNREADABLE = (
    "Stored data cannot be read: the cipher key is wrong or missing "
    "(HOMECARE_CIPHER_KEY must be the key the store was written with)."
)
_SEALED = re.compile(r"[A-Za-z0-9+/]{38,}={0,2}")  # base64 of nonce, tag and text


class Sealer:
    def __init__(self, cipher: Cipher | None) -> None:
        self._cipher = cipher

    @classmethod
    def for_key(cls, cipher_key: str | None) -> Sealer:
        """A sealer with the store's cipher made from its key (base64 text, as in
        `Settings.cipher_key`; the events' AESCipher, so the two read each other's
        text); None: no key, nothing sealed."""
        if not cipher_key:
            return cls(None)
        return cls(AESCipher(Environment(env={AESCipher.CIPHER_KEY: cipher_key})))

    @classmethod
    def with_new_key(cls) -> Sealer:
        """A sealer with a new random key (AES-256) that is kept nowhere: what it seals
        opens only through this object (a scratch store's, `audit._common`)."""
        return cls.for_key(AESCipher.create_key(32))

    @property
    def keyed(self) -> bool:
        """Whether this store has a cipher key (what `seal` writes is then sealed)."""
        return self._cipher is not None

    def seal(self, text: str) -> str:
        if self._cipher is None:
            return text
        return b64encode(self._cipher.encrypt(text.encode("utf-8"))).decode("ascii")

    def open_text(self, stored: str) -> str:
        """`open` for free text (reason texts, actor names): without a key it is returned
        as stored, since free text may itself look like base64 (a wrong key is still
        refused: the events and the buffer's columns are checked on every read path)."""
        return stored if self._cipher is None else self.open(stored)

    def open(self, sealed: str) -> str:
        """The text sealed; CipherKeyError when it was sealed with another key, or sealed
        while this store has none (what `seal` writes is base64 of at least 28 bytes)."""
        if self._cipher is None:
            if _SEALED.fullmatch(sealed):
                raise CipherKeyError(UNREADABLE)
            return sealed
        try:
            return self._cipher.decrypt(b64decode(sealed, validate=True)).decode("utf-8")
        except (ValueError, binascii.Error):  # a wrong key fails the AES-GCM tag check
            raise CipherKeyError(UNREADABLE) from None
