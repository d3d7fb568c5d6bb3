"""D9: a variable set under two spellings is refused; an error names the variable read.

pydantic-settings reads a name in any case, so `HOMECARE_DATABASE_URL=sqlite:///upper.db
homecare_database_url=sqlite:///lower.db homecare db init` created the store at
lower.db without a word, and `HOMECARE_POOL_SIZE=3 homecare_pool_size=x` was refused
blaming HOMECARE_POOL_SIZE, whose 3 is fine. Now two spellings are refused (even with one
value: which is meant cannot be guessed) in one line naming both, never a value; one
spelling alone is read (docs/configuration.md: case-insensitive) and named as spelt.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from homecare import InvalidInputError, Settings
from homecare._settings_sources import TOOLS_PREFIX
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner

KEY, OTHER_KEY = "v9jZo4loXBa0QzGF53ngsA==", "Elf5whitSAhvV55IT9GVRQ=="  # fixed: test ids (xdist)
TOKENS = "city=0123456789abcdef:drain"


@pytest.fixture(autouse=True)
def no_homecare_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets; in a folder of its own (a store created would be seen)."""
    for name in list(os.environ):
        if name.upper().startswith("HOMECARE_") and not name.upper().startswith(TOOLS_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _refused() -> str:
    with pytest.raises(InvalidInputError) as caught:
        Settings.load()
    assert caught.value.code == "invalid_input"
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("variable", "upper", "lower"),
    [
        ("HOMECARE_DATABASE_URL", "sqlite:///upper.db", "sqlite:///lower.db"),
        ("HOMECARE_POOL_SIZE", "3", "x"),
        ("HOMECARE_CIPHER_KEY", KEY, OTHER_KEY),
        ("HOMECARE_API_TOKENS", TOKENS, "read=fedcba9876543210:read"),
        ("HOMECARE_POLL_TOKEN", "0123456789abcdef", "fedcba9876543210"),
        ("HOMECARE_SATURDAY_IS_HOLIDAY", "true", "true"),  # even with one value
    ],
)
def test_a_variable_in_two_spellings_is_refused_naming_both_and_no_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, upper: str, lower: str
) -> None:
    monkeypatch.setenv(variable, upper)
    monkeypatch.setenv(variable.lower(), lower)
    message = _refused()
    assert message == (
        f"{variable} and {variable.lower()} are both set: they name one variable (a name is "
        "read in any case); keep one."
    )
    assert upper not in message
    assert lower not in message


def test_a_secrets_FILE_variable_in_two_spellings_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text(KEY, encoding="utf-8")
    monkeypatch.setenv("HOMECARE_CIPHER_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("Homecare_Cipher_Key_File", str(tmp_path / "key"))
    message = _refused()
    assert "HOMECARE_CIPHER_KEY_FILE and Homecare_Cipher_Key_File are both set" in message


def test_three_spellings_are_all_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOMECARE_POOL_SIZE", "homecare_pool_size", "Homecare_Pool_Size"):
        monkeypatch.setenv(name, "3")
    assert _refused().startswith(
        "HOMECARE_POOL_SIZE, Homecare_Pool_Size and homecare_pool_size are all set"
    )


def test_db_init_with_two_spellings_of_the_url_creates_no_store(tmp_path: Path) -> None:
    env = {
        "HOMECARE_DATABASE_URL": "sqlite:///upper.db",
        "homecare_database_url": "sqlite:///lower.db",
    }
    result = separate_streams_runner(env).invoke(cli_app, ["db", "init"])
    assert_one_line_error(
        result, "invalid_input", "HOMECARE_DATABASE_URL and homecare_database_url are both set"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_one_spelling_alone_is_read_and_an_error_names_it_as_spelt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("homecare_pool_size", "4")
    assert Settings.load().pool_size == 4
    monkeypatch.setenv("homecare_pool_size", "x")
    assert _refused().startswith("Setting pool_size (homecare_pool_size): ")


def test_a_secret_from_a_FILE_variable_in_lower_case_is_named_as_spelt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text("not base64 hunter2!\n", encoding="utf-8")
    monkeypatch.setenv("homecare_cipher_key_file", str(tmp_path / "key"))
    message = _refused()
    assert message.startswith("Setting cipher_key (homecare_cipher_key_file): ")
    assert "hunter2" not in message
    monkeypatch.setenv("HOMECARE_CIPHER_KEY", KEY)
    assert _refused() == "Both HOMECARE_CIPHER_KEY and homecare_cipher_key_file are set: keep one."


def test_an_empty_second_spelling_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """As an empty variable does: the one with a value is read, whichever comes first."""
    monkeypatch.setenv("HOMECARE_POOL_SIZE", "")
    monkeypatch.setenv("homecare_pool_size", "4")
    monkeypatch.setenv("HOMECARE_LAG_THRESHOLD", "7")
    monkeypatch.setenv("homecare_lag_threshold", "")
    settings = Settings.load()
    assert (settings.pool_size, settings.lag_threshold) == (4, 7)


def test_a_setting_given_as_an_argument_does_not_look_at_its_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An argument wins and the environment is not consulted for it (as for a secret's
    variable and its _FILE): the CLI's --db with two spellings of the URL set."""
    monkeypatch.setenv("HOMECARE_DATABASE_URL", "sqlite:///upper.db")
    monkeypatch.setenv("homecare_database_url", "sqlite:///lower.db")
    assert Settings.load(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"
    assert "HOMECARE_DATABASE_URL and homecare_database_url" in _refused()


def test_a_name_only_unicode_case_folds_to_a_setting_is_refused_not_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`homecare_c\u0131pher_key` (a dotless i) is HOMECARE_CIPHER_KEY in upper case, which the
    unknown-variable check compared, but not in lower case, which pydantic-settings
    compares: it was taken as known and never read, leaving the store unencrypted."""
    monkeypatch.setenv("homecare_c\u0131pher_key", KEY)
    with pytest.raises(InvalidInputError) as caught:
        Settings.load()
    assert caught.value.code == "unknown_setting"
    assert "'homecare_c\\u0131pher_key'" in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "url", "expected"),
    [
        (
            "homecare_db_schema",
            "homecare",
            "sqlite:///x.db",
            "Setting db_schema (homecare_db_schema): names a PostgreSQL schema, and the store "
            "is SQLite, which has none: unset it.",
        ),
        (
            "Homecare_Connect_Timeout",
            "4",
            "postgresql+psycopg://u@h/db?connect_timeout=3",
            "Setting connect_timeout (Homecare_Connect_Timeout): set twice, as this setting and "
            "as the database URL's ?connect_timeout=: keep one.",
        ),
    ],
)
def test_two_settings_that_disagree_name_the_one_to_change_as_it_was_read(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, url: str, expected: str
) -> None:
    """They named HOMECARE_DB_SCHEMA and "HOMECARE_CONNECT_TIMEOUT or an argument" whatever
    was read, and began "Settings:" as if no one setting were to blame."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInputError) as caught:
        Settings.load(database_url=url)
    assert str(caught.value) == expected
    monkeypatch.delenv(variable)
    name = variable.lower().removeprefix("homecare_")
    with pytest.raises(InvalidInputError) as caught:
        Settings(database_url=url, **{name: value})
    assert str(caught.value).startswith(f"Setting {name} (as given): ")
