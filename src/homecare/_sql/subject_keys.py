"""Per-subject data keys: personal data sealed so that culling can erase it (R16, D8).

Why: an append-only event log cannot delete. Each data subject (a customer or
a staff member) gets a data key of its own; every personal field is sealed with
it, and culling destroys the key, so every copy of the field (events, read
models, buffer) becomes unreadable at once while the log keeps its shape.

The key table `homecare_subject_keys` (`homecare._sql.key_table`): one row
per subject, its kind, its AES-GCM data key (wrapped by the store's cipher key
when set), when made and when culled; and the store's own row (`keys.store_key`,
`homecare._sql.store_key`: is the cipher key the store's? asked before each write).

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
- `keys.cull(subject_id, conn=None, kind=None, at=None) -> bool`: the key overwritten
  with zeros, NULL, `culled_at` = `at` (the culling record's time; None: now); True:
  this call culled it. With `conn`, call `keys.scrub()` after the caller commits.
- `keys.scrub() -> bool`: the destroyed key's bytes unreachable on disk
  (`homecare._sql.scrub`). `keys.culled() -> list[CulledSubject]`: every culled
  subject, oldest first (the register kept outside backups; `privacy culled`).
- `keys.warm(subject_ids) -> set[UUID]`: the keys not cached yet read in one query and
  cached (a page, a save; no round trip then); returns the subjects without a key row.
- `keys.bound(conn) -> BoundKeys`: `seal` and `open` within one transaction (a page,
  a command), each subject's key read once for it; dropped when the transaction ends.

Keys are cached (unwrapped, at most `cache_size`) once read outside a caller's
transaction, so a cache never holds a key that might roll back. A cull by any
process is seen by the next `keys.refresh() -> int` (every read path calls it
first): the culled count read (one indexed query), every cached key dropped
when it moved, and returned for other caches of opened data to compare.
"""

from __future__ import annotations

import binascii
import os
import threading
from base64 import b64decode, b64encode
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, select

from homecare._sql.database import Database
from homecare._sql.key_table import NONCE_BYTES, CulledSubject, KeyTable, subject_keys
from homecare._sql.scrub import mark, scrub, secure_delete
from homecare._sql.store_key import STORE_KEY_ID, StoreKey
from homecare.domain.privacy import CULLED, Culled, SubjectKind
from homecare.errors import InvalidInputError, RuleViolationError, StorageError

__all__ = ["SEALED_PREFIX", "BoundKeys", "CulledSubject", "SubjectKeys", "is_sealed"]
__all__ += ["subject_keys"]

SEALED_PREFIX = "hc1:"
_Entry = tuple[AESGCM | Culled, str]  # a key (or CULLED) and the subject's kind


def is_sealed(text: str) -> bool:
    """Whether `text` was written by `SubjectKeys.seal` (read paths tell sealed from clear)."""
    return text.startswith(SEALED_PREFIX)


