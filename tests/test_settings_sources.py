"""D9: a bad setting is refused when the settings are read, naming where it came from.

Never later, where the setting is used (`privacy cull`, `homecare poll`'s first request,
`db init`), never blamed on another variable (HOMECARE_CIPHER_KEY for what
HOMECARE_CIPHER_KEY_FILE held), never silently overridden or ignored.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher

from homecare import InvalidInputError, Settings
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner

KEY = AESCipher.create_key(16)
SQLITE = "sqlite:///x.db"
PG = "postgresql+psycopg://u@h/db"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CIPHER_KEY", "API_TOKENS", "POLL_TOKEN"):
        for variable in (f"HOMECARE_{name}", f"HOMECARE_{name}_FILE", f"homecare_{name.lower()}"):
            monkeypatch.delenv(variable, raising=False)
    for name in ("DATABASE_URL", "CONNECT_TIMEOUT", "DB_SCHEMA", "CULLING_LEGAL_BASIS"):
        monkeypatch.delenv(f"HOMECARE_{name}", raising=False)


def _refused(**explicit: object) -> str:
    with pytest.raises(InvalidInputError) as caught:
        Settings.load(**explicit)
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- a secret file is named as the source -----------------------------------------


@pytest.mark.parametrize("content", ["", "\n"])
def test_an_empty_secret_file_names_its_FILE_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    (tmp_path / "key").write_text(content, encoding="utf-8")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "key"))
    message = _refused()
    assert "HOMECARE_CIPHER_KEY_FILE" in message
    assert "is empty" in message


def test_a_malformed_secret_from_a_file_names_the_FILE_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text("not base64 hunter2!\n", encoding="utf-8")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "key"))
    message = _refused()
    assert "Setting cipher_key (HOMECARE_CIPHER_KEY_FILE): The cipher key must be base64" in message
    assert "hunter2" not in message


def test_a_secret_in_both_its_variable_in_lower_case_and_a_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """pydantic-settings reads `homecare_cipher_key` too: it is the variable, set twice;
    named as it is spelt."""
    (tmp_path / "key").write_text(KEY, encoding="utf-8")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("homecare_cipher_key", AESCipher.create_key(16))
    assert "Both homecare_cipher_key and HOMECARE_CIPHER_KEY_FILE" in _refused()


# -- values checked when read, not when used --------------------------------------


@pytest.mark.parametrize("value", ["Lag\x1b[31m 2001:453", "   ", "a\nb"])
def test_a_legal_basis_that_no_culling_could_record_is_refused_at_load(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """It was refused only at `privacy cull`, without naming the setting."""
    monkeypatch.setenv("HOMECARE_CULLING_LEGAL_BASIS", value)
    message = _refused()
    assert "culling_legal_basis (HOMECARE_CULLING_LEGAL_BASIS)" in message


def test_a_legal_basis_is_kept_as_a_culling_records_it() -> None:
    settings = Settings(database_url=SQLITE, culling_legal_basis="  SoL 26 kap. 7 §  ")
    assert settings.retention_policy().legal_basis == "SoL 26 kap. 7 §"


@pytest.mark.parametrize("token", ["abc\x1bdefghijklmnop", "abcdéfghijklmnopq", "two words"])
def test_a_poll_token_no_request_could_carry_is_refused_at_load(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """It failed at the first request: an escape was sent, an 'é' was an internal_error."""
    monkeypatch.setenv("HOMECARE_POLL_TOKEN", token)
    message = _refused()
    assert "poll_token (HOMECARE_POLL_TOKEN)" in message
    assert token not in message


def test_poll_refuses_such_a_token_given_as_an_option_in_one_line(tmp_path: Path) -> None:
    result = separate_streams_runner().invoke(
        cli_app,
        ["poll", "--url", "http://127.0.0.1:9", "--token", "tokén-0123456789", "--once"],
    )
    assert_one_line_error(result, "invalid_input", "poll_token")


@pytest.mark.parametrize("schema", ["Homecare", "HOMECARE", "pg_homecare"])
def test_a_schema_postgresql_would_fold_or_refuse_is_refused_at_load(schema: str) -> None:
    """`Homecare` was created quoted by `db init` and then looked up folded to lower case
    (`no schema has been selected`); `pg_*` failed at `db init` as a reserved name."""
    assert "db_schema" in _refused(database_url=PG, db_schema=schema)


def test_a_schema_with_a_sqlite_store_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has no schemas: `db init` failed with sqlite3's `unknown database x`."""
    monkeypatch.setenv("HOMECARE_DB_SCHEMA", "homecare")
    message = _refused(database_url=SQLITE)
    assert "HOMECARE_DB_SCHEMA" in message
    assert "SQLite" in message
    assert "Setting settings" not in message
    assert Settings(database_url=PG).db_schema == "homecare"


def test_a_connect_timeout_in_both_the_url_and_the_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The URL's silently won over HOMECARE_CONNECT_TIMEOUT."""
    url = f"{PG}?connect_timeout=10"
    assert Settings(database_url=url).postgres_connect_kwargs()["connect_timeout"] == "10"
    assert (
        Settings(database_url=PG, connect_timeout=3).postgres_connect_kwargs()["connect_timeout"]
        == 3
    )
    monkeypatch.setenv("HOMECARE_CONNECT_TIMEOUT", "3")
    message = _refused(database_url=url)
    assert "connect_timeout" in message
    assert "HOMECARE_CONNECT_TIMEOUT" in message
