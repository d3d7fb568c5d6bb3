"""Issue 11, item 6 and issue 17: every bad input to the CLI is one line, never a traceback.

Examples of the kind, with the right value: the month arithmetic at 9999-12,
instants before 0001-01-01 UTC, a period starting on 0001-01-01 (formerly a
`storage_error`), click's own usage errors (formerly a boxed panel, exit 2),
and a single-valued option given twice (formerly: the last one silently won).
"""

from __future__ import annotations

import pytest

from tests.cli.conftest import MARCH, Cli, assert_one_line_error

CUSTOMER = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_the_last_month_of_the_calendar_is_a_month(cli: Cli) -> None:
    out = cli.ok("buffer", "month", "9999-12").stdout
    assert "previous: 9999-11, next: none" in out
    assert cli.json("buffer", "month", "9999-12", "--json") == []
    assert "previous: none, next: 1900-02" in cli.ok("buffer", "month", "1900-01").stdout


def test_a_period_from_the_first_day_of_the_calendar_is_not_a_storage_error(cli: Cli) -> None:
    for first, last in (("0001-01-01", "0001-01-02"), ("0001-01-01", "9999-12-31")):
        assert cli.json("pauses", "list", "--from", first, "--to", last, "--json") == []
    assert cli.json("pauses", "previous-month", "--today", "0001-02-15", "--json") == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("buffer", "month", "0000-12"), "Malformed month"),
        (("buffer", "month", "1899-12"), "1900-01"),
        (("pauses", "previous-month", "--today", "0001-01-31"), "no month before"),
        (
            ("pauses", "list", *MARCH, "--now", "0001-01-01"),
            "outside the calendar",
        ),
        (
            (
                "pauses",
                "list",
                *MARCH,
                "--now",
                "9999-12-31T23:59:59-12:00",
            ),
            "outside the calendar",
        ),
        (("audit", "as-of", "0001-01-01T00:00", "--customer", CUSTOMER), "outside the calendar"),
        (("buffer", "deadline", "--now", "0001-01-01T02:00"), "calendar ends"),
        (("buffer", "deadline", "--month", "9999-12"), "invalid_input"),
        (("buffer", "month-report", "9999-12"), "invalid_input"),
        (("buffer", "fetch", "--after", "9" * 30), "invalid_cursor"),
        (("buffer", "fetch", "--after", "-1"), "invalid_cursor"),
        (("buffer", "fetch", "--after", "١٢"), "invalid_cursor"),
        (("buffer", "fetch", "--limit", "0"), "invalid_limit"),
        (("buffer", "fetch", "--limit", "9" * 30), "invalid_limit"),
    ],
)
def test_out_of_range_input_is_one_line(cli: Cli, args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(cli(*args), fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("buffer", "fetch", "--bogus"), "No such option: --bogus"),
        (("buffer", "nosuch"), "No such command 'nosuch'"),
        (("buffer", "month"), "Missing argument 'YYYY-MM'"),
        (("demo", "--customers", "0"), "'--customers'"),
        (("demo", "--customers", "many"), "'--customers'"),
        (("buffer", "fetch", "--limit", "ten"), "'--limit'"),
        (("serve", "--port", "70000"), "'--port'"),
        (("poll", "--url", "http://127.0.0.1:9"), "--token"),
        (("pauses", "list", "--from", "2026-03-01"), "Missing option '--to'"),
        (("buffer", "fetch", "--after", "3", "--after", "4"), "'--after' is given more than once"),
        (("buffer", "problems", "--json", "--json"), "'--json' is given more than once"),
        # numbers in digits only: click would read each of these as 20 (or take inf)
        (("buffer", "fetch", "--limit", "2_0"), "'--limit': must be a whole number"),
        (("buffer", "fetch", "--limit", "+20"), "'--limit': must be a whole number"),
        (("buffer", "fetch", "--limit", " 20"), "'--limit': must be a whole number"),
        (("demo", "--customers=2_0"), "'--customers': must be a whole number"),
        (("serve", "--port", "80_80"), "'--port': must be a whole number"),
        (("poll", "--url", "http://h", "--every", "inf"), "'--every': must be a number"),
        (("poll", "--url", "http://h", "--every", "nan"), "'--every': must be a number"),
        (("poll", "--url", "http://h", "--timeout", "1_0"), "'--timeout': must be a number"),
        (("privacy", "review", "--month", "2026-03", "--factor", "1e3"), "'--factor'"),
    ],
)
def test_usage_errors_are_in_the_one_error_style(
    sqlite_cli: Cli, args: tuple[str, ...], fragment: str
) -> None:
    result = sqlite_cli(*args)
    assert_one_line_error(result, "homecare: error: invalid_input: ", fragment)
    assert "╭" not in result.stderr
    assert "Usage:" not in result.stderr


def test_a_global_option_given_twice_is_refused(sqlite_cli: Cli) -> None:
    result = sqlite_cli("--db", sqlite_cli.url, "buffer", "problems")
    assert_one_line_error(result, "invalid_input", "'--db' is given more than once")


def test_help_is_not_an_error(sqlite_cli: Cli) -> None:
    assert (
        sqlite_cli.runner.invoke(__import__("homecare.cli.app").cli.app.app, ["--help"]).exit_code
        == 0
    )
    assert "Usage" in sqlite_cli("buffer", "--help").stdout


def test_a_bug_is_one_line_without_its_text(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last resort: an exception that is no HomecareError (a bug) is one line naming
    its type, never a traceback nor its message (which could hold personal data, D8)."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("196408233234 leaked")

    monkeypatch.setattr("homecare.outbox.store.Buffer.problems", broken)
    result = sqlite_cli("buffer", "problems")
    assert_one_line_error(result, "internal_error: an unexpected RuntimeError")
    assert "196408233234" not in result.stderr
