"""D9: one source of configuration: explicit arguments, then HOMECARE_* variables, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher

from homecare import InvalidInputError, Settings, UnknownSettingError
from homecare.settings import DEFAULT_DATABASE_URL

K1 = AESCipher.create_key(16)
K2 = AESCipher.create_key(32)
OURS = (
    "DATABASE_URL",
    "CIPHER_KEY",
    "CIPHER_KEY_FILE",
    "POOL_SIZE",
    "MAX_OVERFLOW",
    "CONNECT_TIMEOUT",
    "LOCK_TIMEOUT",
    "API_TOKENS",
    "API_TOKENS_FILE",
    "POLL_TOKEN",
    "POLL_TOKEN_FILE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OURS:
        monkeypatch.delenv(f"HOMECARE_{name}", raising=False)


def test_D9_defaults_without_anything_set() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.cipher_key is None
    assert (settings.pool_size, settings.max_overflow) == (5, 10)
    assert (settings.connect_timeout, settings.lock_timeout) == (5, 30)


def test_D9_the_environment_wins_over_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMECARE_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY", K1)
    monkeypatch.setenv("HOMECARE_POOL_SIZE", "7")
    monkeypatch.setenv("HOMECARE_MAX_OVERFLOW", "0")
    settings = Settings.load()
    assert settings.database_url == "sqlite:///from-env.db"
    assert settings.cipher_key is not None
    assert settings.cipher_key.get_secret_value() == K1
    assert (settings.pool_size, settings.max_overflow) == (7, 0)


def test_D9_explicit_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMECARE_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY", K1)
    settings = Settings.load(database_url="sqlite:///explicit.db", cipher_key=K2)
    assert settings.database_url == "sqlite:///explicit.db"
    assert settings.cipher_key is not None
    assert settings.cipher_key.get_secret_value() == K2
    env = settings.eventsourcing_environment()
    assert env["CIPHER_KEY"] == K2
    # opened read-write as a URI, so that a read never creates the file (issue 11 item 3)
    assert env["SQLITE_DBNAME"].endswith("explicit.db?mode=rw")


def test_D9_None_means_not_given_and_an_empty_variable_means_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMECARE_DATABASE_URL", "")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY", "")
    settings = Settings.load(database_url=None, cipher_key=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.cipher_key is None


def test_D9_a_secret_is_read_from_the_file_its_FILE_variable_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text(K1 + "\n", encoding="utf-8")
    (tmp_path / "tokens").write_text("city=" + "s" * 20 + ":drain", encoding="utf-8")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("HOMECARE_API_TOKENS_FILE", str(tmp_path / "tokens"))
    settings = Settings.load()
    assert settings.cipher_key is not None
    assert settings.cipher_key.get_secret_value() == K1
    assert settings.api_tokens is not None
    assert settings.api_tokens.get_secret_value() == "city=" + "s" * 20 + ":drain"
    explicit = Settings.load(cipher_key=K2).cipher_key
    assert explicit is not None
    assert explicit.get_secret_value() == K2


def test_D9_a_secret_in_both_its_variable_and_a_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text(K1, encoding="utf-8")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("HOMECARE_CIPHER_KEY", K2)
    with pytest.raises(InvalidInputError, match=r"Both HOMECARE_CIPHER_KEY and .*_FILE"):
        Settings.load()
    explicit = Settings.load(cipher_key=K2).cipher_key  # an explicit key settles it
    assert explicit is not None
    assert explicit.get_secret_value() == K2


def test_D9_an_unreadable_secret_file_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(InvalidInputError, match="HOMECARE_CIPHER_KEY_FILE: cannot read"):
        Settings.load()


def test_D8_secrets_never_appear_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://u:hunter2-secret@db/x"
    settings = Settings.load(database_url=url, cipher_key=K1)
    assert K1 not in repr(settings)
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in settings.redacted_url
    monkeypatch.setenv("HOMECARE_CIPHER_KEY", "not base64 hunter2!")
    with pytest.raises(InvalidInputError) as error:
        Settings.load()
    assert "hunter2" not in str(error.value)
    assert "cipher_key" in str(error.value)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("HOMECARE_POOL_SIZE", "many", "pool_size"),
        ("HOMECARE_POOL_SIZE", "0", "pool_size"),
        ("HOMECARE_MAX_OVERFLOW", "-1", "max_overflow"),
        ("HOMECARE_CONNECT_TIMEOUT", "1.5", "connect_timeout"),
        # digits only: pydantic's lax mode would read each of these as a whole number
        ("HOMECARE_POOL_SIZE", "5.0", "pool_size"),
        ("HOMECARE_POOL_SIZE", "2_0", "pool_size"),
        ("HOMECARE_POOL_SIZE", "+7", "pool_size"),
        ("HOMECARE_LOCK_TIMEOUT", " 30", "lock_timeout"),
        ("HOMECARE_LAG_THRESHOLD", "1e3", "lag_threshold"),
        ("HOMECARE_RETENTION_YEARS", "5.0", "retention_years"),
        ("HOMECARE_STALL_SECONDS", "1_0", "stall_seconds"),
        ("HOMECARE_STALL_SECONDS", "inf", "stall_seconds"),
        ("HOMECARE_STALL_SECONDS", "nan", "stall_seconds"),
        ("HOMECARE_LOCK_TIMEOUT", "0", "lock_timeout"),
        ("HOMECARE_DATABASE_URL", "mysql://u@h/db", "Unsupported database"),
        ("HOMECARE_DATABASE_URL", "postgresql://u@h:1,h2:2/db", "Malformed database URL"),
        ("HOMECARE_DATABASE_URL", "sqlite:///x.db?mode=ro", "takes no options"),
    ],
)
def test_D9_a_malformed_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInputError) as error:
        Settings.load()
    assert named in str(error.value)
    assert "\n" not in str(error.value)


def test_D9_an_unknown_setting_is_refused() -> None:
    with pytest.raises(UnknownSettingError) as error:
        Settings(database_url="sqlite:///x.db", cipher_keys=K1)
    assert "'cipher_keys' (did you mean cipher_key?)" in str(error.value)
    assert error.value.code == "unknown_setting"


def test_D9_the_whole_postgres_url_becomes_the_connection_keywords() -> None:
    """User and password with special characters, a Unix socket and options (sslmode)."""
    url = (
        "postgresql+psycopg://hc%20user%40x:p%40ss%3Aw%2Frd%3F%23%25@/homecare"
        "?host=/var/run/postgresql&sslmode=disable&application_name=hc"
    )
    kwargs = Settings.load(database_url=url, connect_timeout=3).postgres_connect_kwargs()
    assert kwargs == {
        "user": "hc user@x",
        "password": "p@ss:w/rd?#%",
        "host": "/var/run/postgresql",
        "dbname": "homecare",
        "sslmode": "disable",
        "application_name": "hc",
        "connect_timeout": 3,
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [("nosuchoption=1", "does not know"), ("sslmode=disable&sslmode=require", "repeats")],
)
def test_D9_a_postgres_option_libpq_does_not_know_is_refused_before_connecting(
    query: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):  # a repeat: by the settings
        Settings.load(database_url=f"postgresql+psycopg://u@h/db?{query}").postgres_connect_kwargs()


def test_D9_libpq_variables_the_url_does_not_name_are_pinned_to_libpq_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable, value in {
        "PGHOST": "/nonexistent",
        "PGPORT": "1",
        "PGUSER": "nobody",
        "PGOPTIONS": "-c search_path=elsewhere",
        "PGSSLMODE": "require",
        "PGTARGETSESSIONATTRS": "read-only",
    }.items():
        monkeypatch.setenv(variable, value)
    kwargs = Settings.load(database_url="postgresql+psycopg://u@h/db").postgres_connect_kwargs()
    assert kwargs["host"] == "h"
    assert kwargs["user"] == "u"
    assert kwargs["port"] == "5432"
    assert kwargs["options"] == ""
    assert kwargs["sslmode"] == "prefer"
    assert kwargs["target_session_attrs"] == "any"


def test_D9_a_libpq_variable_that_cannot_be_pinned_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGSERVICE", "elsewhere")
    settings = Settings.load(database_url="postgresql+psycopg://u@h/db")
    with pytest.raises(InvalidInputError, match="PGSERVICE is set"):
        settings.postgres_connect_kwargs()
    with_it = Settings.load(database_url="postgresql+psycopg://u@h/db?service=mine")
    assert with_it.postgres_connect_kwargs()["service"] == "mine"


def test_D9_every_library_setting_our_guarantees_depend_on_is_pinned() -> None:
    pg = Settings.load(database_url="postgresql+psycopg://u@h/db").eventsourcing_environment()
    assert pg["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"  # the table lock: gap safety
    assert pg["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert pg["CREATE_TABLE"] == "n"
    assert pg["IS_SNAPSHOTTING_ENABLED"] == "n"
    assert pg["CIPHER_TOPIC"] == ""
    assert pg["COMPRESSOR_TOPIC"] == ""
    sealed = Settings.load(database_url="sqlite:///x.db", cipher_key=K1)
    env = sealed.eventsourcing_environment()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert (env["CIPHER_TOPIC"], env["CIPHER_KEY"]) == ("eventsourcing.cipher:AESCipher", K1)
    assert not any(name.startswith("HOMECARE_") for name in env)


def test_D9_postgres_url_spellings_all_mean_psycopg() -> None:
    for scheme in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        url = Settings.load(database_url=f"{scheme}://u@h:5433/db").url
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.port, url.database) == ("h", 5433, "db")


def test_a_bad_value_is_blamed_on_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `--db` (or keyword) value is not blamed on HOMECARE_DATABASE_URL, and vice versa."""
    monkeypatch.setenv("HOMECARE_DATABASE_URL", "sqlite:///fine.db")
    with pytest.raises(InvalidInputError) as given:
        Settings(database_url="bogus://")
    assert "Setting database_url (as given): Unsupported database 'bogus'" in str(given.value)
    monkeypatch.setenv("HOMECARE_DATABASE_URL", "bogus://")
    with pytest.raises(InvalidInputError) as from_env:
        Settings()
    assert "(HOMECARE_DATABASE_URL): Unsupported database 'bogus'" in str(from_env.value)


@pytest.mark.parametrize("value", [5.0, True, "5.0"])
def test_D9_a_count_given_as_a_float_or_bool_is_refused(value: object) -> None:
    with pytest.raises(InvalidInputError, match="pool_size"):
        Settings(database_url="sqlite:///x.db", pool_size=value)


def test_D9_a_count_in_digits_or_as_an_int_is_taken() -> None:
    settings = Settings(database_url="sqlite:///x.db", pool_size="7", max_overflow=3)
    assert (settings.pool_size, settings.max_overflow) == (7, 3)


def test_D9_seconds_in_digits_with_a_fraction_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMECARE_STALL_SECONDS", "0.5")
    assert Settings.load().stall_seconds == 0.5
    with pytest.raises(InvalidInputError, match="stall_seconds"):
        Settings(database_url="sqlite:///x.db", stall_seconds=float("inf"))
