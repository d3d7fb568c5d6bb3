"""One settings object, the only source of configuration (D7, D8, D9).

Order of sources, first wins: explicit arguments (`connect(url, cipher_key=...)`,
`Settings(...)`, the CLI's `--db`), then `HOMECARE_*` environment variables
(the name in any case, one spelling at a time), then a secret's `HOMECARE_*_FILE`
variable (a regular file of at most 64 KiB holding the secret), then the defaults
below. Nothing underneath reads its own variables: eventsourcing's
environment is built from these settings alone (`eventsourcing_environment`,
every recorder setting pinned), libpq's `PG*` are overridden or refused (`_sql.conninfo`).
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import URL

from homecare._settings_files import SecretFiles
from homecare._settings_privacy import PrivacySettings
from homecare._settings_sources import ENV_PREFIX, Spellings, UnknownVariables, refusal
from homecare._sql.conninfo import postgres_connect_kwargs
from homecare._sql.store_url import parse_url, redact_url
from homecare.errors import InvalidInputError
from homecare.numbers import DecimalNumber as Decimal
from homecare.numbers import WholeNumber as Whole

__all__ = ["BEARER_RULE", "DEFAULT_DATABASE_URL", "ENV_PREFIX", "Settings", "is_bearer_token"]

DEFAULT_DATABASE_URL = "sqlite:///homecare.db"
DATABASE_URL_VARIABLE = "HOMECARE_DATABASE_URL"
CIPHER_KEY_VARIABLE = "HOMECARE_CIPHER_KEY"
_BEARER = re.compile(r"[\x21-\x7e]+")
"""What an HTTP header can carry as a bearer token: visible ASCII, no space."""
BEARER_RULE = "visible ASCII text: no space, control or non-ASCII character"
"""The rule `is_bearer_token` checks, for messages."""
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""A PostgreSQL name that needs no quoting: unquoted names are folded to lower case."""


