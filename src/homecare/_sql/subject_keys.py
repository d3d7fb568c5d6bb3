"""Per-subject data keys: personal data sealed so that culling can erase it (R16, D8).

Why: an append-only event log cannot delete. Each data subject (a customer or
a staff member) gets a data key of its own; every personal field is sealed with
it, and culling destroys the key, so every copy of the field (events, read
models, buffer) becomes unreadable at once while the log keeps its shape.

The key table `homecare_subject_keys` holds one row per subject: its kind, the
256-bit AES-GCM data key (wrapped by the store's cipher key when one is set,
AES-GCM too, bound to the subject id), when it was made and when culled. A
culled row keeps its id and `culled_at` (no personal data) with the key NULL.

API (the wiring phase uses exactly this; `keys = SubjectKeys(database, cipher_key)`):
- `keys.seal(subject_id, kind, text, conn=None) -> str`: `hc1:` + base64 of
  nonce, ciphertext and tag. Makes the subject's key on first use, in `conn`'s
  transaction when given (it then commits or rolls back with the caller's
  rows), else in a transaction of its own. Sealing for a culled subject is a
  RuleViolationError: no new personal data once culled.
- `keys.open(subject_id, text, conn=None) -> str | Culled`: the clear text;
  `CULLED` when the subject was culled or has no key (never raises for that);
  text without the prefix is returned as it is (written in clear). A wrong or
  missing store cipher key is CipherKeyError; text sealed for another subject
  is StorageError.
- `keys.cull(subject_id, conn=None, kind=None) -> bool`: overwrite the key with
  zeros, then NULL it and set `culled_at` (True: this call culled it). With
  `conn`, call `keys.scrub()` after the caller commits; without, it is done.
- `keys.scrub() -> bool`: make the destroyed key's bytes unreachable on disk
  (`homecare._sql.scrub`): SQLite checkpoints and truncates the WAL (the cull
  ran with `PRAGMA secure_delete=ON`, so freed space is zeroed); PostgreSQL
  rewrites the key table (VACUUM FULL: dead row versions go with the old file).
- `keys.culled() -> dict[UUID, datetime]`: every culled subject (for re-culling
  after a restore, docs/privacy.md).

Keys are cached (unwrapped, at most `cache_size`) once read outside a caller's
transaction, so a cache never holds a key that might roll back. A cull in this
object drops its entry; a cull by another process is seen after `forget()` or
a restart (documented in docs/privacy.md).
"""

from __future__ import annotations

import binascii
import os
import threading
from base64 import b64decode, b64encode
from collections import OrderedDict
from datetime import UTC, datetime
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Connection, LargeBinary, String, Table, Uuid, select
from sqlalchemy.dialects import postgresql, sqlite

from homecare._sql.database import Database, UtcDateTime, metadata
from homecare._sql.scrub import mark, scrub, secure_delete
from homecare.domain.privacy import CULLED, Culled, SubjectKind
from homecare.errors import CipherKeyError, InvalidInputError, RuleViolationError, StorageError

__all__ = ["SEALED_PREFIX", "SubjectKeys", "is_sealed", "subject_keys"]

SEALED_PREFIX = "hc1:"
_NONCE = 12
_DATA_KEY_BYTES = 32
_WRAPPED_BYTES = _NONCE + _DATA_KEY_BYTES + 16  # nonce, key, GCM tag
_UNREADABLE = (
    "Subject keys cannot be read: the cipher key is wrong or missing "
    "(HOMECARE_CIPHER_KEY must be the key the store was written with)."
)