class SubjectKeys:
    """The data keys of one store. `cipher_key`: the store's key (base64 text, as in
    `Settings.cipher_key`), wrapping every data key; None: data keys stored as they are."""

    def __init__(
        self, database: Database, cipher_key: str | None, *, cache_size: int = 4096
    ) -> None:
        self.database = database
        self._table = KeyTable(database, cipher_key)
        self.store_key = StoreKey(database, self._table)  # D8: checked before every write
        self._cache: OrderedDict[UUID, _Entry] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._last_cull: int | None = None  # PostgreSQL: the last cull's transaction
        self._generation = -1  # culled subjects when last looked (-1: never looked)
        self._epoch = 0  # grows at each drop: a key read before it is not cached

    # -- sealing and opening ---------------------------------------------

    def seal(
        self, subject_id: UUID, kind: SubjectKind, text: str, *, conn: Connection | None = None
    ) -> str:
        """`text` sealed with the subject's key (made on first use); see the module doc."""
        cached = self._cached(subject_id)
        key = cached[0] if cached is not None and cached[1] == kind else None
        if not isinstance(key, AESGCM):
            key = self._key_for_writing(subject_id, SubjectKind(kind), conn)
        return _seal(key, subject_id, text)

    def open(self, subject_id: UUID, text: str, *, conn: Connection | None = None) -> str | Culled:
        """The clear text of `text`, or CULLED; see the module doc for the errors."""
        if not is_sealed(text):
            return text
        cached = self._cached(subject_id)
        key = cached[0] if cached is not None else self._key_for_reading(subject_id, conn)
        return _open(key, subject_id, text)

    def warm(self, subject_ids: Iterable[UUID]) -> set[UUID]:
        """Read the keys of the subjects not cached yet, in one query, and cache them
        (a page of events, a save: then `seal` and `open` need no round trip). Returns
        the subjects that had no key row when read (not cached: one may be made later)."""
        with self._lock:
            missing = {s for s in subject_ids if s not in self._cache}
            epoch = self._epoch
        if not missing:
            return set()
        with self.database.engine.connect() as conn:
            found = self._table.load_many(conn, missing)
        for subject_id, entry in found.items():
            self._remember(subject_id, entry, epoch)
        return missing - found.keys()

    def bound(self, conn: Connection) -> BoundKeys:
        """`seal` and `open` in `conn`'s transaction, each key read once (module doc)."""
        return BoundKeys(self, conn)

    # -- culling ---------------------------------------------------------

    def cull(
        self,
        subject_id: UUID,
        *,
        conn: Connection | None = None,
        kind: SubjectKind | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Destroy the subject's key (R16; `culled_at`: `at`, the culling record's time); True
        when this call culled it. Without a key, a row saying culled is made if `kind` is given."""
        if subject_id == STORE_KEY_ID:
            raise InvalidInputError("That id is the store's key row, not a subject.")
        self.database.before_write(conn)  # D8: not with another key than the store's
        if conn is None:
            with self.database.write_engine.begin() as own:
                done = self.cull(subject_id, conn=own, kind=kind, at=at)
            self.scrub()
            return done
        secure_delete(self.database, conn)
        self._last_cull = mark(self.database, conn)
        where = subject_keys.c.subject_id == subject_id
        query = select(subject_keys.c.data_key, subject_keys.c.culled_at).where(where)
        row = conn.execute(query).one_or_none()
        self.forget(subject_id)
        now = datetime.now(UTC)
        when = at or now
        if row is None:
            if kind is None:
                return False
            conn.execute(
                subject_keys.insert().values(
                    subject_id=subject_id, kind=SubjectKind(kind), created_at=now, culled_at=when
                )
            )
            return True
        if row.culled_at is not None:
            return False
        zeros = bytes(len(row.data_key or b""))
        conn.execute(subject_keys.update().where(where).values(data_key=zeros))
        conn.execute(subject_keys.update().where(where).values(data_key=None, culled_at=when))
        return True

    def scrub(self) -> bool:
        """After a cull commits: no destroyed key left readable on disk (True: done)."""
        return scrub(self.database, subject_keys.name, self._last_cull)

    def culled(self) -> list[CulledSubject]:
        """Every culled subject: id, kind and when, oldest first."""
        with self.database.engine.connect() as conn:
            return self._table.culled(conn)

    def forget(self, subject_id: UUID | None = None) -> None:
        """Drop one subject's cached key (None: all)."""
        with self._lock:
            self._epoch += 1
            if subject_id is None:
                self._cache.clear()
            else:
                self._cache.pop(subject_id, None)

    def refresh(self) -> int:
        """The cull generation (culled subjects, any process) read now; every cached key
        dropped when it moved (R16: a cull committed elsewhere is seen at once)."""
        with self.database.engine.connect() as conn:
            generation = self._table.culled_count(conn)
        with self._lock:
            if generation != self._generation:
                self._generation = generation
                self._epoch += 1
                self._cache.clear()
        return generation

    def _key_for_reading(self, subject_id: UUID, conn: Connection | None) -> AESGCM | Culled:
        if conn is not None:
            return self._table.load(conn, subject_id)[0]
        epoch = self._epoch
        with self.database.engine.connect() as own:
            key, kind = self._table.load(own, subject_id)
        if kind is not None:  # a subject with no key yet may get one: not remembered
            self._remember(subject_id, (key, kind), epoch)
        return key

    def _key_for_writing(
        self, subject_id: UUID, kind: SubjectKind, conn: Connection | None
    ) -> AESGCM:
        self.database.before_write(conn)  # D8: no key made under another key than the store's
        if conn is None:
            epoch = self._epoch
            with self.database.write_engine.begin() as own:
                made = self._key_for_writing(subject_id, kind, own)
            self._remember(subject_id, (made, kind), epoch)
            return made
        key, found_kind = self._table.load(conn, subject_id)
        if found_kind is None:
            self._table.insert(conn, subject_id, kind)
            key, found_kind = self._table.load(conn, subject_id)
        if found_kind != kind:
            raise InvalidInputError(f"Subject {subject_id} is a {found_kind}, not a {kind}.")
        if isinstance(key, Culled):
            raise RuleViolationError(
                f"The {kind} {subject_id} was culled (R16): no personal data is written for them."
            )
        return key

    def _cached(self, subject_id: UUID) -> _Entry | None:
        with self._lock:
            entry = self._cache.get(subject_id)
            if entry is not None:
                self._cache.move_to_end(subject_id)
            return entry

    def _remember(self, subject_id: UUID, entry: _Entry, epoch: int) -> None:
        with self._lock:
            if epoch != self._epoch:  # read before a drop: it may be a culled key
                return
            self._cache[subject_id] = entry
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


class BoundKeys:
    """`SubjectKeys.seal`/`open` in one transaction (`keys.bound(conn)`): each subject's
    key is read from the table once. Not shared between threads; not for culling."""

    def __init__(self, keys: SubjectKeys, conn: Connection) -> None:
        self._keys = keys
        self._conn = conn
        self._memo: dict[UUID, _Entry] = {}

    def seal(self, subject_id: UUID, kind: SubjectKind, text: str) -> str:
        found = self._memo.get(subject_id)
        key = found[0] if found is not None and found[1] == kind else None
        if not isinstance(key, AESGCM):
            key = self._keys._key_for_writing(subject_id, SubjectKind(kind), self._conn)
            self._memo[subject_id] = (key, kind)
        return _seal(key, subject_id, text)

    def open(self, subject_id: UUID, text: str) -> str | Culled:
        if not is_sealed(text):
            return text
        found = self._memo.get(subject_id)
        if found is None:
            key, kind = self._keys._table.load(self._conn, subject_id)
            if kind is not None:
                self._memo[subject_id] = (key, kind)
        else:
            key = found[0]
        return _open(key, subject_id, text)


def _seal(key: AESGCM, subject_id: UUID, text: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.encrypt(nonce, text.encode("utf-8"), subject_id.bytes)
    return SEALED_PREFIX + b64encode(nonce + sealed).decode("ascii")


def _open(key: AESGCM | Culled, subject_id: UUID, text: str) -> str | Culled:
    if isinstance(key, Culled):
        return CULLED
    try:
        raw = b64decode(text[len(SEALED_PREFIX) :], validate=True)
        return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], subject_id.bytes).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError):
        raise StorageError(
            f"A sealed field of subject {subject_id} does not open with its key "
            "(sealed for another subject, or damaged)."
        ) from None
