"""`homecare audit history | verify | as-of` (D1, D6), and the audit module underneath."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete, select, update

from homecare import audit
from homecare.bootstrap import connect
from homecare.outbox import tables as buffer_tables
from homecare.projections.pause_overview import overview_pauses
from tests.cli.conftest import MARCH, SMALL, Cli, assert_one_line_error

UNKNOWN = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _paused_customer(cli: Cli) -> str:
    """A customer whose pause was changed after it was created (the demo's R8 scenario)."""
    rows = cli.json(
        "pauses",
        "list",
        *MARCH,
        "--inactive",
        "--level",
        "contract",
        "--status",
        "changed",
        "--json",
    )
    return str(rows[0]["customer_id"])


def _at(entry: dict[str, Any], seconds: int = 0) -> str:
    return (datetime.fromisoformat(entry["timestamp"]) + timedelta(seconds=seconds)).isoformat()


# -- history ------------------------------------------------------------------------


def test_history_json_is_every_event_of_the_customer_in_order(
    demo_db: tuple[Cli, dict[str, Any]],
) -> None:
    cli, _ = demo_db
    customer = _paused_customer(cli)
    entries = cli.json("audit", "history", "--customer", customer, "--json")
    positions = [e["position"] for e in entries]
    assert positions == sorted(positions)
    names = [e["event"] for e in entries]
    assert names[0] == "CustomerRegistered"
    for name in (
        "ContractOpened",
        "OrderPlaced",
        "PauseCreated",
        "PauseChanged",
        "ContractPauseAttached",
        "AssignmentPlanned",
        "AssignmentConfirmed",
    ):
        assert name in names
    assert {e["aggregate"] for e in entries} == {
        "Customer",
        "Contract",
        "Order",
        "Pause",
        "Assignment",
    }
    assert all(e["actor"].startswith("demo-") and e["timestamp"] for e in entries)
    with connect(cli.url) as hc:
        assert entries == [
            e.model_dump(mode="json") for e in audit.history(hc, UUID(customer), page_size=7)
        ]


def test_history_table(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    customer = _paused_customer(cli)
    out = cli.ok("audit", "history", "--customer", customer).stdout
    assert f"History of customer {customer}" in out
    assert "PauseChanged" in out
    assert "demo-supervisor" in out


def test_history_bad_input(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    assert_one_line_error(cli("audit", "history", "--customer", UNKNOWN), "not_found", UNKNOWN)
    assert_one_line_error(cli("audit", "history", "--customer", "42"), "Malformed customer id")


# -- verify ---------------------------------------------------------------------------


def test_verify_json_and_pages(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    report = cli.json("audit", "verify", "--json")
    assert report["identical"] is True
    assert report["differences"] == []
    assert report["rows"] > 0
    assert "homecare_buffer_items" in report["tables"]
    assert "homecare_pause_overview_pauses" in report["tables"]
    seen: list[audit.VerifyProgress] = []
    with connect(cli.url) as hc:
        paged = audit.verify(hc, progress=seen.append, page_size=50)
    assert paged.identical
    assert len(seen) > 3  # one report per page: the log is never read whole
    assert [s.position for s in seen] == sorted(s.position for s in seen)
    assert seen[-1].position == seen[-1].total == paged.events
    assert seen[-1].events_per_second > 0


def test_verify_compares_every_table_the_dumps_show(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    with connect(cli.url) as hc:
        report = audit.verify(hc)
        assert set(report.tables) == set(hc.buffer.dump()) | set(hc.pauses.dump())


def test_verify_reports_a_row_altered_by_hand(cli: Cli) -> None:
    """On SQLite and PostgreSQL: D6 after the demo, then one projection row changed by hand."""
    cli.ok("demo", *SMALL)
    assert cli.ok("audit", "verify").stdout.startswith("identical")
    with connect(cli.url) as hc, hc.database.engine.begin() as conn:
        pause_id = conn.execute(
            select(overview_pauses.c.pause_id).where(overview_pauses.c.reason != "other").limit(1)
        ).scalar_one()
        conn.execute(
            update(overview_pauses)
            .where(overview_pauses.c.pause_id == pause_id)
            .values(reason="other", reason_text="edited by hand")
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "DIFFERENT" in result.stdout
    assert f"homecare_pause_overview_pauses [pause_id={pause_id}]" in result.stdout
    assert "reason: live 'other', rebuilt " in result.stdout
    report = cli("audit", "verify", "--json")
    assert report.exit_code == 1
    differences = audit.VerifyReport.model_validate_json(report.stdout).differences
    assert [(d.table, d.key, d.problem) for d in differences] == [
        ("homecare_pause_overview_pauses", {"pause_id": str(pause_id)}, "differs")
    ]
    assert {c.column for c in differences[0].columns} == {"reason", "reason_text"}


def test_verify_reports_missing_rows_and_ignores_the_delivery_mark(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("demo", *SMALL)
    with connect(sqlite_cli.url) as hc, hc.database.engine.begin() as conn:
        conn.execute(update(buffer_tables.delivery).values(delivered_position=0))
    assert sqlite_cli.ok("audit", "verify").stdout.startswith("identical")
    with connect(sqlite_cli.url) as hc, hc.database.engine.begin() as conn:
        gone = conn.execute(select(buffer_tables.staff.c.staff_id).limit(1)).scalar_one()
        conn.execute(delete(buffer_tables.staff).where(buffer_tables.staff.c.staff_id == gone))
    result = sqlite_cli("audit", "verify")
    assert result.exit_code == 1
    assert f"homecare_buffer_staff [staff_id={gone}]: missing from the live store" in result.stdout


def test_verify_with_a_cipher_key(tmp_path: Any) -> None:
    """Sealed columns are compared opened; personal data never appears in a difference (D8)."""
    cli = Cli(f"sqlite:///{tmp_path}/sealed.db", env={"HOMECARE_CIPHER_KEY": "A" * 43 + "="})
    cli.ok("demo", *SMALL)
    assert cli.ok("audit", "verify").stdout.startswith("identical")
    with connect(cli.url, cipher_key="A" * 43 + "=") as hc, hc.database.engine.begin() as conn:
        conn.execute(
            update(buffer_tables.customers).values(personnummer=hc.buffer.sealer.seal("x"))
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "personnummer: live (personal data, withheld)" in result.stdout


def test_verify_on_an_empty_store(sqlite_cli: Cli) -> None:
    report = sqlite_cli.json("audit", "verify", "--json")
    assert (report["identical"], report["events"], report["rows"]) == (True, 0, 0)


def test_verify_bad_input(tmp_path: Any) -> None:
    assert_one_line_error(Cli("sqlite://")("audit", "verify"), "SQLite store needs a file")
    assert_one_line_error(Cli(f"sqlite:///{tmp_path}/no/such/dir.db")("audit", "verify"))


# -- as of ----------------------------------------------------------------------------


def test_as_of_shows_pauses_and_visits_as_they_were(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    customer = _paused_customer(cli)
    entries = cli.json("audit", "history", "--customer", customer, "--json")
    created = next(e for e in entries if e["event"] == "PauseCreated")
    changed = next(e for e in entries if e["event"] == "PauseChanged")

    before = cli.json("audit", "as-of", _at(created, -1), "--customer", customer, "--json")
    assert before["pauses"] == []
    between = cli.json("audit", "as-of", _at(created), "--customer", customer, "--json")
    assert [p["status"] for p in between["pauses"]] == ["new"]
    after = cli.json("audit", "as-of", _at(changed), "--customer", customer, "--json")
    assert [p["status"] for p in after["pauses"]] == ["changed"]
    assert before["replayed_to"] < between["replayed_to"] <= after["replayed_to"]


def test_as_of_integration_status_then(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    delivered = cli.json("assignments", "list", "--status", "delivered", "--json")[0]
    customer = delivered["customer"]
    entries = cli.json("audit", "history", "--customer", customer, "--json")
    confirmed = next(
        e
        for e in entries
        if e["event"] == "AssignmentConfirmed" and e["aggregate_id"] == delivered["assignment_id"]
    )

    def status_at(when: str) -> tuple[str, str]:
        state = cli.json("audit", "as-of", when, "--customer", customer, "--json")
        visit = next(
            a for a in state["assignments"] if a["assignment_id"] == confirmed["aggregate_id"]
        )
        return visit["status"], visit["integration_status"]

    assert status_at(_at(confirmed, -1)) == ("attested", "not_confirmed")
    # Delivered now; then it was in the buffer (deliveries are acknowledgements, not events).
    assert status_at(_at(confirmed)) in {("confirmed", "queued"), ("confirmed", "held")}
    # R14: once the city's receipt had arrived (the demo's city drains after the last day)
    assert status_at("2026-04-15T00:00") == ("confirmed", "delivered")


def test_as_of_table(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    customer = _paused_customer(cli)
    out = cli.ok("audit", "as-of", "2026-03-26T12:00", "--customer", customer).stdout
    assert "as of 2026-03-26 12:00 Stockholm time" in out
    for title in ("Decisions", "Pauses", "Visits"):
        assert title in out


def test_as_of_bad_input(demo_db: tuple[Cli, dict[str, Any]]) -> None:
    cli, _ = demo_db
    customer = _paused_customer(cli)
    assert_one_line_error(cli("audit", "as-of", "yesterday", "--customer", customer), "timestamp")
    assert_one_line_error(cli("audit", "as-of", "2026-03-26", "--customer", UNKNOWN), "not_found")
    assert_one_line_error(
        cli("audit", "as-of", "2020-01-01T00:00Z", "--customer", customer), "not registered yet"
    )


@pytest.mark.parametrize("page_size", [1, 3, 1000])
def test_as_of_is_the_same_whatever_the_page_size(
    demo_db: tuple[Cli, dict[str, Any]], page_size: int
) -> None:
    cli, _ = demo_db
    customer = UUID(_paused_customer(cli))
    at = datetime.fromisoformat("2026-03-26T21:00:00+01:00")
    with connect(cli.url) as hc:
        assert audit.as_of(hc, customer, at, page_size=page_size) == audit.as_of(hc, customer, at)