subject_keys = Table(
    "homecare_subject_keys",
    metadata,
    Column("subject_id", Uuid, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("data_key", LargeBinary, nullable=True),  # NULL once culled
    Column("created_at", UtcDateTime, nullable=False),
    Column("culled_at", UtcDateTime, nullable=True),
)
"""One data key per data subject (R16); the key wrapped when the store has a cipher key."""


def is_sealed(text: str) -> bool:
    """Whether `text` was written by `SubjectKeys.seal` (read paths tell sealed from clear)."""
    return text.startswith(SEALED_PREFIX)


class SubjectKeys:
    """The data keys of one store. `cipher_key`: the store's key (base64 text, as in
    `Settings.cipher_key`), wrapping every data key; None: data keys stored as they are."""

    def __init__(
        self, database: Database, cipher_key: str | None, *, cache_size: int = 4096
    ) -> None:
        self._database = database
        self._wrap = AESGCM(b64decode(cipher_key)) if cipher_key else None
        self._cache: OrderedDict[UUID, tuple[AESGCM | Culled, str]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._last_cull: int | None = None  # PostgreSQL: the last cull's transaction

    # -- sealing and opening ---------------------------------------------

    def seal(
        self, subject_id: UUID, kind: SubjectKind, text: str, *, conn: Connection | None = None
    ) -> str:
        """`text` sealed with the subject's key (made on first use); see the module doc."""
        cached = self._cached(subject_id)
        key = cached[0] if cached is not None and cached[1] == kind else None
        if not isinstance(key, AESGCM):
            key = self._key_for_writing(subject_id, SubjectKind(kind), conn)
        nonce = os.urandom(_NONCE)
        sealed = key.encrypt(nonce, text.encode("utf-8"), subject_id.bytes)
        return SEALED_PREFIX + b64encode(nonce + sealed).decode("ascii")

    def open(self, subject_id: UUID, text: str, *, conn: Connection | None = None) -> str | Culled:
        """The clear text of `text`, or CULLED; see the module doc for the errors."""
        if not is_sealed(text):
            return text
        cached = self._cached(subject_id)
        key = cached[0] if cached is not None else self._key_for_reading(subject_id, conn)
        if isinstance(key, Culled):
            return key
        try:
            raw = b64decode(text[len(SEALED_PREFIX) :], validate=True)
            return key.decrypt(raw[:_NONCE], raw[_NONCE:], subject_id.bytes).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise StorageError(
                f"A sealed field of subject {subject_id} does not open with its key "
                "(sealed for another subject, or damaged)."
            ) from None

    # -- culling ---------------------------------------------------------

    def cull(
        self, subject_id: UUID, *, conn: Connection | None = None, kind: SubjectKind | None = None
    ) -> bool:
        """Destroy the subject's key (R16); True when this call culled it. A subject with
        no key is recorded as culled when `kind` is given (so nothing is sealed later)."""
        if conn is None:
            with self._database.write_engine.begin() as own:
                done = self.cull(subject_id, conn=own, kind=kind)
            self.scrub()
            return done
        secure_delete(self._database, conn)
        self._last_cull = mark(self._database, conn)
        row = conn.execute(
            select(subject_keys.c.data_key, subject_keys.c.culled_at).where(
                subject_keys.c.subject_id == subject_id
            )
        ).one_or_none()
        self.forget(subject_id)
        now = datetime.now(UTC)
        if row is None:
            if kind is None:
                return False
            conn.execute(
                subject_keys.insert().values(
                    subject_id=subject_id, kind=SubjectKind(kind), created_at=now, culled_at=now
                )
            )
            return True
        if row.culled_at is not None:
            return False
        where = subject_keys.c.subject_id == subject_id
        zeros = bytes(len(row.data_key or b""))
        conn.execute(subject_keys.update().where(where).values(data_key=zeros))
        conn.execute(subject_keys.update().where(where).values(data_key=None, culled_at=now))
        return True

    def scrub(self) -> bool:
        """After a cull commits: no destroyed key left readable on disk (True: done)."""
        return scrub(self._database, subject_keys.name, self._last_cull)

    def culled(self) -> dict[UUID, datetime]:
        """Every culled subject and when it was culled."""
        with self._database.engine.connect() as conn:
            rows = conn.execute(
                select(subject_keys.c.subject_id, subject_keys.c.culled_at).where(
                    subject_keys.c.culled_at.is_not(None)
                )
            ).all()
        return {row.subject_id: row.culled_at for row in rows}

    def forget(self, subject_id: UUID | None = None) -> None:
        """Drop one subject's cached key (None: all), e.g. after a cull by another process."""
        with self._lock:
            if subject_id is None:
                self._cache.clear()
            else:
                self._cache.pop(subject_id, None)

    # -- the key table -----------------------------------------------------

    def _key_for_reading(self, subject_id: UUID, conn: Connection | None) -> AESGCM | Culled:
        if conn is not None:
            return self._load(conn, subject_id)[0]
        with self._database.engine.connect() as own:
            key, kind = self._load(own, subject_id)
        if kind is not None:  # a subject with no key yet may get one: not remembered
            self._remember(subject_id, (key, kind))
        return key

    def _key_for_writing(
        self, subject_id: UUID, kind: SubjectKind, conn: Connection | None
    ) -> AESGCM:
        if conn is None:
            with self._database.write_engine.begin() as own:
                made = self._key_for_writing(subject_id, kind, own)
            self._remember(subject_id, (made, kind))
            return made
        key, found_kind = self._load(conn, subject_id)
        if found_kind is None:
            self._insert(conn, subject_id, kind)
            key, found_kind = self._load(conn, subject_id)
        if found_kind != kind:
            raise InvalidInputError(f"Subject {subject_id} is a {found_kind}, not a {kind}.")
        if isinstance(key, Culled):
            raise RuleViolationError(
                f"The {kind} {subject_id} was culled (R16): no personal data is written for them."
            )
        return key

    def _load(self, conn: Connection, subject_id: UUID) -> tuple[AESGCM | Culled, str | None]:
        row = conn.execute(
            select(subject_keys.c.kind, subject_keys.c.data_key).where(
                subject_keys.c.subject_id == subject_id
            )
        ).one_or_none()
        if row is None or row.data_key is None:
            return CULLED, None if row is None else row.kind
        return AESGCM(self._unwrap(subject_id, bytes(row.data_key))), row.kind

    def _insert(self, conn: Connection, subject_id: UUID, kind: SubjectKind) -> None:
        data_key = AESGCM.generate_key(bit_length=_DATA_KEY_BYTES * 8)
        dialect = sqlite if self._database.is_sqlite else postgresql
        secure_delete(self._database, conn)  # pages this insert frees are zeroed too
        conn.execute(
            dialect.insert(subject_keys)
            .values(
                subject_id=subject_id,
                kind=kind,
                data_key=self._wrapped(subject_id, data_key),
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=[subject_keys.c.subject_id])
        )

    def _wrapped(self, subject_id: UUID, data_key: bytes) -> bytes:
        if self._wrap is None:
            return data_key
        nonce = os.urandom(_NONCE)
        return nonce + self._wrap.encrypt(nonce, data_key, _wrap_context(subject_id))

    def _unwrap(self, subject_id: UUID, stored: bytes) -> bytes:
        expected = _DATA_KEY_BYTES if self._wrap is None else _WRAPPED_BYTES
        if len(stored) != expected:  # wrapped without a key here, or clear with one
            raise CipherKeyError(_UNREADABLE)
        if self._wrap is None:
            return stored
        try:
            return self._wrap.decrypt(stored[:_NONCE], stored[_NONCE:], _wrap_context(subject_id))
        except InvalidTag:
            raise CipherKeyError(_UNREADABLE) from None

    # -- the cache -----------------------------------------------------------

    def _cached(self, subject_id: UUID) -> tuple[AESGCM | Culled, str] | None:
        with self._lock:
            key = self._cache.get(subject_id)
            if key is not None:
                self._cache.move_to_end(subject_id)
            return key

    def _remember(self, subject_id: UUID, key: tuple[AESGCM | Culled, str]) -> None:
        with self._lock:
            self._cache[subject_id] = key
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def _wrap_context(subject_id: UUID) -> bytes:
    """Associated data of a wrapped key: a key copied to another subject's row fails."""
    return b"homecare-subject-key:" + subject_id.bytes
