"""The database URL's options as typed: every one `KEY=VALUE`, once, separated by '&';
none on SQLite; no fragment ('#') anywhere after the host.

Why as typed: SQLAlchemy's make_url drops an option without a value, so `?bogus` (while
`?bogus=1` was refused as unknown) and `?sslmode=disable&sslmode` (while a repeat with a
value was refused) were taken silently; `sqlite:///q?x.db` created the file `q`, which
`sqlite:///q?anything` opened again (docs/configuration.md: "SQLite takes no options",
"an unknown or repeated option is refused").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from homecare import InvalidInputError, Settings
from homecare._sql.store_url import parse_url, redact_url
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/db"
SECRET = "TOPSECRET"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (f"{PG}?bogus", "option 'bogus' has no value"),
        (f"{PG}?sslmode=", "option 'sslmode' has no value"),
        (f"{PG}?sslmode=disable&sslmode", "option 'sslmode' has no value"),
        (f"{PG}?sslmode=disable&sslmode=require", "repeats the option 'sslmode'"),
        (f"{PG}?sslmode=disable&ssl%6Dode=require", "repeats the option 'sslmode'"),
        (f"{PG}?", "an empty option"),
        (f"{PG}?sslmode=disable&", "an empty option"),
        (f"{PG}?&sslmode=disable", "an empty option"),
        (f"{PG}?sslmode=disable&&application_name=hc", "an empty option"),
        (f"{PG}?=disable", "an empty option"),
        (f"{PG}?sslmode=disable;application_name=hc", "separate options with '&'"),
        (f"{PG}?application_name=hc#part", "write a '#' in a value as %23"),
        (f"{PG}#part", "'#' in its database's name"),
        ("sqlite:///q?x.db", "takes no options (got 'x.db')"),
        ("sqlite:///q?anything", "takes no options (got 'anything')"),
        ("sqlite:///q?", "takes no options (got a bare '?')"),
        ("sqlite:///q?mode=ro", "takes no options (got 'mode')"),
        ("sqlite:///a#b.db", "'#' in its file's name"),
    ],
)
def test_an_option_make_url_would_drop_or_misread_is_refused(url: str, said: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(said)) as caught:
        Settings(database_url=url)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "database", "query"),
    [
        ("sqlite:///q%3Fx.db", "q?x.db", {}),
        ("sqlite:///a%23b.db", "a#b.db", {}),
        (f"{PG}?application_name=a%3Bb%23c", "db", {"application_name": "a;b#c"}),
        (f"{PG}?sslmode=disable&application_name=hc", "db", {"sslmode": "disable"}),
        ("postgresql+psycopg://u:p#w?rd@h/db?sslmode=disable", "db", {"sslmode": "disable"}),
    ],
)
def test_what_is_written_as_the_docs_say_is_taken(
    url: str, database: str, query: dict[str, str]
) -> None:
    """A '?' or '#' in a name is percent-encoded; one in the user part's password is the
    password's (SQLAlchemy reads it so, and libpq gets it as a keyword, not a URL)."""
    parsed = parse_url(url)
    assert parsed.database == database
    assert query.items() <= dict(parsed.query).items()


def test_an_option_without_a_value_is_shown_and_a_secret_never() -> None:
    url = f"{PG}?password={SECRET}&bogus&sslmode=disable"
    assert redact_url(url) == f"{PG}?password=***&bogus=&sslmode=disable"
    with pytest.raises(InvalidInputError) as caught:
        parse_url(url)
    assert SECRET not in str(caught.value)


def test_the_cli_refuses_an_option_without_a_value(postgres_database: str) -> None:
    """The reviewer's `homecare --db "$PG?bogus" db current` answered about the store."""
    for url in (f"{postgres_database}?bogus", f"{postgres_database}?sslmode=disable&sslmode"):
        result = separate_streams_runner().invoke(cli_app, ["--db", url, "db", "current"])
        assert_one_line_error(result, "invalid_input", "has no value")


def test_a_sqlite_url_with_a_question_mark_creates_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db init` on `sqlite:///q?x.db` created the file `q`; `%3F` names `q?x.db`."""
    monkeypatch.chdir(tmp_path)
    runner = separate_streams_runner()
    refused = runner.invoke(cli_app, ["--db", "sqlite:///q?x.db", "db", "init"])
    assert_one_line_error(refused, "invalid_input", "takes no options", "%3F")
    assert list(tmp_path.iterdir()) == []
    made = runner.invoke(cli_app, ["--db", "sqlite:///q%3Fx.db", "db", "init"])
    assert made.exit_code == 0, (made.stdout, made.stderr)
    assert (tmp_path / "q?x.db").is_file()
    assert not (tmp_path / "q").exists()
    checked = runner.invoke(cli_app, ["--db", "sqlite:///q%3Fx.db", "db", "check"])
    assert checked.exit_code == 0, (checked.stdout, checked.stderr)
    assert "sqlite:///q%3Fx.db" in checked.stdout
