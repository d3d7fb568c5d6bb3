"""One database URL (and optionally one key) configures the whole store (D7, D8).

Why one URL: a host, the CLI and the tests all name the store the same way;
the event store (eventsourcing's own SQLite and PostgreSQL recorders) and the
read models and buffer tables (SQLAlchemy) live in the same database, so one
setting cannot point them at two different places.
"""

from __future__ import annotations

import binascii
import os
from base64 import b64decode
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from homecare.errors import InvalidInputError

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///homecare.db"
DATABASE_URL_VARIABLE = "HOMECARE_DATABASE_URL"
CIPHER_KEY_VARIABLE = "HOMECARE_CIPHER_KEY"


@dataclass(frozen=True)
class Settings:
    """What `connect()` needs. `cipher_key` is a base64 AES key (16, 24 or 32 bytes)."""

    database_url: str = DEFAULT_DATABASE_URL
    cipher_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.url  # noqa: B018 - validate early, with a clear error
        if self.cipher_key is not None:
            _check_key(self.cipher_key)

    @classmethod
    def from_environment(cls, database_url: str | None = None) -> Settings:
        return cls(
            database_url=database_url
            or os.environ.get(DATABASE_URL_VARIABLE)
            or DEFAULT_DATABASE_URL,
            cipher_key=os.environ.get(CIPHER_KEY_VARIABLE) or None,
        )

    @property
    def url(self) -> URL:
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise InvalidInputError(
                f"Malformed database URL {_redact(self.database_url)!r}: expected "
                "sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DBNAME."
            ) from None
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                raise InvalidInputError("The SQLite store needs a file: sqlite:///FILE.")
            return url.set(drivername="sqlite+pysqlite")
        if url.get_backend_name() == "postgresql":
            if not url.database:
                raise InvalidInputError("The PostgreSQL URL must name a database.")
            return url.set(drivername="postgresql+psycopg")
        raise InvalidInputError(
            f"Unsupported database {url.get_backend_name()!r}: use sqlite or postgresql."
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def redacted_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def eventsourcing_environment(self) -> dict[str, str]:
        """The `eventsourcing` recorder settings for this URL."""
        url = self.url
        env: dict[str, str] = {
            "CIPHER_TOPIC": "",
            "CIPHER_KEY": "",
            "COMPRESSOR_TOPIC": "",
            # Tables are created by homecare.bootstrap under a lock: PostgreSQL's
            # CREATE ... IF NOT EXISTS is not safe for concurrent first connections.
            "CREATE_TABLE": "n",
        }
        if self.is_sqlite:
            assert url.database is not None
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(Path(url.database).resolve()),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        else:
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": url.database or "",
                "POSTGRES_HOST": url.host or "localhost",
                "POSTGRES_PORT": str(url.port or 5432),
                "POSTGRES_USER": url.username or "postgres",
                "POSTGRES_PASSWORD": url.password or "",
                "POSTGRES_POOL_SIZE": "5",
                "POSTGRES_MAX_OVERFLOW": "10",
                "POSTGRES_CONNECT_TIMEOUT": "5",
                "POSTGRES_LOCK_TIMEOUT": "30",
            }
        if self.cipher_key:
            env |= {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": self.cipher_key}
        return env


def _check_key(key: str) -> None:
    try:
        raw = b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInputError("The cipher key must be base64 text.") from None
    if len(raw) not in (16, 24, 32):
        raise InvalidInputError("The cipher key must decode to 16, 24 or 32 bytes (AES).")


def _redact(text: str) -> str:
    if "@" in text and "://" in text:
        scheme, rest = text.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return text
