"""The table of per-subject data keys and how a key is stored in it (R16, D8).

`homecare_subject_keys`: one row per data subject: its kind, the 256-bit
AES-GCM data key (wrapped by the store's cipher key when one is set, AES-GCM
too, bound to the subject id so a key copied to another row does not open),
when it was made and when culled. A culled row keeps its id and `culled_at`
(no personal data), the key NULL. Used by `homecare._sql.subject_keys` only.
"""

from __future__ import annotations

import os
from base64 import b64decode
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Column,
    Connection,
    Index,
    LargeBinary,
    String,
    Table,
    Uuid,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from homecare._sql.database import Database, UtcDateTime, metadata
from homecare._sql.scrub import secure_delete
from homecare.domain.privacy import CULLED, Culled, SubjectKind
from homecare.errors import CipherKeyError

__all__ = ["NONCE_BYTES", "CulledSubject", "KeyTable", "subject_keys"]

NONCE_BYTES = 12
_DATA_KEY_BYTES = 32
_WRAPPED_BYTES = NONCE_BYTES + _DATA_KEY_BYTES + 16  # nonce, key, GCM tag
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
    Index("ix_homecare_subject_keys_culled_at", "culled_at"),
)
"""One data key per data subject (R16); the key wrapped when the store has a cipher key."""


_CULLED_COUNT = (
    f"SELECT count(culled_at) FROM {subject_keys.name} "  # noqa: S608 (our table name)
    "WHERE culled_at IS NOT NULL"
)


class CulledSubject(BaseModel):
    """A culled subject, as the register of cullings kept outside backups lists it."""

    model_config = ConfigDict(frozen=True)

    subject_id: UUID
    kind: SubjectKind
    culled_at: datetime


class KeyTable:
    """Reads and writes keys in `conn`'s transaction; `cipher_key` as in `SubjectKeys`."""

    def __init__(self, database: Database, cipher_key: str | None) -> None:
        self._database = database
        self._wrap = AESGCM(b64decode(cipher_key)) if cipher_key else None

    def load(self, conn: Connection, subject_id: UUID) -> tuple[AESGCM | Culled, str | None]:
        """(key, kind): CULLED for a culled subject, (CULLED, None) for one with no row.

        CipherKeyError when the key was wrapped with another store key (or none)."""
        row = conn.execute(
            select(subject_keys.c.kind, subject_keys.c.data_key).where(
                subject_keys.c.subject_id == subject_id
            )
        ).one_or_none()
        if row is None or row.data_key is None:
            return CULLED, None if row is None else row.kind
        return AESGCM(self.unwrap(subject_id, bytes(row.data_key))), row.kind

    def load_many(
        self, conn: Connection, subject_ids: Iterable[UUID]
    ) -> dict[UUID, tuple[AESGCM | Culled, str]]:
        """`load` for many subjects in one query (chunks of 500 ids): only those with a
        row, by id."""
        ids = list(subject_ids)
        found: dict[UUID, tuple[AESGCM | Culled, str]] = {}
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(
                    subject_keys.c.subject_id, subject_keys.c.kind, subject_keys.c.data_key
                ).where(subject_keys.c.subject_id.in_(ids[start : start + 500]))
            ).all()
            for row in rows:
                key: AESGCM | Culled = CULLED
                if row.data_key is not None:
                    key = AESGCM(self.unwrap(row.subject_id, bytes(row.data_key)))
                found[row.subject_id] = (key, row.kind)
        return found

    def insert(self, conn: Connection, subject_id: UUID, kind: SubjectKind | str) -> None:
        """A new key for the subject, unless a row exists (a concurrent writer's wins);
        `kind` a SubjectKind, or `store` for the store's own row (`store_key`)."""
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

    def culled_count(self, conn: Connection) -> int:
        """How many subjects are culled: grows by one with each committed cull, in any
        process (the cull generation; rows are never un-culled or deleted). Indexed."""
        # Read before every command and read (R16): plain SQL on the driver's own
        # cursor in autocommit (no BEGIN and ROLLBACK round trips around one count;
        # SQLAlchemy's compilation and result handling cost more than the query).
        # `conn` must not be in a transaction (a fresh connection). A driver error is
        # raised as SQLAlchemy would raise it (so the error map names it), and the
        # connection is dropped: it may be broken, or left in autocommit.
        driver: Any = conn.connection.driver_connection
        psycopg = not self._database.is_sqlite  # sqlite3 here is in autocommit already
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            if psycopg:
                driver.autocommit = True
            with closing(driver.cursor()) as cursor:
                cursor.execute(_CULLED_COUNT)
                (count,) = cursor.fetchone()
            if psycopg:
                driver.autocommit = False
        except dbapi_error as error:
            conn.invalidate(error)
            raise DBAPIError.instance(
                _CULLED_COUNT, None, error, dbapi_error, connection_invalidated=True
            ) from error
        return int(count)

    def culled(self, conn: Connection) -> list[CulledSubject]:
        rows = conn.execute(
            select(subject_keys.c.subject_id, subject_keys.c.kind, subject_keys.c.culled_at)
            .where(subject_keys.c.culled_at.is_not(None))
            .order_by(subject_keys.c.culled_at, subject_keys.c.subject_id)
        ).all()
        return [CulledSubject(subject_id=r[0], kind=r[1], culled_at=r[2]) for r in rows]

    def unwrap(self, subject_id: UUID, stored: bytes) -> bytes:
        expected = _DATA_KEY_BYTES if self._wrap is None else _WRAPPED_BYTES
        if len(stored) != expected:  # wrapped without a key here, or clear with one
            raise CipherKeyError(_UNREADABLE)
        if self._wrap is None:
            return stored
        try:
            return self._wrap.decrypt(
                stored[:NONCE_BYTES], stored[NONCE_BYTES:], _wrap_context(subject_id)
            )
        except InvalidTag:
            raise CipherKeyError(_UNREADABLE) from None

    def _wrapped(self, subject_id: UUID, data_key: bytes) -> bytes:
        if self._wrap is None:
            return data_key
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._wrap.encrypt(nonce, data_key, _wrap_context(subject_id))


def _wrap_context(subject_id: UUID) -> bytes:
    """Associated data of a wrapped key: a key copied to another subject's row fails."""
    return b"homecare-subject-key:" + subject_id.bytes