class Settings(PrivacySettings):
    """What `connect()`, `homecare serve` and `homecare poll` need; frozen once read.

    Raises InvalidInputError (one line, no secret in it) for a malformed value, and
    UnknownSettingError for a `HOMECARE_*` variable or an argument that names no setting
    (D9). Times are whole seconds.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        repr=False,
        description="sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB?OPTIONS",
    )
    cipher_key: SecretStr | None = Field(
        None, description="Base64 AES key (16, 24 or 32 bytes): events encrypted at rest (D8)."
    )
    pool_size: Whole = Field(5, ge=1, le=1000, description="PostgreSQL connections kept open.")
    max_overflow: Whole = Field(10, ge=0, le=1000, description="Extra connections under load.")
    connect_timeout: Whole = Field(5, ge=1, le=600, description="Seconds to wait for a connection.")
    lock_timeout: Whole = Field(30, ge=1, le=3600, description="Seconds a writer waits to write.")
    api_tokens: SecretStr | None = Field(
        None, description="`homecare serve`'s tokens: NAME=SECRET:drain,NAME=SECRET:read."
    )
    poll_token: SecretStr | None = Field(None, description="`homecare poll`'s bearer token.")
    db_schema: str | None = Field(
        None,
        description="The PostgreSQL schema holding every homecare table (none: the server's "
        "default, usually public); lower case, not pg_*.",
    )
    lag_threshold: Whole = Field(
        1000, ge=0, description="Events a projection may lag before /health/ready fails."
    )
    stall_seconds: Decimal = Field(
        60.0,
        gt=0,
        description="Seconds a lagging projection may stand still, with no worker alive, "
        "before /health/ready calls it stopped.",
    )
    saturday_is_holiday: bool = Field(
        True,
        description="R14: a payment run on a Saturday is a holiday run at 10:00 (our reading "
        "of the city's rule); false: a weekday run at 18:00.",
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise refusal(error, given=set(values), fields=type(self).model_fields) from None

    @classmethod
    def load(cls, **explicit: Any) -> Settings:
        """From `explicit` arguments (None means "not given"), then the environment, defaults."""
        return cls(**{key: value for key, value in explicit.items() if value is not None})

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file and no secrets_dir: the *_FILE variables are the one way to files.
        # UnknownVariables and Spellings read nothing: they refuse a misspelt variable and
        # one set under two spellings first (D9).
        explicit = set(getattr(init_settings, "init_kwargs", {}))
        return (
            UnknownVariables(settings_cls),
            Spellings(settings_cls, explicit),
            init_settings,
            env_settings,
            SecretFiles(settings_cls, explicit),
        )

    @field_validator("database_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        parse_url(value)
        return value

    @field_validator("cipher_key")
    @classmethod
    def _valid_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_key(value.get_secret_value())
        return value

    @field_validator("poll_token")
    @classmethod
    def _valid_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not is_bearer_token(value.get_secret_value()):
            raise ValueError(f"a bearer token is {BEARER_RULE}")
        return value

    @field_validator("db_schema")
    @classmethod
    def _valid_schema(cls, value: str | None) -> str | None:
        if value is not None and (not _SCHEMA.fullmatch(value) or value.startswith("pg_")):
            raise ValueError(
                "expected a lower-case name of letters a-z, digits and _ (PostgreSQL folds "
                "unquoted names to lower case), not starting with a digit or pg_ (reserved)"
            )
        return value

    @model_validator(mode="after")
    def _agree(self) -> Settings:
        """Settings that would be silently ignored, or overridden by the URL, are refused."""
        # `setting` names the setting to unset: the error names where its value came from.
        if self.db_schema is not None and self.is_sqlite:
            raise PydanticCustomError(
                "settings_disagree",
                "names a PostgreSQL schema, and the store is SQLite, which has none: unset it.",
                {"setting": "db_schema"},
            )
        if "connect_timeout" in self.url.query and "connect_timeout" in self.model_fields_set:
            raise PydanticCustomError(
                "settings_disagree",
                "set twice, as this setting and as the database URL's ?connect_timeout=: keep one.",
                {"setting": "connect_timeout"},
            )
        return self

    # -- what the store is ------------------------------------------------

    @property
    def url(self) -> URL:
        """The SQLAlchemy URL, driver made explicit (sqlite+pysqlite, postgresql+psycopg)."""
        return parse_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def redacted_url(self) -> str:
        """The URL as given, every secret masked (the password, `?password=`, ...;
        `homecare._sql.store_url`), for messages an operator reads."""
        return redact_url(self.database_url)

    def postgres_connect_kwargs(self) -> dict[str, Any]:
        """libpq keywords from the whole URL, for the event store and the read side alike."""
        return postgres_connect_kwargs(self.url, connect_timeout=self.connect_timeout)

    def eventsourcing_environment(self) -> dict[str, str]:
        """The environment of eventsourcing's Application: from these settings alone.

        Every setting the library reads is named, so none falls back to a default
        that another version might change. Pinned: no database functions on
        PostgreSQL (they skip the table lock that keeps notification ids in commit
        order: gap safety, D2), the tables are ours to create, no snapshots, no
        cache, our transcoder and mapper, AES only when a key is set.
        """
        key = self.cipher_key.get_secret_value() if self.cipher_key else ""
        env = {
            "TRANSCODER_TOPIC": "",
            "MAPPER_TOPIC": "",
            "CIPHER_TOPIC": "eventsourcing.cipher:AESCipher" if key else "",
            "CIPHER_KEY": key,
            "COMPRESSOR_TOPIC": "",
            "IS_SNAPSHOTTING_ENABLED": "n",
            "APPLICATION_RECORDER_TOPIC": "",
            "TRACKING_RECORDER_TOPIC": "",
            "PROCESS_RECORDER_TOPIC": "",
            # Tables are created only by `homecare db init` (Alembic migrations,
            # homecare.schema): the recorder never creates or alters one itself.
            "CREATE_TABLE": "n",
            "SINGLE_ROW_TRACKING": "y",
            "ORIGINATOR_ID_TYPE": "uuid",
            "AGGREGATE_CACHE_MAXSIZE": "",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            "AGGREGATE_CACHE_FASTFORWARD_SKIPPING": "n",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        }
        return env | (self._sqlite_environment() if self.is_sqlite else self._postgres_env())

    def _sqlite_environment(self) -> dict[str, str]:
        database = self.url.database
        assert database is not None
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            # A URI opened read-write: sqlite3 never creates a missing file.
            "SQLITE_DBNAME": f"file:{quote(str(Path(database).resolve()))}?mode=rw",
            "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout),
        }

    def _postgres_env(self) -> dict[str, str]:
        # The pool's connection keywords are then replaced by the whole URL's
        # (homecare._es.application.EventStore.construct_factory); these satisfy the factory.
        url = self.url
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database or "",
            "POSTGRES_HOST": url.host or "",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_GET_PASSWORD_TOPIC": "",
            "POSTGRES_CONNECT_TIMEOUT": str(self.connect_timeout),
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
            "POSTGRES_MAX_WAITING": "0",
            "POSTGRES_CONN_MAX_AGE": "3600",
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
            "POSTGRES_SCHEMA": self.db_schema or "",
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }


def is_bearer_token(text: str) -> bool:
    """Whether `text` can be sent and matched as `Authorization: Bearer TEXT` (`BEARER_RULE`):
    the one rule for `poll_token` and for the secrets of `api_tokens` (`homecare.http.tokens`),
    so a server never accepts a secret its clients cannot send."""
    return _BEARER.fullmatch(text) is not None


def _check_key(key: str) -> None:
    try:
        raw = b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInputError("The cipher key must be base64 text.") from None
    if len(raw) not in (16, 24, 32):
        raise InvalidInputError("The cipher key must decode to 16, 24 or 32 bytes (AES).")
