"""R14 from the command line: `buffer deadline` for cron, `buffer month-report`."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from homecare.bootstrap import connect
from homecare.cli.month import EXIT_AT_RISK
from homecare.domain.assignment import Assignment, AssignmentStatus
from homecare.domain.payment_run import CALENDAR_YEARS, FIRST_PAID_MONTH, LAST_PAID_MONTH
from tests.cli.conftest import Cli, assert_one_line_error
from tests.conftest import ACTOR
from tests.scenario import Scenario

BEFORE = "2026-04-06T09:00"  # Stockholm time, an hour before March's run (Easter Monday)


def test_r14_buffer_deadline_exits_non_zero_until_fixed_and_fetched(cli: Cli) -> None:
    with connect(cli.url) as hc:
        world = Scenario(hc.app)
        no_sd = world.staff(sd_number=False)
        world.visit(world.customer(), no_sd)
    held = cli("buffer", "deadline", "--month", "2026-03", "--now", BEFORE)
    assert held.exit_code == EXIT_AT_RISK, held.stdout
    assert "2026-04-06 10:00" in held.stdout
    assert "Annandag påsk" in held.stdout
    assert "staff_missing_sd_number" in held.stdout
    assert "Time left: 0 d 1 h 0 min" in held.stdout
    shown = json.loads(
        cli("buffer", "deadline", "--month", "2026-03", "--now", BEFORE, "--json").stdout
    )
    assert (shown["status"], shown["not_delivered"]) == ("at_risk", 1)
    assert shown["groups"][0]["reason"] == "staff_missing_sd_number"
    with connect(cli.url) as hc:
        hc.app.update_staff(no_sd, sd_number="SD-1", actor=ACTOR, at=world.tick())
    queued = cli("buffer", "deadline", "--month", "2026-03", "--now", BEFORE)
    assert queued.exit_code == EXIT_AT_RISK
    assert "queued" in queued.stdout
    first = json.loads(cli.ok("buffer", "fetch").stdout)
    cli.ok("buffer", "fetch", "--after", first["cursor"])  # the city's next fetch: the receipt
    clear = cli.ok("buffer", "deadline", "--month", "2026-03", "--now", BEFORE)
    assert "Clear" in clear.stdout


def test_r14_buffer_deadline_bad_month_is_one_line(cli: Cli) -> None:
    assert_one_line_error(cli("buffer", "deadline", "--month", "2026-13"), "Malformed month")
    assert_one_line_error(cli("buffer", "deadline", "--now", "soon"), "--now time")


def test_r14_month_report_as_table_json_and_csv(cli: Cli) -> None:
    with connect(cli.url) as hc:
        world = Scenario(hc.app)
        staff = world.staff()
        world.visit(world.customer(), staff)
        world.visit(world.customer(), staff)
        hc.catch_up()
        run = datetime(2026, 4, 6, 8, tzinfo=UTC)
        first = hc.buffer.fetch(limit=1, at=run - timedelta(days=1))
        hc.buffer.fetch(after=first.cursor, at=run - timedelta(days=1))
    shown = cli.ok("buffer", "month-report", "2026-03")
    assert "Team 0" in shown.stdout
    assert "Team 1" in shown.stdout
    data = cli.json("buffer", "month-report", "2026-03", "--json")
    assert data["total"]["visits_delivered_before_run"] == 1
    assert data["total"]["visits_queued"] == 1
    rows = list(
        csv.DictReader(io.StringIO(cli.ok("buffer", "month-report", "2026-03", "--csv").stdout))
    )
    assert [r["organisation"] for r in rows] == ["Team 0", "Team 1", "(all)"]
    assert rows[-1]["visits_confirmed"] == "2"
    assert rows[0]["performed_hours_in_time"] == "0.5"


def test_r12_pauses_reconcile_exits_non_zero_on_a_difference(cli: Cli) -> None:
    with connect(cli.url) as hc:
        world = Scenario(hc.app)
        customer = world.customer()
        world.pause(
            "customer",
            customer.id,
            datetime(2026, 3, 10, 9, tzinfo=UTC),
            datetime(2026, 3, 12, 9, tzinfo=UTC),
        )
    later = "2026-06-01T00:00"
    differs = cli("pauses", "reconcile", "--now", later)
    assert differs.exit_code == EXIT_AT_RISK, differs.stdout
    assert "DIFFERENT 2026-03-10..2026-03-12: missing at city, cause queued" in differs.stdout
    first = json.loads(cli.ok("buffer", "fetch").stdout)
    cli.ok("buffer", "fetch", "--after", first["cursor"])
    same = cli.ok("pauses", "reconcile", "--now", later, "--customer", str(customer.id))
    assert "no differences" in same.stdout
    assert "inactivated pause" in same.stdout
    data = cli.json("pauses", "reconcile", "--now", later, "--month", "2026-03", "--json")
    assert data["differences"] == 0
    assert data["customers"][0]["city_holds"] == [
        {"first_day": "2026-03-10", "last_day": "2026-03-12"}
    ]
    assert_one_line_error(cli("pauses", "reconcile", "--customer", "nope"), "customer id")


def test_r15_assignments_decline_from_the_command_line(cli: Cli) -> None:
    with connect(cli.url) as hc:
        world = Scenario(hc.app)
        visit = world.visit(world.customer(), world.staff(), until="attested")
    done = cli.ok(
        "assignments",
        "decline",
        str(visit),
        "--by",
        "Anna",
        "--actor",
        "karin",
        "--when",
        "2026-03-02T09:55",
        "--reason",
        "not today",
    )
    assert "recorded as declined" in done.stdout
    with connect(cli.url) as hc:
        declined = hc.app.get(Assignment, visit)
        assert (declined.status, declined.declined_by) == (AssignmentStatus.DECLINED, "Anna")
        assert declined.decline_reason == "not today"
    assert_one_line_error(
        cli("assignments", "decline", "nope", "--by", "Anna", "--actor", "karin"), "assignment id"
    )
    assert_one_line_error(
        cli("assignments", "decline", str(visit), "--by", " ", "--actor", "karin"),
        "'--by'",
        "empty",
    )


def test_r14_month_report_json_and_csv_together_is_refused(cli: Cli) -> None:
    # The usage reads [--json | --csv]: both at once is bad input, not JSON silently.
    refused = cli("buffer", "month-report", "2026-03", "--json", "--csv")
    assert_one_line_error(refused, "invalid_input: Give --json or --csv, not both.")


def test_r14_out_of_range_month_is_shown_as_typed(cli: Cli) -> None:
    assert_one_line_error(cli("buffer", "deadline", "--month", "0001-01"), "Not a month: 0001-01;")


def test_r14_a_run_in_a_year_whose_holidays_are_unknown_is_refused(sqlite_cli: Cli) -> None:
    """2100-12 was paid on 2101-01-06 at 18:00, a "weekday": 6 January is Trettondedag
    jul, but the holidays package knows no Swedish holiday after 2100 (nor before 1953,
    with holidays 0.109: the years are the package's, CALENDAR_YEARS)."""
    after, before = str(LAST_PAID_MONTH.next()), str(FIRST_PAID_MONTH.previous())
    years = f"{CALENDAR_YEARS[0]}-{CALENDAR_YEARS[1]}"
    for args in (
        ("buffer", "deadline", "--month", after),
        ("buffer", "month-report", after),
        ("buffer", "deadline", "--month", before),
        # the month due next on 1 March of the year after: its February
        ("buffer", "deadline", "--now", f"{CALENDAR_YEARS[1] + 1}-03-01T12:00"),
    ):
        assert_one_line_error(sqlite_cli(*args), "invalid_input: No payment run can be", years)
    first = sqlite_cli.json("buffer", "deadline", "--month", str(FIRST_PAID_MONTH), "--json")
    assert first["run_at"].startswith(f"{CALENDAR_YEARS[0]}-01-06T10:00")  # Trettondedag jul
    last = sqlite_cli.json("buffer", "deadline", "--month", str(LAST_PAID_MONTH), "--json")
    assert last["run_at"].startswith(f"{CALENDAR_YEARS[1]}-12-06T")
    # reconciling pauses needs no run: any month homecare names
    assert sqlite_cli.json("pauses", "reconcile", "--month", "1940-01", "--json")["customers"] == []


def test_r12_pauses_reconcile_unknown_customer_is_not_found(cli: Cli) -> None:
    unknown = "0f8fad5b-d9cb-469f-a165-70867728950e"
    refused = cli("pauses", "reconcile", "--customer", unknown)
    assert_one_line_error(refused, f"not_found: No customer with id {unknown}.")
